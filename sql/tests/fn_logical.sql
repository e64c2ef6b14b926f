-- @logical: hotmesh.fn_logical_and and hotmesh.fn_logical_or against JavaScript's && and ||,
-- which return an operand rather than a boolean.
BEGIN;
SELECT plan(16);

SELECT is(hotmesh.fn_logical_and('true', 'true'), 'true'::jsonb, 'true && true');
SELECT is(hotmesh.fn_logical_and('true', 'false'), 'false'::jsonb, 'true && false');
SELECT is(hotmesh.fn_logical_and('false', 'true'), 'false'::jsonb, 'false && true');
SELECT is(hotmesh.fn_logical_and('1', '"b"'), '"b"'::jsonb,
          'a truthy first operand gives the second');
SELECT is(hotmesh.fn_logical_and('0', '"b"'), '0'::jsonb, 'a falsy first operand is returned');
SELECT is(hotmesh.fn_logical_and('""', '"b"'), '""'::jsonb, 'the empty string is returned');
SELECT is(hotmesh.fn_logical_and('null', '"b"'), 'null'::jsonb, 'null is returned');
SELECT is(hotmesh.fn_logical_and(NULL, '"b"'), NULL::jsonb, 'undefined is returned');
SELECT is(hotmesh.fn_logical_and('[]', NULL), NULL::jsonb, '[] is truthy, giving undefined');

SELECT is(hotmesh.fn_logical_or('false', 'true'), 'true'::jsonb, 'false || true');
SELECT is(hotmesh.fn_logical_or('false', 'false'), 'false'::jsonb, 'false || false');
SELECT is(hotmesh.fn_logical_or('"a"', '"b"'), '"a"'::jsonb, 'a truthy first operand is returned');
SELECT is(hotmesh.fn_logical_or('0', '"b"'), '"b"'::jsonb,
          'a falsy first operand gives the second');
SELECT is(hotmesh.fn_logical_or(NULL, 'null'), 'null'::jsonb, 'undefined || null is null');
SELECT is(hotmesh.fn_logical_or('null', NULL), NULL::jsonb, 'null || undefined is undefined');
SELECT is(hotmesh.fn_logical_or('{}', '1'), '{}'::jsonb, '{} is truthy');

SELECT * FROM finish();
ROLLBACK;
