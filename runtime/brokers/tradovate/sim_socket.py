"""The Tradovate simulator's sockets: the user socket (``/v1/websocket``) and the
market-data socket (``/md/v1/websocket``), each a ``ServerSession`` over Starlette.

One reader task feeds client frames to the session and answers them; one writer task
sends what the session queued, beats ``h`` on its period and drops a client silent past
the timeout. Exchange events reach a client through ``props`` (after its
``user/syncrequest``) and ``quote`` (for the contracts it subscribed); both only queue
and wake the writer, so the exchange never waits on a socket.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from starlette.routing import BaseRoute, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from ordergate.policy import Quote
from ordergate.runtime.brokers.exchange import QuoteChanged
from ordergate.runtime.brokers.tradovate.models import iso
from ordergate.runtime.brokers.tradovate.protocol import (
    Authorize,
    RemoteProtocolError,
    Request,
    ServerSession,
)
from ordergate.runtime.brokers.tradovate.sim_book import Prop
from ordergate.runtime.brokers.tradovate.sim_core import Session, SimCore

USER_PATH = "/v1/websocket"
ORDER_ENTITIES = frozenset({"order", "orderVersion", "executionReport", "fill", "command"})
MD_PATH = "/md/v1/websocket"


class SocketClient:
    def __init__(self, core: SimCore, websocket: WebSocket, market_data: bool) -> None:
        self.core, self.websocket, self.market_data = core, websocket, market_data
        self.conn = ServerSession(core.options.heartbeat, core.options.client_timeout)
        self.session: Session | None = None
        self.synced = False
        self.quotes: set[int] = set()  # contract ids subscribed
        self.wake = asyncio.Event()
        self.closing = False  # the writer closes the socket after its next send
        self.close_code = 1000

    # ---- what the core calls

    def props(self, props: list[Prop]) -> None:
        if self.synced:
            for entity_type, event_type, entity in props:
                if entity_type in ORDER_ENTITIES and self.core.exchange.faults.mute_orders:
                    continue  # lost on the wire
                self.conn.push(
                    "props", {"entityType": entity_type, "eventType": event_type, "entity": entity}
                )
            self.wake.set()

    def quote(self, event: QuoteChanged) -> None:
        if not self.quotes or not self.core.exchange.faults.feed:
            return
        for contract in self.core.book.contracts_of_root(event.root):
            if contract["id"] in self.quotes:
                self._push_quote(int(contract["id"]), event.quote)

    def shutdown(self, reason_code: str, reason: str) -> None:
        self.conn.push("shutdown", {"reasonCode": reason_code, "reason": reason})
        with contextlib.suppress(Exception):
            self.conn.close(3000, reason)
        self.closing = True
        self.wake.set()

    def drop(self) -> None:
        """Close without a word, as a network failure would."""
        self.closing, self.close_code = True, 1011
        self.conn.outbox()  # what was queued is lost with the link
        self.wake.set()

    # ---- the loop

    async def run(self) -> None:
        await self.websocket.accept()
        loop = asyncio.get_running_loop()
        self.conn.start(loop.time())
        self.core.sockets.add(self)
        writer = asyncio.create_task(self._write())
        try:
            await self._read()
        finally:
            self.core.sockets.discard(self)
            if self.session is not None:
                self.session.sockets.discard(self)
            self.closing = True
            self.wake.set()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(writer, 1.0)
            writer.cancel()

    async def _read(self) -> None:
        loop = asyncio.get_running_loop()
        while not self.closing:
            try:
                message = await self.websocket.receive()
            except (WebSocketDisconnect, RuntimeError):
                return
            if message["type"] == "websocket.disconnect":
                return
            text = message.get("text") or (message.get("bytes") or b"").decode("utf-8", "replace")
            try:
                items = self.conn.receive(text, loop.time())
            except RemoteProtocolError as exc:
                with contextlib.suppress(Exception):
                    self.conn.close(1002, str(exc))
                self.closing = True
                self.wake.set()
                return
            for item in items:
                await self._handle(item)
            self.wake.set()

    async def _handle(self, item: Authorize | Request) -> None:
        if isinstance(item, Authorize):
            session = self.core.session_of(item.token, market_data=self.market_data)
            self.conn.authorized(item.id, session is not None)
            if session is not None:
                self.session = session
                session.sockets.add(self)
            return
        assert self.session is not None
        if not self.core.session_valid(self.session):
            self.conn.respond(item.id, 401, "Access is denied")
            return
        if self.core.exchange.faults.latency:
            await asyncio.sleep(self.core.exchange.faults.latency)
        body = _json(item)
        if isinstance(body, str):
            self.conn.respond(item.id, 400, body)
            return
        if self.market_data:
            self._market_data(item, body)
            return
        penalty = self.core.penalty(
            item.endpoint, (body or {}).get("p-ticket") if isinstance(body, dict) else None
        )
        if penalty is not None:
            self.conn.respond(item.id, 200, penalty)
        elif item.endpoint == "user/syncrequest":
            self.synced = True
            self.conn.respond(item.id, 200, self.core.book.sync_snapshot())
        else:
            self.conn.respond(item.id, *self.core.answer(item.endpoint, item.query, body, self.session))

    def _market_data(self, item: Request, body: Any) -> None:
        symbol = body.get("symbol") if isinstance(body, dict) else None
        if item.endpoint not in ("md/subscribequote", "md/unsubscribequote"):
            self.conn.respond(item.id, 404, f"Unknown endpoint {item.endpoint}")
            return
        contract = self.core.book.contract_for(symbol)
        if contract is None:
            self.conn.respond(
                item.id, 200, {"errorText": "Symbol is inaccessible", "errorCode": "UnknownSymbol"}
            )
            return
        ident = int(contract["id"])
        if item.endpoint == "md/unsubscribequote":
            self.quotes.discard(ident)
            self.conn.respond(item.id, 200)
            return
        self.quotes.add(ident)
        self.conn.respond(item.id, 200)
        quote = self.core.exchange.quote(str(contract["name"]))
        if quote is not None and self.core.exchange.faults.feed:
            self._push_quote(ident, quote)  # a new subscriber gets the current quote at once

    def _push_quote(self, contract_id: int, quote: Quote) -> None:
        entries: dict[str, dict[str, float]] = {}
        for name, price in (("Bid", quote.bid), ("Offer", quote.ask), ("Trade", quote.last)):
            if price is not None:
                entries[name] = {"price": price, "size": 1}
        stamp = iso(quote.time or self.core.now)
        self.conn.push(
            "md", {"quotes": [{"timestamp": stamp, "contractId": contract_id, "entries": entries}]}
        )
        self.wake.set()

    async def _write(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), min(self.conn.heartbeat, 0.25))
            self.wake.clear()
            now = loop.time()
            self.conn.tick(now, beat=self.core.exchange.faults.heartbeats)
            if not self.closing and self.conn.client_gone(now):
                with contextlib.suppress(Exception):
                    self.conn.close(1000, "Client heartbeat timeout")
                self.closing = True
            frames = self.conn.outbox() if self.close_code != 1011 else []
            try:
                for frame in frames:
                    await self.websocket.send_text(frame)
            except Exception:
                return
            if self.closing:
                with contextlib.suppress(Exception):
                    await self.websocket.close(code=self.close_code)
                return


def _json(item: Request) -> Any:
    """The body as JSON; a string (the error) when it is not."""
    try:
        return item.json()
    except RemoteProtocolError as exc:
        return str(exc)


def routes(core: SimCore) -> list[BaseRoute]:
    def endpoint(market_data: bool) -> Any:
        async def serve(websocket: WebSocket) -> None:
            await SocketClient(core, websocket, market_data).run()

        return serve

    return [WebSocketRoute(USER_PATH, endpoint(False)), WebSocketRoute(MD_PATH, endpoint(True))]
