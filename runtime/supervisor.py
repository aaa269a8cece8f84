"""Supervising one broker connection: connect, watch the heartbeat, reconnect.

The supervisor owns the adapter's lifecycle (``lifecycle.TRANSITIONS``). It connects;
while connected it runs the adapter's receive loop and a watchdog that marks the
connection stale when no heartbeat came for ``stale_after`` seconds; when the link
drops it waits an exponential backoff with jitter and tries again. A refusal by the
broker (BrokerRefused) stops retrying until a person reconnects.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable
from typing import Any

from ordergate.runtime.brokers.base import BrokerAdapter, BrokerEvents
from ordergate.runtime.errors import BrokerRefused, BrokerUnavailable
from ordergate.runtime.lifecycle import next_state

log = logging.getLogger("ordergate.connections")
StatusListener = Callable[[str, str, str | None], None]  # (connection, status, detail)


class Supervisor:
    def __init__(
        self,
        adapter: BrokerAdapter,
        on_status: StatusListener,
        *,
        stale_after: float = 60.0,
        backoff_base: float = 0.5,
        backoff_cap: float = 30.0,
        connect_timeout: float = 10.0,
        rng: random.Random | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        watch_every: float | None = None,
    ) -> None:
        self.adapter = adapter
        self.on_status = on_status
        self.stale_after = stale_after
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.connect_timeout = connect_timeout
        self.rng = rng or random.Random()
        self.monotonic = monotonic  # injected: a test moves it 60 s on without waiting
        self.watch_every = watch_every if watch_every is not None else max(stale_after / 4, 0.01)
        self.state = "disconnected"
        self.detail: str | None = None
        self.attempts = 0
        self.last_heartbeat: float | None = None
        self.last_heartbeat_at: float | None = None  # wall clock, for people
        self._task: asyncio.Task[None] | None = None
        self._connected = asyncio.Event()
        adapter.events = _HeartbeatTap(adapter.events, self.heartbeat)

    # ---- state

    def _event(self, event: str, detail: str | None = None) -> None:
        new = next_state(self.state, event)
        changed = new != self.state
        self.state = new
        self.adapter.status = new
        if detail is not None or new == "connected":
            self.detail = detail  # the last problem stays visible while retrying
        if changed:
            self.on_status(self.adapter.name, new, self.detail)

    def heartbeat(self) -> None:
        self.last_heartbeat = self.monotonic()
        self.last_heartbeat_at = time.time()
        if self.state == "stale":
            self._event("heartbeat")

    def backoff(self, attempt: int) -> float:
        delay = min(self.backoff_cap, self.backoff_base * 2.0**attempt)
        return delay * self.rng.uniform(0.5, 1.5)  # jitter keeps many connections from retrying in step

    # ---- running

    def start(self) -> None:
        if self._task is None or self._task.done():
            if self.state == "error":
                self._event("start")
            self._task = asyncio.create_task(self._run(), name=f"connection-{self.adapter.name}")

    async def wait_connected(self, seconds: float) -> bool:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._connected.wait(), seconds)
        return self.state in ("connected", "stale")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._task = None
        self._connected.clear()
        with contextlib.suppress(Exception):
            await self.adapter.disconnect()
        if self.state != "error":
            self._event("stop")

    async def _run(self) -> None:
        while True:
            if self.state == "disconnected":
                self._event("start" if self.attempts == 0 else "retry")
            try:
                await asyncio.wait_for(self.adapter.connect(), self.connect_timeout)
            except BrokerRefused as exc:
                with contextlib.suppress(Exception):
                    await self.adapter.disconnect()
                self._event("refused", str(exc))
                self._connected.set()
                return
            except (BrokerUnavailable, OSError, TimeoutError) as exc:
                with contextlib.suppress(Exception):
                    await self.adapter.disconnect()  # a timed-out attempt may hold a half-open socket
                self._event("failed", _reason(exc))
                await self._sleep_backoff()
                continue
            self.attempts = 0
            self.heartbeat()
            self._event("up")
            self._connected.set()
            watchdog = asyncio.create_task(self._watch_heartbeat())
            try:
                await self.adapter.serve()
                reason = "the broker closed the connection"
            except BrokerRefused as exc:
                self._event("refused", str(exc))
                return
            except (BrokerUnavailable, OSError) as exc:
                reason = _reason(exc)
            finally:
                watchdog.cancel()
                with contextlib.suppress(Exception):
                    await self.adapter.disconnect()
            self._connected.clear()
            self._event("dropped", reason)
            await self._sleep_backoff()

    async def _sleep_backoff(self) -> None:
        delay = self.backoff(self.attempts)
        self.attempts += 1
        log.info("connection %s: retrying in %.2fs (attempt %d)", self.adapter.name, delay, self.attempts)
        await asyncio.sleep(delay)

    async def _watch_heartbeat(self) -> None:
        while True:
            await asyncio.sleep(self.watch_every)
            last, now = self.last_heartbeat, self.monotonic()
            if last is not None and now - last > self.stale_after and self.state == "connected":
                self._event("heartbeat_lost", f"no heartbeat for {now - last:.0f}s")


class _HeartbeatTap:
    """The adapter's events with the supervisor listening to the heartbeats."""

    def __init__(self, inner: BrokerEvents, beat: Callable[[], None]) -> None:
        self._inner = inner
        self._beat = beat
        self.on_order = inner.on_order
        self.on_fill = inner.on_fill
        self.on_positions = inner.on_positions
        self.on_balance = inner.on_balance
        self.on_quote = inner.on_quote

    def on_heartbeat(self) -> None:
        self._beat()
        self._inner.on_heartbeat()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)  # optional events (on_refused_quote) pass through


def _reason(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "timed out"
    return str(exc) or type(exc).__name__
