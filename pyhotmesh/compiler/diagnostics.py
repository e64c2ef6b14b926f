"""Where a problem is, and what it is: every compiler error names file, line, column,
activity and field."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import HotMeshError


@dataclass(frozen=True)
class Mark:
    """A position in a manifest source (1-based line and column)."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Diagnostic:
    message: str
    mark: Mark | None = None
    activity: str | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = f"{self.mark}: " if self.mark else ""
        subject = []
        if self.activity:
            subject.append(f"activity '{self.activity}'")
        if self.field:
            subject.append(f"field '{self.field}'")
        about = (", ".join(subject) + ": ") if subject else ""
        return f"{where}{about}{self.message}"


class CompileError(HotMeshError):
    """A manifest is invalid; ``diagnostics`` lists every problem found, in source order."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = sorted(
            diagnostics,
            key=lambda d: (d.mark.file, d.mark.line, d.mark.column) if d.mark else ("", 0, 0),
        )
        count = len(self.diagnostics)
        lines = "\n".join(f"  {d}" for d in self.diagnostics)
        super().__init__(f"{count} error{'s' if count != 1 else ''} in the manifest:\n{lines}")
