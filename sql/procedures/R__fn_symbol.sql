-- @symbol: the @pipe constants (hotmesh.fn_symbol_*), nullary. undefined is SQL NULL; the
-- non-finite numbers are their marker strings; date is the engine's current time (hotmesh.now(),
-- so the test clock moves it) as the ISO string JSON.stringify makes of a Date.

-- null
CREATE OR REPLACE FUNCTION hotmesh.fn_symbol_null()
RETURNS jsonb
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
AS $$
    SELECT 'null'::jsonb
$$;

-- undefined: SQL NULL.
CREATE OR REPLACE FUNCTION hotmesh.fn_symbol_undefined()
RETURNS jsonb
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
AS $$
    SELECT NULL::jsonb
$$;

-- ' '
CREATE OR REPLACE FUNCTION hotmesh.fn_symbol_whitespace()
RETURNS jsonb
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
AS $$
    SELECT '" "'::jsonb
$$;

-- {}
CREATE OR REPLACE FUNCTION hotmesh.fn_symbol_object()
RETURNS jsonb
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
AS $$
    SELECT '{}'::jsonb
$$;

-- []
CREATE OR REPLACE FUNCTION hotmesh.fn_symbol_array()
RETURNS jsonb
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
AS $$
    SELECT '[]'::jsonb
$$;

-- Infinity
CREATE OR REPLACE FUNCTION hotmesh.fn_symbol_posinfinity()
RETURNS jsonb
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
AS $$
    SELECT '"Infinity"'::jsonb
$$;

-- -Infinity
CREATE OR REPLACE FUNCTION hotmesh.fn_symbol_neginfinity()
RETURNS jsonb
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
AS $$
    SELECT '"-Infinity"'::jsonb
$$;

-- NaN
CREATE OR REPLACE FUNCTION hotmesh.fn_symbol_nan()
RETURNS jsonb
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
AS $$
    SELECT '"NaN"'::jsonb
$$;

-- new Date(): the current time as "YYYY-MM-DDTHH:MM:SS.mmmZ".
CREATE OR REPLACE FUNCTION hotmesh.fn_symbol_date()
RETURNS jsonb
LANGUAGE sql
STABLE
PARALLEL SAFE
AS $$
    SELECT to_jsonb(to_char(hotmesh.now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
$$;
