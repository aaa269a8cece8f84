"""ProjectX records turned into the brokers package's types, and requests into bodies.

Pure functions, shared by the stream and the polling paths of the adapter, so an order
or a fill reads the same whichever way it arrived.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ordergate.policy import symbol_root
from ordergate.runtime.brokers.errors import BrokerRejected
from ordergate.runtime.brokers.projectx.models import OrderSide, OrderStatus, OrderType, parse_timestamp
from ordergate.runtime.brokers.types import BrokerOrder, BrokerOrderStatus, Fill, OrderRequest

TYPES = {
    "market": OrderType.MARKET,
    "limit": OrderType.LIMIT,
    "stop": OrderType.STOP,
    "stop_limit": OrderType.STOP_LIMIT,
}
TYPE_NAMES: dict[int, str] = {
    OrderType.MARKET: "market",
    OrderType.LIMIT: "limit",
    OrderType.STOP: "stop",
    OrderType.STOP_LIMIT: "stop_limit",
    OrderType.TRAILING_STOP: "stop",
    OrderType.JOIN_BID: "limit",
    OrderType.JOIN_ASK: "limit",
}
# Statuses with no news for the runtime (pending, pending cancellation, suspended) map to None.
STATUSES: dict[int, BrokerOrderStatus | None] = {
    OrderStatus.OPEN: "working",
    OrderStatus.FILLED: "filled",
    OrderStatus.CANCELLED: "cancelled",
    OrderStatus.EXPIRED: "expired",
    OrderStatus.REJECTED: "rejected",
}


def place_body(account_id: int, contract_id: str, request: OrderRequest) -> dict[str, Any]:
    kind = TYPES.get(request.type)
    if kind is None:
        raise BrokerRejected(f"ProjectX has no {request.type} order type")
    return {
        "accountId": account_id,
        "contractId": contract_id,
        "type": int(kind),
        "side": int(OrderSide.BID if request.side == "buy" else OrderSide.ASK),
        "size": request.qty,
        "limitPrice": request.price if kind in (OrderType.LIMIT, OrderType.STOP_LIMIT) else None,
        "stopPrice": request.stop_price if kind in (OrderType.STOP, OrderType.STOP_LIMIT) else None,
        "trailPrice": None,
        "customTag": request.order_id,
    }


def side_of(value: Any) -> str:
    return "buy" if value == OrderSide.BID else "sell"


def status_of(record: Mapping[str, Any]) -> BrokerOrderStatus | None:
    status = STATUSES.get(int(record.get("status") or 0))
    if status == "working" and int(record.get("fillVolume") or 0) > 0:
        return "partially_filled"
    return status


def broker_order(account: str, record: Mapping[str, Any], names: Mapping[str, str]) -> BrokerOrder | None:
    """The order as the runtime sees it; None for a status with no meaning to it."""
    status = status_of(record)
    if status is None:
        return None
    contract = str(record.get("contractId") or "")
    return BrokerOrder(
        account=account,
        order_id=record.get("customTag") or None,
        broker_order_id=str(record["id"]),
        root=symbol_root(contract),
        symbol=names.get(contract, contract),
        side=side_of(record.get("side")),
        qty=int(record.get("size") or 0),
        filled_qty=int(record.get("fillVolume") or 0),
        status=status,
        type=TYPE_NAMES.get(int(record.get("type") or 0), "market"),
        price=record.get("limitPrice"),
        stop_price=record.get("stopPrice"),
    )


def fill_of(
    account: str, record: Mapping[str, Any], order_id: str | None, names: Mapping[str, str]
) -> Fill | None:
    """The fill a trade record reports; None for a voided trade."""
    if record.get("voided"):
        return None
    contract = str(record.get("contractId") or "")
    created = record.get("creationTimestamp")
    return Fill(
        account=account,
        order_id=order_id,
        root=symbol_root(contract),
        symbol=names.get(contract, contract),
        side=side_of(record.get("side")),
        qty=int(record.get("size") or 0),
        price=float(record["price"]),
        ts=parse_timestamp(created) if isinstance(created, str) else 0.0,
        fill_id=str(record["id"]),
        broker_order_id=str(record.get("orderId")),
    )


def signed_position(record: Mapping[str, Any]) -> tuple[int, float]:
    size = int(record.get("size") or 0)
    return (size if int(record.get("type") or 0) == 1 else -size), float(record.get("averagePrice") or 0.0)
