-- @symbol: the nullary constants hotmesh.fn_symbol_*.
BEGIN;
SELECT plan(13);

SELECT is(hotmesh.fn_symbol_null(), 'null'::jsonb, 'null is JSON null');
SELECT ok(hotmesh.fn_symbol_null() IS NOT NULL, 'null is not undefined');
SELECT is(hotmesh.fn_symbol_undefined(), NULL::jsonb, 'undefined is SQL NULL');
SELECT is(hotmesh.fn_symbol_whitespace(), '" "'::jsonb, 'whitespace is one space');
SELECT is(hotmesh.fn_symbol_object(), '{}'::jsonb, 'object is {}');
SELECT is(hotmesh.fn_symbol_array(), '[]'::jsonb, 'array is []');
SELECT is(hotmesh.fn_symbol_posinfinity(), '"Infinity"'::jsonb, 'posInfinity');
SELECT is(hotmesh.fn_symbol_neginfinity(), '"-Infinity"'::jsonb, 'negInfinity');
SELECT is(hotmesh.fn_symbol_nan(), '"NaN"'::jsonb, 'NaN');

SET LOCAL hotmesh.clock = 'test';
SELECT hotmesh.set_test_clock('2030-01-02 03:04:05.678+00');
SELECT is(hotmesh.fn_symbol_date(), '"2030-01-02T03:04:05.678Z"'::jsonb,
          'date is the current time as an ISO string in UTC');
SELECT hotmesh.set_test_clock('2030-06-30 23:59:59.6789-05');
SELECT is(hotmesh.fn_symbol_date(), '"2030-07-01T04:59:59.678Z"'::jsonb,
          'date is converted to UTC and cut to milliseconds');
SELECT hotmesh.advance_test_clock('1 second');
SELECT is(hotmesh.fn_symbol_date(), '"2030-07-01T05:00:00.678Z"'::jsonb,
          'date follows the clock');
SELECT is((hotmesh.fn_symbol_date() #>> '{}')::timestamptz,
          date_trunc('milliseconds', hotmesh.now()),
          'date reads back as the clock''s time to the millisecond');

SELECT * FROM finish();
ROLLBACK;
