"""The event stream: decisions, fills, breaches, locks, status changes and reloads.

Theory of operation. Publishing is on the order path, so it costs the same with 0 or
500 subscribers: an event is encoded to its SSE frame once, appended to one shared
log, and a flush is scheduled (at most one at a time). A subscriber is a cursor into
that log. Each flush wakes every subscriber once, and each writes everything from its
cursor to the end in one chunk: many events cost a subscriber one wake-up and one
write per flush, not one per event.

The log is bounded (``LOG_SIZE`` frames kept behind the newest). A subscriber whose
cursor falls out of it (it stopped reading, so its socket's buffer filled and its
write never returned) is dropped: its stream ends and ``dropped`` counts it. At most
``max_subscribers`` subscribe at once; ``subscribe`` refuses the next one with
``TooManySubscribers``. Every ``KEEPALIVE_SECONDS`` without events a comment frame
keeps proxies from closing idle streams.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

LOG_SIZE = 2000  # frames a subscriber may fall behind before it is dropped
FLUSH_SECONDS = 0.02  # events are written in batches at most this old
KEEPALIVE_SECONDS = 15.0
MAX_SUBSCRIBERS = 1000
KEEPALIVE_FRAME = b": keepalive\n\n"


@dataclass(frozen=True, slots=True)
class Event:
    id: int
    type: str
    data: dict[str, Any]
    frame: bytes = field(default=b"", compare=False, repr=False)

    @classmethod
    def encoded(cls, id_: int, type_: str, data: dict[str, Any]) -> Event:
        frame = f"id: {id_}\nevent: {type_}\ndata: {json.dumps(data, default=str)}\n\n".encode()
        return cls(id_, type_, data, frame)

    def sse(self) -> str:
        return self.frame.decode()


class TooManySubscribers(Exception):
    """The subscriber cap is reached; the API answers 503."""


class Subscription:
    """One subscriber's cursor into the bus's log."""

    __slots__ = ("_bus", "cursor", "dropped", "lagged", "on_drop")

    def __init__(self, bus: EventBus, cursor: int) -> None:
        self._bus = bus
        self.cursor = cursor
        self.dropped = False
        self.lagged = False
        # called once when the bus drops it for lagging: the writer may be stuck in a
        # write to a client that stopped reading, and only its owner can cut that off
        self.on_drop: Callable[[], None] | None = None

    def close(self) -> None:
        """The client went away: end the stream without counting it as lagging."""
        self._bus.drop(self, lagged=False)

    async def next_chunk(self) -> bytes | None:
        """The frames published since the last call, waiting for the next flush when
        there are none; None once this subscriber has been dropped or the bus closed."""
        bus = self._bus
        while True:
            if self.dropped:
                return None
            start = self.cursor - bus.base
            if start < 0:  # fell out of the log while writing the last chunk
                bus.drop(self, lagged=True)
                return None
            if start < len(bus.log):
                chunk = b"".join(bus.log[start:])
                self.cursor = bus.base + len(bus.log)
                return chunk
            await bus.flushed.wait()


class EventBus:
    def __init__(
        self,
        queue_size: int = LOG_SIZE,
        *,
        max_subscribers: int = MAX_SUBSCRIBERS,
        flush_seconds: float = FLUSH_SECONDS,
        keepalive_seconds: float = KEEPALIVE_SECONDS,
    ) -> None:
        self._ids = itertools.count(1)
        self.recent: list[Event] = []
        self.log: list[bytes] = []  # frames; log[i] is number base + i
        self.base = 0
        self.log_size = queue_size
        self.max_subscribers = max_subscribers
        self.flush_seconds = flush_seconds
        self.keepalive_seconds = keepalive_seconds
        self.subscribers: set[Subscription] = set()
        self.dropped = 0  # subscribers dropped for falling behind, ever
        self.flushed = asyncio.Event()  # replaced by a fresh one at each flush
        self._flush: asyncio.TimerHandle | None = None
        self._keepalive: asyncio.TimerHandle | None = None

    def publish(self, type_: str, data: dict[str, Any]) -> Event:
        event = Event.encoded(next(self._ids), type_, data)
        self.recent.append(event)
        if len(self.recent) > 200:
            del self.recent[:100]
        if self.subscribers:
            self._append(event.frame)
        return event

    def _append(self, frame: bytes) -> None:
        self.log.append(frame)
        if len(self.log) > 2 * self.log_size:
            self._trim()
        if self._flush is None:
            self._flush = asyncio.get_running_loop().call_later(self.flush_seconds, self._wake)

    def _trim(self) -> None:
        cut = len(self.log) - self.log_size
        del self.log[:cut]
        self.base += cut
        for sub in list(self.subscribers):
            if sub.cursor < self.base:  # it has not read for LOG_SIZE events: it is stuck
                self.drop(sub, lagged=True)

    def drop(self, sub: Subscription, *, lagged: bool) -> None:
        if sub.dropped:
            return
        sub.dropped = True
        self.subscribers.discard(sub)
        self._wake()  # it may be waiting for a flush; it must see that it is dropped
        if lagged:
            sub.lagged = True
            self.dropped += 1
            if sub.on_drop is not None:
                sub.on_drop()

    def _wake(self) -> None:
        if self._flush is not None:
            self._flush.cancel()
        self._flush = None
        flushed, self.flushed = self.flushed, asyncio.Event()
        flushed.set()

    def _beat(self) -> None:
        self._keepalive = None
        if self.subscribers:
            if self._flush is None:  # nothing published since the last beat: keep them alive
                self._append(KEEPALIVE_FRAME)
            self._keepalive = asyncio.get_running_loop().call_later(self.keepalive_seconds, self._beat)

    @contextlib.asynccontextmanager
    async def subscribe(self) -> AsyncIterator[Subscription]:
        if len(self.subscribers) >= self.max_subscribers:
            raise TooManySubscribers(f"{self.max_subscribers} event subscribers are connected already")
        sub = Subscription(self, self.base + len(self.log))
        self.subscribers.add(sub)
        if self._keepalive is None:
            self._keepalive = asyncio.get_running_loop().call_later(self.keepalive_seconds, self._beat)
        try:
            yield sub
        finally:
            self.subscribers.discard(sub)
            if not self.subscribers:
                self.log.clear()  # nobody reads it: the cursors restart from here
                self.base = 0
                if self._keepalive is not None:
                    self._keepalive.cancel()
                    self._keepalive = None
