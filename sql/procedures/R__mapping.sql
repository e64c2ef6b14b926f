-- Building blocks of compiled mapping expressions, and their evaluation.
--
-- The compiler (pyhotmesh.compiler) turns every mapping value into one SQL expression of type
-- jsonb over the job context $1; see docs/mapping.md. These functions are what that SQL calls
-- besides the @pipe catalog (hotmesh.fn_*), and how the engine evaluates it.

-- An object from parallel key and value arrays. Undefined values (SQL NULL) are left out,
-- as JSON.stringify leaves out undefined properties.
CREATE OR REPLACE FUNCTION hotmesh.map_object(p_keys text[], p_values jsonb[])
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_result jsonb := '{}'::jsonb;
BEGIN
    -- a loop, not unnest(): this runs inside every compiled map and must be cheap
    FOR i IN 1 .. coalesce(array_length(p_keys, 1), 0) LOOP
        IF p_values[i] IS NOT NULL THEN
            v_result := v_result || jsonb_build_object(p_keys[i], p_values[i]);
        END IF;
    END LOOP;
    RETURN v_result;
END
$$;

-- An array from its elements; undefined elements become null, as in JSON.stringify.
CREATE OR REPLACE FUNCTION hotmesh.map_array(p_values jsonb[])
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_result jsonb := '[]'::jsonb;
BEGIN
    FOR i IN 1 .. coalesce(array_length(p_values, 1), 0) LOOP
        v_result := v_result || jsonb_build_array(coalesce(p_values[i], 'null'::jsonb));
    END LOOP;
    RETURN v_result;
END
$$;

-- What @reduce iterates: an array's indexes ('0', '1', …) or an object's keys (in jsonb's
-- key order); nothing for any other value.
CREATE OR REPLACE FUNCTION hotmesh.js_reduce_keys(p_collection jsonb)
RETURNS text[]
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
AS $$
    SELECT CASE jsonb_typeof(p_collection)
        WHEN 'array' THEN
            ARRAY(SELECT i::text FROM generate_series(0, jsonb_array_length(p_collection) - 1) i)
        WHEN 'object' THEN
            ARRAY(SELECT jsonb_object_keys(p_collection))
        ELSE '{}'::text[]
    END
$$;

-- Evaluate one compiled expression against a context. The SQL comes from the compiler (stored
-- by deploy_version), never from a caller's input: only the app owner may call this.
CREATE OR REPLACE FUNCTION hotmesh.eval_expression(p_sql text, p_context jsonb)
RETURNS jsonb
LANGUAGE plpgsql
VOLATILE
AS $$
DECLARE
    v_result jsonb;
BEGIN
    EXECUTE 'SELECT (' || p_sql || ')::jsonb' INTO v_result USING p_context;
    RETURN v_result;
END
$$;

-- Evaluate one compiled transition condition (a boolean expression) against a context.
CREATE OR REPLACE FUNCTION hotmesh.eval_condition(p_sql text, p_context jsonb)
RETURNS boolean
LANGUAGE plpgsql
VOLATILE
AS $$
DECLARE
    v_result boolean;
BEGIN
    EXECUTE 'SELECT coalesce((' || p_sql || ')::boolean, false)' INTO v_result USING p_context;
    RETURN v_result;
END
$$;
