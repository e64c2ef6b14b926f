-- hotmesh.engine_trace: the trace ids (trc, spn) a job's metadata carries, for the messages
-- and child jobs the engine sends for it (the worker messages' metadata is checked end to end
-- in tests/test_telemetry.py).
BEGIN;
SELECT plan(4);

-- A jobs row whose context metadata is p_metadata.
CREATE FUNCTION pg_temp.job(p_metadata jsonb) RETURNS hotmesh.jobs
LANGUAGE sql AS $$
    SELECT jsonb_populate_record(NULL::hotmesh.jobs,
                                 jsonb_build_object('context',
                                                    jsonb_build_object('metadata', p_metadata)))
$$;

SELECT is(hotmesh.engine_trace(pg_temp.job(
              '{"trc": "0af7651916cd43dd8448eb211c80319c", "spn": "b7ad6b7169203331",
                "pj": "parent"}')),
          '{"trc": "0af7651916cd43dd8448eb211c80319c", "spn": "b7ad6b7169203331"}'::jsonb,
          'a traced job hands on its trace id and span id, nothing else');
SELECT is(hotmesh.engine_trace(pg_temp.job('{"trc": "0af7651916cd43dd8448eb211c80319c"}')),
          '{"trc": "0af7651916cd43dd8448eb211c80319c"}'::jsonb,
          'a trace id without a span id goes alone');
SELECT is(hotmesh.engine_trace(pg_temp.job('{"pj": "parent"}')), '{}'::jsonb,
          'an untraced job adds nothing');
SELECT is(hotmesh.engine_trace(jsonb_populate_record(NULL::hotmesh.jobs, '{}')), '{}'::jsonb,
          'a job without metadata adds nothing');

SELECT * FROM finish();
ROLLBACK;
