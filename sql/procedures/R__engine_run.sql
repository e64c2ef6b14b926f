-- Running one leg of one activity instance (the semantics of reference/core.md 3.5).
--
-- engine_run(job, item) is called by engine_cascade with the job row locked. It records the
-- step in the collation ledger (activity_instances), stores state, moves the semaphore and
-- returns the next work items. Leg 1 is an activity's entry (on a transition); leg 2 is what
-- comes back to it (a worker response, a child job's result, a signal, a timer, a cycle
-- re-entry).
--
-- Semaphore: every spawned child is one open obligation. An activity that completes applies
-- (children - 1); a duplex leg 1 (worker, await, waiting hook) applies 0; a leg 2 with status
-- 'pending' (code 202) applies +children and stays open.

CREATE OR REPLACE FUNCTION hotmesh.engine_run(p_job hotmesh.jobs, p_item jsonb)
RETURNS jsonb
LANGUAGE plpgsql
AS $$
DECLARE
    v_aid        text := p_item ->> 'aid';
    v_dad        text := p_item ->> 'dad';
    v_definition jsonb;
    v_type       text;
    v_threshold  double precision;
BEGIN
    IF p_job.status <= 0 THEN
        RETURN '[]'::jsonb;  -- complete, pending or interrupted: nothing runs any more
    END IF;
    SELECT g.definition, g.type INTO v_definition, v_type
    FROM hotmesh.graph_activities g
    WHERE g.app_id = p_job.app_id AND g.version = p_job.version AND g.activity_id = v_aid;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'job % (app %, version %) has no activity %', p_job.key, p_job.app_id,
            p_job.version, v_aid
            USING ERRCODE = 'no_data_found';
    END IF;

    IF (p_item ->> 'leg')::integer = 1 THEN
        IF v_definition #> '{expressions,statusThreshold}' IS NOT NULL THEN
            -- dynamic activation control: when only `threshold` obligations are left (this
            -- one among them), the activity does not run and they are closed instead
            v_threshold := hotmesh.js_to_number(hotmesh.engine_eval(
                v_definition #> '{expressions,statusThreshold}',
                hotmesh.engine_context_of(p_job, v_definition, v_dad)));
            IF v_threshold > 0 AND v_threshold <> 'NaN' AND p_job.status <= v_threshold THEN
                PERFORM hotmesh.engine_enter(p_job.id, v_aid, v_dad, p_item ->> 'from');
                RETURN hotmesh.engine_settle(p_job.id, -p_job.status);
            END IF;
        END IF;
        CASE hotmesh.engine_enter(p_job.id, v_aid, v_dad, p_item ->> 'from')
            WHEN 'replay' THEN
                RETURN '[]'::jsonb;
            WHEN 'join' THEN
                -- another branch arriving at a running instance: that branch is done
                RETURN hotmesh.engine_settle(p_job.id, -1);
            ELSE
                NULL;
        END CASE;
        RETURN CASE v_type
            WHEN 'worker' THEN hotmesh.engine_worker_leg1(p_job, v_definition, v_dad)
            WHEN 'await' THEN hotmesh.engine_await_leg1(p_job, v_definition, v_dad)
            WHEN 'hook' THEN hotmesh.engine_hook_leg1(p_job, v_definition, v_dad)
            WHEN 'signal' THEN hotmesh.engine_signal_leg1(p_job, v_definition, v_dad)
            WHEN 'cycle' THEN hotmesh.engine_cycle_leg1(p_job, v_definition, v_dad, p_item)
            WHEN 'interrupt' THEN hotmesh.engine_interrupt_leg1(p_job, v_definition, v_dad)
        END;
    END IF;
    RETURN hotmesh.engine_leg2(p_job, v_definition, v_dad, p_item);
END
$$;

-- Record leg 1 of an instance arrived at from p_source (the activity whose transition led
-- here): 'first' the first arrival, 'join' another branch arriving at it, 'replay' the same
-- transition again (which must change nothing).
CREATE OR REPLACE FUNCTION hotmesh.engine_enter(
    p_job_id bigint,
    p_aid text,
    p_dad text,
    p_source text DEFAULT ''
)
RETURNS text
LANGUAGE plpgsql
AS $$
DECLARE
    v_source   text := coalesce(p_source, '');
    v_arrivals integer;
BEGIN
    INSERT INTO hotmesh.activity_instances AS i (job_id, activity_id, dimension, entered_at,
                                                 sources)
    VALUES (p_job_id, p_aid, p_dad, hotmesh.now(), ARRAY[v_source])
    ON CONFLICT (job_id, activity_id, dimension) DO UPDATE
        SET arrivals = i.arrivals + 1, sources = i.sources || v_source
        WHERE NOT v_source = ANY (i.sources)
    RETURNING arrivals INTO v_arrivals;
    RETURN CASE WHEN v_arrivals IS NULL THEN 'replay'
                WHEN v_arrivals = 1 THEN 'first'
                ELSE 'join' END;
END
$$;

-- Store what leg 1 of an instance produced: its metadata, and output data when it maps some.
CREATE OR REPLACE FUNCTION hotmesh.engine_save_entry(
    p_job_id bigint,
    p_aid text,
    p_dad text,
    p_type text,
    p_output jsonb
)
RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    -- (engine_save_node's statement, inline: this runs for every activity)
    INSERT INTO hotmesh.jobs_attributes AS a (job_id, field, value, type)
    VALUES (p_job_id, p_aid || '/' || p_dad, jsonb_build_object(
        'output', jsonb_build_object(
            'metadata', jsonb_build_object('aid', p_aid, 'dad', p_dad, 'atp', p_type,
                                           'ac', hotmesh.now()))
            || CASE WHEN p_type IN ('hook', 'signal')
                    THEN jsonb_build_object('data', coalesce(p_output, '{}'::jsonb))
                    ELSE '{}'::jsonb END), 'output')
    ON CONFLICT (job_id, field) DO UPDATE SET value = a.value || excluded.value;
END
$$;

-- Finish an activity leg: map job data, take transitions, move the semaphore.
-- p_pending keeps the activity open (+children instead of children - 1); p_finalized says the
-- caller has finalized the instance in the ledger already.
DROP FUNCTION IF EXISTS hotmesh.engine_finish(hotmesh.jobs, jsonb, text, integer, boolean);
CREATE OR REPLACE FUNCTION hotmesh.engine_finish(
    p_job hotmesh.jobs,
    p_definition jsonb,
    p_dad text,
    p_code integer,
    p_pending boolean DEFAULT false,
    p_finalized boolean DEFAULT false
)
RETURNS jsonb
LANGUAGE plpgsql
AS $$
DECLARE
    v_aid      text := p_definition ->> 'id';
    v_maps     jsonb := p_definition #> '{maps,job}';
    v_emit     jsonb := p_definition #> '{expressions,emit}';
    v_persist  jsonb := p_definition #> '{expressions,persist}';
    v_targets  jsonb := p_definition #> ARRAY['next', p_code::text];
    v_context  jsonb;  -- loaded only when an expression needs it
    v_children jsonb;
    v_closing  jsonb := '[]'::jsonb;
    v_delta    integer;
BEGIN
    -- (each engine_* call only when its argument is there: this runs for every activity)
    IF v_maps IS NOT NULL THEN
        IF hotmesh.engine_dynamic(v_maps) THEN
            v_context := hotmesh.engine_context_of(p_job, p_definition, p_dad);
        END IF;
        PERFORM hotmesh.engine_apply_job_maps(p_job.id, v_maps, v_context);
    END IF;
    IF coalesce((p_definition ->> 'conditional')::boolean, true)
       OR (v_emit IS NOT NULL AND hotmesh.engine_dynamic(v_emit))
       OR (v_persist IS NOT NULL AND hotmesh.engine_dynamic(v_persist)) THEN
        v_context := hotmesh.engine_context_of(p_job, p_definition, p_dad);  -- after job maps
    END IF;
    IF jsonb_array_length(v_targets) = 1 THEN
        -- one child by the compiled "next" (engine_children's own shortcut, without the call)
        v_children := jsonb_build_array(jsonb_build_object(
            'job_id', p_job.id, 'aid', v_targets ->> 0, 'dad', p_dad || ',0', 'leg', 1,
            'from', v_aid));
    ELSE
        v_children := hotmesh.engine_children(p_job, v_aid, p_dad, p_code, v_context,
                                              p_definition -> 'next');
    END IF;
    IF NOT p_pending AND NOT p_finalized THEN
        UPDATE hotmesh.activity_instances SET finalized_at = hotmesh.now()
        WHERE job_id = p_job.id AND activity_id = v_aid AND dimension = p_dad;
    END IF;
    v_delta := jsonb_array_length(v_children) - CASE WHEN p_pending THEN 0 ELSE 1 END;
    IF v_delta <> 0 THEN  -- a step that hands its obligation to one child moves nothing
        v_closing := hotmesh.engine_settle(p_job.id, v_delta);
    END IF;
    -- persist runs the completion tasks (a parent gets the result); else emit announces the
    -- interim state (a parent gets a pending result)
    IF v_persist IS NOT NULL AND hotmesh.engine_truthy(v_persist, v_context) THEN
        v_closing := v_closing || hotmesh.engine_complete(p_job.id, NULL, true);
    ELSIF v_emit IS NOT NULL AND hotmesh.engine_truthy(v_emit, v_context) THEN
        v_closing := v_closing || hotmesh.engine_emit(p_job.id);
    END IF;
    RETURN v_children || v_closing;
END
$$;

-- Whether a compiled expression (or a list of job-map entries) needs the context: constants
-- carry their value and need none.
CREATE OR REPLACE FUNCTION hotmesh.engine_dynamic(p_compiled jsonb)
RETURNS boolean
LANGUAGE plpgsql
IMMUTABLE
AS $$
BEGIN
    IF p_compiled IS NULL OR jsonb_typeof(p_compiled) = 'null' THEN
        RETURN false;
    ELSIF jsonb_typeof(p_compiled) = 'array' THEN
        RETURN EXISTS (SELECT 1 FROM jsonb_array_elements(p_compiled) e WHERE NOT e ? 'value');
    END IF;
    RETURN NOT p_compiled ? 'value';
END
$$;

CREATE OR REPLACE FUNCTION hotmesh.engine_truthy(p_expression jsonb, p_context jsonb)
RETURNS boolean
LANGUAGE plpgsql
AS $$
BEGIN
    RETURN p_expression IS NOT NULL
       AND hotmesh.js_truthy(hotmesh.engine_eval(p_expression, p_context));
END
$$;

-- worker, leg 1: map the input and publish a message to the worker topic.
--
-- A claim at enqueue (respond_batch_next): while the setting hotmesh.claim_left is above 0, a
-- message for the stream of the answer being applied (hotmesh.handoff) is inserted already
-- leased to hotmesh.claim_consumer, its id added to hotmesh.claimed: the consumer that
-- answered takes the step at once, with no ready state, no NOTIFY and no dequeue of its own.
-- Any other step wakes a consumer waiting on its stream.
CREATE OR REPLACE FUNCTION hotmesh.engine_worker_leg1(
    p_job hotmesh.jobs,
    p_definition jsonb,
    p_dad text
)
RETURNS jsonb
LANGUAGE plpgsql
AS $$
DECLARE
    v_aid     text := p_definition ->> 'id';
    v_maps    jsonb := p_definition #> '{maps,input}';
    v_context jsonb;
    v_input   jsonb;
    v_topic   jsonb := p_definition #> '{expressions,topic}';
    v_handoff text := coalesce(current_setting('hotmesh.handoff', true), '');
    v_left    integer := 0;
    v_claim   boolean := false;
    v_now     timestamptz := hotmesh.now();
    v_id      bigint;
    v_set     text;
BEGIN
    IF (v_maps IS NOT NULL AND hotmesh.engine_dynamic(v_maps))
       OR hotmesh.engine_dynamic(v_topic) THEN
        v_context := hotmesh.engine_context_of(p_job, p_definition, p_dad);
    END IF;
    IF v_maps IS NOT NULL THEN
        v_input := hotmesh.engine_eval(v_maps, v_context);
    END IF;
    v_input := coalesce(v_input, '{}'::jsonb);
    -- a constant topic (the usual) is its value; an expression is evaluated
    v_topic := CASE WHEN v_topic ? 'value' THEN v_topic -> 'value'
                    ELSE hotmesh.engine_eval(v_topic, v_context) END;
    IF jsonb_typeof(v_topic) IS DISTINCT FROM 'string' OR v_topic = '""'::jsonb THEN
        RAISE EXCEPTION 'activity % of job %: the worker topic resolved to %, not a topic name',
            v_aid, p_job.key, coalesce(v_topic::text, 'undefined')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- (the claim settings are read only while a handoff stream is set: respond_next and
    -- respond_batch_next set both, and the secured functions pin the handoff empty, so a
    -- session's own claim settings never reach here)
    IF v_handoff <> '' THEN
        v_left := coalesce(nullif(current_setting('hotmesh.claim_left', true), ''), '0')::integer;
        v_claim := v_left > 0 AND hotmesh.stream_channel(p_job.app_id, v_topic #>> '{}') = v_handoff;
    END IF;
    -- the engine writes its own, well-formed messages directly (stream_publish validates
    -- callers' input; this is the hot path of every step)
    INSERT INTO hotmesh.worker_streams (app_id, stream_name, job_key, activity_id, dimension,
                                        message, created_at, visible_at, reserved_at,
                                        reserved_by, lease_expires_at, deliveries)
    VALUES (p_job.app_id, v_topic #>> '{}', p_job.key, v_aid, p_dad,
            jsonb_build_object(
                'metadata', jsonb_build_object('jid', p_job.key, 'gid', p_job.gid,
                                               'aid', v_aid, 'dad', p_dad,
                                               'topic', v_topic #>> '{}')
                            -- (the trace ids only when the job has some: no call otherwise)
                            || CASE WHEN p_job.context -> 'metadata' ? 'trc'
                                    THEN hotmesh.engine_trace(p_job) ELSE '{}'::jsonb END,
                'data', v_input),
            v_now, v_now,
            CASE WHEN v_claim THEN v_now END,
            CASE WHEN v_claim THEN current_setting('hotmesh.claim_consumer') END,
            CASE WHEN v_claim
                 THEN v_now + current_setting('hotmesh.claim_lease_ms')::integer
                              * interval '1 millisecond' END,
            CASE WHEN v_claim THEN 1 ELSE 0 END)
    RETURNING id INTO v_id;
    IF v_claim THEN
        v_set := set_config('hotmesh.claim_left', (v_left - 1)::text, true);
        v_set := set_config('hotmesh.claimed',
                            current_setting('hotmesh.claimed', true) || v_id || ',', true);
    ELSE
        -- wake a consumer waiting on the stream (a claimed step is the answering worker's)
        v_set := hotmesh.notify_listeners(
                     hotmesh.stream_channel(p_job.app_id, v_topic #>> '{}'))::text;
    END IF;
    -- No attribute row until the worker answers: the ledger row engine_enter wrote holds
    -- what leg 1 would store (aid, dad, ac), leg 2 writes the node whole, and get_raw and
    -- export show an unanswered worker activity from the ledger (R__engine_query.sql). One
    -- write less in every step.
    RETURN '[]'::jsonb;
END
$$;

-- await, leg 1: start the child job; awaited, the child's result is this activity's leg 2;
-- with await: false the leg 2 follows at once with the child's id.
CREATE OR REPLACE FUNCTION hotmesh.engine_await_leg1(
    p_job hotmesh.jobs,
    p_definition jsonb,
    p_dad text
)
RETURNS jsonb
LANGUAGE plpgsql
AS $$
DECLARE
    v_aid     text := p_definition ->> 'id';
    v_context jsonb := hotmesh.engine_context_of(p_job, p_definition, p_dad);
    v_input   jsonb := coalesce(hotmesh.engine_eval(p_definition #> '{maps,input}', v_context),
                                '{}'::jsonb);
    v_topic   text := hotmesh.engine_eval(p_definition #> '{expressions,topic}', v_context) #>> '{}';
    v_await   boolean := p_definition #> '{expressions,await}' IS NULL
                         OR hotmesh.engine_truthy(p_definition #> '{expressions,await}', v_context);
    v_child   jsonb;
BEGIN
    v_child := hotmesh.engine_start_job(
        p_job.app_id, v_topic, v_input,
        jsonb_build_object('pj', p_job.key, 'pg', p_job.gid, 'pa', v_aid, 'pd', p_dad,
                           'px', NOT v_await, 'oj', coalesce(p_job.origin_key, p_job.key))
            || hotmesh.engine_trace(p_job),
        NULL);
    PERFORM hotmesh.engine_save_entry(p_job.id, v_aid, p_dad, 'await', NULL);
    IF NOT v_await THEN
        RETURN (v_child -> 'items') || jsonb_build_array(jsonb_build_object(
            'job_id', p_job.id, 'aid', v_aid, 'dad', p_dad, 'leg', 2, 'kind', 'result',
            'status', 'success', 'code', 200,
            'data', jsonb_build_object('job_id', v_child ->> 'key')));
    END IF;
    RETURN v_child -> 'items';
END
$$;

-- hook, leg 1: a waiter when it sleeps (a timer) or a hook rule routes signals to it;
-- otherwise a passthrough that completes at once.
CREATE OR REPLACE FUNCTION hotmesh.engine_hook_leg1(
    p_job hotmesh.jobs,
    p_definition jsonb,
    p_dad text
)
RETURNS jsonb
LANGUAGE plpgsql
AS $$
DECLARE
    v_aid      text := p_definition ->> 'id';
    v_context  jsonb := hotmesh.engine_context_of(p_job, p_definition, p_dad);
    v_sleep    double precision := hotmesh.js_to_number(
                   hotmesh.engine_eval(p_definition #> '{expressions,sleep}', v_context));
    v_waits    boolean := EXISTS (
                   SELECT 1 FROM hotmesh.graph_hooks h
                   WHERE h.app_id = p_job.app_id AND h.version = p_job.version
                     AND h.activity_id = v_aid);
    v_output   jsonb;
    v_early    jsonb := '[]'::jsonb;
BEGIN
    v_output := hotmesh.engine_eval(p_definition #> '{maps,output}', v_context);
    PERFORM hotmesh.engine_save_entry(p_job.id, v_aid, p_dad, 'hook', v_output);
    -- (NaN sorts above every number in Postgres: undefined must not count as > 0)
    IF v_sleep > 0 AND v_sleep NOT IN ('Infinity', 'NaN') THEN
        INSERT INTO hotmesh.engine_streams (app_id, job_key, activity_id, dimension, msg_type,
                                            message, priority, created_at, visible_at)
        VALUES (p_job.app_id, p_job.key, v_aid, p_dad, 'timehook',
                jsonb_build_object('gid', p_job.gid, 'aid', v_aid, 'dad', p_dad,
                                   'kind', 'timehook'),
                5, hotmesh.now(), hotmesh.now() + v_sleep * interval '1 second');
        v_waits := true;
    END IF;
    IF NOT v_waits THEN
        RETURN hotmesh.engine_finish(p_job, p_definition, p_dad, 200);
    END IF;
    -- a waiter: register for signals (an early signal is delivered right away)
    RETURN hotmesh.engine_register_waiter(p_job, v_aid, p_dad, v_context);
END
$$;

-- signal, leg 1: signal one waiter (or all matching) on a hook topic, then continue.
CREATE OR REPLACE FUNCTION hotmesh.engine_signal_leg1(
    p_job hotmesh.jobs,
    p_definition jsonb,
    p_dad text
)
RETURNS jsonb
LANGUAGE plpgsql
AS $$
DECLARE
    v_aid     text := p_definition ->> 'id';
    v_context jsonb := hotmesh.engine_context_of(p_job, p_definition, p_dad);
    v_topic   text := hotmesh.engine_eval(p_definition #> '{expressions,topic}', v_context) #>> '{}';
    v_data    jsonb := coalesce(hotmesh.engine_eval(p_definition #> '{maps,signal}', v_context),
                                '{}'::jsonb);
    v_status  text := coalesce(hotmesh.engine_eval(p_definition #> '{expressions,status}',
                                                   v_context) #>> '{}', 'success');
    v_code    integer := coalesce((hotmesh.engine_eval(p_definition #> '{expressions,code}',
                                                       v_context) #>> '{}')::integer, 200);
    v_items   jsonb;
    v_output  jsonb;
BEGIN
    IF p_definition #>> '{settings,subtype}' = 'all' THEN
        v_items := hotmesh.engine_signal_all(p_job.app_id, v_topic, v_data, v_status, v_code);
    ELSE
        v_items := hotmesh.engine_signal(p_job.app_id, v_topic, v_data, v_status, v_code);
    END IF;
    v_output := hotmesh.engine_eval(p_definition #> '{maps,output}', v_context);
    PERFORM hotmesh.engine_save_entry(p_job.id, v_aid, p_dad, 'signal', v_output);
    RETURN v_items || hotmesh.engine_finish(p_job, p_definition, p_dad, 200);
END
$$;

-- cycle, leg 1: re-enter the ancestor in a new dimension with the mapped input as its output.
-- The cycle itself applies 0 to the semaphore: the re-entered ancestor carries its obligation.
CREATE OR REPLACE FUNCTION hotmesh.engine_cycle_leg1(
    p_job hotmesh.jobs,
    p_definition jsonb,
    p_dad text,
    p_item jsonb
)
RETURNS jsonb
LANGUAGE plpgsql
AS $$
DECLARE
    v_aid       text := p_definition ->> 'id';
    v_context   jsonb := hotmesh.engine_context_of(p_job, p_definition, p_dad);
    v_input     jsonb := hotmesh.engine_eval(p_definition #> '{maps,input}', v_context);
    v_ancestor  text := p_definition #>> '{settings,ancestor}';
    v_depth     integer;
    v_base      text;
    v_iteration integer;
BEGIN
    SELECT (g.definition ->> 'depth')::integer INTO v_depth
    FROM hotmesh.graph_activities g
    WHERE g.app_id = p_job.app_id AND g.version = p_job.version AND g.activity_id = v_ancestor;
    -- iterations count on the ancestor's first instance (its address with the last segment 0)
    v_base := hotmesh.engine_dad_at(hotmesh.engine_dad_at(p_dad, v_depth - 1), v_depth);
    UPDATE hotmesh.activity_instances
    SET leg2_count = leg2_count + 1
    WHERE job_id = p_job.id AND activity_id = v_ancestor AND dimension = v_base
    RETURNING leg2_count INTO v_iteration;
    IF v_iteration IS NULL THEN
        RAISE EXCEPTION 'cycle % of job %: ancestor % has not run', v_aid, p_job.key, v_ancestor;
    END IF;
    IF v_iteration > 10000 THEN
        RAISE EXCEPTION 'cycle % of job % exceeded 10000 iterations', v_aid, p_job.key
            USING ERRCODE = 'program_limit_exceeded';
    END IF;
    PERFORM hotmesh.engine_save_entry(p_job.id, v_aid, p_dad, 'cycle', NULL);
    UPDATE hotmesh.activity_instances SET finalized_at = hotmesh.now()
    WHERE job_id = p_job.id AND activity_id = v_aid AND dimension = p_dad;
    RETURN jsonb_build_array(jsonb_build_object(
        'job_id', p_job.id, 'aid', v_ancestor,
        'dad', hotmesh.engine_dad_at(p_dad, v_depth - 1) || ',' || v_iteration,
        'leg', 2, 'kind', 'reentry', 'status', 'success', 'code', 200,
        'data', coalesce(v_input, '{}'::jsonb)));
END
$$;

-- interrupt, leg 1: interrupt this job (the activity ends the job) or another one.
CREATE OR REPLACE FUNCTION hotmesh.engine_interrupt_leg1(
    p_job hotmesh.jobs,
    p_definition jsonb,
    p_dad text
)
RETURNS jsonb
LANGUAGE plpgsql
AS $$
DECLARE
    v_aid     text := p_definition ->> 'id';
    v_context jsonb := hotmesh.engine_context_of(p_job, p_definition, p_dad);
    v_target  text := hotmesh.engine_eval(p_definition #> '{expressions,target}', v_context) #>> '{}';
    v_options jsonb := jsonb_strip_nulls(jsonb_build_object(
        'reason', hotmesh.engine_eval(p_definition #> '{expressions,reason}', v_context),
        'throw', hotmesh.engine_eval(p_definition #> '{expressions,throw}', v_context),
        'code', hotmesh.engine_eval(p_definition #> '{expressions,code}', v_context),
        'expire', hotmesh.engine_eval(p_definition #> '{expressions,expire}', v_context),
        'stack', hotmesh.engine_eval(p_definition #> '{expressions,stack}', v_context)));
BEGIN
    PERFORM hotmesh.engine_apply_job_maps(p_job.id, p_definition #> '{maps,job}', v_context);
    PERFORM hotmesh.engine_save_entry(p_job.id, v_aid, p_dad, 'interrupt', NULL);
    IF v_target IS NULL OR v_target = p_job.key THEN
        UPDATE hotmesh.activity_instances SET finalized_at = hotmesh.now()
        WHERE job_id = p_job.id AND activity_id = v_aid AND dimension = p_dad;
        RETURN hotmesh.engine_interrupt_job(p_job.id, v_options);
    END IF;
    RETURN hotmesh.engine_interrupt_key(p_job.app_id, v_target, v_options, true)
        || hotmesh.engine_finish(p_job, p_definition, p_dad, 200);
END
$$;

-- Leg 2 of any duplex activity: a worker response, a child's result, a signal or timer for a
-- hook, a cycle's re-entry of its ancestor.
CREATE OR REPLACE FUNCTION hotmesh.engine_leg2(
    p_job hotmesh.jobs,
    p_definition jsonb,
    p_dad text,
    p_item jsonb
)
RETURNS jsonb
LANGUAGE plpgsql
AS $$
DECLARE
    v_aid      text := p_definition ->> 'id';
    v_kind     text := p_item ->> 'kind';
    v_status   text := coalesce(p_item ->> 'status', 'success');
    v_code     integer := coalesce((p_item ->> 'code')::integer,
                                   CASE WHEN v_status = 'error' THEN 500 ELSE 200 END);
    v_pending  boolean := v_status = 'pending' OR v_code = 202;
    v_entry    integer;
    v_entered  timestamptz;
    v_dad      text := p_dad;
    v_context  jsonb;
    v_node     jsonb;
    v_children jsonb;
BEGIN
    IF v_kind = 'reentry' THEN
        -- a cycle's new iteration: a fresh instance of the ancestor in a new dimension
        PERFORM hotmesh.engine_enter(p_job.id, v_aid, p_dad, 'cycle');
    END IF;
    -- the ledger in one statement: count the entry, and finalize unless it keeps the
    -- instance open; an instance already finalized takes no more (a late or duplicate
    -- message, a timer after the signal won, …)
    UPDATE hotmesh.activity_instances
    SET leg2_count = leg2_count + 1,
        finalized_at = CASE WHEN v_pending THEN NULL ELSE hotmesh.now() END
    WHERE job_id = p_job.id AND activity_id = v_aid AND dimension = p_dad
      AND finalized_at IS NULL
    RETURNING leg2_count, entered_at INTO v_entry, v_entered;
    IF NOT FOUND THEN
        RETURN '[]'::jsonb;
    END IF;
    IF v_entry > 1 AND v_kind <> 'reentry' THEN
        -- another leg 2 of an instance kept open (code 202): a new dimension for its output
        -- and its children, so they do not collide with the earlier entries'
        v_dad := hotmesh.engine_dad_at(p_dad, length(p_dad) - length(replace(p_dad, ',', '')) - 1)
                 || ',' || (v_entry - 1);
    END IF;
    IF v_kind IN ('timehook', 'webhook') THEN
        IF NOT v_pending THEN
            -- the first of timer and signal wins: retire the other
            UPDATE hotmesh.signals SET consumed_at = hotmesh.now()
            WHERE job_id = p_job.id AND activity_id = v_aid AND dimension = p_dad
              AND kind = 'waiter' AND consumed_at IS NULL;
            UPDATE hotmesh.engine_streams SET expired_at = hotmesh.now()
            WHERE job_key = p_job.key AND app_id = p_job.app_id AND activity_id = v_aid
              AND dimension = p_dad AND msg_type = 'timehook' AND expired_at IS NULL;
        END IF;
        v_node := jsonb_build_object('hook', jsonb_build_object('data', p_item -> 'data'));
    ELSE
        v_node := jsonb_build_object('output', jsonb_build_object(
            'data', coalesce(p_item -> 'data', '{}'::jsonb),
            'metadata', jsonb_build_object(
                'aid', v_aid, 'dad', v_dad, 'atp', p_definition ->> 'type',
                'ac', v_entered, 'au', hotmesh.now(), 'code', v_code)
                || CASE WHEN v_status = 'error'
                        THEN jsonb_build_object('err', p_item -> 'data') ELSE '{}'::jsonb END));
    END IF;
    -- (engine_save_node's statement, inline: this runs for every response). Leg 2 adds to
    -- the metadata leg 1 wrote (au, code, err beside aid, atp, ac), as HotMesh persists it.
    INSERT INTO hotmesh.jobs_attributes AS a (job_id, field, value, type)
    VALUES (p_job.id, v_aid || '/' || v_dad, v_node, 'output')
    ON CONFLICT (job_id, field) DO UPDATE
    SET value = a.value || CASE
        WHEN excluded.value ? 'output' AND a.value #> '{output,metadata}' IS NOT NULL
        THEN jsonb_set(excluded.value, '{output,metadata}',
                       (a.value #> '{output,metadata}') || (excluded.value #> '{output,metadata}'))
        ELSE excluded.value END;

    IF p_definition #> '{maps,output}' IS NOT NULL AND v_kind IN ('timehook', 'webhook') THEN
        -- a hook maps its output again once the signal (or timer) payload is there
        v_context := hotmesh.engine_context_of(p_job, p_definition, v_dad);
        PERFORM hotmesh.engine_save_node(p_job.id, v_aid, v_dad, jsonb_build_object(
            'output', coalesce(v_context #> ARRAY[v_aid, 'output'], '{}'::jsonb)
                      || jsonb_build_object('data', coalesce(
                             hotmesh.engine_eval(p_definition #> '{maps,output}', v_context),
                             '{}'::jsonb))));
    END IF;

    IF v_status = 'error' THEN
        v_context := hotmesh.engine_context_of(p_job, p_definition, v_dad);
        v_children := hotmesh.engine_children(p_job, v_aid, v_dad, v_code, v_context,
                                              p_definition -> 'next');
        IF jsonb_array_length(v_children) = 0 THEN
            -- no transition handles the error: the job ends with it (code 597 semantics)
            RETURN hotmesh.engine_fail_job(p_job.id, v_aid, v_code, p_item -> 'data');
        END IF;
    END IF;
    RETURN hotmesh.engine_finish(p_job, p_definition, v_dad, v_code, v_pending, true);
END
$$;
