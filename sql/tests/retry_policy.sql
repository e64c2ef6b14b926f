-- Retry policies: hotmesh.duration_seconds, hotmesh.retry_policy, hotmesh.retry_delay_seconds.
BEGIN;
SELECT plan(50);

-- duration_seconds: a JSON number of seconds or an interval string -----------------------------

SELECT is(hotmesh.duration_seconds('300', 'maximumInterval'), 300::numeric,
          'a JSON number is a number of seconds');
SELECT is(hotmesh.duration_seconds('0.25', 'initialInterval'), 0.25,
          'a fractional JSON number keeps its fraction');
SELECT is(hotmesh.duration_seconds('"300s"', 'maximumInterval'), 300::numeric,
          'the string ''300s'' is 300 seconds');
SELECT is(hotmesh.duration_seconds('"2 minutes"', 'maximumInterval'), 120::numeric,
          'the string ''2 minutes'' is 120 seconds');
SELECT is(hotmesh.duration_seconds('"1 hour 30 minutes"', 'maximumInterval'), 5400::numeric,
          'an interval string with several units adds them up');
SELECT is(hotmesh.duration_seconds('"45"', 'maximumInterval'), 45::numeric,
          'a numeric string is a number of seconds');
SELECT is(hotmesh.duration_seconds('" 2.5 "', 'maximumInterval'), 2.5,
          'a numeric string may be fractional and padded with spaces');
SELECT is(hotmesh.duration_seconds(NULL, 'maximumInterval'), NULL::numeric,
          'SQL NULL gives NULL');
SELECT is(hotmesh.duration_seconds('null', 'maximumInterval'), NULL::numeric,
          'JSON null gives NULL');

SELECT throws_ok($$SELECT hotmesh.duration_seconds('-5', 'initialInterval')$$,
                 '22023', 'retry policy field initialInterval must be positive, got -5',
                 'a negative number is rejected, naming the field');
SELECT throws_ok($$SELECT hotmesh.duration_seconds('0', 'initialInterval')$$,
                 '22023', 'retry policy field initialInterval must be positive, got 0',
                 'zero seconds is rejected');
SELECT throws_ok($$SELECT hotmesh.duration_seconds('"0"', 'initialInterval')$$,
                 '22023', 'retry policy field initialInterval must be positive, got "0"',
                 'the numeric string "0" is rejected');
SELECT throws_ok($$SELECT hotmesh.duration_seconds('"-10 seconds"', 'maximumInterval')$$,
                 '22023', 'retry policy field maximumInterval must be positive, got "-10 seconds"',
                 'a negative interval string is rejected');
SELECT throws_ok($$SELECT hotmesh.duration_seconds('"soon"', 'maximumInterval')$$,
                 '22023', 'retry policy field maximumInterval is not a duration: "soon"',
                 'a string that is no interval is rejected');
SELECT throws_ok($$SELECT hotmesh.duration_seconds('""', 'maximumInterval')$$,
                 '22023', 'retry policy field maximumInterval is not a duration: ""',
                 'an empty string is rejected');
SELECT throws_ok($$SELECT hotmesh.duration_seconds('"99999999999999999999 seconds"', 'maximumInterval')$$,
                 '22023',
                 'retry policy field maximumInterval is not a duration: "99999999999999999999 seconds"',
                 'an interval string out of range is rejected as not a duration');
SELECT throws_ok($$SELECT hotmesh.duration_seconds('true', 'maximumInterval')$$,
                 '22023',
                 'retry policy field maximumInterval must be a number of seconds or a duration string, got true',
                 'a boolean is rejected');
SELECT throws_ok($$SELECT hotmesh.duration_seconds('[1]', 'maximumInterval')$$,
                 '22023',
                 'retry policy field maximumInterval must be a number of seconds or a duration string, got [1]',
                 'an array is rejected');

-- retry_policy: the fields of a policy object, validated ---------------------------------------

SELECT is((SELECT max_attempts FROM hotmesh.retry_policy(
               '{"maximumAttempts": 5, "backoffCoefficient": 2, "maximumInterval": "300s", "initialInterval": 1.5}')),
          5, 'maximumAttempts is parsed');
SELECT is((SELECT backoff_coefficient FROM hotmesh.retry_policy(
               '{"maximumAttempts": 5, "backoffCoefficient": 2, "maximumInterval": "300s", "initialInterval": 1.5}')),
          2::numeric, 'backoffCoefficient is parsed');
SELECT is((SELECT maximum_interval_s FROM hotmesh.retry_policy(
               '{"maximumAttempts": 5, "backoffCoefficient": 2, "maximumInterval": "300s", "initialInterval": 1.5}')),
          300::numeric, 'maximumInterval is parsed to seconds');
SELECT is((SELECT initial_interval_s FROM hotmesh.retry_policy(
               '{"maximumAttempts": 5, "backoffCoefficient": 2, "maximumInterval": "300s", "initialInterval": 1.5}')),
          1.5, 'initialInterval is parsed to seconds');
SELECT ok((SELECT r.backoff_coefficient IS NULL AND r.maximum_interval_s IS NULL
                  AND r.initial_interval_s IS NULL
           FROM hotmesh.retry_policy('{"maximumAttempts": 2}') r),
          'fields absent from the policy are NULL');
SELECT ok((SELECT r IS NULL FROM hotmesh.retry_policy(NULL) r),
          'a NULL policy gives all fields NULL');
SELECT ok((SELECT r IS NULL FROM hotmesh.retry_policy('null') r),
          'a JSON null policy gives all fields NULL');
SELECT ok((SELECT r IS NULL FROM hotmesh.retry_policy('{}') r),
          'an empty policy gives all fields NULL');
SELECT is((SELECT max_attempts FROM hotmesh.retry_policy('{"maximumAttempts": 3.0}')), 3,
          'an integral maximumAttempts written 3.0 is accepted');
SELECT is((SELECT max_attempts FROM hotmesh.retry_policy('{"maximumAttempts": 1000000}')), 1000000,
          'maximumAttempts 1000000 is accepted');
SELECT is((SELECT backoff_coefficient FROM hotmesh.retry_policy('{"backoffCoefficient": 1}')), 1::numeric,
          'backoffCoefficient 1 (no growth) is accepted');

SELECT throws_ok($$SELECT * FROM hotmesh.retry_policy('{"maxAttempts": 3}')$$,
                 '22023', 'unknown retry policy field maxAttempts',
                 'an unknown field is rejected, naming it');
SELECT throws_ok($$SELECT * FROM hotmesh.retry_policy('[{"maximumAttempts": 3}]')$$,
                 '22023', 'retry policy must be a JSON object, got [{"maximumAttempts": 3}]',
                 'a policy that is not an object is rejected');
SELECT throws_ok($$SELECT * FROM hotmesh.retry_policy('{"maximumAttempts": 2.5}')$$,
                 '22023', 'retry policy field maximumAttempts must be an integer from 1 to 1000000, got 2.5',
                 'a non-integer maximumAttempts is rejected');
SELECT throws_ok($$SELECT * FROM hotmesh.retry_policy('{"maximumAttempts": 0}')$$,
                 '22023', 'retry policy field maximumAttempts must be an integer from 1 to 1000000, got 0',
                 'maximumAttempts 0 is rejected');
SELECT throws_ok($$SELECT * FROM hotmesh.retry_policy('{"maximumAttempts": 1000001}')$$,
                 '22023',
                 'retry policy field maximumAttempts must be an integer from 1 to 1000000, got 1000001',
                 'maximumAttempts above 1000000 is rejected');
SELECT throws_ok($$SELECT * FROM hotmesh.retry_policy('{"maximumAttempts": "3"}')$$,
                 '22023', 'retry policy field maximumAttempts must be an integer from 1 to 1000000, got "3"',
                 'maximumAttempts as a string is rejected');
SELECT throws_ok($$SELECT * FROM hotmesh.retry_policy('{"backoffCoefficient": 0.5}')$$,
                 '22023', 'retry policy field backoffCoefficient must be a number >= 1, got 0.5',
                 'backoffCoefficient below 1 is rejected');
SELECT throws_ok($$SELECT * FROM hotmesh.retry_policy('{"backoffCoefficient": "2"}')$$,
                 '22023', 'retry policy field backoffCoefficient must be a number >= 1, got "2"',
                 'backoffCoefficient as a string is rejected');
SELECT throws_ok($$SELECT * FROM hotmesh.retry_policy('{"maximumInterval": "soon"}')$$,
                 '22023', 'retry policy field maximumInterval is not a duration: "soon"',
                 'a bad maximumInterval is rejected, naming the field');
SELECT throws_ok($$SELECT * FROM hotmesh.retry_policy('{"initialInterval": -1}')$$,
                 '22023', 'retry policy field initialInterval must be positive, got -1',
                 'a negative initialInterval is rejected, naming the field');

-- retry_delay_seconds: min(initial × coefficient ^ attempt, maximum) ---------------------------

SELECT is(hotmesh.retry_delay_seconds(1, 1, 10, 120), 10::numeric,
          'with the defaults the first retry waits 10 s');
SELECT is(hotmesh.retry_delay_seconds(2, 1, 10, 120), 100::numeric,
          'with the defaults the second retry waits 100 s');
SELECT is(hotmesh.retry_delay_seconds(3, 1, 10, 120), 120::numeric,
          'with the defaults the third retry is capped at 120 s');
SELECT is(hotmesh.retry_delay_seconds(2, 3, 2, 120), 12::numeric,
          'the initial interval scales the delay');
SELECT is(hotmesh.retry_delay_seconds(1000000, 1, 2, 120), 120::numeric,
          'a huge attempt number gives the cap');
SELECT is(hotmesh.retry_delay_seconds(2147483647, 1, 10, 120), 120::numeric,
          'the largest attempt number gives the cap');
SELECT is(hotmesh.retry_delay_seconds(2147483647, 2, 1, 120), 2::numeric,
          'coefficient 1 never grows the delay, however many attempts');
SELECT is(round(hotmesh.retry_delay_seconds(100, 1, 1.01, 120), 4), 2.7048,
          'a small coefficient grows slowly (1.01 ^ 100)');
SELECT is(hotmesh.retry_delay_seconds(500, 1, 1.01, 120), 120::numeric,
          'a small coefficient reaches the cap after enough attempts (1.01 ^ 500 > 120)');
SELECT is(hotmesh.retry_delay_seconds(300, 1, 1e700, 120), 120::numeric,
          'a huge coefficient gives the cap without overflowing numeric');
SELECT is(hotmesh.retry_delay_seconds(1, 10, 2, 5), 5::numeric,
          'a maximum below the initial interval still caps the delay');

SELECT * FROM finish();
ROLLBACK;
