"""The loopback broker's client adapter: a thin asyncio shell around the codec."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from ordergate.policy import Quote, symbol_root
from ordergate.runtime.book import PositionBook
from ordergate.runtime.brokers.base import (
    AccountInfo,
    BrokerAdapter,
    FillHandler,
    OrderRequest,
    PlaceResult,
    QuoteHandler,
)
from ordergate.runtime.brokers.loopback.protocol import Codec, RemoteProtocolError
from ordergate.runtime.errors import BrokerRefused, BrokerTimeout, BrokerUnavailable

ANSWER_TIMEOUT = 5.0


class LoopbackBroker(BrokerAdapter):
    broker = "loopback"

    def __init__(
        self,
        name: str,
        host: str,
        port: int,
        user: str,
        password: str,
        on_fill: FillHandler,
        on_quote: QuoteHandler,
        now_ts: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(name, on_fill, on_quote)
        self._now_ts = now_ts
        self.host, self.port = host, port
        self._user, self._password = user, password
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._codec = Codec()
        self._inbox: deque[dict[str, Any]] = deque()
        self._accounts: dict[str, AccountInfo] = {}
        self._positions = PositionBook()
        self._pending: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._accounts_reply: asyncio.Future[dict[str, Any]] | None = None

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
            self._positions.add_account(a["id"])

    async def _next(self) -> dict[str, Any]:
        """The next message; those that arrived with it wait in the inbox, in order."""
        assert self._reader is not None
        while not self._inbox:
            data = await asyncio.wait_for(self._reader.read(65536), ANSWER_TIMEOUT)
            if not data:
                raise BrokerUnavailable("the broker closed the connection")
            try:
                self._inbox.extend(self._codec.receive(data))
            except RemoteProtocolError as exc:
                raise BrokerUnavailable(f"the broker sent garbage: {exc}") from None
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
                raise BrokerUnavailable(f"the broker sent garbage: {exc}") from None

    def _dispatch(self, m: dict[str, Any]) -> None:
        op = m["op"]
        if op == "heartbeat":
            self.heartbeat()
        elif op == "quote":
            root = symbol_root(m["symbol"])
            quote = Quote(m.get("bid"), m.get("ask"), m.get("last"), self._now_ts())
            self.quotes[root] = quote
            self.heartbeat()
            self.on_quote(root, quote)
        elif op in ("fill", "reject"):
            future = self._pending.pop(m["order_id"], None)
            if future is not None and not future.done():
                future.set_result(m)
        elif op == "auth_ok" and self._accounts_reply is not None and not self._accounts_reply.done():
            self._accounts_reply.set_result(m)

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

    def accounts(self) -> list[AccountInfo]:
        return list(self._accounts.values())

    async def refresh(self) -> list[AccountInfo]:
        self._accounts_reply = asyncio.get_running_loop().create_future()
        self._send({"op": "accounts"})
        reply = await asyncio.wait_for(self._accounts_reply, ANSWER_TIMEOUT)
        self._take_accounts(reply)
        return self.accounts()

    def positions(self, account: str) -> dict[str, tuple[int, float]]:
        return self._positions.positions(account)

    async def place(self, account: str, request: OrderRequest) -> PlaceResult:
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[request.order_id] = future
        self._send(
            {
                "op": "place",
                "order_id": request.order_id,
                "account": account,
                "symbol": request.symbol,
                "side": request.side,
                "qty": request.qty,
            }
        )
        try:
            answer = await asyncio.wait_for(future, ANSWER_TIMEOUT)
        except TimeoutError:
            self._pending.pop(request.order_id, None)
            raise BrokerTimeout(  # it may still have reached the simulator: unconfirmed, not rejected
                f"no answer to order {request.order_id} within {ANSWER_TIMEOUT:.0f}s"
            ) from None
        if answer["op"] == "reject":
            return PlaceResult("rejected", reason=answer.get("reason"))
        fill = self._positions.fill(account, request, float(answer["price"]), self._now_ts())
        return PlaceResult("filled", [fill])

    async def cancel(self, account: str, order_id: str) -> bool:
        return False
