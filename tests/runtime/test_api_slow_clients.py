"""Slow, silent and many clients cannot take the API down (DESIGN 9, issue 8 item 13).

Served by the production settings (runtime/server.py api_config) on a loopback port,
with the timeouts and caps shrunk so each case takes well under a second.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import AsyncIterator

import httpx
import pytest

from ordergate.runtime.server import api_config
from ordergate.runtime.service import Runtime
from tests.runtime.conftest import TOKEN, quote, serving
from tests.runtime.test_server_protocol import closed_after

pytestmark = pytest.mark.anyio

AUTH = f"Authorization: Bearer {TOKEN}\r\n".encode()


@contextlib.asynccontextmanager
async def served(runtime: Runtime, **options: float) -> AsyncIterator[int]:
    async with serving(api_config(runtime, log_level="warning", **options)) as port:  # type: ignore[arg-type]
        yield port


async def closed_by_server(reader: asyncio.StreamReader, within: float) -> bool:
    return await closed_after(reader, within) is not None


def refused(runtime: Runtime, reason: str) -> float:
    return runtime.core.metrics.http_refused.labels(reason)._value.get()


async def test_half_open_sockets_are_closed_after_the_header_timeout(started) -> None:
    async with served(started, header_timeout=0.3) as port:
        pairs = [await asyncio.open_connection("127.0.0.1", port) for _ in range(30)]
        for i, (_, writer) in enumerate(pairs):
            if i % 2:  # half of them start a request and never finish its headers
                writer.write(b"GET /v1/status HTTP/1.1\r\nHost: x\r\n")
        began = time.monotonic()
        results = await asyncio.gather(*(closed_by_server(r, 3) for r, _ in pairs))
        took = time.monotonic() - began
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as c:
            assert (await c.get("/v1/health")).status_code == 200  # still serving
        for _, writer in pairs:
            writer.close()
    assert all(results) and took < 2
    assert refused(started, "header_timeout") == 30


async def test_a_kept_alive_connection_keeps_working_past_the_header_timeout(started) -> None:
    async with (
        served(started, header_timeout=0.3) as port,
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as c,
    ):
        for _ in range(3):
            assert (await c.get("/v1/health")).status_code == 200
            await asyncio.sleep(0.2)  # each request restarts the clock, none is refused
    assert refused(started, "header_timeout") == 0


async def test_a_request_trickling_its_headers_on_a_kept_alive_connection_is_closed_in_time(
    started,
) -> None:
    # the connection's first request is answered; the second begins, and its headers come
    # a few bytes at a time, never finishing: its own clock runs from its first byte
    async with served(started, header_timeout=0.3) as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
        assert (await reader.readuntil(b"\r\n")).startswith(b"HTTP/1.1 200")
        await asyncio.sleep(0.2)  # within uvicorn's keep-alive, and most of a header timeout
        began = time.monotonic()
        closed = asyncio.create_task(closed_by_server(reader, 3))
        for piece in (b"GET /v1/st", b"atus HTTP/1.1\r\n", b"Host: x\r\n", b"X-Slow: 1\r\n"):
            if closed.done():
                break
            with contextlib.suppress(ConnectionError):
                writer.write(piece)
                await writer.drain()
            await asyncio.sleep(0.1)
        assert await closed
        took = time.monotonic() - began
        writer.close()
    assert 0.25 < took < 1.5, took
    assert refused(started, "header_timeout") == 1


async def test_connections_over_the_cap_are_closed_at_once_and_room_comes_back(started) -> None:
    async with served(started, max_connections=5) as port:
        held = [await asyncio.open_connection("127.0.0.1", port) for _ in range(5)]
        extra_reader, extra_writer = await asyncio.open_connection("127.0.0.1", port)
        assert await closed_by_server(extra_reader, 2)
        extra_writer.close()
        for _, writer in held:
            writer.close()
        await asyncio.sleep(0.05)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as c:
            assert (await c.get("/v1/health")).status_code == 200
    assert refused(started, "connection_cap") == 1


async def open_stream(port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /v1/events HTTP/1.1\r\nHost: x\r\n" + AUTH + b"\r\n")
    await writer.drain()
    await asyncio.wait_for(reader.readuntil(b": connected\n\n"), 2)  # subscribed from here on
    return reader, writer


async def test_every_subscriber_gets_every_event_once_in_order(started) -> None:
    async with served(started) as port:
        streams = [await open_stream(port) for _ in range(3)]
        ids = [started.core.bus.publish("note", {"n": n}).id for n in range(20)]
        for reader, writer in streams:
            seen = b""
            while f"id: {ids[-1]}\n".encode() not in seen:
                seen += await asyncio.wait_for(reader.read(65536), 2)
            got = [int(line[4:]) for line in seen.decode().splitlines() if line.startswith("id: ")]
            assert got == ids
            writer.close()


async def test_a_flood_of_subscribers_is_capped_with_a_503(started) -> None:
    started.core.bus.max_subscribers = 4
    async with served(started) as port:
        streams = [await open_stream(port) for _ in range(4)]
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {TOKEN}"}
        ) as c:
            r = await c.get("/v1/events")
            assert r.status_code == 503 and "subscribers" in r.json()["error"]
            assert (await c.get("/v1/status")).status_code == 200
        for _, writer in streams:
            writer.close()
    assert refused(started, "subscriber_cap") == 1


async def test_a_subscriber_that_never_reads_is_dropped_and_does_not_hold_up_orders(started) -> None:
    bus = started.core.bus
    bus.log_size = 50
    await quote(started, "ES", 6000)
    async with served(started) as port:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # fills after a few frames
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", port))
        sock.send(b"GET /v1/events HTTP/1.1\r\nHost: x\r\n" + AUTH + b"\r\n")
        head = await asyncio.wait_for(asyncio.get_running_loop().sock_recv(sock, 4096), 2)
        assert b" 200 " in head and len(bus.subscribers) == 1
        pad = "x" * 50_000  # 20 MB in all: more than the kernel buffers of a loopback socket hold
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {TOKEN}"}
        ) as c:
            slowest = 0.0
            for i in range(40):
                for _ in range(10):
                    bus.publish("note", {"pad": pad})
                began = time.monotonic()
                r = await c.post(
                    "/v1/orders",
                    json={"account": "PAPER-1", "symbol": "ES", "side": "buy" if i % 2 else "sell", "qty": 1},
                )
                slowest = max(slowest, time.monotonic() - began)
                assert r.status_code == 201, r.text
                await asyncio.sleep(0.005)
            metrics = (await c.get("/metrics")).text
        sock.close()
    assert not bus.subscribers and bus.dropped == 1
    assert "ordergate_sse_dropped_total 1.0" in metrics
    assert slowest < 0.5
