-- The @math domain of the @pipe catalog: JavaScript's Math over jsonb numbers.
--
-- Every operand goes through ToNumber (hotmesh.js_to_number) and every result through
-- hotmesh.js_number, so NaN and the infinities travel as the strings "NaN", "Infinity" and
-- "-Infinity". Postgres raises errors where JavaScript returns NaN, Infinity or 0 (sqrt(-1),
-- ln(0), sin(Infinity), exp overflow, power underflow), so each function handles those inputs
-- before calling Postgres. Remember that Postgres orders NaN above every number (NaN > 1 is
-- true), hence the NaN tests come first.
--
-- The variadic functions (add, subtract, multiply, divide, hypot, max, min) flatten nested
-- arrays among their operands: add(1, [2, [3]]) is 6.
--
-- The functions are plpgsql rather than sql: this file loads before R__js_core.sql (the
-- repeatable files run in name order), and only plpgsql resolves the js_* helpers at call time.
-- The pipe_math_* helpers are shared with R__fn_number.sql.

-- The exact decimal value of a finite double (NULL for NaN and the infinities). A double is
-- m * 2^e; for e < 0 that is m * 5^-e / 10^-e, so its digits are an integer product.
CREATE OR REPLACE FUNCTION hotmesh.pipe_math_exact(p_number double precision)
RETURNS numeric
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_bits     bigint := ('x' || encode(float8send(p_number), 'hex'))::bit(64)::bigint;
    v_exponent integer := ((v_bits >> 52) & 2047)::integer;
    v_mantissa numeric := v_bits & 4503599627370495;
    v_base     numeric;
    v_power    numeric := 1;
    v_times    integer;
    v_digits   text;
    v_value    numeric;
BEGIN
    IF p_number IS NULL OR v_exponent = 2047 THEN
        RETURN NULL;
    ELSIF v_exponent = 0 THEN
        v_exponent := -1074;  -- subnormal: no implicit leading bit
    ELSE
        v_mantissa := v_mantissa + 4503599627370496;
        v_exponent := v_exponent - 1075;
    END IF;
    -- exact integer power by squaring (numeric power() may round for big exponents)
    v_base := CASE WHEN v_exponent >= 0 THEN 2 ELSE 5 END;
    v_times := abs(v_exponent);
    WHILE v_times > 0 LOOP
        IF v_times % 2 = 1 THEN
            v_power := v_power * v_base;
        END IF;
        v_base := v_base * v_base;
        v_times := v_times / 2;
    END LOOP;
    IF v_exponent >= 0 THEN
        v_value := v_mantissa * v_power;
    ELSE
        v_digits := (v_mantissa * v_power)::text;
        v_digits := lpad(v_digits, greatest(length(v_digits), -v_exponent + 1), '0');
        v_value := (left(v_digits, length(v_digits) + v_exponent) || '.'
                    || right(v_digits, -v_exponent))::numeric;
    END IF;
    RETURN CASE WHEN p_number < 0 THEN -v_value ELSE v_value END;
END
$$;

-- The double nearest to a numeric, overflowing to an infinity and underflowing to 0 as
-- JavaScript does (a numeric-to-float8 cast raises an error instead).
CREATE OR REPLACE FUNCTION hotmesh.pipe_math_to_double(p_value numeric)
RETURNS double precision
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    IF p_value IS NULL THEN
        RETURN NULL;
    ELSIF abs(p_value) > 1e309 THEN
        RETURN sign(p_value) * 'Infinity'::double precision;
    ELSIF abs(p_value) < 1e-325 THEN
        RETURN 0;
    ELSIF abs(p_value) < 1.79e308 AND abs(p_value) > 2.5e-324 THEN
        RETURN p_value::double precision;
    END IF;
    -- only the bands next to the limits of a double pay for the subtransaction
    BEGIN
        RETURN p_value::double precision;
    EXCEPTION WHEN numeric_value_out_of_range THEN
        RETURN CASE WHEN abs(p_value) > 1 THEN sign(p_value) * 'Infinity'::double precision
                    ELSE 0 END;
    END;
END
$$;

-- ToUint32: the number modulo 2^32 (NaN and the infinities are 0).
CREATE OR REPLACE FUNCTION hotmesh.pipe_math_touint32(p_number double precision)
RETURNS bigint
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
AS $$
    SELECT CASE
        WHEN p_number IS NULL OR p_number = 'NaN'::double precision
             OR p_number IN ('Infinity'::double precision, '-Infinity'::double precision) THEN 0
        ELSE mod(mod(hotmesh.pipe_math_exact(trunc(p_number)), 4294967296) + 4294967296,
                 4294967296)::bigint
    END
$$;

-- ToInt32: ToUint32 read as a signed 32-bit integer.
CREATE OR REPLACE FUNCTION hotmesh.pipe_math_toint32(p_number double precision)
RETURNS integer
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
AS $$
    SELECT CASE WHEN u >= 2147483648 THEN u - 4294967296 ELSE u END::integer
    FROM (SELECT hotmesh.pipe_math_touint32(p_number) AS u) AS t
$$;

-- IEEE sums, products and quotients. Postgres raises where IEEE arithmetic overflows to an
-- infinity or underflows to 0 (1e200 * 1e200, 1e-200 * 1e-200); these give JavaScript's
-- answer. Operands far from the limits take the plain operator; only the rest pay for the
-- subtransaction of an exception block.
CREATE OR REPLACE FUNCTION hotmesh.pipe_math_plus(
    p_left double precision,
    p_right double precision
)
RETURNS double precision
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    -- (NaN is above every number in Postgres, so it takes the careful path too)
    IF abs(p_left) < 8e307 AND abs(p_right) < 8e307 THEN
        RETURN p_left + p_right;
    END IF;
    BEGIN
        RETURN p_left + p_right;
    EXCEPTION WHEN numeric_value_out_of_range THEN
        RETURN sign(p_left) * 'Infinity'::double precision;  -- both have this sign
    END;
END
$$;

CREATE OR REPLACE FUNCTION hotmesh.pipe_math_times(
    p_left double precision,
    p_right double precision
)
RETURNS double precision
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    IF abs(p_left) < 1e150 AND abs(p_right) < 1e150
       AND ((abs(p_left) > 1e-150 AND abs(p_right) > 1e-150) OR p_left = 0 OR p_right = 0) THEN
        RETURN p_left * p_right;
    END IF;
    BEGIN
        RETURN p_left * p_right;
    EXCEPTION WHEN numeric_value_out_of_range THEN
        IF log(abs(p_left)) + log(abs(p_right)) > 0 THEN
            RETURN sign(p_left) * sign(p_right) * 'Infinity'::double precision;
        END IF;
        RETURN 0;
    END;
END
$$;

-- p_left / p_right for a non-zero divisor.
CREATE OR REPLACE FUNCTION hotmesh.pipe_math_quotient(
    p_left double precision,
    p_right double precision
)
RETURNS double precision
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    IF abs(p_left) < 1e150 AND abs(p_right) < 1e150 AND abs(p_right) > 1e-150
       AND (abs(p_left) > 1e-150 OR p_left = 0) THEN
        RETURN p_left / p_right;
    END IF;
    BEGIN
        RETURN p_left / p_right;
    EXCEPTION WHEN numeric_value_out_of_range THEN
        IF log(abs(p_left)) - log(abs(p_right)) > 0 THEN
            RETURN sign(p_left) * sign(p_right) * 'Infinity'::double precision;
        END IF;
        RETURN 0;
    END;
END
$$;

-- The operands with nested arrays spread in place, at any depth.
CREATE OR REPLACE FUNCTION hotmesh.pipe_math_flatten(p_args jsonb[])
RETURNS jsonb[]
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_arg  jsonb;
    v_flat jsonb[] := '{}';
BEGIN
    FOREACH v_arg IN ARRAY coalesce(p_args, '{}'::jsonb[]) LOOP
        IF jsonb_typeof(v_arg) = 'array' THEN
            v_flat := v_flat || hotmesh.pipe_math_flatten(
                ARRAY(SELECT e.value FROM jsonb_array_elements(v_arg) WITH ORDINALITY e
                      ORDER BY e.ordinality));
        ELSE
            v_flat := v_flat || v_arg;
        END IF;
    END LOOP;
    RETURN v_flat;
END
$$;

-- The flattened operands as numbers (ToNumber of each).
CREATE OR REPLACE FUNCTION hotmesh.pipe_math_numbers(p_args jsonb[])
RETURNS double precision[]
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN ARRAY(SELECT hotmesh.js_to_number(a.value)
                 FROM unnest(hotmesh.pipe_math_flatten(p_args)) WITH ORDINALITY a(value, n)
                 ORDER BY a.n);
END
$$;

-- Variadic arithmetic ---------------------------------------------------------------------------

-- The sum, left to right from 0 (so add() is 0).
CREATE OR REPLACE FUNCTION hotmesh.fn_math_add(VARIADIC p_args jsonb[])
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_number double precision;
    v_sum    double precision := 0;
BEGIN
    FOREACH v_number IN ARRAY hotmesh.pipe_math_numbers(p_args) LOOP
        v_sum := hotmesh.pipe_math_plus(v_sum, v_number);
    END LOOP;
    RETURN hotmesh.js_number(v_sum);
END
$$;

-- The first operand minus the others, left to right.
CREATE OR REPLACE FUNCTION hotmesh.fn_math_subtract(VARIADIC p_args jsonb[])
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_numbers double precision[] := hotmesh.pipe_math_numbers(p_args);
    v_result  double precision;
BEGIN
    IF cardinality(v_numbers) = 0 THEN
        RAISE EXCEPTION '@math.subtract: at least one operand is required'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    v_result := v_numbers[1];
    FOR i IN 2 .. cardinality(v_numbers) LOOP
        v_result := hotmesh.pipe_math_plus(v_result, -v_numbers[i]);
    END LOOP;
    RETURN hotmesh.js_number(v_result);
END
$$;

-- The product, left to right.
CREATE OR REPLACE FUNCTION hotmesh.fn_math_multiply(VARIADIC p_args jsonb[])
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_numbers double precision[] := hotmesh.pipe_math_numbers(p_args);
    v_number  double precision;
    v_result  double precision := 1;
BEGIN
    IF cardinality(v_numbers) = 0 THEN
        RAISE EXCEPTION '@math.multiply: at least one operand is required'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOREACH v_number IN ARRAY v_numbers LOOP
        v_result := hotmesh.pipe_math_times(v_result, v_number);
    END LOOP;
    RETURN hotmesh.js_number(v_result);
END
$$;

-- The first operand divided by the others, left to right; a divisor that is the number 0
-- makes the result NaN (HotMesh tests `divisor === 0`, so "0" or null divide as usual).
CREATE OR REPLACE FUNCTION hotmesh.fn_math_divide(VARIADIC p_args jsonb[])
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_operands jsonb[] := hotmesh.pipe_math_flatten(p_args);
    v_result   double precision;
BEGIN
    IF cardinality(v_operands) = 0 THEN
        RAISE EXCEPTION '@math.divide: at least one operand is required'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    v_result := hotmesh.js_to_number(v_operands[1]);
    FOR i IN 2 .. cardinality(v_operands) LOOP
        IF jsonb_typeof(v_operands[i]) = 'number' AND v_operands[i] = '0'::jsonb THEN
            RETURN '"NaN"'::jsonb;
        END IF;
        -- float8 division raises on a zero divisor; JavaScript gives ±Infinity or NaN
        v_result := CASE
            WHEN hotmesh.js_to_number(v_operands[i]) <> 0 THEN
                hotmesh.pipe_math_quotient(v_result, hotmesh.js_to_number(v_operands[i]))
            WHEN v_result = 0 OR v_result = 'NaN'::double precision THEN 'NaN'
            ELSE sign(v_result) * 'Infinity'::double precision
        END;
    END LOOP;
    RETURN hotmesh.js_number(v_result);
END
$$;

-- Math.hypot as V8 computes it: scaled by the largest magnitude, with Kahan summation (so the
-- last digit matches). Infinity wins over NaN.
CREATE OR REPLACE FUNCTION hotmesh.fn_math_hypot(VARIADIC p_args jsonb[])
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_numbers      double precision[] := hotmesh.pipe_math_numbers(p_args);
    v_number       double precision;
    v_max          double precision := 0;
    v_has_nan      boolean := false;
    v_sum          double precision := 0;
    v_compensation double precision := 0;
    v_scaled       double precision;
    v_summand      double precision;
    v_preliminary  double precision;
BEGIN
    FOREACH v_number IN ARRAY v_numbers LOOP
        IF v_number = 'NaN'::double precision THEN
            v_has_nan := true;
        ELSIF abs(v_number) > v_max THEN
            v_max := abs(v_number);
        END IF;
    END LOOP;
    IF v_max = 'Infinity'::double precision THEN
        RETURN '"Infinity"'::jsonb;
    ELSIF v_has_nan THEN
        RETURN '"NaN"'::jsonb;
    ELSIF v_max = 0 THEN
        RETURN '0'::jsonb;
    END IF;
    FOREACH v_number IN ARRAY v_numbers LOOP
        v_scaled := hotmesh.pipe_math_quotient(abs(v_number), v_max);
        v_summand := hotmesh.pipe_math_times(v_scaled, v_scaled) - v_compensation;
        v_preliminary := v_sum + v_summand;
        v_compensation := (v_preliminary - v_sum) - v_summand;
        v_sum := v_preliminary;
    END LOOP;
    RETURN hotmesh.js_number(hotmesh.pipe_math_times(sqrt(v_sum), v_max));
END
$$;

-- The largest operand; NaN if any is NaN; -Infinity for none.
CREATE OR REPLACE FUNCTION hotmesh.fn_math_max(VARIADIC p_args jsonb[])
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_number double precision;
    v_result double precision := '-Infinity';
BEGIN
    FOREACH v_number IN ARRAY hotmesh.pipe_math_numbers(p_args) LOOP
        IF v_number = 'NaN'::double precision THEN
            RETURN '"NaN"'::jsonb;
        END IF;
        v_result := greatest(v_result, v_number);
    END LOOP;
    RETURN hotmesh.js_number(v_result);
END
$$;

-- The smallest operand; NaN if any is NaN; Infinity for none.
CREATE OR REPLACE FUNCTION hotmesh.fn_math_min(VARIADIC p_args jsonb[])
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_number double precision;
    v_result double precision := 'Infinity';
BEGIN
    FOREACH v_number IN ARRAY hotmesh.pipe_math_numbers(p_args) LOOP
        IF v_number = 'NaN'::double precision THEN
            RETURN '"NaN"'::jsonb;
        END IF;
        v_result := least(v_result, v_number);
    END LOOP;
    RETURN hotmesh.js_number(v_result);
END
$$;

-- Rounding and sign -----------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION hotmesh.fn_math_abs(p_x jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN hotmesh.js_number(abs(hotmesh.js_to_number(p_x)));
END
$$;

CREATE OR REPLACE FUNCTION hotmesh.fn_math_ceil(p_x jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN hotmesh.js_number(ceil(hotmesh.js_to_number(p_x)));
END
$$;

CREATE OR REPLACE FUNCTION hotmesh.fn_math_floor(p_x jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN hotmesh.js_number(floor(hotmesh.js_to_number(p_x)));
END
$$;

CREATE OR REPLACE FUNCTION hotmesh.fn_math_trunc(p_x jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN hotmesh.js_number(trunc(hotmesh.js_to_number(p_x)));
END
$$;

-- Math.round: halves round up (towards +Infinity), so -2.5 gives -2; unlike floor(x + 0.5),
-- x - floor(x) is exact, so 0.49999999999999994 still gives 0.
CREATE OR REPLACE FUNCTION hotmesh.fn_math_round(p_x jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_x     double precision := hotmesh.js_to_number(p_x);
    v_floor double precision := floor(v_x);
BEGIN
    IF v_x = 'NaN'::double precision OR v_floor = v_x THEN
        RETURN hotmesh.js_number(v_x);
    END IF;
    RETURN hotmesh.js_number(CASE WHEN v_x - v_floor >= 0.5 THEN v_floor + 1 ELSE v_floor END);
END
$$;

-- -1, 0 or 1 (NaN for NaN).
CREATE OR REPLACE FUNCTION hotmesh.fn_math_sign(p_x jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_x double precision := hotmesh.js_to_number(p_x);
BEGIN
    IF v_x = 'NaN'::double precision THEN
        RETURN '"NaN"'::jsonb;  -- Postgres's sign(NaN) is 0
    END IF;
    RETURN hotmesh.js_number(sign(v_x));
END
$$;

-- The nearest single-precision value: overflow gives ±Infinity and underflow 0 (a float4 cast
-- raises on both). 2^128 - 2^103 is where rounding to float4 reaches infinity.
CREATE OR REPLACE FUNCTION hotmesh.fn_math_fround(p_x jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_x double precision := hotmesh.js_to_number(p_x);
BEGIN
    IF v_x = 'NaN'::double precision THEN
        RETURN '"NaN"'::jsonb;
    ELSIF abs(v_x) >= 340282356779733661637539395458142568448::double precision THEN
        RETURN hotmesh.js_number(sign(v_x) * 'Infinity'::double precision);
    ELSIF abs(v_x) <= 7.006492321624085e-46 THEN  -- 2^-150, half the smallest float4
        RETURN '0'::jsonb;
    END IF;
    RETURN hotmesh.js_number(v_x::real::double precision);
END
$$;

-- Roots, powers and logarithms ------------------------------------------------------------------

CREATE OR REPLACE FUNCTION hotmesh.fn_math_sqrt(p_x jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_x double precision := hotmesh.js_to_number(p_x);
BEGIN
    IF v_x = 'NaN'::double precision OR v_x < 0 THEN
        RETURN '"NaN"'::jsonb;
    END IF;
    RETURN hotmesh.js_number(sqrt(v_x));
END
$$;

-- The cube root in numeric on the exact value of x, rounded once: C's cbrt is off by up to two
-- units in the last place (cbrt(27) is 3.0000000000000004 there).
CREATE OR REPLACE FUNCTION hotmesh.fn_math_cbrt(p_x jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_x     double precision := hotmesh.js_to_number(p_x);
    v_exact numeric;
BEGIN
    IF v_x = 'NaN'::double precision OR v_x = 0 OR abs(v_x) = 'Infinity'::double precision THEN
        RETURN hotmesh.js_number(v_x);
    END IF;
    v_exact := abs(hotmesh.pipe_math_exact(v_x));
    v_exact := round(v_exact, greatest(scale(v_exact), 40));
    RETURN hotmesh.js_number(sign(v_x) * hotmesh.pipe_math_to_double(
        exp(ln(v_exact) / round(3::numeric, 60))));
END
$$;

-- e^x: overflow gives Infinity and underflow 0 (Postgres raises on both).
CREATE OR REPLACE FUNCTION hotmesh.fn_math_exp(p_x jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_x double precision := hotmesh.js_to_number(p_x);
BEGIN
    IF v_x = 'NaN'::double precision THEN
        RETURN '"NaN"'::jsonb;
    ELSIF v_x > 710 THEN
        RETURN '"Infinity"'::jsonb;
    ELSIF v_x < -746 THEN
        RETURN '0'::jsonb;
    ELSIF v_x BETWEEN -708 AND 709 THEN
        RETURN hotmesh.js_number(exp(v_x));
    END IF;
    BEGIN
        RETURN hotmesh.js_number(exp(v_x));
    EXCEPTION WHEN numeric_value_out_of_range THEN
        RETURN CASE WHEN v_x > 0 THEN '"Infinity"'::jsonb ELSE '0'::jsonb END;
    END;
END
$$;

-- e^x - 1, accurate for x near 0: computed on the exact value of x in numeric, then rounded
-- once (there is no expm1 in Postgres, and exp(x) - 1 loses the digits that matter).
CREATE OR REPLACE FUNCTION hotmesh.fn_math_expm1(p_x jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_x     double precision := hotmesh.js_to_number(p_x);
    v_exact numeric;
BEGIN
    IF v_x = 'NaN'::double precision THEN
        RETURN '"NaN"'::jsonb;
    ELSIF v_x > 710 THEN
        RETURN '"Infinity"'::jsonb;
    ELSIF v_x < -50 THEN
        RETURN '-1'::jsonb;  -- e^-50 is below half an ulp of 1
    ELSIF abs(v_x) < 5.551115123125783e-17 THEN  -- 2^-54: x^2/2 is below half an ulp of x
        RETURN hotmesh.js_number(v_x);
    END IF;
    v_exact := hotmesh.pipe_math_exact(v_x);
    v_exact := round(v_exact, greatest(scale(v_exact), 40));
    RETURN hotmesh.js_number(hotmesh.pipe_math_to_double(exp(v_exact) - 1));
END
$$;

-- The natural logarithm: 0 gives -Infinity, negatives NaN (Postgres raises on both).
CREATE OR REPLACE FUNCTION hotmesh.fn_math_log(p_x jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_x double precision := hotmesh.js_to_number(p_x);
BEGIN
    IF v_x = 'NaN'::double precision OR v_x < 0 THEN
        RETURN '"NaN"'::jsonb;
    ELSIF v_x = 0 THEN
        RETURN '"-Infinity"'::jsonb;
    END IF;
    RETURN hotmesh.js_number(ln(v_x));
END
$$;

CREATE OR REPLACE FUNCTION hotmesh.fn_math_log10(p_x jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_x double precision := hotmesh.js_to_number(p_x);
BEGIN
    IF v_x = 'NaN'::double precision OR v_x < 0 THEN
        RETURN '"NaN"'::jsonb;
    ELSIF v_x = 0 THEN
        RETURN '"-Infinity"'::jsonb;
    END IF;
    RETURN hotmesh.js_number(log(v_x));
END
$$;

-- log2 in numeric on the exact value of x, rounded once, so powers of two give exact integers.
CREATE OR REPLACE FUNCTION hotmesh.fn_math_log2(p_x jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_x     double precision := hotmesh.js_to_number(p_x);
    v_exact numeric;
BEGIN
    IF v_x = 'NaN'::double precision OR v_x < 0 THEN
        RETURN '"NaN"'::jsonb;
    ELSIF v_x = 0 THEN
        RETURN '"-Infinity"'::jsonb;
    ELSIF v_x = 'Infinity'::double precision THEN
        RETURN '"Infinity"'::jsonb;
    ELSIF v_x = 1 THEN
        RETURN '0'::jsonb;
    END IF;
    v_exact := hotmesh.pipe_math_exact(v_x);
    v_exact := round(v_exact, greatest(scale(v_exact), 40));
    RETURN hotmesh.js_number(hotmesh.pipe_math_to_double(
        ln(v_exact) / ln(round(2::numeric, 60))));
END
$$;

-- ln(1 + x), accurate for x near 0 (computed in numeric on the exact value of x).
CREATE OR REPLACE FUNCTION hotmesh.fn_math_log1p(p_x jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_x     double precision := hotmesh.js_to_number(p_x);
    v_exact numeric;
BEGIN
    IF v_x = 'NaN'::double precision OR v_x < -1 THEN
        RETURN '"NaN"'::jsonb;
    ELSIF v_x = -1 THEN
        RETURN '"-Infinity"'::jsonb;
    ELSIF v_x = 'Infinity'::double precision THEN
        RETURN '"Infinity"'::jsonb;
    ELSIF abs(v_x) < 5.551115123125783e-17 THEN  -- 2^-54: x^2/2 is below half an ulp of x
        RETURN hotmesh.js_number(v_x);
    END IF;
    v_exact := hotmesh.pipe_math_exact(v_x);
    v_exact := round(v_exact, greatest(scale(v_exact), 40));
    RETURN hotmesh.js_number(hotmesh.pipe_math_to_double(ln(1 + v_exact)));
END
$$;

-- Math.pow, which differs from C's pow (and Postgres's power) in a few cases: 1 ** ±Infinity
-- and (-1) ** ±Infinity are NaN; 0 ** -y is Infinity rather than an error; a negative base
-- with a fractional exponent is NaN; overflow is Infinity and underflow 0.
CREATE OR REPLACE FUNCTION hotmesh.fn_math_pow(p_x jsonb, p_y jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_x       double precision := hotmesh.js_to_number(p_x);
    v_y       double precision := hotmesh.js_to_number(p_y);
    v_odd     boolean;
    v_negative boolean;
BEGIN
    IF v_y = 'NaN'::double precision THEN
        RETURN '"NaN"'::jsonb;
    ELSIF v_y = 0 THEN
        RETURN '1'::jsonb;
    ELSIF v_x = 'NaN'::double precision THEN
        RETURN '"NaN"'::jsonb;
    ELSIF v_y IN ('Infinity'::double precision, '-Infinity'::double precision) THEN
        RETURN CASE
            WHEN abs(v_x) = 1 THEN '"NaN"'::jsonb
            WHEN (abs(v_x) > 1) = (v_y > 0) THEN '"Infinity"'::jsonb
            ELSE '0'::jsonb
        END;
    END IF;
    -- from 2^53 on every double is even
    v_odd := abs(v_y) < 9007199254740992 AND trunc(v_y) = v_y
             AND hotmesh.pipe_math_exact(v_y) % 2 <> 0;
    IF v_x < 0 AND trunc(v_y) <> v_y AND v_x <> '-Infinity'::double precision THEN
        RETURN '"NaN"'::jsonb;
    ELSIF v_x = 0 OR abs(v_x) = 'Infinity'::double precision THEN
        -- the infinities and zeros: the size follows the exponent's sign, the sign an odd
        -- exponent of a negative base (-0 is read as 0, so only -Infinity is negative here)
        v_negative := v_x = '-Infinity'::double precision AND v_odd;
        IF (v_x = 0) = (v_y < 0) THEN
            RETURN CASE WHEN v_negative THEN '"-Infinity"'::jsonb ELSE '"Infinity"'::jsonb END;
        END IF;
        RETURN '0'::jsonb;
    END IF;
    BEGIN
        RETURN hotmesh.js_number(power(v_x, v_y));
    EXCEPTION WHEN numeric_value_out_of_range THEN
        -- overflow when |x| and y lean the same way (|x| > 1 with y > 0, or < 1 with y < 0)
        IF (abs(v_x) > 1) = (v_y > 0) THEN
            RETURN CASE WHEN v_x < 0 AND v_odd THEN '"-Infinity"'::jsonb
                        ELSE '"Infinity"'::jsonb END;
        END IF;
        RETURN '0'::jsonb;
    END;
END
$$;

-- Trigonometry ----------------------------------------------------------------------------------

-- Postgres raises for sin, cos and tan of an infinity; JavaScript gives NaN.
CREATE OR REPLACE FUNCTION hotmesh.fn_math_sin(p_x jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_x double precision := hotmesh.js_to_number(p_x);
BEGIN
    IF v_x = 'NaN'::double precision OR abs(v_x) = 'Infinity'::double precision THEN
        RETURN '"NaN"'::jsonb;
    END IF;
    RETURN hotmesh.js_number(sin(v_x));
END
$$;

CREATE OR REPLACE FUNCTION hotmesh.fn_math_cos(p_x jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_x double precision := hotmesh.js_to_number(p_x);
BEGIN
    IF v_x = 'NaN'::double precision OR abs(v_x) = 'Infinity'::double precision THEN
        RETURN '"NaN"'::jsonb;
    END IF;
    RETURN hotmesh.js_number(cos(v_x));
END
$$;

CREATE OR REPLACE FUNCTION hotmesh.fn_math_tan(p_x jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_x double precision := hotmesh.js_to_number(p_x);
BEGIN
    IF v_x = 'NaN'::double precision OR abs(v_x) = 'Infinity'::double precision THEN
        RETURN '"NaN"'::jsonb;
    END IF;
    RETURN hotmesh.js_number(tan(v_x));
END
$$;

-- Outside [-1, 1] the inverse sine and cosine are NaN (Postgres raises).
CREATE OR REPLACE FUNCTION hotmesh.fn_math_asin(p_x jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_x double precision := hotmesh.js_to_number(p_x);
BEGIN
    IF v_x = 'NaN'::double precision OR abs(v_x) > 1 THEN
        RETURN '"NaN"'::jsonb;
    END IF;
    RETURN hotmesh.js_number(asin(v_x));
END
$$;

CREATE OR REPLACE FUNCTION hotmesh.fn_math_acos(p_x jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_x double precision := hotmesh.js_to_number(p_x);
BEGIN
    IF v_x = 'NaN'::double precision OR abs(v_x) > 1 THEN
        RETURN '"NaN"'::jsonb;
    END IF;
    RETURN hotmesh.js_number(acos(v_x));
END
$$;

CREATE OR REPLACE FUNCTION hotmesh.fn_math_atan(p_x jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN hotmesh.js_number(atan(hotmesh.js_to_number(p_x)));
END
$$;

-- The angle of the point (x, y), y first as in Math.atan2(y, x).
CREATE OR REPLACE FUNCTION hotmesh.fn_math_atan2(p_y jsonb, p_x jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN hotmesh.js_number(atan2(hotmesh.js_to_number(p_y), hotmesh.js_to_number(p_x)));
END
$$;

-- Hyperbolic functions --------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION hotmesh.fn_math_sinh(p_x jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN hotmesh.js_number(sinh(hotmesh.js_to_number(p_x)));
END
$$;

CREATE OR REPLACE FUNCTION hotmesh.fn_math_cosh(p_x jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN hotmesh.js_number(cosh(hotmesh.js_to_number(p_x)));
END
$$;

CREATE OR REPLACE FUNCTION hotmesh.fn_math_tanh(p_x jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN hotmesh.js_number(tanh(hotmesh.js_to_number(p_x)));
END
$$;

CREATE OR REPLACE FUNCTION hotmesh.fn_math_asinh(p_x jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN hotmesh.js_number(asinh(hotmesh.js_to_number(p_x)));
END
$$;

-- Below 1 the inverse hyperbolic cosine is NaN (Postgres raises).
CREATE OR REPLACE FUNCTION hotmesh.fn_math_acosh(p_x jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_x double precision := hotmesh.js_to_number(p_x);
BEGIN
    IF v_x = 'NaN'::double precision OR v_x < 1 THEN
        RETURN '"NaN"'::jsonb;
    END IF;
    RETURN hotmesh.js_number(acosh(v_x));
END
$$;

-- Outside [-1, 1] the inverse hyperbolic tangent is NaN (Postgres raises); ±1 give ±Infinity.
CREATE OR REPLACE FUNCTION hotmesh.fn_math_atanh(p_x jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_x double precision := hotmesh.js_to_number(p_x);
BEGIN
    IF v_x = 'NaN'::double precision OR abs(v_x) > 1 THEN
        RETURN '"NaN"'::jsonb;
    END IF;
    RETURN hotmesh.js_number(atanh(v_x));
END
$$;

-- 32-bit integer functions ----------------------------------------------------------------------

-- The number of leading zero bits of ToUint32(x).
CREATE OR REPLACE FUNCTION hotmesh.fn_math_clz32(p_x jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN to_jsonb(32 - length(ltrim(
        hotmesh.pipe_math_touint32(hotmesh.js_to_number(p_x))::bit(32)::text, '0')));
END
$$;

-- The 32-bit product of ToInt32(a) and ToInt32(b), wrapped as C's int32 multiplication.
CREATE OR REPLACE FUNCTION hotmesh.fn_math_imul(p_a jsonb, p_b jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    -- at most 2^62 in magnitude: exact in bigint, where a double would round
    v_product bigint := hotmesh.pipe_math_toint32(hotmesh.js_to_number(p_a))::bigint
                        * hotmesh.pipe_math_toint32(hotmesh.js_to_number(p_b));
    v_low     bigint := ((v_product % 4294967296) + 4294967296) % 4294967296;
BEGIN
    RETURN to_jsonb(CASE WHEN v_low >= 2147483648 THEN v_low - 4294967296 ELSE v_low END);
END
$$;

-- Randomness ------------------------------------------------------------------------------------

-- A pseudo-random number in [0, 1).
CREATE OR REPLACE FUNCTION hotmesh.fn_math_random()
RETURNS jsonb
LANGUAGE sql
VOLATILE
PARALLEL RESTRICTED
AS $$
    SELECT to_jsonb(random())
$$;
