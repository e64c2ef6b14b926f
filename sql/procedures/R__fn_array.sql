-- @array: the @pipe array functions (hotmesh.fn_array_*), JavaScript's Array methods over jsonb.
--
-- Values are immutable here, so the "mutating" methods return what JavaScript returns and
-- nothing else: push the new array, pop and shift the removed element, splice the removed
-- elements, unshift the new length. JavaScript's undefined inside an array becomes null, as
-- JSON.stringify writes it. Like JavaScript, get, length, concat, indexOf, lastIndexOf and slice
-- also work on strings (by character); the other functions raise for anything but an array.
-- Where HotMesh passes an argument JavaScript would treat as present but undefined, an omitted
-- (SQL NULL) lastIndexOf fromIndex or splice deleteCount means "absent", as the catalog reads.
-- The functions that call hotmesh.js_* helpers are PL/pgSQL: R__js_core.sql is applied after
-- this file, and only PL/pgSQL bodies may name functions that do not exist yet.

-- The array itself; raises the JavaScript TypeError for anything else.
CREATE OR REPLACE FUNCTION hotmesh.array_expect(p_value jsonb, p_function text)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    IF jsonb_typeof(p_value) = 'array' THEN
        RETURN p_value;
    END IF;
    RAISE EXCEPTION '@array.%: expected an array, got %',
        p_function, coalesce(jsonb_typeof(p_value), 'undefined')
        USING ERRCODE = 'invalid_parameter_value';
END
$$;

-- ToIntegerOrInfinity: NaN (and undefined) is 0, everything else truncates toward zero.
CREATE OR REPLACE FUNCTION hotmesh.array_to_integer(p_value jsonb)
RETURNS double precision
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_number double precision := hotmesh.js_to_number(p_value);
BEGIN
    IF v_number = 'NaN'::double precision THEN
        RETURN 0;
    END IF;
    RETURN trunc(v_number);
END
$$;

-- A relative index as slice and splice read it: negative counts from the end, clamped to
-- 0 .. length; undefined gives p_default.
CREATE OR REPLACE FUNCTION hotmesh.array_relative_index(p_index jsonb, p_length integer,
                                                        p_default integer)
RETURNS integer
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_index double precision;
BEGIN
    IF p_index IS NULL THEN
        RETURN p_default;
    END IF;
    v_index := hotmesh.array_to_integer(p_index);
    IF v_index < 0 THEN
        RETURN greatest(p_length + v_index, 0)::integer;
    END IF;
    RETURN least(v_index, p_length)::integer;
END
$$;

-- JavaScript's localeCompare with the default (root) locale: the ICU root collation when the
-- server has ICU, otherwise case-insensitive code point order with lower case first.
DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_catalog.pg_collation WHERE collname = 'und-x-icu') THEN
        EXECUTE $sql$
            CREATE OR REPLACE FUNCTION hotmesh.array_locale_compare(p_left text, p_right text)
            RETURNS integer
            LANGUAGE sql
            IMMUTABLE
            PARALLEL SAFE
            AS $body$
                SELECT CASE
                    WHEN p_left COLLATE "und-x-icu" < p_right COLLATE "und-x-icu" THEN -1
                    WHEN p_left COLLATE "und-x-icu" > p_right COLLATE "und-x-icu" THEN 1
                    ELSE 0
                END
            $body$
        $sql$;
    ELSE
        EXECUTE $sql$
            CREATE OR REPLACE FUNCTION hotmesh.array_locale_compare(p_left text, p_right text)
            RETURNS integer
            LANGUAGE sql
            IMMUTABLE
            PARALLEL SAFE
            AS $body$
                SELECT CASE
                    WHEN lower(p_left) COLLATE "C" < lower(p_right) COLLATE "C" THEN -1
                    WHEN lower(p_left) COLLATE "C" > lower(p_right) COLLATE "C" THEN 1
                    WHEN p_left COLLATE "C" > p_right COLLATE "C" THEN -1
                    WHEN p_left COLLATE "C" < p_right COLLATE "C" THEN 1
                    ELSE 0
                END
            $body$
        $sql$;
    END IF;
END
$$;

-- HotMesh's sort comparator: equal values 0, null and undefined first (ascending) or last
-- (descending), two strings by localeCompare, anything else by < (or >), compared as
-- @conditional compares (hotmesh.conditional_compare, R__fn_conditional.sql).
CREATE OR REPLACE FUNCTION hotmesh.array_sort_compare(p_left jsonb, p_right jsonb,
                                                      p_ascending boolean)
RETURNS integer
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_first integer := CASE WHEN p_ascending THEN -1 ELSE 1 END;
BEGIN
    IF hotmesh.js_strict_equals(p_left, p_right) THEN
        RETURN 0;
    ELSIF p_left IS NULL OR p_left = 'null'::jsonb THEN
        RETURN v_first;
    ELSIF p_right IS NULL OR p_right = 'null'::jsonb THEN
        RETURN -v_first;
    ELSIF jsonb_typeof(p_left) = 'string' AND jsonb_typeof(p_right) = 'string' THEN
        IF p_ascending THEN
            RETURN hotmesh.array_locale_compare(p_left #>> '{}', p_right #>> '{}');
        END IF;
        RETURN hotmesh.array_locale_compare(p_right #>> '{}', p_left #>> '{}');
    ELSIF p_ascending THEN
        RETURN CASE WHEN hotmesh.conditional_compare(p_left, p_right) = -1 THEN -1 ELSE 1 END;
    END IF;
    RETURN CASE WHEN hotmesh.conditional_compare(p_left, p_right) = 1 THEN -1 ELSE 1 END;
END
$$;

-- array?.[index || 0]: the element (or character, or property of an object); undefined when
-- there is none.
CREATE OR REPLACE FUNCTION hotmesh.fn_array_get(p_array jsonb, p_index jsonb DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN hotmesh.object_property(
        p_array,
        CASE WHEN hotmesh.js_truthy(p_index) THEN hotmesh.js_to_string(p_index) ELSE '0' END);
END
$$;

-- array?.length: of an array or a string; undefined for null and undefined.
CREATE OR REPLACE FUNCTION hotmesh.fn_array_length(p_array jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN hotmesh.object_property(p_array, 'length');
END
$$;

-- array1.concat(array2): an array argument is spread, anything else (undefined too) appended;
-- on a string, string concatenation.
CREATE OR REPLACE FUNCTION hotmesh.fn_array_concat(p_array1 jsonb, p_array2 jsonb DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    IF jsonb_typeof(p_array1) = 'string' THEN
        RETURN to_jsonb((p_array1 #>> '{}') || hotmesh.js_to_string(p_array2));
    ELSIF jsonb_typeof(p_array2) = 'array' THEN
        RETURN hotmesh.array_expect(p_array1, 'concat') || p_array2;
    END IF;
    RETURN hotmesh.array_expect(p_array1, 'concat')
        || jsonb_build_array(coalesce(p_array2, 'null'::jsonb));
END
$$;

-- array.indexOf(searchElement, fromIndex): the first strictly equal element at or after
-- fromIndex (negative counts from the end), or -1; on a string, the substring's position.
CREATE OR REPLACE FUNCTION hotmesh.fn_array_indexof(p_array jsonb, p_search jsonb,
                                                    p_from jsonb DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_text text;
    v_search text;
    v_from integer;
    v_found integer;
BEGIN
    IF jsonb_typeof(p_array) = 'string' THEN
        v_text := p_array #>> '{}';
        v_search := hotmesh.js_to_string(p_search);
        v_from := least(greatest(hotmesh.array_to_integer(p_from), 0), length(v_text))::integer;
        v_found := strpos(substr(v_text, v_from + 1), v_search);
        RETURN to_jsonb(CASE WHEN v_found = 0 THEN -1 ELSE v_from + v_found - 1 END);
    END IF;
    v_from := hotmesh.array_relative_index(
        p_from, jsonb_array_length(hotmesh.array_expect(p_array, 'indexOf')), 0);
    RETURN to_jsonb(coalesce(
        (SELECT min(e.ordinality) - 1
         FROM jsonb_array_elements(p_array) WITH ORDINALITY e
         WHERE e.ordinality > v_from AND hotmesh.js_strict_equals(e.value, p_search)),
        -1));
END
$$;

-- array.join(separator): elements as strings (null and undefined as ''), separated by ','
-- when no separator is given.
CREATE OR REPLACE FUNCTION hotmesh.fn_array_join(p_array jsonb, p_separator jsonb DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_separator text := CASE WHEN p_separator IS NULL THEN ','
                             ELSE hotmesh.js_to_string(p_separator) END;
BEGIN
    RETURN to_jsonb(coalesce(
        (SELECT string_agg(CASE WHEN e.value = 'null'::jsonb THEN ''
                                ELSE hotmesh.js_to_string(e.value) END,
                           v_separator ORDER BY e.ordinality)
         FROM jsonb_array_elements(hotmesh.array_expect(p_array, 'join')) WITH ORDINALITY e),
        ''));
END
$$;

-- array.lastIndexOf(searchElement, fromIndex): the last strictly equal element at or before
-- fromIndex (the last element when it is undefined), or -1; on a string, the substring's
-- last position.
CREATE OR REPLACE FUNCTION hotmesh.fn_array_lastindexof(p_array jsonb, p_search jsonb,
                                                        p_from jsonb DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_length integer;
    v_from double precision;
    v_text text;
    v_search text;
BEGIN
    IF jsonb_typeof(p_array) = 'string' THEN
        v_text := p_array #>> '{}';
        v_search := hotmesh.js_to_string(p_search);
        v_length := length(v_text);
        -- String.prototype.lastIndexOf reads NaN (and undefined) as +Infinity
        v_from := hotmesh.js_to_number(p_from);
        v_from := CASE WHEN v_from = 'NaN'::double precision THEN v_length
                       ELSE least(greatest(trunc(v_from), 0), v_length) END;
        FOR i IN REVERSE least(v_from::integer, v_length - length(v_search)) .. 0 LOOP
            IF substr(v_text, i + 1, length(v_search)) = v_search THEN
                RETURN to_jsonb(i);
            END IF;
        END LOOP;
        RETURN '-1'::jsonb;
    END IF;
    v_length := jsonb_array_length(hotmesh.array_expect(p_array, 'lastIndexOf'));
    IF p_from IS NULL THEN
        v_from := v_length - 1;
    ELSE
        v_from := hotmesh.array_to_integer(p_from);
        v_from := CASE WHEN v_from < 0 THEN v_length + v_from ELSE least(v_from, v_length - 1) END;
    END IF;
    RETURN to_jsonb(coalesce(
        (SELECT max(e.ordinality) - 1
         FROM jsonb_array_elements(p_array) WITH ORDINALITY e
         WHERE e.ordinality - 1 <= v_from AND hotmesh.js_strict_equals(e.value, p_search)),
        -1));
END
$$;

-- array.pop(): the last element (undefined for an empty array).
CREATE OR REPLACE FUNCTION hotmesh.fn_array_pop(p_array jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN hotmesh.array_expect(p_array, 'pop') -> -1;
END
$$;

-- array.push(...items): the array with the items appended.
CREATE OR REPLACE FUNCTION hotmesh.fn_array_push(p_array jsonb,
                                                 VARIADIC p_items jsonb[] DEFAULT '{}')
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN hotmesh.array_expect(p_array, 'push')
        || coalesce((SELECT jsonb_agg(coalesce(i.item, 'null'::jsonb) ORDER BY i.ordinality)
                     FROM unnest(p_items) WITH ORDINALITY i(item, ordinality)),
                    '[]'::jsonb);
END
$$;

-- array.reverse()
CREATE OR REPLACE FUNCTION hotmesh.fn_array_reverse(p_array jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN coalesce(
        (SELECT jsonb_agg(e.value ORDER BY e.ordinality DESC)
         FROM jsonb_array_elements(hotmesh.array_expect(p_array, 'reverse')) WITH ORDINALITY e),
        '[]'::jsonb);
END
$$;

-- array.shift(): the first element (undefined for an empty array).
CREATE OR REPLACE FUNCTION hotmesh.fn_array_shift(p_array jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN hotmesh.array_expect(p_array, 'shift') -> 0;
END
$$;

-- array.slice(start, end): the elements (or characters) from start up to but not including
-- end; negative positions count from the end.
CREATE OR REPLACE FUNCTION hotmesh.fn_array_slice(p_array jsonb, p_start jsonb DEFAULT NULL,
                                                  p_end jsonb DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_length integer;
    v_start integer;
    v_end integer;
BEGIN
    IF jsonb_typeof(p_array) = 'string' THEN
        v_length := length(p_array #>> '{}');
    ELSE
        v_length := jsonb_array_length(hotmesh.array_expect(p_array, 'slice'));
    END IF;
    v_start := hotmesh.array_relative_index(p_start, v_length, 0);
    v_end := hotmesh.array_relative_index(p_end, v_length, v_length);
    IF jsonb_typeof(p_array) = 'string' THEN
        RETURN to_jsonb(substr(p_array #>> '{}', v_start + 1, greatest(v_end - v_start, 0)));
    END IF;
    RETURN coalesce(
        (SELECT jsonb_agg(e.value ORDER BY e.ordinality)
         FROM jsonb_array_elements(p_array) WITH ORDINALITY e
         WHERE e.ordinality > v_start AND e.ordinality <= v_end),
        '[]'::jsonb);
END
$$;

-- array.sort with HotMesh's comparator; order is 'ASCENDING' (the default, also for undefined)
-- or anything else for descending. The comparator is not a total order on mixed types, so in
-- general this is a stable merge sort calling it, as JavaScript's sort is stable; an array of
-- only numbers (or only strings, with ICU) and nulls sorts in one ORDER BY, to the same result.
CREATE OR REPLACE FUNCTION hotmesh.fn_array_sort(p_array jsonb, p_order jsonb DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_ascending boolean := p_order IS NULL OR p_order = '"ASCENDING"'::jsonb;
    v_types text[];
    v_items jsonb[];
    v_merged jsonb[];
    v_count integer;
    v_width integer := 1;
    v_left integer;
    v_middle integer;
    v_right integer;
    v_i integer;
    v_j integer;
BEGIN
    v_types := ARRAY(SELECT DISTINCT jsonb_typeof(e.value)
                     FROM jsonb_array_elements(hotmesh.array_expect(p_array, 'sort')) e
                     WHERE e.value <> 'null'::jsonb);
    IF v_types <@ ARRAY['number'] THEN
        RETURN coalesce(
            (SELECT jsonb_agg(e.value ORDER BY
                                  (e.value = 'null'::jsonb) = v_ascending DESC,
                                  CASE WHEN v_ascending THEN hotmesh.js_to_number(e.value) END,
                                  CASE WHEN NOT v_ascending
                                       THEN hotmesh.js_to_number(e.value) END DESC,
                                  e.ordinality)
             FROM jsonb_array_elements(p_array) WITH ORDINALITY e),
            '[]'::jsonb);
    ELSIF v_types = ARRAY['string']
          AND EXISTS (SELECT FROM pg_catalog.pg_collation WHERE collname = 'und-x-icu') THEN
        RETURN (SELECT jsonb_agg(e.value ORDER BY
                                     (e.value = 'null'::jsonb) = v_ascending DESC,
                                     CASE WHEN v_ascending
                                          THEN (e.value #>> '{}') COLLATE "und-x-icu" END,
                                     CASE WHEN NOT v_ascending
                                          THEN (e.value #>> '{}') COLLATE "und-x-icu" END DESC,
                                     e.ordinality)
                FROM jsonb_array_elements(p_array) WITH ORDINALITY e);
    END IF;
    v_items := ARRAY(SELECT e.value
                     FROM jsonb_array_elements(p_array) WITH ORDINALITY e
                     ORDER BY e.ordinality);
    v_count := cardinality(v_items);
    WHILE v_width < v_count LOOP
        v_merged := '{}';
        v_left := 1;
        WHILE v_left <= v_count LOOP
            v_middle := least(v_left + v_width, v_count + 1);
            v_right := least(v_left + 2 * v_width, v_count + 1);
            v_i := v_left;
            v_j := v_middle;
            WHILE v_i < v_middle OR v_j < v_right LOOP
                -- take from the right run only when it sorts strictly before: stability
                IF v_j >= v_right OR v_i < v_middle
                   AND hotmesh.array_sort_compare(v_items[v_i], v_items[v_j], v_ascending) <= 0
                THEN
                    v_merged := v_merged || v_items[v_i];
                    v_i := v_i + 1;
                ELSE
                    v_merged := v_merged || v_items[v_j];
                    v_j := v_j + 1;
                END IF;
            END LOOP;
            v_left := v_right;
        END LOOP;
        v_items := v_merged;
        v_width := v_width * 2;
    END LOOP;
    RETURN to_jsonb(v_items);
END
$$;

-- array.splice(start, deleteCount, ...items): the removed elements. Without deleteCount and
-- items everything from start on is removed (as arr.splice(start) does); an undefined
-- deleteCount followed by items removes nothing (as arr.splice(start, undefined, ...items)).
CREATE OR REPLACE FUNCTION hotmesh.fn_array_splice(p_array jsonb, p_start jsonb DEFAULT NULL,
                                                   p_delete_count jsonb DEFAULT NULL,
                                                   VARIADIC p_items jsonb[] DEFAULT '{}')
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_length integer := jsonb_array_length(hotmesh.array_expect(p_array, 'splice'));
    v_start integer := hotmesh.array_relative_index(p_start, v_length, 0);
    v_count integer;
BEGIN
    IF p_delete_count IS NULL AND coalesce(cardinality(p_items), 0) = 0 THEN
        v_count := v_length - v_start;
    ELSE
        v_count := least(greatest(hotmesh.array_to_integer(p_delete_count), 0),
                         v_length - v_start)::integer;
    END IF;
    RETURN coalesce(
        (SELECT jsonb_agg(e.value ORDER BY e.ordinality)
         FROM jsonb_array_elements(p_array) WITH ORDINALITY e
         WHERE e.ordinality > v_start AND e.ordinality <= v_start + v_count),
        '[]'::jsonb);
END
$$;

-- array.unshift(...items): the new length.
CREATE OR REPLACE FUNCTION hotmesh.fn_array_unshift(p_array jsonb,
                                                    VARIADIC p_items jsonb[] DEFAULT '{}')
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN to_jsonb(jsonb_array_length(hotmesh.array_expect(p_array, 'unshift'))
                    + coalesce(cardinality(p_items), 0));
END
$$;
