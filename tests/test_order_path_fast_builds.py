"""The order path's fast builds leave every result as it was: an Order read by
``from_dict``, an account's Snapshot, a request body's JSON and a quote time's text each
equal what the plain construction (the dataclass constructor, ``JSONDecoder.decode``,
``datetime.isoformat``) gives, field by field, errors included."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

import pytest

from ordergate.policy import Quote, Snapshot, Working
from ordergate.policy.errors import InputError
from ordergate.policy.orders import Order, Position, _iso
from ordergate.runtime import body
from ordergate.runtime.book import AccountState
from ordergate.runtime.errors import RequestError
from ordergate.runtime.store import LockRow

ORDER_FIELDS = ("symbol", "side", "qty", "type", "source", "price", "stop_price", "intent", "account")
EVERY_FIELD = (*ORDER_FIELDS, "client_order_id", "root", "sign")

ORDERS: list[dict[str, Any]] = [
    {"symbol": "ESZ6", "side": "buy", "qty": 1},
    {"symbol": " es ", "side": "sell", "qty": 3.0, "account": "A-1", "source": "api"},
    {"symbol": "/NQH7", "side": "sell", "qty": 2, "type": "limit", "price": 21000, "intent": "close"},
    {"symbol": "CL", "side": "buy", "qty": 5, "type": "stop_limit", "price": 70.5, "stop_price": 70.25},
    {"symbol": "ZZZ9", "side": "buy", "qty": 1, "type": "stop", "stop_price": 9, "client_order_id": "k-1"},
    {"contract": "GCG7", "side": "buy", "qty": 1, "price": None, "stop_price": None},
]


def _constructed(data: dict[str, Any]) -> Order:
    """The order ``data`` describes, through the dataclass constructor."""
    return Order(
        symbol=str(data.get("symbol") or data.get("contract")).strip(),
        side=data["side"],
        qty=int(data["qty"]),
        type=data.get("type", "market"),
        source=data.get("source", "manual"),
        price=None if data.get("price") is None else float(data["price"]),
        stop_price=None if data.get("stop_price") is None else float(data["stop_price"]),
        intent=data.get("intent", "open"),
        account=data.get("account"),
        client_order_id=data.get("client_order_id"),
    )


@pytest.mark.parametrize("data", ORDERS)
def test_an_order_read_from_a_dict_is_the_constructors_field_by_field(data: dict[str, Any]) -> None:
    read, built = Order.from_dict(data), _constructed(data)
    assert type(read) is Order and read == built and hash(read) == hash(built)
    for name in EVERY_FIELD:  # root and sign too, which equality leaves out
        got, want = getattr(read, name), getattr(built, name)
        assert got == want and type(got) is type(want), name
    assert read.to_dict() == built.to_dict() and list(read.to_dict()) == list(built.to_dict())
    with pytest.raises(AttributeError):  # still frozen
        read.qty = 2  # type: ignore[misc]


def test_a_subclass_of_order_is_still_built_by_its_own_constructor() -> None:
    class Tagged(Order):
        __slots__ = ()

    read = Tagged.from_dict({"symbol": "ES", "side": "buy", "qty": 1})
    assert type(read) is Tagged and read.root == "ES" and read.sign == 1


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"symbol": "ES", "side": "buy", "qty": 1, "zeta": 1, "alpha": 2}, "order.alpha", "unknown field"),
        (
            {"symbol": "ES", "side": "buy", "qty": 1, "price": 0},
            "order.price",
            "must be a positive price, not 0",
        ),
        ({"symbol": "ES", "side": "buy", "qty": 1, "stop_price": -1}, "order.stop_price", "not -1"),
        ({"symbol": "ES", "side": "buy", "qty": 1, "price": "1"}, "order.price", "must be a number"),
        ({"symbol": "ES", "side": "buy", "qty": 1, "type": "limit"}, "order.price", "needs a price"),
    ],
)
def test_a_bad_order_is_refused_naming_the_same_field(data: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(InputError) as refused:
        Order.from_dict(data)
    assert refused.value.field == field and message in refused.value.message


def test_a_mapping_that_is_not_a_dict_is_read_as_a_dict_is() -> None:
    data = ORDERS[2]
    assert Order.from_dict(MappingProxyType(data)) == Order.from_dict(data)
    with pytest.raises(InputError) as refused:
        Order.from_dict(["ES"], where="order.")  # type: ignore[arg-type]
    assert refused.value.field == "order" and refused.value.message == "must be a mapping"


def _state(**changes: Any) -> AccountState:
    state = AccountState(
        "A-1",
        "Paper",
        "paper",
        "nick",
        True,
        False,
        50_000.0,
        49_000.0,
        {"ES": Quote(6000.0, 6000.25, 6000.0, 1.8e9), "NQ": Quote(None, None, 21000.0, None)},
        holdings={"ES": Position(2, 5990.0, 50.0), "CL": Position(0, 70.0, 1000.0)},
        daily_realized=-125.0,
        weekly_realized=300.0,
        daily_trades=2,
        weekly_trades=7,
        peak_equity=51_000.0,
    )
    for name, value in changes.items():
        setattr(state, name, value)
    return state


LOCK = LockRow("A-1", "2026-11-24T20:00:00+00:00", True, "daily loss", "session", "2026-11-24T15:00:00+00:00")


@pytest.mark.parametrize("changes", [{}, {"lock": LOCK, "automation_paused": True}, {"holdings": {}}])
def test_an_accounts_snapshot_is_the_constructors(changes: dict[str, Any]) -> None:
    now = datetime(2026, 11, 24, 15, tzinfo=UTC)
    state = _state(**changes)
    snapshot = state.snapshot_for(object(), now, "NQ", None)
    lock = state.lock
    built = Snapshot(
        account_id="A-1",
        nickname="nick",
        enabled=True,
        locked=lock is not None,
        lock_until=datetime.fromisoformat(lock.until).timestamp() if lock and lock.until else None,
        lock_enforce=lock.enforce if lock else False,
        lock_reason=lock.reason if lock else None,
        balance=50_000.0,
        equity_given=state.equity(),
        peak_equity=state.peak_equity,
        positions=MappingProxyType(dict(state.holdings)),
        quotes=MappingProxyType(
            {r: q for r in {*state.holdings, "NQ"} if (q := state.quotes.get(r)) is not None}
        ),
        daily_realized=-125.0,
        weekly_realized=300.0,
        daily_trades=2,
        weekly_trades=7,
        automation_paused=state.automation_paused,
        working=None,
    )
    assert type(snapshot) is Snapshot and snapshot == built
    derived = ("unrealized", "daily_pnl", "weekly_pnl", "open_positions", "open_symbols", "working")
    assert [getattr(snapshot, f) for f in derived] == [getattr(built, f) for f in derived]
    assert snapshot.to_dict() == built.to_dict()
    # with entries working, the constructor builds it, and they count as open symbols
    working = state.snapshot_for(object(), now, "NQ", {"NQ": Working(1, 0)})
    assert working.open_symbols == snapshot.open_symbols + 1 and working.working == {"NQ": Working(1, 0)}


def test_a_quote_times_text_is_the_datetimes_however_often_it_is_asked() -> None:
    for ts in (0.0, -0.0, 1.8e9, 1.8e9 + 0.123456, 1_764_000_000.5) * 2:
        assert _iso(ts) == datetime.fromtimestamp(ts, UTC).isoformat()
    for i in range(600):  # past the kept texts' bound, which empties and refills them
        assert _iso(1.8e9 + i) == datetime.fromtimestamp(1.8e9 + i, UTC).isoformat()


BODIES = [
    '{"account":"A","qty":1}',
    ' {"a":1}',
    '{"a":1} ',
    '{"a":1}\n\n',
    '\t{"a":[1,{"b":2}]}',
    '{"a":1}x',
    '{"a":1}{"b":2}',
    "x",
    "nul",
    '{"a":',
    "[1,2",
    "[1,]",
    '{"a" 1}',
    '{"a":"x',
    '"s"',
    "1",
    "-",
    "\u00a0{}",
    "{}\u00a0",
    '{"a":' + "1" * 40 + "}",
    '{"a":[' + "7" * 31 + "]}",
    "[" * 70 + "]" * 70,
]


def _outcome(call: Any, raw: bytes) -> tuple[Any, ...]:
    try:
        return ("ok", call(raw))
    except RequestError as exc:
        return ("refused", type(exc), exc.field, exc.message, exc.status)


@pytest.mark.parametrize("text", BODIES)
def test_a_body_reads_as_the_decoders_decode_reads_it(text: str) -> None:
    def decoded(raw: bytes) -> Any:
        # the reading before the scanner was called directly: decode, then the same checks
        try:
            document = body._DECODER.decode(raw.decode())
        except json.JSONDecodeError as exc:
            raise body.BadRequest(
                "body", f"the body is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
            ) from None
        except body._Refused as exc:
            raise body.BadRequest("body", f"the body is not valid JSON: {exc}") from None
        body._check_tree(document)
        return document

    raw = text.encode()
    assert _outcome(body.parse, raw) == _outcome(decoded, raw)
