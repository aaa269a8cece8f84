"""An account's live orders moved out of and back into a runtime's order book, as a
cluster instance does when it gives up or takes a connection (OrderBook.forget and
OrderBook.load_account), against a real runtime and its SQLite store."""

from __future__ import annotations

import pytest

from ordergate.runtime.service import Runtime
from tests.runtime.conftest import order, quote

pytestmark = pytest.mark.anyio


async def test_forget_drops_an_accounts_live_orders_and_load_account_brings_them_back(
    started: Runtime,
) -> None:
    await quote(started, "ES", 6000)
    status, body = await order(started, qty=1, type="limit", price=5980)  # rests at the broker
    assert status == 201 and body["order"]["status"] == "working", body
    view = body["order"]
    book = started.core.orders
    assert [v["id"] for v in book.live("PAPER-1")] == [view["id"]] and view["broker_order_id"]

    book.forget("PAPER-1")
    assert book.live("PAPER-1") == [] and book.live() == []
    assert book.find(None, view["broker_order_id"]) is None  # nothing here answers for its reports
    assert book.get(view["id"])["status"] == "working"  # the store still has it

    book.load_account("PAPER-1", started.core.store.open_orders("PAPER-1", managed=False))
    [back] = book.live("PAPER-1")
    assert back["id"] == view["id"] and back["status"] == "working"
    assert book.find(None, view["broker_order_id"])["id"] == view["id"]


async def test_load_account_refuses_orders_of_another_account(started: Runtime) -> None:
    await quote(started, "ES", 6000)
    await order(started, qty=1, type="limit", price=5980)
    views = started.core.store.open_orders("PAPER-1", managed=False)
    started.core.orders.forget("PAPER-1")
    with pytest.raises(ValueError, match="is of account PAPER-1, not PAPER-2"):
        started.core.orders.load_account("PAPER-2", views)
    assert started.core.orders.live() == []
