"""Brackets in the simulated exchange, the one every simulator shares: an entry sends its
legs once done (priced from its average fill), the legs cancel each other, a trailing
leg trails, and an entry that never fills takes its legs with it."""

from __future__ import annotations

import pytest

from ordergate.runtime.brokers.errors import BrokerRejected
from ordergate.runtime.brokers.exchange import Event, Exchange, OrderChanged
from ordergate.runtime.brokers.types import BracketLeg, OrderRequest


@pytest.fixture
def ex() -> Exchange:
    exchange = Exchange(clock=lambda: 1_700_000_000.0)
    exchange.open_account("A", 50_000)
    exchange.set_quote("ES", 6000.0, 6000.25, 6000.0)
    return exchange


def entry(order_id: str = "e1", side: str = "buy", qty: int = 2, **kw: object) -> OrderRequest:
    return OrderRequest(order_id, "ESZ6", "ES", side, qty, **kw)  # type: ignore[arg-type]


TP = BracketLeg("tp", "take_profit", "limit", offset=10)
SL = BracketLeg("sl", "stop_loss", "stop", offset=5)


def test_a_market_entry_rests_its_legs_priced_from_the_fill(ex: Exchange) -> None:
    order, legs = ex.submit_bracket("A", entry(), (TP, SL))
    assert order.status == "filled" and ex.positions("A") == {"ES": (2, 6000.25)}
    tp, sl = (ex.find("A", i) for i in ("tp", "sl"))
    assert (
        tp is not None
        and sl is not None
        and [leg.broker_order_id for leg in legs]
        == [
            tp.broker_order_id,
            sl.broker_order_id,
        ]
    )
    assert (tp.side, tp.qty, tp.type, tp.price, tp.status) == ("sell", 2, "limit", 6010.25, "working")
    assert (sl.side, sl.qty, sl.type, sl.stop_price) == ("sell", 2, "stop", 5995.25)
    assert {o.order_id for o in ex.open_orders("A")} == {"tp", "sl"}


def test_legs_wait_unseen_for_a_resting_entry_and_go_with_it_when_it_is_cancelled(ex: Exchange) -> None:
    ex.submit_bracket("A", entry(type="limit", price=5990.0), (TP, SL))
    assert [o.order_id for o in ex.open_orders("A")] == ["e1"]  # the legs wait for the entry
    ex.set_quote("ES", 6100.0, 6100.25, 6100.0)  # a take profit that rested would have filled
    assert ex.find("A", "tp").filled_qty == 0 and ex.positions("A") == {}  # type: ignore[union-attr]
    ex.cancel("A", ex.find("A", "e1").broker_order_id)  # type: ignore[union-attr]
    assert {ex.find("A", i).status for i in ("tp", "sl")} == {"cancelled"}  # type: ignore[union-attr]
    assert ex.find("A", "sl").reason == "its entry did not fill"  # type: ignore[union-attr]


def test_a_take_profit_fill_cancels_the_stop_one_cancels_other(ex: Exchange) -> None:
    seen: list[Event] = []
    ex.submit_bracket("A", entry(), (TP, SL))
    ex.subscribe(seen.append)
    ex.set_quote("ES", 6010.25, 6010.5, 6010.25)
    assert ex.find("A", "tp").status == "filled" and ex.positions("A") == {}  # type: ignore[union-attr]
    sl = ex.find("A", "sl")
    assert sl is not None and sl.status == "cancelled" and "one-cancels-other" in (sl.reason or "")
    assert any(isinstance(e, OrderChanged) and e.order.order_id == "sl" for e in seen)
    ex.set_quote("ES", 5900.0, 5900.25, 5900.0)
    assert ex.positions("A") == {}  # the cancelled stop never fires


def test_a_partially_filled_entry_rests_legs_for_what_it_filled(ex: Exchange) -> None:
    ex.faults.fill_parts = 2
    order, _ = ex.submit_bracket("A", entry(qty=3, type="limit", price=5990.0), (TP, SL))
    ex.set_quote("ES", 5989.75, 5990.0, 5990.0)
    assert ex.find("A", "e1").filled_qty == 2 and ex.open_orders("A")[0].order_id == "e1"  # type: ignore[union-attr]
    ex.cancel("A", order.broker_order_id)
    tp = ex.find("A", "tp")
    assert tp is not None and (tp.status, tp.qty, tp.price) == ("working", 2, 6000.0)


def test_a_trailing_stop_leg_follows_the_last_price_and_never_back(ex: Exchange) -> None:
    ex.submit_bracket("A", entry(qty=1), (BracketLeg("ts", "stop_loss", "trailing_stop", offset=5),))
    assert ex.find("A", "ts").stop_price == 5995.25  # type: ignore[union-attr]
    ex.set_quote("ES", 6010.0, 6010.25, 6010.0)
    assert ex.find("A", "ts").stop_price == 6005.0  # type: ignore[union-attr]
    ex.set_quote("ES", 6007.0, 6007.25, 6007.0)
    assert ex.find("A", "ts").stop_price == 6005.0  # type: ignore[union-attr]
    ex.set_quote("ES", 6004.75, 6005.0, 6004.75)
    assert ex.find("A", "ts").status == "filled" and ex.positions("A") == {}  # type: ignore[union-attr]


def test_absolute_legs_rest_where_they_were_asked(ex: Exchange) -> None:
    legs = (
        BracketLeg("tp", "take_profit", "limit", price=6020.0),
        BracketLeg("sl", "stop_loss", "stop", stop_price=5980.0),
    )
    ex.submit_bracket("A", entry(side="sell", qty=1), legs)
    tp, sl = ex.find("A", "tp"), ex.find("A", "sl")
    assert tp is not None and sl is not None and (tp.side, tp.price, sl.stop_price) == ("buy", 6020.0, 5980.0)


@pytest.mark.parametrize(
    ("legs", "words"),
    [
        ((TP, TP), "one take profit and one stop loss"),
        ((BracketLeg("x", "stop_loss", "stop", price=1.0),), "needs one of offset, stop_price"),
        ((BracketLeg("x", "take_profit", "limit", offset=-1.0),), "above 0"),
    ],
)
def test_a_malformed_bracket_is_refused_and_nothing_rests(
    ex: Exchange, legs: tuple[BracketLeg, ...], words: str
) -> None:
    with pytest.raises(BrokerRejected, match=words):
        ex.submit_bracket("A", entry(), legs)
    assert ex.positions("A") == {} and ex.find("A", "e1") is None


def test_a_resent_bracket_answers_the_one_it_names(ex: Exchange) -> None:
    first = ex.submit_bracket("A", entry(), (TP, SL))
    assert ex.submit_bracket("A", entry(), (TP, SL)) == (first[0], [ex.find("A", "tp"), ex.find("A", "sl")])
    assert ex.positions("A") == {"ES": (2, 6000.25)}


def test_legs_given_back_after_a_restart_rest_again_as_one_cancels_other(ex: Exchange) -> None:
    ex.restore_positions("A", {"ES": (1, 6000.0)})
    legs = (
        OrderRequest("tp", "ESZ6", "ES", "sell", 1, "limit", 6010.0),
        OrderRequest("ts", "ESZ6", "ES", "sell", 1, "trailing_stop", None, 5990.0),
    )
    ex.rest_legs("A", legs, {"ts": 10.0})
    ex.set_quote("ES", 6005.0, 6005.25, 6005.0)
    assert ex.find("A", "ts").stop_price == 5995.0  # type: ignore[union-attr]
    ex.set_quote("ES", 6010.0, 6010.25, 6010.0)
    assert ex.find("A", "tp").status == "filled" and ex.find("A", "ts").status == "cancelled"  # type: ignore[union-attr]


def test_a_leg_filled_in_part_leaves_its_sibling_what_it_has_left(ex: Exchange) -> None:
    ex.faults.fill_parts = 3  # every order fills a third at a time, one part a matching pass
    ex.submit_bracket("A", entry(qty=3), (TP, SL))
    ex.match()
    ex.match()
    assert ex.positions("A") == {"ES": (3, 6000.25)} and ex.find("A", "sl").qty == 3  # type: ignore[union-attr]
    ex.set_quote("ES", 6010.25, 6010.5, 6010.25)  # the target's first part
    assert (ex.find("A", "tp").filled_qty, ex.find("A", "sl").qty) == (1, 2)  # type: ignore[union-attr]
    ex.match()
    assert (ex.find("A", "tp").filled_qty, ex.find("A", "sl").qty) == (2, 1)  # type: ignore[union-attr]
    ex.match()
    assert ex.find("A", "tp").status == "filled" and ex.find("A", "sl").status == "cancelled"  # type: ignore[union-attr]
    assert ex.positions("A") == {}


def test_the_adapter_contract_offers_brackets_and_says_not_supported_by_default() -> None:
    import asyncio

    from ordergate.runtime.brokers import base
    from ordergate.runtime.brokers.errors import BracketUnsupported
    from ordergate.runtime.brokers.loopback.client import LoopbackBroker
    from ordergate.runtime.brokers.types import AdapterConfig

    assert {"BracketAck", "BracketLeg"} <= set(base.__all__)
    assert base.BrokerAdapter.supports_brackets is False
    adapter = LoopbackBroker("l", AdapterConfig({"host": "127.0.0.1", "port": 1}))
    with pytest.raises(BracketUnsupported, match="no broker-native brackets"):
        asyncio.run(adapter.place_bracket("A", entry(), (TP, SL)))
