-- Signals: the keyed rendezvous between hook activities that wait and signals that arrive.
--
-- A waiting hook registers one 'waiter' row per hook rule routing to it, keyed by the rule's
-- `expected` value resolved against the waiting job. A signal resolves the rule's `actual`
-- against its payload and delivers to the waiter with that key; when no waiter is there yet it
-- is kept as an 'early' row and delivered when the waiter registers. Both sides take the same
-- transaction-level advisory lock on (app, topic, key) first, so a signal and a registration
-- racing each other can never miss each other.

CREATE OR REPLACE FUNCTION hotmesh.engine_signal_lock(p_app_id text, p_topic text, p_key text)
RETURNS void
LANGUAGE sql
AS $$
    SELECT pg_advisory_xact_lock(hashtextextended(
        length(p_app_id) || ':' || p_app_id || length(p_topic) || ':' || p_topic || p_key, 7))
$$;

-- Register a waiting hook instance; returns its leg-2 item when an early signal was waiting.
CREATE OR REPLACE FUNCTION hotmesh.engine_register_waiter(
    p_job hotmesh.jobs,
    p_activity_id text,
    p_dad text,
    p_context jsonb
)
RETURNS jsonb
LANGUAGE plpgsql
AS $$
DECLARE
    v_rule  hotmesh.graph_hooks;
    v_key   text;
    v_early hotmesh.signals;
BEGIN
    FOR v_rule IN
        SELECT * FROM hotmesh.graph_hooks h
        WHERE h.app_id = p_job.app_id AND h.version = p_job.version
          AND h.activity_id = p_activity_id
        ORDER BY h.topic, h.ordinal
    LOOP
        v_key := hotmesh.js_to_string(hotmesh.eval_expression(v_rule.expected_sql, p_context));
        PERFORM hotmesh.engine_signal_lock(p_job.app_id, v_rule.topic, v_key);
        SELECT * INTO v_early FROM hotmesh.signals s
        WHERE s.app_id = p_job.app_id AND s.topic = v_rule.topic AND s.signal_key = v_key
          AND s.kind = 'early' AND s.consumed_at IS NULL
          AND (s.expires_at IS NULL OR s.expires_at > hotmesh.now())
        ORDER BY s.id
        LIMIT 1
        FOR UPDATE;
        INSERT INTO hotmesh.signals (app_id, topic, signal_key, kind, job_id, activity_id,
                                     dimension, created_at)
        VALUES (p_job.app_id, v_rule.topic, v_key, 'waiter', p_job.id, p_activity_id, p_dad,
                hotmesh.now());
        IF v_early.id IS NOT NULL THEN
            UPDATE hotmesh.signals SET consumed_at = hotmesh.now(), job_id = p_job.id
            WHERE id = v_early.id;
            RETURN jsonb_build_array(jsonb_build_object(
                'job_id', p_job.id, 'aid', p_activity_id, 'dad', p_dad, 'leg', 2,
                'kind', 'webhook', 'status', v_early.status, 'code', v_early.code,
                'data', v_early.payload));
        END IF;
    END LOOP;
    RETURN '[]'::jsonb;
END
$$;

-- Deliver a signal: the leg-2 items of the waiters it reaches (none: it waits as 'early').
CREATE OR REPLACE FUNCTION hotmesh.engine_signal(
    p_app_id text,
    p_topic text,
    p_data jsonb,
    p_status text,
    p_code integer
)
RETURNS jsonb
LANGUAGE plpgsql
AS $$
DECLARE
    v_version text;
    v_actual  text;
    v_key     text;
    v_waiter  hotmesh.signals;
BEGIN
    SELECT active_version INTO v_version FROM hotmesh.apps WHERE app_id = p_app_id;
    SELECT h.actual_sql INTO v_actual FROM hotmesh.graph_hooks h
    WHERE h.app_id = p_app_id AND h.version = v_version AND h.topic = p_topic
    ORDER BY h.ordinal
    LIMIT 1;
    IF v_actual IS NULL THEN
        RAISE EXCEPTION 'no hook of app % (version %) listens to signal topic %', p_app_id,
            coalesce(v_version, 'none'), p_topic
            USING ERRCODE = 'no_data_found';
    END IF;
    v_key := hotmesh.js_to_string(hotmesh.eval_expression(
        v_actual, jsonb_build_object('$hook', jsonb_build_object('data', p_data))));
    PERFORM hotmesh.engine_signal_lock(p_app_id, p_topic, v_key);
    SELECT * INTO v_waiter FROM hotmesh.signals s
    WHERE s.app_id = p_app_id AND s.topic = p_topic AND s.signal_key = v_key
      AND s.kind = 'waiter' AND s.consumed_at IS NULL
    ORDER BY s.id
    LIMIT 1;
    IF FOUND THEN
        -- lock the waiting job before its registration (the engine's lock order), then make
        -- sure a timer did not retire the registration meanwhile
        PERFORM 1 FROM hotmesh.jobs WHERE id = v_waiter.job_id FOR UPDATE;
        SELECT * INTO v_waiter FROM hotmesh.signals s
        WHERE s.id = v_waiter.id AND s.consumed_at IS NULL
        FOR UPDATE;
    END IF;
    IF v_waiter.id IS NULL THEN
        INSERT INTO hotmesh.signals (app_id, topic, signal_key, kind, payload, status, code,
                                     created_at, expires_at)
        VALUES (p_app_id, p_topic, v_key, 'early', p_data, p_status, p_code, hotmesh.now(),
                hotmesh.now() + interval '600 seconds');
        RETURN '[]'::jsonb;
    END IF;
    RETURN jsonb_build_array(jsonb_build_object(
        'job_id', v_waiter.job_id, 'aid', v_waiter.activity_id, 'dad', v_waiter.dimension,
        'leg', 2, 'kind', 'webhook', 'status', p_status, 'code', p_code, 'data', p_data));
END
$$;

-- Deliver a signal to every waiter on the topic (optionally only those with the given keys).
CREATE OR REPLACE FUNCTION hotmesh.engine_signal_all(
    p_app_id text,
    p_topic text,
    p_data jsonb,
    p_status text,
    p_code integer,
    p_keys text[] DEFAULT NULL
)
RETURNS jsonb
LANGUAGE sql
AS $$
    SELECT coalesce(jsonb_agg(jsonb_build_object(
               'job_id', s.job_id, 'aid', s.activity_id, 'dad', s.dimension, 'leg', 2,
               'kind', 'webhook', 'status', p_status, 'code', p_code, 'data', p_data)
               ORDER BY s.id), '[]'::jsonb)
    FROM hotmesh.signals s
    WHERE s.app_id = p_app_id AND s.topic = p_topic AND s.kind = 'waiter'
      AND s.consumed_at IS NULL
      AND (p_keys IS NULL OR s.signal_key = ANY (p_keys))
$$;

-- signal(topic, data, status, code): resume the hook waiting for this signal, or keep the
-- signal until it registers. Returns 'delivered' or 'pending'.
CREATE OR REPLACE FUNCTION hotmesh.signal(
    p_app_id text,
    p_topic text,
    p_data jsonb DEFAULT '{}',
    p_status text DEFAULT 'success',
    p_code integer DEFAULT 200
)
RETURNS text
LANGUAGE plpgsql
AS $$
DECLARE
    v_items jsonb := hotmesh.engine_signal(p_app_id, p_topic, coalesce(p_data, '{}'),
                                           p_status, p_code);
BEGIN
    PERFORM hotmesh.engine_cascade(v_items);
    RETURN CASE WHEN jsonb_array_length(v_items) > 0 THEN 'delivered' ELSE 'pending' END;
END
$$;

-- signal_all: resume every hook waiting on the topic; returns the job ids reached.
CREATE OR REPLACE FUNCTION hotmesh.signal_all(
    p_app_id text,
    p_topic text,
    p_data jsonb DEFAULT '{}',
    p_status text DEFAULT 'success',
    p_code integer DEFAULT 200,
    p_keys text[] DEFAULT NULL
)
RETURNS SETOF text
LANGUAGE plpgsql
AS $$
DECLARE
    v_items jsonb := hotmesh.engine_signal_all(p_app_id, p_topic, coalesce(p_data, '{}'),
                                               p_status, p_code, p_keys);
BEGIN
    PERFORM hotmesh.engine_cascade(v_items);
    RETURN QUERY
    SELECT j.key FROM hotmesh.jobs j
    WHERE j.id IN (SELECT (i ->> 'job_id')::bigint FROM jsonb_array_elements(v_items) i);
END
$$;
