"""Dashboard sessions: the browser's alternative to the bearer token.

Theory of operation. A person signs in on the page with one of the runtime's API
tokens; the runtime answers with a session cookie (HttpOnly, so no script reads it;
SameSite=Strict, so no other site's page makes the browser send it) and a CSRF token
the page keeps in memory. The API's middleware then accepts, in place of a bearer
token, a request that carries a live session cookie and:

- for a method that only reads (GET, HEAD): nothing more, so ``EventSource`` (which
  cannot set headers) can open ``/v1/events``;
- for every other method: the session's CSRF token in the ``X-CSRF-Token`` header,
  and no sign of another origin (an ``Origin`` header naming another host, or a
  ``Sec-Fetch-Site`` other than ``same-origin``).

A request with an ``Authorization`` header is judged by the bearer rules alone: API
clients see no change. Sessions live in memory only: a restart signs everyone out.
Each lasts ``SESSION_SECONDS`` from sign-in; at most ``MAX_SESSIONS`` exist at once
(the oldest goes first), so repeated sign-ins cannot grow the process.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from starlette.types import Scope

COOKIE = "og_session"
CSRF_HEADER = "x-csrf-token"
SESSION_SECONDS = 12 * 3600
MAX_SESSIONS = 256
SAFE_METHODS = ("GET", "HEAD")

Refusal = tuple[int, dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Session:
    id: str
    csrf: str
    expires: float


def header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return None


def cookie(scope: Scope, name: str = COOKIE) -> str | None:
    """The value of one cookie, without a general parser: the session id is URL-safe
    base64, so a plain split is exact for it."""
    raw = header(scope, b"cookie")
    if not raw:
        return None
    for part in raw.split(";"):
        key, sep, value = part.strip().partition("=")
        if sep and key == name:
            return value.strip()
    return None


def cross_site(scope: Scope) -> str | None:
    """Why this request comes from another site, or None when nothing says so."""
    fetch_site = header(scope, b"sec-fetch-site")
    if fetch_site is not None and fetch_site not in ("same-origin", "none"):
        return f"Sec-Fetch-Site is {fetch_site}"
    origin = header(scope, b"origin")
    if origin is not None:
        host = header(scope, b"host") or ""
        scheme = scope.get("scheme", "http")
        if origin != f"{scheme}://{host}":
            return f"Origin {origin} is not this runtime"
    return None


class Sessions:
    def __init__(
        self,
        tokens: Iterable[str],
        *,
        clock: Callable[[], float] = time.monotonic,
        lifetime: float = SESSION_SECONDS,
        capacity: int = MAX_SESSIONS,
    ) -> None:
        self.tokens = tuple(t.encode() for t in tokens)
        self.clock = clock
        self.lifetime = lifetime
        self.capacity = capacity
        self._live: dict[str, Session] = {}  # insertion order is age order

    def token_valid(self, given: str) -> bool:
        # every token compared, so the time taken does not tell which one nearly matched
        ok = False
        raw = given.encode()
        for t in self.tokens:
            ok |= hmac.compare_digest(raw, t)
        return ok

    def open(self) -> Session:
        while len(self._live) >= self.capacity:
            del self._live[next(iter(self._live))]
        session = Session(secrets.token_urlsafe(32), secrets.token_urlsafe(32), self.clock() + self.lifetime)
        self._live[session.id] = session
        return session

    def get(self, session_id: str | None) -> Session | None:
        if not session_id:
            return None
        session = self._live.get(session_id)
        if session is None:
            return None
        if session.expires <= self.clock():
            del self._live[session_id]
            return None
        return session

    def close(self, session_id: str | None) -> None:
        if session_id:
            self._live.pop(session_id, None)

    def of(self, scope: Scope) -> Session | None:
        return self.get(cookie(scope))

    def refusal(self, scope: Scope) -> Refusal | None:
        """None when the request's session authorises it; else the API's answer."""
        session = self.of(scope)
        if session is None:
            return 401, {"error": "the session has ended; sign in again", "field": "session"}
        if scope.get("method", "GET") in SAFE_METHODS:
            return None
        why = cross_site(scope)
        if why is not None:
            return 403, {"error": f"a cross-site request is refused: {why}", "field": "Origin"}
        given = header(scope, CSRF_HEADER.encode()) or ""
        if not hmac.compare_digest(given.encode(), session.csrf.encode()):
            return 403, {
                "error": "a request that changes state needs the session's CSRF token",
                "field": "X-CSRF-Token",
            }
        return None
