"""The account book's trading-day keys, worked out once per day, against the calendar."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from ordergate.policy.calendar import trading_day, trading_week_start
from ordergate.runtime.book import day_keys


def from_the_calendar(instant: datetime) -> tuple[str, str]:
    return trading_day(instant).isoformat(), trading_week_start(instant).astimezone(UTC).date().isoformat()


def test_day_keys_agree_with_the_calendar_at_every_roll_and_across_dst_in_any_order() -> None:
    rolls = []  # 18:00 New York on both sides of the 2026 DST changes, and a week's turn
    for day in (
        "2026-03-06",
        "2026-03-07",
        "2026-03-08",
        "2026-03-09",
        "2026-10-31",
        "2026-11-01",
        "2026-11-02",
    ):
        for offset in (-5, 0):  # EST, EDT: one of them is the roll
            rolls.append(datetime.fromisoformat(f"{day}T18:00:00{offset:+03d}:00"))
    instants = [r + timedelta(seconds=s) for r in rolls for s in (-1, 0, 1, 3600, -3600)]
    instants += [datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=37 * i) for i in range(20_000)]
    random.Random(3).shuffle(instants)  # the clock may jump either way (a replay, a fake clock)
    for instant in instants:
        assert day_keys(instant) == from_the_calendar(instant), instant


def test_a_non_finite_equity_never_becomes_the_high_water_mark() -> None:
    # the last guard behind the price checks at every boundary: a poisoned mark is
    # stored, and a trailing drawdown measured from it would lock the account for good
    from ordergate.policy import Quote
    from ordergate.policy.orders import Position
    from ordergate.runtime.book import AccountState

    quotes = {"ES": Quote(None, None, 1e308, 0.0)}
    state = AccountState(
        "A",
        "Paper",
        "paper",
        None,
        True,
        False,
        50000.0,
        50000.0,
        quotes,
        holdings={"ES": Position(1000, 6000.0, 50.0)},
        peak_equity=50000.0,
    )
    assert state.mark_equity() == float("inf")
    assert state.peak_equity == 50000.0
    state.roll(datetime(2026, 11, 24, 15, tzinfo=UTC))
    assert state.peak_equity == 50000.0 and state.eod_peak is None
