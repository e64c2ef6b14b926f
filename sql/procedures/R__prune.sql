-- Retention: hotmesh.prune deletes what is done and older than a window, and can strip the
-- attributes of completed jobs down to what a reader of their result needs.
--
-- Only rows that are done ever go:
--   jobs           expired (expired_at, set when the job completed, was interrupted or its
--                  pending reservation ran out) longer ago than the retention window, with no
--                  queued worker message, pending timer or open signal registration left;
--                  their attributes, collation ledger and signal rows go with them (cascade)
--   stream rows    acked, answered or dead-lettered (expired_at) longer ago than the stream's
--                  window, and not under a lease that is still running
--   signals        consumed (delivered or retired) or, for a signal that never met its waiter,
--                  expired longer ago than the retention window; an open registration never
--   attributes     stripping keeps job data ('data'), search fields ('search') and job markers
--                  ('marker' without a dimension, e.g. -proxy-3-); hook markers ('marker' with a
--                  dimension, e.g. -wait,0,1-3-) only with p_keep_hmark; activity outputs
--                  ('output') and anything else go. Stripped jobs get pruned_at and are not
--                  looked at again.
-- Times come from hotmesh.now(). Rows another transaction holds locked are skipped (never
-- waited for): they are taken by the next run. p_limit bounds the rows of each kind one call
-- touches (NULL: no bound), so a caller can prune a large backlog in short transactions by
-- calling until no count reaches the limit (pyhotmesh.DBA.prune does).

-- A retention window, checked: present and not negative.
CREATE OR REPLACE FUNCTION hotmesh.prune_window(p_name text, p_window interval)
RETURNS interval
LANGUAGE plpgsql
IMMUTABLE
AS $$
BEGIN
    IF p_window IS NULL THEN
        RAISE EXCEPTION 'prune: % must be an interval, got NULL', p_name
            USING ERRCODE = 'invalid_parameter_value';
    ELSIF p_window < interval '0' THEN
        RAISE EXCEPTION 'prune: % must not be negative, got %', p_name, p_window
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN p_window;
END
$$;

-- Whether an expired job still has work outstanding: a queued or leased worker message, a
-- pending timer or deferred step, or an open signal registration. Such a job is kept.
CREATE OR REPLACE FUNCTION hotmesh.prune_job_busy(p_job_id bigint, p_app_id text, p_key text)
RETURNS boolean
LANGUAGE sql
STABLE
AS $$
    SELECT EXISTS (SELECT 1 FROM hotmesh.worker_streams s
                   WHERE s.job_key = p_key AND s.job_key <> '' AND s.app_id = p_app_id
                     AND s.expired_at IS NULL)
        OR EXISTS (SELECT 1 FROM hotmesh.engine_streams e
                   WHERE e.job_key = p_key AND e.job_key <> '' AND e.app_id = p_app_id
                     AND e.expired_at IS NULL)
        OR EXISTS (SELECT 1 FROM hotmesh.signals g
                   WHERE g.job_id = p_job_id AND g.consumed_at IS NULL)
$$;

CREATE OR REPLACE FUNCTION hotmesh.prune(
    p_app_id text DEFAULT NULL,                        -- NULL: every app
    p_retention interval DEFAULT '7 days',             -- jobs and signals
    p_prune_jobs boolean DEFAULT true,
    p_prune_streams boolean DEFAULT true,
    p_strip_attributes boolean DEFAULT false,
    p_entity_list text[] DEFAULT NULL,                 -- NULL: every entity
    p_prune_transient boolean DEFAULT false,
    p_keep_hmark boolean DEFAULT false,
    p_prune_engine_streams boolean DEFAULT NULL,       -- NULL: p_prune_streams
    p_prune_worker_streams boolean DEFAULT NULL,       -- NULL: p_prune_streams
    p_engine_streams_retention interval DEFAULT NULL,  -- NULL: p_retention
    p_worker_streams_retention interval DEFAULT NULL,  -- NULL: p_retention
    p_prune_signals boolean DEFAULT true,
    p_limit integer DEFAULT NULL                       -- NULL: no bound per kind of row
)
RETURNS TABLE (
    deleted_jobs bigint,
    deleted_streams bigint,
    deleted_engine_streams bigint,
    deleted_worker_streams bigint,
    stripped_attributes bigint,
    deleted_transient bigint,
    marked_pruned bigint,
    deleted_signals bigint
)
LANGUAGE plpgsql
-- every statement below filters on "p_app_id IS NULL OR app_id = p_app_id": planned with the
-- values, each becomes a plain index range scan
SET plan_cache_mode = force_custom_plan
AS $$
DECLARE
    v_now            timestamptz := hotmesh.now();
    v_cutoff         timestamptz;
    v_engine_cutoff  timestamptz;
    v_worker_cutoff  timestamptz;
    v_prune_engine   boolean := coalesce(p_prune_engine_streams, p_prune_streams, true);
    v_prune_worker   boolean := coalesce(p_prune_worker_streams, p_prune_streams, true);
BEGIN
    v_cutoff := v_now - hotmesh.prune_window('retention', p_retention);
    v_engine_cutoff := v_now - hotmesh.prune_window('engine streams retention',
                                                    coalesce(p_engine_streams_retention,
                                                             p_retention));
    v_worker_cutoff := v_now - hotmesh.prune_window('worker streams retention',
                                                    coalesce(p_worker_streams_retention,
                                                             p_retention));
    IF p_entity_list IS NOT NULL AND cardinality(p_entity_list) = 0 THEN
        RAISE EXCEPTION 'prune: the entity list is empty (pass NULL for every entity)'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_limit IS NOT NULL AND p_limit < 1 THEN
        RAISE EXCEPTION 'prune: limit must be at least 1 (or NULL for no bound), got %', p_limit
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    deleted_jobs := 0; deleted_engine_streams := 0; deleted_worker_streams := 0;
    stripped_attributes := 0; deleted_transient := 0; marked_pruned := 0; deleted_signals := 0;

    IF coalesce(p_prune_jobs, false) THEN
        WITH doomed AS (
            SELECT j.id FROM hotmesh.jobs j
            WHERE j.expired_at < v_cutoff
              AND (p_app_id IS NULL OR j.app_id = p_app_id)
              AND (p_entity_list IS NULL OR j.entity = ANY (p_entity_list))
              AND NOT hotmesh.prune_job_busy(j.id, j.app_id, j.key)
            ORDER BY j.expired_at
            LIMIT p_limit
            FOR UPDATE SKIP LOCKED)
        DELETE FROM hotmesh.jobs j USING doomed WHERE j.id = doomed.id;
        GET DIAGNOSTICS deleted_jobs = ROW_COUNT;
    END IF;

    IF coalesce(p_prune_transient, false) THEN
        WITH doomed AS (
            SELECT j.id FROM hotmesh.jobs j
            WHERE j.expired_at < v_cutoff
              AND (p_app_id IS NULL OR j.app_id = p_app_id)
              AND j.entity IS NULL
              AND NOT hotmesh.prune_job_busy(j.id, j.app_id, j.key)
            ORDER BY j.expired_at
            LIMIT p_limit
            FOR UPDATE SKIP LOCKED)
        DELETE FROM hotmesh.jobs j USING doomed WHERE j.id = doomed.id;
        GET DIAGNOSTICS deleted_transient = ROW_COUNT;
    END IF;

    IF v_prune_engine THEN
        WITH doomed AS (
            SELECT e.id FROM hotmesh.engine_streams e
            WHERE e.expired_at < v_engine_cutoff
              AND (p_app_id IS NULL OR e.app_id = p_app_id)
              AND (e.lease_expires_at IS NULL OR e.lease_expires_at <= v_now)
            ORDER BY e.expired_at
            LIMIT p_limit
            FOR UPDATE SKIP LOCKED)
        DELETE FROM hotmesh.engine_streams e USING doomed WHERE e.id = doomed.id;
        GET DIAGNOSTICS deleted_engine_streams = ROW_COUNT;
    END IF;

    IF v_prune_worker THEN
        WITH doomed AS (
            SELECT s.id FROM hotmesh.worker_streams s
            WHERE s.expired_at < v_worker_cutoff
              AND (p_app_id IS NULL OR s.app_id = p_app_id)
              -- a message retired (interrupt, scrub) while a worker still runs its callback
              -- stays until that lease is over: the worker's answer must find its row
              AND (s.lease_expires_at IS NULL OR s.lease_expires_at <= v_now)
              -- a message answered pending waits for its final response (hotmesh.add) as
              -- long as its job runs
              AND NOT (s.responded_at IS NULL AND s.job_key <> '' AND EXISTS (
                  SELECT 1 FROM hotmesh.jobs j
                  WHERE j.app_id = s.app_id AND j.key = s.job_key AND j.status > 0
                    AND j.gid = s.message #>> '{metadata,gid}'))
            ORDER BY s.expired_at
            LIMIT p_limit
            FOR UPDATE SKIP LOCKED)
        DELETE FROM hotmesh.worker_streams s USING doomed WHERE s.id = doomed.id;
        GET DIAGNOSTICS deleted_worker_streams = ROW_COUNT;
    END IF;
    deleted_streams := deleted_engine_streams + deleted_worker_streams;

    IF coalesce(p_strip_attributes, false) THEN
        WITH target AS (
            SELECT j.id FROM hotmesh.jobs j
            WHERE j.pruned_at IS NULL
              AND j.status = 0
              AND (p_app_id IS NULL OR j.app_id = p_app_id)
              AND (p_entity_list IS NULL OR j.entity = ANY (p_entity_list))
            ORDER BY j.id
            LIMIT p_limit
            FOR UPDATE SKIP LOCKED),
        stripped AS (
            DELETE FROM hotmesh.jobs_attributes a USING target t
            WHERE a.job_id = t.id
              AND a.type NOT IN ('data', 'search')
              AND NOT (a.type = 'marker' AND (strpos(a.field, ',') = 0 OR coalesce(p_keep_hmark,
                                                                                 false)))
            RETURNING 1),
        marked AS (
            UPDATE hotmesh.jobs j SET pruned_at = v_now
            FROM target t WHERE j.id = t.id
            RETURNING 1)
        SELECT (SELECT count(*) FROM stripped), (SELECT count(*) FROM marked)
        INTO stripped_attributes, marked_pruned;
    END IF;

    IF coalesce(p_prune_signals, false) THEN
        WITH doomed AS (
            SELECT g.id FROM hotmesh.signals g
            WHERE (p_app_id IS NULL OR g.app_id = p_app_id)
              AND (g.consumed_at < v_cutoff
                   OR (g.consumed_at IS NULL AND g.kind = 'early' AND g.expires_at < v_cutoff))
            LIMIT p_limit
            FOR UPDATE SKIP LOCKED)
        DELETE FROM hotmesh.signals g USING doomed WHERE g.id = doomed.id;
        GET DIAGNOSTICS deleted_signals = ROW_COUNT;
    END IF;

    RETURN NEXT;
END
$$;
