"""Real adapters keep a bounded memory of their orders and fills (each adapter's
``HISTORY``): a runtime that trades for weeks does not grow without end, and what the
history holds is plain tuples the garbage collector stops walking. What an order needs
while it may still change is never forgotten: a working order placed first still cancels
and fills after three times ``HISTORY`` others. Each adapter against its own simulator
over loopback, with ``HISTORY`` made small."""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Callable
from dataclasses import fields
from typing import Any

import pytest

from ordergate.runtime.brokers.base import (
    BrokerAdapter,
    Harness,
    NullEvents,
    OrderHistory,
    RecentIds,
    SimLogin,
    answered,
)
from ordergate.runtime.brokers.errors import BrokerTimeout
from ordergate.runtime.brokers.exchange import Exchange, Traded
from ordergate.runtime.brokers.loopback import simulator as loopback
from ordergate.runtime.brokers.ninjatrader import simulator as ninjatrader
from ordergate.runtime.brokers.projectx import client as projectx_client
from ordergate.runtime.brokers.projectx.client import ProjectXBroker
from ordergate.runtime.brokers.projectx.sim_core import Options as ProjectXOptions
from ordergate.runtime.brokers.projectx.simulator import ProjectXSimulator
from ordergate.runtime.brokers.rithmic import feed as rithmic_feed
from ordergate.runtime.brokers.rithmic import simulator as rithmic
from ordergate.runtime.brokers.rithmic.client import RithmicBroker
from ordergate.runtime.brokers.rithmic.simulator import RithmicSimulator
from ordergate.runtime.brokers.tradovate import feed as tradovate_feed
from ordergate.runtime.brokers.tradovate import simulator as tradovate
from ordergate.runtime.brokers.tradovate.client import TradovateBroker
from ordergate.runtime.brokers.tradovate.simulator import TradovateSimulator
from ordergate.runtime.brokers.types import (
    AdapterConfig,
    Fill,
    OrderRequest,
    OrderUpdate,
    fill_fields,
)

pytestmark = pytest.mark.anyio

HISTORY = 20
ROUNDS = 3 * HISTORY  # orders that fill, after the working ones
# between clean-ups an adapter remembers up to a tenth over HISTORY, and its working orders
BOUND = HISTORY + HISTORY // 10 + 2
ACCOUNT = "SIM-1"


class Recorder(NullEvents):
    """The orders and fills an adapter reports; the rest of its events go nowhere."""

    def __init__(self) -> None:
        self.orders: list[OrderUpdate] = []
        self.fills: list[Fill] = []

    def on_order(self, update: OrderUpdate) -> None:
        self.orders.append(update)

    def on_fill(self, fill: Fill) -> None:
        self.fills.append(fill)

    def said(self, order_id: str, status: str) -> bool:
        return any(u.order_id == order_id and u.status == status for u in self.orders)

    def filled(self, order_id: str) -> bool:
        return any(f.order_id == order_id for f in self.fills)


async def until(check: Callable[[], object], seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.005)


def market() -> Exchange:
    ex = Exchange()
    ex.open_account(ACCOUNT, 1_000_000)
    ex.set_quote("ES", 6000.0, 6000.25, 6000.0)
    return ex


async def rest_two(adapter: BrokerAdapter, events: Recorder) -> None:
    """Two limits far from the market, placed before everything else: the oldest orders."""
    await adapter.place(ACCOUNT, OrderRequest("rest-fill", "ES", "ES", "buy", 1, "limit", 5900.0))
    await adapter.place(ACCOUNT, OrderRequest("rest-cancel", "ES", "ES", "buy", 1, "limit", 5800.0))
    await until(lambda: events.said("rest-fill", "working") and events.said("rest-cancel", "working"))


async def trade(adapter: BrokerAdapter, events: Recorder, rounds: int = ROUNDS, prefix: str = "m") -> None:
    """``rounds`` market orders, buy and sell in turn, each waited for until it filled."""
    for i in range(rounds):
        heard = len(events.fills)
        side = "buy" if i % 2 == 0 else "sell"
        await adapter.place(ACCOUNT, OrderRequest(f"{prefix}{i}", "ES", "ES", side, 1))
        await until(lambda heard=heard: len(events.fills) > heard)  # type: ignore[misc]


def sizes(adapter: BrokerAdapter, *names: str) -> dict[str, int]:
    return {name: len(getattr(adapter, name)) for name in names}


async def working_orders_are_never_forgotten(adapter: BrokerAdapter, events: Recorder, ex: Exchange) -> None:
    await adapter.cancel(ACCOUNT, "rest-cancel")  # found by its broker id, placed first
    await until(lambda: events.said("rest-cancel", "cancelled"))
    ex.set_quote("ES", 5899.75, 5900.0, 5900.0)
    await until(lambda: events.filled("rest-fill"))  # reported under our id


# ---- Rithmic


async def test_rithmic_keeps_a_bounded_history_and_every_working_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(rithmic_feed, "HISTORY", HISTORY)
    ex = market()
    traded: list[Traded] = []
    ex.subscribe(lambda e: traded.append(e) if isinstance(e, Traded) else None)
    sim = await rithmic.HARNESS.serve(ex, SimLogin(), 0)
    assert isinstance(sim, RithmicSimulator)
    events = Recorder()
    config = AdapterConfig({**sim.config.settings, "stagger": 0.0}, sim.config.credentials)
    adapter = RithmicBroker("rithmic", config, events)
    try:
        await adapter.connect()
        serving = asyncio.create_task(adapter.serve())
        await rest_two(adapter, events)
        await trade(adapter, events)
        remembered = sizes(adapter, "_statuses", "_orders_of", "_baskets", "_fills")
        assert max(remembered.values()) <= BOUND, remembered
        assert len(adapter._fills) <= HISTORY and len(adapter._fill_ids) <= HISTORY + HISTORY // 10
        assert max(sizes(adapter, "_filled_of", "_history").values()) <= BOUND
        gc.collect()
        assert not any(gc.is_tracked(row) for row in adapter._fills)
        assert {"rest-fill", "rest-cancel"} <= set(adapter._baskets)
        # the latest are found, by the adapter and by reconciliation
        last = f"m{ROUNDS - 1}"
        assert last in adapter._baskets
        found = await adapter.order_status(ACCOUNT, last)
        assert found is not None and (found.status, found.filled_qty) == ("filled", 1)
        latest = events.fills[-1]
        since = await adapter.fills_since(ACCOUNT, latest.ts)
        assert (latest.fill_id, last) in {(f.fill_id, f.order_id) for f in since}
        # the gateway tells the last fill again: dropped (the next order's fill comes after it)
        sim._order_event(traded[-1])
        await trade(adapter, events, 1, "after-repeat-")
        assert len({f.fill_id for f in events.fills}) == len(events.fills) == ROUNDS + 1
        await working_orders_are_never_forgotten(adapter, events, ex)
        assert max(sizes(adapter, "_statuses", "_orders_of", "_baskets", "_history").values()) <= BOUND
        serving.cancel()
    finally:
        await adapter.disconnect()
        await sim.stop()


# ---- Tradovate, and NinjaTrader (Tradovate's adapter signed in through OAuth)


@pytest.mark.parametrize("harness", [tradovate.HARNESS, ninjatrader.HARNESS], ids=lambda h: h.broker)
async def test_tradovate_keeps_a_bounded_history_and_every_working_order(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tradovate_feed, "HISTORY", HISTORY)
    ex = market()
    handle = await harness.serve(ex, SimLogin(), 0)
    sim: Any = getattr(handle, "inner", handle)
    assert isinstance(sim, TradovateSimulator)
    events = Recorder()
    config = AdapterConfig({**handle.config.settings, "symbols": ["ES"]}, handle.config.credentials)
    adapter = harness.adapter("tv", config, events, time.time)
    assert isinstance(adapter, TradovateBroker)
    per_order = ("_orders", "_versions", "_reasons", "_said", "_tags", "_broker_ids", "_fills")
    try:
        await adapter.connect()
        serving = asyncio.create_task(adapter.serve())
        await rest_two(adapter, events)
        await trade(adapter, events)
        assert max(sizes(adapter, *per_order).values()) <= BOUND, sizes(adapter, *per_order)
        assert len(adapter._history) <= BOUND and len(adapter._fill_ids) <= HISTORY + HISTORY // 10
        gc.collect()
        gc.collect()  # a tuple of tuples: its rows leave the collector's lists first, then it
        assert not any(gc.is_tracked(rows) for rows in adapter._fills.values())
        assert {"rest-fill", "rest-cancel"} <= set(adapter._broker_ids)
        last = f"m{ROUNDS - 1}"
        assert last in adapter._broker_ids
        # Tradovate tells a fill again: dropped (the next order's fill comes after it)
        for socket in list(sim.core.sockets):
            socket.props([("fill", "Created", sim.core.book.fills[-1])])
        await trade(adapter, events, 1, "after-repeat-")
        assert len({f.fill_id for f in events.fills}) == len(events.fills) == ROUNDS + 1
        await working_orders_are_never_forgotten(adapter, events, ex)
        # reconciliation finds the latest, and names them from the broker's command list,
        # which names the forgotten ones too: they go first at the next clean-up
        found = await adapter.order_status(ACCOUNT, last)
        assert found is not None and (found.status, found.filled_qty) == ("filled", 1)
        latest = next(f for f in events.fills if f.order_id == last)
        since = await adapter.fills_since(ACCOUNT, latest.ts)
        assert (latest.fill_id, last) in {(f.fill_id, f.order_id) for f in since}
        await trade(adapter, events, 1, "after-listing-")
        assert max(sizes(adapter, *per_order, "_history").values()) <= BOUND, sizes(adapter, *per_order)
        assert last in adapter._broker_ids and "m0" not in adapter._broker_ids
        serving.cancel()
    finally:
        await adapter.disconnect()
        await handle.stop()


# ---- ProjectX


class FrozenClock:
    """The exchange's and the adapter's time, moved by hand: a fill's time says which
    searches reach it."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


async def test_projectx_keeps_a_bounded_history_and_every_working_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(projectx_client, "HISTORY", HISTORY)
    clock = FrozenClock()
    ex = Exchange(clock)
    ex.open_account(ACCOUNT, 1_000_000)
    ex.set_quote("ES", 6000.0, 6000.25, 6000.0)
    sim = await ProjectXSimulator.start(ex, options=ProjectXOptions(ping_interval=0.2))
    events = Recorder()
    config = AdapterConfig(
        {"endpoint": sim.endpoint, "mode": "websocket", "stale_after": 5.0, "symbols": ["ES"]},
        {"username": "demo", "api_key": "demo"},
    )
    adapter = ProjectXBroker("px", config, events, clock)
    try:
        await adapter.connect()
        serving = asyncio.create_task(adapter.serve())
        await until(lambda: adapter._user.frames > 0)
        await rest_two(adapter, events)
        await trade(adapter, events)
        assert max(sizes(adapter, "_tags", "_broker_ids").values()) <= BOUND, sizes(adapter, "_tags")
        assert len(adapter._history) <= BOUND and len(adapter._poller._order_state) <= BOUND
        assert len(adapter._poller._seen) <= HISTORY + HISTORY // 10
        assert {"rest-fill", "rest-cancel"} <= set(adapter._broker_ids)
        last = f"m{ROUNDS - 1}"
        found = await adapter.order_status(ACCOUNT, last)
        assert found is not None and (found.status, found.filled_qty) == ("filled", 1)
        forgotten = await adapter.order_status(ACCOUNT, "m0")  # no longer named here: searched for
        assert found is not None and forgotten is not None and forgotten.status == "filled"
        await working_orders_are_never_forgotten(adapter, events, ex)
        # flatten's search finds the closing trade the hub reported too: told once
        clock.now += 60  # past every earlier trade
        closing = await adapter.flatten(ACCOUNT, lambda: "unused")
        assert [(f.side, f.qty) for f in closing] == [("sell", 1)]
        await until(lambda: any(f.fill_id == closing[0].fill_id for f in events.fills))
        await asyncio.sleep(0.1)  # a repeat from the hub would be in by now
        assert len({f.fill_id for f in events.fills}) == len(events.fills) == ROUNDS + 2
        assert max(sizes(adapter, "_tags", "_broker_ids", "_history").values()) <= BOUND
        serving.cancel()
    finally:
        await adapter.disconnect()
        await sim.stop()


# ---- the default flatten (base.py), through the loopback adapter


async def test_a_flatten_cut_short_by_its_deadline_lets_go_of_what_it_waited_for() -> None:
    ex = market()
    sim = await loopback.HARNESS.serve(ex, SimLogin(), 0)
    events = Recorder()
    adapter = loopback.HARNESS.adapter("lb", sim.config, events, time.time)
    try:
        await adapter.connect()
        serving = asyncio.create_task(adapter.serve())
        await adapter.place(ACCOUNT, OrderRequest("in", "ES", "ES", "buy", 2))
        await until(lambda: adapter.positions(ACCOUNT) == {"ES": (2, 6000.25)})
        ex.faults.fill_parts = 2  # the flatten's order fills one of two, then waits for the market
        with pytest.raises(BrokerTimeout):
            await answered(adapter.flatten(ACCOUNT, lambda: "out"), "flatten", 0.5)
        assert events.filled("out")  # a part was heard while it waited
        assert (adapter._fills_of, adapter._filled, adapter._waiters) == ({}, {}, {})
        serving.cancel()
    finally:
        await adapter.disconnect()
        await sim.stop()


# ---- the parts


def test_an_order_history_forgets_the_oldest_ended_never_an_open_one() -> None:
    history: OrderHistory[str] = OrderHistory()
    history.opened("working")
    forgotten: list[str] = []
    for i in range(10 * HISTORY):
        history.opened(f"o{i}")
        history.ended(f"o{i}")
        forgotten += history.overflow(HISTORY)
        assert len(history) <= HISTORY + HISTORY // 10 + 1
    assert forgotten == [f"o{i}" for i in range(len(forgotten))]  # oldest first, by when they ended
    assert "working" in history and f"o{10 * HISTORY - 1}" in history
    history.named(["o0", "o1", f"o{10 * HISTORY - 1}"])  # a listing names forgotten ones again
    history.listed("o0", working=False)  # a snapshot says it ended: it stays the oldest
    history.ended("late")
    assert history.overflow(HISTORY)[:2] == ["o0", "o1"]  # the oldest of the history: gone first


def test_an_order_that_works_again_is_kept_until_it_ends_again() -> None:
    history: OrderHistory[str] = OrderHistory()
    history.opened("o")
    history.ended("o")
    history.opened("o")  # a late word that it works: it may change after all
    history.ended("o")
    assert not history.is_open("o")
    for i in range(2 * HISTORY):
        history.ended(f"x{i}")
        history.overflow(HISTORY)
    assert "o" not in history


def test_recent_ids_drop_a_repeat_of_the_last_ones_heard() -> None:
    ids = RecentIds()
    assert all(ids.first_time(f"f{i}", HISTORY) for i in range(10 * HISTORY))
    assert len(ids) == HISTORY  # the newest, the oldest leaving one by one as new ones come
    assert not any(ids.first_time(f"f{i}", HISTORY) for i in range(9 * HISTORY, 10 * HISTORY))
    assert ids.first_time(f"f{9 * HISTORY - 1}", HISTORY)  # just older than that: taken as new


def test_an_order_history_forgets_a_hundredth_of_its_limit_at_a_time() -> None:
    # a clean-up runs between two reports on the event loop: at a tenth of the real
    # limit (5,000 orders) it would stall it for milliseconds
    limit = 1_000
    history: OrderHistory[int] = OrderHistory()
    for i in range(3 * limit):
        history.ended(i)
        gone = history.overflow(limit)
        assert len(gone) <= limit // 100 + 1
        assert len(history) == i + 1 if i < limit else limit <= len(history) <= limit + limit // 100 + 1


def test_a_fill_kept_as_a_row_is_the_fill_field_by_field() -> None:
    # fill_fields spells the fields out; a field added to Fill must be carried too
    values = {f.name: f"v-{f.name}" for f in fields(Fill)}
    fill = Fill(**values)  # type: ignore[arg-type]
    assert Fill(*fill_fields(fill)) == fill
