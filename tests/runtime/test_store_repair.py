"""A store holding inf, -inf or nan from an earlier build is repaired at start."""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ordergate.runtime.service import Runtime
from ordergate.runtime.store import SqliteStore
from ordergate.runtime.store_repair import repair_non_finite

from .conftest import MONDAY_10, client, order, quote

pytestmark = pytest.mark.anyio


def numbers(value: Any) -> list[float]:
    """Every number anywhere in a JSON answer."""
    if isinstance(value, bool):
        return []
    if isinstance(value, int | float):
        return [float(value)]
    if isinstance(value, dict):
        return [n for v in value.values() for n in numbers(v)]
    if isinstance(value, list):
        return [n for v in value for n in numbers(v)]
    return []


async def a_store_with_a_position(make_runtime: Callable[..., Runtime]) -> None:
    runtime = make_runtime()
    await runtime.start(background=False)
    await quote(runtime, "ES", 6000)
    status, _ = await order(runtime, qty=2)
    assert status == 201
    await runtime.stop()


def corrupt(database: Path, *statements: str) -> None:
    db = sqlite3.connect(database)
    with db:
        for sql in statements:
            db.execute(sql)
    db.close()


async def test_infinite_high_water_marks_restart_at_the_balance_and_the_api_answers(
    make_runtime: Callable[..., Runtime], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    await a_store_with_a_position(make_runtime)
    # 9e999 is how SQL spells infinity; SQLite keeps it as a REAL
    corrupt(tmp_path / "state.db", "UPDATE accounts SET peak_equity = 9e999, eod_peak = -9e999")
    runtime = make_runtime()
    await runtime.start(background=False)
    try:
        async with client(runtime) as c:
            r = await c.get("/v1/accounts")
        assert r.status_code == 200
        account = r.json()["accounts"][0] if isinstance(r.json(), dict) else r.json()[0]
        assert all(math.isfinite(n) for n in numbers(r.json()))
        assert account["peak_equity"] == account["balance"] == 50000
        assert account["locked"] is None  # the mark is derived, not guessed: no lock
        assert "state store repaired: PAPER-1: peak_equity held inf, set to 50000" in caplog.text
        assert "eod_peak held -inf" in caplog.text
        events = [e.data for e in runtime.core.bus.recent if e.type == "store_repaired"]
        assert {e["field"] for e in events} == {"peak_equity", "eod_peak"}
    finally:
        await runtime.stop()


async def test_a_balance_a_realized_pnl_and_an_entry_price_that_are_not_numbers_are_repaired_and_lock(
    make_runtime: Callable[..., Runtime], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    await a_store_with_a_position(make_runtime)
    corrupt(
        tmp_path / "state.db",
        "UPDATE accounts SET balance = 'NaN'",  # text: what a hand edit leaves
        "UPDATE fills SET realized = -9e999",
        "UPDATE positions SET avg_price = 9e999",
    )
    runtime = make_runtime()
    await runtime.start(background=False)
    try:
        await quote(runtime, "ES", 6001)
        async with client(runtime) as c:
            r = await c.get("/v1/accounts/PAPER-1")
        assert r.status_code == 200
        view = r.json()
        assert all(math.isfinite(n) for n in numbers(view))
        assert view["balance"] == 50000  # starting balance + realized P&L (repaired to 0)
        assert view["positions"][0]["avg_price"] == 6000.25  # the fill that opened it
        assert view["locked"]["reason"] == "store_repair" and view["locked"]["enforce"] is False
        _, body = await order(runtime, qty=1)
        assert body["decision"]["code"] == "account_locked"  # entries wait for a person
        status, body = await order(runtime, side="sell", qty=2)
        assert status == 201 and body["decision"]["exit"] is True  # exits pass
        assert "balance held 'NaN', set to 50000" in caplog.text
        assert "avg_price held inf, set to 6000.25; the account is locked" in caplog.text
    finally:
        await runtime.stop()


def test_a_position_with_no_finite_price_anywhere_leaves_the_book_and_locks(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "state.db")
    try:
        corrupt(
            tmp_path / "state.db",
            "INSERT INTO accounts (id, connection, balance, start_balance, peak_equity, eod_peak)"
            " VALUES ('A1', 'Paper', 9e999, -9e999, NULL, 9e999)",
            "INSERT INTO positions (account, root, qty, avg_price) VALUES ('A1', 'NQ', -3, -9e999)",
        )
        repairs = repair_non_finite(store, MONDAY_10.isoformat())
        row = store.accounts()[0]
        assert (row.balance, row.start_balance, row.peak_equity, row.eod_peak) == (0.0, 0.0, None, 0.0)
        assert store.positions("A1") == {}
        assert [lock.reason for lock in store.locks()] == ["store_repair"]
        assert {r.field for r in repairs} == {"positions.NQ (-3)", "start_balance", "balance", "eod_peak"}
        assert repair_non_finite(store, MONDAY_10.isoformat()) == []  # a repaired store stays quiet
    finally:
        store.close()


def test_an_existing_enforced_lock_is_not_weakened_by_a_repair(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "state.db")
    try:
        corrupt(
            tmp_path / "state.db",
            "INSERT INTO accounts (id, connection, balance, start_balance) VALUES ('A1', 'Paper', 1000, 1000)",
            "INSERT INTO positions (account, root, qty, avg_price) VALUES ('A1', 'ES', 1, 9e999)",
            "INSERT INTO locks (account, until, enforce, reason, kind, created_at)"
            " VALUES ('A1', '2026-11-24T09:30:00-05:00', 1, 'daily_loss_limit', 'session', 't')",
        )
        repair_non_finite(store, MONDAY_10.isoformat())
        (lock,) = store.locks()
        assert (lock.reason, lock.enforce) == ("daily_loss_limit", True)
    finally:
        store.close()
