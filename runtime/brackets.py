"""Brackets: an entry's ``takeProfit`` and ``stopLoss`` as the exit legs placed once it fills.

Sans-IO: the alert's two objects read into a ``Bracket`` (refusals name the field, e.g.
``stopLoss.trailPercent``), kept as JSON on the entry's order row, and turned into the
legs' prices from the entry's fill.

Forms (reference/markets.md 4.2): ``takeProfit`` {``limitPrice`` | ``amount`` |
``percent``}; ``stopLoss`` {``type``: ``stop`` (default) | ``stop_limit`` |
``trailing_stop``} with ``stopPrice`` | ``amount`` | ``percent`` (a stop_limit adds its
``limitPrice``), or for a trailing stop ``trailAmount`` | ``trailPercent``. A price is
where the leg sits; ``amount`` and ``percent`` are offsets from the entry's average fill
price, away from the market for the stop and towards profit for the target, as
TradersPost places futures brackets. Leg prices land on the contract's tick grid.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from ordergate.policy import Quote, spec_for
from ordergate.runtime.brokers.types import BracketLeg
from ordergate.runtime.errors import RequestError

TAKE_PROFIT_FORMS = ("limitPrice", "amount", "percent")
STOP_TYPES = ("stop", "stop_limit", "trailing_stop")
STOP_FORMS = {
    "stop": ("stopPrice", "amount", "percent"),
    "stop_limit": ("stopPrice", "amount", "percent"),
    "trailing_stop": ("trailAmount", "trailPercent"),
}


@dataclass(frozen=True, slots=True)
class Leg:
    """One leg as the alert gave it: ``form`` is the key that places it, ``value`` its number."""

    type: str  # limit | stop | stop_limit | trailing_stop
    form: str
    value: float
    limit: float | None = None  # a stop_limit's limit price


@dataclass(frozen=True, slots=True)
class Bracket:
    take_profit: Leg | None
    stop_loss: Leg | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "take_profit": asdict(self.take_profit) if self.take_profit else None,
            "stop_loss": asdict(self.stop_loss) if self.stop_loss else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Bracket:
        tp, sl = data.get("take_profit"), data.get("stop_loss")
        return cls(Leg(**tp) if tp else None, Leg(**sl) if sl else None)


def _positive(value: Any, where: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if isinstance(value, bool) or not math.isfinite(number) or number <= 0 or number > 1e9:
        raise RequestError(where, f"must be a number above 0, not {value!r}")
    return number


def _one_form(data: dict[str, Any], forms: tuple[str, ...], where: str) -> tuple[str, float]:
    given = [f for f in forms if data.get(f) not in (None, "")]
    if len(given) != 1:
        raise RequestError(
            where,
            f"give exactly one of {', '.join(forms)}" + (f", not {' and '.join(given)}" if given else ""),
        )
    form = given[0]
    value = _positive(data[form], f"{where}.{form}")
    if form.endswith(("percent", "Percent")) and value >= 100:
        raise RequestError(f"{where}.{form}", f"a percent of the fill price is below 100, not {value:g}")
    return form, value


def _object(value: Any, where: str, allowed: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(value, dict) or not value:
        raise RequestError(where, f"must be an object with one of {', '.join(allowed)}")
    unknown = sorted(set(value) - set(allowed))
    if unknown:
        raise RequestError(f"{where}.{unknown[0]}", f"unknown field; fields: {', '.join(allowed)}")
    return value


def parse_bracket(take_profit: Any, stop_loss: Any) -> Bracket | None:
    """The alert's bracket, or None when it has neither leg."""
    tp = sl = None
    if take_profit is not None:
        data = _object(take_profit, "takeProfit", TAKE_PROFIT_FORMS)
        form, value = _one_form(data, TAKE_PROFIT_FORMS, "takeProfit")
        tp = Leg("limit", form, value)
    if stop_loss is not None:
        fields = ("type", "stopPrice", "limitPrice", "amount", "percent", "trailAmount", "trailPercent")
        data = _object(stop_loss, "stopLoss", fields)
        kind = data.get("type", "stop")
        if kind not in STOP_TYPES:
            raise RequestError(
                "stopLoss.type", f"invalid stop loss type {kind!r}; types: {', '.join(STOP_TYPES)}"
            )
        forms = STOP_FORMS[kind]
        stray = [f for f in fields[1:] if f not in forms and data.get(f) is not None]
        if stray and not (kind == "stop_limit" and stray == ["limitPrice"]):
            name = next(f for f in stray if not (kind == "stop_limit" and f == "limitPrice"))
            raise RequestError(
                f"stopLoss.{name}", f"does not apply to a {kind} stop loss; it takes {', '.join(forms)}"
            )
        form, value = _one_form(data, forms, "stopLoss")
        limit = None
        if kind == "stop_limit":
            if data.get("limitPrice") is None:
                raise RequestError("stopLoss.limitPrice", "a stop_limit stop loss needs its limitPrice")
            limit = _positive(data["limitPrice"], "stopLoss.limitPrice")
        sl = Leg(kind, form, value, limit)
    if tp is None and sl is None:
        return None
    return Bracket(tp, sl)


def check_against(bracket: Bracket, side: str, price: float | None) -> None:
    """Absolute leg prices on the side of the entry they protect (``price``: the entry's
    limit, else the market), so that no leg is through the market the moment it rests."""
    if price is None:
        return
    sign = 1 if side == "buy" else -1
    tp, sl = bracket.take_profit, bracket.stop_loss
    if tp and tp.form == "limitPrice" and (tp.value - price) * sign <= 0:
        where = "above" if sign > 0 else "below"
        raise RequestError(
            "takeProfit.limitPrice",
            f"a {side}'s take profit sits {where} its entry price {price:g}, not at {tp.value:g}",
        )
    if sl and sl.form == "stopPrice" and (price - sl.value) * sign <= 0:
        where = "below" if sign > 0 else "above"
        raise RequestError(
            "stopLoss.stopPrice",
            f"a {side}'s stop loss sits {where} its entry price {price:g}, not at {sl.value:g}",
        )


def on_tick(root: str, price: float, *, up: bool | None = None) -> float:
    """``price`` on the contract's tick grid: nearest, or rounded up or down."""
    spec = spec_for(root)
    if spec is None:
        return price
    ticks = price / spec.tick_size
    n = math.ceil(ticks - 1e-9) if up is True else math.floor(ticks + 1e-9) if up is False else round(ticks)
    return round(n * spec.tick_size, 10)


def trail_of(leg: Leg, reference: float) -> float:
    return leg.value if leg.form == "trailAmount" else reference * leg.value / 100


def leg_prices(leg: Leg, entry_side: str, fill: float, root: str) -> dict[str, float]:
    """Where one leg rests for an entry on ``entry_side`` filled at ``fill``: ``price``
    for a take profit, ``stop_price`` (and a stop_limit's ``price``) for a stop loss.
    Offsets round away from the fill, so the leg is never nearer than asked."""
    sign = 1 if entry_side == "buy" else -1
    if leg.type == "limit":
        if leg.form == "limitPrice":
            return {"price": leg.value}
        offset = leg.value if leg.form == "amount" else fill * leg.value / 100
        return {"price": on_tick(root, fill + sign * offset, up=sign > 0)}
    if leg.type == "trailing_stop":
        return {"stop_price": on_tick(root, fill - sign * trail_of(leg, fill), up=sign < 0)}
    if leg.form == "stopPrice":
        stop = leg.value
    else:
        offset = leg.value if leg.form == "amount" else fill * leg.value / 100
        stop = on_tick(root, fill - sign * offset, up=sign < 0)
    out = {"stop_price": stop}
    if leg.type == "stop_limit" and leg.limit is not None:
        out["price"] = leg.limit
    return out


def touched(leg: dict[str, Any], quote: Quote) -> bool:
    sell = leg["side"] == "sell"
    if leg["type"] == "limit":
        touch = (quote.bid if sell else quote.ask) or quote.last
        price = float(leg["price"])
        return touch is not None and (touch >= price if sell else touch <= price)
    trade = quote.last if quote.last is not None else (quote.bid if sell else quote.ask)
    stop = float(leg["stop_price"])
    return trade is not None and (trade <= stop if sell else trade >= stop)


def native_leg(kind: str, leg: Leg, order_id: str) -> BracketLeg | None:
    """The leg as a broker-native bracket leg, or None for a form brokers do not take
    (a percent of the fill, a stop_limit)."""
    if leg.type == "limit":
        level = (
            {"offset": leg.value}
            if leg.form == "amount"
            else {"price": leg.value}
            if leg.form == "limitPrice"
            else None
        )
        return BracketLeg(order_id, "take_profit", "limit", **level) if level else None
    if leg.type == "stop":
        level = (
            {"offset": leg.value}
            if leg.form == "amount"
            else {"stop_price": leg.value}
            if leg.form == "stopPrice"
            else None
        )
        return BracketLeg(order_id, "stop_loss", "stop", **level) if level else None
    if leg.type == "trailing_stop" and leg.form == "trailAmount":
        return BracketLeg(order_id, "stop_loss", "trailing_stop", offset=leg.value)
    return None
