"""The account book: each account's live state, and the Snapshot the chain decides on.

Positions, realized P&L (average-cost accounting), entries filled, equity high-water
marks, locks and flags live here in memory; the store holds the same facts durably and
the book is rebuilt from it at start. The trading day and week roll at 18:00 New York.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from math import isfinite
from types import MappingProxyType
from typing import Any

from ordergate.policy import Quote, Snapshot, Working, spec_for
from ordergate.policy.calendar import (
    next_trading_day_start,
    trading_day,
    trading_day_start,
    trading_week_start,
)
from ordergate.policy.orders import Position, unrealized_pnl
from ordergate.policy.quick_init import quick_init
from ordergate.runtime.store import LockRow


@quick_init
@dataclass(frozen=True, slots=True)
class FillEffect:
    realized: float
    entry: bool  # the fill opened or added to a position


def point_value(root: str) -> float:
    spec = spec_for(root)
    return spec.point_value if spec else 1.0


def apply_fill(
    holding: Position | None, root: str, side: str, qty: int, price: float
) -> tuple[Position | None, FillEffect]:
    """The position after a fill and the P&L it realized (average cost)."""
    signed = qty if side == "buy" else -qty
    if holding is None or holding.qty == 0:
        return Position(signed, price, point_value(root)), FillEffect(0.0, True)
    if (holding.qty > 0) == (signed > 0):  # adding
        total = holding.qty + signed
        avg = (holding.avg_price * abs(holding.qty) + price * qty) / abs(total)
        return Position(total, avg, holding.point_value), FillEffect(0.0, True)
    closing = min(qty, abs(holding.qty))
    direction = 1 if holding.qty > 0 else -1
    realized = (price - holding.avg_price) * closing * direction * holding.point_value
    remaining = holding.qty + signed
    if remaining == 0:
        return None, FillEffect(realized, False)
    if (remaining > 0) == (holding.qty > 0):
        return Position(remaining, holding.avg_price, holding.point_value), FillEffect(realized, False)
    return Position(remaining, price, holding.point_value), FillEffect(realized, True)  # reversed


def working_entries(views: Iterable[Mapping[str, Any]]) -> dict[str, Working] | None:
    """The entry contracts still resting at the broker, by root and side (DESIGN 4.3).

    ``views`` are an account's open orders (working at a broker, or held by the runtime
    for managed execution). Each can still fill for what it has not filled yet, so the
    positions stage counts that much against the limits. Exits (allowed because they
    only reduce the position) and bracket legs do not count: they can only close.
    None when nothing rests, so the chain pays nothing for it.
    """
    sides: dict[str, list[int]] = {}
    for view in views:
        if view.get("exit") or view.get("leg"):
            continue
        left = int(view["qty"]) - int(view.get("filled_qty") or 0)
        if left > 0:
            counts = sides.setdefault(view["root"], [0, 0])
            counts[view["side"] != "buy"] += left
    return {root: Working(buy, sell) for root, (buy, sell) in sides.items()} or None


class _TradingDayWindow:
    """The keys of the trading day last asked about, and the instants it runs between.

    Every order and every monitor pass asks for the day; the answer changes only at the
    18:00 New York roll, and working it out takes time-zone arithmetic (~11 µs), so it
    is worked out once per trading day. A week starts at a day's roll, so within one
    day the week key is fixed too.
    """

    __slots__ = ("end", "keys", "start")

    def __init__(self) -> None:
        self.start = self.end = 0.0
        self.keys = ("", "")

    def keys_at(self, now: datetime) -> tuple[str, str]:
        ts = now.timestamp()
        if not self.start <= ts < self.end:
            self.keys = (
                trading_day(now).isoformat(),
                trading_week_start(now).astimezone(UTC).date().isoformat(),
            )
            self.start = trading_day_start(now).timestamp()
            self.end = next_trading_day_start(now).timestamp()
        return self.keys


day_keys = _TradingDayWindow().keys_at


@dataclass(slots=True)
class AccountState:
    id: str
    connection: str
    broker: str
    nickname: str | None
    enabled: bool
    automation_paused: bool
    balance: float
    start_balance: float
    quotes: Mapping[str, Quote]
    holdings: dict[str, Position] = field(default_factory=dict)
    daily_realized: float = 0.0
    weekly_realized: float = 0.0
    daily_trades: int = 0
    weekly_trades: int = 0
    day: str = ""
    week: str = ""
    peak_equity: float | None = None  # intraday high-water mark
    eod_peak: float | None = None  # highest equity at a trading-day roll
    lock: LockRow | None = None
    alerted: set[str] = field(default_factory=set)  # alert-only breaches already raised today
    flatten_failures: int = 0
    flatten_error: str | None = None

    def unrealized(self) -> float:
        return unrealized_pnl(self.holdings, self.quotes)

    def equity(self) -> float:
        return self.balance + self.unrealized()

    def lock_until(self) -> datetime | None:
        if self.lock is None or self.lock.until is None:
            return None
        return datetime.fromisoformat(self.lock.until)

    def is_locked(self, now: datetime) -> bool:
        if self.lock is None:
            return False
        until = self.lock_until()
        return until is None or now < until

    def snapshot_for(
        self,
        policy: object,
        now: datetime,
        extra_root: str | None = None,
        working: Mapping[str, Working] | None = None,
    ) -> Snapshot:
        """The chain's view of this account at ``now``, for ``policy``.

        A policy that trails end-of-day equity sees the end-of-day mark; any other the
        intraday high-water mark, which the equity computed here may raise first.
        ``working`` is the account's resting entries (``working_entries``).
        """
        equity = self.mark_equity()
        limits = getattr(policy, "limits", None)
        end_of_day = limits is not None and bool(limits.trail_amount) and not limits.trail_intraday
        peak = self.eod_peak if end_of_day else self.peak_equity
        roots = set(self.holdings)
        if extra_root is not None:
            roots.add(extra_root)
        lock = self.lock
        until = self.lock_until()
        positions = MappingProxyType(dict(self.holdings))
        quotes = MappingProxyType({r: q for r in roots if (q := self.quotes.get(r)) is not None})
        if working is None:  # nearly every order: the same Snapshot, built in a third of the time
            return Snapshot.assemble(
                self.id,
                self.nickname,
                self.enabled,
                lock is not None,
                until.timestamp() if until else None,
                lock.enforce if lock else False,
                lock.reason if lock else None,
                self.balance,
                equity,
                peak if peak is not None else self.start_balance,
                positions,
                quotes,
                self.daily_realized,
                self.weekly_realized,
                self.daily_trades,
                self.weekly_trades,
                self.automation_paused,
            )
        return Snapshot(
            account_id=self.id,
            nickname=self.nickname,
            enabled=self.enabled,
            locked=lock is not None,
            lock_until=until.timestamp() if until else None,
            lock_enforce=lock.enforce if lock else False,
            lock_reason=lock.reason if lock else None,
            balance=self.balance,
            equity_given=equity,
            peak_equity=peak if peak is not None else self.start_balance,
            positions=positions,
            quotes=quotes,
            daily_realized=self.daily_realized,
            weekly_realized=self.weekly_realized,
            daily_trades=self.daily_trades,
            weekly_trades=self.weekly_trades,
            automation_paused=self.automation_paused,
            working=working,
        )

    def roll(self, now: datetime) -> bool:
        """Reset daily and weekly figures when a trading day or week has begun."""
        day, week = day_keys(now)
        if day == self.day:
            return False
        equity = self.equity()
        # a day ended: the end-of-day mark moves (the first roll only starts the count)
        if self.day and isfinite(equity):
            self.eod_peak = max(self.eod_peak if self.eod_peak is not None else self.start_balance, equity)
        self.day = day
        self.daily_realized = 0.0
        self.daily_trades = 0
        self.alerted.clear()
        if isfinite(equity):
            self.peak_equity = max(self.peak_equity or equity, equity)
        if week != self.week:
            self.week = week
            self.weekly_realized = 0.0
            self.weekly_trades = 0
        return True

    def mark_equity(self) -> float:
        """Equity now; raises the intraday high-water mark when it is a new high.

        Prices are refused at every boundary unless finite, so equity is finite; the
        check stays as the last guard of the mark, which is stored and which a trailing
        drawdown compares against: one poisoned mark would lock the account for good.
        """
        equity = self.equity()
        if isfinite(equity) and (self.peak_equity is None or equity > self.peak_equity):
            self.peak_equity = equity
        return equity

    def open_position_count(self) -> int:
        return sum(1 for h in self.holdings.values() if h.qty)
