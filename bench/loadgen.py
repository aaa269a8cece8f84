"""A lean HTTP/1.1 load generator for the runtime benchmark.

The figure the benchmark reports is the runtime's latency, so the client must cost
little and hide nothing:

- requests go over a pool of keep-alive connections on plain asyncio streams, not a
  general-purpose client whose own per-request work (and, with a backlog, its pool's
  bookkeeping) would land in the measurement;
- arrivals are open-loop at a steady rate: a request never waits for an earlier
  answer before it is sent, so a stall in the runtime shows in the latency of every
  request that arrives during it instead of quietly delaying them (coordinated
  omission). Waiting for a free connection counts as latency too. How late the
  client itself dispatched requests is reported beside the figure, so a client
  hiccup is never mistaken for the runtime's.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @property
    def usable(self) -> bool:
        # the server closes idle keep-alive connections; a closed one is never reused,
        # so a request is never sent twice
        return not (self.reader.at_eof() or self.writer.is_closing())

    def close(self) -> None:
        self.writer.close()


class HttpPool:
    """Keep-alive HTTP/1.1 connections to one server, at most ``size`` at a time."""

    def __init__(self, host: str, port: int, token: str, size: int = 32) -> None:
        self._host = host
        self._port = port
        self._auth = f"Authorization: Bearer {token}\r\n".encode()
        # taken oldest first, so every connection stays busy: one left idle past the
        # server's keep-alive timeout could be closed under a request just sent on it
        self._idle: deque[_Connection] = deque()
        self._free = asyncio.Semaphore(size)
        self._open: set[_Connection] = set()

    async def _take(self) -> _Connection:
        while self._idle:
            conn = self._idle.popleft()
            if conn.usable:
                return conn
            self._drop(conn)
        reader, writer = await asyncio.open_connection(self._host, self._port)
        conn = _Connection(reader, writer)
        self._open.add(conn)
        return conn

    def _drop(self, conn: _Connection) -> None:
        conn.close()
        self._open.discard(conn)

    async def request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        """One request; returns (status, decoded JSON body)."""
        payload = b"" if body is None else json.dumps(body).encode()
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {self._host}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(payload)}\r\n"
        ).encode()
        async with self._free:
            conn = await self._take()
            try:
                conn.writer.write(head + self._auth + b"\r\n" + payload)
                status, length, keep_alive = _parse_head(await conn.reader.readuntil(b"\r\n\r\n"))
                data = await conn.reader.readexactly(length)
            except BaseException:
                self._drop(conn)
                raise
            if keep_alive:
                self._idle.append(conn)
            else:
                self._drop(conn)
        return status, json.loads(data) if data else None

    async def close(self) -> None:
        for conn in list(self._open):
            self._drop(conn)
            await conn.writer.wait_closed()


def _parse_head(head: bytes) -> tuple[int, int, bool]:
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    length, keep_alive = 0, True
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"connection" and value.strip().lower() == b"close":
            keep_alive = False
    return status, length, keep_alive


async def open_loop(
    rate: float, seconds: float, send: Callable[[int], Awaitable[object]]
) -> tuple[list[float], int, float]:
    """Call ``send(i)`` for request i at its due time, ``rate`` per second, for ``seconds``.

    Returns each answered request's latency (seconds from its dispatch to its answer),
    how many raised, and the client's worst dispatch lag behind the schedule.
    """
    latencies: list[float] = []
    errors = 0
    worst_lag = 0.0
    tasks: set[asyncio.Task[None]] = set()
    start = time.perf_counter()

    async def one(i: int) -> None:
        nonlocal errors
        t0 = time.perf_counter()
        try:
            await send(i)
        except Exception:
            errors += 1
            return
        latencies.append(time.perf_counter() - t0)

    for i in range(int(rate * seconds)):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        worst_lag = max(worst_lag, time.perf_counter() - due)
        task = asyncio.create_task(one(i))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    await asyncio.gather(*tasks)
    return latencies, errors, worst_lag


class Dashboard:
    """One ``GET /v1/events`` subscriber on a plain asyncio stream that reads the way a
    dashboard does: it wakes every ``every`` seconds and takes what has arrived, so the
    server sees a client that is slow but keeps up, never one that reads each event the
    moment it is written.

    It counts event frames (``id:`` lines; comments such as keep-alives are not events)
    and notes whether the server ended its stream, which it does to a subscriber that
    fell too far behind.
    """

    FRAME = b"\nid: "  # every event frame starts a line with its id

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, every: float) -> None:
        self._reader = reader
        self._writer = writer
        self._every = every
        self.events = 0
        self.ended = False  # the server closed the stream, or the connection failed
        self._task: asyncio.Task[None] | None = None

    @classmethod
    async def connect(cls, host: str, port: int, token: str, every: float) -> Dashboard:
        """Subscribed once this returns: the server has answered and sent its first comment."""
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(
            f"GET /v1/events HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n\r\n".encode()
        )
        head = await reader.readuntil(b"\r\n\r\n")
        if _parse_head(head)[0] != 200:
            writer.close()
            raise ConnectionError(f"/v1/events answered {head.split(b' ', 2)[1].decode()}")
        await reader.readuntil(b": connected\n\n")
        board = cls(reader, writer, every)
        board._task = asyncio.create_task(board._read())
        return board

    async def _read(self) -> None:
        tail = b""
        try:
            while data := await self._reader.read(1 << 20):
                seen = tail + data
                self.events += seen.count(self.FRAME)
                tail = seen[-(len(self.FRAME) - 1) :]  # a frame start split across two reads
                await asyncio.sleep(self._every)
        except OSError:
            pass
        self.ended = True

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        self._writer.close()
        with contextlib.suppress(OSError):
            await self._writer.wait_closed()
