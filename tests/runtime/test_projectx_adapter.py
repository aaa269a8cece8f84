"""The ProjectX adapter against the ProjectX simulator, over real sockets on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from ordergate.policy import Quote
from ordergate.runtime.brokers.errors import BrokerRefused
from ordergate.runtime.brokers.exchange import Exchange
from ordergate.runtime.brokers.projectx.client import ProjectXBroker
from ordergate.runtime.brokers.projectx.ratelimit import Limit
from ordergate.runtime.brokers.projectx.sim_core import Options
from ordergate.runtime.brokers.projectx.simulator import ProjectXSimulator
from ordergate.runtime.brokers.types import (
    AdapterConfig,
    BalanceSnapshot,
    Fill,
    OrderRequest,
    OrderUpdate,
    PositionSnapshot,
)
from tests.contracts_now import front_symbol

pytestmark = pytest.mark.anyio
ES_NOW = front_symbol()  # the simulator's clock starts at the real one: a contract that trades then


@dataclass
class Recorder:
    fills: list[Fill] = field(default_factory=list)
    orders: list[OrderUpdate] = field(default_factory=list)
    positions: list[PositionSnapshot] = field(default_factory=list)
    quotes: list[tuple[str, Quote]] = field(default_factory=list)

    def on_order(self, update: OrderUpdate) -> None:
        self.orders.append(update)

    def on_fill(self, fill: Fill) -> None:
        self.fills.append(fill)

    def on_positions(self, snapshot: PositionSnapshot) -> None:
        self.positions.append(snapshot)

    def on_balance(self, snapshot: BalanceSnapshot) -> None:
        return None

    def on_quote(self, root: str, quote: Quote) -> None:
        self.quotes.append((root, quote))

    def on_heartbeat(self) -> None:
        return None


class Clock:
    def __init__(self) -> None:
        import time

        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@dataclass
class Rig:
    exchange: Exchange
    sim: ProjectXSimulator
    adapter: ProjectXBroker
    events: Recorder
    clock: Clock
    serving: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.serving = asyncio.create_task(self.adapter.serve())


async def until(check: Callable[[], Any], timeout: float = 5.0) -> None:  # noqa: ASYNC109 - a test helper's deadline
    async with asyncio.timeout(timeout):
        while not check():  # noqa: ASYNC110 - the condition is the peer's state, no event to wait on
            await asyncio.sleep(0.02)


@contextlib.asynccontextmanager
async def rig(mode: str, options: Options | None = None, **settings: Any) -> AsyncIterator[Rig]:
    clock = Clock()
    exchange = Exchange(clock)
    exchange.open_account("PX-1", 50_000)
    exchange.set_quote("ES", 6000, 6000.25, 6000)
    sim = await ProjectXSimulator.start(exchange, options=options or Options(ping_interval=0.2))
    config = AdapterConfig(
        settings={
            "endpoint": sim.endpoint,
            "mode": mode,
            "poll_interval": 0.1,
            "stale_after": 1.0,
            "symbols": ["ES"],
            **settings,
        },
        credentials={"username": "demo", "api_key": "demo"},
    )
    events = Recorder()
    adapter = ProjectXBroker("px", config, events, clock)
    r = Rig(exchange, sim, adapter, events, clock)
    try:
        await adapter.connect()
        yield r
    finally:
        if r.serving is not None:
            r.serving.cancel()
            await asyncio.gather(r.serving, return_exceptions=True)
        await adapter.disconnect()
        await sim.stop()


@pytest.mark.parametrize("mode", ["websocket", "polling", "auto"])
async def test_each_mode_reports_fill_and_position_and_flattens_through_close_contract(mode: str) -> None:
    async with rig(mode) as r:
        r.start()
        ack = await r.adapter.place("PX-1", OrderRequest("og-1", ES_NOW, "ES", "buy", 2))
        assert ack.broker_order_id.isdigit()
        await until(lambda: any(f.order_id == "og-1" for f in r.events.fills))
        fill = next(f for f in r.events.fills if f.order_id == "og-1")
        assert (fill.qty, fill.price, fill.side, fill.root) == (2, 6000.25, "buy", "ES")
        await until(lambda: r.adapter.positions("PX-1") == {"ES": (2, 6000.25)})
        closing = await r.adapter.flatten("PX-1", lambda: "unused")
        assert [(f.side, f.qty, f.price) for f in closing] == [("sell", 2, 6000.0)]
        assert r.exchange.positions("PX-1") == {}
        await until(lambda: r.adapter.positions("PX-1") == {})
        assert len({f.fill_id for f in r.events.fills}) == len(r.events.fills) == 2


@pytest.mark.parametrize("mode", ["websocket", "polling"])
async def test_each_mode_delivers_quotes(mode: str) -> None:
    async with rig(mode) as r:
        r.start()
        r.exchange.set_quote("ES", 6010, 6010.25, 6010)
        await until(lambda: any(q.last == 6010 for _root, q in r.events.quotes))
        assert all(root == "ES" for root, _q in r.events.quotes)


async def test_resting_order_is_listed_cancelled_and_cancel_of_filled_order_is_not_open() -> None:
    from ordergate.runtime.brokers.errors import OrderNotOpen

    async with rig("websocket") as r:
        r.start()
        await r.adapter.place("PX-1", OrderRequest("og-lmt", "ES", "ES", "buy", 1, "limit", price=5990.0))
        (listed,) = await r.adapter.open_orders("PX-1")
        assert (listed.order_id, listed.type, listed.price, listed.status) == (
            "og-lmt",
            "limit",
            5990.0,
            "working",
        )
        await r.adapter.cancel("PX-1", "og-lmt")
        await until(lambda: any(u.status == "cancelled" and u.order_id == "og-lmt" for u in r.events.orders))
        assert await r.adapter.open_orders("PX-1") == []
        await r.adapter.place("PX-1", OrderRequest("og-mkt", "ES", "ES", "buy", 1))
        with pytest.raises(OrderNotOpen):
            await r.adapter.cancel("PX-1", "og-mkt")


async def test_auto_falls_back_to_polling_when_the_feed_goes_silent_and_back_when_it_speaks() -> None:
    async with rig("auto") as r:
        r.start()
        await until(lambda: r.adapter._user.frames > 0)
        assert r.adapter.feed == "stream"
        r.sim.silence()
        await until(lambda: r.adapter.feed == "polling", timeout=8.0)
        await r.adapter.place("PX-1", OrderRequest("og-silent", "ES", "ES", "buy", 1))
        await until(lambda: any(f.order_id == "og-silent" for f in r.events.fills))  # polled, not streamed
        r.sim.resume()
        await until(lambda: r.adapter.feed == "stream", timeout=8.0)
        await r.adapter.place("PX-1", OrderRequest("og-back", "ES", "ES", "sell", 1))
        await until(lambda: any(f.order_id == "og-back" for f in r.events.fills))


async def test_websocket_mode_ends_serve_when_the_feed_goes_silent() -> None:
    async with rig("websocket") as r:
        r.start()
        await until(lambda: r.adapter._user.frames > 0)
        r.sim.silence()
        assert r.serving is not None
        with pytest.raises(Exception, match="silent"):
            await asyncio.wait_for(r.serving, 8.0)
        r.serving = None


async def test_429_is_backed_off_and_every_call_still_answers() -> None:
    options = Options(ping_interval=0.2, limit=Limit(4, 1.0))
    async with rig("websocket", options) as r:
        answers = [await r.adapter.open_orders("PX-1") for _ in range(8)]
        assert answers == [[]] * 8
        assert r.adapter.rest.rate_limited >= 1


async def test_token_is_refreshed_through_validate_before_it_expires_under_a_fast_clock() -> None:
    async with rig("websocket") as r:
        r.start()
        first = r.adapter.rest.token
        r.clock.now += 23.8 * 3600  # the simulator shares the clock: the first token is near its end
        await until(lambda: r.adapter.rest.token != first, timeout=5.0)
        assert r.sim.core.logins == 1  # refreshed, not logged in again
        r.clock.now += 0.5 * 3600  # past the first token's 24 h
        assert await r.adapter.open_orders("PX-1") == []
        assert r.sim.core.logins == 1


async def test_second_login_evicts_the_first_with_gateway_logout() -> None:
    async with rig("websocket") as r:
        r.start()
        await until(lambda: r.adapter._user.frames > 0)
        async with httpx.AsyncClient() as other:
            answer = await other.post(
                f"{r.sim.endpoint}/api/Auth/loginKey", json={"userName": "demo", "apiKey": "demo"}
            )
        assert answer.json()["success"] is True
        assert r.serving is not None
        with pytest.raises(BrokerRefused, match="GatewayLogout"):
            await asyncio.wait_for(r.serving, 5.0)
        r.serving = None


async def test_wrong_api_key_is_refused_at_connect() -> None:
    exchange = Exchange()
    exchange.open_account("PX-1", 50_000)
    sim = await ProjectXSimulator.start(exchange)
    try:
        adapter = ProjectXBroker(
            "px", AdapterConfig({"endpoint": sim.endpoint}, {"username": "demo", "api_key": "wrong"})
        )
        with pytest.raises(BrokerRefused, match="InvalidCredentials"):
            await adapter.connect()
        await adapter.disconnect()
    finally:
        await sim.stop()


async def test_subscriptions_are_restored_after_the_hubs_drop() -> None:
    async with rig("auto") as r:
        r.start()
        await until(lambda: len(r.sim.core.hub_clients) == 2 and r.adapter._user.frames > 0)
        before = set(r.sim.core.hub_clients)
        account = r.adapter._ids["PX-1"]
        r.sim.drop_connections()

        def resubscribed() -> bool:
            fresh = [c for c in r.sim.core.hub_clients if c not in before]
            subs = set().union(*(c.subscriptions for c in fresh)) if fresh else set()
            return {
                ("orders", account),
                ("trades", account),
                ("positions", account),
                ("accounts", 0),
            } <= subs and (
                "quotes",
                r.adapter._contracts["ES"],
            ) in subs

        await until(resubscribed, timeout=8.0)
        await until(lambda: r.adapter.feed == "stream")
        await r.adapter.place("PX-1", OrderRequest("og-after", "ES", "ES", "buy", 1))
        await until(lambda: any(f.order_id == "og-after" for f in r.events.fills))
