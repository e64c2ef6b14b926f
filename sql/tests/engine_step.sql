-- hotmesh.engine_step (due engine work: timers and deferred cascades, each in its own
-- subtransaction) and hotmesh.engine_next_due, on the test clock.
BEGIN;
SELECT plan(39);

SET LOCAL hotmesh.clock = 'test';
SELECT hotmesh.set_test_clock('2030-01-01 00:00:00+00');

-- App step, compiled below with pyhotmesh.compiler.compile_source (null fields left out
-- of the JSON: absent and null read the same) from this manifest:
-- app:
--   id: step
--   version: '1'
--   graphs:
--     - subscribes: step.nap
--       activities:
--         t1:
--           type: trigger
--           stats: {id: '{$self.input.data.id}'}
--         nap:
--           type: hook
--           sleep: '{t1.output.data.sleep}'
--           job: {maps: {woke: '{$self.hook.data.timestamp}'}}
--       transitions:
--         t1: [{to: nap}]
--     - subscribes: step.race
--       activities:
--         r1:
--           type: trigger
--           stats: {id: '{$self.input.data.id}'}
--         gate:
--           type: hook
--           sleep: 10
--           job: {maps: {via: '{$self.hook.data.via}', at: '{$self.hook.data.timestamp}'}}
--       transitions:
--         r1: [{to: gate}]
--       hooks:
--         step.go:
--           - to: gate
--             conditions:
--               match:
--                 - expected: '{$job.metadata.jid}'
--                   actual: '{$self.hook.data.id}'
--     - subscribes: step.work
--       activities:
--         s1:
--           type: trigger
--           stats: {id: '{$self.input.data.id}'}
--         w: {type: worker, topic: step.w}
--       transitions:
--         s1: [{to: w}]
SELECT hotmesh.deploy_version('step', '1', '{}', $json$
{
  "app": {"id": "step", "version": "1", "settings": {}},
  "graphs": [
    {
      "subscribes": "step.nap",
      "trigger": "t1",
      "activities": {
        "t1": {
          "id": "t1",
          "type": "trigger",
          "graph": "step.nap",
          "ancestors": [],
          "depth": 1,
          "children": ["nap"],
          "conditional": false,
          "expressions": {"stats.id": {"sql": "$1 #> ARRAY['t1', 'input', 'data', 'id']"}},
          "maps": {},
          "settings": {},
          "consumes": {"t1": ["input/data/id"]},
          "produces": ["input/data/id", "output/data/sleep"],
          "reads": {"t1": 1},
          "reads_job": false
        },
        "nap": {
          "id": "nap",
          "type": "hook",
          "graph": "step.nap",
          "parent": "t1",
          "ancestors": ["t1"],
          "depth": 2,
          "children": [],
          "conditional": false,
          "expressions": {"sleep": {"sql": "$1 #> ARRAY['t1', 'output', 'data', 'sleep']"}},
          "maps": {"job": [{"key": "woke", "sql": "$1 #> ARRAY['nap', 'hook', 'data', 'timestamp']"}]},
          "settings": {},
          "consumes": {"nap": ["hook/data/timestamp"], "t1": ["output/data/sleep"]},
          "produces": ["hook/data/timestamp"],
          "reads": {"nap": 2, "t1": 1},
          "reads_job": false
        }
      },
      "transitions": {"t1": [{"to": "nap", "codes": [200], "gate": "and"}]},
      "hooks": {}
    },
    {
      "subscribes": "step.race",
      "trigger": "r1",
      "activities": {
        "r1": {
          "id": "r1",
          "type": "trigger",
          "graph": "step.race",
          "ancestors": [],
          "depth": 1,
          "children": ["gate"],
          "conditional": false,
          "expressions": {"stats.id": {"sql": "$1 #> ARRAY['r1', 'input', 'data', 'id']"}},
          "maps": {},
          "settings": {},
          "consumes": {"r1": ["input/data/id"]},
          "produces": ["input/data/id"],
          "reads": {"r1": 1},
          "reads_job": false
        },
        "gate": {
          "id": "gate",
          "type": "hook",
          "graph": "step.race",
          "parent": "r1",
          "ancestors": ["r1"],
          "depth": 2,
          "children": [],
          "conditional": false,
          "expressions": {"sleep": {"sql": "CAST('10' AS JSONB)", "value": 10}},
          "maps": {
            "job": [
              {"key": "via", "sql": "$1 #> ARRAY['gate', 'hook', 'data', 'via']"},
              {"key": "at", "sql": "$1 #> ARRAY['gate', 'hook', 'data', 'timestamp']"}
            ]
          },
          "settings": {},
          "consumes": {"$job": ["metadata/jid"], "gate": ["hook/data/timestamp", "hook/data/via"]},
          "produces": ["hook/data/timestamp", "hook/data/via"],
          "reads": {"gate": 2},
          "reads_job": true
        }
      },
      "transitions": {"r1": [{"to": "gate", "codes": [200], "gate": "and"}]},
      "hooks": {
        "step.go": [
          {
            "to": "gate",
            "expected": "$1 #> ARRAY['$job', 'metadata', 'jid']",
            "actual": "$1 #> ARRAY['$hook', 'data', 'id']"
          }
        ]
      }
    },
    {
      "subscribes": "step.work",
      "trigger": "s1",
      "activities": {
        "s1": {
          "id": "s1",
          "type": "trigger",
          "graph": "step.work",
          "ancestors": [],
          "depth": 1,
          "children": ["w"],
          "conditional": false,
          "expressions": {"stats.id": {"sql": "$1 #> ARRAY['s1', 'input', 'data', 'id']"}},
          "maps": {},
          "settings": {},
          "consumes": {"s1": ["input/data/id"]},
          "produces": ["input/data/id"],
          "reads": {"s1": 1},
          "reads_job": false
        },
        "w": {
          "id": "w",
          "type": "worker",
          "graph": "step.work",
          "parent": "s1",
          "ancestors": ["s1"],
          "depth": 2,
          "children": [],
          "conditional": false,
          "expressions": {"topic": {"sql": "CAST('\"step.w\"' AS JSONB)", "value": "step.w"}},
          "maps": {},
          "settings": {},
          "consumes": {},
          "produces": [],
          "reads": {},
          "reads_job": false
        }
      },
      "transitions": {"s1": [{"to": "w", "codes": [200], "gate": "and"}]},
      "hooks": {}
    }
  ]
}
$json$::jsonb);
SELECT hotmesh.activate_version('step', '1');

CREATE FUNCTION pg_temp.job(p_key text) RETURNS hotmesh.jobs
LANGUAGE sql AS $$ SELECT * FROM hotmesh.jobs WHERE key = p_key AND is_live $$;

CREATE FUNCTION pg_temp.status(p_key text) RETURNS integer
LANGUAGE sql AS $$ SELECT status FROM hotmesh.jobs WHERE key = p_key AND is_live $$;

CREATE FUNCTION pg_temp.data(p_key text) RETURNS jsonb
LANGUAGE sql AS $$ SELECT hotmesh.engine_job_data(id) FROM hotmesh.jobs WHERE key = p_key $$;

-- The engine message of job p_key (its latest).
CREATE FUNCTION pg_temp.msg(p_key text) RETURNS hotmesh.engine_streams
LANGUAGE sql AS $$
    SELECT * FROM hotmesh.engine_streams WHERE job_key = p_key ORDER BY id DESC LIMIT 1
$$;

-- Timers on the test clock --------------------------------------------------------------------

SELECT is(hotmesh.engine_next_due('step'), NULL, 'with nothing queued nothing is due');
SELECT is(hotmesh.engine_step('step'), 0, 'and a step runs nothing');

SELECT hotmesh.pub('step', 'step.nap', '{"id": "n-1", "sleep": 10}');
SELECT is(hotmesh.engine_next_due('step'), '2030-01-01 00:00:10+00'::timestamptz,
          'a sleeping hook''s timer is due at now + sleep');
SELECT hotmesh.advance_test_clock('9.999 seconds');
SELECT is(hotmesh.engine_step('step'), 0, 'a timer does not run before its time');
SELECT is(pg_temp.status('n-1'), 1, 'the job still sleeps');
SELECT is((pg_temp.msg('n-1')).deliveries, 0, 'the timer was not touched');
SELECT hotmesh.advance_test_clock('0.001 seconds');
SELECT is(hotmesh.engine_step('step'), 1, 'at its time the timer runs');
SELECT is(pg_temp.data('n-1'), '{"woke": 1893456010000}'::jsonb,
          'the hook''s leg 2 gets the time it fired (epoch ms of the test clock)');
SELECT is(pg_temp.status('n-1'), 0, 'the job goes on and completes');
SELECT results_eq(
    $$SELECT expired_at, deliveries, dead_lettered_at FROM pg_temp.msg('n-1')$$,
    $$VALUES ('2030-01-01 00:00:10+00'::timestamptz, 1, NULL::timestamptz)$$,
    'the timer is done, delivered once');
SELECT is(hotmesh.engine_next_due('step'), NULL, 'nothing is due any more');
SELECT is(hotmesh.engine_step('step'), 0, 'a done timer never runs again');

SELECT hotmesh.pub('step', 'step.nap', '{"id": "n-2", "sleep": 15}');
SELECT hotmesh.pub('step', 'step.nap', '{"id": "n-3", "sleep": 5}');
SELECT is(hotmesh.engine_next_due('step'), '2030-01-01 00:00:15+00'::timestamptz,
          'engine_next_due is the earliest timer');
SELECT hotmesh.advance_test_clock('5 seconds');
SELECT is(hotmesh.engine_step('step'), 1, 'only the due timer runs');
SELECT results_eq($$SELECT pg_temp.status('n-2'), pg_temp.status('n-3')$$, $$VALUES (1, 0)$$,
                  'the job of the due timer completed, the other sleeps on');
SELECT is(hotmesh.engine_next_due('step'), '2030-01-01 00:00:25+00'::timestamptz,
          'the next timer is due next');
SELECT is(hotmesh.engine_next_due('other-app'), NULL, 'engine_next_due is per app');
SELECT hotmesh.advance_test_clock('1 hour');
SELECT is(hotmesh.engine_step('other-app'), 0, 'engine_step runs only its app''s messages');
SELECT is(pg_temp.status('n-2'), 1, 'so the job still sleeps');

SELECT hotmesh.pub('step', 'step.nap', format('{"id": "lim-%s", "sleep": 1}', n)::jsonb)
FROM generate_series(1, 2) n;
SELECT hotmesh.advance_test_clock('1 second');
SELECT is(hotmesh.engine_step('step', 2), 2, 'a step runs at most p_limit messages');
SELECT is((SELECT count(*)::int FROM hotmesh.jobs WHERE key IN ('n-2', 'lim-1', 'lim-2')
                                                  AND status = 1),
          1, 'the one past the limit waits for the next step');
SELECT is(hotmesh.engine_step('step', 2), 1, 'which runs it');

-- A timer racing a signal: the first one wins ---------------------------------------------------

SELECT hotmesh.pub('step', 'step.race', '{"id": "race-signal"}');
SELECT hotmesh.signal('step', 'step.go', '{"id": "race-signal", "via": "signal"}');
SELECT results_eq(
    $$SELECT expired_at IS NOT NULL, dead_lettered_at FROM pg_temp.msg('race-signal')$$,
    $$VALUES (true, NULL::timestamptz)$$,
    'a signal that wins retires the hook''s timer (done, not dead-lettered)');
SELECT hotmesh.advance_test_clock('10 seconds');
SELECT is(hotmesh.engine_step('step'), 0, 'the retired timer does not run at its time');
SELECT is(pg_temp.data('race-signal'), '{"via": "signal"}'::jsonb, 'the signal''s leg 2 ran alone');

SELECT hotmesh.pub('step', 'step.race', '{"id": "race-timer"}');
SELECT hotmesh.advance_test_clock('10 seconds');
SELECT is(hotmesh.engine_step('step'), 1, 'an unanswered hook''s timer runs');
SELECT ok((SELECT consumed_at IS NOT NULL FROM hotmesh.signals
           WHERE job_id = (pg_temp.job('race-timer')).id),
          'a timer that wins retires the hook''s signal registration');
SELECT is(hotmesh.signal('step', 'step.go', '{"id": "race-timer", "via": "late"}'), 'pending',
          'a later signal finds no waiter');
SELECT is(pg_temp.data('race-timer'),
          jsonb_build_object('at', (extract(epoch FROM hotmesh.now()) * 1000)::bigint),
          'the timer''s leg 2 ran alone (its payload has no via)');

-- A failing message is dead-lettered, the others commit --------------------------------------

SELECT hotmesh.pub('step', 'step.nap', '{"id": "good-1", "sleep": 1}');
INSERT INTO hotmesh.engine_streams (app_id, job_key, activity_id, dimension, msg_type, message,
                                    created_at, visible_at)
SELECT 'step', 'good-1', 'ghost', ',0,0', 'transition',
       jsonb_build_object('job_id', id, 'aid', 'ghost', 'dad', ',0,0', 'leg', 1),
       hotmesh.now(), hotmesh.now()
FROM hotmesh.jobs WHERE key = 'good-1';
SELECT hotmesh.advance_test_clock('1 second');
SELECT is(hotmesh.engine_step('step'), 1, 'a step counts only the messages that ran');
SELECT results_eq(
    $$SELECT expired_at, dead_lettered_at, dead_letter_reason, last_error
      FROM hotmesh.engine_streams WHERE activity_id = 'ghost'$$,
    $$VALUES (hotmesh.now(), hotmesh.now(), 'engine step failed'::text,
              '{"message": "job good-1 (app step, version 1) has no activity ghost",
                "sqlstate": "P0002"}'::jsonb)$$,
    'the failing message is dead-lettered with its error');
SELECT is(pg_temp.status('good-1'), 0, 'the timer after it still ran and committed its work');
SELECT is(hotmesh.engine_next_due('step'), NULL, 'the dead-lettered message is not due again');

-- Deferred cascades --------------------------------------------------------------------------

CREATE TEMP TABLE started AS
SELECT hotmesh.engine_start_job('step', 'step.work', '{"id": "d-1"}', '{}', NULL) AS doc;
SELECT is(hotmesh.engine_cascade((SELECT doc -> 'items' FROM started), 0), 0,
          'a cascade past its bound runs nothing more');
SELECT results_eq(
    $$SELECT msg_type, activity_id, dimension, priority, message FROM pg_temp.msg('d-1')$$,
    $$SELECT 'transition'::text, 'w'::text, ',0,0'::text, 4, doc -> 'items' -> 0 FROM started$$,
    'the rest is deferred to engine_streams as transition messages carrying the item');
SELECT is(hotmesh.engine_step('step'), 1, 'a step runs the deferred item');
SELECT is((SELECT count(*)::int FROM hotmesh.worker_streams WHERE job_key = 'd-1'), 1,
          'the deferred leg 1 ran: the worker message is published');

-- Messages of vanished jobs -------------------------------------------------------------------

INSERT INTO hotmesh.engine_streams (app_id, job_key, activity_id, dimension, msg_type, message,
                                    created_at, visible_at)
VALUES ('step', 'nobody', 'nap', ',0,0', 'timehook', '{"gid": "g"}', hotmesh.now(), hotmesh.now());
SELECT is(hotmesh.engine_step('step'), 0, 'a message whose job is gone does not run');
SELECT ok((pg_temp.msg('nobody')).expired_at IS NOT NULL
          AND (pg_temp.msg('nobody')).dead_lettered_at IS NULL,
          'it is retired, so it is never due again');

SELECT * FROM finish();
ROLLBACK;
