"""Resting entries count against position limits (DESIGN 4.3), over real HTTP: the
reproduction was twelve 1-lot limit buys below the market, all allowed with a
position cap of 5, and a position of 12 once the price crossed them."""

from __future__ import annotations

import asyncio

import pytest

from tests.runtime.conftest import client, quote

pytestmark = pytest.mark.anyio

CAP_5 = """
apiVersion: ordergate/v1
kind: RiskPolicy
metadata: {name: desk, version: 1}
spec:
  accounts: ["*"]
  positions: {max_contracts_per_order: 5, max_position_size: 5, max_open_positions: 1}
"""


async def test_concurrent_resting_buys_never_add_up_past_the_position_cap(make_runtime) -> None:
    runtime = make_runtime(policy=CAP_5)
    await runtime.start(background=False)
    try:
        await quote(runtime, "ES", 6000)
        async with client(runtime) as c:
            body = {
                "account": "PAPER-1",
                "symbol": "ESZ6",
                "side": "buy",
                "qty": 1,
                "type": "limit",
                "price": 5990,
            }
            answers = await asyncio.gather(*(c.post("/v1/orders", json=body) for _ in range(12)))
            codes = sorted(r.status_code for r in answers)
            assert codes == [201] * 5 + [403] * 7
            assert {r.json()["decision"]["code"] for r in answers if r.status_code == 403} == {
                "max_position_size"
            }
            # a sell entry is judged against its own side: the resting buys do not make it an exit
            sell = await c.post("/v1/orders/check", json={**body, "side": "sell", "qty": 5, "price": 6010})
            assert sell.json()["decision"]["outcome"] == "allow"
            # another root is a second open symbol while ES has working entries
            nq = await c.post("/v1/orders/check", json={**body, "symbol": "NQZ6", "price": 21000})
            assert nq.json()["decision"]["code"] == "max_open_positions"
            await quote(runtime, "ES", 5985)  # the price crosses every resting buy
            await runtime.settle()
            view = (await c.get("/v1/accounts/PAPER-1")).json()
            assert [p["qty"] for p in view["positions"]] == [5]
            more = await c.post("/v1/orders", json={**body, "price": 5970})
            assert more.status_code == 403  # the position itself is at the cap now
    finally:
        await runtime.stop()


async def test_a_cancelled_resting_entry_stops_counting(make_runtime) -> None:
    runtime = make_runtime(policy=CAP_5)
    await runtime.start(background=False)
    try:
        await quote(runtime, "ES", 6000)
        async with client(runtime) as c:
            body = {
                "account": "PAPER-1",
                "symbol": "ESZ6",
                "side": "buy",
                "qty": 5,
                "type": "limit",
                "price": 5990,
            }
            first = await c.post("/v1/orders", json=body)
            assert first.status_code == 201
            assert (await c.post("/v1/orders", json={**body, "qty": 1})).status_code == 403
            assert (await c.delete(f"/v1/orders/{first.json()['order']['id']}")).status_code == 200
            assert (await c.post("/v1/orders", json={**body, "qty": 1})).status_code == 201
    finally:
        await runtime.stop()
