-- hotmesh.stream_publish: one or many messages per call, their columns, options and errors.
BEGIN;
SELECT plan(54);

SET LOCAL hotmesh.clock = 'test';
SELECT hotmesh.set_test_clock('2030-01-01 00:00:00+00');

-- The stored row of the message whose "n" field is p_n.
CREATE FUNCTION pg_temp.msg(p_n text) RETURNS hotmesh.worker_streams
LANGUAGE sql AS $$ SELECT * FROM hotmesh.worker_streams WHERE message ->> 'n' = p_n $$;

-- One object -------------------------------------------------------------------------------

CREATE TEMP TABLE one AS
SELECT t.id FROM hotmesh.stream_publish('shop', 'orders',
    '{"n": "one", "type": "worker", "metadata": {"jid": "order-1", "aid": "a1", "dad": ",0,1", "wfn": "orderFlow"}, "data": {"x": 1}}') AS t (id);

SELECT is((SELECT count(*) FROM one), 1::bigint, 'publishing one object returns one id');
SELECT is((SELECT id FROM one), (pg_temp.msg('one')).id, 'the id returned is the stored message''s');
SELECT is((pg_temp.msg('one')).app_id, 'shop', 'the app id is stored');
SELECT is((pg_temp.msg('one')).stream_name, 'orders', 'the stream name is stored');
SELECT is((pg_temp.msg('one')).message,
          '{"n": "one", "type": "worker", "metadata": {"jid": "order-1", "aid": "a1", "dad": ",0,1", "wfn": "orderFlow"}, "data": {"x": 1}}'::jsonb,
          'the message is stored as given');
SELECT is((pg_temp.msg('one')).job_key, 'order-1', 'metadata.jid is copied to job_key');
SELECT is((pg_temp.msg('one')).activity_id, 'a1', 'metadata.aid is copied to activity_id');
SELECT is((pg_temp.msg('one')).dimension, ',0,1', 'metadata.dad is copied to dimension');
SELECT is((pg_temp.msg('one')).workflow_name, 'orderFlow', 'metadata.wfn is copied to workflow_name');
SELECT is((pg_temp.msg('one')).msg_type, 'worker', 'type is copied to msg_type');
SELECT is((pg_temp.msg('one')).created_at, '2030-01-01 00:00:00+00'::timestamptz,
          'created_at is the test clock''s time');
SELECT is((pg_temp.msg('one')).visible_at, '2030-01-01 00:00:00+00'::timestamptz,
          'without a delay the message is visible at once');
SELECT is((pg_temp.msg('one')).priority, 0, 'priority defaults to 0');
SELECT is((pg_temp.msg('one')).reclaim_count, 5, 'reclaimCount defaults to 5');
SELECT ok((SELECT m.max_attempts IS NULL AND m.backoff_coefficient IS NULL
                  AND m.maximum_interval_s IS NULL AND m.initial_interval_s IS NULL
           FROM pg_temp.msg('one') m),
          'without a retry option the retry columns are NULL (the consumer''s policy applies)');
SELECT ok((SELECT m.reserved_at IS NULL AND m.reserved_by IS NULL AND m.lease_expires_at IS NULL
           FROM pg_temp.msg('one') m),
          'a new message is not leased');
SELECT is((pg_temp.msg('one')).deliveries, 0, 'a new message has not been delivered');
SELECT is((pg_temp.msg('one')).expired_at, NULL, 'a new message is not done');

SELECT hotmesh.stream_publish('shop', 'orders', '{"n": "bare"}');
SELECT ok((SELECT m.job_key = '' AND m.activity_id = '' AND m.dimension = ''
                  AND m.workflow_name = '' AND m.msg_type = ''
           FROM pg_temp.msg('bare') m),
          'a message without metadata or type gets empty strings in those columns');

-- An array of many -------------------------------------------------------------------------

CREATE TEMP TABLE many AS
SELECT t.id, t.ord
FROM hotmesh.stream_publish('shop', 'bulk',
         (SELECT jsonb_agg(jsonb_build_object('n', 'bulk' || g, 'metadata', jsonb_build_object('jid', 'job-' || g))
                           ORDER BY g)
          FROM generate_series(1, 200) g)) WITH ORDINALITY t (id, ord);

SELECT is((SELECT count(*) FROM many), 200::bigint, 'publishing an array of 200 returns 200 ids');
SELECT is((SELECT count(*) FROM hotmesh.worker_streams WHERE stream_name = 'bulk'), 200::bigint,
          'all 200 messages are stored');
SELECT is((SELECT array_agg(w.message ->> 'n' ORDER BY m.ord)
           FROM many m JOIN hotmesh.worker_streams w ON w.id = m.id),
          (SELECT array_agg('bulk' || g ORDER BY g) FROM generate_series(1, 200) g),
          'the ids come back in the order the messages were given');
SELECT ok((SELECT bool_and(m.id > p.id) FROM many m JOIN many p ON p.ord = m.ord - 1),
          'ids increase in the order the messages were given');
SELECT is((pg_temp.msg('bulk137')).job_key, 'job-137',
          'each message of an array gets its own metadata columns');
SELECT is_empty($$SELECT * FROM hotmesh.stream_publish('shop', 'empty', '[]')$$,
                'an empty array returns no ids');
SELECT is((SELECT count(*) FROM hotmesh.worker_streams WHERE stream_name = 'empty'), 0::bigint,
          'an empty array stores nothing');

-- Options ----------------------------------------------------------------------------------

SELECT hotmesh.stream_publish('shop', 'orders', '[{"n": "p7a"}, {"n": "p7b"}]', '{"priority": 7}');
SELECT is((pg_temp.msg('p7a')).priority, 7, 'the priority option is stored');
SELECT is((pg_temp.msg('p7b')).priority, 7, 'the options apply to every message of the call');
SELECT hotmesh.stream_publish('shop', 'orders', '{"n": "neg"}', '{"priority": -3}');
SELECT is((pg_temp.msg('neg')).priority, -3, 'a negative priority is accepted');
SELECT hotmesh.stream_publish('shop', 'orders', '{"n": "p2"}', '{"priority": 2.0}');
SELECT is((pg_temp.msg('p2')).priority, 2, 'an integral priority written 2.0 is accepted');

SELECT hotmesh.stream_publish('shop', 'orders', '{"n": "late"}', '{"delay_ms": 1500}');
SELECT is((pg_temp.msg('late')).visible_at, '2030-01-01 00:00:01.5+00'::timestamptz,
          'delay_ms makes the message visible at now + delay');
SELECT is((pg_temp.msg('late')).created_at, '2030-01-01 00:00:00+00'::timestamptz,
          'a delayed message is still created now');

SELECT hotmesh.stream_publish('shop', 'orders', '{"n": "policy"}',
    '{"retry": {"maximumAttempts": 5, "backoffCoefficient": 2, "maximumInterval": "300s", "initialInterval": "2 seconds"}}');
SELECT is((pg_temp.msg('policy')).max_attempts, 5, 'retry.maximumAttempts lands in max_attempts');
SELECT is((pg_temp.msg('policy')).backoff_coefficient, 2::numeric,
          'retry.backoffCoefficient lands in backoff_coefficient');
SELECT is((pg_temp.msg('policy')).maximum_interval_s, 300::numeric,
          'retry.maximumInterval lands in maximum_interval_s, in seconds');
SELECT is((pg_temp.msg('policy')).initial_interval_s, 2::numeric,
          'retry.initialInterval lands in initial_interval_s, in seconds');

SELECT hotmesh.stream_publish('shop', 'orders', '{"n": "rc0"}', '{"reclaimCount": 0}');
SELECT is((pg_temp.msg('rc0')).reclaim_count, 0, 'reclaimCount 0 is stored');
SELECT hotmesh.stream_publish('shop', 'orders', '{"n": "rc9"}', '{"reclaimCount": 9}');
SELECT is((pg_temp.msg('rc9')).reclaim_count, 9, 'reclaimCount is stored');

SELECT hotmesh.stream_publish('shop', 'orders', '{"n": "nullopts"}', NULL);
SELECT ok((SELECT m.priority = 0 AND m.reclaim_count = 5 AND m.visible_at = m.created_at
           FROM pg_temp.msg('nullopts') m),
          'NULL options mean the defaults');

-- Errors -----------------------------------------------------------------------------------

SELECT throws_ok($$SELECT hotmesh.stream_publish('', 'atomic', '{"n": "x"}')$$,
                 '22023', 'stream_publish: app id must be a non-empty string',
                 'an empty app id is rejected');
SELECT throws_ok($$SELECT hotmesh.stream_publish(NULL, 'atomic', '{"n": "x"}')$$,
                 '22023', 'stream_publish: app id must be a non-empty string',
                 'a NULL app id is rejected');
SELECT throws_ok($$SELECT hotmesh.stream_publish('shop', '', '{"n": "x"}')$$,
                 '22023', 'stream_publish: stream name must be a non-empty string',
                 'an empty stream name is rejected');
SELECT throws_ok($$SELECT hotmesh.stream_publish('shop', 'atomic', '"hello"')$$,
                 '22023', 'stream_publish: messages must be a JSON object or an array of objects',
                 'a JSON string as the messages is rejected');
SELECT throws_ok($$SELECT hotmesh.stream_publish('shop', 'atomic', NULL)$$,
                 '22023', 'stream_publish: messages must be a JSON object or an array of objects',
                 'NULL messages are rejected');
SELECT throws_ok($$SELECT hotmesh.stream_publish('shop', 'atomic', '[{"n": "a1"}, 5, {"n": "a3"}]')$$,
                 '22023', 'stream_publish: message 2 is not a JSON object',
                 'a non-object message is rejected, naming its position');
SELECT throws_ok($$SELECT hotmesh.stream_publish('shop', 'atomic', '[{"n": "a1"}, {"n": "a2"}, [], "x"]')$$,
                 '22023', 'stream_publish: message 3 is not a JSON object',
                 'the first non-object message is the one named');
SELECT throws_ok($$SELECT hotmesh.stream_publish('shop', 'atomic', '{"n": "x"}', '[]')$$,
                 '22023', 'stream_publish: options must be a JSON object',
                 'options that are not an object are rejected');
SELECT throws_ok($$SELECT hotmesh.stream_publish('shop', 'atomic', '{"n": "x"}', '{"priority": "high"}')$$,
                 '22023', 'option priority must be an integer from -1000000 to 1000000, got "high"',
                 'a string priority is rejected');
SELECT throws_ok($$SELECT hotmesh.stream_publish('shop', 'atomic', '{"n": "x"}', '{"priority": 1.5}')$$,
                 '22023', 'option priority must be an integer from -1000000 to 1000000, got 1.5',
                 'a fractional priority is rejected');
SELECT throws_ok($$SELECT hotmesh.stream_publish('shop', 'atomic', '{"n": "x"}', '{"delay_ms": -1}')$$,
                 '22023', 'option delay_ms must be an integer from 0 to 2147483647, got -1',
                 'a negative delay is rejected');
SELECT throws_ok($$SELECT hotmesh.stream_publish('shop', 'atomic', '{"n": "x"}', '{"reclaimCount": true}')$$,
                 '22023', 'option reclaimCount must be an integer from 0 to 1000000, got true',
                 'a boolean reclaimCount is rejected');
SELECT throws_ok($$SELECT hotmesh.stream_publish('shop', 'atomic', '{"n": "x"}', '{"retry": 5}')$$,
                 '22023', 'retry policy must be a JSON object, got 5',
                 'a retry option that is not an object is rejected');
SELECT throws_ok($$SELECT hotmesh.stream_publish('shop', 'atomic', '[{"n": "a1"}, {"n": "a2"}]',
                                                 '{"retry": {"maximumAttempts": 0}}')$$,
                 '22023', 'retry policy field maximumAttempts must be an integer from 1 to 1000000, got 0',
                 'an invalid retry policy is rejected');
SELECT is((SELECT count(*) FROM hotmesh.worker_streams WHERE stream_name = 'atomic'), 0::bigint,
          'the failed calls inserted nothing, not even their valid messages');

SELECT * FROM finish();
ROLLBACK;
