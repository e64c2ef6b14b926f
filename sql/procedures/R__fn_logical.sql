-- @logical: the @pipe logical functions (hotmesh.fn_logical_*). Like JavaScript's && and ||
-- they return one of their operands, not a boolean.

-- a && b: a when it is falsy, else b.
CREATE OR REPLACE FUNCTION hotmesh.fn_logical_and(p_first jsonb, p_second jsonb DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN CASE WHEN hotmesh.js_truthy(p_first) THEN p_second ELSE p_first END;
END
$$;

-- a || b: a when it is truthy, else b.
CREATE OR REPLACE FUNCTION hotmesh.fn_logical_or(p_first jsonb, p_second jsonb DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN CASE WHEN hotmesh.js_truthy(p_first) THEN p_first ELSE p_second END;
END
$$;
