"""The HTTP API (DESIGN 8.2) on Starlette.

JSON everywhere; a bearer token on every path but ``/v1/health``, compared in constant
time. Bad input answers 400/404/409/422 naming the field; the OpenAPI document is at
``/openapi.json``; ``/v1/events`` streams server-sent events; ``/metrics`` is
Prometheus text.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from ordergate.policy.calendar import parse_duration
from ordergate.runtime import audit_export, cluster, dashboard, logs, paging
from ordergate.runtime.answers import FastJSONResponse, failure
from ordergate.runtime.body import read_json
from ordergate.runtime.connections import BROKER_KINDS
from ordergate.runtime.errors import RequestError
from ordergate.runtime.events import Subscription, TooManySubscribers
from ordergate.runtime.hot_orders import HotOrders, OrderRoutes, check_order_numbers
from ordergate.runtime.openapi import document as openapi_document
from ordergate.runtime.service import Runtime
from ordergate.runtime.webhook_desk import WebhookDesk

# the OAuth callback is reached by the trader's browser, which carries no bearer token;
# its single-use state parameter is what ties it to a draft
PUBLIC_PATHS = ("/v1/health", "/openapi.json", "/v1/oauth/callback")
MAX_LOCK_SECONDS = 366 * 86400
MAX_PAGE = 1000  # orders in one page of the history, and in the answer of a client that does not page

log = logging.getLogger("ordergate.api")


def _json(status: int, body: Any) -> JSONResponse:
    return FastJSONResponse(body, status_code=status)


async def _body(request: Request, *, required: bool = True) -> Any:
    return await read_json(request, required=required)


async def _no_body(request: Request) -> None:
    """Endpoints that take no body still read it through the one reader: bounded and
    timed, and a body that is not JSON is refused rather than silently ignored."""
    await read_json(request, required=False)


def _lock_duration(body: Any) -> None:
    """A duration lock (``6h``, ``90m``) no longer than MAX_LOCK_SECONDS: past that the
    expiry is no useful instant, and far past it no datetime at all."""
    duration = body.get("duration") if isinstance(body, dict) else None
    seconds = parse_duration(duration) if isinstance(duration, str) else None
    if seconds is not None and not 0 < seconds <= MAX_LOCK_SECONDS:
        raise RequestError(
            "duration", f"a lock lasts more than 0 and at most {MAX_LOCK_SECONDS // 86400} days"
        )


def _alert_path(scope: Scope) -> bool:
    """``POST /v1/webhooks/{secret}``: the secret in the URL is the credential. Reading and
    changing a webhook's settings (``GET|PATCH /v1/webhooks/{name}``) needs the token."""
    path = scope["path"]
    return scope.get("method") == "POST" and path.startswith("/v1/webhooks/") and path.count("/") == 3


class Authority:
    """Who may make a request: a bearer token on every path but the public ones, or,
    for a request without an Authorization header, a dashboard session
    (runtime/dashboard/sessions.py: the cookie, and for a change the CSRF header).
    Shared by the Starlette app (``BearerAuth``) and the order routes served straight
    from the server's protocol (runtime/hot_orders.py), so both refuse alike."""

    def __init__(self, tokens: tuple[str, ...]) -> None:
        self.tokens = tuple(t.encode() for t in tokens)
        self.sessions = dashboard.Sessions(tokens)

    def refusal(self, scope: Scope) -> tuple[int, dict[str, Any]] | None:
        """None when ``scope`` may be served; else the status and body that refuse it."""
        path = scope["path"]
        if path in PUBLIC_PATHS or _alert_path(scope) or dashboard.is_public(path):
            return None
        return self.credentials_refusal(scope)

    def credentials_refusal(self, scope: Scope) -> tuple[int, dict[str, Any]] | None:
        """``refusal`` for a path known not to be public (the order routes)."""
        header = b""
        for name, value in scope["headers"]:
            if name == b"authorization":
                header = value
                break
        scheme, _, token = header.partition(b" ")
        if not header and self.sessions.of(scope) is not None:
            return self.sessions.refusal(scope)
        if scheme.lower() != b"bearer" or not token.strip():
            return 401, {"error": "missing bearer token", "field": "Authorization"}
        if not self.valid(token.strip()):
            return 403, {"error": "the bearer token is not valid", "field": "Authorization"}
        return None

    def valid(self, given: bytes) -> bool:
        # compare against every token so the time taken does not tell which one nearly matched
        ok = False
        for t in self.tokens:
            ok |= hmac.compare_digest(given, t)
        return ok


class BearerAuth:
    """Pure ASGI middleware: every HTTP request passes ``authority`` or is refused."""

    def __init__(self, app: ASGIApp, authority: Authority) -> None:
        self.app = app
        self.authority = authority

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        refused = self.authority.refusal(scope) if scope["type"] == "http" else None
        if refused is None:
            await self.app(scope, receive, send)
        else:
            await _json(*refused)(scope, receive, send)


class EventStream:
    """``GET /v1/events`` as a plain ASGI app: each flush of the bus is one write to the
    client, with no per-event work here (runtime/events.py says how the bus batches).

    Two tasks per client: the writer, and a reader that notices the client going away.
    A client that stops reading is dropped by the bus; the writer may then be stuck in
    a write that will never finish, so the connection is aborted outright when the
    server offers it (runtime/server.py puts ``ordergate.abort`` in the scope).
    """

    def __init__(self, runtime: Runtime) -> None:
        self.rt = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        metrics = self.rt.core.metrics
        try:
            async with self.rt.core.bus.subscribe() as sub:
                metrics.sse_subscribers.inc()
                try:
                    await self._stream(sub, scope, receive, send)
                finally:
                    metrics.sse_subscribers.dec()
                    if sub.lagged:
                        metrics.sse_dropped.inc()
                        log.warning("event-stream client %s dropped: it stopped reading", scope.get("client"))
        except TooManySubscribers as exc:
            metrics.http_refused.labels("subscriber_cap").inc()
            await _json(503, {"error": str(exc), "field": "path"})(scope, receive, send)

    async def _stream(self, sub: Subscription, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"text/event-stream"), (b"cache-control", b"no-cache")],
            }
        )
        await send({"type": "http.response.body", "body": b": connected\n\n", "more_body": True})

        async def write() -> None:
            while (chunk := await sub.next_chunk()) is not None:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})

        async def read() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass
            sub.close()

        writer, reader = asyncio.create_task(write()), asyncio.create_task(read())
        abort = scope.get("extensions", {}).get("ordergate.abort", {}).get("abort")

        def dropped() -> None:
            writer.cancel()
            if abort is not None:
                abort()

        sub.on_drop = dropped
        try:
            await asyncio.wait({writer, reader}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (writer, reader):
                task.cancel()
            await asyncio.gather(writer, reader, return_exceptions=True)
        if not sub.lagged:
            with contextlib.suppress(OSError):
                await send({"type": "http.response.body", "body": b"", "more_body": False})


def build_app(runtime: Runtime, authority: Authority | None = None) -> Starlette:
    """The API; ``authority`` decides who may call it (one is made from the config's
    tokens when none is given; runtime/server.py shares its own with the order routes)."""
    rt = runtime
    authority = authority or Authority(rt.config.tokens)
    sessions = authority.sessions
    hooks = WebhookDesk(rt)  # webhook settings and the approval queue (runtime/webhook_desk.py)
    Handler = Callable[[Request], Awaitable[Response]]

    def guarded(fn: Callable[[Request], Awaitable[tuple[int, Any]]]) -> Handler:
        async def endpoint(request: Request) -> Response:
            try:
                status, body = await fn(request)
            except Exception as exc:  # answered as runtime/answers.py says, never a traceback
                status, body = failure(rt.core.metrics, exc, request.method, request.url.path)
            return _json(status, body)

        endpoint.__doc__ = fn.__doc__
        endpoint.__name__ = fn.__name__
        return endpoint

    async def health(request: Request) -> tuple[int, Any]:
        """responses: {200: {description: runtime and policy health}}"""
        return 200, rt.health()

    async def status(request: Request) -> tuple[int, Any]:
        """responses: {200: {description: policy state, connections, counts}}"""
        return 200, rt.status()

    async def accounts(request: Request) -> tuple[int, Any]:
        """responses: {200: {description: every account with positions, P&L and lock}}"""
        return 200, {"accounts": rt.accounts_view()}

    async def account(request: Request) -> tuple[int, Any]:
        """responses: {200: {description: one account}, 404: {description: no such account}}"""
        return 200, rt.account_view(request.path_params["id"])

    async def orders_post(request: Request) -> tuple[int, Any]:
        """responses: {201: {description: allowed and sent}, 403: {description: blocked by the policy}, 422: {description: a field is wrong}, 502: {description: the broker rejected it}, 504: {description: the broker did not answer; the order is unconfirmed}}"""
        body = await _body(request)
        check_order_numbers(body)
        return await rt.gateway.submit(body, "api")

    async def orders_check(request: Request) -> tuple[int, Any]:
        """responses: {200: {description: the decision; nothing is recorded or sent}}"""
        body = await _body(request)
        check_order_numbers(body)
        return await rt.gateway.check(body, "api")

    async def orders_get(request: Request) -> tuple[int, Any]:
        """responses: {200: {description: "open orders; with status=all the history, newest first, in pages of limit that next_cursor continues"}}"""
        q = request.query_params
        account = q.get("account")
        which = q.get("status", "open")
        if which not in ("open", "all"):
            raise RequestError("status", "must be open (working and held orders) or all (the order history)")
        paged = [name for name in ("limit", "cursor") if name in q]
        if which == "open" and paged:
            raise RequestError(paged[0], "pages the order history (status=all); open orders come whole")
        size = paging.limit(q, default=MAX_PAGE, maximum=MAX_PAGE)
        before = paging.order_position(q)
        if account:
            rt.core.account(account, "account")
        if which == "open":
            return 200, {"orders": rt.core.store.open_orders(account), "next_cursor": None}
        rows = rt.core.store.order_history(account, size + 1, before)
        orders, next_cursor = paging.page(rows, size, paging.order_cursor)
        return 200, {"orders": orders, "next_cursor": next_cursor}

    async def orders_delete(request: Request) -> tuple[int, Any]:
        """responses: {200: {description: cancelled}, 404: {description: no open order}}"""
        await _no_body(request)
        return 200, {"order": await rt.gateway.cancel(request.path_params["id"])}

    async def flatten(request: Request) -> tuple[int, Any]:
        """responses: {200: {description: flatten report}}"""
        await _no_body(request)
        return 200, await rt.flatten(request.path_params["id"])

    async def lock(request: Request) -> tuple[int, Any]:
        """responses: {200: {description: the locked account}}"""
        body = await _body(request, required=False)
        _lock_duration(body)
        return 200, await rt.lock(request.path_params["id"], body)

    async def unlock(request: Request) -> tuple[int, Any]:
        """responses: {200: {description: unlocked}, 409: {description: an enforced lock has not expired}}"""
        await _no_body(request)
        return 200, await rt.unlock(request.path_params["id"])

    async def enable(request: Request) -> tuple[int, Any]:
        """responses: {200: {description: enabled}}"""
        return 200, await rt.set_enabled(
            request.path_params["id"], True, await _body(request, required=False)
        )

    async def disable(request: Request) -> tuple[int, Any]:
        """responses: {200: {description: disabled}, 409: {description: open positions; confirm to disable}}"""
        return 200, await rt.set_enabled(
            request.path_params["id"], False, await _body(request, required=False)
        )

    async def resume(request: Request) -> tuple[int, Any]:
        """responses: {200: {description: automation resumed}}"""
        await _no_body(request)
        return 200, await rt.resume(request.path_params["id"])

    async def kill_switch(request: Request) -> tuple[int, Any]:
        """responses: {200: {description: per-account flatten and lock report}, 400: {description: confirm is not FLATTEN}}"""
        return 200, await rt.kill_switch(await _body(request))

    async def webhook(request: Request) -> tuple[int, Any]:
        """responses: {201: {description: allowed and sent}, 202: {description: queued for approval}, 207: {description: "accounts: each account's answer, and they differ"}, 403: {description: blocked, or not from an allowed address}, 404: {description: unknown webhook}, 422: {description: a field refused, or a ticker not allowed}}"""
        peer = request.client.host if request.client else None
        hook, body, answer = await hooks.receive(
            request.path_params["secret"], peer, request.headers, lambda: _body(request)
        )
        logs.webhook(hook.name, ",".join(hook.targets()), body, answer[0])
        return answer

    async def webhooks_list(request: Request) -> tuple[int, Any]:
        """responses: {200: {description: "webhooks with their settings and the accounts they trade, live or paper (never the secret)"}}"""
        return 200, {"webhooks": hooks.views()}

    async def webhook_get(request: Request) -> tuple[int, Any]:
        """responses: {200: {description: one webhook's settings}, 404: {description: no such webhook}}"""
        return 200, hooks.view(hooks.named(request.path_params["name"]))

    async def webhook_update(request: Request) -> tuple[int, Any]:
        """responses: {200: {description: "settings changed (accounts, mode, tickers, allow_ips, trusted_proxies, approval); kept over the config file's"}, 409: {description: a mode or account that names no account}}"""
        return 200, hooks.update(request.path_params["name"], await _body(request))

    async def signals(request: Request) -> tuple[int, Any]:
        """responses: {200: {description: "the approval queue, newest first; status=pending|approved|rejected|expired"}}"""
        return 200, {"signals": hooks.queue.list(request.query_params.get("status"))}

    async def signal(request: Request) -> tuple[int, Any]:
        """responses: {200: {description: one signal}, 404: {description: no such signal}}"""
        return 200, {"signal": hooks.queue.get(request.path_params["id"])}

    async def signal_approve(request: Request) -> tuple[int, Any]:
        """responses: {201: {description: approved; the alert's answer, decided now}, 403: {description: approved and blocked}, 409: {description: expired, rejected or approved already}}"""
        await _no_body(request)
        return await hooks.approve(request.path_params["id"])

    async def signal_reject(request: Request) -> tuple[int, Any]:
        """responses: {200: {description: rejected; never sent}, 409: {description: not pending}}"""
        await _no_body(request)
        return 200, hooks.reject(request.path_params["id"])

    async def paper_quotes(request: Request) -> tuple[int, Any]:
        """responses: {200: {description: quote applied}, 409: {description: no manual paper feed}}"""
        return 200, await rt.set_paper_quote(await _body(request))

    async def decisions(request: Request) -> tuple[int, Any]:
        """responses: {200: {description: "the audit log, newest first, in pages of limit that next_cursor continues"}}"""
        q = request.query_params
        account = q.get("account")
        size = paging.limit(q, default=100, maximum=10_000)
        before = paging.decision_position(q)
        if account:
            rt.core.account(account, "account")
        rows = rt.core.store.decisions(account, size + 1, before)
        entries, next_cursor = paging.page(rows, size, paging.decision_cursor)
        return 200, {"decisions": entries, "next_cursor": next_cursor}

    async def decisions_export(request: Request) -> tuple[int, Any]:
        """responses: {200: {description: "decisions with their inputs, oldest first, for a replay; next_after continues"}}"""
        return 200, audit_export.api_page(rt.core.store, request.query_params)

    async def metrics(request: Request) -> Response:
        """responses: {200: {description: Prometheus text format}}"""
        return Response(rt.core.metrics.render(), media_type="text/plain; version=0.0.4")

    async def connections(request: Request) -> tuple[int, Any]:
        """responses: {200: {description: connections with status, last heartbeat and accounts}}"""
        return 200, {"connections": rt.connections.views()}

    async def brokers(request: Request) -> tuple[int, Any]:
        """responses: {200: {description: broker kinds and what step 2 asks for}}"""
        return 200, {
            "brokers": [
                {"broker": k.name, "label": k.label, "fields": list(k.fields), "available": k.available}
                for k in BROKER_KINDS.values()
            ]
        }

    async def connection(request: Request) -> tuple[int, Any]:
        """responses: {200: {description: one connection}, 404: {description: no such connection}}"""
        return 200, rt.connections.view(request.path_params["name"])

    async def connection_open(request: Request) -> tuple[int, Any]:
        """responses: {201: {description: step 1, a draft named (default from the broker)}}"""
        return 201, rt.connections.open_draft(await _body(request))

    async def connection_authenticate(request: Request) -> tuple[int, Any]:
        """responses: {200: {description: step 2, accounts discovered with balance and equity}, 409: {description: refused}}"""
        base = str(request.base_url).rstrip("/")
        body = await _body(request, required=False)
        return 200, await rt.connections.authenticate(request.path_params["draft"], body, base_url=base)

    async def connection_select(request: Request) -> tuple[int, Any]:
        """responses: {201: {description: step 3, the connection with the accounts imported}, 409: {description: plan limit}}"""
        return 201, await rt.connections.select(
            request.path_params["draft"], await _body(request, required=False)
        )

    async def connection_refresh(request: Request) -> tuple[int, Any]:
        """responses: {200: {description: accounts discovered again; new ones imported}}"""
        await _no_body(request)
        return 200, await rt.connections.refresh(request.path_params["name"])

    async def connection_rename(request: Request) -> tuple[int, Any]:
        """responses: {200: {description: renamed}}"""
        return 200, await rt.connections.rename(request.path_params["name"], await _body(request))

    async def connection_reconnect(request: Request) -> tuple[int, Any]:
        """responses: {200: {description: reconnecting, also out of the error state}}"""
        await _no_body(request)
        return 200, await rt.connections.reconnect(request.path_params["name"])

    async def connection_update(request: Request) -> tuple[int, Any]:
        """responses: {200: {description: execution mode or connection mode changed}}"""
        return 200, rt.connections.update(request.path_params["name"], await _body(request))

    async def connection_delete(request: Request) -> tuple[int, Any]:
        """responses: {200: {description: deleted}, 400: {description: not confirmed}, 409: {description: accounts in copy groups}}"""
        return 200, await rt.connections.delete(
            request.path_params["name"], await _body(request, required=False)
        )

    async def account_update(request: Request) -> tuple[int, Any]:
        """responses: {200: {description: nickname changed}}"""
        return 200, rt.set_nickname(request.path_params["id"], await _body(request))

    async def account_delete(request: Request) -> tuple[int, Any]:
        """responses: {200: {description: the account is disconnected}, 409: {description: open positions or copy groups}}"""
        return 200, rt.disconnect_account(request.path_params["id"], await _body(request, required=False))

    async def copy_groups(request: Request) -> tuple[int, Any]:
        """responses: {200: {description: copy-trading groups}}"""
        return 200, {"groups": [g.to_dict() for g in rt.copier.groups.values()]}

    async def copy_group_create(request: Request) -> tuple[int, Any]:
        """responses: {201: {description: the group}}"""
        return 201, rt.copier.create(await _body(request))

    async def copy_group_delete(request: Request) -> tuple[int, Any]:
        """responses: {200: {description: deleted}}"""
        await _no_body(request)
        return 200, rt.copier.delete(request.path_params["name"])

    async def paper_feed(request: Request) -> tuple[int, Any]:
        """responses: {200: {description: the paper link cut or restored}}"""
        return 200, await rt.set_paper_feed(await _body(request))

    async def oauth_callback(request: Request) -> tuple[int, Any]:
        """responses: {200: {description: authorized}, 404: {description: unknown or used state}}"""
        q = request.query_params
        return 200, await rt.connections.oauth_callback(q.get("state"), q.get("code"), q.get("error"))

    async def openapi(request: Request) -> Response:
        return JSONResponse(openapi_document(request.app.routes, PUBLIC_PATHS))

    routes = [
        Route("/v1/health", guarded(health), methods=["GET"]),
        Route("/v1/status", guarded(status), methods=["GET"]),
        Route("/v1/accounts", guarded(accounts), methods=["GET"]),
        Route("/v1/accounts/{id}", guarded(account), methods=["GET"]),
        Route("/v1/accounts/{id}/flatten", guarded(flatten), methods=["POST"]),
        Route("/v1/accounts/{id}/lock", guarded(lock), methods=["POST"]),
        Route("/v1/accounts/{id}/unlock", guarded(unlock), methods=["POST"]),
        Route("/v1/accounts/{id}/enable", guarded(enable), methods=["POST"]),
        Route("/v1/accounts/{id}/disable", guarded(disable), methods=["POST"]),
        Route("/v1/accounts/{id}/resume", guarded(resume), methods=["POST"]),
        Route("/v1/orders", guarded(orders_post), methods=["POST"]),
        Route("/v1/orders", guarded(orders_get), methods=["GET"]),
        Route("/v1/orders/check", guarded(orders_check), methods=["POST"]),
        Route("/v1/orders/{id}", guarded(orders_delete), methods=["DELETE"]),
        Route("/v1/kill-switch", guarded(kill_switch), methods=["POST"]),
        Route("/v1/webhooks/{secret}", guarded(webhook), methods=["POST"]),
        Route("/v1/webhooks", guarded(webhooks_list), methods=["GET"]),
        Route("/v1/webhooks/{name}", guarded(webhook_get), methods=["GET"]),
        Route("/v1/webhooks/{name}", guarded(webhook_update), methods=["PATCH"]),
        Route("/v1/signals", guarded(signals), methods=["GET"]),
        Route("/v1/signals/{id}", guarded(signal), methods=["GET"]),
        Route("/v1/signals/{id}/approve", guarded(signal_approve), methods=["POST"]),
        Route("/v1/signals/{id}/reject", guarded(signal_reject), methods=["POST"]),
        Route("/v1/paper/quotes", guarded(paper_quotes), methods=["POST"]),
        Route("/v1/decisions", guarded(decisions), methods=["GET"]),
        Route("/v1/decisions/export", guarded(decisions_export), methods=["GET"]),
        Route("/v1/brokers", guarded(brokers), methods=["GET"]),
        Route("/v1/connections", guarded(connections), methods=["GET"]),
        Route("/v1/connections", guarded(connection_open), methods=["POST"]),
        Route(
            "/v1/connections/drafts/{draft}/authenticate", guarded(connection_authenticate), methods=["POST"]
        ),
        Route("/v1/connections/drafts/{draft}/accounts", guarded(connection_select), methods=["POST"]),
        Route("/v1/connections/{name}", guarded(connection), methods=["GET"]),
        Route("/v1/connections/{name}", guarded(connection_update), methods=["PATCH"]),
        Route("/v1/connections/{name}", guarded(connection_delete), methods=["DELETE"]),
        Route("/v1/connections/{name}/refresh", guarded(connection_refresh), methods=["POST"]),
        Route("/v1/connections/{name}/rename", guarded(connection_rename), methods=["POST"]),
        Route("/v1/connections/{name}/reconnect", guarded(connection_reconnect), methods=["POST"]),
        Route("/v1/accounts/{id}", guarded(account_update), methods=["PATCH"]),
        Route("/v1/accounts/{id}", guarded(account_delete), methods=["DELETE"]),
        Route("/v1/copy-groups", guarded(copy_groups), methods=["GET"]),
        Route("/v1/copy-groups", guarded(copy_group_create), methods=["POST"]),
        Route("/v1/copy-groups/{name}", guarded(copy_group_delete), methods=["DELETE"]),
        Route("/v1/paper/feed", guarded(paper_feed), methods=["POST"]),
        Route("/v1/oauth/callback", guarded(oauth_callback), methods=["GET"]),
        Route("/v1/events", EventStream(rt), methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
        Route("/openapi.json", openapi, methods=["GET"], include_in_schema=False),
        *dashboard.routes(rt, sessions),  # the web dashboard at / (runtime/dashboard)
    ]

    async def not_found(request: Request, exc: Exception) -> Response:
        return _json(404, {"error": f"no such path {request.url.path}", "field": "path"})

    async def not_allowed(request: Request, exc: Exception) -> Response:
        return _json(
            405, {"error": f"{request.method} is not allowed on {request.url.path}", "field": "method"}
        )

    return Starlette(
        routes=routes,
        # clustered: behind the token check, requests for an account another instance hosts
        # are forwarded there (runtime/cluster/forward.py)
        middleware=[
            Middleware(BearerAuth, authority=authority),
            *cluster.middleware(rt),
            # innermost: the order routes without the router (runtime/hot_orders.py)
            Middleware(HotOrders, routes=OrderRoutes(rt)),
        ],
        exception_handlers={404: not_found, 405: not_allowed},
    )
