"""The local cluster: binaries found, real password authentication, unprivileged, cleaned up."""

from __future__ import annotations

import os
import pwd

import psycopg
import pytest

from pyhotmesh.local_postgres import LocalPostgres, ThrowawayPostgres, find_bindir


def test_finds_server_binaries():
    bindir = find_bindir()
    assert (bindir / "postgres").is_file() and (bindir / "initdb").is_file()


def test_pg_bindir_wins(monkeypatch, tmp_path):
    for tool in ("initdb", "pg_ctl", "postgres"):
        (tmp_path / tool).write_text("")
    monkeypatch.setenv("PG_BINDIR", str(tmp_path))
    assert find_bindir() == tmp_path


def test_throwaway_cluster_authenticates_and_is_removed():
    with ThrowawayPostgres() as pg:
        datadir = pg.datadir
        with psycopg.connect(pg.dsn()) as conn:
            user, ssl = conn.execute("SELECT current_user, current_setting('password_encryption')"
                                     ).fetchone()
            assert (user, ssl) == ("hotmesh", "scram-sha-256")
            hba = conn.execute(
                "SELECT auth_method FROM pg_hba_file_rules WHERE type = 'host'").fetchall()
            assert {row[0] for row in hba} == {"scram-sha-256"}
        with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
            psycopg.connect(pg.dsn().replace(pg.password, "wrong-password"))
        if os.geteuid() == 0:
            owner = pwd.getpwuid(pg.pgdata.stat().st_uid).pw_name
            assert owner != "root", "Postgres must run as an unprivileged user"
    assert not datadir.exists()


def test_a_persistent_cluster_keeps_its_data_across_restarts(tmp_path):
    cluster = LocalPostgres(datadir=tmp_path / "hm")
    cluster.start()
    try:
        with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
            conn.execute("CREATE TABLE kept (v int)")
            conn.execute("INSERT INTO kept VALUES (42)")
    finally:
        cluster.stop()
    assert not cluster.running()
    again = LocalPostgres(datadir=tmp_path / "hm")
    again.start()
    try:
        with psycopg.connect(again.dsn()) as conn:
            assert conn.execute("SELECT v FROM kept").fetchone() == (42,)
    finally:
        again.stop()


def test_libpq_environment_carries_the_dsn_parts():
    from pyhotmesh.local_postgres import libpq_environment

    env = libpq_environment("postgresql://u:p%40ss@127.0.0.1:5499/db")
    assert {k: env[k] for k in ("PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE")} == {
        "PGHOST": "127.0.0.1", "PGPORT": "5499", "PGUSER": "u", "PGPASSWORD": "p@ss",
        "PGDATABASE": "db"}
    assert env["PATH"], "the rest of the environment is kept"
