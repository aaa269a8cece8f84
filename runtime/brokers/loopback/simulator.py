"""The loopback broker's simulator: the server side of the protocol over the simulated exchange.

Every client's requests go to one ``Exchange``; everything the exchange reports (acks,
fills, cancels, positions, balances, quotes) is sent to every logged-in client in the
protocol's messages. Faults come from ``exchange.faults`` (answer late, mute order
reports, stop heartbeats, silence the feed, reject the next order) and
``exchange.drop_connections()``; ``down`` refuses new connections and
``refuse_logins`` refuses every login.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from typing import Any

from ordergate.policy import symbol_root
from ordergate.runtime.brokers.base import Harness, SimLogin
from ordergate.runtime.brokers.errors import BrokerRejected
from ordergate.runtime.brokers.exchange import (
    BalanceChanged,
    Event,
    Exchange,
    LinkFault,
    OrderChanged,
    PositionChanged,
    QuoteChanged,
    Traded,
)
from ordergate.runtime.brokers.loopback.client import LoopbackBroker
from ordergate.runtime.brokers.loopback.protocol import Codec, RemoteProtocolError
from ordergate.runtime.brokers.types import AdapterConfig, BrokerOrder, Fill, OrderRequest


@dataclass
class SimAccount:
    id: str
    balance: float = 50_000.0


def _order(o: BrokerOrder) -> dict[str, Any]:
    return {
        "order_id": o.order_id,
        "broker_order_id": o.broker_order_id,
        "account": o.account,
        "symbol": o.symbol,
        "side": o.side,
        "qty": o.qty,
        "filled_qty": o.filled_qty,
        "status": o.status,
        "type": o.type,
        "price": o.price,
        "stop_price": o.stop_price,
        "reason": o.reason,
    }


def _fill(f: Fill) -> dict[str, Any]:
    return {
        "op": "fill",
        "fill_id": f.fill_id,
        "order_id": f.order_id,
        "broker_order_id": f.broker_order_id,
        "account": f.account,
        "symbol": f.symbol,
        "side": f.side,
        "qty": f.qty,
        "price": f.price,
        "ts": f.ts,
    }


@dataclass
class LoopbackSimulator:
    user: str = "trader"
    password: str = "correct horse"
    accounts: list[SimAccount] = field(default_factory=lambda: [SimAccount("LB-1")])
    heartbeat_interval: float = 0.05
    prices: dict[str, float] = field(default_factory=lambda: {"ES": 6000.0})
    refuse_logins: bool = False
    down: bool = False
    logins: int = 0
    exchange: Exchange | None = None

    def __post_init__(self) -> None:
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._handlers: set[asyncio.Task[None]] = set()
        self.port = 0
        if self.exchange is None:
            self.exchange = Exchange()
            for symbol, price in self.prices.items():
                self.exchange.set_quote(symbol, price, price, price)
        for a in self.accounts:
            self.exchange.open_account(a.id, a.balance)
        self._unsubscribe = self.exchange.subscribe(self._on_exchange)

    @property
    def ex(self) -> Exchange:
        assert self.exchange is not None
        return self.exchange

    # ---- compatibility switches used by the lifecycle tests

    @property
    def heartbeats(self) -> bool:
        return self.ex.faults.heartbeats

    @heartbeats.setter
    def heartbeats(self, on: bool) -> None:
        self.ex.faults.heartbeats = on

    @property
    def delay(self) -> float:
        return self.ex.faults.latency

    @delay.setter
    def delay(self, seconds: float) -> None:
        self.ex.faults.latency = seconds

    def stop_heartbeats(self) -> None:
        self.ex.faults.heartbeats = False

    def publish_quote(self, symbol: str, bid: float, ask: float, last: float) -> None:
        self.ex.set_quote(symbol, bid, ask, last)

    # ---- serving

    async def start(self, port: int = 0) -> int:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", port, reuse_address=True)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self.port

    async def stop(self) -> None:
        self._unsubscribe()
        if self._server is not None:
            self._server.close()
        self.drop_all()
        await asyncio.gather(*self._handlers, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    def drop_all(self) -> None:
        for w in list(self._writers):
            w.close()
        self._writers.clear()

    def _broadcast(self, message: dict[str, Any], *, order_report: bool = False) -> None:
        if order_report and self.ex.faults.mute_orders:
            return
        line = Codec().send(message)
        latency = self.ex.faults.latency
        for w in list(self._writers):
            if latency:
                asyncio.get_running_loop().call_later(latency, _write, w, line)
            else:
                _write(w, line)

    def _on_exchange(self, event: Event) -> None:
        if isinstance(event, LinkFault):
            self.drop_all()
        elif isinstance(event, QuoteChanged):
            if self.ex.faults.feed:
                q = event.quote
                self._broadcast(
                    {"op": "quote", "symbol": event.root, "bid": q.bid, "ask": q.ask, "last": q.last}
                )
        elif isinstance(event, OrderChanged):
            if event.order.status != "working":  # the ack goes to the sender with the answer
                self._broadcast({"op": "order", **_order(event.order)}, order_report=True)
        elif isinstance(event, Traded):
            self._broadcast(_fill(event.fill), order_report=True)
        elif isinstance(event, PositionChanged):
            positions = {r: [q, p] for r, (q, p) in event.positions.items()}
            self._broadcast(
                {"op": "position", "account": event.account, "positions": positions}, order_report=True
            )
        elif isinstance(event, BalanceChanged):
            self._broadcast(
                {
                    "op": "balance",
                    "account": event.account,
                    "balance": event.balance,
                    "equity": event.equity,
                    "realized": event.realized,
                },
                order_report=True,
            )

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.down:
            writer.close()
            return
        codec = Codec()
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        task.add_done_callback(self._handlers.discard)
        beat = asyncio.create_task(self._beat(writer, codec))
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    return
                try:
                    messages = codec.receive(data)
                except RemoteProtocolError:
                    return
                for m in messages:
                    if self.ex.faults.latency:
                        await asyncio.sleep(self.ex.faults.latency)
                    for reply in self._answer(m, writer):
                        writer.write(codec.send(reply))
                await writer.drain()
        except (ConnectionError, OSError):
            return
        finally:
            beat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beat
            self._writers.discard(writer)
            writer.close()

    def _answer(self, m: dict[str, Any], writer: asyncio.StreamWriter) -> list[dict[str, Any]]:
        op = m["op"]
        if op == "auth":
            self.logins += 1
            if self.refuse_logins or m.get("user") != self.user or m.get("password") != self.password:
                return [{"op": "auth_error", "reason": "invalid username or password"}]
            self._writers.add(writer)  # reports go to logged-in clients only
            return [self._accounts_message()]
        if writer not in self._writers:
            return [{"op": "auth_error", "reason": "log in first"}]
        if op == "accounts":
            return [self._accounts_message()]
        if op == "place":
            return self._place(m)
        if op == "cancel":
            return [self._cancel(m)]
        if op == "query":
            return [self._query(m)]
        return []

    def _place(self, m: dict[str, Any]) -> list[dict[str, Any]]:
        request = OrderRequest(
            str(m["order_id"]),
            str(m["symbol"]),
            symbol_root(str(m["symbol"])),
            str(m["side"]),
            int(m["qty"]),
            str(m.get("type") or "market"),
            m.get("price"),
            m.get("stop_price"),
        )
        try:
            order = self.ex.submit(str(m["account"]), request)
        except BrokerRejected as exc:
            return (
                []
                if self.ex.faults.mute_orders
                else [{"op": "reject", "order_id": request.order_id, "reason": exc.reason}]
            )
        if self.ex.faults.mute_orders:
            return []
        return [{"op": "ack", "order_id": request.order_id, "broker_order_id": order.broker_order_id}]

    def _cancel(self, m: dict[str, Any]) -> dict[str, Any]:
        account, order_id = str(m["account"]), str(m["order_id"])
        found = self.ex.find(account, order_id)
        try:
            if found is None:
                raise BrokerRejected(f"no order {order_id}")
            self.ex.cancel(account, found.broker_order_id)
        except BrokerRejected as exc:
            return {"op": "result", "req": m.get("req"), "ok": False, "reason": exc.reason}
        return {"op": "result", "req": m.get("req"), "ok": True}

    def _query(self, m: dict[str, Any]) -> dict[str, Any]:
        account, what = str(m.get("account")), m.get("what")
        if not self.ex.has_account(account):
            return {"op": "result", "req": m.get("req"), "ok": False, "reason": f"unknown account {account}"}
        items: Any
        if what == "orders":
            items = [_order(o) for o in self.ex.open_orders(account)]
        elif what == "order":
            found = self.ex.find(account, str(m.get("order_id")))
            items = [_order(found)] if found else []
        elif what == "fills":
            items = [_fill(f) for f in self.ex.fills(account, float(m.get("since") or 0))]
        elif what == "positions":
            items = {r: [q, p] for r, (q, p) in self.ex.positions(account).items()}
        else:
            return {"op": "result", "req": m.get("req"), "ok": False, "reason": f"unknown query {what!r}"}
        return {"op": "result", "req": m.get("req"), "ok": True, "items": items}

    def _accounts_message(self) -> dict[str, Any]:
        for a in self.accounts:  # accounts added to the list since (a refresh finds them)
            self.ex.open_account(a.id, a.balance)
        infos = [self.ex.account_info(a) for a in self.ex.account_ids()]
        return {
            "op": "auth_ok",
            "accounts": [{"id": i.id, "balance": i.balance, "equity": i.equity} for i in infos],
        }

    async def _beat(self, writer: asyncio.StreamWriter, codec: Codec) -> None:
        with contextlib.suppress(ConnectionError, OSError):
            while not writer.is_closing():
                if self.ex.faults.heartbeats:
                    writer.write(codec.send({"op": "heartbeat", "ts": time.time()}))
                await asyncio.sleep(self.heartbeat_interval)


def _write(writer: asyncio.StreamWriter, line: bytes) -> None:
    if not writer.is_closing():
        writer.write(line)


# ---- the adapter test suite and ``ordergate simulate loopback``


@dataclass
class _Handle:
    sim: LoopbackSimulator
    login: SimLogin

    @property
    def endpoint(self) -> str:
        return f"tcp://127.0.0.1:{self.sim.port}"

    @property
    def config(self) -> AdapterConfig:
        return AdapterConfig(
            {"host": "127.0.0.1", "port": self.sim.port},
            {"username": self.login.username, "password": self.login.password},
        )

    def drop_connections(self) -> None:
        self.sim.drop_all()

    async def stop(self) -> None:
        await self.sim.stop()


async def serve(exchange: Exchange, login: SimLogin, port: int = 0) -> _Handle:
    sim = LoopbackSimulator(
        user=login.username, password=login.password, accounts=[], exchange=exchange, heartbeat_interval=0.2
    )
    await sim.start(port)
    return _Handle(sim, login)


HARNESS = Harness("loopback", LoopbackBroker, serve)
