"""Apply the SQL in ``sql/`` to a database, recording it in ``hotmesh.schema_history``.

Files follow Flyway's naming, so a DBA may apply them with Flyway or psql instead:

* ``sql/migrations/V<version>__<name>.sql`` run once each, in version order, and may never
  change after they were applied (a changed file stops the migration with an error);
* ``sql/procedures/R__<name>.sql`` run after them, in name order, again whenever their
  checksum changes.

A run is one transaction under an advisory lock: two processes migrating at once apply each
file once, and a failing file leaves the database as it was.
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import psycopg

from .errors import MigrationError

# pg_advisory_xact_lock key: the first 8 bytes of sha256("hotmesh.migrate").
LOCK_KEY = int.from_bytes(hashlib.sha256(b"hotmesh.migrate").digest()[:8], "big", signed=True)

HISTORY_DDL = """
CREATE SCHEMA IF NOT EXISTS hotmesh;
CREATE TABLE IF NOT EXISTS hotmesh.schema_history (
    installed_rank integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    version        text,
    description    text NOT NULL,
    type           text NOT NULL CHECK (type IN ('versioned', 'repeatable')),
    script         text NOT NULL,
    checksum       text NOT NULL,
    installed_by   text NOT NULL DEFAULT current_user,
    installed_on   timestamptz NOT NULL DEFAULT now(),
    execution_ms   integer NOT NULL
);
"""

_VERSIONED = re.compile(r"^V(?P<version>\d+(?:[._]\d+)*)__(?P<name>\w+)\.sql$")
_REPEATABLE = re.compile(r"^R__(?P<name>\w+)\.sql$")


@dataclass(frozen=True)
class Script:
    """One SQL file of the bundle."""

    path: str  # relative to sql/, e.g. "migrations/V0001__engine_schema.sql"
    version: str | None  # None for repeatable scripts
    description: str
    text: str

    @property
    def kind(self) -> str:
        return "versioned" if self.version else "repeatable"

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()

    @property
    def version_key(self) -> tuple[int, ...]:
        return tuple(int(part) for part in re.split(r"[._]", self.version or "0"))


def sql_root() -> Path:
    """The sql/ folder: shipped inside the package, or the source tree's in a checkout."""
    packaged = resources.files("pyhotmesh") / "sql"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent / "sql"


def load_scripts(root: Path | None = None) -> list[Script]:
    """Every script in the order it must run: versioned by version, then repeatable by name."""
    root = root or sql_root()
    if not (root / "migrations").is_dir():
        raise MigrationError(f"no SQL migrations found in {root}/migrations")
    versioned: list[Script] = []
    repeatable: list[Script] = []
    for path in sorted((root / "migrations").glob("*.sql")):
        match = _VERSIONED.match(path.name)
        if not match:
            raise MigrationError(
                f"{path}: a migration must be named V<version>__<name>.sql"
            )
        versioned.append(
            Script(
                path=f"migrations/{path.name}",
                version=match["version"],
                description=match["name"].replace("_", " "),
                text=path.read_text(),
            )
        )
    for path in sorted((root / "procedures").glob("*.sql")):
        match = _REPEATABLE.match(path.name)
        if not match:
            raise MigrationError(f"{path}: a procedure file must be named R__<name>.sql")
        repeatable.append(
            Script(
                path=f"procedures/{path.name}",
                version=None,
                description=match["name"].replace("_", " "),
                text=path.read_text(),
            )
        )
    versioned.sort(key=lambda s: s.version_key)
    seen: dict[tuple[int, ...], str] = {}
    for script in versioned:
        if script.version_key in seen:
            raise MigrationError(
                f"{script.path} and {seen[script.version_key]} have the same version"
            )
        seen[script.version_key] = script.path
    return versioned + repeatable


@dataclass(frozen=True)
class Applied:
    script: str
    kind: str
    execution_ms: int


def migrate(conninfo: str | dict, root: Path | None = None) -> list[Applied]:
    """Bring the database up to date; returns the scripts applied (empty when up to date)."""
    scripts = load_scripts(root)
    kwargs = conninfo if isinstance(conninfo, dict) else {"conninfo": conninfo}
    with psycopg.connect(**kwargs) as conn:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
            # Keep the output of CREATE ... IF NOT EXISTS out of the user's log.
            conn.execute("SET LOCAL client_min_messages = warning")
            conn.execute(HISTORY_DDL)
            return _apply_pending(conn, scripts)


def _apply_pending(conn: psycopg.Connection, scripts: list[Script]) -> list[Applied]:
    applied_versions: dict[str, tuple[str, str]] = {}
    latest_repeatable: dict[str, str] = {}
    rows = conn.execute(
        "SELECT version, script, checksum, type FROM hotmesh.schema_history"
        " ORDER BY installed_rank"
    ).fetchall()
    for version, script, checksum, kind in rows:
        if kind == "versioned":
            applied_versions[version] = (script, checksum)
        else:
            latest_repeatable[script] = checksum

    done: list[Applied] = []
    for script in scripts:
        if script.version:
            if script.version in applied_versions:
                applied_script, applied_checksum = applied_versions[script.version]
                if applied_checksum != script.checksum:
                    raise MigrationError(
                        f"{script.path} was changed after it was applied (as {applied_script}); "
                        "versioned migrations are forward-only: restore the file and add a new "
                        "V<version>__ migration instead"
                    )
                continue
        elif latest_repeatable.get(script.path) == script.checksum:
            continue
        done.append(_apply(conn, script))
    return done


def _apply(conn: psycopg.Connection, script: Script) -> Applied:
    started = time.monotonic()
    try:
        with conn.transaction():  # a savepoint, so the error names the file cleanly
            conn.execute(script.text)  # a trusted file of the package, never user input
    except psycopg.Error as exc:
        raise MigrationError(f"{script.path} failed: {exc}") from exc
    elapsed = int((time.monotonic() - started) * 1000)
    conn.execute(
        "INSERT INTO hotmesh.schema_history"
        " (version, description, type, script, checksum, execution_ms)"
        " VALUES (%s, %s, %s, %s, %s, %s)",
        (script.version, script.description, script.kind, script.path, script.checksum, elapsed),
    )
    return Applied(script.path, script.kind, elapsed)


def bundle(root: Path | None = None) -> str:
    """The whole migration as one SQL script for a DBA's own tool (psql, Flyway, a review).

    It takes the same lock, runs every file and records it in hotmesh.schema_history, so
    ``hotmesh migrate`` agrees afterwards. Meant for a database without pyhotmesh: it does not
    skip files already applied.
    """
    parts = [
        "-- pyhotmesh migration bundle: apply with  psql -v ON_ERROR_STOP=1 -1 -f <this file>",
        "BEGIN;",
        f"SELECT pg_advisory_xact_lock({LOCK_KEY});",
        HISTORY_DDL.strip(),
    ]
    for script in load_scripts(root):
        parts.append(f"\n-- >>> {script.path}\n{script.text.rstrip()}\n-- <<< {script.path}")
        parts.append(
            "INSERT INTO hotmesh.schema_history"
            " (version, description, type, script, checksum, execution_ms) VALUES ("
            f"{_literal(script.version)}, {_literal(script.description)}, "
            f"{_literal(script.kind)}, {_literal(script.path)}, {_literal(script.checksum)}, 0);"
        )
    parts.append("COMMIT;")
    return "\n".join(parts) + "\n"


def _literal(value: str | None) -> str:
    if value is None:
        return "NULL"
    return "'" + value.replace("'", "''") + "'"
