-- hotmesh.stream_dequeue: batches, order, visibility, isolation, leases and argument errors.
BEGIN;
SELECT plan(44);

SET LOCAL hotmesh.clock = 'test';
SELECT hotmesh.set_test_clock('2030-01-01 00:00:00+00');

-- The stored row of the message whose "n" field is p_n.
CREATE FUNCTION pg_temp.msg(p_n text) RETURNS hotmesh.worker_streams
LANGUAGE sql AS $$ SELECT * FROM hotmesh.worker_streams WHERE message ->> 'n' = p_n $$;

-- Batch size and order ---------------------------------------------------------------------

SELECT hotmesh.stream_publish('shop', 'orders', '[{"n": "low1"}, {"n": "low2"}, {"n": "low3"}]');
SELECT hotmesh.stream_publish('shop', 'orders',
    '[{"n": "high1", "metadata": {"jid": "order-9", "wfn": "orderFlow"}}, {"n": "high2"}]',
    '{"priority": 5}');
SELECT hotmesh.stream_publish('shop', 'orders', '{"n": "neg1"}', '{"priority": -1}');

CREATE TEMP TABLE d1 AS
SELECT * FROM hotmesh.stream_dequeue('shop', 'orders', 'c1', 3) WITH ORDINALITY;

SELECT is((SELECT count(*) FROM d1), 3::bigint, 'a batch of 3 returns 3 of the 6 ready messages');
SELECT is((SELECT array_agg(message ->> 'n' ORDER BY ordinality) FROM d1),
          ARRAY['high1', 'high2', 'low1'],
          'higher priority comes first, then the older message (lower id)');
SELECT is((SELECT array_agg(delivery ORDER BY ordinality) FROM d1), ARRAY[1, 1, 1],
          'a first delivery has delivery number 1');
SELECT is((SELECT message FROM d1 WHERE ordinality = 1),
          '{"n": "high1", "metadata": {"jid": "order-9", "wfn": "orderFlow"}}'::jsonb,
          'the message is returned as published');
SELECT is((SELECT job_key || '/' || workflow_name FROM d1 WHERE ordinality = 1), 'order-9/orderFlow',
          'the job key and workflow name are returned');
SELECT is((SELECT priority FROM d1 WHERE ordinality = 1), 5, 'the priority is returned');
SELECT is((SELECT retry_attempt FROM d1 WHERE ordinality = 1), 0,
          'a message never failed has retry_attempt 0');
SELECT is((SELECT created_at FROM d1 WHERE ordinality = 1), '2030-01-01 00:00:00+00'::timestamptz,
          'created_at is returned');
SELECT is((pg_temp.msg('high1')).reserved_by, 'c1', 'the consumer is recorded in reserved_by');
SELECT is((pg_temp.msg('high1')).reserved_at, '2030-01-01 00:00:00+00'::timestamptz,
          'reserved_at is now');
SELECT is((pg_temp.msg('high1')).lease_expires_at, '2030-01-01 00:00:30+00'::timestamptz,
          'the default lease is 30 s from now');
SELECT is((pg_temp.msg('high1')).deliveries, 1, 'the delivery counter is stored');

SELECT is((SELECT array_agg(message ->> 'n' ORDER BY ordinality)
           FROM hotmesh.stream_dequeue('shop', 'orders', 'c2', 10) WITH ORDINALITY),
          ARRAY['low2', 'low3', 'neg1'],
          'leased messages are not returned again; negative priority comes last');
SELECT is_empty($$SELECT * FROM hotmesh.stream_dequeue('shop', 'orders', 'c3', 10)$$,
                'with every message leased nothing is returned');

-- The batch comes back in claim order whatever join the planner picks.
SELECT hotmesh.stream_publish('shop', 'hashed',
    (SELECT jsonb_agg(jsonb_build_object('n', 'h-low' || g) ORDER BY g) FROM generate_series(1, 30) g));
SELECT hotmesh.stream_publish('shop', 'hashed', '[{"n": "h-high1"}, {"n": "h-high2"}]',
                              '{"priority": 9}');
SET LOCAL enable_nestloop = off;
SET LOCAL enable_mergejoin = off;
SELECT is((SELECT array_agg(message ->> 'n' ORDER BY ordinality)
           FROM hotmesh.stream_dequeue('shop', 'hashed', 'c1', 4) WITH ORDINALITY),
          ARRAY['h-high1', 'h-high2', 'h-low1', 'h-low2'],
          'the batch is returned in priority, id order even under a hash join');
RESET enable_nestloop;
RESET enable_mergejoin;

SELECT is((SELECT count(*) FROM hotmesh.stream_dequeue('shop', 'hashed', 'c1', 1)), 1::bigint,
          'a batch of 1 returns one message');
SELECT is((SELECT count(*) FROM hotmesh.stream_dequeue('shop', 'hashed', 'c1', 1000)), 27::bigint,
          'a batch of 1000 returns all 27 that are left');

-- Delayed messages -------------------------------------------------------------------------

SELECT hotmesh.stream_publish('shop', 'later', '{"n": "delayed"}', '{"delay_ms": 60000}');
SELECT is_empty($$SELECT * FROM hotmesh.stream_dequeue('shop', 'later', 'c1')$$,
                'a delayed message is not returned before its time');
SELECT hotmesh.advance_test_clock('59.999 seconds');
SELECT is_empty($$SELECT * FROM hotmesh.stream_dequeue('shop', 'later', 'c1')$$,
                'a delayed message is not returned a millisecond before its time');
SELECT hotmesh.advance_test_clock('1 millisecond');
SELECT is((SELECT array_agg(message ->> 'n') FROM hotmesh.stream_dequeue('shop', 'later', 'c1')),
          ARRAY['delayed'], 'a delayed message is returned once the clock reaches visible_at');

SELECT hotmesh.stream_publish('shop', 'mixed', '{"n": "mixed-delayed"}',
                              '{"priority": 9, "delay_ms": 5000}');
SELECT hotmesh.stream_publish('shop', 'mixed', '{"n": "mixed-ready"}');
SELECT is((SELECT array_agg(message ->> 'n') FROM hotmesh.stream_dequeue('shop', 'mixed', 'c1')),
          ARRAY['mixed-ready'],
          'a delayed message of higher priority does not hold back a ready one');

-- Reclaim when short, unless p_reclaim is false (respond_next's claim) -----------------------

SELECT hotmesh.stream_publish('shop', 'lapsed', '{"n": "lapsed"}');
SELECT is((SELECT count(*) FROM hotmesh.stream_dequeue('shop', 'lapsed', 'c1', 1, 1000)),
          1::bigint, 'a message leased for a second');
SELECT hotmesh.advance_test_clock('2 seconds');
SELECT is_empty($$SELECT * FROM hotmesh.stream_dequeue('shop', 'lapsed', 'c2', 1, 1000,
                                                       p_reclaim => false)$$,
                'p_reclaim false: a dequeue that runs short reclaims no expired lease');
SELECT is((SELECT array_agg(message ->> 'n')
           FROM hotmesh.stream_dequeue('shop', 'lapsed', 'c2', 1, 1000)),
          ARRAY['lapsed'], 'by default a dequeue that runs short reclaims the expired lease');

-- Isolation between apps and streams --------------------------------------------------------

SELECT hotmesh.stream_publish('shop', 'iso', '{"n": "iso-shop"}');
SELECT hotmesh.stream_publish('other', 'iso', '{"n": "iso-other"}');
SELECT hotmesh.stream_publish('shop', 'iso-2', '{"n": "iso-shop-2"}');
SELECT is((SELECT array_agg(message ->> 'n') FROM hotmesh.stream_dequeue('shop', 'iso', 'c1', 10)),
          ARRAY['iso-shop'], 'only the app''s own stream is dequeued');
SELECT is((SELECT array_agg(message ->> 'n') FROM hotmesh.stream_dequeue('other', 'iso', 'c1', 10)),
          ARRAY['iso-other'], 'another app''s stream of the same name is left to it');
SELECT is((pg_temp.msg('iso-shop-2')).reserved_at, NULL,
          'a stream of the same app with another name is untouched');

-- Delivery counter and lease length --------------------------------------------------------

SELECT hotmesh.stream_publish('shop', 'redeliver', '{"n": "again"}');
CREATE TEMP TABLE first_lease AS SELECT * FROM hotmesh.stream_dequeue('shop', 'redeliver', 'c1');
SELECT hotmesh.stream_release('c1', ARRAY[(SELECT id FROM first_lease)],
                              ARRAY[(SELECT delivery FROM first_lease)]);
SELECT is((SELECT delivery FROM hotmesh.stream_dequeue('shop', 'redeliver', 'c2')), 2,
          'the next delivery of a message has delivery number 2');
SELECT is((pg_temp.msg('again')).deliveries, 2, 'the delivery counter is incremented in the row');
SELECT is((pg_temp.msg('again')).reserved_by, 'c2', 'the new consumer holds the message');

SELECT hotmesh.stream_publish('shop', 'short', '{"n": "short"}');
SELECT hotmesh.stream_dequeue('shop', 'short', 'c1', 1, 1500);
SELECT is((pg_temp.msg('short')).lease_expires_at, hotmesh.now() + interval '1.5 seconds',
          'lease_expires_at is now + the lease in milliseconds');

-- Argument errors --------------------------------------------------------------------------

SELECT throws_ok($$SELECT * FROM hotmesh.stream_dequeue('shop', 'orders', 'c1', 0)$$,
                 '22023', 'stream_dequeue: batch must be from 1 to 1000, got 0',
                 'a batch of 0 is rejected');
SELECT throws_ok($$SELECT * FROM hotmesh.stream_dequeue('shop', 'orders', 'c1', 1001)$$,
                 '22023', 'stream_dequeue: batch must be from 1 to 1000, got 1001',
                 'a batch of 1001 is rejected');
SELECT throws_ok($$SELECT * FROM hotmesh.stream_dequeue('shop', 'orders', 'c1', NULL)$$,
                 '22023', 'stream_dequeue: batch must be from 1 to 1000, got <NULL>',
                 'a NULL batch is rejected');
SELECT throws_ok($$SELECT * FROM hotmesh.stream_dequeue('shop', 'orders', 'c1', 10, 0)$$,
                 '22023', 'stream_dequeue: lease must be a positive number of milliseconds, got 0',
                 'a lease of 0 ms is rejected');
SELECT throws_ok($$SELECT * FROM hotmesh.stream_dequeue('shop', 'orders', 'c1', 10, NULL)$$,
                 '22023', 'stream_dequeue: lease must be a positive number of milliseconds, got <NULL>',
                 'a NULL lease is rejected');
SELECT throws_ok($$SELECT * FROM hotmesh.stream_dequeue('shop', 'orders', '')$$,
                 '22023', 'stream_dequeue: consumer must be a non-empty string',
                 'an empty consumer is rejected');
SELECT throws_ok($$SELECT * FROM hotmesh.stream_dequeue('shop', 'orders', NULL)$$,
                 '22023', 'stream_dequeue: consumer must be a non-empty string',
                 'a NULL consumer is rejected');

-- A claim alone need not wait for its WAL flush (a lost lease means a redelivery); the
-- default keeps the caller's transaction durable
SET LOCAL synchronous_commit = on;
SELECT hotmesh.stream_publish('shop', 'soft', '[{"n": "s1"}, {"n": "s2"}]');
SELECT is((SELECT count(*) FROM hotmesh.stream_dequeue('shop', 'soft', 'c1', 1)), 1::bigint,
          'a durable claim');
SELECT is(current_setting('synchronous_commit'), 'on', 'by default a claim waits for its flush');
SELECT is((SELECT count(*) FROM hotmesh.stream_dequeue('shop', 'soft', 'c1', 1, 30000, false)),
          1::bigint, 'a claim with p_durable false');
SELECT is(current_setting('synchronous_commit'), 'off',
          'p_durable false: this transaction commits without waiting for the flush');
SET LOCAL synchronous_commit = on;

-- the queue's statements run with the session's one generic plan, not a plan per call
SELECT is((SELECT string_agg(p.proname, ', ' ORDER BY p.proname) FROM pg_proc p
           WHERE p.pronamespace = 'hotmesh'::regnamespace AND p.proname LIKE 'stream\_%'
             AND p.proconfig @> ARRAY['plan_cache_mode=force_generic_plan']),
          'stream_ack, stream_dequeue, stream_heartbeat, stream_reclaim, stream_release',
          'dequeue, reclaim, ack, heartbeat and release keep one generic plan');
SET LOCAL synchronous_commit = on;
SELECT hotmesh.stream_publish('shop', 'sync', '{"n": 1}');
SELECT hotmesh.stream_dequeue('shop', 'sync', 'c1', 1, 1000, p_durable => false);
SELECT is(current_setting('synchronous_commit'), 'off',
          'the claim''s synchronous_commit outlives the function''s own plan setting');
SET LOCAL synchronous_commit = on;

SELECT * FROM finish();
ROLLBACK;
