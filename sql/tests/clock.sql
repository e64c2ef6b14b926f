-- hotmesh.now() and the test clock.
BEGIN;
SELECT plan(7);

SELECT is(hotmesh.now(), now(), 'without the test clock, now() is the transaction time');

SET LOCAL hotmesh.clock = 'test';
SELECT is(hotmesh.now(), now(), 'the test clock with no time set falls back to now()');

SELECT hotmesh.set_test_clock('2030-01-01 00:00:00+00');
SELECT is(hotmesh.now(), '2030-01-01 00:00:00+00'::timestamptz, 'set_test_clock sets the time');

SELECT is(hotmesh.advance_test_clock('90 seconds'), '2030-01-01 00:01:30+00'::timestamptz,
          'advance_test_clock returns the new time');
SELECT is(hotmesh.now(), '2030-01-01 00:01:30+00'::timestamptz, 'now() follows the advanced clock');

SET LOCAL hotmesh.clock = '';
SELECT is(hotmesh.now(), now(), 'turning the setting off restores the real clock');

-- inlined where it is called: a query's plan shows the clock's expression, not a call
CREATE FUNCTION pg_temp.plan_of(p_query text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    v_line text;
    v_plan text := '';
BEGIN
    FOR v_line IN EXECUTE 'EXPLAIN (VERBOSE, COSTS OFF) ' || p_query LOOP
        v_plan := v_plan || v_line || ' ';
    END LOOP;
    RETURN v_plan;
END $$;
SELECT ok(pg_temp.plan_of('SELECT hotmesh.now()') LIKE '%current_setting%'
          AND pg_temp.plan_of('SELECT hotmesh.now()') NOT LIKE '%hotmesh.now%',
          'hotmesh.now() is inlined into the statements that call it');

SELECT * FROM finish();
ROLLBACK;
