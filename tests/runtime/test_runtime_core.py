"""The runtime in-process with a fake clock: orders, breaches, time, recovery, restarts."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta

import pytest

from ordergate.runtime.brokers import base as broker_base
from ordergate.runtime.brokers.base import Ack, Fill, OrderRequest
from ordergate.runtime.clock import FakeClock
from ordergate.runtime.errors import Conflict
from ordergate.runtime.service import Runtime
from tests.runtime.conftest import MONDAY_10, order, paper, quote, write_policy

pytestmark = pytest.mark.anyio


async def test_an_allowed_market_order_fills_at_the_touch(started) -> None:
    await quote(started, "ES", 6000)
    status, body = await order(started, qty=2)
    assert status == 201
    assert body["decision"]["outcome"] == "allow" and body["decision"]["policy"] == "desk@1"
    assert body["order"]["status"] == "filled" and body["order"]["fills"] == [{"qty": 2, "price": 6000.25}]
    view = started.account_view("PAPER-1")
    assert view["positions"][0]["qty"] == 2 and view["trades"]["daily"] == 1


async def test_a_blocked_order_is_refused_with_stage_and_code_and_audited(started) -> None:
    await quote(started, "ES", 6000)
    status, body = await order(started, qty=6)
    assert status == 403
    assert (body["decision"]["stage"], body["decision"]["code"]) == ("positions", "max_contracts_per_order")
    assert "order" not in body
    [entry] = started.core.store.decisions("PAPER-1", 10)
    assert entry["decision"]["code"] == "max_contracts_per_order"
    assert entry["decision"]["bundle"] == started.core.holder.bundle.digest
    assert started.account_view("PAPER-1")["positions"] == []


async def test_a_quote_move_breaches_the_daily_loss_and_flattens_and_locks(started) -> None:
    await quote(started, "ES", 6000)
    assert (await order(started, qty=4))[0] == 201
    await quote(started, "ES", 5995)  # -5.25 x 4 x $50 = -$1,050
    view = started.account_view("PAPER-1")
    assert view["positions"] == []
    assert view["locked"] == {
        "until": "2026-11-24T14:30:00+00:00",
        "enforce": True,
        "reason": "daily_loss_limit",
        "kind": "session:new_york_open",
    }
    assert view["pnl"]["daily_realized"] == pytest.approx(-1050)
    [breach] = started.core.store.breaches("PAPER-1")
    assert (breach["code"], breach["action"]) == ("daily_loss_limit", "flatten_and_lock")
    status, body = await order(started)
    assert status == 403 and body["decision"]["code"] == "account_locked"


async def test_a_breach_flatten_cancels_resting_orders_so_none_fills_on_the_locked_account(started) -> None:
    await quote(started, "ES", 6000)
    await order(started, qty=4)
    status, resting = await order(started, side="sell", qty=4, type="limit", price=6010)  # a take-profit
    assert status == 201 and resting["order"]["status"] == "working"
    await quote(started, "ES", 5990)  # -$2,000: the daily loss breaches, flatten and lock
    view = started.account_view("PAPER-1")
    assert view["locked"] and view["positions"] == []
    assert started.core.store.open_orders("PAPER-1") == []
    await quote(started, "ES", 6015)  # the old take-profit price is traded through
    assert started.account_view("PAPER-1")["positions"] == []  # and nothing opened a short


async def test_the_resting_exits_of_a_position_that_went_flat_are_cancelled(started) -> None:
    # a bracket without OCO: when the take-profit fills, the stop-loss would open a short
    await quote(started, "ES", 6000)
    await order(started, qty=2)
    _, take_profit = await order(started, side="sell", qty=2, type="limit", price=6010)
    _, stop_loss = await order(started, side="sell", qty=2, type="stop", stop_price=5990)
    _, fresh_entry = await order(started, side="buy", qty=1, type="limit", price=5980)
    assert take_profit["order"]["exit"] and stop_loss["order"]["exit"] and "exit" not in fresh_entry["order"]
    await quote(started, "ES", 6012)  # the take-profit fills: flat
    await started.settle()
    assert started.account_view("PAPER-1")["positions"] == []
    assert [o["id"] for o in started.core.store.open_orders("PAPER-1")] == [fresh_entry["order"]["id"]]
    await quote(started, "ES", 5989)  # through the old stop: nothing happens
    await started.settle()
    assert started.account_view("PAPER-1")["positions"] == []
    assert any(e.type == "orphaned_exits" for e in started.core.bus.recent)
    # the same when a market order closes the position under a resting take-profit
    await order(started, qty=1)
    _, take_profit = await order(started, side="sell", qty=1, type="limit", price=6000)
    assert take_profit["order"]["status"] == "working"
    assert (await order(started, side="sell", qty=1))[0] == 201
    await started.settle()
    assert take_profit["order"]["id"] not in [o["id"] for o in started.core.store.open_orders("PAPER-1")]


async def test_a_fill_that_realizes_the_loss_limit_breaches_at_once_without_a_quote(started) -> None:
    await quote(started, "ES", 6000)
    await order(started, qty=4)  # 4 @ 6000.25
    # a wide market: marked at the last trade the loss is $50, but the bid is six points down
    await started.set_paper_quote({"symbol": "ES", "bid": 5994, "ask": 6000.25, "last": 6000})
    assert started.account_view("PAPER-1")["locked"] is None
    assert (await order(started, side="sell", qty=4))[0] == 201  # an exit: realizes -$1,250
    await started.settle()  # no quote and no tick since: the fill alone
    locked = started.account_view("PAPER-1")["locked"]
    assert locked is not None and locked["reason"] == "daily_loss_limit"


async def test_an_enforced_lock_refuses_unlock_until_it_expires(started) -> None:
    await quote(started, "ES", 6000)
    await order(started, qty=4)
    await quote(started, "ES", 5990)
    with pytest.raises(Conflict):
        await started.unlock("PAPER-1")
    clock = started.core.clock
    assert isinstance(clock, FakeClock)
    clock.set(MONDAY_10.replace(day=24, hour=9, minute=30))  # Tuesday 09:30 New York: new_york_open
    await started.monitor.on_tick(clock.now())
    assert started.account_view("PAPER-1")["locked"] is None
    await quote(started, "ES", 5990)
    assert (await order(started))[0] == 201


async def test_an_enforced_lock_can_be_extended_but_never_swapped_for_a_weaker_one(started) -> None:
    # otherwise a non-enforced lock laid over an enforced one could then be lifted at once
    await started.lock("PAPER-1", {"duration": "6h", "enforce": True})
    for weaker in ({"duration": "manual"}, {"duration": "12h"}, {"duration": "15:30", "enforce": True}):
        with pytest.raises(Conflict) as info:
            await started.lock("PAPER-1", weaker)
        assert info.value.field == "duration" and "can only extend it" in info.value.message
    assert started.account_view("PAPER-1")["locked"]["until"] == "2026-11-23T21:00:00+00:00"
    with pytest.raises(Conflict):
        await started.unlock("PAPER-1")
    extended = await started.lock("PAPER-1", {"duration": "12h", "enforce": True})
    assert extended["locked"] == {
        "until": "2026-11-24T03:00:00+00:00",
        "enforce": True,
        "reason": "manual",
        "kind": "12h",
    }
    report = await started.kill_switch({"confirm": "FLATTEN"})
    assert report["accounts"][0] == {"account": "PAPER-1", "flatten": "none", "lock": "ok", "error": None}
    assert started.account_view("PAPER-1")["locked"]["enforce"] is True  # the kill switch kept it


async def test_a_hung_flatten_times_out_into_exit_recovery_and_holds_up_no_other_account(
    make_runtime, monkeypatch
) -> None:
    monkeypatch.setattr(broker_base, "ANSWER_TIMEOUT_SECONDS", 0.05)
    rt = make_runtime(
        connections=[paper([{"id": "PAPER-1", "balance": 50000}, {"id": "PAPER-2", "balance": 50000}])]
    )
    await rt.start(background=False)
    await quote(rt, "ES", 6000)
    await order(rt, account="PAPER-1", qty=1)
    await order(rt, account="PAPER-2", qty=1)
    broker = rt.core.brokers["Paper"]
    answers = asyncio.Event()  # the broker's link to PAPER-1 hangs until this is set
    real_flatten = broker.flatten

    async def flatten(account: str, new_id: Callable[[], str]) -> list[Fill]:
        if account == "PAPER-1" and not answers.is_set():
            await answers.wait()
        return await real_flatten(account, new_id)

    monkeypatch.setattr(broker, "flatten", flatten)
    report = await rt.kill_switch({"confirm": "FLATTEN"})
    assert report["accounts"] == [
        {
            "account": "PAPER-1",
            "flatten": "failed",
            "lock": "ok",
            "error": "the broker did not answer the flatten within 0.05 s",
        },
        {"account": "PAPER-2", "flatten": "ok", "lock": "ok", "error": None},
    ]
    assert rt.actions.recovering("PAPER-1") and rt.account_view("PAPER-1")["positions"]
    answers.set()
    for _ in range(200):
        if not rt.actions.recovering("PAPER-1"):
            break
        await asyncio.sleep(0.01)
    assert rt.account_view("PAPER-1")["positions"] == [] and rt.account_view("PAPER-1")["locked"]
    await rt.stop()


async def test_an_order_the_broker_never_answers_is_unconfirmed_and_frees_the_account(
    started, monkeypatch
) -> None:
    started.core.answer_timeout = 0.05
    await quote(started, "ES", 6000)
    await order(started, qty=2)
    broker = started.core.brokers["Paper"]
    real_place = broker.place
    hung = {"left": 1}  # the link swallows one order, then answers again

    async def place(account: str, request: OrderRequest) -> Ack:
        if hung["left"]:
            hung["left"] -= 1
            await asyncio.Event().wait()
        return await real_place(account, request)

    monkeypatch.setattr(broker, "place", place)
    status, body = await order(started, qty=1, client_order_id="sig-9")
    assert status == 504 and body["order"]["status"] == "unconfirmed"
    assert "check the account before sending it again" in body["error"]
    assert (await order(started, qty=1, client_order_id="sig-9")) == (status, body)  # not resent
    kept = {o["id"]: o["status"] for o in started.core.store.order_history("PAPER-1")}
    assert kept[body["order"]["id"]] == "unconfirmed"
    out_status, out = await order(started, side="sell", qty=2)  # the account's lock was let go
    assert out_status == 201 and out["decision"]["exit"] is True
    assert started.account_view("PAPER-1")["positions"] == []


async def test_a_reversal_alert_sends_no_entry_while_its_cover_is_still_working(
    make_runtime, monkeypatch
) -> None:
    rt = make_runtime(webhooks=[{"name": "tv", "secret": "s3cr3t-hook", "account": "PAPER-1"}])
    await rt.start(background=False)
    await quote(rt, "ES", 6000)
    await order(rt, qty=2)
    broker = rt.core.brokers["Paper"]
    sent: list[OrderRequest] = []

    async def place(account: str, request: OrderRequest) -> Ack:
        sent.append(request)
        return Ack(request.order_id, "B-1")  # a broker that fills later, by report

    rt.core.fill_wait = 0.05

    monkeypatch.setattr(broker, "place", place)
    state = rt.core.accounts["PAPER-1"]
    status, answer = await rt.gateway.submit_alert(
        state, {"ticker": "ESZ2026", "action": "sell", "quantity": 3}
    )
    # the short 3 would have read as part of closing the long 2 and passed unchecked
    assert status == 201 and answer["order"]["intent"] == "close" and answer["order"]["status"] == "working"
    assert [(r.side, r.qty) for r in sent] == [("sell", 2)]
    await rt.stop()


async def test_a_manual_lock_without_enforce_can_be_lifted(started) -> None:
    await started.lock("PAPER-1", {"duration": "6h"})
    assert started.account_view("PAPER-1")["locked"]["until"] == "2026-11-23T21:00:00+00:00"
    await started.unlock("PAPER-1")
    assert started.account_view("PAPER-1")["locked"] is None


@pytest.mark.parametrize(
    ("duration", "until"),
    [
        ("6h", "2026-11-23T21:00:00+00:00"),
        ("12h", "2026-11-24T03:00:00+00:00"),
        ("session:london_open", "2026-11-24T08:00:00+00:00"),
        ("17:00", "2026-11-23T22:00:00+00:00"),
    ],
)
async def test_every_lock_kind_expires_on_the_clock(started, duration: str, until: str) -> None:
    from datetime import datetime

    await started.lock("PAPER-1", {"duration": duration, "enforce": True})
    clock = started.core.clock
    expiry = datetime.fromisoformat(until)
    clock.set(expiry - timedelta(seconds=1))
    await started.monitor.on_tick(clock.now())
    assert started.account_view("PAPER-1")["locked"] is not None
    clock.set(expiry)
    await started.monitor.on_tick(clock.now())
    assert started.account_view("PAPER-1")["locked"] is None


async def test_alert_only_blocks_entries_once_and_leaves_the_account_unlocked(make_runtime) -> None:
    rt = make_runtime(
        policy="""
        apiVersion: ordergate/v1
        kind: RiskPolicy
        metadata: {name: alerts, version: 1}
        spec:
          accounts: ["*"]
          limits: {daily: {loss: 500}}
        """
    )
    await rt.start(background=False)
    await quote(rt, "ES", 6000)
    await order(rt, qty=2)
    await quote(rt, "ES", 5994)
    await quote(rt, "ES", 5993)
    view = rt.account_view("PAPER-1")
    assert view["locked"] is None and view["positions"][0]["qty"] == 2
    assert [b["action"] for b in rt.core.store.breaches("PAPER-1")] == ["alert_only"]
    status, body = await order(rt)
    assert (
        status == 403 and body["decision"]["code"] == "daily_loss_limit" and body["decision"]["actions"] == []
    )
    status, body = await order(rt, side="sell", qty=2)
    assert status == 201 and body["decision"]["exit"] is True
    await rt.stop()


async def test_the_trading_day_roll_resets_daily_pnl_at_18_new_york(make_runtime) -> None:
    rt = make_runtime(
        policy="""
        apiVersion: ordergate/v1
        kind: RiskPolicy
        metadata: {name: alerts, version: 1}
        spec:
          accounts: ["*"]
          limits: {daily: {loss: 500}, weekly: {loss: 5000}}
        """
    )
    await rt.start(background=False)
    await quote(rt, "ES", 6000)
    await order(rt, qty=2)  # filled at 6000.25
    await quote(rt, "ES", 5990)
    await order(rt, side="sell", qty=2)  # filled at 5990: (5990 - 6000.25) x 2 x $50
    view = rt.account_view("PAPER-1")
    assert view["pnl"]["daily_realized"] == pytest.approx(-1025)
    assert (await order(rt))[1]["decision"]["code"] == "daily_loss_limit"
    clock = rt.core.clock
    clock.set(MONDAY_10.replace(hour=17, minute=59))
    await rt.monitor.on_tick(clock.now())
    assert rt.account_view("PAPER-1")["pnl"]["daily_realized"] == pytest.approx(-1025)
    clock.set(MONDAY_10.replace(hour=18))
    await rt.monitor.on_tick(clock.now())
    view = rt.account_view("PAPER-1")
    assert view["pnl"]["daily_realized"] == 0 and view["pnl"]["weekly_realized"] == pytest.approx(-1025)
    await quote(rt, "ES", 5990)
    assert (await order(rt))[0] == 201
    await rt.stop()


async def test_auto_flatten_fires_exit_before_minutes_before_the_end_of_hours(make_runtime) -> None:
    rt = make_runtime(
        policy="""
        apiVersion: ordergate/v1
        kind: RiskPolicy
        metadata: {name: hours, version: 1}
        spec:
          accounts: ["*"]
          hours: {start: "09:30", end: "16:00", exit_before: 5}
          blackouts: [{name: FOMC, start: 2026-11-23T14:00, end: 2026-11-23T14:30}]
        """
    )
    await rt.start(background=False)
    await quote(rt, "ES", 6000)
    await order(rt, qty=1)
    clock = rt.core.clock
    clock.set(MONDAY_10.replace(hour=13, minute=54))
    await rt.monitor.on_tick(clock.now())
    assert rt.account_view("PAPER-1")["positions"] != []
    clock.set(MONDAY_10.replace(hour=13, minute=55))
    await rt.monitor.on_tick(clock.now())
    assert rt.account_view("PAPER-1")["positions"] == []
    clock.set(MONDAY_10.replace(hour=15))
    await quote(rt, "ES", 6000)
    await order(rt, qty=1)
    clock.set(MONDAY_10.replace(hour=15, minute=55))
    await rt.monitor.on_tick(clock.now())
    assert rt.account_view("PAPER-1")["positions"] == []
    events = [e.type for e in rt.core.bus.recent]
    assert events.count("auto_flatten") == 2
    await rt.stop()


async def test_a_rejected_flatten_is_retried_until_flat(started) -> None:
    await quote(started, "ES", 6000)
    await order(started, qty=2)
    broker = started.core.brokers["Paper"]
    broker.reject_next(3, "exchange closed")
    report = await started.flatten("PAPER-1")
    assert report == {
        "account": "PAPER-1",
        "flatten": "failed",
        "error": "flatten of ES refused: exchange closed",
    }
    assert started.account_view("PAPER-1")["flatten_error"] == "flatten of ES refused: exchange closed"
    for _ in range(50):
        if not started.actions.recovering("PAPER-1"):
            break
        await asyncio.sleep(0)
    view = started.account_view("PAPER-1")
    assert view["positions"] == [] and view["flatten_error"] is None
    assert any(e.type == "flatten" and e.data.get("recovered") for e in started.core.bus.recent)


async def test_a_position_gone_at_the_broker_pauses_automation(started) -> None:
    await quote(started, "ES", 6000)
    await order(started, qty=1)
    started.core.brokers["Paper"].liquidate("PAPER-1")
    await started.monitor.on_tick(started.core.now())
    view = started.account_view("PAPER-1")
    assert view["automation_paused"] is True and view["positions"] == []
    status, body = await order(started, source="webhook")
    assert status == 403 and body["decision"]["code"] == "automation_paused"
    assert (await order(started, source="manual"))[0] == 201
    await started.resume("PAPER-1")
    assert (await order(started, side="sell", qty=2, source="webhook"))[0] == 201


async def test_a_repeated_client_order_id_returns_the_first_answer_and_sends_once(started) -> None:
    await quote(started, "ES", 6000)
    first = await order(started, client_order_id="sig-1")
    second = await order(started, client_order_id="sig-1", qty=3)
    assert first == second
    assert started.account_view("PAPER-1")["positions"][0]["qty"] == 1


async def test_concurrent_orders_cannot_jointly_pass_the_position_limit(started) -> None:
    await quote(started, "ES", 6000)
    results = await asyncio.gather(*(order(started, qty=2) for _ in range(6)))
    statuses = sorted(status for status, _ in results)
    assert statuses == [201, 201, 201, 403, 403, 403]
    assert started.account_view("PAPER-1")["positions"][0]["qty"] == 6


async def test_managed_limit_orders_are_held_and_sent_as_market_when_touched(make_runtime) -> None:
    rt = make_runtime(connections=[paper(execution="managed")])
    await rt.start(background=False)
    await quote(rt, "ES", 6000)
    status, body = await order(rt, type="limit", price=5990)
    assert status == 201 and body["order"]["status"] == "held" and body["order"]["managed"] is True
    assert rt.core.brokers["Paper"].working_orders("PAPER-1") == []
    await quote(rt, "ES", 5995)
    assert rt.account_view("PAPER-1")["positions"] == []
    await quote(rt, "ES", 5989.75)
    assert rt.account_view("PAPER-1")["positions"][0]["qty"] == 1
    assert rt.core.store.open_orders("PAPER-1") == []
    await rt.stop()


async def test_managed_orders_survive_a_restart(make_runtime) -> None:
    rt = make_runtime(connections=[paper(execution="managed")])
    await rt.start(background=False)
    await quote(rt, "ES", 6000)
    await order(rt, type="stop", stop_price=6010, qty=1)
    await rt.stop()
    rt2 = make_runtime(connections=[paper(execution="managed")])
    await rt2.start(background=False)
    assert [o["status"] for o in rt2.core.store.open_orders("PAPER-1")] == ["held"]
    await quote(rt2, "ES", 6010)
    assert rt2.account_view("PAPER-1")["positions"][0]["qty"] == 1
    await rt2.stop()


async def test_broker_native_limit_orders_work_at_the_paper_broker(started) -> None:
    await quote(started, "ES", 6000)
    status, body = await order(started, type="limit", price=5990)
    assert status == 201 and body["order"]["status"] == "working"
    await quote(started, "ES", 5989)
    assert started.account_view("PAPER-1")["positions"][0]["qty"] == 1


async def test_a_restart_restores_positions_pnl_and_locks(make_runtime) -> None:
    rt = make_runtime()
    await rt.start(background=False)
    await quote(rt, "ES", 6000)
    await order(rt, qty=2)
    await order(rt, side="sell", qty=1)
    await rt.lock("PAPER-1", {"duration": "12h", "enforce": True})
    before = rt.account_view("PAPER-1")
    await rt.stop()
    rt2 = make_runtime()
    await rt2.start(background=False)
    await quote(rt2, "ES", 6000)
    after = rt2.account_view("PAPER-1")
    assert after["positions"][0]["qty"] == 1 and after["locked"] == before["locked"]
    assert after["pnl"]["daily_realized"] == before["pnl"]["daily_realized"]
    assert rt2.core.brokers["Paper"].positions("PAPER-1") == {"ES": (1, 6000.25)}
    await rt2.stop()


async def test_a_refused_reload_keeps_the_last_good_policy(started) -> None:
    rules = started.config.rules
    digest = started.core.holder.bundle.digest
    write_policy(
        rules,
        "apiVersion: ordergate/v1\nkind: RiskPolicy\nmetadata: {name: broken, version: 1}\nspec: {acounts: []}\n",
        "broken.yaml",
    )
    assert await started.reload() is False
    assert started.core.holder.bundle.digest == digest
    refused = started.status()["policy"]["refused"]
    assert refused["diagnostics"][0]["code"] == "unknown-field" and refused["digest"] != digest
    await quote(started, "ES", 6000)
    assert (await order(started, qty=6))[1]["decision"]["policy"] == "desk@1"
    (rules / "broken.yaml").unlink()
    write_policy(
        rules,
        started.config.rules.joinpath("policy.yaml")
        .read_text()
        .replace("max_contracts_per_order: 5", "max_contracts_per_order: 9")
        .replace("version: 1", "version: 2"),
    )
    assert await started.reload() is True
    status, body = await order(started, qty=6)
    assert status == 201 and body["decision"]["policy"] == "desk@2"


async def test_no_valid_policy_blocks_entries_and_lets_exits_through(make_runtime, tmp_path) -> None:
    write_policy(tmp_path / "rules", "not: [valid\n")
    rt = make_runtime()
    await rt.start(background=False)
    assert rt.health()["status"] == "degraded"
    await quote(rt, "ES", 6000)
    status, body = await order(rt)
    assert status == 403 and (body["decision"]["stage"], body["decision"]["code"]) == ("policy", "no_policy")
    rt.core.brokers["Paper"].restore("PAPER-1", {"ES": (1, 6000.0)})
    rt.monitor.sync(rt.core.accounts["PAPER-1"])
    status, body = await order(rt, side="sell", qty=1)
    assert status == 201 and body["decision"]["exit"] is True
    await rt.stop()


async def test_the_kill_switch_flattens_and_locks_every_account_and_reports(make_runtime) -> None:
    rt = make_runtime(
        connections=[
            paper(
                [
                    {"id": "PAPER-1", "balance": 50000},
                    {"id": "PAPER-2", "balance": 25000},
                    {"id": "PAPER-3", "balance": 25000},
                ]
            )
        ]
    )
    await rt.start(background=False)
    await quote(rt, "ES", 6000)
    await order(rt, account="PAPER-1", qty=1)
    await order(rt, account="PAPER-2", qty=1)
    rt.core.brokers["Paper"].reject_next(1, "broker down")
    report = await rt.kill_switch({"confirm": "FLATTEN"})
    assert report["accounts"] == [
        {
            "account": "PAPER-1",
            "flatten": "failed",
            "lock": "ok",
            "error": "flatten of ES refused: broker down",
        },
        {"account": "PAPER-2", "flatten": "ok", "lock": "ok", "error": None},
        {"account": "PAPER-3", "flatten": "none", "lock": "ok", "error": None},
    ]
    assert all(rt.account_view(a)["locked"] for a in ("PAPER-1", "PAPER-2", "PAPER-3"))
    await rt.stop()


async def test_disabling_an_account_with_positions_needs_confirmation(started) -> None:
    await quote(started, "ES", 6000)
    await order(started)
    with pytest.raises(Conflict) as info:
        await started.set_enabled("PAPER-1", False, {})
    assert info.value.field == "confirm" and "open positions" in info.value.message
    view = await started.set_enabled("PAPER-1", False, {"confirm": True})
    assert view["enabled"] is False
    assert (await order(started))[1]["decision"]["code"] == "account_disabled"


async def test_a_rules_directory_emptied_for_a_moment_keeps_the_last_good_policy(started) -> None:
    (started.config.rules / "policy.yaml").write_text("")
    assert await started.reload() is False
    assert started.core.holder.bundle.policies
    assert started.status()["policy"]["refused"]["diagnostics"][0]["code"] == "no-policies"


async def test_native_stop_and_stop_limit_orders_trigger_at_the_paper_broker(started) -> None:
    await quote(started, "ES", 6000)
    status, body = await order(started, type="stop", stop_price=6005)
    assert status == 201 and body["order"]["status"] == "working"
    status, body = await order(started, type="stop_limit", stop_price=6010, price=6010.5)
    assert body["order"]["status"] == "working"
    await quote(started, "ES", 6005)
    assert started.account_view("PAPER-1")["positions"][0]["qty"] == 1
    await quote(started, "ES", 6012)  # triggered, but the ask 6012.25 is above the limit
    assert started.account_view("PAPER-1")["positions"][0]["qty"] == 1
    await quote(started, "ES", 6010)
    assert started.account_view("PAPER-1")["positions"][0]["qty"] == 2
    fills = [e.data["price"] for e in started.core.bus.recent if e.type == "fill"]
    assert fills == [6005.25, 6010.25]


async def test_the_order_history_keeps_every_order(started) -> None:
    await quote(started, "ES", 6000)
    await order(started)
    placed = (await order(started, type="limit", price=5000))[1]["order"]
    await started.gateway.cancel(placed["id"])
    statuses = sorted(o["status"] for o in started.core.store.order_history("PAPER-1"))
    assert statuses == ["cancelled", "filled"]


async def test_a_replay_feed_plays_its_quotes(make_runtime, tmp_path) -> None:
    from ordergate.policy.models import ConnectionConfig

    csv = tmp_path / "quotes.csv"
    csv.write_text(
        "time,symbol,bid,ask,last\n2026-11-23T10:00:00-05:00,ESZ6,6000,6000.25,6000\n2026-11-23T10:00:00.01-05:00,NQZ6,21000,21000.25,21000\n"
    )
    conn = ConnectionConfig.model_validate(
        {"name": "Replay", "broker": "paper", "feed": f"replay:{csv}", "accounts": [{"id": "PAPER-1"}]}
    )
    rt = make_runtime(connections=[conn])
    await rt.start(background=False)
    broker = rt.core.brokers["Replay"]
    for _ in range(200):
        if "NQ" in broker.quotes:
            break
        await asyncio.sleep(0.01)
    assert broker.quotes["ES"].bid == 6000 and broker.quotes["NQ"].last == 21000
    await rt.stop()


def test_a_replay_file_with_a_bad_row_names_its_line(tmp_path) -> None:
    from ordergate.runtime.brokers.errors import BrokerConfigError as ConfigError
    from ordergate.runtime.brokers.exchange import read_replay

    csv = tmp_path / "q.csv"
    csv.write_text(
        "time,symbol,bid,ask,last\n2026-11-23T10:00:00Z,ES,6000,6000.25,6000\nyesterday,ES,1,2,3\n"
    )
    with pytest.raises(ConfigError, match=r"q.csv:3: "):
        read_replay(csv)


TRAILING = """
apiVersion: ordergate/v1
kind: RiskPolicy
metadata: {{name: trail, version: 1}}
spec:
  accounts: ["*"]
  limits:
    trailing_drawdown: {{amount: 500, mode: {mode}}}
    on_breach: {{action: flatten_and_lock, lock: manual}}
"""


async def test_the_intraday_trail_follows_the_equity_peak_and_breaches_on_the_way_down(make_runtime) -> None:
    rt = make_runtime(policy=TRAILING.format(mode="intraday"))
    await rt.start(background=False)
    await quote(rt, "ES", 6000)
    await order(rt, qty=1)  # 6000.25
    await quote(rt, "ES", 6020)  # equity 50,987.50: the peak rises with it
    assert rt.account_view("PAPER-1")["peak_equity"] == pytest.approx(50987.5)
    await quote(rt, "ES", 6011)  # 50,537.50: above 50,487.50
    assert rt.account_view("PAPER-1")["locked"] is None
    await quote(rt, "ES", 6010)  # 50,487.50: at the threshold
    view = rt.account_view("PAPER-1")
    assert view["locked"]["reason"] == "trailing_drawdown" and view["positions"] == []
    await rt.stop()


async def test_the_end_of_day_trail_moves_only_at_the_roll(make_runtime) -> None:
    rt = make_runtime(policy=TRAILING.format(mode="end_of_day"))
    await rt.start(background=False)
    await quote(rt, "ES", 6000)
    await order(rt, qty=1)
    await quote(rt, "ES", 6020)  # an intraday high does not move an end-of-day trail
    await quote(rt, "ES", 5991)  # 50,537.50 - 1,000 below the intraday peak, above 50,000 - 500
    assert rt.account_view("PAPER-1")["locked"] is None
    await quote(rt, "ES", 6020)
    clock = rt.core.clock
    clock.set(MONDAY_10.replace(hour=18))  # the roll marks 50,987.50 as the end-of-day high
    await rt.monitor.on_tick(clock.now())
    await quote(rt, "ES", 6011)
    assert rt.account_view("PAPER-1")["locked"] is None
    await quote(rt, "ES", 6010)
    assert rt.account_view("PAPER-1")["locked"]["reason"] == "trailing_drawdown"
    await rt.stop()


async def test_a_cancelled_held_order_is_not_sent_when_touched(make_runtime) -> None:
    rt = make_runtime(connections=[paper(execution="managed")])
    await rt.start(background=False)
    await quote(rt, "ES", 6000)
    held = (await order(rt, type="limit", price=5990))[1]["order"]
    await rt.gateway.cancel(held["id"])
    await quote(rt, "ES", 5980)
    assert rt.account_view("PAPER-1")["positions"] == []
    assert [o["status"] for o in rt.core.store.order_history("PAPER-1")] == ["cancelled"]
    await rt.stop()


async def test_a_reversal_sends_its_entry_once_the_cover_has_filled(make_runtime) -> None:
    from ordergate.policy.models import ConnectionConfig

    late = ConnectionConfig.model_validate(
        {
            "name": "Paper",
            "broker": "paper",
            "feed": "manual",
            "latency_ms": 30,
            "accounts": [{"id": "PAPER-1"}],
        }
    )
    rt = make_runtime(connections=[late])
    await rt.start(background=False)
    rt.core.fill_wait = 0.001  # the cover's fill comes after its answer
    await quote(rt, "ES", 6000)
    rt.core.fill_wait = 1.0
    assert (await order(rt, qty=2))[1]["order"]["status"] == "filled"
    rt.core.fill_wait = 0.001
    state = rt.core.accounts["PAPER-1"]
    status, answer = await rt.gateway.submit_alert(
        state, {"ticker": "ESZ2026", "action": "sell", "quantity": 3}
    )
    assert (
        status == 201
        and answer["order"]["intent"] == "close"
        and answer["entry"] == "waits for the cover to fill"
    )
    for _ in range(200):
        held = state.holdings.get("ES")
        if held is not None and held.qty == -3:
            break
        await asyncio.sleep(0.01)
    assert state.holdings["ES"].qty == -3  # covered 2, then the entry of 3 short, checked on its own
    entries = [e for e in rt.core.bus.recent if e.type == "reversal_entry"]
    assert [e.data["decision"]["exit"] for e in entries] == [False]
    await rt.stop()


@pytest.mark.anyio
async def test_a_broker_adapter_reads_the_runtimes_clock_in_seconds_even_after_it_is_swapped(
    make_runtime: Callable[..., Runtime],
) -> None:
    clock = FakeClock(MONDAY_10)
    runtime = make_runtime(clock=clock)
    await runtime.start(background=False)
    try:
        adapter_clock = runtime.core.brokers["Paper"].clock
        assert adapter_clock() == MONDAY_10.timestamp() == clock.timestamp()
        clock.advance(seconds=90.5)
        assert adapter_clock() == (MONDAY_10 + timedelta(seconds=90.5)).timestamp()
        later = FakeClock(MONDAY_10 + timedelta(days=1))
        runtime.core.clock = later
        assert adapter_clock() == later.now().timestamp()
    finally:
        await runtime.stop()


def test_the_system_clocks_seconds_are_its_now() -> None:
    from ordergate.runtime.clock import SystemClock

    clock = SystemClock()
    before = clock.now().timestamp()
    seconds = clock.timestamp()
    # a datetime keeps whole microseconds: time.time() may be up to one past it
    assert before <= seconds <= clock.now().timestamp() + 1e-6
