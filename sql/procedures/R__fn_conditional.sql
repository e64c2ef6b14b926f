-- @conditional: the @pipe comparison functions (hotmesh.fn_conditional_*), JavaScript's ?:, ==,
-- ===, !=, !==, >, <, >=, <= and ?? over jsonb. Comparisons involving NaN or undefined are
-- false, as in JavaScript. gt, gte, lt and lte are aliases of greater_than, greater_than_or_equal,
-- less_than and less_than_or_equal (the seeds route on {@conditional.gte}, which the TypeScript
-- catalog lacks).

-- ToPrimitive for the relational operators: an object or array compares as its string form,
-- so two of them (or one and a string) compare as strings, as in JavaScript.
CREATE OR REPLACE FUNCTION hotmesh.conditional_to_primitive(p_value jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    IF jsonb_typeof(p_value) IN ('object', 'array') THEN
        RETURN to_jsonb(hotmesh.js_to_string(p_value));
    END IF;
    RETURN p_value;
END
$$;

-- The relational comparison of two operands after ToPrimitive: -1, 0, 1, or NULL (NaN).
CREATE OR REPLACE FUNCTION hotmesh.conditional_compare(p_value1 jsonb, p_value2 jsonb)
RETURNS integer
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN hotmesh.js_compare(hotmesh.conditional_to_primitive(p_value1),
                              hotmesh.conditional_to_primitive(p_value2));
END
$$;

-- condition ? valueIfTrue : valueIfFalse
CREATE OR REPLACE FUNCTION hotmesh.fn_conditional_ternary(p_condition jsonb,
                                                          p_if_true jsonb DEFAULT NULL,
                                                          p_if_false jsonb DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN CASE WHEN hotmesh.js_truthy(p_condition) THEN p_if_true ELSE p_if_false END;
END
$$;

-- value1 == value2
CREATE OR REPLACE FUNCTION hotmesh.fn_conditional_equality(p_value1 jsonb,
                                                           p_value2 jsonb DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN to_jsonb(hotmesh.js_loose_equals(p_value1, p_value2));
END
$$;

-- value1 === value2
CREATE OR REPLACE FUNCTION hotmesh.fn_conditional_strict_equality(p_value1 jsonb,
                                                                  p_value2 jsonb DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN to_jsonb(hotmesh.js_strict_equals(p_value1, p_value2));
END
$$;

-- value1 != value2
CREATE OR REPLACE FUNCTION hotmesh.fn_conditional_inequality(p_value1 jsonb,
                                                             p_value2 jsonb DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN to_jsonb(NOT hotmesh.js_loose_equals(p_value1, p_value2));
END
$$;

-- value1 !== value2
CREATE OR REPLACE FUNCTION hotmesh.fn_conditional_strict_inequality(p_value1 jsonb,
                                                                    p_value2 jsonb DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN to_jsonb(NOT hotmesh.js_strict_equals(p_value1, p_value2));
END
$$;

-- value1 > value2
CREATE OR REPLACE FUNCTION hotmesh.fn_conditional_greater_than(p_value1 jsonb,
                                                               p_value2 jsonb DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN to_jsonb(coalesce(hotmesh.conditional_compare(p_value1, p_value2) = 1, false));
END
$$;

-- value1 < value2
CREATE OR REPLACE FUNCTION hotmesh.fn_conditional_less_than(p_value1 jsonb,
                                                            p_value2 jsonb DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN to_jsonb(coalesce(hotmesh.conditional_compare(p_value1, p_value2) = -1, false));
END
$$;

-- value1 >= value2
CREATE OR REPLACE FUNCTION hotmesh.fn_conditional_greater_than_or_equal(p_value1 jsonb,
                                                                        p_value2 jsonb DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN to_jsonb(coalesce(hotmesh.conditional_compare(p_value1, p_value2) >= 0, false));
END
$$;

-- value1 <= value2
CREATE OR REPLACE FUNCTION hotmesh.fn_conditional_less_than_or_equal(p_value1 jsonb,
                                                                     p_value2 jsonb DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN to_jsonb(coalesce(hotmesh.conditional_compare(p_value1, p_value2) <= 0, false));
END
$$;

-- value1 ?? value2: value1 unless it is null or undefined
CREATE OR REPLACE FUNCTION hotmesh.fn_conditional_nullish(p_value1 jsonb,
                                                          p_value2 jsonb DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN CASE WHEN p_value1 IS NULL OR p_value1 = 'null'::jsonb THEN p_value2
                ELSE p_value1 END;
END
$$;

-- gt: alias of greater_than
CREATE OR REPLACE FUNCTION hotmesh.fn_conditional_gt(p_value1 jsonb, p_value2 jsonb DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN hotmesh.fn_conditional_greater_than(p_value1, p_value2);
END
$$;

-- gte: alias of greater_than_or_equal
CREATE OR REPLACE FUNCTION hotmesh.fn_conditional_gte(p_value1 jsonb, p_value2 jsonb DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN hotmesh.fn_conditional_greater_than_or_equal(p_value1, p_value2);
END
$$;

-- lt: alias of less_than
CREATE OR REPLACE FUNCTION hotmesh.fn_conditional_lt(p_value1 jsonb, p_value2 jsonb DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN hotmesh.fn_conditional_less_than(p_value1, p_value2);
END
$$;

-- lte: alias of less_than_or_equal
CREATE OR REPLACE FUNCTION hotmesh.fn_conditional_lte(p_value1 jsonb, p_value2 jsonb DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN hotmesh.fn_conditional_less_than_or_equal(p_value1, p_value2);
END
$$;
