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
  hiccup is never mistaken for the runtime's;
- the client's garbage collector is set as the runtime's (``quiet_collector``): with
  Python's defaults its own collections of the requests in flight paused it for up to
  14 ms, and every answer that arrived meanwhile was counted that much later. Even so
  a full collection still came now and then (2-10 ms), so ``open_loop`` turns the
  collector off while it sends and collects once it is done: ten seconds of requests
  are a few megabytes.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import os
import sys
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any


def quiet_collector() -> None:
    """The collector as ``ordergate run`` sets it (runtime/server.py ``tune_collector``):
    what exists now frozen out of its reach, and a young collection every 10,000 net
    allocations instead of 700, so that the requests in flight die before it looks."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, *gc.get_threshold()[1:])


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

    gc.disable()  # a pause of the client's would be counted as the runtime's latency
    try:
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
    finally:
        gc.enable()
    gc.collect()
    return latencies, errors, worst_lag


class Dashboard(asyncio.BufferedProtocol):
    """One ``GET /v1/events`` subscriber that reads the way a dashboard does: it wakes
    every ``every`` seconds and takes what has arrived (up to ``READ_SIZE`` bytes), so
    the server sees a client that is slow but keeps up, never one that reads each
    event the moment it is written.

    It notes the id of the newest event it has received whole (``newest``; comments
    such as keep-alives are not events) and whether the server ended its stream, which
    it does to a subscriber that fell too far behind. The bus numbers events one by
    one and delivers each once and in order (tests/runtime/test_api_slow_clients.py),
    so the difference of two ``newest`` is the number of events received in between.
    Hundreds of dashboards read hundreds of MB/s between them, so each read lands in
    one buffer shared by all and only its last id line is looked at: no copy, no scan
    of every byte (a protocol, not a stream: a StreamReader copies every byte into
    its buffer and out again).
    """

    ID = b"\nid: "  # every event frame starts a line with its id
    SEAM = 24  # bytes on each side of a read's end that an id line cut by it spans at most
    READ_SIZE = 1 << 18
    _shared = bytearray(READ_SIZE)  # each read is counted before the next one lands

    def __init__(self, every: float) -> None:
        self._every = every
        self.newest = 0  # the id of the newest event received whole
        self.ended = False  # the server closed the stream, or the connection failed
        self._head = b""  # the response until the server's first comment
        self._tail = b""  # the end of the last read, for an id line cut by it
        self._subscribed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._transport: asyncio.Transport | None = None
        self._wake: asyncio.TimerHandle | None = None

    @classmethod
    async def connect(cls, host: str, port: int, token: str, every: float) -> Dashboard:
        """Subscribed once this returns: the server has answered and sent its first comment."""
        transport, board = await asyncio.get_running_loop().create_connection(lambda: cls(every), host, port)
        transport.write(
            f"GET /v1/events HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n\r\n".encode()
        )
        try:
            await board._subscribed
        except BaseException:
            transport.abort()
            raise
        return board

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def get_buffer(self, sizehint: int) -> bytearray:
        return self._shared

    def buffer_updated(self, nbytes: int) -> None:
        if not self._subscribed.done():
            self._head += self._shared[:nbytes]
            head, marker, rest = self._head.partition(b": connected\n\n")
            if not marker:
                return
            if _parse_head(head.split(b"\r\n\r\n", 1)[0])[0] != 200:
                self._subscribed.set_exception(
                    ConnectionError(f"/v1/events answered {head.split(b' ', 2)[1].decode()}")
                )
                return
            self._subscribed.set_result(None)
            self._tail = marker
            self._note(rest, len(rest))
        else:
            self._note(self._shared, nbytes)
        assert self._transport is not None
        self._transport.pause_reading()  # until the dashboard next wakes
        self._wake = asyncio.get_running_loop().call_later(self._every, self._transport.resume_reading)

    def _note(self, data: bytes | bytearray, n: int) -> None:
        seam = self._tail + data[: self.SEAM]
        self._newest(seam, len(seam))  # an id line cut by the end of the last read
        self._newest(data, n)
        self._tail = bytes(data[max(0, n - self.SEAM) : n])

    def _newest(self, data: bytes | bytearray, n: int) -> None:
        """Note the last id line that ends in ``data[:n]``."""
        at = n
        while (at := data.rfind(self.ID, 0, at)) >= 0:
            end = data.find(b"\n", at + len(self.ID), n)
            if end >= 0:
                self.newest = max(self.newest, int(data[at + len(self.ID) : end]))
                return

    def connection_lost(self, exc: Exception | None) -> None:
        self.ended = True
        if self._wake is not None:
            self._wake.cancel()
        if not self._subscribed.done():
            self._subscribed.set_exception(exc or ConnectionError("closed before subscribing"))

    async def close(self) -> None:
        if self._wake is not None:
            self._wake.cancel()
        if self._transport is not None:
            self._transport.abort()


class DashboardFleet:
    """``n`` Dashboards in a process of their own, with its own event loop.

    Hundreds of subscribers read hundreds of MB/s between them. In the order
    generator's process they would saturate its loop, so orders would be dispatched
    late and their answers read late, and the figure would measure the client. Here
    they share its core (the runtime has the other) at the lowest priority: the
    order generator wakes on schedule, and the dashboards read with what is left.
    One that cannot keep up is slow to read like any real client, which the runtime
    must bear; the events each one received are reported, so a starved fleet shows.

    The child speaks JSON lines: it reports its connections once, then answers each
    ``counts`` line on its stdin with every dashboard's newest event id and how many ended;
    ``close`` (or the end of stdin) closes them and ends it.
    """

    def __init__(self, proc: asyncio.subprocess.Process, connected: int, failed: list[str]) -> None:
        self._proc = proc
        self.connected = connected
        self.failed = failed  # why the ones that could not connect did not

    @classmethod
    async def start(cls, host: str, port: int, token: str, n: int, every: float) -> DashboardFleet:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            __file__,
            "dashboards",
            host,
            str(port),
            str(n),
            str(every),
            env={**os.environ, "LOADGEN_TOKEN": token},
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        hello = await cls._answer(proc)
        return cls(proc, hello["connected"], hello["failed"])

    @staticmethod
    async def _answer(proc: asyncio.subprocess.Process) -> dict[str, Any]:
        assert proc.stdout is not None
        line = await proc.stdout.readline()
        if not line:
            raise ConnectionError(f"the dashboard process ended ({await proc.wait()})")
        answer: dict[str, Any] = json.loads(line)
        return answer

    async def _ask(self, command: str) -> dict[str, Any]:
        assert self._proc.stdin is not None
        self._proc.stdin.write(command.encode() + b"\n")
        await self._proc.stdin.drain()
        return await self._answer(self._proc)

    async def counts(self) -> tuple[list[int], int]:
        """The newest event id each dashboard has received, and how many have ended."""
        answer = await self._ask("counts")
        return answer["newest"], answer["ended"]

    async def close(self) -> None:
        if self._proc.returncode is None:
            with contextlib.suppress(ConnectionError, BrokenPipeError):
                await self._ask("close")
        await self._proc.wait()


async def _fleet(host: str, port: int, token: str, n: int, every: float) -> None:
    """The child of ``DashboardFleet``: connects ``n`` dashboards, 50 at a time as
    dashboards come and go, and answers the parent's lines."""
    # below the order generator that shares this core: SCHED_IDLE runs only when it
    # does not want the core, and its wake-ups preempt the dashboards at once
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError):
        os.nice(19)
    boards: list[Dashboard] = []
    failed: list[str] = []
    for start in range(0, n, 50):
        opened = await asyncio.gather(
            *(Dashboard.connect(host, port, token, every) for _ in range(min(50, n - start))),
            return_exceptions=True,
        )
        boards += [b for b in opened if isinstance(b, Dashboard)]
        failed += [repr(e) for e in opened if not isinstance(e, Dashboard)]

    def say(answer: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()

    say({"connected": len(boards), "failed": failed})
    while (command := (await asyncio.to_thread(sys.stdin.readline)).strip()) not in ("", "close"):
        if command == "counts":
            say({"newest": [b.newest for b in boards], "ended": sum(b.ended for b in boards)})
    await asyncio.gather(*(b.close() for b in boards))
    say({"closed": len(boards)})


if __name__ == "__main__" and sys.argv[1:2] == ["dashboards"]:
    _host, _port, _n, _every = sys.argv[2:6]
    asyncio.run(_fleet(_host, int(_port), os.environ["LOADGEN_TOKEN"], int(_n), float(_every)))
