-- Reading jobs: state, status, raw attributes, export with a timeline.
-- A job id names the live job with that id, else the most recent one.

CREATE OR REPLACE FUNCTION hotmesh.engine_find_job(p_app_id text, p_key text)
RETURNS hotmesh.jobs
LANGUAGE sql
STABLE
AS $$
    SELECT * FROM hotmesh.jobs
    WHERE app_id = p_app_id AND key = p_key
    ORDER BY is_live DESC, id DESC
    LIMIT 1
$$;

-- The job a public query names; raises HotMesh's "<id> Not Found" (P0002) when there is none.
CREATE OR REPLACE FUNCTION hotmesh.engine_require_job(p_app_id text, p_key text)
RETURNS hotmesh.jobs
LANGUAGE plpgsql
STABLE
AS $$
DECLARE
    v_job hotmesh.jobs := hotmesh.engine_find_job(p_app_id, p_key);
BEGIN
    IF v_job.id IS NULL THEN
        RAISE EXCEPTION '% Not Found', p_key USING ERRCODE = 'no_data_found';
    END IF;
    RETURN v_job;
END
$$;

-- {metadata, data}: what pubsub, sub and get_state return (HotMesh's JobOutput).
CREATE OR REPLACE FUNCTION hotmesh.get_state(p_app_id text, p_key text)
RETURNS jsonb
LANGUAGE plpgsql
STABLE
AS $$
DECLARE
    v_job hotmesh.jobs := hotmesh.engine_require_job(p_app_id, p_key);
BEGIN
    RETURN jsonb_build_object('metadata', hotmesh.engine_job_metadata(v_job),
                              'data', hotmesh.engine_job_data(v_job.id));
END
$$;

-- The semaphore: > 0 running, 0 complete, -1 pending, < -100,000,000 interrupted.
CREATE OR REPLACE FUNCTION hotmesh.get_status(p_app_id text, p_key text)
RETURNS integer
LANGUAGE plpgsql
STABLE
AS $$
DECLARE
    v_job hotmesh.jobs := hotmesh.engine_require_job(p_app_id, p_key);
BEGIN
    RETURN v_job.status;
END
$$;

-- The node of each worker activity still waiting for its worker: leg 1 of a worker writes no
-- attribute row (one write less per step), so what it would hold comes from the ledger.
CREATE OR REPLACE FUNCTION hotmesh.engine_waiting_workers(p_job hotmesh.jobs)
RETURNS TABLE (field text, value jsonb)
LANGUAGE sql
STABLE
AS $$
    SELECT i.activity_id || '/' || i.dimension,
           jsonb_build_object('output', jsonb_build_object('metadata', jsonb_build_object(
               'aid', i.activity_id, 'dad', i.dimension, 'atp', 'worker',
               'ac', i.entered_at)))
    FROM hotmesh.activity_instances i
    JOIN hotmesh.graph_activities g
      ON g.app_id = p_job.app_id AND g.version = p_job.version AND g.activity_id = i.activity_id
    WHERE i.job_id = p_job.id AND i.leg2_count = 0 AND g.type = 'worker'
      AND NOT EXISTS (SELECT 1 FROM hotmesh.jobs_attributes a
                      WHERE a.job_id = i.job_id AND a.field = i.activity_id || '/' || i.dimension)
$$;

-- Every attribute of the job, field -> value (a worker activity still waiting for its worker
-- shows the metadata of its leg 1, from the ledger).
CREATE OR REPLACE FUNCTION hotmesh.get_raw(p_app_id text, p_key text)
RETURNS jsonb
LANGUAGE plpgsql
STABLE
AS $$
DECLARE
    v_job hotmesh.jobs := hotmesh.engine_require_job(p_app_id, p_key);
BEGIN
    RETURN (SELECT coalesce(jsonb_object_agg(r.field, r.value), '{}'::jsonb)
            FROM (SELECT a.field, a.value FROM hotmesh.jobs_attributes a
                  WHERE a.job_id = v_job.id
                  UNION ALL
                  SELECT w.field, w.value FROM hotmesh.engine_waiting_workers(v_job) w) r);
END
$$;

-- Everything about a job: data, state (metadata), status and the timeline of its activities.
CREATE OR REPLACE FUNCTION hotmesh.export(p_app_id text, p_key text)
RETURNS jsonb
LANGUAGE plpgsql
STABLE
AS $$
DECLARE
    v_job hotmesh.jobs := hotmesh.engine_require_job(p_app_id, p_key);
BEGIN
    RETURN jsonb_build_object(
        'data', hotmesh.engine_job_data(v_job.id),
        'state', hotmesh.engine_job_metadata(v_job),
        'status', v_job.status,
        'timeline', (
            SELECT coalesce(jsonb_agg(jsonb_build_object(
                       'activity', i.activity_id, 'dimension', i.dimension,
                       'entered_at', i.entered_at, 'finalized_at', i.finalized_at,
                       'leg2_count', i.leg2_count,
                       'output', coalesce(a.value, w.value) -> 'output')
                       ORDER BY i.entered_at, length(i.dimension), i.dimension,
                                i.activity_id), '[]'::jsonb)
            FROM hotmesh.activity_instances i
            LEFT JOIN hotmesh.jobs_attributes a
              ON a.job_id = i.job_id AND a.field = i.activity_id || '/' || i.dimension
            LEFT JOIN hotmesh.engine_waiting_workers(v_job) w
              ON w.field = i.activity_id || '/' || i.dimension
            WHERE i.job_id = v_job.id));
END
$$;
