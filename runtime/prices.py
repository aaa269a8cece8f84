"""The one check every price passes on its way in (DESIGN 9).

Prices come from the API, webhooks, brokers and feeds. Each must be a finite number
greater than 0 and at most ``MAX_PRICE``, on the contract's tick grid where the caller
knows it, and a quote's bid must not be above its ask. ``MAX_PRICE`` is what keeps
price × qty × point value finite: a 1e308 "price" is finite on its own but turns equity
into inf the moment it marks a position.

``check_price`` and ``check_quote`` raise ``PriceError``, a ``ValueError`` that is also
a ``RequestError`` naming the field, so the API answers it as a 422 without a mapping of
its own, and a broker or feed can catch it as a plain ``ValueError``. ``refuse`` is how
a boundary reports one: it counts it in ``ordergate_refused_prices_total{source}`` and
logs it, once per refused price.
"""

from __future__ import annotations

import logging
import math
from typing import TYPE_CHECKING

from ordergate.runtime.errors import RequestError

if TYPE_CHECKING:
    from ordergate.runtime.metrics import Metrics

MAX_PRICE = 1e9  # well above any futures price; 1e9 × 1e30 contracts × $1e4/point is still finite
SOURCES = ("api", "webhook", "feed", "broker")
_TICK_TOLERANCE = 1e-6  # in ticks: float prices such as 0.1 × 3 are on the grid

log = logging.getLogger("ordergate.prices")


class PriceError(RequestError, ValueError):
    """A price refused at the boundary; ``field`` names where it came from."""


def check_price(value: object, field: str, *, tick: float | None = None) -> float:
    """``value`` as a float when it is a usable price, else ``PriceError`` naming ``field``.

    Booleans are refused although Python counts them as ints: ``true`` is not a price.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PriceError(field, f"must be a number, not {value!r}")
    try:
        price = float(value)
    except OverflowError:  # an int too large for a float
        raise PriceError(field, f"must be at most {MAX_PRICE:g}") from None
    if not math.isfinite(price):
        raise PriceError(field, f"must be a finite number, not {price!r}")
    if price <= 0:
        raise PriceError(field, f"must be a positive price, not {price:g}")
    if price > MAX_PRICE:
        raise PriceError(field, f"must be at most {MAX_PRICE:g}, not {price:g}")
    if tick is not None and not on_grid(price, tick):
        raise PriceError(field, f"{price:g} is not on the tick grid of {tick:g}")
    return price


def on_grid(price: float, tick: float) -> bool:
    steps = price / tick
    return abs(steps - round(steps)) <= _TICK_TOLERANCE


def check_quote(
    bid: object, ask: object, last: object, *, tick: float | None = None
) -> tuple[float | None, float | None, float | None]:
    """Each given price checked (None means not quoted), and bid ≤ ask when both are given."""
    checked = tuple(
        None if value is None else check_price(value, name, tick=tick)
        for name, value in (("bid", bid), ("ask", ask), ("last", last))
    )
    b, a, t = checked
    if b is not None and a is not None and b > a:
        raise PriceError("ask", f"must not be below the bid (bid {b:g}, ask {a:g})")
    return b, a, t


def refuse(metrics: Metrics | None, source: str, error: PriceError, where: str = "") -> None:
    """Count and log one refused price from ``source`` (api, webhook, feed or broker)."""
    if metrics is not None:
        metrics.refused_prices.labels(source).inc()
    log.warning("refused a price from %s%s: %s", source, f" ({where})" if where else "", error)
