-- The @cron domain of the @pipe catalog: {@cron.nextDelay} as hotmesh.fn_cron_nextdelay(jsonb).
--
-- Standard 5-field cron (minute hour day-of-month month day-of-week), evaluated in UTC:
-- '*', lists 'a,b', ranges 'a-b', steps '*/n', 'a-b/n' and 'a/n' (a to the field's maximum),
-- month names JAN-DEC and weekday names SUN-SAT (any case), weekdays 0-7 with 7 = Sunday, '?'
-- as '*' in the two day fields. When both day fields are restricted (neither covers every
-- value), a day matching either one matches, as in Vixie cron.
-- The next occurrence is found by walking months, then days, then hours, then minutes, each
-- jumping to the next allowed value, so a yearly schedule costs a few dozen steps.

-- The allowed values of one field, ascending (without duplicates). Raises 22023 naming the
-- expression for anything that is not valid in the field.
CREATE OR REPLACE FUNCTION hotmesh.cron_field_values(
    p_field text, p_name text, p_min integer, p_max integer, p_names text[], p_expr text)
RETURNS integer[]
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_item   text;
    v_m      text[];
    v_from   integer;
    v_to     integer;
    v_step   integer;
    v_values integer[] := '{}';
    v_bound  text[];
BEGIN
    FOREACH v_item IN ARRAY string_to_array(lower(p_field), ',') LOOP
        -- '*' or '?', or a value or range of numbers or names; then an optional '/step'
        v_m := regexp_match(v_item, '^(?:(\*|\?)|(\d+|[a-z]+)(?:-(\d+|[a-z]+))?)(?:/(\d+))?$');
        IF v_m IS NULL OR (v_m[1] = '?' AND p_name NOT IN ('day-of-month', 'day-of-week')) THEN
            RAISE EXCEPTION '@cron.nextDelay: invalid cron expression "%" (bad % field "%")',
                p_expr, p_name, p_field USING ERRCODE = 'invalid_parameter_value';
        END IF;
        -- names become numbers: months count from 1, weekdays from 0 (Sunday)
        v_bound := ARRAY[v_m[2], v_m[3]];
        FOR i IN 1 .. 2 LOOP
            IF v_bound[i] ~ '^[a-z]' THEN
                IF array_position(p_names, v_bound[i]) IS NULL THEN
                    RAISE EXCEPTION
                        '@cron.nextDelay: invalid cron expression "%" (bad % field "%")',
                        p_expr, p_name, p_field USING ERRCODE = 'invalid_parameter_value';
                END IF;
                v_bound[i] := (array_position(p_names, v_bound[i]) - 1
                               + CASE WHEN p_name = 'month' THEN 1 ELSE 0 END)::text;
            END IF;
        END LOOP;
        IF v_m[1] IS NOT NULL THEN
            v_from := p_min;
            v_to := p_max;
        ELSE
            -- a long run of digits is out of range anyway; keep the cast from overflowing
            v_from := least(v_bound[1]::numeric, 1000000)::integer;
            v_to := CASE
                WHEN v_bound[2] IS NOT NULL THEN least(v_bound[2]::numeric, 1000000)::integer
                WHEN v_m[4] IS NOT NULL THEN p_max  -- 'a/n' steps from a to the maximum
                ELSE v_from
            END;
        END IF;
        v_step := least(coalesce(v_m[4], '1')::numeric, 1000000)::integer;
        IF v_from < p_min OR v_to > p_max THEN
            RAISE EXCEPTION
                '@cron.nextDelay: invalid cron expression "%" (% field "%" is outside %-%)',
                p_expr, p_name, p_field, p_min, p_max USING ERRCODE = 'invalid_parameter_value';
        ELSIF v_from > v_to OR v_step < 1 THEN
            RAISE EXCEPTION
                '@cron.nextDelay: invalid cron expression "%" (bad range or step in % field "%")',
                p_expr, p_name, p_field USING ERRCODE = 'invalid_parameter_value';
        END IF;
        v_values := v_values || ARRAY(SELECT generate_series(v_from, v_to, v_step));
    END LOOP;
    RETURN ARRAY(SELECT DISTINCT v FROM unnest(v_values) v ORDER BY v);
END
$$;

-- The first value of an ascending array that is >= p_from, NULL if none.
CREATE OR REPLACE FUNCTION hotmesh.cron_next_value(p_values integer[], p_from integer)
RETURNS integer
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v integer;
BEGIN
    FOREACH v IN ARRAY p_values LOOP
        IF v >= p_from THEN
            RETURN v;
        END IF;
    END LOOP;
    RETURN NULL;
END
$$;

-- The first minute strictly after p_after (in UTC) that the expression matches.
CREATE OR REPLACE FUNCTION hotmesh.cron_next(p_expr text, p_after timestamptz)
RETURNS timestamptz
LANGUAGE plpgsql
IMMUTABLE
PARALLEL SAFE
AS $$
DECLARE
    v_fields   text[] := regexp_split_to_array(btrim(p_expr, E' \t\n\r'), '\s+');
    v_minutes  integer[];
    v_hours    integer[];
    v_doms     integer[];
    v_months   integer[];
    v_dows     integer[];
    v_dom_star boolean;
    v_dow_star boolean;
    v_start    timestamp := date_trunc('minute', p_after AT TIME ZONE 'UTC') + interval '1 minute';
    v_year     integer := extract(year FROM v_start);
    v_month    integer := extract(month FROM v_start);
    v_day      integer := extract(day FROM v_start);
    v_hour     integer := extract(hour FROM v_start);
    v_minute   integer := extract(minute FROM v_start);
    v_next     integer;
    v_dom_ok   boolean;
    v_dow_ok   boolean;
    v_day_ok   boolean;
BEGIN
    IF array_length(v_fields, 1) IS DISTINCT FROM 5 THEN
        RAISE EXCEPTION '@cron.nextDelay: invalid cron expression "%" (expected 5 fields: '
                        'minute hour day-of-month month day-of-week)', p_expr
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    v_minutes := hotmesh.cron_field_values(v_fields[1], 'minute', 0, 59, NULL, p_expr);
    v_hours := hotmesh.cron_field_values(v_fields[2], 'hour', 0, 23, NULL, p_expr);
    v_doms := hotmesh.cron_field_values(v_fields[3], 'day-of-month', 1, 31, NULL, p_expr);
    v_months := hotmesh.cron_field_values(v_fields[4], 'month', 1, 12,
        ARRAY['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'],
        p_expr);
    v_dows := hotmesh.cron_field_values(v_fields[5], 'day-of-week', 0, 7,
        ARRAY['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'], p_expr);
    -- 7 is Sunday too
    v_dows := ARRAY(SELECT DISTINCT v % 7 FROM unnest(v_dows) v ORDER BY 1);
    v_dom_star := cardinality(v_doms) = 31;
    v_dow_star := cardinality(v_dows) = 7;

    LOOP
        -- a day-of-month that only exists in leap years recurs within 8 years; past that the
        -- expression names a day that never comes (e.g. 30 2 for February 30)
        IF v_year > extract(year FROM v_start) + 8 THEN
            RAISE EXCEPTION
                '@cron.nextDelay: invalid cron expression "%" (it never matches a date)', p_expr
                USING ERRCODE = 'invalid_parameter_value';
        END IF;

        v_next := hotmesh.cron_next_value(v_months, v_month);
        IF v_next IS NULL THEN
            v_year := v_year + 1;
            v_month := v_months[1];
            v_day := 1;
            v_hour := 0;
            v_minute := 0;
            CONTINUE;
        ELSIF v_next > v_month THEN
            v_month := v_next;
            v_day := 1;
            v_hour := 0;
            v_minute := 0;
        END IF;

        IF v_day > extract(day FROM date_trunc('month', make_date(v_year, v_month, 1))
                                    + interval '1 month - 1 day') THEN
            v_month := v_month + 1;
            IF v_month > 12 THEN
                v_year := v_year + 1;
                v_month := 1;
            END IF;
            v_day := 1;
            v_hour := 0;
            v_minute := 0;
            CONTINUE;
        END IF;
        v_dom_ok := v_day = ANY (v_doms);
        v_dow_ok := extract(dow FROM make_date(v_year, v_month, v_day))::integer = ANY (v_dows);
        IF v_dom_star OR v_dow_star THEN
            v_day_ok := v_dom_ok AND v_dow_ok;
        ELSE
            v_day_ok := v_dom_ok OR v_dow_ok;  -- both restricted: either one will do
        END IF;
        IF NOT v_day_ok THEN
            v_day := v_day + 1;
            v_hour := 0;
            v_minute := 0;
            CONTINUE;
        END IF;

        v_next := hotmesh.cron_next_value(v_hours, v_hour);
        IF v_next IS NULL THEN
            v_day := v_day + 1;
            v_hour := 0;
            v_minute := 0;
            CONTINUE;
        ELSIF v_next > v_hour THEN
            v_hour := v_next;
            v_minute := 0;
        END IF;

        v_next := hotmesh.cron_next_value(v_minutes, v_minute);
        IF v_next IS NULL THEN
            v_hour := v_hour + 1;
            v_minute := 0;
            IF v_hour > 23 THEN
                v_day := v_day + 1;
                v_hour := 0;
            END IF;
            CONTINUE;
        END IF;
        RETURN make_timestamptz(v_year, v_month, v_day, v_hour, v_next, 0, 'UTC');
    END LOOP;
END
$$;

-- Seconds until the next occurrence after hotmesh.now(), rounded, at least 1. -1 when the
-- operand is not a string (undefined, null, a number, ...), as HotMesh's guard has it.
CREATE OR REPLACE FUNCTION hotmesh.fn_cron_nextdelay(p_cron_expression jsonb)
RETURNS jsonb
LANGUAGE plpgsql
STABLE
PARALLEL SAFE
AS $$
DECLARE
    v_now timestamptz := hotmesh.now();
BEGIN
    -- the "NaN"/"Infinity" strings stand for numbers
    IF jsonb_typeof(p_cron_expression) IS DISTINCT FROM 'string'
       OR p_cron_expression IN ('"NaN"', '"Infinity"', '"-Infinity"') THEN
        RETURN '-1'::jsonb;
    END IF;
    RETURN to_jsonb(greatest(1, round(extract(epoch FROM
        hotmesh.cron_next(p_cron_expression #>> '{}', v_now) - v_now)))::bigint);
END
$$;
