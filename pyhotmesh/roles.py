"""Least-privilege worker roles, for administrators (docs/security.md).

Each function opens a connection from the connection config given (a role that may create
roles: CREATEROLE, or a superuser), calls one SQL function of sql/procedures/R__worker_roles.sql
and closes the connection. A worker role logs in with the password returned and can then only
consume and answer the messages of its streams (pyhotmesh.secured_stream).

Passwords go to the server as SCRAM verifiers computed here, as psql's \\password does: the
password itself never appears in a statement the server could log.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any, Iterable

import psycopg
from psycopg.rows import dict_row

from .connection import ConnectionConfig, resolve_conninfo
from .errors import ConfigurationError, HotMeshError


class WorkerRoleError(HotMeshError):
    """The database refused a worker role operation (not a worker role, revoked, no right to
    manage roles); nothing was changed."""


async def provision_worker_role(
    connection: ConnectionConfig,
    stream_names: Iterable[str],
    password: str | None = None,
    *,
    app_id: str,
) -> dict[str, str]:
    """Create the worker role of ``app_id``'s streams (or reset its password and restore it,
    when it exists): ``{'role_name', 'password'}`` (a random password when none is given)."""
    streams = _stream_names(stream_names)
    _text(app_id, "app_id")
    password = secrets.token_hex(32) if password is None else _password(password)
    async with await _connect(connection) as conn:
        role_name = await _call(conn, "SELECT hotmesh.worker_role_name(%s, %s)",
                                (app_id, streams))
        verifier = await _verifier(conn, password, role_name)
        await _call(conn, "SELECT role_name FROM hotmesh.provision_worker_role(%s, %s, %s)",
                    (app_id, streams, verifier))
    return {"role_name": role_name, "password": password}


async def list_worker_roles(
    connection: ConnectionConfig, app_id: str | None = None
) -> list[dict[str, Any]]:
    """The worker roles of the database (of one app, or all), revoked ones included:
    ``{'role_name', 'app_id', 'stream_names', 'created_at', 'rotated_at', 'revoked_at',
    'can_login'}``."""
    async with await _connect(connection) as conn:
        cur = conn.cursor(row_factory=dict_row)
        await cur.execute("SELECT * FROM hotmesh.list_worker_roles(%s)", (app_id,))
        return list(await cur.fetchall())


async def revoke_worker_role(connection: ConnectionConfig, role_name: str) -> datetime:
    """Revoke a worker role: it can no longer log in or call anything; its row is kept.
    Returns when it was revoked."""
    _text(role_name, "role_name")
    async with await _connect(connection) as conn:
        return await _call(conn, "SELECT hotmesh.revoke_worker_role(%s)", (role_name,))


async def rotate_worker_password(
    connection: ConnectionConfig, role_name: str, password: str | None = None
) -> dict[str, str]:
    """Give a worker role a new password (random when none is given); the old one stops
    working at once. Returns ``{'role_name', 'password'}``."""
    _text(role_name, "role_name")
    password = secrets.token_hex(32) if password is None else _password(password)
    async with await _connect(connection) as conn:
        verifier = await _verifier(conn, password, role_name)
        await _call(conn, "SELECT hotmesh.rotate_worker_password(%s, %s)",
                    (role_name, verifier))
    return {"role_name": role_name, "password": password}


# -- helpers -----------------------------------------------------------------------------------

async def _connect(connection: ConnectionConfig) -> psycopg.AsyncConnection:
    return await psycopg.AsyncConnection.connect(resolve_conninfo(connection), autocommit=True)


async def _call(conn: psycopg.AsyncConnection, query: str, params: tuple) -> Any:
    """One SQL function call; its refusals as typed errors (the SQL validates every name)."""
    try:
        row = await (await conn.execute(query, params)).fetchone()
    except psycopg.DataError as exc:  # a name or password the SQL refused
        raise ConfigurationError(str(exc.diag.message_primary)) from None
    except (psycopg.errors.InsufficientPrivilege, psycopg.errors.UndefinedObject,
            psycopg.errors.DuplicateObject, psycopg.errors.ObjectNotInPrerequisiteState) as exc:
        raise WorkerRoleError(str(exc.diag.message_primary)) from None
    return row[0] if row else None


async def _verifier(conn: psycopg.AsyncConnection, password: str, role_name: str) -> str:
    """The password as the server stores it (SCRAM, or md5 where the server still uses it)."""
    row = await (await conn.execute("SHOW password_encryption")).fetchone()
    algorithm = row[0] if row and row[0] in ("md5", "scram-sha-256") else "scram-sha-256"
    return conn.pgconn.encrypt_password(
        password.encode(), role_name.encode(), algorithm.encode()).decode()


# Only what cannot reach the SQL is checked here (types, NUL, which PostgreSQL text cannot
# hold); the SQL functions validate every name and say what is allowed.

def _text(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigurationError(f"{what} must be a non-empty string")
    if "\x00" in value:
        raise ConfigurationError(f"{what} may not contain NUL characters")
    return value


def _stream_names(stream_names: Iterable[str]) -> list[str]:
    if isinstance(stream_names, (str, bytes)):
        raise ConfigurationError("stream_names must be a list of stream names, not a string")
    return [_text(name, "a stream name") for name in stream_names]


def _password(password: str) -> str:
    return _text(password, "a worker role password")
