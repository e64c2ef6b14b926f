"""The @pipe catalog: every HotMesh function name has exactly one SQL function, and the
signatures the compiler uses are the ones in the database."""

from __future__ import annotations

import json

from pyhotmesh.compiler import catalog

QUERY = """
SELECT p.proname,
       p.pronargs - (p.provariadic <> 0)::int,
       p.pronargs - p.pronargdefaults - (p.provariadic <> 0)::int,
       p.provariadic <> 0
FROM pg_proc p
WHERE p.pronamespace = 'hotmesh'::regnamespace AND p.proname LIKE 'fn\\_%'
"""


def test_every_catalog_name_is_implemented_in_sql(db):
    in_database = {row[0] for row in db.execute(QUERY).fetchall()}
    expected = {catalog.sql_name(d, n) for d, names in catalog.NAMES.items() for n in names}
    assert sorted(expected - in_database) == [], "catalog functions missing in SQL"
    assert sorted(in_database - expected) == [], "SQL functions missing from the catalog"


def test_the_generated_signatures_match_the_database(db):
    recorded = json.loads(catalog.SIGNATURES_FILE.read_text())
    actual = {
        name: {"params": params, "required": max(required, 0), "variadic": variadic}
        for name, params, required, variadic in db.execute(QUERY).fetchall()
    }
    assert recorded == actual, "run tools/gen_catalog.py after changing a catalog function"


def test_no_catalog_function_is_overloaded(db):
    names = [row[0] for row in db.execute(QUERY).fetchall()]
    assert len(names) == len(set(names))


def test_lookup_is_case_exact():
    assert catalog.lookup("string", "toLowerCase").sql_name == "fn_string_tolowercase"
    assert catalog.lookup("string", "tolowercase") is None
    assert catalog.lookup("nope", "x") is None
    assert catalog.lookup("conditional", "gte").label == "@conditional.gte"
