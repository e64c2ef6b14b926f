-- The secured worker API: everything a worker host does, for a worker role that may do nothing
-- else (R__worker_roles.sql, V0005). Each function mirrors a hotmesh.stream_* or respond*
-- function and calls it after checking that the stream is one of the caller's.
--
-- Who the caller is comes from session_user (the login; SECURITY DEFINER changes current_user
-- only) and what it may touch from its row in hotmesh.worker_credentials: not revoked, same
-- app, stream in stream_names. The role's app.allowed_streams setting is never trusted: any
-- session can SET it. Messages named by id must belong to such a stream.
--
-- SECURITY DEFINER functions run with their owner's rights, so each pins what a session could
-- otherwise steer: search_path (pg_temp last, so no temporary object shadows ours), the test
-- clock (a worker must not move the engine's time), the NOTIFY handoff of respond_next (a worker
-- must not silence other streams' wake-ups) and standard_conforming_strings (dynamic SQL parses
-- as it was written).

-- Authorisation ------------------------------------------------------------------------------

-- The caller may use this stream of this app, else 42501.
CREATE OR REPLACE FUNCTION hotmesh.worker_authorize(p_app_id text, p_stream text)
RETURNS void
LANGUAGE plpgsql
STABLE
AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM hotmesh.worker_credentials c
                   WHERE c.role_name = session_user
                     AND c.revoked_at IS NULL
                     AND c.app_id = p_app_id
                     AND p_stream = ANY (c.stream_names)) THEN
        RAISE EXCEPTION 'access denied: stream "%" not in allowed streams', p_stream
            USING ERRCODE = 'insufficient_privilege';
    END IF;
END
$$;

-- Every existing message among p_ids belongs to a stream the caller may use, else 42501
-- naming the first stream that is not (ids that name no message are left to the function
-- called, which ignores or reports them as it does for any worker).
CREATE OR REPLACE FUNCTION hotmesh.worker_authorize_messages(p_ids bigint[])
RETURNS void
LANGUAGE plpgsql
STABLE
AS $$
DECLARE
    v_credential hotmesh.worker_credentials;
    v_stream     text;
BEGIN
    SELECT * INTO v_credential FROM hotmesh.worker_credentials c
    WHERE c.role_name = session_user AND c.revoked_at IS NULL;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'access denied: role "%" is not an active hotmesh worker role',
                        session_user
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT s.stream_name INTO v_stream
    FROM hotmesh.worker_streams s
    WHERE s.id = ANY (p_ids)
      AND (s.app_id <> v_credential.app_id OR NOT s.stream_name = ANY (v_credential.stream_names))
    ORDER BY s.id
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'access denied: stream "%" not in allowed streams', v_stream
            USING ERRCODE = 'insufficient_privilege';
    END IF;
END
$$;

-- The channel is the NOTIFY channel of one of the caller's streams, else 42501.
CREATE OR REPLACE FUNCTION hotmesh.worker_authorize_channel(p_channel text)
RETURNS void
LANGUAGE plpgsql
STABLE
AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM hotmesh.worker_credentials c, unnest(c.stream_names) s
                   WHERE c.role_name = session_user
                     AND c.revoked_at IS NULL
                     AND hotmesh.stream_channel(c.app_id, s) = p_channel) THEN
        RAISE EXCEPTION 'access denied: channel "%" is not the channel of an allowed stream',
                        p_channel
            USING ERRCODE = 'insufficient_privilege';
    END IF;
END
$$;

-- Streams ------------------------------------------------------------------------------------

-- stream_channel: the LISTEN channel of one of the caller's streams.
CREATE OR REPLACE FUNCTION hotmesh.worker_channel(p_app_id text, p_stream text)
RETURNS text
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = hotmesh, pg_temp
SET hotmesh.clock = 'system'
SET hotmesh.handoff = ''
SET standard_conforming_strings = on
AS $$
BEGIN
    PERFORM hotmesh.worker_authorize(p_app_id, p_stream);
    RETURN hotmesh.stream_channel(p_app_id, p_stream);
END
$$;

-- stream_dequeue, on one of the caller's streams.
CREATE OR REPLACE FUNCTION hotmesh.worker_dequeue(
    p_app_id text,
    p_stream text,
    p_consumer text,
    p_batch integer DEFAULT 10,
    p_lease_ms integer DEFAULT 30000
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
SECURITY DEFINER
SET search_path = hotmesh, pg_temp
SET hotmesh.clock = 'system'
SET hotmesh.handoff = ''
SET standard_conforming_strings = on
AS $$
BEGIN
    PERFORM hotmesh.worker_authorize(p_app_id, p_stream);
    RETURN QUERY
    SELECT * FROM hotmesh.stream_dequeue(p_app_id, p_stream, p_consumer, p_batch, p_lease_ms);
END
$$;

-- stream_reclaim, on one of the caller's streams (the worker host's sweep on its heartbeat).
CREATE OR REPLACE FUNCTION hotmesh.worker_reclaim(
    p_app_id text,
    p_stream text,
    p_limit integer DEFAULT 100
)
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = hotmesh, pg_temp
SET hotmesh.clock = 'system'
SET hotmesh.handoff = ''
SET standard_conforming_strings = on
AS $$
BEGIN
    PERFORM hotmesh.worker_authorize(p_app_id, p_stream);
    RETURN hotmesh.stream_reclaim(p_app_id, p_stream, p_limit);
END
$$;

-- stream_ack, of messages of the caller's streams.
CREATE OR REPLACE FUNCTION hotmesh.worker_ack(
    p_consumer text,
    p_ids bigint[],
    p_deliveries integer[]
)
RETURNS SETOF bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = hotmesh, pg_temp
SET hotmesh.clock = 'system'
SET hotmesh.handoff = ''
SET standard_conforming_strings = on
AS $$
BEGIN
    PERFORM hotmesh.worker_authorize_messages(p_ids);
    RETURN QUERY SELECT * FROM hotmesh.stream_ack(p_consumer, p_ids, p_deliveries);
END
$$;

-- stream_heartbeat, of messages of the caller's streams.
CREATE OR REPLACE FUNCTION hotmesh.worker_heartbeat(
    p_consumer text,
    p_ids bigint[],
    p_deliveries integer[],
    p_lease_ms integer DEFAULT 30000
)
RETURNS SETOF bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = hotmesh, pg_temp
SET hotmesh.clock = 'system'
SET hotmesh.handoff = ''
SET standard_conforming_strings = on
AS $$
BEGIN
    PERFORM hotmesh.worker_authorize_messages(p_ids);
    RETURN QUERY
    SELECT * FROM hotmesh.stream_heartbeat(p_consumer, p_ids, p_deliveries, p_lease_ms);
END
$$;

-- stream_release, of messages of the caller's streams.
CREATE OR REPLACE FUNCTION hotmesh.worker_release(
    p_consumer text,
    p_ids bigint[],
    p_deliveries integer[]
)
RETURNS SETOF bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = hotmesh, pg_temp
SET hotmesh.clock = 'system'
SET hotmesh.handoff = ''
SET standard_conforming_strings = on
AS $$
BEGIN
    PERFORM hotmesh.worker_authorize_messages(p_ids);
    RETURN QUERY SELECT * FROM hotmesh.stream_release(p_consumer, p_ids, p_deliveries);
END
$$;

-- stream_fail (retry with backoff, or dead-letter), of a message of the caller's streams.
CREATE OR REPLACE FUNCTION hotmesh.worker_fail(
    p_consumer text,
    p_id bigint,
    p_delivery integer,
    p_error jsonb,
    p_policy jsonb DEFAULT NULL,
    OUT outcome text,
    OUT attempt integer,
    OUT visible_at timestamptz
)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = hotmesh, pg_temp
SET hotmesh.clock = 'system'
SET hotmesh.handoff = ''
SET standard_conforming_strings = on
AS $$
BEGIN
    PERFORM hotmesh.worker_authorize_messages(ARRAY[p_id]);
    SELECT f.outcome, f.attempt, f.visible_at INTO outcome, attempt, visible_at
    FROM hotmesh.stream_fail(p_consumer, p_id, p_delivery, p_error, p_policy) f;
END
$$;

-- stream_dead_letter, of a message of the caller's streams.
CREATE OR REPLACE FUNCTION hotmesh.worker_dead_letter(
    p_consumer text,
    p_id bigint,
    p_delivery integer,
    p_reason text,
    p_error jsonb DEFAULT NULL
)
RETURNS boolean
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = hotmesh, pg_temp
SET hotmesh.clock = 'system'
SET hotmesh.handoff = ''
SET standard_conforming_strings = on
AS $$
BEGIN
    PERFORM hotmesh.worker_authorize_messages(ARRAY[p_id]);
    RETURN hotmesh.stream_dead_letter(p_consumer, p_id, p_delivery, p_reason, p_error);
END
$$;

-- Answering engine messages --------------------------------------------------------------------

-- respond, to a message of the caller's streams: the engine runs the job on exactly as for a
-- trusted worker.
CREATE OR REPLACE FUNCTION hotmesh.worker_respond(p_message_id bigint, p_response jsonb)
RETURNS text
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = hotmesh, pg_temp
SET hotmesh.clock = 'system'
SET hotmesh.handoff = ''
SET standard_conforming_strings = on
AS $$
BEGIN
    PERFORM hotmesh.worker_authorize_messages(ARRAY[p_message_id]);
    RETURN hotmesh.respond(p_message_id, p_response);
END
$$;

-- respond_next, to a message of the caller's streams (it then dequeues from that same stream).
CREATE OR REPLACE FUNCTION hotmesh.worker_respond_next(
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
SECURITY DEFINER
SET search_path = hotmesh, pg_temp
SET hotmesh.clock = 'system'
SET hotmesh.handoff = ''
SET standard_conforming_strings = on
AS $$
BEGIN
    PERFORM hotmesh.worker_authorize_messages(ARRAY[p_message_id]);
    RETURN QUERY
    SELECT * FROM hotmesh.respond_next(p_message_id, p_response, p_consumer, p_batch, p_lease_ms);
END
$$;

-- respond_batch, of messages of the caller's streams: a batch naming any other message is
-- refused as a whole, before anything is answered.
CREATE OR REPLACE FUNCTION hotmesh.worker_respond_batch(
    p_message_ids bigint[],
    p_responses jsonb[]
)
RETURNS TABLE (id bigint, outcome text)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = hotmesh, pg_temp
SET hotmesh.clock = 'system'
SET hotmesh.handoff = ''
SET standard_conforming_strings = on
AS $$
BEGIN
    PERFORM hotmesh.worker_authorize_messages(p_message_ids);
    RETURN QUERY SELECT * FROM hotmesh.respond_batch(p_message_ids, p_responses);
END
$$;

-- Waking ---------------------------------------------------------------------------------------

-- respond_batch_next, to messages of the caller's streams: the steps it takes are on those
-- streams only (a claim is made on the stream of the answer being applied).
CREATE OR REPLACE FUNCTION hotmesh.worker_respond_batch_next(
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
SECURITY DEFINER
SET search_path = hotmesh, pg_temp
SET hotmesh.clock = 'system'
SET hotmesh.handoff = ''
SET standard_conforming_strings = on
AS $$
BEGIN
    PERFORM hotmesh.worker_authorize_messages(p_message_ids);
    RETURN QUERY
    SELECT * FROM hotmesh.respond_batch_next(p_message_ids, p_responses, p_consumer, p_take,
                                             p_lease_ms);
END
$$;

-- listen_idle, on the channel of one of the caller's streams, for a LISTEN session of the
-- caller's own (a worker registers nobody else's session).
DROP FUNCTION IF EXISTS hotmesh.worker_listen_idle(text, text, integer);
CREATE OR REPLACE FUNCTION hotmesh.worker_listen_idle(
    p_channel text,
    p_consumer text,
    p_backend_pid integer,
    p_wait boolean DEFAULT true
)
RETURNS boolean
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = hotmesh, pg_temp
SET hotmesh.clock = 'system'
SET hotmesh.handoff = ''
SET standard_conforming_strings = on
AS $$
BEGIN
    PERFORM hotmesh.worker_authorize_channel(p_channel);
    IF NOT EXISTS (SELECT 1 FROM pg_stat_activity a
                   WHERE a.pid = p_backend_pid AND a.usename = session_user) THEN
        RAISE EXCEPTION 'access denied: backend % is not a session of role "%"',
                        p_backend_pid, session_user
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN hotmesh.listen_idle(p_channel, p_consumer, p_backend_pid, p_wait);
END
$$;

-- listen_busy, on the channel of one of the caller's streams.
CREATE OR REPLACE FUNCTION hotmesh.worker_listen_busy(p_channel text, p_consumer text)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = hotmesh, pg_temp
SET hotmesh.clock = 'system'
SET hotmesh.handoff = ''
SET standard_conforming_strings = on
AS $$
BEGIN
    PERFORM hotmesh.worker_authorize_channel(p_channel);
    PERFORM hotmesh.listen_busy(p_channel, p_consumer);
END
$$;

-- Grants: the group hotmesh_worker (V0005) may execute these and nothing else --------------

REVOKE ALL ON FUNCTION hotmesh.worker_authorize(text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION hotmesh.worker_authorize_messages(bigint[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION hotmesh.worker_authorize_channel(text) FROM PUBLIC;

REVOKE ALL ON FUNCTION hotmesh.worker_channel(text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION hotmesh.worker_dequeue(text, text, text, integer, integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION hotmesh.worker_reclaim(text, text, integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION hotmesh.worker_ack(text, bigint[], integer[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION hotmesh.worker_heartbeat(text, bigint[], integer[], integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION hotmesh.worker_release(text, bigint[], integer[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION hotmesh.worker_fail(text, bigint, integer, jsonb, jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION hotmesh.worker_dead_letter(text, bigint, integer, text, jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION hotmesh.worker_respond(bigint, jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION hotmesh.worker_respond_next(bigint, jsonb, text, integer, integer)
    FROM PUBLIC;
REVOKE ALL ON FUNCTION hotmesh.worker_respond_batch(bigint[], jsonb[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION hotmesh.worker_respond_batch_next(bigint[], jsonb[], text, integer, integer)
    FROM PUBLIC;
REVOKE ALL ON FUNCTION hotmesh.worker_listen_idle(text, text, integer, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION hotmesh.worker_listen_busy(text, text) FROM PUBLIC;

GRANT EXECUTE ON FUNCTION hotmesh.worker_channel(text, text) TO hotmesh_worker;
GRANT EXECUTE ON FUNCTION hotmesh.worker_dequeue(text, text, text, integer, integer)
    TO hotmesh_worker;
GRANT EXECUTE ON FUNCTION hotmesh.worker_reclaim(text, text, integer) TO hotmesh_worker;
GRANT EXECUTE ON FUNCTION hotmesh.worker_ack(text, bigint[], integer[]) TO hotmesh_worker;
GRANT EXECUTE ON FUNCTION hotmesh.worker_heartbeat(text, bigint[], integer[], integer)
    TO hotmesh_worker;
GRANT EXECUTE ON FUNCTION hotmesh.worker_release(text, bigint[], integer[]) TO hotmesh_worker;
GRANT EXECUTE ON FUNCTION hotmesh.worker_fail(text, bigint, integer, jsonb, jsonb)
    TO hotmesh_worker;
GRANT EXECUTE ON FUNCTION hotmesh.worker_dead_letter(text, bigint, integer, text, jsonb)
    TO hotmesh_worker;
GRANT EXECUTE ON FUNCTION hotmesh.worker_respond(bigint, jsonb) TO hotmesh_worker;
GRANT EXECUTE ON FUNCTION hotmesh.worker_respond_next(bigint, jsonb, text, integer, integer)
    TO hotmesh_worker;
GRANT EXECUTE ON FUNCTION hotmesh.worker_respond_batch(bigint[], jsonb[]) TO hotmesh_worker;
GRANT EXECUTE ON FUNCTION hotmesh.worker_respond_batch_next(bigint[], jsonb[], text, integer, integer)
    TO hotmesh_worker;
GRANT EXECUTE ON FUNCTION hotmesh.worker_listen_idle(text, text, integer, boolean)
    TO hotmesh_worker;
GRANT EXECUTE ON FUNCTION hotmesh.worker_listen_busy(text, text) TO hotmesh_worker;
