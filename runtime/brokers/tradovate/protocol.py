"""Tradovate's WebSocket protocol, sans-IO: the frames and both ends' session state.

Theory of operation
-------------------
Every Tradovate socket (user, market data, replay) speaks the same SockJS-derived text
protocol (protocols/brokers.md §1.4, §7.3). The server's frames start with their type:
``o`` (open, once), ``h`` (heartbeat), ``a[...]`` (a JSON array of messages) and
``c[code,"reason"]`` (close). A message is either a *response* ``{"i": id, "s": status,
"d": data}`` to a request, or an *event* ``{"e": kind, "d": data}`` pushed by the server
(``props``, ``md``, ``shutdown``, ``clock``, ``chart``). The client sends one request
per frame, four fields split by newlines (endpoint, id, query, body), and ``[]`` as its
heartbeat every 2.5 s.

Two session objects drive it, one per end, each fed text and the current time and
answering with events and the text to send; neither owns a socket, task or clock:

* ``ClientSession`` sends ``authorize`` when it sees ``o`` (or at once, if asked), keeps
  request ids, and says when its next ``[]`` is due and how long the server has been quiet.
* ``ServerSession`` answers ``o`` first, accepts ``authorize`` at any time after the
  upgrade (before or after ``o``), refuses other requests until authorized, sends ``h``
  on its period, and says when a silent client is past its timeout.

The states are tables below; an illegal transition raises ``LocalProtocolError`` naming
state and event. Errors::

    ProtocolError
    ├── LocalProtocolError    we tried something the protocol forbids (our bug)
    └── RemoteProtocolError   the peer sent something we cannot read
"""

from __future__ import annotations

import enum
import itertools
import json
from dataclasses import dataclass, field
from typing import Any, Final

HEARTBEAT_SECONDS: Final = 2.5  # both ends: client `[]` and server `h`
CLIENT_TIMEOUT_SECONDS: Final = 10.0  # the server drops a client silent this long
CLIENT_HEARTBEAT: Final = "[]"


class ProtocolError(Exception):
    pass


class LocalProtocolError(ProtocolError):
    pass


class RemoteProtocolError(ProtocolError):
    pass


# ---------------------------------------------------------------- what a peer sends


@dataclass(frozen=True, slots=True)
class Opened:
    """The server's ``o``."""


@dataclass(frozen=True, slots=True)
class ServerHeartbeat:
    """The server's ``h``."""


@dataclass(frozen=True, slots=True)
class Response:
    id: int
    status: int
    data: Any = None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


@dataclass(frozen=True, slots=True)
class Event:
    """A pushed message: ``props``, ``md``, ``shutdown``, ``clock``, ``chart``…"""

    kind: str
    data: Any


@dataclass(frozen=True, slots=True)
class Closed:
    """The server's ``c[code,"reason"]``."""

    code: int
    reason: str


@dataclass(frozen=True, slots=True)
class Authorized:
    """The answer to our ``authorize``: ``ok``, or the server's reason."""

    ok: bool
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Request:
    """One client request: endpoint (lower-cased for matching), id, query, raw body."""

    endpoint: str
    id: int
    query: str
    body: str

    def json(self) -> Any:
        """The body as JSON (``None`` when empty); RemoteProtocolError when it is not JSON."""
        if not self.body.strip():
            return None
        try:
            return json.loads(self.body)
        except ValueError:
            raise RemoteProtocolError(f"the body of {self.endpoint} #{self.id} is not JSON") from None


@dataclass(frozen=True, slots=True)
class ClientHeartbeat:
    """The client's ``[]``."""


ServerFrameEvent = Opened | ServerHeartbeat | Response | Event | Closed | Authorized
ClientFrameEvent = Request | ClientHeartbeat


# ---------------------------------------------------------------- the codec


def encode_request(endpoint: str, request_id: int, query: str = "", body: Any = None) -> str:
    """``endpoint\\nid\\nquery\\nbody``: a JSON body, a raw string (the authorize token), or empty."""
    if "\n" in endpoint or "\n" in query:
        raise LocalProtocolError("an endpoint or query may not contain a newline")
    text = "" if body is None else body if isinstance(body, str) else json.dumps(body, separators=(",", ":"))
    return f"{endpoint}\n{request_id}\n{query}\n{text}"


def parse_request(text: str) -> ClientFrameEvent:
    """A client frame. Only the first three newlines split it: a pretty-printed JSON body
    keeps its own (§7.3)."""
    if text.strip() == CLIENT_HEARTBEAT:
        return ClientHeartbeat()
    parts = text.split("\n", 3)
    if len(parts) < 2:
        raise RemoteProtocolError(f"a request needs endpoint and id lines: {text[:60]!r}")
    endpoint, raw_id = parts[0].strip(), parts[1].strip()
    query = parts[2].strip() if len(parts) > 2 else ""
    body = parts[3] if len(parts) > 3 else ""
    try:
        request_id = int(raw_id)
    except ValueError:
        raise RemoteProtocolError(f"the request id {raw_id[:20]!r} is not an integer") from None
    if not endpoint:
        raise RemoteProtocolError("a request needs an endpoint")
    return Request(endpoint.lstrip("/").lower(), request_id, query.lstrip("?"), body)


def encode_open() -> str:
    return "o"


def encode_heartbeat() -> str:
    return "h"


def encode_messages(messages: list[dict[str, Any]]) -> str:
    return "a" + json.dumps(messages, separators=(",", ":"), default=str)


def encode_close(code: int, reason: str) -> str:
    return "c" + json.dumps([code, reason])


def response(request_id: int, status: int, data: Any = None) -> dict[str, Any]:
    message: dict[str, Any] = {"s": status, "i": request_id}
    if data is not None:
        message["d"] = data
    return message


def event(kind: str, data: Any) -> dict[str, Any]:
    return {"e": kind, "d": data}


def parse_server_frame(text: str) -> list[ServerFrameEvent]:
    """A server frame as events, in order; RemoteProtocolError for anything else."""
    if not text:
        raise RemoteProtocolError("an empty frame")
    kind, rest = text[0], text[1:]
    if kind == "o":
        return [Opened()]
    if kind == "h":
        return [ServerHeartbeat()]
    try:
        payload = json.loads(rest) if rest else None
    except ValueError:
        raise RemoteProtocolError(f"the {kind!r} frame is not JSON: {text[:60]!r}") from None
    if kind == "c":
        if not isinstance(payload, list) or len(payload) < 2:
            raise RemoteProtocolError(f"a close frame is [code, reason]: {text[:60]!r}")
        return [Closed(int(payload[0]), str(payload[1]))]
    if kind != "a" or not isinstance(payload, list):
        raise RemoteProtocolError(f"an unknown frame: {text[:60]!r}")
    return [_message(m) for m in payload]


def _message(message: Any) -> Response | Event:
    if not isinstance(message, dict):
        raise RemoteProtocolError(f"a message is a JSON object, not {type(message).__name__}")
    if "e" in message:
        return Event(str(message["e"]), message.get("d"))
    try:
        return Response(int(message["i"]), int(message.get("s", 200)), message.get("d"))
    except (KeyError, TypeError, ValueError):
        raise RemoteProtocolError(f"a message with neither an event nor a request id: {message}") from None


def authorize_token(body: str) -> str:
    """The token of an ``authorize`` body: bare, or a JSON string in quotes (§7.3)."""
    body = body.strip()
    if body.startswith('"'):
        try:
            value = json.loads(body)
        except ValueError:
            raise RemoteProtocolError("the authorize token is neither bare nor a JSON string") from None
        if isinstance(value, str):
            return value.strip()
    return body


# ---------------------------------------------------------------- client session


class ClientState(enum.Enum):
    CONNECTING = "connecting"  # socket up, waiting for `o`
    AUTHORIZING = "authorizing"  # `authorize` sent, waiting for its answer
    READY = "ready"
    CLOSED = "closed"


# state → event → next state. ``authorize`` may be sent before `o` (eager clients).
CLIENT_TABLE: Final[dict[ClientState, dict[str, ClientState]]] = {
    ClientState.CONNECTING: {
        "open": ClientState.AUTHORIZING,
        "authorize": ClientState.AUTHORIZING,
        "close": ClientState.CLOSED,
    },
    ClientState.AUTHORIZING: {
        "open": ClientState.AUTHORIZING,
        "authorized": ClientState.READY,
        "refused": ClientState.CLOSED,
        "close": ClientState.CLOSED,
    },
    ClientState.READY: {"close": ClientState.CLOSED},
    ClientState.CLOSED: {"close": ClientState.CLOSED},
}


def _move(table: dict[Any, dict[str, Any]], state: Any, what: str) -> Any:
    try:
        return table[state][what]
    except KeyError:
        raise LocalProtocolError(f"cannot {what} in state {state.value}") from None


@dataclass(slots=True)
class ClientSession:
    """The client end of one socket. ``token`` is what ``authorize`` carries."""

    token: str
    heartbeat: float = HEARTBEAT_SECONDS
    state: ClientState = ClientState.CONNECTING
    last_heard: float = 0.0
    last_sent: float = 0.0
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _authorize_id: int | None = None
    _outbox: list[str] = field(default_factory=list)

    def start(self, now: float, *, eager: bool = False) -> None:
        self.last_heard = self.last_sent = now
        if eager:
            self._authorize()

    def _authorize(self) -> None:
        self.state = _move(CLIENT_TABLE, self.state, "authorize")
        self._authorize_id = 0 if self._authorize_id is None else self._authorize_id
        self._outbox.append(encode_request("authorize", self._authorize_id, "", self.token))

    def receive(self, text: str, now: float) -> list[ServerFrameEvent]:
        """Events of one server frame. ``Authorized`` replaces the authorize response."""
        self.last_heard = now
        out: list[ServerFrameEvent] = []
        for item in parse_server_frame(text):
            if isinstance(item, Opened) and self.state is ClientState.CONNECTING:
                self._authorize()
            elif (
                isinstance(item, Response)
                and item.id == self._authorize_id
                and self.state is ClientState.AUTHORIZING
            ):
                ok = item.ok
                self.state = _move(CLIENT_TABLE, self.state, "authorized" if ok else "refused")
                item = Authorized(ok, "" if ok else str(item.data or f"status {item.status}"))
            elif isinstance(item, Closed):
                self.state = ClientState.CLOSED
            out.append(item)
        return out

    def request(self, endpoint: str, query: str = "", body: Any = None) -> int:
        """Queue a request; its id, to match the response with."""
        if self.state is not ClientState.READY:
            raise LocalProtocolError(f"cannot send {endpoint} in state {self.state.value}")
        request_id = next(self._ids)
        self._outbox.append(encode_request(endpoint, request_id, query, body))
        return request_id

    def tick(self, now: float) -> float:
        """Queue ``[]`` when due (any frame we sent counts); when the next one is due."""
        if self.state is not ClientState.CLOSED and now - self.last_sent >= self.heartbeat:
            self._outbox.append(CLIENT_HEARTBEAT)
            return now + self.heartbeat
        return self.last_sent + self.heartbeat

    def quiet_for(self, now: float) -> float:
        return now - self.last_heard

    def outbox(self, now: float) -> list[str]:
        """The frames to send now, in order."""
        frames, self._outbox = self._outbox, []
        if frames:
            self.last_sent = now
        return frames


# ---------------------------------------------------------------- server session


class ServerState(enum.Enum):
    OPEN = "open"  # `o` sent; only authorize is accepted
    AUTHORIZED = "authorized"
    CLOSED = "closed"


SERVER_TABLE: Final[dict[ServerState, dict[str, ServerState]]] = {
    ServerState.OPEN: {
        "authorized": ServerState.AUTHORIZED,
        "refused": ServerState.OPEN,
        "close": ServerState.CLOSED,
    },
    ServerState.AUTHORIZED: {"close": ServerState.CLOSED},
    ServerState.CLOSED: {"close": ServerState.CLOSED},
}


@dataclass(frozen=True, slots=True)
class Authorize:
    """A client's ``authorize``: the shell checks the token and calls ``authorized``."""

    id: int
    token: str


@dataclass(slots=True)
class ServerSession:
    heartbeat: float = HEARTBEAT_SECONDS
    client_timeout: float = CLIENT_TIMEOUT_SECONDS
    state: ServerState = ServerState.OPEN
    last_heard: float = 0.0
    last_beat: float = 0.0
    _messages: list[dict[str, Any]] = field(default_factory=list)
    _frames: list[str] = field(default_factory=list)

    def start(self, now: float) -> None:
        """The socket is up: `o` goes first."""
        self.last_heard = self.last_beat = now
        self._frames.append(encode_open())

    def receive(self, text: str, now: float) -> list[Authorize | Request]:
        """What the client asks. Requests before authorization are refused here with
        401, as the real server does; a heartbeat only counts as a sign of life."""
        self.last_heard = now
        item = parse_request(text)
        if isinstance(item, ClientHeartbeat):
            return []
        if item.endpoint == "authorize":
            if self.state is ServerState.AUTHORIZED:
                self.respond(item.id, 200)  # a second authorize on the same socket: already done
                return []
            return [Authorize(item.id, authorize_token(item.body))]
        if self.state is not ServerState.AUTHORIZED:
            self.respond(item.id, 401, "Access is denied")
            return []
        return [item]

    def authorized(self, request_id: int, ok: bool, reason: str = "Access is denied") -> None:
        self.state = _move(SERVER_TABLE, self.state, "authorized" if ok else "refused")
        self.respond(request_id, 200 if ok else 401, None if ok else reason)

    def respond(self, request_id: int, status: int, data: Any = None) -> None:
        self._messages.append(response(request_id, status, data))

    def push(self, kind: str, data: Any) -> None:
        if self.state is ServerState.AUTHORIZED:
            self._messages.append(event(kind, data))

    def close(self, code: int, reason: str) -> None:
        self.state = _move(SERVER_TABLE, self.state, "close")
        self._flush_messages()
        self._frames.append(encode_close(code, reason))

    def tick(self, now: float, *, beat: bool = True) -> None:
        """Queue `h` when its period has passed (``beat`` false: a heartbeat fault)."""
        if now - self.last_beat >= self.heartbeat:
            self.last_beat = now
            if beat and self.state is not ServerState.CLOSED:
                self._frames.append(encode_heartbeat())

    def client_gone(self, now: float) -> bool:
        return now - self.last_heard > self.client_timeout

    def _flush_messages(self) -> None:
        if self._messages:
            self._frames.append(encode_messages(self._messages))
            self._messages = []

    def outbox(self) -> list[str]:
        """Frames to send now; queued messages travel together in one `a` frame."""
        self._flush_messages()
        frames, self._frames = self._frames, []
        return frames
