-- Retention: hotmesh.prune. Every option, and every safety rule: only done rows go (expired
-- jobs without outstanding work, acked or dead-lettered stream rows past their window, consumed
-- or expired signals); never a live job, an open lease, a pending timer, a queued message or
-- an open signal registration. Each scenario uses its own app, so app isolation is tested
-- throughout (and once more on its own at the end).
BEGIN;
SELECT plan(97);

SET LOCAL hotmesh.clock = 'test';
SELECT hotmesh.set_test_clock('2030-01-01 00:00:00+00');

-- Fixtures -----------------------------------------------------------------------------------

-- A job of app p_app; p_expired_ago: how long ago it expired (NULL: not expired).
CREATE FUNCTION pg_temp.job(p_app text, p_key text, p_status integer, p_expired_ago interval,
                            p_entity text DEFAULT NULL)
RETURNS bigint
LANGUAGE sql AS $$
    INSERT INTO hotmesh.apps (app_id) VALUES (p_app) ON CONFLICT DO NOTHING;
    INSERT INTO hotmesh.jobs (app_id, key, gid, status, entity, expired_at, created_at)
    VALUES (p_app, p_key, md5(p_key), p_status, p_entity, hotmesh.now() - p_expired_ago,
            hotmesh.now() - interval '30 days')
    RETURNING id
$$;

CREATE FUNCTION pg_temp.job_id(p_app text, p_key text) RETURNS bigint
LANGUAGE sql AS $$ SELECT id FROM hotmesh.jobs WHERE app_id = p_app AND key = p_key $$;

CREATE FUNCTION pg_temp.has_job(p_app text, p_key text) RETURNS boolean
LANGUAGE sql AS $$ SELECT EXISTS (SELECT 1 FROM hotmesh.jobs WHERE app_id = p_app AND key = p_key) $$;

-- A worker stream row: p_done_ago how long ago it was acked (NULL: still queued);
-- p_lease_left how long its lease still runs (NULL: not leased); p_dead dead-lettered.
CREATE FUNCTION pg_temp.wmsg(p_app text, p_tag text, p_done_ago interval,
                             p_lease_left interval DEFAULT NULL, p_dead boolean DEFAULT false,
                             p_job_key text DEFAULT '')
RETURNS bigint
LANGUAGE sql AS $$
    INSERT INTO hotmesh.worker_streams (app_id, stream_name, job_key, message, created_at,
                                        visible_at, reserved_at, reserved_by, lease_expires_at,
                                        expired_at, dead_lettered_at)
    VALUES (p_app, 'work', p_job_key, jsonb_build_object('tag', p_tag),
            hotmesh.now() - interval '30 days', hotmesh.now() - interval '30 days',
            CASE WHEN p_lease_left IS NOT NULL THEN hotmesh.now() - interval '1 minute' END,
            CASE WHEN p_lease_left IS NOT NULL THEN 'c1' END,
            hotmesh.now() + p_lease_left,
            hotmesh.now() - p_done_ago,
            CASE WHEN p_dead THEN hotmesh.now() - p_done_ago END)
    RETURNING id
$$;

-- An engine stream row: done p_done_ago (NULL: pending), visible in p_due_in.
CREATE FUNCTION pg_temp.emsg(p_app text, p_tag text, p_done_ago interval,
                             p_due_in interval DEFAULT '0', p_job_key text DEFAULT '')
RETURNS bigint
LANGUAGE sql AS $$
    INSERT INTO hotmesh.engine_streams (app_id, job_key, msg_type, message, created_at,
                                        visible_at, expired_at)
    VALUES (p_app, p_job_key, 'timehook', jsonb_build_object('tag', p_tag),
            hotmesh.now() - interval '30 days', hotmesh.now() + p_due_in,
            hotmesh.now() - p_done_ago)
    RETURNING id
$$;

CREATE FUNCTION pg_temp.has_wmsg(p_app text, p_tag text) RETURNS boolean
LANGUAGE sql AS $$
    SELECT EXISTS (SELECT 1 FROM hotmesh.worker_streams
                   WHERE app_id = p_app AND message ->> 'tag' = p_tag)
$$;

CREATE FUNCTION pg_temp.has_emsg(p_app text, p_tag text) RETURNS boolean
LANGUAGE sql AS $$
    SELECT EXISTS (SELECT 1 FROM hotmesh.engine_streams
                   WHERE app_id = p_app AND message ->> 'tag' = p_tag)
$$;

-- A signal row: p_kind waiter or early, consumed p_consumed_ago (NULL: open),
-- expiring in p_expires_in.
CREATE FUNCTION pg_temp.sig(p_app text, p_key text, p_kind text, p_consumed_ago interval,
                            p_expires_in interval DEFAULT NULL, p_job_id bigint DEFAULT NULL)
RETURNS bigint
LANGUAGE sql AS $$
    INSERT INTO hotmesh.signals (app_id, topic, signal_key, kind, job_id, created_at,
                                 expires_at, consumed_at)
    VALUES (p_app, 'go', p_key, p_kind, p_job_id, hotmesh.now() - interval '30 days',
            hotmesh.now() + p_expires_in, hotmesh.now() - p_consumed_ago)
    RETURNING id
$$;

CREATE FUNCTION pg_temp.has_sig(p_app text, p_key text) RETURNS boolean
LANGUAGE sql AS $$
    SELECT EXISTS (SELECT 1 FROM hotmesh.signals WHERE app_id = p_app AND signal_key = p_key)
$$;

-- The counts of a prune result that are not 0, as one object ('{}' when nothing happened).
CREATE FUNCTION pg_temp.counts(p_result jsonb) RETURNS jsonb
LANGUAGE sql AS $$
    SELECT coalesce(jsonb_object_agg(key, value), '{}')
    FROM jsonb_each(p_result) WHERE value <> '0'
$$;

-- The function --------------------------------------------------------------------------------

SELECT has_function('hotmesh', 'prune',
    ARRAY['text', 'interval', 'boolean', 'boolean', 'boolean', 'text[]', 'boolean', 'boolean',
          'boolean', 'boolean', 'interval', 'interval', 'boolean', 'integer'],
    'hotmesh.prune(app, retention, jobs, streams, strip, entities, transient, keep_hmark, '
    'engine, worker, engine window, worker window, signals, limit) exists');
SELECT has_column('hotmesh', 'jobs', 'pruned_at', 'jobs.pruned_at marks stripped jobs');
SELECT has_index('hotmesh', 'jobs', 'jobs_unpruned', ARRAY['id'],
                 'jobs_unpruned indexes the jobs not stripped yet');
SELECT has_index('hotmesh', 'signals', 'signals_consumed', ARRAY['consumed_at'],
                 'signals_consumed indexes consumed signals');
SELECT is((SELECT to_jsonb(p) FROM hotmesh.prune('nothing-here') p),
          '{"deleted_jobs": 0, "deleted_streams": 0, "deleted_engine_streams": 0,
            "deleted_worker_streams": 0, "stripped_attributes": 0, "deleted_transient": 0,
            "marked_pruned": 0, "deleted_signals": 0}'::jsonb,
          'prune returns one row of counts, all 0 when there is nothing to prune');

-- Jobs: expired longer ago than the window -----------------------------------------------------

SELECT pg_temp.job('jb', 'old', 0, '8 days');
SELECT pg_temp.job('jb', 'recent', 0, '6 days');
SELECT pg_temp.job('jb', 'running', 2, NULL);
SELECT pg_temp.job('jb', 'forever', 0, NULL);                  -- expire: Infinity
SELECT pg_temp.job('jb', 'pending-gone', -1, '9 days');         -- reservation ran out
SELECT pg_temp.job('jb', 'interrupted', -1000000002, '10 days');
SELECT pg_temp.job('jb', 'live-expiring', 1, '-1 day');         -- expires tomorrow
INSERT INTO hotmesh.jobs_attributes (job_id, field, value, type)
VALUES (pg_temp.job_id('jb', 'old'), 'data/x', '1', 'data'),
       (pg_temp.job_id('jb', 'old'), 'a1/,0', '{}', 'output');
INSERT INTO hotmesh.activity_instances (job_id, activity_id, dimension, entered_at)
VALUES (pg_temp.job_id('jb', 'old'), 'a1', ',0', hotmesh.now() - interval '9 days');
SELECT pg_temp.sig('jb', 'old-waiter', 'waiter', '8 days', NULL, pg_temp.job_id('jb', 'old'));
CREATE TEMP TABLE old_job AS SELECT pg_temp.job_id('jb', 'old') AS id;

SELECT is(pg_temp.counts((SELECT to_jsonb(p) FROM hotmesh.prune('jb') p)),
          '{"deleted_jobs": 3}'::jsonb,
          'the defaults delete the jobs expired more than 7 days ago');
SELECT ok(NOT pg_temp.has_job('jb', 'old'), 'a job expired 8 days ago is deleted');
SELECT ok(NOT pg_temp.has_job('jb', 'pending-gone'),
          'a pending job whose reservation ran out 9 days ago is deleted');
SELECT ok(NOT pg_temp.has_job('jb', 'interrupted'),
          'an interrupted job expired 10 days ago is deleted');
SELECT ok(pg_temp.has_job('jb', 'recent'), 'a job expired 6 days ago is kept');
SELECT ok(pg_temp.has_job('jb', 'running'), 'a running job is kept');
SELECT ok(pg_temp.has_job('jb', 'forever'), 'a completed job that never expires is kept');
SELECT ok(pg_temp.has_job('jb', 'live-expiring'), 'a job that expires tomorrow is kept');
SELECT is((SELECT count(*) FROM hotmesh.jobs_attributes WHERE job_id = (SELECT id FROM old_job)),
          0::bigint, 'the attributes of a deleted job go with it');
SELECT is((SELECT count(*) FROM hotmesh.activity_instances
           WHERE job_id = (SELECT id FROM old_job)),
          0::bigint, 'its collation ledger goes with it');
SELECT ok(NOT pg_temp.has_sig('jb', 'old-waiter'), 'its signal registrations go with it');
SELECT is(pg_temp.counts((SELECT to_jsonb(p) FROM hotmesh.prune('jb') p)), '{}'::jsonb,
          'a second run deletes nothing more');

SELECT is(pg_temp.counts((SELECT to_jsonb(p) FROM hotmesh.prune('jb', '5 days') p)),
          '{"deleted_jobs": 1}'::jsonb, 'a shorter retention reaches the job expired 6 days ago');
SELECT hotmesh.advance_test_clock('2 days');
SELECT is(pg_temp.counts((SELECT to_jsonb(p) FROM hotmesh.prune('jb', '0 seconds') p)),
          '{"deleted_jobs": 1}'::jsonb,
          'moving the clock past a job''s expiry makes it prunable (retention 0)');
SELECT ok(NOT pg_temp.has_job('jb', 'live-expiring') AND pg_temp.has_job('jb', 'running')
          AND pg_temp.has_job('jb', 'forever'),
          '... the job that expired yesterday went, the running and the persistent ones stay');
SELECT hotmesh.set_test_clock('2030-01-01 00:00:00+00');

SELECT is(pg_temp.counts((SELECT to_jsonb(p) FROM hotmesh.prune('jb', p_prune_jobs => false,
                                                                p_retention => '0') p)),
          '{}'::jsonb, 'p_prune_jobs => false deletes no job');

-- Jobs with work outstanding are kept ------------------------------------------------------------

SELECT pg_temp.job('busy', 'queued', 1, '8 days');
SELECT pg_temp.wmsg('busy', 'queued-msg', NULL, NULL, false, 'queued');
SELECT pg_temp.job('busy', 'leased', 1, '8 days');
SELECT pg_temp.wmsg('busy', 'leased-msg', NULL, '5 minutes', false, 'leased');
SELECT pg_temp.job('busy', 'timer', 1, '8 days');
SELECT pg_temp.emsg('busy', 'timer-msg', NULL, '1 hour', 'timer');
SELECT pg_temp.job('busy', 'waiting', 1, '8 days');
SELECT pg_temp.sig('busy', 'waiting-hook', 'waiter', NULL, NULL, pg_temp.job_id('busy', 'waiting'));
SELECT pg_temp.job('busy', 'idle', 0, '8 days');
SELECT pg_temp.wmsg('busy', 'idle-msg', '1 hour', NULL, false, 'idle');  -- answered

SELECT is((SELECT deleted_jobs FROM hotmesh.prune('busy', p_prune_streams => false)), 1::bigint,
          'of five expired jobs, only the one without outstanding work is deleted');
SELECT ok(pg_temp.has_job('busy', 'queued'), 'a job with a queued worker message is kept');
SELECT ok(pg_temp.has_job('busy', 'leased'), 'a job whose worker message is leased is kept');
SELECT ok(pg_temp.has_job('busy', 'timer'), 'a job with a pending timer is kept');
SELECT ok(pg_temp.has_job('busy', 'waiting'), 'a job with an open signal registration is kept');
SELECT ok(NOT pg_temp.has_job('busy', 'idle'), 'a job whose messages are all done is deleted');
SELECT ok(pg_temp.has_wmsg('busy', 'queued-msg') AND pg_temp.has_wmsg('busy', 'leased-msg')
          AND pg_temp.has_emsg('busy', 'timer-msg'),
          'queued messages, leased messages and pending timers are never deleted');
UPDATE hotmesh.worker_streams SET expired_at = hotmesh.now()
WHERE app_id = 'busy' AND message ->> 'tag' = 'queued-msg';
SELECT is((SELECT deleted_jobs FROM hotmesh.prune('busy', p_prune_streams => false)), 1::bigint,
          'once its message is done, the job goes at the next run');
SELECT ok(NOT pg_temp.has_job('busy', 'queued'), '... it was the job whose message was queued');

-- Worker and engine streams --------------------------------------------------------------------

SELECT pg_temp.wmsg('st', 'acked-old', '8 days');
SELECT pg_temp.wmsg('st', 'acked-recent', '6 days');
SELECT pg_temp.wmsg('st', 'queued', NULL);
SELECT pg_temp.wmsg('st', 'leased', NULL, '30 seconds');
SELECT pg_temp.wmsg('st', 'retired-leased', '8 days', '30 seconds');  -- interrupted meanwhile
SELECT pg_temp.wmsg('st', 'dead-old', '8 days', NULL, true);
SELECT pg_temp.wmsg('st', 'dead-recent', '2 days', NULL, true);
SELECT pg_temp.wmsg('st', 'lease-over', '8 days', '-1 second');
INSERT INTO hotmesh.worker_streams (app_id, stream_name, message, visible_at, retry_attempt,
                                    created_at)
VALUES ('st', 'work', '{"tag": "retrying"}', hotmesh.now() + interval '1 minute', 1,
        hotmesh.now() - interval '30 days');
SELECT pg_temp.emsg('st', 'timer-pending', NULL, '1 day');
SELECT pg_temp.emsg('st', 'timer-due', NULL, '-1 day');
SELECT pg_temp.emsg('st', 'timer-done-old', '8 days');
SELECT pg_temp.emsg('st', 'timer-done-recent', '1 day');

SELECT is(pg_temp.counts((SELECT to_jsonb(p) FROM hotmesh.prune('st') p)),
          '{"deleted_streams": 4, "deleted_worker_streams": 3, "deleted_engine_streams": 1}',
          'the defaults delete the stream rows done more than 7 days ago');
SELECT ok(NOT pg_temp.has_wmsg('st', 'acked-old'), 'a message acked 8 days ago is deleted');
SELECT ok(NOT pg_temp.has_wmsg('st', 'dead-old'), 'a message dead-lettered 8 days ago is deleted');
SELECT ok(NOT pg_temp.has_wmsg('st', 'lease-over'),
          'a retired message whose lease is over is deleted');
SELECT ok(pg_temp.has_wmsg('st', 'acked-recent'), 'a message acked 6 days ago is kept');
SELECT ok(pg_temp.has_wmsg('st', 'dead-recent'),
          'a dead letter within the window is kept');
SELECT ok(pg_temp.has_wmsg('st', 'queued'), 'a queued message is kept');
SELECT ok(pg_temp.has_wmsg('st', 'leased'), 'a leased message is kept');
SELECT ok(pg_temp.has_wmsg('st', 'retired-leased'),
          'a message retired while its lease still runs is kept (the worker will answer)');
SELECT ok(pg_temp.has_wmsg('st', 'retrying'), 'a message waiting for its retry is kept');
SELECT ok(NOT pg_temp.has_emsg('st', 'timer-done-old'), 'an engine message done 8 days ago is deleted');
SELECT ok(pg_temp.has_emsg('st', 'timer-pending'), 'a pending timer is kept');
SELECT ok(pg_temp.has_emsg('st', 'timer-due'), 'a due timer not yet run is kept');
SELECT ok(pg_temp.has_emsg('st', 'timer-done-recent'), 'an engine message done yesterday is kept');
SELECT is(pg_temp.counts((SELECT to_jsonb(p) FROM hotmesh.prune('st') p)), '{}'::jsonb,
          'a second run deletes no stream row');
SELECT hotmesh.advance_test_clock('1 minute');
SELECT is((SELECT deleted_worker_streams FROM hotmesh.prune('st')), 1::bigint,
          'once the lease is over, the retired message goes');
SELECT ok(NOT pg_temp.has_wmsg('st', 'retired-leased'), '... it was the retired message');
SELECT hotmesh.set_test_clock('2030-01-01 00:00:00+00');

-- the flags and windows of each stream table
SELECT pg_temp.wmsg('sf', 'w3', '3 days');
SELECT pg_temp.emsg('sf', 'e3', '3 days');
SELECT is(pg_temp.counts((SELECT to_jsonb(p) FROM hotmesh.prune('sf', '1 day',
                                                                p_prune_streams => false) p)),
          '{}'::jsonb, 'p_prune_streams => false deletes no stream row');
SELECT is(pg_temp.counts((SELECT to_jsonb(p) FROM hotmesh.prune('sf', '1 day',
                                                                p_prune_streams => false,
                                                                p_prune_engine_streams => true) p)),
          '{"deleted_streams": 1, "deleted_engine_streams": 1}',
          'p_prune_engine_streams => true overrides p_prune_streams for engine streams');
SELECT pg_temp.emsg('sf', 'e3b', '3 days');
SELECT is(pg_temp.counts((SELECT to_jsonb(p) FROM hotmesh.prune('sf', '1 day',
                                                                p_prune_engine_streams => false) p)),
          '{"deleted_streams": 1, "deleted_worker_streams": 1}',
          'p_prune_engine_streams => false keeps engine rows while worker rows go');
SELECT pg_temp.wmsg('sf', 'w3b', '3 days');
SELECT is(pg_temp.counts((SELECT to_jsonb(p) FROM hotmesh.prune('sf', '1 day',
                                                                p_prune_worker_streams => false) p)),
          '{"deleted_streams": 1, "deleted_engine_streams": 1}',
          'p_prune_worker_streams => false keeps worker rows while engine rows go');
SELECT pg_temp.emsg('sf', 'e3c', '3 days');
SELECT is(pg_temp.counts((SELECT to_jsonb(p) FROM hotmesh.prune('sf',
                                                                p_worker_streams_retention => '2 days') p)),
          '{"deleted_streams": 1, "deleted_worker_streams": 1}',
          'the worker window applies to worker rows; engine rows keep the 7-day default');
SELECT pg_temp.wmsg('sf', 'w3c', '3 days');
SELECT is(pg_temp.counts((SELECT to_jsonb(p) FROM hotmesh.prune('sf',
                                                                p_engine_streams_retention => '2 days') p)),
          '{"deleted_streams": 1, "deleted_engine_streams": 1}',
          'the engine window applies to engine rows; worker rows keep the 7-day default');
SELECT ok(pg_temp.has_wmsg('sf', 'w3c'), '... the 3-day-old worker row is still there');

-- Attribute stripping -------------------------------------------------------------------------

CREATE FUNCTION pg_temp.attributes(p_app text, p_key text) RETURNS text[]
LANGUAGE sql AS $$
    SELECT coalesce(array_agg(a.field ORDER BY a.field COLLATE "C"), '{}')
    FROM hotmesh.jobs_attributes a
    WHERE a.job_id = pg_temp.job_id(p_app, p_key)
$$;
CREATE FUNCTION pg_temp.fill(p_app text, p_key text) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO hotmesh.jobs_attributes (job_id, field, value, type)
    VALUES (pg_temp.job_id(p_app, p_key), 't1/,0', '{"output": {"data": {}}}', 'output'),
           (pg_temp.job_id(p_app, p_key), 'a1/,0,1', '{"output": {"data": {}}}', 'output'),
           (pg_temp.job_id(p_app, p_key), 'data/result', '42', 'data'),
           (pg_temp.job_id(p_app, p_key), '_region', '"eu"', 'search'),
           (pg_temp.job_id(p_app, p_key), '-proxy-1-', '{"data": 1}', 'marker'),
           (pg_temp.job_id(p_app, p_key), '-wait,0,1-2-', '{"data": 2}', 'marker'),
           (pg_temp.job_id(p_app, p_key), 'note', '"x"', 'other')
$$;

SELECT pg_temp.job('sa', 'done', 0, NULL);
SELECT pg_temp.job('sa', 'running', 3, NULL);
SELECT pg_temp.job('sa', 'interrupted', -1000000001, '1 hour');
SELECT pg_temp.fill('sa', 'done');
SELECT pg_temp.fill('sa', 'running');
SELECT pg_temp.fill('sa', 'interrupted');

SELECT is(pg_temp.counts((SELECT to_jsonb(p) FROM hotmesh.prune('sa', p_prune_jobs => false) p)),
          '{}'::jsonb, 'attributes are not stripped unless asked');
SELECT is(pg_temp.counts((SELECT to_jsonb(p) FROM hotmesh.prune('sa',
                                                                p_strip_attributes => true) p)),
          '{"stripped_attributes": 4, "marked_pruned": 1}',
          'stripping removes 4 attributes of the one completed job and marks it');
SELECT is(pg_temp.attributes('sa', 'done'), ARRAY['-proxy-1-', '_region', 'data/result'],
          'job data, search fields and job markers are kept; outputs, hook markers and other '
          'fields go');
SELECT is((SELECT pruned_at FROM hotmesh.jobs WHERE id = pg_temp.job_id('sa', 'done')),
          '2030-01-01 00:00:00+00'::timestamptz, 'the stripped job is marked with pruned_at');
SELECT is(cardinality(pg_temp.attributes('sa', 'running')), 7,
          'a running job is not stripped');
SELECT is(cardinality(pg_temp.attributes('sa', 'interrupted')), 7,
          'an interrupted job is not stripped');
SELECT ok((SELECT pruned_at IS NULL FROM hotmesh.jobs WHERE id = pg_temp.job_id('sa', 'running')),
          'a running job is not marked');
INSERT INTO hotmesh.jobs_attributes (job_id, field, value, type)
VALUES (pg_temp.job_id('sa', 'done'), 'late/,0', '{}', 'output');
SELECT is(pg_temp.counts((SELECT to_jsonb(p) FROM hotmesh.prune('sa',
                                                                p_strip_attributes => true) p)),
          '{}'::jsonb, 'a second run strips nothing: a marked job is not looked at again');
UPDATE hotmesh.jobs SET status = 0 WHERE id = pg_temp.job_id('sa', 'running');
SELECT is(pg_temp.counts((SELECT to_jsonb(p) FROM hotmesh.prune('sa',
                                                                p_strip_attributes => true,
                                                                p_keep_hmark => true) p)),
          '{"stripped_attributes": 3, "marked_pruned": 1}',
          'p_keep_hmark => true strips one attribute less once the job completed');
SELECT is(pg_temp.attributes('sa', 'running'),
          ARRAY['-proxy-1-', '-wait,0,1-2-', '_region', 'data/result'],
          '... hook markers are kept with p_keep_hmark');

-- Entity allow-list and transient jobs --------------------------------------------------------

SELECT pg_temp.job('en', 'order-1', 0, '8 days', 'order');
SELECT pg_temp.job('en', 'user-1', 0, '8 days', 'user');
SELECT pg_temp.job('en', 'plain-1', 0, '8 days');
SELECT pg_temp.job('en', 'order-2', 0, NULL, 'order');
SELECT pg_temp.job('en', 'user-2', 0, NULL, 'user');
SELECT pg_temp.fill('en', 'order-2');
SELECT pg_temp.fill('en', 'user-2');

SELECT is(pg_temp.counts((SELECT to_jsonb(p) FROM hotmesh.prune('en',
                                                                p_entity_list => ARRAY['order'],
                                                                p_strip_attributes => true) p)),
          '{"deleted_jobs": 1, "stripped_attributes": 4, "marked_pruned": 1}',
          'with an entity list only jobs of those entities are deleted and stripped');
SELECT ok(NOT pg_temp.has_job('en', 'order-1'), 'the expired order job is deleted');
SELECT ok(pg_temp.has_job('en', 'user-1') AND pg_temp.has_job('en', 'plain-1'),
          'expired jobs of other entities, and without one, are kept');
SELECT is(cardinality(pg_temp.attributes('en', 'user-2')), 7,
          'a completed job of another entity is not stripped');
SELECT is(pg_temp.counts((SELECT to_jsonb(p) FROM hotmesh.prune('en', p_prune_jobs => false,
                                                                p_prune_transient => true) p)),
          '{"deleted_transient": 1}',
          'p_prune_transient deletes the expired jobs without an entity');
SELECT ok(NOT pg_temp.has_job('en', 'plain-1') AND pg_temp.has_job('en', 'user-1'),
          '... the job without an entity went, the user job stayed');
SELECT pg_temp.job('en', 'plain-2', 0, '8 days');
SELECT is(pg_temp.counts((SELECT to_jsonb(p) FROM hotmesh.prune('en',
                                                                p_entity_list => ARRAY['order'],
                                                                p_prune_transient => true) p)),
          '{"deleted_transient": 1}',
          'an entity list and p_prune_transient together: listed entities and transient jobs');
SELECT ok(pg_temp.has_job('en', 'user-1'), '... and the user job is still kept');
SELECT is(pg_temp.counts((SELECT to_jsonb(p) FROM hotmesh.prune('en',
                                                                p_entity_list => ARRAY['order', 'user']) p)),
          '{"deleted_jobs": 1}', 'an entity list may name several entities');

-- Signals -------------------------------------------------------------------------------------

SELECT pg_temp.job('sg', 'waiting', 1, NULL);
SELECT pg_temp.sig('sg', 'consumed-old', 'waiter', '8 days', NULL, pg_temp.job_id('sg', 'waiting'));
SELECT pg_temp.sig('sg', 'consumed-recent', 'waiter', '1 day', NULL, pg_temp.job_id('sg', 'waiting'));
SELECT pg_temp.sig('sg', 'open-waiter', 'waiter', NULL, NULL, pg_temp.job_id('sg', 'waiting'));
SELECT pg_temp.sig('sg', 'early-expired-old', 'early', NULL, '-8 days');
SELECT pg_temp.sig('sg', 'early-expired-recent', 'early', NULL, '-1 day');
SELECT pg_temp.sig('sg', 'early-waiting', 'early', NULL, '5 minutes');
SELECT pg_temp.sig('sg', 'early-consumed-old', 'early', '9 days', '-9 days');
UPDATE hotmesh.signals SET created_at = hotmesh.now() - interval '1 year' WHERE app_id = 'sg';

SELECT is(pg_temp.counts((SELECT to_jsonb(p) FROM hotmesh.prune('sg', p_prune_signals => false) p)),
          '{}'::jsonb, 'p_prune_signals => false deletes no signal');
SELECT is(pg_temp.counts((SELECT to_jsonb(p) FROM hotmesh.prune('sg') p)),
          '{"deleted_signals": 3}', 'the defaults delete signals done more than 7 days ago');
SELECT ok(NOT pg_temp.has_sig('sg', 'consumed-old') AND NOT pg_temp.has_sig('sg', 'early-consumed-old'),
          'signals consumed 8 and 9 days ago are deleted');
SELECT ok(NOT pg_temp.has_sig('sg', 'early-expired-old'),
          'an early signal that expired 8 days ago without meeting its waiter is deleted');
SELECT ok(pg_temp.has_sig('sg', 'open-waiter'),
          'an open registration is kept, however old');
SELECT ok(pg_temp.has_sig('sg', 'early-waiting'), 'an early signal still waiting is kept');
SELECT ok(pg_temp.has_sig('sg', 'consumed-recent') AND pg_temp.has_sig('sg', 'early-expired-recent'),
          'signals done within the window are kept');
SELECT is(pg_temp.counts((SELECT to_jsonb(p) FROM hotmesh.prune('sg', '0') p)),
          '{"deleted_signals": 2}', 'retention 0 takes every signal that is done');
SELECT ok(pg_temp.has_sig('sg', 'open-waiter') AND pg_temp.has_sig('sg', 'early-waiting'),
          '... and still never an open one');

-- The limit: bounded work per call -------------------------------------------------------------

SELECT pg_temp.job('lm', 'a', 0, '8 days');
SELECT pg_temp.job('lm', 'b', 0, '9 days');
SELECT pg_temp.job('lm', 'c', 0, '10 days');
SELECT pg_temp.wmsg('lm', 'w1', '8 days');
SELECT pg_temp.wmsg('lm', 'w2', '9 days');
SELECT is(pg_temp.counts((SELECT to_jsonb(p) FROM hotmesh.prune('lm', p_limit => 2) p)),
          '{"deleted_jobs": 2, "deleted_streams": 2, "deleted_worker_streams": 2}',
          'p_limit bounds the rows of each kind one call deletes');
SELECT ok(pg_temp.has_job('lm', 'a') AND NOT pg_temp.has_job('lm', 'c'),
          '... the longest expired go first');
SELECT is(pg_temp.counts((SELECT to_jsonb(p) FROM hotmesh.prune('lm', p_limit => 2) p)),
          '{"deleted_jobs": 1}', 'the next call takes the rest');

-- App isolation (from empty tables) ------------------------------------------------------------

DELETE FROM hotmesh.jobs;
DELETE FROM hotmesh.worker_streams;
DELETE FROM hotmesh.engine_streams;
DELETE FROM hotmesh.signals;

SELECT pg_temp.job('iso-a', 'x', 0, '8 days');
SELECT pg_temp.job('iso-b', 'x', 0, '8 days');
SELECT pg_temp.job('iso-b', 'y', 0, NULL);
SELECT pg_temp.fill('iso-b', 'y');
SELECT pg_temp.wmsg('iso-b', 'w', '8 days');
SELECT pg_temp.emsg('iso-b', 'e', '8 days');
SELECT pg_temp.sig('iso-b', 's', 'early', '8 days');
SELECT is(pg_temp.counts((SELECT to_jsonb(p) FROM hotmesh.prune('iso-a',
                                                                p_strip_attributes => true,
                                                                p_prune_transient => true) p)),
          '{"deleted_jobs": 1}', 'pruning app iso-a deletes its job');
SELECT ok(pg_temp.has_job('iso-b', 'x') AND pg_temp.has_wmsg('iso-b', 'w')
          AND pg_temp.has_emsg('iso-b', 'e') AND pg_temp.has_sig('iso-b', 's'),
          '... and nothing of app iso-b (the same job id, its streams and signals)');
SELECT is(cardinality(pg_temp.attributes('iso-b', 'y')), 7, '... nor strips iso-b''s jobs');
SELECT is(pg_temp.counts((SELECT to_jsonb(p) FROM hotmesh.prune(p_strip_attributes => true) p)),
          '{"deleted_jobs": 1, "deleted_streams": 2, "deleted_worker_streams": 1,
            "deleted_engine_streams": 1, "stripped_attributes": 4, "marked_pruned": 1,
            "deleted_signals": 1}',
          'with no app (NULL) every app is pruned');
SELECT ok(NOT pg_temp.has_job('iso-b', 'x') AND NOT pg_temp.has_wmsg('iso-b', 'w')
          AND NOT pg_temp.has_emsg('iso-b', 'e') AND NOT pg_temp.has_sig('iso-b', 's'),
          '... iso-b''s expired job, its done stream rows and signals are gone');
SELECT is(pg_temp.counts((SELECT to_jsonb(p) FROM hotmesh.prune(p_strip_attributes => true,
                                                                p_prune_transient => true) p)),
          '{}'::jsonb, 'a second run over every app deletes and strips nothing more');

-- Bad options ---------------------------------------------------------------------------------

SELECT throws_ok($$SELECT * FROM hotmesh.prune('x', '-1 day')$$, '22023',
                 'prune: retention must not be negative, got -1 days',
                 'a negative retention is refused');
SELECT throws_ok($$SELECT * FROM hotmesh.prune('x', NULL)$$, '22023',
                 'prune: retention must be an interval, got NULL', 'a NULL retention is refused');
SELECT throws_ok($$SELECT * FROM hotmesh.prune('x', p_worker_streams_retention => '-1 hour')$$,
                 '22023', 'prune: worker streams retention must not be negative, got -01:00:00',
                 'a negative worker window is refused');
SELECT throws_ok($$SELECT * FROM hotmesh.prune('x', p_engine_streams_retention => '-1 hour')$$,
                 '22023', 'prune: engine streams retention must not be negative, got -01:00:00',
                 'a negative engine window is refused');
SELECT throws_ok($$SELECT * FROM hotmesh.prune('x', p_entity_list => '{}')$$, '22023',
                 'prune: the entity list is empty (pass NULL for every entity)',
                 'an empty entity list is refused');
SELECT throws_ok($$SELECT * FROM hotmesh.prune('x', p_limit => 0)$$, '22023',
                 'prune: limit must be at least 1 (or NULL for no bound), got 0',
                 'a limit below 1 is refused');

SELECT * FROM finish();
ROLLBACK;
