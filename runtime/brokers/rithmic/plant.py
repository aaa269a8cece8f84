"""One plant's socket for the client: the asyncio shell around a ``ClientSession``.

It only moves bytes and runs the session's one timer: frames in → session events; a
request → a future that the matching ``Completed``/``Failed``/``TimedOut`` resolves.
Pushes go to the callback it was given. Codec and websockets errors are mapped here, at
the boundary, to the brokers package's errors.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import Callable
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from ordergate.runtime.brokers.errors import (
    BrokerProtocolError,
    BrokerRejected,
    BrokerTimeout,
    BrokerUnavailable,
)
from ordergate.runtime.brokers.rithmic.errors import RithmicProtocolError
from ordergate.runtime.brokers.rithmic.protocol import (
    ClientSession,
    Completed,
    Event,
    Failed,
    ForcedOut,
    Plant,
    Pushed,
    Rejected,
    State,
    TimedOut,
)

PushHandler = Callable[[Pushed], None]


class RequestFailed(BrokerRejected):
    """The gateway answered a request with an ``rp_code`` other than success."""

    def __init__(self, template_id: int, code: str, text: str) -> None:
        super().__init__(f"{text or 'refused'} (rp_code {code}, template {template_id})")
        self.code, self.text = code, text


class PlantLink:
    def __init__(
        self,
        plant: Plant,
        uri: str,
        *,
        on_push: PushHandler,
        clock: Callable[[], float],
        timeout: float,
        ssl_context: ssl.SSLContext | None,
    ) -> None:
        self.plant = plant
        self.uri = uri
        self.session = ClientSession(plant, timeout=timeout)
        self.on_push = on_push
        self.clock = clock
        self.forced_out = False
        self.closed_reason = ""
        self._ssl = ssl_context
        self._ws: ClientConnection | None = None
        self._futures: dict[str, asyncio.Future[Completed]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self.done = asyncio.Event()

    async def open(self) -> None:
        try:
            # Real clients ping every 60 s and give up after 50 s without the pong.
            self._ws = await connect(
                self.uri,
                ssl=self._ssl if self.uri.startswith("wss") else None,
                ping_interval=60,
                ping_timeout=50,
                open_timeout=self.session.timeout,
                max_size=2**22,
            )
        except (OSError, InvalidHandshake, InvalidURI, TimeoutError) as exc:
            raise BrokerUnavailable(f"cannot reach the Rithmic gateway {self.uri}: {exc}") from None
        self._tasks = [asyncio.create_task(self._read()), asyncio.create_task(self._tick())]

    async def request(self, template_id: int, **fields: Any) -> Completed:
        key, frame = self._frame(lambda: self.session.request(template_id, self.clock(), **fields))
        return await self._await(key, frame, template_id)

    async def login(self, **fields: str) -> Completed:
        key, frame = self._frame(lambda: self.session.login(self.clock(), **fields))
        return await self._await(key, frame, 10)

    async def logout(self) -> None:
        if self.session.state is State.LOGGED_IN and self._ws is not None:
            with contextlib.suppress(Exception):
                key, frame = self.session.logout(self.clock())
                await asyncio.wait_for(self._await(key, frame, 12), 2.0)

    def _frame(self, build: Callable[[], tuple[str, bytes]]) -> tuple[str, bytes]:
        if self._ws is None or self.done.is_set():
            raise BrokerUnavailable(f"the {self.plant.name.lower()} plant is not connected")
        try:
            return build()
        except RithmicProtocolError as exc:
            raise BrokerUnavailable(f"the {self.plant.name.lower()} plant cannot send now: {exc}") from None

    async def _await(self, key: str, frame: bytes, template_id: int) -> Completed:
        future: asyncio.Future[Completed] = asyncio.get_running_loop().create_future()
        self._futures[key] = future
        assert self._ws is not None
        try:
            await self._ws.send(frame)
            # The session's own deadline answers first; this one only guards a stalled timer.
            async with asyncio.timeout(self.session.timeout + 5.0):
                return await future
        except ConnectionClosed:
            raise BrokerUnavailable(f"the {self.plant.name.lower()} plant closed") from None
        except TimeoutError:
            raise BrokerTimeout(
                f"no answer to template {template_id} within {self.session.timeout:g} s"
            ) from None
        finally:
            self._futures.pop(key, None)

    async def send_raw(self, frame: bytes) -> None:
        if self._ws is not None:
            with contextlib.suppress(ConnectionClosed):
                await self._ws.send(frame)

    def _settle(self, event: Event) -> None:
        if isinstance(event, Pushed):
            self.on_push(event)
            return
        if isinstance(event, ForcedOut):
            self.forced_out = True
            self.closed_reason = "the gateway forced a logout (another session took over)"
            return
        if isinstance(event, Rejected):
            self.on_push(Pushed(75, _Reject(event.code, event.text)))  # type: ignore[arg-type]
            return
        future = self._futures.get(event.key)
        if future is None or future.done():
            return
        if isinstance(event, Completed):
            future.set_result(event)
        elif isinstance(event, Failed):
            if event.code == "closed":
                future.set_exception(BrokerUnavailable(f"the {self.plant.name.lower()} plant closed"))
            else:
                future.set_exception(RequestFailed(event.template_id, event.code, event.text))
        elif isinstance(event, TimedOut):
            future.set_exception(
                BrokerTimeout(f"no answer to template {event.template_id} within {self.session.timeout:g} s")
            )

    async def _read(self) -> None:
        assert self._ws is not None
        try:
            async for data in self._ws:
                if isinstance(data, str):
                    continue  # R|Protocol is binary; a text frame carries nothing for us
                for event in self.session.receive(data, self.clock()):
                    self._settle(event)
                if self.forced_out:
                    break
        except ConnectionClosed:
            pass
        except RithmicProtocolError as exc:
            self.closed_reason = f"the gateway broke the protocol: {exc}"
        finally:
            self.closed_reason = self.closed_reason or "the gateway closed the connection"
            self._finish()

    def _finish(self) -> None:
        if self.session.state is not State.CLOSED:
            for event in self.session.close():
                self._settle(event)
        for future in self._futures.values():
            if not future.done():
                future.set_exception(BrokerUnavailable(self.closed_reason or "the connection closed"))
        self.done.set()

    async def _tick(self) -> None:
        """The session's one timer: deadlines and heartbeats."""
        with contextlib.suppress(ConnectionClosed):
            while not self.done.is_set():
                wakeup = self.session.next_wakeup()
                delay = 1.0 if wakeup is None else wakeup - self.clock()
                # Bounded both ways: a fake clock that stands still must not spin the loop.
                await asyncio.sleep(min(max(delay, 0.02), 1.0))
                events, frames = self.session.poll(self.clock())
                for event in events:
                    self._settle(event)
                for frame in frames:
                    await self.send_raw(frame)

    def protocol_error(self) -> BrokerProtocolError | None:
        if self.closed_reason.startswith("the gateway broke"):
            return BrokerProtocolError(self.closed_reason)
        return None

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await self._ws.close()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if not self.done.is_set():
            self._finish()


class _Reject:
    """A Reject (75) that answers no request, as the push handler sees it."""

    template_id = 75

    def __init__(self, code: str, text: str) -> None:
        self.code, self.text = code, text


def ssl_context_for(ca_file: Any) -> ssl.SSLContext | None:
    """Trust the system roots, or only ``ca_file`` (a simulator's own certificate)."""
    if not ca_file:
        return ssl.create_default_context()
    return ssl.create_default_context(cafile=str(ca_file))
