"""The Tradovate simulator's state: users, sessions, tokens, penalties, OAuth codes, and
the endpoint table both the REST face and the user socket answer from.

Sessions follow the partner docs (protocols/brokers.md §1.2): a token request starts a
session, a renewal extends it, and a user holds at most two — a third login closes the
oldest (its tokens stop working and its sockets get a ``shutdown`` event and a close).
Tokens expire after ``Options.token_lifetime`` seconds of the exchange's clock, so a
test with a fast clock sees expiry and renewal in milliseconds.

Penalties are on command (``penalize``): the next request is answered with ``p-ticket``,
``p-time`` and ``p-captcha``; the same request sent again with the ticket after
``p-time`` passes; sent early it is penalised again. The token request always answers a
penalty with a captcha, as the docs say.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import parse_qs

from ordergate.runtime.brokers.base import SimLogin
from ordergate.runtime.brokers.exchange import Event, Exchange, LinkFault, QuoteChanged
from ordergate.runtime.brokers.tradovate.models import iso
from ordergate.runtime.brokers.tradovate.sim_book import USER_ID, Prop, Refused, SimBook

Answer = tuple[int, Any]  # HTTP status, JSON body
TOKEN_REQUEST = "auth/accesstokenrequest"


@dataclass(frozen=True, slots=True)
class Options:
    token_lifetime: float = 90 * 60  # seconds of the exchange's clock
    heartbeat: float = 2.5  # the server's `h` period
    client_timeout: float = 10.0  # a client silent this long is dropped
    max_sessions: int = 2
    client_id: str = "ordergate"  # the OAuth app the simulator knows
    client_secret: str = ""  # empty: any secret is accepted


class Socket(Protocol):
    """What the core needs of a socket client (``sim_socket.SocketClient``)."""

    def props(self, props: list[Prop]) -> None: ...
    def quote(self, event: QuoteChanged) -> None: ...
    def shutdown(self, reason_code: str, reason: str) -> None: ...
    def drop(self) -> None: ...


@dataclass(eq=False, slots=True)
class Session:
    id: int
    user: str
    alive: bool = True
    sockets: set[Socket] = field(default_factory=set)


@dataclass(slots=True)
class _Token:
    session: Session
    expires_at: float
    market_data: bool = False  # an mdAccessToken: good on the market-data socket only


class SimCore:
    def __init__(
        self, exchange: Exchange, login: SimLogin | None = None, options: Options | None = None
    ) -> None:
        self.exchange = exchange
        self.login = login or SimLogin()
        self.options = options or Options()
        self.book = SimBook(exchange, self.login.username)
        self.sessions: list[Session] = []
        self.sockets: set[Socket] = set()
        self.logins = 0  # token requests that made a session
        self.renewals = 0
        self.requests: list[str] = []  # every endpoint asked, in order (tests read it)
        self._tokens: dict[str, _Token] = {}
        self._penalties: list[tuple[float, bool]] = []
        self._tickets: dict[str, tuple[float, bool]] = {}
        self._codes: dict[str, str] = {}  # OAuth code → redirect_uri
        self._session_ids = 0
        self._unsubscribe = exchange.subscribe(self._on_exchange)

    def close(self) -> None:
        self._unsubscribe()

    @property
    def now(self) -> float:
        return self.exchange.clock()

    # ---- sessions and tokens

    def _new_session(self) -> Session:
        user = [s for s in self.sessions if s.alive]
        while len(user) >= self.options.max_sessions:
            self.end(user.pop(0), evicted=True)  # the two-session cap: the oldest goes
        self._session_ids += 1
        session = Session(self._session_ids, self.login.username)
        self.sessions.append(session)
        self.logins += 1
        return session

    def _issue(self, session: Session) -> dict[str, Any]:
        expires = self.now + self.options.token_lifetime
        access, md = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        self._tokens[access] = _Token(session, expires)
        self._tokens[md] = _Token(session, expires, market_data=True)
        return {
            "accessToken": access,
            "mdAccessToken": md,
            "expirationTime": iso(expires),
            "passwordExpirationTime": iso(self.now + 365 * 86400),
            "userStatus": "Active",
            "userId": USER_ID,
            "name": self.login.username,
            "hasLive": False,
        }

    def session_of(self, token: str | None, *, market_data: bool = False) -> Session | None:
        """The live session a token belongs to; an access token also opens market data
        (OAuth gives no separate one), an md token opens nothing else."""
        held = self._tokens.get(token or "")
        if held is None or not held.session.alive or self.now >= held.expires_at:
            return None
        if held.market_data and not market_data:
            return None
        return held.session

    def session_valid(self, session: Session) -> bool:
        """Whether the session is open and one of its tokens has not expired."""
        return session.alive and any(
            held.session is session and self.now < held.expires_at for held in self._tokens.values()
        )

    def end(self, session: Session, *, evicted: bool = False) -> None:
        session.alive = False
        for token in [t for t, held in self._tokens.items() if held.session is session]:
            del self._tokens[token]
        for socket in list(session.sockets):
            if evicted:
                socket.shutdown("ConnectionQuotaReached", "a newer session of this user closed this one")
            else:
                socket.drop()
        session.sockets.clear()

    def token_request(self, body: Any) -> Answer:
        body = body if isinstance(body, dict) else {}
        if body.get("name") != self.login.username or not secrets.compare_digest(
            str(body.get("password", "")), self.login.password
        ):
            return 401, {"errorText": "Incorrect username or password. Please try again."}
        return 200, self._issue(self._new_session())

    def renew(self, token: str | None) -> Answer:
        session = self.session_of(token)
        if session is None:
            return 401, {"errorText": "Access is denied"}
        self.renewals += 1
        return 200, self._issue(session)

    # ---- penalties

    def penalize(self, seconds: float, *, captcha: bool = False, count: int = 1) -> None:
        self._penalties.extend([(seconds, captcha)] * count)

    def penalty(self, endpoint: str, ticket: Any) -> dict[str, Any] | None:
        """The penalty answer for this request, or None when it may go ahead."""
        if isinstance(ticket, str) and ticket in self._tickets:
            not_before, captcha = self._tickets[ticket]
            if self.now >= not_before and not captcha:
                del self._tickets[ticket]
                return None
            return {"p-ticket": ticket, "p-time": max(round(not_before - self.now), 1), "p-captcha": captcha}
        if not self._penalties:
            return None
        seconds, captcha = self._penalties.pop(0)
        captcha = captcha or endpoint == TOKEN_REQUEST
        ticket = secrets.token_urlsafe(12)
        self._tickets[ticket] = (self.now + seconds, captcha)
        answer: dict[str, Any] = {"p-ticket": ticket, "p-time": seconds}
        if captcha:
            answer["p-captcha"] = True
        return answer

    # ---- OAuth

    def oauth_code(self, username: str, password: str, redirect_uri: str) -> str | None:
        if username != self.login.username or not secrets.compare_digest(password, self.login.password):
            return None
        code = secrets.token_urlsafe(16)
        self._codes[code] = redirect_uri
        return code

    def oauth_token(self, form: Mapping[str, Any]) -> Answer:
        if form.get("grant_type") != "authorization_code":
            return 400, {
                "error": "unsupported_grant_type",
                "error_description": "grant_type must be authorization_code",
            }
        if form.get("client_id") != self.options.client_id or (
            self.options.client_secret and form.get("client_secret") != self.options.client_secret
        ):
            return 401, {"error": "invalid_client", "error_description": "unknown client_id or client_secret"}
        redirect = self._codes.pop(str(form.get("code", "")), None)  # single use
        if redirect is None or redirect != form.get("redirect_uri"):
            return 400, {
                "error": "invalid_grant",
                "error_description": "the code is unknown, used, or for another redirect_uri",
            }
        session = self._new_session()
        issued = self._issue(session)
        return 200, {
            "access_token": issued["accessToken"],
            "token_type": "Bearer",
            "expires_in": int(self.options.token_lifetime),
        }

    def me(self) -> dict[str, Any]:
        return {
            "userId": USER_ID,
            "name": self.login.username,
            "fullName": "Demo Trader",
            "email": f"{self.login.username}@example.invalid",
            "emailVerified": True,
            "isTrial": False,
        }

    # ---- the endpoint table (REST and the user socket)

    def answer(self, endpoint: str, query: str, body: Any, session: Session) -> Answer:
        endpoint = endpoint.strip("/").lower()
        self.requests.append(endpoint)
        handler = ENDPOINTS.get(endpoint)
        if handler is None:
            return 404, f"Unknown endpoint {endpoint}"
        params = {k: v[-1] for k, v in parse_qs(query).items()}
        try:
            return 200, handler(self, params, body if isinstance(body, dict) else {})
        except Refused as exc:
            return 200, {"failureReason": exc.reason, "failureText": exc.text}
        except LookupError as exc:
            return 404, str(exc)
        finally:
            props, self.book.outbox = self.book.outbox, []
            if props:
                for socket in list(self.sockets):
                    socket.props(props)

    # ---- exchange events to sockets

    def _on_exchange(self, event: Event) -> None:
        if isinstance(event, LinkFault):
            for socket in list(self.sockets):
                socket.drop()
            return
        if isinstance(event, QuoteChanged):
            for socket in list(self.sockets):
                socket.quote(event)
            return
        props = self.book.on_exchange(event)
        if props:
            for socket in list(self.sockets):
                socket.props(props)

    def drop_connections(self) -> None:
        for socket in list(self.sockets):
            socket.drop()


# ---- endpoint handlers: (core, query, body) → the JSON the REST call answers

Handler = Callable[[SimCore, dict[str, str], dict[str, Any]], Any]


def _item(found: Any, what: str) -> Any:
    if found is None:
        raise LookupError(f"{what} not found")
    return found


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise LookupError(f"{value!r} is not an id") from None


def _deps(records: list[dict[str, Any]], master: str, q: dict[str, str]) -> list[dict[str, Any]]:
    ids = {x for x in (q.get("masterid") or q.get("masterids") or "").split(",") if x}
    return [r for r in records if str(r.get(master)) in ids]


def _account_item(c: SimCore, q: dict[str, str], b: dict[str, Any]) -> Any:
    return c.book.account(c.book.account_name(_int(q.get("id"))))


def _cash_list(c: SimCore, q: dict[str, str], b: dict[str, Any]) -> Any:
    return [c.book.cash_balance(n) for n in c.exchange.account_ids()]


def _records(c: SimCore) -> dict[str, Callable[[], list[dict[str, Any]]]]:
    """Every entity a ``props`` event can carry, by the endpoint's entity name (lower case):
    ``/<entity>/item`` and ``items`` answer the same JSON the event held (§1.4)."""
    return {
        "account": c.book.account_list,
        "cashbalance": lambda: _cash_list(c, {}, {}),
        "position": c.book.positions,
        "order": lambda: list(c.book.orders.values()),
        "orderversion": lambda: list(c.book.versions.values()),
        "executionreport": lambda: list(c.book.reports),
        "fill": lambda: list(c.book.fills),
        "command": lambda: list(c.book.commands),
        "contract": lambda: list(c.book.contracts.values()),
    }


def _by_id(entity: str) -> Handler:
    def item(c: SimCore, q: dict[str, str], b: dict[str, Any]) -> Any:
        ident = _int(q.get("id"))
        return _item(next((r for r in _records(c)[entity]() if r.get("id") == ident), None), entity)

    return item


def _by_ids(entity: str) -> Handler:
    def items(c: SimCore, q: dict[str, str], b: dict[str, Any]) -> Any:
        wanted = {x for x in (q.get("ids") or "").split(",") if x}
        return [r for r in _records(c)[entity]() if str(r.get("id")) in wanted]

    return items


ENDPOINTS: dict[str, Handler] = {
    **{
        f"{entity}/item": _by_id(entity)
        for entity in ("cashbalance", "position", "orderversion", "executionreport", "fill", "command")
    },
    **{
        f"{entity}/items": _by_ids(entity)
        for entity in (
            "account",
            "cashbalance",
            "position",
            "order",
            "orderversion",
            "executionreport",
            "fill",
            "command",
        )
    },
    "executionreport/deps": lambda c, q, b: _deps(list(c.book.reports), "orderId", q),
    "account/list": lambda c, q, b: c.book.account_list(),
    "account/item": _account_item,
    "account/find": lambda c, q, b: _item(
        next((a for a in c.book.account_list() if a["name"] == q.get("name")), None), "account"
    ),
    "cashbalance/getcashbalancesnapshot": lambda c, q, b: c.book.cash_snapshot(b.get("accountId")),
    "cashbalance/list": _cash_list,
    "cashbalance/deps": lambda c, q, b: _deps(_cash_list(c, q, b), "accountId", q),
    "position/list": lambda c, q, b: c.book.positions(),
    "position/deps": lambda c, q, b: _deps(c.book.positions(), "accountId", q),
    "order/list": lambda c, q, b: list(c.book.orders.values()),
    "order/deps": lambda c, q, b: _deps(list(c.book.orders.values()), "accountId", q),
    "order/item": lambda c, q, b: _item(c.book.orders.get(_int(q.get("id"))), "order"),
    "orderversion/list": lambda c, q, b: list(c.book.versions.values()),
    "orderversion/deps": lambda c, q, b: _deps(list(c.book.versions.values()), "orderId", q),
    "executionreport/list": lambda c, q, b: list(c.book.reports),
    "fill/list": lambda c, q, b: list(c.book.fills),
    "fill/deps": lambda c, q, b: _deps(list(c.book.fills), "orderId", q),
    "order/placeorder": lambda c, q, b: {"orderId": c.book.place(b)},
    "order/placeoso": lambda c, q, b: c.book.place_oso(b),
    "order/placeoco": lambda c, q, b: c.book.place_oco(b),
    "order/cancelorder": lambda c, q, b: {"commandId": c.book.cancel(b)},
    "order/liquidateposition": lambda c, q, b: {"orderId": c.book.liquidate(b)},
    "contract/find": lambda c, q, b: _item(c.book.contract(str(q.get("name", ""))), "contract"),
    "contract/item": lambda c, q, b: _item(c.book.contract_by_id(q.get("id")), "contract"),
    "contract/items": lambda c, q, b: [
        x for x in (c.book.contract_by_id(i) for i in (q.get("ids") or "").split(",")) if x is not None
    ],
    "command/list": lambda c, q, b: list(c.book.commands),
    "command/deps": lambda c, q, b: _deps(list(c.book.commands), "orderId", q),
    "user/list": lambda c, q, b: [{"id": USER_ID, "name": c.login.username, "status": "Active"}],
    "auth/me": lambda c, q, b: c.me(),
}
