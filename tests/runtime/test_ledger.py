"""Booking fills: a fill id is booked once, and a replayed fill is not an error."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest

from ordergate.runtime.brokers.base import Fill
from ordergate.runtime.ledger import book_fill
from ordergate.runtime.service import Runtime
from tests.runtime.conftest import order, quote

pytestmark = pytest.mark.anyio


def _fill_rows(state_db: Path) -> list[tuple[str, int]]:
    with sqlite3.connect(state_db) as db:
        return [(str(r[0]), int(r[1])) for r in db.execute("SELECT fill_id, qty FROM fills ORDER BY ts")]


async def _filled_order(runtime: Runtime) -> Fill:
    """A market order of 2 filled by the paper broker; the fill as the broker reported it."""
    await quote(runtime, "ES", 6000)
    status, body = await order(runtime, qty=2)
    assert status == 201 and body["order"]["status"] == "filled"
    [event] = [e for e in runtime.core.bus.recent if e.type == "fill"]
    return Fill(
        "PAPER-1",
        body["order"]["id"],
        "ES",
        "ESZ6",
        "buy",
        2,
        6000.25,
        runtime.core.now().timestamp(),
        fill_id=event.data["fill_id"],
    )


async def test_a_fill_delivered_twice_is_booked_once_without_an_error(
    started: Runtime, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fill = await _filled_order(started)
    assert fill.fill_id and _fill_rows(tmp_path / "state.db") == [(fill.fill_id, 2)]
    before = started.account_view("PAPER-1")
    caplog.set_level(logging.DEBUG, logger="ordergate.ledger")
    assert book_fill(started.core, fill) is None  # the replay, as reconciliation delivers it
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert any("booked before" in r.getMessage() for r in caplog.records)
    assert _fill_rows(tmp_path / "state.db") == [(fill.fill_id, 2)]
    after = started.account_view("PAPER-1")
    assert after["positions"] == before["positions"] and after["trades"] == before["trades"]
    assert started.core.orders.get(fill.order_id or "")["fills"] == [{"qty": 2, "price": 6000.25}]
    assert [e.type for e in started.core.bus.recent].count("fill") == 1
    assert [e for e in started.core.bus.recent if e.type == "fill_refused"] == []


async def test_a_new_fill_its_filled_order_cannot_take_is_refused_and_not_stored(
    started: Runtime, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fill = await _filled_order(started)
    extra = Fill(
        fill.account,
        fill.order_id,
        fill.root,
        fill.symbol,
        fill.side,
        1,
        fill.price,
        fill.ts,
        fill_id="other",
    )
    assert book_fill(started.core, extra) is None
    [record] = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert record.levelno == logging.ERROR and "fill other not booked against order" in record.getMessage()
    assert _fill_rows(tmp_path / "state.db") == [(fill.fill_id, 2)]  # the row went back with the rest
    assert started.account_view("PAPER-1")["positions"][0]["qty"] == 2
    [refused] = [e for e in started.core.bus.recent if e.type == "fill_refused"]
    assert refused.data["fill_id"] == "other"
