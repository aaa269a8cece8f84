"""The ProjectX simulator's state: sessions, tokens, rate limits, options and faults.

A login (``Auth/loginKey``) opens a session and issues a JWT naming it; ``Auth/validate``
issues a fresh token for the same session; ``Auth/logout`` ends it. With
``single_session`` (the default) a second login of the same user takes the session:
the first one's tokens stop working and its hub connections get ``GatewayLogout`` and
are closed. Rate limits are counted per session (per client address before login) with
the same windows the adapter budgets by.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from ordergate.runtime.brokers.exchange import Exchange
from ordergate.runtime.brokers.projectx import tokens
from ordergate.runtime.brokers.projectx.ratelimit import BARS_PATH, Limit, Window, limit_for
from ordergate.runtime.brokers.projectx.sim_book import SimBook


@dataclass
class Options:
    wrapped_events: bool = True  # user-hub events as {action, data}, as production sends them
    partial_quotes: bool = True  # after the first, a quote carries only the fields that changed
    ping_interval: float = 15.0  # server keep-alive pings on the hubs
    client_timeout: float = 30.0  # a hub client silent this long is closed
    single_session: bool = True  # a second login takes the first one's session
    limit: Limit = field(default_factory=lambda: limit_for("Order/place"))
    bars_limit: Limit = field(default_factory=lambda: limit_for(BARS_PATH))
    token_lifetime: float = tokens.TOKEN_LIFETIME


class HubClient(Protocol):
    def logout(self) -> None: ...
    def drop(self) -> None: ...


@dataclass
class Session:
    id: str
    user: str
    alive: bool = True
    hubs: set[HubClient] = field(default_factory=set)


@dataclass
class Credentials:
    username: str = "demo"
    api_key: str = "demo"


class SimCore:
    def __init__(
        self,
        exchange: Exchange,
        credentials: Credentials | None = None,
        options: Options | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.exchange = exchange
        self.book = SimBook(exchange)
        self.credentials = credentials or Credentials()
        self.options = options or Options()
        self.monotonic = monotonic
        self.secret = secrets.token_hex(32)
        self.sessions: dict[str, Session] = {}
        self.silent = False  # hubs stay open but send nothing at all: a stalled feed
        self.logins = 0
        self.hub_clients: set[Any] = set()  # every open hub connection (sim_hubs.HubClient)
        self._windows: dict[tuple[str, Limit], Window] = {}

    # ---- sessions

    def login(self, user: str, api_key: str) -> str | None:
        """A token for a new session, or None for wrong credentials."""
        self.logins += 1
        if user != self.credentials.username or not secrets.compare_digest(api_key, self.credentials.api_key):
            return None
        if self.options.single_session:
            for session in list(self.sessions.values()):
                if session.user == user and session.alive:
                    self.end(session, evicted=True)
        session = Session(secrets.token_hex(8), user)
        self.sessions[session.id] = session
        return self._issue(session)

    def _issue(self, session: Session) -> str:
        return tokens.issue(
            session.user, session.id, self.exchange.clock(), self.secret, self.options.token_lifetime
        )

    def session_of(self, token: str | None) -> Session | None:
        if not token:
            return None
        claims = tokens.verify(token, self.secret, self.exchange.clock())
        if claims is None:
            return None
        session = self.sessions.get(str(claims.get("sid")))
        return session if session is not None and session.alive else None

    def validate(self, session: Session) -> str:
        return self._issue(session)

    def end(self, session: Session, evicted: bool = False) -> None:
        session.alive = False
        self.sessions.pop(session.id, None)
        for hub in list(session.hubs):
            if evicted:
                hub.logout()
            else:
                hub.drop()
        session.hubs.clear()

    def drop_hubs(self) -> None:
        for hub in list(self.hub_clients):
            hub.drop()

    # ---- rate limits

    def over_limit(self, key: str, path: str) -> float | None:
        """Seconds until ``key`` may call ``path`` again, or None when this call fits (and counts)."""
        limit = self.options.bars_limit if path == BARS_PATH else self.options.limit
        window = self._windows.get((key, limit))
        if window is None:
            window = self._windows[(key, limit)] = Window(limit)
        now = self.monotonic()
        wait = window.wait(now)
        if wait > 0:
            return wait
        window.spend(now)
        return None
