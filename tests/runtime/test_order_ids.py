"""Order ids keep their shape (``og-`` and 16 hex digits) and never repeat, within a
process or across processes (a restart, another instance on the same store)."""

from __future__ import annotations

import re
import subprocess
import sys

from ordergate.runtime.core import Core

SHAPE = re.compile(r"og-[0-9a-f]{16}")


def test_ids_have_the_shape_clients_see_and_do_not_repeat_in_a_process() -> None:
    ids = [Core.new_id() for _ in range(20_000)]
    assert all(SHAPE.fullmatch(i) for i in ids)
    assert len(set(ids)) == len(ids)


def test_each_process_starts_its_ids_somewhere_else() -> None:
    script = "from ordergate.runtime.core import Core; print(*(Core.new_id() for _ in range(1000)))"
    runs = [
        set(
            subprocess.run(
                [sys.executable, "-c", script], capture_output=True, text=True, check=True
            ).stdout.split()
        )
        for _ in range(3)
    ]
    assert all(len(run) == 1000 and all(SHAPE.fullmatch(i) for i in run) for run in runs)
    here = {Core.new_id() for _ in range(1000)}
    assert not (runs[0] & runs[1] or runs[0] & runs[2] or runs[1] & runs[2] or here & runs[0])
