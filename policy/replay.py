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
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import IO, Any

from ordergate.policy.bundle import Bundle, UnboundPolicy
from ordergate.policy.compiler import CompiledPolicy
from ordergate.policy.decision import Decision
from ordergate.policy.errors import InputError
from ordergate.policy.orders import Order, Snapshot
from ordergate.policy.replay_snapshot import exported_snapshot

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
        if text and not text.isspace():  # blank: empty or whitespace only, as strip() sees it
            yield Entry(number, *_read(text, number, name))


def read_entry(text: str, line: int, name: str = "log") -> Entry:
    return Entry(line, *_read(text, line, name))


_NOT_AN_EXPORT = "not a JSON object (is this an `ordergate audit export` file?)"
_FIELDS = ("at", "account", "order", "snapshot", "decision")
_NEEDED = frozenset(_FIELDS)
# An Entry's fields after its line: what the replay loop decides on (an Entry is built
# only for a decision that changes).
Fields = tuple[int | None, datetime, str, Order, Snapshot, tuple[float, float] | None, Verdict]


def _json(text: str) -> Any:
    """``json.loads(text)`` without its layers of Python around the C scanner: the value
    after any leading whitespace, and nothing but whitespace after it; ValueError else."""
    start = len(text) - len(text.lstrip(_SPACE)) if text[:1] in _SPACE_FIRST else 0
    try:
        value, end = _scan(text, start)
    except StopIteration:
        raise ValueError("not JSON") from None
    if end != len(text) and text[end:].strip(_SPACE):
        raise ValueError("extra data")
    return value


# the C scanner json.loads uses (the decoder's own attribute, which typeshed leaves out)
_scan: Callable[[str, int], tuple[Any, int]] = vars(json.JSONDecoder())["scan_once"]
_SPACE = " \t\n\r"  # JSON's whitespace: str.isspace would take more
_SPACE_FIRST = frozenset(_SPACE)


def _read(text: str, line: int, name: str) -> Fields:
    try:
        record = _json(text)
    except ValueError:
        raise InputError(f"{name}:{line}", _NOT_AN_EXPORT) from None
    if type(record) is not dict:
        raise InputError(f"{name}:{line}", _NOT_AN_EXPORT)
    if not record.keys() >= _NEEDED:
        missing = [k for k in _FIELDS if k not in record]
        raise InputError(f"{name}:{line}", f"the record has no {', '.join(missing)}")
    try:
        at = datetime.fromisoformat(record["at"])
    except (TypeError, ValueError):
        raise InputError(f"{name}:{line}", f"at must be an ISO 8601 instant, not {record['at']!r}") from None
    if at.tzinfo is None:
        raise InputError(f"{name}:{line}", f"at must carry an offset, not {record['at']!r}")
    order_data = record["order"]
    if type(order_data) is not dict:
        raise InputError(f"{name}:{line}", "order must be an object")
    decision = record["decision"]
    if type(decision) is not dict or decision.get("outcome") not in _OUTCOMES:
        raise InputError(f"{name}:{line}", "decision must be an object with an outcome of allow or block")
    try:
        order = _order(order_data)
        snapshot = exported_snapshot(record["snapshot"]) or Snapshot.from_dict(
            record["snapshot"], at, where="snapshot."
        )
    except InputError as exc:
        raise InputError(f"{name}:{line}", str(exc)) from None
    peaks = record.get("peaks")
    return (
        record.get("id"),
        at,
        str(record["account"]),
        order,
        snapshot,
        None if peaks is None else _peaks(peaks, f"{name}:{line}"),
        _verdict(decision),
    )


_OUTCOMES = ("allow", "block")
_orders: dict[tuple[Any, ...], Order] = {}
_verdicts: dict[tuple[Any, ...], Verdict] = {}


def _order(data: dict[str, Any]) -> Order:
    """Orders repeat (the same lot in the same contract, all day): each is read once. The
    key is the record's keys, values and the values' types, in one flat tuple (a root the
    export adds, in the export's order), since true == 1 == 1.0 but only a whole number is
    a qty."""
    values = data.values()
    key = (*data, *values, *map(type, values))
    try:
        found = _orders.get(key)
    except TypeError:  # an unhashable value: from_dict says what is wrong with it
        return Order.from_dict({k: v for k, v in data.items() if k in _ORDER_KEYS})
    if found is None:
        found = Order.from_dict({k: v for k, v in data.items() if k in _ORDER_KEYS})
        if len(_orders) >= 10_000:
            _orders.clear()
        _orders[key] = found
    return found


def _verdict(decision: dict[str, Any]) -> Verdict:
    """The decisions recorded repeat too (``allowed``, the same block all afternoon)."""
    key = (decision["outcome"], decision.get("stage"), decision.get("code"), decision.get("message", ""))
    if type(key[1]) not in _TEXT or type(key[2]) not in _TEXT or type(key[3]) is not str:
        return Verdict.of(decision)
    found = _verdicts.get(key)
    if found is None:
        found = Verdict.of(decision)
        if len(_verdicts) >= 10_000:
            _verdicts.clear()
        _verdicts[key] = found
    return found


_TEXT = (str, type(None))


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
    return Verdict.of(_decided(bundle, entry))


def _decided(bundle: Bundle, entry: Entry) -> Decision:
    return _decide(bundle, entry.account, entry.order, entry.snapshot, entry.at, entry.peaks)


def _decide(
    bundle: Bundle,
    account: str,
    order: Order,
    snapshot: Snapshot,
    at: datetime,
    peaks: tuple[float, float] | None,
) -> Decision:
    policy = bundle.policy_for(account, snapshot.nickname)
    if peaks is not None:
        peak = peaks[1] if _trails_end_of_day(policy) else peaks[0]
        if peak != snapshot.peak_equity:
            snapshot = replace(snapshot, peak_equity=peak)
    return policy.evaluate(order, snapshot, at)


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
        after = _decided(rules, entry)
        before: Decision | Verdict = _decided(base, entry) if base is not None else entry.recorded
        # a Verdict for the changes only: most decisions come out as before
        if after.outcome != before.outcome or after.stage != before.stage or after.code != before.code:
            changes.append(Change(entry, Verdict.of(before), Verdict.of(after)))
    return Report(count, tuple(changes), rules_name, base_name)


def replay_file(
    stream: IO[str],
    rules: Bundle,
    base: Bundle | None = None,
    *,
    name: str = "log",
    rules_name: str = "",
    base_name: str | None = None,
) -> Report:
    """``replay(read_log(stream))``, each line read once and decided under both bundles,
    and an Entry built only for the decisions that change."""
    changes: list[Change] = []
    count = 0
    for number, text in enumerate(stream, start=1):
        if not text or text.isspace():
            continue
        fields = _read(text, number, name)
        count += 1
        _, at, account, order, snapshot, peaks, recorded = fields
        after = _decide(rules, account, order, snapshot, at, peaks)
        before: Decision | Verdict = (
            _decide(base, account, order, snapshot, at, peaks) if base is not None else recorded
        )
        if after.outcome != before.outcome or after.stage != before.stage or after.code != before.code:
            changes.append(Change(Entry(number, *fields), Verdict.of(before), Verdict.of(after)))
    return Report(count, tuple(changes), rules_name, base_name)
