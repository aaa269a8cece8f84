"""Diagnostics: one problem found in a document, with its place, and their renderings.

A diagnostic renders in text as ``file:line:col: severity[code]: message``, followed by
the source line with a caret and a hint when there is one. The JSON and GitHub-annotation
renderings here, and SARIF's in ``sarif``, carry the same fields.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from ordergate.policy.escaping import github_data, github_property, not_a_command, visible

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Position:
    """A place in a file; line and column count from 1."""

    file: str
    line: int
    col: int


@dataclass(frozen=True, slots=True)
class Diagnostic:
    file: str
    line: int
    col: int
    severity: Severity
    code: str
    message: str
    hint: str | None = None
    source_line: str | None = field(default=None, compare=False)
    # the file whose own errors caused this one (a test naming a policy that does not
    # compile): reported after every file's own errors, and marked as a consequence
    consequence_of: str | None = None

    def __post_init__(self) -> None:
        # A file name that is not UTF-8 reaches us with surrogates in it; they cannot be
        # printed or sent as JSON, so each becomes U+FFFD here, once, for every rendering.
        for name in ("file", "message", "hint"):
            text = getattr(self, name)
            if text is not None and not text.isascii():
                object.__setattr__(self, name, printable(text))

    @classmethod
    def at(
        cls,
        pos: Position,
        code: str,
        message: str,
        *,
        hint: str | None = None,
        severity: Severity = "error",
        source_line: str | None = None,
    ) -> Diagnostic:
        return cls(pos.file, pos.line, pos.col, severity, code, message, hint, source_line)

    def render_line(self) -> str:
        # file names and messages quote the author's text: a line break in a YAML key
        # must not start a line of its own (a workflow command in a CI log)
        return visible(f"{self.file}:{self.line}:{self.col}: {self.severity}[{self.code}]: {self.message}")

    def render_text(self) -> str:
        lines = [self.render_line()]
        if self.source_line is not None:
            text, caret = _window(self.source_line.rstrip("\r\n"), max(self.col - 1, 0))
            shown = not_a_command(visible(text))
            caret = len(visible(text[:caret])) + len(shown) - len(visible(text))
            lines.append(f"    {shown}")
            lines.append("    " + " " * caret + "^")
        if self.hint:
            lines.append(visible(f"    hint: {self.hint}"))
        if self.consequence_of:
            lines.append(visible(f"    note: a consequence of the errors in {self.consequence_of}"))
        return "\n".join(lines)

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "file": self.file,
            "line": self.line,
            "col": self.col,
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
            "hint": self.hint,
        }
        if self.consequence_of is not None:
            out["consequence_of"] = self.consequence_of
        return out


_SURROGATE = re.compile(r"[\ud800-\udfff]")


def printable(text: str) -> str:
    """``text`` with each lone surrogate replaced by U+FFFD."""
    return _SURROGATE.sub("\ufffd", text)


_WINDOW = 120  # characters of a source line shown around the caret


def _window(text: str, caret: int) -> tuple[str, int]:
    """The part of a long line around ``caret`` (a hostile file may hold one line of
    a megabyte), with the caret's place in it."""
    if len(text) <= _WINDOW:
        return text, caret
    start = max(0, min(caret - _WINDOW // 2, len(text) - _WINDOW))
    shown = text[start : start + _WINDOW]
    prefix = "…" if start else ""
    suffix = "…" if start + _WINDOW < len(text) else ""
    return prefix + shown + suffix, caret - start + len(prefix)


def sort_key(d: Diagnostic) -> tuple[bool, str, int, int, str]:
    """Each file's own problems first, by place; consequences of them after."""
    return (d.consequence_of is not None, d.file, d.line, d.col, d.code)


def causes_first(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """``diagnostics`` in their order, with every consequence moved after the causes."""
    return sorted(diagnostics, key=lambda d: d.consequence_of is not None)


def has_errors(diagnostics: Iterable[Diagnostic], *, strict: bool = False) -> bool:
    return any(d.severity == "error" or strict for d in diagnostics)


def render_text(diagnostics: Sequence[Diagnostic]) -> str:
    return "\n".join(d.render_text() for d in diagnostics)


def render_json(diagnostics: Sequence[Diagnostic], *, valid: bool, files: int) -> str:
    return json.dumps(
        {
            "valid": valid,
            "files": files,
            "errors": sum(1 for d in diagnostics if d.severity == "error"),
            "warnings": sum(1 for d in diagnostics if d.severity == "warning"),
            "diagnostics": [d.to_dict() for d in diagnostics],
        },
        indent=2,
    )


def render_github(diagnostics: Sequence[Diagnostic]) -> str:
    out = []
    for d in diagnostics:
        message = d.message + (f" (hint: {d.hint})" if d.hint else "")
        props = (
            f"file={github_property(d.file)},line={d.line},col={d.col},"
            f"title={github_property('ordergate ' + d.code)}"
        )
        out.append(f"::{d.severity} {props}::{github_data(message)}")
    return "\n".join(out)
