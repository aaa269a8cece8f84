"""The event stream: decisions, fills, breaches, locks, status changes and reloads.

Theory of operation. Publishing is on the order path, so it costs the same with 0 or
500 subscribers: an event is encoded to its SSE frame once and appended to one shared
log. A subscriber is a cursor into that log; when woken, it writes everything from its
cursor to the end in one chunk, so many events cost it one wake-up and one write.

Fan-out is paced so that it stays off the order path's tail. A write to a client
costs the server tens of microseconds of Python and a kernel copy of its bytes, so
waking 500 subscribers at once would hold the event loop for ~20 ms, and every order
arriving meanwhile would wait behind them. Instead, while anyone has frames to read,
a tick wakes the next group of ``GROUP_SIZE`` subscribers in turn, and the ticks are
spread over the flush interval: each subscriber is woken once per interval, and an
order waits behind one group's writes at most. The interval grows with the subscriber
count (``SECONDS_PER_SUBSCRIBER``, never under ``FLUSH_SECONDS``), so writes per
second, and with them the fan-out's share of the loop, stay bounded whatever the
count: with 500 subscribers a tick of 25 comes every 7.5 ms and events are at most
~150 ms old, which a person watching a dashboard does not notice. The subscribers of
a group share a cursor, so their chunk is joined once (``chunk``).

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

import orjson

from ordergate.policy.quick_init import quick_init

LOG_SIZE = 2000  # frames a subscriber may fall behind before it is dropped
FLUSH_SECONDS = 0.02  # events are written in batches at most this old
KEEPALIVE_SECONDS = 15.0
MAX_SUBSCRIBERS = 1000
GROUP_SIZE = 25  # subscribers woken by one tick
SECONDS_PER_SUBSCRIBER = 0.0003  # the flush interval's growth with the subscriber count
KEEPALIVE_FRAME = b": keepalive\n\n"


@quick_init
@dataclass(frozen=True, slots=True)
class Event:
    id: int
    type: str
    data: dict[str, Any]
    frame: bytes = field(default=b"", compare=False, repr=False)

    @classmethod
    def encoded(cls, id_: int, type_: str, data: dict[str, Any]) -> Event:
        return cls(id_, type_, data, _frame(id_, type_, data))

    def sse(self) -> str:
        return (self.frame or _frame(self.id, self.type, self.data)).decode()


def _frame(id_: int, type_: str, data: dict[str, Any]) -> bytes:
    return f"id: {id_}\nevent: {type_}\ndata: ".encode() + _json(data) + b"\n\n"


# Publishing is on the order path: orjson writes an event's data in a tenth of the time.
# Datetimes and dataclasses are passed to ``str`` as the standard library's ``default=str``
# did, so every event reads as it did; what orjson refuses (an integer beyond 64 bits)
# is written by the standard library.
_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def _json(data: dict[str, Any]) -> bytes:
    try:
        return orjson.dumps(data, default=str, option=_OPTIONS)
    except TypeError:
        return json.dumps(data, default=str).encode()


class TooManySubscribers(Exception):
    """The subscriber cap is reached; the API answers 503."""


class Subscription:
    """One subscriber's cursor into the bus's log."""

    __slots__ = ("_bus", "_woken", "cursor", "dropped", "lagged", "on_drop")

    def __init__(self, bus: EventBus, cursor: int) -> None:
        self._bus = bus
        self.cursor = cursor
        self.dropped = False
        self.lagged = False
        self._woken: asyncio.Future[None] | None = None  # set while it waits for its tick
        # called once when the bus drops it for lagging: the writer may be stuck in a
        # write to a client that stopped reading, and only its owner can cut that off
        self.on_drop: Callable[[], None] | None = None

    def close(self) -> None:
        """The client went away: end the stream without counting it as lagging."""
        self._bus.drop(self, lagged=False)

    def wake(self) -> None:
        if self._woken is not None and not self._woken.done():
            self._woken.set_result(None)

    async def next_chunk(self) -> bytes | None:
        """The frames published since the last call, waiting for this subscriber's next
        tick when there are none; None once it has been dropped or the bus closed."""
        bus = self._bus
        while True:
            if self.dropped:
                return None
            if self.cursor < bus.base:  # fell out of the log while writing the last chunk
                bus.drop(self, lagged=True)
                return None
            if self.cursor < bus.end:
                chunk = bus.chunk(self.cursor)
                self.cursor = bus.end
                return chunk
            self._woken = asyncio.get_running_loop().create_future()
            try:
                await self._woken
            finally:
                self._woken = None


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
        # in the order they joined, which is the order the ticks wake them in
        self.subscribers: dict[Subscription, None] = {}
        self.dropped = 0  # subscribers dropped for falling behind, ever
        self._turn = 0  # where in ``subscribers`` the next tick starts
        self._due = 0  # wake-ups still owed since the last frame: each subscriber one
        self._tick: asyncio.TimerHandle | None = None
        self._keepalive: asyncio.TimerHandle | None = None
        self._joined: tuple[int, int, bytes] = (0, 0, b"")  # the last chunk: from, to, bytes

    @property
    def end(self) -> int:
        """The number the next frame will have."""
        return self.base + len(self.log)

    def chunk(self, cursor: int) -> bytes:
        """The frames from ``cursor`` to the end, joined once for all who ask alike."""
        start, end, joined = self._joined
        if (start, end) != (cursor, self.end):
            joined = b"".join(self.log[cursor - self.base :])
            self._joined = (cursor, self.end, joined)
        return joined

    def publish(self, type_: str, data: dict[str, Any]) -> Event:
        # encoded only for a subscriber to read: with none, nothing ever writes the frame
        if self.subscribers:
            event = Event.encoded(next(self._ids), type_, data)
            self._append(event.frame)
        else:
            event = Event(next(self._ids), type_, data)
        self.recent.append(event)
        if len(self.recent) > 200:
            del self.recent[:100]
        return event

    def _append(self, frame: bytes) -> None:
        self.log.append(frame)
        if len(self.log) > 2 * self.log_size:
            self._trim()
        self._due = len(self.subscribers)
        if self._tick is None:
            self._tick = asyncio.get_running_loop().call_later(self._tick_seconds(), self._wake_next)

    def _groups(self) -> int:
        return max(1, -(-len(self.subscribers) // GROUP_SIZE))

    def _tick_seconds(self) -> float:
        interval = max(self.flush_seconds, len(self.subscribers) * SECONDS_PER_SUBSCRIBER)
        return interval / self._groups()

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
        self._remove(sub)
        sub.wake()  # it may be waiting for its tick; it must see that it is dropped
        if lagged:
            sub.lagged = True
            self.dropped += 1
            if sub.on_drop is not None:
                sub.on_drop()

    def end_all(self) -> None:
        """End every subscriber's stream, as at shutdown: a stream never ends by itself,
        and the server waits for open connections before it stops."""
        for sub in list(self.subscribers):
            self.drop(sub, lagged=False)

    def _remove(self, sub: Subscription) -> None:
        if sub not in self.subscribers:
            return
        # the ones after it move up a place: none may be skipped in this round
        if list(self.subscribers).index(sub) < self._turn:
            self._turn -= 1  # it was woken in this round already
        else:
            self._due -= 1  # it is no longer owed its wake-up
        del self.subscribers[sub]

    def _wake_next(self) -> None:
        """One tick: wake the next group, and tick again until every subscriber has
        been woken once since the last frame."""
        self._tick = None
        subs = list(self.subscribers)
        if not subs:
            return
        turn = self._turn % len(subs)
        wrapped = max(0, min(turn, turn + GROUP_SIZE - len(subs)))  # from the list's start
        group = subs[turn : turn + GROUP_SIZE] + subs[:wrapped]
        for sub in group:  # consecutive ticks wake consecutive groups, round the list
            sub.wake()
        self._turn = (turn + GROUP_SIZE) % len(subs)
        self._due -= len(group)
        if self._due > 0:
            self._tick = asyncio.get_running_loop().call_later(self._tick_seconds(), self._wake_next)

    def _beat(self) -> None:
        self._keepalive = None
        if self.subscribers:
            if self._tick is None:  # nothing published lately: keep them alive
                self._append(KEEPALIVE_FRAME)
            self._keepalive = asyncio.get_running_loop().call_later(self.keepalive_seconds, self._beat)

    @contextlib.asynccontextmanager
    async def subscribe(self) -> AsyncIterator[Subscription]:
        if len(self.subscribers) >= self.max_subscribers:
            raise TooManySubscribers(f"{self.max_subscribers} event subscribers are connected already")
        sub = Subscription(self, self.end)
        self.subscribers[sub] = None
        if self._keepalive is None:
            self._keepalive = asyncio.get_running_loop().call_later(self.keepalive_seconds, self._beat)
        try:
            yield sub
        finally:
            self._remove(sub)
            if not self.subscribers:
                self.log.clear()  # nobody reads it: the cursors restart from here
                self.base = 0
                self._joined = (0, 0, b"")
                if self._keepalive is not None:
                    self._keepalive.cancel()
                    self._keepalive = None
