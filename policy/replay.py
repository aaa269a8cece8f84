"""What-if replay: the orders of an exported audit log decided again under other rules.

Theory of operation. ``ordergate audit export`` writes one JSON object a line for each
decision the runtime made: ``at`` (the clock), ``account``, ``order``, ``snapshot`` (the
PolicyTest ``state`` shape the runtime decided on; ``Snapshot.from_dict`` reads it back
exactly), ``decision`` (what was decided) and, when the intraday and end-of-day equity
marks differ, ``peaks``. A replay reads each line, binds the account to a policy of the
new bundle as the runtime binds it (account id and nickname), decides the order on that
snapshot at that instant, and compares outcome, stage and code with the *before*
decision: the base bundle's when one is given, else the decision recorded. Nothing here
reads the wall clock or the runtime: the log carries every input.

A change is grouped by the reason that makes the difference: the stage and code of the
block after (an order newly blocked, or blocked for another reason), or of the block
before (an order no longer blocked). With the rules the log was recorded under, every
decision comes out as recorded: zero changes is the self-check.

A bad line (not JSON, a missing field, an order or snapshot that does not read) is an
``InputError`` whose field is the file and line: a replay that skipped what it could not
read would report fewer changes than there are.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import MappingProxyType
from typing import IO, Any

from ordergate.policy.bundle import Bundle, UnboundPolicy
from ordergate.policy.compiler import CompiledPolicy
from ordergate.policy.contracts import spec_for, symbol_root
from ordergate.policy.errors import InputError
from ordergate.policy.orders import Order, Position, Quote, Snapshot

_ORDER_KEYS = frozenset(
    {"symbol", "side", "qty", "type", "source", "price", "stop_price", "intent", "account", "client_order_id"}
)


@dataclass(frozen=True, slots=True)
class Verdict:
    outcome: str
    stage: str | None
    code: str | None
    message: str = field(default="", compare=False)

    @classmethod
    def of(cls, decision: Any) -> Verdict:
        if isinstance(decision, dict):
            return cls(
                decision["outcome"], decision.get("stage"), decision.get("code"), decision.get("message", "")
            )
        return cls(decision.outcome, decision.stage, decision.code, decision.message)

    @property
    def label(self) -> str:
        if self.outcome == "block":
            return f"block {self.stage}/{self.code}"
        return "allow (exit)" if self.stage == "exit_bypass" else "allow"

    def to_dict(self) -> dict[str, Any]:
        return {"outcome": self.outcome, "stage": self.stage, "code": self.code, "message": self.message}


@dataclass(frozen=True, slots=True)
class Entry:
    """One logged decision, read: what it was decided on and what was decided."""

    line: int
    id: int | None
    at: datetime
    account: str
    order: Order
    snapshot: Snapshot
    peaks: tuple[float, float] | None  # (intraday, end of day) when they differ
    recorded: Verdict


@dataclass(frozen=True, slots=True)
class Change:
    entry: Entry
    before: Verdict
    after: Verdict

    @property
    def reason(self) -> Verdict:
        """The block that makes the difference: the one after, else the one before."""
        return self.after if self.after.outcome == "block" else self.before

    @property
    def kind(self) -> str:
        if self.before.outcome == self.after.outcome:
            return "blocked for another reason"
        return "newly blocked" if self.after.outcome == "block" else "no longer blocked"

    def to_dict(self) -> dict[str, Any]:
        e = self.entry
        order = e.order.to_dict()
        order.pop("root", None)
        out: dict[str, Any] = {
            "line": e.line,
            "at": e.at.isoformat(),
            "account": e.account,
            "order": order,
            "before": self.before.to_dict(),
            "after": self.after.to_dict(),
        }
        if e.id is not None:
            out["id"] = e.id
        return out


@dataclass(frozen=True, slots=True)
class Group:
    stage: str | None
    code: str | None
    before: str  # outcome
    after: str
    count: int
    was: tuple[str | None, str | None] | None = None  # the stage and code before, for block → block

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "stage": self.stage,
            "code": self.code,
            "before": self.before,
            "after": self.after,
            "count": self.count,
        }
        if self.was is not None:
            out["before_stage"], out["before_code"] = self.was
        return out


@dataclass(frozen=True, slots=True)
class Report:
    decisions: int
    changes: tuple[Change, ...]
    rules: str  # what the new decisions came from, as the user named it
    base: str | None  # the base rules, or None for the decisions recorded

    @property
    def groups(self) -> list[Group]:
        counts: Counter[tuple[str | None, str | None, str, str, tuple[str | None, str | None] | None]] = (
            Counter()
        )
        for c in self.changes:
            r = c.reason
            was = (c.before.stage, c.before.code) if c.before.outcome == c.after.outcome else None
            counts[(r.stage, r.code, c.before.outcome, c.after.outcome, was)] += 1
        groups = [Group(s, code, b, a, n, was) for (s, code, b, a, was), n in counts.items()]
        return sorted(groups, key=lambda g: (-g.count, g.stage or "", g.code or "", g.before))

    @property
    def accounts(self) -> list[tuple[str, int]]:
        """The accounts affected, most changes first."""
        counts = Counter(c.entry.account for c in self.changes)
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))

    @property
    def kinds(self) -> dict[str, int]:
        counts = Counter(c.kind for c in self.changes)
        return {
            k: counts.get(k, 0) for k in ("newly blocked", "no longer blocked", "blocked for another reason")
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "decisions": self.decisions,
            "changed": len(self.changes),
            "rules": self.rules,
            "base": self.base,
            "newly_blocked": self.kinds["newly blocked"],
            "no_longer_blocked": self.kinds["no longer blocked"],
            "blocked_for_another_reason": self.kinds["blocked for another reason"],
            "accounts": [{"account": a, "count": n} for a, n in self.accounts],
            "groups": [g.to_dict() for g in self.groups],
            "changes": [c.to_dict() for c in self.changes],
        }


# ---------------------------------------------------------------- reading the log


def read_log(lines: Iterable[str], name: str = "log") -> Iterator[Entry]:
    """Each non-blank line of an exported log, read; a bad one raises InputError."""
    for number, text in enumerate(lines, start=1):
        if text.strip():
            yield read_entry(text, number, name)


def read_entry(text: str, line: int, name: str = "log") -> Entry:
    where = f"{name}:{line}"
    try:
        record = json.loads(text)
    except ValueError:
        raise InputError(where, "not a JSON object (is this an `ordergate audit export` file?)") from None
    if not isinstance(record, dict):
        raise InputError(where, "not a JSON object (is this an `ordergate audit export` file?)")
    missing = [k for k in ("at", "account", "order", "snapshot", "decision") if k not in record]
    if missing:
        raise InputError(where, f"the record has no {', '.join(missing)}")
    try:
        at = datetime.fromisoformat(record["at"])
    except (TypeError, ValueError):
        raise InputError(where, f"at must be an ISO 8601 instant, not {record['at']!r}") from None
    if at.tzinfo is None:
        raise InputError(where, f"at must carry an offset, not {record['at']!r}")
    order_data = record["order"]
    if not isinstance(order_data, dict):
        raise InputError(where, "order must be an object")
    decision = record["decision"]
    if not isinstance(decision, dict) or decision.get("outcome") not in ("allow", "block"):
        raise InputError(where, "decision must be an object with an outcome of allow or block")
    try:
        order = _order(order_data)
        snapshot = exported_snapshot(record["snapshot"]) or Snapshot.from_dict(
            record["snapshot"], at, where="snapshot."
        )
    except InputError as exc:
        raise InputError(where, str(exc)) from None
    return Entry(
        line,
        record.get("id"),
        at,
        str(record["account"]),
        order,
        snapshot,
        _peaks(record.get("peaks"), where),
        Verdict.of(decision),
    )


_orders: dict[tuple[Any, ...], Order] = {}


def _order(data: dict[str, Any]) -> Order:
    """Orders repeat (the same lot in the same contract, all day): each is read once."""
    key = tuple(item for item in data.items() if item[0] in _ORDER_KEYS)
    try:
        found = _orders.get(key)
    except TypeError:  # an unhashable value: from_dict says what is wrong with it
        found = None
    if found is None:
        found = Order.from_dict(dict(key))
        if len(_orders) >= 10_000:
            _orders.clear()
        _orders[key] = found
    return found


_SNAPSHOT_KEYS = frozenset({"account", "positions", "quotes", "pnl", "trades", "automation_paused"})
_ACCOUNT_KEYS = frozenset({"id", "nickname", "balance", "equity", "peak_equity", "enabled", "locked"})
_LOCK_KEYS = frozenset({"until", "enforce", "reason"})
_POSITION_KEYS = frozenset({"qty", "avg_price"})
_QUOTE_KEYS = frozenset({"bid", "ask", "last", "time"})
_PNL_KEYS = frozenset({"daily_realized", "weekly_realized"})
_TRADES_KEYS = frozenset({"daily", "weekly"})
_NUMBERS = (int, float)
_point_values: dict[str, float] = {}


class _Unusual(Exception):
    """Not the shape ``to_dict`` writes: ``Snapshot.from_dict`` reads it instead."""


def _number(value: Any) -> float | None:
    """A finite JSON number as a float (None stays None); _Unusual for anything else."""
    if value is None:
        return None
    if type(value) not in _NUMBERS or value - value != 0:  # bool, a string, NaN, infinity
        raise _Unusual
    return float(value)


def _instant(text: Any) -> float:
    if type(text) is not str:
        raise _Unusual
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise _Unusual from None
    if at.tzinfo is None:
        raise _Unusual
    return at.timestamp()


def _point_value(root: str) -> float:
    """The point value of a key that is a root, as ``to_dict`` writes them."""
    value = _point_values.get(root)
    if value is None:
        if symbol_root(root) != root:
            raise _Unusual
        spec = spec_for(root)
        value = _point_values[root] = spec.point_value if spec else 0.0
    return value


def _part(data: dict[str, Any], key: str, keys: frozenset[str] | None) -> dict[str, Any]:
    """``data[key]``, a mapping of ``keys`` only (None: of any key, such as the roots)."""
    part = data.get(key)
    if part is None:
        return {}
    if type(part) is not dict or (keys is not None and not part.keys() <= keys):
        raise _Unusual
    return part


def exported_snapshot(data: Any) -> Snapshot | None:
    """The Snapshot of a ``snapshot`` exactly as ``Snapshot.to_dict`` writes it, read in a
    third of ``Snapshot.from_dict``'s time (a replay reads a million); None for anything
    else, which ``from_dict`` then reads or refuses. A test holds the two equal."""
    try:
        if type(data) is not dict or not data.keys() <= _SNAPSHOT_KEYS:
            raise _Unusual
        return _read_exported(data)
    except _Unusual:
        return None


def _read_exported(data: dict[str, Any]) -> Snapshot:
    account = _part(data, "account", _ACCOUNT_KEYS)
    ident, nickname = account.get("id"), account.get("nickname")
    enabled, locked = account.get("enabled", True), account.get("locked", False)
    if type(enabled) is not bool or not (ident is None or type(ident) is str):
        raise _Unusual
    if not (nickname is None or type(nickname) is str):
        raise _Unusual
    until: float | None = None
    enforce, reason = False, None
    if type(locked) is dict:
        lock = _part(account, "locked", _LOCK_KEYS)
        if "until" in lock:
            until = _instant(lock["until"])
        enforce, reason, locked = lock.get("enforce", False), lock.get("reason"), True
        if type(enforce) is not bool:
            raise _Unusual
    elif type(locked) is not bool:
        raise _Unusual
    positions: dict[str, Position] = {}
    for root, pos in _part(data, "positions", None).items():
        if type(pos) is not dict or not pos.keys() <= _POSITION_KEYS or type(pos.get("qty")) is not int:
            raise _Unusual
        positions[root] = Position(pos["qty"], _number(pos.get("avg_price", 0.0)) or 0.0, _point_value(root))
    quotes: dict[str, Quote] = {}
    for root, q in _part(data, "quotes", None).items():
        if type(q) is not dict or not q.keys() <= _QUOTE_KEYS:
            raise _Unusual
        _point_value(root)
        quotes[root] = Quote(
            _number(q.get("bid")),
            _number(q.get("ask")),
            _number(q.get("last")),
            _instant(q.get("time")),
            None,
        )
    pnl = _part(data, "pnl", _PNL_KEYS)
    trades = _part(data, "trades", _TRADES_KEYS)
    daily_trades, weekly_trades = trades.get("daily", 0), trades.get("weekly", 0)
    paused = data.get("automation_paused", False)
    if type(daily_trades) is not int or type(weekly_trades) is not int or type(paused) is not bool:
        raise _Unusual
    return Snapshot(
        account_id=ident,
        nickname=nickname,
        enabled=enabled,
        locked=locked,
        lock_until=until,
        lock_enforce=enforce,
        lock_reason=reason,
        balance=_number(account.get("balance")),
        equity_given=_number(account.get("equity")),
        peak_equity=_number(account.get("peak_equity")),
        positions=MappingProxyType(positions),
        quotes=MappingProxyType(quotes),
        daily_realized=_number(pnl.get("daily_realized", 0.0)) or 0.0,
        weekly_realized=_number(pnl.get("weekly_realized", 0.0)) or 0.0,
        daily_trades=daily_trades,
        weekly_trades=weekly_trades,
        automation_paused=paused,
    )


def _peaks(data: Any, where: str) -> tuple[float, float] | None:
    if data is None:
        return None
    try:
        return float(data["intraday"]), float(data["end_of_day"])
    except (TypeError, KeyError, ValueError):
        raise InputError(where, "peaks must be {intraday, end_of_day}") from None


# ---------------------------------------------------------------- deciding again


def decide(bundle: Bundle, entry: Entry) -> Verdict:
    """The decision ``bundle`` makes on the entry's order, snapshot and instant."""
    snapshot = entry.snapshot
    policy = bundle.policy_for(entry.account, snapshot.nickname)
    if entry.peaks is not None:
        peak = entry.peaks[1] if _trails_end_of_day(policy) else entry.peaks[0]
        if peak != snapshot.peak_equity:
            snapshot = replace(snapshot, peak_equity=peak)
    return Verdict.of(policy.evaluate(entry.order, snapshot, entry.at))


def _trails_end_of_day(policy: CompiledPolicy | UnboundPolicy) -> bool:
    """The runtime's choice of peak (``AccountState.snapshot_for``)."""
    limits = getattr(policy, "limits", None)
    return limits is not None and bool(limits.trail_amount) and not limits.trail_intraday


def replay(
    entries: Iterable[Entry],
    rules: Bundle,
    base: Bundle | None = None,
    *,
    rules_name: str = "",
    base_name: str | None = None,
) -> Report:
    """Every entry decided under ``rules``, against ``base`` (or the decision recorded)."""
    changes: list[Change] = []
    count = 0
    for entry in entries:
        count += 1
        after = decide(rules, entry)
        before = decide(base, entry) if base is not None else entry.recorded
        if after != before:
            changes.append(Change(entry, before, after))
    return Report(count, tuple(changes), rules_name, base_name)


def replay_file(
    stream: IO[str], rules: Bundle, base: Bundle | None = None, *, name: str = "log", **names: Any
) -> Report:
    return replay(read_log(stream, name), rules, base, **names)
