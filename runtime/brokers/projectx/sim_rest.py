"""The ProjectX simulator's REST face: every ``/api/...`` endpoint, as the gateway answers.

Each endpoint is a POST with a JSON body. Before the handler runs: the token (``Bearer``
header; 401 without a live session), the rate limit (429 with ``Retry-After``), the
exchange's latency fault, and the body (400 with ASP.NET's validation-problem shape
when it does not fit). A handler answers the payload field, or ``success: false`` with
the endpoint's ``errorCode``.
"""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from ordergate.runtime.brokers.errors import BrokerRejected, OrderNotOpen
from ordergate.runtime.brokers.projectx.errorcodes import code_for
from ordergate.runtime.brokers.projectx.models import (
    ENDPOINTS,
    UNIT_SECONDS,
    AccountRef,
    AccountSearch,
    Bar,
    CloseContract,
    ContractAvailable,
    ContractById,
    ContractSearch,
    Endpoint,
    LoginKey,
    ModifyOrder,
    OrderRef,
    OrderSide,
    OrderType,
    PartialClose,
    PlaceOrder,
    RetrieveBars,
    TimeRange,
    parse_timestamp,
    timestamp,
)
from ordergate.runtime.brokers.projectx.sim_book import OPEN_STATUSES
from ordergate.runtime.brokers.projectx.sim_core import Session, SimCore

Answer = dict[str, Any]
Handler = Callable[[SimCore, Session | None, Any], Answer]


class Failed(Exception):
    """A ``success: false`` answer with the endpoint's error code."""

    def __init__(self, table: str, name: str, message: str) -> None:
        super().__init__(message)
        self.code = code_for(table, name)
        self.message = message


def ok(**payload: Any) -> Answer:
    return {**payload, "success": True, "errorCode": 0, "errorMessage": None}


def bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _account(core: SimCore, account_id: int, table: str = "search") -> str:
    name = core.book.accounts.get(account_id)
    if name is None:
        raise Failed(table, "AccountNotFound", f"account {account_id} not found")
    return name


# ---- handlers: (core, session, body) → payload


def login_key(core: SimCore, _s: Session | None, body: LoginKey) -> Answer:
    token = core.login(body.user_name, body.api_key)
    if token is None:
        raise Failed("login", "InvalidCredentials", "invalid user name or API key")
    return ok(token=token)


def validate(core: SimCore, session: Session | None, _b: None) -> Answer:
    assert session is not None
    return ok(newToken=core.validate(session))


def logout(core: SimCore, session: Session | None, _b: None) -> Answer:
    assert session is not None
    core.end(session)
    return ok()


def account_search(core: SimCore, _s: Session | None, body: AccountSearch) -> Answer:
    accounts = [core.book.account(i).wire() for i in core.book.accounts]
    return ok(accounts=[a for a in accounts if a["canTrade"] or not body.only_active_accounts])


def contract_search(core: SimCore, _s: Session | None, body: ContractSearch) -> Answer:
    return ok(contracts=[c.wire() for c in core.book.search_contracts(body.search_text)])


def contract_by_id(core: SimCore, _s: Session | None, body: ContractById) -> Answer:
    contract = core.book.contract(body.contract_id)
    return ok(contract=contract.wire() if contract else None)


def contract_available(core: SimCore, _s: Session | None, _b: ContractAvailable) -> Answer:
    return ok(contracts=[c.wire() for c in core.book.contracts.values()])


def order_place(core: SimCore, _s: Session | None, body: PlaceOrder) -> Answer:
    _account(core, body.account_id, "place")
    if core.book.contract(body.contract_id) is None:
        raise Failed("place", "ContractNotFound", f"contract {body.contract_id} not found")
    if body.type not in set(OrderType) - {OrderType.UNKNOWN} or body.side not in set(OrderSide):
        raise Failed("place", "OrderRejected", f"unknown order type {body.type} or side {body.side}")
    if body.linked_order_id:
        raise Failed(
            "place", "OrderRejected", "linked orders are not offered by this simulator: use brackets"
        )
    try:
        order_id = core.book.place(body)
    except BrokerRejected as exc:
        raise Failed("place", "OrderRejected", exc.reason) from None
    return ok(orderId=order_id)


def _open_order(core: SimCore, body: OrderRef | ModifyOrder, table: str) -> None:
    _account(core, body.account_id, "cancel")
    order = core.book.order(body.order_id)
    if order is None or order.account_id != body.account_id:
        raise Failed(table, "OrderNotFound", f"order {body.order_id} not found")
    if order.status not in OPEN_STATUSES:
        raise Failed(table, "Rejected", f"order {body.order_id} is not open")


def order_cancel(core: SimCore, _s: Session | None, body: OrderRef) -> Answer:
    _open_order(core, body, "cancel")
    try:
        core.exchange.cancel(core.book.accounts[body.account_id], core.book.exchange_id(body.order_id))
    except OrderNotOpen as exc:
        raise Failed("cancel", "Rejected", exc.reason) from None
    return ok()


def order_modify(core: SimCore, _s: Session | None, body: ModifyOrder) -> Answer:
    _open_order(core, body, "modify")
    try:
        core.book.modify(body.order_id, body.size, body.limit_price, body.stop_price)
    except BrokerRejected as exc:
        raise Failed("modify", "Rejected", exc.reason) from None
    return ok()


def order_search(core: SimCore, _s: Session | None, body: TimeRange) -> Answer:
    _account(core, body.account_id)
    start, end = _range(body)
    return ok(orders=[o.wire() for o in core.book.orders(body.account_id, start, end)])


def order_search_open(core: SimCore, _s: Session | None, body: AccountRef) -> Answer:
    _account(core, body.account_id)
    return ok(orders=[o.wire() for o in core.book.open_orders(body.account_id)])


def order_by_id(core: SimCore, _s: Session | None, body: OrderRef) -> Answer:
    _account(core, body.account_id)
    order = core.book.order(body.order_id)
    return ok(order=order.wire() if order and order.account_id == body.account_id else None)


def position_search_open(core: SimCore, _s: Session | None, body: AccountRef) -> Answer:
    _account(core, body.account_id)
    return ok(positions=[p.wire() for p in core.book.positions(body.account_id)])


def _close(core: SimCore, account_id: int, contract_id: str, size: int | None) -> Answer:
    _account(core, account_id, "close")
    if core.book.contract(contract_id) is None:
        raise Failed("close", "ContractNotFound", f"contract {contract_id} not found")
    position = core.book.position(account_id, contract_id)
    if position is None:
        raise Failed("close", "PositionNotFound", f"no open position in {contract_id}")
    if size is not None and not 0 < size <= position.size:
        raise Failed("close", "OrderRejected", f"cannot close {size} of a position of {position.size}")
    side = OrderSide.ASK if position.type == 1 else OrderSide.BID
    body = PlaceOrder(
        account_id=account_id,
        contract_id=position.contract_id,
        type=OrderType.MARKET,
        side=side,
        size=size if size is not None else position.size,
    )
    try:
        core.book.place(body)
    except BrokerRejected as exc:
        raise Failed("close", "OrderRejected", exc.reason) from None
    return ok()


def close_contract(core: SimCore, _s: Session | None, body: CloseContract) -> Answer:
    return _close(core, body.account_id, body.contract_id, None)


def partial_close(core: SimCore, _s: Session | None, body: PartialClose) -> Answer:
    return _close(core, body.account_id, body.contract_id, body.size)


def trade_search(core: SimCore, _s: Session | None, body: TimeRange) -> Answer:
    _account(core, body.account_id)
    start, end = _range(body)
    return ok(trades=[t.wire() for t in core.book.trades(body.account_id, start, end)])


def retrieve_bars(core: SimCore, _s: Session | None, body: RetrieveBars) -> Answer:
    contract = core.book.contract(body.contract_id)
    if contract is None:
        return ok(bars=[])
    root = next(r for r, c in core.book.contracts.items() if c.id == contract.id)
    width = UNIT_SECONDS.get(body.unit, 60.0) * max(1, body.unit_number)
    start, end = parse_timestamp(body.start_time), parse_timestamp(body.end_time)
    buckets: dict[float, list[tuple[float, int]]] = {}
    for ts, price, volume in core.book.bars.get(root, []):
        if start <= ts <= end:
            buckets.setdefault(math.floor(ts / width) * width, []).append((price, volume))
    now_bucket = math.floor(core.exchange.clock() / width) * width
    bars = [
        Bar(
            t=timestamp(t),
            o=ps[0][0],
            h=max(p for p, _ in ps),
            l=min(p for p, _ in ps),
            c=ps[-1][0],
            v=sum(v for _, v in ps),
        )
        for t, ps in sorted(buckets.items(), reverse=True)  # newest first, as the gateway sends them
        if body.include_partial_bar or t < now_bucket
    ]
    return ok(bars=[b.model_dump() for b in bars[: max(0, min(body.limit, 20_000))]])


def _range(body: TimeRange) -> tuple[float, float | None]:
    try:
        start = parse_timestamp(body.start_timestamp)
        end = parse_timestamp(body.end_timestamp) if body.end_timestamp else None
    except ValueError:
        raise Failed(
            "search", "AccountNotFound", "startTimestamp and endTimestamp are ISO 8601 times"
        ) from None
    return start, end


HANDLERS: dict[str, Handler] = {
    "Auth/loginKey": login_key,
    "Auth/validate": validate,
    "Auth/logout": logout,
    "Account/search": account_search,
    "Contract/search": contract_search,
    "Contract/searchById": contract_by_id,
    "Contract/available": contract_available,
    "Order/place": order_place,
    "Order/cancel": order_cancel,
    "Order/modify": order_modify,
    "Order/search": order_search,
    "Order/searchOpen": order_search_open,
    "Order/searchById": order_by_id,
    "Position/searchOpen": position_search_open,
    "Position/closeContract": close_contract,
    "Position/partialCloseContract": partial_close,
    "Trade/search": trade_search,
    "History/retrieveBars": retrieve_bars,
}


# ---- the HTTP shell


def _problem(errors: dict[str, list[str]]) -> JSONResponse:
    return JSONResponse(
        {
            "type": "https://tools.ietf.org/html/rfc9110#section-15.5.1",
            "title": "One or more validation errors occurred.",
            "status": 400,
            "errors": errors,
        },
        status_code=400,
        media_type="application/problem+json",
    )


async def _body(request: Request, endpoint: Endpoint) -> BaseModel | JSONResponse | None:
    if endpoint.body is None:
        return None
    raw = await request.body()
    try:
        data = json.loads(raw) if raw.strip() else None
    except ValueError as exc:
        return _problem({"$": [f"the body is not JSON: {exc}"]})
    if not isinstance(data, dict):
        return _problem({"request": ["The request field is required."]})
    try:
        return endpoint.body.model_validate(data)
    except ValidationError as exc:
        return _problem({".".join(str(p) for p in e["loc"]) or "$": [e["msg"]] for e in exc.errors()})


async def _lost(core: SimCore, most: float = 30.0) -> None:
    """Hold an answer while orders are muted (at most ``most`` seconds, so that the server
    can always shut down)."""
    waited = 0.0
    while core.exchange.faults.mute_orders and waited < most:
        await asyncio.sleep(0.05)
        waited += 0.05


def endpoint_route(core: SimCore, path: str) -> Callable[[Request], Awaitable[Response]]:
    endpoint, handler = ENDPOINTS[path], HANDLERS[path]

    async def serve(request: Request) -> Response:
        token = bearer(request)
        session = core.session_of(token)
        if endpoint.auth and session is None:
            return Response(status_code=401, headers={"WWW-Authenticate": "Bearer"})
        key = session.id if session else f"addr:{request.client.host if request.client else '?'}"
        wait = core.over_limit(key, path)
        if wait is not None:
            return Response(status_code=429, headers={"Retry-After": str(max(1, math.ceil(wait)))})
        if core.exchange.faults.latency:
            await asyncio.sleep(core.exchange.faults.latency)
        body = await _body(request, endpoint)
        if isinstance(body, JSONResponse):
            return body
        try:
            answer = handler(core, session, body)
        except Failed as exc:
            answer = {"success": False, "errorCode": exc.code, "errorMessage": exc.message}
            if endpoint.payload is not None:
                answer[endpoint.payload] = None
        if path.startswith(("Order/place", "Position/")) and core.exchange.faults.mute_orders:
            await _lost(core)  # carried out, and its answer lost on the wire: the client times out
        return JSONResponse(answer)

    return serve


async def ping(_request: Request) -> Response:
    return PlainTextResponse("pong")


def routes(core: SimCore) -> list[Route]:
    out = [Route(f"/api/{path}", endpoint_route(core, path), methods=["POST"]) for path in ENDPOINTS]
    out.append(Route("/api/Status/ping", ping, methods=["GET", "POST"]))
    return out
