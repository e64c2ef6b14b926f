"""Deploy, plan and activate through HotMesh and the CLI, on a real Postgres."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from pyhotmesh import CompileError, ConfigurationError, DeploymentError, HotMesh
from pyhotmesh.cli import main

MANIFESTS = Path(__file__).with_name("manifests")
MYAPP = MANIFESTS / "myapp.yaml"


@pytest.fixture
async def hotmesh(dsn):
    instance = await HotMesh.init(app_id="myapp", engine={"connection": dsn})
    yield instance
    await instance.stop()


async def test_the_seeds_myapp_graph_deploys_and_activates(hotmesh, db):
    deployment = await hotmesh.deploy(MYAPP)
    assert (deployment.app_id, deployment.version, deployment.status) == ("myapp", "1", "deployed")
    assert await hotmesh.activate("1") is True
    assert db.execute("SELECT active_version FROM hotmesh.apps WHERE app_id = 'myapp'"
                      ).fetchone() == ("1",)
    rows = db.execute("SELECT activity_id, type, parent FROM hotmesh.graph_activities"
                      " WHERE app_id = 'myapp' ORDER BY activity_id").fetchall()
    assert rows == [("process", "worker", "t1"), ("t1", "trigger", None)]
    input_sql = db.execute(
        "SELECT definition #>> '{maps,input,sql}' FROM hotmesh.graph_activities"
        " WHERE activity_id = 'process'").fetchone()[0]
    context = psycopg.types.json.Jsonb({"t1": {"output": {"data": {"id": "ORD-123"}}}})
    assert db.execute("SELECT hotmesh.eval_expression(%s, %s)", (input_sql, context)
                      ).fetchone()[0] == {"id": "ORD-123"}


async def test_the_seeds_order_graph_deploys(dsn, db):
    orders = await HotMesh.init(app_id="orders", engine={"connection": dsn})
    try:
        deployment = await orders.deploy(MANIFESTS / "order.yaml")
    finally:
        await orders.stop()
    assert deployment.status == "deployed"
    conditions = db.execute(
        "SELECT to_activity, condition_sql FROM hotmesh.graph_transitions"
        " WHERE app_id = 'orders' AND from_activity = 'checkInventory' ORDER BY ordinal"
    ).fetchall()
    assert [to for to, _ in conditions] == ["reserveItem", "notifyBackorder"]
    for available, reserve, backorder in ((5, True, False), (9, True, False), (4, False, True)):
        context = psycopg.types.json.Jsonb({
            "checkInventory": {"output": {"data": {"availableQty": available}}},
            "trigger": {"output": {"data": {"requestedQty": 5}}},
        })
        taken = [db.execute("SELECT hotmesh.eval_condition(%s, %s)", (sql, context)
                            ).fetchone()[0] for _, sql in conditions]
        assert taken == [reserve, backorder]


async def test_redeploying_the_same_version_is_idempotent(hotmesh, db):
    await hotmesh.deploy(MYAPP)
    again = await hotmesh.deploy(MYAPP)
    assert again.status == "unchanged"
    assert db.execute("SELECT count(*) FROM hotmesh.app_versions").fetchone() == (1,)


async def test_a_version_an_older_compiler_stored_deploys_again_unchanged_and_runs(dsn, db):
    """Deploying on every start survives an upgrade: the same manifest is the same version
    even though this compiler emits more (here: reads_fields, which releases before this one
    did not write), and a job runs on the compiled graph as it was stored."""
    seen = []

    async def process(message: dict) -> dict:
        seen.append(message["data"]["id"])  # mapped from t1 by the context of old form
        return {"data": {}}

    hotmesh = await HotMesh.init(
        app_id="myapp", engine={"connection": dsn},
        workers=[{"topic": "order.process", "callback": process}])
    try:
        await hotmesh.deploy(MYAPP)
        db.execute("""
            UPDATE hotmesh.app_versions
            SET compiled = jsonb_set(compiled, '{graphs,0,activities,process}',
                                     (compiled #> '{graphs,0,activities,process}')
                                     - 'reads_fields'),
                checksum = 'written by an older release'""")
        db.execute("UPDATE hotmesh.graph_activities SET definition = definition - 'reads_fields'")
        assert (await hotmesh.deploy(MYAPP)).status == "unchanged"
        assert db.execute("SELECT count(*) FROM hotmesh.graph_activities"
                          " WHERE definition ? 'reads_fields'").fetchone() == (0,)
        await hotmesh.activate("1")
        output = await hotmesh.pubsub("order.placed", {"id": "ORD-9"}, timeout=30)
        assert output["metadata"]["js"] == 0
        assert seen == ["ORD-9"]
    finally:
        await hotmesh.stop()


async def test_a_changed_manifest_under_a_deployed_version_is_refused(hotmesh, tmp_path, db):
    await hotmesh.deploy(MYAPP)
    changed = tmp_path / "myapp.yaml"
    changed.write_text(MYAPP.read_text().replace("expire: 600", "expire: 60"))
    with pytest.raises(DeploymentError, match="version 1 of app myapp is already deployed "
                                              "with different content"):
        await hotmesh.deploy(changed)
    stored = db.execute("SELECT compiled #> '{graphs,0,expire,value}' FROM hotmesh.app_versions"
                        ).fetchone()[0]
    assert stored == 600, "the deployed version is untouched"


async def test_activating_an_unknown_version_is_refused(hotmesh):
    await hotmesh.deploy(MYAPP)
    with pytest.raises(DeploymentError, match="version 7 of app myapp is not deployed") as err:
        await hotmesh.activate("7")
    assert err.value.code == 404


async def test_plan_validates_without_storing(hotmesh, db):
    compiled = await hotmesh.plan(MYAPP)
    assert compiled["graphs"][0]["trigger"] == "t1"
    assert db.execute("SELECT count(*) FROM hotmesh.app_versions").fetchone() == (0,)
    with pytest.raises(CompileError):
        await hotmesh.plan("app:\n  id: myapp\n")


async def test_a_manifest_for_another_app_is_refused(hotmesh):
    with pytest.raises(ConfigurationError, match="the manifest is for app 'orders'"):
        await hotmesh.deploy(MANIFESTS / "order.yaml")


async def test_an_invalid_manifest_stores_nothing(hotmesh, db):
    with pytest.raises(CompileError):
        await hotmesh.deploy(MYAPP.read_text().replace("type: worker", "type: wrker"))
    assert db.execute("SELECT count(*) FROM hotmesh.apps").fetchone() == (0,)


def test_cli_plan_and_deploy(dsn, capsys):
    assert main(["plan", str(MYAPP)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "graph order.placed: 2 activities, trigger t1", "app myapp version 1: valid"]
    assert main(["deploy", str(MYAPP), "--dsn", dsn, "--activate"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "app myapp version 1: deployed", "app myapp version 1: activated"]
    assert main(["deploy", str(MYAPP), "--dsn", dsn]) == 0
    assert capsys.readouterr().out.strip() == "app myapp version 1: unchanged"


def test_cli_reports_compile_errors_with_locations(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("app:\n  id: x\n  version: '1'\n  graphs:\n    - subscribes: a.b\n"
                   "      activities: {t1: {type: trigger, oops: 1}}\n")
    assert main(["plan", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:6:40: activity 't1', field 'oops': unknown field 'oops'" in err


async def test_transition_code_arrays_and_gates_are_deployed(dsn, db):
    manifest = """\
app:
  id: codes
  version: '1'
  graphs:
    - subscribes: codes.start
      activities:
        t1: {type: trigger}
        w1: {type: worker, topic: work}
        ok: {type: hook}
        retry: {type: hook}
        either: {type: hook}
      transitions:
        t1: [{to: w1}]
        w1:
          - to: ok
          - to: retry
            conditions: {code: [422, 500]}
          - to: either
            conditions:
              code: [200, 202]
              gate: or
              match:
                - {expected: true, actual: '{w1.output.data.a}'}
                - {expected: true, actual: '{w1.output.data.b}'}
"""
    instance = await HotMesh.init(app_id="codes", engine={"connection": dsn})
    try:
        await instance.deploy(manifest)
    finally:
        await instance.stop()
    rows = db.execute(
        "SELECT to_activity, codes, gate, condition_sql IS NOT NULL FROM hotmesh.graph_transitions"
        " WHERE app_id = 'codes' AND from_activity = 'w1' ORDER BY ordinal").fetchall()
    assert rows == [("ok", [200], "and", False), ("retry", [422, 500], "and", False),
                    ("either", [200, 202], "or", True)]
    taken_on_422 = db.execute(
        "SELECT array_agg(to_activity ORDER BY ordinal) FROM hotmesh.graph_transitions"
        " WHERE app_id = 'codes' AND from_activity = 'w1' AND 422 = ANY (codes)").fetchone()[0]
    assert taken_on_422 == ["retry"]
    condition = rows and db.execute(
        "SELECT condition_sql FROM hotmesh.graph_transitions WHERE to_activity = 'either'"
    ).fetchone()[0]
    for a, b, expected in ((True, False, True), (False, True, True), (False, False, False)):
        context = psycopg.types.json.Jsonb({"w1": {"output": {"data": {"a": a, "b": b}}}})
        assert db.execute("SELECT hotmesh.eval_condition(%s, %s)", (condition, context)
                          ).fetchone()[0] is expected
