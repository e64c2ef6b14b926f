-- JavaScript value semantics over jsonb, shared by every @pipe function (hotmesh.fn_*).
--
-- The mapping language is HotMesh's, whose functions are JavaScript. Values are jsonb with:
--   SQL NULL            JavaScript undefined (a missing reference)
--   'null'::jsonb       null
--   "NaN", "Infinity", "-Infinity" (strings)
--                       the non-finite numbers, which JSON cannot hold. Arithmetic coerces
--                       them back (as JavaScript's Number("NaN") does).
--   ISO-8601 strings    dates (what JSON.stringify makes of a Date)
-- These helpers implement the coercions of the ECMAScript spec that the functions need:
-- ToNumber, ToString, ToBoolean, == and ===, and the relational comparison.

-- ToNumber. SQL NULL (undefined) and unparsable strings give NaN.
CREATE OR REPLACE FUNCTION hotmesh.js_to_number(p_value jsonb)
RETURNS double precision
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_text text;
BEGIN
    IF p_value IS NULL THEN
        RETURN 'NaN';
    END IF;
    CASE jsonb_typeof(p_value)
        WHEN 'null' THEN
            RETURN 0;
        WHEN 'boolean' THEN
            RETURN CASE WHEN p_value = 'true' THEN 1 ELSE 0 END;
        WHEN 'number' THEN
            BEGIN
                RETURN (p_value #>> '{}')::double precision;
            EXCEPTION WHEN numeric_value_out_of_range THEN
                -- beyond the double range both ways (1e400 or 1e-400): as a string would round
                RETURN hotmesh.js_string_to_number(p_value #>> '{}');
            END;
        WHEN 'string' THEN
            RETURN hotmesh.js_string_to_number(p_value #>> '{}');
        WHEN 'array' THEN
            RETURN hotmesh.js_string_to_number(hotmesh.js_to_string(p_value));
        ELSE
            RETURN 'NaN';
    END CASE;
END
$$;

-- StringToNumber: decimal (with exponent), 0x/0o/0b integers, Infinity; blank is 0.
CREATE OR REPLACE FUNCTION hotmesh.js_string_to_number(p_text text)
RETURNS double precision
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    -- JavaScript's WhiteSpace and LineTerminator characters (PostgreSQL has no E'\v': VT is
    -- \u000b), including the space separators of Unicode category Zs
    v_text text := btrim(p_text, E' \t\n\r\f\u000b\u00a0\u1680\u2000\u2001\u2002\u2003'
                                 || E'\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028'
                                 || E'\u2029\u202f\u205f\u3000\ufeff');
    v_digits text;
    v_base integer;
    v_result double precision := 0;
    v_digit integer;
    v_tiny boolean;
BEGIN
    IF v_text = '' THEN
        RETURN 0;
    ELSIF v_text ~ '^[+-]?Infinity$' THEN
        RETURN CASE WHEN v_text LIKE '-%' THEN '-Infinity' ELSE 'Infinity' END;
    ELSIF v_text ~ '^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$' THEN
        BEGIN
            RETURN v_text::double precision;
        EXCEPTION WHEN numeric_value_out_of_range THEN
            -- 1e400 overflows to Infinity in JavaScript, 1e-400 (or 0.000...1) underflows to 0
            BEGIN
                v_tiny := abs(v_text::numeric) < 1;
            EXCEPTION WHEN numeric_value_out_of_range THEN
                v_tiny := v_text ~* 'e-';  -- beyond even numeric: the exponent's sign decides
            END;
            IF v_tiny THEN
                RETURN 0;
            END IF;
            RETURN CASE WHEN v_text LIKE '-%' THEN '-Infinity' ELSE 'Infinity' END;
        END;
    ELSIF v_text ~* '^0x[0-9a-f]+$' THEN
        v_base := 16;
    ELSIF v_text ~* '^0o[0-7]+$' THEN
        v_base := 8;
    ELSIF v_text ~* '^0b[01]+$' THEN
        v_base := 2;
    ELSE
        RETURN 'NaN';
    END IF;
    v_digits := lower(substr(v_text, 3));
    FOR i IN 1 .. length(v_digits) LOOP
        v_digit := strpos('0123456789abcdef', substr(v_digits, i, 1)) - 1;
        v_result := v_result * v_base + v_digit;
    END LOOP;
    RETURN v_result;
END
$$;

-- A double as a jsonb value: non-finite numbers become their marker strings, -0 becomes 0.
CREATE OR REPLACE FUNCTION hotmesh.js_number(p_number double precision)
RETURNS jsonb
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
AS $$
    SELECT CASE
        WHEN p_number IS NULL THEN NULL
        WHEN p_number = 'NaN'::double precision THEN '"NaN"'::jsonb
        WHEN p_number = 'Infinity'::double precision THEN '"Infinity"'::jsonb
        WHEN p_number = '-Infinity'::double precision THEN '"-Infinity"'::jsonb
        WHEN p_number = 0 THEN '0'::jsonb
        ELSE to_jsonb(p_number)
    END
$$;

-- Number::toString: the shortest round-trip digits, in fixed notation from 1e-6 up to 1e21
-- and exponent notation (1e+21, 1e-7) outside, as JavaScript prints numbers.
CREATE OR REPLACE FUNCTION hotmesh.js_number_to_string(p_number double precision)
RETURNS text
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_m         text[];
    v_digits    text;     -- the significant digits, without leading or trailing zeros
    v_point     integer;  -- the value is 0.<digits> times 10^v_point
    v_candidate numeric;
    v_length    integer;
BEGIN
    IF p_number = 'NaN'::double precision THEN
        RETURN 'NaN';
    ELSIF p_number = 'Infinity'::double precision THEN
        RETURN 'Infinity';
    ELSIF p_number = '-Infinity'::double precision THEN
        RETURN '-Infinity';
    ELSIF p_number = 0 THEN
        RETURN '0';
    END IF;
    -- float8 output is the shortest string that reads back as the same double: 123.456,
    -- 1.5e-07, 1.2345678901234568e+20
    v_m := regexp_match(abs(p_number)::text, '^([0-9]*)\.?([0-9]*)(?:e([+-][0-9]+))?$');
    v_digits := v_m[1] || v_m[2];
    v_point := length(v_m[1]) + coalesce(v_m[3]::integer, 0)
               - (length(v_digits) - length(ltrim(v_digits, '0')));
    v_digits := rtrim(ltrim(v_digits, '0'), '0');
    -- PostgreSQL never takes a shorter form that lies exactly halfway to the next double;
    -- JavaScript does when reading it back (round-half-even) gives this double, as for
    -- 26540245096753770. Such a form has one digit less: try both neighbours (not at the ends
    -- of the range, where a neighbour would not convert).
    v_length := length(v_digits);
    IF v_length > 1 AND v_point BETWEEN -300 AND 300 THEN
        FOREACH v_candidate IN ARRAY ARRAY[left(v_digits, -1)::numeric,
                                           left(v_digits, -1)::numeric + 1] LOOP
            IF (v_candidate * power(10::numeric, v_point - v_length + 1))::double precision
               = abs(p_number) THEN
                -- 999 + 1 = 1000 moves the point
                v_point := v_point + length(v_candidate::text) - (v_length - 1);
                v_digits := rtrim(v_candidate::text, '0');
                EXIT;
            END IF;
        END LOOP;
    END IF;
    v_length := length(v_digits);
    RETURN CASE WHEN p_number < 0 THEN '-' ELSE '' END || CASE
        WHEN v_length <= v_point AND v_point <= 21 THEN v_digits || repeat('0', v_point - v_length)
        WHEN 0 < v_point AND v_point <= 21 THEN
            left(v_digits, v_point) || '.' || substr(v_digits, v_point + 1)
        WHEN -6 < v_point AND v_point <= 0 THEN '0.' || repeat('0', -v_point) || v_digits
        ELSE left(v_digits, 1) || CASE WHEN v_length > 1 THEN '.' || substr(v_digits, 2) ELSE '' END
             || 'e' || CASE WHEN v_point > 0 THEN '+' ELSE '-' END || abs(v_point - 1)
    END;
END
$$;

-- ToString. Arrays join their elements with ',' (null and undefined elements become '').
CREATE OR REPLACE FUNCTION hotmesh.js_to_string(p_value jsonb)
RETURNS text
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    IF p_value IS NULL THEN
        RETURN 'undefined';
    END IF;
    CASE jsonb_typeof(p_value)
        WHEN 'string' THEN
            RETURN p_value #>> '{}';
        WHEN 'number' THEN
            RETURN hotmesh.js_number_to_string(hotmesh.js_to_number(p_value));
        WHEN 'boolean' THEN
            RETURN p_value #>> '{}';
        WHEN 'null' THEN
            RETURN 'null';
        WHEN 'array' THEN
            RETURN coalesce(
                (SELECT string_agg(
                            CASE WHEN jsonb_typeof(e.value) = 'null' THEN ''
                                 ELSE hotmesh.js_to_string(e.value) END,
                            ',' ORDER BY e.ordinality)
                 FROM jsonb_array_elements(p_value) WITH ORDINALITY e),
                '');
        ELSE
            RETURN '[object Object]';
    END CASE;
END
$$;

-- ToBoolean: undefined, null, false, 0, NaN and '' are false. (The "NaN" marker string is a
-- non-empty string, hence true: a documented deviation.)
CREATE OR REPLACE FUNCTION hotmesh.js_truthy(p_value jsonb)
RETURNS boolean
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
AS $$
    SELECT CASE
        WHEN p_value IS NULL THEN false
        ELSE CASE jsonb_typeof(p_value)
            WHEN 'null' THEN false
            WHEN 'boolean' THEN p_value = 'true'::jsonb
            WHEN 'number' THEN (p_value #>> '{}')::numeric <> 0
            WHEN 'string' THEN p_value <> '""'::jsonb
            ELSE true
        END
    END
$$;

-- A jsonb boolean from a SQL boolean (NULL stays undefined).
CREATE OR REPLACE FUNCTION hotmesh.js_boolean(p_value boolean)
RETURNS jsonb
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
AS $$
    SELECT to_jsonb(p_value)
$$;

-- ===: same type and same value. Numbers compare as numbers (NaN equals nothing); objects and
-- arrays compare by content, since jsonb values have no identity.
CREATE OR REPLACE FUNCTION hotmesh.js_strict_equals(p_left jsonb, p_right jsonb)
RETURNS boolean
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
AS $$
    SELECT CASE
        WHEN p_left IS NULL OR p_right IS NULL THEN p_left IS NULL AND p_right IS NULL
        WHEN p_left = '"NaN"'::jsonb OR p_right = '"NaN"'::jsonb THEN false
        WHEN jsonb_typeof(p_left) <> jsonb_typeof(p_right) THEN false
        ELSE p_left = p_right
    END
$$;

-- ==: undefined and null equal each other only; a boolean compares as its number; a number
-- and a string compare as numbers; an object or array compares by its string form against a
-- primitive.
CREATE OR REPLACE FUNCTION hotmesh.js_loose_equals(p_left jsonb, p_right jsonb)
RETURNS boolean
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_left  text := coalesce(jsonb_typeof(p_left), 'undefined');
    v_right text := coalesce(jsonb_typeof(p_right), 'undefined');
BEGIN
    IF v_left IN ('undefined', 'null') OR v_right IN ('undefined', 'null') THEN
        RETURN v_left IN ('undefined', 'null') AND v_right IN ('undefined', 'null');
    ELSIF v_left = v_right THEN
        RETURN hotmesh.js_strict_equals(p_left, p_right);
    ELSIF v_left = 'boolean' OR v_right = 'boolean' OR (v_left = 'number' OR v_right = 'number')
          AND (v_left = 'string' OR v_right = 'string') THEN
        RETURN hotmesh.js_to_number(p_left) = hotmesh.js_to_number(p_right)
           AND hotmesh.js_to_number(p_left) <> 'NaN'::double precision;
    ELSIF v_left IN ('object', 'array') AND v_right IN ('object', 'array') THEN
        RETURN false;
    ELSIF v_left IN ('object', 'array') THEN
        RETURN hotmesh.js_loose_equals(to_jsonb(hotmesh.js_to_string(p_left)), p_right);
    ELSE
        RETURN hotmesh.js_loose_equals(p_left, to_jsonb(hotmesh.js_to_string(p_right)));
    END IF;
END
$$;

-- Two strings in JavaScript's order: by UTF-16 code units. That is code point order (bytewise
-- UTF-8, COLLATE "C") except that a character above U+FFFF (a surrogate pair, 0xD800-0xDBFF
-- first) sorts before U+E000-U+FFFF; only strings holding such characters take the slow path.
CREATE OR REPLACE FUNCTION hotmesh.js_compare_strings(p_left text, p_right text)
RETURNS integer
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_left  text[];
    v_right text[];
    v_left_code  numeric;
    v_right_code numeric;
BEGIN
    IF p_left = p_right THEN
        RETURN 0;
    ELSIF (p_left || p_right) !~ '[\ue000-\U0010ffff]' THEN
        RETURN CASE WHEN p_left COLLATE "C" < p_right COLLATE "C" THEN -1 ELSE 1 END;
    END IF;
    v_left := regexp_split_to_array(p_left, '');
    v_right := regexp_split_to_array(p_right, '');
    FOR i IN 1 .. least(cardinality(v_left), cardinality(v_right)) LOOP
        IF v_left[i] <> v_right[i] THEN
            -- the first code unit, with the rest of a pair's code point as a fraction
            v_left_code := ascii(v_left[i]);
            v_right_code := ascii(v_right[i]);
            IF v_left_code > 65535 THEN
                v_left_code := 55296 + (v_left_code - 65536) / 1024.0;
            END IF;
            IF v_right_code > 65535 THEN
                v_right_code := 55296 + (v_right_code - 65536) / 1024.0;
            END IF;
            RETURN CASE WHEN v_left_code < v_right_code THEN -1 ELSE 1 END;
        END IF;
    END LOOP;
    RETURN CASE WHEN cardinality(v_left) < cardinality(v_right) THEN -1 ELSE 1 END;
END
$$;

-- The relational comparison a < b: objects and arrays become their strings first (ToPrimitive);
-- if both sides are then strings they compare by code point, anything else as numbers; NaN
-- (or undefined) compares false both ways, so the result is NULL then. The "NaN"/"Infinity"
-- marker strings count as the numbers they stand for.
CREATE OR REPLACE FUNCTION hotmesh.js_compare(p_left jsonb, p_right jsonb)
RETURNS integer
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_left  jsonb := CASE WHEN jsonb_typeof(p_left) IN ('object', 'array')
                          THEN to_jsonb(hotmesh.js_to_string(p_left)) ELSE p_left END;
    v_right jsonb := CASE WHEN jsonb_typeof(p_right) IN ('object', 'array')
                          THEN to_jsonb(hotmesh.js_to_string(p_right)) ELSE p_right END;
    v_left_number  double precision;
    v_right_number double precision;
BEGIN
    -- [2] < [10] and [2] < "10" are string comparisons in JavaScript ("2" > "10")
    IF (jsonb_typeof(p_left) IN ('object', 'array')
           OR jsonb_typeof(p_left) = 'string'
              AND p_left NOT IN ('"NaN"', '"Infinity"', '"-Infinity"'))
       AND (jsonb_typeof(p_right) IN ('object', 'array')
           OR jsonb_typeof(p_right) = 'string'
              AND p_right NOT IN ('"NaN"', '"Infinity"', '"-Infinity"')) THEN
        RETURN hotmesh.js_compare_strings(v_left #>> '{}', v_right #>> '{}');
    END IF;
    v_left_number := hotmesh.js_to_number(v_left);
    v_right_number := hotmesh.js_to_number(v_right);
    IF v_left_number = 'NaN'::double precision OR v_right_number = 'NaN'::double precision THEN
        RETURN NULL;
    END IF;
    RETURN CASE
        WHEN v_left_number < v_right_number THEN -1
        WHEN v_left_number = v_right_number THEN 0
        ELSE 1
    END;
END
$$;
