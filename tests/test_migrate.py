"""Migrations: applied once, in order, under a lock; edited versioned files refused."""

from __future__ import annotations

import shutil
import subprocess
import threading
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict

from pyhotmesh.errors import MigrationError
from pyhotmesh.migrate import bundle, load_scripts, migrate, sql_root


def schema_snapshot(dsn: str) -> list[tuple]:
    """Every column, index and function of schema hotmesh, to compare databases."""
    with psycopg.connect(dsn) as conn:
        return conn.execute(
            """
            SELECT 'column', table_name || '.' || column_name || ' ' || data_type
              FROM information_schema.columns WHERE table_schema = 'hotmesh'
            UNION ALL
            SELECT 'index', indexdef FROM pg_indexes WHERE schemaname = 'hotmesh'
            UNION ALL
            SELECT 'function', p.oid::regprocedure::text || ' ' || md5(p.prosrc)
              FROM pg_proc p WHERE p.pronamespace = 'hotmesh'::regnamespace
            UNION ALL
            SELECT 'trigger', tgname FROM pg_trigger t
              JOIN pg_class c ON c.oid = t.tgrelid
             WHERE c.relnamespace = 'hotmesh'::regnamespace AND NOT t.tgisinternal
            ORDER BY 1, 2
            """
        ).fetchall()


def history(dsn: str) -> list[tuple]:
    with psycopg.connect(dsn) as conn:
        return conn.execute(
            "SELECT version, type, script FROM hotmesh.schema_history ORDER BY installed_rank"
        ).fetchall()


@pytest.fixture
def sql_copy(tmp_path: Path) -> Path:
    """A private copy of sql/ that a test may edit."""
    root = tmp_path / "sql"
    shutil.copytree(sql_root(), root)
    return root


def test_scripts_run_versioned_in_order_then_repeatable_by_name():
    scripts = load_scripts()
    kinds = [s.kind for s in scripts]
    assert kinds == sorted(kinds, key=lambda k: k != "versioned"), "V files come first"
    versioned = [s for s in scripts if s.version]
    assert [s.version_key for s in versioned] == sorted(s.version_key for s in versioned)
    repeatable = [s.path for s in scripts if not s.version]
    assert repeatable == sorted(repeatable)
    assert scripts[0].path == "migrations/V0001__engine_schema.sql"


def test_applying_twice_changes_nothing(empty_dsn):
    first = migrate(empty_dsn)
    assert [a.script for a in first] == [s.path for s in load_scripts()]
    before = schema_snapshot(empty_dsn)
    rows = history(empty_dsn)
    assert migrate(empty_dsn) == []
    assert schema_snapshot(empty_dsn) == before
    assert history(empty_dsn) == rows


def test_two_processes_migrating_at_once_apply_each_file_once(empty_dsn):
    results: list[list] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            results.append(migrate(empty_dsn))
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    applied_counts = sorted(len(r) for r in results)
    assert applied_counts == [0, 0, 0, len(load_scripts())], "exactly one runner applies"
    scripts = [row[2] for row in history(empty_dsn)]
    assert len(scripts) == len(set(scripts))


def test_an_edited_versioned_migration_is_refused(empty_dsn, sql_copy):
    migrate(empty_dsn, sql_copy)
    target = sql_copy / "migrations" / "V0001__engine_schema.sql"
    target.write_text(target.read_text() + "\n-- an innocent edit\n")
    with pytest.raises(MigrationError) as err:
        migrate(empty_dsn, sql_copy)
    assert str(err.value).startswith(
        "migrations/V0001__engine_schema.sql was changed after it was applied"
    )


def test_a_changed_repeatable_script_is_applied_again(empty_dsn, sql_copy):
    migrate(empty_dsn, sql_copy)
    clock = sql_copy / "procedures" / "R__clock.sql"
    clock.write_text(clock.read_text() + "\nCOMMENT ON FUNCTION hotmesh.now() IS 'edited';\n")
    applied = migrate(empty_dsn, sql_copy)
    assert [a.script for a in applied] == ["procedures/R__clock.sql"]
    with psycopg.connect(empty_dsn) as conn:
        comment = conn.execute("SELECT obj_description('hotmesh.now()'::regprocedure)").fetchone()
    assert comment == ("edited",)


def test_a_new_versioned_migration_is_applied_alone(empty_dsn, sql_copy):
    migrate(empty_dsn, sql_copy)
    (sql_copy / "migrations" / "V9999__extra.sql").write_text(
        "CREATE TABLE hotmesh.extra (id int);\n"
    )
    applied = migrate(empty_dsn, sql_copy)
    assert [a.script for a in applied] == ["migrations/V9999__extra.sql"]


def test_a_failing_script_leaves_the_database_untouched(empty_dsn, sql_copy):
    (sql_copy / "procedures" / "R__zz_broken.sql").write_text("SELECT * FROM no_such_table;\n")
    with pytest.raises(MigrationError) as err:
        migrate(empty_dsn, sql_copy)
    assert "procedures/R__zz_broken.sql failed" in str(err.value)
    assert 'relation "no_such_table" does not exist' in str(err.value)
    with psycopg.connect(empty_dsn) as conn:
        assert conn.execute("SELECT to_regnamespace('hotmesh')").fetchone() == (None,)


@pytest.mark.parametrize("name", ["V1_bad.sql", "0001__x.sql", "V0003__has-dash.sql"])
def test_badly_named_migrations_are_named_in_the_error(sql_copy, name):
    (sql_copy / "migrations" / name).write_text("SELECT 1;\n")
    with pytest.raises(MigrationError) as err:
        load_scripts(sql_copy)
    assert str(err.value) == (
        f"{sql_copy / 'migrations' / name}: a migration must be named V<version>__<name>.sql"
    )


def test_bundle_applies_with_psql_and_agrees_with_migrate(empty_dsn, tmp_path):
    path = tmp_path / "bundle.sql"
    path.write_text(bundle())
    params = conninfo_to_dict(empty_dsn)
    env = {"PGPASSWORD": str(params["password"]), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", str(params["host"]),
         "-p", str(params["port"]), "-U", str(params["user"]), "-d", str(params["dbname"]),
         "-f", str(path)],
        capture_output=True, text=True, env=env,
    )
    assert result.returncode == 0, result.stderr
    assert migrate(empty_dsn) == [], "migrate sees everything the bundle applied"
    assert len(history(empty_dsn)) == len(load_scripts())


def test_fresh_install_equals_the_template_every_test_uses(empty_dsn, dsn):
    migrate(empty_dsn)
    assert schema_snapshot(empty_dsn) == schema_snapshot(dsn)
