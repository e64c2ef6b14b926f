-- Trace propagation: the OpenTelemetry ids a job carries in its metadata (trc: trace id,
-- spn: the span that started the job, set by the Python client's pub span when telemetry is
-- on) travel with the messages the engine sends for it, so a worker's span joins the job's
-- trace. Nothing is added when the job carries none.
CREATE OR REPLACE FUNCTION hotmesh.engine_trace(p_job hotmesh.jobs)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    -- plpgsql, not sql: a SQL function that is not inlined is parsed and planned per call
    RETURN CASE WHEN p_job.context -> 'metadata' ? 'trc'
                THEN jsonb_strip_nulls(jsonb_build_object(
                         'trc', p_job.context #> '{metadata,trc}',
                         'spn', p_job.context #> '{metadata,spn}'))
                ELSE '{}'::jsonb END;
END
$$;
