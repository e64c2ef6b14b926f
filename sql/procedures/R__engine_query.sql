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

-- Every attribute of the job, field -> value.
CREATE OR REPLACE FUNCTION hotmesh.get_raw(p_app_id text, p_key text)
RETURNS jsonb
LANGUAGE plpgsql
STABLE
AS $$
DECLARE
    v_job hotmesh.jobs := hotmesh.engine_require_job(p_app_id, p_key);
BEGIN
    RETURN (SELECT coalesce(jsonb_object_agg(a.field, a.value), '{}'::jsonb)
            FROM hotmesh.jobs_attributes a WHERE a.job_id = v_job.id);
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
                       'output', a.value -> 'output')
                       ORDER BY i.entered_at, length(i.dimension), i.dimension,
                                i.activity_id), '[]'::jsonb)
            FROM hotmesh.activity_instances i
            LEFT JOIN hotmesh.jobs_attributes a
              ON a.job_id = i.job_id AND a.field = i.activity_id || '/' || i.dimension
            WHERE i.job_id = v_job.id));
END
$$;
