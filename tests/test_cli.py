"""The `hotmesh` command: migrate, migrate --print, demo."""

from __future__ import annotations

import subprocess
import sys

import psycopg

from pyhotmesh import codes
from pyhotmesh.cli import main
from pyhotmesh.errors import HotMeshError, LeaseExpiredError, MigrationError
from pyhotmesh.migrate import load_scripts


def test_migrate_print_emits_every_script_in_one_transaction(capsys):
    assert main(["migrate", "--print"]) == 0
    out = capsys.readouterr().out
    assert out.count("\nBEGIN;") == 1 and out.rstrip().endswith("COMMIT;")
    positions = [out.index(f"-- >>> {s.path}") for s in load_scripts()]
    assert positions == sorted(positions), "scripts appear in the order they must run"


def test_migrate_applies_then_reports_up_to_date(empty_dsn, capsys):
    assert main(["migrate", "--dsn", empty_dsn]) == 0
    first = capsys.readouterr().out
    assert "applied migrations/V0001__engine_schema.sql" in first
    assert f"{len(load_scripts())} script(s) applied" in first
    assert main(["migrate", "--dsn", empty_dsn]) == 0
    assert capsys.readouterr().out.strip() == "database is up to date"


def test_migrate_without_a_connection_says_what_to_set(monkeypatch, capsys):
    monkeypatch.delenv("HOTMESH_DSN", raising=False)
    assert main(["migrate"]) == 2
    assert "set HOTMESH_DSN" in capsys.readouterr().err


def test_the_console_script_runs_as_a_module():
    result = subprocess.run([sys.executable, "-m", "pyhotmesh", "--help"],
                            capture_output=True, text=True)
    assert result.returncode == 0 and "migrate" in result.stdout and "demo" in result.stdout


def test_demo_runs_the_order_workflow_end_to_end(empty_dsn, capsys):
    assert main(["demo", "--dsn", empty_dsn]) == 0
    out = capsys.readouterr().out
    assert out.rstrip().endswith("demo completed")
    assert "'status': 'reserved'" in out and "'reservationId': 'res-item-123-5'" in out
    assert "'status': 'backordered'" in out
    assert '  order-456 |         0 | order | data/status | "reserved"' in out
    with psycopg.connect(empty_dsn) as conn:
        conn.execute("SET search_path = hotmesh")
        rows = conn.execute(
            "SELECT j.key, j.status, j.entity, a.field, a.value, j.created_at, j.updated_at"
            " FROM jobs j JOIN jobs_attributes a ON a.job_id = j.id"
            " WHERE j.key = 'order-456'").fetchall()
    fields = {field: value for _, _, _, field, value, _, _ in rows}
    assert fields["data/status"] == "reserved"
    assert fields["data/reservationId"] == "res-item-123-5"
    assert {status for _, status, *_ in rows} == {0}
    assert main(["demo", "--dsn", empty_dsn]) == 0, "a rerun scrubs the earlier jobs"


def test_errors_carry_hotmesh_codes():
    assert HotMeshError("x").code == codes.UNKNOWN == 500
    assert HotMeshError("x", code=codes.NOTFOUND).code == 404
    assert LeaseExpiredError("lost").code == codes.DURABLE_FATAL == 598
    assert issubclass(MigrationError, HotMeshError)
