"""The check chain: one pre-bound closure per stage, run in the seeds' order.

Every stage is built at compile time from a policy section into a function
``check(o, s, f) -> Block | None`` with its limits bound as closure constants: the
order path does no parsing, no model building and no by-name look-up of settings.

The order of ``STAGE_ORDER`` is load-bearing: it is the seeds' sequence (locked,
enabled, hours, blackout, quote health, positions, P&L limits, contract rules), with
custom rules last. The first stage that blocks decides. Exits never reach the chain.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from ordergate.policy.calendar import (
    WEEKDAY_NAMES,
    DailyWindow,
    LocalDay,
    format_minutes,
    lock_expiry,
    wall_end,
)
from ordergate.policy.decision import Action, Block, Warning
from ordergate.policy.orders import MANUAL_SOURCES, Order, Position, Snapshot

Check = Callable[[Order, Snapshot, "Facts"], Block | None]

STAGE_ORDER: tuple[str, ...] = (
    "locked",
    "enabled",
    "hours",
    "blackout",
    "quote_health",
    "positions",
    "pnl_limits",
    "contracts",
    "rules",
)


class Facts:
    """What one decision computes once and every stage reads."""

    __slots__ = (
        "balance",
        "daily_pnl",
        "daily_realized",
        "daily_trades",
        "date",
        "day",
        "equity",
        "minute",
        "now",
        "now_ts",
        "open_positions",
        "peak_equity",
        "pos_after",
        "pos_qty",
        "pos_size",
        "qty",
        "quote",
        "quote_age",
        "unrealized",
        "warnings",
        "weekday",
        "weekly_pnl",
        "weekly_realized",
        "weekly_trades",
    )

    def __init__(self, o: Order, s: Snapshot, now: datetime, entry_qty: int, pos_qty: int) -> None:
        ts = now.timestamp()
        self.now = now
        self.now_ts = ts
        self.qty = entry_qty
        self.pos_qty = pos_qty
        self.pos_size = abs(pos_qty)
        self.pos_after = pos_qty + o.sign * o.qty
        unrealized = s.unrealized
        self.unrealized = unrealized
        self.daily_realized = s.daily_realized
        self.weekly_realized = s.weekly_realized
        self.daily_pnl = s.daily_realized + unrealized
        self.weekly_pnl = s.weekly_realized + unrealized
        self.daily_trades = s.daily_trades
        self.weekly_trades = s.weekly_trades
        self.open_positions = s.open_positions
        self.balance = s.balance
        equity = s.equity
        self.equity = equity
        peak = s.peak_equity
        self.peak_equity = peak if peak is not None else equity
        quote = s.quotes.get(o.root)
        self.quote = quote
        self.quote_age = quote.age_at(ts) if quote is not None else None
        self.warnings: list[Warning] | None = None
        self.day: LocalDay | None = None
        self.minute = 0
        self.weekday = 0
        self.date: date | None = None

    def warn(self, warning: Warning) -> None:
        if self.warnings is None:
            self.warnings = [warning]
        else:
            self.warnings.append(warning)


def classify(o: Order, positions: Mapping[str, Position]) -> tuple[bool, int, int, int | None]:
    """(is_exit, entry_qty, position_qty, max_exit_qty) for an order against the positions.

    An exit only reduces the position: opposite side, qty <= |position|. A reversal is an
    entry for the part beyond flat. Only the *held* position counts here: working entries
    never turn an exit into an entry (getting out must always be possible); they weigh in
    the positions stage of entries alone.

    An explicit ``close`` or ``flatten`` is an exit when its quantity does not exceed the
    position and otherwise is judged as any other order (DESIGN 10). A close on the side
    that adds to the position is judged as any other order too: the label alone never
    lets exposure grow past the chain, so the intent changes no verdict here.
    """
    pos = positions.get(o.root)
    pos_qty = pos.qty if pos is not None else 0
    if pos_qty and (pos_qty > 0) != (o.sign > 0):
        held = -pos_qty if pos_qty < 0 else pos_qty
        if o.qty <= held:
            return True, 0, pos_qty, None
        return False, o.qty - held, pos_qty, held
    return False, o.qty, pos_qty, None


# ---------------------------------------------------------------- stage factories


def _when(ts: float, tz: ZoneInfo) -> str:
    return datetime.fromtimestamp(ts, tz).strftime("%Y-%m-%d %H:%M %Z")


def locked_check(tz: ZoneInfo) -> Check:
    def check(o: Order, s: Snapshot, f: Facts) -> Block | None:
        if not s.locked:
            return None
        until = s.lock_until
        if until is not None and f.now_ts >= until:
            return None  # the lock has expired; the runtime clears it on its own clock
        reason = f" after {s.lock_reason}" if s.lock_reason else ""
        when = f" until {_when(until, tz)}" if until is not None else " until unlocked by hand"
        return Block("locked", "account_locked", f"account is locked{reason}{when}")

    return check


def enabled_check(sync_guard: bool) -> Check:
    disabled = Block("enabled", "account_disabled", "account is disabled")
    paused = Block(
        "enabled",
        "automation_paused",
        "automation is paused: a broker sync showed a held position gone; resume the account to go on",
    )

    def check(o: Order, s: Snapshot, f: Facts) -> Block | None:
        if not s.enabled:
            return disabled
        if sync_guard and s.automation_paused and o.source not in MANUAL_SOURCES:
            return paused
        return None

    return check


def hours_check(window: DailyWindow, tz: ZoneInfo) -> Check:
    """Entries inside the window, placed by the wall clock in the policy timezone.

    A wall time inside the span of a window whose starting day is inactive is
    ``inactive_day``; a wall time in no window's span is ``outside_hours`` (DESIGN 10).
    """
    span = f"{format_minutes(window.start)}–{format_minutes(window.end)}"
    days = ", ".join(WEEKDAY_NAMES[d] for d in sorted(window.days))
    active = window.days

    def check(o: Order, s: Snapshot, f: Facts) -> Block | None:
        owner = window.place(f.weekday, f.minute)
        if owner is None:
            return Block(
                "hours",
                "outside_hours",
                f"entries are allowed {span} {tz.key}; it is {format_minutes(f.minute)}",
            )
        if owner in active:
            return None
        return Block(
            "hours",
            "inactive_day",
            f"{WEEKDAY_NAMES[owner]} is not an active trading day (active: {days})",
        )

    return check


@dataclass(frozen=True, slots=True)
class OneTimeBlackout:
    name: str
    lo: float
    hi: float


def blackout_check(
    one_time: tuple[OneTimeBlackout, ...],
    recurring: tuple[DailyWindow, ...],
    recurring_names: tuple[str, ...],
    tz: ZoneInfo,
) -> Check:
    """One-time blackouts are spans of instants; recurring ones are placed by wall clock,
    as hours are (DESIGN 10)."""
    weekly = tuple(zip(recurring, recurring_names, strict=True))

    def check(o: Order, s: Snapshot, f: Facts) -> Block | None:
        ts = f.now_ts
        for b in one_time:
            if b.lo <= ts < b.hi:
                return Block("blackout", "blackout_active", f"blackout '{b.name}' until {_when(b.hi, tz)}")
        for window, name in weekly:
            if window.covers(f.weekday, f.minute):
                day, minute = window.end_of(f.date, f.minute)  # type: ignore[arg-type]
                until = wall_end(day, minute, ts, tz)
                return Block("blackout", "blackout_active", f"blackout '{name}' until {_when(until, tz)}")
        return None

    return check


def quote_health_check(strict: bool, stale_after: float) -> Check:
    def check(o: Order, s: Snapshot, f: Facts) -> Block | None:
        age = f.quote_age
        if f.quote is None:
            code, message = "quote_missing", f"no quote for {o.root}"
        elif age is not None and age > stale_after:
            code, message = (
                "quote_stale",
                f"the {o.root} quote is {age:.1f}s old (stale after {stale_after:g}s)",
            )
        else:
            return None
        if strict:
            return Block("quote_health", code, message)
        f.warn(Warning("quote_health", code, message))
        return None

    return check


def positions_check(per_order: int | None, max_size: int | None, max_open: int | None) -> Check:
    """Per-order size, position size and open symbols, judged on the worst case (DESIGN 4.3).

    Entries resting at the broker may still fill, so the size is the position plus every
    working order on this order's side plus this order, and a root with a working entry is
    already open. ``s.working`` is None when nothing rests: then this costs one test.
    """

    def check(o: Order, s: Snapshot, f: Facts) -> Block | None:
        if per_order is not None and f.qty > per_order:
            return Block(
                "positions",
                "max_contracts_per_order",
                f"{f.qty} contracts is more than the {per_order} allowed per order",
            )
        working = s.working
        if max_size is not None:
            size = f.pos_after
            resting = 0
            if working is not None and (w := working.get(o.root)) is not None:
                resting = w.buy if o.sign > 0 else w.sell
                size += o.sign * resting
            if abs(size) > max_size:
                return _too_large(o, abs(size), resting, max_size)
        if (
            max_open is not None
            and f.pos_qty == 0
            and s.open_symbols >= max_open
            and (working is None or o.root not in working)
        ):
            return Block(
                "positions",
                "max_open_positions",
                f"{s.open_symbols} symbols are open or have working entries; the most is {max_open}"
                if working is not None
                else f"{s.open_symbols} symbols are open; the most is {max_open}",
            )
        return None

    return check


def _too_large(o: Order, size: int, resting: int, max_size: int) -> Block:
    if resting:
        message = (
            f"the {o.root} position could reach {size} contracts with {resting} working {o.side} "
            f"contract{'s' * (resting != 1)}; the most is {max_size}"
        )
    else:
        message = f"the {o.root} position would be {size} contracts; the most is {max_size}"
    return Block("positions", "max_position_size", message)


@dataclass(frozen=True, slots=True)
class BreachAction:
    action: str  # alert_only | lock | flatten_and_lock
    lock: str
    enforce: bool
    tz: ZoneInfo

    def actions(self, code: str, now: datetime) -> tuple[Action, ...]:
        if self.action == "alert_only":
            return ()
        until = lock_expiry(self.lock, now, self.tz)
        lock = Action("lock", lock=self.lock, until=until, enforce=self.enforce, reason=code)
        if self.action == "flatten_and_lock":
            return (Action("flatten", reason=code), lock)
        return (lock,)


@dataclass(frozen=True, slots=True)
class Limits:
    daily_loss: float
    daily_target: float
    weekly_loss: float
    weekly_target: float
    trail_amount: float
    trail_intraday: bool
    trail_stop_at: float | None
    breach: BreachAction

    def reached(self, f: Facts) -> tuple[str, str] | None:
        """The first limit reached, as (code, message), or None."""
        if self.daily_loss and f.daily_pnl <= -self.daily_loss:
            return (
                "daily_loss_limit",
                f"daily P&L {_money(f.daily_pnl)} reached the loss limit of {_money(self.daily_loss)}",
            )
        if self.daily_target and f.daily_pnl >= self.daily_target:
            return (
                "daily_profit_target",
                f"daily P&L {_money(f.daily_pnl)} reached the profit target of {_money(self.daily_target)}",
            )
        if self.weekly_loss and f.weekly_pnl <= -self.weekly_loss:
            return (
                "weekly_loss_limit",
                f"weekly P&L {_money(f.weekly_pnl)} reached the loss limit of {_money(self.weekly_loss)}",
            )
        if self.weekly_target and f.weekly_pnl >= self.weekly_target:
            return (
                "weekly_profit_target",
                f"weekly P&L {_money(f.weekly_pnl)} reached the profit target of {_money(self.weekly_target)}",
            )
        if self.trail_amount and f.equity is not None:
            threshold = self.trailing_threshold(f.peak_equity, f.equity)
            if f.equity <= threshold:
                return (
                    "trailing_drawdown",
                    f"equity {_money(f.equity)} is at or below the trailing threshold {_money(threshold)}",
                )
        return None

    def trailing_threshold(self, peak: float | None, equity: float) -> float:
        mark = equity if peak is None else (max(peak, equity) if self.trail_intraday else peak)
        threshold = mark - self.trail_amount
        if self.trail_stop_at is not None and threshold > self.trail_stop_at:
            threshold = self.trail_stop_at
        return threshold


def _money(value: float) -> str:
    sign = "-" if value < 0 else ""
    return f"{sign}${abs(value):,.2f}"


def pnl_check(limits: Limits) -> Check:
    def check(o: Order, s: Snapshot, f: Facts) -> Block | None:
        reached = limits.reached(f)
        if reached is None:
            return None
        code, message = reached
        return Block("pnl_limits", code, message, limits.breach.actions(code, f.now))

    return check


def contracts_check(rules: dict[str, int | None]) -> Check:
    """``rules`` maps a root to None (blocked) or its per-order cap."""

    def check(o: Order, s: Snapshot, f: Facts) -> Block | None:
        if o.root not in rules:
            return None
        cap = rules[o.root]
        if cap is None:
            return Block("contracts", "symbol_blocked", f"{o.root} is blocked for new entries")
        if f.qty > cap:
            return Block(
                "contracts",
                "symbol_cap",
                f"{f.qty} {o.root} contracts is more than its cap of {cap} per order",
            )
        return None

    return check


@dataclass(frozen=True, slots=True)
class CompiledRule:
    name: str
    code: str
    block: bool
    message: str
    test: Callable[[Order, Snapshot, Facts], bool]


def rules_check(rules: tuple[CompiledRule, ...]) -> Check:
    def check(o: Order, s: Snapshot, f: Facts) -> Block | None:
        for rule in rules:
            try:
                fired = rule.test(o, s, f)
            except (TypeError, AttributeError, ZeroDivisionError, ValueError) as exc:
                # Data the rule reads is missing (no quote, no price). A blocking rule fails
                # closed on the entry; a warning rule says it could not look and goes on.
                why = f"rule {rule.name} could not be evaluated ({_why(exc, o, f)})"
                if rule.block:
                    return Block("rules", rule.code, f"{why}; blocking the entry")
                f.warn(Warning("rules", rule.code, why))
                continue
            if fired:
                if rule.block:
                    return Block("rules", rule.code, rule.message)
                f.warn(Warning("rules", rule.code, rule.message))
        return None

    return check


def _why(exc: Exception, o: Order, f: Facts) -> str:
    if isinstance(exc, ZeroDivisionError):
        return "division by zero"
    if f.quote is None:
        return f"no quote for {o.root}"
    return "a value it reads is missing, such as a bid, ask or price"
