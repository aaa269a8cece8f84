"""The loopback protocol, sans-IO: bytes in, messages out; messages in, bytes out.

Each message is one JSON object on one line. The client and the simulator share this
codec, so they cannot drift apart.

=================  =========  ==================================================
op                 direction  fields
=================  =========  ==================================================
``auth``           c → s      ``user``, ``password``
``auth_ok``        s → c      ``accounts``: [{id, balance, equity}]
``auth_error``     s → c      ``reason``
``heartbeat``      s → c      ``ts``
``quote``          s → c      ``symbol``, ``bid``, ``ask``, ``last``
``accounts``       c → s      (ask for the account list again; answered by auth_ok)
``place``          c → s      ``order_id``, ``account``, ``symbol``, ``side``, ``qty``,
                              ``type``, ``price``, ``stop_price``
``ack``            s → c      ``order_id``, ``broker_order_id``: the order is working
``reject``         s → c      ``order_id``, ``reason``: the order was refused
``order``          s → c      ``order_id``, ``broker_order_id``, ``account``, ``status``
                              (cancelled, expired, rejected), ``reason``
``fill``           s → c      ``fill_id``, ``order_id``, ``broker_order_id``, ``account``,
                              ``symbol``, ``side``, ``qty``, ``price``, ``ts``
``position``       s → c      ``account``, ``positions``: {root: [qty, avg_price]}
``balance``        s → c      ``account``, ``balance``, ``equity``, ``realized``
``cancel``         c → s      ``req``, ``account``, ``order_id``
``query``          c → s      ``req``, ``what`` (orders, fills, order, positions),
                              ``account``, ``since``, ``order_id``
``result``         s → c      ``req``, ``ok``, ``items`` or ``reason``
=================  =========  ==================================================

Errors: LocalProtocolError when we try to send something malformed (our bug);
RemoteProtocolError when the peer sends something malformed (its bug). Neither
escapes into the event loop unhandled: the shells catch them at the boundary.
"""

from __future__ import annotations

import json
from typing import Any

OPS = frozenset(
    {
        "auth",
        "auth_ok",
        "auth_error",
        "heartbeat",
        "quote",
        "accounts",
        "place",
        "ack",
        "reject",
        "order",
        "fill",
        "position",
        "balance",
        "cancel",
        "query",
        "result",
    }
)
MAX_LINE = 64 * 1024


class LocalProtocolError(Exception):
    pass


class RemoteProtocolError(Exception):
    pass


class Codec:
    def __init__(self) -> None:
        self._buffer = b""

    def send(self, message: dict[str, Any]) -> bytes:
        if message.get("op") not in OPS:
            raise LocalProtocolError(f"unknown op {message.get('op')!r}")
        return json.dumps(message, separators=(",", ":")).encode() + b"\n"

    def receive(self, data: bytes) -> list[dict[str, Any]]:
        self._buffer += data
        if len(self._buffer) > MAX_LINE and b"\n" not in self._buffer:
            raise RemoteProtocolError("a line longer than 64 KiB")
        messages = []
        while b"\n" in self._buffer:
            line, self._buffer = self._buffer.split(b"\n", 1)
            if not line.strip():
                continue
            try:
                message = json.loads(line)
            except ValueError:
                raise RemoteProtocolError(f"not JSON: {line[:80]!r}") from None
            if not isinstance(message, dict) or message.get("op") not in OPS:
                raise RemoteProtocolError(f"unknown message {line[:80]!r}")
            messages.append(message)
        return messages
