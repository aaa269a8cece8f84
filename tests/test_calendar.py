from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ordergate.policy.calendar import (
    DailyWindow,
    WindowIndex,
    local_day,
    lock_expiry,
    trading_day,
    trading_day_start,
    trading_week_start,
    wall_to_instant,
)

NY = ZoneInfo("America/New_York")
ZONES = [ZoneInfo(z) for z in ("America/New_York", "America/Chicago", "Europe/London", "Asia/Tokyo")]
# DST changes in 2026: US on Mar 8 and Nov 1; EU on Mar 29 and Oct 25; Tokyo has none
TRANSITIONS = [date(2026, 3, 8), date(2026, 11, 1), date(2026, 3, 29), date(2026, 10, 25)]


def brute_wall_to_instant(day: date, minute: int, tz: ZoneInfo) -> datetime:
    """Minute by minute: the first instant whose wall clock reads at least day+minute."""
    target = datetime(day.year, day.month, day.day, tzinfo=UTC).replace(tzinfo=None) + timedelta(
        minutes=minute
    )
    t = datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(hours=15)
    while t.astimezone(tz).replace(tzinfo=None) < target:
        t += timedelta(minutes=1)
    return t


def brute_in_window(t: datetime, w: DailyWindow, tz: ZoneInfo) -> bool:
    d = t.astimezone(tz).date()
    for start_day in (d - timedelta(days=1), d):
        if start_day.weekday() not in w.days:
            continue
        lo = brute_wall_to_instant(start_day, w.start, tz)
        hi = brute_wall_to_instant(start_day, w.end + (1440 if w.overnight else 0), tz)
        if lo <= t < hi:
            return True
    return False


@settings(max_examples=120, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    start=st.integers(0, 1439),
    end=st.integers(0, 1439),
    days=st.sets(st.integers(0, 6), min_size=1),
    near=st.sampled_from(TRANSITIONS),
    offset_minutes=st.integers(-3 * 1440, 3 * 1440),
)
def test_windows_match_a_minute_by_minute_reference(zone, start, end, days, near, offset_minutes) -> None:
    window = DailyWindow(start, end, frozenset(days))
    index = WindowIndex((window,), zone)
    t = datetime(near.year, near.month, near.day, 7, tzinfo=UTC) + timedelta(minutes=offset_minutes)
    day = local_day(t.timestamp(), zone)
    assert (index.active(t.timestamp(), day.date) is not None) == brute_in_window(t, window, zone)


def brute_wall_covers(t: datetime, w: DailyWindow, tz: ZoneInfo) -> bool:
    """By the wall clock: does a window starting yesterday or today span the local time?"""
    local = t.astimezone(tz).replace(tzinfo=None, fold=0)
    midnight = datetime(local.year, local.month, local.day)  # noqa: DTZ001 - a wall clock, no zone
    for back in (1, 0):
        start_day = midnight - timedelta(days=back)
        if start_day.weekday() not in w.days:
            continue
        lo = start_day + timedelta(minutes=w.start)
        hi = start_day + timedelta(minutes=w.end + (1440 if w.overnight else 0))
        if lo <= local < hi:
            return True
    return False


@settings(max_examples=150, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    start=st.integers(0, 1439),
    end=st.integers(0, 1439),
    days=st.sets(st.integers(0, 6), min_size=1),
    near=st.sampled_from(TRANSITIONS),
    offset_minutes=st.integers(-3 * 1440, 3 * 1440),
)
def test_wall_clock_placement_matches_a_naive_wall_clock_reference(
    zone, start, end, days, near, offset_minutes
) -> None:
    window = DailyWindow(start, end, frozenset(days))
    t = datetime(near.year, near.month, near.day, 7, tzinfo=UTC) + timedelta(minutes=offset_minutes)
    day = local_day(t.timestamp(), zone)
    minute = day.minute_of(t.timestamp(), zone)
    assert window.covers(day.weekday, minute) == brute_wall_covers(t, window, zone)


def test_both_occurrences_of_a_repeated_hour_are_inside_a_window_covering_it() -> None:
    window = DailyWindow(0, 90, frozenset({6}))  # Sunday 00:00-01:30
    first = datetime(2026, 11, 1, 5, 15, tzinfo=UTC)  # 01:15 EDT
    second = datetime(2026, 11, 1, 6, 15, tzinfo=UTC)  # 01:15 EST
    for t in (first, second):
        day = local_day(t.timestamp(), NY)
        assert window.covers(day.weekday, day.minute_of(t.timestamp(), NY))


@pytest.mark.parametrize(
    ("start", "end", "weekday", "minute", "owner"),
    [
        (570, 960, 5, 480, None),  # Saturday 08:00, before a day window: in no window
        (570, 960, 5, 600, 5),  # Saturday 10:00: inside Saturday's (inactive) window
        (1080, 540, 0, 480, 6),  # Monday 08:00 in an overnight window: Sunday's
        (1080, 540, 6, 720, None),  # Sunday noon: between overnight windows
        (600, 600, 1, 300, 0),  # a 24-hour window from 10:00: Tuesday 05:00 is Monday's
    ],
)
def test_a_wall_time_is_placed_in_the_window_of_the_day_it_starts(start, end, weekday, minute, owner) -> None:
    assert DailyWindow(start, end, frozenset({0, 1, 2, 3, 4})).place(weekday, minute) == owner


@pytest.mark.parametrize("zone", ZONES, ids=str)
@pytest.mark.parametrize("near", TRANSITIONS, ids=str)
def test_wall_to_instant_matches_the_reference_for_every_minute_of_a_transition_day(zone, near) -> None:
    for minute in range(0, 1440, 7):
        assert wall_to_instant(near, minute, zone) == brute_wall_to_instant(near, minute, zone)


def test_a_wall_time_in_the_spring_gap_takes_the_instant_after_it() -> None:
    assert wall_to_instant(date(2026, 3, 8), 150, NY) == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)


def test_an_ambiguous_wall_time_takes_its_first_occurrence() -> None:
    assert wall_to_instant(date(2026, 11, 1), 90, NY) == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)


def test_local_day_knows_when_its_offset_changes() -> None:
    normal = local_day(datetime(2026, 11, 24, 15, tzinfo=UTC).timestamp(), NY)
    changing = local_day(datetime(2026, 11, 1, 15, tzinfo=UTC).timestamp(), NY)
    assert normal.uniform_offset == -5 * 3600 and normal.hi - normal.lo == 86400
    assert changing.uniform_offset is None and changing.hi - changing.lo == 25 * 3600
    assert changing.minute_of(datetime(2026, 11, 1, 15, tzinfo=UTC).timestamp(), NY) == 10 * 60


@pytest.mark.parametrize(
    ("instant", "day"),
    [
        ("2026-11-23T17:59:59-05:00", date(2026, 11, 23)),
        ("2026-11-23T18:00:00-05:00", date(2026, 11, 24)),
        ("2026-11-22T19:00:00-05:00", date(2026, 11, 23)),  # Sunday evening is Monday's trade date
    ],
)
def test_the_trading_day_rolls_at_18_new_york(instant: str, day: date) -> None:
    assert trading_day(datetime.fromisoformat(instant)) == day


def test_trading_day_and_week_starts() -> None:
    t = datetime.fromisoformat("2026-11-25T12:00:00-05:00")
    assert trading_day_start(t) == datetime.fromisoformat("2026-11-24T18:00:00-05:00")
    assert trading_week_start(t) == datetime.fromisoformat("2026-11-22T18:00:00-05:00")
    sunday_before_open = datetime.fromisoformat("2026-11-22T17:00:00-05:00")
    assert trading_week_start(sunday_before_open) == datetime.fromisoformat("2026-11-15T18:00:00-05:00")
    # Chicago's 17:00 is the same instant as New York's 18:00
    assert trading_day_start(datetime.fromisoformat("2026-07-01T12:00:00-05:00")) == datetime.fromisoformat(
        "2026-06-30T17:00:00-05:00"
    )


BREACH = datetime.fromisoformat("2026-11-23T15:00:00-05:00")  # Monday


@pytest.mark.parametrize(
    ("kind", "until"),
    [
        ("manual", None),
        ("6h", "2026-11-23T21:00:00-05:00"),
        ("12h", "2026-11-24T03:00:00-05:00"),
        ("session:asia_open", "2026-11-23T19:00:00-05:00"),
        ("session:london_open", "2026-11-24T03:00:00-05:00"),
        ("session:london_close", "2026-11-24T11:30:00-05:00"),
        ("session:new_york_open", "2026-11-24T09:30:00-05:00"),
        ("session:new_york_close", "2026-11-23T16:00:00-05:00"),
        ("session:globex_open", "2026-11-23T18:00:00-05:00"),
        ("17:00", "2026-11-23T17:00:00-05:00"),
        ("09:00", "2026-11-24T09:00:00-05:00"),
        ("15:00", "2026-11-24T15:00:00-05:00"),  # strictly after the breach
    ],
)
def test_lock_expiry_for_every_lock_kind(kind: str, until: str | None) -> None:
    got = lock_expiry(kind, BREACH, NY)
    assert got == (datetime.fromisoformat(until) if until else None)


def test_session_boundaries_skip_inactive_days() -> None:
    friday_evening = datetime.fromisoformat("2026-11-27T19:00:00-05:00")
    assert lock_expiry("session:new_york_open", friday_evening, NY) == datetime.fromisoformat(
        "2026-11-30T09:30:00-05:00"
    )
    assert lock_expiry("session:globex_open", friday_evening, NY) == datetime.fromisoformat(
        "2026-11-29T18:00:00-05:00"
    )


def test_london_open_moves_in_new_york_time_when_dst_dates_differ() -> None:
    # 2026-03-09: New York is on EDT, London still on GMT: 08:00 London is 04:00 New York
    breach = datetime.fromisoformat("2026-03-09T12:00:00-04:00")
    assert lock_expiry("session:london_open", breach, NY) == datetime.fromisoformat(
        "2026-03-10T04:00:00-04:00"
    )
