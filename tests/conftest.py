"""Test fixtures: a real Postgres, a fresh migrated database per test.

With HOTMESH_TEST_DSN the tests use that server (creating and dropping their own databases);
otherwise they start a throwaway cluster of their own. Nothing else is ever touched.
"""

from __future__ import annotations

import os
import secrets
from typing import Iterator

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo

from pyhotmesh.local_postgres import ThrowawayPostgres
from pyhotmesh.migrate import migrate


@pytest.fixture(scope="session")
def server_dsn() -> Iterator[str]:
    """A superuser DSN (maintenance database) of the server the tests run on."""
    dsn = os.environ.get("HOTMESH_TEST_DSN")
    if dsn:
        yield dsn
        return
    with ThrowawayPostgres() as pg:
        yield pg.dsn()


def create_database(server_dsn: str, name: str, template: str | None = None) -> str:
    with psycopg.connect(server_dsn, autocommit=True) as conn:
        query = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template:
            query = sql.SQL("{} TEMPLATE {}").format(query, sql.Identifier(template))
        conn.execute(query)
    return make_conninfo(server_dsn, dbname=name)


def drop_database(server_dsn: str, name: str) -> None:
    with psycopg.connect(server_dsn, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@pytest.fixture(scope="session")
def template_database(server_dsn: str) -> Iterator[str]:
    """A migrated database that every test database is copied from."""
    name = f"hotmesh_tpl_{secrets.token_hex(4)}"
    migrate(create_database(server_dsn, name))
    yield name
    drop_database(server_dsn, name)


@pytest.fixture
def empty_dsn(server_dsn: str) -> Iterator[str]:
    """A DSN of a fresh database without the hotmesh schema."""
    name = f"hotmesh_test_{secrets.token_hex(6)}"
    yield create_database(server_dsn, name)
    drop_database(server_dsn, name)


@pytest.fixture
def dsn(server_dsn: str, template_database: str) -> Iterator[str]:
    """A DSN of a fresh, migrated database for this test alone."""
    name = f"hotmesh_test_{secrets.token_hex(6)}"
    yield create_database(server_dsn, name, template=template_database)
    drop_database(server_dsn, name)


@pytest.fixture
def db(dsn: str) -> Iterator[psycopg.Connection]:
    """An autocommit connection to the test database."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        yield conn


@pytest.fixture(scope="module")
def module_db(server_dsn: str, template_database: str) -> Iterator[psycopg.Connection]:
    """One migrated database (and autocommit connection) shared by a whole test module."""
    name = f"hotmesh_test_{secrets.token_hex(6)}"
    dsn = create_database(server_dsn, name, template=template_database)
    with psycopg.connect(dsn, autocommit=True) as conn:
        yield conn
    drop_database(server_dsn, name)
