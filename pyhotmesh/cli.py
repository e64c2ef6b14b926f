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


def _plan(args: argparse.Namespace) -> int:
    from .compiler import compile_source

    _, compiled = compile_source(args.file, codec=args.codec)
    app = compiled["app"]
    for graph in compiled["graphs"]:
        print(f"graph {graph['subscribes']}: {len(graph['activities'])} activities, "
              f"trigger {graph['trigger']}")
    print(f"app {app['id']} version {app['version']}: valid")
    return 0


def _deploy(args: argparse.Namespace) -> int:
    import asyncio

    from .compiler import compile_source
    from .engine import HotMesh

    _, compiled = compile_source(args.file)
    app_id = compiled["app"]["id"]

    async def run() -> int:
        hotmesh = await HotMesh.init(app_id=app_id, engine={"connection": args.dsn})
        try:
            deployment = await hotmesh.deploy(args.file)
            print(f"app {app_id} version {deployment.version}: {deployment.status}")
            if args.activate:
                await hotmesh.activate(deployment.version)
                print(f"app {app_id} version {deployment.version}: activated")
        finally:
            await hotmesh.stop()
        return 0

    return asyncio.run(run())


def _prune(args: argparse.Namespace) -> int:
    import asyncio
    import json

    from .dba import DBA

    counts = asyncio.run(DBA.prune(
        app_id=args.app, connection=args.dsn, expire=args.expire, jobs=args.jobs,
        streams=args.streams, engine_streams=args.engine_streams,
        worker_streams=args.worker_streams, engine_streams_expire=args.engine_streams_expire,
        worker_streams_expire=args.worker_streams_expire, attributes=args.attributes,
        entities=args.entity, prune_transient=args.prune_transient,
        keep_hmark=args.keep_hmark, signals=args.signals,
        batch_size=args.batch_size or None))
    print(json.dumps(counts))
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

    plan = commands.add_parser("plan", help="compile and validate a YAML manifest")
    plan.add_argument("file", help="the manifest (YAML)")
    plan.add_argument("--codec", action="store_true",
                      help="check it as deploy does while a payload codec is registered")
    plan.set_defaults(run=_plan)

    deploy = commands.add_parser("deploy", help="compile a YAML manifest and deploy its version")
    deploy.add_argument("file", help="the manifest (YAML)")
    deploy.add_argument("--dsn", help="database (default: HOTMESH_DSN)")
    deploy.add_argument("--activate", action="store_true", help="also activate the version")
    deploy.set_defaults(run=_deploy)

    prune = commands.add_parser(
        "prune", help="retention: delete expired jobs, done stream rows and signals, "
        "optionally strip completed jobs (prints the counts as JSON)")
    prune.add_argument("--dsn", help="database (default: HOTMESH_DSN)")
    prune.add_argument("--app", help="the app to prune (default: every app)")
    prune.add_argument("--expire", default="7 days",
                       help="retention window of jobs and signals (default: '7 days')")
    on_off = argparse.BooleanOptionalAction
    prune.add_argument("--jobs", action=on_off, default=True, help="delete expired jobs")
    prune.add_argument("--streams", action=on_off, default=True,
                       help="delete done stream rows")
    prune.add_argument("--engine-streams", action=on_off, default=None,
                       help="engine streams (default: as --streams)")
    prune.add_argument("--worker-streams", action=on_off, default=None,
                       help="worker streams (default: as --streams)")
    prune.add_argument("--engine-streams-expire", help="engine streams window (default: --expire)")
    prune.add_argument("--worker-streams-expire", help="worker streams window (default: --expire)")
    prune.add_argument("--attributes", action="store_true",
                       help="strip completed jobs to job data, search fields and markers")
    prune.add_argument("--entity", action="append",
                       help="only jobs of this entity (repeat for several)")
    prune.add_argument("--prune-transient", action="store_true",
                       help="delete expired jobs without an entity")
    prune.add_argument("--keep-hmark", action="store_true",
                       help="keep hook markers when stripping")
    prune.add_argument("--signals", action=on_off, default=True,
                       help="delete consumed and expired signals")
    prune.add_argument("--batch-size", type=int, default=10_000,
                       help="rows of each kind per transaction (0: one transaction)")
    prune.set_defaults(run=_prune)

    demo = commands.add_parser("demo", help="run the demo (embedded Postgres without a DSN)")
    demo.add_argument("--dsn", help="database to use (default: HOTMESH_DSN, else embedded)")
    demo.add_argument("--datadir", default=".hotmesh", help="where the embedded Postgres lives")
    demo.set_defaults(run=_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    from .telemetry import log_level

    logging.basicConfig(
        level=log_level(os.environ.get("HMSH_LOGLEVEL"), logging.WARNING),
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
