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
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TypeVar
from zoneinfo import ZoneInfo

from ordergate.policy.calendar import (
    WEEKDAY_NAMES,
    DailyWindow,
    LocalDay,
    format_minutes,
    lock_expiry,
    wall_end,
    wall_to_instant,
)
from ordergate.policy.decision import Action, Block, Warning
from ordergate.policy.orders import MANUAL_SOURCES, Order, Position, Snapshot
from ordergate.policy.timefmt import format_instant

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
    """What one decision computes once and every stage reads.

    Only what depends on the order and the instant is stored; what depends on the
    snapshot alone (P&L, equity, counts) the snapshot computed when it was built, and
    the properties below read it from there, so a decision pays for none of it unless a
    stage or a rule looks.
    """

    __slots__ = (
        "date",
        "day",
        "minute",
        "now",
        "now_ts",
        "pos_after",
        "pos_qty",
        "qty",
        "quote",
        "s",
        "warnings",
        "weekday",
    )

    def __init__(
        self, o: Order, s: Snapshot, now: datetime, entry_qty: int, pos_qty: int, ts: float | None = None
    ) -> None:
        self.now = now
        self.now_ts = now.timestamp() if ts is None else ts
        self.qty = entry_qty
        self.pos_qty = pos_qty
        self.pos_after = pos_qty + o.sign * o.qty
        self.s = s
        self.quote = s.quotes.get(o.root)
        self.warnings: list[Warning] | None = None
        self.day: LocalDay | None = None
        self.minute = 0
        self.weekday = 0
        self.date: date | None = None

    @property
    def pos_size(self) -> int:
        return abs(self.pos_qty)

    @property
    def quote_age(self) -> float | None:
        quote = self.quote
        return quote.age_at(self.now_ts) if quote is not None else None

    @property
    def unrealized(self) -> float:
        return self.s.unrealized

    @property
    def daily_realized(self) -> float:
        return self.s.daily_realized

    @property
    def weekly_realized(self) -> float:
        return self.s.weekly_realized

    @property
    def daily_pnl(self) -> float:
        return self.s.daily_pnl

    @property
    def weekly_pnl(self) -> float:
        return self.s.weekly_pnl

    @property
    def daily_trades(self) -> int:
        return self.s.daily_trades

    @property
    def weekly_trades(self) -> int:
        return self.s.weekly_trades

    @property
    def open_positions(self) -> int:
        return self.s.open_positions

    @property
    def balance(self) -> float | None:
        return self.s.balance

    @property
    def equity(self) -> float | None:
        return self.s.equity

    @property
    def peak_equity(self) -> float | None:
        s = self.s
        return s.peak_equity if s.peak_equity is not None else s.equity

    def warn(self, warning: Warning) -> None:
        if self.warnings is None:
            self.warnings = [warning]
        else:
            self.warnings.append(warning)


MEMO_LIMIT = 256  # verdicts remembered per stage; past it, new ones are built and not kept

K = TypeVar("K")


def _remember(memo: dict[K, Block], key: K, block: Block) -> Block:
    """Keep ``block`` for ``key``: a stage's verdict for the same inputs is the same object,
    so the policy can reuse the Decision it built for it (``Block.decision``)."""
    if len(memo) < MEMO_LIMIT:
        memo[key] = block
    return block


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
    return format_instant(ts, tz)


def locked_check(tz: ZoneInfo) -> Check:
    memo: dict[tuple[float | None, str | None], Block] = {}

    def check(o: Order, s: Snapshot, f: Facts) -> Block | None:
        if not s.locked:
            return None
        until = s.lock_until
        if until is not None and f.now_ts >= until:
            return None  # the lock has expired; the runtime clears it on its own clock
        key = (until, s.lock_reason)
        block = memo.get(key)
        if block is None:
            reason = f" after {s.lock_reason}" if s.lock_reason else ""
            when = f" until {_when(until, tz)}" if until is not None else " until unlocked by hand"
            block = _remember(
                memo, key, Block("locked", "account_locked", f"account is locked{reason}{when}")
            )
        return block

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
    The check is ``DailyWindow.place`` written out with the window's bounds bound in.
    """
    span = f"{format_minutes(window.start)}–{format_minutes(window.end)}"
    days = ", ".join(WEEKDAY_NAMES[d] for d in sorted(window.days))
    active = window.days
    start, end, overnight = window.start, window.end, window.overnight
    inactive = tuple(
        Block("hours", "inactive_day", f"{WEEKDAY_NAMES[d]} is not an active trading day (active: {days})")
        for d in range(7)
    )
    outside: dict[int, Block] = {}  # by minute of day: at most 1,440

    def outside_hours(minute: int) -> Block:
        block = outside.get(minute)
        if block is None:
            message = f"entries are allowed {span} {tz.key}; it is {format_minutes(minute)}"
            block = outside[minute] = Block("hours", "outside_hours", message)
        return block

    def check(o: Order, s: Snapshot, f: Facts) -> Block | None:
        minute = f.minute
        if start <= minute < end:
            owner = f.weekday
        elif not overnight:
            return outside_hours(minute)
        elif minute >= start:
            owner = f.weekday
        elif minute < end:
            owner = (f.weekday - 1) % 7  # an overnight window belongs to the day it starts
        else:
            return outside_hours(minute)
        return None if owner in active else inactive[owner]

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
    once = tuple(
        (b.lo, b.hi, Block("blackout", "blackout_active", f"blackout '{b.name}' until {_when(b.hi, tz)}"))
        for b in one_time
    )
    weekly = tuple(
        (i, w, name, w.start, w.end, w.overnight, w.days)
        for i, (w, name) in enumerate(zip(recurring, recurring_names, strict=True))
    )
    # (window, local end date, end minute) -> (first instant of that end, its verdict)
    ends: dict[tuple[int, date, int], tuple[float, Block]] = {}

    def recurring_block(i: int, name: str, day: date, minute: int, ts: float) -> Block:
        key = (i, day, minute)
        known = ends.get(key)
        if known is not None and known[0] > ts:
            return known[1]  # what wall_end answers whenever its first occurrence is ahead
        until = wall_end(day, minute, ts, tz)
        block = Block("blackout", "blackout_active", f"blackout '{name}' until {_when(until, tz)}")
        if len(ends) < MEMO_LIMIT and until == wall_to_instant(day, minute, tz).timestamp():
            ends[key] = (until, block)
        return block

    def check(o: Order, s: Snapshot, f: Facts) -> Block | None:
        ts = f.now_ts
        for lo, hi, block in once:
            if lo <= ts < hi:
                return block
        minute = f.minute
        for i, window, name, start, end, overnight, days in weekly:
            # DailyWindow.covers written out
            if start <= minute < end or (overnight and minute >= start):
                owner = f.weekday
            elif overnight and minute < end:
                owner = (f.weekday - 1) % 7
            else:
                continue
            if owner in days:
                day, until = window.end_of(f.date, minute)  # type: ignore[arg-type]
                return recurring_block(i, name, day, until, ts)
        return None

    return check


def quote_health_check(strict: bool, stale_after: float) -> Check:
    memo: dict[tuple[str, float | None], Block] = {}

    def verdict(root: str, age: float | None) -> Block:
        key = (root, age)
        block = memo.get(key)
        if block is None:
            if age is None:
                code, message = "quote_missing", f"no quote for {root}"
            else:
                code, message = (
                    "quote_stale",
                    f"the {root} quote is {age:.1f}s old (stale after {stale_after:g}s)",
                )
            block = _remember(memo, key, Block("quote_health", code, message))
        return block

    def check(o: Order, s: Snapshot, f: Facts) -> Block | None:
        quote = f.quote
        if quote is None:
            block = verdict(o.root, None)
        else:
            when = quote.time
            age = quote.age if when is None else (f.now_ts - when if f.now_ts > when else 0.0)
            if age is None or age <= stale_after:
                return None
            block = verdict(o.root, age)
        if strict:
            return block
        f.warn(Warning("quote_health", block.code, block.message))
        return None

    return check


def positions_check(per_order: int | None, max_size: int | None, max_open: int | None) -> Check:
    """Per-order size, position size and open symbols, judged on the worst case (DESIGN 4.3).

    Entries resting at the broker may still fill, so the size is the position plus every
    working order on this order's side plus this order, and a root with a working entry is
    already open. ``s.working`` is None when nothing rests: then this costs one test.
    """

    memo: dict[tuple[object, ...], Block] = {}

    def check(o: Order, s: Snapshot, f: Facts) -> Block | None:
        if per_order is not None and f.qty > per_order:
            key: tuple[object, ...] = ("per_order", f.qty)
            block = memo.get(key)
            if block is None:
                message = f"{f.qty} contracts is more than the {per_order} allowed per order"
                block = _remember(memo, key, Block("positions", "max_contracts_per_order", message))
            return block
        working = s.working
        if max_size is not None:
            size = f.pos_after
            resting = 0
            if working is not None and (w := working.get(o.root)) is not None:
                resting = w.buy if o.sign > 0 else w.sell
                size += o.sign * resting
            if size > max_size or -size > max_size:
                key = (o.root, o.side, abs(size), resting)
                block = memo.get(key)
                if block is None:
                    block = _remember(memo, key, _too_large(o, abs(size), resting, max_size))
                return block
        if (
            max_open is not None
            and f.pos_qty == 0
            and s.open_symbols >= max_open
            and (working is None or o.root not in working)
        ):
            key = ("open", s.open_symbols, working is not None)
            block = memo.get(key)
            if block is None:
                message = (
                    f"{s.open_symbols} symbols are open or have working entries; the most is {max_open}"
                    if working is not None
                    else f"{s.open_symbols} symbols are open; the most is {max_open}"
                )
                block = _remember(memo, key, Block("positions", "max_open_positions", message))
            return block
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

    def reached(self, s: Snapshot) -> tuple[str, str] | None:
        """The first limit reached, as (code, message), or None."""
        first = self.first_reached(s)
        if first is None:
            return None
        return first[0], self.message(*first)

    def first_reached(self, s: Snapshot) -> tuple[str, float, float] | None:
        """The first limit reached, as (code, value, limit), or None; DESIGN 10 fixes the order."""
        daily = s.daily_pnl
        if self.daily_loss and daily <= -self.daily_loss:
            return "daily_loss_limit", daily, self.daily_loss
        if self.daily_target and daily >= self.daily_target:
            return "daily_profit_target", daily, self.daily_target
        weekly = s.weekly_pnl
        if self.weekly_loss and weekly <= -self.weekly_loss:
            return "weekly_loss_limit", weekly, self.weekly_loss
        if self.weekly_target and weekly >= self.weekly_target:
            return "weekly_profit_target", weekly, self.weekly_target
        equity = s.equity
        if self.trail_amount and equity is not None:
            peak = s.peak_equity if s.peak_equity is not None else equity
            threshold = self.trailing_threshold(peak, equity)
            if equity <= threshold:
                return "trailing_drawdown", equity, threshold
        return None

    @staticmethod
    def message(code: str, value: float, limit: float) -> str:
        if code == "trailing_drawdown":
            return f"equity {_money(value)} is at or below the trailing threshold {_money(limit)}"
        scope, _, kind = code.partition("_")
        what = "the loss limit" if kind == "loss_limit" else "the profit target"
        return f"{scope} P&L {_money(value)} reached {what} of {_money(limit)}"

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
    # Without breach actions a verdict depends only on (code, value, limit); with them the
    # lock's expiry depends on the instant, so those are built each time.
    memo: dict[tuple[str, float, float], Block] | None = {} if limits.breach.action == "alert_only" else None

    def check(o: Order, s: Snapshot, f: Facts) -> Block | None:
        first = limits.first_reached(s)
        if first is None:
            return None
        if memo is not None:
            block = memo.get(first)
            if block is None:
                block = _remember(memo, first, Block("pnl_limits", first[0], limits.message(*first)))
            return block
        code = first[0]
        return Block("pnl_limits", code, limits.message(*first), limits.breach.actions(code, f.now))

    return check


def contracts_check(rules: dict[str, int | None]) -> Check:
    """``rules`` maps a root to None (blocked) or its per-order cap."""
    blocked = {
        root: Block("contracts", "symbol_blocked", f"{root} is blocked for new entries") for root in rules
    }
    memo: dict[tuple[str, int], Block] = {}

    def check(o: Order, s: Snapshot, f: Facts) -> Block | None:
        root = o.root
        if root not in rules:
            return None
        cap = rules[root]
        if cap is None:
            return blocked[root]
        if f.qty > cap:
            key = (root, f.qty)
            block = memo.get(key)
            if block is None:
                message = f"{f.qty} {root} contracts is more than its cap of {cap} per order"
                block = _remember(memo, key, Block("contracts", "symbol_cap", message))
            return block
        return None

    return check


@dataclass(frozen=True, slots=True)
class CompiledRule:
    name: str
    code: str
    block: bool
    message: str
    test: Callable[[Order, Snapshot, Facts], bool]
    verdict: Block = field(init=False, repr=False, compare=False)
    warning: Warning = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "verdict", Block("rules", self.code, self.message))
        object.__setattr__(self, "warning", Warning("rules", self.code, self.message))


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
                    return rule.verdict
                f.warn(rule.warning)
        return None

    return check


def _why(exc: Exception, o: Order, f: Facts) -> str:
    if isinstance(exc, ZeroDivisionError):
        return "division by zero"
    if f.quote is None:
        return f"no quote for {o.root}"
    return "a value it reads is missing, such as a bid, ask or price"
