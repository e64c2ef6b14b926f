"""`make demo`: the seeds' order workflow end to end, on HOTMESH_DSN or on an embedded
Postgres in ./.hotmesh/.

Three inventory workers answer the workflow's worker activities; `@conditional.gte` routes an
order to reservation or to a backorder notice; the result comes back through pubsub and the
state is shown with the plain SQL query of the README.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Iterator

import psycopg
from psycopg.conninfo import conninfo_to_dict

from .engine import HotMesh
from .event_loop import run
from .local_postgres import LocalPostgres
from .migrate import migrate

MANIFEST = Path(__file__).with_name("demo_order.yaml")
STOCK = {"item-123": 10, "item-789": 2}
ORDERS = [
    {"orderId": "order-456", "itemId": "item-123", "requestedQty": 5},
    {"orderId": "order-457", "itemId": "item-789", "requestedQty": 5},
]
INSPECTION_QUERY = """
SELECT j.key AS job_key, j.status AS semaphore, j.entity AS workflow,
       a.field AS attribute, a.value AS value, j.created_at, j.updated_at
FROM jobs j
JOIN jobs_attributes a ON a.job_id = j.id
WHERE j.key = 'order-456'
ORDER BY a.field
"""


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


async def check_inventory(message: dict) -> dict:
    return {"metadata": message["metadata"],
            "data": {"availableQty": STOCK.get(message["data"]["itemId"], 0)}}


async def reserve_item(message: dict) -> dict:
    item = message["data"]
    return {"metadata": message["metadata"],
            "data": {"reservationId": f"res-{item['itemId']}-{item['quantity']}"}}


async def notify_backorder(message: dict) -> dict:
    return {"metadata": message["metadata"], "data": {"notified": True}}


async def run_demo(dsn: str) -> list[dict]:
    applied = migrate(dsn)
    print(f"migrated: {len(applied)} script(s) applied" + (
        "" if applied else " (already up to date)"))
    hotmesh = await HotMesh.init(
        app_id="orders",
        engine={"connection": dsn},
        workers=[
            {"topic": "inventory.check", "callback": check_inventory},
            {"topic": "inventory.reserve", "callback": reserve_item},
            {"topic": "inventory.backorder.notify", "callback": notify_backorder},
        ],
    )
    results = []
    try:
        deployment = await hotmesh.deploy(MANIFEST)
        await hotmesh.activate(deployment.version)
        print(f"deployed {MANIFEST.name} (app orders, version {deployment.version}: "
              f"{deployment.status}) and activated it")
        for order in ORDERS:
            await hotmesh.scrub(order["orderId"])  # a rerun starts from a clean slate
            output = await hotmesh.pubsub("order.requested", order, timeout=30)
            results.append(output["data"])
            print(f"pubsub order.requested {order} -> {output['data']}")
    finally:
        await hotmesh.stop()

    with psycopg.connect(dsn) as conn:
        conn.execute("SET search_path = hotmesh")
        rows = conn.execute(INSPECTION_QUERY).fetchall()
    print("\nthe state, by plain SQL (SET search_path = hotmesh):")
    print("  job_key   | semaphore | workflow | attribute | value")
    for job_key, semaphore, entity, attribute, value, _created, _updated in rows:
        print(f"  {job_key} | {semaphore:>9} | {entity} | {attribute} | {json.dumps(value)}")
    print("demo completed")
    return results


def main(datadir: str = ".hotmesh") -> int:
    with demo_database(Path(datadir)) as dsn:
        run(run_demo(dsn))  # on uvloop when it is installed, as a worker host should
    return 0
