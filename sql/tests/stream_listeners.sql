-- Consumers waiting on a channel: listen_idle, listen_busy, notify_listeners and the advisory
-- locks that close the race between a consumer going idle and a publisher skipping NOTIFY.
BEGIN;
SELECT plan(14);

SELECT is(hotmesh.stream_listener_lock('hotmesh_w_a'), hotmesh.stream_listener_lock('hotmesh_w_a'),
          'a channel always maps to the same advisory lock');
SELECT isnt(hotmesh.stream_listener_lock('hotmesh_w_a'), hotmesh.stream_listener_lock('hotmesh_w_b'),
            'different channels map to different locks');

SELECT hotmesh.listen_idle('hotmesh_w_a', 'c1', pg_backend_pid());
SELECT results_eq(
    $$SELECT consumer, backend_pid FROM hotmesh.stream_listeners WHERE channel = 'hotmesh_w_a'$$,
    $$VALUES ('c1'::text, pg_backend_pid())$$,
    'listen_idle registers the consumer with its LISTEN session');
SELECT ok(EXISTS (
    SELECT 1 FROM pg_locks
    WHERE locktype = 'advisory' AND mode = 'ExclusiveLock' AND granted
      AND pid = pg_backend_pid()
      AND (classid::bigint << 32) | objid::bigint
          = hotmesh.stream_listener_lock('hotmesh_w_a') & x'ffffffffffffffff'::bigint),
    'registering holds the exclusive channel lock to the end of its transaction');

SELECT is(hotmesh.listen_idle('hotmesh_w_a', 'c1', pg_backend_pid(), p_wait => false), true,
          'without waiting, registering on a channel no other session publishes on says true');
SELECT is((SELECT count(*)::int FROM hotmesh.stream_listeners WHERE channel = 'hotmesh_w_a'), 1,
          'registering again changes nothing');

INSERT INTO hotmesh.stream_listeners (channel, consumer, backend_pid)
VALUES ('hotmesh_w_a', 'ghost', 2147483647);
SELECT hotmesh.listen_idle('hotmesh_w_a', 'c2', pg_backend_pid());
SELECT results_eq(
    $$SELECT consumer FROM hotmesh.stream_listeners WHERE channel = 'hotmesh_w_a'
      ORDER BY consumer$$,
    $$VALUES ('c1'::text), ('c2'::text)$$,
    'a registration whose session is gone is removed');

SELECT hotmesh.listen_busy('hotmesh_w_a', 'c1');
SELECT results_eq(
    $$SELECT consumer FROM hotmesh.stream_listeners WHERE channel = 'hotmesh_w_a'$$,
    $$VALUES ('c2'::text)$$,
    'listen_busy removes only that consumer');
SELECT lives_ok($$SELECT hotmesh.listen_busy('hotmesh_w_a', 'nobody')$$,
                'leaving without a registration is harmless');

SELECT lives_ok($$SELECT hotmesh.notify_listeners('hotmesh_w_a')$$,
                'notify_listeners notifies a channel with a listener');
SELECT ok(EXISTS (
    SELECT 1 FROM pg_locks
    WHERE locktype = 'advisory' AND mode = 'ShareLock' AND granted AND pid = pg_backend_pid()),
    'publishers hold the shared channel lock until they commit');


-- channel_listened: the check alone, under the same shared lock
SELECT is(hotmesh.channel_listened('hotmesh_w_a'), true, 'a channel with a listener is listened');
SELECT is(hotmesh.channel_listened('hotmesh_w_none'), false,
          'a channel without one is not');
SELECT is((SELECT count(*)::int FROM pg_locks
           WHERE locktype = 'advisory' AND mode = 'ShareLock' AND granted
             AND pid = pg_backend_pid()
             AND ((classid::bigint << 32) | objid::bigint)
                 = hotmesh.stream_listener_lock('hotmesh_w_none')),
          1, 'the check holds that channel''s shared lock until commit, as a publisher does');

SELECT * FROM finish();
ROLLBACK;
