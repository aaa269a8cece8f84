"""The Tradovate adapter against the Tradovate simulator, over real sockets on loopback.

The exchange and the adapter share a fake clock, so token expiry and penalty waits take
milliseconds; heartbeats run on short real periods."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
import websockets

from ordergate.runtime.brokers.base import SimLogin
from ordergate.runtime.brokers.errors import BrokerRefused, BrokerUnavailable
from ordergate.runtime.brokers.exchange import Exchange
from ordergate.runtime.brokers.ninjatrader.client import NinjaTraderBroker
from ordergate.runtime.brokers.tradovate.client import TradovateBroker
from ordergate.runtime.brokers.tradovate.sim_core import Options
from ordergate.runtime.brokers.tradovate.simulator import TradovateSimulator
from ordergate.runtime.brokers.types import AdapterConfig, Fill, OrderRequest


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_790_000_000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


class Recorder:
    def __init__(self) -> None:
        self.fills: list[Fill] = []
        self.updates: list[Any] = []
        self.beats = 0

    def on_order(self, update: Any) -> None:
        self.updates.append(update)

    def on_fill(self, fill: Fill) -> None:
        self.fills.append(fill)

    def on_positions(self, snapshot: Any) -> None:
        return None

    def on_balance(self, snapshot: Any) -> None:
        return None

    def on_quote(self, root: str, quote: Any) -> None:
        return None

    def on_heartbeat(self) -> None:
        self.beats += 1


Body = Callable[[TradovateSimulator, TradovateBroker, Exchange, FakeClock], Awaitable[None]]
FAST = {"heartbeat": 0.05, "stale_after": 0.5, "renew_poll": 0.01, "symbols": ["ES"]}


def run(body: Body, *, options: Options | None = None, settings: dict[str, Any] | None = None) -> None:
    async def main() -> None:
        clock = FakeClock()
        exchange = Exchange(clock)
        exchange.open_account("TV-1", 50_000)
        exchange.set_quote("ES", 6000.0, 6000.25, 6000.0)
        sim = await TradovateSimulator.start(
            exchange, SimLogin(), options or Options(heartbeat=0.05, client_timeout=1.0)
        )
        config = AdapterConfig({**sim.config.settings, **FAST, **(settings or {})}, sim.config.credentials)
        adapter = TradovateBroker("tv", config, Recorder(), clock)
        adapter.rest.sleep = clock.sleep
        try:
            await asyncio.wait_for(body(sim, adapter, exchange, clock), 20)
        finally:
            await adapter.disconnect()
            await sim.stop()

    asyncio.run(main())


async def until(check: Callable[[], object], seconds: float = 3.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


def recorder(adapter: TradovateBroker) -> Recorder:
    assert isinstance(adapter.events, Recorder)
    return adapter.events


def test_login_discovers_accounts_with_balance_and_streams_quotes() -> None:
    async def body(sim: TradovateSimulator, adapter: TradovateBroker, ex: Exchange, clock: FakeClock) -> None:
        await adapter.connect()
        assert [(a.id, a.balance) for a in adapter.accounts()] == [("TV-1", 50_000.0)]
        assert sim.core.logins == 1
        serving = asyncio.create_task(adapter.serve())
        ex.set_quote("ES", 6001.0, 6001.25, 6001.0)
        await until(lambda: adapter.quotes.get("ES") is not None and adapter.quotes["ES"].last == 6001.0)
        serving.cancel()

    run(body)


def test_order_round_trip_fills_move_position_and_pnl() -> None:
    async def body(sim: TradovateSimulator, adapter: TradovateBroker, ex: Exchange, clock: FakeClock) -> None:
        await adapter.connect()
        serving = asyncio.create_task(adapter.serve())
        ack = await adapter.place("TV-1", OrderRequest("rt-1", "ESZ6", "ES", "buy", 2))
        await until(lambda: adapter.positions("TV-1").get("ES") == (2, 6000.25))
        fills = recorder(adapter).fills
        assert [(f.order_id, f.qty, f.price, f.broker_order_id) for f in fills] == [
            ("rt-1", 2, 6000.25, ack.broker_order_id)
        ]
        ex.set_quote("ES", 6010.0, 6010.25, 6010.0)
        await adapter.place("TV-1", OrderRequest("rt-2", "ESZ6", "ES", "sell", 2))
        await until(lambda: "ES" not in adapter.positions("TV-1"))
        await until(lambda: adapter.accounts()[0].balance == 50_000 + (6010.0 - 6000.25) * 2 * 50)
        serving.cancel()

    run(body)


def test_resting_limit_is_cancelled_and_reported_cancelled() -> None:
    async def body(sim: TradovateSimulator, adapter: TradovateBroker, ex: Exchange, clock: FakeClock) -> None:
        await adapter.connect()
        serving = asyncio.create_task(adapter.serve())
        await adapter.place("TV-1", OrderRequest("rt-3", "ESZ6", "ES", "buy", 1, "limit", 5990.0))
        assert [o.order_id for o in await adapter.open_orders("TV-1")] == ["rt-3"]
        await adapter.cancel("TV-1", "rt-3")
        await until(
            lambda: any(u.status == "cancelled" and u.order_id == "rt-3" for u in recorder(adapter).updates)
        )
        assert await adapter.open_orders("TV-1") == []
        serving.cancel()

    run(body)


def test_token_is_renewed_before_expiry_without_a_new_session() -> None:
    async def body(sim: TradovateSimulator, adapter: TradovateBroker, ex: Exchange, clock: FakeClock) -> None:
        await adapter.connect()
        serving = asyncio.create_task(adapter.serve())
        first = adapter.token
        assert first is not None
        clock.now += 80 * 60  # inside the 15-minute margin of the 90-minute token
        await until(lambda: sim.core.renewals >= 1)
        clock.now += 20 * 60  # past the first token's expiry
        assert adapter.token is not None and adapter.token.access_token != first.access_token
        assert (await adapter.refresh())[0].id == "TV-1"
        assert sim.core.logins == 1 and adapter.logins == 1
        serving.cancel()

    run(body)


def test_penalty_is_waited_out_on_the_clock_and_retried_with_the_ticket() -> None:
    async def body(sim: TradovateSimulator, adapter: TradovateBroker, ex: Exchange, clock: FakeClock) -> None:
        await adapter.connect()
        before = clock.now
        sim.penalize(15)
        assert [a.id for a in await adapter.refresh()] == ["TV-1"]
        assert adapter.rest.penalties == 1 and clock.now - before >= 15

    run(body)


def test_captcha_penalty_on_login_refuses_without_retrying() -> None:
    async def body(sim: TradovateSimulator, adapter: TradovateBroker, ex: Exchange, clock: FakeClock) -> None:
        sim.penalize(60)
        with pytest.raises(BrokerRefused, match="captcha"):
            await adapter.connect()
        assert sim.core.requests == [] and sim.core.logins == 0

    run(body)


def test_a_third_session_evicts_the_oldest_and_the_adapter_stops_refused() -> None:
    async def body(sim: TradovateSimulator, adapter: TradovateBroker, ex: Exchange, clock: FakeClock) -> None:
        await adapter.connect()
        serving = asyncio.create_task(adapter.serve())
        for _ in range(2):
            status, _answer = sim.core.token_request({"name": "demo", "password": "demo"})
            assert status == 200
        with pytest.raises(BrokerRefused, match="ConnectionQuotaReached"):
            await asyncio.wait_for(serving, 3)

    run(body)


def test_silent_server_is_a_dropped_link() -> None:
    async def body(sim: TradovateSimulator, adapter: TradovateBroker, ex: Exchange, clock: FakeClock) -> None:
        await adapter.connect()
        ex.faults.heartbeats = False
        ex.faults.feed = False
        with pytest.raises(BrokerUnavailable, match="no heartbeat"):
            await asyncio.wait_for(adapter.serve(), 3)

    run(body)


def test_reconnect_after_a_drop_reuses_the_session_and_hears_fills_again() -> None:
    async def body(sim: TradovateSimulator, adapter: TradovateBroker, ex: Exchange, clock: FakeClock) -> None:
        await adapter.connect()
        serving = asyncio.create_task(adapter.serve())
        sim.drop_connections()
        with pytest.raises(BrokerUnavailable):
            await asyncio.wait_for(serving, 3)
        await adapter.disconnect()
        await adapter.connect()
        serving = asyncio.create_task(adapter.serve())
        assert sim.core.logins == 1
        await adapter.place("TV-1", OrderRequest("rt-4", "ESZ6", "ES", "buy", 1))
        await until(lambda: adapter.positions("TV-1").get("ES", (0, 0))[0] == 1)
        serving.cancel()

    run(body)


def test_breach_flatten_goes_through_liquidateposition() -> None:
    async def body(sim: TradovateSimulator, adapter: TradovateBroker, ex: Exchange, clock: FakeClock) -> None:
        await adapter.connect()
        serving = asyncio.create_task(adapter.serve())
        await adapter.place("TV-1", OrderRequest("rt-5", "ESZ6", "ES", "buy", 3))
        await adapter.place("TV-1", OrderRequest("rt-6", "ESZ6", "ES", "buy", 1, "limit", 5900.0))
        await until(lambda: adapter.positions("TV-1").get("ES", (0, 0))[0] == 3)
        fills = await adapter.flatten("TV-1", lambda: "flat-1")
        assert [(f.order_id, f.side, f.qty) for f in fills] == [("flat-1", "sell", 3)]
        assert "order/liquidateposition" in sim.core.requests
        assert ex.positions("TV-1") == {} and ex.open_orders("TV-1") == []
        serving.cancel()

    run(body)


def test_simulator_drops_a_client_that_never_beats_and_accepts_authorize_before_open() -> None:
    async def body(sim: TradovateSimulator, adapter: TradovateBroker, ex: Exchange, clock: FakeClock) -> None:
        _status, token = sim.core.token_request({"name": "demo", "password": "demo"})
        async with websockets.connect(f"ws://127.0.0.1:{sim.port}/v1/websocket") as ws:
            await ws.send(f"authorize\n0\n\n{token['accessToken']}")  # before reading `o`
            frames = [await ws.recv(), await ws.recv()]
            assert frames == ["o", 'a[{"s":200,"i":0}]']
            with pytest.raises(websockets.ConnectionClosed):
                while True:  # `h` keeps coming until the silent client is dropped
                    assert await asyncio.wait_for(ws.recv(), 2) in (
                        "h",
                        'c[1000, "Client heartbeat timeout"]',
                    )

    run(body, options=Options(heartbeat=0.05, client_timeout=0.3))


def test_oauth_code_exchange_gives_a_token_the_ninjatrader_adapter_lists_accounts_with() -> None:
    async def body(sim: TradovateSimulator, adapter: TradovateBroker, ex: Exchange, clock: FakeClock) -> None:
        redirect = "http://127.0.0.1:1/v1/oauth/callback"
        async with httpx.AsyncClient(base_url=sim.endpoint) as http:
            page = await http.get(
                "/oauth",
                params={
                    "response_type": "code",
                    "client_id": "ordergate",
                    "redirect_uri": redirect,
                    "state": "s1",
                },
            )
            assert "<form" in page.text
            back = await http.post(
                "/oauth",
                data={
                    "client_id": "ordergate",
                    "redirect_uri": redirect,
                    "state": "s1",
                    "name": "demo",
                    "password": "demo",
                },
            )
            assert back.status_code == 302 and back.headers["location"].startswith(redirect)
            code = httpx.URL(back.headers["location"]).params["code"]
            form = {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect,
                "client_id": "ordergate",
                "client_secret": "x",
            }
            token = (await http.post("/auth/oauthtoken", data=form)).json()
            assert token["token_type"] == "Bearer" and token["expires_in"] > 0
            reused = await http.post("/v1/auth/oauthtoken", json=form)
            assert reused.json()["error"] == "invalid_grant"  # single use
        nt = NinjaTraderBroker(
            "nt",
            AdapterConfig({**FAST, "endpoint": sim.endpoint}, {"access_token": token["access_token"]}),
            None,
            clock,
        )
        try:
            await nt.connect()
            assert [a.id for a in nt.accounts()] == ["TV-1"] and nt.logins == 0
        finally:
            await nt.disconnect()
        sim.end_sessions()
        expired = NinjaTraderBroker(
            "nt",
            AdapterConfig({**FAST, "endpoint": sim.endpoint}, {"access_token": token["access_token"]}),
            None,
            clock,
        )
        with pytest.raises(BrokerRefused, match="OAuth"):
            try:
                await expired.connect()
            finally:
                await expired.disconnect()

    run(body)
