-- hotmesh.stream_channel and the worker_streams_notify trigger.
BEGIN;
SELECT plan(23);

-- The channel name -------------------------------------------------------------------------

SELECT matches(hotmesh.stream_channel('shop', 'orders'), '^hotmesh_w_[0-9a-f]{32}$',
               'a channel is hotmesh_w_ and 32 hex digits');
SELECT is(hotmesh.stream_channel('shop', 'orders'),
          (SELECT hotmesh.stream_channel(a, s) FROM (VALUES ('shop', 'orders')) v (a, s)),
          'the same app and stream always give the same channel');
SELECT isnt(hotmesh.stream_channel('ab', 'c'), hotmesh.stream_channel('a', 'bc'),
            '(''ab'', ''c'') and (''a'', ''bc'') get different channels');
SELECT isnt(hotmesh.stream_channel('', 'x'), hotmesh.stream_channel('x', ''),
            '('''', ''x'') and (''x'', '''') get different channels');
SELECT isnt(hotmesh.stream_channel('shop', 'orders'), hotmesh.stream_channel('shop', 'payments'),
            'two streams of one app get different channels');
SELECT isnt(hotmesh.stream_channel('shop', 'orders'), hotmesh.stream_channel('shop2', 'orders'),
            'one stream name in two apps gets different channels');

SELECT cmp_ok(length(hotmesh.stream_channel(repeat('a', 5000), repeat('b', 5000))), '<=', 63,
              'very long app and stream names give a channel of at most 63 characters');
SELECT matches(hotmesh.stream_channel(repeat('a', 5000), repeat('b', 5000)), '^hotmesh_w_[0-9a-f]{32}$',
               'very long app and stream names give a well-formed channel');
SELECT cmp_ok(octet_length(hotmesh.stream_channel('café', 'заказы☕')), '<=', 63,
              'unicode names give a channel of at most 63 bytes');
SELECT matches(hotmesh.stream_channel('café', 'заказы☕'), '^hotmesh_w_[0-9a-f]{32}$',
               'unicode names give a plain ASCII channel');
SELECT matches(hotmesh.stream_channel('a"b', $$c'; NOTIFY x; --$$), '^hotmesh_w_[0-9a-f]{32}$',
               'names with quotes and SQL give a plain channel');
SELECT is(quote_ident(hotmesh.stream_channel('a"b', $$c'; NOTIFY x; --$$)),
          hotmesh.stream_channel('a"b', $$c'; NOTIFY x; --$$),
          'the channel is an identifier that needs no quoting');
SELECT lives_ok(format('LISTEN %s', hotmesh.stream_channel('a"b', $$c'; NOTIFY x; --$$)),
                'the channel can be listened to unquoted');
SELECT is(hotmesh.stream_channel(NULL, 'orders'), NULL, 'a NULL app gives no channel');

-- The trigger ------------------------------------------------------------------------------

SELECT has_trigger('hotmesh', 'worker_streams', 'worker_streams_notify',
                   'worker_streams has the trigger worker_streams_notify');
SELECT trigger_is('hotmesh', 'worker_streams', 'worker_streams_notify',
                  'hotmesh', 'notify_worker_streams',
                  'worker_streams_notify calls hotmesh.notify_worker_streams()');
SELECT is((SELECT t.tgtype & 1 FROM pg_trigger t
           WHERE t.tgrelid = 'hotmesh.worker_streams'::regclass AND t.tgname = 'worker_streams_notify'),
          0, 'the trigger fires once per statement, not per row');
SELECT is((SELECT t.tgtype & (2 | 64) FROM pg_trigger t
           WHERE t.tgrelid = 'hotmesh.worker_streams'::regclass AND t.tgname = 'worker_streams_notify'),
          0, 'the trigger fires AFTER (neither BEFORE nor INSTEAD OF)');
SELECT is((SELECT t.tgtype & (4 | 8 | 16 | 32) FROM pg_trigger t
           WHERE t.tgrelid = 'hotmesh.worker_streams'::regclass AND t.tgname = 'worker_streams_notify'),
          4, 'the trigger fires on INSERT only');
SELECT is((SELECT t.tgnewtable::text FROM pg_trigger t
           WHERE t.tgrelid = 'hotmesh.worker_streams'::regclass AND t.tgname = 'worker_streams_notify'),
          'new_rows', 'the trigger sees the inserted rows as the transition table new_rows');

SELECT lives_ok($$SELECT hotmesh.stream_publish('shop', 'orders', '[{"n": 1}, {"n": 2}]');
                  SELECT hotmesh.stream_publish('shop', 'later', '{"n": 3}', '{"delay_ms": 60000}')$$,
                'publishing visible and delayed messages runs the trigger without error');

-- who is woken: visible messages not leased yet (a message leased at its insert is the
-- answering worker's already: respond_next, respond_batch_next)
SET LOCAL track_functions = 'pl';
CREATE TEMP TABLE before AS
SELECT coalesce((SELECT calls FROM pg_stat_xact_user_functions
                 WHERE schemaname = 'hotmesh' AND funcname = 'notify_listeners'), 0) AS calls;
INSERT INTO hotmesh.worker_streams (app_id, stream_name, message, reserved_at, reserved_by,
                                    lease_expires_at, deliveries)
VALUES ('shop', 'orders', '{}', now(), 'c1', now() + interval '30 s', 1);
SELECT is((SELECT coalesce((SELECT calls FROM pg_stat_xact_user_functions
                            WHERE schemaname = 'hotmesh' AND funcname = 'notify_listeners'), 0)
                  - calls FROM before), 0::bigint,
          'a message leased at its insert wakes nobody');
INSERT INTO hotmesh.worker_streams (app_id, stream_name, message)
VALUES ('shop', 'orders', '{}');
SELECT is((SELECT coalesce((SELECT calls FROM pg_stat_xact_user_functions
                            WHERE schemaname = 'hotmesh' AND funcname = 'notify_listeners'), 0)
                  - calls FROM before), 1::bigint,
          'a ready one goes through the NOTIFY check of its stream');

SELECT * FROM finish();
ROLLBACK;
