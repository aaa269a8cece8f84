"""How many contracts an alert trades: TradersPost's ``quantityType`` for futures.

``fixed_quantity`` (the default) is ``quantity`` contracts, one when it is absent.
``percent_of_position`` is ``quantity`` percent of the open position in the ticker, rounded
down to whole contracts and at least one; with no position it comes to nothing and is
refused. TradersPost sizes futures by neither dollars nor equity (reference/markets.md
4.2: "dynamic $-risk sizing is not supported for futures"), so ``dollar_amount``,
``risk_dollar_amount`` and ``percent_of_equity`` are refused, as it refuses them.
"""

from __future__ import annotations

import math

from ordergate.runtime.errors import RequestError

QUANTITY_TYPES = (
    "fixed_quantity",
    "dollar_amount",
    "risk_dollar_amount",
    "percent_of_equity",
    "percent_of_position",
)
NOT_FOR_FUTURES = ("dollar_amount", "risk_dollar_amount", "percent_of_equity")
MAX_QTY = 1_000_000  # contracts: far past any account, and price × qty × point value stays finite


def check_quantity_type(quantity_type: object, action: str) -> str:
    """The alert's quantity type, refused (422 naming ``quantityType``) where TradersPost refuses it."""
    if quantity_type is None:
        return "fixed_quantity"
    if not isinstance(quantity_type, str) or quantity_type not in QUANTITY_TYPES:
        raise RequestError(
            "quantityType",
            f"invalid quantityType {quantity_type!r}; quantity types: {', '.join(QUANTITY_TYPES)}",
        )
    if quantity_type in NOT_FOR_FUTURES:
        raise RequestError(
            "quantityType",
            f"{quantity_type} is not supported for futures (TradersPost sizes futures only by "
            "fixed_quantity or percent_of_position)",
        )
    if action not in ("buy", "sell", "exit", "add"):
        raise RequestError(
            "quantityType", f"quantityType is only valid with buy, sell, exit or add, not {action}"
        )
    if quantity_type == "percent_of_position" and action == "add":
        raise RequestError("quantityType", "percent_of_position is only valid with buy, sell or exit")
    return quantity_type


def contracts(quantity: float | None, quantity_type: str, position: int, root: str) -> int:
    """The whole number of contracts the alert asks for, given the signed open position."""
    if quantity_type == "percent_of_position":
        if quantity is None:
            raise RequestError("quantity", "percent_of_position needs quantity: the percent of the position")
        if not 0 < quantity <= 100:
            raise RequestError(
                "quantity", f"a percent of the position is above 0 and at most 100, not {quantity:g}"
            )
        if position == 0:
            raise RequestError(
                "quantityType",
                f"{quantity:g}% of the {root} position comes to 0 contracts: there is no open position",
            )
        return max(1, math.floor(abs(position) * quantity / 100 + 1e-9))
    qty = 1 if quantity is None else quantity
    if qty <= 0 or qty != int(qty) or qty > MAX_QTY:
        raise RequestError("quantity", f"must be a whole number of contracts, not {quantity!r}")
    return int(qty)
