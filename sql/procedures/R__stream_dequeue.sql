-- Claim up to p_batch ready messages of a worker stream for p_consumer, leased for p_lease_ms.
--
-- When fewer messages are ready than asked for, expired leases are reclaimed
-- (R__stream_reclaim.sql) and claimed in the same call, so a crashed consumer's messages come
-- back without a separate sweeper. Only then: a reclaim costs as much as a claim, and on a
-- stream that never runs dry the worker host sweeps on its heartbeat (stream_reclaim). The
-- claim is a MATERIALIZED CTE with FOR UPDATE SKIP LOCKED: competing consumers never wait on
-- each other and never claim more than p_batch rows. Order: priority (higher first), then id,
-- both for which messages are claimed and for the order the batch is returned in (reclaimed
-- messages, claimed second, follow the others).
-- delivery is the lease's fencing token: ack, heartbeat, fail and release must present it.
--
-- p_durable false: a claim alone (the worker host's dequeue) commits without waiting for its
-- WAL flush. A lease is soft state: if a crash loses it, the message is simply ready again and
-- delivered again, exactly as if the consumer had crashed, and the commit wait saved is the
-- largest part of a claim's latency. (Called inside another transaction, e.g. respond_next,
-- the claim keeps the default, so that transaction's durability is untouched.)
--
-- p_reclaim false: no reclaim when short (respond_next's claim of the step it just enqueued:
-- the worker's own dequeue, which follows whenever that claim comes back short, reclaims).
--
-- The claim runs with the session's one generic plan (an ordered scan of the ready index):
-- left to choose, Postgres planned it anew on half the calls of a streams benchmark run
-- (6,255 of 12,841, 0.2 ms a plan), as the statistics of a growing table made the generic plan
-- look dearer than one made for the values at hand. (Settings a function makes with
-- set_config(..., true) outlive the SET clause: synchronous_commit stays off to the commit.)
DROP FUNCTION IF EXISTS hotmesh.stream_dequeue(text, text, text, integer, integer);
DROP FUNCTION IF EXISTS hotmesh.stream_dequeue(text, text, text, integer, integer, boolean);
CREATE OR REPLACE FUNCTION hotmesh.stream_dequeue(
    p_app_id text,
    p_stream text,
    p_consumer text,
    p_batch integer DEFAULT 10,
    p_lease_ms integer DEFAULT 30000,
    p_durable boolean DEFAULT true,
    p_reclaim boolean DEFAULT true
)
RETURNS TABLE (
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
SET plan_cache_mode = force_generic_plan
AS $$
#variable_conflict use_column
DECLARE
    v_now   timestamptz := hotmesh.now();
    v_taken integer := 0;
    v_got   integer;
BEGIN
    IF p_batch IS NULL OR p_batch NOT BETWEEN 1 AND 1000 THEN
        RAISE EXCEPTION 'stream_dequeue: batch must be from 1 to 1000, got %', p_batch
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_lease_ms IS NULL OR p_lease_ms < 1 THEN
        RAISE EXCEPTION 'stream_dequeue: lease must be a positive number of milliseconds, got %',
            p_lease_ms
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF coalesce(p_consumer, '') = '' THEN
        RAISE EXCEPTION 'stream_dequeue: consumer must be a non-empty string'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF NOT p_durable THEN
        PERFORM set_config('synchronous_commit', 'off', true);  -- this transaction only
    END IF;

    FOR v_round IN 1 .. 2 LOOP
        -- RETURNING comes back in the join's order (a hash join gives physical order), so the
        -- batch is sorted again to hand it over in claim order.
        RETURN QUERY
        WITH ready AS MATERIALIZED (
            SELECT s.id
            FROM hotmesh.worker_streams s
            WHERE s.app_id = p_app_id
              AND s.stream_name = p_stream
              AND s.reserved_at IS NULL
              AND s.expired_at IS NULL
              AND s.visible_at <= v_now
            ORDER BY s.priority DESC, s.id
            LIMIT p_batch - v_taken
            FOR UPDATE SKIP LOCKED
        ),
        claimed AS (
            UPDATE hotmesh.worker_streams s
            SET reserved_at      = v_now,
                reserved_by      = p_consumer,
                lease_expires_at = v_now + p_lease_ms * interval '1 millisecond',
                deliveries       = s.deliveries + 1
            FROM ready
            WHERE s.id = ready.id
            RETURNING s.id, s.message, s.deliveries, s.retry_attempt, s.priority, s.job_key,
                      s.workflow_name, s.created_at
        )
        SELECT c.id, c.message, c.deliveries, c.retry_attempt, c.priority, c.job_key,
               c.workflow_name, c.created_at
        FROM claimed c
        ORDER BY c.priority DESC, c.id;
        GET DIAGNOSTICS v_got = ROW_COUNT;
        v_taken := v_taken + v_got;
        EXIT WHEN v_taken >= p_batch OR v_round = 2 OR NOT p_reclaim
               OR hotmesh.stream_reclaim(p_app_id, p_stream, p_batch - v_taken) = 0;
    END LOOP;
END
$$;
