-- Waking worker consumers: at most one NOTIFY per statement and stream, never one per row,
-- and only when a consumer waits on the stream (R__stream_listeners.sql).
--
-- The channel of a stream is derived from (app, stream) by a hash, so that any app or topic
-- string gives a valid, fixed-length channel name that no caller can inject into.
-- NOTIFY is only a hint: consumers also poll, so a lost notification delays, never loses work.

CREATE OR REPLACE FUNCTION hotmesh.stream_channel(p_app_id text, p_stream text)
RETURNS text
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
AS $$
    SELECT 'hotmesh_w_' || md5(length(p_app_id)::text || ':' || p_app_id || p_stream)
$$;

-- Who publishes wakes: stream_publish and engine_worker_leg1 call notify_listeners themselves,
-- once per statement and stream, for messages visible now and not leased at their insert (a
-- claim at enqueue: respond_next, respond_batch_next). An AFTER STATEMENT trigger with a
-- transition table did this before; firing it cost an engine step 30 us of a 50 us insert,
-- three times an explicit call. A row inserted by hand wakes nobody: consumers poll.
DROP TRIGGER IF EXISTS worker_streams_notify ON hotmesh.worker_streams;
DROP FUNCTION IF EXISTS hotmesh.notify_worker_streams();
