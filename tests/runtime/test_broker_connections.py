"""Rithmic, ProjectX, Tradovate and NinjaTrader connections in a running runtime, each
against its simulator on loopback: the three-step add flow over the API (with Rithmic's
system and gateway lists and the Tradovate/NinjaTrader OAuth redirect), and connections
from a config file that take the accounts their broker lists."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from ordergate.policy.models import ConnectionConfig
from ordergate.runtime.brokers.base import SimLogin, SimulatorHandle
from ordergate.runtime.brokers.exchange import Exchange
from ordergate.runtime.brokers.simulate import harness
from ordergate.runtime.service import Runtime
from tests.runtime.conftest import client

pytestmark = pytest.mark.anyio
FAST = {"stale_after": 60.0, "backoff_base": 0.01, "backoff_cap": 0.05, "connect_timeout": 5.0}
SECRET = "s3cret-Pa55word!"
ACCOUNTS = {"SIM-1": 50_000.0, "SIM-2": 25_000.0}


async def serve(broker: str) -> tuple[SimulatorHandle, Exchange]:
    exchange = Exchange()
    for ident, balance in ACCOUNTS.items():
        exchange.open_account(ident, balance)
    exchange.set_quote("ES", 6000.0, 6000.25, 6000.0)
    found = harness("tradovate" if broker == "ninjatrader" else broker)
    assert found is not None
    return await found.serve(exchange, SimLogin("trader", SECRET, SECRET), 0), exchange


@pytest.fixture
async def sims() -> AsyncIterator[Callable[[str], Any]]:
    running: list[SimulatorHandle] = []

    async def start(broker: str) -> SimulatorHandle:
        handle, _ = await serve(broker)
        running.append(handle)
        return handle

    yield start
    for handle in running:
        await handle.stop()


@pytest.fixture
async def rt(make_runtime: Callable[..., Runtime]) -> AsyncIterator[Runtime]:
    runtime = make_runtime(connections=[])
    runtime.connections.supervisor_options = FAST
    await runtime.start(background=False)
    yield runtime
    await runtime.stop()


def step2(broker: str, endpoint: str, password: str = SECRET) -> dict[str, Any]:
    if broker == "rithmic":
        return {"endpoint": endpoint, "system": "Rithmic Test", "username": "trader", "password": password}
    if broker == "projectx":
        return {"endpoint": endpoint, "username": "trader", "api_key": password, "mode": "polling"}
    return {"endpoint": endpoint, "username": "trader", "password": password, "app_id": "desk", "cid": "0"}


async def select_all(c: httpx.AsyncClient, draft: str, found: dict[str, Any]) -> httpx.Response:
    chosen = [{"id": a["id"], "import": True} for a in found["accounts"]]
    return await c.post(f"/v1/connections/drafts/{draft}/accounts", json={"accounts": chosen})


async def balances(c: httpx.AsyncClient) -> dict[str, tuple[float, float]]:
    listed = (await c.get("/v1/accounts")).json()["accounts"]
    return {a["id"]: (a["balance"], a["equity"]) for a in listed if a["connection"] != "Paper"}


@pytest.mark.parametrize("broker", ["rithmic", "projectx", "tradovate"])
async def test_the_three_steps_add_a_broker_connection_that_connects_with_its_accounts(
    rt: Runtime, sims: Callable[[str], Any], broker: str, tmp_path: Path
) -> None:
    sim = await sims(broker)
    async with client(rt) as c:
        draft = (await c.post("/v1/connections", json={"broker": broker})).json()
        assert draft["available"] and "endpoint" in draft["fields"]
        found = await c.post(
            f"/v1/connections/drafts/{draft['draft']}/authenticate", json=step2(broker, sim.endpoint)
        )
        assert found.status_code == 200 and found.json()["step"] == "select", found.text
        listed = {a["id"]: (a["balance"], a["equity"]) for a in found.json()["accounts"]}
        assert listed == {k: (v, v) for k, v in ACCOUNTS.items()}
        added = await select_all(c, draft["draft"], found.json())
        assert added.status_code == 201 and added.json()["status"] == "connected", added.text
        assert added.json()["accounts"] == sorted(ACCOUNTS)
        assert (await balances(c)) == {k: (v, v) for k, v in ACCOUNTS.items()}
        if broker == "projectx":
            assert added.json()["mode"] == "polling"
    assert SECRET.encode() not in (tmp_path / "state.db").read_bytes()
    assert rt.connections.saved_credentials(draft["name"])["username"] == "trader"


@pytest.mark.parametrize("broker", ["rithmic", "projectx", "tradovate"])
async def test_a_wrong_password_is_a_409_naming_the_credentials(
    rt: Runtime, sims: Callable[[str], Any], broker: str
) -> None:
    sim = await sims(broker)
    async with client(rt) as c:
        draft = (await c.post("/v1/connections", json={"broker": broker})).json()["draft"]
        r = await c.post(
            f"/v1/connections/drafts/{draft}/authenticate", json=step2(broker, sim.endpoint, "wrong")
        )
    assert r.status_code == 409 and r.json()["field"] == "credentials", r.text


async def test_rithmic_step_two_lists_the_systems_then_the_gateways_of_one(
    rt: Runtime, sims: Callable[[str], Any]
) -> None:
    sim = await sims("rithmic")
    async with client(rt) as c:
        draft = (await c.post("/v1/connections", json={"broker": "rithmic"})).json()["draft"]
        url = f"/v1/connections/drafts/{draft}/authenticate"
        systems = (await c.post(url, json={"endpoint": sim.endpoint})).json()
        assert systems["step"] == "authenticate" and "Rithmic Test" in systems["systems"]
        assert systems["gateways"] == [] and systems["missing"] == ["username", "password", "system"]
        gateways = (await c.post(url, json={"endpoint": sim.endpoint, "system": "Apex"})).json()
        assert gateways["gateways"] and gateways["missing"] == ["username", "password"]
        unknown = await c.post(url, json={"endpoint": sim.endpoint, "system": "Nowhere Futures"})
        assert unknown.status_code == 422 and unknown.json()["field"] == "system"


async def test_step_two_fields_are_checked_before_anything_is_dialled(rt: Runtime) -> None:
    async with client(rt) as c:

        async def answer(broker: str, body: dict[str, Any]) -> dict[str, Any]:
            draft = (await c.post("/v1/connections", json={"broker": broker})).json()["draft"]
            r = await c.post(f"/v1/connections/drafts/{draft}/authenticate", json=body)
            assert r.status_code == 422, r.text
            return dict(r.json())

        assert (await answer("rithmic", {"endpoint": "http://127.0.0.1:1", "system": "x"}))[
            "field"
        ] == "endpoint"
        assert (await answer("projectx", {"username": "u", "api_key": "k"}))["field"] == "firm"
        assert (await answer("projectx", {"firm": "topstepx", "environment": "demo", "username": "u"}))[
            "field"
        ] == "environment"
        assert (
            await answer(
                "projectx",
                {"endpoint": "http://127.0.0.1:1", "username": "u", "api_key": "k", "mode": "fast"},
            )
        )["field"] == "mode"
        assert (await answer("tradovate", {"username": "u", "password": "p", "colour": "red"}))[
            "field"
        ] == "colour"
        assert (await answer("ninjatrader", {"username": "u"}))["field"] == "username"


@pytest.mark.parametrize("broker", ["ninjatrader", "tradovate"])
async def test_oauth_signs_in_on_the_brokers_page_and_lists_the_accounts_for_step_three(
    rt: Runtime, sims: Callable[[str], Any], broker: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ORDERGATE_TRADOVATE_CLIENT_ID", raising=False)
    sim = await sims("tradovate")
    async with client(rt) as c:
        draft = (await c.post("/v1/connections", json={"broker": broker})).json()["draft"]
        step2_answer = (
            await c.post(f"/v1/connections/drafts/{draft}/authenticate", json={"endpoint": sim.endpoint})
        ).json()
        assert step2_answer["step"] == "authorize"
        url = urlsplit(step2_answer["authorize_url"])
        assert f"{url.scheme}://{url.netloc}{url.path}" == f"{sim.endpoint}/oauth"
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        async with httpx.AsyncClient(base_url=sim.endpoint) as browser:  # the person on the broker's page
            page = await browser.post("/oauth", data={**query, "name": "trader", "password": SECRET})
        assert page.status_code == 302
        back = urlsplit(page.headers["location"])
        assert back.path == "/v1/oauth/callback"
        params = {k: v[0] for k, v in parse_qs(back.query).items()}
        async with client(rt, token=None) as returning:
            found = await returning.get("/v1/oauth/callback", params=params)
            assert found.status_code == 200 and found.json()["step"] == "select", found.text
            again = await returning.get("/v1/oauth/callback", params=params)
            assert again.status_code == 404  # the state is single-use
        assert {a["id"]: a["balance"] for a in found.json()["accounts"]} == ACCOUNTS
        token = rt.vault().get(rt.core.store, f"draft:{draft}")["access_token"]
        added = await select_all(c, draft, found.json())
        assert added.status_code == 201 and added.json()["status"] == "connected", added.text
        assert (await balances(c)) == {k: (v, v) for k, v in ACCOUNTS.items()}
    name = added.json()["name"]
    assert rt.connections.saved_credentials(name)["access_token"] == token
    assert rt.vault().get(rt.core.store, f"draft:{draft}") is None
    assert token.encode() not in (tmp_path / "state.db").read_bytes()
    assert token not in found.text and token not in added.text


@pytest.mark.parametrize("broker", ["rithmic", "projectx", "tradovate"])
async def test_a_config_connection_with_an_endpoint_takes_the_accounts_its_broker_lists(
    make_runtime: Callable[..., Runtime], broker: str
) -> None:
    sim, _ = await serve(broker)
    settings: dict[str, Any] = {"name": "Sim", "broker": broker, "endpoint": sim.endpoint}
    if broker == "rithmic":
        settings["system"] = "Rithmic Test"
        settings["credentials"] = {"username": "trader", "password": SECRET}
    elif broker == "projectx":
        settings["credentials"] = {"username": "trader", "api_key": SECRET}
    else:
        settings["credentials"] = {"username": "trader", "password": SECRET}
    rt = make_runtime(connections=[ConnectionConfig.model_validate(settings)])
    rt.connections.supervisor_options = FAST
    await rt.start(background=False)
    try:
        async with client(rt) as c:
            view = (await c.get("/v1/connections/Sim")).json()
            assert view["status"] == "connected" and view["accounts"] == sorted(ACCOUNTS)
            assert (await balances(c)) == {k: (v, v) for k, v in ACCOUNTS.items()}
    finally:
        await rt.stop()
        await sim.stop()
