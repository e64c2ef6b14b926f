"""The mapping language, end to end: expression -> compiler -> SQL -> Postgres -> value.

Each row is (expression as written in YAML, expected value), evaluated against CONTEXT; the
expected values are what HotMesh (JavaScript) gives, with the documented representation of
undefined (SQL NULL, here UNDEFINED) and of non-finite numbers ("NaN", "Infinity").
"""

from __future__ import annotations

from typing import Any

import pytest
from psycopg.types.json import Jsonb

from pyhotmesh.compiler.diagnostics import Diagnostic
from pyhotmesh.compiler.expressions import Scope, compile_condition, compile_mapping

UNDEFINED = object()
NOW = "2030-01-02T03:04:05.678Z"

CONTEXT = {
    "a1": {
        "output": {
            "data": {
                "name": "Ada", "last": "Lovelace", "n": 7, "price": 19.99, "qty": 3,
                "flag": True, "none": None, "empty": "", "zero": 0, "neg": -4.5, "str7": "7",
                "items": [{"sku": "x1", "qty": 2}, {"sku": "y2", "qty": 5}],
                "tags": ["b", "a", "c"], "nums": [3, 1, 2], "words": ["x", "y"],
                "address": {"city": "Paris", "zip": "75001"},
                "text": "  Hello World  ", "csv": "a,b,c", "when": "2024-01-02T03:04:05.678Z",
                "ms": 1704164645678, "obj": {"k1": 1, "k2": 2}, "quote": "it's \"q\" \\ $$",
            },
            "metadata": {"aid": "a1", "atp": "worker"},
        },
        "input": {"data": {"orderId": "o-1"}},
    },
    "a2": {"output": {"data": {"x": 10, "ok": False}}, "hook": {"data": {"id": "H1"}}},
    "$job": {"data": {"total": 100, "list": [1, 2, 3]}, "metadata": {"jid": "job-1"}},
}


def r(path: str) -> str:
    """A reference into a1's output data."""
    return "{a1.output.data." + path + "}"


def pipe(*rows: Any) -> dict:
    return {"@pipe": list(rows)}


ROWS: list[tuple[Any, Any]] = [
    # -- literals: no interpolation, no evaluation -------------------------------------------
    ("hello", "hello"),
    ("hi {a1.output.data.name}", "hi {a1.output.data.name}"),
    (42, 42),
    (3.5, 3.5),
    (True, True),
    (False, False),
    (None, None),
    ("", ""),
    ("ünïcødé ✓", "ünïcødé ✓"),
    ("it's; DROP TABLE x; --", "it's; DROP TABLE x; --"),
    # -- references ----------------------------------------------------------------------------
    (r("name"), "Ada"),
    (r("address.city"), "Paris"),
    (r("items.1"), {"sku": "y2", "qty": 5}),
    (r("items.0.sku"), "x1"),
    (r("tags.2"), "c"),
    (r("missing"), UNDEFINED),
    (r("items.9.sku"), UNDEFINED),
    (r("none"), None),
    (r("quote"), "it's \"q\" \\ $$"),
    ("{a1.output.metadata.atp}", "worker"),
    ("{a1.input.data.orderId}", "o-1"),
    ("{a2.hook.data.id}", "H1"),
    ("{$job.data.total}", 100),
    ("{$job.data.list.2}", 3),
    ("{$job.metadata.jid}", "job-1"),
    ("{$self.output.data.x}", 10),
    ("{a2}", CONTEXT["a2"]),
    ("{a1.output.data.address}", {"city": "Paris", "zip": "75001"}),
    # -- objects and arrays ----------------------------------------------------------------
    ({"who": r("name"), "where": {"city": r("address.city")}},
     {"who": "Ada", "where": {"city": "Paris"}}),
    ({"kept": 1, "dropped": r("missing")}, {"kept": 1}),
    ({"nulls": r("none")}, {"nulls": None}),
    ([1, r("name"), r("missing")], [1, "Ada", None]),
    ({}, {}),
    ([], []),
    ({"a": [{"b": r("qty")}]}, {"a": [{"b": 3}]}),
    # -- nullary functions -------------------------------------------------------------------
    ("{@symbol.null}", None),
    ("{@symbol.undefined}", UNDEFINED),
    ("{@symbol.whitespace}", " "),
    ("{@symbol.object}", {}),
    ("{@symbol.array}", []),
    ("{@symbol.posInfinity}", "Infinity"),
    ("{@symbol.negInfinity}", "-Infinity"),
    ("{@symbol.NaN}", "NaN"),
    ("{@symbol.date}", NOW),
    ("{@date.now}", 1893553445678),
    ("{@date.yyyymmdd}", "2030-01-02"),
    # -- @string -------------------------------------------------------------------------
    (pipe([r("name"), " ", r("last")], ["{@string.concat}"]), "Ada Lovelace"),
    (pipe([r("name")], ["{@string.toUpperCase}"]), "ADA"),
    (pipe([r("name")], ["{@string.toLowerCase}"]), "ada"),
    (pipe([r("text")], ["{@string.trim}"]), "Hello World"),
    (pipe([r("text")], ["{@string.trimStart}"]), "Hello World  "),
    (pipe([r("text")], ["{@string.trimEnd}"]), "  Hello World"),
    (pipe([r("csv"), ","], ["{@string.split}"]), ["a", "b", "c"]),
    (pipe([r("name"), 1], ["{@string.charAt}"]), "d"),
    (pipe([r("name"), "d"], ["{@string.includes}"]), True),
    (pipe([r("name"), "z"], ["{@string.includes}"]), False),
    (pipe(["banana", "a"], ["{@string.indexOf}"]), 1),
    (pipe(["banana", "a"], ["{@string.lastIndexOf}"]), 5),
    (pipe(["banana", "q"], ["{@string.indexOf}"]), -1),
    (pipe(["Lovelace", 1, 4], ["{@string.slice}"]), "ove"),
    (pipe(["Lovelace", -4], ["{@string.slice}"]), "lace"),
    (pipe(["Lovelace", 4, 1], ["{@string.substring}"]), "ove"),
    (pipe(["7", 3, "0"], ["{@string.padStart}"]), "007"),
    (pipe(["7", 3], ["{@string.padEnd}"]), "7  "),
    (pipe(["a-b-c", "-", "+"], ["{@string.replace}"]), "a+b-c"),
    (pipe(["Ada", "Ad"], ["{@string.startsWith}"]), True),
    (pipe(["Ada", "da"], ["{@string.endsWith}"]), True),
    (pipe(["ab", 3], ["{@string.repeat}"]), "ababab"),
    (pipe(["order-42", "[0-9]+"], ["{@string.search}"]), 6),
    # -- @math -------------------------------------------------------------------------------
    (pipe([1, 2, 3], ["{@math.add}"]), 6),
    (pipe([r("price"), r("qty")], ["{@math.multiply}"]), 59.97),
    (pipe([10, 4], ["{@math.subtract}"]), 6),
    (pipe([10, 4], ["{@math.divide}"]), 2.5),
    (pipe([1, 0], ["{@math.divide}"]), "NaN"),
    (pipe([[1, 2], [3, [4]]], ["{@math.add}"]), 10),
    (pipe([0.1, 0.2], ["{@math.add}"]), 0.30000000000000004),
    (pipe([r("neg")], ["{@math.abs}"]), 4.5),
    (pipe([4.2], ["{@math.ceil}"]), 5),
    (pipe([4.8], ["{@math.floor}"]), 4),
    (pipe([2.5], ["{@math.round}"]), 3),
    (pipe([-2.5], ["{@math.round}"]), -2),
    (pipe([16], ["{@math.sqrt}"]), 4),
    (pipe([2, 10], ["{@math.pow}"]), 1024),
    (pipe([3, 9, 4], ["{@math.max}"]), 9),
    (pipe([3, 9, 4], ["{@math.min}"]), 3),
    (pipe([-3.7], ["{@math.trunc}"]), -3),
    (pipe([-3], ["{@math.sign}"]), -1),
    (pipe([3, 4], ["{@math.hypot}"]), 5),
    (pipe([100], ["{@math.log10}"]), 2),
    (pipe([-1], ["{@math.sqrt}"]), "NaN"),
    # -- @number ---------------------------------------------------------------------------
    (pipe([r("n")], ["{@number.isOdd}"]), True),
    (pipe([r("n")], ["{@number.isEven}"]), False),
    (pipe([7.5], ["{@number.isInteger}"]), False),
    (pipe(["12px"], ["{@number.parseInt}"]), 12),
    (pipe(["ff", 16], ["{@number.parseInt}"]), 255),
    (pipe(["3.14abc"], ["{@number.parseFloat}"]), 3.14),
    (pipe(["abc"], ["{@number.parseInt}"]), "NaN"),
    (pipe([r("price"), 1], ["{@number.toFixed}"]), "20.0"),
    (pipe([1.005, 2], ["{@number.toFixed}"]), "1.00"),
    (pipe([123.456, 2], ["{@number.toExponential}"]), "1.23e+2"),
    (pipe([0.000123, 2], ["{@number.toPrecision}"]), "0.00012"),
    (pipe([5, 5], ["{@number.gte}"]), True),
    (pipe([4, 5], ["{@number.gt}"]), False),
    (pipe([4, 5], ["{@number.lt}"]), True),
    (pipe(["NaN"], ["{@number.isNaN}"]), True),
    (pipe([r("n")], ["{@number.isFinite}"]), True),
    # -- @conditional ----------------------------------------------------------------------
    (pipe([r("flag"), "yes", "no"], ["{@conditional.ternary}"]), "yes"),
    (pipe([r("zero"), "yes", "no"], ["{@conditional.ternary}"]), "no"),
    (pipe([r("str7"), r("n")], ["{@conditional.equality}"]), True),
    (pipe([r("str7"), r("n")], ["{@conditional.strict_equality}"]), False),
    (pipe([r("str7"), r("n")], ["{@conditional.inequality}"]), False),
    (pipe([r("str7"), r("n")], ["{@conditional.strict_inequality}"]), True),
    (pipe([None, r("missing")], ["{@conditional.equality}"]), True),
    (pipe([None, r("missing")], ["{@conditional.strict_equality}"]), False),
    (pipe([0, ""], ["{@conditional.equality}"]), True),
    (pipe([10, 9], ["{@conditional.greater_than}"]), True),
    (pipe(["10", "9"], ["{@conditional.greater_than}"]), False),
    (pipe([5, 5], ["{@conditional.greater_than_or_equal}"]), True),
    (pipe([5, 5], ["{@conditional.gte}"]), True),
    (pipe([4, 5], ["{@conditional.gte}"]), False),
    (pipe([4, 5], ["{@conditional.lt}"]), True),
    (pipe([5, 5], ["{@conditional.lte}"]), True),
    (pipe([6, 5], ["{@conditional.gt}"]), True),
    (pipe([2, 3], ["{@conditional.less_than}"]), True),
    (pipe([3, 3], ["{@conditional.less_than_or_equal}"]), True),
    (pipe([r("missing"), "fallback"], ["{@conditional.nullish}"]), "fallback"),
    (pipe([r("zero"), "fallback"], ["{@conditional.nullish}"]), 0),
    (pipe([r("none"), "fallback"], ["{@conditional.nullish}"]), "fallback"),
    # -- @logical and @unary -------------------------------------------------------------------
    (pipe([True, r("name")], ["{@logical.and}"]), "Ada"),
    (pipe([r("zero"), "b"], ["{@logical.and}"]), 0),
    (pipe([r("empty"), "b"], ["{@logical.or}"]), "b"),
    (pipe([r("flag")], ["{@unary.not}"]), False),
    (pipe([r("empty")], ["{@unary.not}"]), True),
    (pipe([r("n")], ["{@unary.negative}"]), -7),
    (pipe([r("str7")], ["{@unary.positive}"]), 7),
    (pipe([5], ["{@unary.bitwise_not}"]), -6),
    # -- @bitwise ----------------------------------------------------------------------------
    (pipe([6, 3], ["{@bitwise.and}"]), 2),
    (pipe([6, 3], ["{@bitwise.or}"]), 7),
    (pipe([6, 3], ["{@bitwise.xor}"]), 5),
    (pipe([1, 4], ["{@bitwise.leftShift}"]), 16),
    (pipe([-16, 2], ["{@bitwise.rightShift}"]), -4),
    (pipe([-1, 28], ["{@bitwise.unsignedRightShift}"]), 15),
    # -- @array ------------------------------------------------------------------------------
    (pipe([r("tags"), 1], ["{@array.get}"]), "a"),
    (pipe([r("tags")], ["{@array.length}"]), 3),
    (pipe([r("tags"), ["d"]], ["{@array.concat}"]), ["b", "a", "c", "d"]),
    (pipe([r("tags"), "c"], ["{@array.indexOf}"]), 2),
    (pipe([r("tags"), "-"], ["{@array.join}"]), "b-a-c"),
    (pipe([r("tags")], ["{@array.pop}"]), "c"),
    (pipe([r("tags"), "z"], ["{@array.push}"]), ["b", "a", "c", "z"]),
    (pipe([r("tags")], ["{@array.reverse}"]), ["c", "a", "b"]),
    (pipe([r("tags")], ["{@array.shift}"]), "b"),
    (pipe([r("tags"), 1], ["{@array.slice}"]), ["a", "c"]),
    (pipe([r("nums")], ["{@array.sort}"]), [1, 2, 3]),
    (pipe([r("nums"), "DESCENDING"], ["{@array.sort}"]), [3, 2, 1]),
    (pipe([r("tags"), 1, 1], ["{@array.splice}"]), ["a"]),
    (pipe([r("tags"), "y"], ["{@array.unshift}"]), 4),
    (pipe([r("missing"), 0], ["{@array.get}"]), UNDEFINED),
    # -- @object -----------------------------------------------------------------------------
    (pipe([r("address"), "city"], ["{@object.get}"]), "Paris"),
    (pipe([r("address"), "city", "Lyon"], ["{@object.set}"]), {"city": "Lyon", "zip": "75001"}),
    (pipe([None, "k", 1], ["{@object.set}"]), {"k": 1}),
    (pipe(["a", 1, "b", 2], ["{@object.create}"]), {"a": 1, "b": 2}),
    (pipe([r("obj")], ["{@object.keys}"]), ["k1", "k2"]),
    (pipe([r("obj")], ["{@object.values}"]), [1, 2]),
    (pipe([r("obj")], ["{@object.entries}"]), [["k1", 1], ["k2", 2]]),
    (pipe([[["a", 1]]], ["{@object.fromEntries}"]), {"a": 1}),
    (pipe([r("obj"), {"k3": 3}], ["{@object.assign}"]), {"k1": 1, "k2": 2, "k3": 3}),
    (pipe([r("obj"), "k1"], ["{@object.hasOwnProperty}"]), True),
    (pipe([r("missing")], ["{@object.keys}"]), []),
    # -- @json ---------------------------------------------------------------------------------
    # jsonb keeps keys shortest first, not in insertion order
    (pipe([r("address")], ["{@json.stringify}"]), '{"zip":"75001","city":"Paris"}'),
    (pipe(['[1, {"a": [2]}]'], ["{@json.parse}"]), [1, {"a": [2]}]),
    # -- @date -----------------------------------------------------------------------------
    (pipe([r("when")], ["{@date.getUTCFullYear}"]), 2024),
    (pipe([r("when")], ["{@date.getUTCMonth}"]), 0),
    (pipe([r("when")], ["{@date.getUTCDay}"]), 2),
    (pipe([r("ms")], ["{@date.toISOString}"]), "2024-01-02T03:04:05.678Z"),
    (pipe([r("when")], ["{@date.getTime}"]), 1704164645678),
    (pipe([r("when")], ["{@date.toISOXString}"]), "20240102030405.678"),
    (pipe([2024, 0, 2], ["{@date.UTC}"]), 1704153600000),
    # -- nested pipes: fan-out, fan-in -------------------------------------------------------
    (pipe(pipe([r("qty"), 2], ["{@math.multiply}"]),
          pipe([r("n"), 3], ["{@math.multiply}"]),
          ["{@math.add}"]), 27),
    (pipe([r("price"), r("qty")], ["{@math.multiply}"], ["{@math.round}"]), 60),
    (pipe([r("price"), 100], ["{@conditional.greater_than}", "big", "small"],
          ["{@conditional.ternary}"]), "small"),
    (pipe(pipe([r("name")], ["{@string.toUpperCase}"]),
          pipe([r("last")], ["{@string.toLowerCase}"]),
          ["{@string.concat}"]), "ADAlovelace"),
    (pipe([r("name")], ["{@string.toLowerCase}"],
          ["{@string.concat}", "-", pipe([r("n")], ["{@math.multiply}"])]), "ada"),
    (pipe([{"@pipe": [[r("csv"), ","], ["{@string.split}"]]}], ["{@array.length}"]), 3),
    # -- @reduce -----------------------------------------------------------------------------
    (pipe([r("nums"), 0],
          {"@reduce": [
              pipe(["{$output}"]),
              pipe(["{$item}"]),
              ["{@math.add}"],
          ]}), 6),
    (pipe([r("items"), 0],
          {"@reduce": [
              pipe(["{$output}"]),
              pipe(["{$item.qty}"]),
              ["{@math.add}"],
          ]}), 7),
    (pipe([r("items"), {}],
          {"@reduce": [
              pipe(["{$output}"]),
              pipe(["{$item.sku}"]),
              pipe(["{$item.qty}"]),
              ["{@object.set}"],
          ]}), {"x1": 2, "y2": 5}),
    (pipe([r("tags"), []],
          {"@reduce": [
              pipe(["{$output}"]),
              pipe(["{$index}"]),
              ["{@array.push}"],
          ]}), [0, 1, 2]),
    (pipe([r("obj"), []],
          {"@reduce": [
              pipe(["{$output}"]),
              pipe(["{$key}"]),
              ["{@array.push}"],
          ]}), ["k1", "k2"]),
    (pipe([r("missing"), "start"],
          {"@reduce": [pipe(["{$output}"]), ["{@string.concat}", "!"]]}), "start"),
    (pipe([r("words"), ""],
          {"@reduce": [pipe(["{$input}"]), ["{@array.length}"]]}), 2),
    (pipe([r("items"), 0],
          {"@reduce": [pipe(["{$output}"]), pipe(["{$item.qty}"]), ["{@math.add}"]]},
          ["{@math.abs}", 10],        # abs(7); the row's other cells join the operands
          ["{@math.multiply}"]), 70),
    # nested reduce: sum of the lengths of each tag list
    (pipe([[["a", "b"], ["c"]], 0],
          {"@reduce": [
              pipe(["{$output}"]),
              pipe(["{$item}", 0],
                   {"@reduce": [pipe(["{$output}"]), pipe([1]), ["{@math.add}"]]}),
              ["{@math.add}"],
          ]}), 3),
]


@pytest.fixture(scope="module")
def evaluate(module_db):
    module_db.execute("SET hotmesh.clock = 'test'")
    module_db.execute("SELECT hotmesh.set_test_clock(%s)", (NOW,))
    scope = Scope("a2", {"a1", "a2"}, {"a1", "a2"})

    def run(expression: Any) -> Any:
        errors: list[Diagnostic] = []
        sql, fast, _ = compile_mapping(expression, scope, "test", None, errors)
        assert not errors, [str(e) for e in errors]
        row = module_db.execute(
            "SELECT hotmesh.eval_expression(%s, %s) IS NULL, hotmesh.eval_expression(%s, %s)",
            (sql, Jsonb(CONTEXT), sql, Jsonb(CONTEXT))).fetchone()
        if fast is not None:  # the fast form must agree with the SQL, undefined included
            agrees = module_db.execute(
                "SELECT hotmesh.eval_fast(%s, %s) IS NOT DISTINCT FROM"
                " hotmesh.eval_expression(%s, %s)",
                (Jsonb(fast), Jsonb(CONTEXT), sql, Jsonb(CONTEXT))).fetchone()[0]
            assert agrees, (fast, sql)
        return UNDEFINED if row[0] else row[1]

    return run


@pytest.mark.parametrize(("expression", "expected"), ROWS,
                         ids=[f"row{n}" for n in range(len(ROWS))])
def test_expression(evaluate, expression, expected):
    result = evaluate(expression)
    if isinstance(expected, float) and isinstance(result, (int, float)):
        assert result == pytest.approx(expected, rel=1e-15)
    else:
        assert result == expected


CONDITIONS = [
    # (match rules, gate, expected)
    ([{"expected": True, "actual": "{a1.output.data.flag}"}], "and", True),
    ([{"expected": "Ada", "actual": "{a1.output.data.name}"}], "and", True),
    ([{"expected": 7, "actual": "{a1.output.data.str7}"}], "and", False),  # strict ===
    ([{"expected": True, "actual": "{a1.output.data.flag}"},
      {"expected": 10, "actual": "{a2.output.data.x}"}], "and", True),
    ([{"expected": True, "actual": "{a1.output.data.flag}"},
      {"expected": 11, "actual": "{a2.output.data.x}"}], "and", False),
    ([{"expected": False, "actual": "{a1.output.data.flag}"},
      {"expected": 10, "actual": "{a2.output.data.x}"}], "or", True),
    ([{"expected": False, "actual": "{a1.output.data.flag}"},
      {"expected": 11, "actual": "{a2.output.data.x}"}], "or", False),
    ([{"expected": None, "actual": "{a1.output.data.missing}"}], "and", False),
    ([{"expected": None, "actual": "{a1.output.data.none}"}], "and", True),
    ([{"expected": True,
       "actual": pipe(["{a1.output.data.qty}", 3], ["{@conditional.gte}"])}], "and", True),
    ([{"expected": "paris",
       "actual": pipe(["{a1.output.data.address.city}"], ["{@string.toLowerCase}"])}],
     "and", True),
    ([{"expected": "x1", "actual": "{a1.output.data.items.0.sku}"}], "and", True),
    ([{"expected": {"city": "Paris", "zip": "75001"},
       "actual": "{a1.output.data.address}"}], "and", True),
    ([{"expected": ["b", "a", "c"], "actual": "{a1.output.data.tags}"}], "and", True),
]


@pytest.mark.parametrize(("match", "gate", "expected"), CONDITIONS,
                         ids=[f"condition{n}" for n in range(len(CONDITIONS))])
def test_condition(module_db, match, gate, expected):
    errors: list[Diagnostic] = []
    sql, _ = compile_condition(match, gate, Scope("a2", {"a1", "a2"}, {"a1", "a2"}),
                               "conditions", None, errors)
    assert not errors
    result = module_db.execute("SELECT hotmesh.eval_condition(%s, %s)",
                               (sql, Jsonb(CONTEXT))).fetchone()[0]
    assert result is expected


def test_the_table_has_at_least_150_rows():
    assert len(ROWS) + len(CONDITIONS) >= 150
