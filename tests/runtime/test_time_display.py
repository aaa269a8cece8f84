"""One way to show an instant: in the account's policy zone with its abbreviation wherever
a person reads it (CLI tables, block and conflict messages), ISO 8601 with an offset in
JSON, heartbeats as an age. The CLI runs as a subprocess against a runtime on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import pytest

from ordergate.policy.timefmt import ago, format_instant
from ordergate.runtime.commands import heartbeat
from ordergate.runtime.service import Runtime
from tests.runtime.cliproc import at, ordergate, served_url
from tests.runtime.conftest import client, quote

pytestmark = pytest.mark.anyio

CHICAGO_POLICY = """
apiVersion: ordergate/v1
kind: RiskPolicy
metadata: {name: desk, version: 1}
spec:
  accounts: ["*"]
  timezone: America/Chicago
  limits:
    daily: {loss: 1000}
    on_breach: {action: flatten_and_lock, lock: 6h, enforce: true}
  positions: {max_contracts_per_order: 5, max_position_size: 6}
  quote_health: {policy: strict, stale_after: 20s}
"""
# the fake clock's now (2026-11-23 10:00 New York) plus the 6 h lock, in Chicago
UNTIL_TEXT = "2026-11-23 15:00 CST"


@pytest.fixture
async def chicago(make_runtime: Callable[..., Runtime]) -> AsyncIterator[Runtime]:
    runtime = make_runtime(policy=CHICAGO_POLICY)
    await runtime.start(background=False)
    yield runtime
    await runtime.stop()


def test_an_instant_reads_in_the_given_zone_with_its_abbreviation() -> None:
    assert format_instant("2026-11-24T14:46:00+00:00", "America/New_York") == "2026-11-24 09:46 EST"
    assert format_instant("2026-07-01T14:46:00+00:00", "Europe/London") == "2026-07-01 15:46 BST"
    when = datetime(2026, 11, 24, 14, 46, 7, tzinfo=UTC)
    assert format_instant(when, "UTC", seconds=True) == "2026-11-24 14:46:07 UTC"
    assert format_instant(when.timestamp(), "America/Chicago") == "2026-11-24 08:46 CST"
    assert format_instant(when) == "2026-11-24 09:46 EST"  # no zone named: the policies' default
    assert format_instant("not a time", "UTC") == "not a time"


def test_an_age_reads_as_seconds_minutes_hours_or_days_ago() -> None:
    assert [ago(s) for s in (3.7, 59, 60, 3599, 7200, 200_000, -1)] == [
        "3 s ago",
        "59 s ago",
        "1 min ago",
        "59 min ago",
        "2 h ago",
        "2 d ago",
        "0 s ago",
    ]
    beat = (datetime.now(UTC) - timedelta(seconds=3.2)).isoformat()
    assert heartbeat(beat) == "3 s ago" and heartbeat(None) == "-"


async def test_the_409_says_the_lock_s_end_in_the_policy_zone_and_its_json_stays_iso(
    chicago: Runtime,
) -> None:
    async with client(chicago) as c:
        locked = await c.post("/v1/accounts/PAPER-1/lock", json={"duration": "6h", "enforce": True})
        assert locked.status_code == 200, locked.text
        refused = await c.post("/v1/accounts/PAPER-1/unlock")
        assert refused.status_code == 409
        body = refused.json()
        assert f"enforced until {UNTIL_TEXT}" in body["error"], body
        weaker = await c.post("/v1/accounts/PAPER-1/lock", json={"duration": "manual"})
        assert weaker.status_code == 409 and f"enforced until {UNTIL_TEXT};" in weaker.text
        until = datetime.fromisoformat(weaker.json()["until"])  # ISO 8601 with its offset
        assert until.utcoffset() is not None and format_instant(until, "America/Chicago") == UNTIL_TEXT
        account = (await c.get("/v1/accounts/PAPER-1")).json()
        assert account["timezone"] == "America/Chicago"
        assert datetime.fromisoformat(account["locked"]["until"]).utcoffset() is not None


@pytest.mark.slow
async def test_accounts_the_block_message_and_the_order_s_action_show_the_same_instant(
    chicago: Runtime,
) -> None:
    async with served_url(chicago) as url:
        await quote(chicago, "ES", 6000)
        r = await ordergate("lock", "PAPER-1", "--duration", "6h", "--enforce", *at(url))
        assert r.returncode == 0, r.stderr
        r = await ordergate("accounts", *at(url))
        assert f"until {UNTIL_TEXT} (enforced)" in r.stdout, r.stdout
        r = await ordergate("order", "PAPER-1", "buy", "1", "ESZ6", *at(url))
        assert "BLOCKED at locked [account_locked]" in r.stdout and UNTIL_TEXT in r.stdout, r.stdout
        r = await ordergate("unlock", "PAPER-1", *at(url))
        assert r.returncode == 1 and f"enforced until {UNTIL_TEXT}" in r.stderr, r.stderr


@pytest.mark.slow
async def test_the_decision_log_shows_times_in_the_account_s_zone(chicago: Runtime) -> None:
    async with served_url(chicago) as url:
        await quote(chicago, "ES", 6000)
        await chicago.gateway.submit({"account": "PAPER-1", "symbol": "ESZ6", "side": "buy", "qty": 9})
        r = await ordergate("decisions", *at(url))
        assert r.returncode == 0, r.stderr
        assert "2026-11-23 09:00:00 CST" in r.stdout, r.stdout  # 10:00 in New York
        r = await ordergate("status", *at(url))
        assert r.returncode == 0 and "+00:00" not in r.stdout and "T" not in r.stdout.split("bundle")[0], (
            r.stdout
        )
