-- @conditional: hotmesh.fn_conditional_* against JavaScript's ?:, ==, ===, !=, !==, >, <, >=,
-- <= and ?? (HotMesh's ConditionalHandler), and the aliases gt, gte, lt, lte.
BEGIN;
SELECT plan(65);

-- ternary -----------------------------------------------------------------------------------------

SELECT is(hotmesh.fn_conditional_ternary('true', '"big"', '"small"'), '"big"'::jsonb,
          'ternary picks ifTrue for a true condition');
SELECT is(hotmesh.fn_conditional_ternary('false', '"big"', '"small"'), '"small"'::jsonb,
          'ternary picks ifFalse for false');
SELECT is(hotmesh.fn_conditional_ternary('"0"', '1', '2'), '1'::jsonb,
          'the string "0" is truthy');
SELECT is(hotmesh.fn_conditional_ternary('0', '1', '2'), '2'::jsonb, '0 is falsy');
SELECT is(hotmesh.fn_conditional_ternary('""', '1', '2'), '2'::jsonb, 'the empty string is falsy');
SELECT is(hotmesh.fn_conditional_ternary('[]', '1', '2'), '1'::jsonb, '[] is truthy');
SELECT is(hotmesh.fn_conditional_ternary('{}', '1', '2'), '1'::jsonb, '{} is truthy');
SELECT is(hotmesh.fn_conditional_ternary('null', '1', '2'), '2'::jsonb, 'null is falsy');
SELECT is(hotmesh.fn_conditional_ternary(NULL, '1', '2'), '2'::jsonb, 'undefined is falsy');
SELECT is(hotmesh.fn_conditional_ternary('true', NULL, '2'), NULL::jsonb,
          'an undefined branch is returned as undefined');

-- equality, strict_equality, inequality, strict_inequality ----------------------------------------

SELECT is(hotmesh.fn_conditional_equality('1', '"1"'), 'true'::jsonb, '1 == "1"');
SELECT is(hotmesh.fn_conditional_equality('0', 'false'), 'true'::jsonb, '0 == false');
SELECT is(hotmesh.fn_conditional_equality('null', NULL), 'true'::jsonb, 'null == undefined');
SELECT is(hotmesh.fn_conditional_equality('null', '0'), 'false'::jsonb, 'null != 0');
SELECT is(hotmesh.fn_conditional_equality('"NaN"', '"NaN"'), 'false'::jsonb, 'NaN != NaN');
SELECT is(hotmesh.fn_conditional_equality('[1,2]', '"1,2"'), 'true'::jsonb,
          'an array equals its string form');
SELECT is(hotmesh.fn_conditional_equality('""', '0'), 'true'::jsonb, '"" == 0');
SELECT is(hotmesh.fn_conditional_strict_equality('1', '"1"'), 'false'::jsonb, '1 !== "1"');
SELECT is(hotmesh.fn_conditional_strict_equality('1', '1.0'), 'true'::jsonb, '1 === 1.0');
SELECT is(hotmesh.fn_conditional_strict_equality('null', NULL), 'false'::jsonb,
          'null !== undefined');
SELECT is(hotmesh.fn_conditional_strict_equality(NULL, NULL), 'true'::jsonb,
          'undefined === undefined');
SELECT is(hotmesh.fn_conditional_strict_equality('"NaN"', '"NaN"'), 'false'::jsonb,
          'NaN !== NaN');
SELECT is(hotmesh.fn_conditional_inequality('1', '"1"'), 'false'::jsonb, 'inequality of 1, "1"');
SELECT is(hotmesh.fn_conditional_inequality('null', '0'), 'true'::jsonb, 'inequality of null, 0');
SELECT is(hotmesh.fn_conditional_inequality('"NaN"', '"NaN"'), 'true'::jsonb, 'NaN != NaN');
SELECT is(hotmesh.fn_conditional_strict_inequality('1', '"1"'), 'true'::jsonb, '1 !== "1"');
SELECT is(hotmesh.fn_conditional_strict_inequality('"a"', '"a"'), 'false'::jsonb, '"a" === "a"');

-- greater_than, less_than, greater_than_or_equal, less_than_or_equal ------------------------------

SELECT is(hotmesh.fn_conditional_greater_than('1001', '1000'), 'true'::jsonb, '1001 > 1000');
SELECT is(hotmesh.fn_conditional_greater_than('1000', '1000'), 'false'::jsonb,
          '1000 > 1000 is false');
SELECT is(hotmesh.fn_conditional_greater_than('"10"', '9'), 'true'::jsonb,
          'a string and a number compare as numbers');
SELECT is(hotmesh.fn_conditional_greater_than('"10"', '"9"'), 'false'::jsonb,
          'two strings compare as strings');
SELECT is(hotmesh.fn_conditional_greater_than('"b"', '"a"'), 'true'::jsonb, '"b" > "a"');
SELECT is(hotmesh.fn_conditional_greater_than('true', '0'), 'true'::jsonb, 'true > 0');
SELECT is(hotmesh.fn_conditional_greater_than('"abc"', '1'), 'false'::jsonb,
          'a non-numeric string against a number is NaN: false');
SELECT is(hotmesh.fn_conditional_greater_than(NULL, '0'), 'false'::jsonb,
          'undefined > 0 is false');
SELECT is(hotmesh.fn_conditional_greater_than('null', '-1'), 'true'::jsonb, 'null is 0: null > -1');
SELECT is(hotmesh.fn_conditional_greater_than('"Infinity"', '1e300'), 'true'::jsonb,
          'Infinity > 1e300');
SELECT is(hotmesh.fn_conditional_greater_than('[2]', '"10"'), 'true'::jsonb,
          'an array compares as its string form: "2" > "10"');
SELECT is(hotmesh.fn_conditional_greater_than('{}', '"["'), 'true'::jsonb,
          'an object compares as "[object Object]"');
SELECT is(hotmesh.fn_conditional_less_than('1', '2'), 'true'::jsonb, '1 < 2');
SELECT is(hotmesh.fn_conditional_less_than('"a"', '"B"'), 'false'::jsonb,
          'strings compare by code point: "a" > "B"');
SELECT is(hotmesh.fn_conditional_less_than('"NaN"', '1'), 'false'::jsonb, 'NaN < 1 is false');
SELECT is(hotmesh.fn_conditional_less_than('""', '1'), 'true'::jsonb, '"" is 0: "" < 1');
SELECT is(hotmesh.fn_conditional_greater_than_or_equal('5', '5'), 'true'::jsonb, '5 >= 5');
SELECT is(hotmesh.fn_conditional_greater_than_or_equal('4', '5'), 'false'::jsonb,
          '4 >= 5 is false');
SELECT is(hotmesh.fn_conditional_greater_than_or_equal('"NaN"', '"NaN"'), 'false'::jsonb,
          'NaN >= NaN is false');
SELECT is(hotmesh.fn_conditional_greater_than_or_equal('null', '0'), 'true'::jsonb, 'null >= 0');
SELECT is(hotmesh.fn_conditional_greater_than_or_equal(NULL, NULL), 'false'::jsonb,
          'undefined >= undefined is false');
SELECT is(hotmesh.fn_conditional_less_than_or_equal('5', '5'), 'true'::jsonb, '5 <= 5');
SELECT is(hotmesh.fn_conditional_less_than_or_equal('6', '5'), 'false'::jsonb, '6 <= 5 is false');
SELECT is(hotmesh.fn_conditional_less_than_or_equal('"abc"', '"abd"'), 'true'::jsonb,
          '"abc" <= "abd"');
SELECT is(hotmesh.fn_conditional_less_than_or_equal('1', NULL), 'false'::jsonb,
          '1 <= undefined is false');

-- the aliases gt, gte, lt, lte --------------------------------------------------------------------

SELECT is(hotmesh.fn_conditional_gt('2', '1'), 'true'::jsonb, 'gt is greater_than');
SELECT is(hotmesh.fn_conditional_gt('1', '1'), 'false'::jsonb, 'gt of equal values is false');
SELECT is(hotmesh.fn_conditional_gte('1', '1'), 'true'::jsonb, 'gte is greater_than_or_equal');
SELECT is(hotmesh.fn_conditional_gte('"3"', '5'), 'false'::jsonb,
          'gte compares a numeric string as a number');
SELECT is(hotmesh.fn_conditional_lt('1', '2'), 'true'::jsonb, 'lt is less_than');
SELECT is(hotmesh.fn_conditional_lt('"NaN"', '2'), 'false'::jsonb, 'lt with NaN is false');
SELECT is(hotmesh.fn_conditional_lte('2', '2'), 'true'::jsonb, 'lte is less_than_or_equal');
SELECT is(hotmesh.fn_conditional_lte('3', '2'), 'false'::jsonb, 'lte of a larger value is false');

-- nullish -----------------------------------------------------------------------------------------

SELECT is(hotmesh.fn_conditional_nullish('null', '"d"'), '"d"'::jsonb, 'null ?? "d"');
SELECT is(hotmesh.fn_conditional_nullish(NULL, '"d"'), '"d"'::jsonb, 'undefined ?? "d"');
SELECT is(hotmesh.fn_conditional_nullish('0', '"d"'), '0'::jsonb, '0 is not nullish');
SELECT is(hotmesh.fn_conditional_nullish('""', '"d"'), '""'::jsonb, '"" is not nullish');
SELECT is(hotmesh.fn_conditional_nullish('null', NULL), NULL::jsonb,
          'null ?? undefined is undefined');

SELECT * FROM finish();
ROLLBACK;
