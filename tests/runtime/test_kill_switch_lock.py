"""The kill switch over an enforced lock: held until a person unlocks, enforced until
the earlier lock would have ended (issue: the account used to unlock by itself)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from ordergate.runtime.clock import FakeClock
from ordergate.runtime.errors import Conflict
from tests.runtime.conftest import MONDAY_10, quote

pytestmark = pytest.mark.anyio


async def test_the_kill_switch_over_an_enforced_lock_holds_until_a_person_unlocks(started) -> None:
    await quote(started, "ES", 6000)
    await started.lock("PAPER-1", {"duration": "6h", "enforce": True})
    report = await started.kill_switch({"confirm": "FLATTEN"})
    assert report["accounts"] == [{"account": "PAPER-1", "flatten": "none", "lock": "ok", "error": None}]
    locked = started.account_view("PAPER-1")["locked"]
    assert locked["until"] is None and locked["enforce"] is True and locked["reason"] == "kill_switch"
    assert datetime.fromisoformat(locked["enforced_until"]) == MONDAY_10 + timedelta(hours=6)

    with pytest.raises(Conflict):  # enforcement kept until the 6 h lock would have ended
        await started.unlock("PAPER-1")
    clock = started.core.clock
    assert isinstance(clock, FakeClock)
    clock.set(MONDAY_10 + timedelta(hours=7))
    await started.monitor.on_tick(clock.now())
    assert started.account_view("PAPER-1")["locked"] is not None  # it does not end by itself
    await started.unlock("PAPER-1")  # a person lifts it once enforcement is over
    assert started.account_view("PAPER-1")["locked"] is None


async def test_the_kill_switch_lock_survives_a_restart_with_its_enforcement(make_runtime) -> None:
    runtime = make_runtime()
    await runtime.start(background=False)
    await runtime.lock("PAPER-1", {"duration": "6h", "enforce": True})
    await runtime.kill_switch({"confirm": "FLATTEN"})
    await runtime.stop()

    again = make_runtime(clock=FakeClock(MONDAY_10 + timedelta(hours=1)))
    await again.start(background=False)
    try:
        locked = again.account_view("PAPER-1")["locked"]
        assert locked["until"] is None and locked["enforced_until"] is not None
        with pytest.raises(Conflict):
            await again.unlock("PAPER-1")
    finally:
        await again.stop()


async def test_the_kill_switch_without_an_enforced_lock_locks_manually(started) -> None:
    await started.kill_switch({"confirm": "FLATTEN"})
    locked = started.account_view("PAPER-1")["locked"]
    assert locked == {"until": None, "enforce": False, "reason": "kill_switch", "kind": "manual"}
    await started.unlock("PAPER-1")
    assert started.account_view("PAPER-1")["locked"] is None
