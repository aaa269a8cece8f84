"""The SignalR JSON hub protocol, sans-IO: text in, events out; events in, text out.

Theory of operation
-------------------
ProjectX streams over ASP.NET Core SignalR with the JSON hub protocol on WebSockets.
Every message is a JSON object followed by the record separator ``0x1E``; one WebSocket
frame may carry several records, and a record may in principle be split across frames,
so the reader buffers until it sees a separator. The connection starts with a
handshake: the client sends ``{"protocol":"json","version":1}``, the server answers
``{}`` (or ``{"error": ...}`` and closes). After that both sides exchange typed
messages:

====  ==================  ==========================================================
type  message             fields
====  ==================  ==========================================================
1     Invocation          ``target``, ``arguments``, ``invocationId`` only when a
                          completion is wanted (no id: fire-and-forget "send")
2     StreamItem          ``invocationId``, ``item``
3     Completion          ``invocationId``, then ``result`` or ``error`` or neither
4     StreamInvocation    as Invocation, always with an id
5     CancelInvocation    ``invocationId``
6     Ping                —
7     Close               ``error``, ``allowReconnect`` (both optional)
====  ==================  ==========================================================

Unknown keys are ignored (clients send ``headers``), and so are message types this
side does not speak (8 Ack and 9 Sequence belong to stateful reconnect, which neither
side negotiates), so a newer peer never breaks us.

``HubConnection`` is one side of one connection. Its state moves by the table
``TRANSITIONS`` (state → what happened → next state): a client starts in
``AWAITING_HANDSHAKE`` after ``initiate()``; a server starts there and leaves it when it
``accept()``s or ``refuse()``s the handshake request it received. Either side ends in
``CLOSED`` after sending or receiving a Close. The client side also numbers its
invocations and remembers which ones await a completion, dropping completions nobody
asked for (a late answer to a request that was given up on).

Errors: ``LocalProtocolError`` when this side tries something the protocol forbids (our
bug); ``RemoteProtocolError`` when the peer sends something malformed (its bug). The
shells catch the latter at the boundary; nothing here raises anything else.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass, field
from typing import Any

RECORD_SEPARATOR = "\x1e"
MAX_RECORD_CHARS = 1 << 20  # clients send frames up to 1 MiB; a longer record is hostile


class LocalProtocolError(Exception):
    """This side tried something the protocol forbids."""


class RemoteProtocolError(Exception):
    """The peer sent something the protocol forbids."""


class MessageType(enum.IntEnum):
    INVOCATION = 1
    STREAM_ITEM = 2
    COMPLETION = 3
    STREAM_INVOCATION = 4
    CANCEL_INVOCATION = 5
    PING = 6
    CLOSE = 7


class Role(enum.Enum):
    CLIENT = "client"
    SERVER = "server"


class State(enum.Enum):
    IDLE = "idle"
    AWAITING_HANDSHAKE = "awaiting_handshake"
    OPEN = "open"
    CLOSED = "closed"


# ---------------------------------------------------------------------------- events


@dataclass(frozen=True, slots=True)
class HandshakeRequest:
    protocol: str = "json"
    version: int = 1


@dataclass(frozen=True, slots=True)
class HandshakeResponse:
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Invocation:
    target: str
    arguments: tuple[Any, ...] = ()
    invocation_id: str | None = None


@dataclass(frozen=True, slots=True)
class StreamInvocation:
    target: str
    arguments: tuple[Any, ...]
    invocation_id: str


@dataclass(frozen=True, slots=True)
class StreamItem:
    invocation_id: str
    item: Any


@dataclass(frozen=True, slots=True)
class CancelInvocation:
    invocation_id: str


@dataclass(frozen=True, slots=True)
class Completion:
    invocation_id: str
    result: Any = None
    error: str | None = None
    has_result: bool = False


@dataclass(frozen=True, slots=True)
class Ping:
    pass


@dataclass(frozen=True, slots=True)
class Close:
    error: str | None = None
    allow_reconnect: bool | None = None


Message = Invocation | StreamInvocation | StreamItem | CancelInvocation | Completion | Ping | Close
Event = HandshakeRequest | HandshakeResponse | Message


# ---------------------------------------------------------------------------- framing


class RecordReader:
    """Splits incoming text into records at ``0x1E``, keeping a partial record for later."""

    def __init__(self) -> None:
        self._buffer = ""

    def feed(self, data: str | bytes) -> list[str]:
        if isinstance(data, bytes):
            try:
                data = data.decode("utf-8")
            except UnicodeDecodeError:
                raise RemoteProtocolError("a frame that is not UTF-8") from None
        self._buffer += data
        *records, self._buffer = self._buffer.split(RECORD_SEPARATOR)
        if len(self._buffer) > MAX_RECORD_CHARS:
            raise RemoteProtocolError(f"a record longer than {MAX_RECORD_CHARS} characters")
        return [r for r in records if r.strip()]


def _record(obj: dict[str, Any]) -> str:
    return json.dumps(obj, separators=(",", ":"), allow_nan=False) + RECORD_SEPARATOR


def _parse_json(record: str) -> dict[str, Any]:
    try:
        obj = json.loads(record)
    except ValueError:
        raise RemoteProtocolError(f"a record that is not JSON: {record[:80]!r}") from None
    if not isinstance(obj, dict):
        raise RemoteProtocolError(f"a record that is not a JSON object: {record[:80]!r}")
    return obj


def _id(obj: dict[str, Any], required: bool) -> str | None:
    raw = obj.get("invocationId")
    if raw is None:
        if required:
            raise RemoteProtocolError(f"a type {obj.get('type')} message without invocationId")
        return None
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        raise RemoteProtocolError(f"an invocationId that is not a string: {raw!r}")
    return str(raw)  # some clients number with integers; the protocol says string


def _target_and_arguments(obj: dict[str, Any]) -> tuple[str, tuple[Any, ...]]:
    target = obj.get("target")
    if not isinstance(target, str) or not target:
        raise RemoteProtocolError(f"an invocation without a target: {obj!r:.80}")
    arguments = obj.get("arguments", [])
    if not isinstance(arguments, list):
        raise RemoteProtocolError(f"arguments of {target} that are not a list")
    return target, tuple(arguments)


def decode_message(record: str) -> Message | None:
    """One hub message from one record; None for a message type we do not speak."""
    obj = _parse_json(record)
    kind = obj.get("type")
    if isinstance(kind, bool) or not isinstance(kind, int):
        raise RemoteProtocolError(f"a message without an integer type: {record[:80]!r}")
    if kind == MessageType.INVOCATION:
        target, arguments = _target_and_arguments(obj)
        return Invocation(target, arguments, _id(obj, required=False))
    if kind == MessageType.STREAM_INVOCATION:
        target, arguments = _target_and_arguments(obj)
        return StreamInvocation(target, arguments, _id(obj, required=True) or "")
    if kind == MessageType.STREAM_ITEM:
        return StreamItem(_id(obj, required=True) or "", obj.get("item"))
    if kind == MessageType.CANCEL_INVOCATION:
        return CancelInvocation(_id(obj, required=True) or "")
    if kind == MessageType.COMPLETION:
        error = obj.get("error")
        if error is not None and not isinstance(error, str):
            error = str(error)
        return Completion(_id(obj, required=True) or "", obj.get("result"), error, "result" in obj)
    if kind == MessageType.PING:
        return Ping()
    if kind == MessageType.CLOSE:
        error = obj.get("error")
        allow = obj.get("allowReconnect")
        return Close(error if isinstance(error, str) else None, allow if isinstance(allow, bool) else None)
    return None


def encode_message(message: Message) -> str:
    """One record for one hub message."""
    match message:
        case Invocation(target, arguments, invocation_id):
            obj: dict[str, Any] = {"type": 1, "target": target, "arguments": list(arguments)}
            if invocation_id is not None:
                obj["invocationId"] = invocation_id
        case StreamInvocation(target, arguments, invocation_id):
            obj = {"type": 4, "invocationId": invocation_id, "target": target, "arguments": list(arguments)}
        case StreamItem(invocation_id, item):
            obj = {"type": 2, "invocationId": invocation_id, "item": item}
        case CancelInvocation(invocation_id):
            obj = {"type": 5, "invocationId": invocation_id}
        case Completion(invocation_id, result, error, has_result):
            if error is not None and has_result:
                raise LocalProtocolError("a completion carries a result or an error, not both")
            obj = {"type": 3, "invocationId": invocation_id}
            if error is not None:
                obj["error"] = error
            elif has_result:
                obj["result"] = result
        case Ping():
            obj = {"type": 6}
        case Close(error, allow_reconnect):
            obj = {"type": 7}
            if error is not None:
                obj["error"] = error
            if allow_reconnect is not None:
                obj["allowReconnect"] = allow_reconnect
        case _:
            raise LocalProtocolError(f"not a hub message: {message!r}")
    try:
        return _record(obj)
    except (TypeError, ValueError) as exc:
        raise LocalProtocolError(f"a message that is not JSON-serialisable: {exc}") from None


# ---------------------------------------------------------------------------- connection state

# state → what happened → next state; anything missing is illegal.
TRANSITIONS: dict[State, dict[str, State]] = {
    State.IDLE: {"initiate": State.AWAITING_HANDSHAKE},
    State.AWAITING_HANDSHAKE: {
        "handshake_request": State.AWAITING_HANDSHAKE,
        "accept": State.OPEN,
        "refuse": State.CLOSED,
        "handshake_ok": State.OPEN,
        "handshake_error": State.CLOSED,
        "close": State.CLOSED,
    },
    State.OPEN: {"message": State.OPEN, "close": State.CLOSED},
    State.CLOSED: {"close": State.CLOSED},
}


@dataclass
class HubConnection:
    """One side of one hub connection: framing, handshake, invocation ids."""

    role: Role
    state: State = State.IDLE
    _reader: RecordReader = field(default_factory=RecordReader)
    _next_id: int = 0
    _awaiting: set[str] = field(default_factory=set)
    _handshake_seen: bool = False

    def __post_init__(self) -> None:
        if self.role is Role.SERVER:
            self.state = State.AWAITING_HANDSHAKE

    def _move(self, what: str, error: type[Exception] = LocalProtocolError) -> None:
        nxt = TRANSITIONS[self.state].get(what)
        if nxt is None:
            raise error(f"{what} is not allowed in state {self.state.value}")
        self.state = nxt

    # -- client side

    def initiate(self) -> str:
        """The handshake request a client sends first."""
        if self.role is not Role.CLIENT:
            raise LocalProtocolError("only a client initiates the handshake")
        self._move("initiate")
        return _record({"protocol": "json", "version": 1})

    def invoke(
        self, target: str, arguments: tuple[Any, ...] = (), *, completion: bool = True
    ) -> tuple[str, str | None]:
        """A call to a hub method: the text to send and the id its completion will carry."""
        invocation_id: str | None = None
        if completion:
            self._next_id += 1
            invocation_id = str(self._next_id)
            self._awaiting.add(invocation_id)
        return self.send(Invocation(target, arguments, invocation_id)), invocation_id

    def forget(self, invocation_id: str) -> None:
        """Give up on a completion; if it comes later it is dropped."""
        self._awaiting.discard(invocation_id)

    @property
    def awaiting(self) -> frozenset[str]:
        return frozenset(self._awaiting)

    # -- server side

    def accept(self) -> str:
        """The answer to a good handshake request."""
        if self.role is not Role.SERVER or not self._handshake_seen:
            raise LocalProtocolError("accept answers a handshake request the server received")
        self._move("accept")
        return _record({})

    def refuse(self, error: str) -> str:
        """The answer to a bad handshake request; the server closes the socket after it."""
        if self.role is not Role.SERVER:
            raise LocalProtocolError("only a server refuses a handshake")
        self._move("refuse")
        return _record({"error": error})

    # -- both sides

    def send(self, message: Message) -> str:
        if isinstance(message, Close):
            self._move("close")
        else:
            self._move("message")
        return encode_message(message)

    def receive(self, data: str | bytes) -> list[Event]:
        """Every complete event in ``data`` (and what earlier data left unfinished)."""
        events: list[Event] = []
        for record in self._reader.feed(data):
            event = self._receive_record(record)
            if event is not None:
                events.append(event)
        return events

    def _receive_record(self, record: str) -> Event | None:
        if self.state is State.CLOSED:
            return None  # whatever trails a Close is moot
        if self.state is State.AWAITING_HANDSHAKE:
            return self._receive_handshake(record)
        if self.state is State.IDLE:
            raise LocalProtocolError("a client must initiate before it receives")
        message = decode_message(record)
        if message is None:
            return None
        if isinstance(message, Close):
            self._move("close", RemoteProtocolError)
            return message
        if isinstance(message, Completion) and self.role is Role.CLIENT:
            if message.invocation_id not in self._awaiting:
                return None  # an answer nobody waits for any more
            self._awaiting.discard(message.invocation_id)
        return message

    def _receive_handshake(self, record: str) -> Event:
        obj = _parse_json(record)
        if self.role is Role.SERVER:
            if self._handshake_seen:
                raise RemoteProtocolError("a message before the handshake was answered")
            protocol, version = obj.get("protocol"), obj.get("version")
            if not isinstance(protocol, str) or isinstance(version, bool) or not isinstance(version, int):
                raise RemoteProtocolError(
                    f"a handshake request without protocol and version: {record[:80]!r}"
                )
            self._handshake_seen = True
            self._move("handshake_request", RemoteProtocolError)
            return HandshakeRequest(protocol, version)
        error = obj.get("error")
        if error is not None:
            self._move("handshake_error", RemoteProtocolError)
            return HandshakeResponse(str(error))
        self._move("handshake_ok", RemoteProtocolError)
        return HandshakeResponse()


def handshake_error(request: HandshakeRequest) -> str | None:
    """Why a server cannot take this handshake request, or None when it can."""
    if request.protocol != "json":
        return f"The protocol '{request.protocol}' is not supported."
    if request.version != 1:
        return f"The server does not support version {request.version} of the 'json' protocol."
    return None
