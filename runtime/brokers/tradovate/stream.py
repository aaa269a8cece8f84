"""The adapter's socket shell: one Tradovate WebSocket around a ``ClientSession``.

``open`` connects, authorizes (the session sends ``authorize`` on ``o``) and returns
once the server accepted the token; ``request`` sends one request and waits for the
response with its id; ``run`` reads until the socket ends, handing events to
``on_event``, while a ticker sends ``[]`` on the heartbeat period and ends the stream
when the server has been silent past ``stale_after`` (no ``h``, no data). Every way the
stream ends raises: BrokerUnavailable for a drop, a close frame or silence,
BrokerRefused when the token is refused or the server shuts the session for good.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

import websockets
from websockets.asyncio.client import ClientConnection

from ordergate.runtime.brokers.errors import (
    BrokerProtocolError,
    BrokerRefused,
    BrokerTimeout,
    BrokerUnavailable,
)
from ordergate.runtime.brokers.tradovate.protocol import (
    Authorized,
    ClientSession,
    Closed,
    Event,
    RemoteProtocolError,
    Response,
)

OPEN_TIMEOUT = 10.0
REQUEST_TIMEOUT = 10.0
EventHandler = Callable[[Event], Awaitable[None]]
# shutdown reasons after which reconnecting would only be refused again (or evict another session)
FINAL_SHUTDOWNS = frozenset({"ConnectionQuotaReached", "IPQuotaReached"})


class Stream:
    def __init__(
        self, name: str, url: str, on_event: EventHandler, heartbeat: float, stale_after: float
    ) -> None:
        self.name, self.url = name, url
        self.on_event = on_event
        self.heartbeat, self.stale_after = heartbeat, stale_after
        self.frames = 0  # server frames heard (heartbeats included): the adapter's liveness
        self._ws: ClientConnection | None = None
        self._session = ClientSession("", heartbeat)
        self._pending: dict[int, asyncio.Future[Response]] = {}
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def connected(self) -> bool:
        return self._ws is not None

    def _now(self) -> float:
        return asyncio.get_running_loop().time()

    async def open(self, token: str) -> None:
        self._session = ClientSession(token, self.heartbeat)
        try:
            self._ws = await websockets.connect(
                self.url, open_timeout=OPEN_TIMEOUT, ping_interval=None, max_size=1 << 22
            )
        except (OSError, TimeoutError, websockets.WebSocketException) as exc:
            raise BrokerUnavailable(f"cannot open the Tradovate {self.name} socket: {exc}") from None
        self._session.start(self._now())
        try:
            async with asyncio.timeout(OPEN_TIMEOUT):
                while True:
                    for item in self._session.receive(str(await self._ws.recv()), self._now()):
                        if isinstance(item, Authorized):
                            if not item.ok:
                                raise BrokerRefused(
                                    f"the Tradovate {self.name} socket refused the token: {item.reason}"
                                )
                            self._start_tasks(self._ws)
                            return
                        if isinstance(item, Closed):
                            raise BrokerUnavailable(f"the Tradovate {self.name} socket closed: {item.reason}")
                    await self._flush()
        except TimeoutError:
            await self.close()
            raise BrokerUnavailable(f"the Tradovate {self.name} socket did not authorize in time") from None
        except (RemoteProtocolError, websockets.WebSocketException) as exc:
            await self.close()
            raise BrokerUnavailable(f"the Tradovate {self.name} socket failed to authorize: {exc}") from None
        except BaseException:
            await self.close()
            raise

    async def _flush(self) -> None:
        ws = self._ws
        if ws is None:
            raise BrokerUnavailable(f"the Tradovate {self.name} socket is not open")
        try:
            for frame in self._session.outbox(self._now()):
                await ws.send(frame)
        except websockets.WebSocketException as exc:
            raise BrokerUnavailable(f"the Tradovate {self.name} socket closed: {exc}") from None

    async def request(self, endpoint: str, body: Any = None, query: str = "") -> Response:
        request_id = self._session.request(endpoint, query, body)
        future: asyncio.Future[Response] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        try:
            await self._flush()
            async with asyncio.timeout(REQUEST_TIMEOUT):
                return await future
        except TimeoutError:
            raise BrokerTimeout(f"the Tradovate {self.name} socket did not answer {endpoint}") from None
        finally:
            self._pending.pop(request_id, None)

    def _start_tasks(self, ws: ClientConnection) -> None:
        """Reading and beating start once authorized, so requests are answered before ``run``."""
        self._tasks = [asyncio.create_task(self._read(ws)), asyncio.create_task(self._tick())]

    async def run(self) -> None:
        """Wait until the socket ends; always raises."""
        if self._ws is None or not self._tasks:
            raise BrokerUnavailable(f"the Tradovate {self.name} socket is not open")
        try:
            done, _ = await asyncio.wait(self._tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                task.result()
            raise BrokerUnavailable(f"the Tradovate {self.name} socket ended")
        finally:
            await self.close()

    async def _read(self, ws: ClientConnection) -> None:
        while True:
            try:
                text = await ws.recv()
            except websockets.ConnectionClosed as exc:
                raise BrokerUnavailable(
                    f"the Tradovate {self.name} socket dropped ({exc.rcvd.code if exc.rcvd else 'no close frame'})"
                ) from None
            self.frames += 1
            try:
                items = self._session.receive(str(text), self._now())
            except RemoteProtocolError as exc:
                raise BrokerProtocolError(f"the Tradovate {self.name} socket sent garbage: {exc}") from None
            for item in items:
                if isinstance(item, Response):
                    future = self._pending.get(item.id)
                    if future is not None and not future.done():
                        future.set_result(item)
                elif isinstance(item, Event):
                    if item.kind == "shutdown":
                        self._shutdown(item.data)
                    await self.on_event(item)
                elif isinstance(item, Closed):
                    raise BrokerUnavailable(
                        f"the Tradovate {self.name} socket closed: {item.code} {item.reason}"
                    )

    def _shutdown(self, data: Any) -> None:
        data = data if isinstance(data, dict) else {}
        code, reason = str(data.get("reasonCode") or ""), str(data.get("reason") or "")
        if code in FINAL_SHUTDOWNS:
            raise BrokerRefused(
                f"Tradovate closed this session ({code}): {reason or 'another login took it'}"
            )
        raise BrokerUnavailable(
            f"Tradovate shut the {self.name} socket down ({code or 'no reason'}): {reason}"
        )

    async def _tick(self) -> None:
        while True:
            now = self._now()
            due = self._session.tick(now)
            await self._flush()
            quiet = self._session.quiet_for(now)
            if quiet > self.stale_after:
                raise BrokerUnavailable(f"no heartbeat on the Tradovate {self.name} socket for {quiet:.1f} s")
            await asyncio.sleep(max(min(due - now, self.stale_after - quiet), 0.01))

    async def close(self) -> None:
        ws, self._ws = self._ws, None
        tasks, self._tasks = self._tasks, []
        current = asyncio.current_task()
        for task in tasks:
            if task is not current:
                task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await asyncio.gather(*(t for t in tasks if t is not current))
        for future in self._pending.values():
            if not future.done():
                future.set_exception(BrokerUnavailable(f"the Tradovate {self.name} socket closed"))
        if ws is not None:
            with contextlib.suppress(Exception):
                await ws.close()
