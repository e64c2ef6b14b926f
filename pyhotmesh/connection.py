"""Connection settings: a DSN string, a dict of psycopg options, or HOTMESH_DSN."""

from __future__ import annotations

import os
from typing import Any, Mapping

from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg import ProgrammingError

from .errors import ConfigurationError

# HotMesh (TypeScript) option names that psycopg/libpq spell differently.
_ALIASES = {"database": "dbname", "username": "user"}

ConnectionConfig = str | Mapping[str, Any] | None


def resolve_conninfo(connection: ConnectionConfig = None) -> str:
    """A libpq connection string for ``connection``.

    Accepts a DSN or key/value string, a dict of psycopg/libpq options (``host``, ``port``,
    ``user``, ``password``, ``dbname`` or HotMesh's ``database``), HotMesh's
    ``{'class': ..., 'options': {...}}`` form, or None for the HOTMESH_DSN variable.
    """
    if connection is None:
        dsn = os.environ.get("HOTMESH_DSN")
        if not dsn:
            raise ConfigurationError(
                "no database connection given: pass connection=<DSN or options dict> "
                "or set HOTMESH_DSN"
            )
        connection = dsn
    if isinstance(connection, str):
        try:
            conninfo_to_dict(connection)  # validates the syntax, names the problem
        except ProgrammingError as exc:
            raise ConfigurationError(f"invalid connection string: {exc}") from None
        return connection
    if isinstance(connection, Mapping):
        options = connection.get("options", connection)
        if not isinstance(options, Mapping):
            raise ConfigurationError("connection 'options' must be a dict of connection options")
        params = {
            _ALIASES.get(key, key): value
            for key, value in options.items()
            if key != "class" and value is not None
        }
        try:
            return make_conninfo(**{key: str(value) for key, value in params.items()})
        except ProgrammingError as exc:
            raise ConfigurationError(f"invalid connection options: {exc}") from None
    raise ConfigurationError(
        f"connection must be a DSN string or a dict of options, not {type(connection).__name__}"
    )

