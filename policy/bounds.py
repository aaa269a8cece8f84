"""The input bounds of DESIGN §9, and where in a YAML file an alias passes them.

A rules file reaches the engine from a pull request or a hot reload, so nothing in it
may take the process down: past any of these bounds the loader reports one diagnostic
at file:line:col and stops reading that document (or file), instead of spending
memory or time on it.

The alias bound is enforced while the document is built (``source._Builder`` counts
every node it builds a second time through an alias). PyYAML's nodes do not remember
where the alias that reused them was written, so when the bound trips we read the
file's event stream once more, here, to point at the alias itself.
"""

from __future__ import annotations

from typing import Any

import yaml

MAX_FILE_BYTES = 1 << 20  # 1 MiB
MAX_ALIAS_NODES = 10_000  # nodes an alias may add to one document, all aliases together
MAX_DEPTH = 64  # nested mappings and lists in a document; nested operations in an expression
MAX_NUMBER_DIGITS = 30  # digits before the decimal point of a number literal
MAX_EXPRESSION_CHARS = 4096

# the diagnostic codes of a file or document past one of the bounds above
CODES = frozenset({"file-too-large", "alias-expansion", "alias-cycle", "too-deep", "number-too-long"})

try:  # the same parser the loader uses, so the events match its nodes
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader


def alias_mark(text: str, document: int, *, cycle: bool) -> Any | None:
    """The mark of the first alias in ``document`` that refers to a node it sits inside
    (``cycle``), or else the first at which aliases have added more than MAX_ALIAS_NODES
    nodes. None if the event stream shows neither (the caller then uses the node)."""
    index = -1
    sizes: dict[str, int] = {}  # anchor -> nodes its node expands to
    opened: list[tuple[str | None, int]] = []  # collections being read: (anchor, count at start)
    open_anchors: set[str] = set()
    count = added = 0
    loader = _Loader(text)
    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, yaml.DocumentStartEvent):
                index += 1
                sizes, opened, open_anchors, count, added = {}, [], set(), 0, 0
            elif index != document:
                continue
            elif isinstance(event, yaml.AliasEvent):
                if event.anchor in open_anchors:
                    if cycle:
                        return event.start_mark
                    continue
                size = sizes.get(event.anchor or "", 1)
                count += size
                added += size
                if not cycle and added > MAX_ALIAS_NODES:
                    return event.start_mark
            elif isinstance(event, yaml.ScalarEvent):
                count += 1
                if event.anchor:
                    sizes[event.anchor] = 1
            elif isinstance(event, yaml.CollectionStartEvent):
                count += 1
                opened.append((event.anchor, count - 1))
                if event.anchor:
                    open_anchors.add(event.anchor)
            elif isinstance(event, yaml.CollectionEndEvent):
                anchor, start = opened.pop()
                if anchor:
                    sizes[anchor] = count - start
                    open_anchors.discard(anchor)
            elif isinstance(event, yaml.DocumentEndEvent) and index == document:
                return None
    except yaml.YAMLError:  # pragma: no cover - the file composed once already
        return None
    finally:
        loader.dispose()
    return None
