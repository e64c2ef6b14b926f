-- deploy_version and activate_version: idempotent deploys, refused conflicting redeploys,
-- activation of known versions only.
BEGIN;
SELECT plan(19);

CREATE TEMP TABLE compiled AS
SELECT $json${
  "app": {"id": "shop", "version": "1", "settings": {"tier": "gold"}},
  "graphs": [{
    "subscribes": "order.placed", "publishes": "order.done", "trigger": "t1",
    "expire": {"sql": "CAST('600' AS JSONB)", "value": 600},
    "activities": {
      "t1": {"id": "t1", "type": "trigger", "parent": null, "ancestors": []},
      "w1": {"id": "w1", "type": "worker", "parent": "t1", "ancestors": ["t1"]}
    },
    "transitions": {"t1": [{"to": "w1", "codes": [200, 202], "gate": "or",
                            "condition": "CAST('true' AS BOOLEAN)"}]},
    "hooks": {"order.approve": [{"to": "w1", "expected": "CAST('1' AS JSONB)",
                                 "actual": "CAST('2' AS JSONB)"}]}
  }]
}$json$::jsonb AS doc;

SELECT is(hotmesh.deploy_version('shop', '1', '{"app": {}}', (SELECT doc FROM compiled)),
          'deployed', 'a new version is deployed');
SELECT is((SELECT settings FROM hotmesh.apps WHERE app_id = 'shop'), '{"tier": "gold"}'::jsonb,
          'the app is created with its settings');
SELECT is((SELECT status FROM hotmesh.app_versions WHERE app_id = 'shop' AND version = '1'),
          'deployed', 'the version is deployed, not yet active');
SELECT is((SELECT activity_id FROM hotmesh.graph_subscriptions
           WHERE app_id = 'shop' AND version = '1' AND topic = 'order.placed'),
          't1', 'the graph subscribes its trigger to its topic');
SELECT is((SELECT count(*)::int FROM hotmesh.graph_activities
           WHERE app_id = 'shop' AND version = '1'), 2, 'every activity is stored as a row');
SELECT is((SELECT ancestors FROM hotmesh.graph_activities
           WHERE app_id = 'shop' AND version = '1' AND activity_id = 'w1'),
          ARRAY['t1'], 'ancestors are stored as an array');
SELECT is((SELECT codes FROM hotmesh.graph_transitions
           WHERE app_id = 'shop' AND from_activity = 't1' AND ordinal = 1),
          ARRAY[200, 202], 'transition codes are stored');
SELECT is((SELECT gate || ' ' || condition_sql FROM hotmesh.graph_transitions
           WHERE app_id = 'shop' AND from_activity = 't1'),
          'or CAST(''true'' AS BOOLEAN)', 'the gate and the condition SQL are stored');
SELECT is((SELECT activity_id || ' ' || expected_sql FROM hotmesh.graph_hooks
           WHERE app_id = 'shop' AND topic = 'order.approve'),
          'w1 CAST(''1'' AS JSONB)', 'hook rules are stored per topic');

SELECT is(hotmesh.deploy_version('shop', '1', '{"app": {}}', (SELECT doc FROM compiled)),
          'unchanged', 'deploying the same version again changes nothing');
SELECT is((SELECT count(*)::int FROM hotmesh.graph_activities WHERE app_id = 'shop'), 2,
          'an unchanged redeploy adds no rows');
SELECT is(hotmesh.deploy_version('shop', '1', '{"app": {}}',
              jsonb_set((SELECT doc FROM compiled), '{graphs,0,activities,w1,reads_fields}',
                        '"{}"')),
          'unchanged', 'the same manifest compiled by a newer compiler is the same version');
SELECT is((SELECT compiled FROM hotmesh.app_versions WHERE app_id = 'shop' AND version = '1'),
          (SELECT doc FROM compiled), 'and the compiled graph stored stays as it was');
SELECT throws_ok(
    $$SELECT hotmesh.deploy_version('shop', '1', '{}',
          jsonb_set((SELECT doc FROM compiled), '{graphs,0,publishes}', '"other"'))$$,
    '23505', 'version 1 of app shop is already deployed with different content',
    'a conflicting redeploy of a version is refused');
SELECT throws_ok(
    $$SELECT hotmesh.deploy_version('shop', '2', '{}', (SELECT doc FROM compiled))$$,
    '22023', 'deploy_version: the compiled graph is for app shop version 1, not shop version 2',
    'a compiled graph must match the app and version it is deployed as');

SELECT throws_ok($$SELECT hotmesh.activate_version('shop', '9')$$, 'P0002',
                 'version 9 of app shop is not deployed',
                 'activating an unknown version is refused');
SELECT throws_ok($$SELECT hotmesh.activate_version('nowhere', '1')$$, 'P0002',
                 'app nowhere is not deployed', 'activating a version of an unknown app is refused');
SELECT is(hotmesh.activate_version('shop', '1'), '1', 'a deployed version is activated');
SELECT results_eq(
    $$SELECT a.active_version, v.status FROM hotmesh.apps a
      JOIN hotmesh.app_versions v USING (app_id) WHERE a.app_id = 'shop'$$,
    $$VALUES ('1'::text, 'activated'::text)$$,
    'the app points at the active version, which is marked activated');

SELECT * FROM finish();
ROLLBACK;
