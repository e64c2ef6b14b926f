-- The @number domain (hotmesh.fn_number_*): predicates, parseInt/parseFloat, the toFixed /
-- toExponential / toPrecision formatters (which must print exactly what JavaScript prints) and
-- comparisons. Expected values are what Node.js prints for the same call.
BEGIN;
SELECT plan(142);

-- predicates -------------------------------------------------------------------------------------

SELECT is(hotmesh.fn_number_isfinite('42.5'), 'true'::jsonb, 'isFinite of a number');
SELECT is(hotmesh.fn_number_isfinite('"Infinity"'), 'false'::jsonb, 'isFinite(Infinity)');
SELECT is(hotmesh.fn_number_isfinite('"NaN"'), 'false'::jsonb, 'isFinite(NaN)');
SELECT is(hotmesh.fn_number_isfinite('"5"'), 'false'::jsonb,
          'Number.isFinite does not convert: "5" is false');
SELECT is(hotmesh.fn_number_isfinite(NULL), 'false'::jsonb, 'isFinite(undefined)');
SELECT is(hotmesh.fn_number_isfinite('null'), 'false'::jsonb, 'isFinite(null)');

SELECT is(hotmesh.fn_number_isinteger('5'), 'true'::jsonb, 'isInteger(5)');
SELECT is(hotmesh.fn_number_isinteger('5.0'), 'true'::jsonb, 'isInteger(5.0)');
SELECT is(hotmesh.fn_number_isinteger('5.5'), 'false'::jsonb, 'isInteger(5.5)');
SELECT is(hotmesh.fn_number_isinteger('"5"'), 'false'::jsonb, 'isInteger does not convert');
SELECT is(hotmesh.fn_number_isinteger('"Infinity"'), 'false'::jsonb, 'isInteger(Infinity)');
SELECT is(hotmesh.fn_number_isinteger('1e300'), 'true'::jsonb, 'isInteger(1e300)');

SELECT is(hotmesh.fn_number_isnan('"NaN"'), 'true'::jsonb, 'isNaN(NaN)');
SELECT is(hotmesh.fn_number_isnan('"abc"'), 'false'::jsonb,
          'Number.isNaN does not convert: "abc" is false');
SELECT is(hotmesh.fn_number_isnan(NULL), 'false'::jsonb, 'isNaN(undefined) is false');
SELECT is(hotmesh.fn_number_isnan('3'), 'false'::jsonb, 'isNaN(3)');

SELECT is(hotmesh.fn_number_iseven('42'), 'true'::jsonb, 'isEven(42)');
SELECT is(hotmesh.fn_number_iseven('55'), 'false'::jsonb, 'isEven(55)');
SELECT is(hotmesh.fn_number_iseven('-4'), 'true'::jsonb, 'isEven(-4)');
SELECT is(hotmesh.fn_number_iseven('"4"'), 'true'::jsonb,
          'isEven converts (HotMesh uses the global isNaN and %)');
SELECT is(hotmesh.fn_number_iseven('null'), 'true'::jsonb, 'isEven(null): null % 2 is 0');
SELECT is(hotmesh.fn_number_iseven('2.5'), 'false'::jsonb, 'isEven(2.5)');
SELECT is(hotmesh.fn_number_iseven('"Infinity"'), 'false'::jsonb, 'isEven(Infinity)');
SELECT is(hotmesh.fn_number_iseven(NULL), 'false'::jsonb, 'isEven(undefined)');
SELECT is(hotmesh.fn_number_iseven('1e300'), 'true'::jsonb, 'isEven of a huge double');
SELECT is(hotmesh.fn_number_iseven('5e-324'), 'false'::jsonb,
          'isEven of the smallest subnormal (no underflow error)');

SELECT is(hotmesh.fn_number_isodd('55'), 'true'::jsonb, 'isOdd(55)');
SELECT is(hotmesh.fn_number_isodd('-3'), 'true'::jsonb, 'isOdd(-3)');
SELECT is(hotmesh.fn_number_isodd('42'), 'false'::jsonb, 'isOdd(42)');
SELECT is(hotmesh.fn_number_isodd('2.5'), 'true'::jsonb, 'isOdd(2.5): 2.5 % 2 is not 0');
SELECT is(hotmesh.fn_number_isodd('"Infinity"'), 'true'::jsonb,
          'isOdd(Infinity) is true as in HotMesh (Infinity % 2 is NaN, and NaN !== 0)');
SELECT is(hotmesh.fn_number_isodd('"abc"'), 'false'::jsonb, 'isOdd("abc")');
SELECT is(hotmesh.fn_number_isodd('true'), 'true'::jsonb, 'isOdd(true): true is 1');

-- parseFloat -------------------------------------------------------------------------------------

SELECT is(hotmesh.fn_number_parsefloat('"3.14"'), '3.14'::jsonb, 'parseFloat');
SELECT is(hotmesh.fn_number_parsefloat('"12px"'), '12'::jsonb, 'parseFloat("12px") is 12');
SELECT is(hotmesh.fn_number_parsefloat(to_jsonb(E' \n\t-17.5e3xyz'::text)), '-17500'::jsonb,
          'leading whitespace, a sign and an exponent');
SELECT is(hotmesh.fn_number_parsefloat('"1e"'), '1'::jsonb, 'an incomplete exponent stops');
SELECT is(hotmesh.fn_number_parsefloat('".5"'), '0.5'::jsonb, 'no integer digits');
SELECT is(hotmesh.fn_number_parsefloat('"0x10"'), '0'::jsonb, 'no hex: "0x10" is 0');
SELECT is(hotmesh.fn_number_parsefloat('"-Infinityx"'), '"-Infinity"'::jsonb,
          'Infinity is read');
SELECT is(hotmesh.fn_number_parsefloat('"abc"'), '"NaN"'::jsonb, 'no digits is NaN');
SELECT is(hotmesh.fn_number_parsefloat('""'), '"NaN"'::jsonb, 'the empty string is NaN');
SELECT is(hotmesh.fn_number_parsefloat(NULL), '"NaN"'::jsonb, 'undefined is NaN');
SELECT is(hotmesh.fn_number_parsefloat('null'), '"NaN"'::jsonb, 'null ("null") is NaN');
SELECT is(hotmesh.fn_number_parsefloat('1e21'), '1e21'::jsonb,
          'a number goes through ToString ("1e+21") and back');
SELECT is(hotmesh.fn_number_parsefloat('[1.5, 2]'), '1.5'::jsonb, 'an array: "1.5,2" gives 1.5');

-- parseInt ---------------------------------------------------------------------------------------

SELECT is(hotmesh.fn_number_parseint('"42"'), '42'::jsonb, 'parseInt');
SELECT is(hotmesh.fn_number_parseint('"12px"'), '12'::jsonb, 'parseInt("12px") is 12');
SELECT is(hotmesh.fn_number_parseint('"  -12.9"'), '-12'::jsonb,
          'whitespace, a sign, and the fraction is dropped');
SELECT is(hotmesh.fn_number_parseint('"0x1F"'), '31'::jsonb, 'a 0x prefix reads hex');
SELECT is(hotmesh.fn_number_parseint('"ff"', '16'), '255'::jsonb, 'an explicit radix');
SELECT is(hotmesh.fn_number_parseint('"0x1F"', '16'), '31'::jsonb, 'radix 16 allows 0x');
SELECT is(hotmesh.fn_number_parseint('"0x1F"', '10'), '0'::jsonb, 'radix 10 stops at the x');
SELECT is(hotmesh.fn_number_parseint('"101"', '"2"'), '5'::jsonb, 'a radix string converts');
SELECT is(hotmesh.fn_number_parseint('"z"', '36'), '35'::jsonb, 'radix 36');
SELECT is(hotmesh.fn_number_parseint('"12"', '37'), '"NaN"'::jsonb, 'radix 37 is NaN');
SELECT is(hotmesh.fn_number_parseint('"12"', '1'), '"NaN"'::jsonb, 'radix 1 is NaN');
SELECT is(hotmesh.fn_number_parseint('"12"', '0'), '12'::jsonb, 'radix 0 means 10');
SELECT is(hotmesh.fn_number_parseint('"abc"'), '"NaN"'::jsonb, 'no digits is NaN');
SELECT is(hotmesh.fn_number_parseint('"0x"'), '"NaN"'::jsonb, 'a bare 0x is NaN');
SELECT is(hotmesh.fn_number_parseint(NULL), '"NaN"'::jsonb, 'undefined is NaN');
SELECT is(hotmesh.fn_number_parseint('5e-7'), '5'::jsonb,
          'a number goes through ToString: 5e-7 prints "5e-7", giving 5');
SELECT is(hotmesh.fn_number_parseint('"9007199254740993"'), '9007199254740992'::jsonb,
          'long digit strings round once, to the nearest double');
SELECT is(hotmesh.fn_number_parseint(to_jsonb(repeat('9', 400))), '"Infinity"'::jsonb,
          'beyond the largest double is Infinity');
SELECT is(hotmesh.fn_number_parseint('"-0"'), '0'::jsonb, '-0 is written 0');

-- toFixed ----------------------------------------------------------------------------------------

SELECT is(hotmesh.fn_number_tofixed('1.005', '2'), '"1.00"'::jsonb,
          '(1.005).toFixed(2) is "1.00": the double is 1.00499999999999989...');
SELECT is(hotmesh.fn_number_tofixed('1.45', '1'), '"1.4"'::jsonb, '(1.45).toFixed(1)');
SELECT is(hotmesh.fn_number_tofixed('2.5'), '"3"'::jsonb, 'no digits: 0; an exact half rounds up');
SELECT is(hotmesh.fn_number_tofixed('-2.5'), '"-3"'::jsonb, 'halves round away from zero');
SELECT is(hotmesh.fn_number_tofixed('123.456', '5'), '"123.45600"'::jsonb, 'zeros pad');
SELECT is(hotmesh.fn_number_tofixed('0.000001', '3'), '"0.000"'::jsonb, 'small numbers');
SELECT is(hotmesh.fn_number_tofixed('-0.0001', '2'), '"-0.00"'::jsonb,
          'a negative that rounds to zero keeps its sign, as in JavaScript');
SELECT is(hotmesh.fn_number_tofixed('1e21', '2'), '"1e+21"'::jsonb,
          'from 1e21 on, ToString''s form');
SELECT is(hotmesh.fn_number_tofixed('0.1', '20'), '"0.10000000000000000555"'::jsonb,
          'the binary value''s digits show');
SELECT is(hotmesh.fn_number_tofixed('"NaN"', '2'), '"NaN"'::jsonb, 'NaN');
SELECT is(hotmesh.fn_number_tofixed('"-Infinity"'), '"-Infinity"'::jsonb, '-Infinity');
SELECT is(hotmesh.fn_number_tofixed('7', '"2"'), '"7.00"'::jsonb, 'digits convert');
SELECT throws_ok($$SELECT hotmesh.fn_number_tofixed('1', '101')$$, '22023',
                 '@number.toFixed: digits must be between 0 and 100, got 101',
                 'more than 100 digits raise (RangeError)');
SELECT throws_ok($$SELECT hotmesh.fn_number_tofixed('"NaN"', '-1')$$, '22023',
                 '@number.toFixed: digits must be between 0 and 100, got -1',
                 'the digits are checked before the number');
SELECT throws_ok($$SELECT hotmesh.fn_number_tofixed('"1.5"', '1')$$, '22023',
                 '@number.toFixed: expected a number, got string',
                 'a string has no toFixed (TypeError)');
SELECT throws_ok($$SELECT hotmesh.fn_number_tofixed(NULL, '1')$$, '22023',
                 '@number.toFixed: expected a number, got undefined', 'nor has undefined');
SELECT throws_ok($$SELECT hotmesh.fn_number_tofixed('null')$$, '22023',
                 '@number.toFixed: expected a number, got null', 'nor has null');

-- toExponential ----------------------------------------------------------------------------------

SELECT is(hotmesh.fn_number_toexponential('123.456', '2'), '"1.23e+2"'::jsonb,
          '(123.456).toExponential(2)');
SELECT is(hotmesh.fn_number_toexponential('123.456'), '"1.23456e+2"'::jsonb,
          'without digits, as many as identify the number');
SELECT is(hotmesh.fn_number_toexponential('0.00015', '1'), '"1.5e-4"'::jsonb,
          'a negative exponent');
SELECT is(hotmesh.fn_number_toexponential('-1.005', '2'), '"-1.00e+0"'::jsonb,
          'the binary value rounds: -1.00499... gives -1.00');
SELECT is(hotmesh.fn_number_toexponential('9.99', '1'), '"1.0e+1"'::jsonb,
          'rounding up can carry into the exponent');
SELECT is(hotmesh.fn_number_toexponential('0', '2'), '"0.00e+0"'::jsonb, 'zero');
SELECT is(hotmesh.fn_number_toexponential('0'), '"0e+0"'::jsonb, 'zero without digits');
SELECT is(hotmesh.fn_number_toexponential('1e21'), '"1e+21"'::jsonb, 'a single digit has no point');
SELECT is(hotmesh.fn_number_toexponential('"Infinity"', '200'), '"Infinity"'::jsonb,
          'Infinity, before the digits are checked');
SELECT throws_ok($$SELECT hotmesh.fn_number_toexponential('1', '-1')$$, '22023',
                 '@number.toExponential: digits must be between 0 and 100, got -1',
                 'negative digits raise (RangeError)');
SELECT throws_ok($$SELECT hotmesh.fn_number_toexponential('[1]')$$, '22023',
                 '@number.toExponential: expected a number, got array', 'an array raises');

-- toPrecision -------------------------------------------------------------------------------------

SELECT is(hotmesh.fn_number_toprecision('0.000123', '2'), '"0.00012"'::jsonb,
          '(0.000123).toPrecision(2)');
SELECT is(hotmesh.fn_number_toprecision('123456', '2'), '"1.2e+5"'::jsonb,
          '(123456).toPrecision(2): the exponent reaches the precision');
SELECT is(hotmesh.fn_number_toprecision('123.456', '4'), '"123.5"'::jsonb, 'fixed notation');
SELECT is(hotmesh.fn_number_toprecision('123', '3'), '"123"'::jsonb, 'no point when exact');
SELECT is(hotmesh.fn_number_toprecision('0.0000001234', '2'), '"1.2e-7"'::jsonb,
          'below 1e-6, exponent notation');
SELECT is(hotmesh.fn_number_toprecision('0.000001234', '2'), '"0.0000012"'::jsonb,
          'at 1e-6, still fixed');
SELECT is(hotmesh.fn_number_toprecision('5', '1'), '"5"'::jsonb, 'one digit');
SELECT is(hotmesh.fn_number_toprecision('1.5', '1'), '"2"'::jsonb, 'one digit, rounded up');
SELECT is(hotmesh.fn_number_toprecision('-99.99', '3'), '"-100"'::jsonb,
          'a carry that lengthens the integer part');
SELECT is(hotmesh.fn_number_toprecision('0', '3'), '"0.00"'::jsonb, 'zero');
SELECT is(hotmesh.fn_number_toprecision('123.456'), '"123.456"'::jsonb,
          'without precision, ToString');
SELECT is(hotmesh.fn_number_toprecision('1e21'), '"1e+21"'::jsonb,
          'without precision, ToString''s exponent form');
SELECT is(hotmesh.fn_number_toprecision('"NaN"', '0'), '"NaN"'::jsonb,
          'NaN, before the precision is checked');
SELECT throws_ok($$SELECT hotmesh.fn_number_toprecision('1', '0')$$, '22023',
                 '@number.toPrecision: precision must be between 1 and 100, got 0',
                 'precision 0 raises (RangeError)');
SELECT throws_ok($$SELECT hotmesh.fn_number_toprecision('1', 'null')$$, '22023',
                 '@number.toPrecision: precision must be between 1 and 100, got 0',
                 'a null precision is 0, not absent');
SELECT throws_ok($$SELECT hotmesh.fn_number_toprecision('true', '2')$$, '22023',
                 '@number.toPrecision: expected a number, got boolean', 'a boolean raises');

-- comparisons -------------------------------------------------------------------------------------

SELECT is(hotmesh.fn_number_gte('5', '5'), 'true'::jsonb, 'gte of equal numbers');
SELECT is(hotmesh.fn_number_gte('4', '5'), 'false'::jsonb, 'gte of a smaller number');
SELECT is(hotmesh.fn_number_gte('"10"', '9'), 'true'::jsonb, 'a string and a number: numbers');
SELECT is(hotmesh.fn_number_gte('"10"', '"9"'), 'false'::jsonb,
          'two strings compare as strings, as in JavaScript');
SELECT is(hotmesh.fn_number_gte('null', '0'), 'true'::jsonb, 'null >= 0');
SELECT is(hotmesh.fn_number_gte(NULL, '0'), 'false'::jsonb, 'undefined >= 0 is false');
SELECT is(hotmesh.fn_number_gte('"NaN"', '"NaN"'), 'false'::jsonb, 'NaN >= NaN is false');
SELECT is(hotmesh.fn_number_lte('5', '5'), 'true'::jsonb, 'lte of equal numbers');
SELECT is(hotmesh.fn_number_lte('6', '5'), 'false'::jsonb, 'lte of a larger number');
SELECT is(hotmesh.fn_number_lte('"NaN"', '5'), 'false'::jsonb, 'NaN <= 5 is false');
SELECT is(hotmesh.fn_number_gt('6', '5'), 'true'::jsonb, 'gt');
SELECT is(hotmesh.fn_number_gt('5', '5'), 'false'::jsonb, 'gt of equal numbers');
SELECT is(hotmesh.fn_number_gt('"Infinity"', '1e308'), 'true'::jsonb, 'Infinity > 1e308');
SELECT is(hotmesh.fn_number_lt('4', '5'), 'true'::jsonb, 'lt');
SELECT is(hotmesh.fn_number_lt('5', NULL), 'false'::jsonb, '5 < undefined is false');
SELECT is(hotmesh.fn_number_lt('[2]', '3'), 'true'::jsonb, 'an array compares by its string');

-- max, min, pow, round ----------------------------------------------------------------------------

SELECT is(hotmesh.fn_number_max('1', '"7"', '3'), '7'::jsonb, 'max converts its operands');
SELECT is(hotmesh.fn_number_max(VARIADIC ARRAY[]::jsonb[]), '"-Infinity"'::jsonb, 'max()');
SELECT is(hotmesh.fn_number_max('[1, 2]'), '"NaN"'::jsonb,
          'max does not flatten: [1, 2] is NaN as in Math.max');
SELECT is(hotmesh.fn_number_max('[5]', '2'), '5'::jsonb, 'a one-element array is its number');
SELECT is(hotmesh.fn_number_min('4', '-2'), '-2'::jsonb, 'min');
SELECT is(hotmesh.fn_number_min(VARIADIC ARRAY[]::jsonb[]), '"Infinity"'::jsonb, 'min()');
SELECT is(hotmesh.fn_number_min('1', NULL), '"NaN"'::jsonb, 'undefined makes min NaN');
SELECT is(hotmesh.fn_number_pow('2', '0.5'), '1.4142135623730951'::jsonb, 'pow');
SELECT is(hotmesh.fn_number_pow('0', '-2'), '"Infinity"'::jsonb, 'pow(0, -2) is Infinity');
SELECT is(hotmesh.fn_number_round('-0.5'), '0'::jsonb, 'round(-0.5) is -0, written 0');
SELECT is(hotmesh.fn_number_round('"1.5"'), '2'::jsonb, 'round converts');

-- HotMesh's NumberHandler also answers to @math's arithmetic --------------------------------------

SELECT is(hotmesh.fn_number_add('1', '[2, 3]'), '6'::jsonb, 'add');
SELECT is(hotmesh.fn_number_subtract('10', '4'), '6'::jsonb, 'subtract');
SELECT is(hotmesh.fn_number_multiply('2', '3'), '6'::jsonb, 'multiply');
SELECT is(hotmesh.fn_number_divide('12', '2'), '6'::jsonb, 'divide');
SELECT is(hotmesh.fn_number_divide('12', '0'), '"NaN"'::jsonb, 'divide by zero is NaN');
SELECT throws_ok($$SELECT hotmesh.fn_number_subtract(VARIADIC ARRAY[]::jsonb[])$$, '22023',
                 '@number.subtract: at least one operand is required',
                 'the error names @number, not @math');

SELECT * FROM finish();
ROLLBACK;
