"""Time: wall-clock windows in a zone, DST, the trading day and week, session boundaries
and lock expiry.

All times are wall-clock times in an IANA zone (zoneinfo). Turning a wall time into an
instant follows two rules on DST days: a wall time inside a spring-forward gap takes the
instant right after the gap, and an ambiguous fall-back wall time takes its first
occurrence. Windows are half-open, ``start <= t < end``; a window whose end is not after
its start runs overnight and belongs to the day on which it starts. The order path places
an instant in hours and recurring blackouts by its local wall clock (``DailyWindow.place``),
so both occurrences of a repeated hour are treated alike; one-time blackouts, locks and
the monitor's deadlines are instants, resolved by the two rules above.

Nothing here reads the clock: every function takes the instant it works on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

NEW_YORK = ZoneInfo("America/New_York")
TRADING_DAY_ROLL_MINUTE = 18 * 60  # 18:00 New York: CME Globex opens the next trade date
WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_INDEX = {name: i for i, name in enumerate(WEEKDAY_NAMES)}

_DURATION = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(ms|s|m|h|d)\s*$")
_DURATION_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_HHMM = re.compile(r"^([01]?[0-9]|2[0-3]):([0-5][0-9])$")
_LOCAL_DATETIME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{1,2}):(\d{2})(?::(\d{2}))?$")


@dataclass(frozen=True, slots=True)
class SessionBoundary:
    name: str
    zone: ZoneInfo
    minute: int
    days: frozenset[int]


SESSION_BOUNDARIES: dict[str, SessionBoundary] = {
    b.name: b
    for b in (
        SessionBoundary("asia_open", ZoneInfo("Asia/Tokyo"), 9 * 60, frozenset(range(5))),
        SessionBoundary("london_open", ZoneInfo("Europe/London"), 8 * 60, frozenset(range(5))),
        SessionBoundary("london_close", ZoneInfo("Europe/London"), 16 * 60 + 30, frozenset(range(5))),
        SessionBoundary("new_york_open", NEW_YORK, 9 * 60 + 30, frozenset(range(5))),
        SessionBoundary("new_york_close", NEW_YORK, 16 * 60, frozenset(range(5))),
        SessionBoundary("globex_open", NEW_YORK, 18 * 60, frozenset({6, 0, 1, 2, 3})),
    )
}


# ---------------------------------------------------------------- parsing


def parse_hhmm(text: str) -> int | None:
    """Minutes after midnight of an ``HH:MM`` string, or None when it is not one."""
    m = _HHMM.match(text.strip()) if isinstance(text, str) else None
    return int(m.group(1)) * 60 + int(m.group(2)) if m else None


def parse_duration(value: str | float | int) -> float | None:
    """Seconds of ``20s``/``5m``/``6h``; a bare number is seconds. None when unreadable."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    m = _DURATION.match(value) if isinstance(value, str) else None
    return float(m.group(1)) * _DURATION_UNITS[m.group(2)] if m else None


def parse_local_datetime(text: str) -> tuple[date, int] | None:
    """``YYYY-MM-DDTHH:MM`` (seconds ignored) as a local date and minute of day."""
    m = _LOCAL_DATETIME.match(text.strip()) if isinstance(text, str) else None
    if not m:
        return None
    try:
        day = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None
    hour, minute = int(m.group(4)), int(m.group(5))
    if hour > 23:
        return None
    return day, hour * 60 + minute


def parse_instant(text: str) -> datetime | None:
    """An ISO 8601 instant that carries an offset or Z; None otherwise."""
    if not isinstance(text, str):
        return None
    try:
        value = datetime.fromisoformat(text.strip().replace("z", "Z"))
    except ValueError:
        return None
    return value if value.tzinfo is not None else None


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    """The zone called ``name``; raises KeyError when there is no such zone."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise KeyError(name) from exc


def format_minutes(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


# ---------------------------------------------------------------- wall time → instant


def wall_to_instant(day: date, minute: int, tz: ZoneInfo) -> datetime:
    """The instant of wall time ``minute`` on ``day`` in ``tz`` (gap → after it, overlap → first)."""
    extra_days, minute = divmod(minute, 24 * 60)
    day = day + timedelta(days=extra_days)
    wall = datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=tz)
    first = wall.replace(fold=0)
    # a wall time that survives a round trip through UTC exists; fold=0 is its first occurrence
    if first.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == wall.replace(tzinfo=None):
        return first.astimezone(UTC)
    return _end_of_gap(first, tz)


def wall_end(day: date, minute: int, ts: float, tz: ZoneInfo) -> float:
    """The instant a wall-clock window ends, seen from inside it at ``ts``.

    In the repeated hour of a fall-back day an end inside that hour has already passed
    once (its first occurrence), so the window ends at its second occurrence.
    """
    until = wall_to_instant(day, minute, tz).timestamp()
    if until > ts:
        return until
    hour, minute = divmod(minute, 60)
    return datetime(day.year, day.month, day.day, hour, minute, fold=1, tzinfo=tz).timestamp()


def _end_of_gap(wall: datetime, tz: ZoneInfo) -> datetime:
    # Inside a gap: fold=1 reads the wall time with the offset after the transition, which
    # lands before the transition; fold=0 with the offset before it, which lands after.
    lo = wall.replace(fold=1).astimezone(UTC)
    hi = wall.replace(fold=0).astimezone(UTC)
    if lo > hi:
        lo, hi = hi, lo
    before = lo.astimezone(tz).utcoffset()
    while hi - lo > timedelta(seconds=1):
        mid = lo + (hi - lo) / 2
        if mid.astimezone(tz).utcoffset() == before:
            lo = mid
        else:
            hi = mid
    return hi.replace(microsecond=0)


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return wall_to_instant(day, 0, tz)


# ---------------------------------------------------------------- the day a moment is in


@dataclass(frozen=True, slots=True)
class LocalDay:
    """A local calendar day and the UTC span it covers, for fast repeated look-ups."""

    date: date
    weekday: int
    lo: float  # timestamp of local midnight
    hi: float  # timestamp of the next local midnight
    uniform_offset: float | None  # seconds east of UTC when the offset is the same all day

    def minute_of(self, ts: float, tz: ZoneInfo) -> int:
        if self.uniform_offset is not None:
            return int((ts + self.uniform_offset) // 60 % 1440)
        local = datetime.fromtimestamp(ts, tz)
        return local.hour * 60 + local.minute


def local_day(ts: float, tz: ZoneInfo) -> LocalDay:
    d = datetime.fromtimestamp(ts, tz).date()
    lo = local_midnight(d, tz)
    hi = local_midnight(d + timedelta(days=1), tz)
    off_lo = lo.astimezone(tz).utcoffset()
    off_hi = (hi - timedelta(seconds=1)).astimezone(tz).utcoffset()
    uniform = off_lo.total_seconds() if off_lo == off_hi and off_lo is not None else None
    return LocalDay(d, d.weekday(), lo.timestamp(), hi.timestamp(), uniform)


_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


class DayCache:
    """The local day of an instant, remembered per local day; the order path's clock.

    Deciding orders asks about a handful of days over and over (today, or the days of a
    replay or a backtest in any order), so the work of finding a day's span and offset is
    done once per local day and kept: at most ``LIMIT`` days, forgotten all at once when full.

    A look-up guesses the local day number from the offsets the zone has shown so far
    (``(ts + offset) // 86400``) and takes the cached day only when its span contains
    ``ts``. Spans of distinct days never overlap, so a hit is the day ``local_day`` would
    compute; a guess that misses costs a dict look-up and falls back to computing it. The
    cache is only memoization: results do not depend on what was asked before.
    """

    __slots__ = ("_days", "_offsets", "last", "tz")

    LIMIT = 64

    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz
        self.last: LocalDay | None = None  # the day asked about last
        self._days: dict[int, LocalDay] = {}
        self._offsets: tuple[float, ...] = ()

    def day(self, ts: float) -> LocalDay:
        last = self.last
        if last is not None and last.lo <= ts < last.hi:
            return last
        days = self._days
        for offset in self._offsets:
            found = days.get(int((ts + offset) // 86400))
            if found is not None and found.lo <= ts < found.hi:
                self.last = found
                return found
        return self._miss(ts)

    def _miss(self, ts: float) -> LocalDay:
        found = local_day(ts, self.tz)
        self.last = found
        if not found.lo <= ts < found.hi:
            return found  # a fall-back that crosses midnight: not a span to key by
        days = self._days
        if len(days) >= self.LIMIT:
            days.clear()  # atomic, unlike picking an oldest day while another thread inserts
        days[found.date.toordinal() - _EPOCH_ORDINAL] = found
        offset = _offset_at(found.lo, self.tz)
        if offset not in self._offsets:
            self._offsets = (*self._offsets, offset)[-4:]
        return found


def _offset_at(ts: float, tz: ZoneInfo) -> float:
    offset = datetime.fromtimestamp(ts, tz).utcoffset()
    return offset.total_seconds() if offset is not None else 0.0


# ---------------------------------------------------------------- windows


@dataclass(frozen=True, slots=True)
class DailyWindow:
    """A wall-clock window repeated on some weekdays; overnight when end <= start."""

    start: int  # minute of day
    end: int
    days: frozenset[int]

    @property
    def overnight(self) -> bool:
        return self.end <= self.start

    def span_on(self, day: date, tz: ZoneInfo) -> tuple[float, float] | None:
        """The window that starts on ``day``, as timestamps, if ``day`` is active."""
        if day.weekday() not in self.days:
            return None
        end_minute = self.end + (1440 if self.overnight else 0)
        lo = wall_to_instant(day, self.start, tz).timestamp()
        hi = wall_to_instant(day, end_minute, tz).timestamp()
        return (lo, hi) if hi > lo else None

    def spans_touching(self, day: date, tz: ZoneInfo) -> tuple[tuple[float, float], ...]:
        """Windows starting yesterday or today: the only ones that can contain a time today."""
        spans = (self.span_on(day - timedelta(days=1), tz), self.span_on(day, tz))
        return tuple(s for s in spans if s is not None)

    def place(self, weekday: int, minute: int) -> int | None:
        """The weekday whose window covers wall time ``minute`` on ``weekday``, active or
        not; None when the wall time lies in no window's span.

        Placing by wall clock (DESIGN 10) puts both occurrences of a repeated fall-back
        hour inside a window that covers that wall time, and a wall time skipped by a
        spring-forward gap is simply never seen.
        """
        if not self.overnight:
            return weekday if self.start <= minute < self.end else None
        if minute >= self.start:
            return weekday
        if minute < self.end:
            return (weekday - 1) % 7  # an overnight window belongs to the day it starts
        return None

    def covers(self, weekday: int, minute: int) -> bool:
        """Whether an active window covers wall time ``minute`` on ``weekday``."""
        owner = self.place(weekday, minute)
        return owner is not None and owner in self.days

    def end_of(self, day: date, minute: int) -> tuple[date, int]:
        """The local date and minute at which the window covering ``minute`` on ``day`` ends."""
        if self.overnight and minute >= self.start:
            return day + timedelta(days=1), self.end
        return day, self.end


class WindowIndex:
    """Per local day, the spans of a set of daily windows; cached by date."""

    __slots__ = ("_cache", "tz", "windows")

    def __init__(self, windows: tuple[DailyWindow, ...], tz: ZoneInfo) -> None:
        self.windows = windows
        self.tz = tz
        self._cache: dict[date, tuple[tuple[float, float, int], ...]] = {}

    def spans(self, day: date) -> tuple[tuple[float, float, int], ...]:
        found = self._cache.get(day)
        if found is None:
            found = tuple(
                (lo, hi, i) for i, w in enumerate(self.windows) for lo, hi in w.spans_touching(day, self.tz)
            )
            if len(self._cache) > 32:
                self._cache.clear()
            self._cache[day] = found
        return found

    def active(self, ts: float, day: date) -> int | None:
        """Index of the window containing ``ts``, or None."""
        for lo, hi, i in self.spans(day):
            if lo <= ts < hi:
                return i
        return None

    def next_start(self, ts: float, day: date) -> float | None:
        """Start of the next window after ``ts`` within today and tomorrow."""
        starts = [lo for d in (day, day + timedelta(days=1)) for lo, _hi, _i in self.spans(d) if lo > ts]
        return min(starts) if starts else None

    def current_end(self, ts: float, day: date) -> float | None:
        for lo, hi, _i in self.spans(day):
            if lo <= ts < hi:
                return hi
        return None


# ---------------------------------------------------------------- trading day and week


def trading_day(instant: datetime) -> date:
    """The trade date of an instant: the session that opens at 18:00 New York is the next day's."""
    local = instant.astimezone(NEW_YORK)
    d = local.date()
    return d + timedelta(days=1) if local.hour * 60 + local.minute >= TRADING_DAY_ROLL_MINUTE else d


def trading_day_start(instant: datetime) -> datetime:
    """The most recent 18:00 New York roll at or before ``instant``."""
    d = trading_day(instant) - timedelta(days=1)
    return wall_to_instant(d, TRADING_DAY_ROLL_MINUTE, NEW_YORK)


def next_trading_day_start(instant: datetime) -> datetime:
    return wall_to_instant(trading_day(instant), TRADING_DAY_ROLL_MINUTE, NEW_YORK)


def trading_week_start(instant: datetime) -> datetime:
    """The most recent Sunday 18:00 New York at or before ``instant``."""
    local = instant.astimezone(NEW_YORK)
    d = local.date()
    back = (d.weekday() - 6) % 7  # days since Sunday
    sunday = d - timedelta(days=back)
    start = wall_to_instant(sunday, TRADING_DAY_ROLL_MINUTE, NEW_YORK)
    if start > instant.astimezone(UTC):
        start = wall_to_instant(sunday - timedelta(days=7), TRADING_DAY_ROLL_MINUTE, NEW_YORK)
    return start


# ---------------------------------------------------------------- locks


def next_wall_time(
    after: datetime, minute: int, tz: ZoneInfo, days: frozenset[int] | None = None
) -> datetime:
    """The first instant strictly after ``after`` at wall time ``minute`` on one of ``days``."""
    d = after.astimezone(tz).date() - timedelta(days=1)
    for _ in range(16):
        if days is None or d.weekday() in days:
            candidate = wall_to_instant(d, minute, tz)
            if candidate > after:
                return candidate
        d += timedelta(days=1)
    raise ValueError("no such wall time within two weeks")  # pragma: no cover - days is never empty


def lock_expiry(kind: str, breach: datetime, tz: ZoneInfo) -> datetime | None:
    """When a lock of ``kind`` taken at ``breach`` ends; None for a manual lock."""
    if kind == "manual":
        return None
    if kind.startswith("session:"):
        boundary = SESSION_BOUNDARIES[kind.removeprefix("session:")]
        return next_wall_time(breach, boundary.minute, boundary.zone, boundary.days)
    minute = parse_hhmm(kind)
    if minute is not None:
        return next_wall_time(breach, minute, tz)
    seconds = parse_duration(kind)
    if seconds is None:
        raise ValueError(f"unknown lock kind {kind!r}")
    return breach.astimezone(UTC) + timedelta(seconds=seconds)
