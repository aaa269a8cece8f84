"""Rithmic's bracket updates (template 353, to accounts subscribed with 336) keep
``GET /v1/orders`` true (issue 13): a bracket's target or stop updated at the gateway
moves the released leg's shown price, and a bracket the server cancels shows its legs
cancelled. Over real HTTP and the Rithmic simulator on loopback, which sends 353 as the
gateway does."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from ordergate.runtime.brokers.base import SimLogin
from ordergate.runtime.brokers.exchange import Exchange
from ordergate.runtime.brokers.rithmic import simulator as rithmic
from ordergate.runtime.brokers.rithmic.simulator import RithmicSimulator
from ordergate.runtime.brokers.types import OrderUpdate
from ordergate.runtime.connections import ConnectionSpec
from ordergate.runtime.service import Runtime

from .test_brackets_native import ACCOUNT, OFFSETS, Market, entry, legs_shown, position, until

pytestmark = pytest.mark.anyio


class Recorded:
    """The runtime's events for the connection, with the order updates kept to count."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.orders: list[OrderUpdate] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def on_order(self, update: OrderUpdate) -> None:
        self.orders.append(update)
        self.inner.on_order(update)


@pytest.fixture
def said() -> list[Recorded]:
    return []


@pytest.fixture
async def m(make_runtime: Callable[..., Runtime], said: list[Recorded]) -> AsyncIterator[Market]:
    rt = make_runtime(webhooks=[{"name": "tv", "secret": "s3cr3t-hook", "account": ACCOUNT}])
    rt.connections.supervisor_options = {"stale_after": 60.0, "backoff_base": 0.01, "connect_timeout": 2.0}
    await rt.start(background=False)
    ex = Exchange(lambda: rt.core.now().timestamp())
    ex.open_account(ACCOUNT, 50_000)
    ex.set_quote("ES", 6000.0, 6000.25, 6000.0)
    sim = await rithmic.HARNESS.serve(ex, SimLogin(), 0)
    said.append(Recorded(rt.events_for("Sim")))
    adapter = rithmic.HARNESS.adapter("Sim", sim.config, said[0], lambda: rt.core.now().timestamp())
    rt.connections.register(ConnectionSpec("Sim", "rithmic", "config"), adapter)
    rt.add_account("Sim", ACCOUNT, None, 50_000)
    await rt.connections.start("Sim")
    await until(lambda: "ES" in rt.core.brokers["Sim"].quotes)
    yield Market(rt, ex, sim, OFFSETS)
    await rt.stop()
    await sim.stop()


def gateway(m: Market) -> RithmicSimulator:
    assert isinstance(m.sim, RithmicSimulator)
    return m.sim


async def bracket(m: Market) -> tuple[str, dict[str, dict[str, Any]]]:
    """A buy of 2 with a target 10 and a stop 5 points from its fill (6000.25), its
    legs resting at the gateway; the entry's basket and the legs as shown."""
    parent, legs = await entry(m)
    await until(lambda: len(m.ex.open_orders(ACCOUNT)) == 2)
    view = m.rt.core.orders.get(parent)
    assert view is not None and view["broker_order_id"]
    return str(view["broker_order_id"]), legs


async def test_a_target_updated_at_the_gateway_moves_the_legs_shown_price(m: Market) -> None:
    basket, legs = await bracket(m)
    assert legs["take_profit"]["price"] == 6010.25 and legs["stop_loss"]["stop_price"] == 5995.25
    gateway(m).update_bracket(basket, target_ticks=60, stop_ticks=8)  # 15 and 2 points from the fill
    at_gateway = {o.type: (o.price, o.stop_price) for o in m.ex.open_orders(ACCOUNT)}
    assert at_gateway == {"limit": (6015.25, None), "stop": (None, 5998.25)}
    await until(lambda: m.rt.core.orders.get(legs["take_profit"]["id"])["price"] == 6015.25)  # type: ignore[index]
    await until(lambda: m.rt.core.orders.get(legs["stop_loss"]["id"])["stop_price"] == 5998.25)  # type: ignore[index]
    shown = await legs_shown(m)
    assert (shown["take_profit"]["price"], shown["take_profit"]["status"]) == (6015.25, "working")
    assert (shown["stop_loss"]["stop_price"], shown["stop_loss"]["status"]) == (5998.25, "working")
    m.ex.set_quote("ES", 6010.25, 6010.5, 6010.25)  # where the target was: nothing fills now
    await m.rt.settle()
    assert position(m) == 2
    m.ex.set_quote("ES", 6015.25, 6015.5, 6015.25)  # where it is
    await until(lambda: position(m) == 0)
    await until(lambda: m.rt.core.orders.get(legs["stop_loss"]["id"])["status"] == "cancelled")  # type: ignore[index]
    assert m.rt.core.orders.get(legs["take_profit"]["id"])["status"] == "filled"  # type: ignore[index]


async def test_a_bracket_cancelled_by_the_gateway_shows_its_legs_cancelled_once(
    m: Market, said: list[Recorded]
) -> None:
    basket, legs = await bracket(m)
    gateway(m).cancel_bracket(basket)
    for leg in legs.values():
        await until(lambda leg=leg: m.rt.core.orders.get(leg["id"])["status"] == "cancelled")  # type: ignore[misc]
        assert "cancelled at Rithmic" in (m.rt.core.orders.get(leg["id"]) or {}).get("reason", "")
    assert m.ex.open_orders(ACCOUNT) == [] and position(m) == 2  # the position is the trader's now
    assert await legs_shown(m) == {}  # no leg shown working that the gateway no longer holds
    await m.rt.settle()
    cancelled = [u.order_id for u in said[0].orders if u.status == "cancelled"]
    assert sorted(cancelled) == sorted(v["id"] for v in legs.values())  # 353 first, the 351s not said again
