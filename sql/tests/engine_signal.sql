-- Signals: waiter registration (engine_register_waiter), delivery (engine_signal, signal),
-- early signals kept until their waiter registers, signal_all (engine_signal_all, and the
-- signal activity with subtype all), and code 202 keeping a hook open.
BEGIN;
SELECT plan(48);

SET LOCAL hotmesh.clock = 'test';
SELECT hotmesh.set_test_clock('2030-01-01 00:00:00+00');

-- App sig, compiled below with pyhotmesh.compiler.compile_source (null fields left out
-- of the JSON: absent and null read the same) from this manifest:
-- app:
--   id: sig
--   version: '1'
--   graphs:
--     - subscribes: sig.wait
--       activities:
--         w1:
--           type: trigger
--           stats: {id: '{$self.input.data.id}'}
--         listen:
--           type: hook
--           job: {maps: {got: '{$self.hook.data.value}'}}
--       transitions:
--         w1: [{to: listen}]
--       hooks:
--         sig.go:
--           - to: listen
--             conditions:
--               match:
--                 - expected: '{w1.output.data.group}'
--                   actual: '{$self.hook.data.group}'
--     - subscribes: sig.inbox
--       activities:
--         k1:
--           type: trigger
--           stats: {id: '{$self.input.data.id}'}
--         inbox:
--           type: hook
--           job: {maps: {last: '{$self.hook.data.n}'}}
--         after:
--           type: hook
--           output: {maps: {seen: '{inbox.hook.data.n}'}}
--       transitions:
--         k1: [{to: inbox}]
--         inbox: [{to: after, conditions: {code: [200, 202]}}]
--       hooks:
--         sig.msg:
--           - to: inbox
--             conditions:
--               match:
--                 - expected: '{$job.metadata.jid}'
--                   actual: '{$self.hook.data.id}'
--     - subscribes: sig.all
--       activities:
--         a1: {type: trigger}
--         blast:
--           type: signal
--           subtype: all
--           topic: sig.go
--           signal: {maps: {value: '{a1.output.data.value}'}}
--       transitions:
--         a1: [{to: blast}]
SELECT hotmesh.deploy_version('sig', '1', '{}', $json$
{
  "app": {"id": "sig", "version": "1", "settings": {}},
  "graphs": [
    {
      "subscribes": "sig.wait",
      "trigger": "w1",
      "activities": {
        "w1": {
          "id": "w1",
          "type": "trigger",
          "graph": "sig.wait",
          "ancestors": [],
          "depth": 1,
          "children": ["listen"],
          "conditional": false,
          "expressions": {"stats.id": {"sql": "$1 #> ARRAY['w1', 'input', 'data', 'id']"}},
          "maps": {},
          "settings": {},
          "consumes": {"w1": ["input/data/id"]},
          "produces": ["input/data/id", "output/data/group"],
          "reads": {"w1": 1},
          "reads_job": false
        },
        "listen": {
          "id": "listen",
          "type": "hook",
          "graph": "sig.wait",
          "parent": "w1",
          "ancestors": ["w1"],
          "depth": 2,
          "children": [],
          "conditional": false,
          "expressions": {},
          "maps": {"job": [{"key": "got", "sql": "$1 #> ARRAY['listen', 'hook', 'data', 'value']"}]},
          "settings": {},
          "consumes": {"listen": ["hook/data/value"], "w1": ["output/data/group"]},
          "produces": ["hook/data/value"],
          "reads": {"listen": 2, "w1": 1},
          "reads_job": false
        }
      },
      "transitions": {"w1": [{"to": "listen", "codes": [200], "gate": "and"}]},
      "hooks": {
        "sig.go": [
          {
            "to": "listen",
            "expected": "$1 #> ARRAY['w1', 'output', 'data', 'group']",
            "actual": "$1 #> ARRAY['$hook', 'data', 'group']"
          }
        ]
      }
    },
    {
      "subscribes": "sig.inbox",
      "trigger": "k1",
      "activities": {
        "k1": {
          "id": "k1",
          "type": "trigger",
          "graph": "sig.inbox",
          "ancestors": [],
          "depth": 1,
          "children": ["inbox"],
          "conditional": false,
          "expressions": {"stats.id": {"sql": "$1 #> ARRAY['k1', 'input', 'data', 'id']"}},
          "maps": {},
          "settings": {},
          "consumes": {"k1": ["input/data/id"]},
          "produces": ["input/data/id"],
          "reads": {"k1": 1},
          "reads_job": false
        },
        "inbox": {
          "id": "inbox",
          "type": "hook",
          "graph": "sig.inbox",
          "parent": "k1",
          "ancestors": ["k1"],
          "depth": 2,
          "children": ["after"],
          "conditional": false,
          "expressions": {},
          "maps": {"job": [{"key": "last", "sql": "$1 #> ARRAY['inbox', 'hook', 'data', 'n']"}]},
          "settings": {},
          "consumes": {"$job": ["metadata/jid"], "inbox": ["hook/data/n"]},
          "produces": ["hook/data/n"],
          "reads": {"inbox": 2},
          "reads_job": true
        },
        "after": {
          "id": "after",
          "type": "hook",
          "graph": "sig.inbox",
          "parent": "inbox",
          "ancestors": ["k1", "inbox"],
          "depth": 3,
          "children": [],
          "conditional": false,
          "expressions": {},
          "maps": {
            "output": {
              "sql": "hotmesh.map_object(CAST(ARRAY['seen'] AS TEXT[]), CAST(ARRAY[$1 #> ARRAY['inbox', 'hook', 'data', 'n']] AS JSONB[]))"
            }
          },
          "settings": {},
          "consumes": {"inbox": ["hook/data/n"]},
          "produces": [],
          "reads": {"inbox": 2},
          "reads_job": false
        }
      },
      "transitions": {
        "k1": [{"to": "inbox", "codes": [200], "gate": "and"}],
        "inbox": [{"to": "after", "codes": [200, 202], "gate": "and"}]
      },
      "hooks": {
        "sig.msg": [
          {
            "to": "inbox",
            "expected": "$1 #> ARRAY['$job', 'metadata', 'jid']",
            "actual": "$1 #> ARRAY['$hook', 'data', 'id']"
          }
        ]
      }
    },
    {
      "subscribes": "sig.all",
      "trigger": "a1",
      "activities": {
        "a1": {
          "id": "a1",
          "type": "trigger",
          "graph": "sig.all",
          "ancestors": [],
          "depth": 1,
          "children": ["blast"],
          "conditional": false,
          "expressions": {},
          "maps": {},
          "settings": {},
          "consumes": {},
          "produces": ["output/data/value"],
          "reads": {},
          "reads_job": false
        },
        "blast": {
          "id": "blast",
          "type": "signal",
          "graph": "sig.all",
          "parent": "a1",
          "ancestors": ["a1"],
          "depth": 2,
          "children": [],
          "conditional": false,
          "expressions": {"topic": {"sql": "CAST('\"sig.go\"' AS JSONB)", "value": "sig.go"}},
          "maps": {
            "signal": {
              "sql": "hotmesh.map_object(CAST(ARRAY['value'] AS TEXT[]), CAST(ARRAY[$1 #> ARRAY['a1', 'output', 'data', 'value']] AS JSONB[]))"
            }
          },
          "settings": {"subtype": "all"},
          "consumes": {"a1": ["output/data/value"]},
          "produces": [],
          "reads": {"a1": 1},
          "reads_job": false
        }
      },
      "transitions": {"a1": [{"to": "blast", "codes": [200], "gate": "and"}]},
      "hooks": {}
    }
  ]
}
$json$::jsonb);
SELECT hotmesh.activate_version('sig', '1');

CREATE FUNCTION pg_temp.job(p_key text) RETURNS hotmesh.jobs
LANGUAGE sql AS $$ SELECT * FROM hotmesh.jobs WHERE key = p_key AND is_live $$;

CREATE FUNCTION pg_temp.status(p_key text) RETURNS integer
LANGUAGE sql AS $$ SELECT status FROM hotmesh.jobs WHERE key = p_key AND is_live $$;

CREATE FUNCTION pg_temp.data(p_key text) RETURNS jsonb
LANGUAGE sql AS $$ SELECT hotmesh.engine_job_data(id) FROM hotmesh.jobs WHERE key = p_key $$;

CREATE FUNCTION pg_temp.node(p_key text, p_aid text, p_dad text) RETURNS jsonb
LANGUAGE sql AS $$
    SELECT a.value FROM hotmesh.jobs_attributes a JOIN hotmesh.jobs j ON j.id = a.job_id
    WHERE j.key = p_key AND a.field = p_aid || '/' || p_dad
$$;

-- The signal rows of a job (its waiters, and early signals delivered to it).
CREATE FUNCTION pg_temp.signals(p_key text) RETURNS SETOF hotmesh.signals
LANGUAGE sql AS $$
    SELECT * FROM hotmesh.signals WHERE job_id = (pg_temp.job(p_key)).id ORDER BY id
$$;

-- Waiter registration and delivery ----------------------------------------------------------

SELECT hotmesh.pub('sig', 'sig.wait', '{"id": "a", "group": "g1"}');
SELECT results_eq(
    $$SELECT app_id, topic, signal_key, kind, activity_id, dimension, consumed_at
      FROM pg_temp.signals('a')$$,
    $$VALUES ('sig'::text, 'sig.go'::text, 'g1'::text, 'waiter'::text, 'listen'::text,
              ',0,0'::text, NULL::timestamptz)$$,
    'a waiting hook registers under the value its rule''s expected side resolves to');
SELECT is(pg_temp.status('a'), 1, 'the job waits');

SELECT is(hotmesh.engine_signal('sig', 'sig.go', '{"group": "g1", "value": 1}', 'success', 200),
          jsonb_build_array(jsonb_build_object(
              'job_id', (pg_temp.job('a')).id, 'aid', 'listen', 'dad', ',0,0', 'leg', 2,
              'kind', 'webhook', 'status', 'success', 'code', 200,
              'data', '{"group": "g1", "value": 1}'::jsonb)),
          'engine_signal resolves the rule''s actual side against the payload and returns the waiter''s leg 2');
SELECT is(pg_temp.status('a'), 1, 'engine_signal itself runs nothing');
SELECT is(hotmesh.signal('sig', 'sig.go', '{"group": "g1", "value": "first"}'), 'delivered',
          'signal delivers to the waiter with the same key');
SELECT is(pg_temp.data('a'), '{"got": "first"}'::jsonb, 'the waiter''s leg 2 ran with the payload');
SELECT is(pg_temp.status('a'), 0, 'and the job completed');
SELECT isnt((SELECT consumed_at FROM pg_temp.signals('a')), NULL,
            'the delivered registration is consumed');
SELECT is(hotmesh.signal('sig', 'sig.go', '{"group": "g1", "value": "second"}'), 'pending',
          'a second signal finds no waiter any more');
SELECT is(pg_temp.data('a'), '{"got": "first"}'::jsonb, 'and changes nothing in the job');

SELECT hotmesh.pub('sig', 'sig.wait', '{"id": "b", "group": "g2"}');
SELECT is(hotmesh.signal('sig', 'sig.go', '{"group": "other", "value": 1}'), 'pending',
          'a signal with another key does not reach the waiter');
SELECT is(pg_temp.status('b'), 1, 'which still waits');
SELECT throws_ok($$SELECT hotmesh.signal('sig', 'sig.nope', '{}')$$, 'P0002',
                 'no hook of app sig (version 1) listens to signal topic sig.nope',
                 'a signal topic no hook listens to raises P0002');

-- Early signals: kept, then delivered at registration ----------------------------------------

SELECT is(hotmesh.signal('sig', 'sig.go', '{"group": "g3", "value": "early"}'), 'pending',
          'a signal before its waiter is pending');
SELECT results_eq(
    $$SELECT kind, signal_key, payload, status, code, job_id, expires_at FROM hotmesh.signals
      WHERE kind = 'early' AND signal_key = 'g3'$$,
    $$VALUES ('early'::text, 'g3'::text, '{"group": "g3", "value": "early"}'::jsonb,
              'success'::text, 200, NULL::bigint, '2030-01-01 00:10:00+00'::timestamptz)$$,
    'it is kept as an early signal for 600 s, with its status and code');
SELECT hotmesh.advance_test_clock('5 seconds');
SELECT hotmesh.pub('sig', 'sig.wait', '{"id": "c", "group": "g3"}');
SELECT is(pg_temp.data('c'), '{"got": "early"}'::jsonb,
          'a waiter that registers later receives the early signal at once');
SELECT is(pg_temp.status('c'), 0, 'and its job goes on in the same transaction');
SELECT results_eq(
    $$SELECT kind, consumed_at FROM pg_temp.signals('c')$$,
    $$VALUES ('early'::text, '2030-01-01 00:00:05+00'::timestamptz),
             ('waiter'::text, '2030-01-01 00:00:05+00'::timestamptz)$$,
    'the early signal is consumed by (and linked to) the job, and so is the waiter');
SELECT hotmesh.pub('sig', 'sig.wait', '{"id": "c2", "group": "g3"}');
SELECT is(pg_temp.status('c2'), 1, 'an early signal is delivered once only');

SELECT hotmesh.signal('sig', 'sig.go', '{"group": "g4", "value": "stale"}');
SELECT hotmesh.advance_test_clock('600 seconds');
SELECT hotmesh.pub('sig', 'sig.wait', '{"id": "d", "group": "g4"}');
SELECT is(pg_temp.status('d'), 1, 'an early signal older than 600 s is not delivered');
SELECT is((SELECT consumed_at FROM hotmesh.signals WHERE signal_key = 'g4' AND kind = 'early'),
          NULL, 'and stays unconsumed');

SELECT hotmesh.signal('sig', 'sig.go', '{"group": "g5", "value": "e1"}');
SELECT hotmesh.signal('sig', 'sig.go', '{"group": "g5", "value": "e2"}');
SELECT hotmesh.pub('sig', 'sig.wait', '{"id": "e", "group": "g5"}');
SELECT is(pg_temp.data('e'), '{"got": "e1"}'::jsonb, 'early signals are delivered oldest first');

-- engine_register_waiter ----------------------------------------------------------------------

SELECT hotmesh.signal('sig', 'sig.go', '{"group": "g6", "value": "x"}');
SELECT hotmesh.pub('sig', 'sig.wait', '{"id": "f", "group": "g6"}', NULL, 60);
SELECT is(hotmesh.engine_register_waiter(pg_temp.job('f'), 'listen', ',0,9',
                                         '{"w1": {"output": {"data": {"group": "g6"}}}}'),
          jsonb_build_array(jsonb_build_object(
              'job_id', (pg_temp.job('f')).id, 'aid', 'listen', 'dad', ',0,9', 'leg', 2,
              'kind', 'webhook', 'status', 'success', 'code', 200,
              'data', '{"group": "g6", "value": "x"}'::jsonb)),
          'engine_register_waiter returns the leg 2 of an early signal with the same key');
SELECT results_eq(
    $$SELECT kind, signal_key, dimension FROM pg_temp.signals('f')$$,
    $$VALUES ('early'::text, 'g6'::text, NULL::text), ('waiter', 'g6', ',0,9')$$,
    'it registers the waiter and consumes the early signal for the job');
SELECT is(hotmesh.engine_register_waiter(pg_temp.job('f'), 'listen', ',0,10',
                                         '{"w1": {"output": {"data": {"group": "g7"}}}}'),
          '[]'::jsonb, 'without an early signal it returns nothing');
SELECT hotmesh.scrub('sig', 'f');

-- signal_all --------------------------------------------------------------------------------

SELECT hotmesh.pub('sig', 'sig.wait', format('{"id": "all-%s", "group": "h%s"}', n, n)::jsonb)
FROM generate_series(1, 3) n;
SELECT is(hotmesh.engine_signal_all('sig', 'sig.go', '{"value": 0}', 'success', 200, ARRAY['h2']),
          jsonb_build_array(jsonb_build_object(
              'job_id', (pg_temp.job('all-2')).id, 'aid', 'listen', 'dad', ',0,0', 'leg', 2,
              'kind', 'webhook', 'status', 'success', 'code', 200, 'data', '{"value": 0}'::jsonb)),
          'engine_signal_all returns the leg 2 of each waiter on the topic with one of the keys');
SELECT set_eq($$SELECT hotmesh.signal_all('sig', 'sig.go', '{"value": "some"}', 'success', 200,
                                          ARRAY['h1', 'h3'])$$,
              ARRAY['all-1', 'all-3'], 'signal_all with keys returns the jobs it reached');
SELECT is(pg_temp.data('all-1'), '{"got": "some"}'::jsonb, 'a reached waiter ran its leg 2');
SELECT is(pg_temp.status('all-2'), 1, 'a waiter with another key was not reached');
SELECT set_eq($$SELECT hotmesh.signal_all('sig', 'sig.go', '{"value": "rest"}')$$,
              ARRAY['all-2', 'b', 'c2', 'd'],
              'signal_all without keys reaches every open waiter of the topic');
SELECT is(pg_temp.data('b'), '{"got": "rest"}'::jsonb, 'with the same payload for all');
SELECT is((SELECT count(*)::int FROM hotmesh.signals WHERE kind = 'waiter' AND consumed_at IS NULL),
          0, 'no waiter is left open');
SELECT is((SELECT count(*)::int FROM hotmesh.signal_all('sig', 'sig.go', '{}')), 0,
          'signal_all without waiters reaches nobody');
SELECT is((SELECT count(*)::int FROM hotmesh.signals WHERE kind = 'early' AND payload = '{}'), 0,
          'and keeps nothing for later');

SELECT hotmesh.pub('sig', 'sig.wait', format('{"id": "blast-%s", "group": "b%s"}', n, n)::jsonb)
FROM generate_series(1, 2) n;
SELECT hotmesh.pub('sig', 'sig.all', '{"value": "blasted"}');
SELECT results_eq(
    $$SELECT key, hotmesh.engine_job_data(id) FROM hotmesh.jobs WHERE key LIKE 'blast-%' ORDER BY key$$,
    $$VALUES ('blast-1'::text, '{"got": "blasted"}'::jsonb), ('blast-2', '{"got": "blasted"}')$$,
    'a signal activity with subtype all signals every waiter of its topic');

-- Code 202 keeps a hook open ------------------------------------------------------------------

SELECT hotmesh.pub('sig', 'sig.inbox', '{"id": "k"}');
SELECT is(hotmesh.signal('sig', 'sig.msg', '{"id": "k", "n": 1}', 'pending', 202), 'delivered',
          'a 202 signal is delivered');
SELECT is(pg_temp.status('k'), 1, 'the hook stays open: the job still runs');
SELECT is((SELECT consumed_at FROM pg_temp.signals('k')), NULL, 'the registration stays open');
SELECT is(pg_temp.node('k', 'after', ',0,0,0') #> '{output,data}', '{"seen": 1}'::jsonb,
          'a transition for code 202 is taken: the first entry''s children run under ,0,0,0');
SELECT hotmesh.signal('sig', 'sig.msg', '{"id": "k", "n": 2}', 'pending', 202);
SELECT is(pg_temp.node('k', 'inbox', ',0,1') -> 'hook', '{"data": {"id": "k", "n": 2}}'::jsonb,
          'the second entry is stored in a new dimension (,0,1)');
SELECT is(pg_temp.node('k', 'inbox', ',0,0') -> 'hook', '{"data": {"id": "k", "n": 1}}'::jsonb,
          'without overwriting the first');
SELECT is(pg_temp.node('k', 'after', ',0,1,0') #> '{output,data}', '{"seen": 2}'::jsonb,
          'and its children read it under ,0,1,0');
SELECT is(pg_temp.data('k'), '{"last": 2}'::jsonb, 'job data follows each entry');
SELECT is(hotmesh.signal('sig', 'sig.msg', '{"id": "k", "n": 3}'), 'delivered',
          'a 200 signal is delivered');
SELECT is(pg_temp.status('k'), 0, 'and closes the hook: the job completes');
SELECT results_eq(
    $$SELECT leg2_count, finalized_at IS NOT NULL FROM hotmesh.activity_instances
      WHERE job_id = (pg_temp.job('k')).id AND activity_id = 'inbox'$$,
    $$VALUES (3, true)$$, 'the ledger counts three leg-2 entries on one instance');
SELECT isnt((SELECT consumed_at FROM pg_temp.signals('k')), NULL,
            'the registration is consumed by the 200');
SELECT is(hotmesh.signal('sig', 'sig.msg', '{"id": "k", "n": 4}'), 'pending',
          'a signal after that finds no waiter');

SELECT * FROM finish();
ROLLBACK;
