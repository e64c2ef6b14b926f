-- @unary: the @pipe unary operators (hotmesh.fn_unary_*), JavaScript's !, +, - and ~ over jsonb.
-- Non-finite results are the strings "NaN", "Infinity" and "-Infinity"; -0 is 0.

-- !value
CREATE OR REPLACE FUNCTION hotmesh.fn_unary_not(p_value jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN to_jsonb(NOT hotmesh.js_truthy(p_value));
END
$$;

-- +value: ToNumber.
CREATE OR REPLACE FUNCTION hotmesh.fn_unary_positive(p_value jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN hotmesh.js_number(hotmesh.js_to_number(p_value));
END
$$;

-- -value
CREATE OR REPLACE FUNCTION hotmesh.fn_unary_negative(p_value jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN hotmesh.js_number(-hotmesh.js_to_number(p_value));
END
$$;

-- ~value: the complement of the value as a 32-bit integer (ToInt32, from R__fn_bitwise.sql).
CREATE OR REPLACE FUNCTION hotmesh.fn_unary_bitwise_not(p_value jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN to_jsonb(~hotmesh.bitwise_to_int32(p_value));
END
$$;
