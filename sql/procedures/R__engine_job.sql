-- Starting and ending jobs.
--
-- engine_start_job runs a graph's trigger (job id, entity, job.maps, children) and returns the
-- items that follow; pub() is its public entry point. engine_complete runs a job's completion
-- tasks when its semaphore reaches 0: expiry, retiring hooks still waiting, the NOTIFY that
-- pubsub and sub listen to, and the result for an awaiting parent job (returned as a work
-- item, run in the same transaction).

-- The channel on which an app's job completions (and emits) are announced.
CREATE OR REPLACE FUNCTION hotmesh.job_channel(p_app_id text)
RETURNS text
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
AS $$
    SELECT 'hotmesh_j_' || md5(p_app_id)
$$;

CREATE OR REPLACE FUNCTION hotmesh.engine_start_job(
    p_app_id text,
    p_topic text,
    p_data jsonb,
    p_metadata jsonb,
    p_pending integer
)
RETURNS jsonb
LANGUAGE plpgsql
AS $$
DECLARE
    v_now        timestamptz := hotmesh.now();
    v_version    text;
    v_trigger    text;
    v_definition jsonb;
    v_input      jsonb := coalesce(p_data, '{}'::jsonb);
    v_context    jsonb;
    v_key        text;
    v_job        hotmesh.jobs;
    v_children   jsonb;
    v_items      jsonb;
    v_id_expression jsonb;
    v_emit       jsonb;
    v_targets    jsonb;
BEGIN
    -- the active version, the trigger subscribed to the topic and its definition, at once
    SELECT a.active_version, s.activity_id, g.definition
    INTO v_version, v_trigger, v_definition
    FROM hotmesh.apps a
    LEFT JOIN hotmesh.graph_subscriptions s
      ON s.app_id = a.app_id AND s.version = a.active_version AND s.topic = p_topic
    LEFT JOIN hotmesh.graph_activities g
      ON g.app_id = a.app_id AND g.version = a.active_version AND g.activity_id = s.activity_id
    WHERE a.app_id = p_app_id;
    IF v_version IS NULL THEN
        RAISE EXCEPTION 'app % has no active version (deploy and activate one first)', p_app_id
            USING ERRCODE = 'no_data_found';
    END IF;
    IF v_trigger IS NULL THEN
        RAISE EXCEPTION 'no graph of app % (version %) subscribes to topic %', p_app_id,
            v_version, p_topic
            USING ERRCODE = 'no_data_found';
    END IF;

    -- the job id: stats.id when the graph sets one, else a new guid (each engine_* call only
    -- when its argument is there: this runs for every job)
    v_id_expression := v_definition #> '{expressions,stats.id}';
    IF v_id_expression IS NOT NULL THEN
        IF hotmesh.engine_dynamic(v_id_expression) THEN
            v_context := jsonb_build_object(
                v_trigger, jsonb_build_object('input', jsonb_build_object('data', v_input),
                                              'output', jsonb_build_object('data', v_input)),
                '$job', jsonb_build_object('data', '{}'::jsonb,
                                           'metadata', coalesce(p_metadata, '{}')));
        END IF;
        v_key := hotmesh.engine_eval(v_id_expression, v_context) #>> '{}';
    END IF;
    v_key := coalesce(nullif(v_key, ''), coalesce(p_metadata ->> 'jid',
                      'H' || replace(gen_random_uuid()::text, '-', '')));

    -- at most one live job per key: an expired one gives its key up, a live one is a duplicate
    -- (ON CONFLICT against the live-key index rather than catching unique_violation: an
    -- exception block would cost every pub a subtransaction)
    FOR v_attempt IN 1 .. 2 LOOP
        INSERT INTO hotmesh.jobs (app_id, key, gid, version, topic, status, context,
                                  parent_key, parent_activity, parent_dimension, origin_key,
                                  created_at, updated_at, expired_at)
        VALUES (p_app_id, v_key, replace(gen_random_uuid()::text, '-', ''), v_version, p_topic,
                CASE WHEN p_pending IS NOT NULL THEN -1 ELSE 1 END,
                jsonb_build_object('metadata', coalesce(p_metadata, '{}'::jsonb)),
                p_metadata ->> 'pj', p_metadata ->> 'pa', p_metadata ->> 'pd',
                coalesce(p_metadata ->> 'oj', v_key), v_now, v_now,
                CASE WHEN p_pending IS NOT NULL THEN v_now + p_pending * interval '1 second' END)
        ON CONFLICT (app_id, key) WHERE is_live DO NOTHING
        RETURNING * INTO v_job;
        EXIT WHEN FOUND;
        -- the key is taken: by an expired job, which gives it up (and the insert is tried
        -- once more), or by a live one
        UPDATE hotmesh.jobs SET is_live = false
        WHERE app_id = p_app_id AND key = v_key AND is_live AND expired_at <= v_now;
        IF NOT FOUND OR v_attempt = 2 THEN
            RAISE EXCEPTION 'duplicate job: % already exists in app %', v_key, p_app_id
                USING ERRCODE = 'unique_violation', DETAIL = 'DuplicateJobError';
        END IF;
    END LOOP;

    INSERT INTO hotmesh.jobs_attributes (job_id, field, value, type)
    VALUES (v_job.id, v_trigger || '/,0', jsonb_build_object(
        'input', jsonb_build_object('data', v_input),
        'output', jsonb_build_object('data', v_input, 'metadata', jsonb_build_object(
            'aid', v_trigger, 'dad', ',0', 'atp', 'trigger', 'ac', v_now))), 'output');
    INSERT INTO hotmesh.activity_instances (job_id, activity_id, dimension, entered_at,
                                            finalized_at)
    VALUES (v_job.id, v_trigger, ',0', v_now, v_now);

    -- the context is read only for what needs it (job maps, entity, conditions, emit)
    IF v_definition #> '{maps,job}' IS NOT NULL THEN
        PERFORM hotmesh.engine_apply_job_maps(
            v_job.id, v_definition #> '{maps,job}',
            CASE WHEN hotmesh.engine_dynamic(v_definition #> '{maps,job}')
                 THEN hotmesh.engine_context_of(v_job, v_definition, ',0') END);
    END IF;
    v_emit := v_definition #> '{expressions,emit}';
    IF v_definition #> '{expressions,entity}' IS NOT NULL
       OR coalesce((v_definition ->> 'conditional')::boolean, true)
       OR (v_emit IS NOT NULL AND hotmesh.engine_dynamic(v_emit)) THEN
        v_context := hotmesh.engine_context_of(v_job, v_definition, ',0');  -- after job maps
    END IF;
    IF v_definition #> '{expressions,entity}' IS NOT NULL THEN
        UPDATE hotmesh.jobs
        SET entity = hotmesh.engine_eval(v_definition #> '{expressions,entity}',
                                         v_context) #>> '{}'
        WHERE id = v_job.id;
    END IF;

    IF p_pending IS NOT NULL THEN
        RETURN jsonb_build_object('key', v_key, 'gid', v_job.gid, 'job_id', v_job.id,
                                  'items', '[]'::jsonb);
    END IF;
    v_targets := v_definition #> '{next,200}';
    IF jsonb_array_length(v_targets) = 1 THEN
        -- one child by the compiled "next" (engine_children's own shortcut, without the call)
        v_children := jsonb_build_array(jsonb_build_object(
            'job_id', v_job.id, 'aid', v_targets ->> 0, 'dad', ',0,0', 'leg', 1,
            'from', v_trigger));
    ELSE
        v_children := hotmesh.engine_children(v_job, v_trigger, ',0', 200, v_context,
                                              v_definition -> 'next');
    END IF;
    -- the trigger was the 1 open obligation; its children replace it
    v_items := v_children;
    IF jsonb_array_length(v_children) <> 1 THEN
        v_items := v_items || hotmesh.engine_settle(v_job.id, jsonb_array_length(v_children) - 1);
    END IF;
    IF v_emit IS NOT NULL AND hotmesh.engine_truthy(v_emit, v_context) THEN
        v_items := v_items || hotmesh.engine_emit(v_job.id);
    END IF;
    RETURN jsonb_build_object('key', v_key, 'gid', v_job.gid, 'job_id', v_job.id,
                              'items', v_items);
END
$$;

-- Start a job on the graph subscribed to p_topic and run it as far as it goes inline.
-- Returns the job id. A live job with the same id raises 23505 (duplicate job).
CREATE OR REPLACE FUNCTION hotmesh.pub(
    p_app_id text,
    p_topic text,
    p_data jsonb DEFAULT '{}',
    p_context jsonb DEFAULT NULL,
    p_pending integer DEFAULT NULL
)
RETURNS text
LANGUAGE plpgsql
AS $$
BEGIN
    RETURN (SELECT p.job_key FROM hotmesh.pub_job(p_app_id, p_topic, p_data, p_context,
                                                  p_pending) p);
END
$$;

-- pub, returning the job's gid besides its id: completion notices carry the gid, so a waiter
-- tells this job's notice from one of an earlier job with the same id.
CREATE OR REPLACE FUNCTION hotmesh.pub_job(
    p_app_id text,
    p_topic text,
    p_data jsonb DEFAULT '{}',
    p_context jsonb DEFAULT NULL,
    p_pending integer DEFAULT NULL,
    OUT job_key text,
    OUT job_gid text
)
LANGUAGE plpgsql
AS $$
DECLARE
    v_started jsonb;
    v_ran     integer;
BEGIN
    IF jsonb_typeof(coalesce(p_data, '{}')) <> 'object' THEN
        RAISE EXCEPTION 'pub: data must be a JSON object, got %', jsonb_typeof(p_data)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    v_started := hotmesh.engine_start_job(p_app_id, p_topic, p_data,
                                          coalesce(p_context -> 'metadata', '{}'::jsonb),
                                          p_pending);
    -- (an assignment, not PERFORM: no executor; the new job needs no lock, nobody sees it yet)
    v_ran := hotmesh.engine_cascade(v_started -> 'items',
                                    p_locked => (v_started ->> 'job_id')::bigint);
    job_key := v_started ->> 'key';
    job_gid := v_started ->> 'gid';
END
$$;

-- A job's completion tasks. p_error ends it with an error; p_persist runs them while the job
-- stays open (the activity's persist flag); p_closing: the job's last obligation closes now
-- (engine_settle), and the status goes to 0 with completion's own update of the row.
DROP FUNCTION IF EXISTS hotmesh.engine_complete(bigint, jsonb, boolean);
CREATE OR REPLACE FUNCTION hotmesh.engine_complete(
    p_job_id bigint,
    p_error jsonb,
    p_persist boolean DEFAULT false,
    p_closing boolean DEFAULT false
)
RETURNS jsonb
LANGUAGE plpgsql
AS $$
DECLARE
    v_now    timestamptz := hotmesh.now();
    v_job    hotmesh.jobs;
    v_graph  jsonb;
    v_trigger text;
    v_expire double precision;
    v_parent hotmesh.jobs;
    v_md     jsonb;
    v_notice jsonb;
    v_output jsonb;
    v_channel text;
BEGIN
    IF p_closing AND p_persist THEN
        RAISE EXCEPTION 'engine_complete: a persist run never closes the job'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT * INTO v_job FROM hotmesh.jobs WHERE id = p_job_id;
    IF p_closing THEN  -- as the semaphore's own update would have left it
        v_job.status := 0;
        v_job.updated_at := v_now;
    END IF;
    SELECT s.graph, s.activity_id INTO v_graph, v_trigger FROM hotmesh.graph_subscriptions s
    WHERE s.app_id = v_job.app_id AND s.version = v_job.version AND s.topic = v_job.topic;
    v_md := coalesce(v_job.context -> 'metadata', '{}'::jsonb);

    IF NOT p_persist THEN
        v_expire := coalesce(
            hotmesh.js_to_number(hotmesh.engine_eval(v_graph -> 'expire',
                CASE WHEN hotmesh.engine_dynamic(v_graph -> 'expire')  -- else no context
                     THEN hotmesh.engine_context(v_job, v_trigger, ',0', ARRAY[]::text[])
                END)),
            1);
        IF v_expire IN ('NaN', 'Infinity') THEN
            v_expire := CASE WHEN v_expire = 'NaN' THEN 1 ELSE 0 END;  -- Infinity: never
        END IF;
        UPDATE hotmesh.jobs
        SET expired_at = CASE WHEN v_expire > 0 THEN v_now + v_expire * interval '1 second' END,
            updated_at = v_now,
            status = CASE WHEN p_closing THEN 0 ELSE status END
        WHERE id = p_job_id
        RETURNING * INTO v_job;
        -- a hook still waiting when the job ended (an error or statusThreshold closed the job)
        -- must not keep its registration: signals would go to it instead of to live waiters
        UPDATE hotmesh.signals SET consumed_at = v_now
        WHERE job_id = p_job_id AND kind = 'waiter' AND consumed_at IS NULL;
    END IF;

    -- the notification carries the job's output when it fits (NOTIFY payloads end at 8000
    -- bytes), so a waiter need not read it back; it is built only when someone listens
    -- (pubsub, sub, wait_for): most jobs complete unwatched
    v_channel := hotmesh.job_channel(v_job.app_id);
    IF hotmesh.channel_listened(v_channel) THEN
        v_notice := jsonb_build_object(
            'type', 'job', 'jid', v_job.key, 'gid', v_job.gid, 'topic', v_job.topic,
            'publishes', v_graph ->> 'publishes',
            'status', CASE WHEN p_error IS NOT NULL THEN 'error' ELSE 'done' END);
        v_output := jsonb_build_object('metadata', hotmesh.engine_job_metadata(v_job),
                                       'data', hotmesh.engine_job_data(v_job.id));
        IF octet_length(v_output::text) <= 6000 THEN
            v_notice := v_notice || jsonb_build_object('output', v_output);
        END IF;
        PERFORM pg_notify(v_channel, v_notice::text);
    END IF;

    -- an awaiting parent receives the result as its await activity's leg 2
    IF v_md ? 'pj' AND coalesce((v_md ->> 'px')::boolean, false) = false THEN
        SELECT * INTO v_parent FROM hotmesh.jobs
        WHERE app_id = v_job.app_id AND key = v_md ->> 'pj' AND gid = v_md ->> 'pg';
        IF FOUND THEN
            RETURN jsonb_build_array(jsonb_build_object(
                'job_id', v_parent.id, 'aid', v_md ->> 'pa', 'dad', v_md ->> 'pd', 'leg', 2,
                'kind', 'result',
                'status', CASE WHEN p_error IS NOT NULL THEN 'error' ELSE 'success' END,
                'code', coalesce((p_error ->> 'code')::integer, 200),
                'data', CASE WHEN p_error IS NOT NULL THEN p_error
                             ELSE hotmesh.engine_job_data(p_job_id) END));
        END IF;
    END IF;
    RETURN '[]'::jsonb;
END
$$;

-- Interim output (emit): while the job is still open, announce its current state to
-- subscribers and give an awaiting parent a pending result (202) with the job data, as its
-- await activity's leg 2 (the await stays open for the final result). Returns that item, or [].
DROP FUNCTION IF EXISTS hotmesh.engine_emit(bigint);  -- returned void before
CREATE OR REPLACE FUNCTION hotmesh.engine_emit(p_job_id bigint)
RETURNS jsonb
LANGUAGE plpgsql
AS $$
DECLARE
    v_job    hotmesh.jobs;
    v_md     jsonb;
    v_parent bigint;
BEGIN
    SELECT * INTO v_job FROM hotmesh.jobs WHERE id = p_job_id;
    IF NOT FOUND OR v_job.status <= 0 THEN
        RETURN '[]'::jsonb;  -- closed: its completion announced the final state already
    END IF;
    PERFORM hotmesh.notify_listeners(hotmesh.job_channel(v_job.app_id), jsonb_build_object(
               'type', 'emit', 'jid', v_job.key, 'gid', v_job.gid, 'topic', v_job.topic,
               'publishes', s.graph ->> 'publishes', 'status', 'emit')::text)
    FROM hotmesh.graph_subscriptions s
    WHERE s.app_id = v_job.app_id AND s.version = v_job.version AND s.topic = v_job.topic;

    v_md := coalesce(v_job.context -> 'metadata', '{}'::jsonb);
    IF v_md ? 'pj' AND coalesce((v_md ->> 'px')::boolean, false) = false THEN
        SELECT id INTO v_parent FROM hotmesh.jobs
        WHERE app_id = v_job.app_id AND key = v_md ->> 'pj' AND gid = v_md ->> 'pg';
        IF FOUND THEN
            RETURN jsonb_build_array(jsonb_build_object(
                'job_id', v_parent, 'aid', v_md ->> 'pa', 'dad', v_md ->> 'pd', 'leg', 2,
                'kind', 'result', 'status', 'pending', 'code', 202,
                'data', hotmesh.engine_job_data(p_job_id)));
        END IF;
    END IF;
    RETURN '[]'::jsonb;
END
$$;

-- An activity's error that no transition handles ends the job (HotMesh code 597 semantics):
-- the error is recorded in the job's metadata (err) and data ($error), and the job completes.
CREATE OR REPLACE FUNCTION hotmesh.engine_fail_job(
    p_job_id bigint,
    p_activity_id text,
    p_code integer,
    p_error jsonb
)
RETURNS jsonb
LANGUAGE plpgsql
AS $$
DECLARE
    v_error jsonb := jsonb_build_object(
        'message', coalesce(p_error ->> 'message', 'activity ' || p_activity_id || ' failed'),
        'code', p_code,
        'activity_id', p_activity_id)
        || CASE WHEN p_error ? 'stack' THEN jsonb_build_object('stack', p_error -> 'stack')
                ELSE '{}'::jsonb END;
BEGIN
    UPDATE hotmesh.jobs
    SET status = 0,
        context = jsonb_set(context, '{metadata,err}', v_error, true),
        updated_at = hotmesh.now()
    WHERE id = p_job_id AND status > 0;
    IF NOT FOUND THEN
        RETURN '[]'::jsonb;
    END IF;
    INSERT INTO hotmesh.jobs_attributes AS a (job_id, field, value, type)
    VALUES (p_job_id, 'data/$error', v_error || jsonb_build_object('code', 597), 'data'),
           (p_job_id, 'data/done', 'true', 'data')
    ON CONFLICT (job_id, field) DO UPDATE SET value = excluded.value;
    RETURN hotmesh.engine_complete(p_job_id, v_error);
END
$$;
