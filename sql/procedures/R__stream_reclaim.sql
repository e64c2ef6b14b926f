-- Reclaim messages whose lease expired unanswered (a crashed or stalled consumer).
--
-- Each expiry counts as a reclaim. A message is made ready again until it has been reclaimed
-- reclaim_count times; the expiry after that dead-letters it (kept for inspection, never
-- dropped). Rows another session holds are skipped, not waited for.
-- Returns the number of messages reclaimed or dead-lettered.
--
-- Its statements run with the session's one generic plan (see stream_dequeue): left to
-- choose, Postgres planned the expiry scan anew on nearly every call.
CREATE OR REPLACE FUNCTION hotmesh.stream_reclaim(
    p_app_id text,
    p_stream text,
    p_limit integer DEFAULT 100
)
RETURNS integer
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
    v_now   timestamptz := hotmesh.now();
    v_count integer;
    v_dead  bigint[];
BEGIN
    WITH expired AS MATERIALIZED (
        SELECT s.id
        FROM hotmesh.worker_streams s
        WHERE s.app_id = p_app_id
          AND s.stream_name = p_stream
          AND s.reserved_at IS NOT NULL
          AND s.expired_at IS NULL
          AND s.lease_expires_at <= v_now
        ORDER BY s.lease_expires_at
        LIMIT p_limit
        FOR UPDATE SKIP LOCKED
    ),
    reclaimed AS (
        UPDATE hotmesh.worker_streams s
        SET reserved_at        = NULL,
            reserved_by        = NULL,
            lease_expires_at   = NULL,
            reclaims           = s.reclaims + 1,
            expired_at         = CASE WHEN s.reclaims >= s.reclaim_count THEN v_now END,
            dead_lettered_at   = CASE WHEN s.reclaims >= s.reclaim_count THEN v_now END,
            dead_letter_reason = CASE WHEN s.reclaims >= s.reclaim_count
                THEN format('lease expired %s times (reclaimCount %s)', s.reclaims + 1,
                            s.reclaim_count)
            END
        FROM expired
        WHERE s.id = expired.id
        RETURNING s.id, s.dead_lettered_at IS NOT NULL AS dead
    )
    SELECT count(*), array_agg(id) FILTER (WHERE dead) INTO v_count, v_dead FROM reclaimed;

    -- the jobs of dead-lettered engine messages get the failure as the worker's response
    -- (only when there are some: with none, the statement was planned anew on every call,
    -- a plan for a NULL list being the cheapest there is)
    IF v_dead IS NOT NULL THEN
        PERFORM hotmesh.engine_fail_message(
            s, jsonb_build_object('message', s.dead_letter_reason, 'code', 500))
        FROM hotmesh.worker_streams s
        WHERE s.id = ANY (v_dead);
    END IF;
    RETURN v_count;
END
$$;
