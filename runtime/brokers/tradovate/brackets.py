"""Tradovate's bracket commands, both sides: ``order/placeoso`` and ``order/placeoco``.

The client builds ``bracket1``/``bracket2`` with ``oso_brackets``; the simulator reads
them back with ``oso_legs``, so the two can never disagree on the shape.

``placeoso`` is ``placeorder``'s body with ``bracket1`` and, optionally, ``bracket2``:
each an order of the other side (``action``, ``orderType``, ``price``, ``stopPrice``,
``pegDifference`` for a TrailingStop, ``clOrdId``) sent when the entry fills; with both,
they are one-cancels-other. The answer is ``{orderId, oso1Id, oso2Id}``; until the
entry fills its brackets are ``Suspended`` orders. ``placeoco`` is an order with
``other``: two orders that rest at once, one-cancels-other; the answer ``{orderId,
ocoId}`` (protocols/brokers.md §1.3, Tradovate's REST reference).

``placeoso`` brackets carry prices, so legs given as a distance from the fill go another
way: the entry alone, then, once it is done, its legs as a ``placeoco`` pair priced from
the average fill (``oco_body``; ``distance_legs`` says which legs go so).

Both run on the shared exchange's own brackets (``Exchange.submit_bracket`` and
``rest_legs``), so their matching is every simulator's.
"""

from __future__ import annotations

import math
from typing import Any

from ordergate.policy import spec_for, symbol_root
from ordergate.runtime.brokers.errors import BracketUnsupported
from ordergate.runtime.brokers.tradovate.models import ACTIONS, SIDES
from ordergate.runtime.brokers.types import BracketLeg

Record = dict[str, Any]
LEG_TYPES = {"Limit": "limit", "Stop": "stop", "TrailingStop": "trailing_stop"}


class BracketRefused(Exception):
    def __init__(self, reason: str, text: str) -> None:
        super().__init__(text)
        self.reason, self.text = reason, text


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def oso_brackets(entry_side: str, legs: tuple[BracketLeg, ...]) -> list[Record]:
    """``bracket1`` and ``bracket2`` for an entry's legs. Tradovate's brackets carry prices,
    so a leg placed as an offset from the fill raises BracketUnsupported (the runtime then
    holds it); a trailing stop trails by its ``pegDifference``."""
    others: list[Record] = []
    for leg in legs:
        other: Record = {
            "action": ACTIONS["buy" if entry_side == "sell" else "sell"],
            "clOrdId": leg.order_id,
        }
        if leg.type == "trailing_stop" and leg.offset is not None:
            peg = -leg.offset if entry_side == "buy" else leg.offset  # below a long, above a short
            other |= {"orderType": "TrailingStop", "pegDifference": peg}
        elif leg.type == "limit" and leg.price is not None:
            other |= {"orderType": "Limit", "price": leg.price}
        elif leg.type == "stop" and leg.stop_price is not None:
            other |= {"orderType": "Stop", "stopPrice": leg.stop_price}
        else:
            raise BracketUnsupported(
                f"Tradovate brackets carry prices, not a {leg.kind} offset from the fill"
            )
        others.append(other)
    return others


def distance_legs(legs: tuple[BracketLeg, ...]) -> bool:
    """Whether ``legs`` go as a ``placeoco`` pair after the fill: a limit or stop at a
    distance from it among them, and none trailing (``placeoco`` orders do not trail)."""
    return any(leg.offset is not None and leg.type != "trailing_stop" for leg in legs) and all(
        leg.type in ("limit", "stop") for leg in legs
    )


def away_from(root: str, fill: float, distance: float, up: bool) -> float:
    """``fill`` moved by ``distance`` (up or down) onto the contract's tick grid, rounded
    away from the fill so that a leg is never nearer than asked."""
    level = fill + distance if up else fill - distance
    spec = spec_for(root)
    if spec is None:
        return level
    ticks = level / spec.tick_size
    n = math.ceil(ticks - 1e-9) if up else math.floor(ticks + 1e-9)
    return round(n * spec.tick_size, 10)


def leg_order(entry_side: str, leg: BracketLeg, fill: float, root: str) -> Record:
    """One leg as a ``placeoco`` order: a take profit beyond the fill, a stop loss behind it."""
    profit_up = entry_side == "buy"  # a long's target is above its fill, its stop below
    order: Record = {"action": ACTIONS["buy" if entry_side == "sell" else "sell"], "clOrdId": leg.order_id}
    if leg.type == "limit":
        price = leg.price if leg.offset is None else away_from(root, fill, leg.offset, profit_up)
        return order | {"orderType": "Limit", "price": price}
    stop = leg.stop_price if leg.offset is None else away_from(root, fill, leg.offset, not profit_up)
    return order | {"orderType": "Stop", "stopPrice": stop}


def oco_body(base: Record, entry_side: str, legs: tuple[BracketLeg, ...], fill: float, qty: int) -> Record:
    """The ``placeoco`` (or, for a lone leg, ``placeorder``) body resting ``legs`` for
    ``qty`` contracts of an entry filled at ``fill`` on average; ``base`` names the
    account and contract (``accountSpec``, ``accountId``, ``symbol``)."""
    root = symbol_root(str(base["symbol"]))
    first, *rest = (leg_order(entry_side, leg, fill, root) for leg in legs)
    body = base | first | {"orderQty": qty, "isAutomated": True}  # CME Rule 575
    if rest:
        body["other"] = rest[0]
    return body


def oso_legs(body: Record, entry_action: str, new_tag: Any) -> tuple[BracketLeg, ...]:
    """The legs of a ``placeoso`` body as exchange bracket legs; BracketRefused names
    what is wrong as Tradovate would (``failureReason`` and ``failureText``)."""
    legs = []
    for key in ("bracket1", "bracket2"):
        other = body.get(key)
        if other is None:
            if key == "bracket1":
                raise BracketRefused("UnknownReason", "bracket1 is required")
            continue
        if not isinstance(other, dict):
            raise BracketRefused("UnknownReason", f"{key} must be an order")
        if other.get("action") not in SIDES or other.get("action") == entry_action:
            raise BracketRefused("UnknownReason", f"{key}.action must be the other side of the entry")
        kind = LEG_TYPES.get(str(other.get("orderType")))
        if kind is None:
            raise BracketRefused(
                "Unsupported", f"{key}.orderType {other.get('orderType')!r} is not supported here"
            )
        tag = str(other.get("clOrdId") or new_tag())
        price, stop = _number(other.get("price")), _number(other.get("stopPrice"))
        if kind == "limit" and price is not None:
            legs.append(BracketLeg(tag, "take_profit", "limit", price=price))
        elif kind == "stop" and stop is not None:
            legs.append(BracketLeg(tag, "stop_loss", "stop", stop_price=stop))
        elif kind == "trailing_stop" and _number(other.get("pegDifference")):
            trail = abs(float(other["pegDifference"]))
            legs.append(BracketLeg(tag, "stop_loss", "trailing_stop", offset=trail))
        else:
            need = {"limit": "price", "stop": "stopPrice", "trailing_stop": "pegDifference"}[kind]
            raise BracketRefused("InvalidPrice", f"{key} ({other.get('orderType')}) needs its {need}")
    if len({leg.kind for leg in legs}) != len(legs):
        raise BracketRefused("UnknownReason", "bracket1 and bracket2 must be a Limit and a Stop")
    return tuple(legs)
