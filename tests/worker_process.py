"""A worker in a process of its own, for multi-process and kill -9 tests.

Each processed message is recorded in table test_processed (created by the test) with the
key from message['data']['key'] and this process's pid. Modes:
  record             record and return (engine messages get {"data": {"key", "pid"}})
  hang               record in test_started, then sleep forever (to be killed mid-callback)
  die-before-respond record in test_started, then SIGKILL itself: the callback ran, its
                     response never left
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal

from psycopg_pool import AsyncConnectionPool

from pyhotmesh.worker import Worker


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--app", default="test")
    parser.add_argument("--topic", required=True)
    parser.add_argument("--mode", choices=["record", "hang", "die-before-respond"],
                        default="record")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--lease-ms", type=int, default=30_000)
    args = parser.parse_args()

    pool = AsyncConnectionPool(args.dsn, min_size=1, max_size=args.concurrency,
                               kwargs={"autocommit": True}, open=False)
    await pool.open()
    pid = os.getpid()

    async def record(table: str, key: str) -> None:
        async with pool.connection() as conn:
            await conn.execute(f"INSERT INTO {table} (key, pid) VALUES (%s, %s)", (key, pid))

    async def callback(message: dict) -> dict:
        key = message["data"]["key"]
        if args.mode == "hang":
            await record("test_started", key)
            await asyncio.sleep(3600)
        if args.mode == "die-before-respond":
            await record("test_started", key)
            os.kill(pid, signal.SIGKILL)
        await record("test_processed", key)
        return {"data": {"key": key, "pid": pid}}

    worker = Worker(app_id=args.app, topic=args.topic, callback=callback, connection=args.dsn,
                    concurrency=args.concurrency, reclaim_delay=args.lease_ms,
                    poll_interval=0.2)
    await worker.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    print("ready", flush=True)
    await stop.wait()
    await worker.stop()
    await pool.close()


if __name__ == "__main__":
    asyncio.run(main())
