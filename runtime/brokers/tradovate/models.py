"""Tradovate's vocabulary and ours: order statuses, actions, order types, times.

Shared by the adapter (reading entities) and the simulator (writing them), so the two
can never disagree on a spelling (protocols/brokers.md §1.3).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Final

from ordergate.runtime.brokers.types import BrokerOrderStatus

# ordStatus → ours. Pending states are the broker still deciding: the order is working.
ORD_STATUS: Final[dict[str, BrokerOrderStatus]] = {
    "PendingNew": "working",
    "Working": "working",
    "PendingReplace": "working",
    "PendingCancel": "working",
    "Suspended": "working",
    "Filled": "filled",
    "Completed": "filled",
    "Canceled": "cancelled",
    "Rejected": "rejected",
    "Expired": "expired",
}
STATUS_OF: Final[dict[str, str]] = {
    "working": "Working",
    "partially_filled": "Working",
    "filled": "Filled",
    "cancelled": "Canceled",
    "rejected": "Rejected",
    "expired": "Expired",
}
ORDER_TYPES: Final[dict[str, str]] = {
    "market": "Market",
    "limit": "Limit",
    "stop": "Stop",
    "stop_limit": "StopLimit",
    "trailing_stop": "TrailingStop",
}
OUR_ORDER_TYPES: Final[dict[str, str]] = {v: k for k, v in ORDER_TYPES.items()}
ACTIONS: Final[dict[str, str]] = {"buy": "Buy", "sell": "Sell"}
SIDES: Final[dict[str, str]] = {"Buy": "buy", "Sell": "sell"}
OPEN_STATUSES: Final = frozenset({"PendingNew", "Working", "PendingReplace", "PendingCancel", "Suspended"})


def iso(ts: float) -> str:
    """Tradovate's timestamps: ISO 8601 in UTC with milliseconds and a Z."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{int(ts * 1000) % 1000:03d}Z"


def epoch(value: Any, default: float = 0.0) -> float:
    if not isinstance(value, str) or not value:
        return default
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return default


def trade_date(ts: float) -> dict[str, int]:
    day = datetime.fromtimestamp(ts, UTC)
    return {"year": day.year, "month": day.month, "day": day.day}
