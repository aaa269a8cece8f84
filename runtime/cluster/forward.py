"""Forwarding account-scoped requests to the instance that hosts the account.

A pure ASGI middleware behind the bearer check (runtime/api.py adds it only when the
runtime is clustered). A write for one account (an order, a check, a cancel, a lock,
unlock, flatten, enable, disable, resume, a webhook alert or a change of a webhook's
settings, which the instance saving them announces to all) and a read of one account that
arrives at an instance not hosting the account's connection is sent over HTTP to the holder's
advertised address, with the caller's own headers (every instance takes the config's
tokens), and the holder's answer is relayed unchanged. When no instance holds the
connection the answer is 503 with ``Retry-After``: another instance takes it over
within a lease's time. A forwarded request carries ``X-Ordergate-Forwarded``; an
instance never forwards such a request again (a lease that moved in between gets a
503 and the caller retries), so a request can never circle.

Requests about every account gather the instances' answers: the kill switch
(runtime/cluster/kill_switch.py) and the account list; the connection list is every
connection of the deployment with its holder.
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote

from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ordergate.runtime.body import BODY_TIMEOUT_SECONDS, MAX_BODY_BYTES
from ordergate.runtime.cluster.kill_switch import gathered_accounts, kill_switch_everywhere
from ordergate.runtime.cluster.relay import RelayError

if TYPE_CHECKING:
    from ordergate.policy.models import WebhookConfig
    from ordergate.runtime.cluster.node import Cluster
    from ordergate.runtime.service import Runtime

FORWARDED = "x-ordergate-forwarded"
RETRY_AFTER_SECONDS = 2
ACCOUNT_PATH = re.compile(r"^/v1/accounts/([^/]+)(?:/(lock|unlock|flatten|enable|disable|resume))?$")
ORDER_PATH = re.compile(r"^/v1/orders/([^/]+)$")
# POST: an alert, its secret the credential; PATCH: a webhook's settings, by name
WEBHOOK_PATH = re.compile(r"^/v1/webhooks/[^/]+$")
QUERY_READS = ("/v1/orders", "/v1/decisions")  # ?account= reads that need the account in memory
HOP_HEADERS = {b"host", b"content-length", b"connection", b"transfer-encoding", b"keep-alive"}


class Forwarder:
    def __init__(self, app: ASGIApp, runtime: Runtime) -> None:
        self.app = app
        self.rt = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        cluster = self.rt.cluster
        if scope["type"] != "http" or cluster is None or cluster.http is None:
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        forwarded = any(k == FORWARDED.encode() for k, _ in scope["headers"])
        body: bytes | None = None
        if method == "POST" and path in ("/v1/orders", "/v1/orders/check", "/v1/kill-switch"):
            body = await _read(receive)
            if body is None:
                await _answer(408, f"the body did not arrive within {BODY_TIMEOUT_SECONDS:g} s", "body")(
                    scope, receive, send
                )
                return
            receive = _replay(body, receive)
        if not forwarded:
            gathered = await self._gathered(cluster, scope, method, path, body)
            if gathered is not None:
                await gathered(scope, receive, send)
                return
        if method in ("POST", "PATCH") and not forwarded and WEBHOOK_PATH.match(path):
            named = unquote(path.rsplit("/", 1)[1])
            if method == "POST":
                routed = await self._webhook_target(cluster, named)
            else:
                routed = await self._settings_target(cluster, named)
            if isinstance(routed, Response):
                await routed(scope, receive, send)
                return
            if routed is not None:
                holder, address = routed
                body = await _read(receive) or b""
                await (await self._forward(cluster, scope, address, holder, body))(scope, receive, send)
                return
        await self._by_account(cluster, scope, receive, send, body, forwarded)

    async def _by_account(
        self,
        cluster: Cluster,
        scope: Scope,
        receive: Receive,
        send: Send,
        body: bytes | None,
        forwarded: bool,
    ) -> None:
        """Here when the account is hosted here (or unknown), else to its holder."""
        account = await self._account_of(cluster, scope, scope["method"], scope["path"], body)
        if account is None or account in self.rt.core.accounts:
            await self.app(scope, receive, send)
            return
        connection, lease, address = await cluster.locate(account)
        if connection is None or (lease is not None and lease.holder == cluster.id):
            await self.app(scope, receive, send)  # unknown here (404), or being hosted right now
            return
        if lease is None or not lease.live or address is None:
            response = _unavailable(
                f"no instance holds connection {connection} of account {account} right now; "
                "another instance takes it over within 15 s"
            )
        elif forwarded:
            response = _unavailable(
                f"account {account} moved to instance {lease.holder} while this request was forwarded"
            )
        else:
            if body is None:
                body = await _read(receive) or b""
            response = await self._forward(cluster, scope, address, lease.holder, body)
        await response(scope, receive, send)

    async def _gathered(
        self, cluster: Cluster, scope: Scope, method: str, path: str, body: bytes | None
    ) -> Response | None:
        if method == "POST" and path == "/v1/kill-switch" and body is not None:
            parsed = _json(body)
            if not isinstance(parsed, dict) or parsed.get("confirm") != "FLATTEN":
                return None  # the route answers 400 naming the field
            answer = await kill_switch_everywhere(self.rt, cluster, parsed, _headers(scope, cluster.id))
            return JSONResponse(answer)
        if method == "GET" and path == "/v1/connections":  # every connection, and who holds it
            return JSONResponse({"connections": self.rt.status()["connections"]})
        if method == "GET" and path == "/v1/accounts":
            return JSONResponse(
                {"accounts": await gathered_accounts(self.rt, cluster, _headers(scope, cluster.id))}
            )
        return None

    async def _webhook_target(self, cluster: Cluster, secret: str) -> Response | tuple[str, str] | None:
        """Where an alert goes: None to answer here (an account hosted here, an unknown
        webhook or account: the route says so), the holder's (id, address) when one other
        instance hosts every account the webhook trades, or a refusal."""
        from ordergate.runtime.errors import RequestError
        from ordergate.runtime.webhook_desk import WebhookDesk

        try:  # settings read from the store now: another instance may have changed them
            hook = WebhookDesk(self.rt).by_secret(secret)
        except RequestError:
            return None
        routed = await self._hook_holder(cluster, hook)
        if not isinstance(routed, tuple):
            return routed
        holder, address = routed
        if hook.allow_ips is not None:  # the holder would see this instance's address, not the sender's
            return _answer(
                409,
                f"webhook {hook.name} has an IP allow-list and its accounts are hosted by instance {holder}: "
                f"send its alerts to {address}",
                "ip",
            )
        return holder, address

    async def _settings_target(self, cluster: Cluster, name: str) -> Response | tuple[str, str] | None:
        """Where a change of webhook ``name``'s settings goes: to the instance hosting the
        accounts it trades, which can check the new settings against them (and then tells
        every instance to re-read them); None to answer here."""
        from ordergate.runtime.errors import RequestError
        from ordergate.runtime.webhook_desk import WebhookDesk

        try:
            hook = WebhookDesk(self.rt).named(name)
        except RequestError:
            return None
        return await self._hook_holder(cluster, hook)

    async def _hook_holder(self, cluster: Cluster, hook: WebhookConfig) -> Response | tuple[str, str] | None:
        """The (id, address) of the one other instance hosting every account ``hook``
        trades; None when one is hosted here or unknown; a refusal otherwise."""
        names = hook.targets()
        if any(n in self.rt.core.accounts or n in self.rt.connections.specs for n in names):
            return None
        holders: set[tuple[str, str]] = set()
        for name in names:
            connection, lease, address = await cluster.locate(name)
            if connection is None:  # a webhook may name a connection: its live or paper account
                lease, address = await cluster.locate_connection(name)
                connection = name if lease is not None else None
            if connection is None:
                return None
            if lease is None or not lease.live or address is None:
                return _unavailable(
                    f"no instance holds connection {connection}, which webhook {hook.name} trades, right now; "
                    "another instance takes it over within 15 s"
                )
            if lease.holder == cluster.id:
                return None
            holders.add((lease.holder, address))
        if len(holders) != 1:
            return _answer(
                409,
                f"webhook {hook.name} trades accounts hosted by different instances "
                f"({', '.join(sorted(h for h, _ in holders))}); give each instance's accounts a webhook of their own",
                "account",
            )
        return holders.pop()

    async def _account_of(
        self, cluster: Cluster, scope: Scope, method: str, path: str, body: bytes | None
    ) -> str | None:
        if body is not None and path != "/v1/kill-switch":
            parsed = _json(body)
            account = parsed.get("account") if isinstance(parsed, dict) else None
            return account if isinstance(account, str) else None
        if m := ACCOUNT_PATH.match(path):
            action = m.group(2)
            if (method == "POST" and action) or (method in ("GET", "PATCH", "DELETE") and not action):
                return unquote(m.group(1))
            return None
        if method == "DELETE" and (m := ORDER_PATH.match(path)):
            order_id = unquote(m.group(1))
            view = self.rt.core.orders.get(order_id)
            return str(view["account"]) if view is not None else await cluster.order_account(order_id)
        if method == "GET" and path in QUERY_READS:
            wanted = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("account")
            return wanted[0] if wanted else None
        return None

    async def _forward(
        self, cluster: Cluster, scope: Scope, address: str, holder: str, body: bytes
    ) -> Response:
        query = scope.get("query_string", b"").decode("latin-1")
        target = scope["raw_path"].decode("latin-1") if scope.get("raw_path") else scope["path"]
        target += f"?{query}" if query else ""
        try:
            status, headers, content = await cluster.relay.request(
                scope["method"], address, target, list(_headers(scope, cluster.id).items()), body
            )
        except RelayError as exc:
            return _unavailable(
                f"instance {holder}, which holds the account's connection, did not answer: {exc}"
            )
        kept = {k: v for k, v in headers if k in ("content-type", "retry-after")}
        return Response(content, status_code=status, headers=kept)


def _headers(scope: Scope, ident: str) -> dict[str, str]:
    out = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"] if k not in HOP_HEADERS}
    out[FORWARDED] = ident
    return out


async def _read(receive: Receive) -> bytes | None:
    """The whole body (at most one byte past the API's limit, which the route refuses),
    or None when it does not arrive in time."""
    chunks: list[bytes] = []
    size = 0

    async def read() -> None:
        nonlocal size
        while size <= MAX_BODY_BYTES:
            message = await receive()
            if message["type"] != "http.request":
                return
            chunk = message.get("body", b"")
            chunks.append(chunk)
            size += len(chunk)
            if not message.get("more_body", False):
                return

    try:
        await asyncio.wait_for(read(), BODY_TIMEOUT_SECONDS)
    except TimeoutError:
        return None
    return b"".join(chunks)


def _replay(body: bytes, then: Receive) -> Receive:
    """The body read here, once, for the route; then the connection's own messages
    (its disconnect)."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return await then()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return None  # the route refuses it with the field named


def _answer(status: int, message: str, field: str) -> Response:
    return JSONResponse({"error": message, "field": field}, status_code=status)


def _unavailable(message: str) -> Response:
    return JSONResponse(
        {"error": message, "field": "account"},
        status_code=503,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )
