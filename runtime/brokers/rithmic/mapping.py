"""Between R|Protocol fields and the brokers package's types, both directions.

The simulator builds order notifications (351 Rithmic, 352 exchange) and PnL rows (450,
451) from the simulated exchange's orders, fills and accounts; the client reads the same
messages back into ``OrderUpdate``, ``Fill``, ``BrokerOrder``, positions and balances.
Keeping both directions in one module is what keeps them the mirror of each other.

Order states: a 352 ``STATUS`` with status ``open`` (or a 351 ``OPEN``) is the
acknowledgement (``working``); ``FILL`` is an execution, and the order is ``filled`` when
``total_unfilled_size`` reaches 0, else ``partially_filled``; ``CANCEL`` is ``cancelled``;
``REJECT`` is ``rejected``. A 351 ``COMPLETE`` carries the end in ``completion_reason``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final

from ordergate.policy import symbol_root
from ordergate.runtime.brokers.types import BrokerOrder, BrokerOrderStatus, Fill, OrderUpdate

# Client ids the simulator gives orders nobody tagged (exit position, an untagged 312):
# they are never sent back as a user_tag.
INTERNAL = "~"
BUY, SELL = 1, 2
LIMIT, MARKET, STOP_LIMIT, STOP_MARKET = 1, 2, 3, 4
DAY = 1
AUTO = 2
PRICE_TYPES: Final = {"limit": LIMIT, "market": MARKET, "stop_limit": STOP_LIMIT, "stop": STOP_MARKET}
ORDER_TYPES: Final = {v: k for k, v in PRICE_TYPES.items()}

# bracket_type of a leg the gateway released from a bracket order (330)
BRACKET_TARGET, BRACKET_STOP = 2, 1
# 351 notify types
R_OPEN, R_COMPLETE = 13, 15
# 352 notify types
X_STATUS, X_CANCEL, X_FILL, X_REJECT = 1, 3, 5, 6

_REASON_STATUS: Final[dict[str, BrokerOrderStatus]] = {
    "fill": "filled",
    "cancel": "cancelled",
    "reject": "rejected",
    "expire": "expired",
}


def side_code(side: str) -> int:
    return BUY if side == "buy" else SELL


def side_of(code: int) -> str:
    return "buy" if code == BUY else "sell"


def ssboe_usecs(ts: float) -> dict[str, int]:
    return {"ssboe": int(ts), "usecs": round(ts % 1 * 1e6) % 1_000_000}


def ts_of(message: Any, fallback: float) -> float:
    ssboe = getattr(message, "ssboe", 0)
    return float(ssboe) + getattr(message, "usecs", 0) / 1e6 if ssboe else fallback


# ---------------------------------------------------------------- server side: build


def order_fields(order: BrokerOrder, exchange: str, ids: Mapping[str, object]) -> dict[str, object]:
    """The identity fields every notification of ``order`` carries."""
    fields: dict[str, object] = {
        **ids,
        "basket_id": order.broker_order_id,
        "account_id": order.account,
        "symbol": order.symbol,
        "exchange": exchange,
        "trade_exchange": exchange,
        "trade_route": "simulator",
        "quantity": order.qty,
        "transaction_type": side_code(order.side),
        "duration": DAY,
        "price_type": PRICE_TYPES.get(order.type, MARKET),
        "manual_or_auto": AUTO,
        "instrument_type": "Future",
        "total_fill_size": order.filled_qty,
        "total_unfilled_size": order.qty - order.filled_qty
        if order.status in ("working", "partially_filled")
        else 0,
    }
    if order.order_id and not order.order_id.startswith(INTERNAL):
        fields["user_tag"] = order.order_id
    if order.price is not None:
        fields["price"] = order.price
    if order.stop_price is not None:
        fields["trigger_price"] = order.stop_price
    return fields


def order_notifications(
    order: BrokerOrder, base: dict[str, object], now: float
) -> list[tuple[int, dict[str, object]]]:
    """351 and 352 frames for an order that changed state (not a fill: see ``fill_notifications``)."""
    stamp = ssboe_usecs(now)
    if order.status == "working":
        return [
            (351, {**base, **stamp, "notify_type": R_OPEN, "status": "open"}),
            (
                352,
                {
                    **base,
                    **stamp,
                    "notify_type": X_STATUS,
                    "status": "open",
                    "report_type": "status",
                    "confirmed_size": order.qty,
                },
            ),
        ]
    reason = {"cancelled": "Cancel", "rejected": "Reject", "expired": "Expire"}.get(order.status)
    if reason is None:
        return []
    text = order.reason or reason.lower()
    complete = (
        351,
        {
            **base,
            **stamp,
            "notify_type": R_COMPLETE,
            "status": "complete",
            "completion_reason": reason,
            "text": text,
        },
    )
    if order.status == "cancelled":
        exchange_msg = {
            "notify_type": X_CANCEL,
            "report_type": "cancel",
            "cancelled_size": order.qty - order.filled_qty,
        }
    else:
        exchange_msg = {
            "notify_type": X_REJECT if order.status == "rejected" else X_STATUS,
            "report_type": order.status,
        }
    return [(352, {**base, **stamp, **exchange_msg, "status": "complete", "text": text}), complete]


def fill_notifications(
    fill: Fill, order: BrokerOrder, base: dict[str, object], avg: float
) -> list[tuple[int, dict[str, object]]]:
    when = datetime.fromtimestamp(fill.ts, UTC)
    filled = order.status == "filled"
    frames: list[tuple[int, dict[str, object]]] = [
        (
            352,
            {
                **base,
                **ssboe_usecs(fill.ts),
                "notify_type": X_FILL,
                "report_type": "fill",
                "status": "complete" if filled else "open",
                "fill_price": fill.price,
                "fill_size": fill.qty,
                "fill_id": fill.fill_id,
                "fill_time": when.strftime("%H:%M:%S"),
                "fill_date": when.strftime("%Y%m%d"),
                "avg_fill_price": avg,
            },
        )
    ]
    if filled:
        frames.append(
            (
                351,
                {
                    **base,
                    **ssboe_usecs(fill.ts),
                    "notify_type": R_COMPLETE,
                    "status": "complete",
                    "completion_reason": "Fill",
                    "avg_fill_price": avg,
                },
            )
        )
    return frames


def money(value: float) -> str:
    return f"{value:.2f}"


# ---------------------------------------------------------------- client side: read


def order_status(message: Any) -> BrokerOrderStatus | None:
    """The state a 351 or 352 puts its order in; None when it says nothing about it."""
    template = message.template_id
    notify = message.notify_type
    if template == 352:
        if notify == X_FILL:
            return "filled" if message.total_unfilled_size == 0 else "partially_filled"
        if notify == X_CANCEL:
            return "cancelled"
        if notify == X_REJECT:
            return "rejected"
        if notify == X_STATUS and message.status == "open":
            return "partially_filled" if message.total_fill_size else "working"
        return None
    if notify == R_OPEN:
        return "working"
    if notify == R_COMPLETE:
        return _REASON_STATUS.get(message.completion_reason.lower())
    return None


def order_update(message: Any, now: float) -> OrderUpdate | None:
    status = order_status(message)
    if status is None or status in ("filled", "partially_filled"):
        return None  # executions travel as Fill events
    reason = (
        (message.text or message.report_text or None)
        if status in ("cancelled", "rejected", "expired")
        else None
    )
    return OrderUpdate(
        message.account_id, message.user_tag or None, message.basket_id, status, reason, ts_of(message, now)
    )


def fill_of(message: Any, now: float) -> Fill | None:
    if message.template_id != 352 or message.notify_type != X_FILL or message.fill_size <= 0:
        return None
    price = message.fill_price
    if not math.isfinite(price) or price <= 0:
        return None
    return Fill(
        message.account_id,
        message.user_tag or None,
        symbol_root(message.symbol),
        message.symbol,
        side_of(message.transaction_type),
        message.fill_size,
        price,
        ts_of(message, now),
        message.fill_id or f"{message.basket_id}:{message.total_fill_size}",
        message.basket_id,
    )


def broker_order(message: Any) -> BrokerOrder:
    status = order_status(message) or "working"
    return BrokerOrder(
        message.account_id,
        message.user_tag or None,
        message.basket_id,
        symbol_root(message.symbol),
        message.symbol,
        side_of(message.transaction_type),
        message.quantity,
        message.total_fill_size,
        status,
        ORDER_TYPES.get(message.price_type, "market"),
        message.price if message.HasField("price") else None,
        message.trigger_price if message.HasField("trigger_price") else None,
    )


def number(text: str, default: float = 0.0) -> float:
    """A money string of a 451 (``"50000.00"``) as a float; a bad one is ``default``."""
    try:
        value = float(text)
    except (TypeError, ValueError):
        return default
    return value if math.isfinite(value) else default


def now() -> float:
    return time.time()
