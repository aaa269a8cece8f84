"""The dashboard's server side: the page at /, sign-in, the session cookie as the
browser's alternative to the bearer token, CSRF and cross-site refusals, static files."""

from __future__ import annotations

import re

import httpx
import pytest

from ordergate.runtime.dashboard.sessions import Sessions
from tests.runtime.conftest import TOKEN, client, order, quote

pytestmark = pytest.mark.anyio


async def signed_in(c: httpx.AsyncClient) -> str:
    """Signs the client in (the cookie stays in its jar); the session's CSRF token."""
    r = await c.post("/ui/sign-in", json={"token": TOKEN})
    assert r.status_code == 200, r.text
    return str(r.json()["csrf"])


async def test_the_page_without_a_session_is_the_sign_in_page(started) -> None:
    async with client(started, token=None) as c:
        r = await c.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert 'id="signin"' in r.text and "og-csrf" not in r.text
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp


async def test_sign_in_sets_an_http_only_same_site_strict_cookie_and_serves_the_dashboard(started) -> None:
    async with client(started, token=None) as c:
        csrf = await signed_in(c)
        r = await c.get("/")
    assert 'id="accounts"' in r.text
    assert re.search(r'<meta name="og-csrf" content="([^"]+)">', r.text).group(1) == csrf  # type: ignore[union-attr]


async def test_the_cookie_attributes(started) -> None:
    async with client(started, token=None) as c:
        r = await c.post("/ui/sign-in", json={"token": TOKEN})
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("og_session=")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    assert TOKEN not in cookie and TOKEN not in r.text


async def test_a_wrong_token_signs_nobody_in(started) -> None:
    async with client(started, token=None) as c:
        r = await c.post("/ui/sign-in", json={"token": "nope"})
        assert r.status_code == 403 and r.json()["field"] == "token" and "set-cookie" not in r.headers
        assert (await c.post("/ui/sign-in", json={})).json()["field"] == "token"
        assert (await c.get("/v1/accounts")).status_code == 401


async def test_a_session_reads_the_api_and_changes_state_with_its_csrf_token(started) -> None:
    async with client(started, token=None) as c:
        csrf = await signed_in(c)
        assert (await c.get("/v1/accounts")).json()["accounts"][0]["id"] == "PAPER-1"
        r = await c.post("/v1/accounts/PAPER-1/lock", json={"duration": "6h"}, headers={"X-CSRF-Token": csrf})
        assert r.status_code == 200, r.text
    assert started.account_view("PAPER-1")["locked"] is not None


async def test_a_cookie_without_the_csrf_header_cannot_change_state(started) -> None:
    async with client(started, token=None) as c:
        csrf = await signed_in(c)
        r = await c.post("/v1/accounts/PAPER-1/lock", json={"duration": "6h"})
        assert r.status_code == 403 and r.json()["field"] == "X-CSRF-Token"
        wrong = await c.post(
            "/v1/kill-switch", json={"confirm": "FLATTEN"}, headers={"X-CSRF-Token": csrf + "x"}
        )
        assert wrong.status_code == 403
    assert started.account_view("PAPER-1")["locked"] is None


async def test_a_cross_site_request_is_refused_even_with_the_csrf_token(started) -> None:
    async with client(started, token=None) as c:
        csrf = await signed_in(c)
        for headers in (
            {"Origin": "http://evil.example"},
            {"Sec-Fetch-Site": "cross-site"},
            {"Sec-Fetch-Site": "same-site"},
        ):
            r = await c.post(
                "/v1/kill-switch", json={"confirm": "FLATTEN"}, headers={"X-CSRF-Token": csrf, **headers}
            )
            assert r.status_code == 403 and r.json()["field"] == "Origin", headers
        same = await c.post(
            "/v1/accounts/PAPER-1/lock",
            json={"duration": "6h"},
            headers={
                "X-CSRF-Token": csrf,
                "Origin": str(c.base_url).rstrip("/"),
                "Sec-Fetch-Site": "same-origin",
            },
        )
        assert same.status_code == 200, same.text
        evil = await c.post("/ui/sign-in", json={"token": TOKEN}, headers={"Origin": "http://evil.example"})
        assert evil.status_code == 403 and "set-cookie" not in evil.headers


async def test_bearer_clients_see_no_change(started) -> None:
    async with client(started) as c:
        assert (await c.get("/v1/accounts")).status_code == 200
        assert (await c.post("/v1/accounts/PAPER-1/lock", json={"duration": "6h"})).status_code == 200
    async with client(started, token="wrong") as c:
        r = await c.get("/v1/accounts")
        assert r.status_code == 403 and r.json()["field"] == "Authorization"
        # a bad bearer token is not rescued by a session cookie: the header decides
        c.cookies.set("og_session", "whatever")
        assert (await c.get("/v1/accounts")).status_code == 403


async def test_sign_out_ends_the_session(started) -> None:
    async with client(started, token=None) as c:
        csrf = await signed_in(c)
        old = c.cookies["og_session"]
        r = await c.post("/ui/sign-out", headers={"X-CSRF-Token": csrf})
        assert r.status_code == 200 and "Max-Age=0" in r.headers["set-cookie"]
        c.cookies.set("og_session", old)
        assert (await c.get("/v1/accounts")).status_code == 401
        assert 'id="signin"' in (await c.get("/")).text


async def test_the_event_stream_accepts_the_session_cookie(started) -> None:
    async with client(started, token=None) as c:
        await signed_in(c)
        async with c.stream("GET", "/v1/events") as r:
            assert r.status_code == 200 and r.headers["content-type"] == "text/event-stream"
            async for chunk in r.aiter_text():
                assert chunk.startswith(": connected")
                break


async def test_the_risk_view_has_limits_trailing_threshold_and_refused_diagnostics(started) -> None:
    await quote(started, "ES", 6000)
    status, _ = await order(started)
    assert status == 201
    (started.config.rules / "broken.yaml").write_text(
        "apiVersion: ordergate/v1\nkind: RiskPolicy\nmetadata: {name: bad, version: 1}\n"
        "spec:\n  accounts: [X]\n  rules:\n    - {name: r, when: daily.pnll < 1, message: m}\n"
    )
    await started.reload()
    async with client(started, token=None) as c:
        await signed_in(c)
        risk = (await c.get("/ui/risk")).json()
    account = risk["accounts"][0]
    assert account["policy"] == "desk@1" and account["bundle"].startswith("sha256:")
    assert account["limits"]["daily"] == {"loss": 1000, "profit_target": None}
    assert account["limits"]["on_breach"] == {
        "action": "flatten_and_lock",
        "lock": "session:new_york_open",
        "enforce": True,
    }
    diagnostic = risk["refused"]["diagnostics"][0]
    assert diagnostic["file"].endswith("broken.yaml") and diagnostic["code"] == "unknown-name"
    assert "daily.pnll" in diagnostic["text"] and "^" in diagnostic["text"]


async def test_static_files_are_served_and_nothing_else(started) -> None:
    async with client(started, token=None) as c:
        js = await c.get("/ui/static/app.js")
        assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript")
        assert (await c.get("/ui/static/app.css")).headers["content-type"].startswith("text/css")
        for bad in (
            "/ui/static/..%2Fpages.py",
            "/ui/static/pages.py",
            "/ui/static/nothere.js",
            "/ui/static/.x.js",
        ):
            assert (await c.get(bad)).status_code == 404, bad


def test_no_page_asset_comes_from_the_network() -> None:
    from importlib import resources

    static = resources.files("ordergate.runtime.dashboard").joinpath("static")
    for item in static.iterdir():
        text = item.read_text("utf-8")
        assert not re.search(r"(src|href)=\"(https?:)?//", text), item.name
        assert not re.search(r"""(import|from)\s*\(?\s*["'](https?:)?//""", text), item.name


def test_sessions_expire_and_are_capped() -> None:
    now = [0.0]
    sessions = Sessions(["t"], clock=lambda: now[0], lifetime=10, capacity=2)
    first, second = sessions.open(), sessions.open()
    assert sessions.get(first.id) is first
    third = sessions.open()  # the oldest goes
    assert sessions.get(first.id) is None and sessions.get(second.id) is second
    now[0] = 11
    assert sessions.get(third.id) is None
    assert sessions.token_valid("t") and not sessions.token_valid("t2")
