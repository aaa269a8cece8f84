"""Which files a rules path holds: every YAML file under a directory, or the file named.

Its own module, without the loader's libraries, so that the validate cache can see what
a run would read before deciding whether the loader is needed at all.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ordergate.policy.diagnostics import Diagnostic

YAML_SUFFIXES = (".yaml", ".yml")


def collect_files(
    paths: Sequence[str | os.PathLike[str]],
) -> tuple[list[tuple[Path, str]], list[Diagnostic]]:
    """(absolute path, display name) of every YAML file under ``paths``, sorted."""
    found: list[tuple[Path, str]] = []
    problems: list[Diagnostic] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                rel = f.relative_to(p)
                if (
                    f.is_file()
                    and f.suffix in YAML_SUFFIXES
                    and not any(part.startswith(".") for part in rel.parts)
                ):
                    found.append((f, str(f)))
        elif p.is_file():
            found.append((p, str(p)))
        else:
            from ordergate.policy.diagnostics import Diagnostic  # dataclasses: not on a cache hit

            problems.append(
                Diagnostic(str(raw), 1, 1, "error", "no-such-path", f"{raw}: no such file or directory")
            )
    return found, problems
