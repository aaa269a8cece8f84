"""Connection lifecycle over real loopback sockets, against a simulator that misbehaves."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator

import pytest

from ordergate.runtime.brokers.base import AdapterConfig, Fill, NullEvents, OrderRequest, PositionSnapshot
from ordergate.runtime.brokers.errors import BrokerRejected
from ordergate.runtime.brokers.loopback.client import LoopbackBroker
from ordergate.runtime.brokers.loopback.protocol import Codec, LocalProtocolError, RemoteProtocolError
from ordergate.runtime.brokers.loopback.simulator import LoopbackSimulator
from ordergate.runtime.lifecycle import STATES, TRANSITIONS, IllegalTransition, next_state
from ordergate.runtime.supervisor import Supervisor
from tests.contracts_now import front_symbol

pytestmark = pytest.mark.anyio
FAST = {"stale_after": 0.2, "backoff_base": 0.01, "backoff_cap": 0.05, "connect_timeout": 0.5}
ES_NOW = front_symbol()  # the simulator runs on the real clock: a dated contract that trades now


def test_the_table_covers_every_state_and_names_illegal_events() -> None:
    assert set(TRANSITIONS) == set(STATES)
    assert next_state("connected", "heartbeat_lost") == "stale"
    assert next_state("stale", "heartbeat") == "connected"
    assert next_state("connecting", "refused") == "error"
    with pytest.raises(IllegalTransition, match="a connection that is error cannot take the event 'retry'"):
        next_state("error", "retry")


def test_the_codec_rejects_garbage_from_either_side() -> None:
    codec = Codec()
    assert codec.receive(b'{"op": "heartbeat", "ts": 1}\n{"op": "quo') == [{"op": "heartbeat", "ts": 1}]
    assert codec.receive(b'te", "symbol": "ES"}\n') == [{"op": "quote", "symbol": "ES"}]
    with pytest.raises(RemoteProtocolError):
        Codec().receive(b"hello\n")
    with pytest.raises(LocalProtocolError):
        Codec().send({"op": "launch"})


def test_backoff_grows_exponentially_with_jitter_and_a_cap() -> None:
    sup = Supervisor(
        LoopbackBroker("x", AdapterConfig({"host": "127.0.0.1", "port": 1})),
        lambda *a: None,
        backoff_base=1,
        backoff_cap=30,
        rng=random.Random(1),
    )
    for attempt, base in ((0, 1), (1, 2), (3, 8), (10, 30)):
        delays = [sup.backoff(attempt) for _ in range(50)]
        assert all(0.5 * base <= d <= 1.5 * base for d in delays)
        assert max(delays) - min(delays) > 0.1 * base  # jittered, not in step


class Recorder:
    def __init__(self) -> None:
        self.states: list[str] = []
        self.details: list[str | None] = []

    def __call__(self, name: str, status: str, detail: str | None) -> None:
        self.states.append(status)
        self.details.append(detail)


@pytest.fixture
async def sim() -> AsyncIterator[LoopbackSimulator]:
    simulator = LoopbackSimulator()
    await simulator.start()
    yield simulator
    await simulator.stop()


def login(sim: LoopbackSimulator, password: str) -> AdapterConfig:
    return AdapterConfig(
        {"host": "127.0.0.1", "port": sim.port}, {"username": "trader", "password": password}
    )


def supervisor(sim: LoopbackSimulator, rec: Recorder, password: str = "correct horse") -> Supervisor:
    return Supervisor(LoopbackBroker("LB", login(sim, password)), rec, **FAST)


async def until(predicate, seconds: float = 3.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


async def test_connects_and_discovers_accounts(sim) -> None:
    rec = Recorder()
    sup = supervisor(sim, rec)
    sup.start()
    assert await sup.wait_connected(3)
    assert rec.states == ["connecting", "connected"]
    assert [a.id for a in sup.adapter.accounts()] == ["LB-1"]
    await sup.stop()
    assert rec.states[-1] == "disconnected"


async def test_silence_makes_it_stale_and_a_heartbeat_brings_it_back(sim) -> None:
    rec = Recorder()
    sup = supervisor(sim, rec)
    sup.start()
    await sup.wait_connected(3)
    sim.stop_heartbeats()
    await until(lambda: sup.state == "stale")
    sim.heartbeats = True
    await until(lambda: sup.state == "connected")
    assert rec.states == ["connecting", "connected", "stale", "connected"]
    await sup.stop()


async def test_a_dropped_socket_reconnects_with_backoff(sim) -> None:
    rec = Recorder()
    sup = supervisor(sim, rec)
    sup.start()
    await sup.wait_connected(3)
    sim.down = True
    sim.drop_all()
    await until(lambda: sup.attempts >= 3)
    assert sup.state in ("disconnected", "connecting")
    sim.down = False
    await until(lambda: sup.state == "connected")
    assert rec.states[:3] == ["connecting", "connected", "disconnected"]
    assert rec.states[-1] == "connected" and sup.attempts == 0
    await sup.stop()


async def test_bad_credentials_go_to_error_without_a_retry_storm(sim) -> None:
    rec = Recorder()
    sup = supervisor(sim, rec, password="wrong")
    sup.start()
    await sup.wait_connected(3)
    await asyncio.sleep(0.3)
    assert sup.state == "error" and "invalid username or password" in (sup.detail or "")
    assert sim.logins == 1
    assert rec.states == ["connecting", "error"]
    await sup.stop()


async def test_slow_answers_time_out_and_are_retried(sim) -> None:
    rec = Recorder()
    sim.delay = 1.0
    sup = supervisor(sim, rec)
    sup.start()
    await until(lambda: sup.attempts >= 1, 5)
    assert sup.state in ("disconnected", "connecting") and sup.detail == "timed out"
    assert rec.states[:2] == ["connecting", "disconnected"] and rec.details[1] == "timed out"
    sim.delay = 0
    await until(lambda: sup.state == "connected", 5)
    await sup.stop()


class Events(NullEvents):
    def __init__(self) -> None:
        self.fills: list[Fill] = []
        self.positions: list[PositionSnapshot] = []

    def on_fill(self, fill: Fill) -> None:
        self.fills.append(fill)

    def on_positions(self, snapshot: PositionSnapshot) -> None:
        self.positions.append(snapshot)


async def test_an_order_is_acknowledged_then_its_fill_and_position_are_reported(sim) -> None:
    events = Events()
    adapter = LoopbackBroker("LB", login(sim, "correct horse"), events)
    sup = Supervisor(adapter, Recorder(), **FAST)
    sup.start()
    await sup.wait_connected(3)
    ack = await adapter.place("LB-1", OrderRequest("o1", ES_NOW, "ES", "buy", 2))
    assert ack.order_id == "o1" and ack.broker_order_id.startswith("X-")
    await until(lambda: adapter.positions("LB-1") == {"ES": (2, 6000.0)}, 3)
    assert [(f.order_id, f.qty, f.price) for f in events.fills] == [("o1", 2, 6000.0)]
    sim.publish_quote("ES", 6010.0, 6010.0, 6010.0)
    await adapter.place("LB-1", OrderRequest("o1b", ES_NOW, "ES", "buy", 2))
    await until(lambda: adapter.positions("LB-1") == {"ES": (4, 6005.0)}, 3)  # an add at average cost
    with pytest.raises(BrokerRejected, match="no quote for ZZZ"):
        await adapter.place("LB-1", OrderRequest("o2", "ZZZ", "ZZZ", "buy", 1))
    await sup.stop()
