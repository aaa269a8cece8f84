"""The snapshots of an exported log read fast: the shape ``Snapshot.to_dict`` writes, and
nothing else.

A replay reads a million snapshots, and ``Snapshot.from_dict`` (which reads every shape a
person may write, with a message for each mistake) takes most of a replay's time on them.
The readers here take the one shape the audit log holds, part by part (the account, the
positions, the quotes, the P&L, the trade counts), so that a reader of the log can keep
the parts that repeat from one decision of an account to the next, and build the Snapshot
with ``Snapshot.assemble``. Anything else (working entries, a quote age, a contract for a
root, a bool for a number) raises ``Unusual``, and the caller leaves the whole snapshot to
``from_dict``, which reads it or says what is wrong with it. A test holds the two equal.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any

from ordergate.policy.contracts import spec_for, symbol_root
from ordergate.policy.orders import Position, Quote, Snapshot, new_position, new_quote

SNAPSHOT_KEYS = frozenset({"account", "positions", "quotes", "pnl", "trades", "automation_paused"})
ACCOUNT_KEYS = frozenset({"id", "nickname", "balance", "equity", "peak_equity", "enabled", "locked"})
PNL_KEYS = frozenset({"daily_realized", "weekly_realized"})
TRADES_KEYS = frozenset({"daily", "weekly"})
_LOCK_KEYS = frozenset({"until", "enforce", "reason"})
_POSITION_KEYS = frozenset({"qty", "avg_price"})
_QUOTE_KEYS = frozenset({"bid", "ask", "last", "time"})
_NUMBERS = (int, float)
_point_values: dict[str, float] = {}

# The account's fields in Snapshot.assemble's order, id to peak_equity
Account = tuple[
    str | None,
    str | None,
    bool,
    bool,
    float | None,
    bool,
    str | None,
    float | None,
    float | None,
    float | None,
]
NO_POSITIONS: Mapping[str, Position] = MappingProxyType({})
NO_QUOTES: Mapping[str, Quote] = MappingProxyType({})
_NO_PNL = (0.0, 0.0)  # what read_pnl and read_trades read from an empty part
_NO_TRADES = (0, 0)


class Unusual(Exception):
    """Not the shape ``to_dict`` writes: ``Snapshot.from_dict`` reads it instead."""


def _number(value: Any) -> float | None:
    """A finite JSON number as a float (None stays None); Unusual for anything else."""
    if value is None:
        return None
    if type(value) not in _NUMBERS or value - value != 0:  # bool, a string, NaN, infinity
        raise Unusual
    return float(value)


def _instant(text: Any) -> float:
    if type(text) is not str:
        raise Unusual
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise Unusual from None
    if at.tzinfo is None:
        raise Unusual
    return at.timestamp()


def _point_value(root: str) -> float:
    """The point value of a key that is a root, as ``to_dict`` writes them."""
    value = _point_values.get(root)
    if value is None:
        if symbol_root(root) != root:
            raise Unusual
        spec = spec_for(root)
        value = _point_values[root] = spec.point_value if spec else 0.0
    return value


def part(value: Any, keys: frozenset[str] | None) -> dict[str, Any]:
    """A part of a snapshot, a mapping of ``keys`` only (None: of any key, such as the
    roots); a part left out or null reads as empty, as ``from_dict`` reads it."""
    if value is None:
        return {}
    if type(value) is not dict or (keys is not None and not value.keys() <= keys):
        raise Unusual
    return value


def read_account(account: dict[str, Any]) -> Account:
    ident, nickname = account.get("id"), account.get("nickname")
    enabled, locked = account.get("enabled", True), account.get("locked", False)
    if type(enabled) is not bool or not (ident is None or type(ident) is str):
        raise Unusual
    if not (nickname is None or type(nickname) is str):
        raise Unusual
    until: float | None = None
    enforce, reason = False, None
    if type(locked) is dict:
        lock = part(locked, _LOCK_KEYS)
        if "until" in lock:
            until = _instant(lock["until"])
        enforce, reason, locked = lock.get("enforce", False), lock.get("reason"), True
        if type(enforce) is not bool:
            raise Unusual
    elif type(locked) is not bool:
        raise Unusual
    return (
        ident,
        nickname,
        enabled,
        locked,
        until,
        enforce,
        reason,
        _number(account.get("balance")),
        _number(account.get("equity")),
        _number(account.get("peak_equity")),
    )


_PLAIN = frozenset({str, float, int, bool, type(None)})
_accounts: dict[Any, tuple[tuple[str, ...], tuple[type, ...], dict[str, Any], Account]] = {}


def _account(account: dict[str, Any]) -> Account:
    """An account's part repeats from one decision to the next until its balance moves:
    the last one read for each id is kept, and a part equal to it key by key, in the same
    order and of the same types (true == 1 == 1.0, but only a bool is ``enabled``), is
    what was read. Only a part of plain values is kept (a lock is an object), and none
    holding a zero, which may be -0.0 or false."""
    types = tuple(map(type, account.values()))
    ident = account.get("id")
    try:
        kept = _accounts.get(ident)
    except TypeError:  # an id that does not hash, which read_account refuses
        return read_account(account)
    if kept is not None and kept[1] == types and kept[2] == account and kept[0] == tuple(account):
        return kept[3]
    found = read_account(account)
    if _PLAIN.issuperset(types) and 0 not in account.values():
        if len(_accounts) >= 10_000:
            _accounts.clear()
        _accounts[ident] = (tuple(account), types, dict(account), found)
    return found


def read_positions(data: dict[str, Any]) -> Mapping[str, Position]:
    if not data:
        return NO_POSITIONS
    positions: dict[str, Position] = {}
    for root, pos in data.items():
        if type(pos) is not dict or not pos.keys() <= _POSITION_KEYS or type(pos.get("qty")) is not int:
            raise Unusual
        avg = pos.get("avg_price", 0.0)
        if type(avg) is not float or avg - avg != 0:  # the common case inline, the rest by _number
            avg = _number(avg)
        positions[root] = new_position(pos["qty"], avg or 0.0, _point_value(root))
    return MappingProxyType(positions)


def read_quotes(data: dict[str, Any]) -> Mapping[str, Quote]:
    if not data:
        return NO_QUOTES
    quotes: dict[str, Quote] = {}
    for root, q in data.items():
        if type(q) is not dict or not q.keys() <= _QUOTE_KEYS:
            raise Unusual
        if root not in _point_values:  # a root, as to_dict writes the keys (and its spec read once)
            _point_value(root)
        get = q.get
        bid, ask, last = get("bid"), get("ask"), get("last")
        # finite floats, the common case, inline; anything else by _number
        if type(bid) is not float or bid - bid != 0:
            bid = _number(bid)
        if type(ask) is not float or ask - ask != 0:
            ask = _number(ask)
        if type(last) is not float or last - last != 0:
            last = _number(last)
        quotes[root] = new_quote(bid, ask, last, _instant(get("time")))
    return MappingProxyType(quotes)


def read_pnl(pnl: dict[str, Any]) -> tuple[float, float]:
    return (
        _number(pnl.get("daily_realized", 0.0)) or 0.0,
        _number(pnl.get("weekly_realized", 0.0)) or 0.0,
    )


def read_trades(trades: dict[str, Any]) -> tuple[int, int]:
    daily, weekly = trades.get("daily", 0), trades.get("weekly", 0)
    if type(daily) is not int or type(weekly) is not int:
        raise Unusual
    return daily, weekly


def read_paused(value: Any) -> bool:
    if value is None:
        return False
    if type(value) is not bool:
        raise Unusual
    return value


def exported_snapshot(data: Any) -> Snapshot | None:
    """The Snapshot of a ``snapshot`` exactly as ``Snapshot.to_dict`` writes it; None for
    anything else, which ``from_dict`` then reads or refuses. A test holds the two equal."""
    try:
        if type(data) is not dict or not data.keys() <= SNAPSHOT_KEYS:
            raise Unusual
        get = data.get
        positions, quotes, pnl, trades = get("positions"), get("quotes"), get("pnl"), get("trades")
        # a part left out reads as empty: its reader is not called for it
        return Snapshot.assemble(
            *_account(part(get("account"), ACCOUNT_KEYS)),
            NO_POSITIONS if positions is None else read_positions(part(positions, None)),
            NO_QUOTES if quotes is None else read_quotes(part(quotes, None)),
            *(_NO_PNL if pnl is None else read_pnl(part(pnl, PNL_KEYS))),
            *(_NO_TRADES if trades is None else read_trades(part(trades, TRADES_KEYS))),
            False if (paused := get("automation_paused")) is None else read_paused(paused),
        )
    except Unusual:
        return None
