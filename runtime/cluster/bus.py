"""Cluster-wide notices over PostgreSQL LISTEN/NOTIFY.

One dedicated connection listens on the ``ordergate`` channel from the runtime's loop;
a notice is ``{"kind": ..., "origin": instance id, ...}`` as JSON and reaches every
listening instance, the sender included (which ignores its own). A notice is a hint to
act now, never the state itself: what it announces is already committed, so an instance
that missed one (its listening connection dropped) loses only promptness, and the
listener reconnects on its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type hints

from ordergate.runtime.cluster.db import connect
from ordergate.runtime.cluster.errors import ClusterError

CHANNEL = "ordergate"
RECONNECT_SECONDS = 1.0
Handler = Callable[[dict[str, Any]], Awaitable[None]]
log = logging.getLogger("ordergate.cluster")


class NoticeBus:
    def __init__(self, url: str, ident: str, pool: asyncpg.Pool) -> None:
        self.url = url
        self.ident = ident
        self.pool = pool
        self.handlers: dict[str, Handler] = {}
        self._conn: asyncpg.Connection | None = None
        self._lost = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._pending: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        await self._listen()
        self._task = asyncio.create_task(self._keep_listening(), name="cluster-listen")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        for task in list(self._pending):
            task.cancel()
        await asyncio.gather(*self._pending, return_exceptions=True)
        if self._conn is not None:
            with contextlib.suppress(Exception):
                await self._conn.close()
            self._conn = None

    async def publish(self, kind: str, **fields: Any) -> None:
        payload = json.dumps({"kind": kind, "origin": self.ident, **fields})
        await self.pool.execute("SELECT pg_notify($1, $2)", CHANNEL, payload)

    async def _listen(self) -> None:
        conn = await connect(self.url)
        self._lost.clear()
        conn.add_termination_listener(lambda _c: self._lost.set())
        await conn.add_listener(CHANNEL, self._on_notice)
        self._conn = conn

    async def _keep_listening(self) -> None:
        while True:
            await self._lost.wait()
            log.warning("cluster notices: the listening connection dropped; reconnecting")
            while True:
                await asyncio.sleep(RECONNECT_SECONDS)
                try:
                    await self._listen()
                    break
                except ClusterError as exc:
                    log.warning("cluster notices: %s", exc)

    def _on_notice(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        try:
            notice = json.loads(payload)
        except ValueError:
            log.warning("cluster notices: a notice that is not JSON was ignored")
            return
        if not isinstance(notice, dict) or notice.get("origin") == self.ident:
            return
        handler = self.handlers.get(str(notice.get("kind")))
        if handler is None:
            return
        task = asyncio.get_running_loop().create_task(self._run(handler, notice))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    @staticmethod
    async def _run(handler: Handler, notice: dict[str, Any]) -> None:
        try:
            await handler(notice)
        except Exception:  # one bad notice must not stop the listener
            log.exception("cluster notice %s failed", notice.get("kind"))
