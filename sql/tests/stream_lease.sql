-- hotmesh.stream_ack, stream_heartbeat and stream_release: only the lease holder may act.
BEGIN;
SELECT plan(39);

SET LOCAL hotmesh.clock = 'test';
SELECT hotmesh.set_test_clock('2030-01-01 00:00:00+00');

-- The stored row of the message whose "n" field is p_n.
CREATE FUNCTION pg_temp.msg(p_n text) RETURNS hotmesh.worker_streams
LANGUAGE sql AS $$ SELECT * FROM hotmesh.worker_streams WHERE message ->> 'n' = p_n $$;

-- Ack --------------------------------------------------------------------------------------

SELECT hotmesh.stream_publish('shop', 'lease',
    '[{"n": "a1"}, {"n": "a2"}, {"n": "a3"}, {"n": "a4"}, {"n": "a5"}]');
SELECT hotmesh.stream_dequeue('shop', 'lease', 'c1', 5, 10000);

SELECT results_eq(format('SELECT * FROM hotmesh.stream_ack(%L, ARRAY[%s]::bigint[], ARRAY[1])',
                         'c1', (pg_temp.msg('a1')).id),
                  ARRAY[(pg_temp.msg('a1')).id],
                  'ack by the holder with its delivery returns the message id');
SELECT is((pg_temp.msg('a1')).expired_at, '2030-01-01 00:00:00+00'::timestamptz,
          'an acked message is done (expired_at is now)');
SELECT is((SELECT count(*) FROM hotmesh.worker_streams WHERE message ->> 'n' = 'a1'), 1::bigint,
          'an acked message is kept for inspection');
SELECT is_empty(format('SELECT * FROM hotmesh.stream_ack(%L, ARRAY[%s]::bigint[], ARRAY[1])',
                       'c1', (pg_temp.msg('a1')).id),
                'a second ack of the same delivery returns nothing');

SELECT is_empty(format('SELECT * FROM hotmesh.stream_ack(%L, ARRAY[%s]::bigint[], ARRAY[1])',
                       'c2', (pg_temp.msg('a2')).id),
                'ack by another consumer returns nothing');
SELECT ok((SELECT m.expired_at IS NULL AND m.reserved_by = 'c1' FROM pg_temp.msg('a2') m),
          'ack by another consumer leaves the message leased to its holder');
SELECT is_empty(format('SELECT * FROM hotmesh.stream_ack(%L, ARRAY[%s]::bigint[], ARRAY[2])',
                       'c1', (pg_temp.msg('a2')).id),
                'ack with a delivery number the holder never got returns nothing');

SELECT results_eq(format('SELECT * FROM hotmesh.stream_ack(%L, ARRAY[%s, %s]::bigint[], ARRAY[1, 1]) ORDER BY 1',
                         'c1', (pg_temp.msg('a2')).id, (pg_temp.msg('a3')).id),
                  ARRAY[(pg_temp.msg('a2')).id, (pg_temp.msg('a3')).id],
                  'one ack call acks a batch');
SELECT results_eq(format('SELECT * FROM hotmesh.stream_ack(%L, ARRAY[%s, %s]::bigint[], ARRAY[1, 1])',
                         'c1', (pg_temp.msg('a3')).id, (pg_temp.msg('a4')).id),
                  ARRAY[(pg_temp.msg('a4')).id],
                  'a batch ack returns only the ids it acked');
SELECT is_empty($$SELECT * FROM hotmesh.stream_ack('c1', '{}', '{}')$$,
                'an ack of empty arrays returns nothing');

-- A stale delivery: the lease expired, was reclaimed and the message delivered again ----------

SELECT hotmesh.stream_publish('shop', 'stale', '{"n": "s1"}');
SELECT hotmesh.stream_dequeue('shop', 'stale', 'c1', 1, 1000);
SELECT hotmesh.advance_test_clock('2 seconds');
SELECT hotmesh.stream_dequeue('shop', 'stale', 'c2', 1, 30000);

SELECT is((pg_temp.msg('s1')).deliveries, 2, 'the reclaimed message was delivered a second time');
SELECT is_empty(format('SELECT * FROM hotmesh.stream_ack(%L, ARRAY[%s]::bigint[], ARRAY[1])',
                       'c1', (pg_temp.msg('s1')).id),
                'the first consumer''s late ack returns nothing');
SELECT is_empty(format('SELECT * FROM hotmesh.stream_ack(%L, ARRAY[%s]::bigint[], ARRAY[2])',
                       'c1', (pg_temp.msg('s1')).id),
                'the first consumer cannot ack with the new delivery number either');
SELECT is_empty(format('SELECT * FROM hotmesh.stream_heartbeat(%L, ARRAY[%s]::bigint[], ARRAY[1])',
                       'c1', (pg_temp.msg('s1')).id),
                'the first consumer''s late heartbeat returns nothing');
SELECT is_empty(format('SELECT * FROM hotmesh.stream_release(%L, ARRAY[%s]::bigint[], ARRAY[1])',
                       'c1', (pg_temp.msg('s1')).id),
                'the first consumer''s late release returns nothing');
SELECT ok((SELECT m.expired_at IS NULL AND m.reserved_by = 'c2'
                  AND m.lease_expires_at = '2030-01-01 00:00:32+00'
           FROM pg_temp.msg('s1') m),
          'the late calls left the second consumer''s lease as it was');
SELECT results_eq(format('SELECT * FROM hotmesh.stream_ack(%L, ARRAY[%s]::bigint[], ARRAY[2])',
                         'c2', (pg_temp.msg('s1')).id),
                  ARRAY[(pg_temp.msg('s1')).id],
                  'the current holder acks with the current delivery');

-- Heartbeat --------------------------------------------------------------------------------

SELECT hotmesh.set_test_clock('2030-01-02 00:00:00+00');
SELECT hotmesh.stream_publish('shop', 'beat', '[{"n": "b1"}, {"n": "b2"}, {"n": "b3"}]');
SELECT hotmesh.stream_dequeue('shop', 'beat', 'c1', 3, 10000);
SELECT hotmesh.advance_test_clock('5 seconds');

SELECT results_eq(format('SELECT * FROM hotmesh.stream_heartbeat(%L, ARRAY[%s]::bigint[], ARRAY[1], 20000)',
                         'c1', (pg_temp.msg('b1')).id),
                  ARRAY[(pg_temp.msg('b1')).id],
                  'a heartbeat by the holder returns the id');
SELECT is((pg_temp.msg('b1')).lease_expires_at, '2030-01-02 00:00:25+00'::timestamptz,
          'a heartbeat extends the lease to now + the new lease');
SELECT hotmesh.stream_heartbeat('c1', ARRAY[(pg_temp.msg('b2')).id], ARRAY[1]);
SELECT is((pg_temp.msg('b2')).lease_expires_at, '2030-01-02 00:00:35+00'::timestamptz,
          'a heartbeat without a lease extends by 30 s');
SELECT is((pg_temp.msg('b1')).deliveries, 1, 'a heartbeat is not a new delivery');

SELECT hotmesh.stream_ack('c1', ARRAY[(pg_temp.msg('b3')).id], ARRAY[1]);
SELECT results_eq(format('SELECT * FROM hotmesh.stream_heartbeat(%L, ARRAY[%s, %s, %s]::bigint[], ARRAY[1, 1, 1]) ORDER BY 1',
                         'c1', (pg_temp.msg('b1')).id, (pg_temp.msg('b2')).id, (pg_temp.msg('b3')).id),
                  ARRAY[(pg_temp.msg('b1')).id, (pg_temp.msg('b2')).id],
                  'a batch heartbeat returns only the ids still held');
SELECT is((pg_temp.msg('b3')).lease_expires_at, '2030-01-02 00:00:10+00'::timestamptz,
          'a heartbeat leaves an acked message''s lease alone');
SELECT is_empty(format('SELECT * FROM hotmesh.stream_heartbeat(%L, ARRAY[%s]::bigint[], ARRAY[1])',
                       'c2', (pg_temp.msg('b1')).id),
                'a heartbeat by another consumer returns nothing');

SELECT hotmesh.advance_test_clock('1 minute');
SELECT results_eq(format('SELECT * FROM hotmesh.stream_heartbeat(%L, ARRAY[%s]::bigint[], ARRAY[1], 1000)',
                         'c1', (pg_temp.msg('b1')).id),
                  ARRAY[(pg_temp.msg('b1')).id],
                  'a lease that ran out but was not reclaimed yet can still be extended');

SELECT throws_ok(format('SELECT * FROM hotmesh.stream_heartbeat(%L, ARRAY[%s]::bigint[], ARRAY[1], 0)',
                        'c1', (pg_temp.msg('b1')).id),
                 '22023', 'stream_heartbeat: lease must be a positive number of milliseconds, got 0',
                 'a heartbeat lease of 0 ms is rejected');

-- Release ----------------------------------------------------------------------------------

SELECT hotmesh.set_test_clock('2030-01-03 00:00:00+00');
SELECT hotmesh.stream_publish('shop', 'release', '[{"n": "r1"}, {"n": "r2"}]');
SELECT hotmesh.stream_dequeue('shop', 'release', 'c1', 2);

SELECT is_empty(format('SELECT * FROM hotmesh.stream_release(%L, ARRAY[%s]::bigint[], ARRAY[1])',
                       'c2', (pg_temp.msg('r1')).id),
                'a release by another consumer returns nothing');
SELECT is((pg_temp.msg('r1')).reserved_by, 'c1',
          'a release by another consumer leaves the message with its holder');
SELECT results_eq(format('SELECT * FROM hotmesh.stream_release(%L, ARRAY[%s]::bigint[], ARRAY[1])',
                         'c1', (pg_temp.msg('r1')).id),
                  ARRAY[(pg_temp.msg('r1')).id],
                  'a release by the holder returns the id');
SELECT ok((SELECT m.reserved_at IS NULL AND m.reserved_by IS NULL AND m.lease_expires_at IS NULL
           FROM pg_temp.msg('r1') m),
          'a released message is no longer leased');
SELECT is((pg_temp.msg('r1')).expired_at, NULL, 'a released message is not done');
SELECT is((pg_temp.msg('r1')).reclaims, 0, 'a release does not count as a reclaim');
SELECT is((pg_temp.msg('r1')).retry_attempt, 0, 'a release does not count as a retry');
SELECT is((SELECT array_agg(message ->> 'n') FROM hotmesh.stream_dequeue('shop', 'release', 'c2')),
          ARRAY['r1'], 'a released message is ready again at once');
SELECT is((pg_temp.msg('r1')).deliveries, 2, 'its next dequeue is delivery 2');

-- Argument errors --------------------------------------------------------------------------

SELECT throws_ok($$SELECT * FROM hotmesh.stream_ack('c1', ARRAY[1, 2]::bigint[], ARRAY[1])$$,
                 '22023', 'message ids and deliveries must be arrays of the same length',
                 'ack with arrays of different lengths is rejected');
SELECT throws_ok($$SELECT * FROM hotmesh.stream_heartbeat('c1', ARRAY[1]::bigint[], ARRAY[1, 1])$$,
                 '22023', 'message ids and deliveries must be arrays of the same length',
                 'heartbeat with arrays of different lengths is rejected');
SELECT throws_ok($$SELECT * FROM hotmesh.stream_release('c1', ARRAY[1, 2]::bigint[], '{}')$$,
                 '22023', 'message ids and deliveries must be arrays of the same length',
                 'release with arrays of different lengths is rejected');
SELECT throws_ok($$SELECT * FROM hotmesh.stream_ack('c1', NULL, ARRAY[1])$$,
                 '22023', 'message ids and deliveries must be arrays of the same length',
                 'ack with NULL ids is rejected');

SELECT * FROM finish();
ROLLBACK;
