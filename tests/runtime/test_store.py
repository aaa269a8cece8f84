"""The SQLite store: WAL checkpoints run beside the writer, never inside its commits.

What every engine does the same is in test_store_contract.py, run on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from ordergate.runtime.store import SAFETY_CHECKPOINT_PAGES, SqliteStore, StoreError


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


def test_a_store_file_of_the_last_version_opens_with_its_data_and_counts_the_postgresql_only_step(
    tmp_path: Path,
) -> None:
    from ordergate.runtime.store import MIGRATIONS

    path = tmp_path / "state.db"
    db = sqlite3.connect(path)
    for migration in MIGRATIONS[:6]:  # the schema as the build before PostgreSQL left it
        for statement in migration.script("sqlite"):
            db.execute(statement)
    db.execute("PRAGMA user_version = 6")
    db.execute("INSERT INTO locks (account, enforce, created_at) VALUES ('A1', 1, 't0')")
    db.commit()
    db.close()
    store = SqliteStore(path)
    try:
        assert [lock.account for lock in store.locks()] == ["A1"]
        assert store._db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS) == 7
        tables = {r[0] for r in store._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert not tables & {"instances", "leases"}
    finally:
        store.close()


def test_a_failed_commit_is_rolled_back_and_the_store_goes_on(tmp_path: Path) -> None:
    # a deferred foreign key is judged at COMMIT, which then fails and leaves SQLite's
    # transaction open: the store must roll it back, not sweep it into the next one
    path = tmp_path / "state.db"
    store = SqliteStore(path)
    try:
        store._db.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
        store._db.execute(
            "CREATE TABLE child (parent INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)"
        )
        failed = pytest.raises(StoreError, match="commit failed: FOREIGN KEY constraint failed")
        with failed, store.transaction():
            store.set_position("A1", "ES", 1, 6000.0)
            store._db.execute("INSERT INTO child VALUES (7)")  # no parent 7: fails at COMMIT
        assert not store._db.in_transaction
        assert store.positions("A1") == {}  # nothing of the failed transaction stayed
        store.set_position("A1", "ES", 2, 6001.0)  # the next transaction begins and commits
    finally:
        store.close()
    reopened = SqliteStore(path)
    try:
        assert reopened.positions("A1") == {"ES": (2, 6001.0)}
        assert reopened._db.execute("SELECT COUNT(*) FROM child").fetchone()[0] == 0
    finally:
        reopened.close()
