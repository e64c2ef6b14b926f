-- hotmesh.stream_fail (retry with backoff, then dead-letter) and hotmesh.stream_dead_letter.
BEGIN;
SELECT plan(50);

SET LOCAL hotmesh.clock = 'test';
SELECT hotmesh.set_test_clock('2030-01-01 00:00:00+00');

-- The stored row of the message whose "n" field is p_n.
CREATE FUNCTION pg_temp.msg(p_n text) RETURNS hotmesh.worker_streams
LANGUAGE sql AS $$ SELECT * FROM hotmesh.worker_streams WHERE message ->> 'n' = p_n $$;

-- Fail message p_n as the consumer that holds it, with the delivery it holds.
CREATE FUNCTION pg_temp.fail(p_n text, p_error jsonb, p_policy jsonb DEFAULT NULL)
RETURNS TABLE (outcome text, attempt integer, visible_at timestamptz)
LANGUAGE sql AS $$
    SELECT f.*
    FROM pg_temp.msg(p_n) m,
         hotmesh.stream_fail(m.reserved_by, m.id, m.deliveries, p_error, p_policy) f
$$;

-- The default policy: 3 attempts, +10 s, +100 s, then dead-lettered -------------------------

SELECT hotmesh.stream_publish('shop', 'defaults', '{"n": "d1"}');
SELECT hotmesh.stream_dequeue('shop', 'defaults', 'c1');

CREATE TEMP TABLE f1 AS SELECT * FROM pg_temp.fail('d1', '{"message": "boom 1"}');
SELECT is((SELECT outcome FROM f1), 'retried', 'the first failure is retried');
SELECT is((SELECT attempt FROM f1), 1, 'the first failure is attempt 1');
SELECT is((SELECT visible_at FROM f1), '2030-01-01 00:00:10+00'::timestamptz,
          'the first retry waits 10 s by default');
SELECT is((pg_temp.msg('d1')).visible_at, '2030-01-01 00:00:10+00'::timestamptz,
          'the message''s visible_at is set to the retry time');
SELECT is((pg_temp.msg('d1')).retry_attempt, 1, 'retry_attempt counts the failure');
SELECT ok((SELECT m.reserved_at IS NULL AND m.reserved_by IS NULL AND m.lease_expires_at IS NULL
           FROM pg_temp.msg('d1') m),
          'a retried message is no longer leased');
SELECT is((pg_temp.msg('d1')).last_error, '{"message": "boom 1"}'::jsonb, 'the error is kept');
SELECT is((pg_temp.msg('d1')).expired_at, NULL, 'a retried message is not done');

SELECT hotmesh.advance_test_clock('9.999 seconds');
SELECT is_empty($$SELECT * FROM hotmesh.stream_dequeue('shop', 'defaults', 'c1')$$,
                'a retried message is not dequeued before its backoff has passed');
SELECT hotmesh.advance_test_clock('1 millisecond');
CREATE TEMP TABLE again AS SELECT * FROM hotmesh.stream_dequeue('shop', 'defaults', 'c1');
SELECT is((SELECT retry_attempt FROM again), 1, 'after the backoff it is dequeued, showing retry_attempt 1');
SELECT is((SELECT delivery FROM again), 2, 'the retry is delivery 2');

CREATE TEMP TABLE f2 AS SELECT * FROM pg_temp.fail('d1', '{"message": "boom 2"}');
SELECT is((SELECT outcome || ' ' || attempt FROM f2), 'retried 2', 'the second failure is retried as attempt 2');
SELECT is((SELECT visible_at FROM f2), '2030-01-01 00:01:50+00'::timestamptz,
          'the second retry waits 100 s by default');

SELECT hotmesh.advance_test_clock('100 seconds');
SELECT hotmesh.stream_dequeue('shop', 'defaults', 'c1');
CREATE TEMP TABLE f3 AS SELECT * FROM pg_temp.fail('d1', '{"message": "boom 3"}');
SELECT is((SELECT outcome FROM f3), 'dead_lettered', 'the third failure dead-letters by default');
SELECT is((SELECT attempt FROM f3), 3, 'the dead-lettering failure is attempt 3');
SELECT is((SELECT visible_at FROM f3), NULL, 'a dead-lettered message has no retry time');
SELECT is((pg_temp.msg('d1')).dead_letter_reason, 'failed 3 of 3 attempts',
          'the dead-letter reason counts the attempts');
SELECT is((pg_temp.msg('d1')).dead_lettered_at, '2030-01-01 00:01:50+00'::timestamptz,
          'dead_lettered_at is now');
SELECT is((pg_temp.msg('d1')).expired_at, '2030-01-01 00:01:50+00'::timestamptz,
          'a dead-lettered message is expired');
SELECT is((pg_temp.msg('d1')).last_error, '{"message": "boom 3"}'::jsonb,
          'the last error is kept on the dead-lettered message');
SELECT is((SELECT count(*) FROM hotmesh.worker_streams WHERE stream_name = 'defaults'), 1::bigint,
          'the dead-lettered message is kept');
SELECT hotmesh.advance_test_clock('1 hour');
SELECT is_empty($$SELECT * FROM hotmesh.stream_dequeue('shop', 'defaults', 'c1')$$,
                'a dead-lettered message is never dequeued again');

-- Which policy applies ---------------------------------------------------------------------

SELECT hotmesh.set_test_clock('2030-02-01 00:00:00+00');
SELECT hotmesh.stream_publish('shop', 'policy', '{"n": "own"}',
    '{"retry": {"maximumAttempts": 2, "backoffCoefficient": 2, "initialInterval": 3}}');
SELECT hotmesh.stream_dequeue('shop', 'policy', 'c1');
SELECT is((SELECT visible_at FROM pg_temp.fail('own', '{}',
               '{"maximumAttempts": 5, "backoffCoefficient": 3, "initialInterval": 1}')),
          '2030-02-01 00:00:06+00'::timestamptz,
          'the message''s own policy wins over the consumer''s (3 × 2 = 6 s)');
SELECT hotmesh.advance_test_clock('6 seconds');
SELECT hotmesh.stream_dequeue('shop', 'policy', 'c1');
SELECT is((SELECT outcome FROM pg_temp.fail('own', '{}',
               '{"maximumAttempts": 5, "backoffCoefficient": 3, "initialInterval": 1}')),
          'dead_lettered', 'the message''s maximumAttempts wins over the consumer''s');
SELECT is((pg_temp.msg('own')).dead_letter_reason, 'failed 2 of 2 attempts',
          'the reason names the message''s maximumAttempts');

SELECT hotmesh.set_test_clock('2030-02-02 00:00:00+00');
SELECT hotmesh.stream_publish('shop', 'policy', '{"n": "consumer"}');
SELECT hotmesh.stream_dequeue('shop', 'policy', 'c1');
SELECT is((SELECT visible_at FROM pg_temp.fail('consumer', '{}',
               '{"maximumAttempts": 4, "backoffCoefficient": 2, "initialInterval": 5, "maximumInterval": "1 minute"}')),
          '2030-02-02 00:00:10+00'::timestamptz,
          'the consumer''s policy wins over the defaults (5 × 2 = 10 s)');
SELECT hotmesh.advance_test_clock('10 seconds');
SELECT hotmesh.stream_dequeue('shop', 'policy', 'c1');
SELECT is((SELECT visible_at FROM pg_temp.fail('consumer', '{}',
               '{"maximumAttempts": 4, "backoffCoefficient": 2, "initialInterval": 5, "maximumInterval": "1 minute"}')),
          '2030-02-02 00:00:30+00'::timestamptz,
          'the consumer''s second backoff is 5 × 2² = 20 s');
SELECT hotmesh.advance_test_clock('20 seconds');
SELECT hotmesh.stream_dequeue('shop', 'policy', 'c1');
SELECT is((SELECT outcome FROM pg_temp.fail('consumer', '{}',
               '{"maximumAttempts": 4, "backoffCoefficient": 2, "initialInterval": 5, "maximumInterval": "1 minute"}')),
          'retried', 'the consumer''s maximumAttempts 4 allows a third retry');
SELECT hotmesh.advance_test_clock('1 minute');
SELECT hotmesh.stream_dequeue('shop', 'policy', 'c1');
SELECT is((SELECT outcome || ' ' || attempt FROM pg_temp.fail('consumer', '{}',
               '{"maximumAttempts": 4, "backoffCoefficient": 2, "initialInterval": 5, "maximumInterval": "1 minute"}')),
          'dead_lettered 4', 'the fourth failure dead-letters under the consumer''s policy');

SELECT hotmesh.set_test_clock('2030-02-03 00:00:00+00');
SELECT hotmesh.stream_publish('shop', 'policy', '{"n": "mixed"}', '{"retry": {"maximumAttempts": 5}}');
SELECT hotmesh.stream_dequeue('shop', 'policy', 'c1');
SELECT is((SELECT visible_at FROM pg_temp.fail('mixed', '{}', '{"backoffCoefficient": 3}')),
          '2030-02-03 00:00:03+00'::timestamptz,
          'fields fall back one by one: message attempts, consumer coefficient, default interval');

SELECT hotmesh.set_test_clock('2030-02-04 00:00:00+00');
SELECT hotmesh.stream_publish('shop', 'policy', '{"n": "capped"}',
    '{"retry": {"maximumAttempts": 10, "backoffCoefficient": 10, "initialInterval": 1, "maximumInterval": "30s"}}');
SELECT hotmesh.stream_dequeue('shop', 'policy', 'c1');
SELECT is((SELECT visible_at FROM pg_temp.fail('capped', '{}')), '2030-02-04 00:00:10+00'::timestamptz,
          'below maximumInterval the backoff is not capped');
SELECT hotmesh.advance_test_clock('10 seconds');
SELECT hotmesh.stream_dequeue('shop', 'policy', 'c1');
SELECT is((SELECT visible_at FROM pg_temp.fail('capped', '{}')), '2030-02-04 00:00:40+00'::timestamptz,
          'maximumInterval caps the backoff (30 s, not 100 s)');

SELECT hotmesh.stream_publish('shop', 'policy', '{"n": "consumer-cap"}');
SELECT hotmesh.stream_dequeue('shop', 'policy', 'c1');
SELECT is((SELECT visible_at FROM pg_temp.fail('consumer-cap', '{}', '{"maximumInterval": 5}')),
          hotmesh.now() + interval '5 seconds',
          'the consumer''s maximumInterval caps the default backoff');

SELECT hotmesh.stream_publish('shop', 'policy', '{"n": "once"}');
SELECT hotmesh.stream_dequeue('shop', 'policy', 'c1');
SELECT is((SELECT outcome FROM pg_temp.fail('once', '{}', '{"maximumAttempts": 1}')), 'dead_lettered',
          'with maximumAttempts 1 the first failure dead-letters');
SELECT is((pg_temp.msg('once')).dead_letter_reason, 'failed 1 of 1 attempts',
          'the reason says 1 of 1 attempts');

SELECT hotmesh.stream_publish('shop', 'policy', '{"n": "badpolicy"}');
SELECT hotmesh.stream_dequeue('shop', 'policy', 'c1');
SELECT throws_ok(format('SELECT * FROM hotmesh.stream_fail(%L, %s, 1, %L, %L)',
                        'c1', (pg_temp.msg('badpolicy')).id, '{}', '{"bogus": 1}'),
                 '22023', 'unknown retry policy field bogus',
                 'an invalid consumer policy is rejected');

-- Lost leases ------------------------------------------------------------------------------

SELECT hotmesh.set_test_clock('2030-03-01 00:00:00+00');
SELECT hotmesh.stream_publish('shop', 'lost', '[{"n": "l1"}, {"n": "l2"}]');
SELECT hotmesh.stream_dequeue('shop', 'lost', 'c1', 1, 1000);

CREATE TEMP TABLE lost1 AS
SELECT * FROM hotmesh.stream_fail('c2', (pg_temp.msg('l1')).id, 1, '{"message": "not mine"}');
SELECT is((SELECT outcome FROM lost1), 'lost', 'a failure reported by another consumer is lost');
SELECT is((SELECT attempt FROM lost1), NULL, 'a lost failure has no attempt number');
SELECT ok((SELECT m.retry_attempt = 0 AND m.reserved_by = 'c1' AND m.last_error IS NULL
           FROM pg_temp.msg('l1') m),
          'a lost failure changes nothing');
SELECT is((SELECT outcome FROM hotmesh.stream_fail('c1', (pg_temp.msg('l2')).id, 1, '{}')), 'lost',
          'failing a message that was never dequeued is lost');

SELECT hotmesh.advance_test_clock('2 seconds');
-- (a batch of 2: ready l2 is claimed first, then l1's expired lease is reclaimed and claimed)
SELECT hotmesh.stream_dequeue('shop', 'lost', 'c2', 2);
SELECT is((SELECT outcome FROM hotmesh.stream_fail('c1', (pg_temp.msg('l1')).id, 1, '{}')), 'lost',
          'a failure on a delivery that was reclaimed and redelivered is lost');
SELECT is((pg_temp.msg('l1')).retry_attempt, 0, 'the stale failure did not count as an attempt');

-- stream_dead_letter -----------------------------------------------------------------------

SELECT hotmesh.set_test_clock('2030-04-01 00:00:00+00');
SELECT hotmesh.stream_publish('shop', 'poison', '[{"n": "x1"}, {"n": "x2"}, {"n": "x3"}]');
SELECT hotmesh.stream_dequeue('shop', 'poison', 'c1', 3);

SELECT is(hotmesh.stream_dead_letter('c1', (pg_temp.msg('x1')).id, 1, 'poison', '{"e": 1}'), true,
          'dead-lettering a held message returns true');
SELECT ok((SELECT m.dead_letter_reason = 'poison' AND m.last_error = '{"e": 1}'
           FROM pg_temp.msg('x1') m),
          'the given reason and error are stored');
SELECT ok((SELECT m.dead_lettered_at = '2030-04-01 00:00:00+00' AND m.expired_at = '2030-04-01 00:00:00+00'
           FROM pg_temp.msg('x1') m),
          'dead_lettered_at and expired_at are set to now');
SELECT is(hotmesh.stream_dead_letter('c1', (pg_temp.msg('x1')).id, 1, 'again'), false,
          'dead-lettering it a second time returns false');
SELECT is(hotmesh.stream_dead_letter('c2', (pg_temp.msg('x2')).id, 1, 'not mine'), false,
          'another consumer cannot dead-letter a message');
SELECT ok((SELECT m.dead_lettered_at IS NULL AND m.expired_at IS NULL AND m.reserved_by = 'c1'
           FROM pg_temp.msg('x2') m),
          'a refused dead-letter changes nothing');

SELECT pg_temp.fail('x3', '{"message": "first"}');
SELECT hotmesh.advance_test_clock('10 seconds');
SELECT hotmesh.stream_dequeue('shop', 'poison', 'c1');
SELECT hotmesh.stream_dead_letter('c1', (pg_temp.msg('x3')).id, 2, NULL);
SELECT is((pg_temp.msg('x3')).dead_letter_reason, 'dead-lettered by consumer',
          'without a reason the reason is ''dead-lettered by consumer''');
SELECT is((pg_temp.msg('x3')).last_error, '{"message": "first"}'::jsonb,
          'without an error the last error is kept');

SELECT * FROM finish();
ROLLBACK;
