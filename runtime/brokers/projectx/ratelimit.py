"""ProjectX's documented rate limits as a sliding-window budget, sans-IO.

The gateway allows 50 requests per 30 s on ``History/retrieveBars`` and 200 per 60 s
on every other endpoint, and answers HTTP 429 beyond that. The client spends from a
``RateBudget`` before each call and waits the delay it names, so a polling loop never
earns a 429 in the first place; after a 429 anyway (another client on the same
account), ``backoff`` holds every call until the server's ``Retry-After`` (or a doubling
pause) has passed. The simulator keeps the same budget per token to answer 429.

Times are plain floats from an injected monotonic clock, so tests run on a fake one.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

BARS_PATH = "History/retrieveBars"


@dataclass(frozen=True, slots=True)
class Limit:
    requests: int
    window: float


DEFAULT_LIMIT = Limit(200, 60.0)
BARS_LIMIT = Limit(50, 30.0)
FIRST_BACKOFF = 1.0
MAX_BACKOFF = 60.0


def limit_for(path: str) -> Limit:
    return BARS_LIMIT if path == BARS_PATH else DEFAULT_LIMIT


@dataclass
class Window:
    """The times of the calls within the last ``limit.window`` seconds."""

    limit: Limit
    calls: deque[float] = field(default_factory=deque)

    def _trim(self, now: float) -> None:
        while self.calls and self.calls[0] <= now - self.limit.window:
            self.calls.popleft()

    def wait(self, now: float) -> float:
        """Seconds until one more call fits (0 when it fits now)."""
        self._trim(now)
        if len(self.calls) < self.limit.requests:
            return 0.0
        return self.calls[0] + self.limit.window - now

    def spend(self, now: float) -> None:
        self._trim(now)
        self.calls.append(now)


@dataclass
class RateBudget:
    """A client's budget: one window per limit, and a hold after a 429."""

    windows: dict[Limit, Window] = field(default_factory=dict)
    held_until: float = 0.0
    next_backoff: float = FIRST_BACKOFF

    def _window(self, path: str) -> Window:
        limit = limit_for(path)
        window = self.windows.get(limit)
        if window is None:
            window = self.windows[limit] = Window(limit)
        return window

    def wait(self, path: str, now: float) -> float:
        """Seconds to wait before calling ``path``; the caller asks again after waiting."""
        return max(self.held_until - now, self._window(path).wait(now), 0.0)

    def spend(self, path: str, now: float) -> None:
        self._window(path).spend(now)

    def backoff(self, now: float, retry_after: float | None) -> float:
        """Hold every call after a 429; the pause in seconds."""
        pause = retry_after if retry_after is not None and retry_after > 0 else self.next_backoff
        pause = min(pause, MAX_BACKOFF)
        self.next_backoff = min(self.next_backoff * 2, MAX_BACKOFF)
        self.held_until = max(self.held_until, now + pause)
        return pause

    def succeeded(self) -> None:
        """A call went through: the next 429 starts the backoff from the beginning."""
        self.next_backoff = FIRST_BACKOFF


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header in its delta-seconds form; None otherwise."""
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return seconds if seconds >= 0 else None
