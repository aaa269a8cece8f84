"""Stopping `ordergate run` while event-stream clients are connected."""

from __future__ import annotations

import signal
import socket
import time
from urllib.parse import urlsplit

import pytest

from tests.runtime.test_e2e import TOKEN, Proc, runtime  # noqa: F401 - the fixture

pytestmark = pytest.mark.slow


def test_one_sigterm_stops_the_runtime_while_event_streams_are_open(runtime: Proc) -> None:  # noqa: F811
    # an event stream never ends by itself; the server used to wait for it, so the first
    # signal was ignored for as long as a dashboard tab stayed open
    where = urlsplit(runtime.url)
    streams = []
    for _ in range(3):
        sock = socket.create_connection((where.hostname, where.port), timeout=5)
        sock.sendall(
            f"GET /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n\r\n".encode()
        )
        assert sock.recv(4096).startswith(b"HTTP/1.1 200")
        streams.append(sock)
    assert runtime.process is not None
    started = time.monotonic()
    runtime.process.send_signal(signal.SIGTERM)
    runtime.process.communicate(timeout=10)  # reads and closes its output too
    assert time.monotonic() - started < 8
    assert runtime.process.returncode == 0
    for sock in streams:
        sock.settimeout(5)
        while sock.recv(4096):  # the server ended the stream: the socket reaches EOF
            pass
        sock.close()
