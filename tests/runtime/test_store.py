"""The SQLite store: WAL checkpoints run beside the writer, never inside its commits."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from ordergate.runtime.store import SAFETY_CHECKPOINT_PAGES, SqliteStore


def rows_in_the_database_file(path: Path) -> int:
    # immutable=1 reads the main file alone and ignores the WAL, so it sees only what a
    # checkpoint has copied back
    db = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
    try:
        return int(db.execute("SELECT COUNT(*) FROM breaches").fetchone()[0])
    except sqlite3.OperationalError:  # not even the schema is in the file yet
        return 0
    finally:
        db.close()


def test_the_checkpointer_copies_committed_writes_into_the_database_file(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    store = SqliteStore(path)
    try:
        automatic = store._db.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
        assert automatic == SAFETY_CHECKPOINT_PAGES  # the writer's own checkpoints are only a safety net
        for n in range(50):
            store.add_breach("A1", f"t{n}", "daily_loss_limit", "lock", "m", "2026-11-20")
        deadline = time.monotonic() + 5
        while rows_in_the_database_file(path) < 50 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert rows_in_the_database_file(path) == 50
    finally:
        store.close()


def test_closing_the_store_stops_its_checkpointer_at_once(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "state.db")
    thread = store._checkpointer._thread
    t0 = time.monotonic()
    store.close()
    assert not thread.is_alive()
    assert time.monotonic() - t0 < 1


def test_a_fill_id_is_stored_once_and_fills_without_one_are_all_kept(tmp_path: Path) -> None:
    from ordergate.runtime.store import FillRow

    store = SqliteStore(tmp_path / "state.db")
    try:

        def row(fill_id: str | None) -> FillRow:
            return FillRow("A1", "og-1", 1.0, "ES", "buy", 1, 6000.0, 0.0, True, "d", "w", fill_id)

        assert store.add_fill(row("F-1")) is True
        assert store.add_fill(row("F-1")) is False  # a repeated report of the same fill
        assert store.add_fill(row(None)) is True and store.add_fill(row(None)) is True
        assert store.realized_since("A1", "d", "w")[3] == 3 and store.last_fill_ts("A1") == 1.0
    finally:
        store.close()


def test_open_orders_are_those_the_broker_has_not_finished(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "state.db")
    try:
        for n, status in enumerate(
            (
                "submitted",
                "working",
                "partially_filled",
                "unconfirmed",
                "held",
                "filled",
                "cancelled",
                "rejected",
            )
        ):
            store.save_order(
                f"o{n}", "A1", {"id": f"o{n}", "status": status}, status, status == "held", f"t{n}"
            )
        assert [o["status"] for o in store.open_orders("A1")] == [
            "submitted",
            "working",
            "partially_filled",
            "unconfirmed",
            "held",
        ]
        assert store.order("o5") == {"id": "o5", "status": "filled"} and store.order("nope") is None
    finally:
        store.close()
