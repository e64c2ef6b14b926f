"""Worker streams from Python: thin calls of the hotmesh.stream_* SQL functions.

Every method is one SQL call and one transaction (the pool's connections are in autocommit).
Calls that are safe to repeat (dequeue, ack, heartbeat, release, fail, dead-letter: a lease's
delivery number fences them) are retried across a dropped connection; publish is not, because
a publish that committed before the connection broke would be published twice.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import time
import traceback
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Awaitable, Callable, Iterable, Mapping, TypeVar

import psycopg
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

log = logging.getLogger("pyhotmesh.stream")

T = TypeVar("T")


@dataclass(frozen=True)
class StreamMessage:
    """A message a consumer holds: its payload and the lease it was delivered under."""

    id: int
    stream: str
    data: dict[str, Any]  # the StreamData object that was published
    delivery: int  # the lease's fencing token
    retry_attempt: int  # error retries before this delivery
    priority: int
    job_key: str
    workflow_name: str
    created_at: datetime

    @property
    def for_engine(self) -> bool:
        """A message the engine sent for a job's worker activity: it is answered with
        respond(), not acked."""
        return bool(self.job_key) and bool(self.data.get("metadata", {}).get("aid"))


class EncodedResponse(dict):
    """A response whose JSON text is known already (the worker host encodes each response
    once, which is also its check that the callback returned JSON): sent as that text
    rather than encoded a second time."""

    __slots__ = ("json",)

    def __init__(self, response: Mapping[str, Any], json_text: str) -> None:
        super().__init__(response)
        self.json = json_text


def _jsonb(response: Mapping[str, Any]) -> Jsonb:
    if type(response) is EncodedResponse:
        return Jsonb(response.json, dumps=str)  # the text as it is
    return Jsonb(dict(response))


@dataclass(frozen=True)
class FailOutcome:
    outcome: str  # 'retried', 'dead_lettered' or 'lost'
    attempt: int | None
    visible_at: datetime | None


class Streams:
    """The worker streams of one app."""

    # The SQL function behind each call. SecuredStreams names the SECURITY DEFINER worker_*
    # twins instead, which take the same arguments. (Constants: never caller text.)
    functions: Mapping[str, str] = {
        "channel": "stream_channel", "dequeue": "stream_dequeue", "reclaim": "stream_reclaim",
        "ack": "stream_ack", "heartbeat": "stream_heartbeat", "release": "stream_release",
        "fail": "stream_fail", "dead_letter": "stream_dead_letter", "respond": "respond",
        "respond_next": "respond_next", "respond_batch": "respond_batch",
        "respond_batch_next": "respond_batch_next",
        "listen_idle": "listen_idle", "listen_busy": "listen_busy",
    }
    # a claim alone commits without waiting for the WAL flush (a lost lease only means the
    # message is delivered again; R__stream_dequeue.sql)
    claim_options = ", p_durable => false"

    def __init__(
        self,
        pool: AsyncConnectionPool,
        app_id: str,
        *,
        reconnect_for: float = 30.0,
    ) -> None:
        self.pool = pool
        self.app_id = app_id
        self.reconnect_for = reconnect_for

    def holding_connection(self) -> "Streams":
        """These streams, calling through one pool connection and cursor kept between calls:
        for a loop that calls all the time (the pool's checkout and return and a new cursor
        cost about as much as a short call itself). One caller at a time;
        ``release_connection()`` gives the connection back."""
        held = copy.copy(self)
        held.pool = HeldConnection(self.pool)
        return held

    async def release_connection(self) -> None:
        """Give back the connection ``holding_connection`` kept (a no-op otherwise)."""
        if isinstance(self.pool, HeldConnection):
            await self.pool.release()

    async def publish(
        self,
        stream: str,
        messages: Mapping[str, Any] | Iterable[Mapping[str, Any]],
        *,
        priority: int | None = None,
        delay_ms: int | None = None,
        retry: Mapping[str, Any] | None = None,
        reclaim_count: int | None = None,
    ) -> list[int]:
        """Publish one message or many in one statement; returns their ids in order."""
        payload = [messages] if isinstance(messages, Mapping) else list(messages)
        options: dict[str, Any] = {}
        if priority is not None:
            options["priority"] = priority
        if delay_ms is not None:
            options["delay_ms"] = delay_ms
        if retry is not None:
            options["retry"] = dict(retry)
        if reclaim_count is not None:
            options["reclaimCount"] = reclaim_count
        async with self.pool.connection() as conn:
            rows = await (
                await conn.execute(
                    "SELECT id FROM hotmesh.stream_publish(%s, %s, %s, %s) AS id",
                    (self.app_id, stream, Jsonb(payload), Jsonb(options)),
                )
            ).fetchall()
        return [row[0] for row in rows]

    async def dequeue(
        self, stream: str, consumer: str, batch: int, lease_ms: int
    ) -> list[StreamMessage]:
        rows = await self._fetch(
            "SELECT id, message, delivery, retry_attempt, priority, job_key, workflow_name,"
            f" created_at FROM hotmesh.{self.functions['dequeue']}(%s, %s, %s, %s, %s"
            f"{self.claim_options})",
            (self.app_id, stream, consumer, batch, lease_ms),
        )
        messages = [StreamMessage(row[0], stream, row[1], *row[2:]) for row in rows]
        messages.sort(key=lambda m: (-m.priority, m.id))
        return messages

    async def ack(self, consumer: str, messages: Iterable[StreamMessage]) -> set[int]:
        """Ack held messages; returns the ids acked (a lost lease is missing)."""
        return await self._lease_call("ack", consumer, messages)

    async def heartbeat(
        self, consumer: str, messages: Iterable[StreamMessage], lease_ms: int
    ) -> set[int]:
        """Extend held leases; returns the ids still held."""
        return await self._lease_call("heartbeat", consumer, messages, lease_ms)

    async def release(self, consumer: str, messages: Iterable[StreamMessage]) -> set[int]:
        """Give held messages back unprocessed."""
        return await self._lease_call("release", consumer, messages)

    async def fail(
        self,
        consumer: str,
        message: StreamMessage,
        error: Mapping[str, Any],
        policy: Mapping[str, Any] | None = None,
    ) -> FailOutcome:
        """Report a failed callback: the message is retried with backoff or dead-lettered."""
        rows = await self._fetch(
            f"SELECT outcome, attempt, visible_at FROM hotmesh.{self.functions['fail']}"
            "(%s, %s, %s, %s, %s)",
            (
                consumer,
                message.id,
                message.delivery,
                Jsonb(dict(error)),
                Jsonb(dict(policy)) if policy is not None else None,
            ),
        )
        return FailOutcome(*rows[0])

    async def respond(self, message: StreamMessage, response: Mapping[str, Any]) -> str:
        """Answer an engine message (one with a job): ack it and run the job's next steps, in
        one transaction. Returns 'applied', 'duplicate', 'stale' or 'inactive'."""
        rows = await self._fetch(
            f"SELECT hotmesh.{self.functions['respond']}(%s, %s)",
            (message.id, _jsonb(response)))
        return rows[0][0]

    async def respond_next(
        self, consumer: str, message: StreamMessage, response: Mapping[str, Any],
        batch: int, lease_ms: int,
    ) -> tuple[str, list[StreamMessage]]:
        """respond(), then lease up to ``batch`` ready messages of the same stream, in one
        transaction: (outcome, the messages now held)."""
        rows = await self._fetch(
            "SELECT outcome, id, message, delivery, retry_attempt, priority, job_key,"
            f" workflow_name, created_at FROM hotmesh.{self.functions['respond_next']}"
            "(%s, %s, %s, %s, %s)",
            (message.id, _jsonb(response), consumer, batch, lease_ms))
        held = [StreamMessage(row[1], message.stream, row[2], *row[3:])
                for row in rows if row[1] is not None]
        held.sort(key=lambda m: (-m.priority, m.id))
        return rows[0][0], held

    async def respond_batch(
        self, answers: list[tuple[StreamMessage, Mapping[str, Any]]]
    ) -> list[str]:
        """Many responses in one transaction; the outcome of each, in order."""
        # arrays in binary: the text form escapes every JSON element with a regex
        rows = await self._fetch(
            f"SELECT id, outcome FROM hotmesh.{self.functions['respond_batch']}(%b, %b)",
            ([m.id for m, _ in answers], [_jsonb(r) for _, r in answers]))
        outcomes = dict(rows)
        return [outcomes.get(m.id, "lost") for m, _ in answers]

    async def respond_batch_next(
        self, consumer: str, answers: list[tuple[StreamMessage, Mapping[str, Any]]],
        take: int, lease_ms: int,
    ) -> tuple[list[str], list[StreamMessage]]:
        """respond_batch(), and up to ``take`` of the steps the responses enqueue on the
        streams answered are leased to ``consumer`` as they are inserted: (the outcome of each
        response in order, the messages now held)."""
        rows = await self._fetch(
            "SELECT id, outcome, message, delivery, retry_attempt, priority, job_key,"
            f" workflow_name, created_at FROM hotmesh.{self.functions['respond_batch_next']}"
            "(%b, %b, %s, %s, %s)",
            ([m.id for m, _ in answers], [_jsonb(r) for _, r in answers], consumer, take,
             lease_ms))
        outcomes = {row[0]: row[1] for row in rows if row[1] is not None}
        stream = answers[0][0].stream if answers else ""
        held = [StreamMessage(row[0], stream, row[2], *row[3:])
                for row in rows if row[1] is None]
        return [outcomes.get(m.id, "lost") for m, _ in answers], held

    async def dead_letter(
        self,
        consumer: str,
        message: StreamMessage,
        reason: str,
        error: Mapping[str, Any] | None = None,
    ) -> bool:
        rows = await self._fetch(
            f"SELECT hotmesh.{self.functions['dead_letter']}(%s, %s, %s, %s, %s)",
            (consumer, message.id, message.delivery, reason,
             Jsonb(dict(error)) if error is not None else None),
        )
        return bool(rows[0][0])

    async def reclaim(self, stream: str, limit: int = 100) -> int:
        """Make messages whose lease expired ready again (or dead-letter them); how many."""
        rows = await self._fetch(f"SELECT hotmesh.{self.functions['reclaim']}(%s, %s, %s)",
                                 (self.app_id, stream, limit))
        return int(rows[0][0])

    async def depth(self, stream: str) -> int:
        rows = await self._fetch("SELECT hotmesh.stream_depth(%s, %s)", (self.app_id, stream))
        return int(rows[0][0])

    async def stats(self, stream: str) -> dict[str, int]:
        async with self.pool.connection() as conn:
            cur = conn.cursor(row_factory=psycopg.rows.dict_row)
            await cur.execute(
                "SELECT * FROM hotmesh.stream_stats(%s, %s)", (self.app_id, stream)
            )
            row = await cur.fetchone()
        return dict(row or {})

    async def listen_idle(self, channel: str, consumer: str, backend_pid: int,
                          wait: bool = True) -> bool:
        """Register as waiting on the channel: publishers notify it from now on. With
        ``wait=False``, only if no publisher is committing on it right now: False means not
        registered (look for work again shortly instead)."""
        rows = await self._fetch(
            f"SELECT hotmesh.{self.functions['listen_idle']}(%s, %s, %s, %s)",
            (channel, consumer, backend_pid, wait))
        return bool(rows[0][0])

    async def listen_busy(self, channel: str, consumer: str) -> bool:
        """No longer waiting (fully busy): publishers need not notify for us."""
        await self._fetch(f"SELECT 1 FROM hotmesh.{self.functions['listen_busy']}(%s, %s)",
                          (channel, consumer))
        return True

    async def channel(self, stream: str) -> str:
        """The LISTEN channel on which inserts into this stream are announced."""
        rows = await self._fetch(
            f"SELECT hotmesh.{self.functions['channel']}(%s, %s)", (self.app_id, stream)
        )
        return rows[0][0]

    # -- helpers ---------------------------------------------------------------------------

    async def _lease_call(
        self, call: str, consumer: str, messages: Iterable[StreamMessage], *extra: Any
    ) -> set[int]:
        held = list(messages)
        if not held:
            return set()
        placeholders = ", ".join(["%s", "%b", "%b", *["%s"] * len(extra)])  # arrays in binary
        rows = await self._fetch(
            f"SELECT id FROM hotmesh.{self.functions[call]}({placeholders}) AS id",
            (consumer, [m.id for m in held], [m.delivery for m in held], *extra),
        )
        return {row[0] for row in rows}

    async def _fetch(self, query: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        pool = self.pool
        if isinstance(pool, HeldConnection):
            return await retry_on_disconnect(lambda: pool.fetchall(query, params),
                                             self.reconnect_for)

        async def call() -> list[tuple[Any, ...]]:
            async with pool.connection() as conn:
                return await (await conn.execute(query, params)).fetchall()

        return await retry_on_disconnect(call, self.reconnect_for)


class HeldConnection:
    """A pool connection (and a cursor on it) kept between the calls of one caller; also
    usable as the pool (``connection()``). It goes back to the pool when a call fails (the
    pool replaces a broken connection) and after ``hold_for`` seconds (so the pool's
    max_lifetime still applies)."""

    def __init__(self, pool: AsyncConnectionPool, hold_for: float = 60.0) -> None:
        self.pool = pool
        self.hold_for = hold_for
        self._conn: psycopg.AsyncConnection[Any] | None = None
        self._cursor: psycopg.AsyncCursor[Any] | None = None
        self._until = 0.0

    async def fetchall(self, query: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        cursor = self._cursor
        if cursor is None:
            cursor = self._cursor = (await self._connect()).cursor()
        try:
            await cursor.execute(query, params)
            rows = await cursor.fetchall()
        except BaseException:
            await self.release()
            raise
        if time.monotonic() > self._until:
            await self.release()
        return rows

    def connection(self) -> "HeldConnection":
        return self

    async def __aenter__(self) -> psycopg.AsyncConnection[Any]:
        return await self._connect()

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is not None or time.monotonic() > self._until:
            await self.release()

    async def _connect(self) -> psycopg.AsyncConnection[Any]:
        if self._conn is None:
            self._conn = await self.pool.getconn()
            self._until = time.monotonic() + self.hold_for
        return self._conn

    async def release(self) -> None:
        conn, self._conn, self._cursor = self._conn, None, None
        if conn is not None:
            await self.pool.putconn(conn)


async def retry_on_disconnect(call: Callable[[], Awaitable[T]], within: float) -> T:
    """Run ``call``, retrying with backoff while the database is unreachable, for ``within`` s."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    delay = 0.05
    while True:
        try:
            return await call()
        except psycopg.OperationalError as exc:
            if loop.time() + delay > deadline:
                raise
            log.warning("database call failed (%s); retrying in %.2fs", exc, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)


def error_payload(exc: BaseException) -> dict[str, Any]:
    """How a callback's exception is stored in last_error: HotMesh's {message, name, stack}."""
    code = getattr(exc, "code", None)
    return {
        "message": str(exc) or type(exc).__name__,
        "name": type(exc).__name__,
        "code": code if isinstance(code, int) else 500,
        "stack": "".join(traceback.format_exception(exc)),
    }

