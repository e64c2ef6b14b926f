"""The quorum end to end: HotMesh's quorum scenarios (tests/functional/quorum) ported, with
HotMesh instances in real processes (tests/quorum_process.py) on a real Postgres.

Waits are for conditions, with deadlines; no assertion is about how long something took."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from psycopg import sql

from pyhotmesh import HotMesh, QuorumError, ThrottleError
from pyhotmesh.quorum import Member, compact_iso, system_health
from pyhotmesh.throttle import Throttle

HELPER = Path(__file__).with_name("quorum_process.py")
FAST = 0.05


async def eventually(predicate, timeout: float = 30.0):
    """Await an async predicate until it returns something truthy."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = await predicate()
        if value:
            return value
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


@pytest.fixture
def tables(db):
    db.execute("CREATE TABLE test_processed (key text, pid int NOT NULL)")
    db.execute("CREATE TABLE test_received (pid int NOT NULL, message jsonb NOT NULL)")
    db.execute("CREATE TABLE test_commands (pid int NOT NULL, job_id text NOT NULL)")
    return db


@pytest.fixture
async def spawn(dsn):
    """spawn(app, *topics) -> {guid, pid, workers: {topic: guid}} of a HotMesh process."""
    processes: list[subprocess.Popen] = []

    async def start(app: str, *topics: str) -> dict:
        args = [sys.executable, str(HELPER), "--dsn", dsn, "--app", app]
        for topic in topics:
            args += ["--topic", topic]
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True,
                                env={**os.environ, "PYTHONPATH": str(HELPER.parent.parent)})
        processes.append(proc)
        line = await asyncio.wait_for(asyncio.to_thread(proc.stdout.readline), 60)
        assert line, f"the helper process exited ({proc.poll()})"
        return json.loads(line)

    yield start
    for proc in processes:
        proc.send_signal(signal.SIGTERM)
    for proc in processes:
        try:
            await asyncio.to_thread(proc.wait, 30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
async def mesh(dsn):
    created: list[HotMesh] = []

    async def make(app_id: str, workers=(), **engine) -> HotMesh:
        instance = await HotMesh.init(
            app_id=app_id, engine={"connection": dsn, "poll_interval": FAST, **engine},
            workers=[{"poll_interval": FAST, **worker} for worker in workers])
        created.append(instance)
        return instance

    yield make
    for instance in created:
        await instance.stop()


async def record(message: dict) -> dict:
    return {"data": {"key": message["data"].get("key"), "pid": os.getpid()}}


def throttles(profiles: list[dict]) -> dict[tuple[str, str | None, int], int]:
    """(role, topic, pid) -> throttle of each profile."""
    return {(p["role"], p["worker_topic"], p["pid"]): p["throttle"] for p in profiles}


ONE_STEP = """
app:
  id: qapp
  version: '{version}'
  graphs:
    - subscribes: q.start
      activities:
        t1:
          type: trigger
          stats: {{id: '{{$self.input.data.key}}'}}
        work:
          type: worker
          topic: q.work
          input: {{maps: {{key: '{{t1.output.data.key}}', version: '{version}'}}}}
          job:
            maps:
              done_by: '{{$self.output.data.pid}}'
              version: '{{$self.output.data.version}}'
      transitions:
        t1: [{{to: work}}]
"""


def manifest(version: str) -> str:
    return textwrap.dedent(ONE_STEP.format(version=version))


# -- roll call ---------------------------------------------------------------------------------

async def test_roll_call_across_three_processes(mesh, spawn, tables):
    app = 'Quorum "roll call"; app'  # any string: channels are quoted identifiers
    hotmesh = await mesh(app, workers=[{"topic": "q.a", "callback": record}])
    others = [await spawn(app, "q.a", "q.b"), await spawn(app, "q.a", "q.b")]
    await hotmesh.throttle(-1, topic="q.b")  # so that q.b keeps what is published to it
    await hotmesh.workers[0].streams.publish("q.b", [{"data": {"key": "x"}}] * 3)

    async def everyone():
        profiles = await hotmesh.roll_call()
        return profiles if len(profiles) == 8 and all(
            p["throttle"] == -1 for p in profiles if p["worker_topic"] == "q.b") else None

    profiles = await eventually(everyone)
    assert {p["pid"] for p in profiles} == {os.getpid(), *(o["pid"] for o in others)}
    assert len({p["guid"] for p in profiles}) == 8, "one profile per member"
    engines = [p for p in profiles if p["role"] == "engine"]
    assert {p["guid"] for p in engines} == {hotmesh.guid, *(o["guid"] for o in others)}
    workers = {p["guid"]: p for p in profiles if p["role"] == "worker"}
    assert set(workers) == {hotmesh.workers[0].guid,
                            *(guid for o in others for guid in o["workers"].values())}
    for profile in profiles:
        assert profile["app_id"] == app
        assert re.fullmatch(r"\d{14}\.\d{3}", profile["inited"])
        assert re.fullmatch(r"\d{14}\.\d{3}", profile["timestamp"])
        assert set(profile["system"]) == {"TotalMemoryGB", "FreeMemoryGB", "UsedMemoryGB",
                                          "CPULoad"}
        assert profile["system"]["TotalMemoryGB"] > 0
        assert profile["error_count"] == 0 and isinstance(profile["counts"], dict)
    # stream depths are matched by stream name (HotMesh matches them by position)
    for profile in workers.values():
        assert profile["stream"] == profile["worker_topic"]
        assert profile["stream_depth"] == (3 if profile["stream"] == "q.b" else 0)
    assert all(p["stream_depth"] == 0 for p in engines)


async def test_a_stopped_instance_leaves_the_roll_call(mesh, tables):
    first = await mesh("leaving", workers=[{"topic": "q.a", "callback": record}])
    second = await mesh("leaving")
    assert len(await first.roll_call()) == 3
    await second.stop()
    assert [p["guid"] for p in await first.roll_call()] == [first.guid, first.workers[0].guid]


async def test_a_member_whose_connection_drops_rejoins_and_catches_up(mesh, tables):
    db = tables
    hotmesh = await mesh("dropped", workers=[{"topic": "q.a", "callback": record}])
    worker = hotmesh.workers[0]

    def sessions():
        return {row[0] for row in db.execute(
            "SELECT backend_pid FROM hotmesh.quorum_members WHERE app_id = 'dropped'")}

    [before] = sessions()
    db.execute("SELECT pg_terminate_backend(%s)", (before,))
    await hotmesh.throttle(300, topic="q.a")  # most likely while nobody listens
    await eventually(lambda: _true(worker.throttle.ms == 300))  # re-read when it rejoined
    await eventually(lambda: _true(sessions() not in ({before}, set())))
    assert len(await hotmesh.roll_call()) == 2


# -- throttle ---------------------------------------------------------------------------------

async def test_throttle_by_topic_guid_scope_and_globally_with_persistence(mesh, spawn, tables):
    app = "throttled"
    db = tables
    hotmesh = await mesh(app, workers=[{"topic": "q.a", "callback": record}])
    other = await spawn(app, "q.a", "q.b")
    me, them = os.getpid(), other["pid"]

    async def shows(expected: dict):
        profiles = await hotmesh.roll_call()
        return throttles(profiles) == expected

    def persisted():
        return db.execute("SELECT scope, target, throttle_ms FROM hotmesh.throttles"
                          " WHERE app_id = %s ORDER BY scope, target", (app,)).fetchall()

    # a topic: the workers of that topic, in every process
    assert await hotmesh.throttle(250, topic="q.b") is True
    await eventually(lambda: shows({("engine", None, me): 0, ("worker", "q.a", me): 0,
                                    ("engine", None, them): 0, ("worker", "q.a", them): 0,
                                    ("worker", "q.b", them): 250}))
    assert persisted() == [("topic", "q.b", 250)]

    # a guid: that one member, not persisted
    await hotmesh.throttle(500, guid=other["workers"]["q.a"])
    await eventually(lambda: shows({("engine", None, me): 0, ("worker", "q.a", me): 0,
                                    ("engine", None, them): 0, ("worker", "q.a", them): 500,
                                    ("worker", "q.b", them): 250}))
    assert persisted() == [("topic", "q.b", 250)]

    # engines only
    await hotmesh.throttle(750, scope="engines")
    await eventually(lambda: shows({("engine", None, me): 750, ("worker", "q.a", me): 0,
                                    ("engine", None, them): 750, ("worker", "q.a", them): 500,
                                    ("worker", "q.b", them): 250}))
    assert persisted() == [("engines", "", 750), ("topic", "q.b", 250)]

    # everyone: a global rate overrides every rate stored before it
    await hotmesh.throttle(1000)
    await eventually(lambda: shows({("engine", None, me): 1000, ("worker", "q.a", me): 1000,
                                    ("engine", None, them): 1000, ("worker", "q.a", them): 1000,
                                    ("worker", "q.b", them): 1000}))
    assert persisted() == [("global", "", 1000)]

    # a member started afterwards starts with the persisted rates: its topic's, else global
    await hotmesh.throttle(2000, topic="q.b")
    late = await spawn(app, "q.a", "q.b")
    profiles = await hotmesh.roll_call()
    assert {k: v for k, v in throttles(profiles).items() if k[2] == late["pid"]} == {
        ("engine", None, late["pid"]): 1000, ("worker", "q.a", late["pid"]): 1000,
        ("worker", "q.b", late["pid"]): 2000}

    # everyone back to normal
    await hotmesh.throttle(0)
    await eventually(lambda: _all_zero(hotmesh))


async def _all_zero(hotmesh: HotMesh) -> bool:
    return all(p["throttle"] == 0 for p in await hotmesh.roll_call())


async def test_pause_and_resume_lose_no_message(mesh, spawn, tables):
    db = tables
    hotmesh = await mesh("qapp")
    await hotmesh.deploy(manifest("1"))
    await hotmesh.activate("1")
    await spawn("qapp", "q.work")
    await spawn("qapp", "q.work")
    assert await hotmesh.throttle(-1) is True
    await eventually(lambda: _all_paused(hotmesh, 5))

    keys = [f"job-{n}" for n in range(20)]
    for key in keys:
        await hotmesh.pub("q.start", {"key": key})
    late = await spawn("qapp", "q.work")  # joins during the pause: it inherits it
    profiles = await hotmesh.roll_call()
    assert [p["throttle"] for p in profiles if p["pid"] == late["pid"]] == [-1, -1]
    await asyncio.sleep(1.0)  # a window in which paused workers must not take anything
    assert db.execute("SELECT count(*) FROM test_processed").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM hotmesh.worker_streams WHERE stream_name = 'q.work'"
                      " AND reserved_at IS NULL AND expired_at IS NULL").fetchone()[0] == 20
    assert all(p["stream_depth"] == 20 for p in profiles if p["role"] == "worker")

    await hotmesh.throttle(0)
    outputs = [await hotmesh.wait_for(key, timeout=60) for key in keys]
    assert [o["data"]["version"] for o in outputs] == ["1"] * 20
    counts = dict(db.execute("SELECT key, count(*) FROM test_processed GROUP BY key").fetchall())
    assert counts == {key: 1 for key in keys}, "every message was processed exactly once"
    assert db.execute("SELECT count(*), max(leg2_count) FROM hotmesh.activity_instances"
                      " WHERE activity_id = 'work'").fetchone() == (20, 1)


async def _all_paused(hotmesh: HotMesh, members: int) -> bool:
    profiles = await hotmesh.roll_call()
    return len(profiles) == members and all(p["throttle"] == -1 for p in profiles)


async def test_resuming_interrupts_a_long_throttle_at_once(mesh, tables):
    hotmesh = await mesh("qapp", workers=[{"topic": "q.work", "callback": record}])
    await hotmesh.deploy(manifest("1"))
    await hotmesh.activate("1")
    worker = hotmesh.workers[0]
    await hotmesh.throttle(3_600_000, topic="q.work")  # an hour before each dequeue
    await eventually(lambda: _true(worker.throttle.ms == 3_600_000))
    job_id = await hotmesh.pub("q.start", {"key": "k"})
    await asyncio.sleep(0.3)
    assert await hotmesh.get_status(job_id) > 0, "the throttled worker has not taken it"
    await hotmesh.throttle(0, topic="q.work")
    output = await hotmesh.wait_for(job_id, timeout=20)  # not an hour
    assert output["data"]["done_by"] == os.getpid()


async def _true(value) -> bool:
    return bool(value)


async def test_a_paused_engine_holds_its_timers_until_resumed(mesh, tables):
    db = tables  # on the test clock: time moves when the test moves it
    db.execute(sql.SQL("ALTER DATABASE {} SET hotmesh.clock = 'test'").format(
        sql.Identifier(db.info.dbname)))
    db.execute("SET hotmesh.clock = 'test'")
    db.execute("SELECT hotmesh.set_test_clock('2030-01-01 00:00:00+00')")
    hotmesh = await mesh("sleepy")
    await hotmesh.deploy(textwrap.dedent("""
        app:
          id: sleepy
          version: '1'
          graphs:
            - subscribes: s.start
              activities:
                t1: {type: trigger}
                nap: {type: hook, sleep: 5, job: {maps: {woke: true}}}
              transitions:
                t1: [{to: nap}]
        """))
    await hotmesh.activate("1")
    await hotmesh.throttle(-1, scope="engines")
    await eventually(lambda: _true(hotmesh._throttle.paused))
    job_id = await hotmesh.pub("s.start", {})
    db.execute("SELECT hotmesh.advance_test_clock(interval '10 seconds')")  # the timer is due
    await asyncio.sleep(0.5)
    assert await hotmesh.get_status(job_id) > 0, "the due timer waits for the paused engine"
    await hotmesh.throttle(0, scope="engines")
    assert (await hotmesh.wait_for(job_id, timeout=20))["data"] == {"woke": True}


async def test_an_invalid_throttle_is_refused_and_changes_nothing(mesh, tables):
    db = tables
    hotmesh = await mesh("strict", workers=[{"topic": "q.a", "callback": record}])
    for bad in (-2, 2_147_483_648, 1.5, "100", None, True):
        with pytest.raises(ThrottleError, match="throttle must be an integer from -1"):
            await hotmesh.throttle(bad)
    with pytest.raises(ThrottleError, match="scope must be"):
        await hotmesh.throttle(10, scope="robots")
    with pytest.raises(ThrottleError, match="at most one of topic, guid and scope"):
        await hotmesh.throttle(10, topic="q.a", guid=hotmesh.guid)
    with pytest.raises(ThrottleError, match="topic must be a non-empty string"):
        await hotmesh.throttle(10, topic="")
    assert db.execute("SELECT count(*) FROM hotmesh.throttles").fetchone()[0] == 0
    assert [p["throttle"] for p in await hotmesh.roll_call()] == [0, 0]
    # a malformed throttle arriving on the channel is ignored by every member
    await hotmesh.quorum._publish({"type": "throttle", "throttle": -7})
    await hotmesh.throttle(5, guid=hotmesh.guid)  # a valid message after it is applied
    await eventually(lambda: _true(hotmesh._throttle.ms == 5))
    assert hotmesh.workers[0].throttle.ms == 0
    # the bounds themselves are valid
    await hotmesh.throttle(2_147_483_647, guid=hotmesh.workers[0].guid)
    await eventually(lambda: _true(hotmesh.workers[0].throttle.ms == 2_147_483_647))


# -- activation -------------------------------------------------------------------------------

async def test_activation_across_two_engines_while_jobs_run(mesh, spawn, tables):
    db = tables
    gate = asyncio.Event()
    started: list[str] = []

    async def gated(message: dict) -> dict:
        started.append(message["data"]["key"])
        await gate.wait()
        return {"data": {"pid": os.getpid(), "version": message["data"]["version"]}}

    hotmesh = await mesh("qapp", workers=[{"topic": "q.work", "callback": gated,
                                           "concurrency": 8}])
    await hotmesh.deploy(manifest("1"))
    await hotmesh.activate("1")
    other = await spawn("qapp")  # a second engine, in another process
    assert len(await hotmesh.roll_call()) == 3

    before = [await hotmesh.pub("q.start", {"key": f"before-{n}"}) for n in range(3)]
    await eventually(lambda: _true(len(started) == 3))
    await hotmesh.deploy(manifest("2"))
    assert await hotmesh.activate("2") is True

    after = [await hotmesh.pub("q.start", {"key": "after-here"})]
    await hotmesh.pub_quorum({"type": "user", "message": {
        "command": "pub", "topic": "q.start", "data": {"key": "after-there"}}})
    after += [await eventually(lambda: _command_job(db, other["pid"]))]
    gate.set()
    outputs = {key: (await hotmesh.wait_for(key, timeout=30))["data"]["version"]
               for key in before + after}
    assert outputs == {"before-0": "1", "before-1": "1", "before-2": "1",
                       "after-here": "2", "after-there": "2"}
    assert db.execute("SELECT key, version FROM hotmesh.jobs ORDER BY key").fetchall() == [
        ("after-here", "2"), ("after-there", "2"),
        ("before-0", "1"), ("before-1", "1"), ("before-2", "1")]
    assert db.execute("SELECT version, status FROM hotmesh.app_versions ORDER BY version"
                      ).fetchall() == [("1", "deployed"), ("2", "activated")]


async def _command_job(db, pid: int) -> str | None:
    row = db.execute("SELECT job_id FROM test_commands WHERE pid = %s", (pid,)).fetchone()
    return row[0] if row else None


async def test_a_lone_engine_activates_and_concurrent_activations_agree(mesh, tables):
    first = await mesh("qapp")
    await first.deploy(manifest("1"))
    assert await first.activate("1") is True  # the quorum of one
    assert await first.activate(1) is True  # already active: nothing to switch
    second = await mesh("qapp")
    await first.deploy(manifest("2"))
    assert await asyncio.gather(first.activate("2"), second.activate("2")) == [True, True]
    assert tables.execute("SELECT active_version FROM hotmesh.apps").fetchone() == ("2",)


async def test_activation_refuses_an_undeployed_version_before_any_roll_call(mesh, tables):
    from pyhotmesh import DeploymentError

    hotmesh = await mesh("qapp")
    await hotmesh.deploy(manifest("1"))
    seen: list[str] = []
    await hotmesh.sub_quorum(lambda channel, message: seen.append(message["type"]))
    with pytest.raises(DeploymentError, match="version 9 of app qapp is not deployed"):
        await hotmesh.activate("9")
    await hotmesh.pub_quorum({"type": "user", "message": "sentinel"})
    await eventually(lambda: _true("user" in seen))
    assert "ping" not in seen and "activate" not in seen


# -- user messages ----------------------------------------------------------------------------

async def test_pub_quorum_reaches_every_process_and_unsub_stops_delivery(mesh, spawn, tables):
    db = tables
    app = "q" * 60  # too long for a readable channel name: hashed
    hotmesh = await mesh(app)
    others = [await spawn(app), await spawn(app)]
    first: list[dict] = []
    second: list[dict] = []

    async def on_first(channel: str, message: dict) -> None:
        if message["type"] == "user":
            first.append(message)

    await hotmesh.sub_quorum(on_first)
    await hotmesh.pub_quorum({"type": "user", "topic": "greeting", "message": {"hello": 1}})

    def received(n: int):
        async def check():
            rows = db.execute("SELECT pid, message FROM test_received").fetchall()
            return rows if len(rows) == n else None
        return check

    rows = await eventually(received(2))
    assert sorted(pid for pid, _ in rows) == sorted(o["pid"] for o in others)
    assert all(m == {"type": "user", "topic": "greeting", "message": {"hello": 1}}
               for _, m in rows)
    await eventually(lambda: _true(first))
    assert first == [{"type": "user", "topic": "greeting", "message": {"hello": 1}}]

    await hotmesh.unsub_quorum(on_first)
    await hotmesh.sub_quorum(lambda channel, message: second.append(message)
                             if message["type"] == "user" else None)
    await hotmesh.pub_quorum({"message": "again"})  # the type defaults to 'user'
    await eventually(lambda: _true(second))
    assert second == [{"type": "user", "message": "again"}]
    assert len(first) == 1, "an unsubscribed callback gets nothing more"


async def test_a_large_message_travels_by_reference(mesh, spawn, tables):
    db = tables
    hotmesh = await mesh("big")
    other = await spawn("big")
    mine: list[dict] = []
    await hotmesh.sub_quorum(lambda channel, message: mine.append(message)
                             if message["type"] == "user" else None)
    blob = "é" * 20_000  # 40,000 bytes: five times what a NOTIFY can carry
    await hotmesh.pub_quorum({"type": "user", "message": {"blob": blob}})
    row = await eventually(lambda: _received(db))
    assert row == (other["pid"], 20_000)
    await eventually(lambda: _true(mine))
    assert mine[0]["message"]["blob"] == blob
    assert db.execute("SELECT count(*) FROM hotmesh.quorum_payloads").fetchone()[0] == 1


async def _received(db):
    return db.execute("SELECT pid, length(message #>> '{message,blob}') FROM test_received"
                      ).fetchone()


async def test_pub_quorum_refuses_what_is_not_a_message(mesh, tables):
    hotmesh = await mesh("picky")
    with pytest.raises(QuorumError, match="a quorum message is a dict"):
        await hotmesh.pub_quorum("hello")
    with pytest.raises(QuorumError, match="must be JSON"):
        await hotmesh.pub_quorum({"message": object()})
    with pytest.raises(ThrottleError):
        await hotmesh.pub_quorum({"type": "throttle", "throttle": -5})


# -- the parts --------------------------------------------------------------------------------

def test_members_are_targeted_by_guid_topic_and_scope():
    engine = Member("e1", "engine", Throttle())
    worker = Member("w1", "worker", Throttle(), topic="t.a")
    cases = {
        "everyone": ({"throttle": 1}, True, True),
        "guid": ({"guid": "w1"}, False, True),
        "topic": ({"topic": "t.a"}, False, True),
        "other topic": ({"topic": "t.b"}, False, False),
        "engines": ({"scope": "engines"}, True, False),
        "workers": ({"scope": "workers"}, False, True),
        "HotMesh's engines form (topic null)": ({"topic": None}, True, False),
    }
    for name, (message, to_engine, to_worker) in cases.items():
        assert (engine.targeted_by(message), worker.targeted_by(message)) == (
            to_engine, to_worker), name


def test_host_health_and_timestamps_come_from_the_stdlib():
    health = system_health()
    assert health["TotalMemoryGB"] > 0
    assert 0 <= health["FreeMemoryGB"] <= health["TotalMemoryGB"]
    assert health["UsedMemoryGB"] == pytest.approx(
        health["TotalMemoryGB"] - health["FreeMemoryGB"], abs=0.02)
    assert len(health["CPULoad"]) == 3
    assert re.fullmatch(r"\d{14}\.\d{3}", compact_iso())
