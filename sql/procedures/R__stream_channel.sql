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

-- A message leased at its insert (a claim at enqueue: respond_next, respond_batch_next,
-- engine_worker_leg1) is the answering worker's already and wakes nobody. NOTIFY serialises
-- commits, so every one saved counts.
CREATE OR REPLACE FUNCTION hotmesh.notify_worker_streams()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    PERFORM hotmesh.notify_listeners(s.channel)
    FROM (
        SELECT DISTINCT hotmesh.stream_channel(n.app_id, n.stream_name) AS channel
        FROM new_rows n
        WHERE n.visible_at <= hotmesh.now() AND n.reserved_at IS NULL
    ) s;
    RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER worker_streams_notify
    AFTER INSERT ON hotmesh.worker_streams
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION hotmesh.notify_worker_streams();
