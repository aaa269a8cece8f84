"""Webhook settings as TradersPost has them (reference/markets.md 4.2): accounts fanned out,
allowed tickers, an IP allow-list, manual approval, and live or paper per connection. Over
real HTTP, served with the runtime's own server settings, against the paper broker that
answers late and fills in parts."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from ordergate.policy.models import ConnectionConfig
from ordergate.runtime.clock import FakeClock
from ordergate.runtime.server import api_config
from ordergate.runtime.service import Runtime

from .conftest import MONDAY_10, TOKEN, quote, serving
from .webhook_helpers import HOOK, position, until

pytestmark = pytest.mark.anyio

BUY = {"ticker": "MNQZ2026", "action": "buy", "quantity": 1}


def desk(accounts: list[str], **pairing: str) -> ConnectionConfig:
    """A paper connection answering 20 ms late and filling in two parts, with these accounts."""
    return ConnectionConfig.model_validate(
        {
            "name": "Desk",
            "broker": "paper",
            "feed": "manual",
            "latency_ms": 20,
            "partial_fills": True,
            "accounts": [{"id": a, "balance": 50000} for a in accounts],
            **pairing,
        }
    )


async def started(make_runtime: Callable[..., Runtime], hook: dict[str, Any], **kw: Any) -> Runtime:
    kw.setdefault("connections", [desk(["PAPER-1"])])
    rt = make_runtime(webhooks=[{"name": "tv", "secret": "s3cr3t-hook", **hook}], **kw)
    await rt.start(background=False)
    await quote(rt, "MNQ", 21000)
    return rt


@contextlib.asynccontextmanager
async def served(
    rt: Runtime, *, token: str | None = TOKEN, local_address: str = "127.0.0.1"
) -> AsyncIterator[httpx.AsyncClient]:
    """The API under the settings ``ordergate run`` serves it with (server.api_config), so
    the peer address the webhook sees is the one the server sees."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    transport = httpx.AsyncHTTPTransport(local_address=local_address)
    async with (
        serving(api_config(rt, log_level="warning")) as port,
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers=headers, transport=transport) as c,
    ):
        yield c


async def test_a_signal_waits_for_approval_and_goes_through_the_chain_when_approved(make_runtime) -> None:
    rt = await started(make_runtime, {"account": "PAPER-1", "approval": {"auto_submit": False}})
    async with served(rt) as c:
        queued = await c.post(HOOK, json={**BUY, "id": "a1"})
        assert queued.status_code == 202
        signal = queued.json()["signal"]
        assert signal["status"] == "pending" and signal["alert"]["ticker"] == "MNQZ2026"
        assert position(rt, account="PAPER-1") == 0 and not rt.core.store.decisions(None, 10)
        again = await c.post(HOOK, json={**BUY, "id": "a1"})  # TradingView resends it
        assert again.status_code == 202 and again.json()["replayed"] is True
        assert again.json()["signal"]["id"] == signal["id"]
        listed = (await c.get("/v1/signals", params={"status": "pending"})).json()["signals"]
        assert [s["id"] for s in listed] == [signal["id"]]

        approved = await c.post(f"/v1/signals/{signal['id']}/approve")
        assert approved.status_code == 201
        assert approved.json()["decision"]["outcome"] == "allow"
        assert approved.json()["signal"]["status"] == "approved"
        await until(lambda: position(rt, account="PAPER-1") == 1)
        twice = await c.post(f"/v1/signals/{signal['id']}/approve")
        assert twice.status_code == 409 and "approved" in twice.json()["error"]
        kept = (await c.get(f"/v1/signals/{signal['id']}")).json()["signal"]
        assert kept["result"]["status"] == 201
    await rt.stop()


async def test_a_signal_not_approved_in_time_expires_and_is_never_sent(make_runtime) -> None:
    clock = FakeClock(MONDAY_10)
    rt = await started(
        make_runtime,
        {"account": "PAPER-1", "approval": {"auto_submit": False, "expire_after": "5m"}},
        clock=clock,
    )
    async with served(rt) as c:
        late = (await c.post(HOOK, json=BUY)).json()["signal"]
        refused = (await c.post(HOOK, json={**BUY, "quantity": 2})).json()["signal"]
        rejected = await c.post(f"/v1/signals/{refused['id']}/reject")
        assert rejected.status_code == 200 and rejected.json()["signal"]["status"] == "rejected"
        clock.advance(minutes=5, seconds=1)
        listed = {s["id"]: s["status"] for s in (await c.get("/v1/signals")).json()["signals"]}
        assert listed == {late["id"]: "expired", refused["id"]: "rejected"}
        answer = await c.post(f"/v1/signals/{late['id']}/approve")
        assert answer.status_code == 409 and "expired" in answer.json()["error"]
        assert (await c.post(f"/v1/signals/{refused['id']}/approve")).status_code == 409
    await asyncio.sleep(0.1)
    assert position(rt, account="PAPER-1") == 0
    assert rt.core.store.open_orders("PAPER-1") == [] and not rt.core.store.decisions(None, 10)
    await rt.stop()


async def test_a_webhook_fans_out_to_three_accounts_and_one_blocked_account_does_not_stop_the_others(
    make_runtime,
) -> None:
    accounts = ["A-1", "A-2", "A-3"]
    rt = await started(make_runtime, {"accounts": accounts}, connections=[desk(accounts)])
    async with served(rt) as c:
        assert (await c.post("/v1/accounts/A-2/lock", json={"duration": "manual"})).status_code == 200
        answer = await c.post(HOOK, json={**BUY, "id": "fan-1"})
        assert answer.status_code == 207
        results = {r["account"]: r for r in answer.json()["accounts"]}
        assert {a: r["status"] for a, r in results.items()} == {"A-1": 201, "A-2": 403, "A-3": 201}
        assert results["A-2"]["decision"]["outcome"] == "block"
        await until(lambda: position(rt, account="A-1") == 1 and position(rt, account="A-3") == 1)
        assert position(rt, account="A-2") == 0
        replay = await c.post(HOOK, json={**BUY, "id": "fan-1"})
        assert replay.status_code == 207 and replay.json()["replayed"] is True
    await rt.stop()


async def test_an_alert_for_a_ticker_not_allowed_is_refused_naming_ticker(make_runtime) -> None:
    rt = await started(make_runtime, {"account": "PAPER-1", "tickers": ["MNQ", "ESZ2026"]})
    async with served(rt) as c:
        for ticker in ("MESZ2026", "ESH2027"):
            refused = await c.post(HOOK, json={**BUY, "ticker": ticker})
            assert refused.status_code == 422 and refused.json()["field"] == "ticker", ticker
        assert (await c.post(HOOK, json=BUY)).status_code == 201
    assert rt.core.store.decisions(None, 10)[0]["order"]["symbol"] == "MNQZ2026"
    await rt.stop()


async def test_the_ip_allow_list_takes_the_peer_address_and_x_forwarded_for_only_from_a_trusted_proxy(
    make_runtime,
) -> None:
    rt = await started(make_runtime, {"account": "PAPER-1", "allow_ips": ["10.0.0.0/8", "127.0.0.2"]})
    async with served(rt) as c:
        refused = await c.post(HOOK, json=BUY)
        assert refused.status_code == 403 and refused.json()["field"] == "ip"
        forged = await c.post(HOOK, json=BUY, headers={"X-Forwarded-For": "10.1.2.3"})
        assert forged.status_code == 403
        assert (await c.patch("/v1/webhooks/tv", json={"trusted_proxies": ["127.0.0.1"]})).status_code == 200
        proxied = await c.post(HOOK, json=BUY, headers={"X-Forwarded-For": "198.51.100.9, 10.1.2.3"})
        assert proxied.status_code == 201
    async with served(rt, local_address="127.0.0.2") as c:  # a peer on the list itself
        assert (await c.post(HOOK, json={**BUY, "action": "exit"})).status_code == 201
    await rt.stop()


async def test_the_same_webhook_switched_from_paper_to_live_trades_the_live_account_and_the_log_says_which(
    make_runtime,
) -> None:
    conn = desk(["LIVE-1", "DEMO-1"], live_account="LIVE-1", paper_account="DEMO-1")
    rt = await started(make_runtime, {"account": "Desk", "mode": "paper"}, connections=[conn])
    async with served(rt) as c:
        paper = await c.post(HOOK, json=BUY)
        assert paper.status_code == 201 and paper.json()["account"] == "DEMO-1"
        await until(lambda: position(rt, account="DEMO-1") == 1)
        switched = await c.patch("/v1/webhooks/tv", json={"mode": "live"})
        assert switched.json()["trades"] == [{"account": "LIVE-1", "mode": "live"}]
        live = await c.post(HOOK, json=BUY)
        assert live.status_code == 201 and live.json()["mode"] == "live"
        await until(lambda: position(rt, account="LIVE-1") == 1)
        log = (await c.get("/v1/decisions")).json()["decisions"]
        assert [(e["account"], e["order"]["mode"], e["order"]["webhook"]) for e in log] == [
            ("LIVE-1", "live", "tv"),
            ("DEMO-1", "paper", "tv"),
        ]
        nowhere = await c.patch("/v1/webhooks/tv", json={"account": "PAPER-X"})
        assert nowhere.status_code == 409 and nowhere.json()["field"] == "account"
    await rt.stop()


async def test_queued_signals_and_settings_changed_through_the_api_survive_a_restart(make_runtime) -> None:
    conn = desk(["LIVE-1", "DEMO-1"], live_account="LIVE-1", paper_account="DEMO-1")
    hook = {"account": "DEMO-1", "mode": "paper", "approval": {"auto_submit": False}}
    rt = await started(make_runtime, hook, connections=[conn])
    async with served(rt) as c:
        signal = (await c.post(HOOK, json=BUY)).json()["signal"]
        assert (await c.patch("/v1/webhooks/tv", json={"mode": "live"})).status_code == 200
    await rt.stop()

    rt = await started(make_runtime, hook, connections=[conn])
    async with served(rt) as c:
        view = (await c.get("/v1/webhooks/tv")).json()
        assert view["mode"] == "live" and "secret" not in view
        assert [s["id"] for s in (await c.get("/v1/signals?status=pending")).json()["signals"]] == [
            signal["id"]
        ]
        approved = await c.post(f"/v1/signals/{signal['id']}/approve")
        assert approved.status_code == 201 and approved.json()["account"] == "LIVE-1"
        await until(lambda: position(rt, account="LIVE-1") == 1)
    assert position(rt, account="DEMO-1") == 0
    await rt.stop()


async def test_webhook_settings_and_signals_need_the_bearer_token(make_runtime) -> None:
    rt = await started(make_runtime, {"account": "PAPER-1"})
    async with served(rt, token=None) as c:
        for method, path in (
            ("GET", "/v1/webhooks"),
            ("GET", "/v1/webhooks/tv"),
            ("PATCH", "/v1/webhooks/tv"),
            ("GET", "/v1/signals"),
            ("POST", "/v1/signals/x/approve"),
        ):
            assert (await c.request(method, path, json={"mode": "live"})).status_code == 401, path
        assert (await c.post(HOOK, json=BUY)).status_code == 201  # the alert's secret is its credential
    await rt.stop()


async def test_the_signals_verbs_list_approve_and_reject_the_queue(make_runtime) -> None:
    from tests.runtime.cliproc import at, ordergate

    rt = await started(make_runtime, {"account": "PAPER-1", "approval": {"auto_submit": False}})
    async with served(rt) as c:
        url = str(c.base_url).rstrip("/")
        first = (await c.post(HOOK, json=BUY)).json()["signal"]["id"]
        second = (await c.post(HOOK, json={**BUY, "quantity": 2})).json()["signal"]["id"]
        listed = await ordergate("signals", "--status", "pending", *at(url))
        assert listed.returncode == 0 and first in listed.stdout and "buy 2 MNQZ2026" in listed.stdout
        approved = await ordergate("signals", "approve", first, *at(url))
        assert approved.returncode == 0, approved.stderr
        assert f"signal {first}: approved; PAPER-1 (paper): allow" in approved.stdout
        rejected = await ordergate("signals", "reject", second, *at(url))
        assert rejected.returncode == 0 and "rejected" in rejected.stdout
        again = await ordergate("signals", "approve", second, *at(url))
        assert again.returncode == 1 and "rejected" in again.stderr
    await until(lambda: position(rt, account="PAPER-1") == 1)
    await rt.stop()
