"""The one reader of request bodies (DESIGN 9): bounded, timed, UTF-8 JSON.

Every endpoint that takes a body reads it here, so no endpoint can be reached with a
body the others would refuse. In order:

1. at most ``MAX_BODY_BYTES``: a larger Content-Length is refused before a byte is
   read, and a body that streams past the limit is refused when it does (413);
2. within ``BODY_TIMEOUT_SECONDS``: a client that trickles its body is cut off (408);
3. strict UTF-8, then JSON; integer literals of at most ``MAX_INT_DIGITS`` digits
   (Python's own limit of 4,300 would raise deep inside ``int``) (400);
4. nesting at most ``MAX_DEPTH`` deep (400): the C scanner nests ~1,000 deep before
   it raises ``RecursionError``, which is caught too;
5. every number finite: ``NaN``, ``Infinity`` and literals such as ``1e400`` (which
   parse to inf) are refused with a 422 naming the field where they sit, as any
   other bad field value is.

The errors are ``RequestError`` subclasses naming ``body`` (or the field), which the
API answers as JSON like every other refusal.
"""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Callable
from typing import Any

from starlette.requests import ClientDisconnect, Request
from starlette.types import Receive

from ordergate.runtime import awaiting
from ordergate.runtime.errors import BadRequest, RequestError

MAX_BODY_BYTES = 1 << 20
BODY_TIMEOUT_SECONDS = 10.0
MAX_INT_DIGITS = 30  # as in rules files; no field of the API needs more
MAX_DEPTH = 64


class BodyTooLarge(BadRequest):
    status = 413


class BodyTimeout(BadRequest):
    status = 408


class _Refused(ValueError):
    """Raised inside the JSON scanner's hooks; turned into a BadRequest outside it."""


def _bounded_int(text: str) -> int:
    digits = len(text) - (text[0] == "-")
    if digits > MAX_INT_DIGITS:
        raise _Refused(f"an integer has {digits} digits; at most {MAX_INT_DIGITS} are read")
    return int(text)


# one decoder for every body: ``json.loads`` with ``parse_int`` would build one per call
_DECODER = json.JSONDecoder(parse_int=_bounded_int)
# its scanner, (text, index) -> (value, end); typeshed does not declare the attribute
_SCAN: Callable[[str, int], tuple[Any, int]] = _DECODER.scan_once  # type: ignore[attr-defined]


async def read_raw(request: Request, within: float = BODY_TIMEOUT_SECONDS) -> bytes:
    """The body's bytes, at most ``MAX_BODY_BYTES``, read within ``within`` seconds."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise BodyTooLarge("body", f"the body is {declared} bytes; at most {MAX_BODY_BYTES} are read")
    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(within):
            async for chunk in request.stream():
                size += len(chunk)
                if size > MAX_BODY_BYTES:
                    raise BodyTooLarge("body", f"the body is over {MAX_BODY_BYTES} bytes")
                chunks.append(chunk)
    except TimeoutError:
        raise BodyTimeout("body", f"the body did not arrive within {within:g} s") from None
    except ClientDisconnect:
        raise BadRequest("body", "the client went away before the body was complete") from None
    return b"".join(chunks)


async def read_asgi(
    headers: list[tuple[bytes, bytes]], receive: Receive, within: float = BODY_TIMEOUT_SECONDS
) -> bytes:
    """``read_raw`` for a plain ASGI app (runtime/hot_orders.py), with the same bounds and
    errors, and no Request object."""
    for name, value in headers:
        if name == b"content-length" and value.isdigit() and int(value) > MAX_BODY_BYTES:
            raise BodyTooLarge(
                "body", f"the body is {value.decode()} bytes; at most {MAX_BODY_BYTES} are read"
            )
    chunks: list[bytes] = []
    size = 0
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    try:
        while True:
            # a small body has arrived with its headers: no timer unless it has to wait
            message = await awaiting.within(receive(), deadline - loop.time())
            if message["type"] == "http.disconnect":
                raise BadRequest("body", "the client went away before the body was complete")
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise BodyTooLarge("body", f"the body is over {MAX_BODY_BYTES} bytes")
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
    except TimeoutError:
        raise BodyTimeout("body", f"the body did not arrive within {within:g} s") from None
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def parse_required(raw: bytes) -> Any:
    """``read_json``'s reading of a required body, from its bytes."""
    if not raw.strip():
        raise BadRequest("body", "the body must be a JSON object")
    return parse(raw)


def parse(raw: bytes) -> Any:
    """A JSON document from ``raw``, within the bounds above."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest("body", f"the body is not UTF-8: byte {exc.start} is not valid") from None
    try:
        document = _decode(text)
    except json.JSONDecodeError as exc:
        raise BadRequest(
            "body", f"the body is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from None
    except _Refused as exc:
        raise BadRequest("body", f"the body is not valid JSON: {exc}") from None
    except RecursionError:
        raise BadRequest("body", f"the body nests deeper than {MAX_DEPTH} levels") from None
    _check_tree(document)
    return document


def _decode(text: str) -> Any:
    """``_DECODER.decode(text)``, with its scanner called directly for a document that
    neither starts nor ends with whitespace (every API client's body): ``decode`` adds
    two whitespace matches and two calls around that same scan. Anything else (leading
    or trailing whitespace, no value, extra data) is decoded by ``decode`` itself, so
    every error is the one it raises; an error inside the scan is that very scan's."""
    try:
        document, end = _SCAN(text, 0)
    except StopIteration:  # no value at 0: whitespace first, or nothing ``decode`` would read
        return _DECODER.decode(text)
    if end != len(text):  # whitespace or more after the value
        return _DECODER.decode(text)
    return document


def _check_tree(document: Any) -> None:
    """Depth and finiteness, walked without recursion so the walk cannot overflow either."""
    if type(document) is dict:  # nearly every body: an object of plain values, checked in one pass
        for value in document.values():
            kind = type(value)
            if kind is dict or kind is list or (kind is float and not math.isfinite(value)):
                break  # the walk below goes deeper, or names the field
        else:
            return
    stack: list[tuple[Any, str, int]] = [(document, "", 1)]
    while stack:
        node, path, depth = stack.pop()
        if isinstance(node, dict | list):
            if depth > MAX_DEPTH:
                raise BadRequest("body", f"the body nests deeper than {MAX_DEPTH} levels")
            items = node.items() if isinstance(node, dict) else enumerate(node)
            for key, value in items:
                where = f"{path}[{key}]" if isinstance(node, list) else f"{path}.{key}" if path else str(key)
                stack.append((value, where, depth + 1))
        elif isinstance(node, float) and not math.isfinite(node):
            raise RequestError(path or "body", f"must be a finite number, not {node!r}")


async def read_json(request: Request, *, required: bool = True) -> Any:
    """The body as JSON; ``{}`` for an empty optional body."""
    raw = await read_raw(request)
    if not raw.strip() and not required:
        return {}
    return parse_required(raw)
