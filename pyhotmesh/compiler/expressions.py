"""Mapping expressions -> SQL over the job context, built as sqlglot ASTs.

Every value of the mapping language (literal, `{reference}`, `{@domain.fn}`, `@pipe`,
`@reduce`, nested object or array) becomes one SQL expression of type jsonb that reads the job
context from the parameter `$1`:

    {"<activity id>": {"input": …, "output": {"data": …, "metadata": …}, "hook": …},
     "$job": {"data": …, "metadata": …},
     "$hook": {"data": …}}          (only when routing a signal: its payload)

A reference walks that tree (`$1 #> ARRAY['a1', 'output', 'data', 'x']`); a missing path gives
SQL NULL, which is JavaScript's undefined. User strings only ever become string literals of
the AST (rendered and quoted by sqlglot) — never SQL text.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from sqlglot import exp

from . import catalog
from .diagnostics import Diagnostic, Mark
from .loader import mark_of

REDUCE_VARIABLES = ("$input", "$output", "$item", "$key", "$index")
_REFERENCE = re.compile(r"^\{([^{}]+)\}$")
_FUNCTION = re.compile(r"^\{@([A-Za-z_]+)\.([A-Za-z_0-9]+)\}$")

JSONB = exp.DataType.build("jsonb")
JSONB_ARRAY = exp.DataType.build("jsonb[]", dialect="postgres")
CONTEXT = exp.Parameter(this=exp.Literal.number(1))


def jsonb_literal(value: Any) -> exp.Expression:
    """A JSON value as `CAST('<json text>' AS JSONB)`; the text is a quoted string literal."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return exp.Cast(this=exp.Literal.string(text), to=JSONB.copy())


def undefined() -> exp.Expression:
    return exp.Cast(this=exp.Null(), to=JSONB.copy())


def call(name: str, *args: exp.Expression) -> exp.Expression:
    """`hotmesh.<name>(args…)`: name is always one of our own functions, never user text."""
    return exp.Dot(
        this=exp.to_identifier("hotmesh"),
        expression=exp.Anonymous(this=name, expressions=list(args)),
    )


def render(expression: exp.Expression) -> str:
    return expression.sql(dialect="postgres")


@dataclass
class Scope:
    """What a reference may name where the expression is evaluated.

    `activity`: the activity the expression belongs to ($self); `visible`: the activities that
    have run when it is evaluated (its ancestors and itself); `signal`: a hook rule's `actual`,
    evaluated against a signal payload; `codec`: compiled for a payload codec, so nothing may
    read inside an object value of payload data (docs/codec.md).
    """

    activity: str | None
    visible: set[str]
    known: set[str]
    signal: bool = False
    codec: bool = False  # a payload codec stores object values of data encoded


@dataclass
class _Reduce:
    """The columns of the recursive CTE that runs a @reduce body."""

    alias: str

    def column(self, name: str) -> exp.Column:
        return exp.column(name, table=self.alias)


@dataclass
class ExpressionCompiler:
    """Compiles the mapping values of one place (activity field, condition, hook rule)."""

    scope: Scope
    field: str
    mark: Mark | None
    diagnostics: list[Diagnostic]
    consumes: dict[str, set[str]] = field(default_factory=dict)
    _reduces: list[_Reduce] = field(default_factory=list)

    # -- entry points ------------------------------------------------------------------------

    def value(self, value: Any) -> exp.Expression:
        """Any mapping value."""
        if isinstance(value, str):
            return self._string(value)
        if isinstance(value, dict):
            if "@pipe" in value:
                return self._pipe_value(value)
            if "@reduce" in value:
                self._error("@reduce must be a row of a @pipe, after the collection", value)
                return undefined()
            return self._object(value)
        if isinstance(value, list):
            return call("map_array", exp.Cast(
                this=exp.Array(expressions=[self.value(item) for item in value]),
                to=JSONB_ARRAY.copy()))
        if isinstance(value, float) and value != value:  # YAML .nan
            return jsonb_literal("NaN")
        if isinstance(value, float) and value in (float("inf"), float("-inf")):
            return jsonb_literal("Infinity" if value > 0 else "-Infinity")
        return jsonb_literal(value)

    def condition(self, match: list[Any], gate: str) -> exp.Expression:
        """`expected` literals compared (===) with resolved `actual` values; and/or."""
        tests: list[exp.Expression] = []
        for rule in match:
            expected = rule.get("expected") if isinstance(rule, dict) else None
            actual = self.value(rule.get("actual")) if isinstance(rule, dict) else undefined()
            tests.append(call("js_strict_equals", actual, jsonb_literal(expected)))
        if not tests:
            return exp.true()
        combined = tests[0]
        for test in tests[1:]:
            combined = (exp.Or if gate == "or" else exp.And)(this=combined, expression=test)
        return exp.func("coalesce", exp.paren(combined), exp.false())

    # -- values ------------------------------------------------------------------------------

    def _string(self, text: str) -> exp.Expression:
        function = _FUNCTION.match(text)
        if function:
            return self._call(function.group(1), function.group(2), [], text)
        reference = _REFERENCE.match(text)
        if reference and not text.startswith("{@"):
            return self._reference(reference.group(1), text)
        if text.startswith("{@") and text.endswith("}"):
            self._error(f"'{text}' is not a function reference; write {{@domain.function}}", text)
            return undefined()
        return jsonb_literal(str(text))

    def _object(self, mapping: dict) -> exp.Expression:
        keys = [exp.Literal.string(str(key)) for key in mapping]
        values = [self.value(item) for item in mapping.values()]
        return call(
            "map_object",
            exp.Cast(this=exp.Array(expressions=keys), to=exp.DataType.build("text[]",
                                                                                dialect="postgres")),
            exp.Cast(this=exp.Array(expressions=values), to=JSONB_ARRAY.copy()),
        )

    # -- references --------------------------------------------------------------------------

    def _reference(self, path: str, text: str) -> exp.Expression:
        segments = path.split(".")
        if any(segment == "" for segment in segments):
            self._error(f"'{text}' is not a valid reference (empty path segment)", text)
            return undefined()
        if self.scope.codec and (encoded := encoded_field(segments)) and encoded != path:
            self._error(f"'{text}' reads inside {encoded}, which the payload codec stores "
                        "encoded: SQL cannot read into an encoded value (map the whole value "
                        f"'{{{encoded}}}', or return the field you need at the top level of "
                        "the data)", text)
            return undefined()
        root, rest = segments[0], segments[1:]
        if root in REDUCE_VARIABLES:
            return self._reduce_variable(root, rest, text)
        if root == "$job":
            if rest and rest[0] not in ("data", "metadata"):
                self._error(f"'{text}': $job has data and metadata", text)
                return undefined()
            self._consume("$job", rest)
            return self._walk(["$job", *rest])
        if root in ("$app", "$graph"):
            return undefined()  # accepted by HotMesh's validator, never populated
        if root == "$hook":
            if not self.scope.signal:
                self._error(f"'{text}': $hook is only available in a hook rule's actual", text)
                return undefined()
            return self._walk(["$hook", *rest])
        if root == "$self":
            if self.scope.signal:
                if rest[:1] != ["hook"]:
                    self._error(f"'{text}': a hook rule's actual reads the signal "
                                "($self.hook.data…)", text)
                    return undefined()
                return self._walk(["$hook", *rest[1:]])
            if self.scope.activity is None:
                self._error(f"'{text}': $self has no activity here", text)
                return undefined()
            root = self.scope.activity
        elif root.startswith("$"):
            self._error(f"'{text}': unknown system variable {root}", text)
            return undefined()
        if root not in self.scope.known:
            self._error(f"'{text}' refers to activity '{root}', which does not exist", text)
            return undefined()
        if root not in self.scope.visible:
            self._error(f"'{text}' refers to activity '{root}', which cannot have run before "
                        "this point (it is not upstream)", text)
            return undefined()
        if rest and rest[0] not in ("output", "input", "hook"):
            self._error(f"'{text}': a reference to an activity continues with output, input or "
                        "hook", text)
            return undefined()
        self._consume(root, rest)
        return self._walk([root, *rest])

    def _walk(self, segments: list[str]) -> exp.Expression:
        return exp.JSONBExtract(
            this=CONTEXT.copy(),
            expression=exp.Array(expressions=[exp.Literal.string(s) for s in segments]),
        )

    def _consume(self, activity: str, rest: list[str]) -> None:
        self.consumes.setdefault(activity, set()).add("/".join(rest))

    def _reduce_variable(self, name: str, rest: list[str], text: str) -> exp.Expression:
        if not self._reduces:
            self._error(f"'{text}': {name} is only defined inside a @reduce", text)
            return undefined()
        r = self._reduces[-1]
        index = exp.Add(this=r.column("i"), expression=exp.Literal.number(1))
        key = exp.Bracket(this=r.column("keys"), expressions=[index])
        base: exp.Expression = {
            "$input": r.column("coll"),
            "$output": r.column("acc"),
            "$item": exp.JSONBExtract(this=r.column("coll"),
                                      expression=exp.Array(expressions=[key])),
            "$key": exp.func("to_jsonb", key),
            "$index": exp.func("to_jsonb", r.column("i")),
        }[name]
        if not rest:
            return base
        return exp.JSONBExtract(
            this=exp.paren(base),
            expression=exp.Array(expressions=[exp.Literal.string(s) for s in rest]),
        )

    # -- functions and pipes -----------------------------------------------------------------

    def _call(self, domain: str, name: str, operands: list[exp.Expression],
              text: str) -> exp.Expression:
        function = catalog.lookup(domain, name)
        if function is None:
            known_domain = domain in catalog.NAMES
            self._error(
                f"unknown function {{@{domain}.{name}}}"
                + ("" if known_domain else f" (no domain @{domain})"), text)
            return undefined()
        fixed = operands[: function.params]
        fixed += [undefined() for _ in range(function.required - len(fixed))]
        if function.variadic:
            fixed += [undefined() for _ in range(function.params - len(fixed))]
            rest = operands[function.params:]
            fixed.append(exp.Variadic(this=exp.Cast(this=exp.Array(expressions=rest),
                                                    to=JSONB_ARRAY.copy())))
        return call(function.sql_name, *fixed)

    def _pipe_value(self, value: dict) -> exp.Expression:
        if set(value) != {"@pipe"}:
            extra = sorted(set(value) - {"@pipe"})
            self._error(f"a @pipe object has no other keys (found {', '.join(extra)})", value)
        rows = value["@pipe"]
        if not isinstance(rows, list) or not rows:
            self._error("@pipe must be a non-empty list of rows", value)
            return undefined()
        return self._pipe(rows, seed=None, owner=value)

    def _pipe(self, rows: list, seed: list[exp.Expression] | None, owner: Any) -> exp.Expression:
        operands = seed
        queue: list[exp.Expression] = []
        start = 0
        if seed is None and isinstance(rows[0], list):
            operands = [self.value(cell) for cell in rows[0]]
            start = 1
        for row in rows[start:]:
            if isinstance(row, dict) and "@pipe" in row:
                queue.append(self._pipe_value(row))
                continue
            if isinstance(row, dict) and "@reduce" in row:
                if not operands:
                    self._error("@reduce needs the collection (and an optional initial value) "
                                "in the row before it", row)
                    return undefined()
                operands = [self._reduce(row, operands)]
                continue
            if not isinstance(row, list) or not row:
                self._error("a @pipe row must be a non-empty list, a @pipe or a @reduce",
                            row if row else owner)
                return undefined()
            if queue:
                operands, queue = queue, []
            if operands is None:
                operands = [self.value(cell) for cell in row]
                continue
            head = row[0]
            function = _FUNCTION.match(head) if isinstance(head, str) else None
            reference = _REFERENCE.match(head) if isinstance(head, str) else None
            if function:
                result = self._call(function.group(1), function.group(2), operands, head)
            elif reference and reference.group(1).split(".")[0] in REDUCE_VARIABLES:
                result = self.value(head)
            else:
                self._error(f"a @pipe row after the first must start with a {{@function}}, "
                            f"got {json.dumps(head, default=str)}", head if mark_of(head) else row)
                return undefined()
            operands = [result, *(self.value(cell) for cell in row[1:])]
        if queue:
            operands = queue
        return operands[0] if operands else undefined()

    def _reduce(self, row: dict, operands: list[exp.Expression]) -> exp.Expression:
        body = row["@reduce"]
        if not isinstance(body, list) or not body:
            self._error("@reduce must be a non-empty list of rows", row)
            return undefined()
        alias = f"hm_reduce_{len(self._reduces) + 1}"
        r = _Reduce(alias)
        collection = operands[0]
        initial = operands[1] if len(operands) > 1 else jsonb_literal(None)
        self._reduces.append(r)
        try:
            step = self._pipe(body, seed=[r.column("acc")], owner=row)
        finally:
            self._reduces.pop()
        return _reduce_query(alias, collection, initial, step)

    # -- diagnostics -------------------------------------------------------------------------

    def _error(self, message: str, at: Any) -> None:
        self.diagnostics.append(Diagnostic(
            message, mark_of(at, self.mark), activity=self.scope.activity, field=self.field))


def _reduce_query(alias: str, collection: exp.Expression, initial: exp.Expression,
                  step: exp.Expression) -> exp.Expression:
    """The fold as a recursive CTE: one row per element, `acc` carried from row to row.

        (WITH RECURSIVE r(i, acc, coll, keys) AS (
             SELECT 0, <initial>, c.coll, hotmesh.js_reduce_keys(c.coll)
             FROM (SELECT <collection> AS coll) AS c
           UNION ALL
             SELECT r.i + 1, <step>, r.coll, r.keys FROM r WHERE r.i < cardinality(r.keys))
         SELECT r.acc FROM r ORDER BY r.i DESC LIMIT 1)
    """
    r = _Reduce(alias)
    base = (
        exp.select(
            exp.Literal.number(0),
            exp.Cast(this=initial, to=JSONB.copy()),
            exp.column("coll", table="c"),
            call("js_reduce_keys", exp.column("coll", table="c")),
        ).from_(exp.Subquery(
            this=exp.select(exp.alias_(collection, "coll")),
            alias=exp.TableAlias(this=exp.to_identifier("c")),
        ))
    )
    recursive = (
        exp.select(
            exp.Add(this=r.column("i"), expression=exp.Literal.number(1)),
            exp.Cast(this=step, to=JSONB.copy()),
            r.column("coll"),
            r.column("keys"),
        )
        .from_(exp.to_table(alias))
        .where(exp.LT(this=r.column("i"),
                      expression=exp.func("cardinality", r.column("keys"))))
    )
    cte = exp.CTE(
        this=exp.union(base, recursive, distinct=False),
        alias=exp.TableAlias(
            this=exp.to_identifier(alias),
            columns=[exp.to_identifier(c) for c in ("i", "acc", "coll", "keys")],
        ),
    )
    query = (
        exp.select(r.column("acc"))
        .from_(exp.to_table(alias))
        .order_by(exp.Ordered(this=r.column("i"), desc=True))
        .limit(1)
    )
    query.set("with_", exp.With(expressions=[cte], recursive=True))
    return exp.Subquery(this=query)


def encoded_field(segments: list[str]) -> str | None:
    """The top-level data field a reference path reads (`a1.output.data.items` for
    `a1.output.data.items.0`), or None for paths outside payload data (metadata, the whole
    data object, reduce variables): under a codec, an object value there is stored encoded."""
    root = segments[0]
    if root in REDUCE_VARIABLES or root in ("$app", "$graph"):
        return None
    data_at = 1 if root in ("$job", "$hook") else 2
    if len(segments) <= data_at + 1 or segments[data_at] != "data":
        return None
    if data_at == 2 and segments[1] not in ("output", "input", "hook"):
        return None
    return ".".join(segments[:data_at + 2])


def compile_value(value: Any, scope: Scope, field: str, mark: Mark | None,
                  diagnostics: list[Diagnostic]) -> tuple[str, dict[str, set[str]]]:
    """One mapping value to SQL text, with what it reads from the context."""
    sql, _, consumes = compile_mapping(value, scope, field, mark, diagnostics)
    return sql, consumes


def compile_mapping(value: Any, scope: Scope, field: str, mark: Mark | None,
                    diagnostics: list[Diagnostic]
                    ) -> tuple[str, dict | None, dict[str, set[str]]]:
    """One mapping value to SQL text, its fast form (or None) and what it reads."""
    compiler = ExpressionCompiler(scope, field, mark, diagnostics)
    tree = compiler.value(value)
    return render(tree), fast_form(tree), compiler.consumes


def fast_form(tree: exp.Expression) -> dict | None:
    """The same expression as data the engine evaluates without dynamic SQL, when it is only
    context paths, constants, objects and arrays (most mappings are): EXECUTE parses and plans
    its text on every call, which is most of the cost of a step.

    {"p": "<text[] literal>"} a context path; {"v": json} a constant; {"o": [[key, form]…]} an
    object (undefined values left out); {"a": [form…]} an array (undefined becomes null).
    """
    if isinstance(tree, exp.JSONBExtract) and tree.this == CONTEXT:
        segments = tree.expression.expressions if isinstance(tree.expression, exp.Array) else []
        if segments and all(isinstance(s, exp.Literal) and s.is_string for s in segments):
            return {"p": text_array_literal([s.this for s in segments])}
        return None
    if (isinstance(tree, exp.Cast) and isinstance(tree.this, exp.Literal)
            and tree.this.is_string and tree.to.this == exp.DataType.Type.JSONB):
        return {"v": json.loads(tree.this.this)}
    if isinstance(tree, exp.Dot) and isinstance(tree.expression, exp.Anonymous):
        name, args = tree.expression.name, tree.expression.expressions
        if name == "map_object" and len(args) == 2:
            keys = [key.this for key in args[0].this.expressions]
            forms = [fast_form(item) for item in args[1].this.expressions]
            return None if None in forms else {"o": [list(pair) for pair in zip(keys, forms)]}
        if name == "map_array" and len(args) == 1:
            forms = [fast_form(item) for item in args[0].this.expressions]
            return None if None in forms else {"a": forms}
    return None


def text_array_literal(items: list[str]) -> str:
    """A Postgres text[] literal (data for array_in, never SQL): every element quoted."""
    quoted = ('"' + item.replace("\\", "\\\\").replace('"', '\\"') + '"' for item in items)
    return "{" + ",".join(quoted) + "}"


def compile_condition(match: list[Any], gate: str, scope: Scope, field: str,
                      mark: Mark | None, diagnostics: list[Diagnostic]
                      ) -> tuple[str, dict[str, set[str]]]:
    compiler = ExpressionCompiler(scope, field, mark, diagnostics)
    return render(compiler.condition(match, gate)), compiler.consumes

