-- @json: the @pipe JSON functions (hotmesh.fn_json_*), JSON.stringify and JSON.parse over jsonb.
--
-- A replacer or reviver function cannot be JSON: stringify honours only a replacer that is an
-- array of keys (the allow-list of object keys, in its order) and ignores any other replacer;
-- parse ignores the reviver. Object keys come in jsonb's order (shorter keys first), not in
-- insertion order. The strings "NaN", "Infinity" and "-Infinity" stay strings (JavaScript's
-- JSON.stringify would write the non-finite numbers they stand for as null).

-- JSON text of a value as JSON.stringify writes it: numbers as JavaScript prints them, keys
-- limited to p_keys (when not NULL), and with p_gap non-empty one member per line, indented by
-- p_indent plus p_gap per level.
CREATE OR REPLACE FUNCTION hotmesh.json_serialize(p_value jsonb, p_keys text[], p_gap text,
                                                  p_indent text)
RETURNS text
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_inner text := p_indent || p_gap;
    v_separator text := CASE WHEN p_gap = '' THEN ',' ELSE E',\n' || v_inner END;
    v_members text;
    v_number double precision;
BEGIN
    CASE jsonb_typeof(p_value)
        WHEN 'object' THEN
            IF p_keys IS NULL THEN
                SELECT string_agg(to_json(e.key)::text
                                  || CASE WHEN p_gap = '' THEN ':' ELSE ': ' END
                                  || hotmesh.json_serialize(e.value, p_keys, p_gap, v_inner),
                                  v_separator ORDER BY e.ordinality)
                INTO v_members
                FROM jsonb_each(p_value) WITH ORDINALITY e(key, value, ordinality);
            ELSE
                SELECT string_agg(to_json(k.key)::text
                                  || CASE WHEN p_gap = '' THEN ':' ELSE ': ' END
                                  || hotmesh.json_serialize(p_value -> k.key, p_keys, p_gap,
                                                            v_inner),
                                  v_separator ORDER BY k.ordinality)
                INTO v_members
                FROM unnest(p_keys) WITH ORDINALITY k(key, ordinality)
                WHERE p_value ? k.key;
            END IF;
            IF v_members IS NULL THEN
                RETURN '{}';
            ELSIF p_gap = '' THEN
                RETURN '{' || v_members || '}';
            END IF;
            RETURN E'{\n' || v_inner || v_members || E'\n' || p_indent || '}';
        WHEN 'array' THEN
            SELECT string_agg(hotmesh.json_serialize(e.value, p_keys, p_gap, v_inner),
                              v_separator ORDER BY e.ordinality)
            INTO v_members
            FROM jsonb_array_elements(p_value) WITH ORDINALITY e(value, ordinality);
            IF v_members IS NULL THEN
                RETURN '[]';
            ELSIF p_gap = '' THEN
                RETURN '[' || v_members || ']';
            END IF;
            RETURN E'[\n' || v_inner || v_members || E'\n' || p_indent || ']';
        WHEN 'number' THEN
            v_number := hotmesh.js_to_number(p_value);
            -- a jsonb number too large for a double is Infinity, which JSON writes as null
            IF v_number IN ('Infinity'::double precision, '-Infinity'::double precision) THEN
                RETURN 'null';
            END IF;
            RETURN hotmesh.js_number_to_string(v_number);
        ELSE
            -- strings are escaped as JSON.stringify escapes them; null, true and false as is
            RETURN p_value::text;
    END CASE;
END
$$;

-- JSON.stringify(value, replacer, space): compact JSON text, or indented by space (a number of
-- spaces up to 10, or a string of which the first 10 characters are used). Undefined for
-- undefined.
CREATE OR REPLACE FUNCTION hotmesh.fn_json_stringify(p_value jsonb, p_replacer jsonb DEFAULT NULL,
                                                     p_space jsonb DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_keys text[];
    v_gap text := '';
BEGIN
    IF p_value IS NULL THEN
        RETURN NULL;
    END IF;
    IF jsonb_typeof(p_replacer) = 'array' THEN
        -- the property list: string and number elements, first occurrence wins
        v_keys := ARRAY(
            SELECT k.key
            FROM (SELECT hotmesh.js_to_string(e.value) AS key, min(e.ordinality) AS ordinality
                  FROM jsonb_array_elements(p_replacer) WITH ORDINALITY e
                  WHERE jsonb_typeof(e.value) IN ('string', 'number')
                  GROUP BY 1) k
            ORDER BY k.ordinality);
    END IF;
    IF jsonb_typeof(p_space) = 'number'
       OR p_space IN ('"NaN"'::jsonb, '"Infinity"'::jsonb, '"-Infinity"'::jsonb) THEN
        v_gap := repeat(' ', greatest(least(hotmesh.array_to_integer(p_space), 10), 0)::integer);
    ELSIF jsonb_typeof(p_space) = 'string' THEN
        v_gap := left(p_space #>> '{}', 10);
    END IF;
    RETURN to_jsonb(hotmesh.json_serialize(p_value, v_keys, v_gap, ''));
END
$$;

-- JSON.parse(text): the value the JSON text (text converted to a string first) describes.
CREATE OR REPLACE FUNCTION hotmesh.fn_json_parse(p_text jsonb, p_reviver jsonb DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_detail text;
BEGIN
    RETURN hotmesh.js_to_string(p_text)::jsonb;
EXCEPTION
    WHEN invalid_text_representation OR untranslatable_character THEN
        GET STACKED DIAGNOSTICS v_detail = PG_EXCEPTION_DETAIL;
        RAISE EXCEPTION '@json.parse: invalid JSON: %', coalesce(nullif(v_detail, ''), SQLERRM)
            USING ERRCODE = 'invalid_parameter_value';
END
$$;
