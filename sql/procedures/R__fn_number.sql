-- The @number domain of the @pipe catalog: predicates, parsing, formatting and comparison of
-- numbers over jsonb, as HotMesh's NumberHandler does with JavaScript.
--
-- toFixed, toExponential and toPrecision are methods of Number: like JavaScript, they reject
-- any other subject (a string, even "12", raises). They round the exact binary value of the
-- double, as JavaScript does, so (1.005).toFixed(2) is "1.00": pipe_math_exact (from
-- R__fn_math.sql) gives those exact digits. parseInt, parseFloat and the predicates that use the
-- global isNaN convert their operand instead, as the JavaScript globals do.
--
-- plpgsql throughout: this file loads before R__js_core.sql, whose helpers it uses, and only
-- plpgsql resolves them at call time.

-- The whitespace JavaScript trims: WhiteSpace (tab, vertical tab, form feed, space, no-break
-- space, the BOM and every Zs space) and LineTerminator.
CREATE OR REPLACE FUNCTION hotmesh.pipe_number_whitespace()
RETURNS text
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
AS $$
    SELECT E'\t\n\u000b\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007'
           || E'\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff'
$$;

-- ToIntegerOrInfinity: NaN is 0, fractions truncate towards zero, the infinities stay.
CREATE OR REPLACE FUNCTION hotmesh.pipe_number_integer(p_value jsonb)
RETURNS double precision
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_number double precision := hotmesh.js_to_number(p_value);
BEGIN
    RETURN CASE WHEN v_number = 'NaN'::double precision THEN 0 ELSE trunc(v_number) END;
END
$$;

-- The subject of a Number method as a double; anything but a number raises, as calling
-- toFixed on a string or on undefined throws a TypeError in JavaScript.
CREATE OR REPLACE FUNCTION hotmesh.pipe_number_subject(p_value jsonb, p_function text)
RETURNS double precision
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    IF jsonb_typeof(p_value) = 'number' OR p_value IN ('"NaN"', '"Infinity"', '"-Infinity"') THEN
        RETURN hotmesh.js_to_number(p_value);
    END IF;
    RAISE EXCEPTION '%: expected a number, got %', p_function,
        coalesce(jsonb_typeof(p_value), 'undefined')
        USING ERRCODE = 'invalid_parameter_value';
END
$$;

-- The exact decimal digits of a positive finite double (no leading or trailing zeros) and the
-- power of ten of the first one: 123.456 is ('1234560000000000030695…', 2).
CREATE OR REPLACE FUNCTION hotmesh.pipe_number_digits(
    p_number double precision,
    OUT digits text,
    OUT exponent integer
)
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_text     text := hotmesh.pipe_math_exact(abs(p_number))::text;
    v_integer  text := split_part(v_text, '.', 1);
    v_fraction text := split_part(v_text, '.', 2);
BEGIN
    IF v_integer <> '0' THEN
        exponent := length(v_integer) - 1;
        digits := v_integer || v_fraction;
    ELSE
        exponent := -(length(v_fraction) - length(ltrim(v_fraction, '0')) + 1);
        digits := ltrim(v_fraction, '0');
    END IF;
    digits := rtrim(digits, '0');
END
$$;

-- The shortest digits that read back as the double (what ToString prints) and the power of ten
-- of the first one: 123.456 is ('123456', 2). float8 output is that shortest form.
CREATE OR REPLACE FUNCTION hotmesh.pipe_number_shortest(
    p_number double precision,
    OUT digits text,
    OUT exponent integer
)
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_text     text := abs(p_number)::text;
    v_mantissa text := split_part(v_text, 'e', 1);
    v_power    integer := coalesce(nullif(split_part(v_text, 'e', 2), '')::integer, 0);
    v_integer  text := split_part(v_mantissa, '.', 1);
    v_fraction text := split_part(v_mantissa, '.', 2);
BEGIN
    IF v_integer <> '0' THEN
        exponent := length(v_integer) - 1 + v_power;
        digits := v_integer || v_fraction;
    ELSE
        exponent := -(length(v_fraction) - length(ltrim(v_fraction, '0')) + 1) + v_power;
        digits := ltrim(v_fraction, '0');
    END IF;
    digits := rtrim(digits, '0');
END
$$;

-- A positive finite double rounded to p_count significant digits, halves rounding up (the
-- larger n of the spec): the digits (exactly p_count of them) and the power of ten of the first.
CREATE OR REPLACE FUNCTION hotmesh.pipe_number_round(
    p_number double precision,
    p_count integer,
    OUT digits text,
    OUT exponent integer
)
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_exact record := hotmesh.pipe_number_digits(p_number);
BEGIN
    exponent := v_exact.exponent;
    IF length(v_exact.digits) <= p_count THEN
        digits := rpad(v_exact.digits, p_count, '0');
        RETURN;
    END IF;
    digits := left(v_exact.digits, p_count);
    -- the digits are exact, so the next one alone decides (5 and above rounds up)
    IF substr(v_exact.digits, p_count + 1, 1) >= '5' THEN
        digits := (digits::numeric + 1)::text;
        IF length(digits) > p_count THEN  -- 999 became 1000
            digits := left(digits, p_count);
            exponent := exponent + 1;
        END IF;
    END IF;
END
$$;

-- Predicates -------------------------------------------------------------------------------------

-- Number.isFinite: only a finite number (no conversion: the string "5" is false).
CREATE OR REPLACE FUNCTION hotmesh.fn_number_isfinite(p_value jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN hotmesh.js_boolean(coalesce(jsonb_typeof(p_value) = 'number'
        AND abs(hotmesh.js_to_number(p_value)) <> 'Infinity'::double precision, false));
END
$$;

-- Number.isInteger: a finite number without fraction (no conversion).
CREATE OR REPLACE FUNCTION hotmesh.fn_number_isinteger(p_value jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_number double precision := hotmesh.js_to_number(p_value);
BEGIN
    RETURN hotmesh.js_boolean(coalesce(jsonb_typeof(p_value) = 'number'
        AND abs(v_number) <> 'Infinity'::double precision AND trunc(v_number) = v_number, false));
END
$$;

-- Number.isNaN: only NaN itself (no conversion: the string "abc" is false).
CREATE OR REPLACE FUNCTION hotmesh.fn_number_isnan(p_value jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN hotmesh.js_boolean(p_value IS NOT DISTINCT FROM '"NaN"'::jsonb);
END
$$;

-- HotMesh's `!isNaN(n) && n % 2 === 0`: the global isNaN converts, so "4" and null are even.
CREATE OR REPLACE FUNCTION hotmesh.fn_number_iseven(p_value jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_number double precision := hotmesh.js_to_number(p_value);
BEGIN
    IF v_number = 'NaN'::double precision OR abs(v_number) = 'Infinity'::double precision
       OR trunc(v_number) <> v_number THEN
        RETURN 'false'::jsonb;
    END IF;
    -- from 2^53 on every double is an even integer
    RETURN hotmesh.js_boolean(abs(v_number) >= 9007199254740992 OR v_number::bigint % 2 = 0);
END
$$;

-- HotMesh's `!isNaN(n) && n % 2 !== 0`: true for 3, -3 and 2.5, and for ±Infinity, whose
-- remainder is NaN.
CREATE OR REPLACE FUNCTION hotmesh.fn_number_isodd(p_value jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_number double precision := hotmesh.js_to_number(p_value);
BEGIN
    IF v_number = 'NaN'::double precision THEN
        RETURN 'false'::jsonb;
    ELSIF abs(v_number) = 'Infinity'::double precision OR trunc(v_number) <> v_number THEN
        RETURN 'true'::jsonb;
    END IF;
    RETURN hotmesh.js_boolean(abs(v_number) < 9007199254740992 AND v_number::bigint % 2 <> 0);
END
$$;

-- Parsing ---------------------------------------------------------------------------------------

-- parseFloat: the longest decimal prefix (after leading whitespace) of ToString(value);
-- "12px" is 12, "1e" is 1, ".5" is 0.5, "Infinityx" is Infinity, "x1" is NaN.
CREATE OR REPLACE FUNCTION hotmesh.fn_number_parsefloat(p_value jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_text   text := ltrim(hotmesh.js_to_string(p_value), hotmesh.pipe_number_whitespace());
    v_prefix text := substring(v_text FROM
        '^[+-]?(?:Infinity|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)');
BEGIN
    IF v_prefix IS NULL THEN
        RETURN '"NaN"'::jsonb;
    END IF;
    RETURN hotmesh.js_number(hotmesh.js_string_to_number(v_prefix));
END
$$;

-- parseInt: ToString(value), leading whitespace, a sign, then the longest run of digits in the
-- radix (ToInt32(radix); 0 or absent means 10, or 16 after a 0x prefix); NaN when there are
-- none or the radix is outside 2..36. The digits are summed exactly, then rounded once.
CREATE OR REPLACE FUNCTION hotmesh.fn_number_parseint(p_value jsonb, p_radix jsonb DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_text     text := ltrim(hotmesh.js_to_string(p_value), hotmesh.pipe_number_whitespace());
    v_negative boolean := false;
    v_radix    integer := hotmesh.pipe_math_toint32(hotmesh.js_to_number(p_radix));
    v_alphabet text;
    v_digits   text;
    v_value    numeric := 0;
BEGIN
    IF left(v_text, 1) IN ('+', '-') THEN
        v_negative := left(v_text, 1) = '-';
        v_text := substr(v_text, 2);
    END IF;
    IF v_radix <> 0 AND (v_radix < 2 OR v_radix > 36) THEN
        RETURN '"NaN"'::jsonb;
    END IF;
    IF v_radix IN (0, 16) AND lower(left(v_text, 2)) = '0x' THEN
        v_text := substr(v_text, 3);
        v_radix := 16;
    ELSIF v_radix = 0 THEN
        v_radix := 10;
    END IF;
    v_alphabet := left('0123456789abcdefghijklmnopqrstuvwxyz', v_radix);
    v_digits := substring(lower(v_text) FROM '^[' || v_alphabet || ']+');
    IF v_digits IS NULL THEN
        RETURN '"NaN"'::jsonb;
    ELSIF v_radix = 10 THEN
        v_value := v_digits::numeric;
    ELSE
        FOR i IN 1 .. length(v_digits) LOOP
            v_value := v_value * v_radix + (strpos(v_alphabet, substr(v_digits, i, 1)) - 1);
        END LOOP;
    END IF;
    RETURN hotmesh.js_number(hotmesh.pipe_math_to_double(
        CASE WHEN v_negative THEN -v_value ELSE v_value END));
END
$$;

-- Formatting ------------------------------------------------------------------------------------

-- Number.prototype.toFixed: fixed notation with 0..100 digits after the point (default 0),
-- rounding the exact binary value half up; from 1e21 on, ToString's exponent form.
CREATE OR REPLACE FUNCTION hotmesh.fn_number_tofixed(p_value jsonb, p_digits jsonb DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_number double precision := hotmesh.pipe_number_subject(p_value, '@number.toFixed');
    v_digits double precision := hotmesh.pipe_number_integer(p_digits);
BEGIN
    IF v_digits < 0 OR v_digits > 100 THEN
        RAISE EXCEPTION '@number.toFixed: digits must be between 0 and 100, got %',
            hotmesh.js_number_to_string(v_digits)
            USING ERRCODE = 'invalid_parameter_value';
    ELSIF v_number = 'NaN'::double precision OR abs(v_number) >= 1e21 THEN
        RETURN to_jsonb(hotmesh.js_number_to_string(v_number));
    END IF;
    -- numeric's round() takes halves away from zero: the larger magnitude, as the spec asks
    RETURN to_jsonb(CASE WHEN v_number < 0 THEN '-' ELSE '' END
                    || round(abs(hotmesh.pipe_math_exact(v_number)), v_digits::integer)::text);
END
$$;

-- Number.prototype.toExponential: d.ddde±x with the given digits after the point (0..100),
-- or, without digits, as many as it takes to identify the number.
CREATE OR REPLACE FUNCTION hotmesh.fn_number_toexponential(
    p_value jsonb,
    p_digits jsonb DEFAULT NULL
)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_number double precision := hotmesh.pipe_number_subject(p_value, '@number.toExponential');
    v_digits double precision := hotmesh.pipe_number_integer(p_digits);
    v_parts  record;
    v_text   text;
    v_power  integer;
BEGIN
    IF v_number = 'NaN'::double precision OR abs(v_number) = 'Infinity'::double precision THEN
        RETURN to_jsonb(hotmesh.js_number_to_string(v_number));
    ELSIF v_digits < 0 OR v_digits > 100 THEN
        RAISE EXCEPTION '@number.toExponential: digits must be between 0 and 100, got %',
            hotmesh.js_number_to_string(v_digits)
            USING ERRCODE = 'invalid_parameter_value';
    ELSIF v_number = 0 THEN
        v_text := repeat('0', v_digits::integer + 1);
        v_power := 0;
    ELSIF p_digits IS NULL THEN
        v_parts := hotmesh.pipe_number_shortest(v_number);
        v_text := v_parts.digits;
        v_power := v_parts.exponent;
    ELSE
        v_parts := hotmesh.pipe_number_round(abs(v_number), v_digits::integer + 1);
        v_text := v_parts.digits;
        v_power := v_parts.exponent;
    END IF;
    IF length(v_text) > 1 THEN
        v_text := left(v_text, 1) || '.' || substr(v_text, 2);
    END IF;
    RETURN to_jsonb(CASE WHEN v_number < 0 THEN '-' ELSE '' END || v_text || 'e'
                    || CASE WHEN v_power < 0 THEN '-' ELSE '+' END || abs(v_power)::text);
END
$$;

-- Number.prototype.toPrecision: p significant digits (1..100), in fixed notation unless the
-- exponent is below -6 or at least p; without p, ToString.
CREATE OR REPLACE FUNCTION hotmesh.fn_number_toprecision(
    p_value jsonb,
    p_precision jsonb DEFAULT NULL
)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_number    double precision := hotmesh.pipe_number_subject(p_value, '@number.toPrecision');
    v_precision double precision := hotmesh.pipe_number_integer(p_precision);
    v_parts     record;
    v_text      text;
    v_power     integer;
    v_sign      text := CASE WHEN v_number < 0 THEN '-' ELSE '' END;
BEGIN
    IF p_precision IS NULL OR v_number = 'NaN'::double precision
       OR abs(v_number) = 'Infinity'::double precision THEN
        RETURN to_jsonb(hotmesh.js_number_to_string(v_number));
    ELSIF v_precision < 1 OR v_precision > 100 THEN
        RAISE EXCEPTION '@number.toPrecision: precision must be between 1 and 100, got %',
            hotmesh.js_number_to_string(v_precision)
            USING ERRCODE = 'invalid_parameter_value';
    ELSIF v_number = 0 THEN
        v_text := repeat('0', v_precision::integer);
        v_power := 0;
    ELSE
        v_parts := hotmesh.pipe_number_round(abs(v_number), v_precision::integer);
        v_text := v_parts.digits;
        v_power := v_parts.exponent;
    END IF;
    IF v_power < -6 OR v_power >= v_precision THEN
        IF length(v_text) > 1 THEN
            v_text := left(v_text, 1) || '.' || substr(v_text, 2);
        END IF;
        RETURN to_jsonb(v_sign || v_text || 'e' || CASE WHEN v_power < 0 THEN '-' ELSE '+' END
                        || abs(v_power)::text);
    ELSIF v_power = v_precision - 1 THEN
        RETURN to_jsonb(v_sign || v_text);
    ELSIF v_power >= 0 THEN
        RETURN to_jsonb(v_sign || left(v_text, v_power + 1) || '.' || substr(v_text, v_power + 2));
    END IF;
    RETURN to_jsonb(v_sign || '0.' || repeat('0', -(v_power + 1)) || v_text);
END
$$;

-- Comparison ------------------------------------------------------------------------------------

-- n >= compare with JavaScript's relational comparison (two strings compare as strings;
-- anything with NaN or undefined is false).
CREATE OR REPLACE FUNCTION hotmesh.fn_number_gte(p_value jsonb, p_compare jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN hotmesh.js_boolean(coalesce(hotmesh.js_compare(p_value, p_compare) >= 0, false));
END
$$;

CREATE OR REPLACE FUNCTION hotmesh.fn_number_lte(p_value jsonb, p_compare jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN hotmesh.js_boolean(coalesce(hotmesh.js_compare(p_value, p_compare) <= 0, false));
END
$$;

CREATE OR REPLACE FUNCTION hotmesh.fn_number_gt(p_value jsonb, p_compare jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN hotmesh.js_boolean(coalesce(hotmesh.js_compare(p_value, p_compare) > 0, false));
END
$$;

CREATE OR REPLACE FUNCTION hotmesh.fn_number_lt(p_value jsonb, p_compare jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN hotmesh.js_boolean(coalesce(hotmesh.js_compare(p_value, p_compare) < 0, false));
END
$$;

-- Math ------------------------------------------------------------------------------------------

-- Math.max over the operands, each through ToNumber (arrays are not flattened here, unlike
-- @math.max: [1, 2] is NaN as in JavaScript); -Infinity for none.
CREATE OR REPLACE FUNCTION hotmesh.fn_number_max(VARIADIC p_args jsonb[])
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_arg    jsonb;
    v_number double precision;
    v_result double precision := '-Infinity';
BEGIN
    FOREACH v_arg IN ARRAY coalesce(p_args, '{}'::jsonb[]) LOOP
        v_number := hotmesh.js_to_number(v_arg);
        IF v_number = 'NaN'::double precision THEN
            RETURN '"NaN"'::jsonb;
        END IF;
        v_result := greatest(v_result, v_number);
    END LOOP;
    RETURN hotmesh.js_number(v_result);
END
$$;

-- Math.min over the operands (no flattening); Infinity for none.
CREATE OR REPLACE FUNCTION hotmesh.fn_number_min(VARIADIC p_args jsonb[])
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_arg    jsonb;
    v_number double precision;
    v_result double precision := 'Infinity';
BEGIN
    FOREACH v_arg IN ARRAY coalesce(p_args, '{}'::jsonb[]) LOOP
        v_number := hotmesh.js_to_number(v_arg);
        IF v_number = 'NaN'::double precision THEN
            RETURN '"NaN"'::jsonb;
        END IF;
        v_result := least(v_result, v_number);
    END LOOP;
    RETURN hotmesh.js_number(v_result);
END
$$;

-- Math.pow (the same function as @math.pow).
CREATE OR REPLACE FUNCTION hotmesh.fn_number_pow(p_base jsonb, p_exponent jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN hotmesh.fn_math_pow(p_base, p_exponent);
END
$$;

-- Math.round (the same function as @math.round).
CREATE OR REPLACE FUNCTION hotmesh.fn_number_round(p_value jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN hotmesh.fn_math_round(p_value);
END
$$;

-- HotMesh's NumberHandler also carries copies of @math's arithmetic; the same functions here.
CREATE OR REPLACE FUNCTION hotmesh.fn_number_add(VARIADIC p_args jsonb[])
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN hotmesh.fn_math_add(VARIADIC p_args);
END
$$;

CREATE OR REPLACE FUNCTION hotmesh.fn_number_subtract(VARIADIC p_args jsonb[])
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    IF cardinality(hotmesh.pipe_math_flatten(p_args)) = 0 THEN
        RAISE EXCEPTION '@number.subtract: at least one operand is required'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN hotmesh.fn_math_subtract(VARIADIC p_args);
END
$$;

CREATE OR REPLACE FUNCTION hotmesh.fn_number_multiply(VARIADIC p_args jsonb[])
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    IF cardinality(hotmesh.pipe_math_flatten(p_args)) = 0 THEN
        RAISE EXCEPTION '@number.multiply: at least one operand is required'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN hotmesh.fn_math_multiply(VARIADIC p_args);
END
$$;

CREATE OR REPLACE FUNCTION hotmesh.fn_number_divide(VARIADIC p_args jsonb[])
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    IF cardinality(hotmesh.pipe_math_flatten(p_args)) = 0 THEN
        RAISE EXCEPTION '@number.divide: at least one operand is required'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN hotmesh.fn_math_divide(VARIADIC p_args);
END
$$;
