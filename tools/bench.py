#!/usr/bin/env python3
"""`make bench`: pyhotmesh throughput beside a raw pgbench ceiling measured in the same run.

Ceilings (pgbench, same server, same client count):
  insert      one-row INSERT, one transaction each
  queue step  the life of a message in a hand-written SKIP LOCKED queue: an INSERT, then a
              claim-and-delete (two transactions per message)
Streams (pyhotmesh): a publisher process publishes one message per call while one worker
process with `concurrency` callbacks dequeues and acks them; figures are messages per second
from the first publish to the last ack, and their ratio to the queue-step ceiling.

W1 (workflows): N workflows of 3 sequential worker steps; one worker process runs 16
callbacks at once while the bench publishes (4 connections); figures are workflows/s, steps/s
(and their ratio to the queue-step ceiling), commits per workflow (pg_stat_database), and the
p50/p99 latency of a single workflow under light load (pubsub, one at a time). W1 runs in
--rounds rounds (5), each between two queue-step ceilings (its ratio is to their mean), and the
round with the median ratio is reported beside the ratios of all: this machine's speed drifts
by a fifth within a minute, and a ceiling taken a minute earlier measured another machine.

CPU (when the server runs on this machine): milliseconds of CPU per queue-step message
(server and pgbench) and per W1 step (server, worker process, publishing client), and their
ratio. When both runs keep the CPUs busy, that ratio is what bounds W1's ratio of rates; when
the ceiling is bound by the disk's flushes instead, it is not.

The worker and publishing processes run on pyhotmesh.run: on uvloop when it is installed (as
`make setup` does; HOTMESH_EVENT_LOOP=asyncio for asyncio's own loop).

Runs on its own throwaway Postgres unless --dsn is given (then it creates a scratch database).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import resource
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from psycopg import sql  # noqa: E402
from psycopg.conninfo import make_conninfo  # noqa: E402
from psycopg_pool import AsyncConnectionPool  # noqa: E402

from pyhotmesh.engine import HotMesh  # noqa: E402
from pyhotmesh.event_loop import loop_name, run as run_loop  # noqa: E402
from pyhotmesh.local_postgres import (  # noqa: E402
    LocalPostgresError, ThrowawayPostgres, find_bindir, libpq_environment)
from pyhotmesh.migrate import migrate  # noqa: E402
from pyhotmesh.stream import Streams  # noqa: E402
from pyhotmesh.worker import Worker  # noqa: E402
from server_cpu import postmaster_pid, server_cpu_seconds  # noqa: E402  (tools/ is on the path)

INSERT_SCRIPT = "INSERT INTO bench_insert (payload) VALUES ('{\"n\": 1}');\n"
QUEUE_SCRIPT = """\
INSERT INTO bench_queue (payload) VALUES ('{"n": 1}');
WITH claimed AS (
    SELECT id FROM bench_queue ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED
)
DELETE FROM bench_queue q USING claimed WHERE q.id = claimed.id;
"""


# -- the pgbench ceiling ---------------------------------------------------------------------


def _pgbench() -> str:
    """The server's own pgbench when its binaries are found, else the one on PATH."""
    try:
        return shutil.which("pgbench", path=str(find_bindir())) or "pgbench"
    except LocalPostgresError:
        return "pgbench"


class CPUMeter:
    """CPU seconds of the server (when it is local) and of this process's waited-for children
    (pgbench, the worker process) over a measured stretch."""

    def __init__(self, dsn: str) -> None:
        self.postmaster = postmaster_pid(dsn)

    def read(self) -> tuple[float | None, float, float]:
        server = server_cpu_seconds(self.postmaster) if self.postmaster else None
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        own = resource.getrusage(resource.RUSAGE_SELF)
        return (server, children.ru_utime + children.ru_stime, own.ru_utime + own.ru_stime)

    def since(self, start: tuple[float | None, float, float],
              wait: bool = True) -> dict[str, float | None]:
        if wait:
            time.sleep(0.2)  # exited backends are reaped (and their time handed on) meanwhile
        now = self.read()
        return {"server": None if start[0] is None else now[0] - start[0],
                "children": now[1] - start[1], "own": now[2] - start[2]}


def pgbench(dsn: str, script: str, clients: int, seconds: int,
            meter: CPUMeter | None = None) -> dict[str, float | None]:
    """Transactions (script runs) per second, and with a meter the CPU milliseconds per
    transaction of the server and of pgbench."""
    env = libpq_environment(dsn)
    start = meter.read() if meter else None
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as handle:
        handle.write(script)
    try:
        result = subprocess.run(
            [_pgbench(), "-n", "-M", "prepared", "-c", str(clients),
             "-j", str(min(clients, os.cpu_count() or 1)), "-T", str(seconds), "-f", handle.name],
            capture_output=True, text=True, env=env, check=True,
        )
    finally:
        os.unlink(handle.name)
    match = re.search(r"tps = ([\d.]+)", result.stdout)
    processed = re.search(r"number of transactions actually processed: (\d+)", result.stdout)
    if not match or not processed:
        raise RuntimeError(f"unexpected pgbench output:\n{result.stdout}\n{result.stderr}")
    figures: dict[str, float | None] = {"tps": float(match.group(1))}
    if meter and start:
        used, runs = meter.since(start), int(processed.group(1))
        figures["server_cpu_ms"] = (None if used["server"] is None
                                    else used["server"] * 1000 / runs)
        figures["client_cpu_ms"] = used["children"] * 1000 / runs
    return figures


def settle(dsn: str) -> None:
    """Start a measurement from a quiet server: the last one's dirty pages written out (a
    checkpoint running meanwhile would slow every commit of the next one)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CHECKPOINT")


def ceilings(dsn: str, clients: int, seconds: int) -> dict[str, dict[str, float | None]]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE bench_insert (id bigserial PRIMARY KEY, payload jsonb)")
        conn.execute("CREATE TABLE bench_queue (id bigserial PRIMARY KEY, payload jsonb)")
    settle(dsn)
    insert = pgbench(dsn, INSERT_SCRIPT, clients, seconds)
    settle(dsn)
    return {"insert": insert,
            "queue_step": pgbench(dsn, QUEUE_SCRIPT, clients, seconds, CPUMeter(dsn))}


# -- pyhotmesh streams -------------------------------------------------------------------------


def _publisher(dsn: str, topic: str, count: int, connections: int) -> None:
    """Publish `count` messages, one per call, over `connections` concurrent connections."""

    async def run() -> None:
        pool = AsyncConnectionPool(dsn, min_size=connections, max_size=connections,
                                   kwargs={"autocommit": True}, open=False)
        await pool.open()
        streams = Streams(pool, "bench")
        queue = iter(range(count))

        async def lane() -> None:
            for n in queue:
                await streams.publish(topic, {"data": {"n": n}})

        await asyncio.gather(*(lane() for _ in range(connections)))
        await pool.close()

    run_loop(run())


def _consumer(dsn: str, topic: str, count: int, concurrency: int, done: "multiprocessing.Queue") -> None:
    async def run() -> None:
        finished = asyncio.Event()

        async def callback(message: dict) -> None:
            return None

        worker = Worker(app_id="bench", topic=topic, callback=callback, connection=dsn,
                        concurrency=concurrency, poll_interval=0.05,
                        batch_size=max(concurrency, 10))
        await worker.start()

        async def watch() -> None:
            while worker.counts["acked"] < count:
                await asyncio.sleep(0.01)
            finished.set()

        watcher = asyncio.create_task(watch())
        await finished.wait()
        await watcher
        done.put(time.time())
        await worker.stop()

    run_loop(run())


def stream_throughput(dsn: str, count: int, concurrency: int, publishers: int) -> dict[str, float]:
    topic = f"bench-{concurrency}-{secrets.token_hex(3)}"
    context = multiprocessing.get_context("spawn")
    done = context.Queue()
    consumer = context.Process(target=_consumer, args=(dsn, topic, count, concurrency, done))
    consumer.start()
    time.sleep(1.0)  # let the worker connect and LISTEN before the clock starts
    started = time.time()
    publisher = context.Process(target=_publisher, args=(dsn, topic, count, publishers))
    publisher.start()
    publisher.join()
    published = time.time()
    finished = done.get(timeout=600)
    consumer.join()
    with psycopg.connect(dsn) as conn:
        stats = conn.execute("SELECT * FROM hotmesh.stream_stats('bench', %s)", (topic,)).fetchone()
    if stats != (0, 0, 0, count, 0):
        raise RuntimeError(f"stream {topic} did not end clean: {stats}")
    return {
        "messages_per_s": count / (finished - started),
        "publish_per_s": count / (published - started),
    }


# -- W1: workflows of three worker steps ---------------------------------------------------

W1_GRAPH = """
app:
  id: w1
  version: '1'
  graphs:
    - subscribes: w1.start
      activities:
        t1: {type: trigger}
        s1: {type: worker, topic: w1.step, input: {maps: {n: '{t1.output.data.n}'}}}
        s2: {type: worker, topic: w1.step, input: {maps: {n: '{s1.output.data.n}'}}}
        s3:
          type: worker
          topic: w1.step
          input: {maps: {n: '{s2.output.data.n}'}}
          job: {maps: {result: '{$self.output.data.n}'}}
      transitions:
        t1: [{to: s1}]
        s1: [{to: s2}]
        s2: [{to: s3}]
"""


async def _step(message: dict) -> dict:
    return {"data": {"n": message["data"].get("n", 0) + 1}}


def _w1_worker(dsn: str, ready: "multiprocessing.Event", stop: "multiprocessing.Event",
               cpu: "multiprocessing.Queue") -> None:
    async def run() -> None:
        hotmesh = await HotMesh.init(
            app_id="w1", engine={"connection": dsn, "readonly": True},
            workers=[{"topic": "w1.step", "callback": _step, "concurrency": 16,
                      "poll_interval": 0.05}])
        ready.set()
        while not stop.is_set():
            await asyncio.sleep(0.05)
        await hotmesh.stop()

    run_loop(run())
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu.put(usage.ru_utime + usage.ru_stime)


def _commits(dsn: str) -> int:
    with psycopg.connect(dsn) as conn:
        conn.execute("SELECT pg_stat_clear_snapshot()")
        return conn.execute("SELECT xact_commit FROM pg_stat_database"
                            " WHERE datname = current_database()").fetchone()[0]


async def _w1_run(dsn: str, workflows: int, publishers: int) -> dict[str, float]:
    hotmesh = await HotMesh.init(app_id="w1", engine={"connection": dsn, "readonly": True})
    try:
        await hotmesh.deploy(W1_GRAPH)
        await hotmesh.activate("1")
        # light load: one workflow at a time, end to end (pub -> 3 steps -> completion)
        latencies = []
        for n in range(200):
            started = time.perf_counter()
            await hotmesh.pubsub("w1.start", {"n": n}, timeout=30)
            latencies.append((time.perf_counter() - started) * 1000)
        latencies.sort()
        # throughput: many workflows at once
        commits_before = _commits(dsn)
        meter = CPUMeter(dsn)
        cpu_before = meter.read()
        started = time.perf_counter()
        queue = iter(range(workflows))
        job_ids: list[str] = []

        async def lane() -> None:
            for n in queue:
                job_ids.append(await hotmesh.pub("w1.start", {"n": n}))

        await asyncio.gather(*(lane() for _ in range(publishers)))
        for job_id in job_ids:  # completions arrive by NOTIFY; most are in already
            await hotmesh.wait_for(job_id, timeout=120)
        elapsed = time.perf_counter() - started
        await asyncio.sleep(0.5)  # let the statistics collector catch up
        used = meter.since(cpu_before, wait=False)
        commits = _commits(dsn) - commits_before
    finally:
        await hotmesh.stop()
    return {
        "workflows_per_s": workflows / elapsed,
        "steps_per_s": 3 * workflows / elapsed,
        "commits_per_workflow": commits / workflows,
        "p50_ms": latencies[len(latencies) // 2],
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1],
        "server_cpu_ms_per_step": (None if used["server"] is None
                                   else used["server"] * 1000 / (3 * workflows)),
        "client_cpu_ms_per_step": used["own"] * 1000 / (3 * workflows),
    }


def workflow_throughput(dsn: str, workflows: int, publishers: int) -> dict[str, float]:
    context = multiprocessing.get_context("spawn")
    ready, stop, cpu = context.Event(), context.Event(), context.Queue()
    worker = context.Process(target=_w1_worker, args=(dsn, ready, stop, cpu))
    worker.start()
    try:
        if not ready.wait(60):
            raise RuntimeError("the W1 worker process did not start")
        result = run_loop(_w1_run(dsn, workflows, publishers))
    finally:
        stop.set()
        worker.join(60)
    # the worker's CPU over the whole run (light-load part included), per step
    result["worker_cpu_ms_per_step"] = cpu.get(timeout=10) * 1000 / (3 * (workflows + 200))
    return result


# -- the run ---------------------------------------------------------------------------------


@contextlib.contextmanager
def bench_database(dsn: str | None):
    if dsn:
        name = f"hotmesh_bench_{secrets.token_hex(4)}"
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            yield make_conninfo(dsn, dbname=name)
        finally:
            with psycopg.connect(dsn, autocommit=True) as conn:
                conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
        return
    with ThrowawayPostgres() as pg:
        yield pg.dsn()


def _has_cpu(w1: dict, queue: dict) -> bool:
    return w1["server_cpu_ms_per_step"] is not None and bool(queue["server_cpu_ms"])


def _step_cpu(w1: dict) -> float:
    return (w1["server_cpu_ms_per_step"] + w1["worker_cpu_ms_per_step"]
            + w1["client_cpu_ms_per_step"])


def _message_cpu(queue: dict) -> float:
    return queue["server_cpu_ms"] + queue["client_cpu_ms"]


def queue_ceiling(dsn: str, args: argparse.Namespace) -> dict[str, float | None]:
    settle(dsn)
    return pgbench(dsn, QUEUE_SCRIPT, args.clients, args.seconds, CPUMeter(dsn))


def bracket(before: dict, after: dict) -> dict[str, float | None]:
    """The ceiling a W1 round ran beside: the mean of those measured right before and right
    after it (the machine's speed drifts within a minute, both ways)."""
    return {key: None if before[key] is None or after[key] is None
            else (before[key] + after[key]) / 2 for key in before}


def report_w1(args: argparse.Namespace, rounds: list[dict]) -> None:
    """W1's figures: those of the round with the median ratio (each round is measured beside
    ceilings of its own, taken just before and just after it, so a slow spell of the machine
    weighs on both), and the ratio of every round."""
    w1 = sorted(rounds, key=lambda r: r["ratio"])[len(rounds) // 2]
    queue = w1["ceiling"]
    spread = (f" (the median of {len(rounds)} rounds: "
              + ", ".join(f"{r['ratio']:.0%}" for r in rounds) + ")" if len(rounds) > 1 else "")
    print(f"W1       {args.workflows} workflows x 3 steps, 16 callbacks: "
          f"{w1['workflows_per_s']:.0f} workflows/s, {w1['steps_per_s']:.0f} steps/s "
          f"= {w1['ratio']:.0%} of the queue-step ceiling ({queue['tps']:.0f} messages/s)"
          + spread)
    print(f"W1       {w1['commits_per_workflow']:.1f} commits per workflow; "
          f"single workflow under light load: p50 {w1['p50_ms']:.1f} ms, "
          f"p99 {w1['p99_ms']:.1f} ms")
    print(f"W1       worker process CPU: {w1['worker_cpu_ms_per_step']:.2f} ms per step")
    if _has_cpu(w1, queue):
        # the cost of a step against a queue message's: when both runs kept the CPUs busy,
        # this is what bounds the ratio of their rates
        print(f"W1       CPU per step: server {w1['server_cpu_ms_per_step']:.2f} ms + "
              f"worker {w1['worker_cpu_ms_per_step']:.2f} ms + publishing client "
              f"{w1['client_cpu_ms_per_step']:.2f} ms = {_step_cpu(w1):.2f} ms, "
              f"{_step_cpu(w1) / _message_cpu(queue):.1f}x a queue-step message's "
              f"{_message_cpu(queue):.3f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dsn", help="server to use (default: a throwaway Postgres)")
    parser.add_argument("--seconds", type=int, default=10, help="pgbench duration per ceiling")
    parser.add_argument("--clients", type=int, default=8, help="pgbench clients")
    parser.add_argument("--messages", type=int, default=20000, help="messages per stream run")
    parser.add_argument("--publishers", type=int, default=4,
                        help="concurrent publishing connections")
    parser.add_argument("--workflows", type=int, default=2000, help="W1 workflows")
    parser.add_argument("--rounds", type=int, default=5,
                        help="W1 rounds, each between two ceilings (the median is reported)")
    parser.add_argument("--only", choices=["streams", "w1"], help="run one part")
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")

    with bench_database(args.dsn) as dsn:
        migrate(dsn)
        with psycopg.connect(dsn) as conn:
            version = conn.execute("SHOW server_version").fetchone()[0]
        print(f"PostgreSQL {version}, {os.cpu_count()} CPUs; pgbench {args.clients} clients "
              f"x {args.seconds} s; streams: {args.messages} messages, "
              f"{args.publishers} publishing connections; event loop: {loop_name()}")
        ceiling = ceilings(dsn, args.clients, args.seconds)
        queue = ceiling["queue_step"]
        print(f"ceiling  insert transaction        {ceiling['insert']['tps']:>9.0f} tx/s")
        print(f"ceiling  SKIP LOCKED queue step    {queue['tps']:>9.0f} messages/s"
              + (f" (CPU per message: server {queue['server_cpu_ms']:.3f} ms, pgbench "
                 f"{queue['client_cpu_ms']:.3f} ms)" if queue["server_cpu_ms"] is not None
                 else ""))
        for concurrency in (1, 8) if args.only != "w1" else ():
            settle(dsn)
            result = stream_throughput(dsn, args.messages, concurrency, args.publishers)
            ratio = result["messages_per_s"] / queue["tps"]
            print(f"streams  {concurrency} worker{'s' if concurrency > 1 else ' '} "
                  f"publish→dequeue→ack {result['messages_per_s']:>7.0f} messages/s "
                  f"= {ratio:.0%} of the queue-step ceiling "
                  f"(publishing alone {result['publish_per_s']:.0f}/s)")
        if args.only != "streams":
            rounds = []
            if args.only != "w1":  # the streams runs came between: a ceiling for round 1
                queue = queue_ceiling(dsn, args)
            for round_ in range(args.rounds):
                settle(dsn)
                w1 = workflow_throughput(dsn, args.workflows, args.publishers)
                after = queue_ceiling(dsn, args)  # also the ceiling before the next round
                w1["ceiling"] = bracket(queue, after)
                w1["ratio"] = w1["steps_per_s"] / w1["ceiling"]["tps"]
                rounds.append(w1)
                print(f"W1 round {round_ + 1}/{args.rounds}: ceiling {queue['tps']:.0f} before, "
                      f"{after['tps']:.0f} after, W1 {w1['steps_per_s']:.0f} steps/s "
                      f"= {w1['ratio']:.0%}"
                      + (f"; CPU per step {_step_cpu(w1):.2f} ms, per message "
                         f"{_message_cpu(w1['ceiling']):.3f} ms"
                         if _has_cpu(w1, w1["ceiling"]) else ""),
                      flush=True)
                queue = after
            report_w1(args, rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
