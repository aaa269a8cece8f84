"""Test-only fault points: a process that dies exactly where a test says.

Crash-safety claims ("a kill at any step loses nothing") are tested by killing real
processes at the named step: with ``ORDERGATE_FAULT=vault-after-commit`` (several
names separated by commas) the process ends at once with ``os._exit``, without
unwinding, flushing or closing anything, as a SIGKILL or a power cut would leave it.
Unset, a fault point costs one dictionary lookup.
"""

from __future__ import annotations

import os

ENV = "ORDERGATE_FAULT"
EXIT_STATUS = 86  # distinct, so a test can tell the planned death from a crash


def fault_point(name: str) -> None:
    wanted = os.environ.get(ENV)
    if wanted and name in wanted.split(","):
        os._exit(EXIT_STATUS)
