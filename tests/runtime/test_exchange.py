"""The simulated exchange on its own: matching, accounts, parts, faults and events."""

from __future__ import annotations

import pytest

from ordergate.runtime.brokers.errors import BrokerRejected, OrderNotOpen
from ordergate.runtime.brokers.exchange import Event, Exchange, LinkFault, OrderChanged, Traded
from ordergate.runtime.brokers.types import OrderRequest


@pytest.fixture
def ex() -> Exchange:
    exchange = Exchange(clock=lambda: 1_700_000_000.0)
    exchange.open_account("A", 50_000)
    exchange.set_quote("ES", 6000.0, 6000.25, 6000.0)
    return exchange


def req(order_id: str, side: str = "buy", qty: int = 1, **kw: object) -> OrderRequest:
    return OrderRequest(order_id, "ESZ6", "ES", side, qty, **kw)  # type: ignore[arg-type]


def test_a_market_order_fills_at_the_touch_and_books_position_and_pnl(ex: Exchange) -> None:
    assert ex.submit("A", req("b1", qty=2)).status == "filled"
    assert ex.positions("A") == {"ES": (2, 6000.25)}
    ex.set_quote("ES", 6010.0, 6010.25, 6010.0)
    ex.submit("A", req("s1", "sell", 2))
    assert ex.positions("A") == {} and ex.realized("A") == pytest.approx((6010 - 6000.25) * 2 * 50)
    assert ex.account_info("A").balance == pytest.approx(50_000 + 975)


def test_a_limit_rests_until_the_price_crosses_it(ex: Exchange) -> None:
    order = ex.submit("A", req("l1", type="limit", price=5990.0))
    assert order.status == "working" and ex.open_orders("A") == [order]
    ex.set_quote("ES", 5995.0, 5995.25, 5995.0)
    assert ex.find("A", "l1").status == "working"  # type: ignore[union-attr]
    ex.set_quote("ES", 5989.75, 5990.0, 5990.0)
    assert ex.find("A", "l1").status == "filled" and ex.positions("A") == {"ES": (1, 5990.0)}  # type: ignore[union-attr]


def test_a_stop_triggers_on_the_last_price_then_fills_at_market(ex: Exchange) -> None:
    ex.submit("A", req("st", "sell", 1, type="stop", stop_price=5995.0))
    ex.set_quote("ES", 5996.0, 5996.25, 5996.0)
    assert ex.find("A", "st").status == "working"  # type: ignore[union-attr]
    ex.set_quote("ES", 5994.75, 5995.0, 5995.0)
    assert ex.find("A", "st").status == "filled" and ex.positions("A") == {"ES": (-1, 5994.75)}  # type: ignore[union-attr]


def test_orders_fill_in_parts_one_part_per_matching_pass(ex: Exchange) -> None:
    ex.faults.fill_parts = 3
    assert ex.submit("A", req("p", qty=3)).status == "partially_filled"
    ex.match()
    ex.match()
    assert [f.qty for f in ex.fills("A")] == [1, 1, 1] and ex.find("A", "p").status == "filled"  # type: ignore[union-attr]
    assert len({f.fill_id for f in ex.fills("A")}) == 3


def test_a_cancel_after_the_fill_is_refused(ex: Exchange) -> None:
    order = ex.submit("A", req("m"))
    with pytest.raises(OrderNotOpen, match="is filled"):
        ex.cancel("A", order.broker_order_id)


def test_rejects_on_command_name_their_reason_and_resends_never_double(ex: Exchange) -> None:
    ex.reject_next(1, "margin exceeded")
    with pytest.raises(BrokerRejected, match="margin exceeded"):
        ex.submit("A", req("r1"))
    first = ex.submit("A", req("r2"))
    assert ex.submit("A", req("r2")) == first and len(ex.fills("A")) == 1


def test_subscribers_see_events_in_order_and_a_drop_command(ex: Exchange) -> None:
    seen: list[Event] = []
    ex.subscribe(seen.append)
    ex.submit("A", req("e1"))
    ex.drop_connections()
    kinds = [type(e).__name__ for e in seen]
    assert kinds[:2] == ["OrderChanged", "Traded"] and isinstance(seen[-1], LinkFault)
    assert isinstance(seen[0], OrderChanged) and seen[0].order.status == "working"
    assert isinstance(seen[1], Traded) and seen[1].fill.fill_id


def test_a_quote_that_is_not_a_price_is_refused(ex: Exchange) -> None:
    with pytest.raises(ValueError, match="the bid 6001 is above the ask 6000"):
        ex.set_quote("ES", 6001.0, 6000.0, None)
    with pytest.raises(ValueError, match="finite"):
        ex.set_quote("ES", float("nan"), None, None)
