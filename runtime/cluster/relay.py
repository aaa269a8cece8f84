"""A lean HTTP/1.1 client for forwarding requests to another instance.

Forwarding sits on the order path of every request that arrives at an instance not
hosting its account, so it costs what it must: a pool of keep-alive connections per
instance on plain asyncio streams, the request written in one piece and the answer
read by its ``Content-Length`` (or chunks). A general-purpose client spent several times
the decision itself per request (bench/cluster_bench.py). A request is never sent twice:
a connection that fails after the request went out fails the request, as the holder may
have acted on it.
"""

from __future__ import annotations

import asyncio
import ssl
from collections import deque
from urllib.parse import urlsplit

MAX_HEAD = 64 * 1024
MAX_BODY = 16 * 1024 * 1024  # an answer larger than any the API gives is refused
IDLE_PER_ADDRESS = 32


class RelayError(Exception):
    """The other instance could not be reached, or answered something that is not HTTP."""


Headers = list[tuple[str, str]]


class _Link:
    __slots__ = ("reader", "writer")

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @property
    def usable(self) -> bool:
        return not (self.reader.at_eof() or self.writer.is_closing())

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
        and body of the answer."""
        try:
            return await asyncio.wait_for(
                self._exchange(method, address, target, headers, body), self.timeout
            )
        except TimeoutError:
            raise RelayError(f"no answer within {self.timeout:g} s") from None
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
            raise RelayError(str(exc) or type(exc).__name__) from None

    async def _exchange(
        self, method: str, address: str, target: str, headers: Headers, body: bytes
    ) -> tuple[int, Headers, bytes]:
        link = await self._take(address)
        try:
            host = urlsplit(address).netloc
            head = [f"{method} {target} HTTP/1.1", f"host: {host}", f"content-length: {len(body)}"]
            head += [f"{k}: {v}" for k, v in headers]
            link.writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
            status, answer_headers, keep = await _read_head(link.reader)
            data = await _read_body(link.reader, answer_headers)
        except BaseException:
            link.close()
            raise
        if keep and len(self._idle.setdefault(address, deque())) < IDLE_PER_ADDRESS:
            self._idle[address].append(link)
        else:
            link.close()
        return status, answer_headers, data

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
            where.hostname, port, ssl=self._tls if secure else None, limit=MAX_HEAD
        )
        return _Link(reader, writer)

    def close(self) -> None:
        for idle in self._idle.values():
            for link in idle:
                link.close()
        self._idle.clear()


async def _read_head(reader: asyncio.StreamReader) -> tuple[int, Headers, bool]:
    raw = await reader.readuntil(b"\r\n\r\n")
    lines = raw[:-4].decode("latin-1").split("\r\n")
    version, _, rest = lines[0].partition(" ")
    if not version.startswith("HTTP/1."):
        raise ValueError(f"not an HTTP answer: {lines[0][:80]!r}")
    status = int(rest[:3])
    headers: Headers = []
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if not sep:
            raise ValueError(f"a header line without a colon: {line[:80]!r}")
        headers.append((name.strip().lower(), value.strip()))
    keep = version == "HTTP/1.1" and not any(k == "connection" and v.lower() == "close" for k, v in headers)
    return status, headers, keep


async def _read_body(reader: asyncio.StreamReader, headers: Headers) -> bytes:
    found = dict(headers)
    if found.get("transfer-encoding", "").lower() == "chunked":
        chunks: list[bytes] = []
        total = 0
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";", 1)[0], 16)
            total += size
            if total > MAX_BODY:
                raise ValueError("the answer is larger than any the API gives")
            if size == 0:
                await reader.readuntil(b"\r\n")  # no trailers from our own API
                return b"".join(chunks)
            chunks.append(await reader.readexactly(size))
            await reader.readexactly(2)
    length = int(found.get("content-length", "0"))
    if not 0 <= length <= MAX_BODY:
        raise ValueError(f"an answer of {length} bytes")
    return await reader.readexactly(length) if length else b""
