"""End-to-end tests of the worker host on a real Postgres: real processes, real crashes."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest

from pyhotmesh.errors import ConfigurationError
from pyhotmesh.worker import Worker

HELPER = Path(__file__).with_name("worker_process.py")
APP = "test"


def wait_until(predicate, timeout: float = 60.0, interval: float = 0.05) -> None:
    """Poll predicate() until it is true; fail the test after timeout seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(interval)


async def async_wait_until(predicate, timeout: float = 60.0, interval: float = 0.02) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        await asyncio.sleep(interval)


def publish(db: psycopg.Connection, topic: str, keys: list[str], options: str = "{}") -> list[int]:
    messages = psycopg.types.json.Jsonb([{"data": {"key": k}} for k in keys])
    rows = db.execute(
        "SELECT id FROM hotmesh.stream_publish(%s, %s, %s, %s) AS id",
        (APP, topic, messages, options),
    ).fetchall()
    return [r[0] for r in rows]


def start_worker_process(dsn: str, topic: str, *extra: str) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, str(HELPER), "--dsn", dsn, "--topic", topic, *extra],
        stdout=subprocess.PIPE, text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    return proc


def stop_process(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def record_tables(db: psycopg.Connection) -> psycopg.Connection:
    db.execute("CREATE TABLE test_processed (key text NOT NULL, pid int NOT NULL)")
    db.execute("CREATE TABLE test_started (key text NOT NULL, pid int NOT NULL)")
    return db


def test_two_processes_drain_one_topic_exactly_once(dsn, record_tables):
    db = record_tables
    keys = [f"m{i}" for i in range(3000)]
    publish(db, "drain", keys)
    workers = [start_worker_process(dsn, "drain", "--concurrency", "8") for _ in range(2)]
    try:
        wait_until(lambda: db.execute("SELECT count(*) FROM test_processed").fetchone()[0]
                   >= len(keys) and db.execute(
                       "SELECT hotmesh.stream_depth(%s, 'drain')", (APP,)).fetchone()[0] == 0,
                   timeout=120)
    finally:
        for proc in workers:
            stop_process(proc)
    counts = dict(db.execute("SELECT key, count(*) FROM test_processed GROUP BY key").fetchall())
    assert set(counts) == set(keys)
    assert set(counts.values()) == {1}, "some message was processed more than once"
    per_process = db.execute("SELECT pid, count(*) FROM test_processed GROUP BY pid").fetchall()
    assert len(per_process) == 2, "both processes should have taken a share"
    stats = db.execute("SELECT * FROM hotmesh.stream_stats(%s, 'drain')", (APP,)).fetchone()
    assert stats == (0, 0, 0, 3000, 0)


def test_kill_9_mid_callback_redelivers_after_lease(dsn, record_tables):
    db = record_tables
    [message_id] = publish(db, "crash", ["only"])
    doomed = start_worker_process(dsn, "crash", "--mode", "hang", "--lease-ms", "1000")
    try:
        wait_until(lambda: db.execute("SELECT count(*) FROM test_started").fetchone()[0] == 1)
        doomed.send_signal(signal.SIGKILL)
        doomed.wait()
        survivor = start_worker_process(dsn, "crash", "--lease-ms", "1000")
        try:
            wait_until(lambda: db.execute(
                "SELECT expired_at IS NOT NULL FROM hotmesh.worker_streams WHERE id = %s",
                (message_id,)).fetchone()[0])
        finally:
            stop_process(survivor)
    finally:
        stop_process(doomed)
    row = db.execute(
        "SELECT deliveries, reclaims, dead_lettered_at FROM hotmesh.worker_streams WHERE id = %s",
        (message_id,),
    ).fetchone()
    assert row == (2, 1, None)
    done = db.execute("SELECT key, pid FROM test_processed").fetchall()
    assert [key for key, _ in done] == ["only"]
    assert done[0][1] != doomed.pid


async def test_failing_callback_retries_with_backoff_then_dead_letters(dsn, db):
    """Backoff checked on the test clock: the worker sees time only move when we move it."""
    db.execute(psycopg.sql.SQL("ALTER DATABASE {} SET hotmesh.clock = 'test'").format(
        psycopg.sql.Identifier(db.info.dbname)))
    t0 = db.execute("SELECT hotmesh.set_test_clock('2030-01-01 00:00:00+00')").fetchone()[0]
    [message_id] = publish(db, "flaky", ["boom"])
    calls: list[float] = []

    async def callback(message: dict) -> None:
        calls.append(time.monotonic())
        raise ValueError(f"cannot handle {message['data']['key']}")

    def row():
        return db.execute(
            "SELECT retry_attempt, visible_at, dead_lettered_at, dead_letter_reason, last_error"
            " FROM hotmesh.worker_streams WHERE id = %s", (message_id,)).fetchone()

    worker = Worker(app_id=APP, topic="flaky", callback=callback, connection=dsn,
                    poll_interval=0.02,
                    retry={"maximumAttempts": 3, "backoffCoefficient": 2, "initialInterval": 1})
    await worker.start()
    try:
        await async_wait_until(lambda: (row()[0] == 1))
        assert row()[1] - t0 == timedelta(seconds=2), "first retry waits initial × coefficient"
        await asyncio.sleep(0.2)
        assert len(calls) == 1, "the retry must not run before its visible time"

        db.execute("SELECT hotmesh.advance_test_clock('2 seconds')")
        await async_wait_until(lambda: (row()[0] == 2))
        assert row()[1] - t0 == timedelta(seconds=2 + 4), "second retry waits initial × 2²"

        db.execute("SELECT hotmesh.advance_test_clock('4 seconds')")
        await async_wait_until(lambda: (row()[2] is not None))
    finally:
        await worker.stop()
    attempt, _, dead_at, reason, error = row()
    assert len(calls) == 3 and attempt == 3
    assert dead_at == t0 + timedelta(seconds=6)
    assert reason == "failed 3 of 3 attempts"
    assert error["message"] == "cannot handle boom" and error["name"] == "ValueError"
    assert worker.counts["retried"] == 2 and worker.counts["dead_lettered"] == 1


async def test_dropped_connections_are_survived(dsn, db):
    seen: list[str] = []

    async def callback(message: dict) -> None:
        await asyncio.sleep(0.01)
        seen.append(message["data"]["key"])

    worker = Worker(app_id=APP, topic="resilient", callback=callback, connection=dsn,
                    concurrency=4, reclaim_delay=1000, poll_interval=0.1)
    await worker.start()
    try:
        publish(db, "resilient", [f"a{i}" for i in range(50)])
        await async_wait_until(lambda: (len(set(seen)) >= 10))
        killed = db.execute(
            "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()) t").fetchone()[0]
        assert killed >= 2, "the worker's pool and LISTEN connections should have been cut"
        publish(db, "resilient", [f"b{i}" for i in range(50)])
        await async_wait_until(
            lambda: (db.execute("SELECT hotmesh.stream_depth(%s, 'resilient')",
                                      (APP,)).fetchone()[0] == 0), timeout=60)
    finally:
        await worker.stop()
    expected = {f"a{i}" for i in range(50)} | {f"b{i}" for i in range(50)}
    assert set(seen) == expected
    dead = db.execute("SELECT count(*) FROM hotmesh.worker_streams WHERE dead_lettered_at"
                      " IS NOT NULL").fetchone()[0]
    assert dead == 0


async def test_notification_wakes_an_idle_worker_before_its_poll(dsn, db):
    got = asyncio.Event()

    async def callback(message: dict) -> None:
        got.set()

    worker = Worker(app_id=APP, topic="wake", callback=callback, connection=dsn,
                    poll_interval=30)
    await worker.start()
    try:
        await asyncio.sleep(0.3)  # the first (empty) poll is done; next one is 30 s away
        publish(db, "wake", ["ping"])
        await asyncio.wait_for(got.wait(), timeout=10)
    finally:
        await worker.stop()


async def test_a_worker_with_a_backlog_is_not_notified_and_is_again_once_idle(dsn, db):
    """Publishers NOTIFY only registered consumers: a worker whose dequeues come back full
    takes itself off the list (it comes back for more anyway), and goes back on it when it
    runs dry, so that a message published then still wakes it long before its poll."""
    got: list[str] = []

    async def callback(message: dict) -> None:
        got.append(message["data"]["key"])
        await asyncio.sleep(0.01)

    def registered() -> bool:
        return db.execute("SELECT count(*) FROM hotmesh.stream_listeners WHERE consumer = %s",
                          (worker.guid,)).fetchone()[0] == 1

    # never fully busy (more slots than messages): only the full batches tell of the backlog
    worker = Worker(app_id=APP, topic="backlog", callback=callback, connection=dsn,
                    concurrency=500, batch_size=5, poll_interval=30)
    await worker.start()
    try:
        await async_wait_until(registered)  # idle: on the list
        publish(db, "backlog", [f"k{i}" for i in range(200)])
        seen_off = False
        while len(got) < 200:
            seen_off = seen_off or not registered()
            await asyncio.sleep(0.005)
        assert seen_off, "the busy worker stayed registered for NOTIFY"
        await async_wait_until(registered, timeout=10)  # dry again: back on the list
        publish(db, "backlog", ["late"])
        await async_wait_until(lambda: "late" in got, timeout=10)  # woken, not polled (30 s)
    finally:
        await worker.stop()


async def test_runs_at_most_concurrency_callbacks_at_once(dsn, db):
    running = 0
    peak = 0

    async def callback(message: dict) -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.05)
        running -= 1

    publish(db, "busy", [f"k{i}" for i in range(40)])
    worker = Worker(app_id=APP, topic="busy", callback=callback, connection=dsn,
                    concurrency=4, poll_interval=0.05)
    await worker.start()
    try:
        await async_wait_until(lambda: (worker.counts["acked"] == 40))
    finally:
        await worker.stop()
    assert peak == 4


async def test_heartbeat_keeps_the_lease_of_a_long_callback(dsn, db):
    calls = 0

    async def callback(message: dict) -> None:
        nonlocal calls
        calls += 1
        await asyncio.sleep(1.5)  # five times the lease

    [message_id] = publish(db, "slow", ["long"])
    worker = Worker(app_id=APP, topic="slow", callback=callback, connection=dsn,
                    reclaim_delay=300, poll_interval=0.05)
    other = Worker(app_id=APP, topic="slow", callback=callback, connection=dsn,
                   reclaim_delay=300, poll_interval=0.05)
    await worker.start()
    await other.start()
    try:
        await async_wait_until(lambda: (worker.counts["acked"] + other.counts["acked"] == 1))
    finally:
        await worker.stop()
        await other.stop()
    assert calls == 1
    deliveries, reclaims = db.execute(
        "SELECT deliveries, reclaims FROM hotmesh.worker_streams WHERE id = %s",
        (message_id,)).fetchone()
    assert (deliveries, reclaims) == (1, 0)


async def test_graceful_stop_finishes_running_callbacks(dsn, db):
    started = asyncio.Event()
    finished: list[str] = []

    async def callback(message: dict) -> None:
        started.set()
        await asyncio.sleep(0.3)
        finished.append(message["data"]["key"])

    publish(db, "stopping", ["a", "b"])
    worker = Worker(app_id=APP, topic="stopping", callback=callback, connection=dsn,
                    concurrency=2, poll_interval=0.05)
    await worker.start()
    await asyncio.wait_for(started.wait(), 10)
    await worker.stop()
    assert sorted(finished) == ["a", "b"]
    stats = db.execute("SELECT * FROM hotmesh.stream_stats(%s, 'stopping')", (APP,)).fetchone()
    assert stats == (0, 0, 0, 2, 0)


async def test_stop_timeout_releases_unfinished_messages(dsn, db):
    started = asyncio.Event()

    async def callback(message: dict) -> None:
        started.set()
        await asyncio.sleep(3600)

    [message_id] = publish(db, "stuck", ["x"])
    worker = Worker(app_id=APP, topic="stuck", callback=callback, connection=dsn,
                    poll_interval=0.05)
    await worker.start()
    await asyncio.wait_for(started.wait(), 10)
    await worker.stop(timeout=0.1)
    row = db.execute("SELECT reserved_at, expired_at, reclaims FROM hotmesh.worker_streams"
                     " WHERE id = %s", (message_id,)).fetchone()
    assert row == (None, None, 0), "the message is ready again, not counted as a reclaim"


async def test_readonly_worker_never_dequeues(dsn, db):
    async def callback(message: dict) -> None:
        raise AssertionError("a readonly worker must not run callbacks")

    publish(db, "ro", ["x"])
    worker = Worker(app_id=APP, topic="ro", callback=callback, connection=dsn,
                    readonly=True, poll_interval=0.02)
    await worker.start()
    try:
        await asyncio.sleep(0.3)
        ids = await worker.streams.publish("ro", {"data": {"key": "y"}})
        assert len(ids) == 1, "a readonly worker can still publish"
    finally:
        await worker.stop()
    stats = db.execute("SELECT * FROM hotmesh.stream_stats(%s, 'ro')", (APP,)).fetchone()
    assert stats == (2, 0, 0, 0, 0)


async def test_sync_callbacks_run_in_a_thread(dsn, db):
    seen = []
    publish(db, "sync", ["s1", "s2"])
    worker = Worker(app_id=APP, topic="sync", callback=lambda m: seen.append(m["data"]["key"]),
                    connection=dsn, poll_interval=0.05)
    await worker.start()
    try:
        await async_wait_until(lambda: (worker.counts["acked"] == 2))
    finally:
        await worker.stop()
    assert sorted(seen) == ["s1", "s2"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"app_id": ""}, "worker app_id must be a non-empty string"),
        ({"topic": ""}, "worker topic must be a non-empty string"),
        ({"callback": "nope"}, "worker callback for topic 't' is not callable"),
        ({"concurrency": 0}, "worker concurrency must be >= 1, got 0"),
        ({"reclaim_delay": 5}, "worker reclaim_delay must be at least 100 ms, got 5"),
    ],
)
def test_bad_worker_options_are_named(options, message):
    base = {"app_id": APP, "topic": "t", "callback": lambda m: None,
            "connection": "postgresql://localhost/x"}
    with pytest.raises(ConfigurationError) as err:
        Worker(**{**base, **options})
    assert str(err.value) == message
