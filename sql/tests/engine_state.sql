-- Job state: engine_dad_at, engine_job_data, engine_job_metadata, engine_context,
-- engine_save_node, engine_apply_job_maps and engine_eval (how the engine reads and writes a
-- job's attributes).
BEGIN;
SELECT plan(48);

SET LOCAL hotmesh.clock = 'test';
SELECT hotmesh.set_test_clock('2030-01-01 00:00:00+00');

-- App state, compiled below with pyhotmesh.compiler.compile_source (null fields left out
-- of the JSON: absent and null read the same) from this manifest:
-- app:
--   id: state
--   version: '1'
--   graphs:
--     - subscribes: state.start
--       activities:
--         t1:
--           type: trigger
--           stats: {id: '{$self.input.data.id}'}
--         a1:
--           type: worker
--           topic: state.work
--           input: {maps: {n: '{t1.output.data.n}'}}
--         a2:
--           type: worker
--           topic: state.work
--           input: {maps: {n: '{a1.output.data.n}', before: '{$job.data.total}'}}
--           job:
--             maps:
--               total: {'@pipe': [['{a1.output.data.n}', '{$self.output.data.n}'], ['{@math.add}']]}
--               missing: '{$self.output.data.nothing}'
--               flags[-]: '{$self.output.data.flags}'
--               index[_]: '{$self.output.data.index}'
--               scalar[-]: '{$self.output.data.n}'
--       transitions:
--         t1: [{to: a1}]
--         a1: [{to: a2}]
SELECT hotmesh.deploy_version('state', '1', '{}', $json$
{
  "app": {"id": "state", "version": "1", "settings": {}},
  "graphs": [
    {
      "subscribes": "state.start",
      "trigger": "t1",
      "activities": {
        "t1": {
          "id": "t1",
          "type": "trigger",
          "graph": "state.start",
          "ancestors": [],
          "depth": 1,
          "children": ["a1"],
          "conditional": false,
          "expressions": {"stats.id": {"sql": "$1 #> ARRAY['t1', 'input', 'data', 'id']"}},
          "maps": {},
          "settings": {},
          "consumes": {"t1": ["input/data/id"]},
          "produces": ["input/data/id", "output/data/n"],
          "reads": {"t1": 1},
          "reads_job": false
        },
        "a1": {
          "id": "a1",
          "type": "worker",
          "graph": "state.start",
          "parent": "t1",
          "ancestors": ["t1"],
          "depth": 2,
          "children": ["a2"],
          "conditional": false,
          "expressions": {"topic": {"sql": "CAST('\"state.work\"' AS JSONB)", "value": "state.work"}},
          "maps": {
            "input": {
              "sql": "hotmesh.map_object(CAST(ARRAY['n'] AS TEXT[]), CAST(ARRAY[$1 #> ARRAY['t1', 'output', 'data', 'n']] AS JSONB[]))"
            }
          },
          "settings": {},
          "consumes": {"t1": ["output/data/n"]},
          "produces": ["output/data/n"],
          "reads": {"t1": 1},
          "reads_job": false
        },
        "a2": {
          "id": "a2",
          "type": "worker",
          "graph": "state.start",
          "parent": "a1",
          "ancestors": ["t1", "a1"],
          "depth": 3,
          "children": [],
          "conditional": false,
          "expressions": {"topic": {"sql": "CAST('\"state.work\"' AS JSONB)", "value": "state.work"}},
          "maps": {
            "input": {
              "sql": "hotmesh.map_object(CAST(ARRAY['n', 'before'] AS TEXT[]), CAST(ARRAY[$1 #> ARRAY['a1', 'output', 'data', 'n'], $1 #> ARRAY['$job', 'data', 'total']] AS JSONB[]))"
            },
            "job": [
              {
                "key": "total",
                "sql": "hotmesh.fn_math_add(VARIADIC CAST(ARRAY[$1 #> ARRAY['a1', 'output', 'data', 'n'], $1 #> ARRAY['a2', 'output', 'data', 'n']] AS JSONB[]))"
              },
              {"key": "missing", "sql": "$1 #> ARRAY['a2', 'output', 'data', 'nothing']"},
              {"key": "flags", "spread": "-", "sql": "$1 #> ARRAY['a2', 'output', 'data', 'flags']"},
              {"key": "index", "spread": "_", "sql": "$1 #> ARRAY['a2', 'output', 'data', 'index']"},
              {"key": "scalar", "spread": "-", "sql": "$1 #> ARRAY['a2', 'output', 'data', 'n']"}
            ]
          },
          "settings": {},
          "consumes": {
            "$job": ["data/total"],
            "a1": ["output/data/n"],
            "a2": ["output/data/flags", "output/data/index", "output/data/n", "output/data/nothing"]
          },
          "produces": ["output/data/flags", "output/data/index", "output/data/n", "output/data/nothing"],
          "reads": {"a1": 2, "a2": 3},
          "reads_job": true
        }
      },
      "transitions": {
        "t1": [{"to": "a1", "codes": [200], "gate": "and"}],
        "a1": [{"to": "a2", "codes": [200], "gate": "and"}]
      },
      "hooks": {}
    }
  ]
}
$json$::jsonb);
SELECT hotmesh.activate_version('state', '1');

-- engine_dad_at: an address cut (or padded) to a depth -------------------------------------

SELECT is(hotmesh.engine_dad_at(',0,1,0', 2), ',0,1', 'an address is cut to the depth asked');
SELECT is(hotmesh.engine_dad_at(',0,1,0', 3), ',0,1,0', 'an address at its own depth is unchanged');
SELECT is(hotmesh.engine_dad_at(',3', 1), ',3', 'the trigger''s depth keeps the first segment');
SELECT is(hotmesh.engine_dad_at(',0,2', 4), ',0,2,0,0', 'a shorter address is padded with ,0');
SELECT is(hotmesh.engine_dad_at(',0,1', 0), '', 'depth 0 is the empty address');
SELECT is(hotmesh.engine_dad_at('', 2), ',0,0', 'the empty address is padded too');
SELECT is(hotmesh.engine_dad_at(',12,0,7', 2), ',12,0', 'segments of several digits are kept whole');
SELECT is(hotmesh.engine_dad_at(NULL, 2), NULL, 'no address gives no address');
SELECT is(hotmesh.engine_dad_at(',0,1', NULL), NULL, 'no depth gives no address');
SELECT is((SELECT l.lanname::text FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
           WHERE p.oid = 'hotmesh.engine_dad_at(text, integer)'::regprocedure), 'sql',
          'engine_dad_at is plain SQL (inlined into engine_context_of''s query)');
SELECT ok((SELECT p.proconfig @> ARRAY['plan_cache_mode=force_generic_plan'] FROM pg_proc p
           WHERE p.oid = 'hotmesh.engine_context_of(hotmesh.jobs, jsonb, text, text[])'::regprocedure),
          'engine_context_of reads with the one generic plan (no planning per call)');

-- A job whose trigger ran (j1: t1 at ,0; a1 at ,0,0 waits for its worker) -----------------

SELECT hotmesh.pub('state', 'state.start', '{"id": "j1", "n": 5}');

-- The job row of j1.
CREATE FUNCTION pg_temp.j1() RETURNS hotmesh.jobs
LANGUAGE sql AS $$ SELECT * FROM hotmesh.jobs WHERE key = 'j1' $$;

-- engine_job_data ---------------------------------------------------------------------------

SELECT is(hotmesh.engine_job_data((pg_temp.j1()).id), '{}'::jsonb,
          'a job without data attributes has the empty object as data');
INSERT INTO hotmesh.jobs_attributes (job_id, field, value, type)
VALUES ((pg_temp.j1()).id, 'data/color', '"red"', 'data'),
       ((pg_temp.j1()).id, 'data/size', '{"w": 2}', 'data'),
       ((pg_temp.j1()).id, '-marker', '1', 'marker'),
       ((pg_temp.j1()).id, 'data/odd', '"typed other"', 'other');
SELECT is(hotmesh.engine_job_data((pg_temp.j1()).id), '{"color": "red", "size": {"w": 2}}'::jsonb,
          'job data is every data/<key> attribute of type data, keyed without the prefix');

-- engine_job_metadata -----------------------------------------------------------------------

SELECT is(hotmesh.engine_job_metadata(pg_temp.j1())
              - 'gid' - 'jc' - 'ju',
          '{"jid": "j1", "app": "state", "vrs": "1", "tpc": "state.start", "js": 1}'::jsonb,
          'metadata names the job, app, version, topic and semaphore as HotMesh does');
SELECT is(hotmesh.engine_job_metadata(pg_temp.j1()) ->> 'gid', (pg_temp.j1()).gid,
          'metadata carries the job''s generation id');
SELECT is((hotmesh.engine_job_metadata(pg_temp.j1()) ->> 'jc')::timestamptz,
          '2030-01-01 00:00:00+00'::timestamptz, 'jc is the job''s creation time');
UPDATE hotmesh.jobs
SET context = '{"metadata": {"pj": "parent-1", "jid": "forged"}}'
WHERE key = 'j1';
SELECT is(hotmesh.engine_job_metadata(pg_temp.j1()) ->> 'pj', 'parent-1',
          'metadata stored in the job''s context is kept');
SELECT is(hotmesh.engine_job_metadata(pg_temp.j1()) ->> 'jid', 'j1',
          'the job''s own columns win over its stored context');

-- engine_save_node --------------------------------------------------------------------------

SELECT hotmesh.engine_save_node((pg_temp.j1()).id, 'a1', ',0,0',
                                '{"output": {"data": {"n": 10}}, "hook": {"data": {"h": 1}}}');
SELECT is((SELECT value FROM hotmesh.jobs_attributes
           WHERE job_id = (pg_temp.j1()).id AND field = 'a1/,0,0'),
          '{"output": {"data": {"n": 10}}, "hook": {"data": {"h": 1}}}'::jsonb,
          'a node''s top-level keys replace the stored ones (output), new keys are added (hook)');
SELECT is((SELECT type FROM hotmesh.jobs_attributes
           WHERE job_id = (pg_temp.j1()).id AND field = 'a1/,0,0'),
          'output', 'a node is stored as an output attribute named <activity>/<dimension>');
SELECT hotmesh.engine_save_node((pg_temp.j1()).id, 'a1', ',0,0', '{"output": {"data": {"n": 11}}}');
SELECT is((SELECT value FROM hotmesh.jobs_attributes
           WHERE job_id = (pg_temp.j1()).id AND field = 'a1/,0,0'),
          '{"output": {"data": {"n": 11}}, "hook": {"data": {"h": 1}}}'::jsonb,
          'saving a node again merges into it: the hook is kept');
SELECT hotmesh.engine_save_node((pg_temp.j1()).id, 'a1', ',0,1', '{"output": {"data": {"n": 21}}}');
SELECT is((SELECT count(*)::int FROM hotmesh.jobs_attributes
           WHERE job_id = (pg_temp.j1()).id AND field LIKE 'a1/%'),
          2, 'each dimension of an activity is its own attribute');

-- engine_context ----------------------------------------------------------------------------

SELECT is(hotmesh.engine_context(pg_temp.j1(), 'a2', ',0,0,0') -> 'a1',
          '{"output": {"data": {"n": 11}}, "hook": {"data": {"h": 1}}}'::jsonb,
          'an activity read is loaded at the address cut to its depth (,0,0,0 reads a1 at ,0,0)');
SELECT is(hotmesh.engine_context(pg_temp.j1(), 'a2', ',0,1,0') -> 'a1',
          '{"output": {"data": {"n": 21}}}'::jsonb,
          'another dimension reads its own instance (,0,1,0 reads a1 at ,0,1)');
SELECT hotmesh.engine_save_node((pg_temp.j1()).id, 'a2', ',0,0,0', '{"output": {"data": {"n": 3}}}');
SELECT hotmesh.engine_save_node((pg_temp.j1()).id, 'a2', ',0,0,1', '{"output": {"data": {"n": 4}}}');
SELECT is(hotmesh.engine_context(pg_temp.j1(), 'a2', ',0,0,1') -> 'a2',
          '{"output": {"data": {"n": 4}}}'::jsonb,
          'the activity itself is loaded at the full address given');
SELECT is((SELECT array_agg(k ORDER BY k)
           FROM jsonb_object_keys(hotmesh.engine_context(pg_temp.j1(), 'a1', ',0,0')) k),
          ARRAY['a1', 't1'],
          'a1 reads t1 and no $job: its context holds t1 and itself, not a2 nor $job');
SELECT is(hotmesh.engine_context(pg_temp.j1(), 'a1', ',0,0') #> '{t1,output,data}',
          '{"id": "j1", "n": 5}'::jsonb, 'the trigger is read at ,0');
SELECT is((SELECT array_agg(k ORDER BY k)
           FROM jsonb_object_keys(hotmesh.engine_context(pg_temp.j1(), 'a2', ',0,0,0',
                                                         ARRAY[]::text[])) k),
          ARRAY['$job', 'a2'], 'with p_needed empty only $job and the activity itself are loaded');
SELECT is(hotmesh.engine_context(pg_temp.j1(), 'a2', ',0,0,0') #> '{$job,data}',
          '{"color": "red", "size": {"w": 2}}'::jsonb,
          'an activity that reads $job gets the job data in its context');
SELECT is(hotmesh.engine_context(pg_temp.j1(), 'a2', ',0,0,0') #>> '{$job,metadata,jid}', 'j1',
          'the context carries the job metadata');
SELECT is(hotmesh.engine_context(pg_temp.j1(), 'a2', ',5,5,5') - '$job', '{}'::jsonb,
          'nodes that were never saved are absent, not null');

-- the compiler's reads_fields: the fields read at an address of zeros, cast, not built
CREATE FUNCTION pg_temp.a2(p_reads_fields text) RETURNS jsonb LANGUAGE sql AS $$
    SELECT definition || jsonb_build_object('reads_fields', p_reads_fields)
    FROM hotmesh.graph_activities WHERE app_id = 'state' AND activity_id = 'a2'
$$;
SELECT is(hotmesh.engine_context_of(pg_temp.j1(), pg_temp.a2('{"a1/,0,0"}'), ',0,0,0'),
          hotmesh.engine_context(pg_temp.j1(), 'a2', ',0,0,0'),
          'at an address of zeros the compiled fields give the context the reads give');
SELECT is((SELECT array_agg(k ORDER BY k)
           FROM jsonb_object_keys(hotmesh.engine_context_of(
               pg_temp.j1(), pg_temp.a2('{"t1/,0"}'), ',0,0,0') - '$job') k),
          ARRAY['a2', 't1'], 'at an address of zeros the compiled fields are the ones loaded');
SELECT is(hotmesh.engine_context_of(pg_temp.j1(), pg_temp.a2('{"t1/,0"}'), ',0,1,0') -> 'a1',
          '{"output": {"data": {"n": 21}}}'::jsonb,
          'at any other address each read is cut to its depth (,0,1,0 reads a1 at ,0,1)');
SELECT is((SELECT array_agg(k ORDER BY k)
           FROM jsonb_object_keys(hotmesh.engine_context_of(
               pg_temp.j1(), pg_temp.a2('{"t1/,0"}'), ',0,0,0', ARRAY['a1'])) k),
          ARRAY['$job', 'a1', 'a2'], 'with p_needed the reads are filtered, not the compiled list');

-- engine_eval -------------------------------------------------------------------------------

SELECT is(hotmesh.engine_eval(NULL, '{}'), NULL, 'no expression is undefined');
SELECT is(hotmesh.engine_eval('null', '{}'), NULL, 'a JSON null expression is undefined');
SELECT is(hotmesh.engine_eval('{"sql": "this is not SQL", "value": 42}', '{}'), '42'::jsonb,
          'a constant gives its value without evaluating any SQL');
SELECT is(hotmesh.engine_eval('{"sql": "$1 #> ARRAY[''t1'', ''output'', ''data'', ''n'']"}',
                              '{"t1": {"output": {"data": {"n": 7}}}}'),
          '7'::jsonb, 'an expression is evaluated against the context');
SELECT is(hotmesh.engine_eval('{"sql": "$1 #> ARRAY[''t1'', ''nothing'']"}', '{}'), NULL,
          'a reference to nothing is undefined');

-- engine_apply_job_maps (a2's compiled job.maps) --------------------------------------------

SELECT hotmesh.engine_apply_job_maps(
    (pg_temp.j1()).id,
    (SELECT definition #> '{maps,job}' FROM hotmesh.graph_activities
     WHERE app_id = 'state' AND activity_id = 'a2'),
    '{"a1": {"output": {"data": {"n": 2}}},
      "a2": {"output": {"data": {"n": 3, "flags": {"-seen": true, "plain": 1},
                                 "index": {"_color": "red"}}}}}');

SELECT is(hotmesh.engine_job_data((pg_temp.j1()).id) -> 'total', '5'::jsonb,
          'a job map entry becomes a job data key (a pipe: 2 + 3)');
SELECT ok(NOT hotmesh.engine_job_data((pg_temp.j1()).id) ? 'missing',
          'an entry whose value is undefined is not written');
SELECT is((SELECT value FROM hotmesh.jobs_attributes
           WHERE job_id = (pg_temp.j1()).id AND field = '-seen' AND type = 'marker'),
          'true'::jsonb, 'name[-] spreads an object: a -key becomes a marker field');
SELECT is((SELECT value FROM hotmesh.jobs_attributes
           WHERE job_id = (pg_temp.j1()).id AND field = '_color' AND type = 'search'),
          '"red"'::jsonb, 'name[_] spreads an object: a _key becomes a search field');
SELECT is((SELECT type FROM hotmesh.jobs_attributes
           WHERE job_id = (pg_temp.j1()).id AND field = 'plain'),
          'other', 'a spread key without a - or _ prefix is kept as type other');
SELECT ok(NOT EXISTS (SELECT 1 FROM hotmesh.jobs_attributes
                      WHERE job_id = (pg_temp.j1()).id AND field IN ('scalar', '-scalar')),
          'spreading a value that is not an object writes nothing');
SELECT hotmesh.engine_apply_job_maps(
    (pg_temp.j1()).id,
    (SELECT definition #> '{maps,job}' FROM hotmesh.graph_activities
     WHERE app_id = 'state' AND activity_id = 'a2'),
    '{"a1": {"output": {"data": {"n": 10}}}, "a2": {"output": {"data": {"n": 1}}}}');
SELECT is(hotmesh.engine_job_data((pg_temp.j1()).id) -> 'total', '11'::jsonb,
          'applying the maps again overwrites the key');
SELECT is(hotmesh.engine_job_data((pg_temp.j1()).id) -> 'color', '"red"'::jsonb,
          'other job data keys are left alone');

SELECT * FROM finish();
ROLLBACK;
