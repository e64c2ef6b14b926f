-- hotmesh.engine_run: leg 1 and leg 2 of every activity type (worker, await, hook as
-- passthrough, waiter and timer, signal, cycle, interrupt), statusThreshold, engine_enter,
-- engine_truthy, and what engine_run refuses.
BEGIN;
SELECT plan(69);

SET LOCAL hotmesh.clock = 'test';
SELECT hotmesh.set_test_clock('2030-01-01 00:00:00+00');

-- App run, compiled below with pyhotmesh.compiler.compile_source (null fields left out
-- of the JSON: absent and null read the same) from this manifest:
-- app:
--   id: run
--   version: '1'
--   graphs:
--     - subscribes: run.work
--       activities:
--         w0:
--           type: trigger
--           stats: {id: '{$self.input.data.id}'}
--         w:
--           type: worker
--           topic: '{w0.output.data.topic}'
--           input: {maps: {n: '{w0.output.data.n}'}}
--           job: {maps: {out: '{$self.output.data.v}'}}
--       transitions:
--         w0: [{to: w}]
--     - subscribes: run.parent
--       activities:
--         p1:
--           type: trigger
--           stats: {id: '{$self.input.data.id}'}
--         call:
--           type: await
--           topic: run.child
--           await: '{p1.output.data.wait}'
--           input: {maps: {x: '{p1.output.data.x}'}}
--           job: {maps: {child: '{$self.output.data}'}}
--       transitions:
--         p1: [{to: call}]
--     - subscribes: run.child
--       activities:
--         c1: {type: trigger}
--         cw:
--           type: worker
--           topic: run.cw
--           input: {maps: {x: '{c1.output.data.x}'}}
--           job: {maps: {y: '{$self.output.data.y}'}}
--       transitions:
--         c1: [{to: cw}]
--     - subscribes: run.hook
--       activities:
--         h0:
--           type: trigger
--           stats: {id: '{$self.input.data.id}'}
--         pass:
--           type: hook
--           output: {maps: {echo: '{h0.output.data.v}'}}
--           job: {maps: {passed: '{$self.output.data.echo}'}}
--         wait:
--           type: hook
--           job: {maps: {got: '{$self.hook.data.v}'}}
--         nap:
--           type: hook
--           sleep: '{h0.output.data.sleep}'
--           job: {maps: {woke: '{$self.hook.data.timestamp}'}}
--       transitions:
--         h0: [{to: pass}]
--         pass: [{to: wait}]
--         wait: [{to: nap}]
--       hooks:
--         run.go:
--           - to: wait
--             conditions:
--               match:
--                 - expected: '{$job.metadata.jid}'
--                   actual: '{$self.hook.data.id}'
--     - subscribes: run.send
--       activities:
--         s0: {type: trigger}
--         send:
--           type: signal
--           subtype: one
--           topic: run.go
--           signal: {maps: {id: '{s0.output.data.target}', v: '{s0.output.data.v}'}}
--           job: {maps: {sent: '{s0.output.data.target}'}}
--       transitions:
--         s0: [{to: send}]
--     - subscribes: run.cycle
--       activities:
--         k0: {type: trigger}
--         pivot:
--           type: hook
--           output: {maps: {n: '{k0.output.data.start}'}}
--           job: {maps: {count: '{$self.output.data.n}'}}
--         again:
--           type: cycle
--           ancestor: pivot
--           input:
--             maps:
--               n: {'@pipe': [['{pivot.output.data.n}', 1], ['{@math.add}']]}
--         finish:
--           type: hook
--           job: {maps: {done: '{pivot.output.data.n}'}}
--       transitions:
--         k0: [{to: pivot}]
--         pivot:
--           - to: again
--             conditions:
--               match:
--                 - expected: true
--                   actual: {'@pipe': [['{pivot.output.data.n}', 3], ['{@conditional.less_than}']]}
--           - to: finish
--             conditions:
--               match:
--                 - expected: true
--                   actual: {'@pipe': [['{pivot.output.data.n}', 3], ['{@conditional.gte}']]}
--     - subscribes: run.stop
--       activities:
--         i0:
--           type: trigger
--           stats: {id: '{$self.input.data.id}'}
--         park: {type: hook, sleep: 3600}
--         stop:
--           type: interrupt
--           reason: '{i0.output.data.reason}'
--       transitions:
--         i0: [{to: park}, {to: stop}]
--     - subscribes: run.threshold
--       activities:
--         th0:
--           type: trigger
--           stats: {id: '{$self.input.data.id}'}
--         main: {type: worker, topic: run.main}
--         late:
--           type: hook
--           statusThreshold: '{th0.output.data.threshold}'
--           job: {maps: {late: ran}}
--       transitions:
--         th0: [{to: main}]
--         main: [{to: late}]
SELECT hotmesh.deploy_version('run', '1', '{}', $json$
{
  "app": {"id": "run", "version": "1", "settings": {}},
  "graphs": [
    {
      "subscribes": "run.work",
      "trigger": "w0",
      "activities": {
        "w0": {
          "id": "w0",
          "type": "trigger",
          "graph": "run.work",
          "ancestors": [],
          "depth": 1,
          "children": ["w"],
          "conditional": false,
          "expressions": {"stats.id": {"sql": "$1 #> ARRAY['w0', 'input', 'data', 'id']"}},
          "maps": {},
          "settings": {},
          "consumes": {"w0": ["input/data/id"]},
          "produces": ["input/data/id", "output/data/n", "output/data/topic"],
          "reads": {"w0": 1},
          "reads_job": false
        },
        "w": {
          "id": "w",
          "type": "worker",
          "graph": "run.work",
          "parent": "w0",
          "ancestors": ["w0"],
          "depth": 2,
          "children": [],
          "conditional": false,
          "expressions": {"topic": {"sql": "$1 #> ARRAY['w0', 'output', 'data', 'topic']"}},
          "maps": {
            "input": {
              "sql": "hotmesh.map_object(CAST(ARRAY['n'] AS TEXT[]), CAST(ARRAY[$1 #> ARRAY['w0', 'output', 'data', 'n']] AS JSONB[]))"
            },
            "job": [{"key": "out", "sql": "$1 #> ARRAY['w', 'output', 'data', 'v']"}]
          },
          "settings": {},
          "consumes": {"w": ["output/data/v"], "w0": ["output/data/n", "output/data/topic"]},
          "produces": ["output/data/v"],
          "reads": {"w": 2, "w0": 1},
          "reads_job": false
        }
      },
      "transitions": {"w0": [{"to": "w", "codes": [200], "gate": "and"}]},
      "hooks": {}
    },
    {
      "subscribes": "run.parent",
      "trigger": "p1",
      "activities": {
        "p1": {
          "id": "p1",
          "type": "trigger",
          "graph": "run.parent",
          "ancestors": [],
          "depth": 1,
          "children": ["call"],
          "conditional": false,
          "expressions": {"stats.id": {"sql": "$1 #> ARRAY['p1', 'input', 'data', 'id']"}},
          "maps": {},
          "settings": {},
          "consumes": {"p1": ["input/data/id"]},
          "produces": ["input/data/id", "output/data/wait", "output/data/x"],
          "reads": {"p1": 1},
          "reads_job": false
        },
        "call": {
          "id": "call",
          "type": "await",
          "graph": "run.parent",
          "parent": "p1",
          "ancestors": ["p1"],
          "depth": 2,
          "children": [],
          "conditional": false,
          "expressions": {
            "topic": {"sql": "CAST('\"run.child\"' AS JSONB)", "value": "run.child"},
            "await": {"sql": "$1 #> ARRAY['p1', 'output', 'data', 'wait']"}
          },
          "maps": {
            "input": {
              "sql": "hotmesh.map_object(CAST(ARRAY['x'] AS TEXT[]), CAST(ARRAY[$1 #> ARRAY['p1', 'output', 'data', 'x']] AS JSONB[]))"
            },
            "job": [{"key": "child", "sql": "$1 #> ARRAY['call', 'output', 'data']"}]
          },
          "settings": {},
          "consumes": {"call": ["output/data"], "p1": ["output/data/wait", "output/data/x"]},
          "produces": ["output/data"],
          "reads": {"call": 2, "p1": 1},
          "reads_job": false
        }
      },
      "transitions": {"p1": [{"to": "call", "codes": [200], "gate": "and"}]},
      "hooks": {}
    },
    {
      "subscribes": "run.child",
      "trigger": "c1",
      "activities": {
        "c1": {
          "id": "c1",
          "type": "trigger",
          "graph": "run.child",
          "ancestors": [],
          "depth": 1,
          "children": ["cw"],
          "conditional": false,
          "expressions": {},
          "maps": {},
          "settings": {},
          "consumes": {},
          "produces": ["output/data/x"],
          "reads": {},
          "reads_job": false
        },
        "cw": {
          "id": "cw",
          "type": "worker",
          "graph": "run.child",
          "parent": "c1",
          "ancestors": ["c1"],
          "depth": 2,
          "children": [],
          "conditional": false,
          "expressions": {"topic": {"sql": "CAST('\"run.cw\"' AS JSONB)", "value": "run.cw"}},
          "maps": {
            "input": {
              "sql": "hotmesh.map_object(CAST(ARRAY['x'] AS TEXT[]), CAST(ARRAY[$1 #> ARRAY['c1', 'output', 'data', 'x']] AS JSONB[]))"
            },
            "job": [{"key": "y", "sql": "$1 #> ARRAY['cw', 'output', 'data', 'y']"}]
          },
          "settings": {},
          "consumes": {"c1": ["output/data/x"], "cw": ["output/data/y"]},
          "produces": ["output/data/y"],
          "reads": {"c1": 1, "cw": 2},
          "reads_job": false
        }
      },
      "transitions": {"c1": [{"to": "cw", "codes": [200], "gate": "and"}]},
      "hooks": {}
    },
    {
      "subscribes": "run.hook",
      "trigger": "h0",
      "activities": {
        "h0": {
          "id": "h0",
          "type": "trigger",
          "graph": "run.hook",
          "ancestors": [],
          "depth": 1,
          "children": ["pass"],
          "conditional": false,
          "expressions": {"stats.id": {"sql": "$1 #> ARRAY['h0', 'input', 'data', 'id']"}},
          "maps": {},
          "settings": {},
          "consumes": {"h0": ["input/data/id"]},
          "produces": ["input/data/id", "output/data/sleep", "output/data/v"],
          "reads": {"h0": 1},
          "reads_job": false
        },
        "pass": {
          "id": "pass",
          "type": "hook",
          "graph": "run.hook",
          "parent": "h0",
          "ancestors": ["h0"],
          "depth": 2,
          "children": ["wait"],
          "conditional": false,
          "expressions": {},
          "maps": {
            "output": {
              "sql": "hotmesh.map_object(CAST(ARRAY['echo'] AS TEXT[]), CAST(ARRAY[$1 #> ARRAY['h0', 'output', 'data', 'v']] AS JSONB[]))"
            },
            "job": [{"key": "passed", "sql": "$1 #> ARRAY['pass', 'output', 'data', 'echo']"}]
          },
          "settings": {},
          "consumes": {"h0": ["output/data/v"], "pass": ["output/data/echo"]},
          "produces": ["output/data/echo"],
          "reads": {"h0": 1, "pass": 2},
          "reads_job": false
        },
        "wait": {
          "id": "wait",
          "type": "hook",
          "graph": "run.hook",
          "parent": "pass",
          "ancestors": ["h0", "pass"],
          "depth": 3,
          "children": ["nap"],
          "conditional": false,
          "expressions": {},
          "maps": {"job": [{"key": "got", "sql": "$1 #> ARRAY['wait', 'hook', 'data', 'v']"}]},
          "settings": {},
          "consumes": {"$job": ["metadata/jid"], "wait": ["hook/data/v"]},
          "produces": ["hook/data/v"],
          "reads": {"wait": 3},
          "reads_job": true
        },
        "nap": {
          "id": "nap",
          "type": "hook",
          "graph": "run.hook",
          "parent": "wait",
          "ancestors": ["h0", "pass", "wait"],
          "depth": 4,
          "children": [],
          "conditional": false,
          "expressions": {"sleep": {"sql": "$1 #> ARRAY['h0', 'output', 'data', 'sleep']"}},
          "maps": {"job": [{"key": "woke", "sql": "$1 #> ARRAY['nap', 'hook', 'data', 'timestamp']"}]},
          "settings": {},
          "consumes": {"h0": ["output/data/sleep"], "nap": ["hook/data/timestamp"]},
          "produces": ["hook/data/timestamp"],
          "reads": {"h0": 1, "nap": 4},
          "reads_job": false
        }
      },
      "transitions": {
        "h0": [{"to": "pass", "codes": [200], "gate": "and"}],
        "pass": [{"to": "wait", "codes": [200], "gate": "and"}],
        "wait": [{"to": "nap", "codes": [200], "gate": "and"}]
      },
      "hooks": {
        "run.go": [
          {
            "to": "wait",
            "expected": "$1 #> ARRAY['$job', 'metadata', 'jid']",
            "actual": "$1 #> ARRAY['$hook', 'data', 'id']"
          }
        ]
      }
    },
    {
      "subscribes": "run.send",
      "trigger": "s0",
      "activities": {
        "s0": {
          "id": "s0",
          "type": "trigger",
          "graph": "run.send",
          "ancestors": [],
          "depth": 1,
          "children": ["send"],
          "conditional": false,
          "expressions": {},
          "maps": {},
          "settings": {},
          "consumes": {},
          "produces": ["output/data/target", "output/data/v"],
          "reads": {},
          "reads_job": false
        },
        "send": {
          "id": "send",
          "type": "signal",
          "graph": "run.send",
          "parent": "s0",
          "ancestors": ["s0"],
          "depth": 2,
          "children": [],
          "conditional": false,
          "expressions": {"topic": {"sql": "CAST('\"run.go\"' AS JSONB)", "value": "run.go"}},
          "maps": {
            "signal": {
              "sql": "hotmesh.map_object(CAST(ARRAY['id', 'v'] AS TEXT[]), CAST(ARRAY[$1 #> ARRAY['s0', 'output', 'data', 'target'], $1 #> ARRAY['s0', 'output', 'data', 'v']] AS JSONB[]))"
            },
            "job": [{"key": "sent", "sql": "$1 #> ARRAY['s0', 'output', 'data', 'target']"}]
          },
          "settings": {"subtype": "one"},
          "consumes": {"s0": ["output/data/target", "output/data/v"]},
          "produces": [],
          "reads": {"s0": 1},
          "reads_job": false
        }
      },
      "transitions": {"s0": [{"to": "send", "codes": [200], "gate": "and"}]},
      "hooks": {}
    },
    {
      "subscribes": "run.cycle",
      "trigger": "k0",
      "activities": {
        "k0": {
          "id": "k0",
          "type": "trigger",
          "graph": "run.cycle",
          "ancestors": [],
          "depth": 1,
          "children": ["pivot"],
          "conditional": false,
          "expressions": {},
          "maps": {},
          "settings": {},
          "consumes": {},
          "produces": ["output/data/start"],
          "reads": {},
          "reads_job": false
        },
        "pivot": {
          "id": "pivot",
          "type": "hook",
          "graph": "run.cycle",
          "parent": "k0",
          "ancestors": ["k0"],
          "depth": 2,
          "children": ["again", "finish"],
          "conditional": true,
          "expressions": {},
          "maps": {
            "output": {
              "sql": "hotmesh.map_object(CAST(ARRAY['n'] AS TEXT[]), CAST(ARRAY[$1 #> ARRAY['k0', 'output', 'data', 'start']] AS JSONB[]))"
            },
            "job": [{"key": "count", "sql": "$1 #> ARRAY['pivot', 'output', 'data', 'n']"}]
          },
          "settings": {},
          "consumes": {"k0": ["output/data/start"], "pivot": ["output/data/n"]},
          "produces": ["output/data/n"],
          "reads": {"k0": 1, "pivot": 2},
          "reads_job": false
        },
        "again": {
          "id": "again",
          "type": "cycle",
          "graph": "run.cycle",
          "parent": "pivot",
          "ancestors": ["k0", "pivot"],
          "depth": 3,
          "children": [],
          "conditional": false,
          "expressions": {},
          "maps": {
            "input": {
              "sql": "hotmesh.map_object(CAST(ARRAY['n'] AS TEXT[]), CAST(ARRAY[hotmesh.fn_math_add(VARIADIC CAST(ARRAY[$1 #> ARRAY['pivot', 'output', 'data', 'n'], CAST('1' AS JSONB)] AS JSONB[]))] AS JSONB[]))"
            }
          },
          "settings": {"ancestor": "pivot"},
          "consumes": {"pivot": ["output/data/n"]},
          "produces": [],
          "reads": {"pivot": 2},
          "reads_job": false
        },
        "finish": {
          "id": "finish",
          "type": "hook",
          "graph": "run.cycle",
          "parent": "pivot",
          "ancestors": ["k0", "pivot"],
          "depth": 3,
          "children": [],
          "conditional": false,
          "expressions": {},
          "maps": {"job": [{"key": "done", "sql": "$1 #> ARRAY['pivot', 'output', 'data', 'n']"}]},
          "settings": {},
          "consumes": {"pivot": ["output/data/n"]},
          "produces": [],
          "reads": {"pivot": 2},
          "reads_job": false
        }
      },
      "transitions": {
        "k0": [{"to": "pivot", "codes": [200], "gate": "and"}],
        "pivot": [
          {
            "to": "again",
            "codes": [200],
            "gate": "and",
            "condition": "COALESCE((hotmesh.js_strict_equals(hotmesh.fn_conditional_less_than($1 #> ARRAY['pivot', 'output', 'data', 'n'], CAST('3' AS JSONB)), CAST('true' AS JSONB))), FALSE)"
          },
          {
            "to": "finish",
            "codes": [200],
            "gate": "and",
            "condition": "COALESCE((hotmesh.js_strict_equals(hotmesh.fn_conditional_gte($1 #> ARRAY['pivot', 'output', 'data', 'n'], CAST('3' AS JSONB)), CAST('true' AS JSONB))), FALSE)"
          }
        ]
      },
      "hooks": {}
    },
    {
      "subscribes": "run.stop",
      "trigger": "i0",
      "activities": {
        "i0": {
          "id": "i0",
          "type": "trigger",
          "graph": "run.stop",
          "ancestors": [],
          "depth": 1,
          "children": ["park", "stop"],
          "conditional": false,
          "expressions": {"stats.id": {"sql": "$1 #> ARRAY['i0', 'input', 'data', 'id']"}},
          "maps": {},
          "settings": {},
          "consumes": {"i0": ["input/data/id"]},
          "produces": ["input/data/id", "output/data/reason"],
          "reads": {"i0": 1},
          "reads_job": false
        },
        "park": {
          "id": "park",
          "type": "hook",
          "graph": "run.stop",
          "parent": "i0",
          "ancestors": ["i0"],
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
        "stop": {
          "id": "stop",
          "type": "interrupt",
          "graph": "run.stop",
          "parent": "i0",
          "ancestors": ["i0"],
          "depth": 2,
          "children": [],
          "conditional": false,
          "expressions": {"reason": {"sql": "$1 #> ARRAY['i0', 'output', 'data', 'reason']"}},
          "maps": {},
          "settings": {},
          "consumes": {"i0": ["output/data/reason"]},
          "produces": [],
          "reads": {"i0": 1},
          "reads_job": false
        }
      },
      "transitions": {
        "i0": [
          {"to": "park", "codes": [200], "gate": "and"},
          {"to": "stop", "codes": [200], "gate": "and"}
        ]
      },
      "hooks": {}
    },
    {
      "subscribes": "run.threshold",
      "trigger": "th0",
      "activities": {
        "th0": {
          "id": "th0",
          "type": "trigger",
          "graph": "run.threshold",
          "ancestors": [],
          "depth": 1,
          "children": ["main"],
          "conditional": false,
          "expressions": {"stats.id": {"sql": "$1 #> ARRAY['th0', 'input', 'data', 'id']"}},
          "maps": {},
          "settings": {},
          "consumes": {"th0": ["input/data/id"]},
          "produces": ["input/data/id", "output/data/threshold"],
          "reads": {"th0": 1},
          "reads_job": false
        },
        "main": {
          "id": "main",
          "type": "worker",
          "graph": "run.threshold",
          "parent": "th0",
          "ancestors": ["th0"],
          "depth": 2,
          "children": ["late"],
          "conditional": false,
          "expressions": {"topic": {"sql": "CAST('\"run.main\"' AS JSONB)", "value": "run.main"}},
          "maps": {},
          "settings": {},
          "consumes": {},
          "produces": [],
          "reads": {},
          "reads_job": false
        },
        "late": {
          "id": "late",
          "type": "hook",
          "graph": "run.threshold",
          "parent": "main",
          "ancestors": ["th0", "main"],
          "depth": 3,
          "children": [],
          "conditional": false,
          "expressions": {"statusThreshold": {"sql": "$1 #> ARRAY['th0', 'output', 'data', 'threshold']"}},
          "maps": {"job": [{"key": "late", "sql": "CAST('\"ran\"' AS JSONB)", "value": "ran"}]},
          "settings": {},
          "consumes": {"th0": ["output/data/threshold"]},
          "produces": [],
          "reads": {"th0": 1},
          "reads_job": false
        }
      },
      "transitions": {
        "th0": [{"to": "main", "codes": [200], "gate": "and"}],
        "main": [{"to": "late", "codes": [200], "gate": "and"}]
      },
      "hooks": {}
    }
  ]
}
$json$::jsonb);
SELECT hotmesh.activate_version('run', '1');

CREATE FUNCTION pg_temp.job(p_key text) RETURNS hotmesh.jobs
LANGUAGE sql AS $$ SELECT * FROM hotmesh.jobs WHERE key = p_key AND is_live $$;

CREATE FUNCTION pg_temp.status(p_key text) RETURNS integer
LANGUAGE sql AS $$ SELECT status FROM hotmesh.jobs WHERE key = p_key AND is_live $$;

CREATE FUNCTION pg_temp.data(p_key text) RETURNS jsonb
LANGUAGE sql AS $$ SELECT hotmesh.engine_job_data(id) FROM hotmesh.jobs WHERE key = p_key $$;

-- The stored node of activity p_aid of job p_key at p_dad.
CREATE FUNCTION pg_temp.node(p_key text, p_aid text, p_dad text) RETURNS jsonb
LANGUAGE sql AS $$
    SELECT a.value FROM hotmesh.jobs_attributes a JOIN hotmesh.jobs j ON j.id = a.job_id
    WHERE j.key = p_key AND a.field = p_aid || '/' || p_dad
$$;

-- The ledger row of activity p_aid of job p_key at p_dad.
CREATE FUNCTION pg_temp.ledger(p_key text, p_aid text, p_dad text)
RETURNS hotmesh.activity_instances
LANGUAGE sql AS $$
    SELECT i.* FROM hotmesh.activity_instances i JOIN hotmesh.jobs j ON j.id = i.job_id
    WHERE j.key = p_key AND i.activity_id = p_aid AND i.dimension = p_dad
$$;

-- worker ------------------------------------------------------------------------------------
-- leg 1 publishes the mapped input to the (here dynamic) topic; leg 2 is the response

SELECT hotmesh.pub('run', 'run.work', '{"id": "w-1", "topic": "run.dynamic", "n": 7}');
SELECT results_eq(
    $$SELECT stream_name, message FROM hotmesh.worker_streams WHERE job_key = 'w-1'$$,
    format($$VALUES ('run.dynamic'::text, '{"metadata": {"jid": "w-1", "gid": "%s", "aid": "w",
            "dad": ",0,0", "topic": "run.dynamic"}, "data": {"n": 7}}'::jsonb)$$,
           (pg_temp.job('w-1')).gid),
    'worker leg 1 publishes its mapped input to its topic, addressed to the activity instance');
SELECT is(pg_temp.node('w-1', 'w', ',0,0'), NULL,
          'worker leg 1 writes no attribute row (the ledger holds its entry)');
SELECT is(hotmesh.get_raw('run', 'w-1') -> 'w/,0,0',
          jsonb_build_object('output', jsonb_build_object('metadata', jsonb_build_object(
              'aid', 'w', 'dad', ',0,0', 'atp', 'worker',
              'ac', (pg_temp.ledger('w-1', 'w', ',0,0')).entered_at))),
          'get_raw shows the activity''s leg-1 metadata from the ledger while the worker runs');
SELECT is(pg_temp.status('w-1'), 1, 'worker leg 1 leaves the semaphore as it was (duplex)');
SELECT results_eq(
    $$SELECT arrivals, leg2_count, finalized_at FROM pg_temp.ledger('w-1', 'w', ',0,0')$$,
    $$VALUES (1, 0, NULL::timestamptz)$$, 'worker leg 1 is recorded; the worker stays open');
SELECT hotmesh.respond((SELECT id FROM hotmesh.worker_streams WHERE job_key = 'w-1'),
                       '{"data": {"v": "done"}}');
SELECT is(pg_temp.node('w-1', 'w', ',0,0') #> '{output,data}', '{"v": "done"}'::jsonb,
          'worker leg 2 saves the response as the output');
SELECT is((pg_temp.node('w-1', 'w', ',0,0') #> '{output,metadata}') - 'au',
          jsonb_build_object('aid', 'w', 'dad', ',0,0', 'atp', 'worker', 'code', 200,
                             'ac', (pg_temp.ledger('w-1', 'w', ',0,0')).entered_at),
          'worker leg 2 writes the whole metadata, its entry time (ac) from the ledger');
SELECT is(pg_temp.data('w-1'), '{"out": "done"}'::jsonb, 'worker leg 2 applies the job.maps');
SELECT is(pg_temp.status('w-1'), 0, 'worker leg 2 closes its obligation (no children: done)');
SELECT throws_ok(
    $$SELECT hotmesh.pub('run', 'run.work', '{"id": "w-2"}')$$, '22023',
    'activity w of job w-2: the worker topic resolved to undefined, not a topic name',
    'a worker whose topic resolves to nothing is refused');
SELECT throws_ok(
    $$SELECT hotmesh.pub('run', 'run.work', '{"id": "w-3", "topic": 5}')$$, '22023',
    'activity w of job w-3: the worker topic resolved to 5, not a topic name',
    'a worker whose topic is not a string is refused');

-- await -------------------------------------------------------------------------------------
-- leg 1 starts the child job; awaited, the child's completion is leg 2

SELECT hotmesh.pub('run', 'run.parent', '{"id": "p-1", "x": 3, "wait": true}');
CREATE TEMP TABLE child1 AS SELECT * FROM hotmesh.jobs WHERE parent_key = 'p-1';
SELECT results_eq(
    $$SELECT topic, status, parent_activity, parent_dimension, origin_key FROM child1$$,
    $$VALUES ('run.child'::text, 1, 'call'::text, ',0,0'::text, 'p-1'::text)$$,
    'await leg 1 starts the child graph''s job, pointing at the parent activity instance');
SELECT is((SELECT context #> '{metadata,px}' FROM child1), 'false'::jsonb,
          'the awaited child is not severed from its parent');
SELECT is((SELECT context #>> '{metadata,pg}' FROM child1), (pg_temp.job('p-1')).gid,
          'the child knows its parent''s generation');
SELECT is(pg_temp.node((SELECT key FROM child1), 'c1', ',0') #> '{input,data}', '{"x": 3}'::jsonb,
          'the child''s input is the await''s mapped input');
SELECT is(pg_temp.status('p-1'), 1, 'await leg 1 leaves the parent''s semaphore as it was');
SELECT is((pg_temp.ledger('p-1', 'call', ',0,0')).finalized_at, NULL, 'the await stays open');
SELECT hotmesh.respond((SELECT id FROM hotmesh.worker_streams WHERE job_key = (SELECT key FROM child1)),
                       '{"data": {"y": 30}}');
SELECT is(pg_temp.status((SELECT key FROM child1)), 0, 'the child completes');
SELECT is(pg_temp.node('p-1', 'call', ',0,0') #> '{output,data}', '{"y": 30}'::jsonb,
          'await leg 2: the child''s job data is the await''s output');
SELECT is(pg_temp.data('p-1'), '{"child": {"y": 30}}'::jsonb, 'await leg 2 applies the job.maps');
SELECT is(pg_temp.status('p-1'), 0, 'and the parent completes in the same transaction');

SELECT hotmesh.pub('run', 'run.parent', '{"id": "p-2", "x": 1, "wait": false}');
CREATE TEMP TABLE child2 AS SELECT * FROM hotmesh.jobs WHERE parent_key = 'p-2';
SELECT is(pg_temp.data('p-2'), jsonb_build_object('child', jsonb_build_object('job_id', (SELECT key FROM child2))),
          'await false: leg 2 follows at once with the child''s job id');
SELECT is(pg_temp.status('p-2'), 0, 'await false: the parent goes on without waiting');
SELECT is((SELECT context #> '{metadata,px}' FROM child2), 'true'::jsonb,
          'await false: the child is severed');
SELECT hotmesh.respond((SELECT id FROM hotmesh.worker_streams WHERE job_key = (SELECT key FROM child2)),
                       '{"data": {"y": 10}}');
SELECT is(pg_temp.node('p-2', 'call', ',0,0') #> '{output,data}',
          jsonb_build_object('job_id', (SELECT key FROM child2)),
          'a severed child''s completion does not reach the parent');

-- hook --------------------------------------------------------------------------------------
-- pass: no rule, no sleep (passthrough); wait: a hook rule (waiter); nap: sleep (timer)

SELECT hotmesh.pub('run', 'run.hook', '{"id": "h-1", "v": "hello", "sleep": 30}');
SELECT is(pg_temp.node('h-1', 'pass', ',0,0') #> '{output,data}', '{"echo": "hello"}'::jsonb,
          'a passthrough hook maps its output in leg 1');
SELECT ok((pg_temp.ledger('h-1', 'pass', ',0,0')).finalized_at IS NOT NULL,
          'a passthrough hook completes in leg 1');
SELECT is(pg_temp.data('h-1'), '{"passed": "hello"}'::jsonb,
          'a passthrough hook applies its job.maps in leg 1');
SELECT results_eq(
    $$SELECT kind, topic, signal_key, activity_id, dimension FROM hotmesh.signals
      WHERE job_id = (pg_temp.job('h-1')).id$$,
    $$VALUES ('waiter'::text, 'run.go'::text, 'h-1'::text, 'wait'::text, ',0,0,0'::text)$$,
    'a hook with a rule registers a waiter keyed by the rule''s expected value (the job id)');
SELECT is((pg_temp.ledger('h-1', 'wait', ',0,0,0')).finalized_at, NULL, 'the waiting hook stays open');
SELECT is(pg_temp.status('h-1'), 1, 'a waiting hook holds the job''s one obligation');
SELECT is(hotmesh.signal('run', 'run.go', '{"id": "h-1", "v": 42}'), 'delivered',
          'a signal with the waiter''s key is delivered');
SELECT is(pg_temp.node('h-1', 'wait', ',0,0,0') -> 'hook', '{"data": {"id": "h-1", "v": 42}}'::jsonb,
          'hook leg 2 (signal): the payload is the hook data');
SELECT is(pg_temp.data('h-1') -> 'got', '42'::jsonb, 'hook leg 2 applies the job.maps over the hook data');
SELECT ok((SELECT consumed_at IS NOT NULL FROM hotmesh.signals WHERE job_id = (pg_temp.job('h-1')).id),
          'the waiter registration is consumed');
SELECT results_eq(
    $$SELECT msg_type, activity_id, dimension, visible_at FROM hotmesh.engine_streams
      WHERE job_key = 'h-1'$$,
    $$VALUES ('timehook'::text, 'nap'::text, ',0,0,0,0'::text, '2030-01-01 00:00:30+00'::timestamptz)$$,
    'a hook that sleeps arms a timer for now + sleep seconds');
SELECT hotmesh.advance_test_clock('30 seconds');
SELECT is(hotmesh.engine_step('run'), 1, 'the timer runs when due');
SELECT is(pg_temp.node('h-1', 'nap', ',0,0,0,0') -> 'hook',
          '{"data": {"timestamp": 1893456030000}}'::jsonb,
          'hook leg 2 (timer): the hook data is the time it fired, in epoch ms');
SELECT is(pg_temp.data('h-1'), '{"passed": "hello", "got": 42, "woke": 1893456030000}'::jsonb,
          'each hook''s job.maps ran once');
SELECT is(pg_temp.status('h-1'), 0, 'the job completes after the timer');

SELECT hotmesh.pub('run', 'run.hook', '{"id": "h-2", "sleep": "soon"}');
SELECT hotmesh.signal('run', 'run.go', '{"id": "h-2"}');
SELECT is(pg_temp.status('h-2'), 0, 'a sleep that is not a number makes a passthrough hook');
SELECT is((SELECT count(*)::int FROM hotmesh.engine_streams WHERE job_key = 'h-2'), 0,
          'and arms no timer');

-- signal ------------------------------------------------------------------------------------

SELECT hotmesh.pub('run', 'run.hook', '{"id": "h-3"}');
SELECT hotmesh.pub('run', 'run.send', '{"target": "h-3", "v": "from a job"}', '{"metadata": {"jid": "sender"}}');
SELECT is(pg_temp.data('h-3') -> 'got', '"from a job"'::jsonb,
          'signal leg 1 delivers its mapped payload to the waiter it resolves to');
SELECT is(pg_temp.status('h-3'), 0, 'the signalled job went on in the same transaction');
SELECT is((pg_temp.node('sender', 'send', ',0,0') #> '{output,metadata}') - 'ac',
          '{"aid": "send", "dad": ",0,0", "atp": "signal"}'::jsonb,
          'signal leg 1 saves the activity''s metadata');
SELECT is(pg_temp.data('sender'), '{"sent": "h-3"}'::jsonb, 'signal leg 1 applies its job.maps');
SELECT is(pg_temp.status('sender'), 0, 'a signal completes in leg 1');

-- cycle -------------------------------------------------------------------------------------
-- pivot (n = start) -> again (n + 1 back to pivot) while n < 3 -> finish

SELECT hotmesh.pub('run', 'run.cycle', '{"start": 0}', '{"metadata": {"jid": "k-1"}}');
SELECT results_eq(
    $$SELECT i.dimension, a.value #> '{output,data,n}'
      FROM hotmesh.activity_instances i
      JOIN hotmesh.jobs_attributes a ON a.job_id = i.job_id AND a.field = 'pivot/' || i.dimension
      WHERE i.job_id = (pg_temp.job('k-1')).id AND i.activity_id = 'pivot' ORDER BY i.dimension$$,
    $$VALUES (',0,0'::text, '0'::jsonb), (',0,1', '1'), (',0,2', '2'), (',0,3', '3')$$,
    'cycle leg 1 re-enters the ancestor in a new dimension with the mapped input as its output');
SELECT is((pg_temp.ledger('k-1', 'pivot', ',0,0')).leg2_count, 3,
          'iterations are counted on the ancestor''s first instance');
SELECT results_eq(
    $$SELECT dimension, finalized_at IS NOT NULL FROM hotmesh.activity_instances
      WHERE job_id = (pg_temp.job('k-1')).id AND activity_id = 'again' ORDER BY dimension$$,
    $$VALUES (',0,0,0'::text, true), (',0,1,0', true), (',0,2,0', true)$$,
    'the cycle ran once per iteration, each time under its iteration''s dimension');
SELECT is(pg_temp.data('k-1'), '{"count": 3, "done": 3}'::jsonb,
          'job data accumulates across iterations; the exit reads the last iteration');
SELECT is(pg_temp.status('k-1'), 0, 'the cycle hands its obligation to the ancestor: the job completes');

-- interrupt ---------------------------------------------------------------------------------

SELECT hotmesh.pub('run', 'run.stop', '{"id": "i-1", "reason": "enough"}');
SELECT ok(pg_temp.status('i-1') < -100000000, 'interrupt leg 1 without a target interrupts its own job');
SELECT is((pg_temp.job('i-1')).context #> '{metadata,err}',
          '{"message": "enough", "code": 410, "is_interrupt": true}'::jsonb,
          'with the reason it resolves');
SELECT ok((pg_temp.ledger('i-1', 'stop', ',0,0')).finalized_at IS NOT NULL,
          'the interrupt activity itself is finalized');

-- statusThreshold -----------------------------------------------------------------------------

SELECT hotmesh.pub('run', 'run.threshold', '{"id": "th-1", "threshold": 1}');
SELECT hotmesh.pub('run', 'run.threshold', '{"id": "th-0", "threshold": 0}');
SELECT hotmesh.respond(id, '{}') FROM hotmesh.worker_streams WHERE stream_name = 'run.main';
SELECT is(pg_temp.data('th-1'), '{}'::jsonb,
          'an activity reached when no more than statusThreshold obligations are left does not run');
SELECT is(pg_temp.status('th-1'), 0, 'the obligations left are closed instead: the job completes');
SELECT is((pg_temp.ledger('th-1', 'late', ',0,0,0')).arrivals, 1, 'the skipped entry is recorded');
SELECT is(pg_temp.data('th-0'), '{"late": "ran"}'::jsonb, 'statusThreshold 0 never skips');

-- engine_run refuses, engine_enter, engine_truthy -------------------------------------------

SELECT hotmesh.pub('run', 'run.work', '{"id": "w-4", "topic": "run.dynamic"}');
SELECT throws_ok(
    format($$SELECT hotmesh.engine_run(pg_temp.job('w-4'), '{"job_id": %s, "aid": "nope", "dad": ",0,0", "leg": 1}')$$,
           (pg_temp.job('w-4')).id),
    'P0002', 'job w-4 (app run, version 1) has no activity nope',
    'an item for an activity the job''s graph does not have raises P0002');
UPDATE hotmesh.jobs SET status = 0 WHERE key = 'w-4';
SELECT is(hotmesh.engine_run(pg_temp.job('w-4'),
                             jsonb_build_object('job_id', (pg_temp.job('w-4')).id, 'aid', 'w',
                                                'dad', ',0,1', 'leg', 1)),
          '[]'::jsonb, 'nothing runs for a job that no longer runs');
SELECT is((pg_temp.ledger('w-4', 'w', ',0,1')).arrivals, NULL, 'and nothing is recorded');

SELECT is(hotmesh.engine_enter((pg_temp.job('w-4')).id, 'x', ',0,9', 'a'), 'first',
          'engine_enter: the first arrival at an instance is the first');
SELECT is(hotmesh.engine_enter((pg_temp.job('w-4')).id, 'x', ',0,9', 'b'), 'join',
          'an arrival from another activity is a join');
SELECT is(hotmesh.engine_enter((pg_temp.job('w-4')).id, 'x', ',0,9', 'a'), 'replay',
          'an arrival from the same activity again is a replay');
SELECT results_eq(
    $$SELECT arrivals, sources FROM pg_temp.ledger('w-4', 'x', ',0,9')$$,
    $$VALUES (2, ARRAY['a', 'b'])$$,
    'the ledger counts the arrivals and their sources, not the replay');

SELECT ok(NOT hotmesh.engine_truthy(NULL, '{}'), 'no expression is not truthy');
SELECT ok(NOT hotmesh.engine_truthy('{"sql": "x", "value": 0}', '{}'), '0 is not truthy');
SELECT ok(hotmesh.engine_truthy('{"sql": "x", "value": "no"}', '{}'), 'a non-empty string is truthy');

SELECT * FROM finish();
ROLLBACK;
