"""YAML documents that remember where every node came from.

PyYAML composes the node graph (with libyaml when it is there); we build plain Python
values from it ourselves so that scalars follow the YAML 1.2 core schema: ``10:25`` is
the string "10:25", not the sexagesimal integer 625 of YAML 1.1, ``on`` and ``no`` stay
strings and timestamps are not parsed behind the author's back. Each value and each
mapping key is recorded in a position table keyed by its path in the document.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

from ordergate.policy.diagnostics import Diagnostic, Position

try:  # libyaml is several times faster; both give the same nodes and marks
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader

Path = tuple[str | int, ...]

_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL_TRUE = re.compile(r"^(?:true|True|TRUE)$")
_BOOL_FALSE = re.compile(r"^(?:false|False|FALSE)$")
_INT = re.compile(r"^[-+]?[0-9]+$")
_INT_HEX = re.compile(r"^0x[0-9a-fA-F]+$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")


@dataclass(slots=True)
class SourceFile:
    """The text of one file and the name diagnostics use for it."""

    name: str
    text: str
    lines: list[str] = field(init=False)
    _starts: list[int] | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.lines = self.text.splitlines()

    def offset(self, line: int, col: int) -> int:
        """Character offset of a 1-based line and column (clamped to the text)."""
        if self._starts is None:
            starts = [0]
            for chunk in self.text.splitlines(keepends=True):
                starts.append(starts[-1] + len(chunk))
            self._starts = starts
        if line - 1 >= len(self._starts):
            return len(self.text)
        return min(self._starts[line - 1] + col - 1, len(self.text))

    def line(self, line: int) -> str | None:
        return self.lines[line - 1] if 0 < line <= len(self.lines) else None

    def position(self, line: int, col: int) -> Position:
        return Position(self.name, line, col)

    def diagnostic(self, pos: Position, code: str, message: str, **kw: Any) -> Diagnostic:
        return Diagnostic.at(pos, code, message, source_line=self.line(pos.line), **kw)


@dataclass(slots=True)
class Document:
    """One YAML document: its value and where each part of it stands in the file."""

    source: SourceFile
    index: int
    value: Any
    start: Position
    values: dict[Path, Position]
    keys: dict[Path, Position]
    # raw (line, col, end_line, end_col) of string scalars, for mapping offsets inside them
    spans: dict[Path, tuple[int, int, int, int]]

    def pos(self, path: Path) -> Position:
        """The position of the value at ``path``, or of its nearest recorded ancestor."""
        while path:
            if path in self.values:
                return self.values[path]
            path = path[:-1]
        return self.start

    def key_pos(self, path: Path) -> Position:
        return self.keys.get(path) or self.pos(path)

    def offset_pos(self, path: Path, offset: int) -> Position:
        """Where character ``offset`` of the string scalar at ``path`` stands in the file."""
        span = self.spans.get(path)
        value = _get(self.value, path)
        if span is None or not isinstance(value, str):
            return self.pos(path)
        raw = _raw_slice(self.source, span)
        line, col = span[0], span[1]
        index = _align(raw, value, offset)
        for ch in raw[:index]:
            if ch == "\n":
                line, col = line + 1, 1
            else:
                col += 1
        return Position(self.source.name, line, col)


def _get(value: Any, path: Path) -> Any:
    for part in path:
        try:
            value = value[part]
        except (KeyError, IndexError, TypeError):
            return None
    return value


def _raw_slice(source: SourceFile, span: tuple[int, int, int, int]) -> str:
    line, col, end_line, end_col = span
    return source.text[source.offset(line, col) : source.offset(end_line, end_col)]


def _align(raw: str, value: str, offset: int) -> int:
    """Index in ``raw`` of character ``offset`` of ``value`` (quotes, folding and escapes skipped)."""
    r = 0
    for i, ch in enumerate(value):
        probe = raw.find(ch, r) if not ch.isspace() else r
        if ch.isspace():
            while probe < len(raw) and not raw[probe].isspace():
                probe += 1
        if probe < 0 or probe >= len(raw):
            return min(r, len(raw))
        if i == offset:
            return probe
        r = probe + 1
    return min(r, len(raw))


def resolve_scalar(node: yaml.ScalarNode) -> Any:
    """A plain scalar by the YAML 1.2 core schema; quoted and block scalars are strings."""
    text = node.value
    if node.style:  # quoted or block: libyaml says '' for plain, PyYAML says None
        return text
    if _NULL.match(text):
        return None
    if _BOOL_TRUE.match(text):
        return True
    if _BOOL_FALSE.match(text):
        return False
    if _INT.match(text):
        return int(text)
    if _INT_HEX.match(text):
        return int(text, 16)
    if _FLOAT.match(text):
        return float(text)
    if text in (".inf", ".Inf", "+.inf"):
        return float("inf")
    return text


class _Builder:
    def __init__(self, source: SourceFile, index: int, root: yaml.Node) -> None:
        self.source = source
        self.index = index
        self.values: dict[Path, Position] = {}
        self.keys: dict[Path, Position] = {}
        self.spans: dict[Path, tuple[int, int, int, int]] = {}
        self.problems: list[Diagnostic] = []
        self.root = root

    def mark(self, node: yaml.Node) -> Position:
        return self.source.position(node.start_mark.line + 1, node.start_mark.column + 1)

    def build(self, node: yaml.Node, path: Path) -> Any:
        self.values[path] = self.mark(node)
        if isinstance(node, yaml.ScalarNode):
            value = resolve_scalar(node)
            if isinstance(value, str):
                self.spans[path] = (
                    node.start_mark.line + 1,
                    node.start_mark.column + 1,
                    node.end_mark.line + 1,
                    node.end_mark.column + 1,
                )
            return value
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        if isinstance(node, yaml.MappingNode):
            return self.build_mapping(node, path)
        raise TypeError(f"unexpected YAML node {node!r}")  # pragma: no cover

    def build_mapping(self, node: yaml.MappingNode, path: Path) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                merged = self.build(value_node, path)
                if isinstance(merged, dict):
                    for k, v in merged.items():
                        out.setdefault(k, v)
                continue
            key = resolve_scalar(key_node) if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str | int | bool) or key is None:
                self.problems.append(
                    self.source.diagnostic(
                        self.mark(key_node), "yaml-key", "a mapping key must be a plain word"
                    )
                )
                continue
            key = str(key).lower() if isinstance(key, bool) else str(key)
            child = (*path, key)
            if key in out:
                self.problems.append(
                    self.source.diagnostic(
                        self.mark(key_node),
                        "duplicate-key",
                        f"key '{key}' is given twice in the same mapping",
                        hint=f"the first '{key}' is at line {self.keys[child].line}",
                    )
                )
                continue
            self.keys[child] = self.mark(key_node)
            out[key] = self.build(value_node, child)
        return out


def parse_documents(source: SourceFile) -> tuple[list[Document], list[Diagnostic]]:
    """Every document of a file, or a diagnostic at the line of a YAML syntax error."""
    docs: list[Document] = []
    problems: list[Diagnostic] = []
    try:
        roots = list(_compose_all(source.text))
    except yaml.MarkedYAMLError as exc:
        problems.append(_syntax_diagnostic(source, exc))
        return [], problems
    except yaml.YAMLError as exc:
        problems.append(source.diagnostic(source.position(1, 1), "yaml-syntax", f"YAML error: {exc}"))
        return [], problems
    for index, root in enumerate(roots):
        if root is None:
            continue
        builder = _Builder(source, index, root)
        value = builder.build(root, ())
        problems.extend(builder.problems)
        if value is None:  # an empty document, e.g. after a trailing '---'
            continue
        docs.append(
            Document(
                source=source,
                index=index,
                value=value,
                start=builder.mark(root),
                values=builder.values,
                keys=builder.keys,
                spans=builder.spans,
            )
        )
    return docs, problems


def _syntax_diagnostic(source: SourceFile, exc: yaml.MarkedYAMLError) -> Diagnostic:
    what = exc.problem or "invalid YAML"
    problem, opened = exc.problem_mark, exc.context_mark
    context = exc.context or ""
    # An unclosed bracket or quote is noticed lines later; the place to fix is where it opened.
    if opened is not None and ("flow" in context or "quoted scalar" in context):
        where = source.position(opened.line + 1, opened.column + 1)
        found = f" (noticed at line {problem.line + 1}, column {problem.column + 1})" if problem else ""
        hint = what
        if "flow" in context:
            hint += "; inside { } or [ ], quote a value that holds [ ], { } or commas, e.g. when: 'order.symbol in [ES, NQ]'"
        return source.diagnostic(
            where,
            "yaml-syntax",
            f"YAML syntax error: this {context.removeprefix('while parsing a ').removeprefix('while scanning a ')} is not closed{found}",
            hint=hint,
        )
    mark = problem or opened
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    suffix = f" ({context})" if context else ""
    return source.diagnostic(source.position(line, col), "yaml-syntax", f"YAML syntax error: {what}{suffix}")


def _compose_all(text: str) -> Iterator[yaml.Node | None]:
    loader = _Loader(text)
    try:
        while loader.check_node():
            yield loader.get_node()
    finally:
        loader.dispose()
