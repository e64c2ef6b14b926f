-- The @math domain (hotmesh.fn_math_*): JavaScript's Math over jsonb, with NaN and the
-- infinities as the strings "NaN", "Infinity" and "-Infinity". Expected values are what
-- Node.js prints for the same call.
BEGIN;
SELECT plan(152);

-- add, subtract, multiply, divide: variadic, flattening nested arrays -------------------------

SELECT is(hotmesh.fn_math_add('1', '2', '3'), '6'::jsonb, 'add sums its operands');
SELECT is(hotmesh.fn_math_add(VARIADIC ARRAY[]::jsonb[]), '0'::jsonb, 'add() is 0');
SELECT is(hotmesh.fn_math_add('1', '[2, [3, [4]]]'), '10'::jsonb,
          'add flattens nested arrays at any depth');
SELECT is(hotmesh.fn_math_add('0.1', '0.2'), '0.30000000000000004'::jsonb,
          'add is double arithmetic');
SELECT is(hotmesh.fn_math_add('"1"', '2'), '3'::jsonb,
          'add converts a numeric string with ToNumber (no string concatenation)');
SELECT is(hotmesh.fn_math_add('null', 'true', '[]'), '1'::jsonb,
          'add reads null as 0, true as 1, and an empty array adds nothing');
SELECT is(hotmesh.fn_math_add('1', NULL), '"NaN"'::jsonb, 'undefined makes the sum NaN');
SELECT is(hotmesh.fn_math_add('1', '"abc"'), '"NaN"'::jsonb, 'a non-numeric string makes NaN');
SELECT is(hotmesh.fn_math_add('"Infinity"', '1'), '"Infinity"'::jsonb, 'Infinity + 1 is Infinity');
SELECT is(hotmesh.fn_math_add('"Infinity"', '"-Infinity"'), '"NaN"'::jsonb,
          'Infinity + -Infinity is NaN');
SELECT is(hotmesh.fn_math_add('{}'), '"NaN"'::jsonb, 'an object is NaN');
SELECT is(hotmesh.fn_math_add('1.7976931348623157e308', '1.7976931348623157e308'),
          '"Infinity"'::jsonb, 'a sum past the largest double is Infinity (Postgres raises)');

SELECT is(hotmesh.fn_math_subtract('10', '3', '2'), '5'::jsonb, 'subtract goes left to right');
SELECT is(hotmesh.fn_math_subtract('[10, 3]', '[2]'), '5'::jsonb, 'subtract flattens arrays');
SELECT is(hotmesh.fn_math_subtract('7'), '7'::jsonb, 'one operand is itself');
SELECT is(hotmesh.fn_math_subtract('0.3', '0.1'), '0.19999999999999998'::jsonb,
          'subtract is double arithmetic');
SELECT throws_ok($$SELECT hotmesh.fn_math_subtract(VARIADIC ARRAY[]::jsonb[])$$, '22023',
                 '@math.subtract: at least one operand is required', 'subtract() raises');
SELECT throws_ok($$SELECT hotmesh.fn_math_subtract('[]')$$, '22023',
                 '@math.subtract: at least one operand is required',
                 'subtract of an empty array raises');

SELECT is(hotmesh.fn_math_multiply('2', '[3, [4]]'), '24'::jsonb,
          'multiply multiplies, flattening');
SELECT is(hotmesh.fn_math_multiply('"2"', 'null'), '0'::jsonb, 'multiply converts operands');
SELECT is(hotmesh.fn_math_multiply('1e200', '-1e200'), '"-Infinity"'::jsonb,
          'overflow is -Infinity (Postgres raises)');
SELECT is(hotmesh.fn_math_multiply('1e-200', '1e-200'), '0'::jsonb,
          'underflow is 0 (Postgres raises)');
SELECT throws_ok($$SELECT hotmesh.fn_math_multiply(VARIADIC ARRAY[]::jsonb[])$$, '22023',
                 '@math.multiply: at least one operand is required', 'multiply() raises');

SELECT is(hotmesh.fn_math_divide('100', '4', '5'), '5'::jsonb, 'divide goes left to right');
SELECT is(hotmesh.fn_math_divide('1', '3'), '0.3333333333333333'::jsonb, 'divide is double');
SELECT is(hotmesh.fn_math_divide('[10, 4]'), '2.5'::jsonb, 'divide flattens arrays');
SELECT is(hotmesh.fn_math_divide('5', '0'), '"NaN"'::jsonb,
          'a zero divisor gives NaN (HotMesh), not Infinity');
SELECT is(hotmesh.fn_math_divide('5', '[2, 0]'), '"NaN"'::jsonb,
          'a zero divisor inside an array gives NaN too');
SELECT is(hotmesh.fn_math_divide('0', '5'), '0'::jsonb, 'a zero dividend is fine');
SELECT is(hotmesh.fn_math_divide('5', '"0"'), '"Infinity"'::jsonb,
          'the string "0" is no number 0: 5 / "0" is Infinity as in JavaScript');
SELECT is(hotmesh.fn_math_divide('-5', 'null'), '"-Infinity"'::jsonb,
          'null divides as 0: -Infinity');
SELECT is(hotmesh.fn_math_divide('0', 'false'), '"NaN"'::jsonb, '0 / false is NaN');
SELECT throws_ok($$SELECT hotmesh.fn_math_divide(VARIADIC ARRAY[]::jsonb[])$$, '22023',
                 '@math.divide: at least one operand is required', 'divide() raises');

-- hypot, max, min -------------------------------------------------------------------------------

SELECT is(hotmesh.fn_math_hypot('3', '4'), '5'::jsonb, 'hypot(3, 4) is 5');
SELECT is(hotmesh.fn_math_hypot('[3, 4]', '12'), '13'::jsonb, 'hypot flattens arrays');
SELECT is(hotmesh.fn_math_hypot(VARIADIC ARRAY[]::jsonb[]), '0'::jsonb, 'hypot() is 0');
SELECT is(hotmesh.fn_math_hypot('1e200', '1e200'), '1.414213562373095e+200'::jsonb,
          'hypot scales instead of overflowing (the digits V8 gives)');
SELECT is(hotmesh.fn_math_hypot('"NaN"', '"Infinity"'), '"Infinity"'::jsonb,
          'Infinity wins over NaN');
SELECT is(hotmesh.fn_math_hypot('"NaN"', '1'), '"NaN"'::jsonb, 'otherwise NaN is NaN');
SELECT is(hotmesh.fn_math_hypot('1', '1e-200'), '1'::jsonb,
          'hypot of a tiny and a normal number (the tiny square underflows)');

SELECT is(hotmesh.fn_math_max('5', '7', '3'), '7'::jsonb, 'max of numbers');
SELECT is(hotmesh.fn_math_max('[1, [9]]', '"4"'), '9'::jsonb, 'max flattens and converts');
SELECT is(hotmesh.fn_math_max(VARIADIC ARRAY[]::jsonb[]), '"-Infinity"'::jsonb,
          'max() is -Infinity');
SELECT is(hotmesh.fn_math_max('1', '"NaN"', '"Infinity"'), '"NaN"'::jsonb,
          'any NaN makes max NaN (Postgres would call NaN the greatest)');
SELECT is(hotmesh.fn_math_max('1', NULL), '"NaN"'::jsonb, 'undefined makes max NaN');
SELECT is(hotmesh.fn_math_min('5', '-7.5', '3'), '-7.5'::jsonb, 'min of numbers');
SELECT is(hotmesh.fn_math_min('[4, [2]]', 'null'), '0'::jsonb, 'min flattens; null is 0');
SELECT is(hotmesh.fn_math_min(VARIADIC ARRAY[]::jsonb[]), '"Infinity"'::jsonb,
          'min() is Infinity');
SELECT is(hotmesh.fn_math_min('1', '"x"'), '"NaN"'::jsonb, 'a non-numeric string makes NaN');

-- rounding and sign -----------------------------------------------------------------------------

SELECT is(hotmesh.fn_math_abs('-42'), '42'::jsonb, 'abs');
SELECT is(hotmesh.fn_math_abs('"-Infinity"'), '"Infinity"'::jsonb, 'abs(-Infinity)');
SELECT is(hotmesh.fn_math_abs(NULL), '"NaN"'::jsonb, 'abs(undefined) is NaN');
SELECT is(hotmesh.fn_math_abs('null'), '0'::jsonb, 'abs(null) is 0');
SELECT is(hotmesh.fn_math_abs('"-3"'), '3'::jsonb, 'abs converts a numeric string');
SELECT is(hotmesh.fn_math_abs('[-5]'), '5'::jsonb, 'abs of a one-element array is its number');
SELECT is(hotmesh.fn_math_ceil('1.2'), '2'::jsonb, 'ceil');
SELECT is(hotmesh.fn_math_ceil('-0.5'), '0'::jsonb, 'ceil(-0.5) is -0, written 0');
SELECT is(hotmesh.fn_math_floor('-1.2'), '-2'::jsonb, 'floor');
SELECT is(hotmesh.fn_math_floor('"NaN"'), '"NaN"'::jsonb, 'floor(NaN)');
SELECT is(hotmesh.fn_math_trunc('-1.7'), '-1'::jsonb, 'trunc goes towards zero');
SELECT is(hotmesh.fn_math_trunc('"Infinity"'), '"Infinity"'::jsonb, 'trunc(Infinity)');
SELECT is(hotmesh.fn_math_round('2.5'), '3'::jsonb, 'round(2.5) is 3');
SELECT is(hotmesh.fn_math_round('-2.5'), '-2'::jsonb, 'round(-2.5) is -2 (halves go up)');
SELECT is(hotmesh.fn_math_round('0.49999999999999994'), '0'::jsonb,
          'round(0.49999999999999994) is 0 (no floor(x + 0.5) error)');
SELECT is(hotmesh.fn_math_round('""'), '0'::jsonb, 'round("") is 0');
SELECT is(hotmesh.fn_math_sign('-3'), '-1'::jsonb, 'sign of a negative');
SELECT is(hotmesh.fn_math_sign('0'), '0'::jsonb, 'sign(0)');
SELECT is(hotmesh.fn_math_sign('"NaN"'), '"NaN"'::jsonb, 'sign(NaN) is NaN (Postgres says 0)');
SELECT is(hotmesh.fn_math_fround('5.5'), '5.5'::jsonb, 'fround keeps a float32 value');
SELECT is(hotmesh.fn_math_fround('0.1'), '0.10000000149011612'::jsonb,
          'fround rounds to single precision');
SELECT is(hotmesh.fn_math_fround('1e39'), '"Infinity"'::jsonb,
          'fround overflows to Infinity (a float4 cast would raise)');
SELECT is(hotmesh.fn_math_fround('1e-46'), '0'::jsonb,
          'fround underflows to 0 (a float4 cast would raise)');

-- roots, powers and logarithms ------------------------------------------------------------------

SELECT is(hotmesh.fn_math_sqrt('16'), '4'::jsonb, 'sqrt');
SELECT is(hotmesh.fn_math_sqrt('-1'), '"NaN"'::jsonb, 'sqrt(-1) is NaN (Postgres raises)');
SELECT is(hotmesh.fn_math_sqrt('2'), '1.4142135623730951'::jsonb, 'sqrt(2)');
SELECT is(hotmesh.fn_math_cbrt('27'), '3'::jsonb, 'cbrt(27) is exactly 3 (C''s cbrt is not)');
SELECT is(hotmesh.fn_math_cbrt('-8'), '-2'::jsonb, 'cbrt of a negative');
SELECT is(hotmesh.fn_math_cbrt('"-Infinity"'), '"-Infinity"'::jsonb, 'cbrt(-Infinity)');
SELECT is(hotmesh.fn_math_exp('1'), '2.718281828459045'::jsonb, 'exp(1)');
SELECT is(hotmesh.fn_math_exp('1000'), '"Infinity"'::jsonb, 'exp overflows to Infinity');
SELECT is(hotmesh.fn_math_exp('-1000'), '0'::jsonb, 'exp underflows to 0');
SELECT is(hotmesh.fn_math_exp('-720'), '2.0322308024e-313'::jsonb,
          'exp reaches the subnormal range');
SELECT is(hotmesh.fn_math_exp('"-Infinity"'), '0'::jsonb, 'exp(-Infinity) is 0');
SELECT is(hotmesh.fn_math_expm1('0.5'), '0.6487212707001282'::jsonb, 'expm1(0.5)');
SELECT is(hotmesh.fn_math_expm1('1e-10'), '1.00000000005e-10'::jsonb,
          'expm1 keeps its digits near 0');
SELECT is(hotmesh.fn_math_expm1('"-Infinity"'), '-1'::jsonb, 'expm1(-Infinity) is -1');
SELECT is(hotmesh.fn_math_expm1('800'), '"Infinity"'::jsonb, 'expm1 overflows to Infinity');
SELECT is(hotmesh.fn_math_log('1'), '0'::jsonb, 'log(1)');
SELECT is(hotmesh.fn_math_log('0'), '"-Infinity"'::jsonb, 'log(0) is -Infinity');
SELECT is(hotmesh.fn_math_log('-1'), '"NaN"'::jsonb, 'log(-1) is NaN');
SELECT is(hotmesh.fn_math_log('10'), '2.302585092994046'::jsonb, 'log(10)');
SELECT is(hotmesh.fn_math_log10('1000'), '3'::jsonb, 'log10(1000) is exactly 3');
SELECT is(hotmesh.fn_math_log10('0'), '"-Infinity"'::jsonb, 'log10(0)');
SELECT is(hotmesh.fn_math_log10('"abc"'), '"NaN"'::jsonb, 'log10 of a non-numeric string');
SELECT is(hotmesh.fn_math_log2('8'), '3'::jsonb, 'log2(8) is exactly 3');
SELECT is(hotmesh.fn_math_log2('3'), '1.584962500721156'::jsonb, 'log2(3)');
SELECT is(hotmesh.fn_math_log2('-2'), '"NaN"'::jsonb, 'log2 of a negative');
SELECT is(hotmesh.fn_math_log1p('1e-10'), '9.999999999500001e-11'::jsonb,
          'log1p keeps its digits near 0');
SELECT is(hotmesh.fn_math_log1p('-1'), '"-Infinity"'::jsonb, 'log1p(-1) is -Infinity');
SELECT is(hotmesh.fn_math_log1p('-2'), '"NaN"'::jsonb, 'log1p below -1 is NaN');
SELECT is(hotmesh.fn_math_pow('2', '10'), '1024'::jsonb, 'pow');
SELECT is(hotmesh.fn_math_pow('"NaN"', '0'), '1'::jsonb, 'anything to the 0 is 1, even NaN');
SELECT is(hotmesh.fn_math_pow('1', '"Infinity"'), '"NaN"'::jsonb,
          '1 ** Infinity is NaN in JavaScript (1 in C)');
SELECT is(hotmesh.fn_math_pow('0', '-1'), '"Infinity"'::jsonb,
          '0 ** -1 is Infinity (Postgres raises)');
SELECT is(hotmesh.fn_math_pow('-8', '0.5'), '"NaN"'::jsonb,
          'a negative base with a fractional exponent is NaN (Postgres raises)');
SELECT is(hotmesh.fn_math_pow('-2', '3'), '-8'::jsonb, 'an odd power keeps the sign');
SELECT is(hotmesh.fn_math_pow('10', '400'), '"Infinity"'::jsonb, 'overflow is Infinity');
SELECT is(hotmesh.fn_math_pow('-10', '401'), '"-Infinity"'::jsonb,
          'overflow of an odd power of a negative is -Infinity');
SELECT is(hotmesh.fn_math_pow('10', '-400'), '0'::jsonb, 'underflow is 0');
SELECT is(hotmesh.fn_math_pow('"-Infinity"', '3'), '"-Infinity"'::jsonb, '(-Infinity) ** 3');
SELECT is(hotmesh.fn_math_pow('"2"', NULL), '"NaN"'::jsonb, 'an undefined exponent is NaN');

-- trigonometry ----------------------------------------------------------------------------------

SELECT is(hotmesh.fn_math_sin('0'), '0'::jsonb, 'sin(0)');
SELECT is(hotmesh.fn_math_sin('1'), '0.8414709848078965'::jsonb, 'sin(1)');
SELECT is(hotmesh.fn_math_sin('"Infinity"'), '"NaN"'::jsonb,
          'sin(Infinity) is NaN (Postgres raises)');
SELECT is(hotmesh.fn_math_cos('0'), '1'::jsonb, 'cos(0)');
SELECT is(hotmesh.fn_math_cos('"-Infinity"'), '"NaN"'::jsonb, 'cos(-Infinity) is NaN');
SELECT is(hotmesh.fn_math_tan('1'), '1.5574077246549023'::jsonb, 'tan(1)');
SELECT is(hotmesh.fn_math_tan('"Infinity"'), '"NaN"'::jsonb, 'tan(Infinity) is NaN');
SELECT is(hotmesh.fn_math_asin('1'), '1.5707963267948966'::jsonb, 'asin(1)');
SELECT is(hotmesh.fn_math_asin('2'), '"NaN"'::jsonb, 'asin outside [-1, 1] is NaN');
SELECT is(hotmesh.fn_math_acos('0.5'), '1.0471975511965979'::jsonb, 'acos(0.5)');
SELECT is(hotmesh.fn_math_acos('-1.5'), '"NaN"'::jsonb, 'acos outside [-1, 1] is NaN');
SELECT is(hotmesh.fn_math_atan('1'), '0.7853981633974483'::jsonb, 'atan(1)');
SELECT is(hotmesh.fn_math_atan('"Infinity"'), '1.5707963267948966'::jsonb, 'atan(Infinity)');
SELECT is(hotmesh.fn_math_atan2('1', '1'), '0.7853981633974483'::jsonb, 'atan2(y, x)');
SELECT is(hotmesh.fn_math_atan2('1', '-1'), '2.356194490192345'::jsonb,
          'atan2 takes y first');
SELECT is(hotmesh.fn_math_atan2('0', '0'), '0'::jsonb, 'atan2(0, 0)');
SELECT is(hotmesh.fn_math_atan2(NULL, '1'), '"NaN"'::jsonb, 'atan2 with undefined is NaN');

-- hyperbolic functions --------------------------------------------------------------------------

SELECT is(hotmesh.fn_math_sinh('1'), '1.1752011936438014'::jsonb, 'sinh(1)');
SELECT is(hotmesh.fn_math_sinh('1000'), '"Infinity"'::jsonb, 'sinh overflows to Infinity');
SELECT is(hotmesh.fn_math_cosh('0'), '1'::jsonb, 'cosh(0)');
SELECT is(hotmesh.fn_math_cosh('-1000'), '"Infinity"'::jsonb, 'cosh overflows to Infinity');
SELECT is(hotmesh.fn_math_tanh('1'), '0.7615941559557649'::jsonb, 'tanh(1)');
SELECT is(hotmesh.fn_math_tanh('"-Infinity"'), '-1'::jsonb, 'tanh(-Infinity) is -1');
SELECT is(hotmesh.fn_math_asinh('0'), '0'::jsonb, 'asinh(0)');
SELECT is(hotmesh.fn_math_asinh('"Infinity"'), '"Infinity"'::jsonb, 'asinh(Infinity)');
SELECT is(hotmesh.fn_math_acosh('1'), '0'::jsonb, 'acosh(1)');
SELECT is(hotmesh.fn_math_acosh('0.5'), '"NaN"'::jsonb, 'acosh below 1 is NaN (Postgres raises)');
SELECT is(hotmesh.fn_math_atanh('0.5'), '0.5493061443340548'::jsonb, 'atanh(0.5)');
SELECT is(hotmesh.fn_math_atanh('1'), '"Infinity"'::jsonb, 'atanh(1) is Infinity');
SELECT is(hotmesh.fn_math_atanh('2'), '"NaN"'::jsonb, 'atanh outside [-1, 1] is NaN');

-- 32-bit integers -------------------------------------------------------------------------------

SELECT is(hotmesh.fn_math_clz32('1'), '31'::jsonb, 'clz32(1)');
SELECT is(hotmesh.fn_math_clz32('0'), '32'::jsonb, 'clz32(0)');
SELECT is(hotmesh.fn_math_clz32('-1'), '0'::jsonb, 'clz32(-1): ToUint32 gives 2^32 - 1');
SELECT is(hotmesh.fn_math_clz32('4294967297'), '31'::jsonb, 'clz32 wraps modulo 2^32');
SELECT is(hotmesh.fn_math_clz32('"NaN"'), '32'::jsonb, 'clz32(NaN) is 32');
SELECT is(hotmesh.fn_math_imul('3', '4'), '12'::jsonb, 'imul');
SELECT is(hotmesh.fn_math_imul('4294967295', '5'), '-5'::jsonb,
          'imul reads its operands as int32 (2^32 - 1 is -1)');
SELECT is(hotmesh.fn_math_imul('2147483647', '2147483647'), '1'::jsonb,
          'imul wraps the product to 32 bits');
SELECT is(hotmesh.fn_math_imul('"Infinity"', '2'), '0'::jsonb, 'imul of Infinity is 0');

-- random ------------------------------------------------------------------------------------------

SELECT ok((SELECT bool_and(jsonb_typeof(r) = 'number' AND r >= '0'::jsonb AND r < '1'::jsonb)
           FROM (SELECT hotmesh.fn_math_random() AS r FROM generate_series(1, 200)) AS t),
          'random gives numbers in [0, 1)');
SELECT cmp_ok((SELECT count(DISTINCT hotmesh.fn_math_random()) FROM generate_series(1, 50)),
              '>', 1::bigint, 'random is volatile: calls in one statement differ');

SELECT * FROM finish();
ROLLBACK;
