"""The loopback broker's client adapter: a thin asyncio shell around the codec.

Requests wait for their answers under the runtime's deadline; the broker's reports
(order updates, fills, positions, balances, quotes, heartbeats) become the adapter's
events as they arrive.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections import deque
from typing import Any

from ordergate.policy import Quote, symbol_root
from ordergate.runtime.brokers.base import BrokerAdapter, BrokerEvents, Clock
from ordergate.runtime.brokers.errors import (
    BrokerProtocolError,
    BrokerRefused,
    BrokerRejected,
    BrokerUnavailable,
    OrderNotOpen,
)
from ordergate.runtime.brokers.loopback.protocol import Codec, RemoteProtocolError
from ordergate.runtime.brokers.types import (
    AccountInfo,
    Ack,
    AdapterConfig,
    BalanceSnapshot,
    BrokerOrder,
    Fill,
    OrderRequest,
    OrderUpdate,
    PositionSnapshot,
)

LOGIN_TIMEOUT = 5.0


class LoopbackBroker(BrokerAdapter):
    broker = "loopback"

    def __init__(
        self, name: str, config: AdapterConfig, events: BrokerEvents | None = None, clock: Clock = time.time
    ) -> None:
        super().__init__(name, config, events, clock)
        self.host = str(config.settings.get("host", "127.0.0.1"))
        self.port = int(config.settings.get("port", 0))
        self._user = config.credentials.get("username", "")
        self._password = config.credentials.get("password", "")
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._codec = Codec()
        self._inbox: deque[dict[str, Any]] = deque()
        self._accounts: dict[str, AccountInfo] = {}
        self._pending: dict[str, asyncio.Future[dict[str, Any]]] = {}  # order id or req → answer
        self._accounts_reply: asyncio.Future[dict[str, Any]] | None = None
        self._req = itertools.count(1)

    # ---- the link

    async def connect(self) -> None:
        try:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        except OSError as exc:
            raise BrokerUnavailable(f"cannot reach {self.host}:{self.port}: {exc.strerror or exc}") from None
        self._codec = Codec()
        self._inbox.clear()
        self._send({"op": "auth", "user": self._user, "password": self._password})
        reply = await self._next()
        while reply["op"] not in ("auth_ok", "auth_error"):  # heartbeats may arrive first
            self._dispatch(reply)
            reply = await self._next()
        if reply["op"] == "auth_error":
            raise BrokerRefused(f"the broker refused the login: {reply.get('reason', 'no reason given')}")
        self._take_accounts(reply)

    def _take_accounts(self, reply: dict[str, Any]) -> None:
        for a in reply.get("accounts", []):
            self._accounts[a["id"]] = AccountInfo(
                a["id"], float(a["balance"]), float(a.get("equity", a["balance"]))
            )

    async def _next(self) -> dict[str, Any]:
        """The next message; those that arrived with it wait in the inbox, in order."""
        assert self._reader is not None
        while not self._inbox:
            data = await asyncio.wait_for(self._reader.read(65536), LOGIN_TIMEOUT)
            if not data:
                raise BrokerUnavailable("the broker closed the connection")
            try:
                self._inbox.extend(self._codec.receive(data))
            except RemoteProtocolError as exc:
                raise BrokerProtocolError(f"the broker sent garbage: {exc}") from None
        return self._inbox.popleft()

    def _send(self, message: dict[str, Any]) -> None:
        if self._writer is None or self._writer.is_closing():
            raise BrokerUnavailable("not connected")
        self._writer.write(self._codec.send(message))

    async def serve(self) -> None:
        assert self._reader is not None
        while self._inbox:
            self._dispatch(self._inbox.popleft())
        while True:
            data = await self._reader.read(65536)
            if not data:
                raise BrokerUnavailable("the broker closed the connection")
            try:
                for message in self._codec.receive(data):
                    self._dispatch(message)
            except RemoteProtocolError as exc:
                raise BrokerProtocolError(f"the broker sent garbage: {exc}") from None

    async def disconnect(self) -> None:
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(Exception):
                await self._writer.wait_closed()
        self._writer = None
        for future in self._pending.values():
            if not future.done():
                future.set_exception(BrokerUnavailable("the connection closed before the broker answered"))
        self._pending.clear()

    # ---- what the broker says

    def _dispatch(self, m: dict[str, Any]) -> None:
        op = m["op"]
        self.heartbeat()  # any message shows the broker is alive
        if op == "quote":
            root = symbol_root(m["symbol"])
            self.emit_quote(root, Quote(m.get("bid"), m.get("ask"), m.get("last"), self.clock()))
        elif op in ("ack", "reject"):
            self._answer(str(m["order_id"]), m)
        elif op == "result":
            self._answer(f"req:{m.get('req')}", m)
        elif op == "order":
            self.emit_order(
                OrderUpdate(
                    m["account"],
                    m.get("order_id"),
                    m["broker_order_id"],
                    m["status"],
                    m.get("reason"),
                    self.clock(),
                )
            )
        elif op == "fill":
            self.emit_fill(_fill(m))
        elif op == "position":
            self.emit_positions(
                PositionSnapshot(
                    m["account"],
                    {r: (int(q), float(p)) for r, (q, p) in m["positions"].items()},
                    self.clock(),
                )
            )
        elif op == "balance":
            self.emit_balance(
                BalanceSnapshot(
                    m["account"],
                    float(m["balance"]),
                    float(m["equity"]),
                    float(m.get("realized", 0)),
                    self.clock(),
                )
            )
        elif op == "auth_ok" and self._accounts_reply is not None and not self._accounts_reply.done():
            self._accounts_reply.set_result(m)

    def _answer(self, key: str, m: dict[str, Any]) -> None:
        future = self._pending.pop(key, None)
        if future is not None and not future.done():
            future.set_result(m)

    async def _request(self, key: str, message: dict[str, Any]) -> dict[str, Any]:
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[key] = future
        try:
            self._send(message)
            return await future  # the runtime's deadline bounds the wait
        finally:
            self._pending.pop(key, None)

    async def _query(self, message: dict[str, Any]) -> Any:
        req = next(self._req)
        answer = await self._request(f"req:{req}", {**message, "req": req})
        if not answer.get("ok"):
            raise BrokerRejected(str(answer.get("reason")))
        return answer.get("items")

    # ---- requests

    def accounts(self) -> list[AccountInfo]:
        return list(self._accounts.values())

    async def refresh(self) -> list[AccountInfo]:
        self._accounts_reply = asyncio.get_running_loop().create_future()
        self._send({"op": "accounts"})
        reply = await asyncio.wait_for(self._accounts_reply, LOGIN_TIMEOUT)
        self._take_accounts(reply)
        return self.accounts()

    async def place(self, account: str, request: OrderRequest) -> Ack:
        answer = await self._request(
            request.order_id,
            {
                "op": "place",
                "order_id": request.order_id,
                "account": account,
                "symbol": request.symbol,
                "side": request.side,
                "qty": request.qty,
                "type": request.type,
                "price": request.price,
                "stop_price": request.stop_price,
            },
        )
        if answer["op"] == "reject":
            raise BrokerRejected(str(answer.get("reason") or "no reason given"))
        return Ack(request.order_id, str(answer["broker_order_id"]))

    async def cancel(self, account: str, order_id: str) -> None:
        req = next(self._req)
        answer = await self._request(
            f"req:{req}", {"op": "cancel", "req": req, "account": account, "order_id": order_id}
        )
        if not answer.get("ok"):
            raise OrderNotOpen(str(answer.get("reason")))

    async def open_orders(self, account: str) -> list[BrokerOrder]:
        return [_order(o) for o in await self._query({"op": "query", "what": "orders", "account": account})]

    async def order_status(self, account: str, order_id: str) -> BrokerOrder | None:
        items = await self._query({"op": "query", "what": "order", "account": account, "order_id": order_id})
        return _order(items[0]) if items else None

    async def fills_since(self, account: str, ts: float) -> list[Fill]:
        return [
            _fill(f)
            for f in await self._query({"op": "query", "what": "fills", "account": account, "since": ts})
        ]

    async def fetch_positions(self, account: str) -> dict[str, tuple[int, float]]:
        items = await self._query({"op": "query", "what": "positions", "account": account})
        return {r: (int(q), float(p)) for r, (q, p) in items.items()}


def _fill(m: dict[str, Any]) -> Fill:
    return Fill(
        m["account"],
        m.get("order_id"),
        symbol_root(m["symbol"]),
        m["symbol"],
        m["side"],
        int(m["qty"]),
        float(m["price"]),
        float(m["ts"]),
        str(m["fill_id"]),
        m.get("broker_order_id"),
    )


def _order(m: dict[str, Any]) -> BrokerOrder:
    return BrokerOrder(
        m["account"],
        m.get("order_id"),
        m["broker_order_id"],
        symbol_root(m["symbol"]),
        m["symbol"],
        m["side"],
        int(m["qty"]),
        int(m["filled_qty"]),
        m["status"],
        m.get("type") or "market",
        m.get("price"),
        m.get("stop_price"),
        m.get("reason"),
    )
