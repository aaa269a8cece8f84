"""Booking fills: the account book and the store move together, in one transaction."""

from __future__ import annotations

from datetime import UTC, datetime

from ordergate.runtime.book import apply_fill
from ordergate.runtime.brokers.base import Fill
from ordergate.runtime.core import Core
from ordergate.runtime.store import FillRow


def book_fill(core: Core, fill: Fill) -> float:
    """Apply a fill to its account; returns the P&L it realized."""
    state = core.accounts.get(fill.account)
    if state is None:
        return 0.0
    now = core.now()
    state.roll(now)
    holding, effect = apply_fill(state.holdings.get(fill.root), fill.root, fill.side, fill.qty, fill.price)
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
    with core.store.transaction():
        core.store.add_fill(
            FillRow(
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
            )
        )
        core.store.set_position(
            fill.account, fill.root, holding.qty if holding else 0, holding.avg_price if holding else 0.0
        )
        core.store.update_account(
            fill.account,
            balance=state.balance,
            peak_equity=state.peak_equity,
            eod_peak=state.eod_peak,
            day=state.day,
        )
    core.metrics.fills.inc()
    for listener in core.fill_listeners:
        listener(fill, effect.entry)
    core.bus.publish(
        "fill",
        {
            "account": fill.account,
            "order_id": fill.order_id,
            "symbol": fill.symbol,
            "side": fill.side,
            "qty": fill.qty,
            "price": fill.price,
            "realized": round(effect.realized, 2),
            "time": datetime.fromtimestamp(fill.ts, UTC).isoformat(),
        },
    )
    return effect.realized
