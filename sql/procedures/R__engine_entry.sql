-- The engine's public entry points besides pub (R__engine_job.sql): each is one transaction
-- that records what it applied, runs the cascade and leaves the database consistent.

-- A worker's response to the message it was given (the worker host's completion call): acks
-- the message, records the output and runs the activity's leg 2 with all that follows.
-- Returns 'applied', 'duplicate' (this message was answered before), 'stale' (its job is gone
-- or was replaced) or 'inactive' (its job no longer runs).
-- A pending response (status pending or code 202) is an interim leg 2: the message is retired
-- (never delivered again) but stays answerable by later responses (p_later: hotmesh.add):
-- pending ones are further interim entries, and the first final one (success or error) closes
-- the activity and the message; after it, every response is a duplicate. The worker's own
-- answer comes once: repeated (a retry after a lost connection), it is a duplicate too.
DROP FUNCTION IF EXISTS hotmesh.respond(bigint, jsonb);  -- without p_later before
CREATE OR REPLACE FUNCTION hotmesh.respond(
    p_message_id bigint,
    p_response jsonb,
    p_later boolean DEFAULT false
)
RETURNS text
LANGUAGE plpgsql
AS $$
BEGIN
    RETURN (hotmesh.engine_respond(p_message_id, p_response, p_later, false)).outcome;
END
$$;

-- respond's work, also for respond_next: besides the outcome, the message's stream (so that
-- respond_next needs no look-up of its own). p_handoff: hotmesh.handoff is set to that
-- stream's channel, the stream whose steps the caller claims at enqueue (engine_worker_leg1).
CREATE OR REPLACE FUNCTION hotmesh.engine_respond(
    p_message_id bigint,
    p_response jsonb,
    p_later boolean,
    p_handoff boolean,
    OUT outcome text,
    OUT app_id text,
    OUT stream_name text
)
LANGUAGE plpgsql
AS $$
DECLARE
    v_now        timestamptz := hotmesh.now();
    v_status     text := coalesce(p_response ->> 'status', 'success');
    v_code       integer;
    v_final      boolean;
    v_job_id     bigint;
    v_job_status integer;
    v_aid        text;
    v_dad        text;
    v_handoff    text;
    v_ran        integer;
BEGIN
    IF v_status NOT IN ('success', 'error', 'pending') THEN
        RAISE EXCEPTION 'respond: status must be success, error or pending, got %', v_status
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- Locks are taken job first, then its messages, everywhere (no deadlocks)
    SELECT j.id, j.status INTO v_job_id, v_job_status
    FROM hotmesh.worker_streams s
    JOIN hotmesh.jobs j
      ON j.app_id = s.app_id AND j.key = s.job_key AND j.gid = s.message #>> '{metadata,gid}'
    WHERE s.id = p_message_id
    FOR UPDATE OF j;
    v_code := coalesce((p_response ->> 'code')::integer,
                       CASE WHEN v_status = 'error' THEN 500 ELSE 200 END);
    v_final := v_status <> 'pending' AND v_code <> 202;
    -- answered finally at most once: the ledger of worker messages is responded_at
    UPDATE hotmesh.worker_streams s
    SET responded_at = CASE WHEN v_final THEN v_now END, expired_at = coalesce(s.expired_at, v_now)
    WHERE s.id = p_message_id AND s.responded_at IS NULL AND (p_later OR s.expired_at IS NULL)
    RETURNING s.activity_id, s.dimension, s.app_id, s.stream_name
    INTO v_aid, v_dad, app_id, stream_name;
    IF NOT FOUND AND NOT p_later THEN
        -- a retired message (its lease given up, e.g. dead-lettered) is still answerable,
        -- unless its activity took a response already (it was answered pending). Apart from
        -- the common case above: the sub-select would be set up on every call.
        UPDATE hotmesh.worker_streams s
        SET responded_at = CASE WHEN v_final THEN v_now END
        WHERE s.id = p_message_id AND s.responded_at IS NULL AND s.expired_at IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM hotmesh.activity_instances i
                          WHERE i.job_id = v_job_id AND i.activity_id = s.activity_id
                            AND i.dimension = s.dimension AND i.leg2_count > 0)
        RETURNING s.activity_id, s.dimension, s.app_id, s.stream_name
        INTO v_aid, v_dad, app_id, stream_name;
    END IF;
    IF NOT FOUND THEN
        SELECT s.app_id, s.stream_name INTO app_id, stream_name
        FROM hotmesh.worker_streams s WHERE s.id = p_message_id;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'respond: no worker message %', p_message_id
                USING ERRCODE = 'no_data_found';
        END IF;
        outcome := 'duplicate';
        RETURN;
    END IF;
    IF v_job_id IS NULL THEN
        outcome := 'stale';
        RETURN;
    END IF;
    IF v_job_status <= 0 THEN
        outcome := 'inactive';
        RETURN;
    END IF;
    IF p_handoff THEN
        -- (an assignment, not PERFORM: a simple expression needs no executor)
        v_handoff := set_config('hotmesh.handoff', hotmesh.stream_channel(app_id, stream_name),
                                true);
    END IF;
    v_ran := hotmesh.engine_cascade(jsonb_build_array(jsonb_build_object(
        'job_id', v_job_id, 'aid', v_aid, 'dad', v_dad,
        'leg', 2, 'kind', 'response', 'status', v_status,
        'code', v_code,
        'data', coalesce(p_response -> 'data', '{}'::jsonb))), p_locked => v_job_id);
    outcome := 'applied';
END
$$;

-- HotMesh's add(streamData): a response to a worker message sent from anywhere, later (e.g.
-- the final response of an activity whose worker answered pending). The message is found by
-- the metadata its callback received ({jid, gid, aid, dad}); the response is {status?, code?,
-- data} as a callback returns it. Returns what respond returns.
CREATE OR REPLACE FUNCTION hotmesh.add(p_app_id text, p_stream_data jsonb)
RETURNS text
LANGUAGE plpgsql
AS $$
DECLARE
    v_md         jsonb := p_stream_data -> 'metadata';
    v_message_id bigint;
BEGIN
    IF coalesce(p_stream_data ->> 'type', 'response') <> 'response' THEN
        RAISE EXCEPTION 'add: only responses to worker messages can be added, got type %',
            p_stream_data ->> 'type'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF jsonb_typeof(v_md) IS DISTINCT FROM 'object' OR NOT v_md ?& ARRAY['jid', 'aid', 'dad'] THEN
        RAISE EXCEPTION 'add: metadata must name the worker message: {jid, gid, aid, dad} as its callback received them'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT s.id INTO v_message_id FROM hotmesh.worker_streams s
    WHERE s.job_key = v_md ->> 'jid' AND s.app_id = p_app_id
      AND s.activity_id = v_md ->> 'aid' AND s.dimension = v_md ->> 'dad'
      AND (NOT v_md ? 'gid' OR s.message #>> '{metadata,gid}' = v_md ->> 'gid')
    ORDER BY s.id DESC
    LIMIT 1;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'add: no worker message of job % for activity % at %', v_md ->> 'jid',
            v_md ->> 'aid', v_md ->> 'dad'
            USING ERRCODE = 'no_data_found';
    END IF;
    RETURN hotmesh.respond(v_message_id, p_stream_data - 'metadata' - 'type', true);
END
$$;

-- A worker message of a job was dead-lettered (attempts or reclaims exhausted, or poison):
-- the job receives the failure as the worker's response, so it never waits forever.
-- Plain stream messages (no job) are left alone.
CREATE OR REPLACE FUNCTION hotmesh.engine_fail_message(
    p_message hotmesh.worker_streams,
    p_error jsonb
)
RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    IF p_message.job_key = '' OR p_message.message #>> '{metadata,aid}' IS NULL THEN
        RETURN;
    END IF;
    PERFORM hotmesh.respond(p_message.id, jsonb_build_object(
        'status', 'error',
        'code', CASE WHEN jsonb_typeof(p_error -> 'code') = 'number'
                     THEN (p_error ->> 'code')::integer ELSE 500 END,
        'data', coalesce(p_error, '{}'::jsonb)));
END
$$;

-- Run due engine work of an app: timers (hook sleep) and cascades deferred past the inline
-- bound. Each message runs in its own subtransaction: one that fails is dead-lettered with its
-- error and the others still commit. Returns how many messages ran.
CREATE OR REPLACE FUNCTION hotmesh.engine_step(p_app_id text, p_limit integer DEFAULT 100)
RETURNS integer
LANGUAGE plpgsql
AS $$
DECLARE
    v_now     timestamptz := hotmesh.now();
    v_message hotmesh.engine_streams;
    v_job     hotmesh.jobs;
    v_ran     integer := 0;
    v_item    jsonb;
BEGIN
    FOR v_message IN
        SELECT * FROM hotmesh.engine_streams e
        WHERE e.app_id = p_app_id AND e.reserved_at IS NULL AND e.expired_at IS NULL
          AND e.visible_at <= v_now
        ORDER BY e.visible_at, e.id
        LIMIT p_limit
        FOR UPDATE SKIP LOCKED
    LOOP
        -- the job is locked before the work, without waiting: a job busy in another
        -- transaction (which may be retiring this very timer) is left for the next step
        SELECT * INTO v_job FROM hotmesh.jobs
        WHERE app_id = p_app_id AND key = v_message.job_key
          AND (v_message.msg_type = 'transition' OR gid = v_message.message ->> 'gid')
          AND (v_message.msg_type <> 'transition'
               OR id = (v_message.message ->> 'job_id')::bigint)
        FOR UPDATE SKIP LOCKED;
        IF NOT FOUND THEN
            IF NOT EXISTS (SELECT 1 FROM hotmesh.jobs WHERE app_id = p_app_id
                           AND key = v_message.job_key) THEN
                UPDATE hotmesh.engine_streams SET expired_at = v_now WHERE id = v_message.id;
            END IF;
            CONTINUE;
        END IF;
        BEGIN
            UPDATE hotmesh.engine_streams SET expired_at = v_now, deliveries = deliveries + 1
            WHERE id = v_message.id;
            IF v_message.msg_type = 'transition' THEN
                v_item := v_message.message;
            ELSE
                v_item := jsonb_build_object(
                    'job_id', v_job.id, 'aid', v_message.activity_id,
                    'dad', v_message.dimension, 'leg', 2, 'kind', 'timehook',
                    'status', 'success', 'code', 200,
                    'data', jsonb_build_object('timestamp',
                        (extract(epoch FROM v_now) * 1000)::bigint));
            END IF;
            PERFORM hotmesh.engine_cascade(jsonb_build_array(v_item));
            v_ran := v_ran + 1;
        EXCEPTION WHEN OTHERS THEN
            UPDATE hotmesh.engine_streams
            SET expired_at = v_now, dead_lettered_at = v_now,
                dead_letter_reason = 'engine step failed',
                last_error = jsonb_build_object('message', SQLERRM, 'sqlstate', SQLSTATE)
            WHERE id = v_message.id;
        END;
    END LOOP;
    RETURN v_ran;
END
$$;

-- When the app's next engine message falls due (NULL when nothing waits): engines sleep
-- until then instead of polling blindly.
CREATE OR REPLACE FUNCTION hotmesh.engine_next_due(p_app_id text)
RETURNS timestamptz
LANGUAGE sql
STABLE
AS $$
    SELECT min(e.visible_at) FROM hotmesh.engine_streams e
    WHERE e.app_id = p_app_id AND e.reserved_at IS NULL AND e.expired_at IS NULL
$$;

-- The ids of the steps claimed at enqueue in this transaction (engine_worker_leg1 lists them
-- in hotmesh.claimed). One expression, so it inlines where it is used.
CREATE OR REPLACE FUNCTION hotmesh.engine_claimed()
RETURNS bigint[]
LANGUAGE sql
STABLE
AS $$
    SELECT string_to_array(rtrim(current_setting('hotmesh.claimed', true), ','), ',')::bigint[]
$$;

-- respond, and the consumer takes the steps it enqueues on the same stream in the same
-- transaction (a claim at enqueue, see respond_batch_next), then, up to p_batch, older ready
-- messages of that stream: a busy worker needs no separate dequeue (and no NOTIFY round trip)
-- for the step its response just enqueued. The first row carries the outcome of respond; its
-- message columns are NULL when nothing was taken.
CREATE OR REPLACE FUNCTION hotmesh.respond_next(
    p_message_id bigint,
    p_response jsonb,
    p_consumer text,
    p_batch integer DEFAULT 1,
    p_lease_ms integer DEFAULT 30000
)
RETURNS TABLE (
    outcome text,
    id bigint,
    message jsonb,
    delivery integer,
    retry_attempt integer,
    priority integer,
    job_key text,
    workflow_name text,
    created_at timestamptz
)
LANGUAGE plpgsql
AS $$
DECLARE
    v_answer  record;
    v_set     text;
    v_taken   integer := 0;
    v_more    integer;
BEGIN
    IF p_batch > 0 THEN
        -- (checked here, not by a shared helper: a call per answer costs more than the lines)
        IF p_batch > 1000 THEN
            RAISE EXCEPTION 'respond_next: batch must be from 0 to 1000, got %', p_batch
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        IF p_lease_ms IS NULL OR p_lease_ms < 1 THEN
            RAISE EXCEPTION 'respond_next: lease must be a positive number of milliseconds, got %',
                p_lease_ms
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        IF coalesce(p_consumer, '') = '' THEN
            RAISE EXCEPTION 'respond_next: consumer must be a non-empty string'
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        v_set := set_config('hotmesh.claim_left', p_batch::text, true);
        v_set := set_config('hotmesh.claim_consumer', p_consumer, true);
        v_set := set_config('hotmesh.claim_lease_ms', p_lease_ms::text, true);
        v_set := set_config('hotmesh.claimed', '', true);
    END IF;
    v_answer := hotmesh.engine_respond(p_message_id, p_response, false, p_batch > 0);
    IF p_batch > 0 THEN
        RETURN QUERY
        SELECT v_answer.outcome, s.id, s.message, s.deliveries, s.retry_attempt, s.priority,
               s.job_key, s.workflow_name, s.created_at
        FROM hotmesh.worker_streams s
        WHERE s.id = ANY (hotmesh.engine_claimed());
        GET DIAGNOSTICS v_taken = ROW_COUNT;
        v_set := set_config('hotmesh.claim_left', '0', true);
        v_set := set_config('hotmesh.claim_consumer', '', true);
        v_set := set_config('hotmesh.handoff', '', true);
        IF v_taken < p_batch THEN
            RETURN QUERY
            SELECT v_answer.outcome, d.*
            FROM hotmesh.stream_dequeue(v_answer.app_id, v_answer.stream_name, p_consumer,
                                        p_batch - v_taken, p_lease_ms, p_reclaim => false) d;
            GET DIAGNOSTICS v_more = ROW_COUNT;
            v_taken := v_taken + v_more;
        END IF;
        IF v_taken > 0 THEN
            RETURN;
        END IF;
    END IF;
    RETURN QUERY SELECT v_answer.outcome, NULL::bigint, NULL::jsonb, NULL::integer,
                        NULL::integer, NULL::integer, NULL::text, NULL::text,
                        NULL::timestamptz;
END
$$;

-- Many responses in one transaction (a busy worker answers what finished meanwhile at once):
-- one commit instead of one each. Responses are applied in the order of their jobs (app, key)
-- so that concurrent batches lock jobs in the same order. A failing response is reported
-- ('error: …') without undoing the others.
--
-- The jobs' keys are looked up message by message (a LATERAL subquery kept apart by OFFSET 0):
-- joined as a whole, the plan cached while worker_streams was small is a hash join over a
-- sequential scan of it, which the session keeps as the table grows.
--
-- The batch is first applied in one subtransaction; only when a response fails is it rolled
-- back and applied again with a subtransaction per response. (One per response always would
-- cost each an XID and a pg_subtrans entry, and a batch of more than 64 would overflow the
-- backend's subtransaction cache, which slows every other session's snapshots.) Settings made
-- with set_config(…, true) roll back with the subtransaction, so claims at enqueue
-- (respond_batch_next) count only what stays applied.
--
-- p_handoff: each response sets hotmesh.handoff to its message's stream (engine_respond).
DROP FUNCTION IF EXISTS hotmesh.engine_respond_batch(bigint[], jsonb[], boolean);
CREATE OR REPLACE FUNCTION hotmesh.engine_respond_batch(
    p_message_ids bigint[],
    p_responses jsonb[],
    p_handoff boolean
)
RETURNS TABLE (id bigint, outcome text)
LANGUAGE plpgsql
AS $$
DECLARE
    v_ids      bigint[];
    v_answers  jsonb[];
    v_outcomes text[] := '{}';
BEGIN
    IF cardinality(p_message_ids) IS DISTINCT FROM cardinality(p_responses) THEN
        RAISE EXCEPTION 'respond_batch: message ids and responses must be arrays of the same length'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT coalesce(array_agg(r.message_id ORDER BY k.app_id, k.job_key, r.message_id), '{}'),
           coalesce(array_agg(r.response ORDER BY k.app_id, k.job_key, r.message_id), '{}')
    INTO v_ids, v_answers
    FROM unnest(p_message_ids, p_responses) AS r (message_id, response)
    LEFT JOIN LATERAL (
        SELECT s.app_id, s.job_key FROM hotmesh.worker_streams s
        WHERE s.id = r.message_id
        OFFSET 0
    ) k ON true;
    BEGIN
        FOR i IN 1 .. cardinality(v_ids) LOOP
            v_outcomes := v_outcomes
                || (hotmesh.engine_respond(v_ids[i], v_answers[i], false, p_handoff)).outcome;
        END LOOP;
    EXCEPTION WHEN OTHERS THEN
        -- one of them failed (and all were undone): again, each on its own
        v_outcomes := '{}';
        FOR i IN 1 .. cardinality(v_ids) LOOP
            BEGIN
                v_outcomes := v_outcomes
                    || (hotmesh.engine_respond(v_ids[i], v_answers[i], false, p_handoff)).outcome;
            EXCEPTION WHEN OTHERS THEN
                v_outcomes := v_outcomes || ('error: ' || SQLERRM);
            END;
        END LOOP;
    END;
    RETURN QUERY SELECT v_ids[i], v_outcomes[i] FROM generate_subscripts(v_ids, 1) i;
END
$$;

CREATE OR REPLACE FUNCTION hotmesh.respond_batch(p_message_ids bigint[], p_responses jsonb[])
RETURNS TABLE (id bigint, outcome text)
LANGUAGE sql
AS $$
    SELECT * FROM hotmesh.engine_respond_batch(p_message_ids, p_responses, false)
$$;

-- respond_batch, and the worker that answered takes up to p_take of the steps the responses
-- enqueue on the streams of the messages answered, leased to p_consumer for p_lease_ms from
-- their insert (a claim at enqueue, engine_worker_leg1). They never wait in the ready state:
-- no NOTIFY, no dequeue, no second write of the row. Steps past p_take, and those of other
-- streams, are enqueued ready as usual (and wake their consumers).
-- Rows: the outcome of each response (id, outcome; message NULL), then the messages taken
-- (outcome NULL), in dequeue order. A worker passes the slots it has free: p_take 0 takes none.
CREATE OR REPLACE FUNCTION hotmesh.respond_batch_next(
    p_message_ids bigint[],
    p_responses jsonb[],
    p_consumer text,
    p_take integer,
    p_lease_ms integer DEFAULT 30000
)
RETURNS TABLE (
    id bigint,
    outcome text,
    message jsonb,
    delivery integer,
    retry_attempt integer,
    priority integer,
    job_key text,
    workflow_name text,
    created_at timestamptz
)
LANGUAGE plpgsql
AS $$
DECLARE
    v_set text;
BEGIN
    IF p_take IS NULL OR p_take NOT BETWEEN 0 AND 1000 THEN
        RAISE EXCEPTION 'respond_batch_next: take must be from 0 to 1000, got %', p_take
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_lease_ms IS NULL OR p_lease_ms < 1 THEN
        RAISE EXCEPTION 'respond_batch_next: lease must be a positive number of milliseconds, got %',
            p_lease_ms
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF coalesce(p_consumer, '') = '' THEN
        RAISE EXCEPTION 'respond_batch_next: consumer must be a non-empty string'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_take > 0 THEN  -- (a worker with no free slot takes none: no settings, no look-up)
        v_set := set_config('hotmesh.claim_left', p_take::text, true);
        v_set := set_config('hotmesh.claim_consumer', p_consumer, true);
        v_set := set_config('hotmesh.claim_lease_ms', p_lease_ms::text, true);
        v_set := set_config('hotmesh.claimed', '', true);
    END IF;
    RETURN QUERY
    SELECT b.id, b.outcome, NULL::jsonb, NULL::integer, NULL::integer, NULL::integer,
           NULL::text, NULL::text, NULL::timestamptz
    FROM hotmesh.engine_respond_batch(p_message_ids, p_responses, p_take > 0) b;
    IF p_take = 0 THEN
        RETURN;
    END IF;
    RETURN QUERY
    SELECT s.id, NULL::text, s.message, s.deliveries, s.retry_attempt, s.priority, s.job_key,
           s.workflow_name, s.created_at
    FROM hotmesh.worker_streams s
    WHERE s.id = ANY (hotmesh.engine_claimed())
    ORDER BY s.priority DESC, s.id;
    -- the claims end with this call (set_config(…, true) would keep them to the commit)
    v_set := set_config('hotmesh.claim_left', '0', true);
    v_set := set_config('hotmesh.claim_consumer', '', true);
    v_set := set_config('hotmesh.handoff', '', true);
END
$$;
