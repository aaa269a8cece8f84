"""Brackets over real HTTP on the paper broker that answers late and fills in parts: legs
placed once the entry fills, one-cancels-other, a trailing stop following the quote,
partial exits shrinking the legs, a restart placing legs a crash left unplaced, and
replayed and conflicting alert ids."""

from __future__ import annotations

import math
from typing import Any

import pytest

from ordergate.runtime.bracket_desk import BracketDesk

from .conftest import client
from .webhook_helpers import HOOK, late_runtime, move, open_orders, position, until

pytestmark = pytest.mark.anyio
T = "MNQZ2026"  # MNQ quoted 21000 / 21000.25, last 21000


def legs(rt: Any) -> dict[str, dict[str, Any]]:
    return {o["leg"]: o for o in open_orders(rt) if o.get("leg")}


async def test_legs_are_placed_once_the_entry_fills_priced_from_the_fill(make_runtime) -> None:
    rt = await late_runtime(make_runtime)
    alert = {"ticker": T, "action": "buy", "quantity": 2, "limitPrice": 20990}
    alert |= {"takeProfit": {"amount": 20}, "stopLoss": {"percent": 0.05}}
    async with client(rt, token=None) as c:
        r = await c.post(HOOK, json=alert)
        assert r.status_code == 201 and r.json()["order"]["status"] == "working"
        assert legs(rt) == {}  # nothing rests before the entry fills
        await move(rt, 20989)
        await until(lambda: len(legs(rt)) == 2)
        shown = {
            o["leg"]: o
            for o in (await c.get("/v1/orders", headers={"Authorization": "Bearer test-token"})).json()[
                "orders"
            ]
            if o.get("leg")
        }
    entry = r.json()["order"]["id"]
    fill = rt.core.store.order(entry)["avg_fill_price"]
    tp, sl = shown["take_profit"], shown["stop_loss"]
    assert (tp["side"], tp["type"], tp["qty"], tp["price"], tp["parent"]) == (
        "sell",
        "limit",
        2,
        fill + 20,
        entry,
    )
    # 0.05% of the fill below it, rounded away from the fill onto the quarter-point grid
    below = math.floor((fill - fill * 0.0005) / 0.25) * 0.25
    assert (sl["side"], sl["type"], sl["stop_price"], sl["parent"]) == ("sell", "stop", below, entry)
    assert tp["oco"] == sl["id"] and sl["oco"] == tp["id"] and tp["status"] == sl["status"] == "held"
    await rt.stop()


async def test_a_take_profit_fill_cancels_the_stop_loss(make_runtime) -> None:
    rt = await late_runtime(make_runtime)
    async with client(rt, token=None) as c:
        await c.post(
            HOOK,
            json={
                "ticker": T,
                "action": "buy",
                "quantity": 2,
                "takeProfit": {"amount": 10},
                "stopLoss": {"amount": 10},
            },
        )
    await until(lambda: len(legs(rt)) == 2)
    placed = legs(rt)
    await move(rt, placed["take_profit"]["price"] + 0.25)
    await until(lambda: position(rt) == 0)
    tp, sl = (rt.core.store.order(placed[k]["id"]) for k in ("take_profit", "stop_loss"))
    assert tp["status"] == "filled" and tp["filled_qty"] == 2
    assert sl["status"] == "cancelled" and "one-cancels-other" in sl["reason"]
    await move(rt, placed["stop_loss"]["stop_price"] - 5)  # the stop can no longer fire
    assert position(rt) == 0 and open_orders(rt) == []
    await rt.stop()


async def test_a_stop_loss_fill_cancels_the_take_profit(make_runtime) -> None:
    rt = await late_runtime(make_runtime)
    async with client(rt, token=None) as c:
        await c.post(
            HOOK,
            json={
                "ticker": T,
                "action": "sell",
                "quantity": 1,
                "takeProfit": {"amount": 10},
                "stopLoss": {"stopPrice": 21010},
            },
        )
    await until(lambda: len(legs(rt)) == 2)
    placed = legs(rt)
    assert placed["stop_loss"]["side"] == "buy" and placed["take_profit"]["price"] == 20990
    await move(rt, 21010.5)
    await until(lambda: position(rt) == 0)
    assert rt.core.store.order(placed["stop_loss"]["id"])["status"] == "filled"
    assert rt.core.store.order(placed["take_profit"]["id"])["status"] == "cancelled"
    await rt.stop()


async def test_a_trailing_stop_follows_the_quote_and_fires_when_it_turns(make_runtime) -> None:
    rt = await late_runtime(make_runtime)
    async with client(rt, token=None) as c:
        await c.post(
            HOOK, json={"ticker": T, "action": "buy", "stopLoss": {"type": "trailing_stop", "trailAmount": 5}}
        )
    await until(lambda: len(legs(rt)) == 1)
    first = legs(rt)["stop_loss"]
    assert first["type"] == "trailing_stop" and first["stop_price"] == 20995.25  # the fill at the ask, less 5
    await move(rt, 21010)
    assert legs(rt)["stop_loss"]["stop_price"] == 21005
    await move(rt, 21007)  # a pullback never moves it back
    assert legs(rt)["stop_loss"]["stop_price"] == 21005 and position(rt) == 1
    await move(rt, 21005)
    await until(lambda: position(rt) == 0)
    assert rt.core.store.order(first["id"])["status"] == "filled"
    await rt.stop()


async def test_a_partial_exit_shrinks_the_legs_and_a_full_exit_cancels_them(make_runtime) -> None:
    rt = await late_runtime(make_runtime)
    async with client(rt, token=None) as c:
        await c.post(
            HOOK,
            json={
                "ticker": T,
                "action": "buy",
                "quantity": 3,
                "takeProfit": {"amount": 10},
                "stopLoss": {"amount": 10},
            },
        )
        await until(lambda: len(legs(rt)) == 2)
        r = await c.post(HOOK, json={"ticker": T, "action": "exit", "quantity": 1})
        assert r.status_code == 201 and r.json()["order"]["qty"] == 1
        await until(lambda: position(rt) == 2)
        # the paper broker held the legs: a partial exit takes them back, held for the 2 left
        await until(lambda: {o["qty"] for o in legs(rt).values()} == {2} and len(legs(rt)) == 2)
        assert {o["status"] for o in legs(rt).values()} == {"held"}
        await c.post(HOOK, json={"ticker": T, "action": "exit"})
    await until(lambda: position(rt) == 0)
    await rt.settle()
    await until(lambda: open_orders(rt) == [])
    await rt.stop()


async def test_a_restart_places_the_legs_a_crash_left_unplaced(make_runtime, monkeypatch) -> None:
    rt = await late_runtime(make_runtime)
    # the crash: the entry's fill is booked, the process dies before its legs are committed
    monkeypatch.setattr(BracketDesk, "place", lambda self, entry: [])
    async with client(rt, token=None) as c:
        r = await c.post(HOOK, json={"ticker": T, "action": "buy", "quantity": 2, "stopLoss": {"amount": 8}})
    await until(lambda: position(rt) == 2)
    assert legs(rt) == {}
    await rt.stop()
    monkeypatch.undo()
    again = make_runtime()
    await again.start(background=False)
    placed = legs(again)
    assert placed["stop_loss"]["qty"] == 2 and placed["stop_loss"]["parent"] == r.json()["order"]["id"]
    assert again.core.store.order(r.json()["order"]["id"])["bracket"]["legs"] == [placed["stop_loss"]["id"]]
    await again.stop()
    third = make_runtime()  # placed once: a further restart adds none
    await third.start(background=False)
    assert len(legs(third)) == 1
    await third.stop()


async def test_breakeven_moves_the_stop_loss_to_the_average_entry(make_runtime) -> None:
    rt = await late_runtime(make_runtime)
    async with client(rt, token=None) as c:
        await c.post(HOOK, json={"ticker": T, "action": "buy", "stopLoss": {"amount": 10}})
        await until(lambda: len(legs(rt)) == 1)
        await move(rt, 21020)
        r = await c.post(HOOK, json={"ticker": T, "action": "breakeven", "breakevenOffset": 1})
    assert r.status_code == 200 and r.json()["breakeven"] == 21001.25
    assert legs(rt)["stop_loss"]["stop_price"] == 21001.25
    await rt.stop()


async def test_an_alert_id_sent_again_is_a_replay_and_another_alert_under_it_a_conflict(make_runtime) -> None:
    rt = await late_runtime(make_runtime)
    first = {"ticker": T, "action": "buy", "quantity": 1, "id": "tv-7", "time": "2026-11-23T15:00:00Z"}
    async with client(rt, token=None) as c:
        r = await c.post(HOOK, json=first)
        again = await c.post(HOOK, json={**first, "time": "2026-11-23T15:00:01Z"})  # resent by TradingView
        assert again.status_code == r.status_code == 201
        assert again.json()["replayed"] is True and again.json()["order"]["id"] == r.json()["order"]["id"]
        assert "replayed" not in r.json()
        other = await c.post(HOOK, json={**first, "action": "sell"})
        assert other.status_code == 409 and other.json()["field"] == "id"
        assert other.json()["first"] == {
            "id": "tv-7",
            "action": "buy",
            "ticker": T,
            "order": r.json()["order"]["id"],
        }
        assert "action" in other.json()["error"]
        blocked = {"ticker": T, "action": "add", "quantity": 9, "id": "tv-8"}
        b1, b2 = await c.post(HOOK, json=blocked), await c.post(HOOK, json=blocked)
        assert b1.status_code == b2.status_code == 403 and b2.json()["replayed"] is True
    assert position(rt) == 1
    await rt.stop()


async def test_legs_the_paper_broker_held_rest_there_again_after_a_restart(make_runtime) -> None:
    rt = await late_runtime(make_runtime)
    async with client(rt, token=None) as c:
        alert = {"ticker": T, "action": "buy", "quantity": 1, "takeProfit": {"amount": 10}}
        alert["stopLoss"] = {"type": "trailing_stop", "trailAmount": 5}
        await c.post(HOOK, json=alert)
    await until(lambda: len(legs(rt)) == 2)
    placed = legs(rt)
    assert {v["status"] for v in placed.values()} == {"working"} and placed["stop_loss"]["native"]
    await rt.stop()
    again = make_runtime()
    await again.start(background=False)
    market = again.core.brokers["Paper"].exchange
    resting = {o.order_id: o for o in market.open_orders("PAPER-1")}
    assert set(resting) == {v["id"] for v in placed.values()}  # given back to the paper market
    await move(again, 21004)  # the trailing stop trails there again, and in GET /v1/orders
    assert market.find("PAPER-1", placed["stop_loss"]["id"]).stop_price == 20999  # type: ignore[union-attr]
    await until(lambda: legs(again)["stop_loss"]["stop_price"] == 20999)
    await move(again, placed["take_profit"]["price"] + 0.25)
    await until(lambda: position(again) == 0)
    sl = again.core.store.order(placed["stop_loss"]["id"])
    assert sl["status"] == "cancelled" and "one-cancels-other" in sl["reason"]  # still linked
    await again.stop()
