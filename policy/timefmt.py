"""How an instant reads to a person, everywhere ordergate shows one.

``format_instant`` is the one text form: ``2026-11-24 09:46 EST``, in the zone of the
account's policy, with that zone's abbreviation. JSON keeps ISO 8601 with an offset;
only text shown to a person goes through here. ``ago`` is how old a heartbeat is.
``utc_text`` is that ISO 8601 form of a POSIX timestamp, in UTC, as JSON keeps it.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["DEFAULT_ZONE", "ago", "format_instant", "utc_text", "zone_named"]

DEFAULT_ZONE = "America/New_York"  # where a policy's times are read when it names none


def zone_named(name: str | None) -> tzinfo:
    """The zone called ``name``; the default zone for None or a name this system lacks."""
    try:
        return ZoneInfo(name or DEFAULT_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_ZONE)


def format_instant(
    when: datetime | str | float, tz: tzinfo | str | None = None, *, seconds: bool = False
) -> str:
    """``when`` (a datetime, an ISO 8601 string or a POSIX timestamp) in ``tz`` (a zone or
    its name; the default zone when None), to the minute (``seconds``: to the second),
    with the zone's abbreviation. Text that is not ISO 8601 is given back as it came."""
    zone = tz if isinstance(tz, tzinfo) else zone_named(tz)
    if isinstance(when, str):
        try:
            at = datetime.fromisoformat(when).astimezone(zone)
        except ValueError:
            return when
    elif isinstance(when, datetime):
        at = when.astimezone(zone)
    else:
        at = datetime.fromtimestamp(when, zone)
    return at.strftime("%Y-%m-%d %H:%M:%S %Z" if seconds else "%Y-%m-%d %H:%M %Z")


def ago(seconds: float) -> str:
    """How long ago, the way a person says it: ``3 s ago``, ``4 min ago``, ``2 h ago``."""
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{int(seconds)} s ago"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    return f"{int(seconds // 86400)} d ago"


def utc_text(ts: float) -> str:
    """``datetime.fromtimestamp(ts, UTC).isoformat()``, the same text, with the part down
    to the second formatted once per second: the isoformat of an aware datetime costs
    three times the building of the datetime, and the order path writes several (a
    fill's event, the quote times of a decision's audit inputs)."""
    at = datetime.fromtimestamp(ts, UTC)
    second = _second_text(at.year, at.month, at.day, at.hour, at.minute, at.second)
    us = at.microsecond
    return f"{second}.{us:06d}+00:00" if us else f"{second}+00:00"


@functools.lru_cache(maxsize=8)
def _second_text(year: int, month: int, day: int, hour: int, minute: int, second: int) -> str:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC).isoformat().removesuffix("+00:00")
