-- Interrupting and scrubbing jobs: hotmesh.interrupt (engine_interrupt_key,
-- engine_interrupt_job), the interrupt activity (its own job or another), and hotmesh.scrub.
BEGIN;
SELECT plan(49);

SET LOCAL hotmesh.clock = 'test';
SELECT hotmesh.set_test_clock('2030-01-01 00:00:00+00');

-- App intr, compiled below with pyhotmesh.compiler.compile_source (null fields left out
-- of the JSON: absent and null read the same) from this manifest:
-- app:
--   id: intr
--   version: '1'
--   graphs:
--     - subscribes: intr.start
--       activities:
--         t1:
--           type: trigger
--           stats: {id: '{$self.input.data.id}'}
--         park: {type: hook, sleep: 3600}
--         work: {type: worker, topic: intr.w}
--         wait:
--           type: hook
--           job: {maps: {got: '{$self.hook.data.v}'}}
--         stop:
--           type: interrupt
--           target: '{t1.output.data.target}'
--           reason: '{t1.output.data.reason}'
--           code: '{t1.output.data.code}'
--           job: {maps: {stopping: '{t1.output.data.target}'}}
--       transitions:
--         t1:
--           - to: park
--           - to: work
--           - to: wait
--           - to: stop
--             conditions:
--               match: [{expected: true, actual: '{t1.output.data.interrupt}'}]
--       hooks:
--         intr.go:
--           - to: wait
--             conditions:
--               match:
--                 - expected: '{$job.metadata.jid}'
--                   actual: '{$self.hook.data.id}'
--     - subscribes: intr.parent
--       activities:
--         p1:
--           type: trigger
--           stats: {id: '{$self.input.data.id}'}
--         call:
--           type: await
--           topic: intr.start
--           input: {maps: {id: '{p1.output.data.child}'}}
--           job: {maps: {child: '{$self.output.data}'}}
--       transitions:
--         p1: [{to: call}]
--     - subscribes: intr.quick
--       activities:
--         q1:
--           type: trigger
--           stats: {id: '{$self.input.data.id}'}
SELECT hotmesh.deploy_version('intr', '1', '{}', $json$
{
  "app": {"id": "intr", "version": "1", "settings": {}},
  "graphs": [
    {
      "subscribes": "intr.start",
      "trigger": "t1",
      "activities": {
        "t1": {
          "id": "t1",
          "type": "trigger",
          "graph": "intr.start",
          "ancestors": [],
          "depth": 1,
          "children": ["park", "work", "wait", "stop"],
          "conditional": true,
          "expressions": {"stats.id": {"sql": "$1 #> ARRAY['t1', 'input', 'data', 'id']"}},
          "maps": {},
          "settings": {},
          "consumes": {"t1": ["input/data/id", "output/data/interrupt"]},
          "produces": [
            "input/data/id",
            "output/data/code",
            "output/data/interrupt",
            "output/data/reason",
            "output/data/target"
          ],
          "reads": {"t1": 1},
          "reads_job": false
        },
        "park": {
          "id": "park",
          "type": "hook",
          "graph": "intr.start",
          "parent": "t1",
          "ancestors": ["t1"],
          "depth": 2,
          "children": [],
          "conditional": false,
          "expressions": {"sleep": {"sql": "CAST('3600' AS JSONB)", "value": 3600}},
          "maps": {},
          "settings": {},
          "consumes": {},
          "produces": [],
          "reads": {},
          "reads_job": false
        },
        "work": {
          "id": "work",
          "type": "worker",
          "graph": "intr.start",
          "parent": "t1",
          "ancestors": ["t1"],
          "depth": 2,
          "children": [],
          "conditional": false,
          "expressions": {"topic": {"sql": "CAST('\"intr.w\"' AS JSONB)", "value": "intr.w"}},
          "maps": {},
          "settings": {},
          "consumes": {},
          "produces": [],
          "reads": {},
          "reads_job": false
        },
        "wait": {
          "id": "wait",
          "type": "hook",
          "graph": "intr.start",
          "parent": "t1",
          "ancestors": ["t1"],
          "depth": 2,
          "children": [],
          "conditional": false,
          "expressions": {},
          "maps": {"job": [{"key": "got", "sql": "$1 #> ARRAY['wait', 'hook', 'data', 'v']"}]},
          "settings": {},
          "consumes": {"$job": ["metadata/jid"], "wait": ["hook/data/v"]},
          "produces": ["hook/data/v"],
          "reads": {"wait": 2},
          "reads_job": true
        },
        "stop": {
          "id": "stop",
          "type": "interrupt",
          "graph": "intr.start",
          "parent": "t1",
          "ancestors": ["t1"],
          "depth": 2,
          "children": [],
          "conditional": false,
          "expressions": {
            "target": {"sql": "$1 #> ARRAY['t1', 'output', 'data', 'target']"},
            "reason": {"sql": "$1 #> ARRAY['t1', 'output', 'data', 'reason']"},
            "code": {"sql": "$1 #> ARRAY['t1', 'output', 'data', 'code']"}
          },
          "maps": {"job": [{"key": "stopping", "sql": "$1 #> ARRAY['t1', 'output', 'data', 'target']"}]},
          "settings": {},
          "consumes": {"t1": ["output/data/code", "output/data/reason", "output/data/target"]},
          "produces": [],
          "reads": {"t1": 1},
          "reads_job": false
        }
      },
      "transitions": {
        "t1": [
          {"to": "park", "codes": [200], "gate": "and"},
          {"to": "work", "codes": [200], "gate": "and"},
          {"to": "wait", "codes": [200], "gate": "and"},
          {
            "to": "stop",
            "codes": [200],
            "gate": "and",
            "condition": "COALESCE((hotmesh.js_strict_equals($1 #> ARRAY['t1', 'output', 'data', 'interrupt'], CAST('true' AS JSONB))), FALSE)"
          }
        ]
      },
      "hooks": {
        "intr.go": [
          {
            "to": "wait",
            "expected": "$1 #> ARRAY['$job', 'metadata', 'jid']",
            "actual": "$1 #> ARRAY['$hook', 'data', 'id']"
          }
        ]
      }
    },
    {
      "subscribes": "intr.parent",
      "trigger": "p1",
      "activities": {
        "p1": {
          "id": "p1",
          "type": "trigger",
          "graph": "intr.parent",
          "ancestors": [],
          "depth": 1,
          "children": ["call"],
          "conditional": false,
          "expressions": {"stats.id": {"sql": "$1 #> ARRAY['p1', 'input', 'data', 'id']"}},
          "maps": {},
          "settings": {},
          "consumes": {"p1": ["input/data/id"]},
          "produces": ["input/data/id", "output/data/child"],
          "reads": {"p1": 1},
          "reads_job": false
        },
        "call": {
          "id": "call",
          "type": "await",
          "graph": "intr.parent",
          "parent": "p1",
          "ancestors": ["p1"],
          "depth": 2,
          "children": [],
          "conditional": false,
          "expressions": {"topic": {"sql": "CAST('\"intr.start\"' AS JSONB)", "value": "intr.start"}},
          "maps": {
            "input": {
              "sql": "hotmesh.map_object(CAST(ARRAY['id'] AS TEXT[]), CAST(ARRAY[$1 #> ARRAY['p1', 'output', 'data', 'child']] AS JSONB[]))"
            },
            "job": [{"key": "child", "sql": "$1 #> ARRAY['call', 'output', 'data']"}]
          },
          "settings": {},
          "consumes": {"call": ["output/data"], "p1": ["output/data/child"]},
          "produces": ["output/data"],
          "reads": {"call": 2, "p1": 1},
          "reads_job": false
        }
      },
      "transitions": {"p1": [{"to": "call", "codes": [200], "gate": "and"}]},
      "hooks": {}
    },
    {
      "subscribes": "intr.quick",
      "trigger": "q1",
      "activities": {
        "q1": {
          "id": "q1",
          "type": "trigger",
          "graph": "intr.quick",
          "ancestors": [],
          "depth": 1,
          "children": [],
          "conditional": false,
          "expressions": {"stats.id": {"sql": "$1 #> ARRAY['q1', 'input', 'data', 'id']"}},
          "maps": {},
          "settings": {},
          "consumes": {"q1": ["input/data/id"]},
          "produces": ["input/data/id"],
          "reads": {"q1": 1},
          "reads_job": false
        }
      },
      "transitions": {},
      "hooks": {}
    }
  ]
}
$json$::jsonb);
SELECT hotmesh.activate_version('intr', '1');

CREATE FUNCTION pg_temp.job(p_key text) RETURNS hotmesh.jobs
LANGUAGE sql AS $$ SELECT * FROM hotmesh.jobs WHERE key = p_key ORDER BY is_live DESC, id DESC LIMIT 1 $$;

CREATE FUNCTION pg_temp.status(p_key text) RETURNS integer
LANGUAGE sql AS $$ SELECT (pg_temp.job(p_key)).status $$;

CREATE FUNCTION pg_temp.err(p_key text) RETURNS jsonb
LANGUAGE sql AS $$ SELECT (pg_temp.job(p_key)).context #> '{metadata,err}' $$;

CREATE FUNCTION pg_temp.data(p_key text) RETURNS jsonb
LANGUAGE sql AS $$ SELECT hotmesh.engine_job_data((pg_temp.job(p_key)).id) $$;

-- Interrupting a running job from the client ----------------------------------------------------
-- i-1 waits on three obligations: a timer (park), a worker (work) and a signal (wait)

SELECT hotmesh.pub('intr', 'intr.start', '{"id": "i-1"}');
SELECT is(pg_temp.status('i-1'), 3, 'the job runs with three open obligations');
SELECT hotmesh.advance_test_clock('1 second');
SELECT is(hotmesh.interrupt('intr', 'i-1', '{"reason": "stop now"}'), 'i-1',
          'interrupt returns the job id');
SELECT is(pg_temp.status('i-1'), 3 - 1000000000,
          'the semaphore drops by 1,000,000,000 (below -100,000,000: interrupted)');
SELECT is(pg_temp.err('i-1'), '{"message": "stop now", "code": 410, "is_interrupt": true}'::jsonb,
          'the error is recorded in the job''s metadata, with code 410 by default');
SELECT is((pg_temp.job('i-1')).expired_at, '2030-01-01 00:00:02+00'::timestamptz,
          'an interrupted job expires after 1 s by default');
SELECT is((SELECT expired_at FROM hotmesh.worker_streams WHERE job_key = 'i-1'),
          '2030-01-01 00:00:01+00'::timestamptz, 'its queued worker message is retired');
SELECT is((SELECT expired_at FROM hotmesh.engine_streams WHERE job_key = 'i-1'),
          '2030-01-01 00:00:01+00'::timestamptz, 'its timer is retired');
SELECT is((SELECT consumed_at FROM hotmesh.signals WHERE job_id = (pg_temp.job('i-1')).id),
          '2030-01-01 00:00:01+00'::timestamptz, 'its signal registration is retired');
SELECT is(hotmesh.signal('intr', 'intr.go', '{"id": "i-1", "v": 1}'), 'pending',
          'a signal no longer reaches it');
SELECT hotmesh.advance_test_clock('1 hour');
SELECT is(hotmesh.engine_step('intr'), 0, 'its timer never fires');
SELECT is(pg_temp.data('i-1'), '{}'::jsonb, 'nothing ran for it after the interrupt');

SELECT hotmesh.interrupt('intr', 'i-1', '{"reason": "again", "code": 499}');
SELECT is(pg_temp.status('i-1'), 3 - 1000000000, 'a second interrupt does not move the semaphore');
SELECT is(pg_temp.err('i-1') ->> 'message', 'stop now', 'nor replace the first error');

SELECT hotmesh.pub('intr', 'intr.start', '{"id": "i-2"}');
SELECT hotmesh.interrupt('intr', 'i-2', '{"code": 499, "expire": 60, "stack": "at line 1"}');
SELECT is(pg_temp.err('i-2'),
          '{"message": "job interrupted", "code": 499, "is_interrupt": true, "stack": "at line 1"}'::jsonb,
          'the code and stack can be given; the reason defaults to "job interrupted"');
SELECT is((pg_temp.job('i-2')).expired_at, hotmesh.now() + interval '60 seconds',
          'expire sets when the interrupted job expires');

SELECT throws_ok($$SELECT hotmesh.interrupt('intr', 'ghost')$$, 'P0002', 'ghost Not Found',
                 'interrupting an unknown job raises P0002');

SELECT hotmesh.pub('intr', 'intr.quick', '{"id": "q-1"}');
SELECT hotmesh.interrupt('intr', 'q-1');
SELECT is(pg_temp.status('q-1'), 0, 'a completed job is not interrupted: it stays complete');
SELECT is(pg_temp.err('q-1'), NULL, 'and gets no error');

SELECT hotmesh.pub('intr', 'intr.quick', '{"id": "p-1"}', NULL, 60);
SELECT hotmesh.interrupt('intr', 'p-1');
SELECT is(pg_temp.status('p-1'), -1 - 1000000000, 'a pending job can be interrupted');

-- An awaited child's interrupt reaches its parent -------------------------------------------

SELECT hotmesh.pub('intr', 'intr.parent', '{"id": "parent-1", "child": "child-1"}');
SELECT hotmesh.interrupt('intr', 'child-1', '{"reason": "cancelled"}');
SELECT is(pg_temp.status('parent-1'), 0,
          'the interrupt is the await''s result; no transition takes it: the parent ends');
SELECT is(pg_temp.err('parent-1'),
          '{"message": "cancelled", "code": 410, "activity_id": "call"}'::jsonb,
          'the parent fails with the child''s interrupt error');

SELECT hotmesh.pub('intr', 'intr.parent', '{"id": "parent-2", "child": "child-2"}');
SELECT hotmesh.interrupt('intr', 'child-2', '{"throw": false}');
SELECT ok(pg_temp.status('child-2') < -100000000, 'throw false still interrupts the child');
SELECT is(pg_temp.status('parent-2'), 1, 'but the parent is not told: it keeps waiting');

-- The interrupt activity ---------------------------------------------------------------------

SELECT hotmesh.pub('intr', 'intr.start', '{"id": "self-1", "interrupt": true, "reason": "by itself"}');
SELECT ok(pg_temp.status('self-1') < -100000000, 'without a target the activity interrupts its own job');
SELECT is(pg_temp.err('self-1') ->> 'message', 'by itself', 'with the reason it maps');
SELECT is((SELECT expired_at FROM hotmesh.worker_streams WHERE job_key = 'self-1'), hotmesh.now(),
          'the work its job had started is retired');

SELECT hotmesh.pub('intr', 'intr.start', '{"id": "victim"}');
SELECT hotmesh.pub('intr', 'intr.start',
                   '{"id": "killer", "interrupt": true, "target": "victim", "reason": "hit", "code": 409}');
SELECT ok(pg_temp.status('victim') < -100000000, 'with a target the activity interrupts that job');
SELECT is(pg_temp.err('victim'), '{"message": "hit", "code": 409, "is_interrupt": true}'::jsonb,
          'with the reason and code it maps');
SELECT is(pg_temp.status('killer'), 3, 'the interrupting job goes on (its other branches wait)');
SELECT is(pg_temp.data('killer'), '{"stopping": "victim"}'::jsonb, 'the activity applies its job.maps');
SELECT ok((SELECT finalized_at IS NOT NULL FROM hotmesh.activity_instances
           WHERE job_id = (pg_temp.job('killer')).id AND activity_id = 'stop'),
          'and completes');
SELECT lives_ok(
    $$SELECT hotmesh.pub('intr', 'intr.start', '{"id": "k-2", "interrupt": true, "target": "nobody"}')$$,
    'an interrupt activity whose target does not exist does not fail (HotMesh: best-effort)');
SELECT is(pg_temp.status('k-2'), 3, 'its job goes on as if the target had been interrupted');
SELECT is(pg_temp.data('k-2'), '{"stopping": "nobody"}'::jsonb, 'the activity applies its job.maps');
SELECT ok((SELECT finalized_at IS NOT NULL FROM hotmesh.activity_instances
           WHERE job_id = (pg_temp.job('k-2')).id AND activity_id = 'stop'),
          'and completes');
SELECT is((SELECT count(*)::int FROM hotmesh.jobs WHERE key = 'nobody'), 0,
          'no job is created for the missing target');
SELECT throws_ok($$SELECT hotmesh.engine_interrupt_key('intr', 'nobody', '{}')$$, 'P0002',
                 'nobody Not Found', 'engine_interrupt_key itself still refuses an unknown job');
SELECT is(hotmesh.engine_interrupt_key('intr', 'nobody', '{}', true), '[]'::jsonb,
          'unless told the job may be missing');

-- scrub ---------------------------------------------------------------------------------------

SELECT hotmesh.pub('intr', 'intr.start', '{"id": "s-1"}');
CREATE TEMP TABLE s1 AS SELECT id FROM hotmesh.jobs WHERE key = 's-1';
SELECT hotmesh.signal('intr', 'intr.go', '{"id": "elsewhere"}');
SELECT is(hotmesh.scrub('intr', 's-1'), 1, 'scrub returns how many jobs it deleted');
SELECT is((SELECT count(*)::int FROM hotmesh.jobs WHERE key = 's-1'), 0, 'the job is gone');
SELECT is((SELECT count(*)::int FROM hotmesh.jobs_attributes WHERE job_id = (SELECT id FROM s1)), 0,
          'with its attributes');
SELECT is((SELECT count(*)::int FROM hotmesh.activity_instances WHERE job_id = (SELECT id FROM s1)), 0,
          'its ledger');
SELECT is((SELECT count(*)::int FROM hotmesh.signals WHERE job_id = (SELECT id FROM s1)), 0,
          'and its signal registrations');
SELECT results_eq(
    $$SELECT count(*)::int, count(*) FILTER (WHERE expired_at IS NOT NULL)::int
      FROM hotmesh.worker_streams WHERE job_key = 's-1'$$,
    $$VALUES (1, 1)$$, 'its worker messages are kept for inspection, retired');
SELECT results_eq(
    $$SELECT count(*)::int, count(*) FILTER (WHERE expired_at IS NOT NULL)::int
      FROM hotmesh.engine_streams WHERE job_key = 's-1'$$,
    $$VALUES (1, 1)$$, 'and so are its timers');
SELECT is((SELECT count(*)::int FROM hotmesh.signals WHERE signal_key = 'elsewhere'), 1,
          'early signals of no job are left alone');
SELECT throws_ok($$SELECT hotmesh.get_status('intr', 's-1')$$, 'P0002', 's-1 Not Found',
                 'a scrubbed job is not found');
SELECT is(hotmesh.scrub('intr', 's-1'), 0, 'scrubbing it again deletes nothing');

SELECT hotmesh.pub('intr', 'intr.quick', '{"id": "gen"}');
SELECT hotmesh.advance_test_clock('1 second');
SELECT hotmesh.pub('intr', 'intr.quick', '{"id": "gen"}');
SELECT is(hotmesh.scrub('intr', 'gen'), 2, 'scrub deletes every generation of a job id');

SELECT * FROM finish();
ROLLBACK;
