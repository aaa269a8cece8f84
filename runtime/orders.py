"""The order state table: every order the runtime sends moves through it.

Theory of operation. An order is ``submitted`` when its row (and its idempotency record)
is committed, before the broker sees it. The broker's acknowledgement makes it
``working``; fills make it ``partially_filled`` and, when they add up to its quantity,
``filled`` (the event is ``fill`` for a part that leaves quantity open and
``fill_final`` for the one that completes it). A cancel confirmed by the broker makes it
``cancelled``, a refusal ``rejected``, the end of its time in force ``expired``. When
the broker does not answer the order in time (``time_out``) it is ``unconfirmed``: it may
yet reach the market, and the next acknowledgement, fill or reconciliation says what
became of it.

Brokers report in any order, and sometimes twice: a fill may come before the
acknowledgement of its order (an instant paper fill), the acknowledgement after the
last fill, a cancel confirmation after a reconnect has already applied it. Those late or
repeated events leave the state as it is. A fill that arrives after the cancel
confirmation happened all the same: it is booked and the order stays ``cancelled`` with
its filled quantity. Anything else (a fill on a rejected order, an acknowledgement of a
cancelled one) raises IllegalOrderTransition naming the state and the event.

Fills are applied once each, keyed by the broker's fill id (the store refuses a second
row with the same id), and never beyond the order's quantity.
"""

from __future__ import annotations

from typing import Any

STATES = (
    "submitted",
    "working",
    "partially_filled",
    "filled",
    "cancelled",
    "rejected",
    "expired",
    "unconfirmed",
)
EVENTS = ("acknowledge", "fill", "fill_final", "cancel", "reject", "expire", "time_out")
OPEN = ("submitted", "working", "partially_filled", "unconfirmed")
# what a broker's report of an order's status means for this table (an order update, or
# an order found at reconciliation); fills come as fills, so "filled" only acknowledges
BROKER_STATUS_EVENTS = {
    "working": "acknowledge",
    "partially_filled": "acknowledge",
    "filled": "acknowledge",
    "cancelled": "cancel",
    "rejected": "reject",
    "expired": "expire",
}
TERMINAL = ("filled", "cancelled", "rejected", "expired")

_LIVE = {"fill": "partially_filled", "fill_final": "filled", "cancel": "cancelled", "expire": "expired"}

TRANSITIONS: dict[str, dict[str, str]] = {
    "submitted": {**_LIVE, "acknowledge": "working", "reject": "rejected", "time_out": "unconfirmed"},
    "unconfirmed": {**_LIVE, "acknowledge": "working", "reject": "rejected", "time_out": "unconfirmed"},
    "working": {**_LIVE, "acknowledge": "working", "reject": "rejected", "time_out": "working"},
    "partially_filled": {**_LIVE, "acknowledge": "partially_filled", "time_out": "partially_filled"},
    # late and repeated reports of an order that is done leave it as it is
    "filled": {"acknowledge": "filled", "time_out": "filled"},
    "cancelled": {
        "cancel": "cancelled",
        "fill": "cancelled",
        "fill_final": "cancelled",
        "time_out": "cancelled",
    },
    "expired": {"expire": "expired", "fill": "expired", "fill_final": "expired", "time_out": "expired"},
    "rejected": {"reject": "rejected", "time_out": "rejected"},
}


class IllegalOrderTransition(Exception):
    def __init__(self, state: str, event: str, detail: str = "") -> None:
        super().__init__(f"an order that is {state} cannot take the event {event!r}{detail}")
        self.state = state
        self.event = event


def next_state(state: str, event: str) -> str:
    try:
        return TRANSITIONS[state][event]
    except KeyError:
        raise IllegalOrderTransition(state, event) from None


def is_open(view: dict[str, Any]) -> bool:
    return view["status"] in OPEN


def apply_event(view: dict[str, Any], event: str, *, reason: str | None = None) -> dict[str, Any]:
    """The order's view after ``event`` (not a fill: see ``apply_fill``); a new dict."""
    return moved(view, event, next_state(view["status"], event), reason)


def moved(view: dict[str, Any], event: str, status: str, reason: str | None = None) -> dict[str, Any]:
    """``apply_event`` for a caller that has asked ``next_state`` already: ``status``."""
    out = {**view, "status": status}
    if reason and event in ("cancel", "reject", "expire", "time_out") and status != view["status"]:
        out["reason"] = reason
    return out


def apply_fill(view: dict[str, Any], qty: int, price: float) -> dict[str, Any]:
    """The order's view after a fill of ``qty`` at ``price``; a new dict.

    IllegalOrderTransition when the order cannot take a fill, or when the fill would
    take its filled quantity past the order's.
    """
    filled = int(view.get("filled_qty") or 0) + qty
    if filled > int(view["qty"]):
        raise IllegalOrderTransition(
            view["status"], "fill", f": {filled} filled would exceed the order's {view['qty']}"
        )
    status = next_state(view["status"], "fill_final" if filled == int(view["qty"]) else "fill")
    fills = [*view.get("fills", ()), {"qty": qty, "price": price}]
    # an order's first fill (most often its only one): the sum of one term is the term
    paid = qty * price if len(fills) == 1 else sum(f["qty"] * f["price"] for f in fills)
    return {
        **view,
        "status": status,
        "fills": fills,
        "filled_qty": filled,
        "avg_fill_price": round(paid / filled, 10),
    }
