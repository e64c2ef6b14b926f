"""The quorum: an app's engines and workers, across processes, talking over LISTEN/NOTIFY.

Every HotMesh instance joins its app's quorum channel (``hotmesh.quorum_channel``) on a
connection of its own and answers there for its *members*: its engine and each of its
workers, each with a guid. Over that one channel travel

* roll calls: a ``ping``; every instance answers with one ``pong`` carrying the profile of
  each of its members (counts, throttle, host health); stream depths are added by name;
* throttles: persisted and announced in one SQL call (``hotmesh.quorum_throttle``); each
  targeted member applies the new value before its next dequeue, and a member that joins later
  starts with the persisted rate (read after its LISTEN is up, so no change slips between);
* activation: roll calls until the count of members is stable, an ``activate`` broadcast, then
  the switch in SQL (``hotmesh.activate_version``): every engine reads the active version in
  the same transaction as the job it starts, so they all switch at that commit;
* user messages (``pub`` / ``sub`` / ``unsub``).

Messages name their target (``guid``, ``topic``, ``scope``) and members filter, so a process
needs one LISTEN session however many members it hosts. A message too long for a NOTIFY is
stored and NOTIFied by reference. NOTIFY is a hint: a member that reconnects joins again and
re-reads the persisted throttles it may have missed.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import os
import socket
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Awaitable, Callable, Iterable, Mapping

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

from .errors import HotMeshError
from .throttle import Throttle, ThrottleError, validate_throttle

log = logging.getLogger("pyhotmesh.quorum")

QUORUM_DELAY = 0.25  # s: how long a roll call waits for answers (HMSH_QUORUM_DELAY_MS)
ACTIVATION_MAX_RETRY = 3  # roll calls that disagree are retried with twice the delay

QuorumCallback = Callable[[str, dict[str, Any]], Awaitable[None] | None]


class QuorumError(HotMeshError):
    """The quorum could not do what was asked (no stable quorum, activation not received)."""


def compact_iso(moment: datetime | None = None) -> str:
    """HotMesh's compact timestamp: YYYYMMDDhhmmss.mmm (UTC)."""
    moment = moment or datetime.now(timezone.utc)
    return moment.strftime("%Y%m%d%H%M%S.") + f"{moment.microsecond // 1000:03d}"


def system_health() -> dict[str, Any]:
    """Memory (GB) and CPU load (1, 5, 15 minute averages) of this host, from the stdlib."""
    total, free = _memory_bytes()
    gb = 1024 ** 3
    load = [round(value, 2) for value in os.getloadavg()] if hasattr(os, "getloadavg") else []
    return {
        "TotalMemoryGB": round(total / gb, 2),
        "FreeMemoryGB": round(free / gb, 2),
        "UsedMemoryGB": round((total - free) / gb, 2),
        "CPULoad": load,
    }


def _memory_bytes() -> tuple[int, int]:
    """(total, available) memory: /proc/meminfo on Linux, sysconf elsewhere."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            fields = {line.split(":")[0]: int(line.split()[1]) * 1024 for line in meminfo
                      if line.split()[1:2] and line.split()[1].isdigit()}
        return fields["MemTotal"], fields.get("MemAvailable", fields.get("MemFree", 0))
    except (OSError, KeyError, ValueError):
        pass
    try:
        page = os.sysconf("SC_PAGE_SIZE")
        return os.sysconf("SC_PHYS_PAGES") * page, os.sysconf("SC_AVPHYS_PAGES") * page
    except (AttributeError, ValueError, OSError):
        return 0, 0


@dataclass(eq=False)
class Member:
    """An engine or worker answering in the quorum: what its profile shows and the throttle
    the quorum sets for it."""

    guid: str
    role: str  # 'engine' or 'worker'
    throttle: Throttle
    counts: Counter = field(default_factory=Counter)
    topic: str | None = None
    details: dict[str, Any] = field(default_factory=dict)  # more profile fields
    inited: str = field(default_factory=compact_iso)
    pinned: bool = False  # its throttle came by guid (not persisted): a re-read keeps it
    applied: int = 0  # throttle messages applied so far

    @classmethod
    def for_worker(cls, worker: Any) -> "Member":
        return cls(guid=worker.guid, role="worker", throttle=worker.throttle,
                   counts=worker.counts, topic=worker.topic,
                   details={"reclaim_delay": worker.lease_ms,
                            "concurrency": worker.concurrency})

    def targeted_by(self, message: Mapping[str, Any]) -> bool:
        """Whether a throttle message is meant for this member."""
        if message.get("guid") is not None:
            return message["guid"] == self.guid
        if message.get("topic") is not None:
            return self.role == "worker" and message["topic"] == self.topic
        if "topic" in message:  # HotMesh's engines-only form: an explicit null topic
            return self.role == "engine"
        scope = message.get("scope")
        if scope in ("engines", "workers"):
            return self.role == scope[:-1]
        return True

    def registration(self) -> dict[str, Any]:
        return {"guid": self.guid, "role": self.role, "topic": self.topic}

    def profile(self, app_id: str, engine_id: str, system: dict[str, Any]) -> dict[str, Any]:
        return {
            "guid": self.guid,
            "engine_id": engine_id,  # the HotMesh instance that hosts the member
            "app_id": app_id,
            "role": self.role,
            "worker_topic": self.topic,
            "stream": self.topic if self.role == "worker" else "engine_streams",
            "throttle": self.throttle.ms,
            "counts": dict(self.counts),
            "error_count": self.counts.get("failed", 0),
            "inited": self.inited,
            "timestamp": compact_iso(),
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "system": system,
            **self.details,
        }


class _Round:
    """The pongs answering one ping."""

    def __init__(self) -> None:
        self.profiles: list[dict[str, Any]] = []
        self.arrived = asyncio.Event()


class Quorum:
    """One HotMesh instance's place in its app's quorum (``guid`` is the instance's)."""

    def __init__(self, app_id: str, conninfo: str, pool: AsyncConnectionPool,
                 guid: str) -> None:
        self.app_id = app_id
        self.conninfo = conninfo
        self.pool = pool
        self.guid = guid
        self.channel: str | None = None
        self.members: dict[str, Member] = {}
        self._callbacks: list[QuorumCallback] = []
        self._rounds: dict[str, _Round] = {}
        self._activations: dict[str, asyncio.Event] = {}
        self._deliveries: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue()
        self._ready = asyncio.Event()
        self._backend_pid: int | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._answering: set[asyncio.Task[None]] = set()  # pongs being sent
        self._stopped = False

    # -- joining and leaving ---------------------------------------------------------------

    async def start(self, members: Iterable[Member] = (), timeout: float = 30.0) -> "Quorum":
        """LISTEN on the app's channel, then join with ``members`` (each starts with its
        persisted throttle)."""
        self.channel = await self._value("SELECT hotmesh.quorum_channel(%s)", (self.app_id,))
        for member in members:
            self.members[member.guid] = member
        self._tasks = [
            asyncio.create_task(self._listen(), name=f"{self.guid}-quorum"),
            asyncio.create_task(self._deliver(), name=f"{self.guid}-quorum-callbacks"),
        ]
        try:
            await asyncio.wait_for(self._ready.wait(), timeout)
        except asyncio.TimeoutError:
            await self.stop()
            raise QuorumError(f"could not join the quorum of app {self.app_id!r} "
                              f"within {timeout} s") from None
        return self

    async def add(self, member: Member) -> None:
        """Join with one more member; it starts with its persisted throttle (read after the
        LISTEN is up: a later change reaches it as a message)."""
        self.members[member.guid] = member
        await self._ready.wait()
        applied = member.applied
        await self._value("SELECT hotmesh.quorum_join(%s, %s, %s)",
                          (self.app_id, Jsonb([member.registration()]), self._backend_pid))
        rate = await self._value("SELECT hotmesh.throttle_rate(%s, %s, %s)",
                                 (self.app_id, member.role, member.topic))
        if member.applied == applied:  # else a message applied meanwhile is as new or newer
            member.throttle.set(rate)

    async def stop(self) -> None:
        """Leave the quorum (members are unregistered) and close the LISTEN session."""
        if self._stopped:
            return
        self._stopped = True
        if self.members:
            try:
                await self._value("SELECT hotmesh.quorum_leave(%s, %s)",
                                  (self.app_id, list(self.members)))
            except psycopg.Error as exc:  # a dead session's members are removed when counted
                log.warning("quorum: could not leave (%s)", exc)
        tasks = [*self._tasks, *self._answering]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # -- the API -----------------------------------------------------------------------------

    async def roll_call(self, delay: float = QUORUM_DELAY) -> list[dict[str, Any]]:
        """One profile per live engine and worker of the app, across processes: whoever
        answers within ``delay`` seconds (the call returns as soon as every registered member
        has). ``stream_depth`` is matched to each profile by stream name."""
        profiles = await self._request(delay)
        streams = sorted({p["stream"] for p in profiles if p.get("role") == "worker"})
        depths = await self._value("SELECT hotmesh.quorum_stream_depths(%s, %s)",
                                   (self.app_id, streams))
        for profile in profiles:
            if profile.get("role") == "engine":
                profile["stream_depth"] = depths["engine"]
            else:
                profile["stream_depth"] = depths["streams"].get(profile.get("stream"), 0)
        return profiles

    async def throttle(self, throttle: int, topic: str | None = None, guid: str | None = None,
                       scope: str | None = None) -> bool:
        """Throttle consumers: ``throttle`` ms before each dequeue, -1 pauses, 0 resumes.

        ``guid``: one member; ``topic``: the workers of a topic; ``scope='engines'`` or
        ``'workers'``; default: everyone. Except by guid, the rate is persisted for members
        that join later."""
        validate_throttle(throttle)
        for name, value in (("topic", topic), ("guid", guid), ("scope", scope)):
            if value is not None and (not isinstance(value, str) or not value):
                raise ThrottleError(f"throttle {name} must be a non-empty string, got {value!r}")
        if scope not in (None, "all", "engines", "workers"):
            raise ThrottleError(
                f"throttle scope must be 'engines', 'workers' or 'all', got {scope!r}")
        scope = None if scope == "all" else scope
        if sum(value is not None for value in (topic, guid, scope)) > 1:
            raise ThrottleError("throttle: give at most one of topic, guid and scope")
        await self._value("SELECT hotmesh.quorum_throttle(%s, %s, %s, %s, %s)",
                          (self.app_id, throttle, topic, guid, scope))
        return True

    async def pub(self, message: Mapping[str, Any]) -> None:
        """Send a message to every member of the app's quorum (``type`` defaults to 'user');
        ``sub`` callbacks everywhere receive it."""
        if not isinstance(message, Mapping):
            raise QuorumError(f"a quorum message is a dict, not {type(message).__name__}")
        message = {"type": "user", **message}
        if not isinstance(message["type"], str) or not message["type"]:
            raise QuorumError("a quorum message's type must be a non-empty string")
        if message["type"] == "throttle":
            validate_throttle(message.get("throttle"))
        try:
            json.dumps(message)
        except (TypeError, ValueError) as exc:
            raise QuorumError(f"a quorum message must be JSON: {exc}") from None
        await self._publish(message)

    def sub(self, callback: QuorumCallback) -> None:
        """Call ``callback(channel, message)`` for every quorum message this instance
        receives (after the quorum's own handling), in order."""
        if not callable(callback):
            raise QuorumError("a quorum callback must be callable")
        self._callbacks.append(callback)

    def unsub(self, callback: QuorumCallback) -> None:
        self._callbacks = [cb for cb in self._callbacks if cb != callback]

    async def activate(self, version: str, delay: float | None = None) -> bool:
        """Switch every engine of the app to ``version`` together (HotMesh's protocol):
        roll calls until the member count is stable, an ``activate`` broadcast, then the
        switch in SQL. Activations of an app run one at a time (an advisory lock): one that
        finds the lock taken waits for it, and does nothing more if the version is active by
        then. Raises QuorumError when the quorum does not settle; psycopg's NoDataFound when
        the version is not deployed."""
        version = str(version)
        delay = QUORUM_DELAY if delay is None else float(delay)
        state = await self._value("SELECT hotmesh.quorum_version_state(%s, %s)",
                                  (self.app_id, version))
        if state == "active":
            return True
        async with self.pool.connection() as lead:  # the session holds the activation lock
            key = (await (await lead.execute("SELECT hotmesh.quorum_lead_key(%s)",
                                             (self.app_id,))).fetchone())[0]
            await self._lock(lead, key)
            try:
                state = await self._value("SELECT hotmesh.quorum_version_state(%s, %s)",
                                          (self.app_id, version))
                if state == "active":  # a concurrent activation did it meanwhile
                    return True
                await self._settle(version, delay)
                received = self._activations[version] = asyncio.Event()
                try:
                    await self._publish({"type": "activate", "cache_mode": "nocache",
                                         "until_version": version, "originator": self.guid})
                    await asyncio.wait_for(received.wait(), max(4 * delay, 2.0))
                except asyncio.TimeoutError:
                    raise QuorumError(f"UntilVersion Not Received. Version {version} not "
                                      "activated (the quorum channel did not carry it)") from None
                finally:
                    self._activations.pop(version, None)
                await lead.execute("SELECT hotmesh.activate_version(%s, %s)",
                                   (self.app_id, version))
            finally:
                try:
                    await lead.execute("SELECT pg_advisory_unlock(%s)", (key,))
                except psycopg.Error:  # a broken session has released it already
                    pass
        log.info("quorum: app %s activated version %s", self.app_id, version)
        return True

    # -- internals -----------------------------------------------------------------------------

    async def _settle(self, version: str, delay: float) -> None:
        """Roll calls until three in a row count the same members (retrying with twice the
        delay), as HotMesh does before it activates."""
        for _ in range(ACTIVATION_MAX_RETRY + 1):
            counts = [len(await self._request(delay)) for _ in range(3)]
            if counts[0] > 0 and len(set(counts)) == 1:
                return
            log.warning("quorum: roll calls disagree %s; retrying with delay %.2fs",
                        counts, delay * 2)
            delay *= 2
        raise QuorumError(f"Quorum not reached. Version {version} not activated.")

    async def _lock(self, conn: psycopg.AsyncConnection, key: int,
                    within: float = 60.0) -> None:
        """Take the app's activation lock on ``conn``'s session, waiting (without blocking a
        backend) while another activation holds it; an activation takes seconds at most."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while not (await (await conn.execute("SELECT pg_try_advisory_lock(%s)",
                                             (key,))).fetchone())[0]:
            if loop.time() > deadline:
                raise QuorumError(f"another activation of app {self.app_id!r} has held the "
                                  f"activation lock for over {within:.0f} s")
            await asyncio.sleep(0.05)

    async def _request(self, delay: float) -> list[dict[str, Any]]:
        """Ping and collect the profiles of the members that answer within ``delay`` s; done
        early once every registered member has answered."""
        ping = uuid.uuid4().hex
        round_ = self._rounds[ping] = _Round()
        loop = asyncio.get_running_loop()
        try:
            expected = await self._value("SELECT hotmesh.quorum_count(%s)", (self.app_id,))
            await self._publish({"type": "ping", "originator": self.guid, "id": ping,
                                 "details": True})
            deadline = loop.time() + delay
            while len(round_.profiles) < expected:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                round_.arrived.clear()
                try:
                    await asyncio.wait_for(round_.arrived.wait(), remaining)
                except asyncio.TimeoutError:
                    break
            return list(round_.profiles)
        finally:
            self._rounds.pop(ping, None)

    async def _listen(self) -> None:
        """LISTEN on the app's channel; on every (re)connect join again and re-read the
        persisted throttles (changes made while away were not heard)."""
        delay = 0.1
        while not self._stopped:
            try:
                async with await psycopg.AsyncConnection.connect(
                        self.conninfo, autocommit=True) as conn:
                    await conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self.channel)))
                    self._backend_pid = conn.info.backend_pid
                    await self._rejoin()
                    self._ready.set()
                    delay = 0.1
                    async for notice in conn.notifies():
                        await self._receive(notice.payload)
            except psycopg.Error as exc:
                log.warning("quorum %s: LISTEN connection lost (%s); reconnecting",
                            self.app_id, exc)
            except asyncio.CancelledError:
                raise
            except Exception:  # a bug in handling one message must not end the membership
                log.exception("quorum %s: listener failed; reconnecting", self.app_id)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)

    async def _rejoin(self) -> None:
        members = list(self.members.values())
        if not members:
            return
        registrations = Jsonb([m.registration() for m in members])
        await self._value("SELECT hotmesh.quorum_join(%s, %s, %s)",
                          (self.app_id, registrations, self._backend_pid))
        async with self.pool.connection() as conn:
            rows = await (await conn.execute(
                "SELECT m ->> 'guid', hotmesh.throttle_rate(%s, m ->> 'role', m ->> 'topic')"
                " FROM jsonb_array_elements(%s) m", (self.app_id, registrations))).fetchall()
        for guid, rate in rows:
            member = self.members.get(guid)
            if member is not None and not member.pinned:
                member.throttle.set(rate)

    async def _receive(self, payload: str) -> None:
        try:
            message = json.loads(payload)
        except ValueError:
            log.warning("quorum %s: ignoring a message that is not JSON", self.app_id)
            return
        if not isinstance(message, dict):
            return
        if set(message) == {"_ref"}:  # too long for a NOTIFY: stored, fetched here
            message = await self._value("SELECT hotmesh.quorum_payload(%s, %s)",
                                        (self.app_id, message["_ref"]))
            if not isinstance(message, dict):
                log.warning("quorum %s: a message sent by reference is gone", self.app_id)
                return
        kind = message.get("type")
        if kind == "ping" and message.get("originator"):
            task = asyncio.create_task(self._pong(message))  # the listener goes on meanwhile
            self._answering.add(task)
            task.add_done_callback(self._answering.discard)
        elif kind == "pong":
            round_ = self._rounds.get(message.get("id"))
            if round_ is not None and message.get("originator") == self.guid:
                round_.profiles.extend(p for p in message.get("profiles") or []
                                       if isinstance(p, dict))
                round_.arrived.set()
        elif kind == "throttle":
            self._apply_throttle(message)
        elif kind == "activate" and message.get("originator") == self.guid:
            received = self._activations.get(str(message.get("until_version")))
            if received is not None:
                received.set()
        if self._callbacks:
            self._deliveries.put_nowait((self.channel or "", message))

    def _apply_throttle(self, message: Mapping[str, Any]) -> None:
        try:
            ms = validate_throttle(message.get("throttle"))
        except ThrottleError as exc:
            log.warning("quorum %s: ignoring a throttle message: %s", self.app_id, exc)
            return
        for member in self.members.values():
            if member.targeted_by(message):
                member.throttle.set(ms)
                member.pinned = message.get("guid") is not None
                member.applied += 1
                log.info("quorum %s: %s %s throttled to %s ms", self.app_id, member.role,
                         member.guid, ms)

    async def _pong(self, ping: Mapping[str, Any]) -> None:
        system = system_health()
        profiles = [m.profile(self.app_id, self.guid, system)
                    for m in sorted(self.members.values(), key=lambda m: m.role)]
        try:
            await self._publish({"type": "pong", "originator": ping["originator"],
                                 "id": ping.get("id"), "guid": self.guid,
                                 "profiles": profiles})
        except psycopg.Error as exc:
            log.warning("quorum %s: could not answer a ping (%s)", self.app_id, exc)

    async def _deliver(self) -> None:
        """Run sub() callbacks in the order messages arrived, apart from the listener (a
        slow callback must not hold back throttles)."""
        while True:
            channel, message = await self._deliveries.get()
            for callback in list(self._callbacks):
                try:
                    result = callback(channel, message)
                    if inspect.isawaitable(result):
                        await result
                except Exception:
                    log.exception("quorum %s: a subscriber failed", self.app_id)

    async def _publish(self, message: Mapping[str, Any]) -> None:
        await self._value("SELECT hotmesh.quorum_publish(%s, %s)",
                          (self.app_id, Jsonb(dict(message))))

    async def _value(self, query: str, params: tuple[Any, ...]) -> Any:
        async with self.pool.connection() as conn:
            row = await (await conn.execute(query, params)).fetchone()
        return row[0] if row else None
