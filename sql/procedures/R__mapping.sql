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

-- Evaluate an expression's fast form (pyhotmesh/compiler/expressions.py fast_form): context
-- paths, constants, objects and arrays, with the semantics of the SQL the compiler renders for
-- them (map_object leaves undefined values out, map_array turns them into null) but without
-- dynamic SQL, whose parse and plan on every call cost more than the rest of a step.
CREATE OR REPLACE FUNCTION hotmesh.eval_fast(p_form jsonb, p_context jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_result jsonb;
    v_item   jsonb;
    v_value  jsonb;
BEGIN
    IF p_form ? 'p' THEN
        RETURN p_context #> (p_form ->> 'p')::text[];
    ELSIF p_form ? 'v' THEN
        RETURN p_form -> 'v';
    ELSIF p_form ? 'o' THEN
        v_result := '{}'::jsonb;
        FOR i IN 0 .. jsonb_array_length(p_form -> 'o') - 1 LOOP
            v_item := p_form -> 'o' -> i;
            v_value := hotmesh.eval_fast(v_item -> 1, p_context);
            IF v_value IS NOT NULL THEN
                v_result := v_result || jsonb_build_object(v_item ->> 0, v_value);
            END IF;
        END LOOP;
        RETURN v_result;
    ELSIF p_form ? 'a' THEN
        v_result := '[]'::jsonb;
        FOR i IN 0 .. jsonb_array_length(p_form -> 'a') - 1 LOOP
            v_result := v_result || jsonb_build_array(coalesce(
                hotmesh.eval_fast(p_form -> 'a' -> i, p_context), 'null'::jsonb));
        END LOOP;
        RETURN v_result;
    END IF;
    RAISE EXCEPTION 'eval_fast: not an expression form: %', p_form
        USING ERRCODE = 'invalid_parameter_value';
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
