-- The quorum: an app's engines and workers talking over LISTEN/NOTIFY (pyhotmesh/quorum.py).
--
-- One channel per app carries every quorum message (roll calls, throttles, activation, user
-- messages); a message names its target (guid, topic, scope) and members filter. Messages
-- too long for a NOTIFY travel by reference. Throttles are persisted here and announced in the
-- same transaction, so a member that LISTENs first and then reads the persisted rate misses
-- no change. Members register (quorum_members) so that a roll call knows whom to expect.

-- The app's quorum channel: readable while it fits the 63-byte identifier limit, else a hash.
-- The two forms differ in their prefix, so a hashed name never equals a readable one.
CREATE OR REPLACE FUNCTION hotmesh.quorum_channel(p_app_id text)
RETURNS text
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
AS $$
    SELECT CASE WHEN octet_length('hotmesh_q:' || p_app_id) <= 63 THEN 'hotmesh_q:' || p_app_id
                ELSE 'hotmesh_q#' || md5(p_app_id) END
$$;

-- NOTIFY a quorum message (a JSON object with a type) to every member of the app. A message of
-- 7500 bytes or more (NOTIFY refuses 8000) is stored in quorum_payloads and only
-- {"_ref": id} is sent. Returns the text that was NOTIFied.
CREATE OR REPLACE FUNCTION hotmesh.quorum_publish(p_app_id text, p_message jsonb)
RETURNS text
LANGUAGE plpgsql
AS $$
DECLARE
    v_now  timestamptz := hotmesh.now();
    v_text text;
    v_id   bigint;
BEGIN
    IF coalesce(p_app_id, '') = '' THEN
        RAISE EXCEPTION 'quorum_publish: an app id is required'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF jsonb_typeof(p_message) IS DISTINCT FROM 'object'
       OR jsonb_typeof(p_message -> 'type') IS DISTINCT FROM 'string'
       OR p_message ->> 'type' = '' THEN
        RAISE EXCEPTION 'quorum_publish: a quorum message is a JSON object with a "type" string'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    v_text := p_message::text;
    IF octet_length(v_text) >= 7500 THEN
        DELETE FROM hotmesh.quorum_payloads WHERE created_at < v_now - interval '10 minutes';
        INSERT INTO hotmesh.quorum_payloads (app_id, payload, created_at)
        VALUES (p_app_id, p_message, v_now)
        RETURNING id INTO v_id;
        v_text := jsonb_build_object('_ref', v_id)::text;
    END IF;
    PERFORM pg_notify(hotmesh.quorum_channel(p_app_id), v_text);
    RETURN v_text;
END
$$;

-- A message sent by reference (NULL when it was cleaned up already).
CREATE OR REPLACE FUNCTION hotmesh.quorum_payload(p_app_id text, p_id bigint)
RETURNS jsonb
LANGUAGE sql
STABLE
AS $$
    SELECT payload FROM hotmesh.quorum_payloads WHERE app_id = p_app_id AND id = p_id
$$;

-- Members join with the LISTEN session that answers for them (again after a reconnect).
-- p_members: [{"guid", "role": "engine"|"worker", "topic"?}]. Returns how many live members
-- the app has now.
CREATE OR REPLACE FUNCTION hotmesh.quorum_join(
    p_app_id text,
    p_members jsonb,
    p_backend_pid integer
)
RETURNS integer
LANGUAGE plpgsql
AS $$
BEGIN
    IF jsonb_typeof(p_members) IS DISTINCT FROM 'array' OR p_backend_pid IS NULL THEN
        RAISE EXCEPTION 'quorum_join: members must be a JSON array and the backend pid known'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF EXISTS (SELECT 1 FROM jsonb_array_elements(p_members) m
               WHERE coalesce(m ->> 'guid', '') = ''
                  OR coalesce(m ->> 'role', '') NOT IN ('engine', 'worker')) THEN
        RAISE EXCEPTION 'quorum_join: every member needs a guid and a role (engine or worker)'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    INSERT INTO hotmesh.quorum_members (app_id, guid, role, topic, backend_pid, joined_at)
    SELECT p_app_id, m ->> 'guid', m ->> 'role', m ->> 'topic', p_backend_pid, hotmesh.now()
    FROM jsonb_array_elements(p_members) m
    ON CONFLICT (app_id, guid) DO UPDATE
    SET role = excluded.role, topic = excluded.topic, backend_pid = excluded.backend_pid;
    RETURN hotmesh.quorum_count(p_app_id);
END
$$;

CREATE OR REPLACE FUNCTION hotmesh.quorum_leave(p_app_id text, p_guids text[])
RETURNS void
LANGUAGE sql
AS $$
    DELETE FROM hotmesh.quorum_members WHERE app_id = p_app_id AND guid = ANY (p_guids)
$$;

-- How many members the app's quorum has; members whose session is gone are removed first.
CREATE OR REPLACE FUNCTION hotmesh.quorum_count(p_app_id text)
RETURNS integer
LANGUAGE plpgsql
AS $$
DECLARE
    v_count integer;
BEGIN
    DELETE FROM hotmesh.quorum_members m
    WHERE m.app_id = p_app_id
      AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = m.backend_pid);
    SELECT count(*) INTO v_count FROM hotmesh.quorum_members WHERE app_id = p_app_id;
    RETURN v_count;
END
$$;

-- Set a throttle (milliseconds before each dequeue, 0 none, -1 paused) and announce it.
-- Targets, at most one: p_guid (one member; not persisted), p_topic (the workers of a topic),
-- p_scope 'engines' or 'workers'; none (or scope 'all'): everyone. Persisted rates: a topic
-- sets its own row; 'engines' its row; 'workers' replaces every topic rate; everyone replaces
-- every rate of the app (a broader rate overrides the narrower ones it covers).
-- Returns the message sent.
CREATE OR REPLACE FUNCTION hotmesh.quorum_throttle(
    p_app_id text,
    p_throttle integer,
    p_topic text DEFAULT NULL,
    p_guid text DEFAULT NULL,
    p_scope text DEFAULT NULL
)
RETURNS jsonb
LANGUAGE plpgsql
AS $$
DECLARE
    v_now     timestamptz := hotmesh.now();
    v_scope   text := nullif(p_scope, 'all');
    v_message jsonb := jsonb_build_object('type', 'throttle', 'throttle', p_throttle);
BEGIN
    IF p_throttle IS NULL OR p_throttle < -1 THEN
        RAISE EXCEPTION 'throttle must be an integer from -1 (pause) to 2147483647 ms, got %',
            coalesce(p_throttle::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF v_scope IS NOT NULL AND v_scope NOT IN ('engines', 'workers') THEN
        RAISE EXCEPTION 'throttle scope must be ''engines'', ''workers'' or ''all'', got %', v_scope
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF (p_topic IS NOT NULL)::int + (p_guid IS NOT NULL)::int + (v_scope IS NOT NULL)::int > 1 THEN
        RAISE EXCEPTION 'throttle: give at most one of topic, guid and scope'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_topic = '' OR p_guid = '' THEN
        RAISE EXCEPTION 'throttle: topic and guid must not be empty'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;

    IF p_guid IS NOT NULL THEN
        v_message := v_message || jsonb_build_object('guid', p_guid);
    ELSIF p_topic IS NOT NULL THEN
        v_message := v_message || jsonb_build_object('topic', p_topic);
        INSERT INTO hotmesh.throttles (app_id, scope, target, throttle_ms, updated_at)
        VALUES (p_app_id, 'topic', p_topic, p_throttle, v_now)
        ON CONFLICT (app_id, scope, target) DO UPDATE
        SET throttle_ms = excluded.throttle_ms, updated_at = excluded.updated_at;
    ELSE
        IF v_scope IS NOT NULL THEN
            v_message := v_message || jsonb_build_object('scope', v_scope);
        END IF;
        DELETE FROM hotmesh.throttles
        WHERE app_id = p_app_id
          AND CASE coalesce(v_scope, 'all')
                  WHEN 'all' THEN true
                  WHEN 'workers' THEN scope IN ('workers', 'topic')
                  ELSE scope = 'engines'
              END;
        INSERT INTO hotmesh.throttles (app_id, scope, target, throttle_ms, updated_at)
        VALUES (p_app_id, coalesce(v_scope, 'global'), '', p_throttle, v_now);
    END IF;
    PERFORM hotmesh.quorum_publish(p_app_id, v_message);
    RETURN v_message;
END
$$;

-- The persisted rate a member starts with: for a worker its topic's rate, else the workers'
-- rate, else the global one; for an engine the engines' rate, else the global one; else 0.
CREATE OR REPLACE FUNCTION hotmesh.throttle_rate(p_app_id text, p_role text, p_topic text)
RETURNS integer
LANGUAGE sql
STABLE
AS $$
    SELECT coalesce((
        SELECT t.throttle_ms
        FROM hotmesh.throttles t
        WHERE t.app_id = p_app_id
          AND (t.scope = 'global'
               OR (p_role = 'engine' AND t.scope = 'engines')
               OR (p_role = 'worker' AND t.scope = 'workers')
               OR (p_role = 'worker' AND t.scope = 'topic' AND t.target = p_topic))
        ORDER BY CASE t.scope WHEN 'topic' THEN 0 WHEN 'global' THEN 2 ELSE 1 END
        LIMIT 1), 0)
$$;

-- Stream depths for a roll call, by stream name: {"engine": n, "streams": {name: n}}.
-- (plpgsql: stream_depth is created after this file.)
CREATE OR REPLACE FUNCTION hotmesh.quorum_stream_depths(p_app_id text, p_streams text[])
RETURNS jsonb
LANGUAGE plpgsql
STABLE
AS $$
BEGIN
    RETURN jsonb_build_object(
        'engine', (SELECT count(*) FROM hotmesh.engine_streams e
                   WHERE e.app_id = p_app_id AND e.expired_at IS NULL),
        'streams', coalesce((SELECT jsonb_object_agg(s.name, hotmesh.stream_depth(p_app_id, s.name))
                             FROM (SELECT DISTINCT unnest(p_streams) AS name) s
                             WHERE s.name IS NOT NULL), '{}'::jsonb));
END
$$;

-- The advisory lock one activation of an app holds (session level: it goes with a crashed
-- activator's connection), so that two activations never interleave their roll calls.
CREATE OR REPLACE FUNCTION hotmesh.quorum_lead_key(p_app_id text)
RETURNS bigint
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
AS $$
    SELECT hashtextextended('hotmesh.activate:' || p_app_id, 0)
$$;

-- Before an activation's roll calls: 'active' when the version is the active one already,
-- 'deployed' when it can be activated; an unknown app or version raises no_data_found.
CREATE OR REPLACE FUNCTION hotmesh.quorum_version_state(p_app_id text, p_version text)
RETURNS text
LANGUAGE plpgsql
STABLE
AS $$
DECLARE
    v_active text;
BEGIN
    SELECT active_version INTO v_active FROM hotmesh.apps WHERE app_id = p_app_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'app % is not deployed', p_app_id
            USING ERRCODE = 'no_data_found';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM hotmesh.app_versions
                   WHERE app_id = p_app_id AND version = p_version) THEN
        RAISE EXCEPTION 'version % of app % is not deployed', p_version, p_app_id
            USING ERRCODE = 'no_data_found',
                  HINT = 'deploy the manifest first; deployed versions: ' || coalesce(
                      (SELECT string_agg(version, ', ' ORDER BY deployed_at)
                       FROM hotmesh.app_versions WHERE app_id = p_app_id), 'none');
    END IF;
    RETURN CASE WHEN v_active IS NOT DISTINCT FROM p_version THEN 'active' ELSE 'deployed' END;
END
$$;
