-- Waking only consumers that wait (see V0004). The protocol closes the race between a
-- consumer going idle and a publisher skipping its NOTIFY:
--   publisher: shared advisory lock on the channel (held to commit), then NOTIFY only if a
--              listener row exists;
--   consumer:  exclusive advisory lock on the channel (it waits for publishers in flight to
--              commit), registers, commits, then looks for work once more before sleeping.
-- A publisher that committed before the registration left its message visible to that last
-- look; one that came after sees the registration and notifies.

CREATE OR REPLACE FUNCTION hotmesh.stream_listener_lock(p_channel text)
RETURNS bigint
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
AS $$
    SELECT hashtextextended(p_channel, 11)
$$;

-- NOTIFY the channel if a consumer waits on it (worker streams, and job channels where
-- pubsub and subscribers wait for completions).
-- (The lock is taken by an assignment, a simple expression that needs no executor, and the
-- check and the NOTIFY are one statement: this runs for every publishing statement.)
CREATE OR REPLACE FUNCTION hotmesh.notify_listeners(p_channel text, p_payload text DEFAULT '')
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    v_done text;
BEGIN
    v_done := pg_advisory_xact_lock_shared(hotmesh.stream_listener_lock(p_channel))::text;
    PERFORM pg_notify(p_channel, p_payload)
    FROM hotmesh.stream_listeners l WHERE l.channel = p_channel
    LIMIT 1;
END
$$;

-- Whether a consumer waits on the channel, for a publisher whose payload costs something to
-- build (a job's completion notice carries its output): it builds it only then. The
-- publisher's shared lock is taken as notify_listeners takes it (held to commit), so the
-- protocol above holds: a consumer registering meanwhile waits for this transaction.
CREATE OR REPLACE FUNCTION hotmesh.channel_listened(p_channel text)
RETURNS boolean
LANGUAGE plpgsql
AS $$
DECLARE
    v_done text;
BEGIN
    v_done := pg_advisory_xact_lock_shared(hotmesh.stream_listener_lock(p_channel))::text;
    RETURN EXISTS (SELECT 1 FROM hotmesh.stream_listeners l WHERE l.channel = p_channel);
END
$$;

-- A consumer waits on the channel from now on (p_backend_pid: its LISTEN session); true when
-- registered.
--
-- p_wait false: register only if no publisher is in flight on the channel right now, else
-- return false at once (the caller looks for work again shortly: what is in flight is about
-- to commit). Waiting for the exclusive lock would queue every later publisher of the channel
-- behind it, so one consumer going idle would stall the stream's producers for as long as
-- the longest transaction in flight (a worker's batch of answers) runs.
DROP FUNCTION IF EXISTS hotmesh.listen_idle(text, text, integer);
CREATE OR REPLACE FUNCTION hotmesh.listen_idle(
    p_channel text,
    p_consumer text,
    p_backend_pid integer,
    p_wait boolean DEFAULT true
)
RETURNS boolean
LANGUAGE plpgsql
AS $$
BEGIN
    IF p_wait THEN
        PERFORM pg_advisory_xact_lock(hotmesh.stream_listener_lock(p_channel));
    ELSIF NOT pg_try_advisory_xact_lock(hotmesh.stream_listener_lock(p_channel)) THEN
        RETURN false;
    END IF;
    DELETE FROM hotmesh.stream_listeners l
    WHERE l.channel = p_channel
      AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = l.backend_pid);
    INSERT INTO hotmesh.stream_listeners (channel, consumer, backend_pid)
    VALUES (p_channel, p_consumer, p_backend_pid)
    ON CONFLICT (channel, consumer) DO UPDATE SET backend_pid = excluded.backend_pid,
                                                  since = now();
    RETURN true;
END
$$;

-- A consumer is fully busy: publishers need not wake it.
CREATE OR REPLACE FUNCTION hotmesh.listen_busy(p_channel text, p_consumer text)
RETURNS void
LANGUAGE sql
AS $$
    DELETE FROM hotmesh.stream_listeners WHERE channel = p_channel AND consumer = p_consumer
$$;
