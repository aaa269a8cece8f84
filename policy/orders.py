"""What a decision looks at: the Order and a Snapshot of the account.

Both are immutable and built once (by the runtime from its live state, by tests and the
CLI from dicts). A Snapshot computes what depends only on itself when it is built, the
unrealized P&L and the count of open symbols, so that deciding many orders against one
snapshot does not compute them again.

Working orders (DESIGN 4.3): ``Snapshot.working`` holds, by root, the entry contracts
resting at the broker (limit and stop entries that may still fill). They matter to the
positions stage only: ``max_position_size`` is judged on the worst case (the position plus
every working order on the order's side plus the order) and a root with a working entry
counts as open for ``max_open_positions``. They do not change what is an exit: an order
that only reduces the *held* position is an exit whatever rests at the broker, because
an exit must always get out. Working exits (stops and targets) are not reported there.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any, cast

from ordergate.policy.calendar import parse_duration, parse_instant
from ordergate.policy.contracts import spec_for, symbol_root
from ordergate.policy.errors import InputError
from ordergate.policy.quick_init import quick_init
from ordergate.policy.timefmt import utc_text

SIDES = ("buy", "sell")
ORDER_TYPES = ("market", "limit", "stop", "stop_limit")
INTENTS = ("open", "close", "flatten")
MANUAL_SOURCES = frozenset({"manual"})
MAX_CLIENT_ORDER_ID = 128  # brokers cap their own client ids near here

_ORDER_FIELDS = {
    "symbol",
    "side",
    "qty",
    "type",
    "source",
    "price",
    "stop_price",
    "intent",
    "account",
    "client_order_id",
    "contract",
}


def naive_now_error() -> InputError:
    """The error for a ``now`` without a timezone: reading it as UTC would shift every
    window, blackout and lock by the caller's offset without a word."""
    return InputError(
        "now", "must be a timezone-aware datetime (e.g. datetime.now(UTC)); a naive one is refused"
    )


def _number(d: Mapping[str, Any], key: str, where: str, default: float | None = None) -> float | None:
    value = d.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InputError(f"{where}{key}", f"must be a number, not {value!r}")
    return float(value)


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InputError(where, "must be a mapping")
    return value


@quick_init
@dataclass(frozen=True, slots=True)
class Order:
    symbol: str
    side: str
    qty: int
    type: str = "market"
    source: str = "manual"
    price: float | None = None
    stop_price: float | None = None
    intent: str = "open"
    account: str | None = None
    client_order_id: str | None = None
    root: str = field(default="", compare=False)
    sign: int = field(default=0, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", symbol_root(self.symbol))
        object.__setattr__(self, "sign", 1 if self.side == "buy" else -1)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, where: str = "order.") -> Order:
        if type(data) is not dict:  # a plain dict (every API body) needs no Mapping check
            data = _mapping(data, where.rstrip("."))
        if not _ORDER_FIELDS.issuperset(data):
            unknown = sorted(set(data) - _ORDER_FIELDS)
            raise InputError(
                f"{where}{unknown[0]}",
                f"unknown field; known fields: {', '.join(sorted(_ORDER_FIELDS - {'contract'}))}",
            )
        symbol = data.get("symbol") or data.get("contract")
        if not isinstance(symbol, str) or not symbol.strip():
            raise InputError(f"{where}symbol", "is required (a contract such as ESZ6 or a root such as ES)")
        side = data.get("side")
        if side not in SIDES:
            raise InputError(f"{where}side", f"must be buy or sell, not {side!r}")
        qty = data.get("qty")
        if isinstance(qty, float) and qty.is_integer():
            qty = int(qty)
        if isinstance(qty, bool) or not isinstance(qty, int) or qty < 1:
            raise InputError(f"{where}qty", f"must be a whole number of contracts, at least 1, not {qty!r}")
        otype = data.get("type", "market")
        if otype not in ORDER_TYPES:
            raise InputError(f"{where}type", f"must be one of {', '.join(ORDER_TYPES)}, not {otype!r}")
        intent = data.get("intent", "open")
        if intent not in INTENTS:
            raise InputError(f"{where}intent", f"must be one of {', '.join(INTENTS)}, not {intent!r}")
        # a market order (most orders) has neither price: no call and no loop for them
        price = data.get("price")
        if price is not None:
            price = _number(data, "price", where)
        stop_price = data.get("stop_price")
        if stop_price is not None:
            stop_price = _number(data, "stop_price", where)
        if price is not None or stop_price is not None:
            for key, value in (("price", price), ("stop_price", stop_price)):
                if value is not None and value <= 0:
                    raise InputError(f"{where}{key}", f"must be a positive price, not {value:g}")
        if otype in ("limit", "stop_limit") and price is None:
            raise InputError(f"{where}price", f"a {otype} order needs a price")
        if otype in ("stop", "stop_limit") and stop_price is None:
            raise InputError(f"{where}stop_price", f"a {otype} order needs a stop_price")
        source = data.get("source", "manual")
        if not isinstance(source, str) or not source:
            raise InputError(f"{where}source", "must be a word such as manual, api, webhook, copy")
        client_order_id = data.get("client_order_id")
        if client_order_id is not None and (
            not isinstance(client_order_id, str) or not 1 <= len(client_order_id) <= MAX_CLIENT_ORDER_ID
        ):
            raise InputError(
                f"{where}client_order_id",
                f"must be a string of 1 to {MAX_CLIENT_ORDER_ID} characters, not {client_order_id!r}",
            )
        if cls is Order:  # every order the runtime takes: built as ``Snapshot.assemble`` builds
            return new_order(
                symbol.strip(),
                side,
                qty,
                otype,
                source,
                price,
                stop_price,
                intent,
                data.get("account"),
                client_order_id,
            )
        return cls(
            symbol=symbol.strip(),
            side=side,
            qty=qty,
            type=otype,
            source=source,
            price=price,
            stop_price=stop_price,
            intent=intent,
            account=data.get("account"),
            client_order_id=client_order_id,
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "symbol": self.symbol,
            "root": self.root,
            "side": self.side,
            "qty": self.qty,
            "type": self.type,
            "source": self.source,
            "intent": self.intent,
        }
        # written out, not a loop of getattr: every order is turned into a dict twice
        if self.price is not None:
            out["price"] = self.price
        if self.stop_price is not None:
            out["stop_price"] = self.stop_price
        if self.account is not None:
            out["account"] = self.account
        if self.client_order_id is not None:
            out["client_order_id"] = self.client_order_id
        return out


@quick_init
@dataclass(frozen=True, slots=True)
class Position:
    qty: int
    avg_price: float = 0.0
    point_value: float = 0.0


@quick_init
@dataclass(frozen=True, slots=True)
class Quote:
    bid: float | None = None
    ask: float | None = None
    last: float | None = None
    time: float | None = None  # timestamp when known
    age: float | None = None  # seconds, when given relative to the decision

    @property
    def mark(self) -> float | None:
        if self.last is not None:
            return self.last
        if self.bid is not None and self.ask is not None:
            return (self.bid + self.ask) / 2
        return None

    def age_at(self, now_ts: float) -> float | None:
        if self.time is not None:
            return max(now_ts - self.time, 0.0)
        return self.age


@dataclass(frozen=True, slots=True)
class Working:
    """Entry contracts resting at the broker in one root, by side."""

    buy: int = 0
    sell: int = 0

    def __post_init__(self) -> None:
        for side in ("buy", "sell"):
            value = getattr(self, side)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise InputError(
                    f"working.{side}", f"must be a whole number of contracts, 0 or more, not {value!r}"
                )

    def __bool__(self) -> bool:
        return bool(self.buy or self.sell)


def merge_working(working: Mapping[str, Working]) -> dict[str, Working]:
    """Working entries by root: spellings of one root add up; empty entries are dropped."""
    merged: dict[str, Working] = {}
    for symbol, w in working.items():
        if not w:
            continue
        root = symbol_root(symbol)
        have = merged.get(root)
        merged[root] = w if have is None else Working(have.buy + w.buy, have.sell + w.sell)
    return merged


def unrealized_pnl(positions: Mapping[str, Position], quotes: Mapping[str, Quote]) -> float:
    """Open positions marked at the last trade, else the mid, times the point value."""
    total = 0.0
    for root, pos in positions.items():
        quote = quotes.get(root)
        mark = quote.mark if quote is not None else None
        if pos.qty and mark is not None:
            total += (mark - pos.avg_price) * pos.qty * pos.point_value
    return total


@quick_init
@dataclass(frozen=True, slots=True)
class Snapshot:
    """The state of one account at one moment, as the check chain sees it."""

    account_id: str | None = None
    nickname: str | None = None
    enabled: bool = True
    locked: bool = False
    lock_until: float | None = None
    lock_enforce: bool = False
    lock_reason: str | None = None
    balance: float | None = None
    equity_given: float | None = None
    peak_equity: float | None = None
    positions: Mapping[str, Position] = field(default_factory=dict)
    quotes: Mapping[str, Quote] = field(default_factory=dict)
    daily_realized: float = 0.0
    weekly_realized: float = 0.0
    daily_trades: int = 0
    weekly_trades: int = 0
    automation_paused: bool = False
    working: Mapping[str, Working] | None = None  # entries resting at the broker, by root
    unrealized: float = field(default=0.0, init=False)
    daily_pnl: float = field(default=0.0, init=False)  # realized + unrealized
    weekly_pnl: float = field(default=0.0, init=False)
    open_positions: int = field(default=0, init=False)  # roots held
    open_symbols: int = field(default=0, init=False)  # roots held or with a working entry

    def __post_init__(self) -> None:
        unrealized = unrealized_pnl(self.positions, self.quotes)
        object.__setattr__(self, "unrealized", unrealized)
        object.__setattr__(self, "daily_pnl", self.daily_realized + unrealized)
        object.__setattr__(self, "weekly_pnl", self.weekly_realized + unrealized)
        held = {root for root, pos in self.positions.items() if pos.qty}
        object.__setattr__(self, "open_positions", len(held))
        # None or a non-empty mapping by root, so the positions stage pays one test when
        # nothing is working
        working = merge_working(self.working) if self.working else None
        object.__setattr__(self, "working", MappingProxyType(working) if working else None)
        object.__setattr__(self, "open_symbols", len(held | working.keys()) if working else len(held))

    @property
    def equity(self) -> float | None:
        if self.equity_given is not None:
            return self.equity_given
        if self.balance is not None:
            return self.balance + self.unrealized
        return None

    def position_qty(self, root: str) -> int:
        pos = self.positions.get(root)
        return pos.qty if pos is not None else 0

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any] | None, at: datetime | None = None, *, where: str = "state."
    ) -> Snapshot:
        """The PolicyTest ``state`` shape; quote ages are taken relative to ``at``."""
        if at is not None and at.tzinfo is None:
            raise InputError("at", "must be a timezone-aware datetime; quote ages are measured from it")
        data = _mapping(data, where.rstrip("."))
        known = {"account", "positions", "pnl", "trades", "quotes", "automation_paused", "working"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise InputError(
                f"{where}{unknown[0]}", f"unknown field; known fields: {', '.join(sorted(known))}"
            )
        account = _mapping(data.get("account"), f"{where}account")
        lock = account.get("locked", False)
        lock_until: float | None = None
        lock_enforce = False
        lock_reason = None
        if isinstance(lock, Mapping):
            until = lock.get("until")
            if until is not None:
                instant = parse_instant(str(until))
                if instant is None:
                    raise InputError(
                        f"{where}account.locked.until", "must be an ISO 8601 time with an offset"
                    )
                lock_until = instant.timestamp()
            lock_enforce = bool(lock.get("enforce", False))
            lock_reason = lock.get("reason")
            locked = True
        elif isinstance(lock, bool):
            locked = lock
        else:
            raise InputError(f"{where}account.locked", "must be true/false or {until, enforce, reason}")
        positions: dict[str, Position] = {}
        for symbol, pos in _mapping(data.get("positions"), f"{where}positions").items():
            pw = f"{where}positions.{symbol}."
            pos = _mapping(pos, pw.rstrip("."))
            qty = pos.get("qty")
            if isinstance(qty, bool) or not isinstance(qty, int):
                raise InputError(f"{pw}qty", "must be a whole number (negative for short)")
            root = _new_root(symbol, positions, pw)
            spec = spec_for(root)
            positions[root] = Position(
                qty, _number(pos, "avg_price", pw, 0.0) or 0.0, spec.point_value if spec else 0.0
            )
        quotes: dict[str, Quote] = {}
        for symbol, q in _mapping(data.get("quotes"), f"{where}quotes").items():
            qw = f"{where}quotes.{symbol}."
            q = _mapping(q, qw.rstrip("."))
            time_ts: float | None = None
            age: float | None = None
            if q.get("time") is not None:
                instant = parse_instant(str(q["time"]))
                if instant is None:
                    raise InputError(f"{qw}time", "must be an ISO 8601 time with an offset")
                time_ts = instant.timestamp()
            elif q.get("age") is not None:
                age = parse_duration(q["age"])
                if age is None:
                    raise InputError(f"{qw}age", "must be a duration such as 2s")
                if at is not None:
                    time_ts, age = at.timestamp() - age, None
            elif at is not None:
                time_ts = at.timestamp()
            quotes[_new_root(symbol, quotes, qw)] = Quote(
                _number(q, "bid", qw), _number(q, "ask", qw), _number(q, "last", qw), time_ts, age
            )
        working = _working(_mapping(data.get("working"), f"{where}working"), f"{where}working.")
        pnl = _mapping(data.get("pnl"), f"{where}pnl")
        trades = _mapping(data.get("trades"), f"{where}trades")
        return cls(
            account_id=account.get("id"),
            nickname=account.get("nickname"),
            enabled=bool(account.get("enabled", True)),
            locked=locked,
            lock_until=lock_until,
            lock_enforce=lock_enforce,
            lock_reason=lock_reason,
            balance=_number(account, "balance", f"{where}account."),
            equity_given=_number(account, "equity", f"{where}account."),
            peak_equity=_number(account, "peak_equity", f"{where}account."),
            positions=MappingProxyType(positions),
            quotes=MappingProxyType(quotes),
            daily_realized=_number(pnl, "daily_realized", f"{where}pnl.", 0.0) or 0.0,
            weekly_realized=_number(pnl, "weekly_realized", f"{where}pnl.", 0.0) or 0.0,
            daily_trades=int(trades.get("daily", 0)),
            weekly_trades=int(trades.get("weekly", 0)),
            automation_paused=bool(data.get("automation_paused", False)),
            working=working,
        )

    def to_dict(self) -> dict[str, Any]:
        """The PolicyTest ``state`` shape, compact: what ``from_dict`` reads back to this
        Snapshot (defaults left out; times as UTC ISO 8601 to the microsecond). The audit
        log keeps it beside each decision so that a replay decides on what the runtime saw."""
        # written out, not a loop over pairs: the audit log keeps one of these per decision
        account: dict[str, Any] = {}
        if self.account_id is not None:
            account["id"] = self.account_id
        if self.nickname is not None:
            account["nickname"] = self.nickname
        if self.balance is not None:
            account["balance"] = self.balance
        if self.equity_given is not None:
            account["equity"] = self.equity_given
        if self.peak_equity is not None:
            account["peak_equity"] = self.peak_equity
        if not self.enabled:
            account["enabled"] = False
        if self.locked:
            lock: dict[str, Any] = {"enforce": self.lock_enforce}
            if self.lock_until is not None:
                lock["until"] = _iso(self.lock_until)
            if self.lock_reason is not None:
                lock["reason"] = self.lock_reason
            account["locked"] = (
                lock if self.lock_until is not None or self.lock_enforce or self.lock_reason else True
            )
        out: dict[str, Any] = {"account": account} if account else {}
        if self.positions:
            out["positions"] = {
                root: {"qty": p.qty, "avg_price": p.avg_price} for root, p in self.positions.items()
            }
        if self.quotes:
            out["quotes"] = {root: _quote_dict(q) for root, q in self.quotes.items()}
        if self.daily_realized or self.weekly_realized:
            out["pnl"] = {"daily_realized": self.daily_realized, "weekly_realized": self.weekly_realized}
        if self.daily_trades or self.weekly_trades:
            out["trades"] = {"daily": self.daily_trades, "weekly": self.weekly_trades}
        if self.automation_paused:
            out["automation_paused"] = True
        if self.working:
            out["working"] = {
                root: {side: n for side, n in (("buy", w.buy), ("sell", w.sell)) if n}
                for root, w in self.working.items()
            }
        return out

    @classmethod
    def assemble(
        cls,
        account_id: str | None,
        nickname: str | None,
        enabled: bool,
        locked: bool,
        lock_until: float | None,
        lock_enforce: bool,
        lock_reason: str | None,
        balance: float | None,
        equity_given: float | None,
        peak_equity: float | None,
        positions: Mapping[str, Position],
        quotes: Mapping[str, Quote],
        daily_realized: float,
        weekly_realized: float,
        daily_trades: int,
        weekly_trades: int,
        automation_paused: bool,
    ) -> Snapshot:
        """``Snapshot(...)`` of these fields with nothing working, in a third of its time (a
        replay builds one for each of a million logged decisions). ``positions`` and
        ``quotes`` are read-only mappings by root, each root once. A test holds the two equal."""
        s = _SnapshotFields()  # see _unfrozen: plain stores, then the object becomes a Snapshot
        s.account_id = account_id
        s.nickname = nickname
        s.enabled = enabled
        s.locked = locked
        s.lock_until = lock_until
        s.lock_enforce = lock_enforce
        s.lock_reason = lock_reason
        s.balance = balance
        s.equity_given = equity_given
        s.peak_equity = peak_equity
        s.positions = positions
        s.quotes = quotes
        s.daily_realized = daily_realized
        s.weekly_realized = weekly_realized
        s.daily_trades = daily_trades
        s.weekly_trades = weekly_trades
        s.automation_paused = automation_paused
        s.working = None
        # flat (no positions) is the common case: no call, no generator for it
        s.unrealized = unrealized = unrealized_pnl(positions, quotes) if positions else 0.0
        s.daily_pnl = daily_realized + unrealized
        s.weekly_pnl = weekly_realized + unrealized
        s.open_positions = s.open_symbols = (
            sum(1 for pos in positions.values() if pos.qty) if positions else 0
        )
        s.__class__ = cls
        return cast(Snapshot, s)


def _unfrozen(cls: type) -> Any:
    """A plain class with ``cls``'s slots, for building many frozen objects fast.

    A frozen dataclass sets each field through ``object.__setattr__``, a call per field;
    an object of this twin takes plain attribute stores, then becomes a ``cls`` by
    ``__class__`` assignment, which Python allows between classes of the same slots
    (and refuses with a TypeError otherwise). Each field is set exactly once, as
    ``__init__`` would set it; tests hold every object so built equal to the constructor's.
    """
    return type(f"_{cls.__name__}Fields", (), {"__slots__": cls.__dict__["__slots__"]})


_SnapshotFields = _unfrozen(Snapshot)
_OrderFields = _unfrozen(Order)
_QuoteFields = _unfrozen(Quote)
_PositionFields = _unfrozen(Position)


def new_quote(bid: float | None, ask: float | None, last: float | None, time: float | None) -> Quote:
    """``Quote(bid, ask, last, time)`` (no age), built as ``Snapshot.assemble`` builds."""
    q = _QuoteFields()
    q.bid = bid
    q.ask = ask
    q.last = last
    q.time = time
    q.age = None
    q.__class__ = Quote
    return cast(Quote, q)


def new_order(
    symbol: str,
    side: str,
    qty: int,
    type: str,
    source: str,
    price: float | None,
    stop_price: float | None,
    intent: str,
    account: str | None,
    client_order_id: str | None,
) -> Order:
    """``Order(...)`` of these fields, ``root`` and ``sign`` set as ``__post_init__`` sets
    them, built as ``Snapshot.assemble`` builds (in a third of the constructor's time)."""
    o = _OrderFields()
    o.symbol = symbol
    o.side = side
    o.qty = qty
    o.type = type
    o.source = source
    o.price = price
    o.stop_price = stop_price
    o.intent = intent
    o.account = account
    o.client_order_id = client_order_id
    o.root = symbol_root(symbol)
    o.sign = 1 if side == "buy" else -1
    o.__class__ = Order
    return cast(Order, o)


def new_position(qty: int, avg_price: float, point_value: float) -> Position:
    """``Position(qty, avg_price, point_value)``, built as ``Snapshot.assemble`` builds."""
    p = _PositionFields()
    p.qty = qty
    p.avg_price = avg_price
    p.point_value = point_value
    p.__class__ = Position
    return cast(Position, p)


# The ISO text of recent quote times: every decision's audit entry writes the time of the
# quotes it saw, and a quote is seen by many decisions before the next one replaces it.
_ISO_SEEN: dict[float, str] = {}
_ISO_SEEN_MAX = 256  # emptied when full: a few roots' latest quotes are what is asked for


def _iso(ts: float) -> str:
    text = _ISO_SEEN.get(ts)
    if text is None:
        text = utc_text(ts)
        if len(_ISO_SEEN) >= _ISO_SEEN_MAX:
            _ISO_SEEN.clear()
        _ISO_SEEN[ts] = text
    return text


def _quote_dict(q: Quote) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if q.bid is not None:
        out["bid"] = q.bid
    if q.ask is not None:
        out["ask"] = q.ask
    if q.last is not None:
        out["last"] = q.last
    if q.time is not None:
        out["time"] = _iso(q.time)
    elif q.age is not None:
        out["age"] = q.age
    return out


def _new_root(symbol: str, seen: Mapping[str, object], where: str) -> str:
    """The root ``symbol`` is read as; two spellings of one root would silently overwrite
    each other (which position, which quote?), so the second is refused by name."""
    root = symbol_root(symbol)
    if root in seen:
        raise InputError(where.rstrip("."), f"is read as {root}, which an earlier key already names")
    return root


def _working(data: Mapping[str, Any], where: str) -> dict[str, Working]:
    """``{ES: {buy: 2, sell: 1}}`` checked field by field; spellings of one root add up."""
    out: dict[str, Working] = {}
    for symbol, sides in data.items():
        ww = f"{where}{symbol}."
        sides = _mapping(sides, ww.rstrip("."))
        unknown = sorted(set(sides) - {"buy", "sell"})
        if unknown:
            raise InputError(f"{ww}{unknown[0]}", "unknown field; known fields: buy, sell")
        counts = []
        for side in ("buy", "sell"):
            value = sides.get(side, 0)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise InputError(
                    f"{ww}{side}", f"must be a whole number of contracts, 0 or more, not {value!r}"
                )
            counts.append(value)
        out[str(symbol)] = Working(*counts)
    return merge_working(out)
