#!/usr/bin/env python3
"""Regenerate pyhotmesh/compiler/catalog_signatures.json from the SQL @pipe functions.

The compiler needs each function's arity without a database; this reads it from pg_proc
after applying sql/ to a throwaway Postgres (or --dsn). tests/test_catalog.py checks that the
file, the catalog's names and the database agree.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from pyhotmesh.compiler.catalog import SIGNATURES_FILE  # noqa: E402
from pyhotmesh.local_postgres import ThrowawayPostgres  # noqa: E402
from pyhotmesh.migrate import migrate  # noqa: E402

QUERY = """
SELECT p.proname,
       p.pronargs - (p.provariadic <> 0)::int AS params,
       p.pronargs - p.pronargdefaults - (p.provariadic <> 0)::int AS required,
       p.provariadic <> 0 AS variadic
FROM pg_proc p
WHERE p.pronamespace = 'hotmesh'::regnamespace AND p.proname LIKE 'fn\\_%'
ORDER BY p.proname
"""


def signatures(dsn: str) -> dict[str, dict]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(QUERY).fetchall()
    result: dict[str, dict] = {}
    for name, params, required, variadic in rows:
        if name in result:
            raise SystemExit(f"hotmesh.{name} is overloaded; catalog functions have one signature")
        result[name] = {"params": params, "required": max(required, 0), "variadic": variadic}
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dsn", help="a migrated database (default: a throwaway Postgres)")
    args = parser.parse_args()
    if args.dsn:
        found = signatures(args.dsn)
    else:
        with ThrowawayPostgres() as pg:
            migrate(pg.dsn())
            found = signatures(pg.dsn())
    SIGNATURES_FILE.write_text(json.dumps(found, indent=1, sort_keys=True) + "\n")
    print(f"wrote {len(found)} signatures to {SIGNATURES_FILE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
