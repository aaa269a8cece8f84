"""The loopback broker's simulator: the server side of the protocol, on a real socket.

It misbehaves on command, for tests of the connection lifecycle: ``refuse_logins``
(bad credentials), ``stop_heartbeats``, ``drop_all`` (close every socket), ``delay``
(answer slowly) and ``down`` (refuse new connections).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from typing import Any

from ordergate.runtime.brokers.loopback.protocol import Codec, RemoteProtocolError


@dataclass
class SimAccount:
    id: str
    balance: float = 50_000.0


@dataclass
class LoopbackSimulator:
    user: str = "trader"
    password: str = "correct horse"
    accounts: list[SimAccount] = field(default_factory=lambda: [SimAccount("LB-1")])
    heartbeat_interval: float = 0.05
    prices: dict[str, float] = field(default_factory=lambda: {"ES": 6000.0})
    refuse_logins: bool = False
    heartbeats: bool = True
    delay: float = 0.0
    down: bool = False
    logins: int = 0

    def __post_init__(self) -> None:
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._handlers: set[asyncio.Task[None]] = set()
        self.port = 0

    async def start(self, port: int = 0) -> int:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", port)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self.port

    async def stop(self) -> None:
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

    def publish_quote(self, symbol: str, bid: float, ask: float, last: float) -> None:
        """Send a quote to every connected client."""
        self.prices[symbol[:2].upper()] = last
        line = Codec().send({"op": "quote", "symbol": symbol, "bid": bid, "ask": ask, "last": last})
        for w in list(self._writers):
            w.write(line)

    def stop_heartbeats(self) -> None:
        self.heartbeats = False

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.down:
            writer.close()
            return
        codec = Codec()
        self._writers.add(writer)
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
                    if self.delay:
                        await asyncio.sleep(self.delay)
                    for reply in self._answer(m):
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

    def _answer(self, m: dict[str, Any]) -> list[dict[str, Any]]:
        op = m["op"]
        if op == "auth":
            self.logins += 1
            if self.refuse_logins or m.get("user") != self.user or m.get("password") != self.password:
                return [{"op": "auth_error", "reason": "invalid username or password"}]
            return [self._accounts_message()]
        if op == "accounts":
            return [self._accounts_message()]
        if op == "place":
            price = self.prices.get(str(m["symbol"])[:2].upper())
            if price is None:
                return [{"op": "reject", "order_id": m["order_id"], "reason": "unknown symbol"}]
            return [{**m, "op": "fill", "price": price}]
        return []

    def _accounts_message(self) -> dict[str, Any]:
        return {
            "op": "auth_ok",
            "accounts": [{"id": a.id, "balance": a.balance, "equity": a.balance} for a in self.accounts],
        }

    async def _beat(self, writer: asyncio.StreamWriter, codec: Codec) -> None:
        with contextlib.suppress(ConnectionError, OSError):
            while not writer.is_closing():
                if self.heartbeats:
                    writer.write(codec.send({"op": "heartbeat", "ts": time.time()}))
                await asyncio.sleep(self.heartbeat_interval)
