"""The simulated exchange keeps a bounded history (runtime/brokers/exchange/_exchange.py
``HISTORY``): a paper runtime that trades for weeks does not grow without end, and a
quote matches the orders still working, not every order ever taken."""

from __future__ import annotations

import gc
from dataclasses import fields

import pytest

from ordergate.runtime.brokers.errors import OrderNotOpen
from ordergate.runtime.brokers.exchange import Exchange, _exchange
from ordergate.runtime.brokers.types import BracketLeg, BrokerOrder, OrderRequest

HISTORY = 20


@pytest.fixture
def ex(monkeypatch: pytest.MonkeyPatch) -> Exchange:
    monkeypatch.setattr(_exchange, "HISTORY", HISTORY)
    exchange = Exchange(clock=lambda: 1_700_000_000.0)
    exchange.open_account("A", 1_000_000)
    exchange.set_quote("ES", 6000.0, 6000.25, 6000.0)
    return exchange


def req(order_id: str, side: str = "buy", **kw: object) -> OrderRequest:
    return OrderRequest(order_id, "ES", "ES", side, 1, **kw)  # type: ignore[arg-type]


def test_past_its_history_the_exchange_forgets_the_oldest_ended_orders_and_fills(ex: Exchange) -> None:
    resting = ex.submit("A", req("rest", type="limit", price=5900.0))  # the oldest of all
    for i in range(10 * HISTORY):
        assert ex.submit("A", req(f"m{i}", "buy" if i % 2 == 0 else "sell")).status == "filled"
    # bounded: at most a tenth over the history between clean-ups, the working order kept
    remembered = len(ex._orders) + len(ex._ended)
    assert remembered <= HISTORY + HISTORY // 10 + 1
    assert len(ex._by_client) == remembered and len(ex._fills_of) <= len(ex._orders)
    assert len(ex.fills("A")) == HISTORY
    assert ex.find("A", "m0") is None  # long ended, forgotten
    assert ex.find("A", f"m{10 * HISTORY - 1}") is not None  # the latest is remembered
    # the working order is never forgotten, and still fills when the market comes to it
    assert ex.find("A", "rest") == resting and ex.open_orders("A") == [resting]
    ex.set_quote("ES", 5899.75, 5900.0, 5900.0)
    assert ex.find("A", "rest").status == "filled"  # type: ignore[union-attr]
    # what forgetting drops is history, never the account: 100 round trips and the limit
    assert ex.positions("A") == {"ES": (1, 5900.0)}


def test_a_quote_matches_the_working_orders_only_not_every_order_taken(ex: Exchange) -> None:
    for i in range(50):
        ex.submit("A", req(f"m{i}", "buy" if i % 2 == 0 else "sell"))
    ex.submit("A", req("l1", type="limit", price=5990.0))
    ex.submit("A", req("l2", "sell", type="limit", price=6100.0))
    cancelled = ex.submit("A", req("l3", type="limit", price=5980.0))
    ex.cancel("A", cancelled.broker_order_id)
    ex.set_quote("ES", 6001.0, 6001.25, 6001.0)
    assert sorted(o.info.order_id or "" for o in ex._open.values()) == ["l1", "l2"]
    ex.set_quote("ES", 5989.75, 5990.0, 5990.0)  # l1 fills; it leaves at the next match
    ex.set_quote("ES", 5989.75, 5990.0, 5990.0)
    assert [o.info.order_id for o in ex._open.values()] == ["l2"]
    assert [o.order_id for o in ex.open_orders("A")] == ["l2"]


def test_an_order_that_ended_is_found_as_it_was_and_cannot_be_cancelled(ex: Exchange) -> None:
    filled = ex.submit("A", req("m1"))
    cancelled = ex.submit("A", req("l1", type="limit", price=5900.0))
    cancelled = ex.cancel("A", cancelled.broker_order_id)
    ex.set_quote("ES", 6000.0, 6000.25, 6000.0)  # the next match lets the cancelled one go too
    assert set(ex._ended) == {filled.broker_order_id, cancelled.broker_order_id} and not ex._orders
    assert ex.order(filled.broker_order_id) == filled and ex.find("A", "m1") == filled
    assert ex.find("A", "l1") == cancelled and cancelled.reason == "cancelled on request"
    assert ex.submit("A", req("m1")) == filled  # a resend answers the order it names
    assert ex.submit_bracket("A", req("m1"), (BracketLeg("tp1", "take_profit", "limit", offset=4.0),)) == (
        filled,
        [],
    )
    with pytest.raises(OrderNotOpen, match="is filled"):
        ex.cancel("A", filled.broker_order_id)
    with pytest.raises(OrderNotOpen, match="no order"):
        ex.cancel("B", filled.broker_order_id)  # another account's order is not named to it
    assert [(f.order_id, f.qty, f.price) for f in ex.fills("A")] == [("m1", 1, 6000.25)]


def test_a_bracket_keeps_its_legs_found_after_they_ended(ex: Exchange) -> None:
    legs = (BracketLeg("tp2", "take_profit", "limit", offset=1.0),)
    _, [leg] = ex.submit_bracket("A", req("e1"), legs)
    ex.set_quote("ES", 6001.25, 6001.5, 6001.25)  # the take profit fills
    ended = ex.find("A", leg.order_id or "")
    assert ended is not None and ended.status == "filled"
    ex.set_quote("ES", 6001.25, 6001.5, 6001.25)
    assert ex.submit_bracket("A", req("e1"), legs) == (ex.find("A", "e1"), [ended])


def test_the_history_of_ended_orders_is_nothing_for_the_garbage_collector_to_walk(ex: Exchange) -> None:
    # A runtime taking thousands of orders a second keeps the last HISTORY of them: as
    # objects, every collection walked them (pauses of 4-9 ms, and 50 ms and more for the
    # older generations); as tuples of strings and numbers they leave its lists.
    ex.submit("A", req("m0"))
    gc.collect()
    before = len(gc.get_objects())
    for i in range(1, HISTORY):  # all remembered: none is forgotten before HISTORY
        ex.submit("A", req(f"m{i}", "buy" if i % 2 == 0 else "sell"))
    gc.collect()
    assert len(ex._ended) == HISTORY
    assert len(gc.get_objects()) - before < HISTORY // 4  # not one object an order
    assert not any(gc.is_tracked(row) for row in ex._ended.values())
    assert not any(gc.is_tracked(row) for row in ex._fills)


def test_an_ended_order_kept_as_a_row_is_the_order_field_by_field() -> None:
    # _row spells the fields out; a field added to BrokerOrder must be carried too
    values = {f.name: f"v-{f.name}" for f in fields(BrokerOrder)}
    info = BrokerOrder(**values)  # type: ignore[arg-type]
    assert BrokerOrder(*_exchange._row(info)) == info  # type: ignore[arg-type]


def test_a_clean_up_forgets_a_hundredth_of_the_history_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    # a clean-up runs between two orders on the event loop: at a tenth of the real
    # history (5,000 orders) it stalled every order in flight for 3-5 ms
    monkeypatch.setattr(_exchange, "HISTORY", 200)
    ex = Exchange(clock=lambda: 1_700_000_000.0)
    ex.open_account("A", 1_000_000)
    ex.set_quote("ES", 6000.0, 6000.25, 6000.0)
    for i in range(600):
        ex.submit("A", req(f"m{i}", "buy" if i % 2 == 0 else "sell"))
        remembered = len(ex._orders) + len(ex._ended)
        assert remembered == i + 1 if i < 200 else 200 <= remembered <= 202
    assert ex.find("A", "m397") is None and ex.find("A", "m400") is not None  # the last 200 kept
