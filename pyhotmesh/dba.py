"""Database administration: retention (HotMesh's ``DBA.prune``) and ``DBA.deploy``.

``await DBA.prune(app_id='orders', connection=dsn, expire='30 days', attributes=True)`` calls
the SQL function ``hotmesh.prune`` (sql/procedures/R__prune.sql), which deletes only what is
done: expired jobs without outstanding work, acked or dead-lettered stream rows past their
window (never a queued message, an open lease or a pending timer), consumed or expired
signals; and, with ``attributes=True``, strips completed jobs down to their job data, search
fields and markers. It works in batches of ``batch_size`` rows of each kind, one short
transaction each, until nothing is left, and returns the counts.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any, Iterable

import psycopg

from .connection import ConnectionConfig, resolve_conninfo
from .errors import ConfigurationError

Interval = str | timedelta

# hotmesh.prune's result columns -> the keys DBA.prune returns (HotMesh's names, snake_case)
_COLUMNS = {
    "deleted_jobs": "jobs",
    "deleted_streams": "streams",
    "deleted_engine_streams": "engine_streams",
    "deleted_worker_streams": "worker_streams",
    "stripped_attributes": "attributes",
    "deleted_transient": "transient",
    "marked_pruned": "marked",
    "deleted_signals": "signals",
}
# the kinds of row that p_limit bounds: while one of them reaches it, there may be more
_BOUNDED = ("jobs", "transient", "engine_streams", "worker_streams", "marked", "signals")

_PRUNE = """
SELECT deleted_jobs, deleted_streams, deleted_engine_streams, deleted_worker_streams,
       stripped_attributes, deleted_transient, marked_pruned, deleted_signals
FROM hotmesh.prune(
    p_app_id => %(app_id)s::text,
    p_retention => %(expire)s::interval,
    p_prune_jobs => %(jobs)s::boolean,
    p_prune_streams => %(streams)s::boolean,
    p_strip_attributes => %(attributes)s::boolean,
    p_entity_list => %(entities)s::text[],
    p_prune_transient => %(prune_transient)s::boolean,
    p_keep_hmark => %(keep_hmark)s::boolean,
    p_prune_engine_streams => %(engine_streams)s::boolean,
    p_prune_worker_streams => %(worker_streams)s::boolean,
    p_engine_streams_retention => %(engine_streams_expire)s::interval,
    p_worker_streams_retention => %(worker_streams_expire)s::interval,
    p_prune_signals => %(signals)s::boolean,
    p_limit => %(batch_size)s::integer)
"""


class DBA:
    """Maintenance of the hotmesh schema, for operators (HotMesh's ``DBA``)."""

    @staticmethod
    async def prune(
        *,
        app_id: str | None = None,
        connection: ConnectionConfig = None,
        expire: Interval = "7 days",
        jobs: bool = True,
        streams: bool = True,
        engine_streams: bool | None = None,
        worker_streams: bool | None = None,
        engine_streams_expire: Interval | None = None,
        worker_streams_expire: Interval | None = None,
        attributes: bool = False,
        entities: Iterable[str] | None = None,
        prune_transient: bool = False,
        keep_hmark: bool = False,
        signals: bool = True,
        batch_size: int | None = 10_000,
    ) -> dict[str, int]:
        """Delete what is done and older than the retention window; returns the counts
        ``{jobs, streams, engine_streams, worker_streams, attributes, transient, marked,
        signals}``.

        * ``app_id``: the app to prune; None prunes every app.
        * ``expire``: the retention window of jobs and signals (a Postgres interval such as
          ``'7 days'`` or a ``timedelta``); jobs expired longer ago are deleted.
        * ``jobs``: delete expired jobs (of the ``entities`` only, when given).
        * ``streams``: delete done stream rows; ``engine_streams`` / ``worker_streams``
          override it per table, ``engine_streams_expire`` / ``worker_streams_expire`` give
          them their own window (default: ``expire``).
        * ``attributes``: strip completed jobs (of the ``entities`` only, when given) down to
          job data, search fields and job markers (hook markers too with ``keep_hmark``);
          stripped jobs are marked (``jobs.pruned_at``) and not looked at again.
        * ``prune_transient``: delete expired jobs without an entity, whatever ``entities``.
        * ``signals``: delete signals consumed, or expired unmet, longer than ``expire`` ago.
        * ``batch_size``: rows of each kind per transaction (None: everything in one).
        """
        _check_app_id(app_id)
        flags = {"jobs": jobs, "streams": streams, "attributes": attributes,
                 "prune_transient": prune_transient, "keep_hmark": keep_hmark,
                 "signals": signals}
        for name, value in flags.items():
            _check_bool(name, value)
        for name, value in (("engine_streams", engine_streams),
                            ("worker_streams", worker_streams)):
            if value is not None:
                _check_bool(name, value)
        entity_list = _check_entities(entities)
        if batch_size is not None and (isinstance(batch_size, bool)
                                       or not isinstance(batch_size, int) or batch_size < 1):
            raise ConfigurationError(
                f"batch_size must be a positive integer or None, got {batch_size!r}")
        windows = {"expire": expire, "engine_streams_expire": engine_streams_expire,
                   "worker_streams_expire": worker_streams_expire}
        params: dict[str, Any] = {
            "app_id": app_id, **flags, "engine_streams": engine_streams,
            "worker_streams": worker_streams, "entities": entity_list,
            "batch_size": batch_size, **windows,
        }
        totals = dict.fromkeys(_COLUMNS.values(), 0)
        async with await psycopg.AsyncConnection.connect(
                resolve_conninfo(connection), autocommit=True) as conn:
            for name, value in windows.items():
                if value is not None or name == "expire":
                    await _check_interval(conn, name, value)
            while True:
                row = await (await conn.execute(_PRUNE, params)).fetchone()
                counts = dict(zip(_COLUMNS.values(), row))
                for key, value in counts.items():
                    totals[key] += value
                if batch_size is None or all(counts[key] < batch_size for key in _BOUNDED):
                    return totals

    @staticmethod
    async def deploy(connection: ConnectionConfig = None, app_id: str | None = None) -> list[str]:
        """Bring the hotmesh schema (prune included) up to date; returns the scripts applied.
        ``app_id`` is accepted for HotMesh's signature: one schema serves every app."""
        from .migrate import migrate

        applied = await asyncio.to_thread(migrate, resolve_conninfo(connection))
        return [script.script for script in applied]


def _check_app_id(app_id: Any) -> None:
    if app_id is not None and (not isinstance(app_id, str) or not app_id):
        raise ConfigurationError(
            f"app_id must be a non-empty string, or None for every app; got {app_id!r}")


def _check_bool(name: str, value: Any) -> None:
    if not isinstance(value, bool):
        raise ConfigurationError(f"{name} must be True or False, got {value!r}")


def _check_entities(entities: Any) -> list[str] | None:
    if entities is None:
        return None
    if isinstance(entities, (str, bytes)) or not isinstance(entities, Iterable):
        raise ConfigurationError(
            f"entities must be a list of entity names (or None for every entity), "
            f"got {entities!r}")
    names = list(entities)
    if not names:
        raise ConfigurationError(
            "entities is an empty list: it would match no job (pass None for every entity)")
    for name in names:
        if not isinstance(name, str) or not name:
            raise ConfigurationError(f"entities must be non-empty strings, got {name!r}")
    return names


async def _check_interval(conn: psycopg.AsyncConnection, name: str, value: Any) -> None:
    """A retention window Postgres understands and that is not negative (the value is a bound
    parameter cast to interval, never part of the SQL text)."""
    if isinstance(value, timedelta):
        if value < timedelta(0):
            raise ConfigurationError(f"{name} must not be negative, got {value}")
        return
    if not isinstance(value, str) or not value.strip():
        raise ConfigurationError(
            f"{name} must be an interval such as '7 days' or a timedelta, got {value!r}")
    try:
        row = await (await conn.execute(
            "SELECT %s::interval < interval '0'", (value,))).fetchone()
    except psycopg.errors.DataError as exc:
        raise ConfigurationError(
            f"{name} must be an interval such as '7 days', '12 hours' or '30 minutes': "
            f"{value!r} is not one ({exc.diag.message_primary})") from None
    if row[0]:
        raise ConfigurationError(f"{name} must not be negative, got {value!r}")
