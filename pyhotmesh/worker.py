"""The worker host: runs a Python callback for every message of a worker stream.

A worker subscribes one topic to an async (or plain) callback and

* wakes on NOTIFY from the stream's channel, with polling as the safety net (a notification
  is a hint; a lost one only delays work);
* runs up to ``concurrency`` callbacks at once, dequeuing no more than it has free slots;
* heartbeats the leases of running callbacks, so a long callback keeps its message;
* sends a failing callback's message through the retry policy (backoff, then dead-letter);
* survives a dropped connection: calls are retried and the LISTEN connection is re-opened,
  and a message whose answer was lost comes back after its lease;
* stops gracefully: no new dequeues, running callbacks finish, leases of the rest are released.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import uuid
from collections import Counter
from typing import Any, Awaitable, Callable, Mapping

import psycopg
from psycopg import sql
from psycopg_pool import AsyncConnectionPool

from . import codec, telemetry
from .connection import ConnectionConfig, resolve_conninfo
from .errors import ConfigurationError
from .secured_stream import SecuredStreams, check_login, secured_conninfo
from .stream import EncodedResponse, StreamMessage, Streams, error_payload
from .throttle import Throttle

log = logging.getLogger("pyhotmesh.worker")

Callback = Callable[[dict[str, Any]], Awaitable[Any] | Any]

ANSWER_LANES = 2  # concurrent answer calls (acks, engine responses) of one worker
REGISTER_RETRY_S = 0.005  # look again this soon when a publisher kept us from registering


class Worker:
    """Consumes one worker stream (``topic``) of an app with ``callback``.

    The callback receives the published message (a HotMesh StreamData dict) and may return a
    value; raising sends the message through the retry policy. Options use HotMesh's names:

    * ``reclaim_delay`` (ms): the lease; a message unanswered this long is reclaimed.
    * ``reclaim_count``: how often a message may be reclaimed before it is dead-lettered
      (set per message at publish; here only for messages published through this worker).
    * ``retry``: the policy for messages that carry none
      (``{'maximumAttempts', 'backoffCoefficient', 'maximumInterval', 'initialInterval'}``).
    * ``readonly``: never dequeue (a worker that only publishes).
    * ``worker_credentials``: ``{'user', 'password'}`` of a worker role (provision_worker_role):
      the worker logs in as that role and uses only the secured functions (secured_stream.py).
    """

    def __init__(
        self,
        *,
        app_id: str,
        topic: str,
        callback: Callback,
        connection: ConnectionConfig = None,
        concurrency: int = 1,
        reclaim_delay: int = 30_000,
        retry: Mapping[str, Any] | None = None,
        readonly: bool = False,
        poll_interval: float = 1.0,
        batch_size: int = 10,
        guid: str | None = None,
        worker_credentials: Mapping[str, str] | None = None,
    ) -> None:
        if not isinstance(app_id, str) or not app_id:
            raise ConfigurationError("worker app_id must be a non-empty string")
        if not isinstance(topic, str) or not topic:
            raise ConfigurationError("worker topic must be a non-empty string")
        if not callable(callback):
            raise ConfigurationError(f"worker callback for topic {topic!r} is not callable")
        if not isinstance(concurrency, int) or concurrency < 1:
            raise ConfigurationError(f"worker concurrency must be >= 1, got {concurrency!r}")
        if not isinstance(reclaim_delay, int) or reclaim_delay < 100:
            raise ConfigurationError(
                f"worker reclaim_delay must be at least 100 ms, got {reclaim_delay!r}"
            )
        self.app_id = app_id
        self.topic = topic
        self.callback = callback
        self._callback_is_async = inspect.iscoroutinefunction(callback) or (
            inspect.iscoroutinefunction(getattr(callback, "__call__", None))
        )
        self.conninfo = resolve_conninfo(connection)
        self.secured = worker_credentials is not None
        if self.secured:
            self.conninfo = secured_conninfo(self.conninfo, worker_credentials)
        self.concurrency = concurrency
        self.lease_ms = reclaim_delay
        self.retry = dict(retry) if retry else None
        self.readonly = readonly
        self.poll_interval = poll_interval
        self.batch_size = max(1, min(batch_size, 1000))
        self.guid = guid or f"wrk-{uuid.uuid4().hex[:16]}"
        self.counts: Counter[str] = Counter()
        self.throttle = Throttle()  # set by the quorum: ms before each dequeue, -1 paused

        self._pool: AsyncConnectionPool | None = None
        self._streams: Streams | None = None
        self._running: dict[int, tuple[StreamMessage, asyncio.Task[None]]] = {}
        self._to_ack: list[StreamMessage] = []
        self._to_respond: list[tuple[StreamMessage, dict[str, Any]]] = []
        self._settling: set[int] = set()  # being failed: no heartbeat needed any more
        # slots promised to calls in flight that come back with messages (a dequeue, an
        # answer taking the steps it enqueues): nobody else fills them meanwhile
        self._reserved = 0
        self._idle_lanes: list[asyncio.Future[None]] = []  # answer lanes waiting for work
        self._wake = asyncio.Event()
        self._slot_free = asyncio.Event()
        self._stopping = False
        self._channel: str | None = None
        self._listener_pid: int | None = None  # the LISTEN session, once connected
        self._registered = False  # in hotmesh.stream_listeners: publishers notify us
        self._tasks: list[asyncio.Task[None]] = []
        self._ackers: list[asyncio.Task[None]] = []
        self._held: list[Streams] = []  # the loops' own connections (holding_connection)

    @property
    def streams(self) -> Streams:
        if self._streams is None:
            raise RuntimeError("worker is not started")
        return self._streams

    async def start(self) -> "Worker":
        if self.secured:
            await check_login(self.conninfo)
        lanes = 0 if self.readonly else min(self.concurrency, ANSWER_LANES)
        self._pool = AsyncConnectionPool(
            self.conninfo,
            min_size=1,
            # the consume loop and the answer lanes keep a connection each, on top
            max_size=self.concurrency + 2 + (lanes + 1 if lanes else 0),
            kwargs={"autocommit": True},
            open=False,
            name=f"hotmesh-{self.guid}",
        )
        await self._pool.open(wait=True, timeout=30)
        self._streams = (SecuredStreams if self.secured else Streams)(self._pool, self.app_id)
        if not self.readonly:
            try:
                channel = self._channel = await self._streams.channel(self.topic)
            except BaseException:  # e.g. a worker role not allowed this topic: no pool left open
                await self._pool.close()
                raise
            # the loops that call on every step keep their own connection (holding_connection)
            self._held = [self._streams.holding_connection() for _ in range(lanes + 1)]
            self._tasks = [
                asyncio.create_task(self._consume(self._held[0]), name=f"{self.guid}-consume"),
                asyncio.create_task(self._listen(channel), name=f"{self.guid}-listen"),
                asyncio.create_task(self._heartbeat(), name=f"{self.guid}-heartbeat"),
            ]
            # answering runs the engine's next steps: up to ANSWER_LANES calls at once, so a
            # busy worker keeps more than one database backend working
            self._ackers = [
                asyncio.create_task(self._ack_loop(self._held[lane + 1]),
                                    name=f"{self.guid}-ack{lane}")
                for lane in range(lanes)]
        log.info("worker %s consuming %s/%s", self.guid, self.app_id, self.topic)
        return self

    async def stop(self, timeout: float = 30.0) -> None:
        """Stop dequeuing, let running callbacks finish (up to ``timeout`` s), release the rest."""
        self._stopping = True
        self._wake.set()
        self._slot_free.set()
        self.throttle.close()
        consume = [t for t in self._tasks if t.get_name().endswith("-consume")]
        if consume:
            await asyncio.gather(*consume, return_exceptions=True)
        running = [task for _, task in self._running.values()]
        if running:
            _, pending = await asyncio.wait(running, timeout=timeout)
            if pending:
                unfinished = [m for m, t in self._running.values() if t in pending]
                for task in pending:
                    task.cancel()
                await asyncio.gather(*pending, return_exceptions=True)
                released = await self._safely(self.streams.release(self.guid, unfinished))
                log.info("worker %s released %d unfinished messages", self.guid,
                         len(released or ()))
        if self._ackers:
            self._wake_lanes(all_of_them=True)
            await asyncio.gather(*self._ackers)  # they end once nothing is left to answer
        if self._registered:
            await self._safely(self.streams.listen_busy(self._channel, self.guid))
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for held in self._held:
            await held.release_connection()
        if self._pool is not None:
            await self._pool.close()
        log.info("worker %s stopped (%s)", self.guid, dict(self.counts))

    # -- the consume loop ------------------------------------------------------------------

    async def _consume(self, streams: Streams) -> None:
        errors = 0
        loop = asyncio.get_running_loop()
        while not self._stopping:
            free = self._free_slots()
            if free <= 0:
                self._slot_free.clear()  # before any await: a slot freed meanwhile counts
                if self._registered and await self._safely(
                        streams.listen_busy(self._channel, self.guid)):
                    self._registered = False  # fully busy: nobody needs to wake us
                await self._slot_free.wait()
                continue
            if self.throttle.ms:  # the quorum's throttle: a pause before each dequeue, or held
                await self.throttle.wait()
                free = self._free_slots()  # may have changed meanwhile
                if self._stopping or free <= 0:
                    continue
            wanted = min(free, self.batch_size)
            self._wake.clear()
            self._reserved += wanted  # an answer lane taking steps meanwhile counts these
            try:
                messages = await streams.dequeue(
                    self.topic, self.guid, wanted, self.lease_ms
                )
                errors = 0
            except psycopg.Error as exc:
                errors += 1
                delay = min(0.1 * 2**errors, 5.0)
                log.warning("worker %s: dequeue failed (%s); retry in %.1fs", self.guid, exc, delay)
                await asyncio.sleep(delay)
                continue
            finally:
                self._reserved -= wanted
            for message in messages:
                task = asyncio.create_task(self._process(message))
                self._running[message.id] = (message, task)
            soon = False
            if len(messages) == wanted and self._registered and await self._safely(
                    streams.listen_busy(self._channel, self.guid)):
                # a backlog: this loop comes back for more as soon as a slot frees, so a
                # NOTIFY per published message would only cost the publishers and us
                self._registered = False
            elif len(messages) < wanted and not self._registered and self._listener_pid:
                # out of work: ask to be woken, then look once more before sleeping
                registered = await self._safely(streams.listen_idle(
                    self._channel, self.guid, self._listener_pid, wait=False))
                if registered:
                    self._registered = True
                    continue
                # False: a publisher is committing on the stream right now, so its message
                # is about to be there: look again soon rather than at the next poll
                soon = registered is False
            if len(messages) < wanted and not self._stopping:
                # woken by NOTIFY, a stop, or the poll interval (a timer, not wait_for: no
                # task per wait); _wake is cleared before the next dequeue
                timer = loop.call_later(min(self.poll_interval, REGISTER_RETRY_S) if soon
                                        else self.poll_interval, self._wake.set)
                try:
                    await self._wake.wait()
                finally:
                    timer.cancel()

    async def _process(self, message: StreamMessage) -> None:
        try:
            try:
                with telemetry.execute_span(self.app_id, message) as span:
                    data = codec.decode_payload(
                        message.data, f"worker message {message.id} ({self.topic})")
                    if self._callback_is_async:
                        result = await self.callback(data)
                    else:  # a plain function must not block the event loop
                        result = await asyncio.to_thread(self.callback, data)
                    if inspect.isawaitable(result):
                        result = await result
                    response = span.returned(_engine_response(result)
                                             if message.for_engine else None)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the callback's failure goes through the retry policy
                self.counts["failed"] += 1
                self._settling.add(message.id)  # answered: the heartbeat must not miss it
                outcome = await self._safely(
                    self.streams.fail(self.guid, message, error_payload(exc), self.retry)
                )
                if outcome is not None:
                    self.counts[outcome.outcome] += 1
                    log.info("worker %s: message %s failed (%s): %s", self.guid, message.id,
                             outcome.outcome, exc)
                return
            # answered by the ack loop, in batches; the slot is free from here on
            if response is not None:
                self._to_respond.append((message, response))
            else:
                self._to_ack.append(message)
            self._wake_lanes()
        finally:
            self._running.pop(message.id, None)
            self._settling.discard(message.id)
            self._slot_free.set()
            if self._stopping and not self._running:
                self._wake_lanes(all_of_them=True)  # the last one: idle lanes may end now

    async def _ack_loop(self, streams: Streams) -> None:
        """Ack and answer finished messages, as many per call as finished while the last call
        ran (one transaction for a batch of engine responses). Several of these loops share
        the queues: while one waits on its call, another takes what finished meanwhile."""
        loop = asyncio.get_running_loop()
        while True:
            if not (self._to_respond or self._to_ack):
                if self._stopping and not self._running:
                    return
                idle = loop.create_future()
                self._idle_lanes.append(idle)
                await idle
                continue
            while self._to_respond:
                answers, self._to_respond = self._to_respond, []
                with telemetry.respond_spans(self.app_id, answers) as spans:
                    spans.record(await self._respond(answers, streams))
            while self._to_ack:
                batch, self._to_ack = self._to_ack, []
                acked = await self._safely(streams.ack(self.guid, batch))
                if acked is None:
                    continue
                self.counts["acked"] += len(acked)
                for message in batch:
                    if message.id not in acked:
                        self.counts["lease_lost"] += 1
                        log.warning("worker %s: lease on message %s was lost before the ack",
                                    self.guid, message.id)

    def _wake_lanes(self, all_of_them: bool = False) -> None:
        """Wake an idle answer lane (one is enough for what just finished: an Event would
        wake every lane, all but one for nothing), or all of them when stopping."""
        while self._idle_lanes:
            idle = self._idle_lanes.pop()
            if not idle.done():
                idle.set_result(None)
                if not all_of_them:
                    return

    def _free_slots(self) -> int:
        return self.concurrency - len(self._running) - self._reserved

    async def _respond(self, answers: list[tuple[StreamMessage, dict[str, Any]]],
                       streams: Streams) -> list[str] | None:
        """Answer the engine, taking (in the same call) the steps the answers enqueue on this
        stream, as many as there are free slots; returns respond's outcome per message
        (None: not delivered)."""
        take = 0 if self._stopping or self.throttle.ms else max(
            0, min(self._free_slots(), len(answers)))
        self._reserved += take
        try:
            if len(answers) == 1:
                message, response = answers[0]
                answered = await self._safely(streams.respond_next(
                    self.guid, message, response, take, self.lease_ms))
                if answered is not None:
                    answered = ([answered[0]], answered[1])
            else:
                answered = await self._safely(streams.respond_batch_next(
                    self.guid, answers, take, self.lease_ms))
        finally:
            self._reserved -= take
        if answered is None:
            self._slot_free.set()  # the slots reserved are free again
            return None
        outcomes, following = answered
        self.counts["taken"] += len(following)
        if following and self._stopping:  # stopped meanwhile: give them back unprocessed
            await self._safely(streams.release(self.guid, following))
        else:
            for held in following:
                self._running[held.id] = (held, asyncio.create_task(self._process(held)))
        if len(following) < take:
            self._slot_free.set()  # the slots reserved and not filled are free again
        for outcome in outcomes:
            key = "responded" if outcome == "applied" else outcome.split(":")[0]
            self.counts[key] += 1
            if outcome.startswith("error"):
                log.error("worker %s: a response failed: %s", self.guid, outcome)
        return outcomes

    async def _safely(self, call: Awaitable[Any]) -> Any:
        """Await a stream call whose failure must not kill the worker: the lease covers it."""
        try:
            return await call
        except psycopg.Error as exc:
            log.error("worker %s: %s (the message will come back after its lease)",
                      self.guid, exc)
            return None

    # -- wake-ups and leases ---------------------------------------------------------------

    async def _listen(self, channel: str) -> None:
        """LISTEN on the stream's channel; re-connect (with backoff) whenever it drops."""
        delay = 0.1
        while not self._stopping:
            try:
                async with await psycopg.AsyncConnection.connect(
                    self.conninfo, autocommit=True
                ) as conn:
                    await conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
                    self._listener_pid = conn.info.backend_pid
                    self._registered = False  # a new session: register it when idle
                    delay = 0.1
                    self._wake.set()  # catch up with what was published while we were away
                    async for _ in conn.notifies():
                        self._wake.set()
            except psycopg.Error as exc:
                log.warning("worker %s: LISTEN connection lost (%s); reconnecting", self.guid, exc)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)

    async def _heartbeat(self) -> None:
        """Extend the leases of running callbacks every third of the lease, and once a lease
        sweep the stream for expired leases (dequeue reclaims only when it runs short)."""
        interval = self.lease_ms / 3000
        beats = 0
        while not self._stopping:
            await asyncio.sleep(interval)
            beats += 1
            if beats % 3 == 0:
                await self._safely(self.streams.reclaim(self.topic))
            held = [message for message, _ in self._running.values()
                    if message.id not in self._settling]
            if not held:
                continue
            kept = await self._safely(self.streams.heartbeat(self.guid, held, self.lease_ms))
            if kept is None:
                continue
            for message in held:
                if (message.id not in kept and message.id in self._running
                        and message.id not in self._settling):
                    self.counts["lease_lost"] += 1
                    log.warning("worker %s: lease on message %s lost", self.guid, message.id)


_RESPONSE_KEYS = frozenset(("data", "metadata", "status", "code"))


def _engine_response(result: Any) -> EncodedResponse:
    """A callback's result as the engine's response: HotMesh's {metadata, data, status?,
    code?}, or a plain value taken as the data, its data encoded by the payload codec if one
    is registered. It must be JSON: anything else fails the message like an exception
    would. Encoded to JSON here, once (the text goes to Postgres as it is)."""
    if isinstance(result, dict) and not _RESPONSE_KEYS.isdisjoint(result):
        response = {key: result[key] for key in ("data", "status", "code") if key in result}
    else:
        response = {"data": result if result is not None else {}}
    if codec.encoding():
        json.dumps(response)  # checked before the codec sees it
        response = codec.encode_response(response)
    return EncodedResponse(response, json.dumps(response))
