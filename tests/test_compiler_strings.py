"""Property: any user string (quotes, backslashes, $$, ;, any non-NUL unicode) used as a
literal, a map key or a topic comes back exactly through compile -> SQL -> value, and never
changes the structure of the SQL statement."""

from __future__ import annotations

import textwrap

import sqlglot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg.types.json import Jsonb
from sqlglot import exp

from pyhotmesh.compiler import compile_source
from pyhotmesh.compiler.diagnostics import Diagnostic
from pyhotmesh.compiler.expressions import Scope, compile_mapping, compile_value

NASTY = ["'", '"', "\\", "$$", ";", "--", "/*", "*/", "\n", "$1", "')", "E'", "\u2028", "ü", "𝄞"]

# Pieces of text, some of them the classic SQL-breaking ones, joined into one string.
user_text = st.lists(
    st.one_of(
        st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)),
                max_size=8),
        st.sampled_from(NASTY),
    ),
    max_size=6,
).map("".join).filter(lambda s: not (s.startswith("{") and s.endswith("}")))

SCOPE = Scope("a1", {"a1"}, {"a1"})
PROPERTY = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


def compile_one(value):
    errors: list[Diagnostic] = []
    sql, _ = compile_value(value, SCOPE, "test", None, errors)
    assert not errors
    return sql


def shape(sql: str) -> str:
    """The statement with every string literal blanked: its structure."""
    statements = sqlglot.parse(f"SELECT {sql}", read="postgres")
    assert len(statements) == 1, "a compiled expression is always exactly one statement"

    def blank(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Literal) and node.is_string:
            return exp.Literal.string("S")
        return node

    return statements[0].transform(blank).sql(dialect="postgres")


def evaluate(db, sql: str):
    return db.execute("SELECT hotmesh.eval_expression(%s, %s)", (sql, Jsonb({}))).fetchone()[0]


@PROPERTY
@given(text=user_text)
def test_a_literal_round_trips_and_keeps_the_shape(module_db, text):
    sql = compile_one(text)
    assert shape(sql) == shape(compile_one("plain")), sql
    assert evaluate(module_db, sql) == text


@PROPERTY
@given(key=user_text, value=user_text)
def test_a_map_key_round_trips_and_keeps_the_shape(module_db, key, value):
    sql = compile_one({key: value})
    assert shape(sql) == shape(compile_one({"k": "v"})), sql
    assert evaluate(module_db, sql) == {key: value}


@PROPERTY
@given(key=user_text.filter(lambda s: s and not set(s) & set(".{}")), value=user_text)
def test_a_path_segment_and_map_key_round_trip_through_the_fast_form(module_db, key, value):
    errors: list[Diagnostic] = []
    _, fast, _ = compile_mapping({key: f"{{a1.output.data.{key}}}"}, SCOPE, "test", None,
                                 errors)
    assert not errors and fast is not None
    context = {"a1": {"output": {"data": {key: value}}}}
    result = module_db.execute("SELECT hotmesh.eval_fast(%s, %s)",
                               (Jsonb(fast), Jsonb(context))).fetchone()[0]
    assert result == {key: value}


@PROPERTY
@given(text=user_text)
def test_a_string_inside_a_pipe_round_trips(module_db, text):
    sql = compile_one({"@pipe": [[text, "!"], ["{@string.concat}"]]})
    assert shape(sql) == shape(compile_one({"@pipe": [["a", "!"], ["{@string.concat}"]]}))
    assert evaluate(module_db, sql) == text + "!"


@PROPERTY
@given(topic=user_text.filter(lambda s: s.strip() != ""))
def test_a_worker_topic_round_trips_through_a_compiled_manifest(module_db, topic):
    manifest = textwrap.dedent("""\
        app:
          id: shop
          version: '1'
          graphs:
            - subscribes: order.placed
              activities:
                t1: {type: trigger}
                w1: {type: worker}
              transitions:
                t1: [{to: w1}]
        """)
    # the topic is inserted as a YAML double-quoted scalar, escaped for YAML
    escaped = topic.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    escaped = "".join(c if c.isprintable() or c == " " else f"\\U{ord(c):08x}" for c in escaped)
    manifest = manifest.replace("{type: worker}", f'{{type: worker, topic: "{escaped}"}}')
    _, compiled = compile_source(manifest)
    topic_sql = compiled["graphs"][0]["activities"]["w1"]["expressions"]["topic"]["sql"]
    assert shape(topic_sql) == shape(compile_one("plain"))
    assert evaluate(module_db, topic_sql) == topic


@PROPERTY
@given(stream=user_text.filter(lambda s: s != ""), body=user_text)
def test_a_stream_name_and_payload_round_trip_through_publish(module_db, stream, body):
    [message_id] = module_db.execute(
        "SELECT hotmesh.stream_publish('app', %s, %s)", (stream, Jsonb({"data": body}))
    ).fetchone()
    stored = module_db.execute(
        "SELECT stream_name, message FROM hotmesh.worker_streams WHERE id = %s", (message_id,)
    ).fetchone()
    assert stored == (stream, {"data": body})
