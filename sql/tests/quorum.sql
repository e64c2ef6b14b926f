-- The quorum's SQL: the channel name, publishing (by reference when long), members, throttle
-- persistence and the rate a member starts with, stream depths by name, activation checks.
BEGIN;
SELECT plan(50);

SELECT hotmesh.set_test_clock('2030-01-01 00:00:00+00');
SET LOCAL hotmesh.clock = 'test';

-- The channel --------------------------------------------------------------------------------

SELECT is(hotmesh.quorum_channel('orders'), 'hotmesh_q:orders',
          'a short app id gives a readable channel');
SELECT is(hotmesh.quorum_channel('Or"ders; LISTEN x'), 'hotmesh_q:Or"ders; LISTEN x',
          'any string is kept as it is (callers quote it as an identifier)');
SELECT is(octet_length(hotmesh.quorum_channel(repeat('a', 53))), 63,
          'an app id that fits the 63-byte limit is kept readable');
SELECT is(hotmesh.quorum_channel(repeat('a', 54)), 'hotmesh_q#' || md5(repeat('a', 54)),
          'a longer app id is hashed');
SELECT is(hotmesh.quorum_channel(repeat('é', 30)), 'hotmesh_q#' || md5(repeat('é', 30)),
          'the limit is in bytes, not characters');
SELECT isnt(hotmesh.quorum_channel(repeat('b', 60)), hotmesh.quorum_channel(repeat('b', 61)),
            'different long app ids get different channels');

-- Publishing ---------------------------------------------------------------------------------

SELECT is(hotmesh.quorum_publish('orders', jsonb_build_object('type', 'user', 'blob',
                                                              repeat('x', 7400))),
          jsonb_build_object('type', 'user', 'blob', repeat('x', 7400))::text,
          'a message just under 7500 bytes still goes by NOTIFY');
SELECT is(hotmesh.quorum_publish('orders', '{"type": "user", "message": "hi"}'),
          '{"type": "user", "message": "hi"}',
          'a short message is NOTIFied as it is');
SELECT throws_ok($$SELECT hotmesh.quorum_publish('orders', '{"message": "hi"}')$$, '22023',
                 'quorum_publish: a quorum message is a JSON object with a "type" string',
                 'a message without a type is refused');
SELECT throws_ok($$SELECT hotmesh.quorum_publish('orders', '[1, 2]')$$, '22023', NULL,
                 'a message that is not an object is refused');
SELECT throws_ok($$SELECT hotmesh.quorum_publish('', '{"type": "user"}')$$, '22023', NULL,
                 'an app id is required');

SELECT matches(hotmesh.quorum_publish('orders', jsonb_build_object('type', 'user', 'blob',
                                                                   repeat('x', 7500))),
               '^\{"_ref": [0-9]+\}$',
               'a message of 7500 bytes or more is NOTIFied by reference');
SELECT is(md5(hotmesh.quorum_payload('orders', (SELECT max(id) FROM hotmesh.quorum_payloads))
                  ->> 'blob'),
          md5(repeat('x', 7500)), 'the referenced message is stored whole');
SELECT is(hotmesh.quorum_payload('other', (SELECT max(id) FROM hotmesh.quorum_payloads)), NULL,
          'another app cannot read it');

SELECT hotmesh.advance_test_clock(interval '11 minutes');
SELECT hotmesh.quorum_publish('orders', jsonb_build_object('type', 'user', 'blob',
                                                           repeat('y', 8000)));
SELECT results_eq($$SELECT md5(payload ->> 'blob') FROM hotmesh.quorum_payloads$$,
                  ARRAY[md5(repeat('y', 8000))],
                  'publishing by reference deletes references older than ten minutes');

-- Members ------------------------------------------------------------------------------------

SELECT is(hotmesh.quorum_join('orders', '[{"guid": "e1", "role": "engine"},
                                          {"guid": "w1", "role": "worker", "topic": "t.a"}]',
                              pg_backend_pid()),
          2, 'members join with their LISTEN session; the count comes back');
SELECT results_eq($$SELECT guid, role, topic FROM hotmesh.quorum_members ORDER BY guid$$,
                  $$VALUES ('e1'::text, 'engine'::text, NULL::text), ('w1', 'worker', 't.a')$$,
                  'each member is registered with its role and topic');
SELECT is(hotmesh.quorum_join('orders', '[{"guid": "w1", "role": "worker", "topic": "t.a"}]',
                              pg_backend_pid()),
          2, 'joining again (after a reconnect) changes nothing but the session');
INSERT INTO hotmesh.quorum_members (app_id, guid, role, backend_pid)
VALUES ('orders', 'ghost', 'engine', 2147483647), ('other', 'e9', 'engine', pg_backend_pid());
SELECT is(hotmesh.quorum_count('orders'), 2, 'a member whose session is gone is not counted');
SELECT is((SELECT count(*)::int FROM hotmesh.quorum_members WHERE guid = 'ghost'), 0,
          '... and is removed');
SELECT is(hotmesh.quorum_count('other'), 1, 'members are counted per app');
SELECT hotmesh.quorum_leave('orders', ARRAY['w1']);
SELECT is(hotmesh.quorum_count('orders'), 1, 'a member that leaves is gone');
SELECT throws_ok($$SELECT hotmesh.quorum_join('orders', '[{"guid": "x", "role": "boss"}]', 1)$$,
                 '22023', NULL, 'a member with an unknown role is refused');
SELECT throws_ok($$SELECT hotmesh.quorum_join('orders', '[{"role": "engine"}]', 1)$$,
                 '22023', NULL, 'a member without a guid is refused');

-- Throttles ----------------------------------------------------------------------------------

SELECT is(hotmesh.quorum_throttle('orders', 2000, p_topic => 't.a'),
          '{"type": "throttle", "topic": "t.a", "throttle": 2000}',
          'a topic throttle is announced with its topic');
SELECT is(hotmesh.throttle_rate('orders', 'worker', 't.a'), 2000,
          'a worker of the topic starts with the topic''s rate');
SELECT is(hotmesh.throttle_rate('orders', 'worker', 't.b'), 0,
          'a worker of another topic is not throttled');
SELECT is(hotmesh.throttle_rate('orders', 'engine', NULL), 0,
          'nor is an engine');

SELECT hotmesh.quorum_throttle('orders', 500, p_scope => 'engines');
SELECT is(hotmesh.throttle_rate('orders', 'engine', NULL), 500,
          'an engines throttle is persisted for engines');
SELECT is(hotmesh.throttle_rate('orders', 'worker', 't.b'), 0,
          '... and not inherited by workers (HotMesh stores it as the global rate)');

SELECT is(hotmesh.quorum_throttle('orders', 5000),
          '{"type": "throttle", "throttle": 5000}', 'a global throttle has no target');
SELECT results_eq($$SELECT scope, target, throttle_ms FROM hotmesh.throttles
                    WHERE app_id = 'orders'$$,
                  $$VALUES ('global'::text, ''::text, 5000)$$,
                  'a global throttle replaces every rate of the app');
SELECT is(hotmesh.throttle_rate('orders', 'worker', 't.a'), 5000,
          'so it overrides the former topic rate');
SELECT is(hotmesh.throttle_rate('orders', 'engine', NULL), 5000, '... and the engines rate');

SELECT hotmesh.quorum_throttle('orders', 0, p_topic => 't.a');
SELECT is(hotmesh.throttle_rate('orders', 'worker', 't.a'), 0,
          'a topic rate set after the global one wins for that topic');
SELECT is(hotmesh.throttle_rate('orders', 'worker', 't.b'), 5000,
          'other topics keep the global rate');

SELECT hotmesh.quorum_throttle('orders', -1, p_scope => 'workers');
SELECT is(hotmesh.throttle_rate('orders', 'worker', 't.a'), -1,
          'a workers throttle replaces every topic rate (-1: paused)');
SELECT is(hotmesh.throttle_rate('orders', 'engine', NULL), 5000,
          'engines keep the global rate');

SELECT is(hotmesh.quorum_throttle('orders', 100, p_guid => 'w7'),
          '{"guid": "w7", "type": "throttle", "throttle": 100}',
          'a guid throttle is announced for that member');
SELECT is((SELECT count(*)::int FROM hotmesh.throttles WHERE app_id = 'orders'), 2,
          '... and not persisted');

SELECT throws_ok($$SELECT hotmesh.quorum_throttle('orders', -2)$$, '22023',
                 'throttle must be an integer from -1 (pause) to 2147483647 ms, got -2',
                 'a throttle below -1 is refused');
SELECT throws_ok($$SELECT hotmesh.quorum_throttle('orders', NULL)$$, '22023', NULL,
                 'a missing throttle is refused');
SELECT throws_ok($$SELECT hotmesh.quorum_throttle('orders', 10, p_topic => 't', p_guid => 'g')$$,
                 '22023', 'throttle: give at most one of topic, guid and scope',
                 'a throttle cannot target a topic and a guid at once');
SELECT throws_ok($$SELECT hotmesh.quorum_throttle('orders', 10, p_scope => 'robots')$$,
                 '22023', NULL, 'an unknown scope is refused');

-- Stream depths and activation ---------------------------------------------------------------

SELECT hotmesh.stream_publish('orders', 't.a', '[{"data": {}}, {"data": {}}]', '{}');
SELECT hotmesh.stream_publish('orders', 't.b', '[{"data": {}}]', '{}');
SELECT is(hotmesh.quorum_stream_depths('orders', ARRAY['t.b', 't.a', 't.a', 't.none']),
          '{"engine": 0, "streams": {"t.a": 2, "t.b": 1, "t.none": 0}}',
          'stream depths are reported by stream name');

SELECT is(hotmesh.quorum_lead_key('orders'), hotmesh.quorum_lead_key('orders'),
          'an app always maps to the same activation lock');
SELECT isnt(hotmesh.quorum_lead_key('orders'), hotmesh.quorum_lead_key('orders2'),
            'different apps map to different locks');

INSERT INTO hotmesh.apps (app_id, active_version) VALUES ('orders', '1');
INSERT INTO hotmesh.app_versions (app_id, version, checksum, manifest, compiled)
VALUES ('orders', '1', 'c1', '{}', '{}'), ('orders', '2', 'c2', '{}', '{}');
SELECT is(hotmesh.quorum_version_state('orders', '1'), 'active', 'the active version');
SELECT is(hotmesh.quorum_version_state('orders', '2'), 'deployed', 'a version to activate');
SELECT throws_ok($$SELECT hotmesh.quorum_version_state('orders', '3')$$, 'P0002',
                 'version 3 of app orders is not deployed', 'an unknown version is refused');

SELECT * FROM finish();
ROLLBACK;
