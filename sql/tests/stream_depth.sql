-- hotmesh.stream_depth and hotmesh.stream_stats: messages of a stream by state.
BEGIN;
SELECT plan(22);

SET LOCAL hotmesh.clock = 'test';
SELECT hotmesh.set_test_clock('2030-01-01 00:00:00+00');

-- The stored row of the message whose "n" field is p_n.
CREATE FUNCTION pg_temp.msg(p_n text) RETURNS hotmesh.worker_streams
LANGUAGE sql AS $$ SELECT * FROM hotmesh.worker_streams WHERE message ->> 'n' = p_n $$;

-- An empty stream --------------------------------------------------------------------------

SELECT is(hotmesh.stream_depth('shop', 'depth'), 0::bigint, 'an empty stream has depth 0');
SELECT is((SELECT array[ready, delayed, in_flight, done, dead_lettered]
           FROM hotmesh.stream_stats('shop', 'depth')),
          ARRAY[0, 0, 0, 0, 0]::bigint[], 'an empty stream has zero of everything');

-- One stream in every state ----------------------------------------------------------------
-- Four messages are dequeued (held1, held2, acked, poisoned), two stay ready, one is delayed.

SELECT hotmesh.stream_publish('shop', 'depth',
    '[{"n": "held1"}, {"n": "held2"}, {"n": "acked"}, {"n": "poisoned"}]');
SELECT hotmesh.stream_dequeue('shop', 'depth', 'c1', 4, 10000);
SELECT hotmesh.stream_publish('shop', 'depth', '[{"n": "ready1"}, {"n": "ready2"}]');
SELECT hotmesh.stream_publish('shop', 'depth', '{"n": "later"}', '{"delay_ms": 60000}');
SELECT hotmesh.stream_ack('c1', ARRAY[(pg_temp.msg('acked')).id], ARRAY[1]);
SELECT hotmesh.stream_dead_letter('c1', (pg_temp.msg('poisoned')).id, 1, 'poison');

-- Noise that must not be counted.
SELECT hotmesh.stream_publish('other', 'depth', '[{"n": "o1"}, {"n": "o2"}, {"n": "o3"}]');
SELECT hotmesh.stream_publish('shop', 'depth-2', '{"n": "d2"}');

SELECT is(hotmesh.stream_depth('shop', 'depth'), 5::bigint,
          'depth counts ready, delayed and in-flight messages (2 + 1 + 2)');
SELECT is((SELECT ready FROM hotmesh.stream_stats('shop', 'depth')), 2::bigint,
          'stats count 2 ready messages');
SELECT is((SELECT delayed FROM hotmesh.stream_stats('shop', 'depth')), 1::bigint,
          'stats count 1 delayed message');
SELECT is((SELECT in_flight FROM hotmesh.stream_stats('shop', 'depth')), 2::bigint,
          'stats count 2 messages in flight');
SELECT is((SELECT done FROM hotmesh.stream_stats('shop', 'depth')), 1::bigint,
          'stats count 1 acked message as done');
SELECT is((SELECT dead_lettered FROM hotmesh.stream_stats('shop', 'depth')), 1::bigint,
          'stats count 1 dead-lettered message, not as done');
SELECT is(hotmesh.stream_depth('other', 'depth'), 3::bigint,
          'another app''s stream of the same name has its own depth');
SELECT is(hotmesh.stream_depth('shop', 'depth-2'), 1::bigint,
          'another stream of the app has its own depth');

-- States change with the clock and the consumers --------------------------------------------

SELECT hotmesh.advance_test_clock('60 seconds');
SELECT is((SELECT array[ready, delayed] FROM hotmesh.stream_stats('shop', 'depth')),
          ARRAY[3, 0]::bigint[], 'a delayed message counts as ready once its time has come');
SELECT is((SELECT in_flight FROM hotmesh.stream_stats('shop', 'depth')), 2::bigint,
          'a lease that ran out but was not reclaimed is still in flight');
SELECT is(hotmesh.stream_depth('shop', 'depth'), 5::bigint, 'the clock alone does not change the depth');

SELECT hotmesh.stream_fail('c1', (pg_temp.msg('held1')).id, 1, '{"message": "boom"}');
SELECT is((SELECT array[delayed, in_flight] FROM hotmesh.stream_stats('shop', 'depth')),
          ARRAY[1, 1]::bigint[], 'a retried message counts as delayed until its backoff passes');
SELECT is(hotmesh.stream_depth('shop', 'depth'), 5::bigint, 'a retried message still counts in the depth');

SELECT hotmesh.stream_release('c1', ARRAY[(pg_temp.msg('held2')).id], ARRAY[1]);
SELECT is((SELECT array[ready, in_flight] FROM hotmesh.stream_stats('shop', 'depth')),
          ARRAY[4, 0]::bigint[], 'a released message counts as ready');

SELECT hotmesh.stream_dequeue('shop', 'depth', 'c2', 4, 1000);
SELECT is((SELECT array[ready, in_flight] FROM hotmesh.stream_stats('shop', 'depth')),
          ARRAY[0, 4]::bigint[], 'dequeued messages count as in flight');
SELECT hotmesh.stream_ack('c2', array_agg(id ORDER BY id), array_agg(deliveries ORDER BY id))
FROM hotmesh.worker_streams
WHERE stream_name = 'depth' AND reserved_by = 'c2' AND expired_at IS NULL;
SELECT is((SELECT array[ready, in_flight, done] FROM hotmesh.stream_stats('shop', 'depth')),
          ARRAY[0, 0, 5]::bigint[], 'acked messages count as done');
SELECT is(hotmesh.stream_depth('shop', 'depth'), 1::bigint, 'only the retried message is left');

SELECT hotmesh.advance_test_clock('10 seconds');
SELECT hotmesh.stream_publish('shop', 'depth', '{"n": "expiring"}', '{"reclaimCount": 0}');
SELECT hotmesh.stream_dequeue('shop', 'depth', 'c3', 2, 1000);
SELECT hotmesh.advance_test_clock('1 second');
SELECT hotmesh.stream_reclaim('shop', 'depth');
SELECT is((SELECT dead_lettered FROM hotmesh.stream_stats('shop', 'depth')), 2::bigint,
          'a message dead-lettered by reclaim counts as dead-lettered');
SELECT is((SELECT ready FROM hotmesh.stream_stats('shop', 'depth')), 1::bigint,
          'a reclaimed message within its reclaimCount counts as ready');
SELECT is(hotmesh.stream_depth('shop', 'depth'), 1::bigint,
          'a message dead-lettered by reclaim no longer counts in the depth');

SELECT * FROM finish();
ROLLBACK;
