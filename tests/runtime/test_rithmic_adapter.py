"""The Rithmic adapter against the Rithmic simulator, over real WebSockets on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from ordergate.policy import Quote
from ordergate.runtime.brokers.errors import (
    BrokerRefused,
    BrokerRejected,
    BrokerTimeout,
    BrokerUnavailable,
)
from ordergate.runtime.brokers.exchange import Exchange
from ordergate.runtime.brokers.rithmic.client import RithmicBroker
from ordergate.runtime.brokers.rithmic.protocol import Plant
from ordergate.runtime.brokers.rithmic.simulator import SYSTEMS, RithmicSimulator
from ordergate.runtime.brokers.types import (
    AdapterConfig,
    BalanceSnapshot,
    Fill,
    OrderRequest,
    OrderUpdate,
    PositionSnapshot,
)
from tests.contracts_now import front_symbol

ES_NOW = front_symbol()  # the simulator runs on the real clock: a dated contract that trades now


class Recorder:
    def __init__(self) -> None:
        self.orders: list[OrderUpdate] = []
        self.fills: list[Fill] = []
        self.positions: list[PositionSnapshot] = []
        self.balances: list[BalanceSnapshot] = []
        self.quotes: list[tuple[str, Quote]] = []
        self.heartbeats = 0

    def on_order(self, update: OrderUpdate) -> None:
        self.orders.append(update)

    def on_fill(self, fill: Fill) -> None:
        self.fills.append(fill)

    def on_positions(self, snapshot: PositionSnapshot) -> None:
        self.positions.append(snapshot)

    def on_balance(self, snapshot: BalanceSnapshot) -> None:
        self.balances.append(snapshot)

    def on_quote(self, root: str, quote: Quote) -> None:
        self.quotes.append((root, quote))

    def on_heartbeat(self) -> None:
        self.heartbeats += 1


Body = Callable[[RithmicSimulator, RithmicBroker, Recorder, Exchange], Awaitable[None]]


def run(body: Body, *, settings: dict[str, Any] | None = None, tls: bool = False, accounts: int = 1) -> None:
    async def main() -> None:
        exchange = Exchange()
        for n in range(1, accounts + 1):
            exchange.open_account(f"SIM-{n}", 50_000)
        exchange.set_quote("ES", 6000.0, 6000.25, 6000.0)
        simulator = RithmicSimulator(exchange, tls=tls)
        await simulator.start()
        config = simulator.config
        config = AdapterConfig({**config.settings, "stagger": 0.0, **(settings or {})}, config.credentials)
        events = Recorder()
        adapter = RithmicBroker("rithmic", config, events)
        try:
            await asyncio.wait_for(body(simulator, adapter, events, exchange), 20)
        finally:
            await adapter.disconnect()
            await simulator.stop()

    asyncio.run(main())


async def until(check: Callable[[], object], seconds: float = 3.0) -> None:
    async with asyncio.timeout(seconds):
        while not check():  # noqa: ASYNC110 - polls adapter state that has no event of its own
            await asyncio.sleep(0.01)


def test_system_list_names_the_prop_firms_and_the_test_system() -> None:
    async def body(sim: RithmicSimulator, adapter: RithmicBroker, events: Recorder, ex: Exchange) -> None:
        systems, regions = await adapter.discover()
        assert "Rithmic Test" in systems and "Apex" in systems and "Bulenox" in systems
        assert set(regions) >= {"Chicago Area", "Test"} and regions["Test"] == sim.endpoint

    run(body)


def test_connect_logs_in_to_ticker_order_and_pnl_plants_in_that_order() -> None:
    async def body(sim: RithmicSimulator, adapter: RithmicBroker, events: Recorder, ex: Exchange) -> None:
        await adapter.connect()
        assert [plant for plant, _user in sim.logins] == [Plant.TICKER, Plant.ORDER, Plant.PNL]
        assert [a.id for a in adapter.accounts()] == ["SIM-1"]
        assert adapter.accounts()[0].balance == 50_000

    run(body)


def test_an_unknown_system_is_refused_naming_the_offered_ones() -> None:
    async def body(sim: RithmicSimulator, adapter: RithmicBroker, events: Recorder, ex: Exchange) -> None:
        with pytest.raises(BrokerRefused, match="Rithmic Test"):
            await adapter.connect()

    run(body, settings={"system": "No Such Firm"})


def test_bad_credentials_are_refused_not_retried() -> None:
    async def body(sim: RithmicSimulator, adapter: RithmicBroker, events: Recorder, ex: Exchange) -> None:
        adapter.config = AdapterConfig(adapter.config.settings, {"username": "demo", "password": "wrong"})
        with pytest.raises(BrokerRefused, match="permission denied"):
            await adapter.connect()

    run(body)


def test_multi_part_account_list_gives_every_account_with_its_balance() -> None:
    async def body(sim: RithmicSimulator, adapter: RithmicBroker, events: Recorder, ex: Exchange) -> None:
        await adapter.connect()
        assert sorted(a.id for a in adapter.accounts()) == ["SIM-1", "SIM-2", "SIM-3"]
        assert all(a.balance == 50_000 for a in adapter.accounts())

    run(body, accounts=3)


def test_order_round_trip_acknowledges_fills_and_reports_positions_and_pnl() -> None:
    async def body(sim: RithmicSimulator, adapter: RithmicBroker, events: Recorder, ex: Exchange) -> None:
        await adapter.connect()
        serving = asyncio.create_task(adapter.serve())
        ack = await adapter.place("SIM-1", OrderRequest("o-1", ES_NOW, "ES", "buy", 2))
        assert ack.order_id == "o-1" and ack.broker_order_id
        await until(lambda: events.fills and adapter.positions("SIM-1"))
        assert events.orders[0].status == "working" and events.orders[0].order_id == "o-1"
        (fill,) = events.fills
        assert (fill.order_id, fill.qty, fill.price, fill.side) == ("o-1", 2, 6000.25, "buy") and fill.fill_id
        assert adapter.positions("SIM-1") == {"ES": (2, 6000.25)}
        ex.set_quote("ES", 6010.0, 6010.25, 6010.0)
        await until(lambda: any(q.last == 6010.0 for _r, q in events.quotes))
        ex.set_quote("ES", 5990.0, 5990.25, 5990.0)  # P&L follows the PnL plant
        await adapter.place("SIM-1", OrderRequest("o-2", "ES", "ES", "sell", 2))
        await until(lambda: events.balances and events.balances[-1].realized != 0)
        assert events.balances[-1].realized == pytest.approx((5990.0 - 6000.25) * 2 * 50)
        serving.cancel()

    run(body)


def test_working_order_is_listed_then_cancelled_with_its_update() -> None:
    async def body(sim: RithmicSimulator, adapter: RithmicBroker, events: Recorder, ex: Exchange) -> None:
        await adapter.connect()
        await adapter.place("SIM-1", OrderRequest("lim-1", "ES", "ES", "buy", 1, "limit", 5900.0))
        (listed,) = await adapter.open_orders("SIM-1")
        assert (listed.order_id, listed.type, listed.price, listed.status) == (
            "lim-1",
            "limit",
            5900.0,
            "working",
        )
        await adapter.cancel("SIM-1", "lim-1")
        await until(lambda: any(u.status == "cancelled" for u in events.orders))
        assert await adapter.open_orders("SIM-1") == []

    run(body)


def test_a_rejected_order_arrives_as_a_rejected_update_with_the_reason() -> None:
    async def body(sim: RithmicSimulator, adapter: RithmicBroker, events: Recorder, ex: Exchange) -> None:
        await adapter.connect()
        ex.reject_next(1, "margin exceeded")
        # The gateway takes the order (313) and the exchange's reject follows at once: place
        # raises with the exchange's words when the reject is in before it returns (the usual
        # case), else the reject comes as an update just after.
        try:
            await adapter.place("SIM-1", OrderRequest("r-1", "ES", "ES", "buy", 1))
        except BrokerRejected as exc:
            assert exc.reason == "margin exceeded"
        await until(lambda: any(u.status == "rejected" for u in events.orders))
        rejected = next(u for u in events.orders if u.status == "rejected")
        assert rejected.reason == "margin exceeded" and rejected.order_id == "r-1"

    run(body)


def test_breach_flatten_goes_through_exit_position_and_waits_until_flat() -> None:
    async def body(sim: RithmicSimulator, adapter: RithmicBroker, events: Recorder, ex: Exchange) -> None:
        await adapter.connect()
        await adapter.place("SIM-1", OrderRequest("e-1", "ES", "ES", "buy", 3))
        await until(lambda: adapter.positions("SIM-1"))
        fills = await adapter.flatten("SIM-1", lambda: "unused")
        assert sum(f.qty for f in fills) == 3 and all(f.side == "sell" for f in fills)
        assert adapter.positions("SIM-1") == {} and ex.positions("SIM-1") == {}

    run(body)


def test_forced_logout_ends_serve_and_holds_the_next_login_back() -> None:
    async def body(sim: RithmicSimulator, adapter: RithmicBroker, events: Recorder, ex: Exchange) -> None:
        await adapter.connect()
        serving = asyncio.create_task(adapter.serve())
        await asyncio.sleep(0.05)
        assert sim.force_logout(Plant.ORDER) == 1
        with pytest.raises(BrokerUnavailable, match="forced a logout"):
            await serving
        logins = len(sim.logins)
        loop = asyncio.get_running_loop()
        started = loop.time()
        await adapter.connect()
        assert loop.time() - started >= 0.3  # no reconnect storm
        assert len(sim.logins) == logins + 3

    run(body, settings={"forced_logout_hold": 0.3})


def test_a_request_the_gateway_does_not_answer_times_out() -> None:
    async def body(sim: RithmicSimulator, adapter: RithmicBroker, events: Recorder, ex: Exchange) -> None:
        await adapter.connect()
        ex.faults.mute_orders = True
        with pytest.raises(BrokerTimeout):
            await adapter.place("SIM-1", OrderRequest("m-1", "ES", "ES", "buy", 1))

    run(body, settings={"timeout": 0.3})


def test_after_a_drop_a_reconnect_reconciles_orders_and_positions() -> None:
    async def body(sim: RithmicSimulator, adapter: RithmicBroker, events: Recorder, ex: Exchange) -> None:
        await adapter.connect()
        serving = asyncio.create_task(adapter.serve())
        await adapter.place("SIM-1", OrderRequest("w-1", "ES", "ES", "buy", 1, "limit", 5900.0))
        ex.drop_connections()
        with pytest.raises(BrokerUnavailable):
            await serving
        # While we were away: a fill and a new working order.
        ex.set_quote("ES", 5899.75, 5900.0, 5900.0)
        from ordergate.runtime.brokers.types import OrderRequest as Req

        ex.submit("SIM-1", Req("w-2", ES_NOW, "ES", "sell", 1, "limit", 6100.0))
        await adapter.connect()
        assert await adapter.fetch_positions("SIM-1") == {"ES": (1, 5900.0)}
        assert [o.order_id for o in await adapter.open_orders("SIM-1")] == ["w-2"]

    run(body)


def test_quotes_stream_from_the_ticker_plant_with_snapshot_first() -> None:
    async def body(sim: RithmicSimulator, adapter: RithmicBroker, events: Recorder, ex: Exchange) -> None:
        await adapter.connect()
        await adapter.place("SIM-1", OrderRequest("q-1", "ES", "ES", "buy", 1))
        await until(lambda: events.quotes)
        root, quote = events.quotes[-1]
        assert root == "ES" and (quote.bid, quote.ask) == (6000.0, 6000.25)

    run(body)


def test_reference_data_that_differs_from_our_table_is_a_warning() -> None:
    async def body(sim: RithmicSimulator, adapter: RithmicBroker, events: Recorder, ex: Exchange) -> None:
        sim.reference_overrides["ES"] = (0.5, 50.0)
        await adapter.connect()
        await adapter.place("SIM-1", OrderRequest("t-1", "ES", "ES", "buy", 1))
        assert len(adapter.reference_warnings) == 1 and "tick 0.5" in adapter.reference_warnings[0]

    run(body)


def test_tls_simulator_serves_wss_with_its_own_certificate() -> None:
    async def body(sim: RithmicSimulator, adapter: RithmicBroker, events: Recorder, ex: Exchange) -> None:
        assert sim.endpoint.startswith("wss://127.0.0.1:")
        await adapter.connect()
        assert [a.id for a in adapter.accounts()] == ["SIM-1"]

    run(body, tls=True)


def test_the_system_list_includes_rithmic_test() -> None:
    assert "Rithmic Test" in SYSTEMS


def test_fills_made_before_the_adapter_listened_come_back_from_execution_replay() -> None:
    async def body(sim: RithmicSimulator, adapter: RithmicBroker, events: Recorder, ex: Exchange) -> None:
        ex.submit("SIM-1", OrderRequest("before-1", ES_NOW, "ES", "buy", 2))  # nobody connected
        ex.set_quote("ES", 6001.0, 6001.25, 6001.0)
        ex.submit("SIM-1", OrderRequest("before-2", ES_NOW, "ES", "sell", 1))
        await adapter.connect()
        fills = await adapter.fills_since("SIM-1", 0.0)
        assert [(f.order_id, f.side, f.qty, f.price) for f in fills] == [
            ("before-1", "buy", 2, 6000.25),
            ("before-2", "sell", 1, 6001.0),
        ]
        assert all(f.fill_id and f.broker_order_id for f in fills)
        assert await adapter.fills_since("SIM-1", fills[-1].ts + 2) == []

    run(body)


def test_order_status_finds_a_filled_order_it_never_heard_of_in_the_executions() -> None:
    async def body(sim: RithmicSimulator, adapter: RithmicBroker, events: Recorder, ex: Exchange) -> None:
        ex.faults.fill_parts = 2
        ex.submit("SIM-1", OrderRequest("lost-1", ES_NOW, "ES", "buy", 2))
        ex.match()
        await adapter.connect()
        found = await adapter.order_status("SIM-1", "lost-1")
        assert found is not None and (found.status, found.filled_qty, found.qty) == ("filled", 2, 2)
        assert found.broker_order_id == ex.find("SIM-1", "lost-1").broker_order_id  # type: ignore[union-attr]
        assert await adapter.order_status("SIM-1", "never-sent") is None

    run(body)
