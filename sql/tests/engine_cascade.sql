-- The cascade: hotmesh.engine_cascade (runs work items, defers past its bound),
-- engine_children (the transitions taken: codes, conditions, gates, YAML order),
-- engine_settle (the semaphore) and engine_leg2's refusal of late items.
BEGIN;
SELECT plan(37);

SET LOCAL hotmesh.clock = 'test';
SELECT hotmesh.set_test_clock('2030-01-01 00:00:00+00');

-- App casc, compiled below with pyhotmesh.compiler.compile_source (null fields left out
-- of the JSON: absent and null read the same) from this manifest:
-- app:
--   id: casc
--   version: '1'
--   graphs:
--     - subscribes: casc.start
--       activities:
--         c0:
--           type: trigger
--           stats: {id: '{$self.input.data.id}'}
--         a: {type: worker, topic: casc.a}
--         b: {type: worker, topic: casc.b}
--         c: {type: worker, topic: casc.c}
--         d: {type: worker, topic: casc.d}
--       transitions:
--         c0:
--           - to: a
--           - to: b
--             conditions:
--               match: [{expected: true, actual: '{c0.output.data.flag}'}]
--         a:
--           - to: c
--             conditions: {code: 422}
--           - to: d
--             conditions:
--               gate: or
--               match:
--                 - {expected: x, actual: '{a.output.data.k}'}
--                 - {expected: y, actual: '{a.output.data.k}'}
SELECT hotmesh.deploy_version('casc', '1', '{}', $json$
{
  "app": {"id": "casc", "version": "1", "settings": {}},
  "graphs": [
    {
      "subscribes": "casc.start",
      "trigger": "c0",
      "activities": {
        "c0": {
          "id": "c0",
          "type": "trigger",
          "graph": "casc.start",
          "ancestors": [],
          "depth": 1,
          "children": ["a", "b"],
          "conditional": true,
          "expressions": {"stats.id": {"sql": "$1 #> ARRAY['c0', 'input', 'data', 'id']"}},
          "maps": {},
          "settings": {},
          "consumes": {"c0": ["input/data/id", "output/data/flag"]},
          "produces": ["input/data/id", "output/data/flag"],
          "reads": {"c0": 1},
          "reads_job": false
        },
        "a": {
          "id": "a",
          "type": "worker",
          "graph": "casc.start",
          "parent": "c0",
          "ancestors": ["c0"],
          "depth": 2,
          "children": ["c", "d"],
          "conditional": true,
          "expressions": {"topic": {"sql": "CAST('\"casc.a\"' AS JSONB)", "value": "casc.a"}},
          "maps": {},
          "settings": {},
          "consumes": {"a": ["output/data/k"]},
          "produces": ["output/data/k"],
          "reads": {"a": 2},
          "reads_job": false
        },
        "b": {
          "id": "b",
          "type": "worker",
          "graph": "casc.start",
          "parent": "c0",
          "ancestors": ["c0"],
          "depth": 2,
          "children": [],
          "conditional": false,
          "expressions": {"topic": {"sql": "CAST('\"casc.b\"' AS JSONB)", "value": "casc.b"}},
          "maps": {},
          "settings": {},
          "consumes": {},
          "produces": [],
          "reads": {},
          "reads_job": false
        },
        "c": {
          "id": "c",
          "type": "worker",
          "graph": "casc.start",
          "parent": "a",
          "ancestors": ["c0", "a"],
          "depth": 3,
          "children": [],
          "conditional": false,
          "expressions": {"topic": {"sql": "CAST('\"casc.c\"' AS JSONB)", "value": "casc.c"}},
          "maps": {},
          "settings": {},
          "consumes": {},
          "produces": [],
          "reads": {},
          "reads_job": false
        },
        "d": {
          "id": "d",
          "type": "worker",
          "graph": "casc.start",
          "parent": "a",
          "ancestors": ["c0", "a"],
          "depth": 3,
          "children": [],
          "conditional": false,
          "expressions": {"topic": {"sql": "CAST('\"casc.d\"' AS JSONB)", "value": "casc.d"}},
          "maps": {},
          "settings": {},
          "consumes": {},
          "produces": [],
          "reads": {},
          "reads_job": false
        }
      },
      "transitions": {
        "c0": [
          {"to": "a", "codes": [200], "gate": "and"},
          {
            "to": "b",
            "codes": [200],
            "gate": "and",
            "condition": "COALESCE((hotmesh.js_strict_equals($1 #> ARRAY['c0', 'output', 'data', 'flag'], CAST('true' AS JSONB))), FALSE)"
          }
        ],
        "a": [
          {"to": "c", "codes": [422], "gate": "and"},
          {
            "to": "d",
            "codes": [200],
            "gate": "or",
            "condition": "COALESCE((hotmesh.js_strict_equals($1 #> ARRAY['a', 'output', 'data', 'k'], CAST('\"x\"' AS JSONB)) OR hotmesh.js_strict_equals($1 #> ARRAY['a', 'output', 'data', 'k'], CAST('\"y\"' AS JSONB))), FALSE)"
          }
        ]
      },
      "hooks": {}
    }
  ]
}
$json$::jsonb);
SELECT hotmesh.activate_version('casc', '1');

CREATE FUNCTION pg_temp.job(p_key text) RETURNS hotmesh.jobs
LANGUAGE sql AS $$ SELECT * FROM hotmesh.jobs WHERE key = p_key AND is_live $$;

CREATE FUNCTION pg_temp.status(p_key text) RETURNS integer
LANGUAGE sql AS $$ SELECT status FROM hotmesh.jobs WHERE key = p_key AND is_live $$;

-- The activities of a list of work items, in order.
CREATE FUNCTION pg_temp.aids(p_items jsonb) RETURNS text[]
LANGUAGE sql AS $$
    SELECT coalesce(array_agg(i ->> 'aid' ORDER BY n), '{}')
    FROM jsonb_array_elements(p_items) WITH ORDINALITY AS t (i, n)
$$;

-- engine_children ---------------------------------------------------------------------------

CREATE TEMP TABLE started AS
SELECT hotmesh.engine_start_job('casc', 'casc.start', '{"id": "c-1", "flag": true}', '{}', NULL) AS doc;
SELECT is(hotmesh.engine_children(pg_temp.job('c-1'), 'c0', ',0', 200,
                                  '{"c0": {"output": {"data": {"flag": true}}}}'),
          jsonb_build_array(
              jsonb_build_object('job_id', (pg_temp.job('c-1')).id, 'aid', 'a', 'dad', ',0,0',
                                 'leg', 1, 'from', 'c0'),
              jsonb_build_object('job_id', (pg_temp.job('c-1')).id, 'aid', 'b', 'dad', ',0,0',
                                 'leg', 1, 'from', 'c0')),
          'the children are leg-1 items at the child address, in YAML order');
SELECT is(pg_temp.aids(hotmesh.engine_children(pg_temp.job('c-1'), 'c0', ',0', 200,
                                               '{"c0": {"output": {"data": {"flag": false}}}}')),
          ARRAY['a'], 'a transition whose condition is false is not taken');
SELECT is(pg_temp.aids(hotmesh.engine_children(pg_temp.job('c-1'), 'c0', ',0', 200, '{}')),
          ARRAY['a'], 'a condition over an undefined value is false');
SELECT is(pg_temp.aids(hotmesh.engine_children(pg_temp.job('c-1'), 'c0', ',0', 500,
                                               '{"c0": {"output": {"data": {"flag": true}}}}')),
          '{}'::text[], 'with code 500 no transition is taken (they default to code 200)');
SELECT is(hotmesh.engine_children(pg_temp.job('c-1'), 'a', ',0,0', 422, '{}'),
          jsonb_build_array(jsonb_build_object('job_id', (pg_temp.job('c-1')).id, 'aid', 'c',
                                               'dad', ',0,0,0', 'leg', 1, 'from', 'a')),
          'a transition for code 422 is taken with code 422, under the activity''s address');
SELECT is(pg_temp.aids(hotmesh.engine_children(pg_temp.job('c-1'), 'a', ',0,0', 200,
                                               '{"a": {"output": {"data": {"k": "y"}}}}')),
          ARRAY['d'], 'gate or: one matching condition is enough (and the 422 one is not taken)');
SELECT is(pg_temp.aids(hotmesh.engine_children(pg_temp.job('c-1'), 'a', ',0,0', 200,
                                               '{"a": {"output": {"data": {"k": "z"}}}}')),
          '{}'::text[], 'gate or: none matching, not taken');
SELECT is(hotmesh.engine_children(pg_temp.job('c-1'), 'd', ',0,0,0', 200, '{}'), '[]'::jsonb,
          'an activity without transitions has no children');
-- the compiled "next" (no conditions): the children by code, without the look-up
SELECT is(hotmesh.engine_children(pg_temp.job('c-1'), 'x', ',0,0', 200, NULL, '{"200": ["d"]}'),
          jsonb_build_array(jsonb_build_object('job_id', (pg_temp.job('c-1')).id, 'aid', 'd',
                                               'dad', ',0,0,0', 'leg', 1, 'from', 'x')),
          'next: the one child for the code, as the look-up builds it');
SELECT is(hotmesh.engine_children(pg_temp.job('c-1'), 'x', ',0,0', 500, NULL, '{"200": ["d"]}'),
          '[]'::jsonb, 'next: no child for a code it does not name');
SELECT is(pg_temp.aids(hotmesh.engine_children(pg_temp.job('c-1'), 'c0', ',0', 200,
                                               '{"c0": {"output": {"data": {"flag": true}}}}',
                                               '{"200": ["a", "b"]}')),
          ARRAY['a', 'b'], 'next: several children are looked up, in YAML order');

-- engine_cascade ----------------------------------------------------------------------------

SELECT is((SELECT doc -> 'items' FROM started),
          hotmesh.engine_children(pg_temp.job('c-1'), 'c0', ',0', 200,
                                  '{"c0": {"output": {"data": {"flag": true}}}}'),
          'the trigger handed over its children');
SELECT is(pg_temp.status('c-1'), 2, 'whose obligations it already counted');
SELECT is(hotmesh.engine_cascade((SELECT doc -> 'items' FROM started), 1), 1,
          'a cascade bounded at 1 runs one item');
SELECT results_eq($$SELECT stream_name FROM hotmesh.worker_streams WHERE job_key = 'c-1'$$,
                  $$VALUES ('casc.a'::text)$$, 'the first item ran');
SELECT results_eq(
    $$SELECT msg_type, activity_id, dimension, priority, visible_at, message
      FROM hotmesh.engine_streams WHERE job_key = 'c-1'$$,
    $$SELECT 'transition'::text, 'b'::text, ',0,0'::text, 4, hotmesh.now(),
             doc -> 'items' -> 1 FROM started$$,
    'the rest is deferred as a transition message, due at once');
SELECT is(hotmesh.engine_step('casc'), 1, 'engine_step runs the deferred item');
SELECT results_eq($$SELECT stream_name FROM hotmesh.worker_streams WHERE job_key = 'c-1' ORDER BY id$$,
                  $$VALUES ('casc.a'::text), ('casc.b')$$, 'so both children ran, once each');

SELECT is(hotmesh.engine_cascade('[]'), 0, 'an empty cascade runs nothing');
SELECT hotmesh.pub('casc', 'casc.start', '{"id": "c-2"}');
SELECT is(hotmesh.engine_cascade(jsonb_build_array(
              jsonb_build_object('job_id', (pg_temp.job('c-2')).id, 'aid', 'a', 'dad', ',0,0',
                                 'leg', 2, 'kind', 'response', 'status', 'success', 'code', 422,
                                 'data', '{}'::jsonb))),
          2, 'a cascade counts the items it ran, including the ones that followed (a, then c)');
SELECT results_eq($$SELECT stream_name FROM hotmesh.worker_streams WHERE job_key = 'c-2' ORDER BY id$$,
                  $$VALUES ('casc.a'::text), ('casc.c')$$,
                  'the item''s leg 2 ran and the cascade went on to its child');
SELECT hotmesh.pub('casc', 'casc.start', '{"id": "c-3"}');
SELECT is(hotmesh.engine_cascade(jsonb_build_array(
              jsonb_build_object('job_id', (pg_temp.job('c-3')).id, 'aid', 'a', 'dad', ',0,0',
                                 'leg', 2, 'kind', 'response', 'status', 'success', 'code', 422,
                                 'data', '{}'::jsonb)),
              p_locked => (pg_temp.job('c-3')).id),
          2, 'a cascade told its job is locked already runs the same items');
SELECT lives_ok(
    $$SELECT hotmesh.engine_cascade('[{"job_id": -1, "aid": "a", "dad": ",0,0", "leg": 1}]')$$,
    'an item for a job that does not exist is skipped');
SELECT is((SELECT count(*)::int FROM hotmesh.activity_instances WHERE job_id = -1), 0,
          'and records nothing');

-- engine_settle -----------------------------------------------------------------------------

SELECT hotmesh.pub('casc', 'casc.start', '{"id": "s-1", "flag": true}');
SELECT is(hotmesh.engine_settle((pg_temp.job('s-1')).id, 1), '[]'::jsonb,
          'settling a running job returns no work');
SELECT is(pg_temp.status('s-1'), 3, 'the semaphore moves by the delta (2 + 1)');
SELECT is(hotmesh.engine_settle((pg_temp.job('s-1')).id, -3), '[]'::jsonb,
          'settling to 0 completes a job without a parent: no work');
SELECT is(pg_temp.status('s-1'), 0, 'the job is complete');
SELECT is((pg_temp.job('s-1')).expired_at, hotmesh.now() + interval '1 second',
          'its completion tasks ran (it expires)');
SELECT hotmesh.engine_settle((pg_temp.job('s-1')).id, 5);
SELECT is(pg_temp.status('s-1'), 0, 'a completed job''s semaphore no longer moves');

-- the last obligation closing: status and expiry in one update of the job row
SELECT hotmesh.pub('casc', 'casc.start', '{"id": "s-2", "flag": true}');
CREATE TEMP TABLE jobs_updated AS
SELECT n_tup_upd FROM pg_stat_xact_user_tables WHERE relid = 'hotmesh.jobs'::regclass;
SELECT is(hotmesh.engine_settle((pg_temp.job('s-2')).id, -pg_temp.status('s-2')), '[]'::jsonb,
          'settling the last obligations of a job without a parent: no work');
SELECT is((SELECT t.n_tup_upd - u.n_tup_upd
           FROM pg_stat_xact_user_tables t, jobs_updated u
           WHERE t.relid = 'hotmesh.jobs'::regclass), 1::bigint,
          'closing the job updates its row once (status and expiry together)');
SELECT is(pg_temp.status('s-2'), 0, 'the closed job''s status is 0');
SELECT ok((pg_temp.job('s-2')).expired_at IS NOT NULL
          AND (pg_temp.job('s-2')).updated_at = hotmesh.now(),
          'its expiry and its last move are set');
SELECT throws_ok($$SELECT hotmesh.engine_complete((pg_temp.job('s-2')).id, NULL, true, true)$$,
                 '22023', 'engine_complete: a persist run never closes the job',
                 'a persist run that would close the job is refused');

-- engine_leg2: late items change nothing -------------------------------------------------------

SELECT hotmesh.pub('casc', 'casc.start', '{"id": "l-1"}');
SELECT is(hotmesh.engine_run(pg_temp.job('l-1'),
                             '{"aid": "d", "dad": ",0,0,0", "leg": 2, "kind": "response",
                               "status": "success", "code": 200, "data": {"v": 1}}'),
          '[]'::jsonb, 'a leg 2 for an instance that never ran is ignored');
SELECT is((SELECT count(*)::int FROM hotmesh.jobs_attributes
           WHERE job_id = (pg_temp.job('l-1')).id AND field LIKE 'd/%'),
          0, 'and stores nothing');

SELECT * FROM finish();
ROLLBACK;
