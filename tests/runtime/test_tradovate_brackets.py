"""The Tradovate simulator's bracket commands spoken as Tradovate's REST reference has them,
over raw HTTP and the user socket (not our adapter): ``order/placeoso`` sends its
brackets once the entry fills, ``bracket1`` and ``bracket2`` cancel each other, and
``order/placeoco`` rests two orders that do."""

from __future__ import annotations

from typing import Any

import pytest

from .test_tradovate_conformance import bearer, rig, until, user_socket

pytestmark = pytest.mark.anyio


def entry(account: dict[str, Any], **kw: Any) -> dict[str, Any]:
    body = {"accountSpec": account["name"], "accountId": account["id"], "action": "Buy", "symbol": "ESZ6"}
    return body | {"orderQty": 2, "orderType": "Limit", "price": 5990.0, "isAutomated": True} | kw


async def test_placeoso_brackets_wait_suspended_then_rest_and_cancel_each_other() -> None:
    async with rig() as r:
        token = await r.login()
        auth = bearer(token["accessToken"])
        async with user_socket(r, token["accessToken"]) as raw:
            await raw.call("user/syncrequest", {"users": [token["userId"]]})
            [account] = (await r.http.get("/v1/account/list", headers=auth)).json()
            body = entry(
                account,
                bracket1={"action": "Sell", "orderType": "Limit", "price": 6010.0, "clOrdId": "tp-1"},
                bracket2={"action": "Sell", "orderType": "Stop", "stopPrice": 5980.0, "clOrdId": "sl-1"},
            )
            placed = (await r.http.post("/v1/order/placeoso", json=body, headers=auth)).json()
            assert set(placed) == {"orderId", "oso1Id", "oso2Id"}

            def order(ident: int) -> dict[str, Any]:
                return [p["entity"] for p in raw.of("props", "order") if p["entity"]["id"] == ident][-1]

            await until(lambda: raw.of("props", "order") and order(placed["oso1Id"]))
            assert order(placed["oso1Id"])["ordStatus"] == "Suspended"
            assert order(placed["oso2Id"])["ordStatus"] == "Suspended"
            r.exchange.set_quote("ES", 5989.75, 5990.0, 5990.0)  # the entry fills
            await until(lambda: order(placed["oso2Id"])["ordStatus"] == "Working")
            version = (await r.http.get(f"/v1/orderVersion/item?id={placed['oso2Id']}", headers=auth)).json()
            assert (version["orderType"], version["stopPrice"], version["orderQty"]) == ("Stop", 5980.0, 2)
            r.exchange.set_quote("ES", 6010.0, 6010.25, 6010.0)  # the take profit fills
            await until(lambda: order(placed["oso2Id"])["ordStatus"] == "Canceled")
            assert order(placed["oso1Id"])["ordStatus"] == "Filled"
            reports = [p["entity"] for p in raw.of("props", "executionReport")]
            assert any(
                e["orderId"] == placed["oso2Id"] and "one-cancels-other" in e.get("text", "") for e in reports
            )
            commands = (await r.http.get("/v1/command/list", headers=auth)).json()
            assert {c["clOrdId"]: c["orderId"] for c in commands if c["clOrdId"] in ("tp-1", "sl-1")} == {
                "tp-1": placed["oso1Id"],
                "sl-1": placed["oso2Id"],
            }
            assert r.exchange.positions("TV-1") == {}


async def test_placeoso_refuses_a_bracket_on_the_entrys_own_side_and_sends_nothing() -> None:
    async with rig() as r:
        auth = bearer((await r.login())["accessToken"])
        [account] = (await r.http.get("/v1/account/list", headers=auth)).json()
        body = entry(account, bracket1={"action": "Buy", "orderType": "Limit", "price": 6010.0})
        answer = (await r.http.post("/v1/order/placeoso", json=body, headers=auth)).json()
        assert answer["failureReason"] == "UnknownReason" and "other side" in answer["failureText"]
        missing = entry(account, bracket1={"action": "Sell", "orderType": "Stop"})
        answer = (await r.http.post("/v1/order/placeoso", json=missing, headers=auth)).json()
        assert answer["failureReason"] == "InvalidPrice" and "stopPrice" in answer["failureText"]
        assert r.exchange.open_orders("TV-1") == []


async def test_placeoco_rests_both_orders_and_a_fill_of_one_cancels_the_other() -> None:
    async with rig() as r:
        auth = bearer((await r.login())["accessToken"])
        [account] = (await r.http.get("/v1/account/list", headers=auth)).json()
        r.exchange.restore_positions("TV-1", {"ES": (1, 6000.0)})
        body = entry(account, action="Sell", orderQty=1, orderType="Stop", stopPrice=5980.0)
        body.pop("price")
        body["other"] = {"action": "Sell", "orderType": "Limit", "price": 6010.0}
        placed = (await r.http.post("/v1/order/placeoco", json=body, headers=auth)).json()
        assert set(placed) == {"orderId", "ocoId"}
        assert len(r.exchange.open_orders("TV-1")) == 2
        r.exchange.set_quote("ES", 5979.75, 5980.0, 5979.75)
        stop, other = [
            (await r.http.get(f"/v1/order/item?id={placed[k]}", headers=auth)).json()
            for k in ("orderId", "ocoId")
        ]
        assert (stop["ordStatus"], other["ordStatus"]) == ("Filled", "Canceled")
        assert r.exchange.positions("TV-1") == {}
