"""Retention end to end: DBA.prune after real workflows (workers, the engine, the test clock),
its options, its safety rules, its batches and the options it refuses; `hotmesh prune`."""

from __future__ import annotations

import json
import textwrap
from datetime import timedelta

import pytest
from psycopg import sql

from pyhotmesh import DBA, ConfigurationError, HotMesh
from pyhotmesh.cli import main
from pyhotmesh.engine import JobNotFoundError

FAST = 0.05
NOTHING = {"jobs": 0, "streams": 0, "engine_streams": 0, "worker_streams": 0, "attributes": 0,
           "transient": 0, "marked": 0, "signals": 0}


def counts(**nonzero: int) -> dict[str, int]:
    return {**NOTHING, **nonzero}


@pytest.fixture
async def mesh(dsn):
    """make(app_id, yaml, workers=[...]) -> a HotMesh with the manifest deployed and active."""
    created: list[HotMesh] = []

    async def make(app_id: str, manifest: str, workers=()) -> HotMesh:
        instance = await HotMesh.init(
            app_id=app_id,
            engine={"connection": dsn, "poll_interval": FAST},
            workers=[{"poll_interval": FAST, **worker} for worker in workers],
        )
        created.append(instance)
        await instance.deploy(textwrap.dedent(manifest))
        await instance.activate("1")
        return instance

    yield make
    for instance in created:
        await instance.stop()


@pytest.fixture
def clock(dsn, db):
    """Every connection opened from now on reads the shared test clock; returns advance(s)."""
    db.execute(sql.SQL("ALTER DATABASE {} SET hotmesh.clock = 'test'").format(
        sql.Identifier(db.info.dbname)))
    db.execute("SET hotmesh.clock = 'test'")
    db.execute("SELECT hotmesh.set_test_clock('2030-01-01 00:00:00+00')")

    def advance(**delta: float) -> None:
        db.execute("SELECT hotmesh.advance_test_clock(%s)", (timedelta(**delta),))

    return advance


def sequence(app_id: str, entity: str | None = None) -> str:
    """Two worker steps; jobs expire 1 s after they complete (the default)."""
    return f"""
    app:
      id: {app_id}
      version: '1'
      graphs:
        - subscribes: {app_id}.start
          activities:
            t1:
              type: trigger
              {f'entity: {entity}' if entity else ''}
              job: {{maps: {{input: '{{$self.output.data.n}}'}}}}
            a1:
              type: worker
              topic: {app_id}.double
              input: {{maps: {{n: '{{t1.output.data.n}}'}}}}
            a2:
              type: worker
              topic: {app_id}.double
              input: {{maps: {{n: '{{a1.output.data.n}}'}}}}
              job: {{maps: {{result: '{{$self.output.data.n}}'}}}}
          transitions:
            t1: [{{to: a1}}]
            a1: [{{to: a2}}]
    """


async def double(message: dict) -> dict:
    return {"metadata": message["metadata"], "data": {"n": message["data"]["n"] * 2}}


def doubler(app_id: str) -> dict:
    return {"topic": f"{app_id}.double", "callback": double}


async def test_prune_deletes_expired_jobs_and_their_stream_rows(mesh, clock, db, dsn):
    hm = await mesh("shop", sequence("shop"), [doubler("shop")])
    outputs = [await hm.pubsub("shop.start", {"n": n}) for n in (1, 2, 3)]
    assert [o["data"]["result"] for o in outputs] == [4, 8, 12]

    clock(days=6)
    assert await DBA.prune(app_id="shop", connection=dsn) == NOTHING, "within the window"
    clock(days=2)
    assert await DBA.prune(app_id="shop", connection=dsn) == counts(
        jobs=3, streams=6, worker_streams=6)
    for output in outputs:
        with pytest.raises(JobNotFoundError):
            await hm.get_state("shop.start", output["metadata"]["jid"])
    assert db.execute("SELECT count(*) FROM hotmesh.jobs_attributes").fetchone() == (0,)
    assert db.execute("SELECT count(*) FROM hotmesh.activity_instances").fetchone() == (0,)
    assert await DBA.prune(app_id="shop", connection=dsn) == NOTHING, "a second run: nothing"

    # the app goes on working, and its new jobs are not touched
    output = await hm.pubsub("shop.start", {"n": 5})
    assert await DBA.prune(app_id="shop", connection=dsn) == NOTHING
    assert (await hm.get_state(None, output["metadata"]["jid"]))["data"]["result"] == 20


async def test_a_running_job_and_its_queued_message_are_never_pruned(mesh, clock, db, dsn):
    hm = await mesh("idle", sequence("idle"))  # no worker: the job waits at a1
    job_id = await hm.pub("idle.start", {"n": 1})
    clock(days=365)
    assert await DBA.prune(app_id="idle", connection=dsn, expire="0 seconds", attributes=True,
                           prune_transient=True) == NOTHING
    assert await hm.get_status(job_id) == 1
    assert db.execute("SELECT count(*) FROM hotmesh.worker_streams WHERE expired_at IS NULL"
                      ).fetchone() == (1,)


STRIP = """
app:
  id: strip
  version: '1'
  graphs:
    - subscribes: strip.start
      expire: 86400
      activities:
        t1:
          type: trigger
          job: {maps: {input: '{$self.output.data.n}'}}
        w1:
          type: worker
          topic: strip.work
          input: {maps: {n: '{t1.output.data.n}'}}
          job:
            maps:
              result: '{$self.output.data.n}'
              marks[-]: '{$self.output.data.marks}'
              index[_]: '{$self.output.data.index}'
      transitions:
        t1: [{to: w1}]
"""


async def marking_worker(message: dict) -> dict:
    return {"metadata": message["metadata"], "data": {
        "n": message["data"]["n"] * 10,
        "marks": {"-proxy-1-": {"data": "job marker"}, "-wait,0,1-2-": {"data": "hook marker"}},
        "index": {"_region": "eu"},
    }}


async def test_attribute_stripping_keeps_job_data_search_fields_and_markers(mesh, dsn):
    hm = await mesh("strip", STRIP, [{"topic": "strip.work", "callback": marking_worker}])
    first = await hm.pubsub("strip.start", {"n": 1})
    job_id = first["metadata"]["jid"]
    before = await hm.get_raw(job_id)
    assert set(before) == {"t1/,0", "w1/,0,0", "data/input", "data/result", "-proxy-1-",
                           "-wait,0,1-2-", "_region"}

    assert await DBA.prune(app_id="strip", connection=dsn, attributes=True) == counts(
        attributes=3, marked=1)
    assert set(await hm.get_raw(job_id)) == {"data/input", "data/result", "-proxy-1-",
                                             "_region"}
    state = await hm.get_state("strip.start", job_id)
    assert state["data"] == first["data"] == {"input": 1, "result": 10}
    assert await hm.get_status(job_id) == 0
    assert (await hm.export(job_id))["data"] == {"input": 1, "result": 10}
    assert await DBA.prune(app_id="strip", connection=dsn, attributes=True) == NOTHING

    second = await hm.pubsub("strip.start", {"n": 2})
    assert await DBA.prune(app_id="strip", connection=dsn, attributes=True,
                           keep_hmark=True) == counts(attributes=2, marked=1)
    assert set(await hm.get_raw(second["metadata"]["jid"])) == {
        "data/input", "data/result", "-proxy-1-", "-wait,0,1-2-", "_region"}


async def test_entities_and_transient_jobs(mesh, clock, dsn):
    orders = await mesh("orders", sequence("orders", entity="order"), [doubler("orders")])
    plain = await mesh("plain", sequence("plain"), [doubler("plain")])
    await orders.pubsub("orders.start", {"n": 1})
    await plain.pubsub("plain.start", {"n": 1})
    clock(days=8)
    # every app at once (app_id None), only jobs of entity 'user': none
    assert await DBA.prune(connection=dsn, entities=["user"], streams=False) == NOTHING
    assert await DBA.prune(connection=dsn, entities=["order"], streams=False) == counts(jobs=1)
    assert await DBA.prune(connection=dsn, jobs=False, prune_transient=True,
                           streams=False) == counts(transient=1)


async def test_streams_have_their_own_flags_and_windows(mesh, clock, dsn):
    hm = await mesh("st", sequence("st"), [doubler("st")])
    await hm.pubsub("st.start", {"n": 1})
    clock(days=3)
    assert await DBA.prune(app_id="st", connection=dsn, expire="1 day", jobs=False,
                           streams=False) == NOTHING
    assert await DBA.prune(app_id="st", connection=dsn, expire="30 days",
                           worker_streams_expire=timedelta(days=2)) == counts(
        streams=2, worker_streams=2)


async def test_one_app_is_pruned_without_touching_another(mesh, clock, dsn):
    a = await mesh("app-a", sequence("app-a"), [doubler("app-a")])
    b = await mesh("app-b", sequence("app-b"), [doubler("app-b")])
    await a.pubsub("app-a.start", {"n": 1})
    job_b = (await b.pubsub("app-b.start", {"n": 1}))["metadata"]["jid"]
    clock(days=8)
    assert await DBA.prune(app_id="app-a", connection=dsn) == counts(
        jobs=1, streams=2, worker_streams=2)
    assert (await b.get_state(None, job_b))["data"]["result"] == 4
    assert await DBA.prune(connection=dsn) == counts(jobs=1, streams=2, worker_streams=2)


async def test_batches_prune_a_backlog_in_several_transactions(mesh, clock, dsn):
    hm = await mesh("bulk", sequence("bulk"), [doubler("bulk")])
    for n in range(5):
        await hm.pubsub("bulk.start", {"n": n})
    clock(days=8)
    assert await DBA.prune(app_id="bulk", connection=dsn, batch_size=2) == counts(
        jobs=5, streams=10, worker_streams=10)


@pytest.mark.parametrize("options, message", [
    ({"expire": "7 dayz"}, r"expire must be an interval such as '7 days'.*'7 dayz' is not one"),
    ({"expire": "-1 day"}, "expire must not be negative"),
    ({"expire": timedelta(hours=-1)}, "expire must not be negative"),
    ({"expire": None}, "expire must be an interval"),
    ({"expire": 7}, "expire must be an interval"),
    ({"engine_streams_expire": "soon"}, "engine_streams_expire must be an interval"),
    ({"worker_streams_expire": "-2 hours"}, "worker_streams_expire must not be negative"),
    ({"expire": "1 day'); DROP TABLE hotmesh.jobs; --"}, "expire must be an interval"),
    ({"entities": []}, "entities is an empty list"),
    ({"entities": "order"}, "entities must be a list"),
    ({"entities": ["order", ""]}, "entities must be non-empty strings"),
    ({"jobs": "yes"}, "jobs must be True or False"),
    ({"engine_streams": 1}, "engine_streams must be True or False"),
    ({"batch_size": 0}, "batch_size must be a positive integer"),
    ({"app_id": ""}, "app_id must be a non-empty string"),
])
async def test_bad_options_are_refused_with_a_clear_error(dsn, db, options, message):
    db.execute("INSERT INTO hotmesh.apps (app_id) VALUES ('x')")
    db.execute("INSERT INTO hotmesh.jobs (app_id, key, gid, status, expired_at)"
               " VALUES ('x', 'j', 'g', 0, now() - interval '30 days')")
    with pytest.raises(ConfigurationError, match=message):
        await DBA.prune(**{"app_id": "x", "connection": dsn, **options})
    assert db.execute("SELECT count(*) FROM hotmesh.jobs").fetchone() == (1,), "nothing pruned"


async def test_deploy_brings_the_schema_up_to_date(empty_dsn, dsn):
    applied = await DBA.deploy(empty_dsn, "any-app")
    assert "migrations/V0007__prune.sql" in applied and "procedures/R__prune.sql" in applied
    assert await DBA.deploy(empty_dsn) == []
    assert await DBA.prune(connection=empty_dsn) == NOTHING


def test_the_prune_command_prints_the_counts(dsn, db, capsys):
    db.execute("INSERT INTO hotmesh.apps (app_id) VALUES ('x'), ('y')")
    db.execute("INSERT INTO hotmesh.jobs (app_id, key, gid, status, expired_at, entity)"
               " VALUES ('x', 'j1', 'g', 0, now() - interval '2 days', 'order'),"
               "        ('x', 'j2', 'g', 0, now() - interval '2 days', NULL),"
               "        ('y', 'j3', 'g', 0, now() - interval '2 days', 'order')")
    assert main(["prune", "--dsn", dsn, "--app", "x", "--expire", "1 day",
                 "--entity", "order", "--prune-transient", "--no-streams"]) == 0
    assert json.loads(capsys.readouterr().out) == counts(jobs=1, transient=1)
    assert main(["prune", "--dsn", dsn, "--expire", "1 day"]) == 0
    assert json.loads(capsys.readouterr().out) == counts(jobs=1)
    assert main(["prune", "--dsn", dsn, "--expire", "a while"]) == 2
    assert "expire must be an interval" in capsys.readouterr().err
