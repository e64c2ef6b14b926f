-- Interim results: a worker's pending response (status pending or code 202) keeps its message
-- answerable, so later responses (hotmesh.add, HotMesh's add) add interim entries and the first
-- final one closes the activity exactly once (hotmesh.respond, hotmesh.add); emit gives an
-- awaiting parent a pending result (202) with the child's job data (engine_emit, engine_finish,
-- engine_start_job), and the child's completion then closes the parent's await; prune keeps a
-- message answered pending while its job runs.
BEGIN;
SELECT plan(56);

SET LOCAL hotmesh.clock = 'test';
SELECT hotmesh.set_test_clock('2030-01-01 00:00:00+00');

-- App pend, compiled below with pyhotmesh.compiler.compile_source (null fields left out
-- of the JSON: absent and null read the same) from this manifest:
-- app:
--   id: pend
--   version: '1'
--   graphs:
--     - subscribes: pend.start
--       activities:
--         t1:
--           type: trigger
--           stats: {id: '{$self.input.data.id}'}
--         w1:
--           type: worker
--           topic: pend.w
--           job: {maps: {pct: '{$self.output.data.pct}'}}
--         progress:
--           type: hook
--           job: {maps: {progress: '{w1.output.data.pct}'}}
--         after:
--           type: worker
--           topic: pend.after
--           input: {maps: {pct: '{w1.output.data.pct}'}}
--       transitions:
--         t1: [{to: w1}]
--         w1:
--           - to: progress
--             conditions: {code: 202}
--           - to: after
--     - subscribes: pend.child
--       activities:
--         c1:
--           type: trigger
--           stats: {id: '{$self.input.data.id}'}
--         cw:
--           type: worker
--           topic: pend.cw
--           emit: true
--           job: {maps: {status: '{$self.output.data.status}'}}
--         cwait:
--           type: hook
--           job: {maps: {done: true}}
--       transitions:
--         c1: [{to: cw}]
--         cw: [{to: cwait}]
--       hooks:
--         pend.finish:
--           - to: cwait
--             conditions:
--               match:
--                 - expected: '{$job.metadata.jid}'
--                   actual: '{$self.hook.data.id}'
--     - subscribes: pend.last
--       activities:
--         l1:
--           type: trigger
--           stats: {id: '{$self.input.data.id}'}
--         lw:
--           type: worker
--           topic: pend.cw
--           emit: true
--           job: {maps: {status: '{$self.output.data.status}'}}
--       transitions:
--         l1: [{to: lw}]
--     - subscribes: pend.eager
--       activities:
--         g1:
--           type: trigger
--           stats: {id: '{$self.input.data.id}'}
--           emit: true
--           job: {maps: {status: started}}
--         gwait:
--           type: hook
--           job: {maps: {done: true}}
--       transitions:
--         g1: [{to: gwait}]
--       hooks:
--         pend.finish.eager:
--           - to: gwait
--             conditions:
--               match:
--                 - expected: '{$job.metadata.jid}'
--                   actual: '{$self.hook.data.id}'
--     - subscribes: pend.parent
--       activities:
--         p1:
--           type: trigger
--           stats: {id: '{$self.input.data.id}'}
--         call:
--           type: await
--           topic: '{p1.output.data.topic}'
--           input: {maps: {id: '{p1.output.data.child}'}}
--           job: {maps: {child: '{$self.output.data}'}}
--         interim:
--           type: hook
--           job: {maps: {interim: '{call.output.data.status}'}}
--         final:
--           type: hook
--           job: {maps: {final: '{call.output.data.done}'}}
--       transitions:
--         p1: [{to: call}]
--         call:
--           - to: interim
--             conditions: {code: 202}
--           - to: final
SELECT hotmesh.deploy_version('pend', '1', '{}', $json$
{
  "app": {"id": "pend", "version": "1", "settings": {}},
  "graphs": [
    {
      "subscribes": "pend.start",
      "trigger": "t1",
      "activities": {
        "t1": {
          "id": "t1",
          "type": "trigger",
          "graph": "pend.start",
          "ancestors": [],
          "depth": 1,
          "children": ["w1"],
          "conditional": false,
          "expressions": {
            "stats.id": {
              "sql": "$1 #> ARRAY['t1', 'input', 'data', 'id']",
              "fast": {"p": "{\"t1\",\"input\",\"data\",\"id\"}"}
            }
          },
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
          "graph": "pend.start",
          "parent": "t1",
          "ancestors": ["t1"],
          "depth": 2,
          "children": ["progress", "after"],
          "conditional": false,
          "expressions": {"topic": {"sql": "CAST('\"pend.w\"' AS JSONB)", "value": "pend.w"}},
          "maps": {
            "job": [
              {
                "key": "pct",
                "sql": "$1 #> ARRAY['w1', 'output', 'data', 'pct']",
                "fast": {"p": "{\"w1\",\"output\",\"data\",\"pct\"}"}
              }
            ]
          },
          "settings": {},
          "consumes": {"w1": ["output/data/pct"]},
          "produces": ["output/data/pct"],
          "reads": {"w1": 2},
          "reads_job": false
        },
        "progress": {
          "id": "progress",
          "type": "hook",
          "graph": "pend.start",
          "parent": "w1",
          "ancestors": ["t1", "w1"],
          "depth": 3,
          "children": [],
          "conditional": false,
          "expressions": {},
          "maps": {
            "job": [
              {
                "key": "progress",
                "sql": "$1 #> ARRAY['w1', 'output', 'data', 'pct']",
                "fast": {"p": "{\"w1\",\"output\",\"data\",\"pct\"}"}
              }
            ]
          },
          "settings": {},
          "consumes": {"w1": ["output/data/pct"]},
          "produces": [],
          "reads": {"w1": 2},
          "reads_job": false
        },
        "after": {
          "id": "after",
          "type": "worker",
          "graph": "pend.start",
          "parent": "w1",
          "ancestors": ["t1", "w1"],
          "depth": 3,
          "children": [],
          "conditional": false,
          "expressions": {"topic": {"sql": "CAST('\"pend.after\"' AS JSONB)", "value": "pend.after"}},
          "maps": {
            "input": {
              "sql": "hotmesh.map_object(CAST(ARRAY['pct'] AS TEXT[]), CAST(ARRAY[$1 #> ARRAY['w1', 'output', 'data', 'pct']] AS JSONB[]))",
              "fast": {"o": [["pct", {"p": "{\"w1\",\"output\",\"data\",\"pct\"}"}]]}
            }
          },
          "settings": {},
          "consumes": {"w1": ["output/data/pct"]},
          "produces": [],
          "reads": {"w1": 2},
          "reads_job": false
        }
      },
      "transitions": {
        "t1": [{"to": "w1", "codes": [200], "gate": "and"}],
        "w1": [
          {"to": "progress", "codes": [202], "gate": "and"},
          {"to": "after", "codes": [200], "gate": "and"}
        ]
      },
      "hooks": {}
    },
    {
      "subscribes": "pend.child",
      "trigger": "c1",
      "activities": {
        "c1": {
          "id": "c1",
          "type": "trigger",
          "graph": "pend.child",
          "ancestors": [],
          "depth": 1,
          "children": ["cw"],
          "conditional": false,
          "expressions": {
            "stats.id": {
              "sql": "$1 #> ARRAY['c1', 'input', 'data', 'id']",
              "fast": {"p": "{\"c1\",\"input\",\"data\",\"id\"}"}
            }
          },
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
          "graph": "pend.child",
          "parent": "c1",
          "ancestors": ["c1"],
          "depth": 2,
          "children": ["cwait"],
          "conditional": false,
          "expressions": {
            "topic": {"sql": "CAST('\"pend.cw\"' AS JSONB)", "value": "pend.cw"},
            "emit": {"sql": "CAST('true' AS JSONB)", "value": true}
          },
          "maps": {
            "job": [
              {
                "key": "status",
                "sql": "$1 #> ARRAY['cw', 'output', 'data', 'status']",
                "fast": {"p": "{\"cw\",\"output\",\"data\",\"status\"}"}
              }
            ]
          },
          "settings": {},
          "consumes": {"cw": ["output/data/status"]},
          "produces": ["output/data/status"],
          "reads": {"cw": 2},
          "reads_job": false
        },
        "cwait": {
          "id": "cwait",
          "type": "hook",
          "graph": "pend.child",
          "parent": "cw",
          "ancestors": ["c1", "cw"],
          "depth": 3,
          "children": [],
          "conditional": false,
          "expressions": {},
          "maps": {"job": [{"key": "done", "sql": "CAST('true' AS JSONB)", "value": true}]},
          "settings": {},
          "consumes": {"$job": ["metadata/jid"]},
          "produces": [],
          "reads": {},
          "reads_job": true
        }
      },
      "transitions": {
        "c1": [{"to": "cw", "codes": [200], "gate": "and"}],
        "cw": [{"to": "cwait", "codes": [200], "gate": "and"}]
      },
      "hooks": {
        "pend.finish": [
          {
            "to": "cwait",
            "expected": "$1 #> ARRAY['$job', 'metadata', 'jid']",
            "actual": "$1 #> ARRAY['$hook', 'data', 'id']"
          }
        ]
      }
    },
    {
      "subscribes": "pend.last",
      "trigger": "l1",
      "activities": {
        "l1": {
          "id": "l1",
          "type": "trigger",
          "graph": "pend.last",
          "ancestors": [],
          "depth": 1,
          "children": ["lw"],
          "conditional": false,
          "expressions": {
            "stats.id": {
              "sql": "$1 #> ARRAY['l1', 'input', 'data', 'id']",
              "fast": {"p": "{\"l1\",\"input\",\"data\",\"id\"}"}
            }
          },
          "maps": {},
          "settings": {},
          "consumes": {"l1": ["input/data/id"]},
          "produces": ["input/data/id"],
          "reads": {"l1": 1},
          "reads_job": false
        },
        "lw": {
          "id": "lw",
          "type": "worker",
          "graph": "pend.last",
          "parent": "l1",
          "ancestors": ["l1"],
          "depth": 2,
          "children": [],
          "conditional": false,
          "expressions": {
            "topic": {"sql": "CAST('\"pend.cw\"' AS JSONB)", "value": "pend.cw"},
            "emit": {"sql": "CAST('true' AS JSONB)", "value": true}
          },
          "maps": {
            "job": [
              {
                "key": "status",
                "sql": "$1 #> ARRAY['lw', 'output', 'data', 'status']",
                "fast": {"p": "{\"lw\",\"output\",\"data\",\"status\"}"}
              }
            ]
          },
          "settings": {},
          "consumes": {"lw": ["output/data/status"]},
          "produces": ["output/data/status"],
          "reads": {"lw": 2},
          "reads_job": false
        }
      },
      "transitions": {"l1": [{"to": "lw", "codes": [200], "gate": "and"}]},
      "hooks": {}
    },
    {
      "subscribes": "pend.eager",
      "trigger": "g1",
      "activities": {
        "g1": {
          "id": "g1",
          "type": "trigger",
          "graph": "pend.eager",
          "ancestors": [],
          "depth": 1,
          "children": ["gwait"],
          "conditional": false,
          "expressions": {
            "stats.id": {
              "sql": "$1 #> ARRAY['g1', 'input', 'data', 'id']",
              "fast": {"p": "{\"g1\",\"input\",\"data\",\"id\"}"}
            },
            "emit": {"sql": "CAST('true' AS JSONB)", "value": true}
          },
          "maps": {"job": [{"key": "status", "sql": "CAST('\"started\"' AS JSONB)", "value": "started"}]},
          "settings": {},
          "consumes": {"g1": ["input/data/id"]},
          "produces": ["input/data/id"],
          "reads": {"g1": 1},
          "reads_job": false
        },
        "gwait": {
          "id": "gwait",
          "type": "hook",
          "graph": "pend.eager",
          "parent": "g1",
          "ancestors": ["g1"],
          "depth": 2,
          "children": [],
          "conditional": false,
          "expressions": {},
          "maps": {"job": [{"key": "done", "sql": "CAST('true' AS JSONB)", "value": true}]},
          "settings": {},
          "consumes": {"$job": ["metadata/jid"]},
          "produces": [],
          "reads": {},
          "reads_job": true
        }
      },
      "transitions": {"g1": [{"to": "gwait", "codes": [200], "gate": "and"}]},
      "hooks": {
        "pend.finish.eager": [
          {
            "to": "gwait",
            "expected": "$1 #> ARRAY['$job', 'metadata', 'jid']",
            "actual": "$1 #> ARRAY['$hook', 'data', 'id']"
          }
        ]
      }
    },
    {
      "subscribes": "pend.parent",
      "trigger": "p1",
      "activities": {
        "p1": {
          "id": "p1",
          "type": "trigger",
          "graph": "pend.parent",
          "ancestors": [],
          "depth": 1,
          "children": ["call"],
          "conditional": false,
          "expressions": {
            "stats.id": {
              "sql": "$1 #> ARRAY['p1', 'input', 'data', 'id']",
              "fast": {"p": "{\"p1\",\"input\",\"data\",\"id\"}"}
            }
          },
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
          "graph": "pend.parent",
          "parent": "p1",
          "ancestors": ["p1"],
          "depth": 2,
          "children": ["interim", "final"],
          "conditional": false,
          "expressions": {
            "topic": {
              "sql": "$1 #> ARRAY['p1', 'output', 'data', 'topic']",
              "fast": {"p": "{\"p1\",\"output\",\"data\",\"topic\"}"}
            }
          },
          "maps": {
            "input": {
              "sql": "hotmesh.map_object(CAST(ARRAY['id'] AS TEXT[]), CAST(ARRAY[$1 #> ARRAY['p1', 'output', 'data', 'child']] AS JSONB[]))",
              "fast": {"o": [["id", {"p": "{\"p1\",\"output\",\"data\",\"child\"}"}]]}
            },
            "job": [
              {
                "key": "child",
                "sql": "$1 #> ARRAY['call', 'output', 'data']",
                "fast": {"p": "{\"call\",\"output\",\"data\"}"}
              }
            ]
          },
          "settings": {},
          "consumes": {"call": ["output/data"], "p1": ["output/data/child", "output/data/topic"]},
          "produces": ["output/data", "output/data/done", "output/data/status"],
          "reads": {"call": 2, "p1": 1},
          "reads_job": false
        },
        "interim": {
          "id": "interim",
          "type": "hook",
          "graph": "pend.parent",
          "parent": "call",
          "ancestors": ["p1", "call"],
          "depth": 3,
          "children": [],
          "conditional": false,
          "expressions": {},
          "maps": {
            "job": [
              {
                "key": "interim",
                "sql": "$1 #> ARRAY['call', 'output', 'data', 'status']",
                "fast": {"p": "{\"call\",\"output\",\"data\",\"status\"}"}
              }
            ]
          },
          "settings": {},
          "consumes": {"call": ["output/data/status"]},
          "produces": [],
          "reads": {"call": 2},
          "reads_job": false
        },
        "final": {
          "id": "final",
          "type": "hook",
          "graph": "pend.parent",
          "parent": "call",
          "ancestors": ["p1", "call"],
          "depth": 3,
          "children": [],
          "conditional": false,
          "expressions": {},
          "maps": {
            "job": [
              {
                "key": "final",
                "sql": "$1 #> ARRAY['call', 'output', 'data', 'done']",
                "fast": {"p": "{\"call\",\"output\",\"data\",\"done\"}"}
              }
            ]
          },
          "settings": {},
          "consumes": {"call": ["output/data/done"]},
          "produces": [],
          "reads": {"call": 2},
          "reads_job": false
        }
      },
      "transitions": {
        "p1": [{"to": "call", "codes": [200], "gate": "and"}],
        "call": [
          {"to": "interim", "codes": [202], "gate": "and"},
          {"to": "final", "codes": [200], "gate": "and"}
        ]
      },
      "hooks": {}
    }
  ],
  "checksum": "37c676fb6186e3dc9304c31392427f8de4da888c638869cc64c96273728d6f26"
}
$json$::jsonb);
SELECT hotmesh.activate_version('pend', '1');

-- The latest worker message of job p_key for activity p_aid.
CREATE FUNCTION pg_temp.msg(p_key text, p_aid text) RETURNS hotmesh.worker_streams
LANGUAGE sql AS $$
    SELECT * FROM hotmesh.worker_streams WHERE job_key = p_key AND activity_id = p_aid
    ORDER BY id DESC LIMIT 1
$$;

-- A later response to that message, sent the way a user does: with the metadata its callback
-- received.
CREATE FUNCTION pg_temp.add(p_key text, p_aid text, p_response jsonb) RETURNS text
LANGUAGE sql AS $$
    SELECT hotmesh.add('pend', jsonb_build_object(
        'metadata', (pg_temp.msg(p_key, p_aid)).message -> 'metadata') || p_response)
$$;

CREATE FUNCTION pg_temp.job(p_key text) RETURNS hotmesh.jobs
LANGUAGE sql AS $$ SELECT * FROM hotmesh.jobs WHERE key = p_key ORDER BY id DESC LIMIT 1 $$;

CREATE FUNCTION pg_temp.ledger(p_key text, p_aid text) RETURNS SETOF hotmesh.activity_instances
LANGUAGE sql AS $$
    SELECT * FROM hotmesh.activity_instances
    WHERE job_id = (pg_temp.job(p_key)).id AND activity_id = p_aid ORDER BY dimension
$$;

CREATE FUNCTION pg_temp.node(p_key text, p_aid text, p_dad text) RETURNS jsonb
LANGUAGE sql AS $$
    SELECT value FROM hotmesh.jobs_attributes
    WHERE job_id = (pg_temp.job(p_key)).id AND field = p_aid || '/' || p_dad
$$;

CREATE FUNCTION pg_temp.data(p_key text) RETURNS jsonb
LANGUAGE sql AS $$ SELECT hotmesh.engine_job_data((pg_temp.job(p_key)).id) $$;

CREATE FUNCTION pg_temp.status(p_key text) RETURNS integer
LANGUAGE sql AS $$ SELECT (pg_temp.job(p_key)).status $$;

-- A worker answers pending, twice, then finally ----------------------------------------------
-- w1's transitions: code 202 -> progress (a passthrough hook), code 200 -> after (a worker)

SELECT hotmesh.pub('pend', 'pend.start', '{"id": "p-1"}');
SELECT is(hotmesh.respond((pg_temp.msg('p-1', 'w1')).id,
                          '{"status": "pending", "code": 202, "data": {"pct": 10}}'),
          'applied', 'the worker''s pending response is applied');
SELECT is((pg_temp.msg('p-1', 'w1')).responded_at, NULL,
          'the message is not answered: it takes later responses');
SELECT is((pg_temp.msg('p-1', 'w1')).expired_at, hotmesh.now(),
          'but it is retired: it is never delivered again');
SELECT is((SELECT count(*)::int FROM hotmesh.stream_dequeue('pend', 'pend.w', 'c1')), 0,
          'so no consumer takes it');
SELECT results_eq($$SELECT leg2_count, finalized_at FROM pg_temp.ledger('p-1', 'w1')$$,
                  $$VALUES (1, NULL::timestamptz)$$, 'the interim leg 2 keeps w1 open');
SELECT is(pg_temp.node('p-1', 'w1', ',0,0') #> '{output,metadata,code}', '202'::jsonb,
          'the interim output is stored with its code');
SELECT is(pg_temp.data('p-1'), '{"pct": 10, "progress": 10}'::jsonb,
          'its job.maps and its transition on code 202 ran');
SELECT is(pg_temp.status('p-1'), 1, 'w1 is the one open obligation');
SELECT is(hotmesh.respond((pg_temp.msg('p-1', 'w1')).id,
                          '{"status": "pending", "code": 202, "data": {"pct": 10}}'),
          'duplicate', 'the worker''s own answer again (a retry after a lost connection) is a duplicate');
SELECT is(hotmesh.respond((pg_temp.msg('p-1', 'w1')).id, '{"data": {"pct": 11}}'), 'duplicate',
          'whatever it says: later responses come through add');
SELECT is((SELECT leg2_count FROM pg_temp.ledger('p-1', 'w1')), 1, 'they change nothing');

SELECT hotmesh.advance_test_clock('1 second');
SELECT is(pg_temp.add('p-1', 'w1', '{"status": "pending", "code": 202, "data": {"pct": 50}}'),
          'applied', 'hotmesh.add finds the message by its metadata and applies a second pending response');
SELECT is(pg_temp.node('p-1', 'w1', ',0,1') #> '{output,data}', '{"pct": 50}'::jsonb,
          'the second interim entry is stored in its own dimension');
SELECT results_eq($$SELECT dimension FROM pg_temp.ledger('p-1', 'progress')$$,
                  $$VALUES (',0,0,0'::text), (',0,1,0')$$,
                  'each interim entry takes its transitions, in its dimension');
SELECT is(pg_temp.data('p-1'), '{"pct": 50, "progress": 50}'::jsonb, 'and maps the job data again');
SELECT is((SELECT count(*)::int FROM hotmesh.worker_streams WHERE job_key = 'p-1' AND activity_id = 'after'),
          0, 'the transition on code 200 has not run');

SELECT hotmesh.advance_test_clock('1 second');
SELECT is(pg_temp.add('p-1', 'w1', '{"data": {"pct": 100}}'), 'applied',
          'the final response is applied');
SELECT results_eq($$SELECT leg2_count, finalized_at FROM pg_temp.ledger('p-1', 'w1')$$,
                  $$SELECT 3, hotmesh.now()$$, 'it finalizes w1 after three leg-2 entries');
SELECT is((pg_temp.msg('p-1', 'w1')).responded_at, hotmesh.now(),
          'and answers the message');
SELECT results_eq(
    $$SELECT dimension, message -> 'data' FROM hotmesh.worker_streams
      WHERE job_key = 'p-1' AND activity_id = 'after'$$,
    $$VALUES (',0,2,0'::text, '{"pct": 100}'::jsonb)$$,
    'the transition on code 200 ran once, with the final output');
SELECT is(pg_temp.data('p-1'), '{"pct": 100, "progress": 50}'::jsonb, 'the job data is final');
SELECT is(pg_temp.status('p-1'), 1, 'w1 closed and after opened');

SELECT is(pg_temp.add('p-1', 'w1', '{"data": {"pct": 101}}'), 'duplicate',
          'a second final response is a duplicate');
SELECT is(pg_temp.add('p-1', 'w1', '{"status": "pending", "code": 202, "data": {"pct": 102}}'),
          'duplicate', 'so is a pending response after the final one');
SELECT is(hotmesh.respond((pg_temp.msg('p-1', 'w1')).id, '{"data": {"pct": 103}}', true),
          'duplicate', 'whichever way it comes');
SELECT results_eq(
    $$SELECT (SELECT leg2_count FROM pg_temp.ledger('p-1', 'w1')), pg_temp.data('p-1'),
             (SELECT count(*)::int FROM hotmesh.worker_streams WHERE job_key = 'p-1' AND activity_id = 'after')$$,
    $$VALUES (3, '{"pct": 100, "progress": 50}'::jsonb, 1)$$,
    'duplicates change nothing');
SELECT hotmesh.respond((pg_temp.msg('p-1', 'after')).id, '{}');
SELECT is(pg_temp.status('p-1'), 0, 'the job completes');

-- A pending response, then an error ----------------------------------------------------------

SELECT hotmesh.pub('pend', 'pend.start', '{"id": "p-2"}');
SELECT hotmesh.respond((pg_temp.msg('p-2', 'w1')).id, '{"status": "pending", "code": 202, "data": {"pct": 5}}');
SELECT is(pg_temp.add('p-2', 'w1', '{"status": "error", "code": 500, "data": {"message": "gave up"}}'),
          'applied', 'the final response may be an error');
SELECT is((pg_temp.job('p-2')).context #> '{metadata,err}',
          '{"message": "gave up", "code": 500, "activity_id": "w1"}'::jsonb,
          'no transition takes it: it ends the job');
SELECT is(pg_temp.add('p-2', 'w1', '{"data": {}}'), 'duplicate', 'and answers the message');

-- What add refuses ----------------------------------------------------------------------------

SELECT hotmesh.pub('pend', 'pend.start', '{"id": "p-3"}');
SELECT throws_ok(
    $$SELECT hotmesh.add('pend', jsonb_build_object('type', 'signal',
          'metadata', (pg_temp.msg('p-3', 'w1')).message -> 'metadata'))$$,
    '22023', 'add: only responses to worker messages can be added, got type signal',
    'add takes responses only');
SELECT throws_ok($$SELECT hotmesh.add('pend', '{"metadata": {"jid": "p-3"}, "data": {}}')$$,
    '22023', 'add: metadata must name the worker message: {jid, gid, aid, dad} as its callback received them',
    'add needs the message''s metadata');
SELECT throws_ok(
    $$SELECT hotmesh.add('pend', '{"metadata": {"jid": "ghost", "aid": "w1", "dad": ",0,0"}}')$$,
    'P0002', 'add: no worker message of job ghost for activity w1 at ,0,0',
    'add for no message raises P0002');
SELECT throws_ok(
    $$SELECT hotmesh.add('pend', jsonb_build_object('metadata',
          ((pg_temp.msg('p-3', 'w1')).message -> 'metadata') || '{"gid": "another generation"}'))$$,
    'P0002', 'add: no worker message of job p-3 for activity w1 at ,0,0',
    'nor for a message of another generation of the job');
SELECT is(hotmesh.add('pend', jsonb_build_object('type', 'response', 'metadata',
              ((pg_temp.msg('p-3', 'w1')).message -> 'metadata') - 'gid', 'data', '{"pct": 1}')),
          'applied', 'without a gid the latest message of the activity is answered');

-- emit: an awaiting parent gets the child's interim state (202), then its result --------------
-- call's transitions: code 202 -> interim, code 200 -> final (both passthrough hooks)

SELECT hotmesh.pub('pend', 'pend.parent', '{"id": "par-1", "child": "kid-1", "topic": "pend.child"}');
SELECT hotmesh.respond((pg_temp.msg('kid-1', 'cw')).id, '{"data": {"status": "working"}}');
SELECT is(pg_temp.status('kid-1'), 1, 'the child runs on (its hook waits)');
SELECT is(pg_temp.data('par-1'), '{"child": {"status": "working"}, "interim": "working"}'::jsonb,
          'cw''s emit gave the parent''s await the child''s job data, with code 202');
SELECT results_eq($$SELECT leg2_count, finalized_at FROM pg_temp.ledger('par-1', 'call')$$,
                  $$VALUES (1, NULL::timestamptz)$$, 'the parent''s await stays open');
SELECT is(pg_temp.node('par-1', 'call', ',0,0') #> '{output,metadata,code}', '202'::jsonb,
          'its interim output carries code 202');
SELECT is(pg_temp.status('par-1'), 1, 'the parent waits for the final result');

SELECT hotmesh.signal('pend', 'pend.finish', '{"id": "kid-1"}');
SELECT is(pg_temp.status('kid-1'), 0, 'the child completes');
SELECT is(pg_temp.data('par-1'),
          '{"child": {"status": "working", "done": true}, "interim": "working", "final": true}'::jsonb,
          'its result reached the parent''s await, which took its code 200 transition');
SELECT results_eq($$SELECT leg2_count, finalized_at IS NOT NULL FROM pg_temp.ledger('par-1', 'call')$$,
                  $$VALUES (2, true)$$, 'the await closed on its second entry');
SELECT results_eq(
    $$SELECT activity_id, dimension FROM hotmesh.activity_instances
      WHERE job_id = (pg_temp.job('par-1')).id AND activity_id IN ('interim', 'final')
      ORDER BY activity_id$$,
    $$VALUES ('final'::text, ',0,1,0'::text), ('interim', ',0,0,0')$$,
    'each transition ran once');
SELECT is(pg_temp.status('par-1'), 0, 'the parent completes');

SELECT hotmesh.pub('pend', 'pend.parent', '{"id": "par-2", "child": "kid-2", "topic": "pend.last"}');
SELECT hotmesh.respond((pg_temp.msg('kid-2', 'lw')).id, '{"data": {"status": "all done"}}');
SELECT results_eq(
    $$SELECT pg_temp.status('kid-2'), pg_temp.status('par-2'),
             (SELECT leg2_count FROM pg_temp.ledger('par-2', 'call')), pg_temp.data('par-2') ? 'interim'$$,
    $$VALUES (0, 0, 1, false)$$,
    'an emit in the step that closes the job sends no interim result: the parent gets the final one only');

SELECT hotmesh.pub('pend', 'pend.parent', '{"id": "par-3", "child": "kid-3", "topic": "pend.eager"}');
SELECT is(pg_temp.data('par-3'), '{"child": {"status": "started"}, "interim": "started"}'::jsonb,
          'a trigger''s emit gives the parent the new child''s job data at once');
SELECT is(pg_temp.status('par-3'), 1, 'the parent waits on');
SELECT hotmesh.signal('pend', 'pend.finish.eager', '{"id": "kid-3"}');
SELECT is(pg_temp.data('par-3') -> 'final', 'true'::jsonb, 'and completes with the result');

SELECT hotmesh.pub('pend', 'pend.parent', '{"id": "par-4", "child": "kid-4", "topic": "pend.child"}');
SELECT is(hotmesh.engine_emit((pg_temp.job('kid-4')).id),
          jsonb_build_array(jsonb_build_object(
              'job_id', (pg_temp.job('par-4')).id, 'aid', 'call', 'dad', ',0,0', 'leg', 2,
              'kind', 'result', 'status', 'pending', 'code', 202, 'data', '{}'::jsonb)),
          'engine_emit returns the parent''s pending leg 2 with the job data');
UPDATE hotmesh.jobs SET context = jsonb_set(context, '{metadata,px}', 'true') WHERE key = 'kid-4';
SELECT is(hotmesh.engine_emit((pg_temp.job('kid-4')).id), '[]'::jsonb,
          'a severed child (await: false) returns nothing to its parent');
SELECT is(hotmesh.engine_emit((pg_temp.job('par-4')).id), '[]'::jsonb,
          'nor does a job without a parent');
SELECT is(hotmesh.engine_emit((pg_temp.job('kid-1')).id), '[]'::jsonb,
          'nor a job that completed');

-- prune keeps a message answered pending while its job runs -----------------------------------

SELECT hotmesh.pub('pend', 'pend.start', '{"id": "p-4"}');
SELECT hotmesh.respond((pg_temp.msg('p-4', 'w1')).id, '{"status": "pending", "code": 202, "data": {}}');
SELECT hotmesh.pub('pend', 'pend.start', '{"id": "p-5"}');
SELECT hotmesh.interrupt('pend', 'p-5');
SELECT hotmesh.advance_test_clock('8 days');
SELECT hotmesh.prune('pend', '7 days', false);
SELECT isnt(pg_temp.msg('p-4', 'w1'), NULL, 'the message answered pending is kept');
SELECT is(pg_temp.msg('p-5', 'w1'), NULL, 'a retired message of an interrupted job is pruned');
SELECT is(pg_temp.add('p-4', 'w1', '{"data": {"pct": 100}}'), 'applied',
          'the final response still finds its message');

SELECT * FROM finish();
ROLLBACK;
