-- The collation ledger (activity_instances, worker_streams.responded_at): a duplicate worker
-- response changes nothing, a replayed transition does not run its activity twice, and two
-- parallel branches joining complete the job exactly once in either order.
BEGIN;
SELECT plan(31);

SET LOCAL hotmesh.clock = 'test';
SELECT hotmesh.set_test_clock('2030-01-01 00:00:00+00');

-- App coll, compiled below with pyhotmesh.compiler.compile_source (null fields left out
-- of the JSON: absent and null read the same) from this manifest:
-- app:
--   id: coll
--   version: '1'
--   graphs:
--     - subscribes: coll.seq
--       activities:
--         t1:
--           type: trigger
--           stats: {id: '{$self.input.data.id}'}
--         w1:
--           type: worker
--           topic: coll.w1
--           job: {maps: {r1: '{$self.output.data.v}'}}
--         w2:
--           type: worker
--           topic: coll.w2
--           input: {maps: {v: '{w1.output.data.v}'}}
--           job: {maps: {r2: '{$self.output.data.v}'}}
--       transitions:
--         t1: [{to: w1}]
--         w1: [{to: w2}]
--     - subscribes: coll.par
--       activities:
--         p0:
--           type: trigger
--           stats: {id: '{$self.input.data.id}'}
--         a: {type: worker, topic: coll.a, job: {maps: {a: '{$self.output.data.v}'}}}
--         b: {type: worker, topic: coll.b, job: {maps: {b: '{$self.output.data.v}'}}}
--         join:
--           type: hook
--           job: {maps: {joined: true}}
--       transitions:
--         p0: [{to: a}, {to: b}]
--         a: [{to: join}]
--         b: [{to: join}]
--     - subscribes: coll.wjoin
--       activities:
--         q0:
--           type: trigger
--           stats: {id: '{$self.input.data.id}'}
--         qa: {type: worker, topic: coll.qa}
--         qb: {type: worker, topic: coll.qb}
--         qj:
--           type: worker
--           topic: coll.qj
--           job: {maps: {j: '{$self.output.data.v}'}}
--       transitions:
--         q0: [{to: qa}, {to: qb}]
--         qa: [{to: qj}]
--         qb: [{to: qj}]
--     - subscribes: coll.parent
--       activities:
--         m0:
--           type: trigger
--           stats: {id: '{$self.input.data.id}'}
--         call:
--           type: await
--           topic: coll.par
--           input: {maps: {id: '{m0.output.data.child}'}}
--           job: {maps: {child: '{$self.output.data}'}}
--       transitions:
--         m0: [{to: call}]
SELECT hotmesh.deploy_version('coll', '1', '{}', $json$
{
  "app": {"id": "coll", "version": "1", "settings": {}},
  "graphs": [
    {
      "subscribes": "coll.seq",
      "trigger": "t1",
      "activities": {
        "t1": {
          "id": "t1",
          "type": "trigger",
          "graph": "coll.seq",
          "ancestors": [],
          "depth": 1,
          "children": ["w1"],
          "conditional": false,
          "expressions": {"stats.id": {"sql": "$1 #> ARRAY['t1', 'input', 'data', 'id']"}},
          "maps": {},
          "settings": {},
          "consumes": {"t1": ["input/data/id"]},
          "produces": ["input/data/id"],
          "reads": {"t1": 1},
          "reads_job": false
        },
        "w1": {
          "id": "w1",
          "type": "worker",
          "graph": "coll.seq",
          "parent": "t1",
          "ancestors": ["t1"],
          "depth": 2,
          "children": ["w2"],
          "conditional": false,
          "expressions": {"topic": {"sql": "CAST('\"coll.w1\"' AS JSONB)", "value": "coll.w1"}},
          "maps": {"job": [{"key": "r1", "sql": "$1 #> ARRAY['w1', 'output', 'data', 'v']"}]},
          "settings": {},
          "consumes": {"w1": ["output/data/v"]},
          "produces": ["output/data/v"],
          "reads": {"w1": 2},
          "reads_job": false
        },
        "w2": {
          "id": "w2",
          "type": "worker",
          "graph": "coll.seq",
          "parent": "w1",
          "ancestors": ["t1", "w1"],
          "depth": 3,
          "children": [],
          "conditional": false,
          "expressions": {"topic": {"sql": "CAST('\"coll.w2\"' AS JSONB)", "value": "coll.w2"}},
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
        }
      },
      "transitions": {
        "t1": [{"to": "w1", "codes": [200], "gate": "and"}],
        "w1": [{"to": "w2", "codes": [200], "gate": "and"}]
      },
      "hooks": {}
    },
    {
      "subscribes": "coll.par",
      "trigger": "p0",
      "activities": {
        "p0": {
          "id": "p0",
          "type": "trigger",
          "graph": "coll.par",
          "ancestors": [],
          "depth": 1,
          "children": ["a", "b"],
          "conditional": false,
          "expressions": {"stats.id": {"sql": "$1 #> ARRAY['p0', 'input', 'data', 'id']"}},
          "maps": {},
          "settings": {},
          "consumes": {"p0": ["input/data/id"]},
          "produces": ["input/data/id"],
          "reads": {"p0": 1},
          "reads_job": false
        },
        "a": {
          "id": "a",
          "type": "worker",
          "graph": "coll.par",
          "parent": "p0",
          "ancestors": ["p0"],
          "depth": 2,
          "children": ["join"],
          "conditional": false,
          "expressions": {"topic": {"sql": "CAST('\"coll.a\"' AS JSONB)", "value": "coll.a"}},
          "maps": {"job": [{"key": "a", "sql": "$1 #> ARRAY['a', 'output', 'data', 'v']"}]},
          "settings": {},
          "consumes": {"a": ["output/data/v"]},
          "produces": ["output/data/v"],
          "reads": {"a": 2},
          "reads_job": false
        },
        "b": {
          "id": "b",
          "type": "worker",
          "graph": "coll.par",
          "parent": "p0",
          "ancestors": ["p0"],
          "depth": 2,
          "children": ["join"],
          "conditional": false,
          "expressions": {"topic": {"sql": "CAST('\"coll.b\"' AS JSONB)", "value": "coll.b"}},
          "maps": {"job": [{"key": "b", "sql": "$1 #> ARRAY['b', 'output', 'data', 'v']"}]},
          "settings": {},
          "consumes": {"b": ["output/data/v"]},
          "produces": ["output/data/v"],
          "reads": {"b": 2},
          "reads_job": false
        },
        "join": {
          "id": "join",
          "type": "hook",
          "graph": "coll.par",
          "parent": "a",
          "ancestors": ["p0", "a", "b"],
          "depth": 3,
          "children": [],
          "conditional": false,
          "expressions": {},
          "maps": {"job": [{"key": "joined", "sql": "CAST('true' AS JSONB)", "value": true}]},
          "settings": {},
          "consumes": {},
          "produces": [],
          "reads": {},
          "reads_job": false
        }
      },
      "transitions": {
        "p0": [{"to": "a", "codes": [200], "gate": "and"}, {"to": "b", "codes": [200], "gate": "and"}],
        "a": [{"to": "join", "codes": [200], "gate": "and"}],
        "b": [{"to": "join", "codes": [200], "gate": "and"}]
      },
      "hooks": {}
    },
    {
      "subscribes": "coll.wjoin",
      "trigger": "q0",
      "activities": {
        "q0": {
          "id": "q0",
          "type": "trigger",
          "graph": "coll.wjoin",
          "ancestors": [],
          "depth": 1,
          "children": ["qa", "qb"],
          "conditional": false,
          "expressions": {"stats.id": {"sql": "$1 #> ARRAY['q0', 'input', 'data', 'id']"}},
          "maps": {},
          "settings": {},
          "consumes": {"q0": ["input/data/id"]},
          "produces": ["input/data/id"],
          "reads": {"q0": 1},
          "reads_job": false
        },
        "qa": {
          "id": "qa",
          "type": "worker",
          "graph": "coll.wjoin",
          "parent": "q0",
          "ancestors": ["q0"],
          "depth": 2,
          "children": ["qj"],
          "conditional": false,
          "expressions": {"topic": {"sql": "CAST('\"coll.qa\"' AS JSONB)", "value": "coll.qa"}},
          "maps": {},
          "settings": {},
          "consumes": {},
          "produces": [],
          "reads": {},
          "reads_job": false
        },
        "qb": {
          "id": "qb",
          "type": "worker",
          "graph": "coll.wjoin",
          "parent": "q0",
          "ancestors": ["q0"],
          "depth": 2,
          "children": ["qj"],
          "conditional": false,
          "expressions": {"topic": {"sql": "CAST('\"coll.qb\"' AS JSONB)", "value": "coll.qb"}},
          "maps": {},
          "settings": {},
          "consumes": {},
          "produces": [],
          "reads": {},
          "reads_job": false
        },
        "qj": {
          "id": "qj",
          "type": "worker",
          "graph": "coll.wjoin",
          "parent": "qa",
          "ancestors": ["q0", "qa", "qb"],
          "depth": 3,
          "children": [],
          "conditional": false,
          "expressions": {"topic": {"sql": "CAST('\"coll.qj\"' AS JSONB)", "value": "coll.qj"}},
          "maps": {"job": [{"key": "j", "sql": "$1 #> ARRAY['qj', 'output', 'data', 'v']"}]},
          "settings": {},
          "consumes": {"qj": ["output/data/v"]},
          "produces": ["output/data/v"],
          "reads": {"qj": 3},
          "reads_job": false
        }
      },
      "transitions": {
        "q0": [{"to": "qa", "codes": [200], "gate": "and"}, {"to": "qb", "codes": [200], "gate": "and"}],
        "qa": [{"to": "qj", "codes": [200], "gate": "and"}],
        "qb": [{"to": "qj", "codes": [200], "gate": "and"}]
      },
      "hooks": {}
    },
    {
      "subscribes": "coll.parent",
      "trigger": "m0",
      "activities": {
        "m0": {
          "id": "m0",
          "type": "trigger",
          "graph": "coll.parent",
          "ancestors": [],
          "depth": 1,
          "children": ["call"],
          "conditional": false,
          "expressions": {"stats.id": {"sql": "$1 #> ARRAY['m0', 'input', 'data', 'id']"}},
          "maps": {},
          "settings": {},
          "consumes": {"m0": ["input/data/id"]},
          "produces": ["input/data/id", "output/data/child"],
          "reads": {"m0": 1},
          "reads_job": false
        },
        "call": {
          "id": "call",
          "type": "await",
          "graph": "coll.parent",
          "parent": "m0",
          "ancestors": ["m0"],
          "depth": 2,
          "children": [],
          "conditional": false,
          "expressions": {"topic": {"sql": "CAST('\"coll.par\"' AS JSONB)", "value": "coll.par"}},
          "maps": {
            "input": {
              "sql": "hotmesh.map_object(CAST(ARRAY['id'] AS TEXT[]), CAST(ARRAY[$1 #> ARRAY['m0', 'output', 'data', 'child']] AS JSONB[]))"
            },
            "job": [{"key": "child", "sql": "$1 #> ARRAY['call', 'output', 'data']"}]
          },
          "settings": {},
          "consumes": {"call": ["output/data"], "m0": ["output/data/child"]},
          "produces": ["output/data"],
          "reads": {"call": 2, "m0": 1},
          "reads_job": false
        }
      },
      "transitions": {"m0": [{"to": "call", "codes": [200], "gate": "and"}]},
      "hooks": {}
    }
  ]
}
$json$::jsonb);
SELECT hotmesh.activate_version('coll', '1');

CREATE FUNCTION pg_temp.job(p_key text) RETURNS hotmesh.jobs
LANGUAGE sql AS $$ SELECT * FROM hotmesh.jobs WHERE key = p_key AND is_live $$;

CREATE FUNCTION pg_temp.status(p_key text) RETURNS integer
LANGUAGE sql AS $$ SELECT status FROM hotmesh.jobs WHERE key = p_key AND is_live $$;

CREATE FUNCTION pg_temp.data(p_key text) RETURNS jsonb
LANGUAGE sql AS $$ SELECT hotmesh.engine_job_data(id) FROM hotmesh.jobs WHERE key = p_key AND is_live $$;

-- The worker message of job p_key for activity p_aid.
CREATE FUNCTION pg_temp.msg(p_key text, p_aid text) RETURNS bigint
LANGUAGE sql AS $$
    SELECT id FROM hotmesh.worker_streams WHERE job_key = p_key AND activity_id = p_aid
$$;

-- Everything the engine keeps about a job: its row, attributes, ledger, messages, timers and
-- signal registrations.
CREATE FUNCTION pg_temp.footprint(p_key text) RETURNS jsonb
LANGUAGE sql AS $$
    SELECT jsonb_build_object(
        'job', (SELECT to_jsonb(j) FROM hotmesh.jobs j WHERE j.key = p_key),
        'attributes', (SELECT jsonb_object_agg(a.field, a.value) FROM hotmesh.jobs_attributes a
                       JOIN hotmesh.jobs j ON j.id = a.job_id WHERE j.key = p_key),
        'ledger', (SELECT jsonb_agg(to_jsonb(i) ORDER BY i.activity_id, i.dimension)
                   FROM hotmesh.activity_instances i JOIN hotmesh.jobs j ON j.id = i.job_id
                   WHERE j.key = p_key),
        'messages', (SELECT jsonb_agg(to_jsonb(m) ORDER BY m.id) FROM hotmesh.worker_streams m
                     WHERE m.job_key = p_key),
        'timers', (SELECT jsonb_agg(to_jsonb(e) ORDER BY e.id) FROM hotmesh.engine_streams e
                   WHERE e.job_key = p_key),
        'signals', (SELECT jsonb_agg(to_jsonb(s) ORDER BY s.id) FROM hotmesh.signals s
                    JOIN hotmesh.jobs j ON j.id = s.job_id WHERE j.key = p_key))
$$;

-- (1) The same worker response applied twice --------------------------------------------------

SELECT hotmesh.pub('coll', 'coll.seq', '{"id": "dup"}');
SELECT hotmesh.advance_test_clock('1 second');
SELECT is(hotmesh.respond(pg_temp.msg('dup', 'w1'), '{"data": {"v": 1}}'), 'applied',
          'the first response is applied');
CREATE TEMP TABLE after_first AS SELECT pg_temp.footprint('dup') AS doc;
SELECT hotmesh.advance_test_clock('1 second');  -- anything written now would carry a new time
SELECT is(hotmesh.respond(pg_temp.msg('dup', 'w1'), '{"data": {"v": 1}}'), 'duplicate',
          'the same response again is a duplicate');
SELECT is(pg_temp.footprint('dup'), (SELECT doc FROM after_first),
          'the duplicate changed nothing: job, attributes, ledger, messages');
SELECT is(hotmesh.respond(pg_temp.msg('dup', 'w1'), '{"status": "error", "data": {"message": "late"}}'),
          'duplicate', 'a different answer to the answered message is a duplicate too');
SELECT is(pg_temp.footprint('dup'), (SELECT doc FROM after_first),
          'and changes nothing either (the job did not fail)');
SELECT results_eq(
    $$SELECT status, (SELECT leg2_count FROM hotmesh.activity_instances i
                      WHERE i.job_id = j.id AND i.activity_id = 'w1')
      FROM hotmesh.jobs j WHERE key = 'dup'$$,
    $$VALUES (1, 1)$$, 'w1 ran its leg 2 once; w2 is the one open obligation');
SELECT is((SELECT count(*)::int FROM hotmesh.worker_streams WHERE job_key = 'dup' AND activity_id = 'w2'),
          1, 'the transition to w2 ran once');

SELECT hotmesh.respond(pg_temp.msg('dup', 'w2'), '{"data": {"v": 2}}');
CREATE TEMP TABLE after_done AS SELECT pg_temp.footprint('dup') AS doc;
SELECT hotmesh.advance_test_clock('1 second');
SELECT is(hotmesh.respond(pg_temp.msg('dup', 'w2'), '{"data": {"v": 3}}'), 'duplicate',
          'a duplicate of the last response of a completed job is a duplicate');
SELECT is(pg_temp.footprint('dup'), (SELECT doc FROM after_done),
          'it changes nothing: the job completed once');
SELECT is(pg_temp.data('dup'), '{"r1": 1, "r2": 2}'::jsonb, 'with the data of the first responses');

-- (2) A transition replayed -----------------------------------------------------------------

SELECT hotmesh.pub('coll', 'coll.seq', '{"id": "rep"}');
CREATE TEMP TABLE rep_item AS
SELECT jsonb_build_object('job_id', id, 'aid', 'w1', 'dad', ',0,0', 'leg', 1, 'from', 't1') AS item
FROM hotmesh.jobs WHERE key = 'rep';
CREATE TEMP TABLE rep_before AS SELECT pg_temp.footprint('rep') AS doc;
SELECT hotmesh.advance_test_clock('1 second');
SELECT hotmesh.engine_cascade(jsonb_build_array((SELECT item FROM rep_item)));
SELECT is((SELECT count(*)::int FROM hotmesh.worker_streams WHERE job_key = 'rep'), 1,
          'a replayed leg 1 does not run the worker again: its message is published once');
SELECT is(pg_temp.footprint('rep') -> 'attributes', (SELECT doc -> 'attributes' FROM rep_before),
          'nor does it write the activity''s state again');
SELECT is(pg_temp.footprint('rep'), (SELECT doc FROM rep_before),
          'nor changes anything else: semaphore, ledger, messages are as they were');
SELECT results_eq(
    $$SELECT arrivals, sources FROM hotmesh.activity_instances
      WHERE job_id = (pg_temp.job('rep')).id AND activity_id = 'w1'$$,
    $$VALUES (1, ARRAY['t1'])$$,
    'the ledger knows the arrival came from t1 already: a replay, not a join');
SELECT hotmesh.respond(pg_temp.msg('rep', 'w1'), '{"data": {"v": 5}}');
CREATE TEMP TABLE w2_item AS
SELECT jsonb_build_object('job_id', id, 'aid', 'w2', 'dad', ',0,0,0', 'leg', 1, 'from', 'w1') AS item
FROM hotmesh.jobs WHERE key = 'rep';
SELECT hotmesh.engine_cascade(jsonb_build_array((SELECT item FROM w2_item)));
SELECT results_eq(
    $$SELECT pg_temp.status('rep'),
             (SELECT count(*)::int FROM hotmesh.worker_streams WHERE job_key = 'rep' AND activity_id = 'w2')$$,
    $$VALUES (1, 1)$$,
    'a transition replayed after it ran on: w2 is not run again and the job keeps waiting for it');

-- At a join a second arrival is the normal case: qa and qb both lead to the worker qj.
SELECT hotmesh.pub('coll', 'coll.wjoin', '{"id": "wj"}');
SELECT hotmesh.respond(pg_temp.msg('wj', 'qa'), '{"data": {}}');
SELECT is((SELECT count(*)::int FROM hotmesh.worker_streams WHERE job_key = 'wj' AND activity_id = 'qj'),
          1, 'the first branch to arrive runs the join (its worker message is published)');
SELECT is(pg_temp.status('wj'), 2, 'qb and qj are open');
SELECT hotmesh.respond(pg_temp.msg('wj', 'qb'), '{"data": {}}');
SELECT is((SELECT count(*)::int FROM hotmesh.worker_streams WHERE job_key = 'wj' AND activity_id = 'qj'),
          1, 'the second arrival does not run the join again');
SELECT results_eq(
    $$SELECT arrivals, sources, leg2_count FROM hotmesh.activity_instances
      WHERE job_id = (pg_temp.job('wj')).id AND activity_id = 'qj'$$,
    $$VALUES (2, ARRAY['qa', 'qb'], 0)$$,
    'the ledger counts both arrivals, from qa and qb, at the one join instance');
SELECT is(pg_temp.status('wj'), 1, 'the second arrival counts as its branch finishing: qj is left');
CREATE TEMP TABLE wj_item AS
SELECT jsonb_build_object('job_id', id, 'aid', 'qj', 'dad', ',0,0,0', 'leg', 1, 'from', 'qb') AS item
FROM hotmesh.jobs WHERE key = 'wj';
SELECT hotmesh.engine_cascade(jsonb_build_array((SELECT item FROM wj_item)));
SELECT is(pg_temp.status('wj'), 1, 'qb''s arrival replayed at the join is not counted again');
SELECT hotmesh.respond(pg_temp.msg('wj', 'qj'), '{"data": {"v": "joined"}}');
SELECT is(pg_temp.status('wj'), 0, 'the join''s response completes the job');
SELECT is(pg_temp.data('wj'), '{"j": "joined"}'::jsonb, 'the join ran its leg 2 once');

-- (3) Two parallel branches finishing in either order -----------------------------------------
-- p0 -> a, b -> join; each job is awaited by a parent, which sees every completion of it

SELECT hotmesh.pub('coll', 'coll.parent', '{"id": "parent-ab", "child": "ab"}');
SELECT hotmesh.pub('coll', 'coll.parent', '{"id": "parent-ba", "child": "ba"}');
SELECT hotmesh.advance_test_clock('1 second');
SELECT hotmesh.respond(pg_temp.msg('ab', 'a'), '{"data": {"v": "A"}}');
SELECT hotmesh.respond(pg_temp.msg('ba', 'b'), '{"data": {"v": "B"}}');
SELECT results_eq($$SELECT pg_temp.status('ab'), pg_temp.status('ba')$$, $$VALUES (1, 1)$$,
                  'after the first branch (a in one job, b in the other) each job still runs');
SELECT results_eq(
    $$SELECT pg_temp.status('parent-ab'), pg_temp.status('parent-ba')$$, $$VALUES (1, 1)$$,
    'and neither has reported a result to its parent');
SELECT hotmesh.advance_test_clock('1 second');
SELECT hotmesh.respond(pg_temp.msg('ab', 'b'), '{"data": {"v": "B"}}');
SELECT hotmesh.respond(pg_temp.msg('ba', 'a'), '{"data": {"v": "A"}}');
SELECT results_eq($$SELECT pg_temp.status('ab'), pg_temp.status('ba')$$, $$VALUES (0, 0)$$,
                  'after the second branch both jobs are complete, whatever the order');
SELECT results_eq(
    $$SELECT key, expired_at - interval '1 second' FROM hotmesh.jobs
      WHERE key IN ('ab', 'ba') ORDER BY key$$,
    $$VALUES ('ab'::text, hotmesh.now()), ('ba', hotmesh.now())$$,
    'each completed when its last branch finished, not before');
SELECT results_eq(
    $$SELECT j.key, i.arrivals, i.finalized_at IS NOT NULL
      FROM hotmesh.activity_instances i JOIN hotmesh.jobs j ON j.id = i.job_id
      WHERE j.key IN ('ab', 'ba') AND i.activity_id = 'join' ORDER BY j.key$$,
    $$VALUES ('ab'::text, 2, true), ('ba', 2, true)$$,
    'in both orders the join is one instance that both branches arrived at');
SELECT is(pg_temp.data('ab'), '{"a": "A", "b": "B", "joined": true}'::jsonb,
          'a then b: the final data');
SELECT is(pg_temp.data('ba'), pg_temp.data('ab'), 'b then a: the same final data');
SELECT results_eq(
    $$SELECT j.key, hotmesh.engine_job_data(j.id), i.leg2_count
      FROM hotmesh.jobs j JOIN hotmesh.activity_instances i ON i.job_id = j.id
      WHERE j.key IN ('parent-ab', 'parent-ba') AND i.activity_id = 'call' ORDER BY j.key$$,
    $$VALUES ('parent-ab'::text, '{"child": {"a": "A", "b": "B", "joined": true}}'::jsonb, 1),
             ('parent-ba', '{"child": {"a": "A", "b": "B", "joined": true}}'::jsonb, 1)$$,
    'each parent received its child''s result once, with the final data');

SELECT * FROM finish();
ROLLBACK;
