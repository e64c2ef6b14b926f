"""The @pipe function catalog: every `{@domain.name}` a mapping may call, and the SQL function
(`hotmesh.fn_<domain>_<lowercased name>`) that implements it.

Arity comes from `catalog_signatures.json`, generated from the database by
`tools/gen_catalog.py` after the SQL changes; a test checks that both agree with pg_proc.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

NAMES: dict[str, tuple[str, ...]] = {
    "array": (
        "get", "length", "concat", "indexOf", "join", "lastIndexOf", "pop", "push", "reverse",
        "shift", "slice", "sort", "splice", "unshift",
    ),
    "bitwise": ("and", "or", "xor", "leftShift", "rightShift", "unsignedRightShift"),
    "conditional": (
        "ternary", "equality", "strict_equality", "inequality", "strict_inequality",
        "greater_than", "less_than", "greater_than_or_equal", "less_than_or_equal", "nullish",
        # not in HotMesh's catalog; the seeds' order.yaml routes on {@conditional.gte}
        "gt", "gte", "lt", "lte",
    ),
    "cron": ("nextDelay",),
    "date": (
        "now", "yyyymmdd", "fromISOString", "parse",
        "getDate", "getDay", "getFullYear", "getHours", "getMilliseconds", "getMinutes",
        "getMonth", "getSeconds", "getTime", "getTimezoneOffset",
        "getUTCDate", "getUTCDay", "getUTCFullYear", "getUTCHours", "getUTCMilliseconds",
        "getUTCMinutes", "getUTCMonth", "getUTCSeconds",
        "setDate", "setFullYear", "setHours", "setMilliseconds", "setMinutes", "setMonth",
        "setSeconds", "setTime",
        "setUTCDate", "setUTCFullYear", "setUTCHours", "setUTCMilliseconds", "setUTCMinutes",
        "setUTCMonth", "setUTCSeconds",
        "toDateString", "toISOString", "toISOXString", "toJSON", "toLocaleDateString",
        "toLocaleString", "toLocaleTimeString", "toString", "valueOf", "UTC",
    ),
    "json": ("stringify", "parse"),
    "logical": ("and", "or"),
    "math": (
        "add", "subtract", "multiply", "divide",
        "abs", "acos", "acosh", "asin", "asinh", "atan", "atanh", "cbrt", "ceil", "clz32", "cos",
        "cosh", "exp", "expm1", "floor", "fround", "log", "log10", "log1p", "log2", "round",
        "sign", "sin", "sinh", "sqrt", "tan", "tanh", "trunc",
        "atan2", "hypot", "imul", "max", "min", "pow", "random",
    ),
    "number": (
        "isFinite", "isEven", "isOdd", "isInteger", "isNaN", "parseFloat", "parseInt",
        "toFixed", "toExponential", "toPrecision", "gte", "lte", "gt", "lt", "max", "min",
        "pow", "round",
        # HotMesh's NumberHandler also carries @math's arithmetic
        "add", "subtract", "multiply", "divide",
    ),
    "object": (
        "get", "set", "create", "keys", "values", "entries", "fromEntries", "assign",
        "getOwnPropertyNames", "getOwnPropertySymbols", "getOwnPropertyDescriptor",
        "defineProperty", "defineProperties", "freeze", "isFrozen", "seal", "isSealed",
        "preventExtensions", "isExtensible", "hasOwnProperty", "isPrototypeOf",
        "propertyIsEnumerable",
    ),
    "string": (
        "split", "charAt", "concat", "includes", "indexOf", "lastIndexOf", "slice",
        "toLowerCase", "toUpperCase", "trim", "trimStart", "trimEnd", "padStart", "padEnd",
        "replace", "search", "substring", "startsWith", "endsWith", "repeat",
    ),
    "symbol": (
        "null", "undefined", "whitespace", "object", "array", "posInfinity", "negInfinity",
        "NaN", "date",
    ),
    "unary": ("not", "positive", "negative", "bitwise_not"),
}

SIGNATURES_FILE = Path(__file__).with_name("catalog_signatures.json")


@dataclass(frozen=True)
class Function:
    """One catalog function and the shape of its SQL signature."""

    domain: str
    name: str
    params: int  # positional (non-variadic) parameters
    required: int  # of which without a default
    variadic: bool

    @property
    def label(self) -> str:
        return f"@{self.domain}.{self.name}"

    @property
    def sql_name(self) -> str:
        return sql_name(self.domain, self.name)


def sql_name(domain: str, name: str) -> str:
    return f"fn_{domain}_{name.lower()}"


@cache
def functions() -> dict[str, Function]:
    """'domain.name' -> Function, for every function of the catalog."""
    signatures = json.loads(SIGNATURES_FILE.read_text())
    catalog: dict[str, Function] = {}
    for domain, names in NAMES.items():
        for name in names:
            shape = signatures.get(sql_name(domain, name))
            if shape is None:  # listed but not (yet) implemented in SQL: not callable
                continue
            catalog[f"{domain}.{name}"] = Function(
                domain, name, shape["params"], shape["required"], shape["variadic"]
            )
    return catalog


def lookup(domain: str, name: str) -> Function | None:
    return functions().get(f"{domain}.{name}")
