"""The last resort: an exception escaping the loader becomes a diagnostic on its file.

Every problem in a rules file is meant to be found by a stage and said as a
diagnostic; an exception escaping ``check_bundle`` is a bug in ordergate, not in the
file. Until such a bug is fixed it must not take down `ordergate validate` or a
reload with a traceback: ``guarded`` runs the check and, if it raises, checks the
files one by one to find those that make it raise. Each gets an ``internal-error``
diagnostic naming the exception; the other files are checked together as usual, so
their diagnostics are all still reported. The traceback goes to the debug log.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from ordergate.policy.diagnostics import Diagnostic, sort_key

B = TypeVar("B")
PathArg = str | os.PathLike[str]
Check = Callable[[Sequence[PathArg]], tuple[B | None, list[Diagnostic]]]
Files = Callable[[Sequence[PathArg]], list[tuple[Path, str]]]

LOGGER = "ordergate.policy"  # logging is imported only when there is something to log
_MESSAGE_CHARS = 200  # an exception's text can be as long as the input that caused it


def guarded(check: Check[B], files_of: Files, paths: Sequence[PathArg]) -> tuple[B | None, list[Diagnostic]]:
    """``check(paths)``, with any exception it raises turned into diagnostics."""
    try:
        return check(paths)
    except Exception as exc:  # the last resort itself: see the module docstring
        first = exc
        import logging

        logging.getLogger(LOGGER).debug("checking %s raised", ", ".join(map(str, paths)), exc_info=True)
    files = files_of(paths)
    culprits: list[Diagnostic] = []
    for path, display in files:
        try:
            check([path])
        except Exception as exc:
            culprits.append(internal_error(display, exc))
    if not culprits:  # the files raise only together: say so on the first of them
        where = files[0][1] if files else ", ".join(map(str, paths))
        return None, [internal_error(where, first, together=len(files) > 1)]
    blamed = {d.file for d in culprits}
    rest = [path for path, display in files if display not in blamed]
    bundle: B | None = None
    diagnostics: list[Diagnostic] = []
    if rest:
        try:
            bundle, diagnostics = check(rest)
        except Exception as exc:
            diagnostics = [internal_error(", ".join(str(p) for p in rest), exc, together=True)]
    return bundle, sorted([*diagnostics, *culprits], key=sort_key)


def internal_error(where: str, exc: BaseException, *, together: bool = False) -> Diagnostic:
    text = str(exc)
    if len(text) > _MESSAGE_CHARS:
        text = text[:_MESSAGE_CHARS] + "…"
    what = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    scope = "these files together" if together else "this file"
    return Diagnostic(
        where,
        1,
        1,
        "error",
        "internal-error",
        f"ordergate failed while loading {scope} ({what})",
        hint="this is a bug in ordergate, not in the file; please report it with the file",
    )
