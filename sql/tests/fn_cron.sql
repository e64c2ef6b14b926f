-- The @cron domain (R__fn_cron.sql): hotmesh.cron_next finds the next matching minute,
-- hotmesh.fn_cron_nextdelay turns it into whole seconds from hotmesh.now() (the test clock).
BEGIN;
SELECT plan(66);

SET LOCAL hotmesh.clock = 'test';
-- a Tuesday
SELECT hotmesh.set_test_clock('2024-01-02 03:04:05.678+00');
-- The session's time zone must not matter.
SET LOCAL timezone = 'Asia/Kolkata';

-- nextDelay: seconds from now, rounded (54.322 s to 03:05:00 is 54).
SELECT is(hotmesh.fn_cron_nextdelay('"* * * * *"'), '54'::jsonb, 'every minute: the next minute');
SELECT is(hotmesh.fn_cron_nextdelay('"*/5 * * * *"'), '54'::jsonb, '*/5: 03:05');
SELECT is(hotmesh.fn_cron_nextdelay('"0 0 * * *"'), '75354'::jsonb, 'daily at midnight: tomorrow 00:00');
SELECT is(hotmesh.fn_cron_nextdelay('"0 9 * * MON-FRI"'), '21354'::jsonb, 'weekdays at 9: today (a Tuesday) 09:00');
SELECT is(hotmesh.fn_cron_nextdelay('"0 0 1 1 *"'), '31524954'::jsonb, 'yearly: next January 1');
SELECT is(hotmesh.fn_cron_nextdelay('"59 23 31 12 *"'), '31524894'::jsonb, 'December 31 at 23:59');
SELECT is(hotmesh.fn_cron_nextdelay(E'"\\t0  0 * * *\\n"'), '75354'::jsonb,
          'extra whitespace between and around the fields');

-- Rounding and the 1-second floor.
SELECT hotmesh.set_test_clock('2024-01-02 03:05:00+00');
SELECT is(hotmesh.fn_cron_nextdelay('"* * * * *"'), '60'::jsonb,
          'exactly on a match: the next one (strictly after now)');
SELECT hotmesh.set_test_clock('2024-01-02 03:04:58.5+00');
SELECT is(hotmesh.fn_cron_nextdelay('"* * * * *"'), '2'::jsonb, '1.5 s rounds up to 2 (Math.round)');
SELECT hotmesh.set_test_clock('2024-01-02 03:04:59.4+00');
SELECT is(hotmesh.fn_cron_nextdelay('"* * * * *"'), '1'::jsonb, '0.6 s rounds to 1');
SELECT hotmesh.set_test_clock('2024-01-02 03:04:59.7+00');
SELECT is(hotmesh.fn_cron_nextdelay('"* * * * *"'), '1'::jsonb, '0.3 s is at least 1 second');
SELECT hotmesh.set_test_clock('2024-12-31 23:59:30+00');
SELECT is(hotmesh.fn_cron_nextdelay('"0 0 1 1 *"'), '30'::jsonb, 'across the new year');
SELECT is(hotmesh.advance_test_clock('1 minute'), '2025-01-01 00:00:30+00'::timestamptz, 'the clock moves on');
SELECT is(hotmesh.fn_cron_nextdelay('"0 0 1 1 *"'), '31535970'::jsonb, 'then the one after (365 days less 30 s)');

-- Not a string: -1, as HotMesh's guard has it.
SELECT is(hotmesh.fn_cron_nextdelay(NULL), '-1'::jsonb, 'undefined is -1');
SELECT is(hotmesh.fn_cron_nextdelay('null'), '-1'::jsonb, 'null is -1');
SELECT is(hotmesh.fn_cron_nextdelay('5'), '-1'::jsonb, 'a number is -1');
SELECT is(hotmesh.fn_cron_nextdelay('"NaN"'), '-1'::jsonb, 'the NaN marker (a number) is -1');
SELECT is(hotmesh.fn_cron_nextdelay('true'), '-1'::jsonb, 'a boolean is -1');
SELECT is(hotmesh.fn_cron_nextdelay('["* * * * *"]'), '-1'::jsonb, 'an array is -1');
SELECT is(hotmesh.fn_cron_nextdelay('{}'), '-1'::jsonb, 'an object is -1');

-- cron_next: the field syntax, from Tuesday 2024-01-02 03:04:05.678 UTC.
SELECT is(hotmesh.cron_next(t.expr, '2024-01-02 03:04:05.678+00'), t.expected::timestamptz,
          format('%s -> %s', t.expr, t.expected))
FROM (VALUES
    ('1-10/2 * * * *',       '2024-01-02 03:05+00'),  -- 1,3,5,7,9
    ('5/15 * * * *',         '2024-01-02 03:05+00'),  -- 5,20,35,50
    ('10,20 * * * *',        '2024-01-02 03:10+00'),
    ('0,30 4-6 * * *',       '2024-01-02 04:00+00'),
    ('0 */7 * * *',          '2024-01-02 07:00+00'),  -- 0,7,14,21
    ('3 3 * * *',            '2024-01-03 03:03+00'),  -- 03:03 today has passed
    ('15 14 1 * *',          '2024-02-01 14:15+00'),
    ('0 0 1 */3 *',          '2024-04-01 00:00+00'),  -- January, April, July, October
    ('0 0 1 jan,JUL *',      '2024-07-01 00:00+00'),
    ('0 0 1 Feb-Mar/1 *',    '2024-02-01 00:00+00'),
    ('0 0 29 2 *',           '2024-02-29 00:00+00'),
    ('0 0 31 * *',           '2024-01-31 00:00+00'),
    ('0 0 31 4-6 *',         '2024-05-31 00:00+00'),  -- April and June have 30 days
    ('0 9 * * SAT,sun',      '2024-01-06 09:00+00'),
    ('0 0 * * 7',            '2024-01-07 00:00+00'),  -- 7 is Sunday
    ('0 0 * * 0',            '2024-01-07 00:00+00'),
    ('0 0 * * 5-7',          '2024-01-05 00:00+00'),
    ('0 0 * * MON',          '2024-01-08 00:00+00'),
    ('0 0 ? * 1',            '2024-01-08 00:00+00'),
    ('0 12 * jan SUN',       '2024-01-07 12:00+00'),  -- day-of-month unrestricted: Sundays only
    ('0 0 13 * 5',           '2024-01-05 00:00+00'),  -- both restricted: the 13th or a Friday
    ('30 4 15 * 5',          '2024-01-05 04:30+00'),
    ('0 0 2 * MON',          '2024-01-08 00:00+00'),  -- today is the 2nd, but 00:00 has passed
    ('* * * * *',            '2024-01-02 03:05+00')
) AS t(expr, expected);
SELECT is(hotmesh.cron_next('0 0 29 2 *', '2096-03-01 00:00+00'), '2104-02-29 00:00+00'::timestamptz,
          'February 29 after 2096 is in 2104 (2100 is no leap year)');
SELECT is(hotmesh.cron_next('0 0 * * *', '2024-01-02 23:59:59.999+00'), '2024-01-03 00:00+00'::timestamptz,
          'a millisecond before midnight');

-- Invalid expressions raise 22023.
SELECT throws_ok($$SELECT hotmesh.fn_cron_nextdelay('""')$$, '22023',
                 '@cron.nextDelay: invalid cron expression "" (expected 5 fields: minute hour day-of-month month day-of-week)',
                 'the empty string');
SELECT throws_ok($$SELECT hotmesh.fn_cron_nextdelay('"* * * *"')$$, '22023',
                 '@cron.nextDelay: invalid cron expression "* * * *" (expected 5 fields: minute hour day-of-month month day-of-week)',
                 'four fields');
SELECT throws_ok($$SELECT hotmesh.fn_cron_nextdelay('"0 * * * * *"')$$, '22023',
                 '@cron.nextDelay: invalid cron expression "0 * * * * *" (expected 5 fields: minute hour day-of-month month day-of-week)',
                 'six fields (seconds are not supported)');
SELECT throws_ok($$SELECT hotmesh.fn_cron_nextdelay('"60 * * * *"')$$, '22023',
                 '@cron.nextDelay: invalid cron expression "60 * * * *" (minute field "60" is outside 0-59)',
                 'minute 60');
SELECT throws_ok($$SELECT hotmesh.fn_cron_nextdelay('"* 24 * * *"')$$, '22023',
                 '@cron.nextDelay: invalid cron expression "* 24 * * *" (hour field "24" is outside 0-23)',
                 'hour 24');
SELECT throws_ok($$SELECT hotmesh.fn_cron_nextdelay('"* * 0 * *"')$$, '22023',
                 '@cron.nextDelay: invalid cron expression "* * 0 * *" (day-of-month field "0" is outside 1-31)',
                 'day 0');
SELECT throws_ok($$SELECT hotmesh.fn_cron_nextdelay('"* * 1-32 * *"')$$, '22023',
                 '@cron.nextDelay: invalid cron expression "* * 1-32 * *" (day-of-month field "1-32" is outside 1-31)',
                 'day 32 in a range');
SELECT throws_ok($$SELECT hotmesh.fn_cron_nextdelay('"* * * 13 *"')$$, '22023',
                 '@cron.nextDelay: invalid cron expression "* * * 13 *" (month field "13" is outside 1-12)',
                 'month 13');
SELECT throws_ok($$SELECT hotmesh.fn_cron_nextdelay('"* * * * 8"')$$, '22023',
                 '@cron.nextDelay: invalid cron expression "* * * * 8" (day-of-week field "8" is outside 0-7)',
                 'weekday 8');
SELECT throws_ok($$SELECT hotmesh.fn_cron_nextdelay('"5-1 * * * *"')$$, '22023',
                 '@cron.nextDelay: invalid cron expression "5-1 * * * *" (bad range or step in minute field "5-1")',
                 'a reversed range');
SELECT throws_ok($$SELECT hotmesh.fn_cron_nextdelay('"*/0 * * * *"')$$, '22023',
                 '@cron.nextDelay: invalid cron expression "*/0 * * * *" (bad range or step in minute field "*/0")',
                 'a zero step');
SELECT throws_ok($$SELECT hotmesh.fn_cron_nextdelay('"* * * foo *"')$$, '22023',
                 '@cron.nextDelay: invalid cron expression "* * * foo *" (bad month field "foo")',
                 'an unknown month name');
SELECT throws_ok($$SELECT hotmesh.fn_cron_nextdelay('"0 0 * * MON-FUN"')$$, '22023',
                 '@cron.nextDelay: invalid cron expression "0 0 * * MON-FUN" (bad day-of-week field "MON-FUN")',
                 'an unknown weekday name');
SELECT throws_ok($$SELECT hotmesh.fn_cron_nextdelay('"0 0 jan * *"')$$, '22023',
                 '@cron.nextDelay: invalid cron expression "0 0 jan * *" (bad day-of-month field "jan")',
                 'a name in a numeric field');
SELECT throws_ok($$SELECT hotmesh.fn_cron_nextdelay('"? * * * *"')$$, '22023',
                 '@cron.nextDelay: invalid cron expression "? * * * *" (bad minute field "?")',
                 '? only in the day fields');
SELECT throws_ok($$SELECT hotmesh.fn_cron_nextdelay('"0 0 L * *"')$$, '22023',
                 '@cron.nextDelay: invalid cron expression "0 0 L * *" (bad day-of-month field "L")',
                 'L (last day) is not supported');
SELECT throws_ok($$SELECT hotmesh.fn_cron_nextdelay('"0 0 1,,2 * *"')$$, '22023',
                 '@cron.nextDelay: invalid cron expression "0 0 1,,2 * *" (bad day-of-month field "1,,2")',
                 'an empty list item');
SELECT throws_ok($$SELECT hotmesh.fn_cron_nextdelay('"0 0 30 2 *"')$$, '22023',
                 '@cron.nextDelay: invalid cron expression "0 0 30 2 *" (it never matches a date)',
                 'February 30 never comes');
SELECT throws_ok($$SELECT hotmesh.fn_cron_nextdelay('"0 0 31 4,6,9,11 *"')$$, '22023',
                 '@cron.nextDelay: invalid cron expression "0 0 31 4,6,9,11 *" (it never matches a date)',
                 'the 31st of 30-day months never comes');

SELECT * FROM finish();
ROLLBACK;
