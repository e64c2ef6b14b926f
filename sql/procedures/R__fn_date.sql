-- The @date domain of the @pipe catalog: {@date.*} as hotmesh.fn_date_<name>(jsonb ...) -> jsonb.
--
-- A date travels as an ISO-8601 UTC string (what JSON.stringify makes of a Date); inputs may
-- also be epoch milliseconds (a number) or a numeric string, as HotMesh's getDateInstance
-- accepts. Inside, a date is its JavaScript time value: epoch milliseconds as a double, NaN for
-- an Invalid Date. The calendar arithmetic is the ECMAScript spec's (MakeDay, MakeTime,
-- MakeDate, TimeClip) on plain numbers rather than timestamptz, so the whole JavaScript range
-- (years -271821 to 275760) and its overflow rules (setDate(d, 0) is the last day of the
-- previous month) come out the same.
--
-- The server has no user time zone: the "local" getters, setters and formatters work in UTC
-- (getTimezoneOffset is 0), and locale formatting is en-US whatever locales/options say.
-- Functions that call the js_* helpers are plpgsql because R__js_core.sql runs after this file.

-- TimeClip: NaN outside +-8.64e15 ms (and for non-finite values), else the integer part.
CREATE OR REPLACE FUNCTION hotmesh.date_time_clip(p_time double precision)
RETURNS double precision
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
AS $$
    SELECT CASE
        WHEN p_time IS NULL OR NOT abs(p_time) <= 8.64e15 THEN 'NaN'::double precision
        ELSE trunc(p_time) + 0
    END
$$;

-- Days from 1970-01-01 to year-month(1..12)-day of the proleptic Gregorian calendar.
CREATE OR REPLACE FUNCTION hotmesh.date_days_from_civil(
    p_year double precision, p_month double precision, p_day double precision)
RETURNS double precision
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    -- the year is counted from March, so the leap day ends it
    v_year double precision := p_year - CASE WHEN p_month <= 2 THEN 1 ELSE 0 END;
    v_era  double precision := floor(v_year / 400);
    v_yoe  double precision := v_year - v_era * 400;
    v_doy  double precision := floor((153 * (p_month + CASE WHEN p_month > 2 THEN -3 ELSE 9 END)
                                      + 2) / 5) + p_day - 1;
BEGIN
    RETURN v_era * 146097 + v_yoe * 365 + floor(v_yoe / 4) - floor(v_yoe / 100) + v_doy - 719468;
END
$$;

-- MakeDay(year, month 0-based, date): the day number; months and dates overflow into the next
-- unit. V8 gives NaN outside +-1e6 years and +-1e7 months, and so does this.
CREATE OR REPLACE FUNCTION hotmesh.date_make_day(
    p_year double precision, p_month double precision, p_date double precision)
RETURNS double precision
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_year  double precision := trunc(p_year);
    v_month double precision := trunc(p_month);
BEGIN
    IF NOT (abs(p_year) < 'Infinity' AND abs(p_month) < 'Infinity' AND abs(p_date) < 'Infinity')
       OR abs(v_year) > 1e6 OR abs(v_month) > 1e7 THEN
        RETURN 'NaN';
    END IF;
    v_year := v_year + floor(v_month / 12);
    v_month := v_month - floor(v_month / 12) * 12;
    RETURN hotmesh.date_days_from_civil(v_year, v_month + 1, 1) + trunc(p_date) - 1;
END
$$;

-- MakeTime(hours, minutes, seconds, ms): milliseconds, NaN when any part is not finite.
CREATE OR REPLACE FUNCTION hotmesh.date_make_time(
    p_hours double precision, p_minutes double precision,
    p_seconds double precision, p_ms double precision)
RETURNS double precision
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
AS $$
    SELECT CASE
        WHEN abs(p_hours) < 'Infinity' AND abs(p_minutes) < 'Infinity'
             AND abs(p_seconds) < 'Infinity' AND abs(p_ms) < 'Infinity'
            THEN trunc(p_hours) * 3600000 + trunc(p_minutes) * 60000
                 + trunc(p_seconds) * 1000 + trunc(p_ms)
        ELSE 'NaN'::double precision
    END
$$;

-- MakeDate(day, time) passed through TimeClip: the time value, or NaN.
CREATE OR REPLACE FUNCTION hotmesh.date_make_date(p_day double precision, p_time double precision)
RETURNS double precision
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
AS $$
    SELECT hotmesh.date_time_clip(p_day * 86400000 + p_time)
$$;

-- The fields of a time value: {year, month (0-11), date, hours, minutes, seconds, ms,
-- weekday (0 = Sunday)}; NULL for NaN.
CREATE OR REPLACE FUNCTION hotmesh.date_parts(p_time double precision)
RETURNS integer[]
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_day   double precision;
    v_ms    double precision;
    v_z     double precision;
    v_era   double precision;
    v_doe   double precision;
    v_yoe   double precision;
    v_doy   double precision;
    v_mp    double precision;
    v_year  double precision;
    v_month double precision;
BEGIN
    IF NOT abs(p_time) < 'Infinity' THEN
        RETURN NULL;
    END IF;
    v_day := floor(p_time / 86400000);
    v_ms := p_time - v_day * 86400000;
    -- civil_from_days (H. Hinnant): 400-year eras of 146097 days, years starting in March
    v_z := v_day + 719468;
    v_era := floor(v_z / 146097);
    v_doe := v_z - v_era * 146097;
    v_yoe := floor((v_doe - floor(v_doe / 1460) + floor(v_doe / 36524) - floor(v_doe / 146096))
                   / 365);
    v_doy := v_doe - (365 * v_yoe + floor(v_yoe / 4) - floor(v_yoe / 100));
    v_mp := floor((5 * v_doy + 2) / 153);
    v_month := CASE WHEN v_mp < 10 THEN v_mp + 3 ELSE v_mp - 9 END;
    v_year := v_yoe + v_era * 400 + CASE WHEN v_month <= 2 THEN 1 ELSE 0 END;
    RETURN ARRAY[
        v_year,
        v_month - 1,
        v_doy - floor((153 * v_mp + 2) / 5) + 1,
        floor(v_ms / 3600000),
        floor(v_ms / 60000) - floor(v_ms / 3600000) * 60,
        floor(v_ms / 1000) - floor(v_ms / 60000) * 60,
        v_ms - floor(v_ms / 1000) * 1000,
        (v_day + 4) - floor((v_day + 4) / 7) * 7
    ]::integer[];
END
$$;

-- One field of date_parts as a jsonb number ("NaN" for an Invalid Date).
CREATE OR REPLACE FUNCTION hotmesh.date_field(p_time double precision, p_index integer)
RETURNS jsonb
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
AS $$
    SELECT coalesce(to_jsonb((hotmesh.date_parts(p_time))[p_index]), '"NaN"'::jsonb)
$$;

-- Date.parse: the ISO-8601 forms (YYYY, YYYY-MM, YYYY-MM-DD, +-YYYYYY, with THH:mm[:ss[.sss]]
-- and Z or +-HH:mm), and the forms of V8's legacy parser that toString, toUTCString,
-- toDateString and the en-US toLocale* functions produce ("Tue Jan 02 2024 ...",
-- "Tue, 02 Jan 2024 ... GMT", "January 2, 2024", "1/2/2024, 3:04:05 PM"). A form without an
-- offset is UTC (local time is UTC here). NaN for anything else.
CREATE OR REPLACE FUNCTION hotmesh.date_parse(p_text text)
RETURNS double precision
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    c_months constant text[] :=
        ARRAY['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
    v_m        text[];
    v_year     double precision;
    v_month    double precision := 1;
    v_day      double precision := 1;
    v_hours    double precision := 0;
    v_minutes  double precision := 0;
    v_seconds  double precision := 0;
    v_ms       double precision := 0;
    v_offset   double precision := 0;
    v_zone     text;
BEGIN
    IF p_text IS NULL THEN
        RETURN 'NaN';
    END IF;
    v_m := regexp_match(p_text,
        '^\s*([+-]\d{6}|\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?'
        '(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?(Z|z|[+-]\d{2}:?\d{2})?$');
    IF v_m IS NOT NULL THEN
        IF v_m[1] = '-000000' THEN
            RETURN 'NaN';  -- the spec rejects a negative zero year
        END IF;
        v_year := v_m[1]::double precision;
        v_month := coalesce(v_m[2]::double precision, 1);
        v_day := coalesce(v_m[3]::double precision, 1);
        v_hours := coalesce(v_m[4]::double precision, 0);
        v_minutes := coalesce(v_m[5]::double precision, 0);
        v_seconds := coalesce(v_m[6]::double precision, 0);
        -- V8 reads any number of fraction digits and keeps the first three
        v_ms := coalesce(rpad(left(v_m[7], 3), 3, '0')::double precision, 0);
        v_zone := v_m[8];
    ELSE
        -- "Tue Jan 02 2024 03:04:05 GMT+0000 (...)", "Tue, 02 Jan 2024 03:04:05 GMT",
        -- "January 2, 2024", "1/2/2024, 3:04:05 PM": month, day and year in words or en-US
        -- numbers, then an optional time (12- or 24-hour) and offset
        v_m := regexp_match(p_text,
            '^\s*(?:(?:sun|mon|tue|wed|thu|fri|sat)[a-z]*,?\s+)?'
            '(?:([a-z]{3})[a-z]*\.?\s+(\d{1,2})|(\d{1,2})\s+([a-z]{3})[a-z]*\.?'
            '|(\d{1,2})/(\d{1,2}))'
            '(?:,?\s+|/)(\d{1,6})'
            '(?:,?\s+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s*([ap])\.?m\.?)?)?'
            '\s*(?:gmt|utc|z)?\s*([+-]\d{2}:?\d{2})?\s*(?:\([^)]*\))?\s*$', 'i');
        IF v_m IS NULL THEN
            RETURN 'NaN';
        END IF;
        IF v_m[5] IS NOT NULL THEN
            v_month := v_m[5]::double precision;
            v_day := v_m[6]::double precision;
        ELSE
            v_month := array_position(c_months, lower(coalesce(v_m[1], v_m[4])));
            v_day := coalesce(v_m[2], v_m[3])::double precision;
        END IF;
        IF v_month IS NULL THEN
            RETURN 'NaN';
        END IF;
        -- V8's legacy parser reads years below 100 as 20xx (0-49) or 19xx (50-99)
        v_year := v_m[7]::double precision;
        v_year := v_year + CASE WHEN v_year < 50 THEN 2000 WHEN v_year < 100 THEN 1900 ELSE 0 END;
        v_hours := coalesce(v_m[8]::double precision, 0);
        v_minutes := coalesce(v_m[9]::double precision, 0);
        v_seconds := coalesce(v_m[10]::double precision, 0);
        IF v_m[11] IS NOT NULL THEN
            IF v_hours NOT BETWEEN 1 AND 12 THEN
                RETURN 'NaN';
            END IF;
            v_hours := v_hours - floor(v_hours / 12) * 12
                       + CASE WHEN lower(v_m[11]) = 'p' THEN 12 ELSE 0 END;
        END IF;
        v_zone := v_m[12];
    END IF;
    -- a day past the month's end rolls over (V8 reads 2024-02-30 as March 1); 24:00 is midnight
    IF v_month NOT BETWEEN 1 AND 12 OR v_day NOT BETWEEN 1 AND 31 OR v_hours > 24
       OR v_minutes > 59 OR v_seconds > 59
       OR (v_hours = 24 AND (v_minutes, v_seconds, v_ms) <> (0, 0, 0)) THEN
        RETURN 'NaN';
    END IF;
    IF v_zone IS NOT NULL AND upper(v_zone) <> 'Z' THEN
        v_zone := replace(v_zone, ':', '');
        IF substr(v_zone, 2, 2)::integer > 23 OR substr(v_zone, 4, 2)::integer > 59 THEN
            RETURN 'NaN';
        END IF;
        v_offset := (substr(v_zone, 2, 2)::double precision * 60
                     + substr(v_zone, 4, 2)::double precision)
                    * CASE WHEN left(v_zone, 1) = '-' THEN -1 ELSE 1 END;
    END IF;
    RETURN hotmesh.date_make_date(
        hotmesh.date_make_day(v_year, v_month - 1, v_day),
        hotmesh.date_make_time(v_hours, v_minutes - v_offset, v_seconds, v_ms));
END
$$;

-- HotMesh's getDateInstance: the time value of a date operand. A number is epoch ms; an ISO
-- date string is parsed; any other string is read as HotMesh reads it, with parseInt(s, 10) as
-- epoch ms. Anything else throws, as HotMesh does ('Invalid date format').
CREATE OR REPLACE FUNCTION hotmesh.date_input(p_value jsonb, p_function text)
RETURNS double precision
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_text   text;
    v_digits text;
BEGIN
    IF jsonb_typeof(p_value) = 'number' OR p_value IN ('"NaN"', '"Infinity"', '"-Infinity"') THEN
        RETURN hotmesh.date_time_clip(hotmesh.js_to_number(p_value));
    ELSIF jsonb_typeof(p_value) = 'string' THEN
        v_text := p_value #>> '{}';
        -- HotMesh's ISO_REGEX, widened to every ISO form with a month (offsets, other fractions)
        IF v_text ~ '^\s*([+-]\d{6}|\d{4})-\d' THEN
            RETURN hotmesh.date_parse(v_text);
        END IF;
        v_digits := substring(v_text FROM '^[\s\u00a0\ufeff]*([+-]?\d+)');
        IF v_digits IS NOT NULL THEN
            RETURN hotmesh.date_time_clip(hotmesh.js_string_to_number(v_digits));
        END IF;
    END IF;
    RAISE EXCEPTION '@date.%: Invalid date format', p_function
        USING ERRCODE = 'invalid_parameter_value';
END
$$;

-- Date.prototype.toISOString for a finite time value; NULL for NaN.
CREATE OR REPLACE FUNCTION hotmesh.date_iso_string(p_time double precision)
RETURNS text
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_p integer[] := hotmesh.date_parts(p_time);
BEGIN
    IF v_p IS NULL THEN
        RETURN NULL;
    END IF;
    RETURN CASE
               WHEN v_p[1] BETWEEN 0 AND 9999 THEN lpad(v_p[1]::text, 4, '0')
               -- outside 0000-9999 the spec writes six digits and a sign
               ELSE CASE WHEN v_p[1] < 0 THEN '-' ELSE '+' END || lpad(abs(v_p[1])::text, 6, '0')
           END
        || '-' || lpad((v_p[2] + 1)::text, 2, '0') || '-' || lpad(v_p[3]::text, 2, '0')
        || 'T' || lpad(v_p[4]::text, 2, '0') || ':' || lpad(v_p[5]::text, 2, '0')
        || ':' || lpad(v_p[6]::text, 2, '0') || '.' || lpad(v_p[7]::text, 3, '0') || 'Z';
END
$$;

-- toISOString that throws for an Invalid Date, as JavaScript's RangeError.
CREATE OR REPLACE FUNCTION hotmesh.date_iso_string_or_raise(
    p_time double precision, p_function text)
RETURNS text
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_iso text := hotmesh.date_iso_string(p_time);
BEGIN
    IF v_iso IS NULL THEN
        RAISE EXCEPTION '@date.%: Invalid time value', p_function
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN v_iso;
END
$$;

-- Date.prototype.toDateString: "Tue Jan 02 2024" ("Invalid Date" for NaN).
CREATE OR REPLACE FUNCTION hotmesh.date_date_string(p_time double precision)
RETURNS text
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_p integer[] := hotmesh.date_parts(p_time);
BEGIN
    IF v_p IS NULL THEN
        RETURN 'Invalid Date';
    END IF;
    RETURN (ARRAY['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'])[v_p[8] + 1]
        || ' ' || (ARRAY['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun',
                         'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'])[v_p[2] + 1]
        || ' ' || lpad(v_p[3]::text, 2, '0')
        || ' ' || CASE WHEN v_p[1] < 0 THEN '-' ELSE '' END
        -- at least four digits (lpad alone would cut longer years)
        || lpad(abs(v_p[1])::text, greatest(4, length(abs(v_p[1])::text)), '0');
END
$$;

-- The en-US date and time of toLocale*String: "1/2/2024" and "3:04:05 AM". ICU writes years
-- up to 0 as era years (1 - year) and, from ICU 72 on, a narrow no-break space before AM/PM;
-- this keeps a plain space, as most runtimes print it.
CREATE OR REPLACE FUNCTION hotmesh.date_locale_string(p_time double precision, p_part text)
RETURNS text
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_p    integer[] := hotmesh.date_parts(p_time);
    v_date text;
    v_time text;
BEGIN
    IF v_p IS NULL THEN
        RETURN 'Invalid Date';
    END IF;
    v_date := (v_p[2] + 1) || '/' || v_p[3] || '/'
              || CASE WHEN v_p[1] > 0 THEN v_p[1] ELSE 1 - v_p[1] END;
    v_time := CASE WHEN v_p[4] % 12 = 0 THEN 12 ELSE v_p[4] % 12 END
              || ':' || lpad(v_p[5]::text, 2, '0') || ':' || lpad(v_p[6]::text, 2, '0')
              || CASE WHEN v_p[4] < 12 THEN ' AM' ELSE ' PM' END;
    RETURN CASE p_part
        WHEN 'date' THEN v_date
        WHEN 'time' THEN v_time
        ELSE v_date || ', ' || v_time
    END;
END
$$;

-- The setters: the time value with the given fields replaced (NULL keeps a field, NaN spoils
-- the result), months and dates overflowing as MakeDay does. NaN when p_time is NaN.
CREATE OR REPLACE FUNCTION hotmesh.date_set(
    p_time double precision,
    p_year double precision, p_month double precision, p_date double precision,
    p_hours double precision, p_minutes double precision,
    p_seconds double precision, p_ms double precision)
RETURNS double precision
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_p integer[] := hotmesh.date_parts(p_time);
BEGIN
    IF v_p IS NULL THEN
        RETURN 'NaN';
    END IF;
    RETURN hotmesh.date_make_date(
        hotmesh.date_make_day(coalesce(p_year, v_p[1]), coalesce(p_month, v_p[2]),
                              coalesce(p_date, v_p[3])),
        hotmesh.date_make_time(coalesce(p_hours, v_p[4]), coalesce(p_minutes, v_p[5]),
                               coalesce(p_seconds, v_p[6]), coalesce(p_ms, v_p[7])));
END
$$;

-- An optional numeric argument: SQL NULL (not given) stays NULL, anything else is ToNumber.
CREATE OR REPLACE FUNCTION hotmesh.date_optional_number(p_value jsonb)
RETURNS double precision
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN CASE WHEN p_value IS NULL THEN NULL ELSE hotmesh.js_to_number(p_value) END;
END
$$;

---------------------------------------------------------------------------------------------
-- Clock
---------------------------------------------------------------------------------------------

-- Date.now(): epoch milliseconds of hotmesh.now().
CREATE OR REPLACE FUNCTION hotmesh.fn_date_now()
RETURNS jsonb
LANGUAGE sql
STABLE
PARALLEL SAFE
AS $$
    SELECT to_jsonb(floor(extract(epoch FROM hotmesh.now()) * 1000)::bigint)
$$;

-- Today (UTC) as 'YYYY-MM-DD'.
CREATE OR REPLACE FUNCTION hotmesh.fn_date_yyyymmdd()
RETURNS jsonb
LANGUAGE sql
STABLE
PARALLEL SAFE
AS $$
    SELECT to_jsonb(to_char(hotmesh.now() AT TIME ZONE 'UTC', 'YYYY-MM-DD'))
$$;

---------------------------------------------------------------------------------------------
-- Parsing
---------------------------------------------------------------------------------------------

-- new Date(s) as its JSON: the normalized ISO string, or null for an Invalid Date. A string is
-- parsed as Date.parse does; anything else is ToNumber'd epoch ms (so null is 1970-01-01).
CREATE OR REPLACE FUNCTION hotmesh.fn_date_fromisostring(p_iso_string jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN coalesce(
        to_jsonb(hotmesh.date_iso_string(
            CASE
                WHEN jsonb_typeof(p_iso_string) IN ('string', 'object', 'array')
                    THEN hotmesh.date_parse(hotmesh.js_to_string(p_iso_string))
                ELSE hotmesh.date_time_clip(hotmesh.js_to_number(p_iso_string))
            END)),
        'null'::jsonb);
END
$$;

-- Date.parse(s): epoch ms, or NaN.
CREATE OR REPLACE FUNCTION hotmesh.fn_date_parse(p_date_string jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN hotmesh.js_number(hotmesh.date_parse(hotmesh.js_to_string(p_date_string)));
END
$$;

---------------------------------------------------------------------------------------------
-- Getters (the local ones are the UTC ones: the server has no user time zone)
---------------------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION hotmesh.fn_date_getdate(p_date jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN hotmesh.date_field(hotmesh.date_input(p_date, 'getDate'), 3);
END
$$;

-- The weekday, 0 = Sunday.
CREATE OR REPLACE FUNCTION hotmesh.fn_date_getday(p_date jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN hotmesh.date_field(hotmesh.date_input(p_date, 'getDay'), 8);
END
$$;

CREATE OR REPLACE FUNCTION hotmesh.fn_date_getfullyear(p_date jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN hotmesh.date_field(hotmesh.date_input(p_date, 'getFullYear'), 1);
END
$$;

CREATE OR REPLACE FUNCTION hotmesh.fn_date_gethours(p_date jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN hotmesh.date_field(hotmesh.date_input(p_date, 'getHours'), 4);
END
$$;

CREATE OR REPLACE FUNCTION hotmesh.fn_date_getmilliseconds(p_date jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN hotmesh.date_field(hotmesh.date_input(p_date, 'getMilliseconds'), 7);
END
$$;

CREATE OR REPLACE FUNCTION hotmesh.fn_date_getminutes(p_date jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN hotmesh.date_field(hotmesh.date_input(p_date, 'getMinutes'), 5);
END
$$;

-- The month, 0-based.
CREATE OR REPLACE FUNCTION hotmesh.fn_date_getmonth(p_date jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN hotmesh.date_field(hotmesh.date_input(p_date, 'getMonth'), 2);
END
$$;

CREATE OR REPLACE FUNCTION hotmesh.fn_date_getseconds(p_date jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN hotmesh.date_field(hotmesh.date_input(p_date, 'getSeconds'), 6);
END
$$;

-- Epoch milliseconds.
CREATE OR REPLACE FUNCTION hotmesh.fn_date_gettime(p_date jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN hotmesh.js_number(hotmesh.date_input(p_date, 'getTime'));
END
$$;

-- 0: local time is UTC (NaN for an Invalid Date).
CREATE OR REPLACE FUNCTION hotmesh.fn_date_gettimezoneoffset(p_date jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN hotmesh.js_number(hotmesh.date_input(p_date, 'getTimezoneOffset') * 0);
END
$$;

CREATE OR REPLACE FUNCTION hotmesh.fn_date_getutcdate(p_date jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN hotmesh.date_field(hotmesh.date_input(p_date, 'getUTCDate'), 3);
END
$$;

-- The weekday, 0 = Sunday.
CREATE OR REPLACE FUNCTION hotmesh.fn_date_getutcday(p_date jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN hotmesh.date_field(hotmesh.date_input(p_date, 'getUTCDay'), 8);
END
$$;

CREATE OR REPLACE FUNCTION hotmesh.fn_date_getutcfullyear(p_date jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN hotmesh.date_field(hotmesh.date_input(p_date, 'getUTCFullYear'), 1);
END
$$;

CREATE OR REPLACE FUNCTION hotmesh.fn_date_getutchours(p_date jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN hotmesh.date_field(hotmesh.date_input(p_date, 'getUTCHours'), 4);
END
$$;

CREATE OR REPLACE FUNCTION hotmesh.fn_date_getutcmilliseconds(p_date jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN hotmesh.date_field(hotmesh.date_input(p_date, 'getUTCMilliseconds'), 7);
END
$$;

CREATE OR REPLACE FUNCTION hotmesh.fn_date_getutcminutes(p_date jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN hotmesh.date_field(hotmesh.date_input(p_date, 'getUTCMinutes'), 5);
END
$$;

-- The month, 0-based.
CREATE OR REPLACE FUNCTION hotmesh.fn_date_getutcmonth(p_date jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN hotmesh.date_field(hotmesh.date_input(p_date, 'getUTCMonth'), 2);
END
$$;

CREATE OR REPLACE FUNCTION hotmesh.fn_date_getutcseconds(p_date jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN hotmesh.date_field(hotmesh.date_input(p_date, 'getUTCSeconds'), 6);
END
$$;

---------------------------------------------------------------------------------------------
-- Setters: each returns the new epoch ms, as JavaScript's do. A required argument given as
-- undefined is NaN; an optional one that is undefined keeps the date's own field.
---------------------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION hotmesh.fn_date_setdate(p_date jsonb, p_day jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN hotmesh.js_number(hotmesh.date_set(
        hotmesh.date_input(p_date, 'setDate'),
        NULL, NULL, hotmesh.js_to_number(p_day), NULL, NULL, NULL, NULL));
END
$$;

-- Like JavaScript, an Invalid Date counts as epoch 0 here, so the year makes it valid again.
CREATE OR REPLACE FUNCTION hotmesh.fn_date_setfullyear(
    p_date jsonb, p_year jsonb, p_month jsonb DEFAULT NULL, p_day jsonb DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_time double precision := hotmesh.date_input(p_date, 'setFullYear');
BEGIN
    RETURN hotmesh.js_number(hotmesh.date_set(
        CASE WHEN v_time = 'NaN' THEN 0 ELSE v_time END,
        hotmesh.js_to_number(p_year), hotmesh.date_optional_number(p_month),
        hotmesh.date_optional_number(p_day), NULL, NULL, NULL, NULL));
END
$$;

CREATE OR REPLACE FUNCTION hotmesh.fn_date_sethours(
    p_date jsonb, p_hours jsonb, p_minutes jsonb DEFAULT NULL,
    p_seconds jsonb DEFAULT NULL, p_ms jsonb DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN hotmesh.js_number(hotmesh.date_set(
        hotmesh.date_input(p_date, 'setHours'), NULL, NULL, NULL,
        hotmesh.js_to_number(p_hours), hotmesh.date_optional_number(p_minutes),
        hotmesh.date_optional_number(p_seconds), hotmesh.date_optional_number(p_ms)));
END
$$;

CREATE OR REPLACE FUNCTION hotmesh.fn_date_setmilliseconds(p_date jsonb, p_ms jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN hotmesh.js_number(hotmesh.date_set(
        hotmesh.date_input(p_date, 'setMilliseconds'), NULL, NULL, NULL, NULL, NULL, NULL,
        hotmesh.js_to_number(p_ms)));
END
$$;

CREATE OR REPLACE FUNCTION hotmesh.fn_date_setminutes(
    p_date jsonb, p_minutes jsonb, p_seconds jsonb DEFAULT NULL, p_ms jsonb DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN hotmesh.js_number(hotmesh.date_set(
        hotmesh.date_input(p_date, 'setMinutes'), NULL, NULL, NULL, NULL,
        hotmesh.js_to_number(p_minutes), hotmesh.date_optional_number(p_seconds),
        hotmesh.date_optional_number(p_ms)));
END
$$;

-- The month is 0-based.
CREATE OR REPLACE FUNCTION hotmesh.fn_date_setmonth(
    p_date jsonb, p_month jsonb, p_day jsonb DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN hotmesh.js_number(hotmesh.date_set(
        hotmesh.date_input(p_date, 'setMonth'), NULL, hotmesh.js_to_number(p_month),
        hotmesh.date_optional_number(p_day), NULL, NULL, NULL, NULL));
END
$$;

CREATE OR REPLACE FUNCTION hotmesh.fn_date_setseconds(
    p_date jsonb, p_seconds jsonb, p_ms jsonb DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN hotmesh.js_number(hotmesh.date_set(
        hotmesh.date_input(p_date, 'setSeconds'), NULL, NULL, NULL, NULL, NULL,
        hotmesh.js_to_number(p_seconds), hotmesh.date_optional_number(p_ms)));
END
$$;

-- The date operand is still checked (HotMesh builds the Date first), then replaced.
CREATE OR REPLACE FUNCTION hotmesh.fn_date_settime(p_date jsonb, p_time jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    PERFORM hotmesh.date_input(p_date, 'setTime');
    RETURN hotmesh.js_number(hotmesh.date_time_clip(hotmesh.js_to_number(p_time)));
END
$$;

CREATE OR REPLACE FUNCTION hotmesh.fn_date_setutcdate(p_date jsonb, p_day jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN hotmesh.js_number(hotmesh.date_set(
        hotmesh.date_input(p_date, 'setUTCDate'),
        NULL, NULL, hotmesh.js_to_number(p_day), NULL, NULL, NULL, NULL));
END
$$;

-- Like JavaScript, an Invalid Date counts as epoch 0 here, so the year makes it valid again.
CREATE OR REPLACE FUNCTION hotmesh.fn_date_setutcfullyear(
    p_date jsonb, p_year jsonb, p_month jsonb DEFAULT NULL, p_day jsonb DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_time double precision := hotmesh.date_input(p_date, 'setUTCFullYear');
BEGIN
    RETURN hotmesh.js_number(hotmesh.date_set(
        CASE WHEN v_time = 'NaN' THEN 0 ELSE v_time END,
        hotmesh.js_to_number(p_year), hotmesh.date_optional_number(p_month),
        hotmesh.date_optional_number(p_day), NULL, NULL, NULL, NULL));
END
$$;

CREATE OR REPLACE FUNCTION hotmesh.fn_date_setutchours(
    p_date jsonb, p_hours jsonb, p_minutes jsonb DEFAULT NULL,
    p_seconds jsonb DEFAULT NULL, p_ms jsonb DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN hotmesh.js_number(hotmesh.date_set(
        hotmesh.date_input(p_date, 'setUTCHours'), NULL, NULL, NULL,
        hotmesh.js_to_number(p_hours), hotmesh.date_optional_number(p_minutes),
        hotmesh.date_optional_number(p_seconds), hotmesh.date_optional_number(p_ms)));
END
$$;

CREATE OR REPLACE FUNCTION hotmesh.fn_date_setutcmilliseconds(p_date jsonb, p_ms jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN hotmesh.js_number(hotmesh.date_set(
        hotmesh.date_input(p_date, 'setUTCMilliseconds'), NULL, NULL, NULL, NULL, NULL, NULL,
        hotmesh.js_to_number(p_ms)));
END
$$;

CREATE OR REPLACE FUNCTION hotmesh.fn_date_setutcminutes(
    p_date jsonb, p_minutes jsonb, p_seconds jsonb DEFAULT NULL, p_ms jsonb DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN hotmesh.js_number(hotmesh.date_set(
        hotmesh.date_input(p_date, 'setUTCMinutes'), NULL, NULL, NULL, NULL,
        hotmesh.js_to_number(p_minutes), hotmesh.date_optional_number(p_seconds),
        hotmesh.date_optional_number(p_ms)));
END
$$;

-- The month is 0-based.
CREATE OR REPLACE FUNCTION hotmesh.fn_date_setutcmonth(
    p_date jsonb, p_month jsonb, p_day jsonb DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN hotmesh.js_number(hotmesh.date_set(
        hotmesh.date_input(p_date, 'setUTCMonth'), NULL, hotmesh.js_to_number(p_month),
        hotmesh.date_optional_number(p_day), NULL, NULL, NULL, NULL));
END
$$;

CREATE OR REPLACE FUNCTION hotmesh.fn_date_setutcseconds(
    p_date jsonb, p_seconds jsonb, p_ms jsonb DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN hotmesh.js_number(hotmesh.date_set(
        hotmesh.date_input(p_date, 'setUTCSeconds'), NULL, NULL, NULL, NULL, NULL,
        hotmesh.js_to_number(p_seconds), hotmesh.date_optional_number(p_ms)));
END
$$;

---------------------------------------------------------------------------------------------
-- Formatters (en-US in UTC; locales and options are ignored)
---------------------------------------------------------------------------------------------

-- "Tue Jan 02 2024", or "Invalid Date".
CREATE OR REPLACE FUNCTION hotmesh.fn_date_todatestring(p_date jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN to_jsonb(hotmesh.date_date_string(hotmesh.date_input(p_date, 'toDateString')));
END
$$;

-- "2024-01-02T03:04:05.678Z"; an Invalid Date throws (RangeError in JavaScript).
CREATE OR REPLACE FUNCTION hotmesh.fn_date_toisostring(p_date jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN to_jsonb(hotmesh.date_iso_string_or_raise(
        hotmesh.date_input(p_date, 'toISOString'), 'toISOString'));
END
$$;

-- The ISO string without '-', ':', 'T' and 'Z' ("20240102030405.678"). A falsy or missing
-- operand means now, as HotMesh's `date ? ... : new Date()` has it.
CREATE OR REPLACE FUNCTION hotmesh.fn_date_toisoxstring(p_date jsonb DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
STABLE
PARALLEL SAFE
AS $$
DECLARE
    v_time double precision;
BEGIN
    IF hotmesh.js_truthy(p_date) AND p_date <> '"NaN"' THEN
        v_time := hotmesh.date_input(p_date, 'toISOXString');
    ELSE
        v_time := floor(extract(epoch FROM hotmesh.now()) * 1000);
    END IF;
    RETURN to_jsonb(translate(hotmesh.date_iso_string_or_raise(v_time, 'toISOXString'),
                              '-:TZ', ''));
END
$$;

-- The ISO string, or null for an Invalid Date (toJSON does not throw).
CREATE OR REPLACE FUNCTION hotmesh.fn_date_tojson(p_date jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN coalesce(to_jsonb(hotmesh.date_iso_string(hotmesh.date_input(p_date, 'toJSON'))),
                    'null'::jsonb);
END
$$;

-- "1/2/2024" (en-US, UTC; locales and options are ignored).
CREATE OR REPLACE FUNCTION hotmesh.fn_date_tolocaledatestring(
    p_date jsonb, p_locales jsonb DEFAULT NULL, p_options jsonb DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN to_jsonb(hotmesh.date_locale_string(
        hotmesh.date_input(p_date, 'toLocaleDateString'), 'date'));
END
$$;

-- "1/2/2024, 3:04:05 AM" (en-US, UTC; locales and options are ignored).
CREATE OR REPLACE FUNCTION hotmesh.fn_date_tolocalestring(
    p_date jsonb, p_locales jsonb DEFAULT NULL, p_options jsonb DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN to_jsonb(hotmesh.date_locale_string(
        hotmesh.date_input(p_date, 'toLocaleString'), 'both'));
END
$$;

-- "3:04:05 AM" (en-US, UTC; locales and options are ignored).
CREATE OR REPLACE FUNCTION hotmesh.fn_date_tolocaletimestring(
    p_date jsonb, p_locales jsonb DEFAULT NULL, p_options jsonb DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN to_jsonb(hotmesh.date_locale_string(
        hotmesh.date_input(p_date, 'toLocaleTimeString'), 'time'));
END
$$;

-- "Tue Jan 02 2024 03:04:05 GMT+0000 (Coordinated Universal Time)", or "Invalid Date".
CREATE OR REPLACE FUNCTION hotmesh.fn_date_tostring(p_date jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_time double precision := hotmesh.date_input(p_date, 'toString');
    v_p    integer[] := hotmesh.date_parts(v_time);
BEGIN
    IF v_p IS NULL THEN
        RETURN '"Invalid Date"';
    END IF;
    RETURN to_jsonb(hotmesh.date_date_string(v_time)
                    || ' ' || lpad(v_p[4]::text, 2, '0') || ':' || lpad(v_p[5]::text, 2, '0')
                    || ':' || lpad(v_p[6]::text, 2, '0')
                    || ' GMT+0000 (Coordinated Universal Time)');
END
$$;

-- Epoch milliseconds.
CREATE OR REPLACE FUNCTION hotmesh.fn_date_valueof(p_date jsonb)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN hotmesh.js_number(hotmesh.date_input(p_date, 'valueOf'));
END
$$;

---------------------------------------------------------------------------------------------
-- Date.UTC
---------------------------------------------------------------------------------------------

-- Epoch ms of a UTC date (month 0-based; years 0-99 mean 1900-1999). An omitted (undefined)
-- field takes its default, as when the argument is not passed at all.
CREATE OR REPLACE FUNCTION hotmesh.fn_date_utc(
    p_year jsonb, p_month jsonb DEFAULT NULL, p_day jsonb DEFAULT NULL,
    p_hours jsonb DEFAULT NULL, p_minutes jsonb DEFAULT NULL,
    p_seconds jsonb DEFAULT NULL, p_ms jsonb DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_year double precision := hotmesh.js_to_number(p_year);
BEGIN
    IF trunc(v_year) BETWEEN 0 AND 99 THEN
        v_year := 1900 + trunc(v_year);
    END IF;
    RETURN hotmesh.js_number(hotmesh.date_make_date(
        hotmesh.date_make_day(v_year, coalesce(hotmesh.date_optional_number(p_month), 0),
                              coalesce(hotmesh.date_optional_number(p_day), 1)),
        hotmesh.date_make_time(coalesce(hotmesh.date_optional_number(p_hours), 0),
                               coalesce(hotmesh.date_optional_number(p_minutes), 0),
                               coalesce(hotmesh.date_optional_number(p_seconds), 0),
                               coalesce(hotmesh.date_optional_number(p_ms), 0))));
END
$$;
