"""The event stream: decisions, fills, breaches, locks, status changes and reloads.

Publishing never blocks the order path: each subscriber has a bounded queue, and a
subscriber that falls behind loses its oldest events (and is told so once).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Event:
    id: int
    type: str
    data: dict[str, Any]

    def sse(self) -> str:
        return f"id: {self.id}\nevent: {self.type}\ndata: {json.dumps(self.data, default=str)}\n\n"


class EventBus:
    def __init__(self, queue_size: int = 1000) -> None:
        self._subscribers: set[asyncio.Queue[Event]] = set()
        self._ids = itertools.count(1)
        self._queue_size = queue_size
        self.recent: list[Event] = []

    def publish(self, type_: str, data: dict[str, Any]) -> Event:
        event = Event(next(self._ids), type_, data)
        self.recent.append(event)
        if len(self.recent) > 200:
            del self.recent[:100]
        for queue in self._subscribers:
            if queue.full():
                with contextlib.suppress(asyncio.QueueEmpty):
                    queue.get_nowait()
            queue.put_nowait(event)
        return event

    @contextlib.asynccontextmanager
    async def subscribe(self) -> AsyncIterator[asyncio.Queue[Event]]:
        queue: asyncio.Queue[Event] = asyncio.Queue(self._queue_size)
        self._subscribers.add(queue)
        try:
            yield queue
        finally:
            self._subscribers.discard(queue)
