-- The V0001 schema: tables, keys, indexes, CHECK constraints and the seed's inspection query.
BEGIN;
SELECT plan(72);

-- Tables -------------------------------------------------------------------------------------

SELECT has_table('hotmesh', 'test_clock', 'hotmesh.test_clock exists');
SELECT has_table('hotmesh', 'apps', 'hotmesh.apps exists');
SELECT has_table('hotmesh', 'app_versions', 'hotmesh.app_versions exists');
SELECT has_table('hotmesh', 'jobs', 'hotmesh.jobs exists');
SELECT has_table('hotmesh', 'jobs_attributes', 'hotmesh.jobs_attributes exists');
SELECT has_table('hotmesh', 'worker_streams', 'hotmesh.worker_streams exists');
SELECT has_table('hotmesh', 'engine_streams', 'hotmesh.engine_streams exists');
SELECT has_table('hotmesh', 'signals', 'hotmesh.signals exists');
SELECT has_table('hotmesh', 'worker_credentials', 'hotmesh.worker_credentials exists');
SELECT has_table('hotmesh', 'throttles', 'hotmesh.throttles exists');

-- Primary and foreign keys -------------------------------------------------------------------

SELECT col_is_pk('hotmesh', 'test_clock', 'singleton', 'test_clock is keyed by singleton');
SELECT col_is_pk('hotmesh', 'apps', 'app_id', 'apps is keyed by app_id');
SELECT col_is_pk('hotmesh', 'app_versions', ARRAY['app_id', 'version'],
                 'app_versions is keyed by (app_id, version)');
SELECT col_is_pk('hotmesh', 'jobs', 'id', 'jobs is keyed by id');
SELECT col_is_pk('hotmesh', 'jobs_attributes', ARRAY['job_id', 'field'],
                 'jobs_attributes is keyed by (job_id, field)');
SELECT col_is_pk('hotmesh', 'worker_streams', 'id', 'worker_streams is keyed by id');
SELECT col_is_pk('hotmesh', 'engine_streams', 'id', 'engine_streams is keyed by id');
SELECT col_is_pk('hotmesh', 'signals', 'id', 'signals is keyed by id');
SELECT col_is_pk('hotmesh', 'worker_credentials', 'role_name',
                 'worker_credentials is keyed by role_name');
SELECT col_is_pk('hotmesh', 'throttles', ARRAY['app_id', 'scope', 'target'],
                 'throttles is keyed by (app_id, scope, target)');

SELECT fk_ok('hotmesh', 'app_versions', 'app_id', 'hotmesh', 'apps', 'app_id',
             'app_versions.app_id references apps');
SELECT fk_ok('hotmesh', 'jobs', 'app_id', 'hotmesh', 'apps', 'app_id',
             'jobs.app_id references apps');
SELECT fk_ok('hotmesh', 'jobs_attributes', 'job_id', 'hotmesh', 'jobs', 'id',
             'jobs_attributes.job_id references jobs');
SELECT fk_ok('hotmesh', 'signals', 'job_id', 'hotmesh', 'jobs', 'id',
             'signals.job_id references jobs');

-- Indexes ------------------------------------------------------------------------------------

SELECT has_index('hotmesh', 'jobs', 'jobs_live_key', ARRAY['app_id', 'key'],
                 'jobs_live_key indexes (app_id, key)');
SELECT index_is_unique('hotmesh', 'jobs', 'jobs_live_key', 'jobs_live_key is unique');
SELECT is((SELECT pg_get_expr(i.indpred, i.indrelid) FROM pg_index i
           WHERE i.indexrelid = 'hotmesh.jobs_live_key'::regclass),
          'is_live', 'jobs_live_key only covers live jobs');
SELECT has_index('hotmesh', 'jobs', 'jobs_key', ARRAY['key'], 'jobs_key indexes key');
SELECT has_index('hotmesh', 'jobs', 'jobs_entity', ARRAY['app_id', 'entity', 'created_at'],
                 'jobs_entity indexes (app_id, entity, created_at)');
SELECT has_index('hotmesh', 'jobs', 'jobs_parent', ARRAY['parent_key'],
                 'jobs_parent indexes parent_key');

SELECT has_index('hotmesh', 'worker_streams', 'worker_streams_ready',
                 ARRAY['app_id', 'stream_name', 'priority', 'id'],
                 'worker_streams_ready indexes (app_id, stream_name, priority, id)');
SELECT is((SELECT i.indoption[2] & 1 FROM pg_index i
           WHERE i.indexrelid = 'hotmesh.worker_streams_ready'::regclass),
          1, 'worker_streams_ready orders priority descending, as dequeue does');
SELECT is((SELECT pg_get_expr(i.indpred, i.indrelid) FROM pg_index i
           WHERE i.indexrelid = 'hotmesh.worker_streams_ready'::regclass),
          '((reserved_at IS NULL) AND (expired_at IS NULL))',
          'worker_streams_ready only covers unreserved, unexpired messages');
SELECT has_index('hotmesh', 'worker_streams', 'worker_streams_inflight',
                 ARRAY['app_id', 'stream_name', 'lease_expires_at'],
                 'worker_streams_inflight indexes (app_id, stream_name, lease_expires_at)');
SELECT is((SELECT pg_get_expr(i.indpred, i.indrelid) FROM pg_index i
           WHERE i.indexrelid = 'hotmesh.worker_streams_inflight'::regclass),
          '((reserved_at IS NOT NULL) AND (expired_at IS NULL))',
          'worker_streams_inflight only covers leased, unexpired messages');
SELECT has_index('hotmesh', 'worker_streams', 'worker_streams_job', ARRAY['job_key'],
                 'worker_streams_job indexes job_key');
SELECT has_index('hotmesh', 'worker_streams', 'worker_streams_dead',
                 ARRAY['app_id', 'stream_name', 'dead_lettered_at'],
                 'worker_streams_dead indexes (app_id, stream_name, dead_lettered_at)');
SELECT has_index('hotmesh', 'engine_streams', 'engine_streams_ready',
                 ARRAY['app_id', 'priority', 'visible_at', 'id'],
                 'engine_streams_ready indexes (app_id, priority, visible_at, id)');
SELECT has_index('hotmesh', 'signals', 'signals_open',
                 ARRAY['app_id', 'topic', 'signal_key', 'kind'],
                 'signals_open indexes (app_id, topic, signal_key, kind)');

-- Defaults -----------------------------------------------------------------------------------

SELECT col_default_is('hotmesh', 'worker_streams', 'reclaim_count', 5,
                      'worker_streams.reclaim_count defaults to 5');
SELECT col_default_is('hotmesh', 'worker_streams', 'deliveries', 0,
                      'worker_streams.deliveries defaults to 0');
SELECT col_default_is('hotmesh', 'jobs', 'is_live', true, 'jobs.is_live defaults to true');

-- The live-key unique index ------------------------------------------------------------------

INSERT INTO hotmesh.apps (app_id) VALUES ('shop'), ('other');

SELECT lives_ok($$INSERT INTO hotmesh.jobs (app_id, key, gid) VALUES ('shop', 'order-1', 'g1')$$,
                'a first live job for a key is accepted');
SELECT throws_ok($$INSERT INTO hotmesh.jobs (app_id, key, gid) VALUES ('shop', 'order-1', 'g2')$$,
                 '23505', 'duplicate key value violates unique constraint "jobs_live_key"',
                 'a second live job for the same (app_id, key) is rejected');
SELECT lives_ok($$INSERT INTO hotmesh.jobs (app_id, key, gid) VALUES ('other', 'order-1', 'g3')$$,
                'the same key is accepted live in another app');
UPDATE hotmesh.jobs SET is_live = false WHERE app_id = 'shop' AND key = 'order-1';
SELECT lives_ok($$INSERT INTO hotmesh.jobs (app_id, key, gid) VALUES ('shop', 'order-1', 'g4')$$,
                'once the first job is not live, a new live job for the key is accepted');
SELECT lives_ok($$INSERT INTO hotmesh.jobs (app_id, key, gid, is_live)
                  VALUES ('shop', 'order-1', 'g5', false)$$,
                'any number of non-live jobs may share the key');
SELECT throws_ok($$UPDATE hotmesh.jobs SET is_live = true WHERE gid = 'g1'$$,
                 '23505', 'duplicate key value violates unique constraint "jobs_live_key"',
                 'reviving an old job while another is live is rejected');
SELECT is((SELECT array_agg(gid ORDER BY gid) FROM hotmesh.jobs
           WHERE app_id = 'shop' AND key = 'order-1' AND is_live),
          ARRAY['g4'], 'exactly one job of the key is live');

-- Cascades -----------------------------------------------------------------------------------

INSERT INTO hotmesh.jobs_attributes (job_id, field, value)
SELECT id, 'status', '"new"' FROM hotmesh.jobs WHERE gid = 'g4';
DELETE FROM hotmesh.jobs WHERE gid = 'g4';
SELECT is((SELECT count(*) FROM hotmesh.jobs_attributes a
           WHERE NOT EXISTS (SELECT 1 FROM hotmesh.jobs j WHERE j.id = a.job_id)),
          0::bigint, 'deleting a job deletes its attributes');
DELETE FROM hotmesh.apps WHERE app_id = 'other';
SELECT is((SELECT count(*) FROM hotmesh.jobs WHERE app_id = 'other'), 0::bigint,
          'deleting an app deletes its jobs');

-- CHECK constraints --------------------------------------------------------------------------

SELECT throws_ok($$INSERT INTO hotmesh.apps (app_id) VALUES ('my app')$$,
                 '23514', 'new row for relation "apps" violates check constraint "apps_app_id_check"',
                 'an app id with a space is rejected');
SELECT throws_ok($$INSERT INTO hotmesh.apps (app_id) VALUES ('')$$,
                 '23514', 'new row for relation "apps" violates check constraint "apps_app_id_check"',
                 'an empty app id is rejected');
SELECT throws_ok($$INSERT INTO hotmesh.apps (app_id) VALUES ('-shop')$$,
                 '23514', 'new row for relation "apps" violates check constraint "apps_app_id_check"',
                 'an app id starting with punctuation is rejected');
SELECT throws_ok(format('INSERT INTO hotmesh.apps (app_id) VALUES (%L)', repeat('a', 64)),
                 '23514', 'new row for relation "apps" violates check constraint "apps_app_id_check"',
                 'an app id of 64 characters is rejected');
SELECT lives_ok(format('INSERT INTO hotmesh.apps (app_id) VALUES (%L)', repeat('a', 63)),
                'an app id of 63 characters is accepted');
SELECT lives_ok($$INSERT INTO hotmesh.apps (app_id) VALUES ('Shop.v2_eu-1')$$,
                'an app id with letters, digits, dot, underscore and dash is accepted');
SELECT throws_ok($$INSERT INTO hotmesh.app_versions (app_id, version, checksum, manifest, compiled)
                   VALUES ('shop', '', 'c', '{}', '{}')$$,
                 '23514', NULL, 'an empty app version is rejected');
SELECT throws_ok($$INSERT INTO hotmesh.app_versions (app_id, version, status, checksum, manifest, compiled)
                   VALUES ('shop', '1', 'retired', 'c', '{}', '{}')$$,
                 '23514', NULL, 'an app version status other than deployed/activated is rejected');
-- V0008: the tables written at every step carry no CHECK (each is re-parsed per statement);
-- their values are validated by the functions that write them (stream_publish's tests)
SELECT is((SELECT count(*) FROM pg_constraint
           WHERE conrelid = 'hotmesh.worker_streams'::regclass AND contype = 'c'), 0::bigint,
          'worker_streams carries no CHECK constraint');
SELECT is((SELECT count(*) FROM pg_constraint
           WHERE conrelid = 'hotmesh.jobs_attributes'::regclass AND contype = 'c'), 0::bigint,
          'jobs_attributes carries no CHECK constraint');
-- the values the dropped checks guarded are refused where they come in: stream_publish
SELECT throws_ok($$SELECT hotmesh.stream_publish('shop', 's', '{}', '{"reclaimCount": -1}')$$,
                 '22023', NULL, 'a negative reclaimCount is refused by publish');
SELECT throws_ok($$SELECT hotmesh.stream_publish('shop', 's', '{}', '{"retry": {"maximumAttempts": 0}}')$$,
                 '22023', NULL, 'maximumAttempts 0 is refused by publish');
SELECT throws_ok($$SELECT hotmesh.stream_publish('shop', 's', '{}', '{"retry": {"backoffCoefficient": 0.5}}')$$,
                 '22023', NULL, 'a backoffCoefficient below 1 is refused by publish');
SELECT throws_ok($$SELECT hotmesh.stream_publish('shop', '', '{}')$$,
                 '22023', NULL, 'an empty stream name is refused by publish');
SELECT throws_ok($$INSERT INTO hotmesh.worker_streams (app_id, stream_name, message)
                   VALUES ('shop', 's', NULL)$$,
                 '23502', NULL, 'a worker stream message cannot be NULL');
SELECT throws_ok($$INSERT INTO hotmesh.signals (app_id, topic, signal_key, kind)
                   VALUES ('shop', 't', 'k', 'late')$$,
                 '23514', NULL, 'a signal kind other than waiter/early is rejected');
SELECT throws_ok($$INSERT INTO hotmesh.throttles (app_id, scope, throttle_ms)
                   VALUES ('shop', 'global', -2)$$,
                 '23514',
                 'new row for relation "throttles" violates check constraint "throttles_throttle_ms_check"',
                 'throttle_ms -2 is rejected');
SELECT lives_ok($$INSERT INTO hotmesh.throttles (app_id, scope, throttle_ms)
                  VALUES ('shop', 'global', -1)$$,
                'throttle_ms -1 (paused) is accepted');
SELECT throws_ok($$INSERT INTO hotmesh.throttles (app_id, scope, throttle_ms)
                   VALUES ('shop', 'stream', 0)$$,
                 '23514', NULL, 'a throttle scope other than global/topic/guid is rejected');
SELECT throws_ok($$INSERT INTO hotmesh.test_clock (singleton, now) VALUES (false, now())$$,
                 '23514', NULL, 'the test clock''s key can only be true, so it holds at most one row');

-- The seed's inspection query, written for search_path = hotmesh ----------------------------

INSERT INTO hotmesh.jobs (app_id, key, gid, entity, status)
VALUES ('shop', 'order-456', 'g456', 'order', 2);
INSERT INTO hotmesh.jobs_attributes (job_id, field, value)
SELECT id, f.field, f.value
FROM hotmesh.jobs, (VALUES ('customer', '"ada"'::jsonb), ('total', '42.5'::jsonb)) f (field, value)
WHERE key = 'order-456';

SET LOCAL search_path = hotmesh;
PREPARE inspect AS
    SELECT j.key, j.status, j.entity, a.field, a.value, j.created_at, j.updated_at
    FROM jobs j JOIN jobs_attributes a ON a.job_id = j.id
    WHERE j.key = 'order-456' ORDER BY a.field;
SET LOCAL search_path TO DEFAULT;

SELECT results_eq('inspect',
                  $$VALUES ('order-456'::text, 2, 'order'::text, 'customer'::text, '"ada"'::jsonb, now(), now()),
                           ('order-456'::text, 2, 'order'::text, 'total'::text, '42.5'::jsonb, now(), now())$$,
                  'the inspection query, prepared under search_path = hotmesh, lists the job''s fields');

SELECT * FROM finish();
ROLLBACK;
