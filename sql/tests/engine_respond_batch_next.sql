-- respond_batch_next: a batch of responses whose answering worker takes the steps they enqueue
-- on the same streams, leased from their insert (a claim at enqueue).
BEGIN;
SELECT plan(20);
SET LOCAL track_functions = 'pl';

-- graph: t1 -> w1 (topic rbn.work) -> w2 (topic rbn.work) -> w3 (topic rbn.other); the
-- compiled form is written by hand
SELECT hotmesh.deploy_version('rbn', '1', '{}', $json${
  "app": {"id": "rbn", "version": "1", "settings": {}},
  "graphs": [{
    "subscribes": "rbn.start", "publishes": null, "trigger": "t1",
    "activities": {
      "t1": {"id": "t1", "type": "trigger", "depth": 1, "ancestors": [], "children": ["w1"],
             "expressions": {}, "maps": {}, "settings": {}, "reads": {}, "reads_job": false,
             "conditional": false, "next": {"200": ["w1"]}},
      "w1": {"id": "w1", "type": "worker", "depth": 2, "ancestors": ["t1"], "parent": "t1",
             "children": ["w2"], "expressions": {"topic": {"sql": "CAST('\"rbn.work\"' AS JSONB)",
             "value": "rbn.work"}}, "maps": {}, "settings": {}, "reads": {},
             "reads_job": false, "conditional": false, "next": {"200": ["w2"]}},
      "w2": {"id": "w2", "type": "worker", "depth": 3, "ancestors": ["t1", "w1"], "parent": "w1",
             "children": ["w3"], "expressions": {"topic": {"sql": "CAST('\"rbn.work\"' AS JSONB)",
             "value": "rbn.work"}}, "maps": {}, "settings": {}, "reads": {},
             "reads_job": false, "conditional": false, "next": {"200": ["w3"]}},
      "w3": {"id": "w3", "type": "worker", "depth": 4, "ancestors": ["t1", "w1", "w2"],
             "parent": "w2", "children": [], "expressions": {"topic": {"sql":
             "CAST('\"rbn.other\"' AS JSONB)", "value": "rbn.other"}}, "maps": {},
             "settings": {}, "reads": {}, "reads_job": false, "conditional": false}
    },
    "transitions": {"t1": [{"to": "w1", "codes": [200], "gate": "and", "condition": null}],
                    "w1": [{"to": "w2", "codes": [200], "gate": "and", "condition": null}],
                    "w2": [{"to": "w3", "codes": [200], "gate": "and", "condition": null}]},
    "hooks": {}
  }]
}$json$::jsonb);
SELECT hotmesh.activate_version('rbn', '1');
SELECT hotmesh.pub('rbn', 'rbn.start', '{}', jsonb_build_object('metadata', jsonb_build_object('jid', k)))
FROM unnest(ARRAY['a', 'b', 'c', 'd', 'e']) k;

CREATE FUNCTION pg_temp.msg(p_key text, p_aid text) RETURNS hotmesh.worker_streams
LANGUAGE sql AS $$
    SELECT * FROM hotmesh.worker_streams WHERE job_key = p_key AND activity_id = p_aid
$$;
CREATE FUNCTION pg_temp.ids(p_keys text[], p_aid text) RETURNS bigint[]
LANGUAGE sql AS $$
    SELECT array_agg((pg_temp.msg(k, p_aid)).id ORDER BY k) FROM unnest(p_keys) k
$$;

CREATE TEMP TABLE notified AS
SELECT calls FROM pg_stat_xact_user_functions
WHERE schemaname = 'hotmesh' AND funcname = 'notify_listeners';

-- three answers, two slots free: two of the three next steps are the worker's at once
CREATE TEMP TABLE got AS
SELECT * FROM hotmesh.respond_batch_next(pg_temp.ids('{a,b,c}', 'w1'),
    array_fill('{"data": {}}'::jsonb, ARRAY[3]), 'c1', 2, 30000);
SELECT results_eq($$SELECT outcome FROM got WHERE outcome IS NOT NULL ORDER BY id$$,
                  $$VALUES ('applied'), ('applied'), ('applied')$$,
                  'each response of the batch is applied');
SELECT results_eq($$SELECT job_key, message #>> '{metadata,aid}', delivery
                    FROM got WHERE outcome IS NULL ORDER BY id$$,
                  $$VALUES ('a'::text, 'w2'::text, 1), ('b', 'w2', 1)$$,
                  'up to p_take of the steps enqueued on the same stream are taken, delivery 1');
SELECT ok((SELECT bool_and(s.reserved_by = 'c1' AND s.reserved_at = hotmesh.now()
                           AND s.lease_expires_at = hotmesh.now() + interval '30 s'
                           AND s.expired_at IS NULL)
           FROM got g JOIN hotmesh.worker_streams s ON s.id = g.id WHERE g.outcome IS NULL),
          'taken steps are leased to the consumer from their insert');
SELECT ok((pg_temp.msg('c', 'w2')).reserved_at IS NULL
          AND (pg_temp.msg('c', 'w2')).deliveries = 0,
          'a step past p_take is enqueued ready');
SELECT is((SELECT s.calls - n.calls FROM pg_stat_xact_user_functions s, notified n
           WHERE s.schemaname = 'hotmesh' AND s.funcname = 'notify_listeners'), 1::bigint,
          'only the step not taken went through the NOTIFY check');
SELECT results_eq($$SELECT job_key, message #>> '{metadata,aid}'
                    FROM hotmesh.stream_dequeue('rbn', 'rbn.work', 'c2', 10) ORDER BY id$$,
                  $$VALUES ('d'::text, 'w1'::text), ('e', 'w1'), ('c', 'w2')$$,
                  'a dequeue finds what is ready, and none of the steps taken');

-- steps on another stream are never taken
CREATE TEMP TABLE other AS
SELECT * FROM hotmesh.respond_batch_next(pg_temp.ids('{a,b}', 'w2'),
    array_fill('{"data": {}}'::jsonb, ARRAY[2]), 'c1', 5, 30000);
SELECT is((SELECT count(*)::int FROM other WHERE outcome IS NULL), 0,
          'a step on another stream is not taken');
SELECT ok((pg_temp.msg('a', 'w3')).reserved_at IS NULL AND (pg_temp.msg('b', 'w3')).reserved_at IS NULL,
          'it is enqueued ready for its own consumers');

-- take 0: nothing taken
SELECT set_config('hotmesh.claimed', '123,', true);  -- left alone by a call that takes none
SELECT is((SELECT count(*)::int FROM hotmesh.respond_batch_next(pg_temp.ids('{d}', 'w1'),
               ARRAY['{"data": {}}']::jsonb[], 'c1', 0, 30000) WHERE outcome IS NULL), 0,
          'p_take 0 takes nothing');
SELECT ok((pg_temp.msg('d', 'w2')).reserved_at IS NULL, 'and the step is ready');
SELECT is(current_setting('hotmesh.claimed'), '123,', 'and it makes no claim settings at all');

SELECT set_config('hotmesh.claimed', '7,9,', true);
SELECT is(hotmesh.engine_claimed(), ARRAY[7, 9]::bigint[],
          'engine_claimed reads the ids listed in hotmesh.claimed');

-- a failing response: the batch is applied again one by one, and a claim of the undone
-- attempt is not left behind
CREATE TEMP TABLE mixed AS
SELECT * FROM hotmesh.respond_batch_next(pg_temp.ids('{e}', 'w1') || ARRAY[-1]::bigint[],
    ARRAY['{"data": {}}', '{"data": {}}']::jsonb[], 'c3', 5, 30000);
SELECT results_eq($$SELECT id, outcome FROM mixed WHERE outcome IS NOT NULL ORDER BY id$$,
                  $$VALUES (-1::bigint, 'error: respond: no worker message -1'::text),
                           ((pg_temp.msg('e', 'w1')).id, 'applied')$$,
                  'a failing response is reported without undoing the others');
SELECT results_eq($$SELECT id FROM mixed WHERE outcome IS NULL$$,
                  $$SELECT id FROM hotmesh.worker_streams WHERE reserved_by = 'c3'$$,
                  'what is taken is exactly what is leased to the consumer');
SELECT is((SELECT count(*)::int FROM mixed WHERE outcome IS NULL), 1, 'e''s step is taken');

-- the claim ends with the call: a later response in the same transaction takes nothing
SELECT hotmesh.respond((pg_temp.msg('c', 'w2')).id, '{"data": {}}');
SELECT ok(current_setting('hotmesh.claim_left') = '0' AND current_setting('hotmesh.handoff') = '',
          'the claim settings are cleared when the call returns');

-- claim settings a session sets itself do nothing without a handoff (respond sets none)
SELECT hotmesh.pub('rbn', 'rbn.start', '{}', '{"metadata": {"jid": "f"}}');
SELECT set_config('hotmesh.claim_left', 'not a number', true),
       set_config('hotmesh.claim_consumer', 'someone', true);
SELECT is(hotmesh.respond((pg_temp.msg('f', 'w1')).id, '{"data": {}}'), 'applied',
          'respond ignores claim settings it did not make');
SELECT ok((pg_temp.msg('f', 'w2')).reserved_at IS NULL, 'and its step is enqueued ready');

SELECT throws_ok($$SELECT * FROM hotmesh.respond_batch_next('{}', '{}', 'c1', 1001, 30000)$$,
                 '22023', 'respond_batch_next: take must be from 0 to 1000, got 1001',
                 'take is bounded');
SELECT throws_ok($$SELECT * FROM hotmesh.respond_batch_next('{}', '{}', '', 1, 30000)$$,
                 '22023', 'respond_batch_next: consumer must be a non-empty string',
                 'the consumer is named');

SELECT * FROM finish();
ROLLBACK;
