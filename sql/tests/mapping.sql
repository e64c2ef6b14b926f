-- Building blocks of compiled expressions: map_object, map_array, js_reduce_keys, and the
-- evaluators eval_expression and eval_condition.
BEGIN;
SELECT plan(16);

SELECT is(hotmesh.map_object(ARRAY['a', 'b'], ARRAY['1', '"x"']::jsonb[]),
          '{"a": 1, "b": "x"}'::jsonb, 'map_object pairs keys with values');
SELECT is(hotmesh.map_object(ARRAY['a', 'b'], ARRAY['1', NULL]::jsonb[]),
          '{"a": 1}'::jsonb, 'an undefined value leaves its key out');
SELECT is(hotmesh.map_object(ARRAY['a'], ARRAY['null']::jsonb[]),
          '{"a": null}'::jsonb, 'a null value is kept');
SELECT is(hotmesh.map_object(ARRAY[]::text[], ARRAY[]::jsonb[]), '{}'::jsonb,
          'no keys give an empty object');

SELECT is(hotmesh.map_array(ARRAY['1', NULL, '"z"']::jsonb[]), '[1, null, "z"]'::jsonb,
          'map_array keeps order and turns undefined into null');
SELECT is(hotmesh.map_array(ARRAY[]::jsonb[]), '[]'::jsonb, 'no elements give []');

SELECT is(hotmesh.js_reduce_keys('["a", "b", "c"]'), ARRAY['0', '1', '2'],
          'an array reduces over its indexes');
SELECT is(hotmesh.js_reduce_keys('{"x": 1, "y": 2}'), ARRAY['x', 'y'],
          'an object reduces over its keys');
SELECT is(hotmesh.js_reduce_keys('[]'), ARRAY[]::text[], 'an empty array has nothing to reduce');
SELECT is(hotmesh.js_reduce_keys('"text"'), ARRAY[]::text[], 'a string has nothing to reduce');
SELECT is(hotmesh.js_reduce_keys(NULL), ARRAY[]::text[], 'undefined has nothing to reduce');

SELECT is(hotmesh.eval_expression($$$1 #> ARRAY['a1', 'output', 'data', 'x']$$,
                                  '{"a1": {"output": {"data": {"x": [1, 2]}}}}'),
          '[1, 2]'::jsonb, 'eval_expression reads the context from $1');
SELECT is(hotmesh.eval_expression($$$1 #> ARRAY['a1', 'nothing']$$, '{}'), NULL,
          'a missing path is undefined (SQL NULL)');
SELECT is(hotmesh.eval_condition(
              $$hotmesh.js_strict_equals($1 #> ARRAY['a', 'ok'], CAST('true' AS JSONB))$$,
              '{"a": {"ok": true}}'),
          true, 'eval_condition evaluates a boolean condition');
SELECT is(hotmesh.eval_condition(
              $$hotmesh.js_strict_equals($1 #> ARRAY['a', 'ok'], CAST('true' AS JSONB))$$,
              '{}'),
          false, 'a condition over a missing value is false, never NULL');
SELECT throws_ok($$SELECT hotmesh.eval_expression('no_such_column', '{}')$$, '42703', NULL,
                 'a broken expression raises instead of returning a wrong value');

SELECT * FROM finish();
ROLLBACK;
