"""Connection lifecycle: the state machine every broker connection follows.

Theory of operation. A connection is ``disconnected`` until started; ``start`` makes it
``connecting``. A successful login (``up``) makes it ``connected``. While connected, a
missing heartbeat for the stale window (60 s) makes it ``stale``, and the next
heartbeat makes it ``connected`` again. A dropped socket or a failed attempt goes to
``disconnected``, from where the supervisor retries (``retry``) after a backoff. A
broker-side refusal (bad credentials, an expired OAuth session) goes to ``error`` and is
*not* retried: only a person (new credentials, a manual reconnect: ``start``) leaves
it, so a wrong password never becomes a retry storm. ``stop`` ends every state.

An event a state does not accept raises IllegalTransition naming both.
"""

from __future__ import annotations

STATES = ("connecting", "connected", "disconnected", "error", "stale")

TRANSITIONS: dict[str, dict[str, str]] = {
    "disconnected": {"start": "connecting", "retry": "connecting", "stop": "disconnected"},
    "connecting": {"up": "connected", "failed": "disconnected", "refused": "error", "stop": "disconnected"},
    "connected": {
        "heartbeat_lost": "stale",
        "heartbeat": "connected",
        "dropped": "disconnected",
        "refused": "error",
        "stop": "disconnected",
    },
    "stale": {
        "heartbeat": "connected",
        "heartbeat_lost": "stale",
        "dropped": "disconnected",
        "refused": "error",
        "stop": "disconnected",
    },
    "error": {"start": "connecting", "stop": "error"},
}


class IllegalTransition(Exception):
    def __init__(self, state: str, event: str) -> None:
        super().__init__(f"a connection that is {state} cannot take the event {event!r}")
        self.state = state
        self.event = event


def next_state(state: str, event: str) -> str:
    try:
        return TRANSITIONS[state][event]
    except KeyError:
        raise IllegalTransition(state, event) from None
