-- The secured worker API (R__worker_secured.sql): every function allowed on the caller's own
-- streams, denied on others', denied to a revoked role; what a session sets itself never
-- widens its access. The caller is switched with SET SESSION AUTHORIZATION (session_user is
-- what the functions trust); logins over TCP are tested in tests/test_worker_roles.py.
BEGIN;
SELECT plan(89);

-- App sec: trigger t1 -> worker w1 (topic sec.w1) -> worker w2 (topic sec.w2), compiled with
-- pyhotmesh.compiler.compile_source (null fields left out) from:
--   app: {id: sec, version: '1', graphs: [{subscribes: sec.start, activities: {
--     t1: {type: trigger, stats: {id: '{$self.input.data.id}'}},
--     w1: {type: worker, topic: sec.w1, input: {maps: {n: '{t1.output.data.n}'}},
--          job: {maps: {r1: '{$self.output.data.v}'}}},
--     w2: {type: worker, topic: sec.w2, input: {maps: {v: '{w1.output.data.v}'}},
--          job: {maps: {r2: '{$self.output.data.v}'}}}},
--     transitions: {t1: [{to: w1}], w1: [{to: w2}]}}]}
SELECT hotmesh.deploy_version('sec', '1', '{}', $json$
{
  "app": {"id": "sec", "version": "1", "settings": {}},
  "graphs": [
    {
      "subscribes": "sec.start",
      "trigger": "t1",
      "activities": {
        "t1": {
          "id": "t1",
          "type": "trigger",
          "graph": "sec.start",
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
          "graph": "sec.start",
          "parent": "t1",
          "ancestors": ["t1"],
          "depth": 2,
          "children": ["w2"],
          "conditional": false,
          "expressions": {"topic": {"sql": "CAST('\"sec.w1\"' AS JSONB)", "value": "sec.w1"}},
          "maps": {
            "input": {
              "sql": "hotmesh.map_object(CAST(ARRAY['n'] AS TEXT[]), CAST(ARRAY[$1 #> ARRAY['t1', 'output', 'data', 'n']] AS JSONB[]))"
            },
            "job": [{"key": "r1", "sql": "$1 #> ARRAY['w1', 'output', 'data', 'v']"}]
          },
          "settings": {},
          "consumes": {"t1": ["output/data/n"], "w1": ["output/data/v"]},
          "produces": ["output/data/v"],
          "reads": {"t1": 1, "w1": 2},
          "reads_job": false
        },
        "w2": {
          "id": "w2",
          "type": "worker",
          "graph": "sec.start",
          "parent": "w1",
          "ancestors": ["t1", "w1"],
          "depth": 3,
          "children": [],
          "conditional": false,
          "expressions": {"topic": {"sql": "CAST('\"sec.w2\"' AS JSONB)", "value": "sec.w2"}},
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
    }
  ]
}
$json$::jsonb);
SELECT hotmesh.activate_version('sec', '1');

-- Workers ------------------------------------------------------------------------------------
--   a: the worker under test (app sec: sec.plain, sec.w1, sec.w2)
--   b: another worker of app sec (sec.w9)
--   o: a worker of app other, with the same stream names as a
--   r: a revoked worker of app sec (sec.plain, sec.w1)
CREATE TEMP TABLE who (k text PRIMARY KEY, role_name text NOT NULL);
INSERT INTO who
SELECT 'a', role_name FROM hotmesh.provision_worker_role('sec', '{sec.plain,sec.w1,sec.w2}')
UNION ALL
SELECT 'b', role_name FROM hotmesh.provision_worker_role('sec', '{sec.w9}')
UNION ALL
SELECT 'o', role_name FROM hotmesh.provision_worker_role('other', '{sec.plain,sec.w1}')
UNION ALL
SELECT 'r', role_name FROM hotmesh.provision_worker_role('sec', '{sec.plain,sec.w1}');
SELECT hotmesh.revoke_worker_role(role_name) FROM who WHERE k = 'r';

-- Run p_sql as worker p_who (its session_user too): the rows of a query as a JSON array ('[]'
-- for other statements), or its error as {sqlstate, message}.
CREATE FUNCTION pg_temp.as_worker(p_who text, p_sql text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_result jsonb := '[]';
BEGIN
    EXECUTE format('SET LOCAL SESSION AUTHORIZATION %I',
                   (SELECT role_name FROM pg_temp.who WHERE k = p_who));
    BEGIN
        IF p_sql ~* '^\s*select' THEN
            EXECUTE format('SELECT coalesce(jsonb_agg(to_jsonb(r)), ''[]'') FROM (%s) r', p_sql)
            INTO v_result;
        ELSE
            EXECUTE p_sql;
        END IF;
    EXCEPTION WHEN OTHERS THEN
        v_result := jsonb_build_object('sqlstate', SQLSTATE, 'message', SQLERRM);
    END;
    RESET SESSION AUTHORIZATION;
    RETURN v_result;
END
$$;

-- The refusal of a stream not allowed.
CREATE FUNCTION pg_temp.denied(p_stream text) RETURNS jsonb
LANGUAGE sql AS $$
    SELECT jsonb_build_object('sqlstate', '42501', 'message',
                              format('access denied: stream "%s" not in allowed streams', p_stream))
$$;

-- The refusal of a channel not allowed.
CREATE FUNCTION pg_temp.denied_channel(p_channel text) RETURNS jsonb
LANGUAGE sql AS $$
    SELECT jsonb_build_object('sqlstate', '42501', 'message',
        format('access denied: channel "%s" is not the channel of an allowed stream', p_channel))
$$;

-- The stored row of the message whose "n" field is p_n.
CREATE FUNCTION pg_temp.msg(p_n text) RETURNS hotmesh.worker_streams
LANGUAGE sql AS $$ SELECT * FROM hotmesh.worker_streams WHERE message ->> 'n' = p_n $$;

-- The worker message of job p_key for activity p_aid.
CREATE FUNCTION pg_temp.job_msg(p_key text, p_aid text) RETURNS hotmesh.worker_streams
LANGUAGE sql AS $$
    SELECT * FROM hotmesh.worker_streams WHERE job_key = p_key AND activity_id = p_aid
    ORDER BY id DESC LIMIT 1
$$;

-- A lease call (ack, heartbeat, release) of message p_n, delivery 1, by consumer ca.
CREATE FUNCTION pg_temp.lease_sql(p_function text, p_n text) RETURNS text
LANGUAGE sql AS $$
    SELECT format('SELECT count(*) AS held FROM hotmesh.%I(%L, ARRAY[%s]::bigint[], ARRAY[1])',
                  p_function, 'ca', (pg_temp.msg(p_n)).id)
$$;

SELECT hotmesh.stream_publish('sec', 'sec.plain',
    '[{"n": "p1"}, {"n": "p2"}, {"n": "p3"}, {"n": "p4"}, {"n": "p5"}, {"n": "p6"}]');
SELECT hotmesh.stream_publish('sec', 'sec.w9', '{"n": "x9"}');
SELECT hotmesh.stream_publish('other', 'sec.plain', '{"n": "o1"}');

-- Revoked: the role left hotmesh_worker, and its credential refuses it even when the group is
-- granted again by hand -----------------------------------------------------------------------

SELECT matches(pg_temp.as_worker('r', $$SELECT * FROM hotmesh.worker_dequeue('sec', 'sec.plain', 'cr')$$)
               ->> 'message', '^permission denied for schema hotmesh',
               'a revoked role may not even reach the secured functions');
SELECT set_config('test.r_role', role_name, true) FROM who WHERE k = 'r';
DO $$ BEGIN EXECUTE format('GRANT hotmesh_worker TO %I', current_setting('test.r_role')); END $$;

-- Dequeue ------------------------------------------------------------------------------------

SELECT is(pg_temp.as_worker('a', $$SELECT message ->> 'n' AS n, delivery
                                   FROM hotmesh.worker_dequeue('sec', 'sec.plain', 'ca', 6, 30000)$$),
          '[{"n": "p1", "delivery": 1}, {"n": "p2", "delivery": 1}, {"n": "p3", "delivery": 1},
            {"n": "p4", "delivery": 1}, {"n": "p5", "delivery": 1}, {"n": "p6", "delivery": 1}]',
          'worker_dequeue: a worker dequeues from its own stream');
SELECT is(pg_temp.as_worker('b', $$SELECT * FROM hotmesh.worker_dequeue('sec', 'sec.plain', 'cb')$$),
          pg_temp.denied('sec.plain'), 'worker_dequeue: another stream of the app is denied');
SELECT is(pg_temp.as_worker('o', $$SELECT * FROM hotmesh.worker_dequeue('sec', 'sec.plain', 'co')$$),
          pg_temp.denied('sec.plain'),
          'worker_dequeue: the same stream name of another app is denied');
SELECT is(pg_temp.as_worker('r', $$SELECT * FROM hotmesh.worker_dequeue('sec', 'sec.plain', 'cr')$$),
          pg_temp.denied('sec.plain'), 'worker_dequeue: a revoked role is denied');
SELECT is(pg_temp.as_worker('o', $$SELECT message ->> 'n' AS n
                                   FROM hotmesh.worker_dequeue('other', 'sec.plain', 'co')$$),
          '[{"n": "o1"}]', 'worker_dequeue: each app''s worker gets its own app''s messages');
SELECT ok((pg_temp.msg('x9')).reserved_at IS NULL, 'denied dequeues leased nothing');
SELECT is(pg_temp.as_worker('a', $$SELECT hotmesh.worker_reclaim('sec', 'sec.plain') AS n$$),
          '[{"n": 0}]', 'worker_reclaim: a worker sweeps its own stream');
SELECT is(pg_temp.as_worker('b', $$SELECT hotmesh.worker_reclaim('sec', 'sec.plain')$$),
          pg_temp.denied('sec.plain'), 'worker_reclaim: another stream of the app is denied');

-- Ack, heartbeat, release ---------------------------------------------------------------------

SELECT is(pg_temp.as_worker('a', pg_temp.lease_sql('worker_ack', 'p1')), '[{"held": 1}]',
          'worker_ack: a worker acks a message of its stream');
SELECT ok((pg_temp.msg('p1')).expired_at IS NOT NULL, 'worker_ack: the message is done');
SELECT is(pg_temp.as_worker('b', pg_temp.lease_sql('worker_ack', 'p2')),
          pg_temp.denied('sec.plain'), 'worker_ack: a message of another stream is denied');
SELECT is(pg_temp.as_worker('r', pg_temp.lease_sql('worker_ack', 'p2')) ->> 'sqlstate', '42501',
          'worker_ack: a revoked role is denied');
SELECT is(pg_temp.as_worker('a', format(
              'SELECT * FROM hotmesh.worker_ack(%L, ARRAY[%s, %s]::bigint[], ARRAY[1, 1])',
              'ca', (pg_temp.msg('p2')).id, (pg_temp.msg('x9')).id)),
          pg_temp.denied('sec.w9'), 'worker_ack: a batch naming another stream is denied whole');
SELECT is(pg_temp.as_worker('a', pg_temp.lease_sql('worker_ack', 'o1')),
          pg_temp.denied('sec.plain'),
          'worker_ack: a message of the same stream name in another app is denied');
SELECT ok((pg_temp.msg('p2')).expired_at IS NULL AND (pg_temp.msg('o1')).expired_at IS NULL,
          'worker_ack: denied acks acked nothing');

SELECT is(pg_temp.as_worker('a', pg_temp.lease_sql('worker_heartbeat', 'p2')), '[{"held": 1}]',
          'worker_heartbeat: a worker extends its lease');
SELECT is(pg_temp.as_worker('b', pg_temp.lease_sql('worker_heartbeat', 'p2')),
          pg_temp.denied('sec.plain'), 'worker_heartbeat: a message of another stream is denied');
SELECT is(pg_temp.as_worker('r', pg_temp.lease_sql('worker_heartbeat', 'p2')) ->> 'sqlstate',
          '42501', 'worker_heartbeat: a revoked role is denied');

SELECT is(pg_temp.as_worker('b', pg_temp.lease_sql('worker_release', 'p2')),
          pg_temp.denied('sec.plain'), 'worker_release: a message of another stream is denied');
SELECT is(pg_temp.as_worker('r', pg_temp.lease_sql('worker_release', 'p2')) ->> 'sqlstate',
          '42501', 'worker_release: a revoked role is denied');
SELECT ok((pg_temp.msg('p2')).reserved_by = 'ca', 'denied releases released nothing');
SELECT is(pg_temp.as_worker('a', pg_temp.lease_sql('worker_release', 'p2')), '[{"held": 1}]',
          'worker_release: a worker gives its message back');
SELECT ok((pg_temp.msg('p2')).reserved_at IS NULL, 'worker_release: the message is ready again');

-- Fail, dead-letter --------------------------------------------------------------------------

SELECT is(pg_temp.as_worker('b', format(
              $$SELECT * FROM hotmesh.worker_fail('ca', %s, 1, '{"message": "x"}')$$,
              (pg_temp.msg('p3')).id)),
          pg_temp.denied('sec.plain'), 'worker_fail: a message of another stream is denied');
SELECT is(pg_temp.as_worker('r', format(
              $$SELECT * FROM hotmesh.worker_fail('ca', %s, 1, '{"message": "x"}')$$,
              (pg_temp.msg('p3')).id)) ->> 'sqlstate',
          '42501', 'worker_fail: a revoked role is denied');
SELECT is(pg_temp.as_worker('a', format(
              $$SELECT outcome, attempt FROM hotmesh.worker_fail('ca', %s, 1, '{"message": "x"}')$$,
              (pg_temp.msg('p3')).id)),
          '[{"outcome": "retried", "attempt": 1}]', 'worker_fail: a worker fails its message');

SELECT is(pg_temp.as_worker('b', format(
              $$SELECT hotmesh.worker_dead_letter('ca', %s, 1, 'poison') AS held$$,
              (pg_temp.msg('p4')).id)),
          pg_temp.denied('sec.plain'), 'worker_dead_letter: a message of another stream is denied');
SELECT is(pg_temp.as_worker('r', format(
              $$SELECT hotmesh.worker_dead_letter('ca', %s, 1, 'poison') AS held$$,
              (pg_temp.msg('p4')).id)) ->> 'sqlstate',
          '42501', 'worker_dead_letter: a revoked role is denied');
SELECT ok((pg_temp.msg('p4')).dead_lettered_at IS NULL, 'denied dead-letters changed nothing');
SELECT is(pg_temp.as_worker('a', format(
              $$SELECT hotmesh.worker_dead_letter('ca', %s, 1, 'poison') AS held$$,
              (pg_temp.msg('p4')).id)),
          '[{"held": true}]', 'worker_dead_letter: a worker dead-letters its message');

-- Channel and listeners ------------------------------------------------------------------------

SELECT is(pg_temp.as_worker('a', $$SELECT hotmesh.worker_channel('sec', 'sec.plain') AS c$$),
          jsonb_build_array(jsonb_build_object('c', hotmesh.stream_channel('sec', 'sec.plain'))),
          'worker_channel: a worker learns its stream''s channel');
SELECT is(pg_temp.as_worker('b', $$SELECT hotmesh.worker_channel('sec', 'sec.plain') AS c$$),
          pg_temp.denied('sec.plain'), 'worker_channel: another stream is denied');
SELECT is(pg_temp.as_worker('r', $$SELECT hotmesh.worker_channel('sec', 'sec.plain') AS c$$),
          pg_temp.denied('sec.plain'), 'worker_channel: a revoked role is denied');

-- (a worker registering its own LISTEN session needs a real login: tests/test_worker_roles.py)
SELECT is(pg_temp.as_worker('a', format('SELECT 1 AS ok FROM hotmesh.worker_listen_idle(%L, %L, %s)',
                                        hotmesh.stream_channel('sec', 'sec.plain'), 'ca',
                                        pg_backend_pid())),
          jsonb_build_object('sqlstate', '42501', 'message', format(
              'access denied: backend %s is not a session of role "%s"', pg_backend_pid(),
              (SELECT role_name FROM who WHERE k = 'a'))),
          'worker_listen_idle: a worker registers no session but its own');
SELECT is(pg_temp.as_worker('b', format('SELECT 1 AS ok FROM hotmesh.worker_listen_idle(%L, %L, %s)',
                                        hotmesh.stream_channel('sec', 'sec.plain'), 'cb',
                                        pg_backend_pid())),
          pg_temp.denied_channel(hotmesh.stream_channel('sec', 'sec.plain')),
          'worker_listen_idle: the channel of another stream is denied');
SELECT is(pg_temp.as_worker('a', format('SELECT 1 AS ok FROM hotmesh.worker_listen_idle(%L, %L, %s)',
                                        hotmesh.job_channel('sec'), 'ca', pg_backend_pid())),
          pg_temp.denied_channel(hotmesh.job_channel('sec')),
          'worker_listen_idle: the app''s job channel is denied');
SELECT is(pg_temp.as_worker('r', format('SELECT 1 AS ok FROM hotmesh.worker_listen_idle(%L, %L, %s)',
                                        hotmesh.stream_channel('sec', 'sec.plain'), 'cr',
                                        pg_backend_pid())),
          pg_temp.denied_channel(hotmesh.stream_channel('sec', 'sec.plain')),
          'worker_listen_idle: a revoked role is denied');
SELECT ok(NOT EXISTS (SELECT 1 FROM hotmesh.stream_listeners),
          'denied registrations registered nothing');

SELECT hotmesh.listen_idle(hotmesh.stream_channel('sec', 'sec.plain'), 'ca', pg_backend_pid());
SELECT is(pg_temp.as_worker('b', format('SELECT 1 AS ok FROM hotmesh.worker_listen_busy(%L, %L)',
                                        hotmesh.stream_channel('sec', 'sec.plain'), 'ca')),
          pg_temp.denied_channel(hotmesh.stream_channel('sec', 'sec.plain')),
          'worker_listen_busy: the channel of another stream is denied');
SELECT is(pg_temp.as_worker('r', format('SELECT 1 AS ok FROM hotmesh.worker_listen_busy(%L, %L)',
                                        hotmesh.stream_channel('sec', 'sec.plain'), 'ca')),
          pg_temp.denied_channel(hotmesh.stream_channel('sec', 'sec.plain')),
          'worker_listen_busy: a revoked role is denied');
SELECT is((SELECT count(*) FROM hotmesh.stream_listeners), 1::bigint,
          'denied unregistrations removed nothing');
SELECT is(pg_temp.as_worker('a', format('SELECT 1 AS ok FROM hotmesh.worker_listen_busy(%L, %L)',
                                        hotmesh.stream_channel('sec', 'sec.plain'), 'ca')),
          '[{"ok": 1}]', 'worker_listen_busy: a worker leaves its channel');
SELECT ok(NOT EXISTS (SELECT 1 FROM hotmesh.stream_listeners),
          'worker_listen_busy: the registration is gone');

-- Respond, respond_next, respond_batch ---------------------------------------------------------

SELECT hotmesh.pub('sec', 'sec.start', format('{"id": "%s", "n": 1}', k)::jsonb)
FROM unnest(ARRAY['j1', 'j2', 'j3', 'j4']) k;

SELECT is(pg_temp.as_worker('b', format($$SELECT hotmesh.worker_respond(%s, '{"data": {"v": 5}}') AS o$$,
                                        (pg_temp.job_msg('j1', 'w1')).id)),
          pg_temp.denied('sec.w1'), 'worker_respond: a message of another stream is denied');
SELECT is(pg_temp.as_worker('o', format($$SELECT hotmesh.worker_respond(%s, '{"data": {"v": 5}}') AS o$$,
                                        (pg_temp.job_msg('j1', 'w1')).id)),
          pg_temp.denied('sec.w1'),
          'worker_respond: a message of the same stream name in another app is denied');
SELECT is(pg_temp.as_worker('r', format($$SELECT hotmesh.worker_respond(%s, '{"data": {"v": 5}}') AS o$$,
                                        (pg_temp.job_msg('j1', 'w1')).id)) ->> 'sqlstate',
          '42501', 'worker_respond: a revoked role is denied');
SELECT ok((pg_temp.job_msg('j1', 'w1')).responded_at IS NULL
          AND pg_temp.job_msg('j1', 'w2') IS NULL,
          'denied responses moved the job on not at all');
SELECT is(pg_temp.as_worker('a', format($$SELECT hotmesh.worker_respond(%s, '{"data": {"v": 5}}') AS o$$,
                                        (pg_temp.job_msg('j1', 'w1')).id)),
          '[{"o": "applied"}]', 'worker_respond: a worker answers an engine message');
SELECT is((SELECT hotmesh.engine_job_data(id) ->> 'r1' FROM hotmesh.jobs WHERE key = 'j1'), '5',
          'worker_respond: the engine stored the output as for any worker');
SELECT is((pg_temp.job_msg('j1', 'w2')).message -> 'data', '{"v": 5}',
          'worker_respond: and published the next step');
SELECT is(pg_temp.as_worker('a', format($$SELECT hotmesh.worker_respond(%s, '{"data": {"v": 6}}') AS o$$,
                                        (pg_temp.job_msg('j1', 'w1')).id)),
          '[{"o": "duplicate"}]', 'worker_respond: a second answer is a duplicate');

SELECT is(pg_temp.as_worker('b', format(
              $$SELECT outcome FROM hotmesh.worker_respond_next(%s, '{"data": {"v": 7}}', 'cb')$$,
              (pg_temp.job_msg('j2', 'w1')).id)),
          pg_temp.denied('sec.w1'), 'worker_respond_next: a message of another stream is denied');
SELECT is(pg_temp.as_worker('r', format(
              $$SELECT outcome FROM hotmesh.worker_respond_next(%s, '{"data": {"v": 7}}', 'cr')$$,
              (pg_temp.job_msg('j2', 'w1')).id)) ->> 'sqlstate',
          '42501', 'worker_respond_next: a revoked role is denied');
SELECT is(pg_temp.as_worker('a', format(
              $$SELECT outcome, message -> 'metadata' ->> 'jid' AS next_job
                FROM hotmesh.worker_respond_next(%s, '{"data": {"v": 7}}', 'ca')$$,
              (pg_temp.job_msg('j2', 'w1')).id)),
          '[{"outcome": "applied", "next_job": "j3"}]',
          'worker_respond_next: a worker answers and takes the next message of the stream');
SELECT is((pg_temp.job_msg('j2', 'w2')).message -> 'data', '{"v": 7}',
          'worker_respond_next: the job went on');

SELECT is(pg_temp.as_worker('a', format(
              $$SELECT * FROM hotmesh.worker_respond_batch(ARRAY[%s, %s]::bigint[],
                                                          ARRAY['{}', '{}']::jsonb[])$$,
              (pg_temp.job_msg('j3', 'w1')).id, (pg_temp.msg('x9')).id)),
          pg_temp.denied('sec.w9'),
          'worker_respond_batch: a batch naming another stream is denied whole');
SELECT is(pg_temp.as_worker('b', format(
              $$SELECT * FROM hotmesh.worker_respond_batch(ARRAY[%s]::bigint[],
                                                          ARRAY['{}']::jsonb[])$$,
              (pg_temp.job_msg('j3', 'w1')).id)),
          pg_temp.denied('sec.w1'), 'worker_respond_batch: a message of another stream is denied');
SELECT is(pg_temp.as_worker('r', format(
              $$SELECT * FROM hotmesh.worker_respond_batch(ARRAY[%s]::bigint[],
                                                          ARRAY['{}']::jsonb[])$$,
              (pg_temp.job_msg('j3', 'w1')).id)) ->> 'sqlstate',
          '42501', 'worker_respond_batch: a revoked role is denied');
SELECT ok((pg_temp.job_msg('j3', 'w1')).responded_at IS NULL,
          'denied batches answered nothing');
SELECT is(pg_temp.as_worker('a', format(
              $$SELECT outcome FROM hotmesh.worker_respond_batch(ARRAY[%s, %s]::bigint[],
                    ARRAY['{"data": {"v": 3}}', '{"data": {"v": 4}}']::jsonb[]) ORDER BY id$$,
              (pg_temp.job_msg('j3', 'w1')).id, (pg_temp.job_msg('j4', 'w1')).id)),
          '[{"outcome": "applied"}, {"outcome": "applied"}]',
          'worker_respond_batch: a worker answers a batch');
SELECT is((SELECT array_agg(hotmesh.engine_job_data(id) ->> 'r1' ORDER BY key) FROM hotmesh.jobs
           WHERE key IN ('j3', 'j4')), ARRAY['3', '4'],
          'worker_respond_batch: both jobs went on');

SELECT is(pg_temp.as_worker('b', format(
              $$SELECT * FROM hotmesh.worker_respond_batch_next(ARRAY[%s]::bigint[],
                    ARRAY['{}']::jsonb[], 'cb', 1, 30000)$$,
              (pg_temp.job_msg('j3', 'w2')).id)),
          pg_temp.denied('sec.w2'),
          'worker_respond_batch_next: a message of another stream is denied');
SELECT is(pg_temp.as_worker('r', format(
              $$SELECT * FROM hotmesh.worker_respond_batch_next(ARRAY[%s]::bigint[],
                    ARRAY['{}']::jsonb[], 'cr', 1, 30000)$$,
              (pg_temp.job_msg('j3', 'w2')).id)) ->> 'sqlstate',
          '42501', 'worker_respond_batch_next: a revoked role is denied');
SELECT is(pg_temp.as_worker('a', format(
              $$SELECT id, outcome FROM hotmesh.worker_respond_batch_next(ARRAY[%s, %s]::bigint[],
                    ARRAY['{"data": {"v": 8}}', '{"data": {"v": 9}}']::jsonb[], 'ca', 2, 30000)
                ORDER BY id$$,
              (pg_temp.job_msg('j3', 'w2')).id, (pg_temp.job_msg('j4', 'w2')).id)),
          jsonb_build_array(
              jsonb_build_object('id', (pg_temp.job_msg('j3', 'w2')).id, 'outcome', 'applied'),
              jsonb_build_object('id', (pg_temp.job_msg('j4', 'w2')).id, 'outcome', 'applied')),
          'worker_respond_batch_next: a worker answers a batch (the last steps: nothing to take)');
SELECT is((SELECT array_agg(hotmesh.engine_job_data(id) ->> 'r2' ORDER BY key) FROM hotmesh.jobs
           WHERE key IN ('j3', 'j4')), ARRAY['8', '9'],
          'worker_respond_batch_next: both jobs went on');

-- What a session sets itself ----------------------------------------------------------------

SELECT is(pg_temp.as_worker('b', $$SELECT set_config('app.allowed_streams', 'sec.plain,sec.w1', true) AS s$$),
          '[{"s": "sec.plain,sec.w1"}]', 'a session may set app.allowed_streams to anything');
SELECT is(pg_temp.as_worker('b', $$SELECT * FROM hotmesh.worker_dequeue('sec', 'sec.plain', 'cb')$$),
          pg_temp.denied('sec.plain'), 'but it does not widen the worker''s access');

SELECT hotmesh.stream_publish('sec', 'sec.w2', '{"n": "later"}', '{"delay_ms": 3600000}');
SELECT hotmesh.set_test_clock(now() + interval '1 day');
SELECT is(pg_temp.as_worker('a', $$SELECT set_config('hotmesh.clock', 'test', true) AS s$$),
          '[{"s": "test"}]', 'a session may turn the test clock on for itself');
SELECT is(pg_temp.as_worker('a', $$SELECT message ->> 'n' AS n
                                   FROM hotmesh.worker_dequeue('sec', 'sec.w2', 'ca', 10)
                                   WHERE message ->> 'n' = 'later'$$),
          '[]', 'but the secured functions keep the real time: a delayed message stays delayed');
SELECT set_config('hotmesh.clock', '', true);

SELECT set_config('test.search_path', current_setting('search_path'), true);
SELECT is(pg_temp.as_worker('a', $$SELECT set_config('search_path', 'pg_temp, '
                                   || current_setting('search_path'), true) <> '' AS s$$),
          '[{"s": true}]', 'a session may put pg_temp first on its search_path');
SELECT is(pg_temp.as_worker('a', $$SELECT count(*) AS n FROM hotmesh.worker_dequeue('sec', 'sec.plain', 'ca', 1)$$),
          '[{"n": 1}]', 'and the secured functions still work (their own search_path is pinned)');
SELECT set_config('search_path', current_setting('test.search_path'), true);

-- Nothing else ---------------------------------------------------------------------------------

SELECT is(pg_temp.as_worker('a', format('SELECT count(*) FROM %s', t)) ->> 'sqlstate', '42501',
          format('a worker cannot read %s', t))
FROM unnest(ARRAY['hotmesh.worker_streams', 'hotmesh.jobs', 'hotmesh.jobs_attributes',
                  'hotmesh.worker_credentials', 'hotmesh.engine_streams']) t;
SELECT is(pg_temp.as_worker('a', statement) ->> 'sqlstate', '42501',
          format('a worker cannot %s', split_part(statement, ' ', 1)))
FROM unnest(ARRAY[
    $$INSERT INTO hotmesh.worker_credentials VALUES ('hmsh_wrk_x', '{sec.w9}', now(), NULL, NULL, 'sec')$$,
    $$UPDATE hotmesh.worker_credentials SET stream_names = '{sec.w9}'$$,
    $$DELETE FROM hotmesh.worker_streams$$,
    $$TRUNCATE hotmesh.jobs$$]) statement;
SELECT is(pg_temp.as_worker('a', call) ->> 'sqlstate', '42501',
          format('a worker cannot call %s', split_part(call, '(', 1)))
FROM unnest(ARRAY[
    $$SELECT hotmesh.pub('sec', 'sec.start', '{}')$$,
    $$SELECT hotmesh.respond(1, '{}')$$,
    $$SELECT * FROM hotmesh.stream_dequeue('sec', 'sec.w9', 'ca')$$,
    $$SELECT * FROM hotmesh.stream_publish('sec', 'sec.w9', '{}')$$,
    $$SELECT * FROM hotmesh.provision_worker_role('sec', '{sec.w9}')$$,
    $$SELECT * FROM hotmesh.worker_authorize('sec', 'sec.w9')$$]) call;

SELECT results_eq($$
    SELECT p.proname::text COLLATE "default" FROM pg_proc p
    WHERE p.pronamespace = 'hotmesh'::regnamespace
      AND has_function_privilege('hotmesh_worker', p.oid, 'EXECUTE')
    ORDER BY 1$$,
    ARRAY['worker_ack', 'worker_channel', 'worker_dead_letter', 'worker_dequeue', 'worker_fail',
          'worker_heartbeat', 'worker_listen_busy', 'worker_listen_idle', 'worker_reclaim',
          'worker_release',
          'worker_respond', 'worker_respond_batch', 'worker_respond_batch_next',
          'worker_respond_next'],
    'hotmesh_worker may execute the secured functions and nothing else');
SELECT is_empty($$
    SELECT p.proname FROM pg_proc p
    WHERE p.pronamespace = 'hotmesh'::regnamespace
      AND has_function_privilege('hotmesh_worker', p.oid, 'EXECUTE')
      AND NOT (p.prosecdef
               AND p.proconfig @> ARRAY['search_path=hotmesh, pg_temp', 'hotmesh.clock=system',
                                        'hotmesh.handoff=', 'standard_conforming_strings=on'])$$,
    'each is SECURITY DEFINER and pins search_path, the clock, the handoff and string parsing');

SELECT * FROM finish();
ROLLBACK;
