"""The exchange's events as calls (``Exchange.listen``), the way the paper broker hears
them, and the spelled-out copy of an order after a fill: what makes a paper fill cheap
must not change what anyone sees."""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any

from ordergate.runtime.brokers.exchange import (
    BalanceChanged,
    Event,
    Exchange,
    LinkFault,
    Listener,
    OrderChanged,
    PositionChanged,
    QuoteChanged,
    Traded,
    _exchange,
)
from ordergate.runtime.brokers.types import BrokerOrder
from tests.runtime import test_exchange
from tests.runtime.test_exchange import req

ex = test_exchange.ex  # the same exchange fixture: account A, an ES quote


def recording(seen: list[tuple[str, Event]], who: str) -> Listener:
    """A listener that writes down each call as the event a subscriber would be given."""
    return Listener(
        lambda order: seen.append((who, OrderChanged(order))),
        lambda fill, order: seen.append((who, Traded(fill, order))),
        lambda account, positions: seen.append((who, PositionChanged(account, positions))),
        lambda account, balance, equity, realized: seen.append(
            (who, BalanceChanged(account, balance, equity, realized))
        ),
        lambda root, quote: seen.append((who, QuoteChanged(root, quote))),
        lambda kind: seen.append((who, LinkFault(kind))),
    )


def test_a_listener_hears_what_a_subscriber_is_given_in_the_same_order(ex: Exchange) -> None:
    seen: list[tuple[str, Event]] = []
    ex.subscribe(lambda event: seen.append(("subscriber", event)))
    ex.listen(recording(seen, "listener"))
    ex.submit("A", req("m1", qty=2))
    ex.submit("A", req("l1", "sell", type="limit", price=6001.0))
    ex.set_quote("ES", 6001.0, 6001.25, 6001.0)
    ex.drop_connections()
    # each event reaches both, the subscriber first as it came first, before the next event
    who = [w for w, _ in seen]
    assert who == ["subscriber", "listener"] * (len(seen) // 2)
    given, heard = seen[0::2], seen[1::2]
    assert [e for _, e in given] == [e for _, e in heard]
    kinds = [type(e).__name__ for _, e in given]
    assert kinds == [
        "OrderChanged", "Traded", "PositionChanged", "BalanceChanged",  # m1 fills at once
        "OrderChanged",  # l1 rests
        "QuoteChanged", "Traded", "PositionChanged", "BalanceChanged",  # and fills on the quote
        "LinkFault",
    ]  # fmt: skip


def test_stopping_a_listener_or_a_subscriber_stops_only_that_one(ex: Exchange) -> None:
    seen: list[tuple[str, Event]] = []
    unsubscribe = ex.subscribe(lambda event: seen.append(("subscriber", event)))
    stop = ex.listen(recording(seen, "listener"))
    stop()
    stop()  # a second time does nothing
    ex.submit("A", req("m1"))
    assert {w for w, _ in seen} == {"subscriber"}
    unsubscribe()
    seen.clear()
    ex.submit("A", req("m2", "sell"))
    assert seen == []


def test_one_that_leaves_during_an_event_leaves_the_others_that_event(ex: Exchange) -> None:
    seen: list[str] = []
    stops: list[Any] = []

    def first(event: Event) -> None:
        seen.append(f"first {type(event).__name__}")
        for stop in stops:
            stop()  # the second leaves while the first hears the event

    ex.subscribe(first)
    stops.append(ex.subscribe(lambda event: seen.append(f"second {type(event).__name__}")))
    ex.drop_connections()
    ex.drop_connections()
    assert seen == ["first LinkFault", "second LinkFault", "first LinkFault"]


def test_the_order_after_a_fill_is_the_order_replaced_field_by_field() -> None:
    # _with_fill spells replace() out; a field added to BrokerOrder must be carried too
    values: dict[str, Any] = {f.name: f"v-{f.name}" for f in fields(BrokerOrder)}
    info = BrokerOrder(**values)
    after = _exchange._with_fill(info, 3, "partially_filled")
    assert after == replace(info, filled_qty=3, status="partially_filled")
    assert type(after) is BrokerOrder
