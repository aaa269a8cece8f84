"""A connection's paper account given through the add flow, not only the config file
(issue 13 item 7): step 3 of ``POST /v1/connections…`` and ``ordergate connection add``
take ``paper_account`` (one of the broker's own accounts, or a built-in one with a
balance) and ``live_account``; they are stored, shown in ``GET /v1/connections``, kept
across a restart, and a webhook's mode picks between them. Over real HTTP against the
Tradovate simulator on loopback."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from ordergate.runtime.service import Runtime
from tests.contracts_now import front_symbol

from .cliproc import at, ordergate, served_url
from .conftest import client
from .test_broker_connections import FAST, SECRET, serve, step2
from .webhook_helpers import HOOK, until

pytestmark = pytest.mark.anyio
# the broker simulator runs on the real clock, the runtime on MONDAY_10: a contract that
# trades now, its year in four digits so that both clocks read the same year
BUY = {"ticker": front_symbol(digits=4), "action": "buy", "quantity": 1}


@pytest.fixture
async def tradovate() -> AsyncIterator[tuple[str, Any]]:
    handle, exchange = await serve("tradovate")
    yield handle.endpoint, exchange
    await handle.stop()


async def started(make: Callable[..., Runtime], mode: str = "paper") -> Runtime:
    hook = {"name": "tv", "secret": "s3cr3t-hook", "account": "Desk", "mode": mode}
    rt = make(connections=[], webhooks=[hook])
    rt.connections.supervisor_options = FAST
    await rt.start(background=False)
    return rt


async def desk(c: httpx.AsyncClient) -> Any:
    """The connection under test as GET /v1/connections shows it (None when absent)."""
    listed = (await c.get("/v1/connections")).json()["connections"]
    return next((x for x in listed if x["name"] == "Desk"), None)


async def add(c: httpx.AsyncClient, endpoint: str, **step3: Any) -> httpx.Response:
    draft = (await c.post("/v1/connections", json={"broker": "tradovate", "name": "Desk"})).json()["draft"]
    found = await c.post(f"/v1/connections/drafts/{draft}/authenticate", json=step2("tradovate", endpoint))
    assert found.status_code == 200, found.text
    body = {"accounts": [{"id": "SIM-1"}, {"id": "SIM-2"}], **step3}
    return await c.post(f"/v1/connections/drafts/{draft}/accounts", json=body)


async def test_step_three_gives_a_connection_a_built_in_paper_account_kept_across_a_restart(
    make_runtime: Callable[..., Runtime], tradovate: tuple[str, Any]
) -> None:
    endpoint, exchange = tradovate
    rt = await started(make_runtime)
    paper = {"id": "TV-PAPER", "balance": 25000, "nickname": "practice"}
    async with client(rt) as c:
        added = await add(c, endpoint, live_account="SIM-1", paper_account=paper)
        assert added.status_code == 201, added.text
        assert added.json()["live_account"] == "SIM-1"
        assert added.json()["paper_account"] == {**paper, "balance": 25000.0, "builtin": True}
        shown = await desk(c)
        assert shown["paper_account"]["id"] == "TV-PAPER" and "TV-PAPER" in shown["accounts"]
        accounts = {a["id"]: a for a in (await c.get("/v1/accounts")).json()["accounts"]}
        assert accounts["TV-PAPER"]["balance"] == 25000 and accounts["TV-PAPER"]["connection"] == "Desk"
        await until(lambda: "ES" in rt.core.brokers["Desk"].quotes)
        r = await c.post(HOOK, json=BUY)
        assert r.status_code == 201 and r.json()["order"]["account"] == "TV-PAPER", r.text
    await until(lambda: rt.core.accounts["TV-PAPER"].holdings.get("ES") is not None)
    assert exchange.positions("SIM-1") == {} and exchange.positions("SIM-2") == {}  # the broker saw nothing
    await rt.stop()
    again = await started(make_runtime, mode="live")
    async with client(again) as c:
        shown = await desk(c)
        assert shown["paper_account"] == {
            "id": "TV-PAPER",
            "balance": 25000.0,
            "nickname": "practice",
            "builtin": True,
        }
        assert shown["live_account"] == "SIM-1" and shown["status"] == "connected"
        await until(lambda: "ES" in again.core.brokers["Desk"].quotes)
        held = again.core.accounts["TV-PAPER"].holdings["ES"]
        assert held.qty == 1  # the paper position came back with the account
        r = await c.post(HOOK, json=BUY)  # the same webhook, switched to live: the broker's account
        assert r.status_code == 201 and r.json()["order"]["account"] == "SIM-1", r.text
    await until(lambda: exchange.positions("SIM-1") == {"ES": (1, 6000.25)})
    await again.stop()


async def test_a_brokers_own_account_can_be_the_paper_one(
    make_runtime: Callable[..., Runtime], tradovate: tuple[str, Any]
) -> None:
    endpoint, exchange = tradovate
    rt = await started(make_runtime)
    async with client(rt) as c:
        added = await add(c, endpoint, live_account="SIM-1", paper_account="SIM-2")
        assert added.status_code == 201, added.text
        assert added.json()["paper_account"] == {"id": "SIM-2", "builtin": False}
        await until(lambda: "ES" in rt.core.brokers["Desk"].quotes)
        r = await c.post(HOOK, json=BUY)
        assert r.status_code == 201 and r.json()["order"]["account"] == "SIM-2", r.text
    await until(lambda: exchange.positions("SIM-2") == {"ES": (1, 6000.25)})
    await rt.stop()


@pytest.mark.parametrize(
    ("step3", "status", "field"),
    [
        ({"paper_account": {"id": "SIM-1"}}, 409, "paper_account.id"),
        ({"paper_account": {"id": "P", "balance": -1}}, 422, "paper_account.balance"),
        ({"paper_account": {"id": "P", "balanse": 5}}, 422, "paper_account.balanse"),
        ({"paper_account": "NOPE"}, 422, "paper_account"),
        ({"paper_account": 7}, 422, "paper_account"),
        ({"live_account": "NOPE"}, 422, "live_account"),
        ({"live_account": "SIM-1", "paper_account": "SIM-1"}, 422, "paper_account"),
    ],
)
async def test_a_paper_or_live_account_it_cannot_take_is_refused_naming_the_field_and_adds_nothing(
    make_runtime: Callable[..., Runtime],
    tradovate: tuple[str, Any],
    step3: dict[str, Any],
    status: int,
    field: str,
) -> None:
    endpoint, _ = tradovate
    rt = await started(make_runtime)
    async with client(rt) as c:
        r = await add(c, endpoint, **step3)
        assert r.status_code == status and r.json()["field"] == field, r.text
        assert await desk(c) is None
    assert not {"SIM-1", "SIM-2", "P"} & set(rt.core.accounts)
    await rt.stop()


async def test_a_paper_connection_takes_no_paper_account_of_its_own(
    make_runtime: Callable[..., Runtime],
) -> None:
    rt = await started(make_runtime)
    async with client(rt) as c:
        draft = (await c.post("/v1/connections", json={"broker": "paper"})).json()["draft"]
        found = (await c.post(f"/v1/connections/drafts/{draft}/authenticate", json={"feed": "manual"})).json()
        body = {"accounts": [{"id": found["accounts"][0]["id"]}], "paper_account": {"id": "X-1"}}
        r = await c.post(f"/v1/connections/drafts/{draft}/accounts", json=body)
        assert r.status_code == 422 and r.json()["field"] == "paper_account"
    await rt.stop()


@pytest.mark.slow
async def test_ordergate_connection_add_takes_the_paper_and_live_accounts(
    make_runtime: Callable[..., Runtime], tradovate: tuple[str, Any]
) -> None:
    endpoint, _ = tradovate
    rt = await started(make_runtime)
    sets = [f"{k}={v}" for k, v in step2("tradovate", endpoint).items() if k != "password"]
    async with served_url(rt) as url:
        r = await ordergate(
            "connection", "add", "tradovate", "--name", "Desk",
            *(x for s in sets for x in ("--set", s)), "--set", "password=env:TV_PASSWORD",
            "--live-account", "SIM-1", "--paper-account", "TV-PAPER:20000", "--json", *at(url),
            env={"TV_PASSWORD": SECRET, "PATH": "/usr/bin:/bin"},
        )  # fmt: skip
        assert r.returncode == 0, r.stderr
        shown = json.loads(r.stdout)
        assert shown["paper_account"] == {
            "id": "TV-PAPER",
            "balance": 20000.0,
            "nickname": None,
            "builtin": True,
        }
        assert shown["live_account"] == "SIM-1" and "TV-PAPER" in shown["accounts"]
        r = await ordergate(
            "connection", "add", "tradovate", "--paper-account", "A", "--paper-account", "B", *at(url)
        )
        assert r.returncode == 2 and "one paper account" in r.stderr
    await rt.stop()
