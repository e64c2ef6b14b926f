-- hotmesh.respond (a worker's answer to an engine message), hotmesh.respond_next (answer, take
-- the steps it enqueues on the stream, then older ready messages of it) and hotmesh.engine_fail_message (a
-- dead-lettered engine message answers for its worker).
BEGIN;
SELECT plan(53);

SET LOCAL hotmesh.clock = 'test';
SELECT hotmesh.set_test_clock('2030-01-01 00:00:00+00');

-- App resp, compiled below with pyhotmesh.compiler.compile_source (null fields left out
-- of the JSON: absent and null read the same) from this manifest:
-- app:
--   id: resp
--   version: '1'
--   graphs:
--     - subscribes: resp.start
--       activities:
--         t1:
--           type: trigger
--           stats: {id: '{$self.input.data.id}'}
--         w1:
--           type: worker
--           topic: resp.w1
--           input: {maps: {n: '{t1.output.data.n}'}}
--           job: {maps: {r1: '{$self.output.data.v}'}}
--         w2:
--           type: worker
--           topic: resp.w2
--           input: {maps: {v: '{w1.output.data.v}'}}
--           job: {maps: {r2: '{$self.output.data.v}'}}
--         handled:
--           type: hook
--           job: {maps: {handled: '{w1.output.data.message}'}}
--       transitions:
--         t1: [{to: w1}]
--         w1:
--           - to: w2
--           - to: handled
--             conditions: {code: 422}
--     - subscribes: resp.chain
--       activities:
--         c0:
--           type: trigger
--           stats: {id: '{$self.input.data.id}'}
--         s1:
--           type: worker
--           topic: resp.chain
--           job: {maps: {s1: '{$self.output.data.v}'}}
--         s2:
--           type: worker
--           topic: resp.chain
--           input: {maps: {v: '{s1.output.data.v}'}}
--           job: {maps: {s2: '{$self.output.data.v}'}}
--       transitions:
--         c0: [{to: s1}]
--         s1: [{to: s2}]
SELECT hotmesh.deploy_version('resp', '1', '{}', $json$
{
  "app": {"id": "resp", "version": "1", "settings": {}},
  "graphs": [
    {
      "subscribes": "resp.start",
      "trigger": "t1",
      "activities": {
        "t1": {
          "id": "t1",
          "type": "trigger",
          "graph": "resp.start",
          "ancestors": [],
          "depth": 1,
          "children": ["w1"],
          "conditional": false,
          "expressions": {"stats.id": {"sql": "$1 #> ARRAY['t1', 'input', 'data', 'id']"}},
          "maps": {},
          "settings": {},
          "consumes": {"t1": ["input/data/id"]},
          "produces": ["input/data/id", "output/data/n"],
          "reads": {"t1": 1},
          "reads_job": false
        },
        "w1": {
          "id": "w1",
          "type": "worker",
          "graph": "resp.start",
          "parent": "t1",
          "ancestors": ["t1"],
          "depth": 2,
          "children": ["w2", "handled"],
          "conditional": false,
          "expressions": {"topic": {"sql": "CAST('\"resp.w1\"' AS JSONB)", "value": "resp.w1"}},
          "maps": {
            "input": {
              "sql": "hotmesh.map_object(CAST(ARRAY['n'] AS TEXT[]), CAST(ARRAY[$1 #> ARRAY['t1', 'output', 'data', 'n']] AS JSONB[]))"
            },
            "job": [{"key": "r1", "sql": "$1 #> ARRAY['w1', 'output', 'data', 'v']"}]
          },
          "settings": {},
          "consumes": {"t1": ["output/data/n"], "w1": ["output/data/v"]},
          "produces": ["output/data/message", "output/data/v"],
          "reads": {"t1": 1, "w1": 2},
          "reads_job": false
        },
        "w2": {
          "id": "w2",
          "type": "worker",
          "graph": "resp.start",
          "parent": "w1",
          "ancestors": ["t1", "w1"],
          "depth": 3,
          "children": [],
          "conditional": false,
          "expressions": {"topic": {"sql": "CAST('\"resp.w2\"' AS JSONB)", "value": "resp.w2"}},
          "maps": {
            "input": {
              "sql": "hotmesh.map_object(CAST(ARRAY['v'] AS TEXT[]), CAST(ARRAY[$1 #> ARRAY['w1', 'output', 'data', 'v']] AS JSONB[]))"
            },
            "job": [{"key": "r2", "sql": "$1 #> ARRAY['w2', 'output', 'data', 'v']"}]
          },
          "settings": {},
          "consumes": {"w1": ["output/data/v"], "w2": ["output/data/v"]},
          "produces": ["output/data/v"],
          "reads": {"w1": 2, "w2": 3},
          "reads_job": false
        },
        "handled": {
          "id": "handled",
          "type": "hook",
          "graph": "resp.start",
          "parent": "w1",
          "ancestors": ["t1", "w1"],
          "depth": 3,
          "children": [],
          "conditional": false,
          "expressions": {},
          "maps": {"job": [{"key": "handled", "sql": "$1 #> ARRAY['w1', 'output', 'data', 'message']"}]},
          "settings": {},
          "consumes": {"w1": ["output/data/message"]},
          "produces": [],
          "reads": {"w1": 2},
          "reads_job": false
        }
      },
      "transitions": {
        "t1": [{"to": "w1", "codes": [200], "gate": "and"}],
        "w1": [
          {"to": "w2", "codes": [200], "gate": "and"},
          {"to": "handled", "codes": [422], "gate": "and"}
        ]
      },
      "hooks": {}
    },
    {
      "subscribes": "resp.chain",
      "trigger": "c0",
      "activities": {
        "c0": {
          "id": "c0",
          "type": "trigger",
          "graph": "resp.chain",
          "ancestors": [],
          "depth": 1,
          "children": ["s1"],
          "conditional": false,
          "expressions": {"stats.id": {"sql": "$1 #> ARRAY['c0', 'input', 'data', 'id']"}},
          "maps": {},
          "settings": {},
          "consumes": {"c0": ["input/data/id"]},
          "produces": ["input/data/id"],
          "reads": {"c0": 1},
          "reads_job": false
        },
        "s1": {
          "id": "s1",
          "type": "worker",
          "graph": "resp.chain",
          "parent": "c0",
          "ancestors": ["c0"],
          "depth": 2,
          "children": ["s2"],
          "conditional": false,
          "expressions": {"topic": {"sql": "CAST('\"resp.chain\"' AS JSONB)", "value": "resp.chain"}},
          "maps": {"job": [{"key": "s1", "sql": "$1 #> ARRAY['s1', 'output', 'data', 'v']"}]},
          "settings": {},
          "consumes": {"s1": ["output/data/v"]},
          "produces": ["output/data/v"],
          "reads": {"s1": 2},
          "reads_job": false
        },
        "s2": {
          "id": "s2",
          "type": "worker",
          "graph": "resp.chain",
          "parent": "s1",
          "ancestors": ["c0", "s1"],
          "depth": 3,
          "children": [],
          "conditional": false,
          "expressions": {"topic": {"sql": "CAST('\"resp.chain\"' AS JSONB)", "value": "resp.chain"}},
          "maps": {
            "input": {
              "sql": "hotmesh.map_object(CAST(ARRAY['v'] AS TEXT[]), CAST(ARRAY[$1 #> ARRAY['s1', 'output', 'data', 'v']] AS JSONB[]))"
            },
            "job": [{"key": "s2", "sql": "$1 #> ARRAY['s2', 'output', 'data', 'v']"}]
          },
          "settings": {},
          "consumes": {"s1": ["output/data/v"], "s2": ["output/data/v"]},
          "produces": ["output/data/v"],
          "reads": {"s1": 2, "s2": 3},
          "reads_job": false
        }
      },
      "transitions": {
        "c0": [{"to": "s1", "codes": [200], "gate": "and"}],
        "s1": [{"to": "s2", "codes": [200], "gate": "and"}]
      },
      "hooks": {}
    }
  ]
}
$json$::jsonb);
SELECT hotmesh.activate_version('resp', '1');

-- The open message of job p_key for activity p_aid.
CREATE FUNCTION pg_temp.msg(p_key text, p_aid text) RETURNS hotmesh.worker_streams
LANGUAGE sql AS $$
    SELECT * FROM hotmesh.worker_streams WHERE job_key = p_key AND activity_id = p_aid
    ORDER BY id DESC LIMIT 1
$$;

-- The ledger row of activity p_aid of job p_key.
CREATE FUNCTION pg_temp.ledger(p_key text, p_aid text) RETURNS hotmesh.activity_instances
LANGUAGE sql AS $$
    SELECT i.* FROM hotmesh.activity_instances i JOIN hotmesh.jobs j ON j.id = i.job_id
    WHERE j.key = p_key AND i.activity_id = p_aid
$$;

-- The stored node of activity p_aid of job p_key at p_dad.
CREATE FUNCTION pg_temp.node(p_key text, p_aid text, p_dad text) RETURNS jsonb
LANGUAGE sql AS $$
    SELECT a.value FROM hotmesh.jobs_attributes a JOIN hotmesh.jobs j ON j.id = a.job_id
    WHERE j.key = p_key AND a.field = p_aid || '/' || p_dad
$$;

CREATE FUNCTION pg_temp.data(p_key text) RETURNS jsonb
LANGUAGE sql AS $$ SELECT hotmesh.engine_job_data(id) FROM hotmesh.jobs WHERE key = p_key $$;

CREATE FUNCTION pg_temp.status(p_key text) RETURNS integer
LANGUAGE sql AS $$ SELECT status FROM hotmesh.jobs WHERE key = p_key $$;

-- Refused responses -------------------------------------------------------------------------

SELECT throws_ok($$SELECT hotmesh.respond(987654321, '{"data": {}}')$$, 'P0002',
                 'respond: no worker message 987654321', 'a response to no message raises P0002');
SELECT hotmesh.pub('resp', 'resp.start', '{"id": "r1", "n": 4}');
SELECT throws_ok(
    format('SELECT hotmesh.respond(%s, %L)', (pg_temp.msg('r1', 'w1')).id, '{"status": "maybe"}'),
    '22023', 'respond: status must be success, error or pending, got maybe',
    'an unknown response status is refused');
SELECT is((pg_temp.msg('r1', 'w1')).responded_at, NULL,
          'a refused response does not mark the message answered');

-- A success: leg 2 of the worker, and the cascade on -----------------------------------------

SELECT hotmesh.advance_test_clock('2 seconds');
SELECT is(hotmesh.respond((pg_temp.msg('r1', 'w1')).id, '{"data": {"v": 10}}'), 'applied',
          'a response to an open message is applied');
SELECT is((pg_temp.msg('r1', 'w1')).responded_at, '2030-01-01 00:00:02+00'::timestamptz,
          'the message records when it was answered');
SELECT is((pg_temp.msg('r1', 'w1')).expired_at, '2030-01-01 00:00:02+00'::timestamptz,
          'an answered message is done');
SELECT is(pg_temp.node('r1', 'w1', ',0,0') #> '{output,data}', '{"v": 10}'::jsonb,
          'the response data is the worker''s output');
SELECT is((pg_temp.node('r1', 'w1', ',0,0') #> '{output,metadata}') - 'ac',
          '{"aid": "w1", "dad": ",0,0", "atp": "worker", "au": "2030-01-01T00:00:02+00:00",
            "code": 200}'::jsonb,
          'the output metadata records the leg-2 time and the code (200 by default)');
SELECT is(pg_temp.data('r1'), '{"r1": 10}'::jsonb, 'the worker''s job.maps are applied');
SELECT results_eq(
    $$SELECT arrivals, leg2_count, finalized_at FROM pg_temp.ledger('r1', 'w1')$$,
    $$VALUES (1, 1, '2030-01-01 00:00:02+00'::timestamptz)$$,
    'the ledger records one leg 2 and finalizes the worker');
SELECT results_eq(
    $$SELECT stream_name, dimension, message -> 'data' FROM hotmesh.worker_streams
      WHERE job_key = 'r1' AND activity_id = 'w2'$$,
    $$VALUES ('resp.w2'::text, ',0,0,0'::text, '{"v": 10}'::jsonb)$$,
    'the transition to w2 ran: its message maps w1''s output');
SELECT is(pg_temp.status('r1'), 1, 'w1 closed and w2 opened: one obligation left');
SELECT is(hotmesh.respond((pg_temp.msg('r1', 'w1')).id, '{"data": {"v": 11}}'), 'duplicate',
          'a second response to the same message is a duplicate');
SELECT is(hotmesh.respond((pg_temp.msg('r1', 'w2')).id, '{"status": "success", "data": {"v": 20}}'),
          'applied', 'the last worker''s response is applied');
SELECT is(pg_temp.status('r1'), 0, 'the job completes when its last obligation closes');
SELECT is(pg_temp.data('r1'), '{"r1": 10, "r2": 20}'::jsonb, 'with the data of both workers');

-- An error routed by its code ------------------------------------------------------------------

SELECT hotmesh.pub('resp', 'resp.start', '{"id": "r422"}');
SELECT is(hotmesh.respond((pg_temp.msg('r422', 'w1')).id,
                          '{"status": "error", "code": 422, "data": {"message": "bad input"}}'),
          'applied', 'an error response is applied');
SELECT is(pg_temp.node('r422', 'w1', ',0,0') #> '{output,metadata,err}',
          '{"message": "bad input"}'::jsonb, 'the error is recorded in the output metadata');
SELECT is(pg_temp.node('r422', 'w1', ',0,0') #> '{output,metadata,code}', '422'::jsonb,
          'with its code');
SELECT is(pg_temp.data('r422'), '{"handled": "bad input"}'::jsonb,
          'the transition for code 422 ran (and not the one for 200)');
SELECT is((SELECT count(*)::int FROM hotmesh.worker_streams WHERE job_key = 'r422'), 1,
          'w2 was not started');
SELECT is(pg_temp.status('r422'), 0, 'the handled error lets the job complete normally');

SELECT hotmesh.pub('resp', 'resp.start', '{"id": "r500"}');
SELECT hotmesh.respond((pg_temp.msg('r500', 'w1')).id, '{"status": "error", "data": {"message": "down"}}');
SELECT is((SELECT context #> '{metadata,err}' FROM hotmesh.jobs WHERE key = 'r500'),
          '{"message": "down", "code": 500, "activity_id": "w1"}'::jsonb,
          'an error without a code is a 500; no transition takes it, so it ends the job');

-- A pending response keeps the worker open ------------------------------------------------------

SELECT hotmesh.pub('resp', 'resp.start', '{"id": "rp"}');
SELECT is(hotmesh.respond((pg_temp.msg('rp', 'w1')).id, '{"status": "pending", "data": {"v": 1}}'),
          'applied', 'a pending response is applied');
SELECT is((pg_temp.ledger('rp', 'w1')).finalized_at, NULL, 'the worker stays open');
SELECT is((SELECT count(*)::int FROM hotmesh.worker_streams WHERE job_key = 'rp' AND activity_id = 'w2'),
          1, 'its transitions are taken');
SELECT is(pg_temp.status('rp'), 2, 'the open worker and its child are both obligations');

-- Responses for jobs that are gone or no longer run ---------------------------------------------

SELECT hotmesh.pub('resp', 'resp.start', '{"id": "gone"}');
CREATE TEMP TABLE gone_msg AS SELECT (pg_temp.msg('gone', 'w1')).id;
SELECT hotmesh.scrub('resp', 'gone');
SELECT is(hotmesh.respond((SELECT id FROM gone_msg), '{"data": {"v": 1}}'), 'stale',
          'a response for a job that was scrubbed is stale');
SELECT isnt((SELECT responded_at FROM hotmesh.worker_streams WHERE id = (SELECT id FROM gone_msg)),
            NULL, 'the stale response still marks the message answered');

SELECT hotmesh.pub('resp', 'resp.start', '{"id": "stopped"}');
SELECT hotmesh.interrupt('resp', 'stopped');
SELECT is(hotmesh.respond((pg_temp.msg('stopped', 'w1')).id, '{"data": {"v": 1}}'), 'inactive',
          'a response for an interrupted job is inactive');
SELECT results_eq(
    $$SELECT leg2_count, finalized_at FROM pg_temp.ledger('stopped', 'w1')$$,
    $$VALUES (0, NULL::timestamptz)$$, 'an inactive response runs no leg 2');

-- engine_fail_message: the job of a dead-lettered message gets the failure ------------------

SELECT hotmesh.pub('resp', 'resp.start', '{"id": "dead"}');
SELECT hotmesh.stream_dequeue('resp', 'resp.w1', 'c1');
SELECT ok(hotmesh.stream_dead_letter('c1', (pg_temp.msg('dead', 'w1')).id,
                                     (pg_temp.msg('dead', 'w1')).deliveries, 'poison',
                                     '{"message": "cannot parse", "code": 503}'),
          'a consumer dead-letters the engine message');
SELECT is((SELECT context #> '{metadata,err}' FROM hotmesh.jobs WHERE key = 'dead'),
          '{"message": "cannot parse", "code": 503, "activity_id": "w1"}'::jsonb,
          'the dead-lettered message failed its activity with the error and its code');
SELECT is(pg_temp.status('dead'), 0, 'the job does not wait forever');
SELECT isnt((pg_temp.msg('dead', 'w1')).responded_at, NULL,
            'the message counts as answered');

SELECT hotmesh.stream_publish('resp', 'plain', '{"n": 1}');
SELECT lives_ok(
    $$SELECT hotmesh.engine_fail_message(m, '{"message": "x"}')
      FROM hotmesh.worker_streams m WHERE stream_name = 'plain'$$,
    'a plain stream message (no job) is left alone');
SELECT is((SELECT responded_at FROM hotmesh.worker_streams WHERE stream_name = 'plain'), NULL,
          'and is not marked answered');

-- respond_next: answer, then take the next step of the same stream in the same transaction ----
-- s1 and s2 of resp.chain both run on the stream resp.chain

SET LOCAL track_functions = 'pl';
SELECT hotmesh.pub('resp', 'resp.chain', '{"id": "ch-1"}');
SELECT count(*) FROM hotmesh.stream_dequeue('resp', 'resp.chain', 'c1');
CREATE TEMP TABLE next1 AS
SELECT * FROM hotmesh.respond_next((pg_temp.msg('ch-1', 's1')).id, '{"data": {"v": 1}}', 'c1');
SELECT results_eq(
    $$SELECT outcome, id, message -> 'data', delivery, job_key FROM next1$$,
    $$SELECT 'applied'::text, (pg_temp.msg('ch-1', 's2')).id, '{"v": 1}'::jsonb, 1, 'ch-1'::text$$,
    'respond_next applies the response and returns the step it enqueued on the same stream');
SELECT results_eq(
    $$SELECT reserved_by, deliveries FROM hotmesh.worker_streams WHERE id = (pg_temp.msg('ch-1', 's2')).id$$,
    $$VALUES ('c1'::text, 1)$$, 'that message is leased to the answering consumer');
SELECT is((SELECT coalesce(s.calls, 0) FROM pg_stat_xact_user_functions s
           WHERE s.schemaname = 'hotmesh' AND s.funcname = 'stream_dequeue'), 1::bigint,
          'leased by its insert: the only dequeue was the test''s own, before it');
SELECT results_eq(
    $$SELECT outcome, id FROM hotmesh.respond_next((pg_temp.msg('ch-1', 's2')).id,
                                                   '{"data": {"v": 2}}', 'c1')$$,
    $$VALUES ('applied'::text, NULL::bigint)$$,
    'with nothing ready it returns one row: the outcome, without a message');
SELECT is(pg_temp.data('ch-1'), '{"s1": 1, "s2": 2}'::jsonb, 'both responses were applied');
SELECT is((SELECT jsonb_object_keys_sorted FROM (
               SELECT array_agg(k ORDER BY k) AS jsonb_object_keys_sorted
               FROM hotmesh.jobs_attributes a JOIN hotmesh.jobs j ON j.id = a.job_id,
                    jsonb_object_keys(a.value #> '{output,metadata}') k
               WHERE j.key = 'ch-1' AND a.field LIKE 's1/%') m),
          ARRAY['ac', 'aid', 'atp', 'au', 'code', 'dad'],
          'leg 2 adds to the metadata of leg 1: the activity keeps ac beside au');

SELECT hotmesh.pub('resp', 'resp.chain', '{"id": "ch-2"}');
SELECT results_eq(
    $$SELECT outcome, id FROM hotmesh.respond_next((pg_temp.msg('ch-2', 's1')).id,
                                                   '{"data": {"v": 1}}', 'c2', 0)$$,
    $$VALUES ('applied'::text, NULL::bigint)$$, 'a batch of 0 only responds');
SELECT is((pg_temp.msg('ch-2', 's2')).reserved_at, NULL, 'and takes nothing');
SELECT results_eq(
    $$SELECT outcome, id FROM hotmesh.respond_next((pg_temp.msg('ch-2', 's1')).id,
                                                   '{"data": {"v": 9}}', 'c2')$$,
    $$SELECT 'duplicate'::text, (pg_temp.msg('ch-2', 's2')).id$$,
    'a duplicate response reports duplicate and still takes what is ready');
SELECT throws_ok($$SELECT * FROM hotmesh.respond_next((pg_temp.msg('ch-2', 's1')).id, '{}', '')$$,
                 '22023', 'respond_next: consumer must be a non-empty string',
                 'respond_next names its consumer');
SELECT throws_ok($$SELECT * FROM hotmesh.respond_next((pg_temp.msg('ch-2', 's1')).id, '{}', 'c2', 1, 0)$$,
                 '22023', 'respond_next: lease must be a positive number of milliseconds, got 0',
                 'respond_next leases for a positive time');
SELECT throws_ok($$SELECT * FROM hotmesh.respond_next((pg_temp.msg('ch-2', 's1')).id, '{}', 'c2', 1001)$$,
                 '22023', 'respond_next: batch must be from 0 to 1000, got 1001',
                 'respond_next takes at most 1000');
SELECT throws_ok($$SELECT * FROM hotmesh.respond_next(987654321, '{}', 'c1')$$, 'P0002',
                 'respond: no worker message 987654321', 'respond_next of no message raises P0002');


-- engine_respond: respond's body, which also names the message's stream ----------------------

SELECT hotmesh.pub('resp', 'resp.chain', '{"id": "ch-3"}');
SELECT results_eq(
    $$SELECT outcome, app_id, stream_name
      FROM hotmesh.engine_respond((pg_temp.msg('ch-3', 's1')).id, '{"data": {"v": 3}}', false,
                                  true)$$,
    $$VALUES ('applied'::text, 'resp'::text, 'resp.chain'::text)$$,
    'engine_respond returns the outcome and the stream of the message');
SELECT is(current_setting('hotmesh.handoff'), hotmesh.stream_channel('resp', 'resp.chain'),
          'with p_handoff the stream''s channel is handed off for this transaction');
SELECT results_eq(
    $$SELECT outcome, app_id, stream_name
      FROM hotmesh.engine_respond((pg_temp.msg('ch-3', 's1')).id, '{"data": {"v": 4}}', false,
                                  false)$$,
    $$VALUES ('duplicate'::text, 'resp'::text, 'resp.chain'::text)$$,
    'a duplicate still names the stream (respond_next dequeues from it)');

SELECT * FROM finish();
ROLLBACK;
