"""Every payload form reference/markets.md 4.2 documents, over real HTTP against the paper
broker that answers late and fills in parts: each either does what TradersPost does or is
refused with a 422 naming its field. None is accepted and ignored."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as default
from typing import Any

import pytest

from .conftest import client, quote
from .webhook_helpers import HOOK, hold, late_runtime, position, until

pytestmark = pytest.mark.anyio

T = "MNQZ2026"  # MNQ quoted 21000 / 21000.25, last 21000


@dataclass(frozen=True)
class Case:
    name: str
    payload: dict[str, Any]
    status: int
    field: str | None = None  # the field a refusal names
    before: int = 0  # the MNQ position the account holds first
    after: int | None = None  # the MNQ position once the alert's orders are done
    order: dict[str, Any] = default(default_factory=dict)  # what the answer's order shows


def refused(name: str, payload: dict[str, Any], named: str, before: int = 0, status: int = 422) -> Case:
    return Case(name, {"ticker": T, **payload}, status, field=named, before=before, after=before)


CASES = [
    # entries
    Case("buy at market", {"ticker": T, "action": "buy"}, 201, after=1, order={"side": "buy", "qty": 1}),
    Case("buy a quantity", {"ticker": T, "action": "buy", "quantity": 2}, 201, after=2),
    Case("buy a quantity given as text", {"ticker": T, "action": "buy", "quantity": "2"}, 201, after=2),
    Case("sell short", {"ticker": T, "action": "sell", "quantity": 1}, 201, after=-1),
    Case(
        "sell with sentiment short opens a short",
        {"ticker": T, "action": "sell", "sentiment": "short"},
        201,
        after=-1,
    ),
    Case(
        "buy with sentiment bullish opens a long",
        {"ticker": T, "action": "buy", "sentiment": "bullish"},
        201,
        after=1,
    ),
    Case(
        "buy limit",
        {"ticker": T, "action": "buy", "orderType": "limit", "limitPrice": 20990},
        201,
        after=0,
        order={"type": "limit", "price": 20990, "status": "working"},
    ),
    Case(
        "a price makes a limit",
        {"ticker": T, "action": "buy", "price": "20990.5"},
        201,
        after=0,
        order={"type": "limit", "price": 20990.5},
    ),
    Case(
        "signalPrice is the market's price when the alert fired: a market order, as TradersPost's example",
        {"ticker": T, "action": "buy", "signalPrice": 20990, "quantity": 1},
        201,
        after=1,
        order={"type": "market"},
    ),
    Case(
        "TradersPost's own example: a market buy with a percent take profit and stop",
        {
            "ticker": T,
            "action": "buy",
            "signalPrice": 21000,
            "quantity": 1,
            "takeProfit": {"percent": 10},
            "stopLoss": {"type": "stop", "percent": 5},
        },
        201,
        after=1,
        order={"type": "market"},
    ),
    Case(
        "buy stop",
        {"ticker": T, "action": "buy", "stopPrice": 21010},
        201,
        after=0,
        order={"type": "stop", "stop_price": 21010},
    ),
    Case(
        "buy stop limit",
        {"ticker": T, "action": "buy", "orderType": "stop_limit", "stopPrice": 21010, "limitPrice": 21011},
        201,
        after=0,
        order={"type": "stop_limit", "stop_price": 21010, "price": 21011},
    ),
    # reversals, exits, adds
    Case("buy while short reverses", {"ticker": T, "action": "buy", "quantity": 1}, 201, before=-2, after=1),
    Case(
        "sell with sentiment flat exits all",
        {"ticker": T, "action": "sell", "sentiment": "flat"},
        201,
        before=3,
        after=0,
    ),
    Case(
        "sell with sentiment flat and a quantity exits that many",
        {"ticker": T, "action": "sell", "sentiment": "flat", "quantity": 1},
        201,
        before=3,
        after=2,
    ),
    Case(
        "buy with sentiment flat covers a short",
        {"ticker": T, "action": "buy", "sentiment": "flat"},
        201,
        before=-2,
        after=0,
    ),
    Case(
        "sell with sentiment long only reduces the long",
        {"ticker": T, "action": "sell", "sentiment": "long", "quantity": 1},
        201,
        before=3,
        after=2,
    ),
    Case("exit closes the position", {"ticker": T, "action": "exit"}, 201, before=3, after=0),
    Case(
        "exit with a quantity exits that many",
        {"ticker": T, "action": "exit", "quantity": 1},
        201,
        before=3,
        after=2,
    ),
    Case(
        "exit of more than is open closes it",
        {"ticker": T, "action": "exit", "quantity": 9},
        201,
        before=2,
        after=0,
    ),
    Case("add to a long", {"ticker": T, "action": "add", "quantity": 1}, 201, before=1, after=2),
    Case("add to a short", {"ticker": T, "action": "add"}, 201, before=-1, after=-2),
    refused("exit with nothing open", {"action": "exit"}, "action", status=409),
    refused("add with nothing open", {"action": "add"}, "action", status=409),
    refused("buy while long", {"action": "buy"}, "action", before=1, status=409),
    refused("sell flat with nothing open", {"action": "sell", "sentiment": "flat"}, "sentiment", status=409),
    Case("cancel", {"ticker": T, "action": "cancel"}, 200),
    # sizing
    Case(
        "fixed_quantity",
        {"ticker": T, "action": "buy", "quantity": 2, "quantityType": "fixed_quantity"},
        201,
        after=2,
    ),
    Case(
        "percent_of_position exit rounds down",
        {"ticker": T, "action": "exit", "quantity": 50, "quantityType": "percent_of_position"},
        201,
        before=3,
        after=2,
        order={"qty": 1},
    ),
    Case(
        "percent_of_position is at least one contract",
        {"ticker": T, "action": "exit", "quantity": 10, "quantityType": "percent_of_position"},
        201,
        before=3,
        after=2,
    ),
    Case(
        "percent_of_position sizes a reversal's entry",
        {"ticker": T, "action": "buy", "quantity": 50, "quantityType": "percent_of_position"},
        201,
        before=-4,
        after=2,
    ),
    refused(
        "percent_of_position of nothing comes to zero",
        {"action": "buy", "quantity": 50, "quantityType": "percent_of_position"},
        "quantityType",
    ),
    refused(
        "percent_of_position with add",
        {"action": "add", "quantity": 50, "quantityType": "percent_of_position"},
        "quantityType",
        before=1,
    ),
    refused(
        "dollar_amount is not for futures",
        {"action": "buy", "quantity": 3, "quantityType": "dollar_amount"},
        "quantityType",
    ),
    refused(
        "risk_dollar_amount is not for futures",
        {"action": "buy", "quantity": 3, "quantityType": "risk_dollar_amount"},
        "quantityType",
    ),
    refused(
        "percent_of_equity is not for futures",
        {"action": "buy", "quantity": 3, "quantityType": "percent_of_equity"},
        "quantityType",
    ),
    refused("an unknown quantityType", {"action": "buy", "quantityType": "lots"}, "quantityType"),
    refused(
        "quantityType with cancel", {"action": "cancel", "quantityType": "fixed_quantity"}, "quantityType"
    ),
    refused("a fractional quantity", {"action": "buy", "quantity": 1.5}, "quantity"),
    # brackets: accepted on entries (their legs are tested in test_webhook_brackets.py)
    Case(
        "takeProfit limitPrice",
        {"ticker": T, "action": "buy", "takeProfit": {"limitPrice": 21050}},
        201,
        after=1,
    ),
    Case("takeProfit amount", {"ticker": T, "action": "buy", "takeProfit": {"amount": 20}}, 201, after=1),
    Case("takeProfit percent", {"ticker": T, "action": "buy", "takeProfit": {"percent": 0.5}}, 201, after=1),
    Case(
        "stopLoss stopPrice", {"ticker": T, "action": "buy", "stopLoss": {"stopPrice": 20950}}, 201, after=1
    ),
    Case(
        "stopLoss amount",
        {"ticker": T, "action": "buy", "stopLoss": {"type": "stop", "amount": 10}},
        201,
        after=1,
    ),
    Case("stopLoss percent", {"ticker": T, "action": "sell", "stopLoss": {"percent": 0.1}}, 201, after=-1),
    Case(
        "stopLoss stop_limit",
        {
            "ticker": T,
            "action": "buy",
            "stopLoss": {"type": "stop_limit", "stopPrice": 20950, "limitPrice": 20949},
        },
        201,
        after=1,
    ),
    Case(
        "stopLoss trailAmount",
        {"ticker": T, "action": "buy", "stopLoss": {"type": "trailing_stop", "trailAmount": 5}},
        201,
        after=1,
    ),
    Case(
        "stopLoss trailPercent",
        {"ticker": T, "action": "buy", "stopLoss": {"type": "trailing_stop", "trailPercent": 0.1}},
        201,
        after=1,
    ),
    Case(
        "takeProfit and stopLoss together",
        {"ticker": T, "action": "buy", "takeProfit": {"amount": 20}, "stopLoss": {"amount": 10}},
        201,
        after=1,
    ),
    refused(
        "a take profit below a buy",
        {"action": "buy", "takeProfit": {"limitPrice": 20900}},
        "takeProfit.limitPrice",
    ),
    refused(
        "a stop loss above a buy", {"action": "buy", "stopLoss": {"stopPrice": 21100}}, "stopLoss.stopPrice"
    ),
    refused(
        "takeProfit with two forms",
        {"action": "buy", "takeProfit": {"amount": 5, "percent": 1}},
        "takeProfit",
    ),
    refused("takeProfit with no form", {"action": "buy", "takeProfit": {}}, "takeProfit"),
    refused(
        "a trailing stop loss with no trail",
        {"action": "buy", "stopLoss": {"type": "trailing_stop"}},
        "stopLoss",
    ),
    refused(
        "a trailing stop loss with a stopPrice",
        {"action": "buy", "stopLoss": {"type": "trailing_stop", "stopPrice": 20950, "trailAmount": 5}},
        "stopLoss.stopPrice",
    ),
    refused(
        "a stop_limit stop loss with no limitPrice",
        {"action": "buy", "stopLoss": {"type": "stop_limit", "amount": 5}},
        "stopLoss.limitPrice",
    ),
    refused(
        "an unknown stop loss type",
        {"action": "buy", "stopLoss": {"type": "guaranteed", "amount": 5}},
        "stopLoss.type",
    ),
    refused("a bracket on an exit", {"action": "exit", "stopLoss": {"amount": 5}}, "stopLoss", before=1),
    refused(
        "a bracket price off the tick grid",
        {"action": "buy", "takeProfit": {"limitPrice": 21050.1}},
        "takeProfit.limitPrice",
    ),
    # order types
    refused("an unknown orderType", {"action": "buy", "orderType": "iceberg"}, "orderType"),
    refused(
        "a trailing_stop order with no trail", {"action": "buy", "orderType": "trailing_stop"}, "orderType"
    ),
    refused(
        "a trailing_stop order",
        {"action": "sell", "orderType": "trailing_stop", "trailAmount": 5},
        "orderType",
    ),
    refused("a trail with no trailing_stop", {"action": "buy", "trailPercent": 1}, "trailPercent"),
    refused("a limit order with no price", {"action": "buy", "orderType": "limit"}, "limitPrice"),
    # time in force, hours, prices
    Case(
        "timeInForce gtc",
        {"ticker": T, "action": "buy", "timeInForce": "gtc"},
        201,
        after=1,
        order={"time_in_force": "gtc"},
    ),
    Case(
        "timeInForce day",
        {"ticker": T, "action": "buy", "limitPrice": 20990, "timeInForce": "day"},
        201,
        after=0,
        order={"time_in_force": "day", "expires_at": "2026-11-23T18:00:00-05:00"},
    ),
    refused("timeInForce ioc", {"action": "buy", "timeInForce": "ioc"}, "timeInForce"),
    refused("timeInForce unknown", {"action": "buy", "timeInForce": "week"}, "timeInForce"),
    Case("extendedHours false", {"ticker": T, "action": "buy", "extendedHours": False}, 201, after=1),
    refused("extendedHours true", {"action": "buy", "extendedHours": True}, "extendedHours"),
    refused("extendedHours not a boolean", {"action": "buy", "extendedHours": "yes"}, "extendedHours"),
    refused("marketPriceType", {"action": "buy", "marketPriceType": "last"}, "marketPriceType"),
    refused("an unknown marketPriceType", {"action": "buy", "marketPriceType": "vwap"}, "marketPriceType"),
    Case(
        "ignoreTradingWindows false",
        {"ticker": T, "action": "buy", "ignoreTradingWindows": False},
        201,
        after=1,
    ),
    refused(
        "ignoreTradingWindows true", {"action": "buy", "ignoreTradingWindows": True}, "ignoreTradingWindows"
    ),
    # breakeven
    refused("breakeven with nothing open", {"action": "breakeven"}, "action", status=409),
    refused("breakevenOffset with buy", {"action": "buy", "breakevenOffset": 1}, "breakevenOffset"),
    # informational and unknown fields
    Case(
        "time, interval, message and extras are kept",
        {
            "ticker": T,
            "action": "buy",
            "time": "2026-11-23T15:00:00Z",
            "interval": "5",
            "message": "Breakout long on the 5 minute chart",
            "extras": {"strategy": "orb"},
        },
        201,
        after=1,
        order={
            "signal": {
                "time": "2026-11-23T15:00:00Z",
                "interval": "5",
                "message": "Breakout long on the 5 minute chart",
                "extras": {"strategy": "orb"},
            }
        },
    ),
    refused("a message under 25 characters", {"action": "buy", "message": "go long"}, "message"),
    refused("an options field", {"action": "buy", "optionType": "call"}, "optionType"),
    refused("an options strike", {"action": "buy", "strikePrice": 100}, "strikePrice"),
    refused("no action", {}, "action"),
    refused("an unknown action", {"action": "hold"}, "action"),
    refused("an unknown sentiment", {"action": "buy", "sentiment": "sideways"}, "sentiment"),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
async def test_documented_payload_does_what_traderspost_does_or_names_its_field(
    make_runtime, case: Case
) -> None:
    rt = await late_runtime(make_runtime)
    await hold(rt, case.before)
    async with client(rt, token=None) as c:
        r = await c.post(HOOK, json=case.payload)
        body = r.json()
        assert r.status_code == case.status, body
        if case.field is not None:
            assert body["field"] == case.field, body
        for key, value in case.order.items():
            assert body["order"][key] == value, (key, body["order"])
        if case.after is not None:
            await until(lambda: position(rt) == case.after)
        assert "ignored" not in body
        if case.status == 201:
            logged = rt.core.store.decisions("PAPER-1", 1)[0]["order"]
            assert logged["source"] == "webhook"
            if "signal" in case.order:
                assert logged["signal"] == case.order["signal"]  # in the decision log too
    await rt.stop()


async def test_unknown_fields_are_ignored_and_listed(make_runtime) -> None:
    rt = await late_runtime(make_runtime)
    async with client(rt, token=None) as c:
        r = await c.post(HOOK, json={"ticker": T, "action": "buy", "strategyName": "orb", "chart": 5})
        assert r.status_code == 201 and r.json()["ignored"] == ["chart", "strategyName"]
    assert position(rt) == 1
    await rt.stop()


async def test_a_day_order_expires_at_the_trading_day_roll(make_runtime) -> None:
    from datetime import datetime

    rt = await late_runtime(make_runtime)
    await quote(rt, "MES", 6010)
    async with client(rt, token=None) as c:
        r = await c.post(HOOK, json={"ticker": T, "action": "buy", "limitPrice": 20990, "timeInForce": "day"})
        gtc = await c.post(
            HOOK, json={"ticker": "MESZ2026", "action": "buy", "limitPrice": 6000, "timeInForce": "gtc"}
        )
    day_id = r.json()["order"]["id"]
    clock = rt.core.clock
    clock.set(datetime.fromisoformat("2026-11-23T17:59:59-05:00"))
    await rt.monitor.on_tick(clock.now())
    assert {o["id"] for o in rt.core.store.open_orders("PAPER-1")} == {day_id, gtc.json()["order"]["id"]}
    clock.set(datetime.fromisoformat("2026-11-23T18:00:00-05:00"))
    await rt.monitor.on_tick(clock.now())
    assert [o["id"] for o in rt.core.store.open_orders("PAPER-1")] == [gtc.json()["order"]["id"]]
    assert rt.core.store.order(day_id)["status"] == "cancelled"
    await rt.stop()
