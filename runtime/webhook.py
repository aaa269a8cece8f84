"""TradersPost/TradingView-style alerts turned into orders (reference/markets.md 4.2).

``buy``: cancels the ticker's open orders, then if short, covers and goes long (with
``sentiment: flat``, only covers); if already long there is nothing to do. The cover and
the new entry are two orders, as TradersPost sends them: the cover is an exit and goes
through whatever the policy says, the entry is checked on its own, so a blocked entry
never leaves the trader in the position the alert asked to leave. ``sell`` mirrors it. ``exit`` closes whatever is open,
``add`` adds to the open side, ``cancel`` cancels the open orders for the ticker. A
price makes a limit order unless ``orderType`` says otherwise.
"""

from __future__ import annotations

import math
from typing import Any

from ordergate.policy import symbol_root
from ordergate.runtime.book import AccountState
from ordergate.runtime.errors import BadRequest, Conflict, RequestError
from ordergate.runtime.prices import check_price

ACTIONS = ("buy", "sell", "exit", "cancel", "add")
ORDER_TYPES = {"market": "market", "limit": "limit", "stop": "stop", "stop_limit": "stop_limit"}
SENTIMENTS = ("bullish", "long", "bearish", "short", "flat")
MAX_QTY = 1_000_000  # contracts: far past any account, and price × qty × point value stays finite


def _number(alert: dict[str, Any], key: str) -> float | None:
    value = alert.get(key)
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if isinstance(value, bool) or not math.isfinite(number):
        raise RequestError(key, f"must be a number, not {value!r}")
    return number


def _price(alert: dict[str, Any], key: str) -> float | None:
    """A price of the alert; TradersPost sends them as numbers or as strings."""
    number = _number(alert, key)
    return None if number is None else check_price(number, key)


def signal_id(alert: Any) -> str | None:
    """The alert's own id, used as the client order id: a repeated alert trades once."""
    if not isinstance(alert, dict):
        return None
    extras = alert.get("extras")
    if not isinstance(extras, dict):
        extras = {}
    value = alert.get("id") or alert.get("signalId") or extras.get("id")
    return str(value) if value else None


def alert_to_orders(alert: Any, state: AccountState) -> list[dict[str, Any]] | None:
    """The order bodies for ``/v1/orders``, in the order to send them, or None for a cancel."""
    if not isinstance(alert, dict):
        raise BadRequest("body", "the body must be a JSON object with at least ticker and action")
    if not alert:
        raise RequestError("body", "empty JSON: an alert needs at least ticker and action")
    ticker, action = alert.get("ticker"), alert.get("action")
    if not ticker or not action:
        raise RequestError("ticker" if not ticker else "action", "action and ticker are required")
    if not isinstance(ticker, str):
        raise RequestError("ticker", "must be a string such as MNQU2025")
    if action not in ACTIONS:
        raise RequestError("action", f"invalid action {action!r}; actions: {', '.join(ACTIONS)}")
    sentiment = alert.get("sentiment")
    if sentiment is not None and sentiment not in SENTIMENTS:
        raise RequestError(
            "sentiment", f"invalid sentiment {sentiment!r}; sentiments: {', '.join(SENTIMENTS)}"
        )
    if action == "cancel":
        return None
    quantity = _number(alert, "quantity")
    qty = 1 if quantity is None else quantity
    if qty <= 0 or qty != int(qty) or qty > MAX_QTY:
        raise RequestError("quantity", f"must be a whole number of contracts, not {alert.get('quantity')!r}")
    limit, stop = _price(alert, "limitPrice") or _price(alert, "price"), _price(alert, "stopPrice")
    order_type = alert.get("orderType")
    if order_type is None:
        order_type = "stop_limit" if (limit and stop) else "limit" if limit else "stop" if stop else "market"
    if not isinstance(order_type, str) or order_type not in ORDER_TYPES:
        raise RequestError(
            "orderType", f"invalid orderType {order_type!r}; order types: {', '.join(ORDER_TYPES)}"
        )
    root = symbol_root(ticker)
    held = state.holdings.get(root)
    position = held.qty if held else 0
    body: dict[str, Any] = {"account": state.id, "symbol": ticker, "type": order_type, "source": "webhook"}
    if limit is not None and order_type in ("limit", "stop_limit"):
        body["price"] = limit
    if stop is not None and order_type in ("stop", "stop_limit"):
        body["stop_price"] = stop
    signal = signal_id(alert)
    if signal:
        body["client_order_id"] = str(signal)
    cover = {**body, "side": "sell" if position > 0 else "buy", "qty": abs(position), "intent": "close"}
    if action == "exit":
        if position == 0:
            raise Conflict("action", f"nothing to exit: no open {root} position")
        return [cover]
    if action == "add":
        if position == 0:
            raise Conflict("action", f"nothing to add to: no open {root} position; send buy or sell")
        return [{**body, "side": "buy" if position > 0 else "sell", "qty": int(qty)}]
    side = action
    opposite = (position < 0) if side == "buy" else (position > 0)
    same = (position > 0) if side == "buy" else (position < 0)
    if same:
        raise Conflict(
            "action", f"already {'long' if position > 0 else 'short'} {root}; send add to add to the position"
        )
    if not opposite:
        return [{**body, "side": side, "qty": int(qty)}]
    if signal:
        cover["client_order_id"] = f"{signal}:cover"
    if sentiment == "flat":
        return [cover]
    return [cover, {**body, "side": side, "qty": int(qty)}]
