#!/usr/bin/env python3
"""`make bench`: stream throughput beside a raw pgbench ceiling measured in the same run.

Ceilings (pgbench, same server, same client count):
  insert      one-row INSERT, one transaction each
  queue step  the life of a message in a hand-written SKIP LOCKED queue: an INSERT, then a
              claim-and-delete (two transactions per message)
Streams (pyhotmesh): a publisher process publishes one message per call while one worker
process with `concurrency` callbacks dequeues and acks them; figures are messages per second
from the first publish to the last ack, and their ratio to the queue-step ceiling.

Runs on its own throwaway Postgres unless --dsn is given (then it creates a scratch database).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from psycopg import sql  # noqa: E402
from psycopg.conninfo import conninfo_to_dict, make_conninfo  # noqa: E402
from psycopg_pool import AsyncConnectionPool  # noqa: E402

from pyhotmesh.local_postgres import ThrowawayPostgres  # noqa: E402
from pyhotmesh.migrate import migrate  # noqa: E402
from pyhotmesh.stream import Streams  # noqa: E402
from pyhotmesh.worker import Worker  # noqa: E402

INSERT_SCRIPT = "INSERT INTO bench_insert (payload) VALUES ('{\"n\": 1}');\n"
QUEUE_SCRIPT = """\
INSERT INTO bench_queue (payload) VALUES ('{"n": 1}');
WITH claimed AS (
    SELECT id FROM bench_queue ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED
)
DELETE FROM bench_queue q USING claimed WHERE q.id = claimed.id;
"""


# -- the pgbench ceiling ---------------------------------------------------------------------


def pgbench(dsn: str, script: str, clients: int, seconds: int) -> float:
    """Transactions (script runs) per second."""
    params = conninfo_to_dict(dsn)
    env = {
        **os.environ,
        "PGHOST": str(params.get("host", "")),
        "PGPORT": str(params.get("port", "5432")),
        "PGUSER": str(params.get("user", "")),
        "PGPASSWORD": str(params.get("password", "")),
        "PGDATABASE": str(params["dbname"]),
    }
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as handle:
        handle.write(script)
    try:
        result = subprocess.run(
            ["pgbench", "-n", "-M", "prepared", "-c", str(clients),
             "-j", str(min(clients, os.cpu_count() or 1)), "-T", str(seconds), "-f", handle.name],
            capture_output=True, text=True, env=env, check=True,
        )
    finally:
        os.unlink(handle.name)
    match = re.search(r"tps = ([\d.]+)", result.stdout)
    if not match:
        raise RuntimeError(f"unexpected pgbench output:\n{result.stdout}\n{result.stderr}")
    return float(match.group(1))


def ceilings(dsn: str, clients: int, seconds: int) -> dict[str, float]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE bench_insert (id bigserial PRIMARY KEY, payload jsonb)")
        conn.execute("CREATE TABLE bench_queue (id bigserial PRIMARY KEY, payload jsonb)")
    return {
        "insert": pgbench(dsn, INSERT_SCRIPT, clients, seconds),
        "queue_step": pgbench(dsn, QUEUE_SCRIPT, clients, seconds),
    }


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

    asyncio.run(run())


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

    asyncio.run(run())


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dsn", help="server to use (default: a throwaway Postgres)")
    parser.add_argument("--seconds", type=int, default=10, help="pgbench duration per ceiling")
    parser.add_argument("--clients", type=int, default=8, help="pgbench clients")
    parser.add_argument("--messages", type=int, default=20000, help="messages per stream run")
    parser.add_argument("--publishers", type=int, default=4,
                        help="concurrent publishing connections")
    args = parser.parse_args()

    with bench_database(args.dsn) as dsn:
        migrate(dsn)
        with psycopg.connect(dsn) as conn:
            version = conn.execute("SHOW server_version").fetchone()[0]
        print(f"PostgreSQL {version}, {os.cpu_count()} CPUs; pgbench {args.clients} clients "
              f"x {args.seconds} s; streams: {args.messages} messages, "
              f"{args.publishers} publishing connections")
        ceiling = ceilings(dsn, args.clients, args.seconds)
        print(f"ceiling  insert transaction        {ceiling['insert']:>9.0f} tx/s")
        print(f"ceiling  SKIP LOCKED queue step    {ceiling['queue_step']:>9.0f} messages/s")
        for concurrency in (1, 8):
            result = stream_throughput(dsn, args.messages, concurrency, args.publishers)
            ratio = result["messages_per_s"] / ceiling["queue_step"]
            print(f"streams  {concurrency} worker{'s' if concurrency > 1 else ' '} "
                  f"publish→dequeue→ack {result['messages_per_s']:>7.0f} messages/s "
                  f"= {ratio:.0%} of the queue-step ceiling "
                  f"(publishing alone {result['publish_per_s']:.0f}/s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
