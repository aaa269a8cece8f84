"""The ProjectX simulator against a ProjectX client written by others: topstep-client-py.

That client (httpx for REST, signalrcore for the hubs) was written against the real
Gateway API, so it checks the simulator independently of our adapter: its pydantic
models reject a record missing a field it requires, its REST layer refuses an envelope
without ``success``, and signalrcore negotiates before it opens a hub (our adapter skips
negotiation) and takes the token from its ``access_token_factory``. Everything runs over
real sockets on 127.0.0.1; the client is only pointed at the simulator's base URL and
hub URLs, never patched.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from topstep import (
    MarketHub,
    OrderSide,
    OrderStatus,
    OrderType,
    PlaceOrderRequest,
    PositionType,
    TopstepClient,
    UserHub,
)
from topstep.exceptions import APIError

from ordergate.runtime.brokers.exchange import Exchange
from ordergate.runtime.brokers.projectx.sim_core import Options
from ordergate.runtime.brokers.projectx.simulator import ProjectXSimulator

pytestmark = pytest.mark.anyio


@dataclass
class Heard:
    """What the client's hub callbacks were given, by event name."""

    events: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)

    def handler(self, name: str) -> Callable[..., None]:
        def record(*args: Any) -> None:
            self.events.setdefault(name, []).append(args)

        return record

    def records(self, name: str) -> list[dict[str, Any]]:
        """The records of one user event, unwrapped from ``{action, data}`` when wrapped."""
        out = []
        for (arguments,) in self.events.get(name, []):
            item = arguments[0] if isinstance(arguments, list) else arguments
            out.append(item.get("data", item) if isinstance(item, dict) else item)
        return out


async def until(check: Callable[[], Any], timeout: float = 5.0) -> None:  # noqa: ASYNC109 - a test helper's deadline
    async with asyncio.timeout(timeout):
        while not check():  # noqa: ASYNC110 - the condition is the other thread's state
            await asyncio.sleep(0.02)


@contextlib.asynccontextmanager
async def simulator() -> AsyncIterator[tuple[ProjectXSimulator, Exchange]]:
    exchange = Exchange()
    exchange.open_account("PX-1", 50_000)
    exchange.set_quote("ES", 6000, 6000.25, 6000)
    sim = await ProjectXSimulator.start(exchange, options=Options(ping_interval=0.5))
    try:
        yield sim, exchange
    finally:
        await sim.stop()


@contextlib.asynccontextmanager
async def client(sim: ProjectXSimulator) -> AsyncIterator[TopstepClient]:
    c = await TopstepClient.create("demo", "demo", base_url=sim.endpoint, timeout=5)
    try:
        yield c
    finally:
        await c.close()


async def test_third_party_client_logs_in_lists_accounts_and_looks_up_contracts() -> None:
    async with simulator() as (sim, _), client(sim) as c:
        accounts = await c.accounts.search()
        assert [(a.name, a.balance, a.can_trade) for a in accounts] == [("PX-1", 50_000.0, True)]
        found = await c.contracts.search("ES")
        es = next(x for x in found if x.name.startswith("ES"))
        assert (es.tick_size, es.tick_value, es.active_contract) == (0.25, 12.5, True)
        assert (await c.contracts.search_by_id(es.id)).name == es.name
        assert es.id in {x.id for x in await c.contracts.available()}
        old = c.token
        await c.refresh_token()  # Auth/validate's newToken replaces the token
        assert c.token and c.token != old
        assert len(await c.accounts.search()) == 1


async def test_third_party_client_with_a_wrong_key_is_refused() -> None:
    async with simulator() as (sim, _):
        with pytest.raises(APIError) as refused:  # HTTP 200, success false, a login errorCode (§7.2)
            await TopstepClient.create("demo", "not-the-key", base_url=sim.endpoint, timeout=5)
        assert refused.value.error_code in (1, 2, 3)


async def test_third_party_client_places_cancels_and_closes_over_rest() -> None:
    async with simulator() as (sim, _), client(sim) as c:
        account = (await c.accounts.search())[0].id
        es = next(x for x in await c.contracts.search("ES") if x.name.startswith("ES")).id
        market = await c.orders.place(
            PlaceOrderRequest(
                account_id=account, contract_id=es, type=OrderType.MARKET, side=OrderSide.BUY, size=2
            )
        )
        limit = await c.orders.place(
            PlaceOrderRequest(
                account_id=account,
                contract_id=es,
                type=OrderType.LIMIT,
                side=OrderSide.BUY,
                size=1,
                limit_price=5900,
            )
        )
        assert [o.id for o in await c.orders.search_open(account)] == [limit]
        await c.orders.cancel(account, limit)
        assert await c.orders.search_open(account) == []
        [position] = await c.positions.search_open(account)
        assert (position.type, position.size, position.average_price) == (PositionType.LONG, 2, 6000.25)
        since = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
        statuses = {o.id: o.status for o in await c.orders.search(account, since)}
        assert (statuses[market], statuses[limit]) == (OrderStatus.FILLED, OrderStatus.CANCELLED)
        [trade] = await c.trades.search(account, since)
        assert (trade.order_id, trade.size, trade.price, trade.profit_and_loss) == (market, 2, 6000.25, None)
        await c.positions.close(account, es)
        assert await c.positions.search_open(account) == []


async def test_third_party_client_hears_hub_events_after_negotiating() -> None:
    async with simulator() as (sim, exchange), client(sim) as c:
        account = (await c.accounts.search())[0].id
        es = next(x for x in await c.contracts.search("ES") if x.name.startswith("ES")).id
        heard = Heard()
        user = UserHub(c.token or "", hub_url=f"{sim.endpoint}/hubs/user")
        market = MarketHub(c.token or "", hub_url=f"{sim.endpoint}/hubs/market")
        c._user_hub, c._market_hub = user, market  # so c.close() stops them; the URLs are its constructor's
        for name in ("account", "order", "position", "trade"):
            getattr(user, f"on_{name}")(heard.handler(name))
        market.on_quote(heard.handler("quote"))
        await user.connect()
        await market.connect()
        await user.subscribe_all(account)
        await market.subscribe_quotes(es)
        await until(lambda: heard.events.get("quote"))
        exchange.set_quote("ES", 6001, 6001.25, 6001)
        await until(lambda: any(args[0][1].get("bestBid") == 6001 for args in heard.events.get("quote", [])))
        assert all(args[0][0] == es for args in heard.events["quote"])

        placed = await c.orders.place(
            PlaceOrderRequest(
                account_id=account, contract_id=es, type=OrderType.MARKET, side=OrderSide.BUY, size=1
            )
        )
        await until(lambda: any(t.get("orderId") == placed for t in heard.records("trade")))
        await until(lambda: any(p.get("size") == 1 for p in heard.records("position")))
        assert any(o["id"] == placed and o["status"] == OrderStatus.FILLED for o in heard.records("order"))
        await c.positions.close(account, es)
        await until(lambda: heard.records("position")[-1].get("size") == 0)
        await until(lambda: any(a.get("balance", 50_000) < 50_000 for a in heard.records("account")))
