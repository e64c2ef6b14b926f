"""Crash safety, tested: a worker killed between its callback and its response, and Postgres
restarted (crash-stopped) in the middle of a run of 200 jobs."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import psycopg

from pyhotmesh import HotMesh
from pyhotmesh.local_postgres import ThrowawayPostgres
from pyhotmesh.migrate import migrate

HELPER = Path(__file__).with_name("worker_process.py")

ONE_STEP = """
app:
  id: crash
  version: '1'
  graphs:
    - subscribes: crash.start
      activities:
        t1:
          type: trigger
          stats: {id: '{$self.input.data.key}'}
        work:
          type: worker
          topic: crash.work
          input: {maps: {key: '{t1.output.data.key}'}}
          job: {maps: {done_by: '{$self.output.data.pid}'}}
      transitions:
        t1: [{to: work}]
"""


def spawn(dsn: str, *args: str) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, str(HELPER), "--dsn", dsn, "--app", "crash",
                             "--topic", "crash.work", *args], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    return proc


async def test_a_worker_killed_after_its_callback_but_before_responding(dsn, db):
    db.execute("CREATE TABLE test_processed (key text NOT NULL, pid int NOT NULL)")
    db.execute("CREATE TABLE test_started (key text NOT NULL, pid int NOT NULL)")
    hotmesh = await HotMesh.init(app_id="crash", engine={"connection": dsn})
    try:
        await hotmesh.deploy(textwrap.dedent(ONE_STEP))
        await hotmesh.activate("1")
        doomed = spawn(dsn, "--mode", "die-before-respond", "--lease-ms", "1000")
        job_id = await hotmesh.pub("crash.start", {"key": "k-1"})
        assert doomed.wait(timeout=30) == -signal.SIGKILL, "the worker died in its callback"
        survivor = spawn(dsn, "--lease-ms", "1000")
        try:
            output = await hotmesh.wait_for(job_id, timeout=30)
        finally:
            survivor.send_signal(signal.SIGTERM)
            survivor.wait(timeout=30)
    finally:
        await hotmesh.stop()
    assert output["data"] == {"done_by": survivor.pid}
    assert db.execute("SELECT count(*) FROM test_started").fetchone() == (1,)
    assert db.execute("SELECT key, pid FROM test_processed").fetchall() == [("k-1", survivor.pid)]
    instance = db.execute("SELECT leg2_count, finalized_at IS NOT NULL FROM"
                          " hotmesh.activity_instances WHERE activity_id = 'work'").fetchone()
    assert instance == (1, True), "the job's worker step was applied exactly once"
    message = db.execute("SELECT deliveries, reclaims, responded_at IS NOT NULL"
                         " FROM hotmesh.worker_streams").fetchone()
    assert message == (2, 1, True)


SEQUENCE = """
app:
  id: many
  version: '1'
  graphs:
    - subscribes: many.start
      activities:
        t1:
          type: trigger
          stats: {id: '{$self.input.data.key}'}
        s1: {type: worker, topic: many.step, input: {maps: {n: '{t1.output.data.n}'}}}
        s2: {type: worker, topic: many.step, input: {maps: {n: '{s1.output.data.n}'}}}
        s3:
          type: worker
          topic: many.step
          input: {maps: {n: '{s2.output.data.n}'}}
          job: {maps: {result: '{$self.output.data.n}'}}
      transitions:
        t1: [{to: s1}]
        s1: [{to: s2}]
        s2: [{to: s3}]
"""


async def test_postgres_restarted_mid_run_of_200_jobs(tmp_path):
    calls = 0

    async def add_one(message: dict) -> dict:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.005)
        return {"data": {"n": message["data"]["n"] + 1}}

    with ThrowawayPostgres() as pg:
        migrate(pg.dsn())
        hotmesh = await HotMesh.init(
            app_id="many", engine={"connection": pg.dsn(), "poll_interval": 0.1},
            workers=[{"topic": "many.step", "callback": add_one, "concurrency": 8,
                      "reclaim_delay": 1000, "poll_interval": 0.1}])
        try:
            await hotmesh.deploy(textwrap.dedent(SEQUENCE))
            await hotmesh.activate("1")
            job_ids = [await hotmesh.pub("many.start", {"key": f"job-{n}", "n": n})
                       for n in range(200)]
            while calls < 150:
                await asyncio.sleep(0.01)
            await asyncio.to_thread(pg.restart, "immediate")  # crash stop, recovery on start
            for job_id in job_ids:
                await hotmesh.wait_for(job_id, timeout=90)
        finally:
            await hotmesh.stop()
        with psycopg.connect(pg.dsn()) as conn:
            statuses = conn.execute("SELECT status, count(*) FROM hotmesh.jobs GROUP BY status"
                                    ).fetchall()
            results = dict(conn.execute(
                "SELECT j.key, a.value FROM hotmesh.jobs j JOIN hotmesh.jobs_attributes a"
                " ON a.job_id = j.id AND a.field = 'data/result'").fetchall())
            steps = conn.execute(
                "SELECT count(*), max(leg2_count), max(arrivals), count(finalized_at)"
                " FROM hotmesh.activity_instances WHERE activity_id <> 't1'").fetchone()
            unanswered = conn.execute(
                "SELECT count(*) FROM hotmesh.worker_streams WHERE responded_at IS NULL"
            ).fetchone()[0]
    assert statuses == [(0, 200)], "every job completed"
    assert results == {f"job-{n}": n + 3 for n in range(200)}, "each step applied exactly once"
    assert steps == (600, 1, 1, 600), "no step ran its leg 1 or leg 2 twice"
    assert unanswered == 0
    assert calls >= 600
