-- Reading jobs: hotmesh.get_state, get_status, get_raw and export (engine_find_job picks the
-- live job with an id, else its most recent one); each raises P0002 "<id> Not Found".
BEGIN;
SELECT plan(30);

SET LOCAL hotmesh.clock = 'test';
SELECT hotmesh.set_test_clock('2030-01-01 00:00:00+00');

-- App query, compiled below with pyhotmesh.compiler.compile_source (null fields left out
-- of the JSON: absent and null read the same) from this manifest:
-- app:
--   id: query
--   version: '1'
--   graphs:
--     - subscribes: query.start
--       activities:
--         t1:
--           type: trigger
--           stats: {id: '{$self.input.data.id}'}
--           job: {maps: {input: '{$self.output.data.n}'}}
--         a1:
--           type: worker
--           topic: query.a
--           input: {maps: {n: '{t1.output.data.n}'}}
--           job: {maps: {a: '{$self.output.data.v}'}}
--         a2:
--           type: hook
--           output: {maps: {echo: '{a1.output.data.v}'}}
--           job: {maps: {done: true}}
--       transitions:
--         t1: [{to: a1}]
--         a1: [{to: a2}]
SELECT hotmesh.deploy_version('query', '1', '{}', $json$
{
  "app": {"id": "query", "version": "1", "settings": {}},
  "graphs": [
    {
      "subscribes": "query.start",
      "trigger": "t1",
      "activities": {
        "t1": {
          "id": "t1",
          "type": "trigger",
          "graph": "query.start",
          "ancestors": [],
          "depth": 1,
          "children": ["a1"],
          "conditional": false,
          "expressions": {"stats.id": {"sql": "$1 #> ARRAY['t1', 'input', 'data', 'id']"}},
          "maps": {"job": [{"key": "input", "sql": "$1 #> ARRAY['t1', 'output', 'data', 'n']"}]},
          "settings": {},
          "consumes": {"t1": ["input/data/id", "output/data/n"]},
          "produces": ["input/data/id", "output/data/n"],
          "reads": {"t1": 1},
          "reads_job": false
        },
        "a1": {
          "id": "a1",
          "type": "worker",
          "graph": "query.start",
          "parent": "t1",
          "ancestors": ["t1"],
          "depth": 2,
          "children": ["a2"],
          "conditional": false,
          "expressions": {"topic": {"sql": "CAST('\"query.a\"' AS JSONB)", "value": "query.a"}},
          "maps": {
            "input": {
              "sql": "hotmesh.map_object(CAST(ARRAY['n'] AS TEXT[]), CAST(ARRAY[$1 #> ARRAY['t1', 'output', 'data', 'n']] AS JSONB[]))"
            },
            "job": [{"key": "a", "sql": "$1 #> ARRAY['a1', 'output', 'data', 'v']"}]
          },
          "settings": {},
          "consumes": {"a1": ["output/data/v"], "t1": ["output/data/n"]},
          "produces": ["output/data/v"],
          "reads": {"a1": 2, "t1": 1},
          "reads_job": false
        },
        "a2": {
          "id": "a2",
          "type": "hook",
          "graph": "query.start",
          "parent": "a1",
          "ancestors": ["t1", "a1"],
          "depth": 3,
          "children": [],
          "conditional": false,
          "expressions": {},
          "maps": {
            "output": {
              "sql": "hotmesh.map_object(CAST(ARRAY['echo'] AS TEXT[]), CAST(ARRAY[$1 #> ARRAY['a1', 'output', 'data', 'v']] AS JSONB[]))"
            },
            "job": [{"key": "done", "sql": "CAST('true' AS JSONB)", "value": true}]
          },
          "settings": {},
          "consumes": {"a1": ["output/data/v"]},
          "produces": [],
          "reads": {"a1": 2},
          "reads_job": false
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
SELECT hotmesh.activate_version('query', '1');

-- q-1 ran its trigger at 00:00:00 and waits for its worker ----------------------------------

SELECT hotmesh.pub('query', 'query.start', '{"id": "q-1", "n": 2}');
CREATE TEMP TABLE q1 AS SELECT * FROM hotmesh.jobs WHERE key = 'q-1';

SELECT is(hotmesh.get_state('query', 'q-1'),
          jsonb_build_object(
              'metadata', jsonb_build_object(
                  'jid', 'q-1', 'gid', (SELECT gid FROM q1), 'app', 'query', 'vrs', '1',
                  'tpc', 'query.start', 'js', 1,
                  'jc', to_jsonb('2030-01-01 00:00:00+00'::timestamptz),
                  'ju', to_jsonb('2030-01-01 00:00:00+00'::timestamptz)),
              'data', '{"input": 2}'::jsonb),
          'get_state returns the job''s metadata and data (HotMesh''s JobOutput)');
SELECT is(hotmesh.get_status('query', 'q-1'), 1, 'get_status returns the semaphore of a running job');
SELECT is(hotmesh.get_raw('query', 'q-1'),
          jsonb_build_object(
              'data/input', 2,
              't1/,0', (SELECT value FROM hotmesh.jobs_attributes
                        WHERE job_id = (SELECT id FROM q1) AND field = 't1/,0'),
              'a1/,0,0', jsonb_build_object('output', jsonb_build_object(
                             'metadata', jsonb_build_object(
                                 'aid', 'a1', 'dad', ',0,0', 'atp', 'worker',
                                 'ac', to_jsonb('2030-01-01 00:00:00+00'::timestamptz))))),
          'get_raw returns every attribute, field -> value (a worker still running: its leg 1)');
SELECT is(hotmesh.export('query', 'q-1') #> '{timeline,1,output,metadata}',
          jsonb_build_object('aid', 'a1', 'dad', ',0,0', 'atp', 'worker',
                             'ac', to_jsonb('2030-01-01 00:00:00+00'::timestamptz)),
          'export''s timeline shows a worker still running with its leg-1 metadata');
SELECT is(hotmesh.get_raw('query', 'q-1') -> 't1/,0' #> '{input,data}', '{"id": "q-1", "n": 2}'::jsonb,
          'raw activity nodes are stored under <activity>/<dimension>');

SELECT hotmesh.advance_test_clock('3 seconds');
SELECT hotmesh.respond((SELECT id FROM hotmesh.worker_streams WHERE job_key = 'q-1'), '{"data": {"v": "x"}}');

SELECT is(hotmesh.get_state('query', 'q-1') -> 'data', '{"input": 2, "a": "x", "done": true}'::jsonb,
          'get_state follows the job: the data of every activity that ran');
SELECT is(hotmesh.get_state('query', 'q-1') #> '{metadata,js}', '0'::jsonb,
          'metadata.js mirrors the semaphore');
SELECT is(hotmesh.get_state('query', 'q-1') #>> '{metadata,ju}', '2030-01-01T00:00:03+00:00',
          'metadata.ju is when the job last changed');
SELECT is(hotmesh.get_status('query', 'q-1'), 0, 'get_status of a completed job is 0');

-- export ---------------------------------------------------------------------------------------

CREATE TEMP TABLE exported AS SELECT hotmesh.export('query', 'q-1') AS doc;
SELECT is((SELECT doc -> 'data' FROM exported), '{"input": 2, "a": "x", "done": true}'::jsonb,
          'export carries the job data');
SELECT is((SELECT doc -> 'state' FROM exported), hotmesh.get_state('query', 'q-1') -> 'metadata',
          'export''s state is the job metadata');
SELECT is((SELECT doc -> 'status' FROM exported), '0'::jsonb, 'export carries the semaphore');
SELECT results_eq(
    $$SELECT e ->> 'activity', e ->> 'dimension', (e ->> 'entered_at')::timestamptz,
             (e ->> 'finalized_at')::timestamptz, (e ->> 'leg2_count')::int
      FROM exported, jsonb_array_elements(doc -> 'timeline') WITH ORDINALITY AS t (e, n)
      ORDER BY n$$,
    $$VALUES ('t1'::text, ',0'::text, '2030-01-01 00:00:00+00'::timestamptz,
              '2030-01-01 00:00:00+00'::timestamptz, 0),
             ('a1', ',0,0', '2030-01-01 00:00:00+00', '2030-01-01 00:00:03+00', 1),
             ('a2', ',0,0,0', '2030-01-01 00:00:03+00', '2030-01-01 00:00:03+00', 0)$$,
    'the timeline lists every activity instance in the order it ran, with its ledger');
SELECT is((SELECT doc #> '{timeline,1,output,data}' FROM exported), '{"v": "x"}'::jsonb,
          'each timeline entry carries the activity''s output');
SELECT is((SELECT doc #> '{timeline,2,output,data}' FROM exported), '{"echo": "x"}'::jsonb,
          'a hook''s mapped output included');

-- Not Found ----------------------------------------------------------------------------------

SELECT throws_ok($$SELECT hotmesh.get_state('query', 'ghost')$$, 'P0002', 'ghost Not Found',
                 'get_state of an unknown job raises P0002');
SELECT throws_ok($$SELECT hotmesh.get_status('query', 'ghost')$$, 'P0002', 'ghost Not Found',
                 'get_status of an unknown job raises P0002');
SELECT throws_ok($$SELECT hotmesh.get_raw('query', 'ghost')$$, 'P0002', 'ghost Not Found',
                 'get_raw of an unknown job raises P0002');
SELECT throws_ok($$SELECT hotmesh.export('query', 'ghost')$$, 'P0002', 'ghost Not Found',
                 'export of an unknown job raises P0002');
SELECT throws_ok($$SELECT hotmesh.get_state('elsewhere', 'q-1')$$, 'P0002', 'q-1 Not Found',
                 'a job is found only in its own app');

-- Which job an id names -----------------------------------------------------------------------

SELECT hotmesh.advance_test_clock('1 second');  -- q-1 (completed at 00:00:03) has expired
SELECT hotmesh.pub('query', 'query.start', '{"id": "q-1", "n": 5}', NULL, 60);
SELECT is(hotmesh.get_status('query', 'q-1'), -1, 'an id names the live job (here a pending one)');
SELECT is(hotmesh.get_state('query', 'q-1') -> 'data', '{"input": 5}'::jsonb,
          'get_state reads the live job');
SELECT isnt(hotmesh.get_state('query', 'q-1') #>> '{metadata,gid}', (SELECT gid FROM q1),
            'not the expired one of the same id');
SELECT is(hotmesh.get_raw('query', 'q-1') -> 'data/input', '5'::jsonb, 'so does get_raw');
SELECT is(hotmesh.export('query', 'q-1') -> 'status', '-1'::jsonb, 'and export');
SELECT is(jsonb_array_length(hotmesh.export('query', 'q-1') -> 'timeline'), 1,
          'the pending job''s timeline holds its trigger only');

UPDATE hotmesh.jobs SET is_live = false WHERE key = 'q-1';
SELECT is(hotmesh.get_status('query', 'q-1'), -1, 'without a live job, the most recent one is read');

SELECT hotmesh.pub('query', 'query.start', '{"id": "q-2"}');
SELECT hotmesh.interrupt('query', 'q-2');
SELECT ok(hotmesh.get_status('query', 'q-2') < -100000000, 'get_status shows an interrupt');
SELECT is(hotmesh.get_state('query', 'q-2') #> '{metadata,err,code}', '410'::jsonb,
          'get_state carries the interrupt error in its metadata');

SELECT hotmesh.scrub('query', 'q-2');
SELECT throws_ok($$SELECT hotmesh.get_state('query', 'q-2')$$, 'P0002', 'q-2 Not Found',
                 'a scrubbed job is not found');

SELECT * FROM finish();
ROLLBACK;
