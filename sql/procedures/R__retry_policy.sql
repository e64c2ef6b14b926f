-- Retry policies: parsing the HotMesh retry options and computing backoff delays.
--
-- A policy is the JSON object users know from HotMesh:
--   {"maximumAttempts": 5, "backoffCoefficient": 2, "maximumInterval": "300s", "initialInterval": 1}
-- Intervals are seconds (a number) or a Postgres interval string ('300s', '2 minutes').

-- Seconds in a duration given as a JSON number or an interval string; p_field names it in errors.
CREATE OR REPLACE FUNCTION hotmesh.duration_seconds(p_value jsonb, p_field text)
RETURNS numeric
LANGUAGE plpgsql
IMMUTABLE
AS $$
DECLARE
    v_seconds numeric;
BEGIN
    IF p_value IS NULL OR jsonb_typeof(p_value) = 'null' THEN
        RETURN NULL;
    ELSIF jsonb_typeof(p_value) = 'number' THEN
        v_seconds := p_value::text::numeric;
    ELSIF jsonb_typeof(p_value) = 'string' THEN
        BEGIN
            IF p_value #>> '{}' ~ '^\s*[0-9]+(\.[0-9]+)?\s*$' THEN
                v_seconds := (p_value #>> '{}')::numeric;
            ELSE
                v_seconds := extract(epoch FROM (p_value #>> '{}')::interval);
            END IF;
        EXCEPTION WHEN invalid_datetime_format OR datetime_field_overflow
                       OR interval_field_overflow THEN
            RAISE EXCEPTION 'retry policy field % is not a duration: %', p_field, p_value
                USING ERRCODE = 'invalid_parameter_value';
        END;
    ELSE
        RAISE EXCEPTION 'retry policy field % must be a number of seconds or a duration string, got %',
            p_field, p_value
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF v_seconds <= 0 THEN
        RAISE EXCEPTION 'retry policy field % must be positive, got %', p_field, p_value
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN v_seconds;
END
$$;

-- The policy's fields, validated; a field that is absent is NULL.
CREATE OR REPLACE FUNCTION hotmesh.retry_policy(
    p_policy jsonb,
    OUT max_attempts integer,
    OUT backoff_coefficient numeric,
    OUT maximum_interval_s numeric,
    OUT initial_interval_s numeric
)
LANGUAGE plpgsql
IMMUTABLE
AS $$
DECLARE
    v_key text;
BEGIN
    IF p_policy IS NULL OR jsonb_typeof(p_policy) = 'null' THEN
        RETURN;
    END IF;
    IF jsonb_typeof(p_policy) <> 'object' THEN
        RAISE EXCEPTION 'retry policy must be a JSON object, got %', p_policy
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOR v_key IN SELECT jsonb_object_keys(p_policy) LOOP
        IF v_key NOT IN ('maximumAttempts', 'backoffCoefficient', 'maximumInterval',
                         'initialInterval') THEN
            RAISE EXCEPTION 'unknown retry policy field %', v_key
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'expected maximumAttempts, backoffCoefficient, maximumInterval, initialInterval';
        END IF;
    END LOOP;

    IF p_policy ? 'maximumAttempts' THEN
        IF jsonb_typeof(p_policy -> 'maximumAttempts') <> 'number'
           OR (p_policy ->> 'maximumAttempts')::numeric <> trunc((p_policy ->> 'maximumAttempts')::numeric)
           OR (p_policy ->> 'maximumAttempts')::numeric NOT BETWEEN 1 AND 1000000 THEN
            RAISE EXCEPTION 'retry policy field maximumAttempts must be an integer from 1 to 1000000, got %',
                p_policy -> 'maximumAttempts'
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        -- Through numeric: an integral JSON number may be written 3.0 (Python's json does).
        max_attempts := (p_policy ->> 'maximumAttempts')::numeric::integer;
    END IF;

    IF p_policy ? 'backoffCoefficient' THEN
        IF jsonb_typeof(p_policy -> 'backoffCoefficient') <> 'number'
           OR (p_policy ->> 'backoffCoefficient')::numeric < 1 THEN
            RAISE EXCEPTION 'retry policy field backoffCoefficient must be a number >= 1, got %',
                p_policy -> 'backoffCoefficient'
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        backoff_coefficient := (p_policy ->> 'backoffCoefficient')::numeric;
    END IF;

    maximum_interval_s := hotmesh.duration_seconds(p_policy -> 'maximumInterval', 'maximumInterval');
    initial_interval_s := hotmesh.duration_seconds(p_policy -> 'initialInterval', 'initialInterval');
END
$$;

-- Seconds to wait after failed attempt number p_attempt (1-based) before the next one:
-- min(initial × coefficient ^ attempt, maximum). As in HotMesh, the first retry therefore waits
-- initial × coefficient (10 s with the defaults), the second initial × coefficient² (100 s).
CREATE OR REPLACE FUNCTION hotmesh.retry_delay_seconds(
    p_attempt integer,
    p_initial_interval_s numeric,
    p_backoff_coefficient numeric,
    p_maximum_interval_s numeric
)
RETURNS numeric
LANGUAGE sql
IMMUTABLE
AS $$
    -- Logarithms tell whether the maximum is reached before any power is computed: the power
    -- is then only taken when it stays below maximum / initial, so it never overflows numeric
    -- (a huge coefficient) and needs no exponent cap (which undershot small coefficients:
    -- 1.01 ^ 200 is only 7.3).
    SELECT CASE
        WHEN p_backoff_coefficient > 1
             AND p_attempt * ln(p_backoff_coefficient)
                 >= ln(p_maximum_interval_s / p_initial_interval_s)
            THEN p_maximum_interval_s
        ELSE least(
            p_maximum_interval_s,
            p_initial_interval_s * power(p_backoff_coefficient, p_attempt::numeric)
        )
    END
$$;
