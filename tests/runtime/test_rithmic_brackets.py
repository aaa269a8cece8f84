"""Rithmic brackets (330 RequestBracketOrder) between the adapter and the simulator, over
real WebSockets on loopback: the gateway releases the legs when the order fills, the
adapter names them by the runtime's leg ids (their updates and fills reach it as the
legs'), the target's fill cancels the stop, and after a dropped link the released legs
are still recognised."""

from __future__ import annotations

import asyncio

import pytest

from ordergate.runtime.brokers.errors import BracketUnsupported, BrokerUnavailable
from ordergate.runtime.brokers.exchange import Exchange
from ordergate.runtime.brokers.rithmic.client import RithmicBroker
from ordergate.runtime.brokers.rithmic.simulator import RithmicSimulator
from ordergate.runtime.brokers.types import BracketLeg, OrderRequest

from .test_rithmic_adapter import Recorder, run, until

ENTRY = OrderRequest("e-1", "ES", "ES", "buy", 2)
LEGS = (
    BracketLeg("tp-1", "take_profit", "limit", offset=10.0),
    BracketLeg("sl-1", "stop_loss", "stop", offset=5.0),
)


def test_released_legs_are_named_and_the_target_fill_cancels_the_stop() -> None:
    async def body(sim: RithmicSimulator, adapter: RithmicBroker, events: Recorder, ex: Exchange) -> None:
        await adapter.connect()
        serving = asyncio.create_task(adapter.serve())
        ack = await adapter.place_bracket("SIM-1", ENTRY, LEGS)
        assert ack.entry.order_id == "e-1" and ack.entry.broker_order_id
        await until(lambda: {u.order_id for u in events.orders} >= {"tp-1", "sl-1"})
        legs = {o.order_id: o for o in await adapter.open_orders("SIM-1")}
        assert (legs["tp-1"].side, legs["tp-1"].qty, legs["tp-1"].price) == ("sell", 2, 6010.25)
        assert (legs["sl-1"].type, legs["sl-1"].stop_price) == ("stop", 5995.25)
        ex.set_quote("ES", 6010.25, 6010.5, 6010.25)
        await until(lambda: any(f.order_id == "tp-1" for f in events.fills))
        await until(lambda: any(u.order_id == "sl-1" and u.status == "cancelled" for u in events.orders))
        cancelled = next(u for u in events.orders if u.order_id == "sl-1" and u.status == "cancelled")
        assert "one-cancels-other" in (cancelled.reason or "")
        assert ex.positions("SIM-1") == {} and await adapter.open_orders("SIM-1") == []
        serving.cancel()

    run(body)


def test_legs_released_while_the_link_was_down_are_recognised_after_the_reconnect() -> None:
    async def body(sim: RithmicSimulator, adapter: RithmicBroker, events: Recorder, ex: Exchange) -> None:
        await adapter.connect()
        serving = asyncio.create_task(adapter.serve())
        entry = OrderRequest("e-2", "ES", "ES", "buy", 1, "limit", 5990.0)
        await adapter.place_bracket("SIM-1", entry, LEGS)
        ex.drop_connections()
        with pytest.raises(BrokerUnavailable):
            await serving
        ex.set_quote("ES", 5989.75, 5990.0, 5990.0)  # fills while nobody listens: the legs go out
        await adapter.connect()
        found = {o.order_id: o for o in await adapter.open_orders("SIM-1")}
        assert set(found) == {"tp-1", "sl-1"} and found["tp-1"].price == 6000.0
        status = await adapter.order_status("SIM-1", "sl-1")
        assert status is not None and (status.status, status.stop_price) == ("working", 5985.0)

    run(body)


@pytest.mark.parametrize(
    "leg",
    [
        BracketLeg("tp-1", "take_profit", "limit", price=6010.0),
        BracketLeg("ts-1", "stop_loss", "trailing_stop", offset=5.0),
    ],
)
def test_a_leg_it_cannot_send_as_ticks_is_refused_before_anything_is_sent(leg: BracketLeg) -> None:
    async def body(sim: RithmicSimulator, adapter: RithmicBroker, events: Recorder, ex: Exchange) -> None:
        await adapter.connect()
        with pytest.raises(BracketUnsupported):
            await adapter.place_bracket("SIM-1", ENTRY, (leg,))
        assert ex.positions("SIM-1") == {} and ex.find("SIM-1", "e-1") is None

    run(body)
