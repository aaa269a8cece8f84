"""A lean HTTP/1.1 client for forwarding requests to another instance.

Forwarding sits on the order path of every request that arrives at an instance not
hosting its account, so it costs what it must: a pool of keep-alive connections per
instance on plain asyncio streams, each carrying one ``h11.Connection`` that frames the
request and reads the answer (sized, chunked or read to close), and this module only
moves bytes, keeps the limits and pools. A general-purpose client spent several times
the decision itself per request (bench/cluster_bench.py).

A request is never sent twice: a pooled connection the peer has already closed is
dropped before anything is written to it, and a connection that fails after the
request went out fails the request, as the holder may have acted on it.

Errors: h11's ``RemoteProtocolError`` (the peer answered something that is not HTTP,
or a head still incomplete past ``MAX_HEAD``; h11 measures what it holds unparsed, so a
head may pass by at most one read of ``READ_SIZE``), an answer over ``MAX_BODY``, a peer
gone or silent past the timeout all surface as ``RelayError``; so does
``LocalProtocolError`` (a header we may not send), as the request never left.
"""

from __future__ import annotations

import asyncio
import ssl
from collections import deque
from urllib.parse import urlsplit

import h11

MAX_HEAD = 64 * 1024
MAX_BODY = 16 * 1024 * 1024  # an answer larger than any the API gives is refused
IDLE_PER_ADDRESS = 32
READ_SIZE = 64 * 1024


class RelayError(Exception):
    """The other instance could not be reached, or answered something that is not HTTP."""


Headers = list[tuple[str, str]]


class _Link:
    """One connection to an instance and the h11 state of the exchange on it."""

    __slots__ = ("http", "reader", "writer")

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.http = h11.Connection(our_role=h11.CLIENT, max_incomplete_event_size=MAX_HEAD)

    @property
    def usable(self) -> bool:
        """Nothing is known to be wrong with it: the peer has not closed it and both sides
        are between exchanges."""
        return (
            not (self.reader.at_eof() or self.writer.is_closing())
            and self.http.our_state is h11.IDLE
            and self.http.their_state is h11.IDLE
        )

    def close(self) -> None:
        self.writer.close()


class Relay:
    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._idle: dict[str, deque[_Link]] = {}
        self._tls: ssl.SSLContext | None = None

    async def request(
        self, method: str, address: str, target: str, headers: Headers, body: bytes
    ) -> tuple[int, Headers, bytes]:
        """``method target`` at ``address`` (``http[s]://host:port``); the status, headers
        (names in lower case) and body of the answer."""
        try:
            return await asyncio.wait_for(
                self._exchange(method, address, target, headers, body), self.timeout
            )
        except TimeoutError:
            raise RelayError(f"no answer within {self.timeout:g} s") from None
        except h11.RemoteProtocolError as exc:
            raise RelayError(f"not an HTTP answer: {exc}") from None
        except h11.LocalProtocolError as exc:  # nothing was sent
            raise RelayError(f"the request cannot be sent as HTTP/1.1: {exc}") from None
        except (OSError, ValueError) as exc:
            raise RelayError(str(exc) or type(exc).__name__) from None

    async def _exchange(
        self, method: str, address: str, target: str, headers: Headers, body: bytes
    ) -> tuple[int, Headers, bytes]:
        link = await self._take(address)
        try:
            link.writer.write(_frame(link.http, method, urlsplit(address).netloc, target, headers, body))
            answer = await _read_answer(link)
        except BaseException:
            link.close()
            raise
        self._keep(address, link)
        return answer

    def _keep(self, address: str, link: _Link) -> None:
        """Pool ``link`` for the next request when both sides allow it (h11 knows whether
        the answer was ``connection: close``, HTTP/1.0 or read to close)."""
        http = link.http
        if http.our_state is h11.DONE and http.their_state is h11.DONE:
            idle = self._idle.setdefault(address, deque())
            if len(idle) < IDLE_PER_ADDRESS:
                http.start_next_cycle()
                idle.append(link)
                return
        link.close()

    async def _take(self, address: str) -> _Link:
        idle = self._idle.get(address)
        while idle:
            link = idle.popleft()
            if link.usable:
                return link
            link.close()
        where = urlsplit(address)
        secure = where.scheme == "https"
        if secure and self._tls is None:
            self._tls = ssl.create_default_context()
        port = where.port or (443 if secure else 80)
        reader, writer = await asyncio.open_connection(
            where.hostname, port, ssl=self._tls if secure else None, limit=READ_SIZE
        )
        return _Link(reader, writer)

    def close(self) -> None:
        for idle in self._idle.values():
            for link in idle:
                link.close()
        self._idle.clear()


def _frame(http: h11.Connection, method: str, host: str, target: str, headers: Headers, body: bytes) -> bytes:
    """The whole request in one piece, framed by h11 with its ``Content-Length``."""
    head = [("host", host), ("content-length", str(len(body))), *headers]
    out = http.send(h11.Request(method=method, target=target, headers=head)) or b""
    if body:
        out += http.send(h11.Data(data=body)) or b""
    return out + (http.send(h11.EndOfMessage()) or b"")


async def _read_answer(link: _Link) -> tuple[int, Headers, bytes]:
    """Events from h11 until the answer's end; an informational ``1xx`` is skipped."""
    http, reader = link.http, link.reader
    status = 0
    headers: Headers = []
    chunks: list[bytes] = []
    size = 0
    while True:
        event = http.next_event()
        if event is h11.NEED_DATA:
            data = await reader.read(READ_SIZE)
            if not data and http.their_state is h11.SEND_RESPONSE:
                raise ValueError("the connection closed before an answer came")
            http.receive_data(data)  # b"" at EOF: h11 judges whether the answer was whole
        elif isinstance(event, h11.Response):
            status = event.status_code
            headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in event.headers]
            declared = next((v for k, v in headers if k == "content-length"), "0")
            if int(declared) > MAX_BODY:  # refused before any of it is read; h11 checked the digits
                raise ValueError(f"an answer of {declared} bytes")
        elif isinstance(event, h11.Data):
            size += len(event.data)
            if size > MAX_BODY:
                raise ValueError(f"an answer of more than {MAX_BODY} bytes")
            chunks.append(bytes(event.data))
        elif isinstance(event, h11.EndOfMessage):
            return status, headers, b"".join(chunks)
        elif isinstance(event, h11.ConnectionClosed):
            raise ValueError("the connection closed before the answer ended")
