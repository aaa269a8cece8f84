"""Rule expressions parsed by an earlier run, kept so that the next need not import lark.

A cold ``ordergate validate`` (a rules file changed since the last run: a number edited,
a comment added) spent a fifth of its time importing lark and loading its grammar, only
to parse the same rule texts as the run before (issue 15). This module keeps the syntax
tree of every expression that parsed, by its text, in the user's private cache directory
(``usercache``; ``ORDERGATE_NO_CACHE=1`` turns it off), and ``parse`` returns the tree
kept before asking lark. A text that does not parse is never kept: its error is found
afresh, by lark, every time.

The trees are plain JSON (node name and fields), not a pickle: nothing in the file is
executed, and a tree is rebuilt only from the node classes of ``syntax``. A tree is kept
only when it reads back identical (``repr``, which tells 5 from 5.0). The file is named
by a stamp of this package's files (their names, sizes and modification times), so an
engine that changed (the grammar, the parser, the tree) never reads another's trees;
a new engine's first file removes those of other stamps. New trees are appended, one
JSON line each (a line a concurrent writer cut short is skipped), and the file is
written anew with the last MAX_TREES once it holds twice that.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import sys
from datetime import date
from pathlib import Path
from typing import Any

from ordergate.policy import syntax, usercache
from ordergate.policy.syntax import Expr

MAX_TREES = 2048
_PACKAGE = Path(__file__).resolve().parent
_NODES: dict[str, type[Expr]] = {
    cls.__name__: cls
    for cls in (
        syntax.Literal,
        syntax.Name,
        syntax.Call,
        syntax.ListExpr,
        syntax.Negate,
        syntax.Arith,
        syntax.Compare,
        syntax.Between,
        syntax.Member,
        syntax.Logic,
        syntax.Not,
    )
}


class _Store:
    """The trees of this process: those read from the file, and those parsed since."""

    def __init__(self) -> None:
        self.loaded = False
        self.file: Path | None = None
        self.existed = False
        self.trees: dict[str, Expr] = {}
        self.saved: dict[str, Any] = {}  # the file's entries, encoded, oldest first
        self.lines = 0  # lines in the file, superseded ones included
        self.new: dict[str, Any] = {}


_store = _Store()


def parse(text: str) -> Expr:
    """The syntax tree of ``text``, as ``expression.parse`` gives it; raises ExpressionError."""
    store = _load()
    found = store.trees.get(text)
    if found is not None:
        return found
    from ordergate.policy.expression import parse as parse_with_lark

    tree = parse_with_lark(text)
    store.trees[text] = tree
    if store.file is not None and text not in store.saved:
        encoded = _encode(tree)
        with contextlib.suppress(ValueError, TypeError, KeyError):
            if repr(_decode(json.loads(json.dumps(encoded, allow_nan=False)))) == repr(tree):
                store.new[text] = encoded
    return tree


def flush() -> None:
    """Write the trees parsed since the last flush: appended as lines, or the file written
    anew with the last MAX_TREES when it has grown past twice that. A cache that cannot be
    written is no cache, not a failure."""
    store = _store
    # taken whole before writing: a load in another thread may be parsing meanwhile (a
    # tree it adds now waits for the next flush, or is parsed again next run)
    pending, store.new = store.new, {}
    new = dict(list(pending.items()))
    if not new or store.file is None:
        return
    kept = {**store.saved, **new}
    try:
        if store.lines + len(new) > 2 * MAX_TREES:
            kept = dict(list(kept.items())[-MAX_TREES:])
            _replace(store.file, kept)
            store.lines = len(kept)
        else:
            with store.file.open("a", encoding="utf-8") as stream:
                stream.write("".join(_line(text, tree) for text, tree in new.items()))
            store.lines += len(new)
    except (OSError, UnicodeError):
        return
    store.saved = kept
    if not store.existed:  # a new engine's first file: those of other engines are stale
        store.existed = True
        for other in store.file.parent.glob("expressions-*.jsonl"):
            if other != store.file:
                with contextlib.suppress(OSError):
                    other.unlink()


def _line(text: str, tree: Any) -> str:
    return json.dumps({"text": text, "tree": tree}, ensure_ascii=False) + "\n"


def _replace(file: Path, kept: dict[str, Any]) -> None:
    temporary = file.with_name(f"{file.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text("".join(_line(text, tree) for text, tree in kept.items()), "utf-8")
        os.replace(temporary, file)  # whole or not at all, whatever runs beside us
    except (OSError, UnicodeError):
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise


def _load() -> _Store:
    store = _store
    if store.loaded:
        return store
    store.loaded = True
    where = usercache.cache_dir()
    if where is None:
        return store
    store.file = where / f"expressions-{_stamp()}.jsonl"
    try:
        lines = store.file.read_bytes().splitlines()
    except OSError:
        return store  # none yet (or unreadable): parsed afresh, and written
    store.existed = True
    store.lines = len(lines)  # a line skipped below still counts: it goes at the next rewrite
    for line in lines:
        try:  # a line cut short by a writer beside us, or not ours: skipped
            entry = json.loads(line.decode("utf-8"))
            text, encoded = entry["text"], entry["tree"]
            tree = _decode(encoded)
        except (ValueError, TypeError, KeyError, AttributeError):
            continue
        if isinstance(text, str):
            store.saved.pop(text, None)  # the last line of a text is the newest
            store.saved[text] = encoded
            store.trees[text] = tree
    return store


def _stamp() -> str:
    h = hashlib.sha256(f"{sys.version_info[:2]}\0".encode())
    with contextlib.suppress(OSError), os.scandir(_PACKAGE) as entries:
        for name, info in sorted((e.name, e.stat()) for e in entries if e.is_file()):
            h.update(f"{name}\0{info.st_size}\0{info.st_mtime_ns}\0".encode("utf-8", "surrogateescape"))
    return h.hexdigest()[:20]


def _encode(node: Expr) -> dict[str, Any]:
    out: dict[str, Any] = {"node": type(node).__name__}
    for field in dataclasses.fields(node):
        value = getattr(node, field.name)
        if isinstance(value, Expr):
            value = _encode(value)
        elif isinstance(value, tuple):
            value = [_encode(item) for item in value]
        elif isinstance(value, date):  # a date literal
            value = value.isoformat()
        out[field.name] = value
    return out


def _decode(data: Any) -> Expr:
    cls = _NODES[data["node"]]
    values: dict[str, Any] = {}
    for field in dataclasses.fields(cls):
        value = data[field.name]
        if isinstance(value, dict):
            value = _decode(value)
        elif isinstance(value, list):
            value = tuple(_decode(item) for item in value)
        values[field.name] = value
    if cls is syntax.Literal and values["kind"] == "date":
        values["value"] = date.fromisoformat(values["value"])
    return cls(**values)
