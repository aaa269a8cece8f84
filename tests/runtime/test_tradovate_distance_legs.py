"""Tradovate legs given as a distance from the fill (issue 13): ``placeoso`` brackets carry
prices, so the entry goes alone and, once it is done, the adapter rests both legs at the
broker as one ``order/placeoco`` pair priced from the average fill, under the legs' ids
as their ``clOrdId``s. Over real HTTP and the Tradovate simulator on loopback: the pair
rests (the broker's book and ``GET /v1/orders`` agree), its one-cancels-other reaches the
runtime, an entry done while the link was down gets its legs after the reconnect, and a
restarted runtime finds the pair again by its ``clOrdId``s."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from ordergate.runtime.brokers.base import SimLogin
from ordergate.runtime.brokers.exchange import Exchange
from ordergate.runtime.brokers.tradovate import simulator as tradovate
from ordergate.runtime.brokers.tradovate.brackets import oco_body
from ordergate.runtime.brokers.types import BracketLeg
from ordergate.runtime.connections import ConnectionSpec
from ordergate.runtime.service import Runtime
from tests.contracts_now import front_symbol

from .conftest import client
from .test_brackets_native import ACCOUNT, HOOK, OFFSETS, Market, legs_shown, position, until
from .test_brackets_restart import connection, legs, started
from .test_broker_connections import serve

pytestmark = pytest.mark.anyio
# serve()'s simulator runs on the real clock, the runtime on MONDAY_10 (the other tests' exchange
# shares the runtime's clock): a contract that trades now, its year in four digits so that both
# clocks read the same year
ES_NOW = front_symbol(digits=4)


@pytest.fixture
async def m(make_runtime: Callable[..., Runtime]) -> AsyncIterator[Market]:
    rt = make_runtime(webhooks=[{"name": "tv", "secret": "s3cr3t-hook", "account": ACCOUNT}])
    rt.connections.supervisor_options = {"stale_after": 60.0, "backoff_base": 0.01, "connect_timeout": 2.0}
    await rt.start(background=False)
    ex = Exchange(lambda: rt.core.now().timestamp())
    ex.open_account(ACCOUNT, 50_000)
    ex.set_quote("ES", 6000.0, 6000.25, 6000.0)
    sim = await tradovate.HARNESS.serve(ex, SimLogin(), 0)
    adapter = tradovate.HARNESS.adapter(
        "Sim", sim.config, rt.events_for("Sim"), lambda: rt.core.now().timestamp()
    )
    rt.connections.register(ConnectionSpec("Sim", "tradovate", "config"), adapter)
    rt.add_account("Sim", ACCOUNT, None, 50_000)
    await rt.connections.start("Sim")
    await until(lambda: "ES" in rt.core.brokers["Sim"].quotes)
    yield Market(rt, ex, sim, OFFSETS)
    await rt.stop()
    await sim.stop()


def resting(m: Market) -> set[tuple[Any, ...]]:
    return {(o.side, o.type, o.qty, o.price, o.stop_price) for o in m.ex.open_orders(ACCOUNT)}


PAIR = {("sell", "limit", 2, 6010.25, None), ("sell", "stop", 2, None, 5995.25)}  # from a fill at 6000.25


async def alert(m: Market, **kw: Any) -> dict[str, Any]:
    body = {"ticker": "ESZ2026", "action": "buy", "quantity": 2, **OFFSETS, **kw}
    async with client(m.rt, token=None) as c:
        r = await c.post(HOOK, json=body)
    assert r.status_code == 201, r.text
    order: dict[str, Any] = r.json()["order"]
    return order


def legs_of(m: Market) -> list[dict[str, Any]]:
    return [v for v in m.rt.core.store.open_orders(ACCOUNT) if v.get("leg")]


def commands(m: Market) -> dict[str, int]:
    """clOrdId → order id, as Tradovate's command list names them."""
    book = m.sim.core.book  # type: ignore[attr-defined]
    return {c["clOrdId"]: c["orderId"] for c in book.commands}


async def test_distance_legs_rest_at_the_broker_as_an_oco_pair_priced_from_the_fill(m: Market) -> None:
    entry = await alert(m)
    assert entry["status"] == "filled" and entry["avg_fill_price"] == 6000.25
    await until(lambda: resting(m) == PAIR)
    shown = await legs_shown(m)
    tp, sl = shown["take_profit"], shown["stop_loss"]
    assert (tp["status"], tp["price"], tp["native"], tp["parent"]) == ("working", 6010.25, True, entry["id"])
    assert (sl["status"], sl["stop_price"], sl["native"], sl["oco"]) == ("working", 5995.25, True, tp["id"])
    named = commands(m)
    assert tp["id"] in named and sl["id"] in named  # sent under the legs' ids as clOrdId
    await until(lambda: all(m.rt.core.orders.get(v["id"])["broker_order_id"] for v in (tp, sl)))  # type: ignore[index]
    m.ex.set_quote("ES", 6010.25, 6010.5, 6010.25)  # the target fills at the broker
    await until(lambda: position(m) == 0 and m.rt.core.orders.get(sl["id"])["status"] == "cancelled")  # type: ignore[index]
    assert m.rt.core.orders.get(tp["id"])["status"] == "filled"  # type: ignore[index]
    stop = next(o.info for o in m.ex._orders.values() if o.info.type == "stop")
    assert stop.status == "cancelled" and "one-cancels-other" in (stop.reason or "")
    assert m.ex.open_orders(ACCOUNT) == [] and await legs_shown(m) == {}


async def test_a_short_entry_rests_its_target_below_and_its_stop_above_the_fill(m: Market) -> None:
    entry = await alert(m, action="sell")
    assert entry["avg_fill_price"] == 6000.0
    await until(lambda: len(m.ex.open_orders(ACCOUNT)) == 2)
    assert resting(m) == {("buy", "limit", 2, 5990.0, None), ("buy", "stop", 2, None, 6005.0)}


async def test_an_entry_done_while_the_link_was_down_gets_its_legs_after_the_reconnect(m: Market) -> None:
    supervisor = m.rt.connections.supervisors["Sim"]
    async with client(m.rt, token=None) as c:
        body = {
            "ticker": "ESZ2026",
            "action": "buy",
            "quantity": 2,
            "orderType": "limit",
            "limitPrice": 5995.0,
        }
        r = await c.post(HOOK, json={**body, **OFFSETS})
    assert r.status_code == 201 and r.json()["order"]["status"] == "working", r.text
    m.ex.faults.mute_orders = True  # its fill is lost on the wire
    m.ex.set_quote("ES", 5994.75, 5995.0, 5994.75)
    assert m.ex.positions(ACCOUNT) == {"ES": (2, 5995.0)} and m.ex.open_orders(ACCOUNT) == []
    m.ex.faults.mute_orders = False
    m.sim.drop_connections()  # the reconnect's sync says the entry filled
    await until(lambda: len(m.ex.open_orders(ACCOUNT)) == 2, 10)
    assert resting(m) == {("sell", "limit", 2, 6005.0, None), ("sell", "stop", 2, None, 5990.0)}
    await until(lambda: len(legs_of(m)) == 2, 10)  # reconciliation books the entry's fill
    shown = await legs_shown(m)
    assert {(v["status"], v.get("price") or v.get("stop_price")) for v in shown.values()} == {
        ("working", 6005.0),
        ("working", 5990.0),
    }
    assert supervisor.state == "connected"


async def test_a_restarted_runtime_finds_the_pair_by_its_client_ids(
    make_runtime: Callable[..., Runtime],
) -> None:
    sim, exchange = await serve("tradovate")
    conn = connection("tradovate", sim.endpoint)
    rt = await started(make_runtime, conn)
    async with client(rt, token=None) as c:
        r = await c.post(HOOK, json={"ticker": ES_NOW, "action": "buy", "quantity": 1, **OFFSETS})
    assert r.status_code == 201, r.text
    await until(lambda: len(legs(rt)) == 2 and len(exchange.open_orders("SIM-1")) == 2)
    before = legs(rt)
    await rt.stop()
    again = await started(make_runtime, conn)  # a new adapter that never placed them
    try:
        after = legs(again)
        assert {k: (v["id"], v["status"]) for k, v in after.items()} == {
            k: (v["id"], "working") for k, v in before.items()
        }
        assert len(exchange.open_orders("SIM-1")) == 2  # recognised, not placed again
        price = before["take_profit"]["price"]
        exchange.set_quote("ES", price, price + 0.25, price)  # the target fills at the broker
        tp, sl = before["take_profit"]["id"], before["stop_loss"]["id"]
        await until(lambda: again.core.orders.get(tp)["status"] == "filled")  # type: ignore[index]
        await until(lambda: again.core.orders.get(sl)["status"] == "cancelled")  # type: ignore[index]
        assert exchange.positions("SIM-1") == {}
    finally:
        await again.stop()
        await sim.stop()


def test_the_oco_body_rounds_each_leg_away_from_the_fill_onto_the_tick_grid() -> None:
    legs = (
        BracketLeg("tp-1", "take_profit", "limit", offset=10.1),
        BracketLeg("sl-1", "stop_loss", "stop", offset=5.1),
    )
    base = {"accountSpec": "A", "accountId": 7, "symbol": "ESZ6"}
    body = oco_body(base, "buy", legs, 6000.125, 3)
    assert (body["orderType"], body["price"], body["clOrdId"], body["orderQty"], body["action"]) == (
        "Limit",
        6010.25,  # 6010.225 rounded up, never nearer than asked
        "tp-1",
        3,
        "Sell",
    )
    assert body["other"] == {"action": "Sell", "clOrdId": "sl-1", "orderType": "Stop", "stopPrice": 5995.0}
    lone = oco_body(base, "sell", legs[1:], 6000.0, 1)
    assert "other" not in lone and (lone["action"], lone["stopPrice"]) == ("Buy", 6005.25)


async def test_an_entry_filled_while_no_runtime_ran_gets_its_legs_at_the_next_start(
    make_runtime: Callable[..., Runtime],
) -> None:
    sim, exchange = await serve("tradovate")
    conn = connection("tradovate", sim.endpoint)
    rt = await started(make_runtime, conn)
    body = {"ticker": ES_NOW, "action": "buy", "quantity": 1, "orderType": "limit", "limitPrice": 5995.0}
    async with client(rt, token=None) as c:
        r = await c.post(HOOK, json={**body, **OFFSETS})
    assert r.status_code == 201 and r.json()["order"]["status"] == "working", r.text
    await rt.stop()
    exchange.set_quote("ES", 5994.75, 5995.0, 5994.75)  # the entry fills; nobody is listening
    assert exchange.positions("SIM-1") == {"ES": (1, 5995.0)} and exchange.open_orders("SIM-1") == []
    again = await started(make_runtime, conn)  # a new adapter told the legs by the runtime's store
    try:
        await until(lambda: len(exchange.open_orders("SIM-1")) == 2, 10)
        at_broker = {(o.side, o.type, o.qty, o.price, o.stop_price) for o in exchange.open_orders("SIM-1")}
        assert at_broker == {("sell", "limit", 1, 6005.0, None), ("sell", "stop", 1, None, 5990.0)}
        await until(lambda: len(legs(again)) == 2, 10)
        shown = legs(again)
        assert (shown["take_profit"]["price"], shown["stop_loss"]["stop_price"]) == (6005.0, 5990.0)
        assert {v["status"] for v in shown.values()} == {"working"}
    finally:
        await again.stop()
        await sim.stop()
