"""TradersPost/TradingView-style alerts turned into orders (reference/markets.md 4.2).

Two steps, both sans-IO. ``parse_alert`` reads the body into an ``Alert``: every field
TradersPost documents is either acted on or refused with a 422 naming it (nothing known
is accepted and ignored); ``time``, ``interval``, ``message`` and ``extras`` are kept for
the decision log; fields TradersPost does not know are ignored, as it ignores them, and
the answer lists them under ``ignored``. ``plan`` then reads the alert against the
account's position and says which orders to send, in order.

``buy``: cancels the ticker's open orders, then if short, covers and goes long; if
already long there is nothing to do. The cover and the new entry are two orders, as
TradersPost sends them: the cover is an exit, the entry is checked on its own, so a
blocked entry never leaves the trader in the position the alert asked to leave. ``sell``
mirrors it. ``sentiment`` says where a TradingView strategy stands after the alert:
``flat`` makes a buy or sell only an exit, and a buy that leaves the strategy ``short``
(a sell that leaves it ``long``) only reduces the position. ``exit`` closes ``quantity``
contracts of the position (all of it without one), ``add`` adds to the open side,
``cancel`` cancels the open orders for the ticker, ``breakeven`` moves the position's
stop to its average entry (plus ``breakevenOffset``). A price (``limitPrice`` or
``price``) makes a limit order unless ``orderType`` says otherwise; ``signalPrice`` is
the market's price when the alert fired (TradersPost's own example buys at market with
it): it makes no limit, stands in for the quote when there is none, and goes to the
decision log. ``takeProfit`` and ``stopLoss`` on an entry are its bracket
(``brackets.py``); ``quantityType`` sizes it (``sizing.py``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from ordergate.policy import spec_for, symbol_root
from ordergate.runtime.book import AccountState
from ordergate.runtime.brackets import Bracket, check_against, parse_bracket
from ordergate.runtime.errors import BadRequest, Conflict, RequestError
from ordergate.runtime.prices import check_price
from ordergate.runtime.sizing import MAX_QTY, check_quantity_type, contracts

__all__ = ["ACTIONS", "MAX_QTY", "Alert", "Plan", "parse_alert", "plan", "signal_id"]

ACTIONS = ("buy", "sell", "exit", "cancel", "add", "breakeven")
ORDER_TYPES = ("market", "limit", "stop", "stop_limit", "trailing_stop")
SENTIMENTS = ("bullish", "long", "bearish", "short", "flat")
TIMES_IN_FORCE = ("day", "gtc")
TIF_NOT_SUPPORTED = ("opg", "cls", "ioc", "fok")
MARKET_PRICE_TYPES = ("ask_bid", "mark", "ask", "bid", "last")
INFORMATIONAL = ("time", "interval", "message", "extras")
OPTIONS_ONLY = ("optionType", "intrinsicValue", "expiration", "strikeCount", "strikesAway", "strikePrice")
# every field this module reads; anything else TradersPost would ignore too
KNOWN = (
    "ticker", "action", "sentiment", "quantity", "quantityType", "price", "signalPrice",
    "orderType", "limitPrice", "stopPrice", "trailAmount", "trailPercent", "timeInForce",
    "extendedHours", "takeProfit", "stopLoss", "marketPriceType", "ignoreTradingWindows",
    "breakevenOffset", "id", "signalId", *INFORMATIONAL, *OPTIONS_ONLY,
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Alert:
    ticker: str
    root: str
    action: str
    sentiment: str | None
    quantity: float | None
    quantity_type: str
    order_type: str
    limit: float | None
    stop: float | None
    time_in_force: str | None
    bracket: Bracket | None
    breakeven_offset: float
    id: str | None
    signal_price: float | None = None  # the market's price when the alert fired
    log: dict[str, Any] = field(default_factory=dict)  # informational fields, for the decision log
    ignored: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Plan:
    """The order bodies for ``/v1/orders`` in the order to send them; ``entry`` when the
    last one opens or adds (a bracket goes with it)."""

    bodies: list[dict[str, Any]]
    entry: bool


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


def _flag(alert: dict[str, Any], key: str) -> bool:
    value = alert.get(key)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise RequestError(key, f"invalid {key} {value!r}: true or false")
    return value


def signal_id(alert: Any) -> str | None:
    """The alert's own id, used as the client order id: a repeated alert trades once."""
    if not isinstance(alert, dict):
        return None
    extras = alert.get("extras")
    if not isinstance(extras, dict):
        extras = {}
    value = alert.get("id") or alert.get("signalId") or extras.get("id")
    return str(value) if value else None


def _head(alert: Any) -> tuple[str, str, str | None]:
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
    return ticker, action, sentiment


def _refusals(alert: dict[str, Any], action: str) -> None:
    """Documented fields ordergate does not act on for futures: refused, never ignored."""
    for key in OPTIONS_ONLY:
        if key in alert:
            raise RequestError(key, f"{key} is for options; a futures alert has none")
    if "marketPriceType" in alert:
        kind = alert["marketPriceType"]
        if kind not in MARKET_PRICE_TYPES:
            raise RequestError(
                "marketPriceType", f"invalid marketPriceType {kind!r}; types: {', '.join(MARKET_PRICE_TYPES)}"
            )
        raise RequestError(
            "marketPriceType",
            "not supported: a market order goes to the broker as a market order; send limitPrice for a limit",
        )
    if _flag(alert, "extendedHours"):
        raise RequestError(
            "extendedHours",
            "not supported for futures: they trade the exchange's sessions, and the risk policy's hours decide",
        )
    if _flag(alert, "ignoreTradingWindows"):
        raise RequestError(
            "ignoreTradingWindows",
            "trading windows are the risk policy's hours and an alert cannot lift them (exits and cancels always pass)",
        )
    if "breakevenOffset" in alert and action != "breakeven":
        raise RequestError("breakevenOffset", "only goes with action breakeven")
    message = alert.get("message")
    if message is not None and (not isinstance(message, str) or not 25 <= len(message) <= 255):
        raise RequestError("message", "must be text of 25 to 255 characters")


def _order_type(alert: dict[str, Any], action: str, limit: float | None, stop: float | None) -> str:
    trail = [k for k in ("trailAmount", "trailPercent") if alert.get(k) is not None]
    order_type = alert.get("orderType")
    if order_type is None:
        order_type = "stop_limit" if (limit and stop) else "limit" if limit else "stop" if stop else "market"
    if not isinstance(order_type, str) or order_type not in ORDER_TYPES:
        raise RequestError(
            "orderType", f"invalid orderType {order_type!r}; order types: {', '.join(ORDER_TYPES)}"
        )
    if order_type == "trailing_stop":
        if len(trail) != 1 or action not in ("buy", "sell", "exit"):
            raise RequestError(
                "orderType",
                "invalid trailing stop: it needs one of trailAmount or trailPercent, with buy, sell or exit",
            )
        raise RequestError(
            "orderType",
            "trailing_stop orders are not supported; a trailing stop loss is (stopLoss.type trailing_stop)",
        )
    if trail:
        raise RequestError(trail[0], "only goes with orderType trailing_stop")
    if order_type in ("limit", "stop_limit") and limit is None:
        raise RequestError("limitPrice", f"a {order_type} order needs limitPrice")
    if order_type in ("stop", "stop_limit") and stop is None:
        raise RequestError("stopPrice", f"a {order_type} order needs stopPrice")
    return order_type


def _time_in_force(alert: dict[str, Any]) -> str | None:
    tif = alert.get("timeInForce")
    if tif is None:
        return None
    if tif in TIF_NOT_SUPPORTED:
        raise RequestError(
            "timeInForce", f"{tif} is not supported; times in force: {', '.join(TIMES_IN_FORCE)}"
        )
    if tif not in TIMES_IN_FORCE:
        raise RequestError(
            "timeInForce", f"invalid timeInForce {tif!r}; times in force: {', '.join(TIMES_IN_FORCE)}"
        )
    return str(tif)


def _on_grid(root: str, value: float | None, key: str) -> None:
    spec = spec_for(root)
    if (
        value is not None
        and spec is not None
        and abs(value / spec.tick_size - round(value / spec.tick_size)) > 1e-6
    ):
        raise RequestError(
            key, f"{value:g} is not a price {spec.root} trades at: its tick is {spec.tick_size:g}"
        )


def parse_alert(alert: Any) -> Alert:
    """The alert's fields, checked; RequestError (422) names the first one refused."""
    ticker, action, sentiment = _head(alert)
    _refusals(alert, action)
    root = symbol_root(ticker)
    quantity = _number(alert, "quantity")
    quantity_type = (
        check_quantity_type(alert.get("quantityType"), action)
        if "quantityType" in alert
        else "fixed_quantity"
    )
    if quantity is not None and action in ("cancel", "breakeven"):
        raise RequestError("quantity", f"{action} takes no quantity")
    limit = _price(alert, "limitPrice") or _price(alert, "price")
    signal_price = _price(alert, "signalPrice")
    stop = _price(alert, "stopPrice")
    order_type = _order_type(alert, action, limit, stop)
    bracket = parse_bracket(alert.get("takeProfit"), alert.get("stopLoss"))
    if bracket is not None and (action not in ("buy", "sell", "add") or sentiment == "flat"):
        raise RequestError(
            "takeProfit" if "takeProfit" in alert else "stopLoss",
            "a bracket protects an entry: it goes with buy, sell or add, not with an alert that only exits",
        )
    for key, value in (("limitPrice", limit), ("stopPrice", stop)):
        _on_grid(root, value, key)
    for leg, key in (
        (bracket and bracket.take_profit, "takeProfit"),
        (bracket and bracket.stop_loss, "stopLoss"),
    ):
        if leg and leg.form in ("limitPrice", "stopPrice"):
            _on_grid(root, leg.value, f"{key}.{leg.form}")
        if leg and leg.limit is not None:
            _on_grid(root, leg.limit, f"{key}.limitPrice")
    offset = _number(alert, "breakevenOffset") or 0.0
    return Alert(
        ticker=ticker,
        root=root,
        action=action,
        sentiment=sentiment,
        quantity=quantity,
        quantity_type=quantity_type,
        order_type=order_type,
        limit=limit if order_type in ("limit", "stop_limit") else None,
        stop=stop if order_type in ("stop", "stop_limit") else None,
        time_in_force=_time_in_force(alert),
        bracket=bracket,
        breakeven_offset=offset,
        id=signal_id(alert),
        signal_price=signal_price,
        log={k: alert[k] for k in (*INFORMATIONAL, "signalPrice") if k in alert},
        ignored=tuple(sorted(set(alert) - set(KNOWN))),
    )


def _exit_qty(alert: Alert, position: int) -> int:
    """An exit's contracts: all of the position, or the quantity asked (at most all of it)."""
    if alert.quantity is None and alert.quantity_type == "fixed_quantity":
        return abs(position)
    return min(abs(position), contracts(alert.quantity, alert.quantity_type, position, alert.root))


def plan(alert: Alert, state: AccountState) -> Plan:
    """The orders the alert sends for this account's position (not for cancel or breakeven)."""
    held = state.holdings.get(alert.root)
    position = held.qty if held else 0
    body: dict[str, Any] = {
        "account": state.id,
        "symbol": alert.ticker,
        "type": alert.order_type,
        "source": "webhook",
    }
    if alert.limit is not None:
        body["price"] = alert.limit
    if alert.stop is not None:
        body["stop_price"] = alert.stop
    if alert.id:
        body["client_order_id"] = alert.id
    close_side = "sell" if position > 0 else "buy"

    def cover(qty: int) -> dict[str, Any]:
        return {**body, "side": close_side, "qty": qty, "intent": "close"}

    root = alert.root
    if alert.action == "exit":
        if position == 0:
            raise Conflict("action", f"nothing to exit: no open {root} position")
        return Plan([cover(_exit_qty(alert, position))], entry=False)
    if alert.action == "add":
        if position == 0:
            raise Conflict("action", f"nothing to add to: no open {root} position; send buy or sell")
        qty = contracts(alert.quantity, alert.quantity_type, position, root)
        return Plan([{**body, "side": "buy" if position > 0 else "sell", "qty": qty}], entry=True)
    side = alert.action
    opposite = (position < 0) if side == "buy" else (position > 0)
    same = (position > 0) if side == "buy" else (position < 0)
    stays = {"buy": ("bearish", "short"), "sell": ("bullish", "long")}[side]
    if alert.sentiment == "flat" or alert.sentiment in stays:
        # the strategy is flat (or still on the other side) after this alert: only an exit
        if not opposite:
            where = "flat" if alert.sentiment == "flat" else alert.sentiment
            raise Conflict(
                "sentiment",
                f"{side} with sentiment {where} exits a position, and no {root} position is open to exit",
            )
        return Plan([cover(_exit_qty(alert, position))], entry=False)
    if same:
        raise Conflict(
            "action", f"already {'long' if position > 0 else 'short'} {root}; send add to add to the position"
        )
    qty = contracts(alert.quantity, alert.quantity_type, position, root)
    entry = {**body, "side": side, "qty": qty}
    if alert.bracket is not None:
        reference = alert.limit or alert.stop or _market(state, root) or alert.signal_price
        check_against(alert.bracket, side, reference)
    if not opposite:
        return Plan([entry], entry=True)
    first = cover(abs(position))
    if alert.id:
        first["client_order_id"] = f"{alert.id}:cover"
    return Plan([first, entry], entry=True)


def _market(state: AccountState, root: str) -> float | None:
    quote = state.quotes.get(root)
    if quote is None:
        return None
    return quote.last if quote.last is not None else quote.bid
