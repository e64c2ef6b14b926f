-- hotmesh.stream_reclaim: expired leases come back, until reclaimCount dead-letters them.
BEGIN;
SELECT plan(35);

SET LOCAL hotmesh.clock = 'test';
SELECT hotmesh.set_test_clock('2030-01-01 00:00:00+00');

-- The stored row of the message whose "n" field is p_n.
CREATE FUNCTION pg_temp.msg(p_n text) RETURNS hotmesh.worker_streams
LANGUAGE sql AS $$ SELECT * FROM hotmesh.worker_streams WHERE message ->> 'n' = p_n $$;

-- Reclaim, directly and through dequeue, up to reclaimCount ---------------------------------

SELECT hotmesh.stream_publish('shop', 'rc', '{"n": "m"}', '{"reclaimCount": 2}');
SELECT hotmesh.stream_dequeue('shop', 'rc', 'c1', 1, 1000);

SELECT hotmesh.advance_test_clock('999 milliseconds');
SELECT is(hotmesh.stream_reclaim('shop', 'rc'), 0, 'a lease that has not expired is not reclaimed');
SELECT ok((SELECT m.reserved_by = 'c1' AND m.lease_expires_at = '2030-01-01 00:00:01+00'
                  AND m.reclaims = 0
           FROM pg_temp.msg('m') m),
          'an unexpired lease is left untouched');

SELECT hotmesh.advance_test_clock('1 millisecond');
SELECT is(hotmesh.stream_reclaim('shop', 'rc'), 1, 'a lease is reclaimed once lease_expires_at is reached');
SELECT ok((SELECT m.reserved_at IS NULL AND m.reserved_by IS NULL AND m.lease_expires_at IS NULL
           FROM pg_temp.msg('m') m),
          'a reclaimed message is no longer leased');
SELECT is((pg_temp.msg('m')).reclaims, 1, 'the reclaim is counted');
SELECT ok((SELECT m.expired_at IS NULL AND m.dead_lettered_at IS NULL FROM pg_temp.msg('m') m),
          'a reclaimed message within its reclaimCount is not dead-lettered');
SELECT is((pg_temp.msg('m')).retry_attempt, 0, 'a reclaim is not a retry attempt');
SELECT is(hotmesh.stream_reclaim('shop', 'rc'), 0, 'a message is reclaimed only once per expiry');

SELECT is((SELECT delivery FROM hotmesh.stream_dequeue('shop', 'rc', 'c1', 1, 1000)), 2,
          'the reclaimed message is ready at once and delivered again');
SELECT hotmesh.advance_test_clock('1 second');
SELECT is((SELECT array_agg(delivery) FROM hotmesh.stream_dequeue('shop', 'rc', 'c2', 1, 1000)),
          ARRAY[3], 'dequeue reclaims an expired lease itself and delivers the message');
SELECT is((pg_temp.msg('m')).reclaims, 2, 'the reclaim done by dequeue is counted');
SELECT is((pg_temp.msg('m')).reserved_by, 'c2', 'the dequeuing consumer now holds the message');

SELECT hotmesh.advance_test_clock('1 second');
SELECT is(hotmesh.stream_reclaim('shop', 'rc'), 1, 'the expiry after reclaimCount reclaims is handled');
SELECT is((pg_temp.msg('m')).dead_letter_reason, 'lease expired 3 times (reclaimCount 2)',
          'after reclaimCount reclaims the next expiry dead-letters, giving the counts');
SELECT is((pg_temp.msg('m')).dead_lettered_at, '2030-01-01 00:00:03+00'::timestamptz,
          'dead_lettered_at is now');
SELECT is((pg_temp.msg('m')).expired_at, '2030-01-01 00:00:03+00'::timestamptz,
          'the dead-lettered message is expired');
SELECT is((pg_temp.msg('m')).reclaims, 3, 'the dead-lettering expiry is counted too');
SELECT is((pg_temp.msg('m')).reserved_at, NULL, 'the dead-lettered message is not leased');
SELECT is_empty($$SELECT * FROM hotmesh.stream_dequeue('shop', 'rc', 'c1')$$,
                'a message dead-lettered by reclaim is not dequeued again');
SELECT is((SELECT count(*) FROM hotmesh.worker_streams WHERE stream_name = 'rc'), 1::bigint,
          'a message dead-lettered by reclaim is kept');

-- reclaimCount 0 and the default of 5 -------------------------------------------------------

SELECT hotmesh.stream_publish('shop', 'rc0', '{"n": "zero"}', '{"reclaimCount": 0}');
SELECT hotmesh.stream_dequeue('shop', 'rc0', 'c1', 1, 1000);
SELECT hotmesh.advance_test_clock('1 second');
SELECT is(hotmesh.stream_reclaim('shop', 'rc0'), 1, 'the first expiry with reclaimCount 0 is handled');
SELECT is((pg_temp.msg('zero')).dead_letter_reason, 'lease expired 1 times (reclaimCount 0)',
          'with reclaimCount 0 the first expiry dead-letters');

SELECT hotmesh.stream_publish('shop', 'rc5', '{"n": "five"}');
DO $$
BEGIN
    FOR i IN 1..6 LOOP
        PERFORM hotmesh.stream_dequeue('shop', 'rc5', 'c1', 1, 1000);
        PERFORM hotmesh.advance_test_clock('1 second');
        PERFORM hotmesh.stream_reclaim('shop', 'rc5');
    END LOOP;
END
$$;
SELECT is((pg_temp.msg('five')).deliveries, 6, 'with the default reclaimCount a message is delivered 6 times');
SELECT is((pg_temp.msg('five')).dead_letter_reason, 'lease expired 6 times (reclaimCount 5)',
          'with the default reclaimCount 5 the sixth expiry dead-letters');

-- Scope, limit and order --------------------------------------------------------------------

SELECT hotmesh.set_test_clock('2030-02-01 00:00:00+00');
SELECT hotmesh.stream_publish('shop', 'mixed', '{"n": "long"}');
SELECT hotmesh.stream_dequeue('shop', 'mixed', 'c1', 1, 60000);
SELECT hotmesh.stream_publish('shop', 'mixed', '{"n": "brief"}');
SELECT hotmesh.stream_dequeue('shop', 'mixed', 'c1', 1, 1000);
SELECT hotmesh.stream_publish('other', 'mixed', '{"n": "other-app"}');
SELECT hotmesh.stream_dequeue('other', 'mixed', 'c1', 1, 1000);
SELECT hotmesh.stream_publish('shop', 'mixed-2', '{"n": "other-stream"}');
SELECT hotmesh.stream_dequeue('shop', 'mixed-2', 'c1', 1, 1000);
SELECT hotmesh.advance_test_clock('2 seconds');

SELECT is(hotmesh.stream_reclaim('shop', 'mixed'), 1, 'only the expired lease of the stream is reclaimed');
SELECT ok((SELECT m.reserved_by = 'c1' AND m.lease_expires_at = '2030-02-01 00:01:00+00'
                  AND m.reclaims = 0
           FROM pg_temp.msg('long') m),
          'an unexpired lease in the same stream is untouched');
SELECT is((pg_temp.msg('other-app')).reclaims, 0, 'an expired lease of another app is left alone');
SELECT is((pg_temp.msg('other-stream')).reclaims, 0, 'an expired lease of another stream is left alone');

SELECT hotmesh.set_test_clock('2030-03-01 00:00:00+00');
SELECT hotmesh.stream_publish('shop', 'limit', '[{"n": "e3"}, {"n": "e1"}, {"n": "e2"}]');
SELECT hotmesh.stream_dequeue('shop', 'limit', 'c1', 1, 3000);
SELECT hotmesh.stream_dequeue('shop', 'limit', 'c1', 1, 1000);
SELECT hotmesh.stream_dequeue('shop', 'limit', 'c1', 1, 2000);
SELECT hotmesh.advance_test_clock('5 seconds');
SELECT is(hotmesh.stream_reclaim('shop', 'limit', 2), 2, 'the limit caps how many leases are reclaimed');
SELECT is((SELECT array_agg(message ->> 'n' ORDER BY message ->> 'n') FROM hotmesh.worker_streams
           WHERE stream_name = 'limit' AND reclaims = 1),
          ARRAY['e1', 'e2'], 'the leases that expired first are reclaimed first');
SELECT is(hotmesh.stream_reclaim('shop', 'limit', 2), 1, 'the next call reclaims the rest');

-- An engine's worker message dead-lettered by a reclaim fails its activity, and so its job --

-- graph: t1 -> w1 (worker on topic rc.work); the compiled form is written by hand
SELECT hotmesh.deploy_version('rc', '1', '{}', $json${
  "app": {"id": "rc", "version": "1", "settings": {}},
  "graphs": [{
    "subscribes": "rc.start", "publishes": null, "trigger": "t1",
    "activities": {
      "t1": {"id": "t1", "type": "trigger", "depth": 1, "ancestors": [], "children": ["w1"],
             "expressions": {}, "maps": {}, "settings": {}, "reads": {}, "reads_job": false,
             "conditional": false},
      "w1": {"id": "w1", "type": "worker", "depth": 2, "ancestors": ["t1"], "parent": "t1",
             "children": [], "expressions": {"topic": {"sql": "CAST('\"rc.work\"' AS JSONB)",
             "value": "rc.work"}}, "maps": {}, "settings": {}, "reads": {},
             "reads_job": false, "conditional": false}
    },
    "transitions": {"t1": [{"to": "w1", "codes": [200], "gate": "and", "condition": null}]},
    "hooks": {}
  }]
}$json$::jsonb);
SELECT hotmesh.activate_version('rc', '1');
SELECT hotmesh.pub('rc', 'rc.start', '{}', '{"metadata": {"jid": "rc-1"}}');
SELECT hotmesh.pub('rc', 'rc.start', '{}', '{"metadata": {"jid": "rc-2"}}');
-- rc-1's message may not be reclaimed at all; rc-2's may be once
UPDATE hotmesh.worker_streams SET reclaim_count = CASE job_key WHEN 'rc-1' THEN 0 ELSE 1 END
WHERE app_id = 'rc';
SELECT hotmesh.stream_dequeue('rc', 'rc.work', 'c1', 2, 1000);
SELECT hotmesh.advance_test_clock('1 second');

SELECT is(hotmesh.stream_reclaim('rc', 'rc.work'), 2, 'both expired leases are reclaimed');
SELECT results_eq($$SELECT key, status FROM hotmesh.jobs WHERE app_id = 'rc' ORDER BY key$$,
                  $$VALUES ('rc-1'::text, 0), ('rc-2'::text, 1)$$,
                  'the job whose message was dead-lettered ends; the other still runs');
SELECT is((SELECT context #>> '{metadata,err,message}' FROM hotmesh.jobs WHERE key = 'rc-1'),
          'lease expired 1 times (reclaimCount 0)',
          'the job ends with the dead letter''s reason as its error');
SELECT is((SELECT responded_at FROM hotmesh.worker_streams WHERE job_key = 'rc-1'),
          hotmesh.now(), 'the dead-lettered message counts as answered');

SELECT * FROM finish();
ROLLBACK;
