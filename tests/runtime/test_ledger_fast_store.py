"""The SQLite store skips an account UPDATE that would rewrite the row as it is (a fill
that realizes nothing), and writes it whenever the row may hold anything else: after a
rollback, a failed commit, an upsert or a delete of the account."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from ordergate.runtime.store import AccountRow, StoreError
from ordergate.runtime.store.sqlite import SqliteStore

FIELDS = {"balance": 49_500.5, "peak_equity": 50_000.0, "eod_peak": None, "day": "2026-11-23"}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    opened = SqliteStore(tmp_path / "state.db")
    opened.upsert_account(AccountRow.opened("A1", "paper", None, 50_000.0))
    yield opened
    opened.close()


def updates(store: SqliteStore) -> list[str]:
    """The UPDATEs of accounts the store runs from now on."""
    seen: list[str] = []
    store._db.set_trace_callback(lambda sql: seen.append(sql) if sql.startswith("UPDATE accounts") else None)
    return seen


def stored(path: Path) -> list[tuple[object, ...]]:
    """The accounts rows as another connection reads them, with each column's type."""
    db = sqlite3.connect(path)
    try:
        return db.execute(
            "SELECT id, balance, typeof(balance), peak_equity, eod_peak, typeof(eod_peak), day FROM accounts"
        ).fetchall()
    finally:
        db.close()


def test_an_unchanged_account_update_is_not_written_again(store: SqliteStore) -> None:
    seen = updates(store)
    store.update_account("A1", **FIELDS)
    before = stored(store.path)
    store.update_account("A1", **FIELDS)
    with store.transaction():
        store.update_account("A1", **FIELDS)
    assert len(seen) == 1
    assert stored(store.path) == before == [("A1", 49_500.5, "real", 50_000.0, None, "null", "2026-11-23")]


def test_a_changed_field_of_the_update_is_written(store: SqliteStore) -> None:
    seen = updates(store)
    store.update_account("A1", **FIELDS)
    store.update_account("A1", **{**FIELDS, "eod_peak": 50_000.0})
    store.update_account("A1", **{**FIELDS, "eod_peak": 50_000.0, "day": "2026-11-24"})
    store.update_account("A1", enabled=False)  # a field not written before
    store.update_account("A1", enabled=0)  # False is stored as 0: nothing to write
    store.update_account("A1", enabled=True)
    assert len(seen) == 5
    assert stored(store.path)[0][4] == 50_000.0 and stored(store.path)[0][6] == "2026-11-24"


def test_zero_and_negative_zero_and_int_and_float_are_not_the_same_write(store: SqliteStore) -> None:
    seen = updates(store)
    store.update_account("A1", balance=0.0)
    store.update_account("A1", balance=-0.0)
    store.update_account("A1", balance=0)
    store.update_account("A1", balance=0)
    assert len(seen) == 3


def test_an_update_rolled_back_is_written_again(store: SqliteStore) -> None:
    seen = updates(store)
    store.update_account("A1", **FIELDS)
    with pytest.raises(RuntimeError), store.transaction():
        store.update_account("A1", **{**FIELDS, "balance": 1.0})
        raise RuntimeError("rolled back")
    store.update_account("A1", **{**FIELDS, "balance": 1.0})
    assert len(seen) == 3 and stored(store.path)[0][1] == 1.0


def test_an_update_whose_commit_failed_is_written_again(store: SqliteStore) -> None:
    store._db.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
    store._db.execute(
        "CREATE TABLE child (parent INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)"
    )
    seen = updates(store)
    with pytest.raises(StoreError), store.transaction():
        store.update_account("A1", **FIELDS)
        store._db.execute("INSERT INTO child VALUES (7)")  # no parent 7: fails at COMMIT
    store.update_account("A1", **FIELDS)
    assert len(seen) == 2 and stored(store.path)[0][1] == 49_500.5


def test_an_account_deleted_and_added_again_is_updated(store: SqliteStore) -> None:
    seen = updates(store)
    store.update_account("A1", **FIELDS)
    store.delete_account("A1")
    store.upsert_account(AccountRow.opened("A1", "paper", None, 50_000.0))
    store.update_account("A1", **FIELDS)
    assert len(seen) == 2 and stored(store.path)[0][1] == 49_500.5


def test_an_unchanged_update_outside_a_transaction_still_lets_pending_writes_land_first(
    store: SqliteStore,
) -> None:
    store.update_account("A1", **FIELDS)
    settled: list[int] = []
    store.before_write = lambda: settled.append(1)
    store.update_account("A1", **FIELDS)
    assert settled == [1]
