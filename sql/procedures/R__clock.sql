-- The one clock of the engine.
--
-- hotmesh.now() is the transaction time, unless the setting hotmesh.clock is 'test': then it is
-- the time stored in hotmesh.test_clock, which tests move with set_test_clock and
-- advance_test_clock instead of sleeping. The setting can be given per session
-- (SET hotmesh.clock = 'test') or per database (ALTER DATABASE ... SET hotmesh.clock = 'test'),
-- so every process of a test run shares one clock.

CREATE OR REPLACE FUNCTION hotmesh.now()
RETURNS timestamptz
LANGUAGE plpgsql
STABLE
PARALLEL SAFE
AS $$
BEGIN
    -- plpgsql, not sql: called a dozen times per engine step, and a SQL function with a
    -- sub-select is planned on every call
    IF current_setting('hotmesh.clock', true) = 'test' THEN
        RETURN coalesce((SELECT c.now FROM hotmesh.test_clock c), now());
    END IF;
    RETURN now();
END
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
