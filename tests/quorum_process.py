"""A HotMesh instance in a process of its own, for the quorum's multi-process tests.

It joins the app's quorum with its engine and one worker per --topic and prints one line of
JSON ({"guid", "workers": {topic: guid}, "pid"}) when it is ready. Worker callbacks record
each message in test_processed (key from message['data']['key'], this pid) and answer
{"data": {"key", "pid", "version"}} where version is message['data']['version'] if given.
Every quorum message of type 'user' is recorded in test_received (pid, message); a user
message {"command": "pub", "topic", "data"} also starts a job here and records its id in
test_commands. The test creates the tables. SIGTERM stops it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal

from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

from pyhotmesh import HotMesh


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--app", required=True)
    parser.add_argument("--topic", action="append", default=[])
    args = parser.parse_args()

    pool = AsyncConnectionPool(args.dsn, min_size=1, max_size=4,
                               kwargs={"autocommit": True}, open=False)
    await pool.open()
    pid = os.getpid()

    async def execute(query: str, params: tuple) -> None:
        async with pool.connection() as conn:
            await conn.execute(query, params)

    async def callback(message: dict) -> dict:
        key = message["data"].get("key")
        await execute("INSERT INTO test_processed (key, pid) VALUES (%s, %s)", (key, pid))
        return {"data": {"key": key, "pid": pid, "version": message["data"].get("version")}}

    hotmesh = await HotMesh.init(
        app_id=args.app,
        engine={"connection": args.dsn, "poll_interval": 0.05},
        workers=[{"topic": topic, "callback": callback, "poll_interval": 0.05}
                 for topic in args.topic])

    async def on_quorum(channel: str, message: dict) -> None:
        if message.get("type") != "user":
            return
        await execute("INSERT INTO test_received (pid, message) VALUES (%s, %s)",
                      (pid, Jsonb(message)))
        command = message.get("message")
        if isinstance(command, dict) and command.get("command") == "pub":
            job_id = await hotmesh.pub(command["topic"], command.get("data") or {})
            await execute("INSERT INTO test_commands (pid, job_id) VALUES (%s, %s)",
                          (pid, job_id))

    await hotmesh.sub_quorum(on_quorum)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    print(json.dumps({"guid": hotmesh.guid, "pid": pid,
                      "workers": {w.topic: w.guid for w in hotmesh.workers}}), flush=True)
    await stop.wait()
    await hotmesh.stop()
    await pool.close()


if __name__ == "__main__":
    asyncio.run(main())
