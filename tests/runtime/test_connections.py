"""Adding, controlling and deleting connections through the API; plan limits; copy groups."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ordergate.runtime.brokers.loopback.simulator import LoopbackSimulator, SimAccount
from tests.contracts_now import front_symbol
from tests.runtime.conftest import client, order, quote, write_policy

pytestmark = pytest.mark.anyio
FAST = {"stale_after": 0.3, "backoff_base": 0.01, "backoff_cap": 0.05, "connect_timeout": 0.5}
SECRET = "s3cret-Pa55word!"
# the simulator runs on the real clock, the runtime on MONDAY_10: a contract that trades now, its
# year in four digits so that both read the same year
ES_NOW = front_symbol(digits=4)


@pytest.fixture
async def sim() -> AsyncIterator[LoopbackSimulator]:
    simulator = LoopbackSimulator(password=SECRET, accounts=[SimAccount("LB-1", 25000)])
    await simulator.start()
    yield simulator
    await simulator.stop()


@pytest.fixture
async def rt(make_runtime):
    runtime = make_runtime()
    runtime.connections.supervisor_options = FAST
    await runtime.start(background=False)
    yield runtime
    await runtime.stop()


async def add_loopback(
    c, sim, *, name: str | None = None, password: str = SECRET, nickname: str | None = None
):
    step1 = (
        await c.post("/v1/connections", json={"broker": "loopback", **({"name": name} if name else {})})
    ).json()
    found = await c.post(
        f"/v1/connections/drafts/{step1['draft']}/authenticate",
        json={"host": "127.0.0.1", "port": sim.port, "username": "trader", "password": password},
    )
    if found.status_code != 200:
        return step1, found
    chosen = [
        {"id": a["id"], "import": True, **({"nickname": nickname} if nickname else {})}
        for a in found.json()["accounts"]
    ]
    return step1, await c.post(f"/v1/connections/drafts/{step1['draft']}/accounts", json={"accounts": chosen})


async def test_the_three_step_flow_adds_a_paper_connection(rt) -> None:
    async with client(rt) as c:
        step1 = await c.post("/v1/connections", json={"broker": "paper"})
        assert step1.status_code == 201
        assert step1.json()["name"] == "Paper 2" and step1.json()["fields"] == ["accounts", "feed"]
        draft = step1.json()["draft"]
        step2 = await c.post(
            f"/v1/connections/drafts/{draft}/authenticate",
            json={"accounts": [{"id": "PAPER-7", "balance": 75000}, {"id": "PAPER-8"}], "feed": "manual"},
        )
        assert step2.json()["accounts"] == [
            {"id": "PAPER-7", "balance": 75000.0, "equity": 75000.0},
            {"id": "PAPER-8", "balance": 50000.0, "equity": 50000.0},
        ]
        step3 = await c.post(
            f"/v1/connections/drafts/{draft}/accounts",
            json={"accounts": [{"id": "PAPER-7", "nickname": "swing"}, {"id": "PAPER-8", "import": False}]},
        )
        assert step3.status_code == 201
        assert step3.json()["status"] == "connected" and step3.json()["accounts"] == ["PAPER-7"]
        account = (await c.get("/v1/accounts/PAPER-7")).json()
        assert (
            account["nickname"] == "swing"
            and account["equity"] == 75000
            and account["connection"] == "Paper 2"
        )
        assert (await c.post(f"/v1/connections/drafts/{draft}/accounts", json={})).status_code == 404


async def test_a_loopback_connection_logs_in_over_its_socket(rt, sim) -> None:
    async with client(rt) as c:
        _, refused = await add_loopback(c, sim, password="nope")
        assert refused.status_code == 409 and refused.json()["field"] == "credentials"
        _, added = await add_loopback(c, sim, name="Desk LB", nickname="lb")
        assert added.status_code == 201, added.text
        assert added.json()["status"] == "connected" and added.json()["accounts"] == ["LB-1"]
        sim.publish_quote(ES_NOW, 6000, 6000.25, 6000)
        broker = rt.core.brokers["Desk LB"]
        for _ in range(100):
            if "ES" in broker.quotes:
                break
            await asyncio.sleep(0.01)
        status, body = await rt.gateway.submit({"account": "LB-1", "symbol": ES_NOW, "side": "buy", "qty": 1})
    assert status == 201 and body["order"]["fills"] == [{"qty": 1, "price": 6000.25}], body  # at the ask


async def test_step_two_names_unknown_and_missing_fields(rt, sim) -> None:
    async with client(rt) as c:
        draft = (await c.post("/v1/connections", json={"broker": "loopback"})).json()["draft"]
        r = await c.post(
            f"/v1/connections/drafts/{draft}/authenticate", json={"host": "127.0.0.1", "colour": "red"}
        )
        assert r.status_code == 422 and r.json()["field"] == "colour"
        r = await c.post(
            f"/v1/connections/drafts/{draft}/authenticate", json={"host": "127.0.0.1", "port": sim.port}
        )
        assert r.json()["field"] == "username"
        assert (await c.post("/v1/connections", json={"broker": "etrade"})).json()["field"] == "broker"
        listed = await c.post("/v1/connections", json={"broker": ["paper"]})
        assert listed.status_code == 422 and listed.json()["field"] == "broker"
        rithmic = (await c.post("/v1/connections", json={"broker": "rithmic"})).json()["draft"]
        r = await c.post(
            f"/v1/connections/drafts/{rithmic}/authenticate",
            json={"username": "u", "password": "p", "system": "Apex", "gateway": "chicago", "colour": "red"},
        )
        assert r.status_code == 422 and r.json()["field"] == "colour"


async def test_secrets_are_never_in_the_store_the_api_the_audit_or_the_logs(
    rt, sim, tmp_path: Path, caplog
) -> None:
    caplog.set_level(logging.DEBUG)
    async with client(rt) as c:
        _, added = await add_loopback(c, sim)
        answers = [
            added.text,
            (await c.get("/v1/connections")).text,
            (await c.get("/v1/status")).text,
            (await c.get("/v1/decisions")).text,
        ]
        async for _ in _events(rt):
            pass
    for text in answers:
        assert SECRET not in text
    assert SECRET not in caplog.text
    assert SECRET.encode() not in (tmp_path / "state.db").read_bytes()
    wal = tmp_path / "state.db-wal"
    assert not wal.exists() or SECRET.encode() not in wal.read_bytes()
    assert all(SECRET not in str(e.data) for e in rt.core.bus.recent)


async def _events(rt):
    for event in rt.core.bus.recent:
        yield event


async def test_an_added_connection_comes_back_after_a_restart(make_runtime, sim) -> None:
    first = make_runtime()
    first.connections.supervisor_options = FAST
    await first.start(background=False)
    async with client(first) as c:
        await add_loopback(c, sim, name="LB")
    await first.stop()
    second = make_runtime()
    second.connections.supervisor_options = FAST
    await second.start(background=False)
    view = second.connections.view("LB")
    assert view["status"] == "connected" and view["accounts"] == ["LB-1"] and view["origin"] == "api"
    assert (
        sim.logins == 3
    )  # the draft's login, the first runtime's, and the restart's with the unsealed password
    await second.stop()


async def test_plan_limits_refuse_an_add_and_name_the_plan_that_lifts_them(rt, sim) -> None:
    async with client(rt) as c:
        _, ok = await add_loopback(c, sim, name="second")
        assert ok.status_code == 201
        draft = (await c.post("/v1/connections", json={"broker": "paper", "name": "third"})).json()["draft"]
        await c.post(f"/v1/connections/drafts/{draft}/authenticate", json={"accounts": [{"id": "P-3"}]})
        refused = await c.post(f"/v1/connections/drafts/{draft}/accounts", json={})
    assert refused.status_code == 409 and refused.json()["field"] == "plan"
    assert (
        refused.json()["error"]
        == "the starter plan allows 2 connections, and 2 are in use and this adds 1; the pro plan allows 5 connections and 20 accounts"
    )


async def test_refresh_imports_new_accounts(rt, sim) -> None:
    async with client(rt) as c:
        await add_loopback(c, sim, name="LB")
        sim.accounts.append(SimAccount("LB-2", 10000))
        r = await c.post("/v1/connections/LB/refresh")
        assert r.json() == {"connection": "LB", "new_accounts": ["LB-2"], "accounts": ["LB-1", "LB-2"]}
        assert (await c.get("/v1/accounts/LB-2")).json()["equity"] == 10000


async def test_rename_keeps_the_accounts_and_reseals_the_secret(make_runtime, sim) -> None:
    rt = make_runtime()
    rt.connections.supervisor_options = FAST
    await rt.start(background=False)
    async with client(rt) as c:
        await add_loopback(c, sim, name="LB")
        r = await c.post("/v1/connections/LB/rename", json={"name": "Desk"})
        assert r.status_code == 200 and r.json()["name"] == "Desk" and r.json()["accounts"] == ["LB-1"]
        assert (
            await c.post("/v1/connections/Paper/rename", json={"name": "X"})
        ).status_code == 409  # from the config file
    assert (
        rt.core.store.get_secret("connection:LB") is None
        and rt.core.store.get_secret("connection:Desk") is not None
    )
    await rt.stop()
    again = make_runtime()
    again.connections.supervisor_options = FAST
    await again.start(background=False)
    assert again.connections.view("Desk")["status"] == "connected"
    await again.stop()


async def test_delete_needs_confirmation_and_is_refused_while_in_a_copy_group(rt, sim) -> None:
    async with client(rt) as c:
        await add_loopback(c, sim, name="LB")
        group = await c.post(
            "/v1/copy-groups",
            json={"name": "g", "leader": "PAPER-1", "followers": [{"account": "LB-1", "ratio": 1}]},
        )
        assert group.status_code == 201
        r = await c.request("DELETE", "/v1/connections/LB")
        assert r.status_code == 400 and r.json()["field"] == "confirm"
        r = await c.request("DELETE", "/v1/connections/LB", json={"confirm": True})
        assert r.status_code == 409 and "copy-trading groups g" in r.json()["error"]
        assert (await c.request("DELETE", "/v1/copy-groups/g")).status_code == 200
        r = await c.request("DELETE", "/v1/connections/LB", json={"confirm": True})
        assert r.json() == {"deleted": "LB", "accounts": ["LB-1"]}
        assert (await c.get("/v1/accounts/LB-1")).status_code == 404
    assert rt.core.store.get_secret("connection:LB") is None


async def test_account_nickname_and_disconnect(rt) -> None:
    await quote(rt, "ES", 6000)
    await order(rt)
    async with client(rt) as c:
        assert (await c.patch("/v1/accounts/PAPER-1", json={"nickname": "main"})).json()["nickname"] == "main"
        r = await c.request("DELETE", "/v1/accounts/PAPER-1")
        assert r.status_code == 409 and r.json()["warning"] == "open_positions"
        r = await c.request("DELETE", "/v1/accounts/PAPER-1", json={"confirm": True})
        assert r.json() == {"disconnected": "PAPER-1"}
        assert (await c.get("/v1/accounts")).json()["accounts"] == []


async def test_execution_and_connection_modes(rt) -> None:
    async with client(rt) as c:
        r = await c.patch("/v1/connections/Paper", json={"execution": "managed"})
        assert r.json()["execution"] == "managed" and rt.core.executions["Paper"] == "managed"
        assert (await c.patch("/v1/connections/Paper", json={"mode": "polling"})).json()["field"] == "mode"


async def test_cutting_the_paper_feed_shows_in_the_status_and_it_recovers(rt) -> None:
    async with client(rt) as c:
        await c.post("/v1/paper/feed", json={"connection": "Paper", "state": "cut"})
        deadline = time.monotonic() + 3
        while (await c.get("/v1/connections/Paper")).json()["status"] == "connected":
            assert time.monotonic() < deadline
            await asyncio.sleep(0.01)
        assert (await c.get("/v1/connections/Paper")).json()["status"] in ("disconnected", "connecting")
        await c.post("/v1/paper/feed", json={"connection": "Paper", "state": "live"})
        while (await c.get("/v1/connections/Paper")).json()["status"] != "connected":
            assert time.monotonic() < deadline + 3
            await asyncio.sleep(0.01)
    changes = [e.data["status"] for e in rt.core.bus.recent if e.type == "connection"]
    assert changes[-2:] == ["connecting", "connected"] and "disconnected" in changes
    row = rt.core.store._read("SELECT status FROM connections WHERE name = 'Paper'")[0]
    assert row["status"] == "connected"


async def test_copy_groups_fill_one_follower_and_block_another_by_its_own_policy(
    make_runtime, tmp_path
) -> None:
    from tests.runtime.conftest import paper

    write_policy(
        tmp_path / "rules",
        """
        apiVersion: ordergate/v1
        kind: RiskPolicy
        metadata: {name: open, version: 1}
        spec: {accounts: ["*"]}
        ---
        apiVersion: ordergate/v1
        kind: RiskPolicy
        metadata: {name: small, version: 1}
        spec:
          accounts: ["SMALL-*"]
          positions: {max_contracts_per_order: 1}
        """,
    )
    rt = make_runtime(connections=[paper([{"id": "LEAD"}, {"id": "BIG-1"}, {"id": "SMALL-1"}])])
    await rt.start(background=False)
    await quote(rt, "ES", 6000)
    async with client(rt) as c:
        r = await c.post(
            "/v1/copy-groups",
            json={
                "name": "desk",
                "leader": "LEAD",
                "followers": [{"account": "BIG-1", "ratio": 2}, {"account": "SMALL-1", "ratio": 1}],
            },
        )
        assert r.status_code == 201
        assert (
            await c.post(
                "/v1/copy-groups",
                json={"name": "loop", "leader": "BIG-1", "followers": [{"account": "LEAD"}]},
            )
        ).status_code == 409
    await order(rt, account="LEAD", qty=2)
    await rt.settle()
    assert rt.account_view("BIG-1")["positions"][0]["qty"] == 4
    assert rt.account_view("SMALL-1")["positions"] == []
    audit = {d["account"]: d for d in rt.core.store.decisions(None, 10) if d["order"]["source"] == "copy"}
    assert audit["SMALL-1"]["decision"]["code"] == "max_contracts_per_order"
    assert audit["BIG-1"]["decision"]["outcome"] == "allow"
    await order(rt, account="LEAD", side="sell", qty=2)  # the leader's exit copies as an exit
    await rt.settle()
    assert rt.account_view("BIG-1")["positions"] == []
    exits = [d for d in rt.core.store.decisions("BIG-1", 5) if d["order"]["intent"] == "close"]
    assert exits and exits[0]["decision"]["exit"] is True
    await rt.stop()


@pytest.fixture
async def token_server() -> AsyncIterator[tuple[str, list[dict[str, str]]]]:
    """A loopback OAuth token endpoint that speaks Tradovate's form exchange."""
    import socket

    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    seen: list[dict[str, str]] = []

    async def token(request: Request) -> JSONResponse:
        from urllib.parse import parse_qsl

        form = dict(parse_qsl((await request.body()).decode()))
        seen.append(form)
        if form.get("code") != "good-code" or form.get("client_secret") != "app-secret":
            return JSONResponse(
                {"error": "invalid_grant", "error_description": "the code is not valid"}, status_code=400
            )
        return JSONResponse({"access_token": "tv-access-SECRET", "token_type": "bearer", "expires_in": 5400})

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(
            Starlette(routes=[Route("/auth/oauthtoken", token, methods=["POST"])]),
            host="127.0.0.1",
            port=port,
            log_level="error",
            lifespan="off",
        )
    )
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn offers no event for "listening"
        await asyncio.sleep(0.01)
    yield f"http://127.0.0.1:{port}/auth/oauthtoken", seen
    server.should_exit = True
    await task


async def test_oauth_redirects_to_the_broker_and_exchanges_the_code_on_callback(
    rt, token_server, monkeypatch, tmp_path
) -> None:
    from urllib.parse import parse_qs, urlparse

    from ordergate.runtime.brokers.base import AccountInfo

    token_url, seen = token_server
    signed_in: list[dict[str, str]] = []

    async def discover(adapter):  # the live broker's side, which this test does not dial
        signed_in.append(dict(adapter.config.credentials))
        return [AccountInfo("NT-1", 50_000.0, 50_125.0)]

    monkeypatch.setattr(rt.connections, "_discover", discover)
    monkeypatch.setenv("ORDERGATE_TRADOVATE_CLIENT_ID", "app-id")
    monkeypatch.setenv("ORDERGATE_TRADOVATE_CLIENT_SECRET", "app-secret")
    monkeypatch.setenv("ORDERGATE_TRADOVATE_TOKEN_URL", token_url)
    async with client(rt) as c:
        draft = (await c.post("/v1/connections", json={"broker": "ninjatrader"})).json()
        assert draft["name"] == "NinjaTrader"
        step2 = (
            await c.post(
                f"/v1/connections/drafts/{draft['draft']}/authenticate", json={"environment": "live"}
            )
        ).json()
        url = urlparse(step2["authorize_url"])
        assert (url.scheme, url.netloc, url.path) == ("https", "trader.tradovate.com", "/oauth")
        query = parse_qs(url.query)
        assert query["response_type"] == ["code"] and query["client_id"] == ["app-id"]
        # the callback is on the address the runtime was reached at
        redirect_uri = f"http://{c.base_url.netloc.decode()}/v1/oauth/callback"
        assert query["redirect_uri"] == [redirect_uri]
        state = query["state"][0]
        async with client(rt, token=None) as browser:
            bad = await browser.get("/v1/oauth/callback", params={"state": "forged", "code": "good-code"})
            assert bad.status_code == 404 and bad.json()["field"] == "state"
            ok = await browser.get("/v1/oauth/callback", params={"state": state, "code": "good-code"})
            assert ok.status_code == 200 and ok.json()["authorized"] is True
            assert ok.json()["step"] == "select"
            assert ok.json()["accounts"] == [{"id": "NT-1", "balance": 50_000.0, "equity": 50_125.0}]
            assert signed_in[0]["access_token"] == "tv-access-SECRET" and signed_in[0]["expires_at"]
            again = await browser.get("/v1/oauth/callback", params={"state": state, "code": "good-code"})
            assert again.status_code == 404  # the state is single-use
    assert (
        seen[0]["grant_type"] == "authorization_code"
        and seen[0]["redirect_uri"] == redirect_uri  # the exchange repeats the authorization's
    )
    assert "tv-access-SECRET" not in ok.text
    assert b"tv-access-SECRET" not in (tmp_path / "state.db").read_bytes()
    assert rt.vault().get(rt.core.store, f"draft:{draft['draft']}")["access_token"] == "tv-access-SECRET"


async def test_a_refused_oauth_code_says_why(rt, token_server, monkeypatch) -> None:
    from urllib.parse import parse_qs, urlparse

    monkeypatch.setenv("ORDERGATE_TRADOVATE_CLIENT_ID", "app-id")
    monkeypatch.setenv("ORDERGATE_TRADOVATE_CLIENT_SECRET", "app-secret")
    monkeypatch.setenv("ORDERGATE_TRADOVATE_TOKEN_URL", token_server[0])
    async with client(rt) as c:
        draft = (await c.post("/v1/connections", json={"broker": "tradovate"})).json()["draft"]
        url = (
            await c.post(f"/v1/connections/drafts/{draft}/authenticate", json={"environment": "demo"})
        ).json()["authorize_url"]
        state = parse_qs(urlparse(url).query)["state"][0]
        r = await c.get("/v1/oauth/callback", params={"state": state, "code": "stale-code"})
    assert (
        r.status_code == 409
        and r.json()["error"] == "the broker refused the authorization: the code is not valid"
    )


async def test_oauth_without_a_client_id_says_what_to_set(rt, monkeypatch) -> None:
    monkeypatch.delenv("ORDERGATE_TRADOVATE_CLIENT_ID", raising=False)
    async with client(rt) as c:
        draft = (await c.post("/v1/connections", json={"broker": "tradovate"})).json()["draft"]
        r = await c.post(f"/v1/connections/drafts/{draft}/authenticate", json={"environment": "demo"})
    assert r.status_code == 409 and "ORDERGATE_TRADOVATE_CLIENT_ID" in r.json()["error"]


async def test_a_refused_login_parks_the_connection_in_error_until_a_person_reconnects(rt, sim) -> None:
    async with client(rt) as c:
        await add_loopback(c, sim, name="LB")
        sim.refuse_logins = True
        sim.drop_all()
        deadline = time.monotonic() + 3
        while (await c.get("/v1/connections/LB")).json()["status"] != "error":
            assert time.monotonic() < deadline
            await asyncio.sleep(0.01)
        logins = sim.logins
        await asyncio.sleep(0.2)
        assert sim.logins == logins  # no retry storm
        assert "invalid username or password" in (await c.get("/v1/connections/LB")).json()["detail"]
        sim.refuse_logins = False
        r = await c.post("/v1/connections/LB/reconnect")
        assert r.status_code == 200 and r.json()["status"] == "connected"
    changes = [
        e.data["status"]
        for e in rt.core.bus.recent
        if e.type == "connection" and e.data["connection"] == "LB"
    ]
    assert changes[-3:] == ["error", "connecting", "connected"]


async def test_two_buy_alerts_at_once_enter_once_even_when_the_broker_is_slow(make_runtime, sim) -> None:
    rt = make_runtime(webhooks=[{"name": "tv", "secret": "hook-secret-1", "account": "LB-1"}])
    rt.connections.supervisor_options = FAST
    await rt.start(background=False)
    async with client(rt) as c:
        await add_loopback(c, sim, name="LB")
    sim.publish_quote(ES_NOW, 6000, 6000.25, 6000)
    while "ES" not in rt.core.brokers["LB"].quotes:  # noqa: ASYNC110 - the quote arrives over the socket
        await asyncio.sleep(0.01)
    sim.delay = 0.1  # the order's round trip suspends the gateway mid-decision
    async with client(rt, token=None) as c:
        answers = await asyncio.gather(
            *(
                c.post("/v1/webhooks/hook-secret-1", json={"ticker": ES_NOW, "action": "buy", "quantity": 1})
                for _ in range(2)
            )
        )
    assert sorted(r.status_code for r in answers) == [201, 409]
    assert rt.account_view("LB-1")["positions"][0]["qty"] == 1
    await rt.stop()
