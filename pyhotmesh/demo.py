"""`make demo`: pyhotmesh end to end on HOTMESH_DSN, or on an embedded Postgres in ./.hotmesh/.

For now the demo drives the durable streams with a worker host: orders are published to an
inventory topic, a worker checks each one, and the stream's bookkeeping is shown. (The order
workflow of the seeds replaces it once the engine runs graphs.)
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from pathlib import Path
from typing import Iterator

from psycopg.conninfo import conninfo_to_dict

from .local_postgres import LocalPostgres
from .migrate import migrate
from .worker import Worker

APP_ID = "demo"
TOPIC = "inventory.check"
ORDERS = [
    {"orderId": "order-101", "itemId": "widget", "quantity": 2},
    {"orderId": "order-102", "itemId": "gadget", "quantity": 12},
    {"orderId": "order-103", "itemId": "widget", "quantity": 7},
    {"orderId": "order-104", "itemId": "doohickey", "quantity": 1},
    {"orderId": "order-105", "itemId": "gadget", "quantity": 3},
]
STOCK = {"widget": 5, "gadget": 20, "doohickey": 0}


@contextlib.contextmanager
def demo_database(datadir: Path) -> Iterator[str]:
    """HOTMESH_DSN when set; otherwise a local cluster in datadir, stopped again afterwards."""
    dsn = os.environ.get("HOTMESH_DSN")
    if dsn:
        where = conninfo_to_dict(dsn)
        print(f"using HOTMESH_DSN: database {where.get('dbname', '?')} on "
              f"{where.get('host', 'the local socket')}")
        yield dsn
        return
    cluster = LocalPostgres(datadir=datadir)
    fresh = not cluster.initialised()
    cluster.start()
    print(f"{'created' if fresh else 'reused'} an embedded PostgreSQL "
          f"({cluster.bindir}) on 127.0.0.1:{cluster.port}")
    try:
        yield cluster.dsn()
    finally:
        cluster.stop()
        print(f"stopped it; the data lives in {cluster.pgdata} "
              f"(remove {cluster.datadir} to start afresh)")


async def run_demo(dsn: str) -> list[dict]:
    applied = migrate(dsn)
    print(f"migrated: {len(applied)} script(s) applied" + (
        "" if applied else " (already up to date)"))

    results: list[dict] = []

    async def check_inventory(message: dict) -> dict:
        order = message["data"]
        available = STOCK.get(order["itemId"], 0)
        result = {**order, "available": available,
                  "status": "reserved" if available >= order["quantity"] else "backordered"}
        results.append(result)
        return {"metadata": message.get("metadata", {}), "data": result}

    worker = Worker(app_id=APP_ID, topic=TOPIC, callback=check_inventory, connection=dsn,
                    concurrency=4, poll_interval=0.2)
    await worker.start()
    try:
        started = time.monotonic()
        ids = await worker.streams.publish(
            TOPIC, [{"metadata": {"jid": o["orderId"]}, "data": o} for o in ORDERS]
        )
        print(f"published {len(ids)} orders to stream {TOPIC!r} (message ids {ids[0]}..{ids[-1]})")
        while worker.counts["acked"] < len(ids):
            if time.monotonic() - started > 60:
                raise RuntimeError("the demo worker did not finish within 60 s")
            await asyncio.sleep(0.05)
        elapsed = (time.monotonic() - started) * 1000
        for result in sorted(results, key=lambda r: r["orderId"]):
            print(f"  {result['orderId']}: {result['quantity']:>2} x {result['itemId']:<10}"
                  f"-> {result['status']} ({result['available']} in stock)")
        stats = await worker.streams.stats(TOPIC)
        print(f"worker {worker.guid} processed {worker.counts['acked']} messages in "
              f"{elapsed:.0f} ms; stream {TOPIC!r} now: {stats}")
    finally:
        await worker.stop()
    print("demo completed")
    return results


def main(datadir: str = ".hotmesh") -> int:
    with demo_database(Path(datadir)) as dsn:
        asyncio.run(run_demo(dsn))
    return 0
