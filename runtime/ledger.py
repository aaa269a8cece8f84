"""Booking fills: the account book, the order and the store move together, once per fill.

A fill is booked in one transaction: its row (refused when the broker's fill id is
booked already, which makes a repeated report a no-op), the position, the balance and
the order it belongs to. Memory changes only after the commit, so a fill that cannot be
stored is not half-applied.

The fill id is checked before the fill's effect on its order is judged: reconciliation
replays the broker's recent fills, and a replayed fill of an order that is filled by now
is simply a fill seen before, not an error. A new fill the order cannot take rolls its
row back and is reported.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from ordergate.policy.orders import Position
from ordergate.runtime import logs, orders
from ordergate.runtime.book import AccountState, FillEffect, apply_fill
from ordergate.runtime.brokers.types import Fill
from ordergate.runtime.core import Core
from ordergate.runtime.faults import fault_point
from ordergate.runtime.prices import PriceError, check_price, refuse
from ordergate.runtime.store import FillRow

log = logging.getLogger("ordergate.ledger")


def book_fill(core: Core, fill: Fill) -> float | None:
    """Apply a fill to its account and order; the P&L it realized, or None when it was
    not booked (a fill id seen before, an unknown account, a price or size refused)."""
    fault_point("fill_received")
    state = core.accounts.get(fill.account)
    if state is None:
        return None
    try:
        check_price(fill.price, "price")
    except PriceError as exc:
        refuse(core.metrics, "broker", exc, f"fill {fill.fill_id or fill.order_id} on {fill.account}")
        return None
    if fill.qty <= 0:
        log.warning("%s: a fill of %s contracts refused (fill %s)", fill.account, fill.qty, fill.fill_id)
        return None
    view = core.orders.find(fill.order_id, fill.broker_order_id)
    new_view = None
    refused: orders.IllegalOrderTransition | None = None
    if view is not None and view.get("status") != "held":
        try:
            new_view = orders.apply_fill(view, fill.qty, fill.price)
            if fill.broker_order_id and not new_view.get("broker_order_id"):
                new_view["broker_order_id"] = fill.broker_order_id
        except orders.IllegalOrderTransition as exc:
            refused = exc  # judged once the fill id is known to be new
    now = core.now()
    state.roll(now)
    holding, effect = apply_fill(state.holdings.get(fill.root), fill.root, fill.side, fill.qty, fill.price)
    try:
        booked = _store_fill(core, fill, refused, new_view, holding, effect)
    except _OrderRefusedFill:
        # the position is the broker's truth and reconciliation adopts it; the order
        # keeps what it can honestly say
        order = view["id"] if view is not None else fill.order_id
        log.error("%s: fill %s not booked against order %s: %s", fill.account, fill.fill_id, order, refused)
        core.bus.publish(
            "fill_refused", {"account": fill.account, "fill_id": fill.fill_id, "error": str(refused)}
        )
        return None
    if not booked:
        log.debug("%s: fill %s booked before, nothing changes", fill.account, fill.fill_id)
        return None
    _apply(core, fill, state, new_view, holding, effect)
    return effect.realized


class _OrderRefusedFill(Exception):
    """A new fill its order cannot take: raised inside the transaction to roll its row back."""


def _store_fill(
    core: Core,
    fill: Fill,
    refused: orders.IllegalOrderTransition | None,
    new_view: dict[str, Any] | None,
    holding: Position | None,
    effect: FillEffect,
) -> bool:
    """Write the fill, the position, the balance and the order in one transaction; False
    when the fill id was booked before (nothing written)."""
    state = core.accounts[fill.account]
    with core.store.transaction():
        row = FillRow(
            fill.account,
            fill.order_id,
            fill.ts,
            fill.root,
            fill.side,
            fill.qty,
            fill.price,
            effect.realized,
            effect.entry,
            state.day,
            state.week,
            fill.fill_id or None,
        )
        if not core.store.add_fill(row):
            return False  # booked before: a repeated report changes nothing
        if refused is not None:
            raise _OrderRefusedFill
        core.store.set_position(
            fill.account, fill.root, holding.qty if holding else 0, holding.avg_price if holding else 0.0
        )
        balance = state.balance + effect.realized
        core.store.update_account(
            fill.account,
            balance=balance,
            peak_equity=state.peak_equity,
            eod_peak=state.eod_peak,
            day=state.day,
        )
        if new_view is not None:
            core.orders.save(new_view)
    return True


def _apply(
    core: Core,
    fill: Fill,
    state: AccountState,
    new_view: dict[str, Any] | None,
    holding: Position | None,
    effect: FillEffect,
) -> None:
    """Memory follows the committed fill: the account book, the order, and who is told."""
    if holding is None:
        state.holdings.pop(fill.root, None)
    else:
        state.holdings[fill.root] = holding
    state.balance += effect.realized
    state.daily_realized += effect.realized
    state.weekly_realized += effect.realized
    if effect.entry:
        state.daily_trades += 1
        state.weekly_trades += 1
    core.positions_pending.add(fill.account)
    if new_view is not None:
        core.orders.changed(new_view, commit=False)
    core.metrics.fills.inc()
    for listener in core.fill_listeners:
        listener(fill, effect.entry)
    core.bus.publish(
        "fill",
        {
            "account": fill.account,
            "order_id": fill.order_id,
            "fill_id": fill.fill_id or None,
            "symbol": fill.symbol,
            "side": fill.side,
            "qty": fill.qty,
            "price": fill.price,
            "realized": round(effect.realized, 2),
            "time": datetime.fromtimestamp(fill.ts, UTC).isoformat(),
        },
    )
    logs.fill(fill.account, fill.order_id, fill.symbol, fill.side, fill.qty, fill.price, effect.realized)
