"""Worker streams for a least-privilege worker role (docs/security.md).

A worker configured with ``worker_credentials={'user': ..., 'password': ...}`` logs in as a role
made by ``provision_worker_role``. That role may execute the SECURITY DEFINER ``hotmesh.worker_*``
functions and nothing else, so :class:`SecuredStreams` offers the interface of
:class:`pyhotmesh.stream.Streams` through them: the same calls, each one checked by the database
against the streams the role was provisioned for. Responses go through the same engine
functions as a trusted worker's, so they drive jobs exactly alike.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg.types.json import Jsonb

from .errors import ConfigurationError
from .stream import FailOutcome, StreamMessage, Streams


def secured_conninfo(conninfo: str, credentials: Mapping[str, Any]) -> str:
    """The connection string of ``conninfo`` with the worker role's user and password."""
    if not isinstance(credentials, Mapping) or set(credentials) - {"user", "password"}:
        raise ConfigurationError(
            "worker_credentials must be a dict with 'user' and 'password' (and nothing else)")
    user, password = credentials.get("user"), credentials.get("password")
    if not isinstance(user, str) or not user or not isinstance(password, str) or not password:
        raise ConfigurationError(
            "worker_credentials needs a non-empty 'user' and 'password' (strings)")
    if "\x00" in user or "\x00" in password:
        raise ConfigurationError("worker_credentials may not contain NUL characters")
    return make_conninfo(conninfo, user=user, password=password)


async def check_login(conninfo: str) -> None:
    """Fail at once, with a clear message, when the worker role cannot log in (a wrong or
    rotated password, a revoked role) instead of letting a pool retry for its timeout."""
    try:
        conn = await psycopg.AsyncConnection.connect(conninfo, connect_timeout=10)
    except psycopg.OperationalError as exc:
        user = conninfo_to_dict(conninfo).get("user")
        raise ConfigurationError(f"worker role {user!r} cannot log in: {exc}") from None
    await conn.close()


class SecuredStreams(Streams):
    """The worker streams of one app, as a worker role sees them."""

    async def channel(self, stream: str) -> str:
        try:
            rows = await self._fetch(
                "SELECT hotmesh.worker_channel(%s, %s)", (self.app_id, stream))
        except psycopg.errors.InsufficientPrivilege as exc:
            raise ConfigurationError(
                f"this worker role may not consume {self.app_id}/{stream}: "
                f"{exc.diag.message_primary}") from None
        return rows[0][0]

    async def dequeue(
        self, stream: str, consumer: str, batch: int, lease_ms: int
    ) -> list[StreamMessage]:
        rows = await self._fetch(
            "SELECT id, message, delivery, retry_attempt, priority, job_key, workflow_name,"
            " created_at FROM hotmesh.worker_dequeue(%s, %s, %s, %s, %s)",
            (self.app_id, stream, consumer, batch, lease_ms),
        )
        messages = [StreamMessage(row[0], stream, row[1], *row[2:]) for row in rows]
        messages.sort(key=lambda m: (-m.priority, m.id))
        return messages

    async def reclaim(self, stream: str, limit: int = 100) -> int:
        rows = await self._fetch("SELECT hotmesh.worker_reclaim(%s, %s, %s)",
                                 (self.app_id, stream, limit))
        return int(rows[0][0])

    async def ack(self, consumer: str, messages: Iterable[StreamMessage]) -> set[int]:
        return await self._lease_call("worker_ack", consumer, messages)

    async def heartbeat(
        self, consumer: str, messages: Iterable[StreamMessage], lease_ms: int
    ) -> set[int]:
        return await self._lease_call("worker_heartbeat", consumer, messages, lease_ms)

    async def release(self, consumer: str, messages: Iterable[StreamMessage]) -> set[int]:
        return await self._lease_call("worker_release", consumer, messages)

    async def fail(
        self,
        consumer: str,
        message: StreamMessage,
        error: Mapping[str, Any],
        policy: Mapping[str, Any] | None = None,
    ) -> FailOutcome:
        rows = await self._fetch(
            "SELECT outcome, attempt, visible_at FROM hotmesh.worker_fail(%s, %s, %s, %s, %s)",
            (consumer, message.id, message.delivery, Jsonb(dict(error)),
             Jsonb(dict(policy)) if policy is not None else None),
        )
        return FailOutcome(*rows[0])

    async def dead_letter(
        self,
        consumer: str,
        message: StreamMessage,
        reason: str,
        error: Mapping[str, Any] | None = None,
    ) -> bool:
        rows = await self._fetch(
            "SELECT hotmesh.worker_dead_letter(%s, %s, %s, %s, %s)",
            (consumer, message.id, message.delivery, reason,
             Jsonb(dict(error)) if error is not None else None),
        )
        return bool(rows[0][0])

    async def respond(self, message: StreamMessage, response: Mapping[str, Any]) -> str:
        rows = await self._fetch(
            "SELECT hotmesh.worker_respond(%s, %s)", (message.id, Jsonb(dict(response))))
        return rows[0][0]

    async def respond_next(
        self, consumer: str, message: StreamMessage, response: Mapping[str, Any],
        batch: int, lease_ms: int,
    ) -> tuple[str, list[StreamMessage]]:
        rows = await self._fetch(
            "SELECT outcome, id, message, delivery, retry_attempt, priority, job_key,"
            " workflow_name, created_at FROM hotmesh.worker_respond_next(%s, %s, %s, %s, %s)",
            (message.id, Jsonb(dict(response)), consumer, batch, lease_ms))
        held = [StreamMessage(row[1], message.stream, row[2], *row[3:])
                for row in rows if row[1] is not None]
        held.sort(key=lambda m: (-m.priority, m.id))
        return rows[0][0], held

    async def respond_batch(
        self, answers: list[tuple[StreamMessage, Mapping[str, Any]]]
    ) -> list[str]:
        rows = await self._fetch(
            "SELECT id, outcome FROM hotmesh.worker_respond_batch(%s, %s)",
            ([m.id for m, _ in answers], [Jsonb(dict(r)) for _, r in answers]))
        outcomes = dict(rows)
        return [outcomes.get(m.id, "lost") for m, _ in answers]

    async def listen_idle(self, channel: str, consumer: str, backend_pid: int) -> bool:
        await self._fetch("SELECT 1 FROM hotmesh.worker_listen_idle(%s, %s, %s)",
                          (channel, consumer, backend_pid))
        return True

    async def listen_busy(self, channel: str, consumer: str) -> bool:
        await self._fetch("SELECT 1 FROM hotmesh.worker_listen_busy(%s, %s)",
                          (channel, consumer))
        return True

    # A worker role consumes; publishing and inspecting streams stay with trusted roles.

    async def publish(self, stream: str, messages: Any, **options: Any) -> list[int]:
        raise ConfigurationError("a secured worker cannot publish: its role may only consume "
                                 "and answer the messages of its streams")

    async def depth(self, stream: str) -> int:
        raise ConfigurationError("a secured worker cannot inspect stream depth")

    async def stats(self, stream: str) -> dict[str, int]:
        raise ConfigurationError("a secured worker cannot inspect stream statistics")
