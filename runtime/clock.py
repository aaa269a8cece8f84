"""Time for the runtime: injected, so tests can jump to the next deadline.

Nothing in the runtime calls ``datetime.now`` directly; it asks its Clock. The
monitor's time-driven work takes ``now`` as an argument, so a test advances a
FakeClock and calls it, and a six-hour lock expires in microseconds.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...
    def timestamp(self) -> float: ...  # ``now()`` as POSIX seconds, for the broker adapters
    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    # an adapter reads it several times an order: the C function itself, not a datetime
    # made only to be turned into seconds
    timestamp = staticmethod(time.time)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self, start: datetime) -> None:
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def timestamp(self) -> float:
        return self._now.timestamp()

    def set(self, when: datetime) -> None:
        self._now = when.astimezone(UTC)

    def advance(self, **delta: float) -> datetime:
        self._now += timedelta(**delta)
        return self._now

    async def sleep(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)
        await asyncio.sleep(0)
