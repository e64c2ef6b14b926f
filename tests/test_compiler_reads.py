"""What the compiler tells the engine about the nodes an activity reads: each activity read
with its depth ("reads"), and the attribute fields of those nodes at an address of zeros
("reads_fields", a Postgres text[] literal the engine casts instead of building the list)."""

from __future__ import annotations

import textwrap

import psycopg

from pyhotmesh.compiler import compile_source
from pyhotmesh.compiler.graph import _fields_at_zero

MANIFEST = textwrap.dedent("""\
    app:
      id: shop
      version: '1'
      graphs:
        - subscribes: order.placed
          activities:
            t1: {type: trigger}
            a: {type: worker, topic: a, input: {maps: {n: '{t1.output.data.n}'}}}
            b:
              type: worker
              topic: b
              input: {maps: {n: '{a.output.data.n}', m: '{t1.output.data.m}',
                             j: '{$job.data.x}'}}
              job: {maps: {last: '{$self.output.data.n}'}}
          transitions:
            t1: [{to: a}]
            a: [{to: b}]
    """)


def activities() -> dict:
    _, compiled = compile_source(MANIFEST)
    return compiled["graphs"][0]["activities"]


def test_the_fields_read_at_an_address_of_zeros_are_compiled_beside_the_depths():
    compiled = activities()
    assert compiled["a"]["reads"] == {"t1": 1}
    assert compiled["a"]["reads_fields"] == '{"t1/,0"}'
    # b reads itself ($self) too: its own field is the instance's address, added at run time
    assert compiled["b"]["reads"] == {"a": 2, "b": 3, "t1": 1}
    assert compiled["b"]["reads_fields"] == '{"a/,0,0","t1/,0"}'
    assert compiled["t1"]["reads_fields"] == "{}"


def test_the_fields_literal_is_what_postgres_reads_back(dsn):
    odd = {'q"uote': 1, "back\\slash": 2, "comma,brace}": 3, "plain": 1}
    literal = _fields_at_zero(odd, "self")
    with psycopg.connect(dsn) as conn:
        (fields,) = conn.execute("SELECT %s::text[]", (literal,)).fetchone()
        (empty,) = conn.execute("SELECT %s::text[]", (_fields_at_zero({}, "a"),)).fetchone()
    assert fields == ["back\\slash/,0,0", "comma,brace}/,0,0,0", "plain/,0", 'q"uote/,0']
    assert empty == []
