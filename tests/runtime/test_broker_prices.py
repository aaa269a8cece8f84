"""Prices from a broker or a feed are refused at the adapter's boundary, counted by
source in /metrics, and never reach a position's mark (DESIGN 9)."""

from __future__ import annotations

import math

import pytest

from ordergate.policy import Quote
from tests.runtime.conftest import client, order, quote

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    "bad",
    [
        Quote(None, None, 1e308, 0.0),
        Quote(None, None, float("inf"), 0.0),
        Quote(None, None, float("nan"), 0.0),
        Quote(6001.0, 6000.0, None, 0.0),  # bid above ask
        Quote(None, None, -5.0, 0.0),
    ],
)
async def test_a_feed_quote_that_is_not_a_price_is_refused_and_counted(started, bad: Quote) -> None:
    await quote(started, "ES", 6000)
    assert (await order(started, qty=1))[0] == 201
    broker = started.core.brokers["Paper"]
    broker.emit_quote("ES", bad)  # as the feed would hand it to the adapter's boundary
    await started.settle()
    view = started.account_view("PAPER-1")
    assert math.isfinite(view["equity"]) and math.isfinite(view["peak_equity"])
    assert broker.quotes["ES"].last == 6000
    async with client(started) as c:
        metrics = (await c.get("/metrics")).text
    assert 'ordergate_refused_prices_total{source="feed"} 1.0' in metrics


async def test_a_broker_warning_reaches_the_event_stream(started) -> None:
    # e.g. Rithmic's reference data disagreeing with the contract table
    started.core.brokers["Paper"].emit_warning("reference data for ES differs")
    [event] = [e for e in started.core.bus.recent if e.type == "broker_warning"]
    assert event.data == {"connection": "Paper", "message": "reference data for ES differs"}
