"""The monitor's auto-flatten deadline (exit_before) agrees with the hours stage."""

from __future__ import annotations

from datetime import datetime

import pytest

from ordergate.policy import load_bundle

POLICY = """
apiVersion: ordergate/v1
kind: RiskPolicy
metadata: {name: p, version: 1}
spec:
  accounts: ["*"]
  hours: {start: "00:00", end: "16:00", days: [sun, mon, tue, wed, thu, fri], exit_before: 5}
  blackouts:
    - {name: Crude inventory, every: wed, start: "10:30", end: "10:35"}
"""
SUNDAY_SHORT = """
apiVersion: ordergate/v1
kind: RiskPolicy
metadata: {name: p, version: 1}
spec:
  accounts: ["*"]
  hours: {start: "00:00", end: "01:30", days: [sun], exit_before: 5}
"""


@pytest.mark.parametrize(
    ("at", "reason"),
    [
        ("2026-11-24T15:54:59-05:00", None),
        ("2026-11-24T15:55:00-05:00", "trading hours end at 16:00"),
        ("2026-11-24T16:00:00-05:00", None),  # already outside: the hours stage blocks entries
        ("2026-11-25T10:25:00-05:00", "blackout 'Crude inventory' starts at 10:30"),
        ("2026-11-25T10:24:59-05:00", None),
    ],
)
def test_exit_before_fires_minutes_before_the_end_of_hours_or_a_blackout(
    write_rules, at: str, reason: str | None
) -> None:
    policy = load_bundle(write_rules(p=POLICY)).policies["p"]
    assert policy.auto_flatten_reason(datetime.fromisoformat(at)) == reason


@pytest.mark.parametrize("offset", ["-04:00", "-05:00"])
def test_exit_before_fires_in_both_occurrences_of_a_repeated_hour(write_rules, offset: str) -> None:
    # the hours stage lets entries in during both 01:00-01:30 on a fall-back day, so the
    # flatten deadline comes before each end
    policy = load_bundle(write_rules(p=SUNDAY_SHORT)).policies["p"]
    assert policy.auto_flatten_reason(datetime.fromisoformat(f"2026-11-01T01:26:00{offset}")) == (
        "trading hours end at 01:30"
    )
    assert policy.auto_flatten_reason(datetime.fromisoformat(f"2026-11-01T01:10:00{offset}")) is None
