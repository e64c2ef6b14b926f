#!/usr/bin/env python3
"""Instructions per W1 workflow in the engine's SQL, counted by callgrind: a repeatable measure
of backend CPU (wall-clock timings on the development machines move 2x between runs).

One backend in single-user mode runs N workflows of the benchmark's W1 graph the way the
worker host drives them, each call its own transaction: pub, a dequeue, then three
respond_next; with --batch K, K pubs and for each step one dequeue and one answer of K, as
a busy worker does. The figure is (instructions for N - instructions for 0) / N. Needs valgrind; the
server is a throwaway one, migrated and deployed first, then stopped for single-user mode.

    python tools/profile_w1.py [--workflows 100] [--batch 16] [--keep callgrind.out]

`callgrind_annotate --inclusive=yes <file>` then shows where the instructions went (Postgres
is stripped of local symbols, so PL/pgSQL shows up by address, the executor by name).
"""

from __future__ import annotations

import argparse
import asyncio
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from bench import W1_GRAPH  # noqa: E402  (tools/ is on the path when run as a script)

from pyhotmesh.engine import HotMesh  # noqa: E402
from pyhotmesh.local_postgres import LocalPostgres, ThrowawayPostgres  # noqa: E402
from pyhotmesh.migrate import migrate  # noqa: E402

DATABASE = "w1profile"

# the worker host's calls, one transaction each (COMMIT in a DO block needs no client)
LOOP = """\
DO $$
DECLARE
    m bigint;
BEGIN
    FOR i IN 1..{workflows} LOOP
        PERFORM hotmesh.pub('w1', 'w1.start', jsonb_build_object('n', i));
        COMMIT;
        SELECT id INTO m FROM hotmesh.stream_dequeue('w1', 'w1.step', 'c', 1, 30000);
        COMMIT;
        FOR k IN 1..3 LOOP
            SELECT id INTO m FROM hotmesh.respond_next(m, '{{"data": {{"n": 1}}}}', 'c', 1, 30000);
            COMMIT;
        END LOOP;
    END LOOP;
END
$$;
"""

# under load (--batch K): K pubs, then for each step a dequeue of K and one answer of K
# (respond_batch_next taking nothing), the shape of the benchmark's busy worker
BATCHED_LOOP = """\
DO $$
DECLARE
    ids bigint[];
BEGIN
    FOR i IN 1..{rounds} LOOP
        FOR j IN 1..{batch} LOOP
            PERFORM hotmesh.pub('w1', 'w1.start', jsonb_build_object('n', j));
            COMMIT;
        END LOOP;
        FOR k IN 1..3 LOOP
            SELECT array_agg(id) INTO ids
            FROM hotmesh.stream_dequeue('w1', 'w1.step', 'c', {batch}, 30000);
            COMMIT;
            PERFORM hotmesh.respond_batch_next(
                ids, array_fill('{{"data": {{"n": 1}}}}'::jsonb, ARRAY[cardinality(ids)]),
                'c', 0, 30000);
            COMMIT;
        END LOOP;
    END LOOP;
END
$$;
"""

# run after either loop: every workflow must have completed
COMPLETED = """
SELECT count(*) FILTER (WHERE status = 0) AS completed FROM hotmesh.jobs;

"""


async def deploy(dsn: str) -> None:
    hotmesh = await HotMesh.init(app_id="w1", engine={"connection": dsn, "readonly": True})
    try:
        await hotmesh.deploy(W1_GRAPH)
        await hotmesh.activate("1")
    finally:
        await hotmesh.stop()


def count(pg: ThrowawayPostgres, template: Path, workflows: int, batch: int,
          out: Path) -> tuple[int, str]:
    """Instructions of a single-user backend running `workflows` workflows on a fresh copy of
    the template data directory, and what it printed."""
    pgdata = pg.datadir / "run"
    shutil.rmtree(pgdata, ignore_errors=True)
    shutil.copytree(template, pgdata, symlinks=True)
    if pg._user:
        subprocess.run(["chown", "-R", f"{pg._user.pw_uid}:{pg._user.pw_gid}", pgdata],
                       check=True)
    command = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
               str(pg.bindir / "postgres"), "--single", "-j", "-D", str(pgdata),
               # the loop's own statements are planned once, as a client's prepared ones are
               "-c", "plan_cache_mode=force_generic_plan", DATABASE]
    result = subprocess.run(
        command, capture_output=True, text=True,
        input=(LOOP.format(workflows=workflows) if batch == 1
               else BATCHED_LOOP.format(rounds=workflows // batch, batch=batch)) + COMPLETED,
        user=pg._user.pw_uid if pg._user else None,
        group=pg._user.pw_gid if pg._user else None,
        extra_groups=[] if pg._user else None, cwd=pg.datadir)
    match = re.search(r"Collected : (\d+)", result.stderr)
    if result.returncode != 0 or not match:
        raise RuntimeError(f"the profiled backend failed:\n{result.stderr[-3000:]}")
    return int(match.group(1)), result.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workflows", type=int, default=100)
    parser.add_argument("--batch", type=int, default=1,
                        help="workflows per answer transaction (the default 1: every call "
                             "its own transaction; the benchmark's busy worker answers 16+)")
    parser.add_argument("--keep", type=Path, help="copy the callgrind output of the run here")
    args = parser.parse_args()
    if args.batch < 1 or args.workflows % args.batch:
        parser.error("--workflows must be a multiple of --batch (at least 1)")
    if not shutil.which("valgrind"):
        print("profile_w1 needs valgrind (apt-get install valgrind)", file=sys.stderr)
        return 2
    with ThrowawayPostgres() as pg:
        with psycopg.connect(pg.dsn(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {DATABASE}")
        dsn = pg.dsn(DATABASE)
        migrate(dsn)
        asyncio.run(deploy(dsn))
        LocalPostgres.stop(pg, "fast")  # single-user mode needs the cluster to itself
        template = pg.datadir / "template"
        shutil.copytree(pg.pgdata, template, symlinks=True)
        with tempfile.TemporaryDirectory() as scratch:
            (Path(scratch)).chmod(0o777)
            base, _ = count(pg, template, 0, args.batch, Path(scratch) / "base.out")
            total, printed = count(pg, template, args.workflows, args.batch,
                                   Path(scratch) / "run.out")
            if args.keep:
                shutil.copy(Path(scratch) / "run.out", args.keep)
    completed = re.search(r'completed = "(\d+)"', printed)
    if not completed or int(completed.group(1)) != args.workflows:
        print(f"not every workflow completed:\n{printed[-2000:]}", file=sys.stderr)
        return 1
    shape = ("each call its own transaction" if args.batch == 1
             else f"answered {args.batch} at a time")
    print(f"W1 in one backend: {(total - base) / args.workflows / 1e6:.2f} M instructions per "
          f"workflow ({args.workflows} workflows, {shape})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
