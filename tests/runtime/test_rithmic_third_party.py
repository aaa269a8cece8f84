"""A third-party R|Protocol client against our Rithmic simulator, over a real socket.

async_rithmic (PyPI, MIT) was written by others from Rithmic's own documents and protos;
it shares no code with ours. Pointed at the simulator's endpoint with system 'Rithmic
Test', it must log in to the ticker, order and PnL plants, list the accounts, get
reference data and front months, stream quotes, place, list, cancel and exit orders,
replay executions, and receive order and PnL updates. Where it and the simulator
disagree, the simulator is what changes.

The client always hands its own TLS context to ``websockets.connect``; over ``ws://``
there must be none, over ``wss://`` it must trust the simulator's certificate.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ordergate.runtime.brokers.base import SimLogin
from ordergate.runtime.brokers.exchange import Exchange
from ordergate.runtime.brokers.rithmic.contracts import front_month
from ordergate.runtime.brokers.rithmic.protocol import Plant
from ordergate.runtime.brokers.rithmic.simulator import RithmicSimulator
from tests.contracts_now import front_symbol

async_rithmic = pytest.importorskip("async_rithmic", reason="async-rithmic is in the test extra")

from async_rithmic import DataType, OrderType, RetrySettings, RithmicClient, TransactionType  # noqa: E402
from async_rithmic.enums import SysInfraType  # noqa: E402

# async_rithmic's own names for the 352 notify types it sees
FILL, CANCEL, STATUS = 5, 3, 1
ES_NOW = front_symbol()  # the simulator runs on the real clock: a dated contract that trades now


class Seen:
    """Everything the client's events hand over, by kind."""

    def __init__(self, client: RithmicClient) -> None:
        self.ticks: list[dict[str, Any]] = []
        self.rithmic: list[Any] = []
        self.exchange: list[Any] = []
        self.instrument_pnl: list[Any] = []
        self.account_pnl: list[Any] = []
        client.on_tick += self.ticks.append
        client.on_rithmic_order_notification += self.rithmic.append
        client.on_exchange_order_notification += self.exchange.append
        client.on_instrument_pnl_update += self.instrument_pnl.append
        client.on_account_pnl_update += self.account_pnl.append


async def until(check: Callable[[], object], seconds: float = 5.0) -> None:
    async with asyncio.timeout(seconds):
        while not check():  # noqa: ASYNC110 - the client's events land in lists
            await asyncio.sleep(0.01)


async def connected(tls: bool) -> tuple[RithmicSimulator, RithmicClient, Exchange]:
    exchange = Exchange()
    for account in ("SIM-1", "SIM-2"):
        exchange.open_account(account, 50_000)
    exchange.set_quote("ES", 6000.0, 6000.25, 6000.0)
    simulator = RithmicSimulator(exchange, SimLogin("trader", "secret"), tls=tls)
    await simulator.start()
    client = RithmicClient(
        user="trader",
        password="secret",
        system_name="Rithmic Test",
        app_name="third-party-check",
        app_version="1.0",
        url=simulator.endpoint,
        # one try per request, so that a request the simulator does not answer fails at once
        retry_settings=RetrySettings(max_retries=1, timeout=5.0),
    )
    if tls:
        assert simulator.ca_file is not None
        client.ssl_context.load_verify_locations(simulator.ca_file)
    else:
        client.ssl_context = None  # websockets refuses a TLS context for a ws:// URI
    await asyncio.wait_for(
        client.connect(plants=[SysInfraType.TICKER_PLANT, SysInfraType.ORDER_PLANT, SysInfraType.PNL_PLANT]),
        15,
    )
    return simulator, client, exchange


def run(tls: bool, body: Callable[[RithmicSimulator, RithmicClient, Exchange], Any]) -> None:
    async def main() -> None:
        simulator, client, exchange = await connected(tls)
        try:
            await asyncio.wait_for(body(simulator, client, exchange), 30)
        finally:
            await client.disconnect()
            await simulator.stop()

    asyncio.run(main())


@pytest.mark.parametrize("tls", [False, True], ids=["ws", "wss"])
def test_async_rithmic_logs_in_to_three_plants_and_lists_accounts_and_reference_data(tls: bool) -> None:
    async def body(sim: RithmicSimulator, client: RithmicClient, ex: Exchange) -> None:
        assert sorted(plant for plant, _user in sim.logins) == [Plant.TICKER, Plant.ORDER, Plant.PNL]
        assert [a.account_id for a in client.accounts] == ["SIM-1", "SIM-2"]
        assert client.fcm_id == "OrdergateSim" and client.user_type == 3
        expected = front_month("ES", datetime.now(UTC).timestamp())
        assert expected is not None
        assert await client.get_front_month_contract("ES", "CME") == expected.symbol
        reference = await client.get_reference_data(expected.symbol, "CME")
        assert reference.min_qprice_change == 0.25 and reference.single_point_value == 50.0
        assert reference.product_code == "ES" and reference.currency == "USD"

    run(tls, body)


def test_async_rithmic_streams_quotes() -> None:
    async def body(sim: RithmicSimulator, client: RithmicClient, ex: Exchange) -> None:
        seen = Seen(client)
        await client.subscribe_to_market_data(ES_NOW, "CME", DataType.LAST_TRADE | DataType.BBO)
        await until(lambda: seen.ticks)  # the snapshot of the quote as it stands
        ex.set_quote("ES", 6001.0, 6001.25, 6001.0)
        await until(lambda: any(t.get("trade_price") == 6001.0 for t in seen.ticks))
        await until(
            lambda: any(t.get("bid_price") == 6001.0 and t.get("ask_price") == 6001.25 for t in seen.ticks)
        )
        assert {t["data_type"] for t in seen.ticks} == {DataType.LAST_TRADE, DataType.BBO}
        await client.unsubscribe_from_market_data(ES_NOW, "CME", DataType.LAST_TRADE | DataType.BBO)

    run(False, body)


def test_async_rithmic_places_lists_and_cancels_a_limit_and_hears_each_step() -> None:
    async def body(sim: RithmicSimulator, client: RithmicClient, ex: Exchange) -> None:
        seen = Seen(client)
        (ack,) = await client.submit_order(
            "tp-limit",
            ES_NOW,
            "CME",
            1,
            TransactionType.BUY,
            OrderType.LIMIT,
            price=5990.0,
            account_id="SIM-1",
        )
        assert ack.user_tag == "tp-limit" and ack.basket_id
        await until(lambda: any(n.basket_id == ack.basket_id and n.status == "open" for n in seen.rithmic))
        listed = await client.list_orders(account_id="SIM-1")
        assert [(o.user_tag, o.basket_id, o.price) for o in listed] == [("tp-limit", ack.basket_id, 5990.0)]
        assert await client.list_orders(account_id="SIM-2") == []
        found = await client.get_order(order_id="tp-limit", account_id="SIM-1")
        assert found is not None and found.basket_id == ack.basket_id
        await client.cancel_order(order_id="tp-limit", account_id="SIM-1")
        await until(
            lambda: any(n.notify_type == CANCEL and n.basket_id == ack.basket_id for n in seen.exchange)
        )
        assert await client.list_orders(account_id="SIM-1") == [] and ex.open_orders("SIM-1") == []

    run(False, body)


def test_async_rithmic_fills_a_market_order_sees_pnl_and_exits_the_position() -> None:
    async def body(sim: RithmicSimulator, client: RithmicClient, ex: Exchange) -> None:
        seen = Seen(client)
        await client.subscribe_to_pnl_updates()
        await client.submit_order(
            "tp-mkt", ES_NOW, "CME", 2, TransactionType.BUY, OrderType.MARKET, account_id="SIM-2"
        )
        await until(lambda: any(n.notify_type == FILL and n.user_tag == "tp-mkt" for n in seen.exchange))
        fill = next(n for n in seen.exchange if n.notify_type == FILL)
        assert (fill.account_id, fill.fill_size, fill.fill_price, fill.total_unfilled_size) == (
            "SIM-2",
            2,
            6000.25,
            0,
        )
        await until(lambda: any(p.account_id == "SIM-2" and p.net_quantity == 2 for p in seen.instrument_pnl))
        await until(lambda: any(a.account_id == "SIM-2" for a in seen.account_pnl))
        (position,) = await client.list_positions(account_id="SIM-2")
        assert (position.symbol, position.net_quantity, position.avg_open_fill_price) == (ES_NOW, 2, 6000.25)
        (account,) = await client.list_account_summary(account_id="SIM-2")
        assert float(account.account_balance) == 50_000.0

        await client.exit_position(symbol=ES_NOW, exchange="CME", account_id="SIM-2")
        await until(lambda: any(p.account_id == "SIM-2" and p.net_quantity == 0 for p in seen.instrument_pnl))
        assert ex.positions("SIM-2") == {}
        # the exit's fills come on the order plant, which need not be behind the PnL plant
        sold = lambda: sum(  # noqa: E731
            n.fill_size
            for n in seen.exchange
            if n.notify_type == FILL and n.transaction_type == TransactionType.SELL
        )
        await until(lambda: sold() == 2)

    run(False, body)


def test_async_rithmic_replays_executions_as_exchange_notifications() -> None:
    async def body(sim: RithmicSimulator, client: RithmicClient, ex: Exchange) -> None:
        seen = Seen(client)
        await client.submit_order(
            "tp-1", ES_NOW, "CME", 1, TransactionType.BUY, OrderType.MARKET, account_id="SIM-1"
        )
        await until(lambda: any(n.notify_type == FILL for n in seen.exchange))
        live = [n for n in seen.exchange if n.notify_type == FILL]
        now = datetime.now(UTC)
        await client.replay_executions(
            now - timedelta(minutes=5), now + timedelta(seconds=2), account_id="SIM-1"
        )
        await until(lambda: any(n.is_snapshot for n in seen.exchange))
        replayed = [n for n in seen.exchange if n.is_snapshot]
        assert [(n.fill_id, n.user_tag, n.fill_size) for n in replayed] == [
            (n.fill_id, n.user_tag, n.fill_size) for n in live
        ]

    run(False, body)
