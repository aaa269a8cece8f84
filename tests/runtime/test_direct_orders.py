"""The order routes served straight from the server's protocol (runtime/hot_orders.py
``DirectOrders``) answer exactly as the Starlette app does, over real sockets.

Every request here goes to two servers of one runtime at once: the one ``ordergate run``
has (runtime/server.py ``api_config``: the order routes answered on uvicorn's request
cycle) and a plain uvicorn serving the Starlette app (the same routes as ASGI
middleware, as in a cluster). Their answers must be the same bytes, but for the Date.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
import uvicorn

from ordergate.runtime import body as body_module
from ordergate.runtime.api import build_app
from ordergate.runtime.hot_orders import DirectOrders
from ordergate.runtime.server import api_config
from ordergate.runtime.service import Runtime
from tests.runtime.conftest import TOKEN, quote, serving

pytestmark = pytest.mark.anyio

AUTH = f"Authorization: Bearer {TOKEN}\r\n"
CHECK = {"account": "PAPER-1", "symbol": "ESZ6", "side": "buy", "qty": 1}


@contextlib.asynccontextmanager
async def both(runtime: Runtime) -> AsyncIterator[tuple[int, int]]:
    """(port of the runtime's own server, port of the plain Starlette app)."""
    plain = uvicorn.Config(build_app(runtime), log_level="warning", access_log=False, lifespan="off")
    async with serving(api_config(runtime, log_level="warning")) as direct, serving(plain) as asgi:
        yield direct, asgi


def request(path: str, payload: bytes | None = None, headers: str = AUTH, method: str = "POST") -> bytes:
    data = json.dumps(CHECK).encode() if payload is None else payload
    head = f"{method} {path} HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n{headers}"
    return f"{head}Content-Length: {len(data)}\r\n\r\n".encode() + data


async def exchange(port: int, *parts: bytes, answers: int = 1, pause: float = 0.0) -> list[bytes]:
    """Send ``parts`` (``pause`` s apart) on one connection; the raw answers read back."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for n, part in enumerate(parts):
            if n and pause:
                await asyncio.sleep(pause)
            writer.write(part)
        return [await read_answer(reader) for _ in range(answers)]
    finally:
        writer.close()


async def read_answer(reader: asyncio.StreamReader) -> bytes:
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    return head + await reader.readexactly(length)


def without_date(answer: bytes) -> bytes:
    return b"\r\n".join(line for line in answer.split(b"\r\n") if not line.lower().startswith(b"date:"))


def parts(answer: bytes) -> tuple[int, dict[str, str], Any]:
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, json.loads(body)


@pytest.fixture
async def counted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths DirectOrders served."""
    served: list[str] = []
    serve = DirectOrders.serve

    async def counting(self: DirectOrders, cycle: Any, handler: Any) -> None:
        served.append(cycle.scope["path"])
        await serve(self, cycle, handler)

    monkeypatch.setattr(DirectOrders, "serve", counting)
    return served


@pytest.mark.parametrize(
    "case",
    [
        request("/v1/orders/check"),
        request("/v1/orders/check", json.dumps({**CHECK, "qty": 50}).encode()),  # blocked, still 200
        request("/v1/orders/check", headers=""),  # no token: 401
        request("/v1/orders/check", headers="Authorization: Bearer nope\r\n"),  # 403
        request("/v1/orders/check", headers="Authorization: Basic abc\r\n"),  # 401
        request("/v1/orders/check", b"{not json"),  # 400 naming the body
        request("/v1/orders/check", b""),  # 400: a body is required
        request("/v1/orders/check", b"\xff\xfe"),  # 400: not UTF-8
        request("/v1/orders/check", b"[" * 200 + b"]" * 200),  # 400: too deep
        request("/v1/orders/check", json.dumps({**CHECK, "qty": 10**7}).encode()),  # 422 qty
        request("/v1/orders/check", json.dumps({**CHECK, "price": -1, "type": "limit"}).encode()),  # 422
        request("/v1/orders/check", json.dumps({**CHECK, "side": "up"}).encode()),  # 422 side
        request("/v1/orders", json.dumps({**CHECK, "account": "NOPE"}).encode()),  # unknown account
        request("/v1/orders", json.dumps({**CHECK, "qty": 50}).encode()),  # blocked by the policy: 403
    ],
)
async def test_the_order_routes_answer_as_the_starlette_app_does(
    started: Runtime, counted: list[str], case: bytes
) -> None:
    await quote(started, "ES", 6000)
    async with both(started) as (direct, asgi):
        (mine,) = await exchange(direct, case)
        (theirs,) = await exchange(asgi, case)
    assert without_date(mine) == without_date(theirs)
    assert b"\r\ndate: " in mine and b"\r\nserver: " in mine  # uvicorn's default headers kept
    assert len(counted) == 1  # only the runtime's own server answered it directly


async def test_an_allowed_order_is_answered_alike_and_recorded(started: Runtime, counted: list[str]) -> None:
    await quote(started, "ES", 6000)
    async with both(started) as (direct, asgi):
        (mine,) = await exchange(direct, request("/v1/orders"))
        (theirs,) = await exchange(asgi, request("/v1/orders"))  # a second 1-lot entry
    status, headers, answer = parts(mine)
    assert (status, answer["decision"]["outcome"], answer["order"]["status"]) == (201, "allow", "filled")
    other_status, other_headers, other = parts(theirs)
    assert (status, set(headers), set(answer), set(answer["order"])) == (
        other_status,
        set(other_headers),
        set(other),
        set(other["order"]),
    )
    assert counted == ["/v1/orders"]
    assert started.core.store.order(answer["order"]["id"]) is not None  # committed before the answer


async def test_other_methods_and_paths_still_go_through_the_router(
    started: Runtime, counted: list[str]
) -> None:
    async with both(started) as (direct, _):
        get_check, get_orders = await exchange(
            direct,
            request("/v1/orders/check", method="GET", payload=b""),
            request("/v1/orders", method="GET", payload=b""),
            answers=2,
        )
    assert parts(get_check)[0] == 405
    assert parts(get_orders)[0] == 200
    assert counted == []


async def test_pipelined_requests_are_answered_in_order_on_one_connection(
    started: Runtime, counted: list[str]
) -> None:
    await quote(started, "ES", 6000)
    sides = ["buy", "sell", "buy", "sell"]
    pipelined = b"".join(
        request("/v1/orders", json.dumps({**CHECK, "side": s, "client_order_id": f"p{n}"}).encode())
        for n, s in enumerate(sides)
    )
    pipelined += request("/v1/orders", method="GET", payload=b"")  # through the router, after them
    async with both(started) as (direct, _):
        answers = await exchange(direct, pipelined, answers=5)
    orders = [parts(a) for a in answers[:4]]
    assert [(s, a["order"]["client_order_id"]) for s, _, a in orders] == [(201, f"p{n}") for n in range(4)]
    assert parts(answers[4])[0] == 200
    assert len(counted) == 4


async def test_a_body_that_arrives_after_its_headers_is_waited_for(
    started: Runtime, counted: list[str]
) -> None:
    await quote(started, "ES", 6000)
    whole = request("/v1/orders/check")
    head, _, payload = whole.partition(b"\r\n\r\n")
    async with both(started) as (direct, _):
        (answer,) = await exchange(direct, head + b"\r\n\r\n", payload[:5], payload[5:], pause=0.05)
    assert parts(answer)[0] == 200 and counted == ["/v1/orders/check"]


async def test_a_body_that_never_arrives_times_out(started: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(body_module, "BODY_TIMEOUT_SECONDS", 0.2)
    # read_asgi took its default when defined: the timeout the handler passes is the default's
    monkeypatch.setattr(body_module.read_asgi, "__defaults__", (0.2,))
    head = request("/v1/orders/check").partition(b"\r\n\r\n")[0] + b"\r\n\r\n"
    async with both(started) as (direct, _):
        (answer,) = await exchange(direct, head + b'{"acc')
    status, _, body = parts(answer)
    assert (status, body["field"]) == (408, "body")


async def test_expect_100_continue_is_honoured(started: Runtime, counted: list[str]) -> None:
    await quote(started, "ES", 6000)
    head = request("/v1/orders/check", headers=AUTH + "Expect: 100-continue\r\n").partition(b"\r\n\r\n")[0]
    async with both(started) as (direct, _):
        reader, writer = await asyncio.open_connection("127.0.0.1", direct)
        try:
            writer.write(head + b"\r\n\r\n")
            interim = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
            writer.write(json.dumps(CHECK).encode())
            answer = await read_answer(reader)
        finally:
            writer.close()
    assert interim.startswith(b"HTTP/1.1 100 Continue")
    assert parts(answer)[0] == 200


async def test_connection_close_is_answered_and_the_socket_closed(
    started: Runtime, counted: list[str]
) -> None:
    await quote(started, "ES", 6000)
    async with both(started) as (direct, _):
        reader, writer = await asyncio.open_connection("127.0.0.1", direct)
        try:
            writer.write(request("/v1/orders/check", headers=AUTH + "Connection: close\r\n"))
            answer = await read_answer(reader)
            rest = await asyncio.wait_for(reader.read(), 5)  # end of stream: the server closed it
        finally:
            writer.close()
    status, headers, _ = parts(answer)
    assert (status, headers.get("connection"), rest) == (200, "close", b"")


async def test_a_defect_behind_the_route_is_a_500_without_a_traceback(
    started: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(body: Any, source: str = "api") -> tuple[int, dict[str, Any]]:
        raise RuntimeError("a bug")

    monkeypatch.setattr(started.gateway, "check", broken)
    async with both(started) as (direct, asgi):
        (mine,) = await exchange(direct, request("/v1/orders/check"))
        (theirs,) = await exchange(asgi, request("/v1/orders/check"))
    assert without_date(mine) == without_date(theirs)
    status, _, body = parts(mine)
    assert status == 500 and "Traceback" not in json.dumps(body) and "a bug" not in json.dumps(body)
