-- Publish one or many messages to a worker stream in one statement.
--
-- p_messages: a JSON object (one message) or an array of objects. Each message is a HotMesh
-- StreamData object; its metadata (jid, aid, dad, wfn) and type are copied into columns so a
-- DBA can search them. p_options apply to every message of the call:
--   priority      integer, higher dequeues first (default 0)
--   delay_ms      not visible before now + delay (default 0)
--   retry         a retry policy (see R__retry_policy.sql), stored in the message's columns
--   reclaimCount  lease expiries tolerated before the message is dead-lettered (default 5)
-- Returns the new message ids in the order given. Consumers waiting on the stream are woken
-- (R__stream_channel.sql).

CREATE OR REPLACE FUNCTION hotmesh.stream_publish(
    p_app_id text,
    p_stream text,
    p_messages jsonb,
    p_options jsonb DEFAULT '{}'
)
RETURNS SETOF bigint
LANGUAGE plpgsql
AS $$
DECLARE
    v_now      timestamptz := hotmesh.now();
    v_options  jsonb := coalesce(p_options, '{}');
    v_messages jsonb;
    v_policy   record;
    v_priority integer;
    v_delay_ms numeric;
    v_reclaim  integer;
    v_bad      integer;
    v_woken    text;
BEGIN
    IF coalesce(p_app_id, '') = '' THEN
        RAISE EXCEPTION 'stream_publish: app id must be a non-empty string'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF coalesce(p_stream, '') = '' THEN
        RAISE EXCEPTION 'stream_publish: stream name must be a non-empty string'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    v_messages := CASE jsonb_typeof(p_messages)
        WHEN 'array' THEN p_messages
        WHEN 'object' THEN jsonb_build_array(p_messages)
    END;
    IF v_messages IS NULL THEN
        RAISE EXCEPTION 'stream_publish: messages must be a JSON object or an array of objects'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT min(m.ordinality) INTO v_bad
    FROM jsonb_array_elements(v_messages) WITH ORDINALITY m
    WHERE jsonb_typeof(m.value) <> 'object';
    IF v_bad IS NOT NULL THEN
        RAISE EXCEPTION 'stream_publish: message % is not a JSON object', v_bad
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF jsonb_typeof(v_options) <> 'object' THEN
        RAISE EXCEPTION 'stream_publish: options must be a JSON object'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;

    IF v_options = '{}'::jsonb THEN  -- the common case, without parsing
        v_priority := 0;
        v_delay_ms := 0;
        v_reclaim := 5;
        SELECT * INTO v_policy FROM hotmesh.retry_policy(NULL);
    ELSE
        v_priority := hotmesh.option_integer(v_options, 'priority', 0, -1000000, 1000000);
        v_delay_ms := hotmesh.option_integer(v_options, 'delay_ms', 0, 0, 2147483647);
        v_reclaim  := hotmesh.option_integer(v_options, 'reclaimCount', 5, 0, 1000000);
        SELECT * INTO v_policy FROM hotmesh.retry_policy(v_options -> 'retry');
    END IF;

    RETURN QUERY
    INSERT INTO hotmesh.worker_streams (
        app_id, stream_name, job_key, activity_id, dimension, msg_type, workflow_name,
        message, priority, created_at, visible_at, reclaim_count,
        max_attempts, backoff_coefficient, maximum_interval_s, initial_interval_s
    )
    SELECT p_app_id, p_stream,
           coalesce(m.value #>> '{metadata,jid}', ''),
           coalesce(m.value #>> '{metadata,aid}', ''),
           coalesce(m.value #>> '{metadata,dad}', ''),
           coalesce(m.value ->> 'type', ''),
           coalesce(m.value #>> '{metadata,wfn}', ''),
           m.value, v_priority, v_now,
           v_now + v_delay_ms * interval '1 millisecond',
           v_reclaim,
           v_policy.max_attempts, v_policy.backoff_coefficient,
           v_policy.maximum_interval_s, v_policy.initial_interval_s
    FROM jsonb_array_elements(v_messages) WITH ORDINALITY m
    ORDER BY m.ordinality
    RETURNING id;
    -- one wake-up for the statement, when its messages are visible now (delayed ones are
    -- found by the consumers' polls); an assignment, not PERFORM: no executor
    IF v_delay_ms = 0 AND jsonb_array_length(v_messages) > 0 THEN
        v_woken := hotmesh.notify_listeners(hotmesh.stream_channel(p_app_id, p_stream))::text;
    END IF;
END
$$;

-- An integer option of a JSON options object, checked against its range.
CREATE OR REPLACE FUNCTION hotmesh.option_integer(
    p_options jsonb,
    p_name text,
    p_default integer,
    p_min integer,
    p_max integer
)
RETURNS integer
LANGUAGE plpgsql
IMMUTABLE
AS $$
DECLARE
    v_value jsonb := p_options -> p_name;
BEGIN
    IF v_value IS NULL OR jsonb_typeof(v_value) = 'null' THEN
        RETURN p_default;
    END IF;
    IF jsonb_typeof(v_value) <> 'number'
       OR v_value::text::numeric <> trunc(v_value::text::numeric)
       OR v_value::text::numeric NOT BETWEEN p_min AND p_max THEN
        RAISE EXCEPTION 'option % must be an integer from % to %, got %', p_name, p_min, p_max, v_value
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- Through numeric: an integral JSON number may be written 5.0 (Python's json does).
    RETURN v_value::text::numeric::integer;
END
$$;
