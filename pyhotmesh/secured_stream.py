"""Worker streams for a least-privilege worker role (docs/security.md).

A worker configured with ``worker_credentials={'user': ..., 'password': ...}`` logs in as a role
made by ``provision_worker_role``. That role may execute the SECURITY DEFINER ``hotmesh.worker_*``
functions and nothing else, so :class:`SecuredStreams` offers the interface of
:class:`pyhotmesh.stream.Streams` through them: the same calls, each one checked by the database
against the streams the role was provisioned for. Responses go through the same engine
functions as a trusted worker's, so they drive jobs exactly alike.
"""

from __future__ import annotations

from typing import Any, Mapping

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from .errors import ConfigurationError
from .stream import Streams


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
    """The worker streams of one app, as a worker role sees them: the calls of
    :class:`Streams`, through the worker_* twins of its functions."""

    functions = {name: f"worker_{name}" for name in Streams.functions}
    claim_options = ""  # worker_dequeue's claims are durable (its SET clauses end with it)

    async def channel(self, stream: str) -> str:
        try:
            return await super().channel(stream)
        except psycopg.errors.InsufficientPrivilege as exc:
            raise ConfigurationError(
                f"this worker role may not consume {self.app_id}/{stream}: "
                f"{exc.diag.message_primary}") from None

    # A worker role consumes; publishing and inspecting streams stay with trusted roles.

    async def publish(self, stream: str, messages: Any, **options: Any) -> list[int]:
        raise ConfigurationError("a secured worker cannot publish: its role may only consume "
                                 "and answer the messages of its streams")

    async def depth(self, stream: str) -> int:
        raise ConfigurationError("a secured worker cannot inspect stream depth")

    async def stats(self, stream: str) -> dict[str, int]:
        raise ConfigurationError("a secured worker cannot inspect stream statistics")
