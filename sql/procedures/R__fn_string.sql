-- The @string domain of the @pipe catalog: JavaScript's String methods over jsonb.
--
-- HotMesh calls the method on its first operand (`input.split(delimiter)`), so that operand
-- must be a string: undefined, null, a number or an object raises, as JavaScript throws a
-- TypeError. Arrays have slice, includes, indexOf and lastIndexOf of their own, and those four
-- functions answer for arrays as Array.prototype does. The other operands are converted as the
-- methods convert them (ToString for search strings, ToIntegerOrInfinity for positions).
-- Positions count characters (code points), where JavaScript counts UTF-16 code units; the two
-- differ only beyond the Basic Multilingual Plane (emoji).
--
-- search() compiles its pattern as `new RegExp(pattern)` would, by translating JavaScript's
-- syntax into a Postgres ARE (see pipe_string_regexp). replace() takes its pattern literally:
-- pipe values are JSON, so a RegExp object cannot reach it.
--
-- plpgsql rather than sql: this file loads before R__js_core.sql, whose helpers it uses, and
-- only plpgsql resolves them at call time.

-- The whitespace JavaScript trims: WhiteSpace (tab, vertical tab, form feed, space, no-break
-- space, the BOM and every Zs space) and LineTerminator.
CREATE OR REPLACE FUNCTION hotmesh.pipe_string_whitespace()
RETURNS text
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
AS $$
    SELECT E'\t\n\u000b\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007'
           || E'\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff'
$$;

-- The string a method is called on; anything else raises as JavaScript's TypeError would.
CREATE OR REPLACE FUNCTION hotmesh.pipe_string_subject(p_value jsonb, p_function text)
RETURNS text
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    IF jsonb_typeof(p_value) = 'string' THEN
        RETURN p_value #>> '{}';
    END IF;
    RAISE EXCEPTION '%: expected a string, got %', p_function,
        coalesce(jsonb_typeof(p_value), 'undefined')
        USING ERRCODE = 'invalid_parameter_value';
END
$$;

-- ToIntegerOrInfinity: NaN (and undefined) is 0, fractions truncate, the infinities stay.
CREATE OR REPLACE FUNCTION hotmesh.pipe_string_integer(p_value jsonb)
RETURNS double precision
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_number double precision := hotmesh.js_to_number(p_value);
BEGIN
    RETURN CASE WHEN v_number = 'NaN'::double precision THEN 0 ELSE trunc(v_number) END;
END
$$;

-- A relative index (slice, Array.prototype.*): negative counts from the end; clamped to
-- 0..length. p_default applies when the operand is undefined.
CREATE OR REPLACE FUNCTION hotmesh.pipe_string_relative(
    p_value jsonb,
    p_length integer,
    p_default integer
)
RETURNS integer
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_index double precision;
BEGIN
    IF p_value IS NULL THEN
        RETURN p_default;
    END IF;
    v_index := hotmesh.pipe_string_integer(p_value);
    IF v_index < 0 THEN
        v_index := greatest(p_length + v_index, 0);
    END IF;
    RETURN least(v_index, p_length)::integer;
END
$$;

-- SameValueZero (Array.prototype.includes): === except that NaN matches NaN.
CREATE OR REPLACE FUNCTION hotmesh.pipe_string_same_value_zero(p_left jsonb, p_right jsonb)
RETURNS boolean
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN hotmesh.js_strict_equals(p_left, p_right)
        OR (p_left = '"NaN"'::jsonb AND p_right = '"NaN"'::jsonb);
END
$$;

-- The members of JavaScript's \d, \w and \s classes, for use inside brackets. JavaScript's
-- digits and word characters are ASCII, whatever the database's locale says.
CREATE OR REPLACE FUNCTION hotmesh.pipe_string_class(p_letter text)
RETURNS text
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
AS $$
    SELECT CASE p_letter
        WHEN 'd' THEN '0-9'
        WHEN 'w' THEN 'A-Za-z0-9_'
        ELSE '\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff'
    END
$$;

-- A character escape of a JavaScript pattern as ARE writes it, read just after its backslash:
-- \n \r \t \f \v, \xHH (ARE's \x would take any number of hex digits), \uHHHH, \cX, and the
-- identity escapes (\a is the letter a, where ARE gives \a, \e, \m, \y … meanings). NUL (\0)
-- is NULL: no Postgres text contains it. p_width tells how many characters were read.
CREATE OR REPLACE FUNCTION hotmesh.pipe_string_char_escape(
    p_source text,
    p_position integer,
    OUT p_atom text,
    OUT p_width integer
)
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_char text := substr(p_source, p_position, 1);
    v_rest text := substr(p_source, p_position + 1, 4);
BEGIN
    p_width := 1;
    IF v_char IN ('n', 'r', 't', 'f', 'v') THEN
        p_atom := '\' || v_char;
    ELSIF v_char = 'x' AND left(v_rest, 2) ~ '^[0-9A-Fa-f]{2}$' THEN
        p_atom := '\u00' || left(v_rest, 2);
        p_width := 3;
    ELSIF v_char = 'u' AND v_rest ~ '^[0-9A-Fa-f]{4}$' THEN
        p_atom := '\u' || v_rest;
        p_width := 5;
    ELSIF v_char = 'c' AND left(v_rest, 1) ~ '^[A-Za-z]$' THEN
        p_atom := '\u' || lpad(to_hex(ascii(left(v_rest, 1)) % 32), 4, '0');
        p_width := 2;
    ELSIF v_char = '0' AND left(v_rest, 1) !~ '^[0-9]$' THEN
        p_atom := NULL;
    ELSIF v_char ~ '^[A-Za-z0-9]$' THEN
        p_atom := v_char;
    ELSE
        p_atom := '\' || v_char;  -- ARE reads a backslash before punctuation literally too
    END IF;
END
$$;

-- A JavaScript character class ([…] starting at p_position) as an ARE atom, and how many
-- characters it took. ARE refuses \D, \S and \W inside brackets, so a class holding them
-- becomes an alternation ([ab\S] is (?:[ab]|[^<space>])) or, negated, a lookahead test.
CREATE OR REPLACE FUNCTION hotmesh.pipe_string_class_atom(
    p_source text,
    p_position integer,
    p_function text,
    OUT p_atom text,
    OUT p_width integer
)
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_position integer := p_position + 1;
    v_negated  boolean := substr(p_source, p_position + 1, 1) = '^';
    v_members  text := '';
    v_excluded text[] := '{}';
    v_char     text;
    v_escape   record;
BEGIN
    IF v_negated THEN
        v_position := v_position + 1;
    END IF;
    LOOP
        v_char := substr(p_source, v_position, 1);
        v_position := v_position + 1;
        IF v_char = '' THEN
            RAISE EXCEPTION '%: invalid regular expression /%/: unterminated character class',
                p_function, p_source USING ERRCODE = 'invalid_parameter_value';
        ELSIF v_char = ']' THEN
            EXIT;
        ELSIF v_char = '\' AND substr(p_source, v_position, 1) IN ('D', 'S', 'W') THEN
            v_excluded := v_excluded || lower(substr(p_source, v_position, 1));
            v_position := v_position + 1;
        ELSIF v_char = '\' AND substr(p_source, v_position, 1) IN ('d', 'w', 's') THEN
            v_members := v_members || hotmesh.pipe_string_class(substr(p_source, v_position, 1));
            v_position := v_position + 1;
            -- a set cannot bound a range: Annex B reads [\d-x] as \d, '-' and 'x'
            IF substr(p_source, v_position, 1) = '-'
               AND substr(p_source, v_position + 1, 1) NOT IN ('', ']') THEN
                v_members := v_members || '\-';
                v_position := v_position + 1;
            END IF;
        ELSIF v_char = '\' AND substr(p_source, v_position, 1) = 'b' THEN
            v_members := v_members || '\b';  -- a backspace inside a class, in both flavours
            v_position := v_position + 1;
        ELSIF v_char = '\' AND substr(p_source, v_position, 1) <> '' THEN
            v_escape := hotmesh.pipe_string_char_escape(p_source, v_position);
            v_members := v_members || coalesce(v_escape.p_atom, '');
            v_position := v_position + v_escape.p_width;
        ELSIF v_char = '[' THEN
            v_members := v_members || '\[';  -- ARE would start [:alpha:] here
        ELSIF v_char = '-' AND substr(p_source, v_position, 2) ~ '^\\[dwsDWS]' THEN
            v_members := v_members || '\-';  -- [a-\d] is 'a', '-' and \d
        ELSE
            v_members := v_members || v_char;
        END IF;
    END LOOP;
    p_width := v_position - p_position;
    IF cardinality(v_excluded) = 0 THEN
        p_atom := CASE
            WHEN v_members = '' AND v_negated THEN '(?:.|\n)'  -- [^] is any character
            WHEN v_members = '' THEN '(?:(?=a)b)'             -- [] is none
            ELSE '[' || CASE WHEN v_negated THEN '^' ELSE '' END || v_members || ']'
        END;
    ELSIF NOT v_negated THEN
        -- a listed member, or a character outside one of the excluded sets
        SELECT string_agg('[^' || hotmesh.pipe_string_class(e) || ']', '|') INTO p_atom
        FROM unnest(v_excluded) e;
        p_atom := '(?:' || CASE WHEN v_members = '' THEN '' ELSE '[' || v_members || ']|' END
                  || p_atom || ')';
    ELSE
        -- no listed member, and inside every excluded set
        SELECT string_agg('(?=[' || hotmesh.pipe_string_class(e) || '])', '') INTO p_atom
        FROM unnest(v_excluded) e;
        p_atom := '(?:' || CASE WHEN v_members = '' THEN '' ELSE '(?![' || v_members || '])' END
                  || p_atom || '(?:.|\n))';
    END IF;
END
$$;

-- A JavaScript regular expression (no flags, as `new RegExp(source)` builds it) rewritten for
-- Postgres's ARE flavour:
--   .           JavaScript's dot stops at line terminators: [^\n\r\u2028\u2029]
--   \d \w \s    JavaScript's own sets (ASCII digits and word characters; its whitespace)
--   \b \B       word boundaries by lookaround on [A-Za-z0-9_] (ARE's \b is a backspace)
--   […]         see pipe_string_class_atom; [^] is any character and [] none
--   (?<name>    a plain group; \k<name> a back reference to its number
--   { and }     literal unless they form a quantifier ({2}, {2,}, {2,5}), as in JavaScript
--   escapes     see pipe_string_char_escape
-- Lookahead, lookbehind, lazy quantifiers, \uHHHH and back references carry over. Not
-- supported (they raise with p_function's name): a back reference before its group or to a
-- group that does not exist, and repetition counts above 255 (ARE's limit).
CREATE OR REPLACE FUNCTION hotmesh.pipe_string_regexp(p_source text, p_function text)
RETURNS text
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    c_word     constant text := '[A-Za-z0-9_]';
    v_position integer := 1;
    v_char     text;
    v_next     text;
    v_out      text := '';
    v_groups   text[] := '{}';  -- capturing groups in order, NULL for unnamed ones
    v_name     text;
    v_number   integer;
    v_part     record;
BEGIN
    -- number the capturing groups first, so \k<name> and \N can be resolved
    FOR v_name IN
        SELECT m[1] FROM regexp_matches(p_source,
            '\\.|\[(?:\\.|[^\]\\])*\]|\((\?<[A-Za-z_$][A-Za-z0-9_$]*>|\?|)', 'g') AS r(m)
    LOOP
        IF v_name = '' THEN
            v_groups := v_groups || NULL::text;
        ELSIF v_name LIKE '?<%' THEN
            v_groups := v_groups || substr(v_name, 3, length(v_name) - 3);
        END IF;
    END LOOP;
    WHILE v_position <= length(p_source) LOOP
        v_char := substr(p_source, v_position, 1);
        v_next := substr(p_source, v_position + 1, 1);
        v_position := v_position + 1;
        IF v_char = '\' THEN
            v_position := v_position + 1;  -- past the escaped character, as most escapes go
            IF v_next = '' THEN
                RAISE EXCEPTION '%: invalid regular expression /%/: \ at end of pattern',
                    p_function, p_source USING ERRCODE = 'invalid_parameter_value';
            ELSIF v_next IN ('d', 'w', 's') THEN
                v_out := v_out || '[' || hotmesh.pipe_string_class(v_next) || ']';
            ELSIF v_next IN ('D', 'W', 'S') THEN
                v_out := v_out || '[^' || hotmesh.pipe_string_class(lower(v_next)) || ']';
            ELSIF v_next = 'b' THEN
                v_out := v_out || format('(?:(?<=%1$s)(?!%1$s)|(?<!%1$s)(?=%1$s))', c_word);
            ELSIF v_next = 'B' THEN
                v_out := v_out || format('(?:(?<=%1$s)(?=%1$s)|(?<!%1$s)(?!%1$s))', c_word);
            ELSIF v_next ~ '[1-9]' THEN
                v_number := substring(substr(p_source, v_position - 1) FROM '^[0-9]+')::integer;
                v_position := v_position - 1 + length(v_number::text);
                IF v_number > cardinality(v_groups) THEN
                    -- JavaScript (Annex B) reads a reference to a missing group as an octal
                    -- escape or the digits themselves; only the common case is supported
                    RAISE EXCEPTION '%: invalid regular expression /%/: no group %',
                        p_function, p_source, v_number
                        USING ERRCODE = 'invalid_parameter_value';
                END IF;
                v_out := v_out || '\' || v_number;
            ELSIF v_next = 'k' AND EXISTS (SELECT FROM unnest(v_groups) g WHERE g IS NOT NULL)
                  AND substr(p_source, v_position) ~ '^<[A-Za-z_$][A-Za-z0-9_$]*>' THEN
                -- (without named groups, \k is an identity escape: the letter k)
                v_name := substring(substr(p_source, v_position) FROM '^<([^>]+)>');
                v_number := array_position(v_groups, v_name);
                IF v_number IS NULL THEN
                    RAISE EXCEPTION '%: invalid regular expression /%/: no group named %',
                        p_function, p_source, v_name
                        USING ERRCODE = 'invalid_parameter_value';
                END IF;
                v_position := v_position + length(v_name) + 2;
                v_out := v_out || '\' || v_number;
            ELSE
                v_part := hotmesh.pipe_string_char_escape(p_source, v_position - 1);
                v_out := v_out || coalesce(v_part.p_atom, '(?:(?=a)b)');  -- NUL never matches
                v_position := v_position - 1 + v_part.p_width;
            END IF;
        ELSIF v_char = '[' THEN
            v_part := hotmesh.pipe_string_class_atom(p_source, v_position - 1, p_function);
            v_out := v_out || v_part.p_atom;
            v_position := v_position - 1 + v_part.p_width;
        ELSIF v_char = '(' AND v_next = '?' THEN
            IF substr(p_source, v_position, 2) IN ('?:', '?=', '?!')
               OR substr(p_source, v_position, 3) IN ('?<=', '?<!') THEN
                v_out := v_out || '(';
            ELSIF substr(p_source, v_position) ~ '^\?<[A-Za-z_$][A-Za-z0-9_$]*>' THEN
                v_name := substring(substr(p_source, v_position) FROM '^\?<([^>]+)>');
                v_position := v_position + length(v_name) + 3;
                v_out := v_out || '(';
            ELSE
                RAISE EXCEPTION '%: invalid regular expression /%/: invalid group',
                    p_function, p_source USING ERRCODE = 'invalid_parameter_value';
            END IF;
        ELSIF v_char = '.' THEN
            v_out := v_out || '[^\n\r\u2028\u2029]';
        ELSIF v_char = '{' THEN
            v_name := substring(substr(p_source, v_position - 1) FROM '^\{[0-9]+(?:,[0-9]*)?\}');
            IF v_name IS NULL THEN
                v_out := v_out || '\{';
            ELSE
                v_out := v_out || v_name;
                v_position := v_position - 1 + length(v_name);
            END IF;
        ELSIF v_char IN ('}', ']') THEN
            v_out := v_out || '\' || v_char;
        ELSE
            v_out := v_out || v_char;
        END IF;
    END LOOP;
    RETURN v_out;
END
$$;

-- Splitting, joining and characters ------------------------------------------------------------

-- An array of the parts between delimiters; an undefined delimiter gives [s], an empty one the
-- characters, and the empty string [""] (as String.prototype.split does).
CREATE OR REPLACE FUNCTION hotmesh.fn_string_split(p_string jsonb, p_delimiter jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_string    text := hotmesh.pipe_string_subject(p_string, '@string.split');
    v_delimiter text;
BEGIN
    IF p_delimiter IS NULL THEN
        RETURN jsonb_build_array(v_string);
    END IF;
    v_delimiter := hotmesh.js_to_string(p_delimiter);
    IF v_delimiter = '' THEN
        RETURN coalesce((SELECT jsonb_agg(c ORDER BY n)
                         FROM regexp_split_to_table(v_string, '') WITH ORDINALITY t(c, n)
                         WHERE v_string <> ''), '[]'::jsonb);
    ELSIF v_string = '' THEN
        RETURN '[""]'::jsonb;
    END IF;
    RETURN to_jsonb(string_to_array(v_string, v_delimiter));
END
$$;

-- The character at an index, or "" outside the string.
CREATE OR REPLACE FUNCTION hotmesh.fn_string_charat(p_string jsonb, p_index jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_string text := hotmesh.pipe_string_subject(p_string, '@string.charAt');
    v_index  double precision := hotmesh.pipe_string_integer(p_index);
BEGIN
    IF v_index < 0 OR v_index >= length(v_string) THEN
        RETURN '""'::jsonb;
    END IF;
    RETURN to_jsonb(substr(v_string, v_index::integer + 1, 1));
END
$$;

-- The operands joined with '' (HotMesh's strings.join('')): null and undefined add nothing,
-- anything else its ToString.
CREATE OR REPLACE FUNCTION hotmesh.fn_string_concat(VARIADIC p_strings jsonb[])
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN to_jsonb(coalesce(
        (SELECT string_agg(CASE WHEN s.value IS NULL OR jsonb_typeof(s.value) = 'null' THEN ''
                                ELSE hotmesh.js_to_string(s.value) END, '' ORDER BY s.n)
         FROM unnest(p_strings) WITH ORDINALITY s(value, n)),
        ''));
END
$$;

-- Searching ------------------------------------------------------------------------------------

-- Whether the search string occurs at or after a position; for an array, whether an element is
-- SameValueZero to the value (Array.prototype.includes).
CREATE OR REPLACE FUNCTION hotmesh.fn_string_includes(
    p_string jsonb,
    p_search jsonb,
    p_position jsonb DEFAULT NULL
)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_string   text;
    v_position double precision := hotmesh.pipe_string_integer(p_position);
BEGIN
    IF jsonb_typeof(p_string) = 'array' THEN
        RETURN hotmesh.js_boolean(EXISTS (
            SELECT FROM jsonb_array_elements(p_string) WITH ORDINALITY e
            WHERE e.ordinality - 1 >= hotmesh.pipe_string_relative(p_position,
                                                                   jsonb_array_length(p_string), 0)
              AND hotmesh.pipe_string_same_value_zero(e.value, p_search)));
    END IF;
    v_string := hotmesh.pipe_string_subject(p_string, '@string.includes');
    v_position := greatest(0, least(v_position, length(v_string)));
    RETURN hotmesh.js_boolean(
        strpos(substr(v_string, v_position::integer + 1), hotmesh.js_to_string(p_search)) > 0);
END
$$;

-- The first index of the search string at or after a position, or -1; for an array, of the
-- first element === to the value.
CREATE OR REPLACE FUNCTION hotmesh.fn_string_indexof(
    p_string jsonb,
    p_search jsonb,
    p_from jsonb DEFAULT NULL
)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_string text;
    v_from   double precision := hotmesh.pipe_string_integer(p_from);
    v_found  integer;
BEGIN
    IF jsonb_typeof(p_string) = 'array' THEN
        RETURN to_jsonb(coalesce(
            (SELECT min(e.ordinality) - 1 FROM jsonb_array_elements(p_string) WITH ORDINALITY e
             WHERE e.ordinality - 1 >= hotmesh.pipe_string_relative(p_from,
                                                                    jsonb_array_length(p_string), 0)
               AND hotmesh.js_strict_equals(e.value, p_search)),
            -1));
    END IF;
    v_string := hotmesh.pipe_string_subject(p_string, '@string.indexOf');
    v_from := greatest(0, least(v_from, length(v_string)));
    v_found := strpos(substr(v_string, v_from::integer + 1), hotmesh.js_to_string(p_search));
    RETURN to_jsonb(CASE WHEN v_found = 0 THEN -1 ELSE v_found - 1 + v_from::integer END);
END
$$;

-- The last index of the search string starting at or before a position (default: the end),
-- or -1. For an array, Array.prototype.lastIndexOf with the position always passed, as HotMesh
-- passes it: an undefined position is 0 there, so only the first element is examined.
CREATE OR REPLACE FUNCTION hotmesh.fn_string_lastindexof(
    p_string jsonb,
    p_search jsonb,
    p_from jsonb DEFAULT NULL
)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_string text;
    v_search text;
    v_number double precision := hotmesh.js_to_number(p_from);
    v_from   double precision;
    v_length integer;
BEGIN
    IF jsonb_typeof(p_string) = 'array' THEN
        v_length := jsonb_array_length(p_string);
        v_from := hotmesh.pipe_string_integer(p_from);
        v_from := CASE WHEN v_from >= 0 THEN least(v_from, v_length - 1) ELSE v_length + v_from END;
        RETURN to_jsonb(coalesce(
            (SELECT max(e.ordinality) - 1 FROM jsonb_array_elements(p_string) WITH ORDINALITY e
             WHERE e.ordinality - 1 <= v_from AND hotmesh.js_strict_equals(e.value, p_search)),
            -1));
    END IF;
    v_string := hotmesh.pipe_string_subject(p_string, '@string.lastIndexOf');
    v_search := hotmesh.js_to_string(p_search);
    v_from := CASE WHEN v_number = 'NaN'::double precision THEN 'Infinity' ELSE trunc(v_number) END;
    v_from := greatest(0, least(v_from, length(v_string) - length(v_search)));
    FOR i IN REVERSE v_from::integer .. 0 LOOP
        IF substr(v_string, i + 1, length(v_search)) = v_search THEN
            RETURN to_jsonb(i);
        END IF;
    END LOOP;
    RETURN '-1'::jsonb;
END
$$;

-- The index of the first match of a regular expression (JavaScript syntax, no flags), or -1.
-- The match is replaced by a character the string lacks, whose position is then the answer:
-- Postgres 14 has no regexp_instr, and like JavaScript ARE reports the leftmost match.
CREATE OR REPLACE FUNCTION hotmesh.fn_string_search(p_string jsonb, p_regexp jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_string  text := hotmesh.pipe_string_subject(p_string, '@string.search');
    v_source  text := CASE WHEN p_regexp IS NULL THEN '' ELSE hotmesh.js_to_string(p_regexp) END;
    v_pattern text := hotmesh.pipe_string_regexp(v_source, '@string.search');
    v_marker  text := chr(57344);  -- from the private use area
    v_found   integer;
BEGIN
    WHILE strpos(v_string, v_marker) > 0 LOOP
        v_marker := chr(ascii(v_marker) + 1);
    END LOOP;
    BEGIN
        v_found := strpos(regexp_replace(v_string, v_pattern, v_marker), v_marker);
    EXCEPTION WHEN invalid_regular_expression THEN
        RAISE EXCEPTION '@string.search: invalid regular expression /%/: %', v_source,
            regexp_replace(SQLERRM, '^invalid regular expression: ', '')
            USING ERRCODE = 'invalid_parameter_value';
    END;
    RETURN to_jsonb(v_found - 1);
END
$$;

-- Whether the string starts with the search string at a position (default 0).
CREATE OR REPLACE FUNCTION hotmesh.fn_string_startswith(
    p_string jsonb,
    p_search jsonb,
    p_position jsonb DEFAULT NULL
)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_string   text := hotmesh.pipe_string_subject(p_string, '@string.startsWith');
    v_search   text := hotmesh.js_to_string(p_search);
    v_position double precision := hotmesh.pipe_string_integer(p_position);
BEGIN
    v_position := greatest(0, least(v_position, length(v_string)));
    RETURN hotmesh.js_boolean(
        substr(v_string, v_position::integer + 1, length(v_search)) = v_search);
END
$$;

-- Whether the string's first p_length characters (default: all) end with the search string.
CREATE OR REPLACE FUNCTION hotmesh.fn_string_endswith(
    p_string jsonb,
    p_search jsonb,
    p_length jsonb DEFAULT NULL
)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_string text := hotmesh.pipe_string_subject(p_string, '@string.endsWith');
    v_search text := hotmesh.js_to_string(p_search);
    v_end    double precision;
BEGIN
    v_end := CASE WHEN p_length IS NULL THEN length(v_string)
                  ELSE greatest(0, least(hotmesh.pipe_string_integer(p_length), length(v_string)))
             END;
    IF v_end < length(v_search) THEN
        RETURN 'false'::jsonb;
    END IF;
    RETURN hotmesh.js_boolean(
        substr(v_string, v_end::integer - length(v_search) + 1, length(v_search)) = v_search);
END
$$;

-- Extracting -----------------------------------------------------------------------------------

-- The part from start to end (exclusive); negative indexes count from the end. For an array,
-- the same slice of its elements.
CREATE OR REPLACE FUNCTION hotmesh.fn_string_slice(
    p_string jsonb,
    p_start jsonb DEFAULT NULL,
    p_end jsonb DEFAULT NULL
)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_string text;
    v_length integer;
    v_start  integer;
    v_end    integer;
BEGIN
    IF jsonb_typeof(p_string) = 'array' THEN
        v_length := jsonb_array_length(p_string);
    ELSE
        v_string := hotmesh.pipe_string_subject(p_string, '@string.slice');
        v_length := length(v_string);
    END IF;
    v_start := hotmesh.pipe_string_relative(p_start, v_length, 0);
    v_end := hotmesh.pipe_string_relative(p_end, v_length, v_length);
    IF jsonb_typeof(p_string) = 'array' THEN
        RETURN coalesce(
            (SELECT jsonb_agg(e.value ORDER BY e.ordinality)
             FROM jsonb_array_elements(p_string) WITH ORDINALITY e
             WHERE e.ordinality > v_start AND e.ordinality <= v_end),
            '[]'::jsonb);
    END IF;
    RETURN to_jsonb(CASE WHEN v_end > v_start THEN substr(v_string, v_start + 1, v_end - v_start)
                         ELSE '' END);
END
$$;

-- The part between two indexes, in either order, each clamped to the string (negative is 0).
CREATE OR REPLACE FUNCTION hotmesh.fn_string_substring(
    p_string jsonb,
    p_start jsonb,
    p_end jsonb DEFAULT NULL
)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_string text := hotmesh.pipe_string_subject(p_string, '@string.substring');
    v_start  integer;
    v_end    integer;
BEGIN
    v_start := greatest(0, least(hotmesh.pipe_string_integer(p_start), length(v_string)));
    v_end := CASE WHEN p_end IS NULL THEN length(v_string)
                  ELSE greatest(0, least(hotmesh.pipe_string_integer(p_end), length(v_string)))
             END;
    RETURN to_jsonb(substr(v_string, least(v_start, v_end) + 1, abs(v_end - v_start)));
END
$$;

-- Case -------------------------------------------------------------------------------------------

-- toLowerCase and toUpperCase use Unicode's full, locale-independent case mapping (ß upper-cases
-- to SS, a final Σ lower-cases to ς), which ICU's root collation gives and the database's own
-- collation may not (the C locale maps ASCII only). Without ICU, C.UTF-8's simple mappings are
-- the fallback.
DO $$
DECLARE
    v_collation text;
BEGIN
    SELECT quote_ident(collname) INTO v_collation
    FROM pg_collation
    WHERE collname IN ('und-x-icu', 'C.utf8', 'C.UTF-8')
      AND collencoding IN (-1, pg_char_to_encoding(getdatabaseencoding()))
    ORDER BY collname = 'und-x-icu' DESC, collname
    LIMIT 1;
    v_collation := coalesce(' COLLATE pg_catalog.' || v_collation, '');
    EXECUTE format($fn$
        CREATE OR REPLACE FUNCTION hotmesh.fn_string_tolowercase(p_string jsonb)
        RETURNS jsonb
        LANGUAGE plpgsql
        IMMUTABLE
        PARALLEL SAFE
        AS $body$
        BEGIN
            RETURN to_jsonb(lower(
                hotmesh.pipe_string_subject(p_string, '@string.toLowerCase')%1$s));
        END
        $body$
    $fn$, v_collation);
    EXECUTE format($fn$
        CREATE OR REPLACE FUNCTION hotmesh.fn_string_touppercase(p_string jsonb)
        RETURNS jsonb
        LANGUAGE plpgsql
        IMMUTABLE
        PARALLEL SAFE
        AS $body$
        BEGIN
            RETURN to_jsonb(upper(
                hotmesh.pipe_string_subject(p_string, '@string.toUpperCase')%1$s));
        END
        $body$
    $fn$, v_collation);
END
$$;

-- Whitespace and padding ----------------------------------------------------------------------

CREATE OR REPLACE FUNCTION hotmesh.fn_string_trim(p_string jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN to_jsonb(btrim(hotmesh.pipe_string_subject(p_string, '@string.trim'),
                          hotmesh.pipe_string_whitespace()));
END
$$;

CREATE OR REPLACE FUNCTION hotmesh.fn_string_trimstart(p_string jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN to_jsonb(ltrim(hotmesh.pipe_string_subject(p_string, '@string.trimStart'),
                          hotmesh.pipe_string_whitespace()));
END
$$;

CREATE OR REPLACE FUNCTION hotmesh.fn_string_trimend(p_string jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN to_jsonb(rtrim(hotmesh.pipe_string_subject(p_string, '@string.trimEnd'),
                          hotmesh.pipe_string_whitespace()));
END
$$;

-- The filler repeated and cut to fill a string up to a length (padStart and padEnd): empty when
-- the string is long enough or the filler is empty. An undefined filler is a space. Beyond
-- V8's longest string (2^29 - 24 characters) JavaScript throws a RangeError.
CREATE OR REPLACE FUNCTION hotmesh.pipe_string_padding(
    p_string text,
    p_length jsonb,
    p_filler jsonb,
    p_function text
)
RETURNS text
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_length double precision := hotmesh.pipe_string_integer(p_length);
    v_filler text := CASE WHEN p_filler IS NULL THEN ' ' ELSE hotmesh.js_to_string(p_filler) END;
    v_count  integer;
BEGIN
    IF v_length <= length(p_string) OR v_filler = '' THEN
        RETURN '';
    ELSIF v_length > 536870888 THEN
        RAISE EXCEPTION '%: invalid string length', p_function
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    v_count := v_length::integer - length(p_string);
    RETURN left(repeat(v_filler, v_count / length(v_filler) + 1), v_count);
END
$$;

CREATE OR REPLACE FUNCTION hotmesh.fn_string_padstart(
    p_string jsonb,
    p_length jsonb,
    p_filler jsonb DEFAULT NULL
)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_string text := hotmesh.pipe_string_subject(p_string, '@string.padStart');
BEGIN
    RETURN to_jsonb(hotmesh.pipe_string_padding(v_string, p_length, p_filler, '@string.padStart')
                    || v_string);
END
$$;

CREATE OR REPLACE FUNCTION hotmesh.fn_string_padend(
    p_string jsonb,
    p_length jsonb,
    p_filler jsonb DEFAULT NULL
)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_string text := hotmesh.pipe_string_subject(p_string, '@string.padEnd');
BEGIN
    RETURN to_jsonb(v_string
                    || hotmesh.pipe_string_padding(v_string, p_length, p_filler, '@string.padEnd'));
END
$$;

-- Replacing and repeating ----------------------------------------------------------------------

-- The string with the first occurrence of the search string replaced. The replacement's $$, $&,
-- $` and $' patterns expand as in JavaScript ($1 and $<name> stay as written: a string pattern
-- has no groups).
CREATE OR REPLACE FUNCTION hotmesh.fn_string_replace(
    p_string jsonb,
    p_search jsonb,
    p_replacement jsonb
)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_string      text := hotmesh.pipe_string_subject(p_string, '@string.replace');
    v_search      text := hotmesh.js_to_string(p_search);
    v_replacement text := hotmesh.js_to_string(p_replacement);
    v_found       integer := strpos(v_string, v_search);
    v_expanded    text := '';
    v_position    integer := 1;
    v_next        text;
BEGIN
    IF v_found = 0 THEN
        RETURN p_string;
    END IF;
    WHILE v_position <= length(v_replacement) LOOP
        v_next := substr(v_replacement, v_position + 1, 1);
        IF substr(v_replacement, v_position, 1) = '$' AND v_next IN ('$', '&', '`', '''') THEN
            v_expanded := v_expanded || CASE v_next
                WHEN '$' THEN '$'
                WHEN '&' THEN v_search
                WHEN '`' THEN left(v_string, v_found - 1)
                ELSE substr(v_string, v_found + length(v_search))
            END;
            v_position := v_position + 2;
        ELSE
            v_expanded := v_expanded || substr(v_replacement, v_position, 1);
            v_position := v_position + 1;
        END IF;
    END LOOP;
    RETURN to_jsonb(left(v_string, v_found - 1) || v_expanded
                    || substr(v_string, v_found + length(v_search)));
END
$$;

-- The string repeated n times (n truncated; NaN is 0). Negative or infinite counts raise, as
-- HotMesh throws a RangeError for them.
CREATE OR REPLACE FUNCTION hotmesh.fn_string_repeat(p_string jsonb, p_count jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_string text := hotmesh.pipe_string_subject(p_string, '@string.repeat');
    v_number double precision := hotmesh.js_to_number(p_count);
    v_count  double precision := hotmesh.pipe_string_integer(p_count);
BEGIN
    IF v_number < 0 OR v_number = 'Infinity'::double precision
       OR v_number = '-Infinity'::double precision THEN
        RAISE EXCEPTION '@string.repeat: invalid count value: %',
            hotmesh.js_number_to_string(v_number)
            USING ERRCODE = 'invalid_parameter_value';
    ELSIF v_string = '' OR v_count = 0 THEN
        RETURN '""'::jsonb;
    ELSIF v_count > 536870888 / length(v_string) THEN
        RAISE EXCEPTION '@string.repeat: invalid string length'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN to_jsonb(repeat(v_string, v_count::integer));
END
$$;
