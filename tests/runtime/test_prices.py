"""The one price check every boundary uses (runtime/prices.py)."""

from __future__ import annotations

import pytest

from ordergate.runtime.errors import RequestError
from ordergate.runtime.metrics import Metrics
from ordergate.runtime.prices import MAX_PRICE, PriceError, check_price, check_quote, refuse


@pytest.mark.parametrize(
    "value",
    [float("nan"), float("inf"), -float("inf"), 0, -1.5, 1e308, MAX_PRICE * 2, 10**400, True, "6000", None],
)
def test_a_price_that_is_not_finite_positive_and_sane_is_refused_naming_the_field(value: object) -> None:
    with pytest.raises(PriceError) as caught:
        check_price(value, "price")
    assert caught.value.field == "price"
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, RequestError)


def test_a_sane_price_comes_back_as_a_float() -> None:
    assert check_price(6000, "last") == 6000.0 and isinstance(check_price(6000, "last"), float)
    assert check_price(MAX_PRICE, "last") == MAX_PRICE


def test_the_tick_grid_is_checked_when_the_caller_knows_the_tick() -> None:
    assert check_price(6000.25, "price", tick=0.25) == 6000.25
    assert check_price(0.3, "price", tick=0.1) == 0.3  # float noise is still on the grid
    with pytest.raises(PriceError, match="tick"):
        check_price(6000.1, "price", tick=0.25)


def test_a_quote_with_the_bid_above_the_ask_is_refused_naming_the_ask() -> None:
    assert check_quote(6000, 6000.25, None) == (6000.0, 6000.25, None)
    with pytest.raises(PriceError) as caught:
        check_quote(6001, 6000, 6000)
    assert caught.value.field == "ask"
    with pytest.raises(PriceError) as caught:
        check_quote(None, None, 1e308)
    assert caught.value.field == "last"


def test_a_refused_price_is_counted_by_source() -> None:
    metrics = Metrics()
    refuse(metrics, "feed", PriceError("last", "must be finite"))
    text = metrics.render().decode()
    assert 'ordergate_refused_prices_total{source="feed"} 1.0' in text
    assert 'ordergate_refused_prices_total{source="broker"} 0.0' in text
