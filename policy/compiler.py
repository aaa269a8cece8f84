"""Compile one validated RiskPolicy into a CompiledPolicy: semantics checked, chain built.

Everything the seeds and the contract say about a section that a JSON Schema cannot say
is checked here, with the file:line:col of the offending value: timezones, exit_before,
lock kinds and enforce, blackout order, contract symbols, stale-quote threshold and
every rule expression. The result evaluates orders with no further look-ups.
"""

from __future__ import annotations

import difflib
import functools
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol
from zoneinfo import ZoneInfo

from ordergate.policy import chain
from ordergate.policy.calendar import (
    SESSION_BOUNDARIES,
    WEEKDAY_INDEX,
    DailyWindow,
    DayCache,
    WindowIndex,
    parse_duration,
    parse_hhmm,
    parse_local_datetime,
    wall_end,
    wall_to_instant,
    zone,
)
from ordergate.policy.chain import (
    BreachAction,
    Check,
    CompiledRule,
    Facts,
    Limits,
    OneTimeBlackout,
)
from ordergate.policy.contracts import canonical_root, contract_table
from ordergate.policy.decision import ALLOW, BLOCK, Block, Decision, TraceEntry, Warning
from ordergate.policy.diagnostics import Diagnostic, Position, Severity
from ordergate.policy.orders import Order, Snapshot, naive_now_error
from ordergate.policy.source import Path

if TYPE_CHECKING:  # a spec is the model's or, for validate, its light twin (``light_models``)
    from ordergate.policy.models import RiskPolicySpec


class Locator(Protocol):
    """Where a path of the merged spec came from, for diagnostics."""

    def pos(self, path: Path) -> Position: ...
    def offset_pos(self, path: Path, offset: int) -> Position: ...
    def source_line(self, pos: Position) -> str | None: ...


@functools.cache
def _zone_names() -> tuple[str, ...]:
    return tuple(sorted(zoneinfo.available_timezones()))


class _Diagnostics:
    def __init__(self, loc: Locator) -> None:
        self.loc = loc
        self.items: list[Diagnostic] = []

    def add(
        self,
        path: Path,
        code: str,
        message: str,
        hint: str | None = None,
        *,
        severity: Severity = "error",
        pos: Position | None = None,
    ) -> None:
        where = pos or self.loc.pos(path)
        self.items.append(
            Diagnostic.at(
                where, code, message, hint=hint, severity=severity, source_line=self.loc.source_line(where)
            )
        )

    @property
    def failed(self) -> bool:
        return any(d.severity == "error" for d in self.items)


@dataclass(frozen=True, slots=True)
class AutoFlatten:
    minutes: int
    hours: DailyWindow | None
    one_time: tuple[OneTimeBlackout, ...]
    recurring: WindowIndex | None
    recurring_names: tuple[str, ...]


@dataclass(slots=True)
class CompiledPolicy:
    """A policy ready to decide orders: ``evaluate`` is pure and does no look-ups by name."""

    name: str
    version: int
    description: str | None
    accounts: tuple[str, ...]
    timezone: ZoneInfo
    spec: RiskPolicySpec
    bundle: str
    stages: tuple[str, ...]
    checks: tuple[Check, ...]
    limits: Limits | None
    auto_flatten: AutoFlatten | None
    needs_time: bool
    days: DayCache
    label: str = field(init=False)
    _allow: Decision = field(init=False)
    _exit: Decision = field(init=False)

    def __post_init__(self) -> None:
        self.label = f"{self.name}@{self.version}"
        self._allow = Decision(ALLOW, None, None, "allowed", self.label, self.bundle)
        self._exit = Decision(
            ALLOW, "exit_bypass", None, "exit order: bypasses every check", self.label, self.bundle, exit=True
        )

    def evaluate(self, order: Order, snapshot: Snapshot, now: datetime, *, explain: bool = False) -> Decision:
        if now.tzinfo is None:  # the one check the hot path pays for: an attribute read
            raise naive_now_error()
        # chain.classify, written out: this is the hottest path of the engine
        pos = snapshot.positions.get(order.root)
        pos_qty = pos.qty if pos is not None else 0
        entry_qty = order.qty
        max_exit = None
        if pos_qty and (pos_qty > 0) != (order.sign > 0):
            held = -pos_qty if pos_qty < 0 else pos_qty
            if entry_qty <= held:
                if explain:
                    return _with_trace(self._exit, (TraceEntry("exit_bypass", "pass", None, "exit order"),))
                return self._exit
            entry_qty -= held
            max_exit = held
        ts = now.timestamp()
        f = Facts(order, snapshot, now, entry_qty, pos_qty, ts)
        if self.needs_time:
            day = self.days.last  # DayCache.day's first test, written out
            if day is None or not day.lo <= ts < day.hi:
                day = self.days.day(ts)
            f.day = day
            f.date = day.date
            f.weekday = day.weekday
            offset = day.uniform_offset
            f.minute = (
                int((ts + offset) // 60 % 1440) if offset is not None else day.minute_of(ts, self.timezone)
            )
        if explain:
            return self._evaluate_traced(order, snapshot, f, max_exit)
        for check in self.checks:
            verdict = check(order, snapshot, f)
            if verdict is not None:
                if max_exit is None and f.warnings is None:
                    decided = verdict.decision
                    if decided is not None:
                        return decided
                return self._block(verdict, f, max_exit)
        if f.warnings is None:
            return self._allow
        return self._allowed_with(f.warnings)

    def _allowed_with(self, warnings: list[Warning]) -> Decision:
        return Decision(
            ALLOW, None, None, "allowed with warnings", self.label, self.bundle, warnings=tuple(warnings)
        )

    def _evaluate_traced(self, order: Order, snapshot: Snapshot, f: Facts, max_exit: int | None) -> Decision:
        trace: list[TraceEntry] = [TraceEntry("exit_bypass", "skip", None, "not an exit")]
        for stage, check in zip(self.stages, self.checks, strict=True):
            before = len(f.warnings or ())
            verdict = check(order, snapshot, f)
            if verdict is not None:
                trace.append(TraceEntry(stage, "block", verdict.code, verdict.message))
                return _with_trace(self._block(verdict, f, max_exit), tuple(trace))
            new = (f.warnings or [])[before:]
            if new:
                trace.append(TraceEntry(stage, "warn", new[0].code, new[0].message))
            else:
                trace.append(TraceEntry(stage, "pass"))
        decision = self._allow if f.warnings is None else self._allowed_with(f.warnings)
        return _with_trace(decision, tuple(trace))

    def _block(self, verdict: Block, f: Facts, max_exit: int | None) -> Decision:
        decision = Decision(
            BLOCK,
            verdict.stage,
            verdict.code,
            verdict.message,
            self.label,
            self.bundle,
            warnings=tuple(f.warnings or ()),
            actions=verdict.actions,
            max_exit_qty=max_exit,
        )
        if max_exit is None and f.warnings is None:
            # the stage hands out this Block again for the same verdict: keep its Decision
            # (the stages of one compiled policy make Blocks for this policy only)
            object.__setattr__(verdict, "decision", decision)
        return decision

    # ---- for the runtime's monitor

    def breach(self, snapshot: Snapshot, now: datetime) -> Block | None:
        """A reached P&L limit or trailing threshold, without an order (the monitor's check)."""
        if now.tzinfo is None:
            raise naive_now_error()
        if self.limits is None:
            return None
        reached = self.limits.reached(snapshot)
        if reached is None:
            return None
        code, message = reached
        return Block("pnl_limits", code, message, self.limits.breach.actions(code, now))

    def auto_flatten_reason(self, now: datetime) -> str | None:
        """Why positions must be flat now: within exit_before of the end of hours or a blackout."""
        if now.tzinfo is None:
            raise naive_now_error()
        af = self.auto_flatten
        if af is None:
            return None
        ts = now.timestamp()
        lead = af.minutes * 60
        local = self.days.day(ts)
        day = local.date
        if af.hours is not None:
            # the end of the window the wall clock is in, as the hours stage places it
            minute = local.minute_of(ts, self.timezone)
            if af.hours.covers(local.weekday, minute):
                end = wall_end(*af.hours.end_of(day, minute), ts, self.timezone)
                if end - ts <= lead:
                    return f"trading hours end at {datetime.fromtimestamp(end, self.timezone):%H:%M}"
        for b in af.one_time:
            if b.lo - lead <= ts < b.lo:
                return f"blackout '{b.name}' starts at {datetime.fromtimestamp(b.lo, self.timezone):%H:%M}"
        if af.recurring is not None:
            for d in (day, day + timedelta(days=1)):
                for lo, _hi, i in af.recurring.spans(d):
                    if lo - lead <= ts < lo:
                        return f"blackout '{af.recurring_names[i]}' starts at {datetime.fromtimestamp(lo, self.timezone):%H:%M}"
        return None


def _with_trace(decision: Decision, trace: tuple[TraceEntry, ...]) -> Decision:
    return Decision(
        decision.outcome,
        decision.stage,
        decision.code,
        decision.message,
        decision.policy,
        decision.bundle,
        exit=decision.exit,
        warnings=decision.warnings,
        actions=decision.actions,
        max_exit_qty=decision.max_exit_qty,
        trace=trace,
    )


# ---------------------------------------------------------------- compile


def compile_policy(
    name: str,
    version: int,
    description: str | None,
    spec: RiskPolicySpec,
    loc: Locator,
    bundle: str,
) -> tuple[CompiledPolicy | None, list[Diagnostic]]:
    d = _Diagnostics(loc)
    tz = _timezone(spec, d)
    pairs: list[tuple[str, Check]] = [
        ("locked", chain.locked_check(tz)),
        ("enabled", chain.enabled_check(spec.sync_divergence_guard)),
    ]
    hours = _hours(spec, tz, d, pairs)
    one_time, recurring, names = _blackouts(spec, tz, d, pairs)
    _quote_health(spec, d, pairs)
    if spec.positions is not None:
        p = spec.positions
        if any(v is not None for v in (p.max_contracts_per_order, p.max_position_size, p.max_open_positions)):
            pairs.append(
                (
                    "positions",
                    chain.positions_check(
                        p.max_contracts_per_order, p.max_position_size, p.max_open_positions
                    ),
                )
            )
    limits = _limits(spec, tz, d, pairs)
    _contracts(spec, d, pairs)
    _rules(spec, loc, d, pairs)
    exit_before = _exit_before(spec, d)
    if d.failed:
        return None, d.items
    auto = None
    if exit_before is not None:
        auto = AutoFlatten(exit_before, hours, one_time, recurring, names)
    stages = tuple(stage for stage, _ in pairs)
    assert list(stages) == [s for s in chain.STAGE_ORDER if s in stages], stages
    policy = CompiledPolicy(
        name=name,
        version=version,
        description=description,
        accounts=tuple(spec.accounts),
        timezone=tz,
        spec=spec,
        bundle=bundle,
        stages=stages,
        checks=tuple(check for _, check in pairs),
        limits=limits,
        auto_flatten=auto,
        needs_time=hours is not None or bool(one_time) or recurring is not None or bool(spec.rules),
        days=DayCache(tz),
    )
    return policy, d.items


def _timezone(spec: RiskPolicySpec, d: _Diagnostics) -> ZoneInfo:
    try:
        return zone(spec.timezone)
    except KeyError:
        close = difflib.get_close_matches(spec.timezone, _zone_names(), n=1, cutoff=0.6)
        d.add(
            ("spec", "timezone"),
            "timezone",
            f"unknown timezone '{spec.timezone}'",
            f"did you mean '{close[0]}'?"
            if close
            else "use an IANA name such as America/New_York or Europe/London",
        )
        return zone("America/New_York")


def _days(value: Any) -> frozenset[int]:
    days = [value] if isinstance(value, str) else list(value or ())
    return frozenset(WEEKDAY_INDEX[x] for x in days)


def _hours(
    spec: RiskPolicySpec, tz: ZoneInfo, d: _Diagnostics, pairs: list[tuple[str, Check]]
) -> DailyWindow | None:
    if spec.hours is None:
        return None
    h = spec.hours
    start, end = parse_hhmm(h.start), parse_hhmm(h.end)
    if start is None or end is None:  # pragma: no cover - the schema pattern guarantees HH:MM
        return None
    window = DailyWindow(start, end, _days(h.days))
    pairs.append(("hours", chain.hours_check(window, tz)))
    return window


def _exit_before(spec: RiskPolicySpec, d: _Diagnostics) -> int | None:
    value = spec.hours.exit_before if spec.hours is not None else None
    path: Path = ("spec", "hours", "exit_before")
    if value is None or value is False:
        return None
    if value is True:
        return 5
    minutes: float | None
    if isinstance(value, int):
        minutes = float(value)
    else:
        seconds = parse_duration(value)
        minutes = None if seconds is None else seconds / 60
        if minutes is None:
            d.add(
                path,
                "format",
                f"spec.hours.exit_before must be minutes (1-120), true or a duration like 5m (got {value!r})",
            )
            return None
    if not (1 <= minutes <= 120) or minutes != int(minutes):
        d.add(
            path,
            "range",
            f"spec.hours.exit_before must be a whole number of minutes from 1 to 120 (got {value!r})",
        )
        return None
    return int(minutes)


def _blackouts(
    spec: RiskPolicySpec, tz: ZoneInfo, d: _Diagnostics, pairs: list[tuple[str, Check]]
) -> tuple[tuple[OneTimeBlackout, ...], WindowIndex | None, tuple[str, ...]]:
    one_time: list[OneTimeBlackout] = []
    windows: list[DailyWindow] = []
    names: list[str] = []
    for i, b in enumerate(spec.blackouts or ()):
        base: Path = ("spec", "blackouts", i)
        if b.every is not None:
            start, end = parse_hhmm(b.start), parse_hhmm(b.end)
            for key, value, parsed in (("start", b.start, start), ("end", b.end, end)):
                if parsed is None:
                    d.add(
                        (*base, key),
                        "format",
                        f"a weekly blackout's {key} must be a time of day HH:MM (got {value!r})",
                    )
            if start is not None and end is not None:
                if start == end:
                    d.add(
                        (*base, "end"),
                        "blackout-order",
                        f"blackout '{b.name}' starts and ends at the same time",
                    )
                else:
                    windows.append(DailyWindow(start, end, _days(b.every)))
                    names.append(b.name)
            continue
        start_at, end_at = parse_local_datetime(b.start), parse_local_datetime(b.end)
        for key, value, when in (("start", b.start, start_at), ("end", b.end, end_at)):
            if when is None:
                hint = (
                    "add 'every: <weekday>' for a weekly blackout" if parse_hhmm(value) is not None else None
                )
                d.add(
                    (*base, key),
                    "format",
                    f"a one-time blackout's {key} must be a local date-time YYYY-MM-DDTHH:MM (got {value!r})",
                    hint,
                )
        if start_at is None or end_at is None:
            continue
        lo = wall_to_instant(start_at[0], start_at[1], tz).timestamp()
        hi = wall_to_instant(end_at[0], end_at[1], tz).timestamp()
        if hi <= lo:
            d.add(
                (*base, "end"),
                "blackout-order",
                f"blackout '{b.name}' ends at {b.end}, not after it starts at {b.start}",
            )
            continue
        one_time.append(OneTimeBlackout(b.name, lo, hi))
    recurring = WindowIndex(tuple(windows), tz) if windows else None
    if one_time or recurring is not None:
        pairs.append(("blackout", chain.blackout_check(tuple(one_time), tuple(windows), tuple(names), tz)))
    return tuple(one_time), recurring, tuple(names)


def _quote_health(spec: RiskPolicySpec, d: _Diagnostics, pairs: list[tuple[str, Check]]) -> None:
    q = spec.quote_health
    if q is None:
        return
    path: Path = ("spec", "quote_health", "stale_after")
    seconds = parse_duration(q.stale_after)
    if seconds is None:
        d.add(
            path,
            "format",
            f"spec.quote_health.stale_after must be a duration such as 20s (got {q.stale_after!r})",
        )
        return
    if not 1 <= seconds <= 300:
        d.add(path, "range", f"spec.quote_health.stale_after must be from 1s to 300s (got {q.stale_after})")
        return
    pairs.append(("quote_health", chain.quote_health_check(q.policy == "strict", seconds)))


def _limits(
    spec: RiskPolicySpec, tz: ZoneInfo, d: _Diagnostics, pairs: list[tuple[str, Check]]
) -> Limits | None:
    lim = spec.limits
    if lim is None:
        return None
    ob = lim.on_breach
    action, lock, enforce = (ob.action, ob.lock, ob.enforce) if ob else ("alert_only", "manual", False)
    base: Path = ("spec", "limits", "on_breach")
    if lock.startswith("session:"):
        boundary = lock.removeprefix("session:")
        if boundary not in SESSION_BOUNDARIES:
            close = difflib.get_close_matches(boundary, list(SESSION_BOUNDARIES), n=1)
            d.add(
                (*base, "lock"),
                "lock-kind",
                f"unknown session boundary '{boundary}'",
                f"did you mean session:{close[0]}?"
                if close
                else "boundaries: " + ", ".join(SESSION_BOUNDARIES),
            )
    if enforce and lock == "manual":
        d.add(
            (*base, "enforce"),
            "enforce-manual",
            "enforce needs a lock that expires; a manual lock has no expiry to enforce",
            "set lock to 6h, 12h, session:<boundary> or HH:MM, or drop enforce",
        )
    if enforce and action == "alert_only":
        d.add(
            (*base, "enforce"),
            "enforce-alert",
            "enforce has no effect with action alert_only, which never locks",
            severity="warning",
        )
    trailing = lim.trailing_drawdown
    limits = Limits(
        daily_loss=lim.daily.loss if lim.daily else 0.0,
        daily_target=lim.daily.profit_target if lim.daily else 0.0,
        weekly_loss=lim.weekly.loss if lim.weekly else 0.0,
        weekly_target=lim.weekly.profit_target if lim.weekly else 0.0,
        trail_amount=trailing.amount if trailing else 0.0,
        trail_intraday=trailing.mode == "intraday" if trailing else True,
        trail_stop_at=trailing.stop_at if trailing else None,
        breach=BreachAction(action, lock, enforce, tz),
    )
    if any(
        (
            limits.daily_loss,
            limits.daily_target,
            limits.weekly_loss,
            limits.weekly_target,
            limits.trail_amount,
        )
    ):
        pairs.append(("pnl_limits", chain.pnl_check(limits)))
        return limits
    return None


def _contracts(spec: RiskPolicySpec, d: _Diagnostics, pairs: list[tuple[str, Check]]) -> None:
    rules: dict[str, int | None] = {}
    for i, c in enumerate(spec.contracts or ()):
        base: Path = ("spec", "contracts", i)
        root = canonical_root(c.symbol)
        if root is None:
            close = difflib.get_close_matches(c.symbol.upper(), list(contract_table()), n=1)
            d.add(
                (*base, "symbol"),
                "unknown-symbol",
                f"'{c.symbol}' is not in the contract table; the rule applies to orders whose root is exactly '{c.symbol.upper()}'",
                f"did you mean {close[0]}?" if close else None,
                severity="warning",
            )
            root = c.symbol.strip().upper()
        elif root != c.symbol:
            d.add(
                (*base, "symbol"),
                "symbol-root",
                f"'{c.symbol}' is read as the root {root}; contract rules apply to every expiry",
                severity="warning",
            )
        if root in rules:
            d.add((*base, "symbol"), "duplicate-name", f"{root} has two contract rules")
            continue
        if c.mode == "cap":
            if c.max_contracts is None:
                d.add(base, "missing-field", f"the cap rule for {root} needs max_contracts (1-10,000)")
                continue
            rules[root] = c.max_contracts
        else:
            if c.max_contracts is not None:
                d.add(
                    (*base, "max_contracts"),
                    "ignored",
                    "max_contracts has no effect in block mode",
                    severity="warning",
                )
            rules[root] = None
    if rules:
        pairs.append(("contracts", chain.contracts_check(rules)))


@functools.lru_cache(maxsize=4096)
def _rule_function(when: str, name: str) -> Callable[[Order, Snapshot, Facts], bool]:
    """A rule's condition, parsed and compiled once per (text, rule name): the same rule
    recurs in every policy that extends a base and in presets copied across a repository,
    and its function is pure. A condition that does not compile raises each time."""
    from ordergate.policy import expression_cache  # lark: only for a text not parsed before
    from ordergate.policy.exprcompile import compile_rule

    return compile_rule(expression_cache.parse(when), name)


def _rules(spec: RiskPolicySpec, loc: Locator, d: _Diagnostics, pairs: list[tuple[str, Check]]) -> None:
    if not spec.rules:
        return
    from ordergate.policy.syntax import ExpressionError

    compiled: list[CompiledRule] = []
    seen: set[str] = set()
    for i, r in enumerate(spec.rules or ()):
        base: Path = ("spec", "rules", i)
        if r.name in seen:
            d.add((*base, "name"), "duplicate-name", f"rule '{r.name}' is defined twice in this policy")
            continue
        seen.add(r.name)
        try:
            fn = _rule_function(r.when, r.name)
        except ExpressionError as exc:
            d.add(
                (*base, "when"),
                exc.code,
                exc.message,
                exc.hint,
                pos=loc.offset_pos((*base, "when"), exc.offset),
            )
            continue
        message = r.message or f"rule {r.name} matched: {r.when}"
        compiled.append(CompiledRule(r.name, f"rule:{r.name}", r.action == "block", message, fn))
    if compiled:
        pairs.append(("rules", chain.rules_check(tuple(compiled))))
