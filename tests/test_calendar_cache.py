"""The order path's clock remembers local days (``DayCache``) and stages remember their
verdicts; these tests hold the fast paths to the slow ones, in random order, across DST."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ordergate.policy import Order, Snapshot, load_bundle
from ordergate.policy.calendar import DayCache

# NY and London change on Sunday mornings; Lord Howe by half an hour; Santiago at midnight
# (so a day starts after a gap); Kathmandu sits at +05:45; Tokyo never changes.
ZONES = [
    ZoneInfo(name)
    for name in (
        "America/New_York",
        "Europe/London",
        "Australia/Lord_Howe",
        "America/Santiago",
        "Asia/Kathmandu",
        "Asia/Tokyo",
    )
]
AROUND = [
    datetime(2026, 3, 8, 7, tzinfo=UTC),  # US spring forward
    datetime(2026, 11, 1, 6, tzinfo=UTC),  # US fall back
    datetime(2026, 3, 29, 1, tzinfo=UTC),  # EU spring forward
    datetime(2026, 10, 25, 1, tzinfo=UTC),  # EU fall back
    datetime(2026, 4, 4, 15, tzinfo=UTC),  # Lord Howe ends DST (+11 -> +10:30)
    datetime(2026, 10, 3, 16, tzinfo=UTC),  # Lord Howe starts DST
    datetime(2026, 4, 5, 3, tzinfo=UTC),  # Santiago falls back at midnight
    datetime(2026, 9, 6, 4, tzinfo=UTC),  # Santiago springs forward at midnight
]


def instants(rng: random.Random, n: int) -> list[float]:
    out = []
    for _ in range(n):
        base = rng.choice(AROUND)
        seconds = rng.randrange(-3 * 86400, 3 * 86400)
        if rng.random() < 0.3:  # right at a transition, to the second
            seconds = rng.randrange(-120, 120)
        out.append((base + timedelta(seconds=seconds)).timestamp() + rng.choice((0.0, 0.5, 0.999)))
    rng.shuffle(out)
    return out


@pytest.mark.parametrize("zone", ZONES, ids=lambda z: z.key)
def test_day_cache_agrees_with_the_zone_in_any_order_across_dst_changes(zone: ZoneInfo) -> None:
    rng = random.Random(zone.key)
    cache = DayCache(zone)
    for ts in instants(rng, 4000):
        local = datetime.fromtimestamp(ts, zone)
        day = cache.day(ts)
        assert (day.date, day.weekday) == (local.date(), local.weekday()), local
        assert day.minute_of(ts, zone) == local.hour * 60 + local.minute, local


def test_day_cache_stays_bounded_and_right_after_evicting_days() -> None:
    zone = ZoneInfo("America/New_York")
    cache = DayCache(zone)
    start = datetime(2026, 1, 1, 12, tzinfo=UTC).timestamp()
    days = [start + 86400 * i for i in range(3 * DayCache.LIMIT)]
    rng = random.Random(3)
    for ts in days + rng.sample(days, len(days)):
        local = datetime.fromtimestamp(ts, zone)
        assert cache.day(ts).date == local.date()
    assert len(cache._days) <= DayCache.LIMIT


POLICY = """\
apiVersion: ordergate/v1
kind: RiskPolicy
metadata: {name: cached, version: 1}
spec:
  accounts: ["*"]
  timezone: Europe/London
  limits:
    daily: {loss: 1000, profit_target: 2000}
    weekly: {loss: 3000}
    on_breach: {action: flatten_and_lock, lock: "01:30"}
  hours: {start: "18:00", end: "02:30", days: [sun, mon, tue, wed, thu]}
  blackouts:
    - {name: Late, every: [sun, mon, tue, wed, thu, fri, sat], start: "23:30", end: "01:30"}
    - {name: Once, start: 2026-10-25T00:15, end: 2026-10-25T00:45}
  positions: {max_contracts_per_order: 5, max_position_size: 8, max_open_positions: 2}
  contracts:
    - {symbol: CL, mode: block}
    - {symbol: NQ, mode: cap, max_contracts: 2}
  quote_health: {policy: strict, stale_after: 20s}
  rules:
    - {name: late-gold, when: order.symbol == GC and now.time >= 01:00}
"""


def cases(rng: random.Random, n: int) -> list[tuple[Order, Snapshot, datetime]]:
    out = []
    for _ in range(n):
        at = rng.choice(AROUND[2:4]) + timedelta(minutes=rng.randrange(-2 * 1440, 2 * 1440))
        root = rng.choice(["ES", "NQ", "CL", "GC"])
        state = {
            "account": {"locked": rng.random() < 0.05, "enabled": rng.random() > 0.05},
            "positions": {root: {"qty": rng.choice([0, 0, 1, -2, 6]), "avg_price": 100.0}},
            "pnl": {
                "daily_realized": rng.choice([0, -1000, 2100]),
                "weekly_realized": rng.choice([0, -3000]),
            },
            "quotes": {root: {"bid": 99.75, "ask": 100.0, "last": 100.0, "age": f"{rng.choice([1, 25])}s"}},
        }
        order = {"symbol": root, "side": rng.choice(["buy", "sell"]), "qty": rng.choice([1, 2, 3, 6])}
        out.append((Order.from_dict(order), Snapshot.from_dict(state), at.astimezone(ZoneInfo("Asia/Tokyo"))))
    return out


def test_warm_decisions_equal_cold_ones_whatever_came_before(tmp_path: Path) -> None:
    """A decision is the same from a policy that has decided thousands of orders in random
    order (days and verdicts remembered) as from one compiled just for it."""
    (tmp_path / "p.yaml").write_text(POLICY)
    rng = random.Random(15)
    sample = cases(rng, 3000)
    warm = load_bundle(str(tmp_path)).policies["cached"]
    first = [warm.evaluate(o, s, at).to_dict() for o, s, at in sample]
    order = list(range(len(sample)))
    rng.shuffle(order)
    for i in order:  # again, every verdict now remembered, in another order
        o, s, at = sample[i]
        assert warm.evaluate(o, s, at).to_dict() == first[i]
    for i in order[:60]:
        o, s, at = sample[i]
        cold = load_bundle(str(tmp_path)).policies["cached"]
        assert cold.evaluate(o, s, at).to_dict() == first[i]
        assert cold.evaluate(o, s, at, explain=True).to_dict()["outcome"] == first[i]["outcome"]
