"""The runtime's HTTP protocol (runtime/server.py ``guarded_protocol``) behaves as uvicorn's
own for every request: it builds the scope, the request cycle and the keep-alive timer
itself, for less, so each is compared here with what plain uvicorn does, over real sockets.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
import uvicorn

from ordergate.runtime import hot_orders
from ordergate.runtime.metrics import Metrics
from ordergate.runtime.server import guarded_protocol
from tests.runtime.conftest import serving

pytestmark = pytest.mark.anyio


async def echo(scope: Any, receive: Any, send: Any) -> None:
    """Answers with its scope (but for the addresses and the extension) and the body."""
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body", False):
            break
    seen = {key: value for key, value in scope.items() if key not in ("server", "client", "extensions")}
    seen["keys"] = [key for key in scope if key != "extensions"]
    if scope["path"] == "/extensions":  # uvicorn's own has none
        seen["keys"] = list(scope)
        seen["abort"] = callable(scope["extensions"]["ordergate.abort"]["abort"])
    data = json.dumps({"scope": seen, "body": body.decode()}, default=repr).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-length", str(len(data)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": data})


@contextlib.asynccontextmanager
async def both(**options: Any) -> AsyncIterator[tuple[int, int]]:
    """(port of the guarded protocol, port of uvicorn's own), serving ``echo`` alike."""
    guarded = guarded_protocol(Metrics(), max_connections=100, header_timeout=5.0)
    ours = uvicorn.Config(
        echo, http=guarded, log_level="warning", access_log=False, lifespan="off", **options
    )
    plain = uvicorn.Config(
        echo, http="httptools", log_level="warning", access_log=False, lifespan="off", **options
    )
    async with serving(ours) as a, serving(plain) as b:
        yield a, b


async def talk(port: int, data: bytes, answers: int) -> list[bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(data)
        got = []
        for _ in range(answers):
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
            length = next(
                (
                    int(line.split(b":", 1)[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                ),
                0,
            )
            if data.startswith(b"HEAD "):  # its length is the GET's, with no body
                length = 0
            got.append(head + await reader.readexactly(length))
        return got
    finally:
        writer.close()


def without_date(answer: bytes) -> bytes:
    return b"\r\n".join(line for line in answer.split(b"\r\n") if not line.lower().startswith(b"date:"))


POST = b"POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"


@pytest.mark.parametrize(
    ("data", "answers"),
    [
        (b"GET /a%20b/c%2Fd?x=1&y=%20 HTTP/1.1\r\nHost: x\r\nX-Mixed-Case: v \t \r\n\r\n", 1),
        (b"GET /plain HTTP/1.0\r\nHost: x\r\n\r\n", 1),  # HTTP/1.0: not kept alive
        (b"GET /close HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 1),
        (b"HEAD /head HTTP/1.1\r\nHost: x\r\n\r\n", 1),
        (b"POST /expect HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nok", 2),
        (POST + b"GET /second HTTP/1.1\r\nHost: x\r\n\r\n" + POST, 3),  # pipelined
        (b"GET /broken HTTP/1.1\r\nHost x\r\n\r\n", 1),  # a bad request: 400
        (b"GET http://example.com/abs?q=1 HTTP/1.1\r\nHost: x\r\n\r\n", 1),  # absolute form
    ],
)
async def test_scope_and_answers_are_uvicorns(data: bytes, answers: int) -> None:
    async with both() as (ours, plain):
        mine, theirs = await talk(ours, data, answers), await talk(plain, data, answers)
    assert [without_date(a) for a in mine] == [without_date(a) for a in theirs]


async def test_the_scope_has_the_abort_extension_before_the_method() -> None:
    async with both() as (ours, _):
        [answer] = await talk(ours, POST.replace(b"/p", b"/extensions"), 1)
    seen = json.loads(answer.partition(b"\r\n\r\n")[2])["scope"]
    assert seen["abort"] is True
    assert seen["keys"][seen["keys"].index("extensions") + 1] == "method"


async def test_a_root_path_is_kept_as_uvicorn_keeps_it() -> None:
    data = b"GET /x%2Fy?z HTTP/1.1\r\nHost: x\r\n\r\n"
    async with both(root_path="/api") as (ours, plain):
        mine, theirs = await talk(ours, data, 1), await talk(plain, data, 1)
    assert without_date(mine[0]) == without_date(theirs[0])
    assert json.loads(mine[0].partition(b"\r\n\r\n")[2])["scope"]["path"] == "/api/x/y"


async def closed_after(reader: asyncio.StreamReader, within: float) -> float | None:
    """Seconds until the server closed the connection; None if it did not within ``within``."""
    began = time.monotonic()
    try:
        while await asyncio.wait_for(reader.read(65536), within):
            pass
    except TimeoutError:
        return None
    except ConnectionResetError:
        pass
    return time.monotonic() - began


async def test_keep_alive_runs_from_the_last_answer_not_the_first() -> None:
    # the connection's first idle spell ends before the timeout; the timer armed for it
    # must not close the connection in the next one, which began later
    async with both(timeout_keep_alive=0.4) as (ours, _):
        reader, writer = await asyncio.open_connection("127.0.0.1", ours)
        try:
            for _ in range(3):
                writer.write(POST)
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
                assert head.startswith(b"HTTP/1.1 200")
                await reader.readexactly(int(head.split(b"content-length: ")[1].split(b"\r\n")[0]))
                await asyncio.sleep(0.25)  # idle, within the timeout
            took = await closed_after(reader, 3)
        finally:
            writer.close()
    assert took is not None and 0.1 < took < 1.0, took  # 0.4 s after the last answer


async def test_an_idle_connection_is_closed_after_the_keep_alive_timeout() -> None:
    async with both(timeout_keep_alive=0.3) as (ours, plain):
        for port in (ours, plain):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(POST)
            await asyncio.wait_for(reader.readuntil(b'hello"}'), 5)
            took = await closed_after(reader, 3)
            writer.close()
            assert took is not None and 0.2 < took < 1.0, (port, took)


class Transport:
    def __init__(self) -> None:
        self.written: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.written.append(data)

    def close(self) -> None:
        pass


class Cycle:
    """What ``_write`` reads and sets of uvicorn's request cycle."""

    def __init__(self, default_headers: list[tuple[bytes, bytes]]) -> None:
        self.default_headers = default_headers
        self.transport = Transport()
        self.disconnected = False
        self.keep_alive = True
        self.message_event = asyncio.Event()
        self.on_response = lambda: None


def test_the_default_headers_are_those_of_each_cycle() -> None:
    # uvicorn gives each second's date a new list: the head follows it
    first = [(b"date", b"Mon, 01 Jan 2024 00:00:00 GMT"), (b"server", b"uvicorn")]
    second = [(b"date", b"Mon, 01 Jan 2024 00:00:01 GMT"), (b"server", b"uvicorn")]
    for headers in (first, first, second, first):
        cycle: Any = Cycle(headers)
        hot_orders._write(cycle, 200, b"{}")
        expected = b"HTTP/1.1 200 OK\r\n" + b"".join(b"%s: %s\r\n" % h for h in headers)
        assert cycle.transport.written == [
            expected + b"content-length: 2\r\ncontent-type: application/json\r\n\r\n{}"
        ]
