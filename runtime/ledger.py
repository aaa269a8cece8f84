"""Booking fills: the account book, the order and the store move together, once per fill.

A fill is booked in one transaction: its row (refused when the broker's fill id is
booked already, which makes a repeated report a no-op), the position, the balance and
the order it belongs to. Memory changes only after the commit, so a fill that cannot be
stored is not half-applied.

The fill id is checked before the fill's effect on its order is judged: reconciliation
replays the broker's recent fills, and a replayed fill of an order that is filled by now
is simply a fill seen before, not an error. A new fill the order cannot take rolls its
row back and is reported.

A fill a broker reports (``book_reported_fill``) may instead be written by the group
commit of the orders sent with it (runtime/group_commit.py): judged now, written by
the group's flush, applied and told only once that has committed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from ordergate.policy.orders import Position
from ordergate.policy.timefmt import utc_text
from ordergate.runtime import logs, orders
from ordergate.runtime.book import AccountState, FillEffect, apply_fill
from ordergate.runtime.brokers.types import Fill
from ordergate.runtime.core import Core
from ordergate.runtime.faults import fault_point
from ordergate.runtime.prices import PriceError, check_price, refuse
from ordergate.runtime.store import FillRow

log = logging.getLogger("ordergate.ledger")


@dataclass(slots=True)
class _Booking:
    """A fill judged against the book as it is: what booking it would write and change."""

    fill: Fill
    state: AccountState
    view: dict[str, Any] | None  # its order as it was
    new_view: dict[str, Any] | None  # its order with the fill
    refused: orders.IllegalOrderTransition | None  # the order cannot take it (if it is new)
    holding: Position | None
    effect: FillEffect


def book_fill(core: Core, fill: Fill) -> float | None:
    """Apply a fill to its account and order; the P&L it realized, or None when it was
    not booked (a fill id seen before, an unknown account, a price or size refused)."""
    fault_point("fill_received")
    return _book_now(core, fill)


def _book_now(core: Core, fill: Fill) -> float | None:
    if core.commits is not None:
        core.commits.settle()  # a fill of this account may wait for a group's commit
    booking = _judge(core, fill)
    return None if booking is None else _book_judged(core, booking)


def _book_judged(core: Core, booking: _Booking) -> float | None:
    """Book a judged fill in a transaction of its own, now."""
    try:
        with core.store.transaction():
            booked = _write(core, booking)
    except _OrderRefusedFill:
        _refused(core, booking)
        return None
    return _committed(core, booking, booked)


def book_reported_fill(core: Core, fill: Fill) -> None:
    """A fill a broker reported: booked with the group being committed when others are
    likely to join it (runtime/group_commit.py), else at once as ``book_fill`` books.
    Until the group commits, nothing shows the fill: not the book, not its order's
    answer, not the event stream."""
    fault_point("fill_received")
    commits = core.commits
    if commits is None or commits.holds(fill.account):
        _book_now(core, fill)
        return
    booking = _judge(core, fill)
    if booking is None:
        return
    if booking.refused is not None:  # rare; it rolls its own row back, so on its own
        commits.settle()
        _book_judged(core, booking)
        return
    booked = False

    def writes() -> None:
        nonlocal booked
        booked = _write(core, booking)

    def after(committed: bool) -> None:
        if committed:
            _committed(core, booking, booked)
        else:
            # nothing of it is stored or shown; the broker still has it, and
            # reconciliation books it (as after a crash between fill and booking)
            log.error("%s: fill %s not booked: its group's commit failed", fill.account, fill.fill_id)

    if not commits.defer(fill.account, writes, after):
        _book_judged(core, booking)  # nothing is pending: no group to wait for


def _committed(core: Core, booking: _Booking, booked: bool) -> float | None:
    """Memory follows a committed booking; the P&L it realized, or None for a fill id
    booked before (nothing was written, nothing changes)."""
    if not booked:
        log.debug("%s: fill %s booked before, nothing changes", booking.fill.account, booking.fill.fill_id)
        return None
    _apply(core, booking)
    return booking.effect.realized


def _judge(core: Core, fill: Fill) -> _Booking | None:
    """The fill against the book as it is now; None when it cannot be booked at all (an
    unknown account, a price or size refused)."""
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
    return _Booking(fill, state, view, new_view, refused, holding, effect)


def _refused(core: Core, booking: _Booking) -> None:
    # the position is the broker's truth and reconciliation adopts it; the order keeps
    # what it can honestly say
    fill = booking.fill
    order = booking.view["id"] if booking.view is not None else fill.order_id
    log.error(
        "%s: fill %s not booked against order %s: %s", fill.account, fill.fill_id, order, booking.refused
    )
    core.bus.publish(
        "fill_refused", {"account": fill.account, "fill_id": fill.fill_id, "error": str(booking.refused)}
    )


class _OrderRefusedFill(Exception):
    """A new fill its order cannot take: raised inside the transaction to roll its row back."""


def _write(core: Core, booking: _Booking) -> bool:
    """Write the fill, the position, the balance and the order (inside the caller's
    transaction); False when the fill id was booked before (nothing written)."""
    fill, state, holding, effect = booking.fill, booking.state, booking.holding, booking.effect
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
    store = core.store
    if not store.add_fill(row):
        return False  # booked before: a repeated report changes nothing
    if booking.refused is not None:
        raise _OrderRefusedFill
    store.set_position(
        fill.account, fill.root, holding.qty if holding else 0, holding.avg_price if holding else 0.0
    )
    # written with every fill; after one that realizes nothing they are as they were, and
    # the SQLite store skips rewriting a row unchanged (runtime/store/sqlite.py)
    store.update_account(
        fill.account,
        balance=state.balance + effect.realized,
        peak_equity=state.peak_equity,
        eod_peak=state.eod_peak,
        day=state.day,
    )
    if booking.new_view is not None:
        core.orders.save(booking.new_view)
    return True


def _apply(core: Core, booking: _Booking) -> None:
    """Memory follows the committed fill: the account book, the order, and who is told."""
    fill, state, new_view = booking.fill, booking.state, booking.new_view
    holding, effect = booking.holding, booking.effect
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
            "time": utc_text(fill.ts),
        },
    )
    logs.fill(fill.account, fill.order_id, fill.symbol, fill.side, fill.qty, fill.price, effect.realized)
