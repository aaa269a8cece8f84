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
from pathlib import Path as FsPath
from typing import Any, ClassVar

import yaml

from ordergate.policy import bounds
from ordergate.policy.diagnostics import Diagnostic, Position

try:  # libyaml is several times faster; both give the same nodes and marks
    _Base: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Base = yaml.SafeLoader


class _Loader(_Base):  # type: ignore[misc]
    """Tags plain scalars only as merge keys (``<<``): the builder reads every other scalar
    itself (``resolve_scalar``), so matching each against the YAML 1.1 regexes here as
    well cost a tenth of the loading time for nothing."""

    yaml_implicit_resolvers: ClassVar[dict[str, list[tuple[str, re.Pattern[str]]]]] = {
        "<": [("tag:yaml.org,2002:merge", re.compile(r"^(?:<<)$"))]
    }


Path = tuple[str | int, ...]

_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL_TRUE = re.compile(r"^(?:true|True|TRUE)$")
_BOOL_FALSE = re.compile(r"^(?:false|False|FALSE)$")
_INT = re.compile(r"^[-+]?[0-9]+$")
_INT_HEX = re.compile(r"^0x[0-9a-fA-F]+$")
# the words a scalar starting with a letter can be other than a string
_WORDS = frozenset({"null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE"})
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


class BoundError(Exception):
    """A document passes one of the bounds of DESIGN §9; the loader stops reading it."""

    def __init__(self, node: yaml.Node, code: str, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.node = node
        self.code = code
        self.message = message
        self.hint = hint


def resolve_scalar(node: yaml.ScalarNode) -> Any:
    """A plain scalar by the YAML 1.2 core schema; quoted and block scalars are strings.

    Raises BoundError for a number with more than MAX_NUMBER_DIGITS digits before its
    point: Python refuses to convert a decimal integer of over 4,300 digits, and a number
    that long is a mistake anyway.
    """
    text = node.value
    if node.style:  # quoted or block: libyaml says '' for plain, PyYAML says None
        return text
    if text[:1].isalpha() and text not in _WORDS:  # most scalars: keys and names
        return text
    if _NULL.match(text):
        return None
    if _BOOL_TRUE.match(text):
        return True
    if _BOOL_FALSE.match(text):
        return False
    if _INT.match(text):
        _check_digits(node, len(text.lstrip("+-")))
        return int(text)
    if _INT_HEX.match(text):
        _check_digits(node, len(text) - 2)
        return int(text, 16)
    if _FLOAT.match(text):
        _check_digits(node, len(re.split(r"[.eE]", text.lstrip("+-"), maxsplit=1)[0]))
        return float(text)
    if text in (".inf", ".Inf", "+.inf"):
        return float("inf")
    return text


def _check_digits(node: yaml.ScalarNode, digits: int) -> None:
    if digits > bounds.MAX_NUMBER_DIGITS:
        raise BoundError(
            node,
            "number-too-long",
            f"this number has {digits:,} digits; a number has at most "
            f"{bounds.MAX_NUMBER_DIGITS} digits before its point",
        )


class _Builder:
    """Plain values from a composed node graph, with the position of every part.

    The graph is what the YAML says, aliases included: a node reused through an alias
    (or a merge key) is the same object in several places. Building it again costs its
    whole size, so every node built a second time counts against MAX_ALIAS_NODES, and a
    node reached again while it is still being built (``x: &a [*a]``) is a cycle.
    """

    def __init__(self, source: SourceFile, index: int, root: yaml.Node) -> None:
        self.source = source
        self.index = index
        self.values: dict[Path, Position] = {}
        self.keys: dict[Path, Position] = {}
        self.spans: dict[Path, tuple[int, int, int, int]] = {}
        self.problems: list[Diagnostic] = []
        self.root = root
        self.seen: set[int] = set()  # ids of the nodes built once
        self.open: set[int] = set()  # ids of the collections being built now
        self.sizes: dict[int, int] = {}  # id -> nodes a collection expands to
        self.built = 0  # nodes built so far, the alias-expanded ones included
        self.added = 0  # nodes built again through an alias
        self.reusing = 0  # > 0 while inside a node built again (already counted whole)

    def mark(self, node: yaml.Node) -> Position:
        start = node.start_mark  # SourceFile.position, written out: called for every node
        return Position(self.source.name, start.line + 1, start.column + 1)

    def build(self, node: yaml.Node, path: Path, depth: int = 0) -> Any:
        """``depth`` counts the collections around ``node``."""
        self.values[path] = self.mark(node)
        ident = id(node)
        if ident not in self.seen:
            self.seen.add(ident)
            return self.build_new(node, path, depth)
        if ident in self.open:
            raise BoundError(
                node,
                "alias-cycle",
                "this alias refers to a node that contains it, so it would repeat without end",
                "an alias (*name) may only repeat a node that is complete before it",
            )
        if not self.reusing:
            self.added += self.sizes.get(ident, 1)
            if self.added > bounds.MAX_ALIAS_NODES:
                raise BoundError(
                    node,
                    "alias-expansion",
                    f"aliases in this document repeat more than {bounds.MAX_ALIAS_NODES:,} nodes",
                    "anchors (&name) and aliases (*name) may repeat parts of a document, "
                    f"up to {bounds.MAX_ALIAS_NODES:,} nodes in all",
                )
        self.reusing += 1
        try:
            return self.build_new(node, path, depth)
        finally:
            self.reusing -= 1

    def build_new(self, node: yaml.Node, path: Path, depth: int) -> Any:
        self.built += 1
        if isinstance(node, yaml.ScalarNode):
            scalar = resolve_scalar(node)
            if isinstance(scalar, str):
                self.spans[path] = (
                    node.start_mark.line + 1,
                    node.start_mark.column + 1,
                    node.end_mark.line + 1,
                    node.end_mark.column + 1,
                )
            return scalar
        if depth >= bounds.MAX_DEPTH:
            raise BoundError(
                node,
                "too-deep",
                f"this part nests deeper than {bounds.MAX_DEPTH} levels of mappings and lists",
            )
        ident, start = id(node), self.built - 1
        self.open.add(ident)
        value: Any
        if isinstance(node, yaml.SequenceNode):
            value = [self.build(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        elif isinstance(node, yaml.MappingNode):
            value = self.build_mapping(node, path, depth + 1)
        else:  # pragma: no cover - the safe loader composes only the three kinds
            raise TypeError(f"unexpected YAML node {node!r}")
        self.open.discard(ident)
        self.sizes[ident] = self.built - start
        return value

    def build_mapping(self, node: yaml.MappingNode, path: Path, depth: int) -> dict[str, Any]:
        """``depth`` is that of the mapping's keys and values."""
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                merged = self.build(value_node, path, depth)
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
            out[key] = self.build(value_node, child, depth)
        return out


def read_source(path: FsPath, display: str) -> tuple[bytes, SourceFile | None, list[Diagnostic]]:
    """The bytes and text of a rules file, or a diagnostic when it cannot or may not be read.

    At most MAX_FILE_BYTES + 1 bytes are read, so a huge file (or one that grows while
    we read it) costs no more memory than the bound.
    """
    try:
        with path.open("rb") as f:
            data = f.read(bounds.MAX_FILE_BYTES + 1)
        if len(data) > bounds.MAX_FILE_BYTES:
            size = max(path.stat().st_size, len(data))
            message = f"{display} is {size:,} bytes; a rules file is at most {bounds.MAX_FILE_BYTES:,} bytes"
            hint = "split it into several files in the rules directory"
            return b"", None, [Diagnostic(display, 1, 1, "error", "file-too-large", message, hint)]
        text = data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return b"", None, [Diagnostic(display, 1, 1, "error", "unreadable", f"cannot read {display}: {exc}")]
    return data, SourceFile(display, text), []


def bound_problem(text: str, name: str = "") -> Diagnostic | None:
    """The first problem of ``text`` past a bound of DESIGN §9, or None: for readers of
    YAML other than the loader (fmt's round-trip parser, order and state files), which
    recurse over nesting and convert numbers as Python does."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > bounds.MAX_FILE_BYTES:
        message = f"the file is {size:,} bytes; a rules file is at most {bounds.MAX_FILE_BYTES:,} bytes"
        return Diagnostic(name, 1, 1, "error", "file-too-large", message)
    _, problems = parse_documents(SourceFile(name, text))
    return next((d for d in problems if d.code in bounds.CODES), None)


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
        try:
            value = builder.build(root, ())
        except BoundError as exc:  # past a bound: one diagnostic, and the document is not read
            problems.append(_bound_diagnostic(source, index, exc))
            continue
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


def _bound_diagnostic(source: SourceFile, index: int, exc: BoundError) -> Diagnostic:
    mark = exc.node.start_mark
    if exc.code in ("alias-cycle", "alias-expansion"):  # point at the alias, not at its anchor
        mark = bounds.alias_mark(source.text, index, cycle=exc.code == "alias-cycle") or mark
    return source.diagnostic(
        source.position(mark.line + 1, mark.column + 1), exc.code, exc.message, hint=exc.hint
    )


def _syntax_diagnostic(source: SourceFile, exc: yaml.MarkedYAMLError) -> Diagnostic:
    what = exc.problem or "invalid YAML"
    problem, opened = exc.problem_mark, exc.context_mark
    context = exc.context or ""
    if "maximum nesting depth" in what:  # libyaml stops at 1,000 levels, before it says where 64 was
        mark = problem or opened
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        return source.diagnostic(
            source.position(line, col),
            "too-deep",
            f"this part nests more than 1,000 levels deep; mappings and lists nest at most {bounds.MAX_DEPTH}",
        )
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
