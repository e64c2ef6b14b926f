-- @bitwise: the @pipe bitwise functions (hotmesh.fn_bitwise_*), JavaScript's &, |, ^, <<, >> and
-- >>> over jsonb. Operands convert to 32-bit integers (ToInt32, ToUint32 for >>>) and shift
-- counts use their low 5 bits, as in JavaScript.

-- ToUint32: the number (NaN and the infinities are 0) truncated and taken modulo 2^32.
CREATE OR REPLACE FUNCTION hotmesh.bitwise_to_uint32(p_value jsonb)
RETURNS bigint
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_number double precision := hotmesh.js_to_number(p_value);
BEGIN
    IF v_number IN ('NaN'::double precision, 'Infinity'::double precision,
                    '-Infinity'::double precision) THEN
        RETURN 0;
    END IF;
    v_number := trunc(v_number);
    -- exact in double arithmetic: the quotient by a power of two and the remainder are exact
    RETURN (v_number - 4294967296 * floor(v_number / 4294967296))::bigint;
END
$$;

-- ToInt32: ToUint32 read as a signed 32-bit integer.
CREATE OR REPLACE FUNCTION hotmesh.bitwise_to_int32(p_value jsonb)
RETURNS integer
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_unsigned bigint := hotmesh.bitwise_to_uint32(p_value);
BEGIN
    RETURN (CASE WHEN v_unsigned >= 2147483648 THEN v_unsigned - 4294967296
                 ELSE v_unsigned END)::integer;
END
$$;

-- a & b
CREATE OR REPLACE FUNCTION hotmesh.fn_bitwise_and(p_a jsonb, p_b jsonb DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN to_jsonb(hotmesh.bitwise_to_int32(p_a) & hotmesh.bitwise_to_int32(p_b));
END
$$;

-- a | b
CREATE OR REPLACE FUNCTION hotmesh.fn_bitwise_or(p_a jsonb, p_b jsonb DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN to_jsonb(hotmesh.bitwise_to_int32(p_a) | hotmesh.bitwise_to_int32(p_b));
END
$$;

-- a ^ b
CREATE OR REPLACE FUNCTION hotmesh.fn_bitwise_xor(p_a jsonb, p_b jsonb DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN to_jsonb(hotmesh.bitwise_to_int32(p_a) # hotmesh.bitwise_to_int32(p_b));
END
$$;

-- a << b: the bits shifted out of 32 are lost and the result is signed.
CREATE OR REPLACE FUNCTION hotmesh.fn_bitwise_leftshift(p_a jsonb, p_b jsonb DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_bits bigint := (hotmesh.bitwise_to_uint32(p_a)
                      << (hotmesh.bitwise_to_uint32(p_b) & 31)::integer) & 4294967295;
BEGIN
    RETURN to_jsonb(CASE WHEN v_bits >= 2147483648 THEN v_bits - 4294967296 ELSE v_bits END);
END
$$;

-- a >> b: sign-propagating.
CREATE OR REPLACE FUNCTION hotmesh.fn_bitwise_rightshift(p_a jsonb, p_b jsonb DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    -- floor division by a power of two is an arithmetic shift, whatever the C compiler does
    RETURN to_jsonb(floor(hotmesh.bitwise_to_int32(p_a)::numeric
                          / (2::numeric ^ (hotmesh.bitwise_to_uint32(p_b) & 31)))::integer);
END
$$;

-- a >>> b: zero-filling, so the result is unsigned (0 .. 4294967295).
CREATE OR REPLACE FUNCTION hotmesh.fn_bitwise_unsignedrightshift(p_a jsonb,
                                                                 p_b jsonb DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN to_jsonb(hotmesh.bitwise_to_uint32(p_a)
                    >> (hotmesh.bitwise_to_uint32(p_b) & 31)::integer);
END
$$;
