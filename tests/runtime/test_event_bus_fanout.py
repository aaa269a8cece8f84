"""The event bus's paced fan-out (runtime/events.py, issue 8 item 13): subscribers are
woken a group per tick, every one of them once per round, each chunk joined once."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator, Callable

import pytest

from ordergate.runtime.events import GROUP_SIZE, EventBus, Subscription

pytestmark = pytest.mark.anyio


class Watch:
    """Counts the bus's ticks, and lets a test wait for what the readers get."""

    def __init__(self, bus: EventBus) -> None:
        self.ticks = 0
        self.changed = asyncio.Event()  # set at each tick and each chunk read
        wake_next = bus._wake_next

        def counted() -> None:
            self.ticks += 1
            self.changed.set()
            wake_next()

        bus._wake_next = counted  # type: ignore[method-assign]

    async def until(self, done: Callable[[], bool]) -> None:
        async with asyncio.timeout(5):
            while not done():
                self.changed.clear()
                await self.changed.wait()

    async def settled(self, group: list[Reader], last_id: int) -> None:
        await self.until(lambda: all(r.ids() and r.ids()[-1] == last_id for r in group))


class Reader:
    """A subscriber that keeps every chunk it gets and the tick that woke it."""

    def __init__(self, bus: EventBus, watch: Watch) -> None:
        self.chunks: list[bytes] = []
        self.woken_at: list[int] = []
        self._bus = bus
        self._watch = watch
        self._stack = contextlib.AsyncExitStack()
        self._task: asyncio.Task[None] | None = None
        self.sub: Subscription | None = None

    async def start(self) -> None:
        self.sub = await self._stack.enter_async_context(self._bus.subscribe())
        self._task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.sub is not None
        while (chunk := await self.sub.next_chunk()) is not None:
            self.chunks.append(chunk)
            self.woken_at.append(self._watch.ticks)
            self._watch.changed.set()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self._stack.aclose()

    def ids(self) -> list[int]:
        text = b"".join(self.chunks).decode()
        return [int(line[4:]) for line in text.splitlines() if line.startswith("id: ")]


@contextlib.asynccontextmanager
async def readers(bus: EventBus, n: int) -> AsyncIterator[tuple[list[Reader], Watch]]:
    watch = Watch(bus)
    group = [Reader(bus, watch) for _ in range(n)]
    for reader in group:
        await reader.start()
    await asyncio.sleep(0)  # each reader runs up to its first wait for a tick
    try:
        yield group, watch
    finally:
        for reader in group:
            await reader.stop()


async def test_subscribers_are_woken_a_group_per_tick_and_all_within_one_round() -> None:
    bus = EventBus()
    async with readers(bus, 110) as (group, watch):
        event = bus.publish("note", {"n": 1})
        await watch.settled(group, event.id)
        per_tick = Counter(r.woken_at[0] for r in group)
    assert sorted(per_tick.values()) == [10, 25, 25, 25, 25]
    assert sorted(per_tick) == [1, 2, 3, 4, 5]  # one round of ceil(110 / 25) ticks


async def test_a_group_shares_one_joined_chunk() -> None:
    bus = EventBus()
    async with readers(bus, 2 * GROUP_SIZE) as (group, watch):
        for n in range(5):
            last = bus.publish("note", {"n": n})
        await watch.settled(group, last.id)
        first_group = [r.chunks[0] for r in group[:GROUP_SIZE]]
    assert all(chunk is first_group[0] for chunk in first_group)


async def test_every_subscriber_gets_every_event_once_in_order_while_events_keep_coming() -> None:
    bus = EventBus()
    async with readers(bus, 120) as (group, watch):
        ids = []
        for n in range(300):
            ids.append(bus.publish("note", {"n": n}).id)
            if n % 7 == 0:
                await asyncio.sleep(0.002)  # publishing spans many ticks and rounds
        await watch.settled(group, ids[-1])
    assert all(r.ids() == ids for r in group)


async def test_subscribers_leaving_mid_round_make_no_one_miss_the_round() -> None:
    bus = EventBus()
    async with readers(bus, 80) as (group, watch):
        event = bus.publish("note", {"n": 1})
        await watch.until(lambda: watch.ticks == 2)  # two of the round's four groups are woken
        leaving = group[:10]  # from the part of the list the round has passed
        for reader in leaving:
            await reader.stop()
        staying = group[10:]
        await watch.settled(staying, event.id)
        assert all(r.ids() == [event.id] for r in staying)


async def test_a_chunk_joined_before_the_log_restarts_is_not_served_after_it() -> None:
    bus = EventBus()
    async with readers(bus, 1) as (group, watch):
        first = bus.publish("note", {"n": "before"})
        await watch.settled(group, first.id)
    # nobody subscribed: the log restarted at 0, so the same cursors come round again
    async with readers(bus, 1) as (group, watch):
        second = bus.publish("note", {"n": "after"})
        await watch.settled(group, second.id)
        assert group[0].ids() == [second.id] and b"after" in group[0].chunks[0]


async def test_the_pace_of_a_round_grows_with_the_subscribers_and_a_tick_stays_short() -> None:
    bus = EventBus()
    async with readers(bus, 500) as (group, watch):
        assert bus._groups() == 20
        assert bus._tick_seconds() == pytest.approx(500 * 0.0003 / 20)  # 7.5 ms
        event = bus.publish("note", {"n": 1})
        began = asyncio.get_running_loop().time()
        await watch.settled(group, event.id)
        took = asyncio.get_running_loop().time() - began
    assert 0.1 < took < 1.0  # a round of 20 ticks, 150 ms, give or take the machine


async def test_an_event_nobody_subscribes_to_reads_as_it_would_have_been_written() -> None:
    bus = EventBus()
    unread = bus.publish("fill", {"account": "PAPER-1", "price": 6000.25, "qty": 1})
    async with bus.subscribe():
        read = bus.publish("fill", {"account": "PAPER-1", "price": 6000.25, "qty": 1})
    assert unread.frame == b""  # never encoded: no one was there to read it
    assert unread.sse() == read.sse().replace(f"id: {read.id}", f"id: {unread.id}")
    assert read.sse().endswith('data: {"account":"PAPER-1","price":6000.25,"qty":1}\n\n')
    assert [e.id for e in bus.recent] == [unread.id, read.id] == [unread.id, unread.id + 1]
