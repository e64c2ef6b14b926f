-- The one clock of the engine.
--
-- hotmesh.now() is the transaction time, unless the setting hotmesh.clock is 'test': then it is
-- the time stored in hotmesh.test_clock, which tests move with set_test_clock and
-- advance_test_clock instead of sleeping. The setting can be given per session
-- (SET hotmesh.clock = 'test') or per database (ALTER DATABASE ... SET hotmesh.clock = 'test'),
-- so every process of a test run shares one clock.

-- A SQL function of one expression: the planner inlines it wherever it is called (in queries
-- and in PL/pgSQL expressions alike), so the engine's many calls cost no function call. The
-- test clock's look-up is a function of its own (a sub-select here would stop the inlining,
-- and a SQL function that is not inlined is planned on every call).
CREATE OR REPLACE FUNCTION hotmesh.test_clock_now()
RETURNS timestamptz
LANGUAGE plpgsql
STABLE
PARALLEL SAFE
AS $$
BEGIN
    RETURN coalesce((SELECT c.now FROM hotmesh.test_clock c), now());
END
$$;

CREATE OR REPLACE FUNCTION hotmesh.now()
RETURNS timestamptz
LANGUAGE sql
STABLE
PARALLEL SAFE
AS $$
    SELECT CASE WHEN current_setting('hotmesh.clock', true) = 'test'
                THEN hotmesh.test_clock_now() ELSE now() END
$$;

CREATE OR REPLACE FUNCTION hotmesh.set_test_clock(p_now timestamptz)
RETURNS timestamptz
LANGUAGE sql
AS $$
    INSERT INTO hotmesh.test_clock (singleton, now) VALUES (true, p_now)
    ON CONFLICT (singleton) DO UPDATE SET now = excluded.now
    RETURNING now
$$;

CREATE OR REPLACE FUNCTION hotmesh.advance_test_clock(p_by interval)
RETURNS timestamptz
LANGUAGE sql
AS $$
    INSERT INTO hotmesh.test_clock AS c (singleton, now) VALUES (true, now() + p_by)
    ON CONFLICT (singleton) DO UPDATE SET now = c.now + p_by
    RETURNING now
$$;
