"""YAML graphs -> validated manifest -> compiled graph, every expression as SQL.

    manifest, compiled = compile_source("./order.yaml")   # or an inline YAML string
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .diagnostics import CompileError, Diagnostic, Mark

# graph and loader (sqlglot, jsonschema, yaml) are imported on first use: importing them costs
# more CPU than a worker process spends on hundreds of steps, and a worker never compiles


def compile_source(source: str | Path, *, codec: bool = False
                   ) -> tuple[dict[str, Any], dict[str, Any]]:
    """Load (resolving $ref), validate and compile a manifest: (manifest, compiled).

    codec: compile for a registered payload codec (no expression may read inside an object
    value of payload data; docs/codec.md). Raises CompileError listing every problem found."""
    from .graph import compile_manifest, plain
    from .loader import load_manifest

    document, file = load_manifest(source)
    return plain(document), compile_manifest(document, file, codec)


def __getattr__(name: str) -> Any:
    if name in ("compile_manifest", "plain"):
        from . import graph
        return getattr(graph, name)
    if name == "load_manifest":
        from .loader import load_manifest
        return load_manifest
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["CompileError", "Diagnostic", "Mark", "compile_source", "compile_manifest",
           "load_manifest"]
