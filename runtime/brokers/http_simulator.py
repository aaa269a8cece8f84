"""Serving an HTTP/WebSocket simulator (ProjectX, Tradovate) on 127.0.0.1.

Both speak REST plus WebSockets through one ASGI app; this starts uvicorn for it on a
port (0 for any free one), waits until it listens, and stops it. The protocols keep
their links alive with their own messages, so uvicorn's WebSocket pings are off.
"""

from __future__ import annotations

import asyncio
import contextlib

import uvicorn
from starlette.types import ASGIApp


class LoopbackHttpServer:
    def __init__(self, app: ASGIApp, name: str) -> None:
        self._app = app
        self._name = name
        self.port = 0
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self, port: int) -> int:
        """Listen on 127.0.0.1:``port``; the port it listens on."""
        config = uvicorn.Config(
            self._app,
            host="127.0.0.1",
            port=port,
            lifespan="off",
            log_level="warning",
            ws="websockets-sansio",
            ws_max_size=1 << 20,
            ws_ping_interval=None,
        )
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve())
        while not self._server.started:
            if self._task.done():
                self._task.result()  # raises what stopped it (the port is taken)
                raise OSError(f"the {self._name} simulator could not listen on 127.0.0.1:{port}")
            await asyncio.sleep(0.01)
        self.port = int(self._server.servers[0].sockets[0].getsockname()[1])
        return self.port

    async def stop(self) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
