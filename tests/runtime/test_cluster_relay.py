"""The forwarding client against real loopback servers: keep-alive reuse, chunked and
sized answers, and a holder that is gone or answers nonsense."""

from __future__ import annotations

import asyncio

import pytest

from ordergate.runtime.cluster.relay import Relay, RelayError


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
        relay = Relay(5)
        try:
            first = await relay.request(
                "POST", address, "/v1/orders", [("authorization", "Bearer t")], b'{"x": 1}'
            )
            second = await relay.request("POST", address, "/v1/orders/check?a=1", [], b"{}")
        finally:
            relay.close()
            server.close()
            await server.wait_closed()
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
        relay = Relay(2)
        try:
            with pytest.raises(RelayError):
                await relay.request("GET", address, "/v1/status", [], b"")
        finally:
            relay.close()
            server.close()
            await server.wait_closed()

    asyncio.run(main())


def test_a_holder_that_is_gone_is_a_relay_error() -> None:
    async def main() -> None:
        server, address, _ = await _server([])
        server.close()
        await server.wait_closed()
        with pytest.raises(RelayError):
            await Relay(2).request("GET", address, "/v1/status", [], b"")

    asyncio.run(main())
