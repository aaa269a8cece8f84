"""The forwarding client against real loopback servers: keep-alive reuse, chunked and
sized answers, and a holder that is gone or answers nonsense."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

from ordergate.runtime.cluster import relay as relay_module
from ordergate.runtime.cluster.relay import Relay, RelayError


@contextlib.asynccontextmanager
async def _closing(server: asyncio.Server, relay: Relay) -> AsyncIterator[Relay]:
    """The relay under test, closed with its server however the test ends."""
    try:
        yield relay
    finally:
        relay.close()
        server.close()
        await server.wait_closed()


async def _server(answers: list[bytes]) -> tuple[asyncio.Server, str, list[bytes]]:
    """A server that answers each request on a connection with the next of ``answers``,
    and records what it was sent."""
    seen: list[bytes] = []
    connections = 0

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        seen.append(f"connection {connections}".encode())
        try:
            while answers:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    int(line.split(b":")[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length")
                )
                seen.append(head + await reader.readexactly(length))
                writer.write(answers.pop(0))
                await writer.drain()
        except asyncio.IncompleteReadError:
            pass
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    return server, f"http://127.0.0.1:{port}", seen


def test_answers_come_back_whole_over_one_kept_alive_connection() -> None:
    async def main() -> None:
        sized = b'HTTP/1.1 201 Created\r\ncontent-type: application/json\r\ncontent-length: 11\r\n\r\n{"ok": true}'[
            :-1
        ]
        chunked = b'HTTP/1.1 403 Forbidden\r\ntransfer-encoding: chunked\r\n\r\n4\r\n{"a"\r\n3\r\n: 1\r\n1\r\n}\r\n0\r\n\r\n'
        server, address, seen = await _server([sized, chunked])
        async with _closing(server, Relay(5)) as relay:
            first = await relay.request(
                "POST", address, "/v1/orders", [("authorization", "Bearer t")], b'{"x": 1}'
            )
            second = await relay.request("POST", address, "/v1/orders/check?a=1", [], b"{}")
        assert (
            first[0] == 201
            and ("content-type", "application/json") in first[1]
            and first[2] == b'{"ok": true'
        )
        assert second[0] == 403 and second[2] == b'{"a": 1}'
        assert [s for s in seen if s.startswith(b"connection")] == [b"connection 1"]  # kept alive
        assert seen[1].startswith(b"POST /v1/orders HTTP/1.1\r\n") and seen[1].endswith(b'\r\n\r\n{"x": 1}')
        assert b"authorization: Bearer t\r\n" in seen[1] and b"content-length: 8\r\n" in seen[1]
        assert seen[2].startswith(b"POST /v1/orders/check?a=1 HTTP/1.1\r\n")

    asyncio.run(main())


@pytest.mark.parametrize(
    "answer",
    [
        b"SSH-2.0-OpenSSH\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nbroken header\r\n\r\n",
        b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nshort",
    ],
)
def test_an_answer_that_is_not_http_is_a_relay_error(answer: bytes) -> None:
    async def main() -> None:
        server, address, _ = await _server([answer])
        async with _closing(server, Relay(2)) as relay:
            with pytest.raises(RelayError):
                await relay.request("GET", address, "/v1/status", [], b"")

    asyncio.run(main())


def test_a_holder_that_is_gone_is_a_relay_error() -> None:
    async def main() -> None:
        server, address, _ = await _server([])
        server.close()
        await server.wait_closed()
        with pytest.raises(RelayError):
            await Relay(2).request("GET", address, "/v1/status", [], b"")

    asyncio.run(main())


async def _closing_server(answer: bytes | None) -> tuple[asyncio.Server, str, list[bytes]]:
    """A server that reads one request per connection, answers it with ``answer`` (or
    nothing when None) and closes the connection without saying so in the answer."""
    seen: list[bytes] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            seen.append(await reader.readuntil(b"\r\n\r\n"))
            if answer is not None:
                writer.write(answer)
                await writer.drain()
        except asyncio.IncompleteReadError:
            pass
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    return server, f"http://127.0.0.1:{port}", seen


def test_a_chunked_answer_in_pieces_with_extensions_comes_back_whole() -> None:
    async def main() -> None:
        chunked = (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n"
            b"5;name=value\r\n[1, 2\r\n"
            b"A\r\n, 3, 4, 5]\r\n"
            b"0\r\n\r\n"
        )
        server, address, _ = await _server([chunked, chunked])
        async with _closing(server, Relay(5)) as relay:
            first = await relay.request("GET", address, "/v1/positions?account=A", [], b"")
            second = await relay.request("GET", address, "/v1/positions?account=A", [], b"")
        headers = [("transfer-encoding", "chunked"), ("content-type", "application/json")]
        assert first == second == (200, headers, b"[1, 2, 3, 4, 5]")

    asyncio.run(main())


@pytest.mark.parametrize(
    "answer",
    [
        b"HTTP/1.1 2x0 OK\r\ncontent-length: 0\r\n\r\n",  # a status that is not a number
        b"HTTP/1.1 200 OK\r\ncontent-length: ten\r\n\r\n0123456789",
        b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nab",  # closed mid-chunk
        b"HTTP/1.1 200 OK\r\nx-big: " + b"a" * (200 * 1024) + b"\r\n\r\n",  # a head over MAX_HEAD
        b"",  # closed without a word
    ],
)
def test_a_malformed_answer_is_a_relay_error(answer: bytes) -> None:
    async def main() -> None:
        server, address, _ = await _closing_server(answer)
        async with _closing(server, Relay(2)) as relay:
            with pytest.raises(RelayError):
                await relay.request("GET", address, "/v1/status", [], b"")

    asyncio.run(main())


def test_an_answer_declared_over_the_size_limit_is_refused_before_it_is_read() -> None:
    async def main() -> None:
        declared = relay_module.MAX_BODY + 1
        answer = f"HTTP/1.1 200 OK\r\ncontent-length: {declared}\r\n\r\n".encode() + b"x" * 10
        server, address, _ = await _closing_server(answer)
        async with _closing(server, Relay(2)) as relay:
            with pytest.raises(RelayError, match=f"an answer of {declared} bytes"):
                await relay.request("GET", address, "/v1/status", [], b"")

    asyncio.run(main())


def test_a_chunked_answer_growing_over_the_size_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(relay_module, "MAX_BODY", 8)

    async def main() -> None:
        answer = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\n01234\r\n5\r\n56789\r\n0\r\n\r\n"
        server, address, _ = await _server([answer])
        async with _closing(server, Relay(2)) as relay:
            with pytest.raises(RelayError, match="more than 8 bytes"):
                await relay.request("GET", address, "/v1/status", [], b"")

    asyncio.run(main())


def test_a_connection_the_peer_closed_between_requests_is_replaced_before_sending() -> None:
    async def main() -> None:
        answer = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"
        server, address, seen = await _closing_server(answer)
        async with _closing(server, Relay(2)) as relay:
            first = await relay.request("POST", address, "/v1/orders", [], b"")
            await asyncio.sleep(0.05)  # the peer's close reaches the pooled connection
            second = await relay.request("POST", address, "/v1/orders", [], b"")
        assert first == second == (200, [("content-length", "2")], b"ok")
        assert len(seen) == 2  # one request per connection, each sent once

    asyncio.run(main())


def test_a_request_that_went_out_is_not_sent_again_when_the_connection_drops() -> None:
    async def main() -> None:
        server, address, seen = await _closing_server(None)  # reads the request, then hangs up
        async with _closing(server, Relay(2)) as relay:
            with pytest.raises(RelayError, match="closed"):
                await relay.request("POST", address, "/v1/orders", [], b"")
            await asyncio.sleep(0.05)
        assert len(seen) == 1 and seen[0].startswith(b"POST /v1/orders HTTP/1.1\r\n")

    asyncio.run(main())


def test_an_answer_with_connection_close_is_not_pooled() -> None:
    async def main() -> None:
        closing = b"HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 2\r\n\r\nok"
        server, address, seen = await _server([closing, closing])
        async with _closing(server, Relay(2)) as relay:
            await relay.request("GET", address, "/v1/status", [], b"")
            await relay.request("GET", address, "/v1/status", [], b"")
        assert [s for s in seen if s.startswith(b"connection")] == [b"connection 1", b"connection 2"]

    asyncio.run(main())


def test_a_header_that_cannot_be_sent_is_a_relay_error_and_nothing_goes_out() -> None:
    async def main() -> None:
        server, address, seen = await _closing_server(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
        async with _closing(server, Relay(2)) as relay:
            with pytest.raises(RelayError, match=r"cannot be sent as HTTP/1\.1"):
                await relay.request("GET", address, "/v1/status", [("x-bad", "a\r\nb")], b"")
            await asyncio.sleep(0.05)
        assert seen == []

    asyncio.run(main())
