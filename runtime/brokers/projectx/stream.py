"""The adapter's hub shell: one WebSocket to one ProjectX hub, around ``HubConnection``.

It opens ``<hub>?access_token=<JWT>`` directly (skip negotiation, as ProjectX's own
example does), shakes hands, replays the subscriptions it was given, then hands every
server invocation to ``on_event(target, arguments)`` until the socket closes. Sends go
through one lock, so invocations leave in order and never interleave (project-x-py
#126: concurrent subscribes raced). It pings every ``PING_INTERVAL`` and keeps
``last_frame``, the loop time of the last frame heard, for the adapter's watchdog.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import websockets
from websockets.asyncio.client import ClientConnection

from ordergate.runtime.brokers.errors import BrokerProtocolError, BrokerRefused, BrokerUnavailable
from ordergate.runtime.brokers.projectx.hubs import Subscriptions
from ordergate.runtime.brokers.projectx.protocol import (
    Close,
    HandshakeResponse,
    HubConnection,
    Invocation,
    Ping,
    RemoteProtocolError,
    Role,
)

PING_INTERVAL = 10.0
OPEN_TIMEOUT = 10.0

EventHandler = Callable[[str, tuple[Any, ...]], None]


def ws_url(hub_url: str, token: str) -> str:
    parts = urlsplit(hub_url)
    scheme = {"http": "ws", "https": "wss"}.get(parts.scheme, parts.scheme)
    query = f"access_token={quote(token, safe='')}"
    return urlunsplit((scheme, parts.netloc, parts.path, query, ""))


class HubStream:
    def __init__(self, name: str, url: str, subscriptions: Subscriptions, on_event: EventHandler) -> None:
        self.name, self.url = name, url
        self.subscriptions = subscriptions
        self.on_event = on_event
        self.last_frame = 0.0
        self.frames = 0  # frames heard after the handshake: a live feed says something
        self._ws: ClientConnection | None = None
        self._conn = HubConnection(Role.CLIENT)
        self._lock = asyncio.Lock()

    @property
    def connected(self) -> bool:
        return self._ws is not None

    async def open(self, token: str) -> None:
        """Connect, shake hands and subscribe again to everything remembered."""
        self._conn = HubConnection(Role.CLIENT)
        self.frames = 0
        try:
            self._ws = await websockets.connect(
                ws_url(self.url, token),
                open_timeout=OPEN_TIMEOUT,
                ping_interval=PING_INTERVAL,
                max_size=1 << 20,
            )
        except websockets.InvalidStatus as exc:
            if exc.response.status_code == 401:
                raise BrokerRefused(f"the ProjectX {self.name} hub refused the token") from None
            raise BrokerUnavailable(
                f"the ProjectX {self.name} hub answered HTTP {exc.response.status_code}"
            ) from None
        except (OSError, TimeoutError, websockets.WebSocketException) as exc:
            raise BrokerUnavailable(f"cannot reach the ProjectX {self.name} hub: {exc}") from None
        await self._ws.send(self._conn.initiate())
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(OPEN_TIMEOUT):
                while True:
                    events = self._conn.receive(await self._ws.recv())
                    if events and isinstance(events[0], HandshakeResponse):
                        if events[0].error is not None:
                            raise BrokerUnavailable(
                                f"the ProjectX {self.name} hub refused the handshake: {events[0].error}"
                            )
                        self.last_frame = loop.time()
                        self._dispatch(events[1:])
                        break
        except TimeoutError:
            await self.close()
            raise BrokerUnavailable(f"the ProjectX {self.name} hub did not answer the handshake") from None
        except (RemoteProtocolError, websockets.WebSocketException) as exc:
            await self.close()
            raise BrokerUnavailable(f"the ProjectX {self.name} hub failed the handshake: {exc}") from None
        for method, arguments in self.subscriptions.replay():
            await self.send(method, *arguments)

    async def send(self, method: str, *arguments: int | str) -> None:
        """Invoke a hub method without waiting for a completion (as ProjectX subscriptions are sent)."""
        await self._send_text(self._conn.invoke(method, arguments, completion=False)[0])

    async def subscribe(self, method: str, *arguments: int | str) -> None:
        if self.subscriptions.add(method, *arguments) and self.connected:
            await self.send(method, *arguments)

    async def _send_text(self, text: str) -> None:
        ws = self._ws
        if ws is None:
            return  # not connected: the subscription is replayed when it is
        async with self._lock:
            try:
                await ws.send(text)
            except websockets.WebSocketException as exc:
                raise BrokerUnavailable(f"the ProjectX {self.name} hub closed: {exc}") from None

    async def run(self) -> None:
        """Read until the hub closes; raises BrokerUnavailable then."""
        ws = self._ws
        if ws is None:
            raise BrokerUnavailable(f"the ProjectX {self.name} hub is not connected")
        pinger = asyncio.create_task(self._ping())
        loop = asyncio.get_running_loop()
        try:
            while True:
                try:
                    data = await ws.recv()
                except websockets.ConnectionClosed as exc:
                    code = exc.rcvd.code if exc.rcvd is not None else 1006  # 1006: no close frame
                    raise BrokerUnavailable(
                        f"the ProjectX {self.name} hub closed the link ({code})"
                    ) from None
                self.last_frame = loop.time()
                self.frames += 1
                try:
                    events = self._conn.receive(data)
                except RemoteProtocolError as exc:
                    raise BrokerProtocolError(f"the ProjectX {self.name} hub sent garbage: {exc}") from None
                self._dispatch(events)
        finally:
            pinger.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pinger
            await self.close()

    def _dispatch(self, events: list[Any]) -> None:
        for event in events:
            if isinstance(event, Invocation):
                self.on_event(event.target, event.arguments)
            elif isinstance(event, Close):
                raise BrokerUnavailable(
                    f"the ProjectX {self.name} hub closed: {event.error or 'no reason given'}"
                )

    async def _ping(self) -> None:
        with contextlib.suppress(BrokerUnavailable):
            while True:
                await asyncio.sleep(PING_INTERVAL)
                await self._send_text(self._conn.send(Ping()))

    async def close(self) -> None:
        ws, self._ws = self._ws, None
        if ws is not None:
            with contextlib.suppress(Exception):
                await ws.close()
