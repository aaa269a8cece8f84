"""The Tradovate simulator's HTTP face: REST under ``/v1/`` and the OAuth pages.

* ``POST /v1/auth/accesstokenrequest`` — the credentials flow (no Authorization header);
* ``GET|POST /v1/auth/renewaccesstoken`` — renewal with the Bearer token;
* ``GET|POST /v1/<entity>/<op>`` — every endpoint of ``sim_core.ENDPOINTS`` with a Bearer
  token; GET takes the query (a bare trailing ``?`` is fine), POST a JSON body;
* ``GET /oauth`` — the authorization page (a login form); ``POST /oauth`` checks the
  login and sends the browser to ``redirect_uri?code=…&state=…``;
* ``POST /auth/oauthtoken`` and ``/v1/auth/oauthtoken`` — the code exchange, as a form
  (the example) or JSON (the partner reference): both are accepted.

Penalties answer 200 with ``p-ticket``/``p-time``/``p-captcha``; the ticket comes back in
the body (POST) or the query (GET).
"""

from __future__ import annotations

import asyncio
import html
import json
from typing import Any
from urllib.parse import parse_qs, urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from ordergate.runtime.brokers.tradovate.sim_core import TOKEN_REQUEST, SimCore


async def _body(request: Request) -> Any:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except ValueError:
        return None


async def _form(request: Request) -> dict[str, str]:
    """An ``application/x-www-form-urlencoded`` body (the stdlib reads it; no multipart here)."""
    raw = (await request.body()).decode("utf-8", "replace")
    return {k: v[-1] for k, v in parse_qs(raw).items()}


def _bearer(request: Request) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


def _json(status: int, body: Any) -> Response:
    if isinstance(body, str):
        return PlainTextResponse(body, status_code=status)
    return JSONResponse(body, status_code=status)


async def _lost(core: SimCore, most: float = 30.0) -> None:
    waited = 0.0
    while core.exchange.faults.mute_orders and waited < most:
        await asyncio.sleep(0.05)
        waited += 0.05


def routes(core: SimCore) -> list[BaseRoute]:
    async def pause() -> None:
        if core.exchange.faults.latency:
            await asyncio.sleep(core.exchange.faults.latency)

    async def token_request(request: Request) -> Response:
        await pause()
        body = await _body(request)
        if body is None:
            return _json(400, {"errorText": "the body is not JSON"})
        penalty = core.penalty(TOKEN_REQUEST, body.get("p-ticket") if isinstance(body, dict) else None)
        if penalty is not None:
            return _json(200, penalty)
        return _json(*core.token_request(body))

    async def renew(request: Request) -> Response:
        await pause()
        return _json(*core.renew(_bearer(request)))

    async def entity(request: Request) -> Response:
        await pause()
        endpoint = f"{request.path_params['entity']}/{request.path_params['op']}".lower()
        body = await _body(request) if request.method == "POST" else {}
        if body is None:
            return _json(400, "the body is not JSON")
        query = request.url.query
        ticket = (body.get("p-ticket") if isinstance(body, dict) else None) or parse_qs(query).get(
            "p-ticket", [None]
        )[-1]
        penalty = core.penalty(endpoint, ticket)
        if penalty is not None:
            return _json(200, penalty)
        session = core.session_of(_bearer(request))
        if session is None:
            return _json(401, "Access is denied")
        answer = core.answer(endpoint, query, body, session)
        if endpoint.startswith("order/") and endpoint != "order/list" and core.exchange.faults.mute_orders:
            await _lost(core)  # the command was carried out; its answer is lost on the wire
        return _json(*answer)

    async def authorize_page(request: Request) -> Response:
        q = request.query_params
        fields = "".join(
            f'<input type="hidden" name="{k}" value="{html.escape(q.get(k, ""))}">'
            for k in ("client_id", "redirect_uri", "state", "response_type")
        )
        return HTMLResponse(
            "<!doctype html><title>Tradovate simulator: sign in</title><form method=post action=/oauth>"
            f'{fields}<input name="name" placeholder="user"><input name="password" type="password">'
            "<button>Authorize</button></form>"
        )

    async def authorize(request: Request) -> Response:
        form = await _form(request)
        redirect = str(form.get("redirect_uri") or "")
        if not redirect or form.get("client_id") != core.options.client_id:
            return PlainTextResponse("unknown client_id or no redirect_uri", status_code=400)
        state = str(form.get("state") or "")
        code = core.oauth_code(str(form.get("name") or ""), str(form.get("password") or ""), redirect)
        answer = {"code": code} if code else {"error": "access_denied"}
        if state:
            answer["state"] = state
        joiner = "&" if "?" in redirect else "?"
        return RedirectResponse(f"{redirect}{joiner}{urlencode(answer)}", status_code=302)

    async def oauth_token(request: Request) -> Response:
        await pause()
        if request.headers.get("content-type", "").startswith("application/json"):
            body = await _body(request)
            form = body if isinstance(body, dict) else {}
        else:
            form = await _form(request)
        return _json(*core.oauth_token(form))

    return [
        Route("/v1/auth/accesstokenrequest", token_request, methods=["POST"]),
        Route("/v1/auth/renewaccesstoken", renew, methods=["GET", "POST"]),
        Route("/v1/auth/oauthtoken", oauth_token, methods=["POST"]),
        Route("/auth/oauthtoken", oauth_token, methods=["POST"]),
        Route("/oauth", authorize_page, methods=["GET"]),
        Route("/oauth", authorize, methods=["POST"]),
        Route("/v1/{entity}/{op}", entity, methods=["GET", "POST"]),
    ]
