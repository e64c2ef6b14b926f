#!/usr/bin/env python3
"""`make test`: pgTAP through pg_prove, then pytest, on a throwaway Postgres.

With HOTMESH_TEST_DSN set, both run against that server instead (pg_prove in a scratch
database that is dropped afterwards; pytest creates and drops its own databases).
Exits non-zero when either suite fails.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from psycopg import sql  # noqa: E402
from psycopg.conninfo import conninfo_to_dict, make_conninfo  # noqa: E402

from pyhotmesh.local_postgres import ThrowawayPostgres, libpq_environment  # noqa: E402
from pyhotmesh.migrate import migrate  # noqa: E402


@contextlib.contextmanager
def server_dsn():
    dsn = os.environ.get("HOTMESH_TEST_DSN")
    if dsn:
        print(f"using HOTMESH_TEST_DSN ({conninfo_to_dict(dsn).get('host', 'local socket')})")
        yield dsn
        return
    with ThrowawayPostgres() as pg:
        print(f"throwaway Postgres on 127.0.0.1:{pg.port}, data in {pg.datadir}")
        yield pg.dsn()


@contextlib.contextmanager
def scratch_database(dsn: str):
    name = f"hotmesh_sqltest_{secrets.token_hex(4)}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield make_conninfo(dsn, dbname=name)
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def run_pg_prove(dsn: str) -> int:
    tests = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "sql" / "tests").rglob("*.sql"))
    if not tests:
        print("no pgTAP tests found in sql/tests", file=sys.stderr)
        return 1
    with scratch_database(dsn) as db_dsn:
        migrate(db_dsn)
        with psycopg.connect(db_dsn, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS pgtap")
        env = libpq_environment(db_dsn)
        command = ["pg_prove", "--ext", ".sql", "--failures", "--comments", *tests]
        print("$", " ".join(command[:4]), f"sql/tests ({len(tests)} files)", flush=True)
        return subprocess.run(command, cwd=ROOT, env=env).returncode


def run_pytest(dsn: str, extra: list[str]) -> int:
    env = {**os.environ, "HOTMESH_TEST_DSN": dsn}
    command = [sys.executable, "-m", "pytest", *extra]
    print("$", " ".join(command), flush=True)
    return subprocess.run(command, cwd=ROOT, env=env).returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sql-only", action="store_true")
    parser.add_argument("--python-only", action="store_true")
    parser.add_argument("pytest_args", nargs="*", help="passed on to pytest")
    args = parser.parse_args()

    failures = []
    with server_dsn() as dsn:
        if not args.python_only and run_pg_prove(dsn) != 0:
            failures.append("pgTAP")
        if not args.sql_only and run_pytest(dsn, args.pytest_args) != 0:
            failures.append("pytest")
    if failures:
        print(f"FAILED: {', '.join(failures)}", file=sys.stderr)
        return 1
    print("all test suites passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
