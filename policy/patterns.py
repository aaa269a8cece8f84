"""Account patterns (DESIGN 4.1 and 10): how specific a glob is, and patterns bound twice.

Patterns are matched case-sensitively with ``fnmatch.fnmatchcase``. Specificity counts
the characters that match only themselves: ``*``, ``?`` and a bracket class ``[...]``
(however many characters it lists) are not literal. The tokenizer follows
``fnmatch.translate``: ``[`` opens a class only when a ``]`` closes it (a ``]`` right
after ``[`` or ``[!`` is a member), otherwise it is a literal ``[``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ordergate.policy.diagnostics import Diagnostic


def literal_chars(pattern: str) -> int | None:
    """The count of literal characters of a glob; None when ``pattern`` has no wildcard
    (an exact id or nickname)."""
    literal = 0
    wild = False
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        i += 1
        if ch in "*?":
            wild = True
        elif ch == "[":
            j = i
            if j < n and pattern[j] == "!":
                j += 1
            if j < n and pattern[j] == "]":
                j += 1
            while j < n and pattern[j] != "]":
                j += 1
            if j >= n:
                literal += 1  # an unclosed '[' matches itself
            else:
                wild = True
                i = j + 1
        else:
            literal += 1
    return literal if wild else None


def duplicate_patterns(policies: Iterable[Any]) -> list[Diagnostic]:
    """An error at every account pattern that an earlier policy already binds.

    ``policies`` are loaded RiskPolicy documents (``name``, ``doc``, ``model``); only a
    policy's own ``spec.accounts`` count, since bindings are not inherited through
    ``extends``. The same pattern twice in one policy is harmless and not reported.
    """
    first: dict[str, tuple[str, Any]] = {}
    out: list[Diagnostic] = []
    for item in policies:
        own: set[str] = set()
        for j, pattern in enumerate(item.model.spec.accounts):
            if pattern in own:
                continue
            own.add(pattern)
            if pattern not in first:
                first[pattern] = (item.name, item.doc.pos(("spec", "accounts", j)))
                continue
            other, where = first[pattern]
            out.append(
                item.doc.source.diagnostic(
                    item.doc.pos(("spec", "accounts", j)),
                    "duplicate-pattern",
                    f"account pattern '{pattern}' is already bound by policy '{other}'; "
                    "an account it matches would have two equally specific policies",
                    hint=f"the first is at {where.file}:{where.line}:{where.col}",
                )
            )
    return out
