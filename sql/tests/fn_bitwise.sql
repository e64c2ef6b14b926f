-- @bitwise: hotmesh.fn_bitwise_* against JavaScript's &, |, ^, <<, >> and >>> on 32-bit integers.
-- Expected values were checked against Node.
BEGIN;
SELECT plan(33);

SELECT is(hotmesh.fn_bitwise_and('5', '3'), '1'::jsonb, '5 & 3');
SELECT is(hotmesh.fn_bitwise_and('-1', '4294967295'), '-1'::jsonb, '2^32-1 is -1 as an int32');
SELECT is(hotmesh.fn_bitwise_and('1e20', '-1'), '1661992960'::jsonb,
          'a large number wraps modulo 2^32');
SELECT is(hotmesh.fn_bitwise_and('9007199254740993', '-1'), '0'::jsonb,
          '2^53+1 is the double 2^53, a multiple of 2^32');
SELECT is(hotmesh.fn_bitwise_and('"12"', '"0x1f"'), '12'::jsonb, 'strings convert to numbers');
SELECT is(hotmesh.fn_bitwise_and('2.9', '-1'), '2'::jsonb, 'fractions truncate toward zero');
SELECT is(hotmesh.fn_bitwise_and('-2.9', '-1'), '-2'::jsonb, 'negative fractions truncate too');

SELECT is(hotmesh.fn_bitwise_or('5', '8'), '13'::jsonb, '5 | 8');
SELECT is(hotmesh.fn_bitwise_or('2147483648', '0'), '-2147483648'::jsonb,
          '2^31 is the smallest int32');
SELECT is(hotmesh.fn_bitwise_or('-2147483649', '0'), '2147483647'::jsonb,
          'below the int32 range wraps around');
SELECT is(hotmesh.fn_bitwise_or('"NaN"', '0'), '0'::jsonb, 'NaN is 0');
SELECT is(hotmesh.fn_bitwise_or('"Infinity"', '0'), '0'::jsonb, 'Infinity is 0');
SELECT is(hotmesh.fn_bitwise_or(NULL, 'null'), '0'::jsonb, 'undefined and null are 0');
SELECT is(hotmesh.fn_bitwise_or('"abc"', '[7]'), '7'::jsonb, '"abc" is NaN (0), [7] is 7');
SELECT is(hotmesh.fn_bitwise_or('1e308', '1'), '1'::jsonb, '1e308 is a multiple of 2^32');

SELECT is(hotmesh.fn_bitwise_xor('5', '3'), '6'::jsonb, '5 ^ 3');
SELECT is(hotmesh.fn_bitwise_xor('-1', '1'), '-2'::jsonb, '-1 ^ 1');
SELECT is(hotmesh.fn_bitwise_xor('true', NULL), '1'::jsonb, 'true ^ undefined');

SELECT is(hotmesh.fn_bitwise_leftshift('1', '4'), '16'::jsonb, '1 << 4');
SELECT is(hotmesh.fn_bitwise_leftshift('1', '31'), '-2147483648'::jsonb,
          'shifting into the sign bit gives a negative number');
SELECT is(hotmesh.fn_bitwise_leftshift('1', '32'), '1'::jsonb, 'the shift count is taken mod 32');
SELECT is(hotmesh.fn_bitwise_leftshift('1', '-1'), '-2147483648'::jsonb,
          'a shift count of -1 is 31');
SELECT is(hotmesh.fn_bitwise_leftshift('4294967295', '4'), '-16'::jsonb,
          'bits shifted out are lost');
SELECT is(hotmesh.fn_bitwise_leftshift('3', '"2"'), '12'::jsonb, 'a string shift count');

SELECT is(hotmesh.fn_bitwise_rightshift('-9', '1'), '-5'::jsonb, '>> keeps the sign');
SELECT is(hotmesh.fn_bitwise_rightshift('16', '4'), '1'::jsonb, '16 >> 4');
SELECT is(hotmesh.fn_bitwise_rightshift('-1', '31'), '-1'::jsonb, '-1 >> 31');
SELECT is(hotmesh.fn_bitwise_rightshift('2147483648', '33'), '-1073741824'::jsonb,
          '2^31 is negative; 33 is 1');

SELECT is(hotmesh.fn_bitwise_unsignedrightshift('-1', '0'), '4294967295'::jsonb,
          '-1 >>> 0 is the unsigned 2^32-1');
SELECT is(hotmesh.fn_bitwise_unsignedrightshift('-9', '1'), '2147483643'::jsonb,
          '>>> fills with zeros');
SELECT is(hotmesh.fn_bitwise_unsignedrightshift('16', '4'), '1'::jsonb, '16 >>> 4');
SELECT is(hotmesh.fn_bitwise_unsignedrightshift('-1', '32'), '4294967295'::jsonb,
          'a shift of 32 is a shift of 0');
SELECT is(hotmesh.fn_bitwise_unsignedrightshift('"NaN"', '1'), '0'::jsonb, 'NaN >>> 1');

SELECT * FROM finish();
ROLLBACK;
