"""``ordergate fmt`` and ``ordergate migrate``: rewrite YAML files, comments kept.

ruamel.yaml's round-trip mode keeps comments, key order and quoting; we fix the
indentation (maps 2, lists 4 with the dash at 2), put apiVersion, kind, metadata and
spec first, and leave everything else as the author wrote it. Formatting is idempotent.

ruamel.yaml is pure Python: it recurses over nesting and converts numbers as Python
does, so a file past a bound of DESIGN §9 is refused first, by the loader's own
checks, with the same message ``validate`` gives.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import MarkedYAMLError

from ordergate.policy import versions
from ordergate.policy.kinds import SUPPORTED_API_VERSIONS
from ordergate.policy.source import bound_problem

TOP_ORDER = ("apiVersion", "kind", "metadata", "spec")


def _yaml() -> YAML:
    y = YAML(typ="rt")
    y.indent(mapping=2, sequence=4, offset=2)
    y.preserve_quotes = True
    y.width = 4096  # never re-wrap an author's long line
    y.explicit_start = False
    return y


@dataclass(frozen=True, slots=True)
class Rewrite:
    text: str
    changed: bool
    error: str | None = None


def _reorder(doc: Any) -> Any:
    if not isinstance(doc, CommentedMap):
        return doc
    keys = [k for k in TOP_ORDER if k in doc] + [k for k in doc if k not in TOP_ORDER]
    if list(doc) == keys:
        return doc
    for key in keys:  # move_to_end keeps each key's comments attached
        doc.move_to_end(key)
    return doc


def _dump_all(docs: list[Any]) -> str:
    out = io.StringIO()
    y = _yaml()
    if len(docs) > 1:
        y.explicit_start = True
    y.dump_all(docs, out)
    text = out.getvalue()
    return text.removeprefix("---\n") if len(docs) > 1 else text


def _load_all(text: str) -> list[Any]:
    return [d for d in _yaml().load_all(text) if d is not None]


def _past_bound(text: str) -> str | None:
    """'line:col: message' when ``text`` passes a bound, else None."""
    problem = bound_problem(text)
    return f"{problem.line}:{problem.col}: {problem.message}" if problem else None


def format_text(text: str) -> Rewrite:
    refused = _past_bound(text)
    if refused:
        return Rewrite(text, False, refused)
    try:
        docs = _load_all(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"{mark.line + 1}:{mark.column + 1}: " if mark else ""
        return Rewrite(text, False, f"{where}YAML syntax error: {exc.problem}")
    if not docs:
        return Rewrite(text, False)
    formatted = _dump_all([_reorder(d) for d in docs])
    return Rewrite(formatted, formatted != text)


def migrate_text(text: str) -> Rewrite:
    refused = _past_bound(text)
    if refused:
        return Rewrite(text, False, refused)
    try:
        docs = _load_all(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"{mark.line + 1}:{mark.column + 1}: " if mark else ""
        return Rewrite(text, False, f"{where}YAML syntax error: {exc.problem}")
    changed = False
    for doc in docs:
        api = doc.get("apiVersion") if isinstance(doc, dict) else None
        if api in versions.CONVERTERS:
            upgraded = versions.upgrade(dict(doc))
            doc.clear()
            doc.update(upgraded)
            changed = True
        elif api not in SUPPORTED_API_VERSIONS:
            supported = ", ".join((*SUPPORTED_API_VERSIONS, *versions.CONVERTERS))
            return Rewrite(text, False, f"unknown apiVersion {api!r}; supported: {supported}")
    if not changed:
        return Rewrite(text, False)
    return Rewrite(_dump_all(docs), True)
