"""No body, price or field can poison the runtime or answer 500 (DESIGN 9), over HTTP."""

from __future__ import annotations

import asyncio
import math
from pathlib import Path

import pytest

from ordergate.runtime.body import MAX_BODY_BYTES
from tests.runtime.api_surface import WEBHOOK_SECRET, WRITE_ENDPOINTS
from tests.runtime.conftest import TOKEN, client, quote

pytestmark = pytest.mark.anyio

JSON = {"content-type": "application/json"}
ORDER = {"account": "PAPER-1", "symbol": "ESZ6", "side": "buy", "qty": 1}


@pytest.fixture
async def hooked(make_runtime):
    runtime = make_runtime(webhooks=[{"name": "tv", "secret": WEBHOOK_SECRET, "account": "PAPER-1"}])
    await runtime.start(background=False)
    yield runtime
    await runtime.stop()


def refused(metrics: str, source: str) -> float:
    line = next(
        x
        for x in metrics.splitlines()
        if x.startswith(f'ordergate_refused_prices_total{{source="{source}"}}')
    )
    return float(line.rsplit(" ", 1)[1])


# ---- item 1: prices at the boundary


@pytest.mark.parametrize("last", [1e308, 1e10, 0, -5])
async def test_an_absurd_quote_is_refused_named_and_counted_and_equity_stays_finite(started, last) -> None:
    await quote(started, "ES", 6000)
    async with client(started) as c:
        assert (await c.post("/v1/orders", json=ORDER)).status_code == 201
        r = await c.post("/v1/paper/quotes", json={"symbol": "ES", "last": last})
        assert r.status_code == 422 and r.json()["field"] == "last"
        account = (await c.get("/v1/accounts/PAPER-1")).json()
        metrics = (await c.get("/metrics")).text
    assert math.isfinite(account["equity"]) and math.isfinite(account["pnl"]["unrealized"])
    assert started.core.brokers["Paper"].quotes["ES"].last == 6000
    assert refused(metrics, "api") == 1


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"type": "limit", "price": 1e308}, "price"),
        ({"type": "stop", "stop_price": 1e308}, "stop_price"),
        ({"type": "stop_limit", "price": 6000, "stop_price": 1e12}, "stop_price"),
        ({"qty": 1e300}, "qty"),
        ({"qty": 10**29}, "qty"),
    ],
)
@pytest.mark.parametrize("path", ["/v1/orders", "/v1/orders/check"])
async def test_an_absurd_order_price_or_quantity_is_a_422_naming_it(started, extra, field, path) -> None:
    await quote(started, "ES", 6000)
    async with client(started) as c:
        r = await c.post(path, json={**ORDER, **extra})
    assert r.status_code == 422 and r.json()["field"] == field, r.text
    assert started.core.store.decisions(None, 10) == []
    assert started.core.store.order_history(None, 10) == []


@pytest.mark.parametrize(("key", "value"), [("limitPrice", "1e308"), ("stopPrice", 1e300), ("price", -1)])
async def test_an_absurd_webhook_price_is_refused_and_counted_as_webhook(hooked, key, value) -> None:
    await quote(hooked, "MNQ", 21000)
    async with client(hooked, token=None) as c:
        r = await c.post(
            f"/v1/webhooks/{WEBHOOK_SECRET}", json={"ticker": "MNQZ6", "action": "buy", key: value}
        )
    assert r.status_code == 422 and r.json()["field"] == key
    async with client(hooked) as c:
        assert refused((await c.get("/metrics")).text, "webhook") == 1
    assert hooked.core.accounts["PAPER-1"].holdings == {}


# ---- item 12: bodies


BAD_BODIES = [
    pytest.param(b'{"symbol": "\xff\xfe"}', 400, id="invalid-utf8"),
    pytest.param(b'{"qty": ' + b"9" * 5000 + b"}", 400, id="5000-digit-integer"),
    pytest.param(b'{"qty": ' + b"9" * 31 + b"}", 400, id="31-digit-integer"),
    pytest.param(b"[" * 100_000 + b"]" * 100_000, 400, id="nested-100000"),
    pytest.param(b'{"a":' * 65 + b"1" + b"}" * 65, 400, id="nested-65"),
    pytest.param(b'{"a": "' + b"x" * MAX_BODY_BYTES + b'"}', 413, id="over-1MiB"),
]


@pytest.mark.parametrize(("raw", "status"), BAD_BODIES)
async def test_every_endpoint_refuses_a_bad_body_naming_the_body(hooked, raw, status) -> None:
    before = hooked.accounts_view(), hooked.connections.views()
    async with client(hooked) as c:
        for method, path in WRITE_ENDPOINTS:
            r = await c.request(method, path, content=raw, headers=JSON)
            assert r.status_code == status, (method, path, r.status_code, r.text[:200])
            assert r.json()["field"] == "body", (method, path)
    assert (hooked.accounts_view(), hooked.connections.views()) == before


async def test_a_content_length_over_the_limit_is_refused_before_the_body_is_read(started) -> None:
    async with client(started) as c:
        # a raw socket: the client announces 1 MiB + 1 and sends none of it
        reader, writer = await asyncio.open_connection(c.base_url.host, c.base_url.port)
        writer.write(
            b"POST /v1/orders HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
            b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n"
            % (TOKEN.encode(), MAX_BODY_BYTES + 1)
        )
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        writer.close()
    assert head.startswith(b"HTTP/1.1 413 ")


async def test_a_non_finite_number_anywhere_is_a_422_naming_where_it_sits(started) -> None:
    async with client(started) as c:
        r = await c.post(
            "/v1/connections", content=b'{"broker": "paper", "x": [1, {"y": 1e400}]}', headers=JSON
        )
    assert r.status_code == 422 and r.json()["field"] == "x[1].y"
    assert started.connections.drafts == {}


@pytest.mark.parametrize("duration", ["99999999h", "367d", "0h", "9999999999999999999999m"])
async def test_an_absurd_lock_duration_is_a_422_and_locks_nothing(started, duration) -> None:
    async with client(started) as c:
        r = await c.post("/v1/accounts/PAPER-1/lock", json={"duration": duration})
    assert r.status_code == 422 and r.json()["field"] == "duration", r.text
    assert started.core.accounts["PAPER-1"].lock is None


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"port": "abc"}, "port"),
        ({"port": 99999}, "port"),
        ({"port": -1}, "port"),
        ({"port": [1]}, "port"),
        ({"port": True}, "port"),
        ({"host": "a b"}, "host"),
        ({"host": ["127.0.0.1"]}, "host"),
        ({"host": "x" * 300}, "host"),
        ({"username": {"a": 1}}, "username"),
    ],
)
async def test_a_bad_loopback_address_is_a_422_naming_the_field(started, fields, field) -> None:
    async with client(started) as c:
        draft = (await c.post("/v1/connections", json={"broker": "loopback"})).json()["draft"]
        body = {"host": "127.0.0.1", "port": 9, "username": "u", "password": "p", **fields}
        r = await c.post(f"/v1/connections/drafts/{draft}/authenticate", json=body)
    assert r.status_code == 422 and r.json()["field"] == field, r.text
    assert started.connections.drafts[draft].discovered == []


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A readable replay-shaped file outside every allowed folder."""
    secret = tmp_path / "outside" / "secret.csv"
    secret.parent.mkdir()
    secret.write_text("time,symbol,bid,ask,last\n2026-11-23T10:00:00-05:00,ES,1,2,1\n")
    return secret


@pytest.mark.parametrize(
    "feed", ["bogus", "", 7, ["manual"], "replay:", "replay:/etc/passwd", "replay:../outside/secret.csv"]
)
async def test_a_paper_feed_outside_the_allowed_folders_is_a_422_naming_feed(
    started, feed, outside, tmp_path, monkeypatch
) -> None:
    allowed = tmp_path / "replays"
    allowed.mkdir()
    monkeypatch.setenv("ORDERGATE_REPLAY_DIR", str(allowed))
    async with client(started) as c:
        draft = (await c.post("/v1/connections", json={"broker": "paper"})).json()["draft"]
        r = await c.post(f"/v1/connections/drafts/{draft}/authenticate", json={"feed": feed})
    assert r.status_code == 422 and r.json()["field"] == "feed", r.text
    assert started.connections.drafts[draft].discovered == []


async def test_a_symlink_out_of_the_replay_folder_is_followed_before_the_check(
    started, outside, tmp_path, monkeypatch
) -> None:
    allowed = tmp_path / "replays"
    allowed.mkdir()
    (allowed / "link.csv").symlink_to(outside)
    (allowed / "day.csv").write_text(outside.read_text())
    monkeypatch.setenv("ORDERGATE_REPLAY_DIR", str(allowed))
    async with client(started) as c:
        draft = (await c.post("/v1/connections", json={"broker": "paper"})).json()["draft"]
        link = await c.post(f"/v1/connections/drafts/{draft}/authenticate", json={"feed": "replay:link.csv"})
        inside = await c.post(f"/v1/connections/drafts/{draft}/authenticate", json={"feed": "replay:day.csv"})
    assert link.status_code == 422 and link.json()["field"] == "feed"
    assert inside.status_code == 200, inside.text
    assert started.connections.drafts[draft].settings["feed"] == f"replay:{(allowed / 'day.csv').resolve()}"


async def test_without_a_config_folder_or_replay_dir_no_replay_file_is_read(
    started, outside, monkeypatch
) -> None:
    monkeypatch.delenv("ORDERGATE_REPLAY_DIR", raising=False)
    async with client(started) as c:
        draft = (await c.post("/v1/connections", json={"broker": "paper"})).json()["draft"]
        r = await c.post(f"/v1/connections/drafts/{draft}/authenticate", json={"feed": f"replay:{outside}"})
    assert r.status_code == 422 and "ORDERGATE_REPLAY_DIR" in r.json()["error"]


# ---- item 8: a refused request changes nothing


@pytest.mark.parametrize(
    "body",
    [
        {"execution": "managed", "mode": "bogus"},
        {"execution": "managed", "colour": "red"},
        {"mode": "websocket", "execution": "nope"},
    ],
)
async def test_a_refused_connection_update_changes_nothing(started, body) -> None:
    async with client(started) as c:
        r = await c.patch("/v1/connections/Paper", json=body)
        after = (await c.get("/v1/connections/Paper")).json()
    assert r.status_code == 422
    assert after["execution"] == "broker_native" and after["mode"] is None
    assert started.core.executions["Paper"] == "broker_native"


async def test_a_good_connection_update_still_applies(started) -> None:
    async with client(started) as c:
        r = await c.patch("/v1/connections/Paper", json={"execution": "managed"})
    assert r.status_code == 200 and r.json()["execution"] == "managed"
    assert started.core.executions["Paper"] == "managed"
