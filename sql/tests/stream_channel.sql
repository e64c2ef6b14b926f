-- hotmesh.stream_channel and who stream_publish wakes.
BEGIN;
SELECT plan(25);

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

-- Who is woken -----------------------------------------------------------------------------
-- Publishers call notify_listeners themselves (no trigger): once per statement and stream,
-- for messages visible now and not leased at their insert.

SELECT is((SELECT count(*)::int FROM pg_trigger t
           WHERE t.tgrelid = 'hotmesh.worker_streams'::regclass AND NOT t.tgisinternal),
          0, 'worker_streams has no trigger (its old NOTIFY trigger is gone)');
SELECT hasnt_function('hotmesh', 'notify_worker_streams',
                      'the old trigger function is gone');

SET LOCAL track_functions = 'pl';
CREATE FUNCTION pg_temp.notified() RETURNS bigint LANGUAGE sql AS $$
    SELECT coalesce((SELECT calls FROM pg_stat_xact_user_functions
                     WHERE schemaname = 'hotmesh' AND funcname = 'notify_listeners'), 0)
$$;
CREATE TEMP TABLE before (calls bigint);
INSERT INTO before SELECT pg_temp.notified();

SELECT is((SELECT count(*)::int FROM hotmesh.stream_publish('shop', 'orders',
                                                            '[{"n": 1}, {"n": 2}, {"n": 3}]')),
          3, 'a batch of three is published');
SELECT is(pg_temp.notified() - (SELECT calls FROM before), 1::bigint,
          'one NOTIFY check for the whole batch, not one per message');
SELECT is((SELECT count(*)::int FROM pg_locks
           WHERE locktype = 'advisory' AND mode = 'ShareLock' AND granted
             AND pid = pg_backend_pid()
             AND ((classid::bigint << 32) | objid::bigint)
                 = hotmesh.stream_listener_lock(hotmesh.stream_channel('shop', 'orders'))),
          1, 'the check holds the lock of the stream''s own channel');

UPDATE before SET calls = pg_temp.notified();
SELECT is((SELECT count(*)::int FROM hotmesh.stream_publish('shop', 'later', '{"n": 4}',
                                                            '{"delay_ms": 60000}')),
          1, 'a delayed message is published');
SELECT is(pg_temp.notified() - (SELECT calls FROM before), 0::bigint,
          'a delayed message wakes nobody (the polls find it)');
SELECT is((SELECT count(*)::int FROM hotmesh.stream_publish('shop', 'orders', '[]')),
          0, 'an empty batch publishes nothing');
SELECT is(pg_temp.notified() - (SELECT calls FROM before), 0::bigint,
          'an empty batch wakes nobody');

-- a waiting consumer gets the NOTIFY on the stream's channel
SELECT hotmesh.listen_idle(hotmesh.stream_channel('shop', 'orders'), 'c1', pg_backend_pid());
SELECT lives_ok($$SELECT hotmesh.stream_publish('shop', 'orders', '{"n": 5}')$$,
                'publishing to a stream with a waiting consumer');
SELECT is(pg_temp.notified() - (SELECT calls FROM before), 1::bigint,
          'a message published to a stream with a waiting consumer is announced');

SELECT * FROM finish();
ROLLBACK;
