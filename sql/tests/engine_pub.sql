-- Starting jobs: hotmesh.pub and hotmesh.engine_start_job (job id, duplicate jobs, unknown
-- topics, apps without an active version, pending jobs).
BEGIN;
SELECT plan(41);

SET LOCAL hotmesh.clock = 'test';
SELECT hotmesh.set_test_clock('2030-01-01 00:00:00+00');

-- App pub, compiled below with pyhotmesh.compiler.compile_source (null fields left out
-- of the JSON: absent and null read the same) from this manifest:
-- app:
--   id: pub
--   version: '1'
--   graphs:
--     - subscribes: pub.start
--       expire: 120
--       activities:
--         t1:
--           type: trigger
--           stats: {id: '{$self.input.data.id}'}
--           entity: '{$self.input.data.kind}'
--           job: {maps: {input: '{$self.output.data.n}'}}
--         w1:
--           type: worker
--           topic: pub.work
--           input: {maps: {n: '{t1.output.data.n}'}}
--       transitions:
--         t1: [{to: w1}]
--     - subscribes: pub.now
--       activities:
--         n1:
--           type: trigger
--           job: {maps: {echo: '{$self.input.data.v}'}}
--     - subscribes: pub.fan
--       activities:
--         f1: {type: trigger}
--         x: {type: worker, topic: pub.x}
--         y: {type: worker, topic: pub.y}
--       transitions:
--         f1: [{to: x}, {to: y}]
SELECT hotmesh.deploy_version('pub', '1', '{}', $json$
{
  "app": {"id": "pub", "version": "1", "settings": {}},
  "graphs": [
    {
      "subscribes": "pub.start",
      "expire": {"sql": "CAST('120' AS JSONB)", "value": 120},
      "trigger": "t1",
      "activities": {
        "t1": {
          "id": "t1",
          "type": "trigger",
          "graph": "pub.start",
          "ancestors": [],
          "depth": 1,
          "children": ["w1"],
          "conditional": false,
          "expressions": {
            "stats.id": {"sql": "$1 #> ARRAY['t1', 'input', 'data', 'id']"},
            "entity": {"sql": "$1 #> ARRAY['t1', 'input', 'data', 'kind']"}
          },
          "maps": {"job": [{"key": "input", "sql": "$1 #> ARRAY['t1', 'output', 'data', 'n']"}]},
          "settings": {},
          "consumes": {"t1": ["input/data/id", "input/data/kind", "output/data/n"]},
          "produces": ["input/data/id", "input/data/kind", "output/data/n"],
          "reads": {"t1": 1},
          "reads_job": false
        },
        "w1": {
          "id": "w1",
          "type": "worker",
          "graph": "pub.start",
          "parent": "t1",
          "ancestors": ["t1"],
          "depth": 2,
          "children": [],
          "conditional": false,
          "expressions": {"topic": {"sql": "CAST('\"pub.work\"' AS JSONB)", "value": "pub.work"}},
          "maps": {
            "input": {
              "sql": "hotmesh.map_object(CAST(ARRAY['n'] AS TEXT[]), CAST(ARRAY[$1 #> ARRAY['t1', 'output', 'data', 'n']] AS JSONB[]))"
            }
          },
          "settings": {},
          "consumes": {"t1": ["output/data/n"]},
          "produces": [],
          "reads": {"t1": 1},
          "reads_job": false
        }
      },
      "transitions": {"t1": [{"to": "w1", "codes": [200], "gate": "and"}]},
      "hooks": {}
    },
    {
      "subscribes": "pub.now",
      "trigger": "n1",
      "activities": {
        "n1": {
          "id": "n1",
          "type": "trigger",
          "graph": "pub.now",
          "ancestors": [],
          "depth": 1,
          "children": [],
          "conditional": false,
          "expressions": {},
          "maps": {"job": [{"key": "echo", "sql": "$1 #> ARRAY['n1', 'input', 'data', 'v']"}]},
          "settings": {},
          "consumes": {"n1": ["input/data/v"]},
          "produces": ["input/data/v"],
          "reads": {"n1": 1},
          "reads_job": false
        }
      },
      "transitions": {},
      "hooks": {}
    },
    {
      "subscribes": "pub.fan",
      "trigger": "f1",
      "activities": {
        "f1": {
          "id": "f1",
          "type": "trigger",
          "graph": "pub.fan",
          "ancestors": [],
          "depth": 1,
          "children": ["x", "y"],
          "conditional": false,
          "expressions": {},
          "maps": {},
          "settings": {},
          "consumes": {},
          "produces": [],
          "reads": {},
          "reads_job": false
        },
        "x": {
          "id": "x",
          "type": "worker",
          "graph": "pub.fan",
          "parent": "f1",
          "ancestors": ["f1"],
          "depth": 2,
          "children": [],
          "conditional": false,
          "expressions": {"topic": {"sql": "CAST('\"pub.x\"' AS JSONB)", "value": "pub.x"}},
          "maps": {},
          "settings": {},
          "consumes": {},
          "produces": [],
          "reads": {},
          "reads_job": false
        },
        "y": {
          "id": "y",
          "type": "worker",
          "graph": "pub.fan",
          "parent": "f1",
          "ancestors": ["f1"],
          "depth": 2,
          "children": [],
          "conditional": false,
          "expressions": {"topic": {"sql": "CAST('\"pub.y\"' AS JSONB)", "value": "pub.y"}},
          "maps": {},
          "settings": {},
          "consumes": {},
          "produces": [],
          "reads": {},
          "reads_job": false
        }
      },
      "transitions": {
        "f1": [{"to": "x", "codes": [200], "gate": "and"}, {"to": "y", "codes": [200], "gate": "and"}]
      },
      "hooks": {}
    }
  ]
}
$json$::jsonb);
SELECT hotmesh.activate_version('pub', '1');
-- App idle, compiled below with pyhotmesh.compiler.compile_source (null fields left out
-- of the JSON: absent and null read the same) from this manifest:
-- app:
--   id: idle
--   version: '1'
--   graphs:
--     - subscribes: idle.start
--       activities:
--         t1: {type: trigger}
SELECT hotmesh.deploy_version('idle', '1', '{}', $json$
{
  "app": {"id": "idle", "version": "1", "settings": {}},
  "graphs": [
    {
      "subscribes": "idle.start",
      "trigger": "t1",
      "activities": {
        "t1": {
          "id": "t1",
          "type": "trigger",
          "graph": "idle.start",
          "ancestors": [],
          "depth": 1,
          "children": [],
          "conditional": false,
          "expressions": {},
          "maps": {},
          "settings": {},
          "consumes": {},
          "produces": [],
          "reads": {},
          "reads_job": false
        }
      },
      "transitions": {},
      "hooks": {}
    }
  ]
}
$json$::jsonb);

-- A snapshot of everything a pub can write, to show that a refused one wrote nothing.
CREATE FUNCTION pg_temp.footprint() RETURNS jsonb
LANGUAGE sql AS $$
    SELECT jsonb_build_object(
        'jobs', (SELECT jsonb_agg(to_jsonb(j) ORDER BY j.id) FROM hotmesh.jobs j),
        'attributes', (SELECT jsonb_agg(to_jsonb(a) ORDER BY a.job_id, a.field)
                       FROM hotmesh.jobs_attributes a),
        'ledger', (SELECT jsonb_agg(to_jsonb(i) ORDER BY i.job_id, i.activity_id, i.dimension)
                   FROM hotmesh.activity_instances i),
        'messages', (SELECT jsonb_agg(to_jsonb(m) ORDER BY m.id) FROM hotmesh.worker_streams m))
$$;

-- The job id comes from the trigger's stats.id ---------------------------------------------

SELECT is(hotmesh.pub('pub', 'pub.start', '{"id": "order-1", "n": 5, "kind": "order"}'),
          'order-1', 'pub returns the job id the trigger''s stats.id resolves to');
SELECT results_eq(
    $$SELECT app_id, version, topic, status, is_live, entity FROM hotmesh.jobs
      WHERE key = 'order-1'$$,
    $$VALUES ('pub'::text, '1'::text, 'pub.start'::text, 1, true, 'order'::text)$$,
    'the job runs on the active version with one open obligation (its worker) and its entity');
SELECT matches((SELECT gid FROM hotmesh.jobs WHERE key = 'order-1'), '^[0-9a-f]{32}$',
               'the job gets a generation id');
SELECT is((SELECT created_at FROM hotmesh.jobs WHERE key = 'order-1'),
          '2030-01-01 00:00:00+00'::timestamptz, 'the job is created at hotmesh.now()');
SELECT is((SELECT origin_key FROM hotmesh.jobs WHERE key = 'order-1'), 'order-1',
          'a job without a parent is its own origin');
SELECT is((SELECT expired_at FROM hotmesh.jobs WHERE key = 'order-1'), NULL,
          'a running job does not expire');
SELECT is((SELECT a.value FROM hotmesh.jobs_attributes a JOIN hotmesh.jobs j ON j.id = a.job_id
           WHERE j.key = 'order-1' AND a.field = 't1/,0') - 'output',
          '{"input": {"data": {"id": "order-1", "n": 5, "kind": "order"}}}'::jsonb,
          'the trigger''s input is the published data');
SELECT is((SELECT a.value #> '{output,data}' FROM hotmesh.jobs_attributes a
           JOIN hotmesh.jobs j ON j.id = a.job_id
           WHERE j.key = 'order-1' AND a.field = 't1/,0'),
          '{"id": "order-1", "n": 5, "kind": "order"}'::jsonb,
          'the trigger''s output is the published data too');
SELECT is((SELECT (a.value #> '{output,metadata}') - 'ac' FROM hotmesh.jobs_attributes a
           JOIN hotmesh.jobs j ON j.id = a.job_id
           WHERE j.key = 'order-1' AND a.field = 't1/,0'),
          '{"aid": "t1", "dad": ",0", "atp": "trigger"}'::jsonb,
          'the trigger''s metadata names it, its address and its type');
SELECT is(hotmesh.engine_job_data((SELECT id FROM hotmesh.jobs WHERE key = 'order-1')),
          '{"input": 5}'::jsonb, 'the trigger''s job.maps are applied');
SELECT ok((SELECT finalized_at IS NOT NULL AND arrivals = 1 FROM hotmesh.activity_instances i
           JOIN hotmesh.jobs j ON j.id = i.job_id
           WHERE j.key = 'order-1' AND i.activity_id = 't1' AND i.dimension = ',0'),
          'the trigger is recorded in the ledger as run and finalized');
SELECT results_eq(
    $$SELECT stream_name, job_key, activity_id, dimension, message -> 'data' FROM hotmesh.worker_streams$$,
    $$VALUES ('pub.work'::text, 'order-1'::text, 'w1'::text, ',0,0'::text, '{"n": 5}'::jsonb)$$,
    'the cascade ran on: the worker''s message is published with its mapped input');

-- Duplicate job ids --------------------------------------------------------------------------

CREATE TEMP TABLE before_dup AS SELECT pg_temp.footprint() AS doc;
SELECT throws_ok(
    $$SELECT hotmesh.pub('pub', 'pub.start', '{"id": "order-1", "n": 6}')$$,
    '23505', 'duplicate job: order-1 already exists in app pub',
    'a second job with the id of a live job raises 23505');
SELECT is(pg_temp.footprint(), (SELECT doc FROM before_dup),
          'the refused duplicate changed nothing (jobs, attributes, ledger, messages)');

-- A job id from the caller, and a generated one ---------------------------------------------

SELECT is(hotmesh.pub('pub', 'pub.now', '{"v": 1}', '{"metadata": {"jid": "given-1"}}'),
          'given-1', 'without stats.id the caller''s metadata.jid is the job id');
SELECT matches(hotmesh.pub('pub', 'pub.now', '{"v": 2}'), '^H[0-9a-f]{32}$',
               'without either a job id is generated');
SELECT is((SELECT count(*)::int FROM hotmesh.jobs WHERE topic = 'pub.now'), 2,
          'each pub without an id makes a new job');

-- A trigger without children completes inside pub -------------------------------------------

SELECT is((SELECT status FROM hotmesh.jobs WHERE key = 'given-1'), 0,
          'a trigger without children completes the job at once');
SELECT is((SELECT expired_at FROM hotmesh.jobs WHERE key = 'given-1'),
          '2030-01-01 00:00:01+00'::timestamptz,
          'a completed job expires after the default 1 s');
SELECT is(hotmesh.engine_job_data((SELECT id FROM hotmesh.jobs WHERE key = 'given-1')),
          '{"echo": 1}'::jsonb, 'its job data is what its trigger mapped');
SELECT throws_ok(
    $$SELECT hotmesh.pub('pub', 'pub.now', '{}', '{"metadata": {"jid": "given-1"}}')$$,
    '23505', 'duplicate job: given-1 already exists in app pub',
    'a completed job keeps its id until it expires');
SELECT hotmesh.advance_test_clock('1 second');
SELECT is(hotmesh.pub('pub', 'pub.now', '{"v": 3}', '{"metadata": {"jid": "given-1"}}'),
          'given-1', 'an expired job gives its id up to a new job');
SELECT results_eq(
    $$SELECT is_live, engine_job_data FROM hotmesh.jobs j,
             hotmesh.engine_job_data(j.id) engine_job_data
      WHERE key = 'given-1' ORDER BY id$$,
    $$VALUES (false, '{"echo": 1}'::jsonb), (true, '{"echo": 3}'::jsonb)$$,
    'the expired job is kept but no longer live; the new one is live with its own data');
SELECT isnt((SELECT gid FROM hotmesh.jobs WHERE key = 'given-1' AND is_live),
            (SELECT gid FROM hotmesh.jobs WHERE key = 'given-1' AND NOT is_live),
            'the new job has a new generation id');
CREATE TEMP TABLE published AS
SELECT * FROM hotmesh.pub_job('pub', 'pub.now', '{"v": 4}', '{"metadata": {"jid": "given-2"}}');
SELECT results_eq(
    $$SELECT job_key, job_gid FROM published$$,
    $$SELECT key, gid FROM hotmesh.jobs WHERE key = 'given-2'$$,
    'pub_job returns the job id and the job''s generation id');

-- Parallel children --------------------------------------------------------------------------

SELECT hotmesh.pub('pub', 'pub.fan', '{}', '{"metadata": {"jid": "fan-1"}}');
SELECT is((SELECT status FROM hotmesh.jobs WHERE key = 'fan-1'), 2,
          'a trigger with two children leaves two open obligations');
SELECT results_eq(
    $$SELECT stream_name, dimension FROM hotmesh.worker_streams WHERE job_key = 'fan-1'
      ORDER BY id$$,
    $$VALUES ('pub.x'::text, ',0,0'::text), ('pub.y'::text, ',0,0'::text)$$,
    'both children ran, in YAML order, each at the child address ,0,0');

-- Refused pubs -------------------------------------------------------------------------------

SELECT throws_ok($$SELECT hotmesh.pub('pub', 'nope', '{}')$$, 'P0002',
                 'no graph of app pub (version 1) subscribes to topic nope',
                 'an unknown topic raises P0002');
SELECT throws_ok($$SELECT hotmesh.pub('idle', 'idle.start', '{}')$$, 'P0002',
                 'app idle has no active version (deploy and activate one first)',
                 'an app whose version was deployed but not activated raises P0002');
SELECT throws_ok($$SELECT hotmesh.pub('ghost', 'ghost.start', '{}')$$, 'P0002',
                 'app ghost has no active version (deploy and activate one first)',
                 'an unknown app raises P0002');
SELECT throws_ok($$SELECT hotmesh.pub('pub', 'pub.start', '[1, 2]')$$, '22023',
                 'pub: data must be a JSON object, got array',
                 'data that is not an object is refused');
SELECT is((SELECT count(*)::int FROM hotmesh.jobs WHERE app_id IN ('idle', 'ghost')), 0,
          'refused pubs create no job');

-- Pending jobs --------------------------------------------------------------------------------

SELECT is(hotmesh.pub('pub', 'pub.start', '{"id": "later-1", "n": 1}', NULL, 60), 'later-1',
          'a pending pub returns the job id');
SELECT is((SELECT status FROM hotmesh.jobs WHERE key = 'later-1'), -1,
          'a pending job''s semaphore is -1');
SELECT is((SELECT expired_at FROM hotmesh.jobs WHERE key = 'later-1'),
          '2030-01-01 00:01:01+00'::timestamptz, 'a pending job expires after the seconds given');
SELECT is((SELECT count(*)::int FROM hotmesh.worker_streams WHERE job_key = 'later-1'), 0,
          'a pending job runs nothing after its trigger');
SELECT is(hotmesh.engine_job_data((SELECT id FROM hotmesh.jobs WHERE key = 'later-1')),
          '{"input": 1}'::jsonb, 'a pending job''s trigger still maps its job data');

-- engine_start_job: the trigger only, returning the work that follows ------------------------

CREATE TEMP TABLE started AS
SELECT hotmesh.engine_start_job('pub', 'pub.start', '{"id": "direct-1", "n": 2}', '{}', NULL) AS doc;
SELECT is((SELECT doc ->> 'key' FROM started), 'direct-1', 'engine_start_job returns the job id');
SELECT is((SELECT (doc ->> 'job_id')::bigint FROM started),
          (SELECT id FROM hotmesh.jobs WHERE key = 'direct-1'),
          'and the job''s row id');
SELECT is((SELECT doc -> 'items' FROM started),
          jsonb_build_array(jsonb_build_object(
              'job_id', (SELECT id FROM hotmesh.jobs WHERE key = 'direct-1'),
              'aid', 'w1', 'dad', ',0,0', 'leg', 1, 'from', 't1')),
          'and the leg-1 items of the trigger''s children');
SELECT is((SELECT count(*)::int FROM hotmesh.worker_streams WHERE job_key = 'direct-1'), 0,
          'it runs none of them itself');

SELECT * FROM finish();
ROLLBACK;
