"""Working orders over real HTTP: they survive a restart, leave the open list when they
fill, and a filled order cannot be cancelled."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ordergate.runtime.service import Runtime

from .conftest import client, quote

pytestmark = pytest.mark.anyio
LIMIT = {"account": "PAPER-1", "symbol": "ESZ6", "side": "buy", "qty": 1, "type": "limit", "price": 5990}


async def test_a_working_paper_order_survives_a_restart_and_fills_after_it(
    make_runtime: Callable[..., Runtime],
) -> None:
    rt = make_runtime()
    await rt.start(background=False)
    await quote(rt, "ES", 6000)
    async with client(rt) as c:
        placed = (await c.post("/v1/orders", json=LIMIT)).json()["order"]
    assert placed["status"] == "working"
    await rt.stop()
    again = make_runtime()
    await again.start(background=False)
    async with client(again) as c:
        assert [o["id"] for o in (await c.get("/v1/orders")).json()["orders"]] == [placed["id"]]
        await quote(again, "ES", 5989.75)
        assert (await c.get("/v1/orders")).json()["orders"] == []
        history = (await c.get("/v1/orders?status=all")).json()["orders"]
        account = (await c.get("/v1/accounts/PAPER-1")).json()
    assert [(o["id"], o["status"]) for o in history] == [(placed["id"], "filled")]
    assert account["positions"][0]["qty"] == 1
    await again.stop()


async def test_an_order_that_fills_later_leaves_the_open_orders_as_filled(started: Runtime) -> None:
    await quote(started, "ES", 6000)
    async with client(started) as c:
        placed = (await c.post("/v1/orders", json=LIMIT)).json()["order"]
        assert [o["status"] for o in (await c.get("/v1/orders")).json()["orders"]] == ["working"]
        await quote(started, "ES", 5989.75)
        assert (await c.get("/v1/orders")).json()["orders"] == []
        history = (await c.get("/v1/orders?status=all")).json()["orders"]
    assert [(o["id"], o["status"], o["filled_qty"]) for o in history] == [(placed["id"], "filled", 1)]


async def test_cancelling_a_filled_order_is_a_409_naming_its_state(started: Runtime) -> None:
    await quote(started, "ES", 6000)
    async with client(started) as c:
        filled = (await c.post("/v1/orders", json={**LIMIT, "type": "market"})).json()["order"]
        r = await c.delete(f"/v1/orders/{filled['id']}")
        history = (await c.get("/v1/orders?status=all")).json()["orders"]
    assert r.status_code == 409 and "is filled; there is nothing to cancel" in r.json()["error"]
    assert [o["status"] for o in history] == ["filled"]
