"""The shortcuts of a fill's path say what the long way said: the fill event's time, an
account's live orders, an event that changes nothing, an order's first fill."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

import pytest

from ordergate.policy.timefmt import utc_text
from ordergate.runtime import orders
from ordergate.runtime.order_book import OrderBook


def test_the_fill_time_is_the_isoformat_of_its_instant() -> None:
    rng = random.Random(7)
    edges = [0.0, 1.0, 1.5e-7, 1_700_000_000.0, 1_700_000_000.5, 1_700_000_000.9999996, 1_700_000_000.0000004]
    spread = [rng.uniform(0, 4e9) for _ in range(20_000)] + [
        rng.randrange(4 * 10**15) / 1e6 for _ in range(20_000)
    ]
    for ts in edges + spread:
        assert utc_text(ts) == datetime.fromtimestamp(ts, UTC).isoformat(), ts


class _Store:
    def __init__(self) -> None:
        self.saved: list[tuple[str, str]] = []

    def save_order(self, order_id: str, account: str, view: dict[str, Any], status: str, *_: Any) -> None:
        self.saved.append((order_id, status))

    def order(self, order_id: str) -> None:
        return None


def _view(order_id: str, account: str, status: str = "submitted", **more: Any) -> dict[str, Any]:
    return {"id": order_id, "account": account, "status": status, "qty": 2, "fills": [], **more}


def test_an_accounts_live_orders_are_those_of_the_whole_book_in_its_order() -> None:
    book = OrderBook(_Store())  # type: ignore[arg-type]
    rng = random.Random(3)
    for step in range(2_000):
        order_id, account = f"o{rng.randrange(40)}", f"A{rng.randrange(4)}"
        known = book.get(order_id)
        if known is not None:
            account = known["account"]
        if known is None or rng.random() < 0.3:
            book.add(_view(order_id, account))
        else:
            status = rng.choice(["working", "partially_filled", "filled", "cancelled"])
            book.changed({**known, "status": status}, commit=rng.random() < 0.5)
        if step % 500 == 499:
            book.forget("A1")
        every = book.live()
        for a in ("A0", "A1", "A2", "A3", "A9"):
            assert book.live(a) == [v for v in every if v["account"] == a]


def test_an_event_that_changes_nothing_answers_the_view_as_it_is() -> None:
    store = _Store()
    book = OrderBook(store)  # type: ignore[arg-type]
    filled = _view("o1", "A", "filled", broker_order_id="X-1")
    book.changed(filled)
    saved = list(store.saved)
    assert book.apply("o1", "acknowledge", broker_order_id="X-1") is book.get("o1")
    assert book.apply("o1", "time_out", reason="late") is book.get("o1")
    assert store.saved == saved  # nothing written
    with pytest.raises(orders.IllegalOrderTransition):
        book.apply("o1", "reject")
    # one that learns its broker id is a change, even when its status stays
    book.changed(_view("o2", "A", "working"))
    new = book.apply("o2", "acknowledge", broker_order_id="X-2")
    assert new is not None and new["broker_order_id"] == "X-2" and new["status"] == "working"
    assert book.find(None, "X-2") == new


def test_a_first_fill_and_a_later_one_price_the_order_as_the_sum_does() -> None:
    view = _view("o1", "A", "working", qty=3)
    one = orders.apply_fill(view, 1, 6000.1)
    assert one["avg_fill_price"] == round(sum([1 * 6000.1]) / 1, 10)
    two = orders.apply_fill(one, 2, 6000.35)
    assert two["avg_fill_price"] == round((1 * 6000.1 + 2 * 6000.35) / 3, 10)
    assert two["status"] == "filled" and two["fills"] == [
        {"qty": 1, "price": 6000.1},
        {"qty": 2, "price": 6000.35},
    ]


def test_an_order_taken_and_filled_at_once_is_of_one_instant() -> None:
    from ordergate.runtime.brokers.exchange import Exchange, Listener
    from tests.runtime.test_exchange import req

    readings = iter(range(1, 100))
    ex = Exchange(clock=lambda: float(next(readings)))
    ex.open_account("A", 50_000)
    ex.set_quote("ES", 6000.0, 6000.25, 6000.0)  # the quote's reading: 1
    heard: list[float | None] = []
    ex.listen(
        Listener(
            lambda order: heard.append(ex.instant),
            lambda fill, order: heard.append(ex.instant),
            lambda account, positions: heard.append(ex.instant),
            lambda account, balance, equity, realized: heard.append(ex.instant),
            lambda root, quote: None,
            lambda kind: None,
        )
    )
    ex.submit("A", req("m1"))  # taken and filled at once: one reading, 2
    assert [f.ts for f in ex.fills("A")] == [2.0] and heard == [2.0] * 4
    assert ex.instant is None  # between steps
    heard.clear()
    ex.submit("A", req("l1", "sell", type="limit", price=6001.0))  # rests: 3
    ex.set_quote("ES", 6001.0, 6001.25, 6001.0)  # the quote reads 4, its fill 5
    assert [f.ts for f in ex.fills("A")] == [2.0, 5.0] and heard == [3.0, 5.0, 5.0, 5.0]
