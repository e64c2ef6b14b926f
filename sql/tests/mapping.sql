-- Building blocks of compiled expressions: map_object, map_array, js_reduce_keys, and the
-- evaluators eval_expression, eval_condition and eval_fast.
BEGIN;
SELECT plan(24);

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

-- eval_fast: the compiler's fast forms, with the semantics of the SQL they stand for
SELECT is(hotmesh.eval_fast('{"p": "{a1,output,data,x}"}', '{"a1": {"output": {"data": {"x": 7}}}}'),
          '7'::jsonb, 'a path reads the context');
SELECT ok(hotmesh.eval_fast('{"p": "{a1,output,data,nope}"}', '{"a1": {}}') IS NULL,
          'a missing path is undefined (NULL)');
SELECT is(hotmesh.eval_fast('{"p": "{a1,\"we,ird\"}"}', '{"a1": {"we,ird": 1}}'),
          '1'::jsonb, 'path segments are quoted array elements (a comma stays in its key)');
SELECT is(hotmesh.eval_fast('{"v": {"k": [1, "two"]}}', '{}'), '{"k": [1, "two"]}'::jsonb,
          'a constant is its value');
SELECT is(hotmesh.eval_fast('{"o": [["a", {"p": "{x}"}], ["b", {"p": "{missing}"}], ["c", {"v": null}]]}',
                            '{"x": 1}'),
          '{"a": 1, "c": null}'::jsonb, 'an object leaves undefined values out (map_object)');
SELECT is(hotmesh.eval_fast('{"a": [{"p": "{x}"}, {"p": "{missing}"}]}', '{"x": 1}'),
          '[1, null]'::jsonb, 'an array turns undefined into null (map_array)');
SELECT is(hotmesh.eval_fast('{"o": [["n", {"a": [{"o": [["m", {"p": "{x}"}]]}]}]]}', '{"x": 2}'),
          '{"n": [{"m": 2}]}'::jsonb, 'forms nest');
SELECT throws_ok($$SELECT hotmesh.eval_fast('{"q": 1}', '{}')$$, '22023', NULL,
                 'an unknown form raises');

SELECT * FROM finish();
ROLLBACK;
