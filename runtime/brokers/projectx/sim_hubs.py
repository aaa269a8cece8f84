"""The ProjectX simulator's hubs: ``/hubs/user`` and ``/hubs/market`` over WebSockets.

Clients connect in one of two ways (brokers.md §7.2) and both are served: they
``POST <hub>/negotiate`` (with or without ``negotiateVersion``) and open
``<hub>?id=<connectionId or connectionToken>``, or they skip negotiation and open the
hub directly. The token comes in the ``access_token`` query parameter or an
``Authorization: Bearer`` header; without a live session the upgrade is refused (401).

Each connection runs the server side of ``protocol.HubConnection``: handshake, then
invocations bound by ``hubs.bind`` (a completion when the client sent an id, an error
completion for a wrong signature), keep-alive pings, and a close after
``client_timeout`` of client silence. Exchange changes reach the connections whose
subscriptions match; several records queued together go out in one frame.

Faults: ``core.silent`` stops all output (events and pings) with the socket open, as a
stalled feed looks; the exchange's ``feed`` fault stops quotes, ``heartbeats`` pings,
``mute_orders`` order and trade events; ``drop`` closes every socket at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from ordergate.policy import Quote
from ordergate.runtime.brokers.projectx import hubs
from ordergate.runtime.brokers.projectx.hubs import Hub
from ordergate.runtime.brokers.projectx.models import timestamp
from ordergate.runtime.brokers.projectx.protocol import (
    Close,
    Completion,
    HandshakeRequest,
    HubConnection,
    Invocation,
    Ping,
    RemoteProtocolError,
    Role,
    StreamInvocation,
    handshake_error,
)
from ordergate.runtime.brokers.projectx.sim_book import Change
from ordergate.runtime.brokers.projectx.sim_core import Session, SimCore
from ordergate.runtime.brokers.projectx.sim_rest import bearer

HANDSHAKE_TIMEOUT = 15.0


class HubClient:
    """One client connection on one hub."""

    def __init__(self, core: SimCore, hub: Hub, websocket: WebSocket, session: Session) -> None:
        self.core, self.hub, self.websocket, self.session = core, hub, websocket, session
        self.conn = HubConnection(Role.SERVER)
        self.subscriptions: set[tuple[str, int | str]] = set()
        self.outbox: asyncio.Queue[str | None] = asyncio.Queue()
        self.last_heard = asyncio.get_running_loop().time()
        self.sent_quotes: dict[str, dict[str, Any]] = {}
        self.open = False
        self.close_code = 1000

    # ---- called from the exchange side (synchronously)

    def logout(self) -> None:
        if self.open:
            self._queue(Invocation(hubs.LOGOUT_EVENT, ()))
            self._queue(Close("the session ended: another login took it", allow_reconnect=False))
        self.outbox.put_nowait(None)

    def drop(self) -> None:
        self.close_code = 1011  # no orderly close: the link failed
        self.outbox.put_nowait(None)

    def _queue(self, message: Invocation | Completion | Ping | Close) -> None:
        self.outbox.put_nowait(self.conn.send(message))

    def on_change(self, change: Change) -> None:
        if not self.open or self.core.silent:
            return
        faults = self.core.exchange.faults
        if change.kind in hubs.USER_EVENTS and self.hub is Hub.USER:
            if change.kind in ("orders", "trades") and faults.mute_orders:
                return
            wanted = ("accounts", 0) if change.kind == "accounts" else (change.kind, change.account or 0)
            if wanted in self.subscriptions:
                argument = hubs.wrap(change.action, change.record, self.core.options.wrapped_events)
                self._queue(Invocation(hubs.USER_EVENTS[change.kind], (argument,)))
        elif self.hub is Hub.MARKET and change.contract is not None:
            if change.kind == "quote" and faults.feed:
                self._quote(change.contract, change.record["quote"])  # type: ignore[arg-type]
            elif change.kind == "market_trade" and ("trades", change.contract) in self.subscriptions:
                self._queue(Invocation(hubs.TRADE_EVENT, (change.contract, [change.record])))

    def _quote(self, contract: str, quote: Quote) -> None:
        if ("quotes", contract) in self.subscriptions:
            full = self._quote_record(contract, quote)
            last = self.sent_quotes.get(contract)
            record = full
            if last is not None and self.core.options.partial_quotes:
                record = {k: v for k, v in full.items() if last.get(k) != v or k in ("symbol", "timestamp")}
            self.sent_quotes[contract] = full
            self._queue(Invocation(hubs.QUOTE_EVENT, (contract, record)))
        if ("depth", contract) in self.subscriptions:
            items = [
                {
                    "timestamp": timestamp(quote.time or self.core.exchange.clock()),
                    "type": kind,
                    "price": price,
                    "volume": 1,
                    "currentVolume": 1,
                }
                for kind, price in ((3, quote.ask), (4, quote.bid))  # BestAsk, BestBid
                if price is not None
            ]
            self._queue(Invocation(hubs.DEPTH_EVENT, (contract, items)))

    def _quote_record(self, contract: str, quote: Quote) -> dict[str, Any]:
        info = self.core.book.contract(contract)
        root = info.name[:-2] if info else contract
        return {
            "symbol": info.symbol_id if info else contract,
            "symbolName": f"/{root}",
            "lastPrice": quote.last,
            "bestBid": quote.bid,
            "bestAsk": quote.ask,
            "change": 0.0,
            "changePercent": 0.0,
            "open": quote.last,
            "high": quote.last,
            "low": quote.last,
            "volume": 0,
            "lastUpdated": timestamp(quote.time or self.core.exchange.clock()),
            "timestamp": timestamp(quote.time or self.core.exchange.clock()),
        }

    # ---- the connection's own loop

    async def run(self) -> None:
        writer = asyncio.create_task(self._write())
        pinger = asyncio.create_task(self._ping())
        try:
            await self._read()
        finally:
            self.open = False
            self.session.hubs.discard(self)
            for task in (writer, pinger):
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.gather(writer, pinger)
            with contextlib.suppress(Exception):
                await self.websocket.close(code=1000)

    async def _read(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            timeout = HANDSHAKE_TIMEOUT if not self.open else self.core.options.client_timeout
            try:
                message = await asyncio.wait_for(self.websocket.receive(), timeout)
            except TimeoutError:
                if self.open:
                    self._queue(Close("Server timeout elapsed without receiving a message from the client."))
                    self.outbox.put_nowait(None)
                    await asyncio.sleep(0.05)  # let the writer send the close
                return
            if message["type"] == "websocket.disconnect":
                return
            data = message.get("text") or message.get("bytes") or ""
            self.last_heard = loop.time()
            try:
                events = self.conn.receive(data)
            except RemoteProtocolError as exc:
                if self.open:
                    self._queue(Close(f"Connection closed with an error. {exc}"))
                self.outbox.put_nowait(None)
                return
            for event in events:
                if not self._handle(event):
                    return

    def _handle(self, event: object) -> bool:
        if isinstance(event, HandshakeRequest):
            error = handshake_error(event)
            if error is not None:
                self.outbox.put_nowait(self.conn.refuse(error))
                self.outbox.put_nowait(None)
                return False
            self.outbox.put_nowait(self.conn.accept())
            self.open = True
            return True
        if isinstance(event, Close):
            self.outbox.put_nowait(None)
            return False
        if isinstance(event, StreamInvocation):
            self._queue(Completion(event.invocation_id, error="Streaming is not offered by this hub."))
        elif isinstance(event, Invocation):
            self._invoke(event)
        return True  # pings only refresh last_heard; completions and stream items are not expected

    def _invoke(self, call: Invocation) -> None:
        try:
            method, arguments = hubs.bind(self.hub, call.target, call.arguments)
        except hubs.BindError as exc:
            if call.invocation_id is not None:
                self._queue(Completion(call.invocation_id, error=str(exc)))
            return
        subscribe = method.startswith("Subscribe")
        what = method.removeprefix("Subscribe").removeprefix("Unsubscribe")
        what = {"ContractQuotes": "quotes", "ContractTrades": "trades", "ContractMarketDepth": "depth"}.get(
            what, what.lower()
        )
        key: tuple[str, int | str] = (what, arguments[0] if arguments else 0)
        if subscribe:
            self.subscriptions.add(key)
        else:
            self.subscriptions.discard(key)
            self.sent_quotes.pop(str(key[1]), None)
        if call.invocation_id is not None:
            self._queue(Completion(call.invocation_id))
        if subscribe and what == "quotes":
            self._send_current_quote(str(key[1]))

    def _send_current_quote(self, contract: str) -> None:
        """A new quote subscriber gets the last quote at once, as the gateway does."""
        info = self.core.book.contract(contract)
        if info is None or not self.core.exchange.faults.feed or self.core.silent:
            return
        root = next((r for r, c in self.core.book.contracts.items() if c.id == info.id), None)
        quote = self.core.exchange.quote(root) if root else None
        if quote is not None:
            self._quote(info.id, quote)

    async def _write(self) -> None:
        while True:
            first = await self.outbox.get()
            frame = [first]
            while not self.outbox.empty():
                frame.append(self.outbox.get_nowait())
            text = "".join(f for f in frame if f is not None)
            if text and not (self.core.silent and self.open and None not in frame):
                if self.core.exchange.faults.latency:
                    await asyncio.sleep(self.core.exchange.faults.latency)
                with contextlib.suppress(Exception):
                    await self.websocket.send_text(text)
            if None in frame:
                with contextlib.suppress(Exception):
                    await self.websocket.close(code=self.close_code)
                return

    async def _ping(self) -> None:
        while True:
            await asyncio.sleep(self.core.options.ping_interval)
            if self.open and not self.core.silent and self.core.exchange.faults.heartbeats:
                self._queue(Ping())


class Negotiations:
    """Connection ids handed out by negotiate, each good for one connection."""

    def __init__(self) -> None:
        self.ids: dict[str, str] = {}  # connectionId or connectionToken → session id

    def issue(self, session: Session) -> dict[str, Any]:
        connection_id, token = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
        self.ids[connection_id] = self.ids[token] = session.id
        return {
            "negotiateVersion": 1,
            "connectionId": connection_id,
            "connectionToken": token,
            "availableTransports": [{"transport": "WebSockets", "transferFormats": ["Text", "Binary"]}],
        }

    def take(self, given: str) -> str | None:
        session = self.ids.pop(given, None)
        if session is not None:
            for key in [k for k, v in self.ids.items() if v == session and k != given]:
                self.ids.pop(key, None)  # the twin id of the same negotiation
        return session


def _token(headers_token: str | None, query: Any) -> str | None:
    return query.get("access_token") or headers_token


def routes(core: SimCore) -> list[BaseRoute]:
    negotiations = Negotiations()
    clients = core.hub_clients

    def on_change(change: Change) -> None:
        for client in list(clients):
            client.on_change(change)

    core.book.listeners.append(on_change)

    def negotiate(hub: Hub) -> Any:
        async def answer(request: Request) -> Response:
            session = core.session_of(_token(bearer(request), request.query_params))
            if session is None:
                return Response(status_code=401, headers={"WWW-Authenticate": "Bearer"})
            return JSONResponse(negotiations.issue(session))

        return answer

    def endpoint(hub: Hub) -> Any:
        async def serve(websocket: WebSocket) -> None:
            header = websocket.headers.get("authorization", "")
            scheme, _, value = header.partition(" ")
            session = core.session_of(
                _token(value.strip() if scheme.lower() == "bearer" else None, websocket.query_params)
            )
            given = websocket.query_params.get("id")
            if session is not None and given is not None and negotiations.take(given) != session.id:
                await _deny(websocket, 404)
                return
            if session is None:
                await _deny(websocket, 401)
                return
            await websocket.accept()
            client = HubClient(core, hub, websocket, session)
            session.hubs.add(client)
            clients.add(client)
            try:
                await client.run()
            except WebSocketDisconnect:
                pass
            finally:
                clients.discard(client)

        return serve

    out: list[BaseRoute] = []
    for hub in Hub:
        out.append(Route(f"{hub.path}/negotiate", negotiate(hub), methods=["POST"]))
        out.append(WebSocketRoute(hub.path, endpoint(hub)))
    return out


async def _deny(websocket: WebSocket, status: int) -> None:
    try:
        await websocket.send_denial_response(Response(status_code=status))
    except RuntimeError:  # the server does not offer denial responses: close before accepting
        await websocket.close(code=1008)
