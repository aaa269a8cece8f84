"""Test-only crash points: ``ORDERGATE_FAULT=<point>`` ends the process there at once.

``os._exit`` skips every cleanup, as SIGKILL would, so a test can prove that nothing
committed before the point is lost and nothing after it is half-done. Points:
``order_committed`` (the order and its idempotency record are committed, the broker has
not seen the order) and ``fill_received`` (a broker's fill report arrived, not booked).
"""

from __future__ import annotations

import os

_POINT = os.environ.get("ORDERGATE_FAULT")


def fault_point(point: str) -> None:
    if point == _POINT:
        os._exit(1)
