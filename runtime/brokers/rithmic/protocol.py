"""R|Protocol sessions, sans-IO: frames in, events out; requests in, frames out.

Theory of operation
-------------------
One WebSocket carries one *plant* (ticker, order, PnL, ...) and one session. A client
session starts ``IDLE``: it may ask for the system list (16) or a system's gateways (20),
then logs in (10) and waits in ``LOGGING_IN`` for the reply (11). A reply with ``rp_code``
``["0"]`` moves it to ``LOGGED_IN`` and fixes the heartbeat interval; any other code sends
it back to ``IDLE``. Logout (12 → 13) and a forced logout (77) end it in ``CLOSED``. The
server session walks the same states from the other side. Both tables are below; a step
the table does not hold raises LocalProtocolError (we asked for it) naming state and input.

Requests and replies are matched by ``user_msg``: every request gets a fresh key there and
the server echoes it on every reply frame. A reply is one frame carrying ``rp_code``, or
several: ``rq_handler_rp_code`` on each data row, ``rp_code`` on the last. Snapshot rows
that have no ``user_msg`` field (352 after 320 and 3506; 450/451 after 402) are matched by
template id, ``account_id`` and ``is_snapshot``. Each request has a deadline; ``poll(now)`` turns a
passed deadline into ``TimedOut`` and forgets the request, so frames that straggle in
after it are dropped. ``rp_code`` ``["0"]`` is success, ``["7", "no data"]`` is an empty
success, anything else a ``Failed`` event with the code and the text.

Heartbeats: after login the client sends one at once, then every ``interval - 1`` seconds
(the interval comes from the login reply). ``poll(now)`` hands back the frames that are
due and ``next_wakeup()`` says when to call it again, so the shell needs only one timer
and tests need only a fake clock. Nothing here reads the clock, opens a socket or sleeps.
"""

from __future__ import annotations

import enum
import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from google.protobuf.message import Message

from ordergate.runtime.brokers.rithmic import codec
from ordergate.runtime.brokers.rithmic.errors import LocalProtocolError, RemoteProtocolError

TEMPLATE_VERSION: Final = "3.9"
OK: Final = ("0",)
NO_DATA: Final = ("7", "no data")
DEFAULT_TIMEOUT: Final = 10.0


class Plant(enum.IntEnum):
    """``infra_type`` of a login: which plant the socket talks to."""

    TICKER = 1
    ORDER = 2
    HISTORY = 3
    PNL = 4
    REPOSITORY = 5


class State(enum.Enum):
    IDLE = "idle"
    LOGGING_IN = "logging_in"
    LOGGED_IN = "logged_in"
    LOGGING_OUT = "logging_out"
    CLOSED = "closed"


class Input(enum.Enum):
    LOGIN_SENT = "login_sent"
    LOGIN_ACCEPTED = "login_accepted"
    LOGIN_REFUSED = "login_refused"
    LOGOUT_SENT = "logout_sent"
    LOGOUT_DONE = "logout_done"
    FORCED_LOGOUT = "forced_logout"
    CLOSE = "close"


_ENDS = {Input.FORCED_LOGOUT: State.CLOSED, Input.CLOSE: State.CLOSED}
CLIENT_TABLE: Final[dict[State, dict[Input, State]]] = {
    State.IDLE: {Input.LOGIN_SENT: State.LOGGING_IN, **_ENDS},
    State.LOGGING_IN: {Input.LOGIN_ACCEPTED: State.LOGGED_IN, Input.LOGIN_REFUSED: State.IDLE, **_ENDS},
    State.LOGGED_IN: {Input.LOGOUT_SENT: State.LOGGING_OUT, **_ENDS},
    State.LOGGING_OUT: {Input.LOGOUT_DONE: State.CLOSED, **_ENDS},
    State.CLOSED: {Input.CLOSE: State.CLOSED},
}
# The server answers a login at once, so it never waits in LOGGING_IN or LOGGING_OUT.
SERVER_TABLE: Final[dict[State, dict[Input, State]]] = {
    State.IDLE: {Input.LOGIN_ACCEPTED: State.LOGGED_IN, Input.LOGIN_REFUSED: State.IDLE, **_ENDS},
    State.LOGGED_IN: {Input.LOGOUT_DONE: State.CLOSED, **_ENDS},
    State.CLOSED: {Input.CLOSE: State.CLOSED, Input.FORCED_LOGOUT: State.CLOSED},
}


def step(table: dict[State, dict[Input, State]], state: State, event: Input) -> State:
    try:
        return table[state][event]
    except KeyError:
        raise LocalProtocolError(f"{event.value} is not allowed in state {state.value}") from None


# Templates a session may exchange before its login: the system and gateway lists.
PRE_LOGIN: Final = frozenset({16, 20})
# Request template → the pushed templates whose snapshot rows belong to its reply.
SNAPSHOT_ROWS: Final[dict[int, frozenset[int]]] = {
    320: frozenset({351, 352}),
    402: frozenset({450, 451}),
    3506: frozenset({352}),
}
FILL = 5  # 352 notify_type of an execution: a replay's rows (3506) are fills and only fills
# Reply templates (request + 1). The heartbeat reply (19) is not here: heartbeats are not
# tracked as requests, so 19 arrives as a push that shows the gateway is alive.
REPLIES: Final = frozenset(
    {11, 13, 15, 17, 21, 101, 114, 301, 303, 309, 311, 313, 317, 321, 331, 337, 347, 401, 403, 3505, 3507}
)


# ---------------------------------------------------------------- events (client side)


@dataclass(frozen=True, slots=True)
class Completed:
    """A request's reply is complete: its data rows and the final frame."""

    key: str
    template_id: int
    # Typed loosely on purpose: the message class depends on the template id.
    rows: tuple[Any, ...]
    last: Any


@dataclass(frozen=True, slots=True)
class Failed:
    key: str
    template_id: int
    code: str
    text: str


@dataclass(frozen=True, slots=True)
class TimedOut:
    key: str
    template_id: int


@dataclass(frozen=True, slots=True)
class Pushed:
    """A message nobody asked for: quotes, order notifications, PnL updates, heartbeats."""

    template_id: int
    message: Message


@dataclass(frozen=True, slots=True)
class ForcedOut:
    """77: the gateway ended the session (another login took it, or a session limit)."""


@dataclass(frozen=True, slots=True)
class Rejected:
    """75 that answers no request of ours."""

    code: str
    text: str


Event = Completed | Failed | TimedOut | Pushed | ForcedOut | Rejected


def rp_code_of(message: Message) -> tuple[str, ...] | None:
    """The final ``rp_code`` of a reply frame; None on a data row (or a message without one)."""
    codes = getattr(message, "rp_code", None)
    if codes is None or len(codes) == 0:
        return None
    return tuple(codes)


def user_msg_of(message: Message) -> tuple[str, ...]:
    return tuple(getattr(message, "user_msg", ()))


@dataclass(slots=True)
class _Pending:
    key: str
    template_id: int
    deadline: float
    account_id: str | None
    rows: list[Message] = field(default_factory=list)


class ClientSession:
    """The client side of one plant's socket."""

    def __init__(self, plant: Plant, *, timeout: float = DEFAULT_TIMEOUT, prefix: str = "og") -> None:
        self.plant = plant
        self.state = State.IDLE
        self.timeout = timeout
        self.heartbeat_interval: float | None = None
        self.fcm_id = ""
        self.ib_id = ""
        self.skipped = 0  # frames of templates we do not know, skipped
        self._next_heartbeat: float | None = None
        self._keys = (f"{prefix}-{plant.name.lower()}-{n}" for n in itertools.count(1))
        self._pending: dict[str, _Pending] = {}
        self._login_key: str | None = None
        self._logout_key: str | None = None

    # ------------------------------------------------------------ what we send

    def request(
        self, template_id: int, now: float, *, timeout: float | None = None, **fields: object
    ) -> tuple[str, bytes]:
        """Frame a request with a fresh ``user_msg`` key and a deadline; the key names its reply."""
        if self.state is State.CLOSED:
            raise LocalProtocolError(f"template {template_id}: the session is closed")
        if self.state is not State.LOGGED_IN and template_id not in PRE_LOGIN and template_id != 10:
            raise LocalProtocolError(f"template {template_id} needs a login (state {self.state.value})")
        key = next(self._keys)
        frame = codec.encode(codec.new(template_id, user_msg=[key], **fields))
        account = fields.get("account_id")
        self._pending[key] = _Pending(
            key,
            template_id,
            now + (self.timeout if timeout is None else timeout),
            account if isinstance(account, str) else None,
        )
        return key, frame

    def login(
        self,
        now: float,
        *,
        user: str,
        password: str,
        system_name: str,
        app_name: str,
        app_version: str,
    ) -> tuple[str, bytes]:
        self.state = step(CLIENT_TABLE, self.state, Input.LOGIN_SENT)
        key, frame = self.request(
            10,
            now,
            template_version=TEMPLATE_VERSION,
            user=user,
            password=password,
            system_name=system_name,
            app_name=app_name,
            app_version=app_version,
            infra_type=int(self.plant),
        )
        self._login_key = key
        return key, frame

    def logout(self, now: float) -> tuple[str, bytes]:
        key, frame = self.request(12, now)
        self.state = step(CLIENT_TABLE, self.state, Input.LOGOUT_SENT)
        self._logout_key = key
        return key, frame

    def close(self) -> list[Event]:
        """The socket is gone: every open request fails, nothing more is sent."""
        self.state = step(CLIENT_TABLE, self.state, Input.CLOSE)
        self._next_heartbeat = None
        failed: list[Event] = [
            Failed(p.key, p.template_id, "closed", "the connection closed") for p in self._pending.values()
        ]
        self._pending.clear()
        return failed

    # ------------------------------------------------------------ timers

    def next_wakeup(self) -> float | None:
        times = [p.deadline for p in self._pending.values()]
        if self._next_heartbeat is not None:
            times.append(self._next_heartbeat)
        return min(times, default=None)

    def poll(self, now: float) -> tuple[list[Event], list[bytes]]:
        """Deadlines that passed and heartbeats that are due at ``now``."""
        events: list[Event] = []
        for key, pending in list(self._pending.items()):
            if pending.deadline <= now:
                del self._pending[key]
                events.append(TimedOut(key, pending.template_id))
        frames: list[bytes] = []
        if self._next_heartbeat is not None and now >= self._next_heartbeat and self.state is State.LOGGED_IN:
            frames.append(codec.encode(codec.new(18, ssboe=int(now), usecs=int(now % 1 * 1e6))))
            assert self.heartbeat_interval is not None
            # The gateway drops a client that stays silent past the interval; one second of
            # margin is what real clients keep (protocols/brokers.md §7.1).
            self._next_heartbeat = now + max(self.heartbeat_interval - 1.0, 1.0)
        return events, frames

    def pending(self) -> int:
        return len(self._pending)

    # ------------------------------------------------------------ what we receive

    def receive(self, frame: bytes, now: float) -> list[Event]:
        """Events for one frame; RemoteProtocolError for a frame that breaks the protocol."""
        template_id, message = codec.decode(frame)
        if message is None:
            self.skipped += 1
            return []
        if template_id == 77:
            self.state = step(CLIENT_TABLE, self.state, Input.FORCED_LOGOUT)
            self._next_heartbeat = None
            return [ForcedOut()]
        keys = [k for k in user_msg_of(message) if k in self._pending]
        if template_id == 75:
            code, text = _split(rp_code_of(message) or ("", "rejected"))
            if keys:
                return [self._fail(self._pending.pop(keys[0]), code, text)]
            return [Rejected(code, text)]
        if keys:
            return self._reply(self._pending[keys[0]], template_id, message, now)
        if user_msg_of(message):
            return []  # a straggler for a request that timed out or completed: dropped
        return self._unsolicited(template_id, message, now)

    def _unsolicited(self, template_id: int, message: Message, now: float) -> list[Event]:
        if getattr(message, "is_snapshot", False):
            owner = self._snapshot_owner(template_id, message)
            if owner is not None:
                owner.rows.append(message)
                return []
        if template_id in REPLIES:
            # A reply without user_msg: a server that does not echo it; give it to the one
            # request of that kind, if there is exactly one.
            owners = [p for p in self._pending.values() if p.template_id + 1 == template_id]
            if len(owners) == 1:
                return self._reply(owners[0], template_id, message, now)
        return [Pushed(template_id, message)]

    def _snapshot_owner(self, template_id: int, message: Message) -> _Pending | None:
        account = getattr(message, "account_id", None)
        # A fill row goes to an execution replay of its account before an order list
        # asked at the same time: both answer with 352 snapshot rows.
        replay_first = template_id == 352 and getattr(message, "notify_type", 0) == FILL
        candidates = sorted(self._pending.values(), key=lambda p: p.template_id != 3506 or not replay_first)
        for pending in candidates:
            rows = SNAPSHOT_ROWS.get(pending.template_id, frozenset())
            if pending.template_id == 3506 and not replay_first:
                continue
            if template_id in rows and (pending.account_id is None or pending.account_id == account):
                return pending
        return None

    def _reply(self, pending: _Pending, template_id: int, message: Message, now: float) -> list[Event]:
        if template_id != pending.template_id + 1:
            raise RemoteProtocolError(
                f"template {template_id} answers request {pending.key} of template {pending.template_id}"
            )
        code = rp_code_of(message)
        if code is None:
            pending.rows.append(message)
            return []
        del self._pending[pending.key]
        if code in (OK, NO_DATA):
            if pending.key == self._login_key:
                self._logged_in(message, now)
            elif pending.key == self._logout_key:
                self.state = step(CLIENT_TABLE, self.state, Input.LOGOUT_DONE)
            return [Completed(pending.key, pending.template_id, tuple(pending.rows), message)]
        return [self._fail(pending, *_split(code))]

    def _fail(self, pending: _Pending, code: str, text: str) -> Failed:
        if pending.key == self._login_key and self.state is State.LOGGING_IN:
            self.state = step(CLIENT_TABLE, self.state, Input.LOGIN_REFUSED)
        return Failed(pending.key, pending.template_id, code, text)

    def _logged_in(self, reply: Message, now: float) -> None:
        interval = float(getattr(reply, "heartbeat_interval", 0.0) or 0.0)
        if interval <= 1.0:
            raise RemoteProtocolError(
                f"the login reply gives a heartbeat interval of {interval:g} s; it must be above 1"
            )
        self.state = step(CLIENT_TABLE, self.state, Input.LOGIN_ACCEPTED)
        self.heartbeat_interval = interval
        self.fcm_id = str(getattr(reply, "fcm_id", ""))
        self.ib_id = str(getattr(reply, "ib_id", ""))
        self._next_heartbeat = now  # one heartbeat right after the login


def _split(code: Iterable[str]) -> tuple[str, str]:
    parts = list(code)
    return (parts[0] if parts else ""), " ".join(parts[1:])


# ---------------------------------------------------------------- server side


@dataclass(frozen=True, slots=True)
class Request:
    """A request the server must answer: its template, message and ``user_msg`` to echo."""

    template_id: int
    message: Message
    user_msg: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Refused:
    """A frame the server answers with Reject (75) and nothing else."""

    user_msg: tuple[str, ...]
    code: str
    text: str


ServerEvent = Request | Refused


class ServerSession:
    """The gateway side of one socket: checks the state, frames replies and pushes."""

    def __init__(self) -> None:
        self.state = State.IDLE
        self.plant: Plant | None = None
        self.user = ""
        self.last_received: float | None = None
        self.skipped = 0

    def receive(self, frame: bytes, now: float) -> list[ServerEvent]:
        self.last_received = now
        try:
            template_id, message = codec.decode(frame)
        except RemoteProtocolError as exc:
            return [Refused((), "3", str(exc))]
        if message is None:
            self.skipped += 1
            return []
        user_msg = user_msg_of(message)
        if self.state is State.CLOSED:
            return []
        if self.state is not State.LOGGED_IN and template_id not in PRE_LOGIN and template_id != 10:
            return [Refused(user_msg, "6", "bad input: log in first")]
        if self.state is State.LOGGED_IN and template_id == 10:
            return [Refused(user_msg, "6", "already logged in")]
        return [Request(template_id, message, user_msg)]

    def accept_login(
        self, request: Request, plant: Plant, user: str, *, heartbeat_interval: float, **fields: object
    ) -> bytes:
        if heartbeat_interval <= 1.0:
            raise LocalProtocolError(
                "a heartbeat interval must be above 1 s (clients send every interval - 1)"
            )
        self.state = step(SERVER_TABLE, self.state, Input.LOGIN_ACCEPTED)
        self.plant, self.user = plant, user
        last = {"template_version": TEMPLATE_VERSION, "heartbeat_interval": heartbeat_interval, **fields}
        return self.reply(request, last=last)[0]

    def refuse_login(self, request: Request, code: str, text: str) -> bytes:
        self.state = step(SERVER_TABLE, self.state, Input.LOGIN_REFUSED)
        return self.reply(request, rp_code=[code, text])[0]

    def logout(self, request: Request) -> bytes:
        frame = self.reply(request)[0]
        self.state = step(SERVER_TABLE, self.state, Input.LOGOUT_DONE)
        return frame

    def reply(
        self,
        request: Request,
        rows: Iterable[Mapping[str, object]] = (),
        *,
        rp_code: Iterable[str] = OK,
        last: Mapping[str, object] | None = None,
    ) -> list[bytes]:
        """The reply to ``request``: each row with ``rq_handler_rp_code``, then the final frame
        with ``rp_code`` and the fields in ``last``. Every frame echoes ``user_msg``."""
        template_id = request.template_id + 1
        echo = list(request.user_msg)
        frames = [
            codec.encode(codec.new(template_id, user_msg=echo, rq_handler_rp_code=list(OK), **row))
            for row in rows
        ]
        frames.append(
            codec.encode(codec.new(template_id, user_msg=echo, rp_code=list(rp_code), **(last or {})))
        )
        return frames

    def push(self, template_id: int, **fields: object) -> bytes:
        return codec.encode(codec.new(template_id, **fields))

    def forced_logout(self) -> bytes:
        self.state = step(SERVER_TABLE, self.state, Input.FORCED_LOGOUT)
        return codec.encode(codec.new(77))

    def close(self) -> None:
        self.state = step(SERVER_TABLE, self.state, Input.CLOSE)


def reject(refused: Refused) -> bytes:
    """Reject (75) for a frame the server will not serve."""
    return codec.encode(codec.new(75, user_msg=list(refused.user_msg), rp_code=[refused.code, refused.text]))
