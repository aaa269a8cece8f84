"""Tradovate's partner conformance suite, its five stages, against our simulator (brokers.md §7.3).

Each test drives the simulator the way a conforming client must, over real sockets on
127.0.0.1, with raw httpx requests and a raw WebSocket speaking the documented frames
(§1.2-§1.5): nothing of our adapter or our protocol module is used on the client side,
so the simulator is checked against the documentation rather than against our own code.

1. authentication — the credentials flow, a refused login, renewal in the same session,
   expiry, the penalty ticket;
2. WebSocket management — login (``authorize`` after or before ``o``), heartbeats both
   ways, reconnection, idempotent event processing, rate limiting, synchronous requests;
3. user management — ``auth/me``, ``user/list`` and ``user/syncrequest`` in both forms;
4. account management — accounts, cash balance, contract lookup, place, cancel and
   liquidate, with the ``props`` events that follow;
5. market data — the md socket with ``mdAccessToken``, quotes by name and by id,
   unsubscribe.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import websockets

from ordergate.runtime.brokers.base import SimLogin
from ordergate.runtime.brokers.exchange import Exchange
from ordergate.runtime.brokers.tradovate.sim_core import Options
from ordergate.runtime.brokers.tradovate.simulator import TradovateSimulator

pytestmark = pytest.mark.anyio

CREDENTIALS = {
    "name": "demo",
    "password": "demo",
    "appId": "conformance",
    "appVersion": "1.0",
    "deviceId": "conformance-device",
    "cid": 8,
    "sec": "secret",
}


class Clock:
    def __init__(self) -> None:
        self.now = 1_790_000_000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Rig:
    sim: TradovateSimulator
    exchange: Exchange
    clock: Clock
    http: httpx.AsyncClient

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.sim.port}/v1/websocket"

    @property
    def md_url(self) -> str:
        return f"ws://127.0.0.1:{self.sim.port}/md/v1/websocket"

    async def login(self) -> dict[str, Any]:
        answer = await self.http.post("/v1/auth/accesstokenrequest", json=CREDENTIALS)
        assert answer.status_code == 200, answer.text
        return dict(answer.json())


@contextlib.asynccontextmanager
async def rig(options: Options | None = None) -> AsyncIterator[Rig]:
    clock = Clock()
    exchange = Exchange(clock)
    exchange.open_account("TV-1", 50_000)
    exchange.set_quote("ES", 6000.0, 6000.25, 6000.0)
    sim = await TradovateSimulator.start(
        exchange, SimLogin("demo", "demo"), options or Options(heartbeat=0.2, client_timeout=1.0)
    )
    try:
        async with httpx.AsyncClient(base_url=sim.endpoint, timeout=5) as http:
            yield Rig(sim, exchange, clock, http)
    finally:
        await sim.stop()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Accept": "application/json"}


@dataclass
class RawSocket:
    """A Tradovate socket as a conforming client holds it: frames parsed by their first
    character, ``[]`` every period, responses kept by request id and events in order."""

    ws: Any
    beat: float = 0.2
    frames: list[str] = field(default_factory=list)
    responses: dict[int, dict[str, Any]] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    closed: tuple[int, str] | None = None
    next_id: int = 1
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def start(self, *, heartbeat: bool = True) -> None:
        self._tasks.append(asyncio.create_task(self._read()))
        if heartbeat:
            self._tasks.append(asyncio.create_task(self._beat()))

    async def _read(self) -> None:
        with contextlib.suppress(websockets.ConnectionClosed):
            async for frame in self.ws:
                self.frames.append(frame)
                kind, rest = frame[0], frame[1:]
                if kind == "a":
                    for message in json.loads(rest):
                        if "e" in message:
                            self.events.append(message)
                        else:
                            self.responses[int(message["i"])] = message
                elif kind == "c":
                    code, reason = json.loads(rest)
                    self.closed = (int(code), str(reason))

    async def _beat(self) -> None:
        with contextlib.suppress(websockets.ConnectionClosed):
            while True:
                await asyncio.sleep(self.beat)
                await self.ws.send("[]")

    async def send(self, endpoint: str, body: Any = None, query: str = "", ident: int | None = None) -> int:
        if ident is None:
            ident, self.next_id = self.next_id, self.next_id + 1
        text = "" if body is None else body if isinstance(body, str) else json.dumps(body)
        await self.ws.send(f"{endpoint}\n{ident}\n{query}\n{text}")
        return ident

    async def answer(self, ident: int) -> dict[str, Any]:
        await until(lambda: ident in self.responses)
        return self.responses[ident]

    async def call(self, endpoint: str, body: Any = None, query: str = "") -> dict[str, Any]:
        return await self.answer(await self.send(endpoint, body, query))

    async def authorize(self, token: str, *, ident: int = 0) -> dict[str, Any]:
        return await self.answer(await self.send("authorize", token, ident=ident))

    def of(self, kind: str, entity_type: str | None = None) -> list[dict[str, Any]]:
        return [
            e["d"]
            for e in self.events
            if e["e"] == kind and (entity_type is None or e["d"].get("entityType") == entity_type)
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


@contextlib.asynccontextmanager
async def socket(url: str, *, heartbeat: bool = True) -> AsyncIterator[RawSocket]:
    async with websockets.connect(url, ping_interval=None) as ws:
        raw = RawSocket(ws)
        raw.start(heartbeat=heartbeat)
        try:
            yield raw
        finally:
            await raw.stop()


async def until(check: Callable[[], Any], timeout: float = 5.0) -> None:  # noqa: ASYNC109 - a test helper's deadline
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


@contextlib.asynccontextmanager
async def user_socket(r: Rig, token: str) -> AsyncIterator[RawSocket]:
    async with socket(r.ws_url) as raw:
        await until(lambda: raw.frames)
        assert raw.frames[0] == "o"
        assert (await raw.authorize(token))["s"] == 200
        yield raw


# ---------------------------------------------------------------- stage 1: authentication


async def test_stage1_credentials_flow_issues_access_and_market_data_tokens_with_expiry() -> None:
    async with rig() as r:
        token = await r.login()
        for key in ("accessToken", "mdAccessToken", "expirationTime", "userId", "name", "userStatus"):
            assert key in token, key
        assert token["accessToken"] != token["mdAccessToken"]
        assert token["userStatus"] == "Active"
        accounts = await r.http.get("/v1/account/list", headers=bearer(token["accessToken"]))
        assert accounts.status_code == 200
        assert [a["name"] for a in accounts.json()] == ["TV-1"]


async def test_stage1_wrong_password_is_401_with_error_text_and_no_token() -> None:
    async with rig() as r:
        answer = await r.http.post("/v1/auth/accesstokenrequest", json={**CREDENTIALS, "password": "nope"})
        assert answer.status_code == 401
        assert answer.json()["errorText"]
        assert "accessToken" not in answer.json()
        assert (await r.http.get("/v1/account/list")).status_code == 401  # no token at all


async def test_stage1_renewal_extends_the_session_and_expiry_ends_it() -> None:
    async with rig(Options(heartbeat=0.2, client_timeout=1.0, token_lifetime=600)) as r:
        token = await r.login()
        r.clock.now += 500
        renewed = await r.http.get("/v1/auth/renewaccesstoken", headers=bearer(token["accessToken"]))
        assert renewed.status_code == 200
        fresh = renewed.json()
        assert fresh["accessToken"] and fresh["expirationTime"] > token["expirationTime"]
        assert r.sim.core.logins == 1  # a renewal is not a new session
        r.clock.now += 200  # past the first token's life, within the renewed one's
        assert (await r.http.get("/v1/account/list", headers=bearer(token["accessToken"]))).status_code == 401
        assert (await r.http.get("/v1/account/list", headers=bearer(fresh["accessToken"]))).status_code == 200
        r.clock.now += 600
        assert (await r.http.get("/v1/account/list", headers=bearer(fresh["accessToken"]))).status_code == 401


async def test_stage1_penalty_is_retried_with_its_ticket_after_p_time() -> None:
    async with rig() as r:
        token = await r.login()
        r.sim.penalize(5)
        first = (await r.http.get("/v1/account/list", headers=bearer(token["accessToken"]))).json()
        assert set(first) >= {"p-ticket", "p-time"} and first["p-time"] == 5 and not first.get("p-captcha")
        early = await r.http.get(
            f"/v1/account/list?p-ticket={first['p-ticket']}", headers=bearer(token["accessToken"])
        )
        assert early.json()["p-ticket"] == first["p-ticket"]  # sent early: still penalised
        r.clock.now += 5
        again = await r.http.get(
            f"/v1/account/list?p-ticket={first['p-ticket']}", headers=bearer(token["accessToken"])
        )
        assert [a["name"] for a in again.json()] == ["TV-1"]
        r.sim.penalize(5)
        login = (await r.http.post("/v1/auth/accesstokenrequest", json=CREDENTIALS)).json()
        assert login["p-captcha"] is True  # the token request always answers a penalty with a captcha


# ---------------------------------------------------------------- stage 2: WebSocket management


async def test_stage2_login_after_open_or_before_it_with_a_bare_or_quoted_token() -> None:
    async with rig() as r:
        token = (await r.login())["accessToken"]
        async with socket(r.ws_url) as raw:
            await until(lambda: raw.frames)
            assert raw.frames[0] == "o"
            assert (await raw.authorize(token))["s"] == 200
        async with websockets.connect(r.ws_url, ping_interval=None) as ws:
            await ws.send(f"authorize\n0\n\n{json.dumps(token)}")  # before reading `o`, token in quotes
            eager = RawSocket(ws)
            eager.start()
            try:
                assert (await eager.answer(0))["s"] == 200
                assert eager.frames[0] == "o"
            finally:
                await eager.stop()
        async with socket(r.ws_url) as raw:
            refused = await raw.authorize("not-a-token")
            assert refused["s"] == 401 and refused["d"]


async def test_stage2_requests_before_authorize_are_denied() -> None:
    async with rig() as r, socket(r.ws_url) as raw:
        answer = await raw.call("account/list")
        assert answer["s"] == 401


async def test_stage2_server_beats_h_within_2_5_s_and_drops_a_silent_client() -> None:
    assert Options().heartbeat <= 2.5  # the documented period is the default
    async with rig(Options(heartbeat=0.1, client_timeout=0.6)) as r:
        token = (await r.login())["accessToken"]
        async with user_socket(r, token) as beating:
            await asyncio.sleep(1.0)
            assert beating.frames.count("h") >= 5
            assert beating.closed is None and (await beating.call("account/list"))["s"] == 200
        async with socket(r.ws_url, heartbeat=False) as silent:
            assert (await silent.authorize(token))["s"] == 200
            await until(lambda: silent.closed is not None or silent.ws.close_code is not None, 3.0)


async def test_stage2_reconnection_authorizes_the_same_token_and_syncs_again() -> None:
    async with rig() as r:
        token = await r.login()
        async with user_socket(r, token["accessToken"]) as first:
            before = await first.call("user/syncrequest", {"users": [token["userId"]]})
            r.sim.drop_connections()
            await until(lambda: first.ws.close_code is not None)
        async with user_socket(r, token["accessToken"]) as second:
            after = await second.call("user/syncrequest", {"users": [token["userId"]]})
            assert after["s"] == 200
            assert after["d"]["accounts"] == before["d"]["accounts"]
        assert r.sim.core.logins == 1


async def test_stage2_events_name_their_entity_so_applying_them_twice_changes_nothing() -> None:
    async with rig() as r:
        token = await r.login()
        async with user_socket(r, token["accessToken"]) as raw:
            await raw.call("user/syncrequest", {"users": [token["userId"]]})
            account = (await raw.call("account/list"))["d"][0]["id"]
            placed = await raw.call(
                "order/placeorder",
                {
                    "accountId": account,
                    "action": "Buy",
                    "symbol": "ESZ6",
                    "orderQty": 1,
                    "orderType": "Market",
                    "isAutomated": True,
                },
            )
            await until(lambda: raw.of("props", "fill") and raw.of("props", "position"))

            def apply(state: dict[tuple[str, int], dict[str, Any]]) -> dict[tuple[str, int], dict[str, Any]]:
                for prop in raw.of("props"):  # keyed by entity type and id, the last event wins
                    state[(prop["entityType"], prop["entity"]["id"])] = prop["entity"]
                return state

            state = apply({})
            assert apply(dict(state)) == state  # the same events again change nothing
            order = state[("order", placed["d"]["orderId"])]
            assert order["ordStatus"] == "Filled"
            for (kind, ident), entity in state.items():  # each entity is what /<entity>/item answers
                item = await r.http.get(f"/v1/{kind}/item?id={ident}", headers=bearer(token["accessToken"]))
                assert item.status_code == 200, (kind, item.text)
                assert item.json() == entity, kind


async def test_stage2_penalty_over_the_socket_is_retried_with_its_ticket() -> None:
    async with rig() as r:
        token = (await r.login())["accessToken"]
        async with user_socket(r, token) as raw:
            r.sim.penalize(2)
            first = await raw.call("account/list")
            assert first["s"] == 200 and "p-ticket" in first["d"] and first["d"]["p-time"] == 2
            r.clock.now += 2
            retried = await raw.call("account/list", {"p-ticket": first["d"]["p-ticket"]})
            assert [a["name"] for a in retried["d"]] == ["TV-1"]


async def test_stage2_requests_in_flight_are_answered_by_their_own_id() -> None:
    async with rig() as r:
        token = (await r.login())["accessToken"]
        async with user_socket(r, token) as raw:
            ids = [
                await raw.send("account/list", ident=41),
                await raw.send("contract/find", query="name=ESZ6", ident=7),
                await raw.send("position/list", ident=1000),
                await raw.send("no/suchendpoint", ident=12),
            ]
            answers = [await raw.answer(i) for i in ids]
            assert [a["i"] for a in answers] == ids
            assert answers[0]["d"][0]["name"] == "TV-1"
            assert answers[1]["d"]["name"] == "ESZ6"
            assert answers[2]["s"] == 200 and answers[2]["d"] == []
            assert answers[3]["s"] == 404
            pretty = await raw.send(
                "cashBalance/getCashBalanceSnapshot", json.dumps({"accountId": account_id(answers)}, indent=2)
            )
            assert (await raw.answer(pretty))["d"]["totalCashValue"] == 50_000.0  # a body over several lines
            bare = await r.http.get("/v1/account/list?", headers=bearer(token))  # a GET ending in a bare `?`
            assert bare.json() == answers[0]["d"]
            rest = await r.http.get("/v1/contract/find?name=ESZ6", headers=bearer(token))
            assert rest.json() == answers[1]["d"]  # the socket answers what REST answers


def account_id(answers: list[dict[str, Any]]) -> int:
    return int(answers[0]["d"][0]["id"])


# ---------------------------------------------------------------- stage 3: user management


async def test_stage3_me_user_list_and_sync_in_classic_and_split_forms() -> None:
    async with rig() as r:
        token = await r.login()
        me = (await r.http.get("/v1/auth/me", headers=bearer(token["accessToken"]))).json()
        assert me["userId"] == token["userId"] and me["name"] == "demo"
        users = (await r.http.get("/v1/user/list", headers=bearer(token["accessToken"]))).json()
        assert [u["id"] for u in users] == [token["userId"]]
        async with user_socket(r, token["accessToken"]) as raw:
            classic = await raw.call("user/syncRequest", {"users": [token["userId"]]})
            assert classic["s"] == 200
            for key in ("users", "accounts", "cashBalances", "positions", "orders", "fills", "contracts"):
                assert isinstance(classic["d"][key], list), key
            assert [a["name"] for a in classic["d"]["accounts"]] == ["TV-1"]
            account = classic["d"]["accounts"][0]["id"]
            split = await raw.call(
                "user/syncrequest",
                {
                    "splitResponses": True,
                    "accounts": [account],
                    "entityTypes": ["order", "position", "cashBalance", "fill"],
                },
            )
            assert split["s"] == 200 and [a["id"] for a in split["d"]["accounts"]] == [account]


# ---------------------------------------------------------------- stage 4: account management


async def test_stage4_accounts_balance_contract_place_cancel_and_liquidate() -> None:
    async with rig() as r:
        token = await r.login()
        auth = bearer(token["accessToken"])
        async with user_socket(r, token["accessToken"]) as raw:
            await raw.call("user/syncrequest", {"users": [token["userId"]]})
            [account] = (await r.http.get("/v1/account/list", headers=auth)).json()
            cash = (
                await r.http.post(
                    "/v1/cashBalance/getcashbalancesnapshot", json={"accountId": account["id"]}, headers=auth
                )
            ).json()
            assert cash["totalCashValue"] == 50_000.0
            contract = (await r.http.get("/v1/contract/find?name=ESZ6", headers=auth)).json()
            assert (
                await r.http.get(f"/v1/contract/item?id={contract['id']}", headers=auth)
            ).json() == contract
            unknown = await r.http.get("/v1/contract/find?name=NOPE", headers=auth)
            assert unknown.status_code == 404

            limit = (
                await r.http.post(
                    "/v1/order/placeorder",
                    json={
                        "accountSpec": account["name"],
                        "accountId": account["id"],
                        "action": "Buy",
                        "symbol": "ESZ6",
                        "orderQty": 1,
                        "orderType": "Limit",
                        "price": 5900.0,
                        "isAutomated": True,
                    },
                    headers=auth,
                )
            ).json()
            assert isinstance(limit["orderId"], int)
            cancelled = (
                await r.http.post(
                    "/v1/order/cancelorder",
                    json={"orderId": limit["orderId"], "isAutomated": True},
                    headers=auth,
                )
            ).json()
            assert "commandId" in cancelled and "failureReason" not in cancelled
            await until(
                lambda: any(
                    p["entity"]["id"] == limit["orderId"] and p["entity"]["ordStatus"] == "Canceled"
                    for p in raw.of("props", "order")
                )
            )
            bad = (
                await r.http.post(
                    "/v1/order/placeorder",
                    json={
                        "accountId": account["id"],
                        "action": "Buy",
                        "symbol": "NOPE",
                        "orderQty": 1,
                        "orderType": "Market",
                        "isAutomated": True,
                    },
                    headers=auth,
                )
            ).json()
            assert bad["failureReason"] == "InvalidContract" and bad["failureText"]

            bought = (
                await r.http.post(
                    "/v1/order/placeorder",
                    json={
                        "accountId": account["id"],
                        "action": "Buy",
                        "symbol": "ESZ6",
                        "orderQty": 2,
                        "orderType": "Market",
                        "isAutomated": True,
                    },
                    headers=auth,
                )
            ).json()
            await until(lambda: any(p["entity"]["netPos"] == 2 for p in raw.of("props", "position")))
            fill = next(
                p["entity"] for p in raw.of("props", "fill") if p["entity"]["orderId"] == bought["orderId"]
            )
            assert (fill["qty"], fill["price"], fill["action"]) == (2, 6000.25, "Buy")
            [position] = (await r.http.get("/v1/position/list", headers=auth)).json()
            assert (position["netPos"], position["contractId"]) == (2, contract["id"])

            flat = (
                await r.http.post(
                    "/v1/order/liquidateposition",
                    json={"accountId": account["id"], "contractId": contract["id"], "admin": False},
                    headers=auth,
                )
            ).json()
            assert isinstance(flat["orderId"], int)
            await until(lambda: raw.of("props", "position")[-1]["entity"]["netPos"] == 0)
            assert (await r.http.get("/v1/position/list", headers=auth)).json()[0]["netPos"] == 0


# ---------------------------------------------------------------- stage 5: market data


async def test_stage5_md_socket_takes_md_token_and_streams_quotes_by_name_and_id() -> None:
    async with rig() as r:
        token = await r.login()
        contract = (
            await r.http.get("/v1/contract/find?name=ESZ6", headers=bearer(token["accessToken"]))
        ).json()
        async with socket(r.md_url) as md:
            await until(lambda: md.frames)
            assert md.frames[0] == "o"
            assert (await md.authorize(token["mdAccessToken"]))["s"] == 200
            assert (await md.call("md/subscribeQuote", {"symbol": "ESZ6"}))["s"] == 200
            r.exchange.set_quote("ES", 6001.0, 6001.25, 6001.0)
            await until(
                lambda: any(
                    q["entries"].get("Bid", {}).get("price") == 6001.0
                    for d in md.of("md")
                    for q in d["quotes"]
                )
            )
            quote = next(
                q for d in md.of("md") for q in d["quotes"] if q["entries"]["Bid"]["price"] == 6001.0
            )
            assert quote["contractId"] == contract["id"]
            assert set(quote["entries"]) >= {"Bid", "Offer", "Trade"}
            assert quote["entries"]["Offer"]["price"] == 6001.25 and quote["timestamp"]

            assert (await md.call("md/unsubscribequote", {"symbol": "ESZ6"}))["s"] == 200
            heard = len(md.of("md"))
            r.exchange.set_quote("ES", 6002.0, 6002.25, 6002.0)
            await asyncio.sleep(0.3)
            assert len(md.of("md")) == heard

            assert (await md.call("md/subscribequote", {"symbol": contract["id"]}))["s"] == 200
            r.exchange.set_quote("ES", 6003.0, 6003.25, 6003.0)
            await until(
                lambda: any(q["entries"]["Bid"]["price"] == 6003.0 for d in md.of("md") for q in d["quotes"])
            )


async def test_stage5_md_token_opens_market_data_only_and_unknown_symbols_are_refused() -> None:
    async with rig() as r:
        token = await r.login()
        async with socket(r.ws_url) as user:
            assert (await user.authorize(token["mdAccessToken"]))["s"] == 401
        async with socket(r.md_url) as md:
            assert (await md.authorize(token["mdAccessToken"]))["s"] == 200
            answer = await md.call("md/subscribequote", {"symbol": "NOPE"})
            assert answer["d"].get("errorText")
