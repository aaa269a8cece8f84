"""Keyset paging for the API's lists: ``GET /v1/orders?status=all`` and ``GET /v1/decisions``.

Theory of operation. Each list has one fixed total order, newest first with ties
broken by id: orders by ``(created_at, id)``, decisions by their audit id. A page is
the first ``limit`` rows strictly after a position in that order, and the cursor a
page hands out (``next_cursor``) is the key of its last row, never an offset. A row
that arrives while a client pages is newer than every row the client has yet to
read, so it lands before the client's position: it cannot push an unread row back
onto a page already read (a skip) nor a read row onto the next page (a repeat).

A store is asked for ``limit + 1`` rows; the extra row only says whether there is a
next page, so the last page answers ``next_cursor: null`` and no client ever fetches
an empty page to learn that it is done.

The cursor is opaque to clients: URL-safe base64 of a short JSON array tagged with
the list it belongs to. Anything else given as a cursor, a decisions cursor on the
orders list among them, is refused as a ``RequestError`` naming ``cursor``.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping
from typing import Any

from ordergate.runtime.errors import RequestError

MAX_CURSOR_CHARS = 256  # far above any cursor handed out; bounds the decoding work
MAX_KEY_CHARS = 64  # an order's created_at or id

OrderKey = tuple[str, str]  # (created_at, id)

_ORDERS, _DECISIONS = "o", "d"
_BAD_CURSOR = "must be the next_cursor of an earlier page of this list"


def limit(params: Mapping[str, str], *, default: int, maximum: int) -> int:
    """The ``limit`` query parameter: a whole number from 1 to ``maximum``."""
    raw = params.get("limit")
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 6 and 1 <= int(raw) <= maximum):
        raise RequestError("limit", f"must be a whole number from 1 to {maximum}")
    return int(raw)


def order_cursor(order: Mapping[str, Any]) -> str:
    return _encode([_ORDERS, order.get("created_at", ""), order["id"]])


def decision_cursor(decision: Mapping[str, Any]) -> str:
    return _encode([_DECISIONS, decision["id"]])


def order_position(params: Mapping[str, str]) -> OrderKey | None:
    """The position the ``cursor`` parameter names in the order history, or None."""
    parts = _decode(params, _ORDERS)
    if parts is None:
        return None
    match parts:
        case [str(created_at), str(order_id)] if (
            len(created_at) <= MAX_KEY_CHARS and 0 < len(order_id) <= MAX_KEY_CHARS
        ):
            return created_at, order_id
    raise RequestError("cursor", _BAD_CURSOR)


def decision_position(params: Mapping[str, str]) -> int | None:
    """The audit id the ``cursor`` parameter names in the decisions list, or None."""
    parts = _decode(params, _DECISIONS)
    if parts is None:
        return None
    match parts:
        case [int(audit_id)] if not isinstance(audit_id, bool) and 0 < audit_id < 2**63:
            return audit_id
    raise RequestError("cursor", _BAD_CURSOR)


def page(
    rows: list[dict[str, Any]], size: int, cursor: Callable[[Mapping[str, Any]], str]
) -> tuple[list[dict[str, Any]], str | None]:
    """``rows`` (fetched as ``size + 1``) cut to one page, and the cursor to the next page."""
    if len(rows) <= size:
        return rows, None
    rows = rows[:size]
    return rows, cursor(rows[-1])


def _encode(parts: list[Any]) -> str:
    raw = json.dumps(parts, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _decode(params: Mapping[str, str], kind: str) -> list[Any] | None:
    text = params.get("cursor")
    if text is None:
        return None
    try:
        if not (0 < len(text) <= MAX_CURSOR_CHARS and text.isascii()):
            raise ValueError(text)
        parts = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (ValueError, binascii.Error):  # UnicodeDecodeError and JSONDecodeError included
        raise RequestError("cursor", _BAD_CURSOR) from None
    if not (isinstance(parts, list) and parts and parts[0] == kind):
        raise RequestError("cursor", _BAD_CURSOR)
    return parts[1:]
