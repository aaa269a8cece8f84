"""The HTTP API's many small cases, over HTTP to a uvicorn server on a loopback port."""

from __future__ import annotations

import asyncio

import pytest

from ordergate.policy.orders import Position
from ordergate.runtime.brokers import base as broker_base
from ordergate.runtime.errors import StoreError
from tests.runtime.conftest import TOKEN, client, order, quote

AUTH = {"Authorization": f"Bearer {TOKEN}"}

pytestmark = pytest.mark.anyio


async def test_health_needs_no_token_and_names_the_bundle(started) -> None:
    async with client(started, token=None) as c:
        r = await c.get("/v1/health")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok"
    assert body["policy"]["bundle"] == started.core.holder.bundle.digest
    assert body["policy"]["policies"] == ["desk@1"] and body["policy"]["error"] is None


@pytest.mark.parametrize(("token", "status"), [(None, 401), ("wrong", 403)])
async def test_every_other_path_needs_the_bearer_token(started, token, status) -> None:
    async with client(started, token=token) as c:
        for method, path in (
            ("GET", "/v1/status"),
            ("GET", "/v1/accounts"),
            ("POST", "/v1/orders"),
            ("GET", "/metrics"),
            ("POST", "/v1/kill-switch"),
        ):
            r = await c.request(method, path)
            assert r.status_code == status, path
            assert r.json()["field"] == "Authorization"


async def test_post_orders_answers_201_then_403_with_the_decision(started) -> None:
    await quote(started, "ES", 6000)
    async with client(started) as c:
        ok = await c.post(
            "/v1/orders", json={"account": "PAPER-1", "symbol": "ESZ6", "side": "buy", "qty": 1}
        )
        blocked = await c.post(
            "/v1/orders", json={"account": "PAPER-1", "symbol": "ESZ6", "side": "buy", "qty": 9}
        )
    assert ok.status_code == 201 and ok.json()["order"]["status"] == "filled"
    assert ok.json()["order"]["source"] == "api"
    assert blocked.status_code == 403 and set(blocked.json()) == {"decision"}
    assert blocked.json()["decision"]["code"] == "max_contracts_per_order"


LIMIT = {"account": "PAPER-1", "symbol": "ESZ6", "side": "buy", "qty": 1, "type": "limit", "price": 6000.25}


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"symbol": "ES", "side": "buy", "qty": 1}, 422, "account"),
        ({"account": "NOPE", "symbol": "ES", "side": "buy", "qty": 1}, 404, "account"),
        ({"account": "PAPER-1", "side": "buy", "qty": 1}, 422, "symbol"),
        ({"account": "PAPER-1", "symbol": "ES", "side": "long", "qty": 1}, 422, "side"),
        ({"account": "PAPER-1", "symbol": "ES", "side": "buy", "qty": -2}, 422, "qty"),
        ({"account": "PAPER-1", "symbol": "ES", "side": "buy", "qty": 1, "type": "limit"}, 422, "price"),
        ({"account": "PAPER-1", "symbol": "ES", "side": "buy", "qty": 1, "colour": "red"}, 422, "colour"),
        ({"account": "PAPER-1", "symbol": "XXZ6", "side": "buy", "qty": 1}, 422, "symbol"),
        ({**LIMIT, "price": 6000.1}, 422, "price"),
        ({**LIMIT, "price": -6000}, 422, "price"),
        ({**LIMIT, "type": "stop_limit", "stop_price": 6001.3}, 422, "stop_price"),
        ({**LIMIT, "client_order_id": 7}, 422, "client_order_id"),
        ({**LIMIT, "client_order_id": "x" * 129}, 422, "client_order_id"),
    ],
)
async def test_bad_orders_name_the_field(started, body, status, field) -> None:
    async with client(started) as c:
        r = await c.post("/v1/orders", json=body)
    assert r.status_code == status and r.json()["field"] == field
    assert started.core.store.decisions(None, 10) == []


async def test_malformed_json_is_a_clear_422(started) -> None:
    async with client(started) as c:
        r = await c.post("/v1/orders", content=b'{"account": ', headers={"content-type": "application/json"})
    assert r.status_code == 400 and "not valid JSON" in r.json()["error"] and r.json()["field"] == "body"


@pytest.mark.parametrize("number", [b"NaN", b"Infinity", b"-Infinity"])
async def test_a_price_that_is_not_a_finite_number_is_refused(started, number: bytes) -> None:
    body = b'{"account": "PAPER-1", "symbol": "ESZ6", "side": "buy", "qty": 1, "type": "limit", "price": %s}'
    async with client(started) as c:
        r = await c.post("/v1/orders", content=body % number, headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["field"] == "price"
    assert started.core.store.decisions(None, 10) == []


async def test_an_unknown_contract_the_account_already_holds_can_still_be_exited(started) -> None:
    # a broker sync can bring in a position in a contract the table lacks: getting out
    # of it is never refused, while adding to it is
    broker = started.core.brokers["Paper"]
    broker.restore("PAPER-1", {"XX": (2, 10.0)})
    started.core.accounts["PAPER-1"].holdings["XX"] = Position(2, 10.0, 1.0)
    broker.set_quote("XX", 10.0, 10.5, 10.0)
    async with client(started) as c:
        more = await c.post(
            "/v1/orders", json={"account": "PAPER-1", "symbol": "XX", "side": "buy", "qty": 1}
        )
        out = await c.post(
            "/v1/orders", json={"account": "PAPER-1", "symbol": "XX", "side": "sell", "qty": 2}
        )
    assert more.status_code == 422 and more.json()["field"] == "symbol"
    assert out.status_code == 201 and out.json()["decision"]["exit"] is True
    assert out.json()["order"]["status"] == "filled"


async def test_orders_check_is_a_dry_run(started) -> None:
    await quote(started, "ES", 6000)
    async with client(started) as c:
        r = await c.post(
            "/v1/orders/check", json={"account": "PAPER-1", "symbol": "ESZ6", "side": "buy", "qty": 1}
        )
    assert r.status_code == 200 and r.json()["decision"]["outcome"] == "allow"
    assert started.core.store.decisions(None, 10) == [] and started.account_view("PAPER-1")["positions"] == []


async def test_open_orders_and_cancel(started) -> None:
    await quote(started, "ES", 6000)
    async with client(started) as c:
        placed = (
            await c.post(
                "/v1/orders",
                json={
                    "account": "PAPER-1",
                    "symbol": "ESZ6",
                    "side": "buy",
                    "qty": 1,
                    "type": "limit",
                    "price": 5900,
                },
            )
        ).json()
        listed = (await c.get("/v1/orders", params={"account": "PAPER-1"})).json()["orders"]
        assert [o["id"] for o in listed] == [placed["order"]["id"]]
        r = await c.delete(f"/v1/orders/{placed['order']['id']}")
        assert r.status_code == 200 and r.json()["order"]["status"] == "cancelled"
        assert (await c.get("/v1/orders")).json()["orders"] == []
        assert (await c.delete("/v1/orders/og-none")).status_code == 404


async def test_lock_unlock_enable_disable_resume_over_http(started) -> None:
    async with client(started) as c:
        r = await c.post("/v1/accounts/PAPER-1/lock", json={"duration": "6h", "enforce": True})
        assert r.status_code == 200 and r.json()["locked"]["enforce"] is True
        r = await c.post("/v1/accounts/PAPER-1/unlock")
        assert r.status_code == 409 and r.json()["field"] == "account" and r.json()["until"]
        r = await c.post("/v1/accounts/PAPER-1/lock", json={"duration": "3 days"})
        assert r.status_code == 422 and r.json()["field"] == "duration"
        r = await c.post("/v1/accounts/PAPER-1/lock", json={"duration": "manual", "enforce": True})
        assert r.status_code == 422 and r.json()["field"] == "enforce"
        assert (await c.post("/v1/accounts/PAPER-1/disable")).json()["enabled"] is False
        assert (await c.post("/v1/accounts/PAPER-1/enable")).json()["enabled"] is True
        assert (await c.post("/v1/accounts/PAPER-1/resume")).json()["automation_paused"] is False
        assert (await c.post("/v1/accounts/NOPE/lock", json={})).status_code == 404


async def test_the_kill_switch_needs_the_word_flatten(started) -> None:
    async with client(started) as c:
        r = await c.post("/v1/kill-switch", json={"confirm": "flatten"})
        assert r.status_code == 400 and r.json()["field"] == "confirm"
        assert started.account_view("PAPER-1")["locked"] is None
        r = await c.post("/v1/kill-switch", json={"confirm": "FLATTEN"})
    assert r.status_code == 200
    assert r.json() == {"accounts": [{"account": "PAPER-1", "flatten": "none", "lock": "ok", "error": None}]}


async def test_accounts_view_has_the_documented_fields(started) -> None:
    await quote(started, "ES", 6000)
    await order(started)
    async with client(started) as c:
        [account] = (await c.get("/v1/accounts")).json()["accounts"]
        one = (await c.get("/v1/accounts/PAPER-1")).json()
    assert account == one
    assert {
        "id",
        "nickname",
        "connection",
        "broker",
        "enabled",
        "locked",
        "automation_paused",
        "policy",
        "positions",
        "pnl",
        "equity",
        "peak_equity",
    } <= set(one)
    assert set(one["pnl"]) == {"daily", "weekly", "daily_realized", "weekly_realized", "unrealized"}
    assert one["pnl"]["unrealized"] == pytest.approx(-12.5)


async def test_decisions_are_listed_newest_first(started) -> None:
    await quote(started, "ES", 6000)
    await order(started)
    await order(started, qty=9)
    async with client(started) as c:
        r = await c.get("/v1/decisions", params={"account": "PAPER-1", "limit": 5})
        assert (await c.get("/v1/decisions", params={"limit": "lots"})).json()["field"] == "limit"
    codes = [d["decision"]["code"] for d in r.json()["decisions"]]
    assert codes == ["max_contracts_per_order", None]


async def test_metrics_count_decisions_by_stage_and_code(started) -> None:
    await quote(started, "ES", 6000)
    await order(started, qty=9)
    async with client(started) as c:
        text = (await c.get("/metrics")).text
    assert (
        'ordergate_decisions_total{code="max_contracts_per_order",outcome="block",stage="positions"} 1.0'
        in text
    )
    assert "ordergate_decision_latency_seconds_bucket" in text
    assert 'ordergate_connection_status{connection="Paper",status="connected"} 1.0' in text


async def test_the_openapi_document_lists_the_paths(started) -> None:
    async with client(started, token=None) as c:
        doc = (await c.get("/openapi.json")).json()
    assert {"/v1/orders", "/v1/accounts/{id}/lock", "/v1/kill-switch", "/v1/webhooks/{secret}"} <= set(
        doc["paths"]
    )


async def test_paper_quotes_need_a_manual_feed_and_name_bad_fields(started) -> None:
    async with client(started) as c:
        assert (await c.post("/v1/paper/quotes", json={"symbol": "ES", "last": -1})).json()["field"] == "last"
        assert (await c.post("/v1/paper/quotes", json={"bid": 1})).json()["field"] == "symbol"
        unknown = await c.post("/v1/paper/quotes", json={"symbol": "XXZ6", "last": 10})
        assert unknown.status_code == 422 and unknown.json()["field"] == "symbol"
        crossed = await c.post("/v1/paper/quotes", json={"symbol": "ES", "bid": 6001, "ask": 6000})
        assert crossed.status_code == 422 and crossed.json()["field"] == "ask"
        nan = await c.post(
            "/v1/paper/quotes",
            content=b'{"symbol": "ES", "last": NaN}',
            headers={"content-type": "application/json"},
        )
        assert nan.status_code == 422 and nan.json()["field"] == "last"
        assert "ES" not in started.core.brokers["Paper"].quotes
        r = await c.post(
            "/v1/paper/quotes", json={"symbol": "ESZ6", "bid": 6000, "ask": 6000.25, "last": 6000}
        )
    assert r.status_code == 200 and started.core.brokers["Paper"].quotes["ES"].bid == 6000


async def test_webhook_alerts_trade_like_traderspost(make_runtime) -> None:
    rt = make_runtime(webhooks=[{"name": "tv", "secret": "s3cr3t-hook", "account": "PAPER-1"}])
    await rt.start(background=False)
    await quote(rt, "MNQ", 21000)
    async with client(rt, token=None) as c:
        assert (
            await c.post("/v1/webhooks/wrong", json={"ticker": "MNQZ2026", "action": "buy"})
        ).status_code == 404
        assert (await c.post("/v1/webhooks/s3cr3t-hook", json={"ticker": "MNQZ2026"})).json()[
            "field"
        ] == "action"
        assert (
            await c.post("/v1/webhooks/s3cr3t-hook", json={"ticker": "MNQZ2026", "action": "hold"})
        ).json()["field"] == "action"
        empty = await c.post("/v1/webhooks/s3cr3t-hook", json={})
        assert empty.status_code == 422 and empty.json()["field"] == "body"
        assert "empty JSON" in empty.json()["error"]
        listed = await c.post("/v1/webhooks/s3cr3t-hook", json=["buy"])
        assert listed.status_code == 400 and listed.json()["field"] == "body"
        for field, value in (
            ("quantity", "inf"),
            ("quantity", "nan"),
            ("limitPrice", "1e999"),
            ("quantity", True),
            ("orderType", ["limit"]),
        ):
            bad = await c.post(
                "/v1/webhooks/s3cr3t-hook", json={"ticker": "MNQZ2026", "action": "buy", field: value}
            )
            assert bad.status_code == 422 and bad.json()["field"] == field, (field, value)
        r = await c.post(
            "/v1/webhooks/s3cr3t-hook",
            json={"ticker": "MNQZ2026", "action": "buy", "quantity": 2, "id": "a1"},
        )
        assert r.status_code == 201 and r.json()["order"]["source"] == "webhook"
        assert (
            await c.post(
                "/v1/webhooks/s3cr3t-hook",
                json={"ticker": "MNQZ2026", "action": "buy", "quantity": 2, "id": "a1"},
            )
        ).json() == {**r.json(), "replayed": True}
        assert (
            await c.post("/v1/webhooks/s3cr3t-hook", json={"ticker": "MNQZ2026", "action": "buy"})
        ).status_code == 409
        resting = await c.post(
            "/v1/orders",
            json={
                "account": "PAPER-1",
                "symbol": "MNQZ6",
                "side": "sell",
                "qty": 2,
                "type": "limit",
                "price": 21100,
            },
            headers=AUTH,
        )
        assert resting.json()["order"]["status"] == "working"
        r = await c.post(
            "/v1/webhooks/s3cr3t-hook", json={"ticker": "MNQZ2026", "action": "sell", "quantity": 1}
        )
        # a reversal is two orders, as TradersPost sends them: cover the 2 long, then short 1
        assert r.status_code == 201 and r.json()["order"]["qty"] == 1 and r.json()["order"]["side"] == "sell"
        cover = r.json()["cover"]
        assert cover["decision"]["exit"] is True and cover["order"]["qty"] == 2
        assert cover["order"]["intent"] == "close" and cover["order"]["status"] == "filled"
        # like TradersPost, the sell first cancelled the ticker's resting order
        assert [o["id"] for o in r.json()["cancelled"]] == [resting.json()["order"]["id"]]
        assert (await c.get("/v1/orders", headers=AUTH)).json()["orders"] == []
        assert rt.account_view("PAPER-1")["positions"][0]["qty"] == -1
        # the entry half of a reversal is checked on its own: blocked, it still leaves the
        # trader out of the position the alert asked to leave
        r = await c.post(
            "/v1/webhooks/s3cr3t-hook", json={"ticker": "MNQZ2026", "action": "buy", "quantity": 9}
        )
        assert r.status_code == 403 and r.json()["decision"]["code"] == "max_contracts_per_order"
        assert r.json()["cover"]["order"]["status"] == "filled" and r.json()["cover"]["order"]["qty"] == 1
        assert rt.account_view("PAPER-1")["positions"] == []
        await c.post("/v1/webhooks/s3cr3t-hook", json={"ticker": "MNQZ2026", "action": "sell", "quantity": 1})
        r = await c.post("/v1/webhooks/s3cr3t-hook", json={"ticker": "MNQZ2026", "action": "exit"})
        assert r.status_code == 201 and r.json()["decision"]["exit"] is True
        assert rt.account_view("PAPER-1")["positions"] == []
        assert (
            await c.post("/v1/webhooks/s3cr3t-hook", json={"ticker": "MNQZ2026", "action": "exit"})
        ).status_code == 409
    await rt.stop()


async def test_unknown_paths_and_methods_answer_json(started) -> None:
    async with client(started) as c:
        assert (await c.get("/v1/nothing")).json()["field"] == "path"
        r = await c.put("/v1/orders")
        assert r.status_code == 405 and r.json()["field"] == "method"


async def test_the_order_history_over_http(started) -> None:
    await quote(started, "ES", 6000)
    await order(started)
    async with client(started) as c:
        assert (await c.get("/v1/orders")).json()["orders"] == []
        history = (await c.get("/v1/orders", params={"status": "all"})).json()["orders"]
        assert [o["status"] for o in history] == ["filled"]
        assert (await c.get("/v1/orders", params={"status": "some"})).json()["field"] == "status"


async def test_a_cancel_the_broker_never_answers_is_a_502_naming_the_broker(started, monkeypatch) -> None:
    monkeypatch.setattr(broker_base, "ANSWER_TIMEOUT_SECONDS", 0.05)
    await quote(started, "ES", 6000)
    broker = started.core.brokers["Paper"]

    async def cancel(account: str, order_id: str) -> None:
        await asyncio.Event().wait()  # the link to the broker hangs

    monkeypatch.setattr(broker, "cancel", cancel)
    async with client(started) as c:
        placed = (await c.post("/v1/orders", json={**LIMIT, "price": 5990})).json()["order"]
        assert placed["status"] == "working"
        r = await c.delete(f"/v1/orders/{placed['id']}")
        assert r.status_code == 502 and r.json()["field"] == "broker"
        assert "did not answer the cancel" in r.json()["error"]
        assert [o["id"] for o in (await c.get("/v1/orders")).json()["orders"]] == [placed["id"]]


async def test_an_order_whose_audit_entry_cannot_be_committed_is_not_sent(started, monkeypatch) -> None:
    await quote(started, "ES", 6000)

    def disk_full(*args: object, **kwargs: object) -> int:
        raise StoreError("state store write failed: database or disk is full")

    monkeypatch.setattr(started.core.store, "append_decision", disk_full)
    async with client(started) as c:
        r = await c.post("/v1/orders", json={"account": "PAPER-1", "symbol": "ESZ6", "side": "buy", "qty": 1})
    assert r.status_code == 503 and r.json()["field"] == "store" and "disk is full" in r.json()["error"]
    assert started.core.brokers["Paper"].positions("PAPER-1") == {}  # fail closed: nothing reached the broker
