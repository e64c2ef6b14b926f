-- Completing jobs: hotmesh.engine_complete (expiry, the parent's result), engine_fail_job
-- (an unhandled error ends the job: code 597 semantics), persist and emit (engine_finish,
-- engine_emit) and job_channel. The completion NOTIFY itself is sent at commit, so a test that
-- rolls back cannot observe it.
BEGIN;
SELECT plan(44);

SET LOCAL hotmesh.clock = 'test';
SELECT hotmesh.set_test_clock('2030-01-01 00:00:00+00');

-- App done, compiled below with pyhotmesh.compiler.compile_source (null fields left out
-- of the JSON: absent and null read the same) from this manifest:
-- app:
--   id: done
--   version: '1'
--   graphs:
--     - subscribes: done.expire
--       expire: 120
--       activities:
--         e1:
--           type: trigger
--           stats: {id: '{$self.input.data.id}'}
--         ew:
--           type: worker
--           topic: done.w
--           job: {maps: {result: '{$self.output.data.v}'}}
--       transitions:
--         e1: [{to: ew}]
--     - subscribes: done.ttl
--       expire: '{d1.output.data.ttl}'
--       activities:
--         d1:
--           type: trigger
--           stats: {id: '{$self.input.data.id}'}
--     - subscribes: done.parent
--       activities:
--         p1:
--           type: trigger
--           stats: {id: '{$self.input.data.id}'}
--         call:
--           type: await
--           topic: '{p1.output.data.topic}'
--           input: {maps: {id: '{p1.output.data.child}'}}
--           job: {maps: {child: '{$self.output.data}'}}
--       transitions:
--         p1: [{to: call}]
--     - subscribes: done.child
--       activities:
--         c1:
--           type: trigger
--           stats: {id: '{$self.input.data.id}'}
--         cw:
--           type: worker
--           topic: done.cw
--           job: {maps: {y: '{$self.output.data.y}'}}
--       transitions:
--         c1: [{to: cw}]
--     - subscribes: done.persist
--       activities:
--         s1:
--           type: trigger
--           stats: {id: '{$self.input.data.id}'}
--         main:
--           type: hook
--           persist: true
--           emit: true
--           job: {maps: {main: done}}
--         open:
--           type: hook
--           job: {maps: {late: '{$self.hook.data.v}'}}
--       transitions:
--         s1: [{to: main}, {to: open}]
--       hooks:
--         done.late:
--           - to: open
--             conditions:
--               match:
--                 - expected: '{$job.metadata.jid}'
--                   actual: '{$self.hook.data.id}'
--     - subscribes: done.branch
--       activities:
--         b1:
--           type: trigger
--           stats: {id: '{$self.input.data.id}'}
--         bw: {type: worker, topic: done.bw}
--         bh:
--           type: hook
--           job: {maps: {got: '{$self.hook.data.v}'}}
--       transitions:
--         b1: [{to: bw}, {to: bh}]
--       hooks:
--         done.go:
--           - to: bh
--             conditions:
--               match:
--                 - expected: '{b1.output.data.group}'
--                   actual: '{$self.hook.data.group}'
SELECT hotmesh.deploy_version('done', '1', '{}', $json$
{
  "app": {"id": "done", "version": "1", "settings": {}},
  "graphs": [
    {
      "subscribes": "done.expire",
      "expire": {"sql": "CAST('120' AS JSONB)", "value": 120},
      "trigger": "e1",
      "activities": {
        "e1": {
          "id": "e1",
          "type": "trigger",
          "graph": "done.expire",
          "ancestors": [],
          "depth": 1,
          "children": ["ew"],
          "conditional": false,
          "expressions": {"stats.id": {"sql": "$1 #> ARRAY['e1', 'input', 'data', 'id']"}},
          "maps": {},
          "settings": {},
          "consumes": {"e1": ["input/data/id"]},
          "produces": ["input/data/id"],
          "reads": {"e1": 1},
          "reads_job": false
        },
        "ew": {
          "id": "ew",
          "type": "worker",
          "graph": "done.expire",
          "parent": "e1",
          "ancestors": ["e1"],
          "depth": 2,
          "children": [],
          "conditional": false,
          "expressions": {"topic": {"sql": "CAST('\"done.w\"' AS JSONB)", "value": "done.w"}},
          "maps": {"job": [{"key": "result", "sql": "$1 #> ARRAY['ew', 'output', 'data', 'v']"}]},
          "settings": {},
          "consumes": {"ew": ["output/data/v"]},
          "produces": ["output/data/v"],
          "reads": {"ew": 2},
          "reads_job": false
        }
      },
      "transitions": {"e1": [{"to": "ew", "codes": [200], "gate": "and"}]},
      "hooks": {}
    },
    {
      "subscribes": "done.ttl",
      "expire": {"sql": "$1 #> ARRAY['d1', 'output', 'data', 'ttl']"},
      "trigger": "d1",
      "activities": {
        "d1": {
          "id": "d1",
          "type": "trigger",
          "graph": "done.ttl",
          "ancestors": [],
          "depth": 1,
          "children": [],
          "conditional": false,
          "expressions": {"stats.id": {"sql": "$1 #> ARRAY['d1', 'input', 'data', 'id']"}},
          "maps": {},
          "settings": {},
          "consumes": {"d1": ["input/data/id"]},
          "produces": ["input/data/id"],
          "reads": {"d1": 1},
          "reads_job": false
        }
      },
      "transitions": {},
      "hooks": {}
    },
    {
      "subscribes": "done.parent",
      "trigger": "p1",
      "activities": {
        "p1": {
          "id": "p1",
          "type": "trigger",
          "graph": "done.parent",
          "ancestors": [],
          "depth": 1,
          "children": ["call"],
          "conditional": false,
          "expressions": {"stats.id": {"sql": "$1 #> ARRAY['p1', 'input', 'data', 'id']"}},
          "maps": {},
          "settings": {},
          "consumes": {"p1": ["input/data/id"]},
          "produces": ["input/data/id", "output/data/child", "output/data/topic"],
          "reads": {"p1": 1},
          "reads_job": false
        },
        "call": {
          "id": "call",
          "type": "await",
          "graph": "done.parent",
          "parent": "p1",
          "ancestors": ["p1"],
          "depth": 2,
          "children": [],
          "conditional": false,
          "expressions": {"topic": {"sql": "$1 #> ARRAY['p1', 'output', 'data', 'topic']"}},
          "maps": {
            "input": {
              "sql": "hotmesh.map_object(CAST(ARRAY['id'] AS TEXT[]), CAST(ARRAY[$1 #> ARRAY['p1', 'output', 'data', 'child']] AS JSONB[]))"
            },
            "job": [{"key": "child", "sql": "$1 #> ARRAY['call', 'output', 'data']"}]
          },
          "settings": {},
          "consumes": {"call": ["output/data"], "p1": ["output/data/child", "output/data/topic"]},
          "produces": ["output/data"],
          "reads": {"call": 2, "p1": 1},
          "reads_job": false
        }
      },
      "transitions": {"p1": [{"to": "call", "codes": [200], "gate": "and"}]},
      "hooks": {}
    },
    {
      "subscribes": "done.child",
      "trigger": "c1",
      "activities": {
        "c1": {
          "id": "c1",
          "type": "trigger",
          "graph": "done.child",
          "ancestors": [],
          "depth": 1,
          "children": ["cw"],
          "conditional": false,
          "expressions": {"stats.id": {"sql": "$1 #> ARRAY['c1', 'input', 'data', 'id']"}},
          "maps": {},
          "settings": {},
          "consumes": {"c1": ["input/data/id"]},
          "produces": ["input/data/id"],
          "reads": {"c1": 1},
          "reads_job": false
        },
        "cw": {
          "id": "cw",
          "type": "worker",
          "graph": "done.child",
          "parent": "c1",
          "ancestors": ["c1"],
          "depth": 2,
          "children": [],
          "conditional": false,
          "expressions": {"topic": {"sql": "CAST('\"done.cw\"' AS JSONB)", "value": "done.cw"}},
          "maps": {"job": [{"key": "y", "sql": "$1 #> ARRAY['cw', 'output', 'data', 'y']"}]},
          "settings": {},
          "consumes": {"cw": ["output/data/y"]},
          "produces": ["output/data/y"],
          "reads": {"cw": 2},
          "reads_job": false
        }
      },
      "transitions": {"c1": [{"to": "cw", "codes": [200], "gate": "and"}]},
      "hooks": {}
    },
    {
      "subscribes": "done.persist",
      "trigger": "s1",
      "activities": {
        "s1": {
          "id": "s1",
          "type": "trigger",
          "graph": "done.persist",
          "ancestors": [],
          "depth": 1,
          "children": ["main", "open"],
          "conditional": false,
          "expressions": {"stats.id": {"sql": "$1 #> ARRAY['s1', 'input', 'data', 'id']"}},
          "maps": {},
          "settings": {},
          "consumes": {"s1": ["input/data/id"]},
          "produces": ["input/data/id"],
          "reads": {"s1": 1},
          "reads_job": false
        },
        "main": {
          "id": "main",
          "type": "hook",
          "graph": "done.persist",
          "parent": "s1",
          "ancestors": ["s1"],
          "depth": 2,
          "children": [],
          "conditional": false,
          "expressions": {
            "persist": {"sql": "CAST('true' AS JSONB)", "value": true},
            "emit": {"sql": "CAST('true' AS JSONB)", "value": true}
          },
          "maps": {"job": [{"key": "main", "sql": "CAST('\"done\"' AS JSONB)", "value": "done"}]},
          "settings": {},
          "consumes": {},
          "produces": [],
          "reads": {},
          "reads_job": false
        },
        "open": {
          "id": "open",
          "type": "hook",
          "graph": "done.persist",
          "parent": "s1",
          "ancestors": ["s1"],
          "depth": 2,
          "children": [],
          "conditional": false,
          "expressions": {},
          "maps": {"job": [{"key": "late", "sql": "$1 #> ARRAY['open', 'hook', 'data', 'v']"}]},
          "settings": {},
          "consumes": {"$job": ["metadata/jid"], "open": ["hook/data/v"]},
          "produces": ["hook/data/v"],
          "reads": {"open": 2},
          "reads_job": true
        }
      },
      "transitions": {
        "s1": [
          {"to": "main", "codes": [200], "gate": "and"},
          {"to": "open", "codes": [200], "gate": "and"}
        ]
      },
      "hooks": {
        "done.late": [
          {
            "to": "open",
            "expected": "$1 #> ARRAY['$job', 'metadata', 'jid']",
            "actual": "$1 #> ARRAY['$hook', 'data', 'id']"
          }
        ]
      }
    },
    {
      "subscribes": "done.branch",
      "trigger": "b1",
      "activities": {
        "b1": {
          "id": "b1",
          "type": "trigger",
          "graph": "done.branch",
          "ancestors": [],
          "depth": 1,
          "children": ["bw", "bh"],
          "conditional": false,
          "expressions": {"stats.id": {"sql": "$1 #> ARRAY['b1', 'input', 'data', 'id']"}},
          "maps": {},
          "settings": {},
          "consumes": {"b1": ["input/data/id"]},
          "produces": ["input/data/id", "output/data/group"],
          "reads": {"b1": 1},
          "reads_job": false
        },
        "bw": {
          "id": "bw",
          "type": "worker",
          "graph": "done.branch",
          "parent": "b1",
          "ancestors": ["b1"],
          "depth": 2,
          "children": [],
          "conditional": false,
          "expressions": {"topic": {"sql": "CAST('\"done.bw\"' AS JSONB)", "value": "done.bw"}},
          "maps": {},
          "settings": {},
          "consumes": {},
          "produces": [],
          "reads": {},
          "reads_job": false
        },
        "bh": {
          "id": "bh",
          "type": "hook",
          "graph": "done.branch",
          "parent": "b1",
          "ancestors": ["b1"],
          "depth": 2,
          "children": [],
          "conditional": false,
          "expressions": {},
          "maps": {"job": [{"key": "got", "sql": "$1 #> ARRAY['bh', 'hook', 'data', 'v']"}]},
          "settings": {},
          "consumes": {"b1": ["output/data/group"], "bh": ["hook/data/v"]},
          "produces": ["hook/data/v"],
          "reads": {"b1": 1, "bh": 2},
          "reads_job": false
        }
      },
      "transitions": {
        "b1": [{"to": "bw", "codes": [200], "gate": "and"}, {"to": "bh", "codes": [200], "gate": "and"}]
      },
      "hooks": {
        "done.go": [
          {
            "to": "bh",
            "expected": "$1 #> ARRAY['b1', 'output', 'data', 'group']",
            "actual": "$1 #> ARRAY['$hook', 'data', 'group']"
          }
        ]
      }
    }
  ]
}
$json$::jsonb);
SELECT hotmesh.activate_version('done', '1');

CREATE FUNCTION pg_temp.job(p_key text) RETURNS hotmesh.jobs
LANGUAGE sql AS $$ SELECT * FROM hotmesh.jobs WHERE key = p_key AND is_live $$;

CREATE FUNCTION pg_temp.status(p_key text) RETURNS integer
LANGUAGE sql AS $$ SELECT status FROM hotmesh.jobs WHERE key = p_key AND is_live $$;

CREATE FUNCTION pg_temp.data(p_key text) RETURNS jsonb
LANGUAGE sql AS $$ SELECT hotmesh.engine_job_data(id) FROM hotmesh.jobs WHERE key = p_key AND is_live $$;

CREATE FUNCTION pg_temp.respond(p_key text, p_response jsonb) RETURNS text
LANGUAGE sql AS $$
    SELECT hotmesh.respond(id, p_response) FROM hotmesh.worker_streams
    WHERE job_key = p_key AND responded_at IS NULL
$$;

SELECT is(hotmesh.job_channel('shop'), 'hotmesh_j_' || md5('shop'),
          'an app''s completions are announced on hotmesh_j_<md5 of the app id>');

-- the notice (the job's output read back and serialised) is built only when someone listens
SET LOCAL track_functions = 'pl';
CREATE FUNCTION pg_temp.output_reads() RETURNS bigint LANGUAGE sql AS $$
    SELECT coalesce((SELECT calls FROM pg_stat_xact_user_functions
                     WHERE schemaname = 'hotmesh' AND funcname = 'engine_job_data'), 0)
$$;
CREATE TEMP TABLE reads_before (n bigint);
SELECT hotmesh.pub('done', 'done.expire', '{"id": "quiet-1"}');
INSERT INTO reads_before SELECT pg_temp.output_reads();
SELECT is(pg_temp.respond('quiet-1', '{"data": {"v": 1}}'), 'applied', 'a job nobody waits for');
SELECT is(pg_temp.output_reads() - (SELECT n FROM reads_before), 0::bigint,
          'completes without building a notice: nobody listens on the app''s channel');
SELECT hotmesh.listen_idle(hotmesh.job_channel('done'), 'waiter', pg_backend_pid());
SELECT hotmesh.pub('done', 'done.expire', '{"id": "watched-1"}');
UPDATE reads_before SET n = pg_temp.output_reads();
SELECT is(pg_temp.respond('watched-1', '{"data": {"v": 1}}'), 'applied', 'a job someone waits for');
SELECT cmp_ok(pg_temp.output_reads() - (SELECT n FROM reads_before), '>', 0::bigint,
              'completes with its output read into the notice');
DELETE FROM hotmesh.stream_listeners WHERE consumer = 'waiter';

-- Expiry ----------------------------------------------------------------------------------------

SELECT hotmesh.pub('done', 'done.expire', '{"id": "e-1"}');
SELECT hotmesh.advance_test_clock('2 seconds');
SELECT pg_temp.respond('e-1', '{"data": {"v": 1}}');
SELECT is((pg_temp.job('e-1')).expired_at, '2030-01-01 00:02:02+00'::timestamptz,
          'a completed job expires after its graph''s expire seconds, counted from completion');
SELECT is((pg_temp.job('e-1')).updated_at, '2030-01-01 00:00:02+00'::timestamptz,
          'completion updates the job');
SELECT hotmesh.pub('done', 'done.ttl', '{"id": "ttl-30", "ttl": 30}');
SELECT is((pg_temp.job('ttl-30')).expired_at, hotmesh.now() + interval '30 seconds',
          'expire may be an expression over the trigger''s data');
SELECT hotmesh.pub('done', 'done.ttl', '{"id": "ttl-0", "ttl": 0}');
SELECT is((pg_temp.job('ttl-0')).expired_at, NULL, 'expire 0: the job never expires');
SELECT hotmesh.pub('done', 'done.ttl', '{"id": "ttl-neg", "ttl": -5}');
SELECT is((pg_temp.job('ttl-neg')).expired_at, NULL, 'a negative expire: never expires either');
SELECT hotmesh.pub('done', 'done.ttl', '{"id": "ttl-bad", "ttl": "soon"}');
SELECT is((pg_temp.job('ttl-bad')).expired_at, hotmesh.now() + interval '1 second',
          'an expire that is not a number falls back to 1 s');
SELECT hotmesh.pub('done', 'done.ttl', '{"id": "ttl-none"}');
SELECT is((pg_temp.job('ttl-none')).expired_at, hotmesh.now() + interval '1 second',
          'no expire: 1 s');

-- The result for an awaiting parent -------------------------------------------------------------

SELECT hotmesh.pub('done', 'done.parent', '{"id": "par-1", "child": "kid-1", "topic": "done.child"}');
SELECT is(hotmesh.engine_complete((pg_temp.job('kid-1')).id, NULL),
          jsonb_build_array(jsonb_build_object(
              'job_id', (pg_temp.job('par-1')).id, 'aid', 'call', 'dad', ',0,0', 'leg', 2,
              'kind', 'result', 'status', 'success', 'code', 200, 'data', '{}'::jsonb)),
          'engine_complete returns the awaiting parent''s leg 2 with the child''s job data');
SELECT is(hotmesh.engine_complete((pg_temp.job('kid-1')).id,
                                  '{"message": "broken", "code": 503}'),
          jsonb_build_array(jsonb_build_object(
              'job_id', (pg_temp.job('par-1')).id, 'aid', 'call', 'dad', ',0,0', 'leg', 2,
              'kind', 'result', 'status', 'error', 'code', 503,
              'data', '{"message": "broken", "code": 503}'::jsonb)),
          'with an error the parent''s leg 2 carries the error and its code');
SELECT is(pg_temp.status('par-1'), 1, 'engine_complete runs nothing itself');
SELECT is(hotmesh.engine_complete((pg_temp.job('par-1')).id, NULL), '[]'::jsonb,
          'a job without a parent returns no work');

SELECT pg_temp.respond('kid-1', '{"data": {"y": 7}}');
SELECT is(pg_temp.status('kid-1'), 0, 'the child completes');
SELECT is(pg_temp.data('par-1'), '{"child": {"y": 7}}'::jsonb,
          'its completion delivered its job data to the parent''s await');
SELECT is(pg_temp.status('par-1'), 0, 'the parent completed in the same transaction');
SELECT is((pg_temp.job('par-1')).expired_at, hotmesh.now() + interval '1 second',
          'and expires in turn');

SELECT hotmesh.pub('done', 'done.parent', '{"id": "par-2", "child": "kid-2", "topic": "done.child"}');
UPDATE hotmesh.jobs SET context = jsonb_set(context, '{metadata,px}', 'true') WHERE key = 'kid-2';
SELECT is(hotmesh.engine_complete((pg_temp.job('kid-2')).id, NULL), '[]'::jsonb,
          'a severed child (px) returns nothing to its parent');
UPDATE hotmesh.jobs SET context = jsonb_set(context, '{metadata,px}', 'false'),
                        gid = 'another generation' WHERE key = 'par-2';
SELECT is(hotmesh.engine_complete((pg_temp.job('kid-2')).id, NULL), '[]'::jsonb,
          'nor does a child whose parent generation is gone');

-- engine_fail_job: an error no transition takes ends the job ------------------------------------

SELECT hotmesh.pub('done', 'done.parent', '{"id": "par-3", "child": "kid-3", "topic": "done.child"}');
SELECT hotmesh.advance_test_clock('1 second');
SELECT pg_temp.respond('kid-3', '{"status": "error", "code": 500,
                                  "data": {"message": "no stock", "stack": "at reserve()"}}');
SELECT is(pg_temp.status('kid-3'), 0, 'an unhandled worker error completes the job');
SELECT is((pg_temp.job('kid-3')).context #> '{metadata,err}',
          '{"message": "no stock", "code": 500, "activity_id": "cw", "stack": "at reserve()"}'::jsonb,
          'the error is recorded in the job''s metadata with its code, activity and stack');
SELECT is(pg_temp.data('kid-3'),
          '{"$error": {"message": "no stock", "code": 597, "activity_id": "cw",
                       "stack": "at reserve()"}, "done": true}'::jsonb,
          'the job data gets $error (code 597) and done');
SELECT is((pg_temp.job('kid-3')).expired_at, hotmesh.now() + interval '1 second',
          'the failed job expires like a completed one');
SELECT is(pg_temp.status('par-3'), 0, 'the awaiting parent receives the error and, unhandled, fails too');
SELECT is((pg_temp.job('par-3')).context #> '{metadata,err}',
          '{"message": "no stock", "code": 500, "activity_id": "call", "stack": "at reserve()"}'::jsonb,
          'with the child''s error, code and stack, at its await activity');

CREATE TEMP TABLE kid3_before AS SELECT * FROM pg_temp.job('kid-3');
SELECT is(hotmesh.engine_fail_job((pg_temp.job('kid-3')).id, 'cw', 500, '{"message": "again"}'),
          '[]'::jsonb, 'failing a job that already completed returns nothing');
SELECT is((pg_temp.job('kid-3')).context, (SELECT context FROM kid3_before),
          'and changes nothing');

SELECT hotmesh.pub('done', 'done.child', '{"id": "kid-4"}');
SELECT is(hotmesh.engine_fail_job((pg_temp.job('kid-4')).id, 'cw', 418, '{}'), '[]'::jsonb,
          'engine_fail_job of a job without a parent returns no work');
SELECT is((pg_temp.job('kid-4')).context #> '{metadata,err}',
          '{"message": "activity cw failed", "code": 418, "activity_id": "cw"}'::jsonb,
          'an error without a message is named after its activity');
SELECT is(pg_temp.status('kid-4'), 0, 'and ends the job');
SELECT is(pg_temp.respond('kid-4', '{"data": {"y": 1}}'), 'inactive',
          'the failed job''s open worker is answered in vain');

-- A job that ends while a hook still waits retires the hook's registration ------------------

SELECT hotmesh.pub('done', 'done.branch', '{"id": "br-1", "group": "g"}');
SELECT pg_temp.respond('br-1', '{"status": "error", "data": {"message": "boom"}}');
SELECT is(pg_temp.status('br-1'), 0, 'an error ends the job while its hook still waits');
SELECT isnt((SELECT consumed_at FROM hotmesh.signals WHERE job_id = (pg_temp.job('br-1')).id),
            NULL, 'the ended job''s signal registration is retired');
SELECT hotmesh.pub('done', 'done.branch', '{"id": "br-2", "group": "g"}');
SELECT hotmesh.signal('done', 'done.go', '{"group": "g", "v": "for br-2"}');
SELECT is(pg_temp.data('br-2'), '{"got": "for br-2"}'::jsonb,
          'so a signal with the same key reaches the live waiter');

-- persist and emit ----------------------------------------------------------------------------
-- main (persist, emit) completes at once while open waits for a signal

SELECT hotmesh.pub('done', 'done.parent', '{"id": "par-5", "child": "kid-5", "topic": "done.persist"}');
SELECT is(pg_temp.status('kid-5'), 1, 'after persist the job still runs (its hook waits)');
SELECT is((pg_temp.job('kid-5')).expired_at, NULL, 'a running job does not expire');
SELECT is(pg_temp.data('par-5'), '{"child": {"main": "done"}}'::jsonb,
          'persist delivered the job data so far to the awaiting parent');
SELECT is(pg_temp.status('par-5'), 0, 'which went on and completed');
SELECT hotmesh.signal('done', 'done.late', '{"id": "kid-5", "v": "late"}');
SELECT is(pg_temp.status('kid-5'), 0, 'the persisted job completes later');
SELECT results_eq(
    $$SELECT leg2_count FROM hotmesh.activity_instances
      WHERE job_id = (pg_temp.job('par-5')).id AND activity_id = 'call'$$,
    $$VALUES (1)$$, 'its second result is not delivered again to the finished await');
SELECT lives_ok($$SELECT hotmesh.engine_emit((SELECT id FROM hotmesh.jobs WHERE key = 'kid-5'))$$,
                'engine_emit announces a job''s state (seen only at commit)');

SELECT * FROM finish();
ROLLBACK;
