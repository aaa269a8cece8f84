"""``POST /v1/orders`` and ``POST /v1/orders/check``, outside the Starlette router.

These two routes carry nearly all of the API's traffic, and each request through
Starlette pays for a walk of the route table, three middleware layers, a ``Request``
and a ``Response`` object; through ASGI, for the message dictionaries and the checks of
uvicorn's ``send``. So they are served two ways, with one body of code behind both
(``OrderRoutes``):

- ``DirectOrders``: the runtime's own server (runtime/server.py) hands it a request for
  one of the two paths as soon as uvicorn has parsed its headers, and it answers on the
  connection itself. This is how ``ordergate run`` serves them, unless the runtime is
  clustered: there an order may belong to an account another instance hosts, and the
  forwarding middleware (runtime/cluster/forward.py) must see it.
- ``HotOrders``: the innermost middleware of the Starlette app (runtime/api.py), for an
  app served without that server (in a cluster, and in process), behind the token
  check and the forwarding.

What an order meets is the same either way: the same refusal of a missing or wrong
token or session (``api.Authority``), the same body reader and its bounds
(runtime/body.py), the same checks of prices and quantity, the same gateway calls and
the same answers to every failure (runtime/answers.py), byte for byte.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, RequestResponseCycle

from ordergate.runtime.answers import encode, failure
from ordergate.runtime.body import parse_required, read_asgi
from ordergate.runtime.errors import RequestError
from ordergate.runtime.prices import check_price
from ordergate.runtime.service import Runtime
from ordergate.runtime.webhook import MAX_QTY

if TYPE_CHECKING:
    from ordergate.runtime.api import Authority

__all__ = ["DirectOrders", "HotOrders", "OrderRoutes", "check_order_numbers"]

Handler = Callable[[Any], Awaitable[tuple[int, dict[str, Any]]]]
JSON_TYPE = (b"content-type", b"application/json")


def check_order_numbers(body: Any) -> None:
    """Limit and stop prices checked at the boundary (finite, > 0, at most MAX_PRICE;
    the tick grid is the gateway's, which knows the contract), and the quantity within
    MAX_QTY, so that price × qty × point value stays finite."""
    if not isinstance(body, dict):
        return
    for key in ("price", "stop_price"):
        if body.get(key) is not None:
            check_price(body[key], key)
    qty = body.get("qty")
    if isinstance(qty, int | float) and not isinstance(qty, bool) and qty > MAX_QTY:
        raise RequestError("qty", f"must be at most {MAX_QTY:,} contracts, not {qty:g}")


class OrderRoutes:
    """The two routes: which request is theirs, and its answer."""

    def __init__(self, runtime: Runtime) -> None:
        self.rt = runtime
        gateway = runtime.gateway
        self.handlers: dict[str, Handler] = {
            "/v1/orders": lambda body: gateway.submit(body, "api"),
            "/v1/orders/check": lambda body: gateway.check(body, "api"),
        }

    def handler(self, scope: Scope) -> Handler | None:
        """The handler of an HTTP request for one of the two routes, else None."""
        return self.handlers.get(scope["path"]) if scope["method"] == "POST" else None

    async def answer(self, handler: Handler, scope: Scope, receive: Receive) -> tuple[int, bytes]:
        """The status and encoded body that answer the request; never raises for it."""
        try:
            body = parse_required(await read_asgi(scope["headers"], receive))
            check_order_numbers(body)
            status, answer = await handler(body)
        except Exception as exc:
            status, answer = failure(self.rt.core.metrics, exc, "POST", scope["path"])
        return status, encode(answer)


class HotOrders:
    """The order routes as ASGI middleware in front of ``app``."""

    def __init__(self, app: ASGIApp, routes: OrderRoutes) -> None:
        self.app = app
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        handler = self.routes.handler(scope) if scope["type"] == "http" else None
        if handler is None:
            await self.app(scope, receive, send)
            return
        status, data = await self.routes.answer(handler, scope, receive)
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-length", str(len(data)).encode()), JSON_TYPE],
            }
        )
        await send({"type": "http.response.body", "body": data})


class DirectOrders:
    """The order routes answered on uvicorn's request cycle, with no ASGI app between.

    ``serve`` does for one request what uvicorn's ``run_asgi`` and ``send`` would: the
    status line, uvicorn's default headers (``date``, ``server``), the length and type,
    ``connection: close`` when the connection is not kept alive, waiting while the
    client's socket is full, nothing at all once the client has gone, then the next
    pipelined request or the keep-alive timer (``on_response``). ``started`` is told as
    the handling begins (runtime/group_commit.py counts it, as the ASGI path does), and
    ``idle`` once no order is being served any more (the server collects garbage then).
    """

    def __init__(
        self,
        routes: OrderRoutes,
        authority: Authority,
        started: Callable[[], None],
        idle: Callable[[], None],
    ) -> None:
        self.routes = routes
        self.authority = authority
        self.started = started
        self.idle = idle
        self.serving = 0  # orders being served now
        # the routes' own, bound once: the server asks it of every request
        self.handler: Callable[[Scope], Handler | None] = routes.handler

    async def serve(self, cycle: RequestResponseCycle, handler: Handler) -> None:
        self.started()
        self.serving += 1
        scope: Any = cycle.scope
        try:
            refused = self.authority.credentials_refusal(scope)  # neither route is public
            if refused is None:
                receive: Any = cycle.receive  # uvicorn's own types for its ASGI events
                status, data = await self.routes.answer(handler, scope, receive)
            else:
                status, data = refused[0], encode(refused[1])
            if cycle.flow.write_paused and not cycle.disconnected:
                await cycle.flow.drain()  # the client's socket is full: wait until it reads
            _write(cycle, status, data)
        except Exception as exc:  # a defect here: logged, and answered as any other route's
            status, answer = failure(self.routes.rt.core.metrics, exc, "POST", scope["path"])
            if cycle.response_started:
                cycle.transport.close()
            else:
                cycle.keep_alive = False
                if cycle.flow.write_paused and not cycle.disconnected:
                    await cycle.flow.drain()
                _write(cycle, status, encode(answer))
        except BaseException:  # cancelled as the server stops
            cycle.transport.close()
            raise
        finally:
            cycle.on_response = _nothing  # the next pipelined request starts once, in _write
            self.serving -= 1
            if not self.serving:
                self.idle()


def _nothing() -> None:
    pass


# uvicorn's default headers (``date``, ``server``) and their bytes in a response head:
# uvicorn replaces the list when the date changes, once a second, and only then are the
# bytes made again. The list is held, so that its identity cannot pass to another.
_default_head: tuple[list[tuple[bytes, bytes]], bytes] = ([], b"")


def _write(cycle: RequestResponseCycle, status: int, data: bytes) -> None:
    """The response, in one write, unless the client has gone (its caller has waited out
    a full socket): what uvicorn's ``send`` writes for these headers, and its bookkeeping."""
    global _default_head
    if cycle.disconnected:
        return
    cycle.response_started = True
    cycle.waiting_for_100_continue = False
    defaults, head = _default_head
    if defaults is not cycle.default_headers:
        defaults = cycle.default_headers
        head = b"".join(b"%s: %s\r\n" % (name, value) for name, value in defaults)
        _default_head = (defaults, head)
    cycle.transport.write(
        b"%s%scontent-length: %d\r\ncontent-type: application/json\r\n%s\r\n%s"
        % (
            STATUS_LINE[status],
            head,
            len(data),
            b"" if cycle.keep_alive else b"connection: close\r\n",
            data,
        )
    )
    cycle.response_complete = True
    cycle.message_event.set()
    if not cycle.keep_alive:
        cycle.transport.close()
    cycle.on_response()
