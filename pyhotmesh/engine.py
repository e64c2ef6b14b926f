"""The HotMesh client: one app's point of presence on the database.

`await HotMesh.init(app_id=..., engine={'connection': ...}, workers=[...])` connects, starts the
workers and an engine loop (timers and deferred work), and listens for job completions. Every
method is one call of a `hotmesh.*` SQL function; the engine itself runs inside Postgres.
"""

from __future__ import annotations

import asyncio
import fnmatch
import json
import logging
import uuid
from collections import Counter, OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Awaitable, Callable, Mapping

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

from . import codec, codes, roles, telemetry
from .compiler import compile_source
from .connection import ConnectionConfig, resolve_conninfo
from .errors import ConfigurationError, HotMeshError
from .quorum import QUORUM_DELAY, Member, Quorum, QuorumCallback
from .throttle import Throttle
from .worker import Worker

log = logging.getLogger("pyhotmesh.engine")

JobCallback = Callable[[str, dict[str, Any]], Awaitable[None] | None]


class DeploymentError(HotMeshError):
    """The database refused a deployment or activation (names app and version)."""


class DuplicateJobError(HotMeshError):
    """A live job with this id exists already; nothing was changed."""


class JobNotFoundError(HotMeshError):
    """No job with this id (HotMesh's GetStateError)."""

    code = codes.NOTFOUND


class PubSubTimeoutError(HotMeshError):
    """pubsub waited longer than its timeout; the job goes on running."""

    code = codes.TIMEOUT


@dataclass(frozen=True)
class Deployment:
    app_id: str
    version: str
    status: str  # 'deployed', or 'unchanged' when this exact version was already there
    compiled: dict[str, Any]


class _Hybrid:
    """A method that runs on the instance, or on every instance when called on the class
    (`HotMesh.stop()` stops them all, as in HotMesh)."""

    def __init__(self, instance_method: Callable, class_method: Callable) -> None:
        self.instance_method = instance_method
        self.class_method = class_method

    def __get__(self, instance: Any, owner: type) -> Callable:
        if instance is None:
            return self.class_method.__get__(owner, owner)
        return self.instance_method.__get__(instance, owner)


class HotMesh:
    """A HotMesh instance for one app."""

    _instances: "set[HotMesh]" = set()

    def __init__(self, app_id: str, conninfo: str, pool: AsyncConnectionPool,
                 engine_options: Mapping[str, Any]) -> None:
        self.app_id = app_id
        self.conninfo = conninfo
        self.pool = pool
        self.guid = HotMesh.guid()
        self.workers: list[Worker] = []
        self._readonly = bool(engine_options.get("readonly", False))
        self._poll_interval = float(engine_options.get("poll_interval", 1.0))
        self._waiters: dict[str, asyncio.Future] = {}
        self._finished: OrderedDict[str, dict] = OrderedDict()  # recently completed job ids
        self._subscriptions: dict[str, list[JobCallback]] = {}
        self._patterns: dict[str, list[JobCallback]] = {}
        self._tasks: list[asyncio.Task] = []
        self._engine_wake = asyncio.Event()
        self._stopped = False
        # completions are only NOTIFied to instances registered as listening (they serialise
        # commits): registered while pubsub waiters or subscribers exist, for a grace period
        self._job_channel: str | None = None
        self._listener_pid: int | None = None
        self._listening = False
        self._listener_ready = asyncio.Event()
        self._listener_started = False
        self._listen_epoch = 0  # bumped whenever the registration lapses
        # jobs published while registered: id -> (gid, epoch), for wait_for
        self._announced: OrderedDict[str, tuple[str, int]] = OrderedDict()
        self._last_interest = 0.0
        # the quorum (pyhotmesh/quorum.py): this instance's engine and workers as members
        self.quorum: Quorum | None = None
        self.counts: Counter[str] = Counter()  # engine steps run / failed, for roll calls
        self._throttle = Throttle()  # set by the quorum; the engine loop waits it

    # -- lifecycle ---------------------------------------------------------------------------

    @classmethod
    async def init(
        cls,
        *,
        app_id: str,
        engine: Mapping[str, Any] | None = None,
        workers: list[Mapping[str, Any]] | None = None,
        connection: ConnectionConfig = None,
    ) -> "HotMesh":
        """Connect, start the workers and the engine loop, listen for job completions.

        engine: {'connection', 'readonly' (no engine loop), 'poll_interval' (s)}.
        workers: [{'topic', 'callback', 'connection'?, 'retry'?, 'concurrency'?,
        'reclaim_delay'?, 'readonly'?, 'worker_credentials'?}] (see pyhotmesh.worker.Worker).
        """
        if not isinstance(app_id, str) or not app_id:
            raise ConfigurationError("app_id must be a non-empty string")
        options = dict(engine or {})
        conninfo = resolve_conninfo(options.get("connection", connection))
        pool = AsyncConnectionPool(conninfo, min_size=1, max_size=8,
                                   kwargs={"autocommit": True}, open=False)
        await pool.open(wait=True, timeout=30)
        instance = cls(app_id, conninfo, pool, options)
        try:
            channel = await instance._fetch_value("SELECT hotmesh.job_channel(%s)", (app_id,))
            instance._job_channel = channel
            instance.quorum = await Quorum(app_id, conninfo, pool, instance.guid).start(
                [Member(instance.guid, "engine", instance._throttle, instance.counts)])
            if not instance._readonly:
                instance._tasks.append(asyncio.create_task(instance._engine_loop()))
            for config in workers or []:
                instance.workers.append(await instance._start_worker(config, conninfo))
        except BaseException:
            await instance.stop()
            raise
        cls._instances.add(instance)
        return instance

    async def _start_worker(self, config: Mapping[str, Any], conninfo: str) -> Worker:
        options = dict(config)
        unknown = set(options) - {
            "topic", "callback", "connection", "retry", "concurrency", "reclaim_delay",
            "readonly", "poll_interval", "batch_size", "guid", "retryPolicy",
            "worker_credentials",
        }
        if unknown:
            raise ConfigurationError(f"unknown worker option(s): {', '.join(sorted(unknown))}")
        retry = options.pop("retry", None) or options.pop("retryPolicy", None)
        worker = Worker(
            app_id=self.app_id,
            connection=options.pop("connection", None) or conninfo,
            retry=retry,
            **options,
        )
        await self.quorum.add(Member.for_worker(worker))  # its persisted throttle, before
        return await worker.start()                       # its first dequeue

    async def _stop_instance(self) -> None:
        """Stop workers (finishing their callbacks), the engine loop and the connections."""
        if self._stopped:
            return
        self._stopped = True
        for worker in self.workers:
            await worker.stop()
        if self.quorum is not None:
            await self.quorum.stop()
        if self._listening:
            try:
                await self._leave_job_channel()
            except psycopg.Error:
                pass  # a dead session's registration is cleaned up by the next registrant
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for waiter in self._waiters.values():
            if not waiter.done():
                waiter.cancel()
        await self.pool.close()
        HotMesh._instances.discard(self)

    @classmethod
    async def _stop_all(cls) -> None:
        for instance in list(cls._instances):
            await instance._stop_instance()

    stop = _Hybrid(_stop_instance, _stop_all)

    register_codec = staticmethod(codec.register_codec)  # process-global; docs/codec.md

    # Least-privilege worker roles, for administrators (pyhotmesh/roles.py)
    provision_worker_role = staticmethod(roles.provision_worker_role)
    list_worker_roles = staticmethod(roles.list_worker_roles)
    revoke_worker_role = staticmethod(roles.revoke_worker_role)
    rotate_worker_password = staticmethod(roles.rotate_worker_password)

    @staticmethod
    def guid() -> str:
        """A unique id (for job ids and the like)."""
        return "H" + uuid.uuid4().hex

    # -- deploying ---------------------------------------------------------------------------

    async def plan(self, source: str | Path) -> dict[str, Any]:
        """Compile and validate a manifest (path or YAML text) without storing anything."""
        _, compiled = compile_source(source, codec=codec.encoding())
        self._check_app(compiled)
        return compiled

    async def deploy(self, source: str | Path) -> Deployment:
        """Compile a manifest and store its version (inactive until ``activate``).

        Deploying the same version again with the same content changes nothing; with other
        content it is refused."""
        manifest, compiled = compile_source(source, codec=codec.encoding())
        self._check_app(compiled)
        app = compiled["app"]
        try:
            status = await self._fetch_value(
                "SELECT hotmesh.deploy_version(%s, %s, %s, %s)",
                (app["id"], app["version"], Jsonb(manifest), Jsonb(compiled)))
        except psycopg.errors.UniqueViolation as exc:
            raise DeploymentError(str(exc.diag.message_primary)) from None
        return Deployment(app["id"], app["version"], status, compiled)

    async def activate(self, version: str | int, delay: float | None = None) -> bool:
        """Make ``version`` the one new jobs run on, for every engine of the app together:
        the quorum settles (roll calls), announces it, then switches in SQL."""
        try:
            return await self.quorum.activate(str(version), delay)
        except psycopg.errors.NoDataFound as exc:
            raise DeploymentError(str(exc.diag.message_primary), code=404) from None

    def _check_app(self, compiled: dict[str, Any]) -> None:
        if compiled["app"]["id"] != self.app_id:
            raise ConfigurationError(
                f"the manifest is for app '{compiled['app']['id']}', but this HotMesh instance "
                f"serves app '{self.app_id}'")

    # -- jobs --------------------------------------------------------------------------------

    async def pub(self, topic: str, data: Mapping[str, Any] | None = None,
                  context: Mapping[str, Any] | None = None,
                  pending: int | None = None) -> str:
        """Start a job on the graph subscribed to ``topic``; returns its job id."""
        announced = self._listening  # its completion will be NOTIFied to us
        with telemetry.job_span(self.app_id, topic, context) as span:
            context = span.context  # with the trace ids when telemetry is on
            try:
                job_id, gid = await self._fetch_row(
                    "SELECT job_key, job_gid FROM hotmesh.pub_job(%s, %s, %s, %s, %s)",
                    (self.app_id, topic, Jsonb(codec.encode_payload(dict(data or {}))),
                     Jsonb(dict(context)) if context is not None else None, pending))
                span.started(job_id)
            except psycopg.errors.UniqueViolation as exc:
                raise DuplicateJobError(str(exc.diag.message_primary)) from None
        # a notice kept from an earlier job of this id (expired, id reused) is not this one's
        if self._finished.get(job_id, {}).get("gid") != gid:
            self._finished.pop(job_id, None)
        if announced:
            # wait_for may trust the notice instead of asking for the status, as long as the
            # registration that was in place at pub still is (see _listen_epoch)
            self._last_interest = asyncio.get_running_loop().time()
            self._announced[job_id] = (gid, self._listen_epoch)
            while len(self._announced) > 10_000:
                self._announced.popitem(last=False)
        return job_id

    async def pubsub(self, topic: str, data: Mapping[str, Any] | None = None,
                     context: Mapping[str, Any] | None = None,
                     timeout: float = 10.0) -> dict[str, Any]:
        """Start a job and wait for its output ({metadata, data})."""
        await self._listen_for_jobs()  # before the job can complete
        job_id = await self.pub(topic, data, context)
        return await self.wait_for(job_id, timeout)

    async def wait_for(self, job_id: str, timeout: float = 10.0) -> dict[str, Any]:
        """Wait until a job completes (NOTIFY, with polling as the safety net)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        gid, epoch = self._announced.pop(job_id, (None, None))
        await self._listen_for_jobs()
        # a job published while we were registered (and still are) cannot finish unnoticed:
        # its notice is awaited without asking for the status first
        trusted = gid is not None and self._listening and epoch == self._listen_epoch

        def notice() -> dict | None:  # the job's completion notice, if it came
            event = self._finished.get(job_id)
            return event if event is not None and (gid is None or event.get("gid") == gid) \
                else None

        try:
            while True:
                # registered before looking, so that a notice arriving meanwhile wakes us
                future = self._waiters.get(job_id)
                if future is None or future.done():  # (done: looked at below already)
                    future = self._waiters[job_id] = loop.create_future()
                if notice() is not None or (
                        not trusted and (await self.get_status(job_id)) <= 0):
                    return await self._output_of(job_id, notice())
                remaining = deadline - loop.time()
                if remaining <= 0:
                    raise PubSubTimeoutError(
                        f"job {job_id} did not complete within {timeout} s (it keeps running)")
                try:
                    await asyncio.wait_for(asyncio.shield(future), min(remaining, 1.0))
                except asyncio.TimeoutError:
                    trusted = False  # a notice lost with a dropped listener: ask from now on
        finally:
            self._waiters.pop(job_id, None)

    async def sub(self, topic: str, callback: JobCallback) -> None:
        """Call ``callback(topic, job_output)`` for every job that publishes to ``topic``."""
        self._subscriptions.setdefault(topic, []).append(callback)
        await self._listen_for_jobs()

    async def unsub(self, topic: str) -> None:
        self._subscriptions.pop(topic, None)

    async def psub(self, pattern: str, callback: JobCallback) -> None:
        """Like sub, for every topic matching a wildcard pattern ('order.*')."""
        self._patterns.setdefault(pattern, []).append(callback)
        await self._listen_for_jobs()

    async def punsub(self, pattern: str) -> None:
        self._patterns.pop(pattern, None)

    async def signal(self, topic: str, data: Mapping[str, Any] | None = None,
                     status: str = "success", code: int = codes.SUCCESS) -> str:
        """Resume the hook waiting for this signal (or keep it until the hook waits).
        Returns 'delivered' or 'pending'."""
        return await self._fetch_value(
            "SELECT hotmesh.signal(%s, %s, %s, %s, %s)",
            (self.app_id, topic, Jsonb(codec.encode_payload(dict(data or {}))), status, code))

    async def signal_all(self, topic: str, data: Mapping[str, Any] | None = None,
                         status: str = "success", code: int = codes.SUCCESS,
                         keys: list[str] | None = None) -> list[str]:
        """Resume every hook waiting on ``topic`` (or those with the given keys)."""
        async with self.pool.connection() as conn:
            rows = await (await conn.execute(
                "SELECT hotmesh.signal_all(%s, %s, %s, %s, %s, %s)",
                (self.app_id, topic, Jsonb(codec.encode_payload(dict(data or {}))), status, code,
                 keys))).fetchall()
        return [row[0] for row in rows]

    async def add(self, stream_data: Mapping[str, Any]) -> str:
        """HotMesh's ``add``: a response to a worker message, sent later and from anywhere —
        typically the final response of an activity whose worker answered pending
        (``status: 'pending'`` or code 202), or a further pending one.

        ``stream_data`` is what a callback returns, with the ``metadata`` its message carried:
        ``{'metadata': message['metadata'], 'data': {...}, 'status'?: 'success' | 'error' |
        'pending', 'code'?}``. Returns 'applied', 'duplicate' (the activity had its final
        response already), 'stale' (the job is gone) or 'inactive' (it no longer runs); an
        unknown message raises JobNotFoundError."""
        if not isinstance(stream_data, Mapping):
            raise ValueError("add: stream_data must be a dict: {metadata, data, status?, code?}")
        metadata = stream_data.get("metadata")
        if not isinstance(metadata, Mapping) or not {"jid", "aid", "dad"} <= set(metadata):
            raise ValueError("add: stream_data['metadata'] must be the metadata the worker's "
                             "callback received ({jid, gid, aid, dad, ...})")
        message = {key: stream_data[key] for key in ("type", "status", "code", "data")
                   if key in stream_data}
        message["metadata"] = dict(metadata)
        message = codec.encode_response(message)
        try:
            return await self._job_call("SELECT hotmesh.add(%s, %s)",
                                        (self.app_id, Jsonb(message)))
        except psycopg.errors.InvalidParameterValue as exc:
            raise ValueError(str(exc.diag.message_primary)) from None

    async def interrupt(self, topic: str | None, job_id: str, *, reason: str | None = None,
                        throw: bool = True, code: int = codes.INTERRUPT,
                        expire: float | None = None, stack: str | None = None) -> str:
        """Stop a running job (its queued work and timers are retired)."""
        options = {"throw": throw, "code": code}
        for key, value in (("reason", reason), ("expire", expire), ("stack", stack)):
            if value is not None:
                options[key] = value
        return await self._job_call("SELECT hotmesh.interrupt(%s, %s, %s)",
                                    (self.app_id, job_id, Jsonb(options)))

    async def scrub(self, job_id: str) -> None:
        """Delete a job and everything it left."""
        await self._fetch_value("SELECT hotmesh.scrub(%s, %s)", (self.app_id, job_id))

    async def get_state(self, topic: str | None, job_id: str) -> dict[str, Any]:
        """The job's output: {metadata, data}."""
        return codec.decode_payload(await self._job_call(
            "SELECT hotmesh.get_state(%s, %s)", (self.app_id, job_id)), f"job {job_id}")

    async def _output_of(self, job_id: str, event: dict[str, Any] | None) -> dict[str, Any]:
        """A finished job's output: from its completion notice when it carried it (small
        outputs do), else read back."""
        if event is not None and isinstance(event.get("output"), dict):
            return codec.decode_payload(event["output"], f"job {job_id}")
        return await self.get_state(None, job_id)

    async def get_status(self, job_id: str) -> int:
        """The semaphore: > 0 running, 0 complete, -1 pending, < -100,000,000 interrupted."""
        return await self._job_call("SELECT hotmesh.get_status(%s, %s)", (self.app_id, job_id))

    async def get_query_state(self, job_id: str, fields: list[str]) -> dict[str, Any]:
        """Selected attributes of the job (field -> value)."""
        raw = await self.get_raw(job_id)
        return {field: codec.decode_payload(raw.get(field), f"job {job_id} {field}")
                for field in fields}

    async def get_raw(self, job_id: str) -> dict[str, Any]:
        """Every stored attribute of the job."""
        return await self._job_call("SELECT hotmesh.get_raw(%s, %s)", (self.app_id, job_id))

    async def export(self, job_id: str) -> dict[str, Any]:
        """data, state, status and the timeline of the job's activities."""
        return codec.decode_payload(await self._job_call(
            "SELECT hotmesh.export(%s, %s)", (self.app_id, job_id)), f"job {job_id}")

    # -- the quorum (pyhotmesh/quorum.py, docs/quorum.md) ------------------------------------

    async def roll_call(self, delay: float = QUORUM_DELAY) -> list[dict[str, Any]]:
        """One profile per live engine and worker of the app, across processes."""
        return await self.quorum.roll_call(delay)

    async def throttle(self, throttle: int, topic: str | None = None, guid: str | None = None,
                       scope: str | None = None) -> bool:
        """``throttle`` ms before each dequeue (-1 pauses, 0 resumes), for everyone, one
        ``guid``, the workers of a ``topic`` or a ``scope`` ('engines', 'workers')."""
        return await self.quorum.throttle(throttle, topic=topic, guid=guid, scope=scope)

    async def pub_quorum(self, message: Mapping[str, Any]) -> None:
        """Send a message ({'type': 'user', 'topic', 'message'}) to the whole quorum."""
        await self.quorum.pub(message)

    async def sub_quorum(self, callback: QuorumCallback) -> None:
        """Call ``callback(channel, message)`` for every quorum message received."""
        self.quorum.sub(callback)

    async def unsub_quorum(self, callback: QuorumCallback) -> None:
        self.quorum.unsub(callback)

    # -- internals ---------------------------------------------------------------------------

    async def _fetch_row(self, query: str, params: tuple) -> Any:
        async with self.pool.connection() as conn:
            return await (await conn.execute(query, params)).fetchone()

    async def _fetch_value(self, query: str, params: tuple) -> Any:
        row = await self._fetch_row(query, params)
        return row[0] if row else None

    async def _job_call(self, query: str, params: tuple) -> Any:
        try:
            return await self._fetch_value(query, params)
        except psycopg.errors.NoDataFound as exc:
            raise JobNotFoundError(str(exc.diag.message_primary)) from None

    async def _listen_for_jobs(self) -> None:
        """Make sure completions are NOTIFied to this instance (see _listening)."""
        self._last_interest = asyncio.get_running_loop().time()
        if self._listening:
            return
        if not self._listener_started:
            # LISTEN only once something waits or subscribes: a process that never does (a
            # worker host) would otherwise receive every completion another one asked for
            self._listener_started = True
            self._tasks.append(asyncio.create_task(self._listen(self._job_channel)))
        try:
            await asyncio.wait_for(self._listener_ready.wait(), 10)
            await self._fetch_value("SELECT 1 FROM hotmesh.listen_idle(%s, %s, %s)",
                                    (self._job_channel, self.guid, self._listener_pid))
            self._listening = True
        except (asyncio.TimeoutError, psycopg.Error) as exc:
            log.warning("could not register for job completions (%s); polling", exc)

    async def _forget_jobs_if_idle(self) -> None:
        """Leave the job channel when nobody has waited or subscribed for a while."""
        idle_for = asyncio.get_running_loop().time() - self._last_interest
        if (self._listening and not self._waiters and not self._subscriptions
                and not self._patterns and idle_for > 5.0):
            await self._leave_job_channel()

    async def _leave_job_channel(self) -> None:
        await self._fetch_value("SELECT 1 FROM hotmesh.listen_busy(%s, %s)",
                                (self._job_channel, self.guid))
        self._listening = False
        self._listen_epoch += 1

    async def _listen(self, channel: str) -> None:
        """Job completions and emits, for pubsub waiters and subscribers."""
        delay = 0.1
        while not self._stopped:
            try:
                async with await psycopg.AsyncConnection.connect(
                        self.conninfo, autocommit=True) as conn:
                    await conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
                    self._listener_pid = conn.info.backend_pid
                    self._listening = False  # a new session registers again when needed
                    self._listen_epoch += 1
                    self._listener_ready.set()
                    if self._waiters or self._subscriptions or self._patterns:
                        await self._listen_for_jobs()
                    delay = 0.1
                    async for notice in conn.notifies():
                        await self._on_job_event(json.loads(notice.payload))
            except psycopg.Error as exc:
                log.warning("job listener lost its connection (%s); reconnecting", exc)
            except asyncio.CancelledError:
                raise
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)

    async def _on_job_event(self, event: dict[str, Any]) -> None:
        job_id = event.get("jid")
        if event.get("status") != "emit":
            self._finished[job_id] = event
            while len(self._finished) > 10_000:
                self._finished.popitem(last=False)
            waiter = self._waiters.get(job_id)
            if waiter is not None and not waiter.done():
                waiter.set_result(event)
        topic = event.get("publishes")
        callbacks = list(self._subscriptions.get(topic, [])) if topic else []
        for pattern, listeners in self._patterns.items():
            if topic and fnmatch.fnmatchcase(topic, pattern):
                callbacks.extend(listeners)
        if not callbacks:
            return
        try:
            output = await self._output_of(job_id, event)
        except HotMeshError:
            return
        for callback in callbacks:
            try:
                result = callback(topic, output)
                if asyncio.iscoroutine(result):
                    await result
            except Exception:  # a subscriber's failure must not stop the listener
                log.exception("subscriber of %s failed", topic)

    async def _engine_loop(self) -> None:
        """Run due engine work (timers, deferred cascades); sleep until the next is due."""
        while not self._stopped:
            try:
                await self._forget_jobs_if_idle()
                await self._throttle.wait()  # the quorum's throttle: before each step; -1 holds
                ran = await self._fetch_value("SELECT hotmesh.engine_step(%s)", (self.app_id,))
                if ran:
                    self.counts["steps"] += ran
                    continue
                due = await self._fetch_value(
                    "SELECT extract(epoch FROM hotmesh.engine_next_due(%s) - hotmesh.now())",
                    (self.app_id,))
                wait = self._poll_interval if due is None else max(0.0, min(float(due),
                                                                            self._poll_interval))
            except psycopg.Error as exc:
                log.warning("engine step failed (%s)", exc)
                self.counts["failed"] += 1
                wait = self._poll_interval
            self._engine_wake.clear()
            try:
                await asyncio.wait_for(self._engine_wake.wait(), wait)
            except asyncio.TimeoutError:
                pass
