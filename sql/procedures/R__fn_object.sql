-- @object: the @pipe object functions (hotmesh.fn_object_*), JavaScript's Object methods over
-- jsonb.
--
-- A jsonb value has no identity, prototype, accessors, symbols or attributes, so: an undefined
-- property value is an absent key (what JSON.stringify keeps of it); freeze, seal and
-- preventExtensions return their argument unchanged and the is* predicates answer for a
-- fresh object (isFrozen/isSealed false, isExtensible true; true/true/false for primitives,
-- as in JavaScript); getOwnPropertySymbols is always empty; defineProperty keeps a new property
-- only when it is enumerable (a non-enumerable one is invisible to JSON). Keys come in jsonb's
-- order (shorter keys first), not in insertion order.

-- The JavaScript type of a value for error messages: jsonb_typeof with undefined.
CREATE OR REPLACE FUNCTION hotmesh.object_type_name(p_value jsonb)
RETURNS text
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
AS $$
    SELECT coalesce(jsonb_typeof(p_value), 'undefined')
$$;

-- The array index a property key names (a canonical non-negative integer), or NULL.
CREATE OR REPLACE FUNCTION hotmesh.object_array_index(p_key text)
RETURNS integer
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
AS $$
    SELECT CASE WHEN p_key ~ '^(0|[1-9][0-9]{0,8})$' THEN p_key::integer END
$$;

-- value[key], as JavaScript reads a property of a JSON value: object keys, array elements and
-- length, string characters and length. Undefined (SQL NULL) when there is no such property.
CREATE OR REPLACE FUNCTION hotmesh.object_property(p_value jsonb, p_key text)
RETURNS jsonb
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
AS $$
    SELECT CASE jsonb_typeof(p_value)
        WHEN 'object' THEN p_value -> p_key
        WHEN 'array' THEN
            CASE WHEN p_key = 'length' THEN to_jsonb(jsonb_array_length(p_value))
                 ELSE p_value -> hotmesh.object_array_index(p_key) END
        WHEN 'string' THEN
            CASE WHEN p_key = 'length' THEN to_jsonb(length(p_value #>> '{}'))
                 WHEN hotmesh.object_array_index(p_key) < length(p_value #>> '{}')
                     THEN to_jsonb(substr(p_value #>> '{}',
                                          hotmesh.object_array_index(p_key) + 1, 1))
            END
    END
$$;

-- Whether value has the own property key (object keys, array indexes and length, string
-- indexes and length).
CREATE OR REPLACE FUNCTION hotmesh.object_has_own(p_value jsonb, p_key text)
RETURNS boolean
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
AS $$
    SELECT CASE jsonb_typeof(p_value)
        WHEN 'object' THEN p_value ? p_key
        WHEN 'array' THEN p_key = 'length'
                          OR hotmesh.object_array_index(p_key) < jsonb_array_length(p_value)
        WHEN 'string' THEN p_key = 'length'
                           OR hotmesh.object_array_index(p_key) < length(p_value #>> '{}')
        ELSE false
    END
$$;

-- The enumerable own keys of a value, in order: object keys, array and string indexes.
CREATE OR REPLACE FUNCTION hotmesh.object_keys(p_value jsonb)
RETURNS TABLE (key text, value jsonb, ordinal bigint)
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
AS $$
    SELECT e.key, e.value, e.ordinal
    FROM jsonb_each(CASE WHEN jsonb_typeof(p_value) = 'object' THEN p_value END)
         WITH ORDINALITY e(key, value, ordinal)
    UNION ALL
    SELECT (a.ordinal - 1)::text, a.value, a.ordinal
    FROM jsonb_array_elements(CASE WHEN jsonb_typeof(p_value) = 'array' THEN p_value END)
         WITH ORDINALITY a(value, ordinal)
    UNION ALL
    SELECT (c.ordinal - 1)::text, to_jsonb(c.value), c.ordinal
    FROM regexp_split_to_table(CASE WHEN jsonb_typeof(p_value) = 'string'
                                    AND p_value <> '""'::jsonb THEN p_value #>> '{}' END, '')
         WITH ORDINALITY c(value, ordinal)
$$;

-- target[key] = value on an object or array (other targets are the caller's concern): an
-- undefined value removes an object key; array indexes past the end pad with null, and length
-- truncates or pads; other keys of an array are not JSON and change nothing.
CREATE OR REPLACE FUNCTION hotmesh.object_set_property(p_target jsonb, p_key text,
                                                       p_value jsonb, p_function text)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_index integer := hotmesh.object_array_index(p_key);
    v_length integer;
    v_new_length double precision;
BEGIN
    IF jsonb_typeof(p_target) = 'object' THEN
        IF p_value IS NULL THEN
            RETURN p_target - p_key;
        END IF;
        RETURN p_target || jsonb_build_object(p_key, p_value);
    END IF;
    v_length := jsonb_array_length(p_target);
    IF p_key = 'length' THEN
        v_new_length := hotmesh.js_to_number(p_value);
        IF v_new_length = 'NaN'::double precision OR v_new_length <> trunc(v_new_length)
           OR v_new_length < 0 OR v_new_length > 1000000 THEN
            RAISE EXCEPTION '@object.%: invalid array length: %',
                p_function, hotmesh.js_to_string(p_value)
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        IF v_new_length <= v_length THEN
            RETURN coalesce((SELECT jsonb_agg(e.value ORDER BY e.ordinality)
                             FROM jsonb_array_elements(p_target) WITH ORDINALITY e
                             WHERE e.ordinality <= v_new_length),
                            '[]'::jsonb);
        END IF;
        RETURN p_target || (SELECT jsonb_agg('null'::jsonb)
                            FROM generate_series(v_length + 1, v_new_length::integer));
    ELSIF v_index IS NULL THEN
        RETURN p_target;
    ELSIF v_index < v_length THEN
        RETURN jsonb_set(p_target, ARRAY[p_key], coalesce(p_value, 'null'::jsonb));
    ELSIF v_index > 1000000 THEN
        RAISE EXCEPTION '@object.%: array index % is too large (at most 1000000)',
            p_function, v_index
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN p_target
        || coalesce((SELECT jsonb_agg('null'::jsonb)
                     FROM generate_series(v_length + 1, v_index)), '[]'::jsonb)
        || jsonb_build_array(coalesce(p_value, 'null'::jsonb));
END
$$;

-- ToObject's TypeError for undefined and null.
CREATE OR REPLACE FUNCTION hotmesh.object_expect_coercible(p_value jsonb, p_function text)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    IF p_value IS NULL OR p_value = 'null'::jsonb THEN
        RAISE EXCEPTION '@object.%: cannot convert % to object',
            p_function, coalesce(jsonb_typeof(p_value), 'undefined')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN p_value;
END
$$;

-- obj?.[prop]
CREATE OR REPLACE FUNCTION hotmesh.fn_object_get(p_obj jsonb, p_prop jsonb DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN hotmesh.object_property(p_obj, hotmesh.js_to_string(p_prop));
END
$$;

-- obj[prop] = value, returning obj; a falsy obj starts as {}. Primitives cannot take
-- properties (a TypeError in strict-mode JavaScript).
CREATE OR REPLACE FUNCTION hotmesh.fn_object_set(p_obj jsonb, p_prop jsonb DEFAULT NULL,
                                                 p_value jsonb DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_target jsonb := CASE WHEN hotmesh.js_truthy(p_obj) THEN p_obj ELSE '{}'::jsonb END;
BEGIN
    IF jsonb_typeof(v_target) NOT IN ('object', 'array') THEN
        RAISE EXCEPTION '@object.set: cannot create property ''%'' on % %',
            hotmesh.js_to_string(p_prop), jsonb_typeof(v_target), hotmesh.js_to_string(v_target)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN hotmesh.object_set_property(v_target, hotmesh.js_to_string(p_prop), p_value, 'set');
END
$$;

-- { [k1]: v1, [k2]: v2, ... } from alternating keys and values; a later key wins.
CREATE OR REPLACE FUNCTION hotmesh.fn_object_create(VARIADIC p_args jsonb[] DEFAULT '{}')
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_result jsonb := '{}';
BEGIN
    FOR i IN 1 .. coalesce(cardinality(p_args), 0) BY 2 LOOP
        v_result := hotmesh.object_set_property(v_result, hotmesh.js_to_string(p_args[i]),
                                                p_args[i + 1], 'create');
    END LOOP;
    RETURN v_result;
END
$$;

-- Object.keys: [] for a falsy value.
CREATE OR REPLACE FUNCTION hotmesh.fn_object_keys(p_obj jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN coalesce((SELECT jsonb_agg(k.key ORDER BY k.ordinal) FROM hotmesh.object_keys(p_obj) k),
                    '[]'::jsonb);
END
$$;

-- Object.values: [] for a falsy value.
CREATE OR REPLACE FUNCTION hotmesh.fn_object_values(p_obj jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN coalesce((SELECT jsonb_agg(k.value ORDER BY k.ordinal)
                     FROM hotmesh.object_keys(p_obj) k),
                    '[]'::jsonb);
END
$$;

-- Object.entries: [[key, value], ...]; [] for a falsy value.
CREATE OR REPLACE FUNCTION hotmesh.fn_object_entries(p_obj jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN coalesce((SELECT jsonb_agg(jsonb_build_array(k.key, k.value) ORDER BY k.ordinal)
                     FROM hotmesh.object_keys(p_obj) k),
                    '[]'::jsonb);
END
$$;

-- Object.fromEntries: an object from an array of [key, value] entries (an entry may also be an
-- object with keys "0" and "1").
CREATE OR REPLACE FUNCTION hotmesh.fn_object_fromentries(p_iterable jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_entry jsonb;
    v_result jsonb := '{}';
BEGIN
    IF jsonb_typeof(p_iterable) = 'string' AND p_iterable = '""'::jsonb THEN
        RETURN v_result;
    ELSIF jsonb_typeof(p_iterable) IS DISTINCT FROM 'array'
          AND jsonb_typeof(p_iterable) IS DISTINCT FROM 'string' THEN
        RAISE EXCEPTION '@object.fromEntries: % is not iterable',
            hotmesh.object_type_name(p_iterable)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOR v_entry IN
        SELECT k.value FROM hotmesh.object_keys(p_iterable) k ORDER BY k.ordinal
    LOOP
        IF jsonb_typeof(v_entry) NOT IN ('array', 'object') THEN
            RAISE EXCEPTION '@object.fromEntries: iterator value % is not an entry object',
                hotmesh.js_to_string(v_entry)
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        v_result := hotmesh.object_set_property(
            v_result, hotmesh.js_to_string(hotmesh.object_property(v_entry, '0')),
            hotmesh.object_property(v_entry, '1'), 'fromEntries');
    END LOOP;
    RETURN v_result;
END
$$;

-- Object.assign(target || {}, ...sources): the target with every source's own enumerable
-- properties copied over, left to right (null and undefined sources are skipped). A primitive
-- target is returned unchanged (JavaScript would box it).
CREATE OR REPLACE FUNCTION hotmesh.fn_object_assign(p_target jsonb,
                                                    VARIADIC p_sources jsonb[] DEFAULT '{}')
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_result jsonb := CASE WHEN hotmesh.js_truthy(p_target) THEN p_target ELSE '{}'::jsonb END;
    v_property record;
BEGIN
    IF jsonb_typeof(v_result) NOT IN ('object', 'array') THEN
        RETURN v_result;
    END IF;
    FOR v_property IN
        SELECT k.key, k.value
        FROM unnest(p_sources) WITH ORDINALITY s(source, ordinality),
             LATERAL hotmesh.object_keys(s.source) k
        ORDER BY s.ordinality, k.ordinal
    LOOP
        v_result := hotmesh.object_set_property(v_result, v_property.key, v_property.value,
                                                'assign');
    END LOOP;
    RETURN v_result;
END
$$;

-- Object.getOwnPropertyNames(obj || {}): the keys, with length for arrays and strings.
CREATE OR REPLACE FUNCTION hotmesh.fn_object_getownpropertynames(p_obj jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN hotmesh.fn_object_keys(p_obj)
        || CASE WHEN jsonb_typeof(p_obj) = 'array' OR hotmesh.js_truthy(p_obj)
                     AND jsonb_typeof(p_obj) = 'string' THEN '["length"]'::jsonb
                ELSE '[]'::jsonb END;
END
$$;

-- Object.getOwnPropertySymbols: JSON has no symbols.
CREATE OR REPLACE FUNCTION hotmesh.fn_object_getownpropertysymbols(p_obj jsonb)
RETURNS jsonb
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
AS $$
    SELECT '[]'::jsonb
$$;

-- Object.getOwnPropertyDescriptor(obj || {}, prop): {value, writable, enumerable,
-- configurable} as JavaScript reports them for a JSON value; undefined for a missing property.
CREATE OR REPLACE FUNCTION hotmesh.fn_object_getownpropertydescriptor(p_obj jsonb,
                                                                      p_prop jsonb DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_key text := hotmesh.js_to_string(p_prop);
    v_type text := jsonb_typeof(p_obj);
BEGIN
    -- obj || {}: a falsy value has no properties
    IF NOT hotmesh.js_truthy(p_obj) OR NOT hotmesh.object_has_own(p_obj, v_key) THEN
        RETURN NULL;
    END IF;
    -- string characters are read-only; length is neither enumerable nor configurable
    RETURN jsonb_build_object(
        'value', hotmesh.object_property(p_obj, v_key),
        'writable', NOT (v_type = 'string'),
        'enumerable', NOT (v_key = 'length' AND v_type IN ('array', 'string')),
        'configurable', v_type = 'object' OR v_type = 'array' AND v_key <> 'length');
END
$$;

-- defineProperty for defineProperty and defineProperties: descriptor.value is set; a new
-- property is kept only when the descriptor makes it enumerable (JSON drops the others), and
-- enumerable: false hides an existing object key. Accessors cannot be JSON and raise.
CREATE OR REPLACE FUNCTION hotmesh.object_define_property(p_obj jsonb, p_key text,
                                                          p_descriptor jsonb, p_function text)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    -- an array is a valid descriptor, but one without any descriptor field
    v_descriptor jsonb := CASE WHEN jsonb_typeof(p_descriptor) = 'object' THEN p_descriptor
                               ELSE '{}'::jsonb END;
BEGIN
    IF jsonb_typeof(p_descriptor) IS DISTINCT FROM 'object'
       AND jsonb_typeof(p_descriptor) IS DISTINCT FROM 'array' THEN
        RAISE EXCEPTION '@object.%: property description must be an object: %',
            p_function, hotmesh.js_to_string(p_descriptor)
            USING ERRCODE = 'invalid_parameter_value';
    ELSIF v_descriptor ? 'get' OR v_descriptor ? 'set' THEN
        RAISE EXCEPTION '@object.%: accessors (get, set) are functions and cannot be defined '
                        'on a JSON value (property ''%'')', p_function, p_key
            USING ERRCODE = 'invalid_parameter_value';
    ELSIF jsonb_typeof(p_obj) = 'object' AND v_descriptor ? 'enumerable'
          AND NOT hotmesh.js_truthy(v_descriptor -> 'enumerable') THEN
        RETURN p_obj - p_key;
    ELSIF v_descriptor ? 'value' AND (hotmesh.object_has_own(p_obj, p_key)
                                      OR hotmesh.js_truthy(v_descriptor -> 'enumerable')) THEN
        RETURN hotmesh.object_set_property(p_obj, p_key, v_descriptor -> 'value', p_function);
    END IF;
    -- a new non-enumerable property, or one without a value (undefined), is not JSON
    RETURN p_obj;
END
$$;

-- Object.defineProperty(obj, prop, descriptor); obj must be an object or array.
CREATE OR REPLACE FUNCTION hotmesh.fn_object_defineproperty(p_obj jsonb,
                                                            p_prop jsonb DEFAULT NULL,
                                                            p_descriptor jsonb DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    IF jsonb_typeof(p_obj) IS DISTINCT FROM 'object'
       AND jsonb_typeof(p_obj) IS DISTINCT FROM 'array' THEN
        RAISE EXCEPTION '@object.defineProperty: called on non-object (%)',
            hotmesh.object_type_name(p_obj)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN hotmesh.object_define_property(p_obj, hotmesh.js_to_string(p_prop), p_descriptor,
                                          'defineProperty');
END
$$;

-- Object.defineProperties(obj, props): defineProperty for every key of props.
CREATE OR REPLACE FUNCTION hotmesh.fn_object_defineproperties(p_obj jsonb,
                                                              p_props jsonb DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_result jsonb := p_obj;
    v_property record;
BEGIN
    IF jsonb_typeof(p_obj) IS DISTINCT FROM 'object'
       AND jsonb_typeof(p_obj) IS DISTINCT FROM 'array' THEN
        RAISE EXCEPTION '@object.defineProperties: called on non-object (%)',
            hotmesh.object_type_name(p_obj)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM hotmesh.object_expect_coercible(p_props, 'defineProperties');
    FOR v_property IN
        SELECT k.key, k.value FROM hotmesh.object_keys(p_props) k ORDER BY k.ordinal
    LOOP
        v_result := hotmesh.object_define_property(v_result, v_property.key, v_property.value,
                                                   'defineProperties');
    END LOOP;
    RETURN v_result;
END
$$;

-- Object.freeze: nothing to freeze in an immutable value; the argument itself.
CREATE OR REPLACE FUNCTION hotmesh.fn_object_freeze(p_obj jsonb)
RETURNS jsonb
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
AS $$
    SELECT p_obj
$$;

-- Object.isFrozen: true for primitives (as in JavaScript), false for objects and arrays.
CREATE OR REPLACE FUNCTION hotmesh.fn_object_isfrozen(p_obj jsonb)
RETURNS jsonb
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
AS $$
    SELECT to_jsonb(coalesce(jsonb_typeof(p_obj), '') NOT IN ('object', 'array'))
$$;

-- Object.seal: the argument itself.
CREATE OR REPLACE FUNCTION hotmesh.fn_object_seal(p_obj jsonb)
RETURNS jsonb
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
AS $$
    SELECT p_obj
$$;

-- Object.isSealed: true for primitives, false for objects and arrays.
CREATE OR REPLACE FUNCTION hotmesh.fn_object_issealed(p_obj jsonb)
RETURNS jsonb
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
AS $$
    SELECT to_jsonb(coalesce(jsonb_typeof(p_obj), '') NOT IN ('object', 'array'))
$$;

-- Object.preventExtensions: the argument itself.
CREATE OR REPLACE FUNCTION hotmesh.fn_object_preventextensions(p_obj jsonb)
RETURNS jsonb
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
AS $$
    SELECT p_obj
$$;

-- Object.isExtensible: false for primitives, true for objects and arrays.
CREATE OR REPLACE FUNCTION hotmesh.fn_object_isextensible(p_obj jsonb)
RETURNS jsonb
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
AS $$
    SELECT to_jsonb(coalesce(jsonb_typeof(p_obj), '') IN ('object', 'array'))
$$;

-- Object.prototype.hasOwnProperty.call(obj, prop)
CREATE OR REPLACE FUNCTION hotmesh.fn_object_hasownproperty(p_obj jsonb,
                                                            p_prop jsonb DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN to_jsonb(hotmesh.object_has_own(
        hotmesh.object_expect_coercible(p_obj, 'hasOwnProperty'), hotmesh.js_to_string(p_prop)));
END
$$;

-- Object.prototype.isPrototypeOf.call(obj, prototypeObj): whether obj is on prototypeObj's
-- prototype chain. JSON values inherit only from Object.prototype and Array.prototype, which
-- are never JSON values themselves, so the answer is false (after JavaScript's own checks).
CREATE OR REPLACE FUNCTION hotmesh.fn_object_isprototypeof(p_obj jsonb,
                                                           p_prototype_obj jsonb DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    IF jsonb_typeof(p_prototype_obj) IN ('object', 'array') THEN
        PERFORM hotmesh.object_expect_coercible(p_obj, 'isPrototypeOf');
    END IF;
    RETURN 'false'::jsonb;
END
$$;

-- Object.prototype.propertyIsEnumerable.call(obj, prop): own and enumerable (the length of an
-- array or string is not).
CREATE OR REPLACE FUNCTION hotmesh.fn_object_propertyisenumerable(p_obj jsonb,
                                                                  p_prop jsonb DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_key text := hotmesh.js_to_string(p_prop);
BEGIN
    PERFORM hotmesh.object_expect_coercible(p_obj, 'propertyIsEnumerable');
    RETURN to_jsonb(hotmesh.object_has_own(p_obj, v_key)
                    AND NOT (v_key = 'length' AND jsonb_typeof(p_obj) IN ('array', 'string')));
END
$$;
