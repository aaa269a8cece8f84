"""The simulated exchange keeps a bounded history (runtime/brokers/exchange/_exchange.py
``HISTORY``): a paper runtime that trades for weeks does not grow without end, and a
quote matches the orders still working, not every order ever taken."""

from __future__ import annotations

import pytest

from ordergate.runtime.brokers.exchange import Exchange, _exchange
from ordergate.runtime.brokers.types import OrderRequest

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
    assert len(ex._orders) <= HISTORY + HISTORY // 10 + 1
    assert len(ex._by_client) == len(ex._orders) and len(ex._fills_of) <= len(ex._orders)
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
