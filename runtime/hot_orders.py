"""``POST /v1/orders`` and ``POST /v1/orders/check`` as a plain ASGI app.

These two routes carry nearly all of the API's traffic. Through Starlette each request
pays for a walk of the route table (a regular expression per route until one matches),
three middleware layers, a ``Request`` and a ``Response`` object and the standard
library's JSON: about a third of the CPU an order costs. Here a request that names one
of the two paths goes straight to the gateway; every other request passes on to the
router unchanged. It is the innermost middleware of the Starlette app (runtime/api.py):
the bearer token is checked before it, and so is a cluster's forwarding of an order to
the instance that hosts its account.

What an order meets here is what it meets there: the same body reader and its bounds
(runtime/body.py), the same checks of prices and quantity, the same gateway calls and
the same answers to every failure (runtime/answers.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from ordergate.runtime.answers import encode, failure
from ordergate.runtime.body import parse_required, read_asgi
from ordergate.runtime.service import Runtime

__all__ = ["HotOrders"]

Handler = Callable[[Any], Awaitable[tuple[int, dict[str, Any]]]]
JSON_TYPE = (b"content-type", b"application/json")


class HotOrders:
    """The order routes in front of ``app``; ``check_body`` is the API's own check of
    prices and quantity (runtime/api.py ``_order_numbers``)."""

    def __init__(self, app: ASGIApp, runtime: Runtime, check_body: Callable[[Any], None]) -> None:
        self.app = app
        self.rt = runtime
        self.check_body = check_body
        gateway = runtime.gateway
        self.routes: dict[str, Handler] = {
            "/v1/orders": lambda body: gateway.submit(body, "api"),
            "/v1/orders/check": lambda body: gateway.check(body, "api"),
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        handler = self.routes.get(scope.get("path", "")) if scope["type"] == "http" else None
        if handler is None or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        try:
            body = parse_required(await read_asgi(scope["headers"], receive))
            self.check_body(body)
            status, answer = await handler(body)
        except Exception as exc:
            status, answer = failure(self.rt.core.metrics, exc, "POST", scope["path"])
        data = encode(answer)
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-length", str(len(data)).encode()), JSON_TYPE],
            }
        )
        await send({"type": "http.response.body", "body": data})
