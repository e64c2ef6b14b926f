-- respond_batch: many responses in one transaction, each isolated from the others' failures.
BEGIN;
SELECT plan(8);
-- plans as a long-lived worker session ends up with them (see the last test)
SET LOCAL plan_cache_mode = force_generic_plan;
-- some thousand rows done long ago, before anything is planned: on a table of a page or two a
-- scan is the right plan (see the last test)
INSERT INTO hotmesh.worker_streams (app_id, stream_name, message, expired_at)
SELECT 'filler', 'old', jsonb_build_object('n', n), now() FROM generate_series(1, 3000) n;

-- graph: t1 -> w1 (worker on topic rb.work); the compiled form is written by hand
SELECT hotmesh.deploy_version('rb', '1', '{}', $json${
  "app": {"id": "rb", "version": "1", "settings": {}},
  "graphs": [{
    "subscribes": "rb.start", "publishes": null, "trigger": "t1",
    "activities": {
      "t1": {"id": "t1", "type": "trigger", "depth": 1, "ancestors": [], "children": ["w1"],
             "expressions": {}, "maps": {}, "settings": {}, "reads": {}, "reads_job": false,
             "conditional": false},
      "w1": {"id": "w1", "type": "worker", "depth": 2, "ancestors": ["t1"], "parent": "t1",
             "children": [], "expressions": {"topic": {"sql": "CAST('\"rb.work\"' AS JSONB)",
             "value": "rb.work"}},
             "maps": {"job": [{"key": "v", "spread": null,
                               "sql": "$1 #> ARRAY['w1', 'output', 'data', 'v']"}]},
             "settings": {}, "reads": {"w1": 2}, "reads_job": false, "conditional": false}
    },
    "transitions": {"t1": [{"to": "w1", "codes": [200], "gate": "and", "condition": null}]},
    "hooks": {}
  }]
}$json$::jsonb);
SELECT hotmesh.activate_version('rb', '1');
SELECT hotmesh.pub('rb', 'rb.start', '{}', '{"metadata": {"jid": "rb-1"}}');
SELECT hotmesh.pub('rb', 'rb.start', '{}', '{"metadata": {"jid": "rb-2"}}');

CREATE TEMP TABLE answered AS
SELECT * FROM hotmesh.respond_batch(
    ARRAY(SELECT id FROM hotmesh.worker_streams WHERE stream_name = 'rb.work' ORDER BY id)
        || ARRAY[-1]::bigint[],
    ARRAY['{"data": {"v": 1}}', '{"data": {"v": 2}}', '{"data": {}}']::jsonb[]);

SELECT results_eq($$SELECT outcome FROM answered WHERE id > 0 ORDER BY id$$,
                  $$VALUES ('applied'), ('applied')$$,
                  'each response of the batch is applied');
SELECT is((SELECT outcome FROM answered WHERE id = -1), 'error: respond: no worker message -1',
          'a failing response is reported without undoing the others');
SELECT results_eq($$SELECT key, status FROM hotmesh.jobs ORDER BY key$$,
                  $$VALUES ('rb-1'::text, 0), ('rb-2'::text, 0)$$,
                  'both jobs completed');
SELECT results_eq(
    $$SELECT outcome FROM hotmesh.respond_batch(
          ARRAY(SELECT id FROM hotmesh.worker_streams WHERE stream_name = 'rb.work' ORDER BY id),
          ARRAY['{"data": {"v": 9}}', '{"data": {"v": 9}}']::jsonb[])$$,
    $$VALUES ('duplicate'), ('duplicate')$$,
    'answering again is a duplicate');
SELECT hotmesh.pub('rb', 'rb.start', '{}', '{"metadata": {"jid": "rb-3"}}');
SELECT hotmesh.pub('rb', 'rb.start', '{}', '{"metadata": {"jid": "rb-4"}}');
SELECT results_eq(
    $$SELECT outcome FROM hotmesh.respond_batch(
          ARRAY(SELECT id FROM hotmesh.worker_streams
                WHERE stream_name = 'rb.work' AND job_key IN ('rb-3', 'rb-4') ORDER BY id),
          ARRAY['{"data": {"v": 3}}', '{"data": {"v": 4}}']::jsonb[])$$,
    $$VALUES ('applied'), ('applied')$$, 'a batch without failures is applied');
SELECT is((SELECT count(DISTINCT xmin::text)::int FROM hotmesh.worker_streams
           WHERE stream_name = 'rb.work' AND job_key IN ('rb-3', 'rb-4')), 1,
          'in one subtransaction, not one per response');
-- the messages' jobs are looked up by index: a plan that scans worker_streams, cached while
-- the table is small, would read the whole table on every batch as it grows
SELECT hotmesh.pub('rb', 'rb.start', '{}', jsonb_build_object('metadata', jsonb_build_object('jid', 'rb-' || n)))
FROM generate_series(5, 8) n;
CREATE TEMP TABLE batch AS
SELECT array_agg(id ORDER BY id) AS ids, array_agg('{"data": {"v": 5}}'::jsonb) AS answers
FROM hotmesh.worker_streams WHERE stream_name = 'rb.work' AND expired_at IS NULL;
CREATE TEMP TABLE scans AS
SELECT seq_scan FROM pg_stat_xact_user_tables WHERE relid = 'hotmesh.worker_streams'::regclass;
SELECT count(*) FROM batch, hotmesh.respond_batch(batch.ids, batch.answers);
SELECT is((SELECT s.seq_scan - b.seq_scan FROM pg_stat_xact_user_tables s, scans b
           WHERE s.relid = 'hotmesh.worker_streams'::regclass), 0::bigint,
          'a batch reads worker_streams by index, never by a scan of the table');
SELECT throws_ok($$SELECT * FROM hotmesh.respond_batch(ARRAY[1]::bigint[], ARRAY[]::jsonb[])$$,
                 '22023', 'respond_batch: message ids and responses must be arrays of the same length',
                 'the arrays must match');

SELECT * FROM finish();
ROLLBACK;
