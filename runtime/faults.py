"""Test-only crash points: ``ORDERGATE_FAULT=<point>`` ends the process there at once.

``os._exit`` skips every cleanup, as SIGKILL would, so a test can prove that nothing
committed before the point is lost and nothing after it is half-done. Points:
``order_committed`` (the order and its idempotency record are committed, the broker has
not seen the order) and ``fill_received`` (a broker's fill report arrived, not booked);
for vault rotation ``vault-after-new-key`` (the new key is on disk as master.key.next,
nothing re-sealed), ``vault-after-commit`` (every record re-sealed under it, the key
files not yet swapped) and ``vault-after-promote`` (master.key replaced, master.key.old
not yet removed).
"""

from __future__ import annotations

import os

_POINT = os.environ.get("ORDERGATE_FAULT")


def fault_point(point: str) -> None:
    if point == _POINT:
        os._exit(1)
