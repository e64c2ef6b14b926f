"""Connection settings: DSNs, option dicts, HotMesh's spellings and HOTMESH_DSN."""

from __future__ import annotations

import pytest
from psycopg.conninfo import conninfo_to_dict

from pyhotmesh.connection import resolve_conninfo
from pyhotmesh.errors import ConfigurationError


def test_a_dsn_is_used_as_given():
    dsn = "postgresql://u:p@db.example:6543/app"
    assert resolve_conninfo(dsn) == dsn


def test_an_options_dict_becomes_a_conninfo():
    info = conninfo_to_dict(resolve_conninfo(
        {"host": "h", "port": 5433, "user": "u", "password": "p w'x", "database": "d"}))
    assert info == {"host": "h", "port": "5433", "user": "u", "password": "p w'x", "dbname": "d"}


def test_hotmesh_class_and_options_form_is_accepted():
    info = conninfo_to_dict(resolve_conninfo({"class": object, "options": {"host": "h"}}))
    assert info == {"host": "h"}


def test_hotmesh_dsn_is_the_default(monkeypatch):
    monkeypatch.setenv("HOTMESH_DSN", "dbname=fromenv")
    assert resolve_conninfo(None) == "dbname=fromenv"


def test_missing_connection_says_what_to_do(monkeypatch):
    monkeypatch.delenv("HOTMESH_DSN", raising=False)
    with pytest.raises(ConfigurationError) as err:
        resolve_conninfo(None)
    assert "set HOTMESH_DSN" in str(err.value)


@pytest.mark.parametrize(
    ("connection", "message"),
    [
        ("host=a = b", "invalid connection string"),
        (42, "connection must be a DSN string or a dict of options, not int"),
        ({"options": "x"}, "connection 'options' must be a dict of connection options"),
        ({"no_such_option": 1}, "invalid connection options"),
    ],
)
def test_bad_connections_are_named(connection, message):
    with pytest.raises(ConfigurationError) as err:
        resolve_conninfo(connection)
    assert str(err.value).startswith(message)
