"""YAML graphs -> validated manifest -> compiled graph, every expression as SQL.

    manifest, compiled = compile_source("./order.yaml")   # or an inline YAML string
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .diagnostics import CompileError, Diagnostic, Mark
from .graph import compile_manifest, plain
from .loader import load_manifest


def compile_source(source: str | Path, *, codec: bool = False
                   ) -> tuple[dict[str, Any], dict[str, Any]]:
    """Load (resolving $ref), validate and compile a manifest: (manifest, compiled).

    codec: compile for a registered payload codec (no expression may read inside an object
    value of payload data; docs/codec.md). Raises CompileError listing every problem found."""
    document, file = load_manifest(source)
    return plain(document), compile_manifest(document, file, codec)


__all__ = ["CompileError", "Diagnostic", "Mark", "compile_source", "compile_manifest",
           "load_manifest"]
