"""The `hotmesh` command."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from .errors import HotMeshError


def _migrate(args: argparse.Namespace) -> int:
    from .connection import resolve_conninfo
    from .migrate import bundle, migrate

    if args.print:
        sys.stdout.write(bundle())
        return 0
    applied = migrate(resolve_conninfo(args.dsn))
    for script in applied:
        print(f"applied {script.script} ({script.execution_ms} ms)")
    print("database is up to date" if not applied else f"{len(applied)} script(s) applied")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from . import demo

    if args.dsn:
        os.environ["HOTMESH_DSN"] = args.dsn
    return demo.main(args.datadir)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hotmesh", description="Durable workflows that live inside PostgreSQL."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    migrate = commands.add_parser(
        "migrate", help="apply the SQL migrations (or print them with --print)"
    )
    migrate.add_argument("--dsn", help="database to migrate (default: HOTMESH_DSN)")
    migrate.add_argument(
        "--print", action="store_true", help="print the whole SQL bundle instead of applying it"
    )
    migrate.set_defaults(run=_migrate)

    demo = commands.add_parser("demo", help="run the demo (embedded Postgres without a DSN)")
    demo.add_argument("--dsn", help="database to use (default: HOTMESH_DSN, else embedded)")
    demo.add_argument("--datadir", default=".hotmesh", help="where the embedded Postgres lives")
    demo.set_defaults(run=_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(
        level=os.environ.get("HMSH_LOGLEVEL", "warning").upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except HotMeshError as exc:
        print(f"hotmesh {args.command}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
