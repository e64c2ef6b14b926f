-- @unary: hotmesh.fn_unary_* against JavaScript's !, +, - and ~.
BEGIN;
SELECT plan(32);

SELECT is(hotmesh.fn_unary_not('true'), 'false'::jsonb, '!true');
SELECT is(hotmesh.fn_unary_not('false'), 'true'::jsonb, '!false');
SELECT is(hotmesh.fn_unary_not('0'), 'true'::jsonb, '!0');
SELECT is(hotmesh.fn_unary_not('"0"'), 'false'::jsonb, '!"0": a non-empty string is truthy');
SELECT is(hotmesh.fn_unary_not('""'), 'true'::jsonb, '!""');
SELECT is(hotmesh.fn_unary_not('[]'), 'false'::jsonb, '![]');
SELECT is(hotmesh.fn_unary_not('null'), 'true'::jsonb, '!null');
SELECT is(hotmesh.fn_unary_not(NULL), 'true'::jsonb, '!undefined');

SELECT is(hotmesh.fn_unary_positive('"12"'), '12'::jsonb, '+"12"');
SELECT is(hotmesh.fn_unary_positive('" 2.5 "'), '2.5'::jsonb, '+" 2.5 " ignores the padding');
SELECT is(hotmesh.fn_unary_positive('"0x10"'), '16'::jsonb, '+"0x10" reads hexadecimal');
SELECT is(hotmesh.fn_unary_positive('""'), '0'::jsonb, '+"" is 0');
SELECT is(hotmesh.fn_unary_positive('true'), '1'::jsonb, '+true');
SELECT is(hotmesh.fn_unary_positive('null'), '0'::jsonb, '+null');
SELECT is(hotmesh.fn_unary_positive(NULL), '"NaN"'::jsonb, '+undefined is NaN');
SELECT is(hotmesh.fn_unary_positive('"abc"'), '"NaN"'::jsonb, '+"abc" is NaN');
SELECT is(hotmesh.fn_unary_positive('{}'), '"NaN"'::jsonb, '+{} is NaN');
SELECT is(hotmesh.fn_unary_positive('[]'), '0'::jsonb, '+[] is 0');
SELECT is(hotmesh.fn_unary_positive('[7]'), '7'::jsonb, '+[7] is 7');
SELECT is(hotmesh.fn_unary_positive('"Infinity"'), '"Infinity"'::jsonb, '+Infinity');

SELECT is(hotmesh.fn_unary_negative('5'), '-5'::jsonb, '-5');
SELECT is(hotmesh.fn_unary_negative('"-2.5"'), '2.5'::jsonb, '-"-2.5"');
SELECT is(hotmesh.fn_unary_negative('0'), '0'::jsonb, '-0 is written 0');
SELECT is(hotmesh.fn_unary_negative('"Infinity"'), '"-Infinity"'::jsonb, '-Infinity');
SELECT is(hotmesh.fn_unary_negative('"x"'), '"NaN"'::jsonb, '-"x" is NaN');
SELECT is(hotmesh.fn_unary_negative(NULL), '"NaN"'::jsonb, '-undefined is NaN');

SELECT is(hotmesh.fn_unary_bitwise_not('5'), '-6'::jsonb, '~5');
SELECT is(hotmesh.fn_unary_bitwise_not('-1'), '0'::jsonb, '~-1');
SELECT is(hotmesh.fn_unary_bitwise_not('2.9'), '-3'::jsonb, '~2.9 truncates first');
SELECT is(hotmesh.fn_unary_bitwise_not('4294967296'), '-1'::jsonb, '~2^32 wraps to ~0');
SELECT is(hotmesh.fn_unary_bitwise_not('"NaN"'), '-1'::jsonb, '~NaN is ~0');
SELECT is(hotmesh.fn_unary_bitwise_not(NULL), '-1'::jsonb, '~undefined is ~0');

SELECT * FROM finish();
ROLLBACK;
