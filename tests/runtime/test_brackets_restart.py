"""Legs a broker holds are its after the runtime restarts (issue 13): a runtime that stops
with a bracket resting at Tradovate, ProjectX or Rithmic finds both legs still working at
start (the adapter names them again, though it never placed them), and the broker's
one-cancels-other then reaches it as the legs' fill and cancel. Each against its
simulator on loopback, the connection from the config file."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import pytest

from ordergate.policy.models import ConnectionConfig
from ordergate.runtime.service import Runtime
from tests.contracts_now import front_symbol

from .conftest import client
from .test_broker_connections import FAST, SECRET, serve

pytestmark = pytest.mark.anyio
HOOK = "/v1/webhooks/s3cr3t-hook"
# the broker simulator runs on the real clock, the runtime on MONDAY_10: a contract that
# trades now, its year in four digits so that both clocks read the same year
ALERT = {"ticker": front_symbol(digits=4), "action": "buy", "quantity": 1}
FORMS = {
    "tradovate": {"takeProfit": {"limitPrice": 6010.25}, "stopLoss": {"stopPrice": 5995.25}},
    "projectx": {"takeProfit": {"amount": 10}, "stopLoss": {"amount": 5}},
    "rithmic": {"takeProfit": {"amount": 10}, "stopLoss": {"amount": 5}},
}


def connection(broker: str, endpoint: str) -> ConnectionConfig:
    settings: dict[str, Any] = {
        "name": "Sim",
        "broker": broker,
        "endpoint": endpoint,
        "accounts": [{"id": "SIM-1"}],
    }
    if broker == "rithmic":
        settings |= {"system": "Rithmic Test", "credentials": {"username": "trader", "password": SECRET}}
    elif broker == "projectx":
        settings["credentials"] = {"username": "trader", "api_key": SECRET}
    else:
        settings["credentials"] = {"username": "trader", "password": SECRET}
    return ConnectionConfig.model_validate(settings)


async def until(predicate: Callable[[], object], seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


async def started(make: Callable[..., Runtime], conn: ConnectionConfig) -> Runtime:
    rt = make(connections=[conn], webhooks=[{"name": "tv", "secret": "s3cr3t-hook", "account": "SIM-1"}])
    rt.connections.supervisor_options = FAST
    await rt.start(background=False)
    await until(lambda: "ES" in rt.core.brokers["Sim"].quotes)
    return rt


def legs(rt: Runtime) -> dict[str, dict[str, Any]]:
    return {v["leg"]: v for v in rt.core.store.open_orders("SIM-1") if v.get("leg")}


@pytest.mark.parametrize("broker", sorted(FORMS))
async def test_native_legs_are_recognised_after_a_restart_and_their_oco_reaches_the_runtime(
    make_runtime: Callable[..., Runtime], broker: str
) -> None:
    sim, exchange = await serve(broker)
    conn = connection(broker, sim.endpoint)
    rt = await started(make_runtime, conn)
    async with client(rt, token=None) as c:
        r = await c.post(HOOK, json={**ALERT, **FORMS[broker]})
    assert r.status_code == 201, r.text
    await until(lambda: len(legs(rt)) == 2 and len(exchange.open_orders("SIM-1")) == 2)
    before = legs(rt)
    assert {v["status"] for v in before.values()} == {"working"}
    await rt.stop()
    again = await started(make_runtime, conn)  # a new adapter that never placed them
    try:
        after = legs(again)
        assert {k: (v["id"], v["status"]) for k, v in after.items()} == {
            k: (v["id"], "working") for k, v in before.items()
        }  # reconciliation found both at the broker
        exchange.set_quote("ES", 6010.25, 6010.5, 6010.25)  # the target fills at the broker
        tp, sl = before["take_profit"]["id"], before["stop_loss"]["id"]
        await until(lambda: again.core.orders.get(tp)["status"] == "filled")  # type: ignore[index]
        await until(lambda: again.core.orders.get(sl)["status"] == "cancelled")  # type: ignore[index]
        held = again.core.accounts["SIM-1"].holdings.get("ES")
        assert held is None and exchange.positions("SIM-1") == {}
    finally:
        await again.stop()
        await sim.stop()
