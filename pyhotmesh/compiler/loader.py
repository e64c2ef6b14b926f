"""Reading a manifest: YAML (pyyaml) with the position of every key and value kept, and
``$ref`` includes resolved relative to the file that names them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .diagnostics import CompileError, Diagnostic, Mark


class Located:
    """Mixin for values that know where they were written."""

    mark: Mark


class LocatedDict(dict, Located):
    """A mapping whose ``key_marks`` give the position of each key."""

    key_marks: dict[str, Mark]


class LocatedList(list, Located):
    item_marks: list[Mark]


class LocatedStr(str, Located):
    pass


def mark_of(value: Any, default: Mark | None = None) -> Mark | None:
    return getattr(value, "mark", default)


def key_mark(mapping: Any, key: str) -> Mark | None:
    marks = getattr(mapping, "key_marks", None)
    if marks and key in marks:
        return marks[key]
    return mark_of(mapping)


def _mark(file: str, node: yaml.Node) -> Mark:
    return Mark(file, node.start_mark.line + 1, node.start_mark.column + 1)


class _Constructor:
    """Builds Located values from a composed YAML node tree."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.safe = yaml.SafeLoader("")

    def build(self, node: yaml.Node) -> Any:
        if isinstance(node, yaml.MappingNode):
            result = LocatedDict()
            result.mark = _mark(self.file, node)
            result.key_marks = {}
            self.safe.flatten_mapping(node)
            for key_node, value_node in node.value:
                key = self.build(key_node)
                if isinstance(key, (int, float, bool)) or key is None:
                    key = str(key) if key is not None else "null"
                result[str(key)] = self.build(value_node)
                result.key_marks[str(key)] = _mark(self.file, key_node)
            return result
        if isinstance(node, yaml.SequenceNode):
            result = LocatedList(self.build(item) for item in node.value)
            result.mark = _mark(self.file, node)
            result.item_marks = [_mark(self.file, item) for item in node.value]
            return result
        value = self.safe.construct_object(node, deep=True)
        if isinstance(value, str):
            located = LocatedStr(value)
            located.mark = _mark(self.file, node)
            return located
        return value


def parse_yaml(text: str, file: str) -> Any:
    """Parse YAML text into Located values; a syntax error becomes a CompileError."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Mark(file, mark.line + 1, mark.column + 1) if mark else None
        raise CompileError([Diagnostic(f"invalid YAML: {exc.problem or exc}", where)]) from None
    if node is None:
        raise CompileError([Diagnostic("the manifest is empty", Mark(file, 1, 1))])
    return _Constructor(file).build(node)


def load_manifest(source: str | Path) -> tuple[Any, str]:
    """The manifest from a file path or an inline YAML string, with ``$ref`` resolved.

    A string containing a newline, or starting with ``app:``, is YAML; anything else is a
    path. Returns the document and the name used for it in diagnostics.
    """
    text_source = isinstance(source, str) and ("\n" in source or source.lstrip().startswith("app:"))
    if text_source:
        document = parse_yaml(str(source), "<yaml>")
        return _resolve_refs(document, None, "<yaml>", []), "<yaml>"
    path = Path(source)
    if not path.is_file():
        raise CompileError([Diagnostic(f"manifest file not found: {path}")])
    document = parse_yaml(path.read_text(), str(path))
    return _resolve_refs(document, path.resolve(), str(path), [path.resolve()]), str(path)


def _resolve_refs(value: Any, base: Path | None, file: str, chain: list[Path]) -> Any:
    """Replace every ``{$ref: 'relative/file.yaml[#/pointer]'}`` by what it points to."""
    if isinstance(value, dict):
        if set(value) == {"$ref"}:
            return _load_ref(value, base, file, chain)
        for key in list(value):
            value[key] = _resolve_refs(value[key], base, file, chain)
        return value
    if isinstance(value, list):
        for index, item in enumerate(value):
            value[index] = _resolve_refs(item, base, file, chain)
        return value
    return value


def _load_ref(ref: dict, base: Path | None, file: str, chain: list[Path]) -> Any:
    target = ref["$ref"]
    where = key_mark(ref, "$ref")
    if not isinstance(target, str) or not target:
        raise CompileError([Diagnostic("$ref must be a relative file path", where, field="$ref")])
    if base is None:
        raise CompileError([Diagnostic(
            f"$ref '{target}' needs a manifest file to be relative to; deploy the file's path "
            "instead of its text", where, field="$ref")])
    relative, _, pointer = target.partition("#")
    path = (base.parent / relative).resolve()
    if path in chain:
        raise CompileError([Diagnostic(f"$ref '{target}' includes itself", where, field="$ref")])
    if not path.is_file():
        raise CompileError([Diagnostic(f"$ref file not found: {path}", where, field="$ref")])
    display = str(Path(file).parent / relative) if file != "<yaml>" else str(path)
    document = parse_yaml(path.read_text(), display)
    document = _resolve_refs(document, path, display, [*chain, path])
    for part in [p for p in pointer.split("/") if p]:
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(document, dict) and part in document:
            document = document[part]
        elif isinstance(document, list) and part.isdigit() and int(part) < len(document):
            document = document[int(part)]
        else:
            raise CompileError([Diagnostic(
                f"$ref '{target}': nothing at '#{pointer}'", where, field="$ref")])
    return document
