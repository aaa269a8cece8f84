"""The ProjectX simulator's brackets spoken as the Gateway API has them, over raw HTTP (not
our adapter): ``Order/place`` with ``takeProfitBracket`` and ``stopLossBracket``
(``{ticks, type}``) rests two orders of the other side once the entry fills, ticks of
the contract from its fill, and one filling cancels the other."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from ordergate.runtime.brokers.base import SimLogin
from ordergate.runtime.brokers.exchange import Exchange
from ordergate.runtime.brokers.projectx import simulator

pytestmark = pytest.mark.anyio


@pytest.fixture
async def api() -> AsyncIterator[tuple[httpx.AsyncClient, Exchange, int, str]]:
    exchange = Exchange()
    exchange.open_account("PX-1", 50_000)
    exchange.set_quote("ES", 6000.0, 6000.25, 6000.0)
    sim = await simulator.HARNESS.serve(exchange, SimLogin(), 0)
    try:
        async with httpx.AsyncClient(base_url=f"{sim.endpoint}/api", timeout=5) as http:
            login = await http.post("/Auth/loginKey", json={"userName": "demo", "apiKey": "demo"})
            http.headers["Authorization"] = f"Bearer {login.json()['token']}"
            [account] = (await http.post("/Account/search", json={"onlyActiveAccounts": True})).json()[
                "accounts"
            ]
            found = (await http.post("/Contract/search", json={"searchText": "ES", "live": False})).json()
            contract = next(c for c in found["contracts"] if c["id"].startswith("CON.F.US.EP."))
            assert contract["tickSize"] == 0.25
            yield http, exchange, account["id"], contract["id"]
    finally:
        await sim.stop()


async def open_orders(http: httpx.AsyncClient, account: int) -> list[dict[str, Any]]:
    return list((await http.post("/Order/searchOpen", json={"accountId": account})).json()["orders"])


async def test_brackets_rest_in_ticks_from_the_fill_and_cancel_each_other(api: Any) -> None:
    http, exchange, account, contract = api
    body = {"accountId": account, "contractId": contract, "type": 2, "side": 0, "size": 2}
    body |= {"takeProfitBracket": {"ticks": 40, "type": 1}, "stopLossBracket": {"ticks": -20, "type": 4}}
    placed = (await http.post("/Order/place", json=body)).json()
    assert placed["success"] and placed["orderId"]
    legs = {o["type"]: o for o in await open_orders(http, account)}
    assert (legs[1]["side"], legs[1]["size"], legs[1]["limitPrice"]) == (
        1,
        2,
        6010.25,
    )  # 40 ticks above 6000.25
    assert (legs[4]["side"], legs[4]["size"], legs[4]["stopPrice"]) == (1, 2, 5995.25)  # 20 ticks below
    assert legs[1].get("customTag") is None
    exchange.set_quote("ES", 5995.0, 5995.25, 5995.0)  # the stop loss fills
    assert await open_orders(http, account) == []
    found = (
        await http.post("/Order/searchById", json={"accountId": account, "orderId": legs[1]["id"]})
    ).json()
    assert found["order"]["status"] == 3  # cancelled by its sibling's fill
    assert exchange.positions("PX-1") == {}


async def test_a_resting_entry_keeps_its_brackets_until_it_fills(api: Any) -> None:
    http, exchange, account, contract = api
    body = {
        "accountId": account,
        "contractId": contract,
        "type": 1,
        "side": 1,
        "size": 1,
        "limitPrice": 6010.0,
    }
    body |= {"stopLossBracket": {"ticks": 8, "type": 5}}
    placed = (await http.post("/Order/place", json=body)).json()
    assert [o["id"] for o in await open_orders(http, account)] == [placed["orderId"]]
    exchange.set_quote("ES", 6010.0, 6010.25, 6010.0)
    [trail] = await open_orders(http, account)
    assert (trail["type"], trail["side"], trail["stopPrice"]) == (
        5,
        0,
        6012.0,
    )  # a short's stop, 8 ticks above


@pytest.mark.parametrize(
    ("bracket", "words"),
    [
        ({"stopLossBracket": {"ticks": 0, "type": 4}}, "ticks other than 0"),
        ({"takeProfitBracket": {"ticks": 4, "type": 4}}, "not offered"),
    ],
)
async def test_a_bracket_it_cannot_place_refuses_the_order(
    api: Any, bracket: dict[str, Any], words: str
) -> None:
    http, exchange, account, contract = api
    body = {"accountId": account, "contractId": contract, "type": 2, "side": 0, "size": 1} | bracket
    answer = (await http.post("/Order/place", json=body)).json()
    assert not answer["success"] and words in answer["errorMessage"]
    assert exchange.positions("PX-1") == {} and await open_orders(http, account) == []


def test_the_adapter_sends_ticks_signed_by_direction_and_never_nearer_than_asked() -> None:
    from ordergate.runtime.brokers.errors import BracketUnsupported
    from ordergate.runtime.brokers.projectx.brackets import bracket_fields
    from ordergate.runtime.brokers.types import BracketLeg

    legs = (
        BracketLeg("t", "take_profit", "limit", offset=10.1),
        BracketLeg("s", "stop_loss", "stop", offset=5.0),
    )
    assert bracket_fields(legs, 0.25, "buy") == {
        "takeProfitBracket": {"ticks": 41, "type": 1},  # 10.1 points: 40.4 ticks, rounded away
        "stopLossBracket": {"ticks": -20, "type": 4},
    }
    assert bracket_fields(legs, 0.25, "sell")["stopLossBracket"]["ticks"] == 20
    with pytest.raises(BracketUnsupported):
        bracket_fields((BracketLeg("t", "take_profit", "limit", price=6010.0),), 0.25, "buy")
