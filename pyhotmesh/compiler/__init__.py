"""YAML graphs -> validated manifest -> compiled graph, every expression as SQL.

    compiled = compile_source("./order.yaml")   # or an inline YAML string
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .diagnostics import CompileError, Diagnostic, Mark
from .graph import compile_manifest
from .loader import load_manifest


def compile_source(source: str | Path) -> dict[str, Any]:
    """Load (resolving $ref), validate and compile a manifest; raises CompileError."""
    document, file = load_manifest(source)
    return compile_manifest(document, file)


__all__ = ["CompileError", "Diagnostic", "Mark", "compile_source", "compile_manifest",
           "load_manifest"]
