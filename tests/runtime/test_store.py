"""The SQLite store: WAL checkpoints run beside the writer, never inside its commits.

What every engine does the same is in test_store_contract.py, run on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import json
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
    except sqlite3.DatabaseError:
        # not even the schema is in the file yet, or a checkpoint is copying pages into it
        # at this moment: immutable=1 takes no lock, so this read can see a half-copied
        # file ("database disk image is malformed"); the caller looks again
        return 0
    finally:
        db.close()


def a_store_file_of_version(path: Path, version: int, sql: str, rows: list[tuple[object, ...]]) -> None:
    """A store file as a build of schema ``version`` left it, holding ``rows`` (``sql``)."""
    from ordergate.runtime.store import MIGRATIONS

    db = sqlite3.connect(path)
    for migration in MIGRATIONS[:version]:
        for statement in migration.script("sqlite"):
            db.execute(statement)
    db.execute(f"PRAGMA user_version = {version}")
    db.executemany(sql, rows)
    db.commit()
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
    # the schema as the build before PostgreSQL left it
    a_store_file_of_version(
        path, 6, "INSERT INTO locks (account, enforce, created_at) VALUES (?, 1, 't0')", [("A1",)]
    )
    store = SqliteStore(path)
    try:
        assert [lock.account for lock in store.locks()] == ["A1"]
        assert store._db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS) == 10
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


def test_a_store_of_the_version_before_gets_the_fills_indexes_that_write_fewer_pages_and_keeps_its_fills(
    tmp_path: Path,
) -> None:
    from ordergate.runtime.store import FillRow

    path = tmp_path / "state.db"
    a_store_file_of_version(
        path,
        7,
        "INSERT INTO fills (account, ts, root, side, qty, price, realized, entry, trading_day, week_start, fill_id)"
        " VALUES (?, 5.0, 'ES', 'sell', 1, 6000, -250, 0, '2026-12-02', '2026-11-30', 'F-7')",
        [("A1",)],
    )
    store = SqliteStore(path)
    try:
        indexes = {r[0] for r in store._db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert "fills_account_day" not in indexes
        columns = [r[2] for r in store._db.execute("PRAGMA index_info(fills_fill_id)")]
        assert columns == ["fill_id", "account"]
        assert store.last_fill_ts("A1") == 5.0
        assert store.realized_since("A1", "2026-12-02", "2026-11-30") == (-250.0, -250.0, 0, 0)
        # the same uniqueness: a fill id once per account, and another account may share it
        fill = FillRow("A1", None, 6.0, "ES", "buy", 1, 6000.0, 0.0, True, "2026-12-02", "2026-11-30", "F-7")
        assert store.add_fill(fill) is False
        assert store.add_fill(dataclasses.replace(fill, account="A2")) is True
        # the two reads of fills by account still search an index, never scan the table
        for sql in (
            "SELECT MAX(ts) FROM fills WHERE account = 'A1'",
            "SELECT SUM(realized) FROM fills WHERE account = 'A1' AND week_start = '2026-11-30'",
        ):
            plan = " ".join(str(r[3]) for r in store._db.execute("EXPLAIN QUERY PLAN " + sql))
            assert "USING INDEX" in plan and "SCAN fills" not in plan, plan
    finally:
        store.close()


def test_a_store_of_the_version_before_keeps_its_positions_in_their_key_and_writes_a_page_fewer_a_fill(
    tmp_path: Path,
) -> None:
    path = tmp_path / "state.db"
    a_store_file_of_version(
        path,
        8,
        "INSERT INTO positions (account, root, qty, avg_price) VALUES (?, ?, ?, ?)",
        [("A1", "ES", 2, 6000.25), ("A1", "NQ", -1, 21000.5), ("A2", "ES", 3, 5999.75)],
    )
    store = SqliteStore(path)
    try:
        assert store.positions("A1") == {"ES": (2, 6000.25), "NQ": (-1, 21000.5)}
        assert store.positions("A2") == {"ES": (3, 5999.75)}
        (sql,) = store._db.execute("SELECT sql FROM sqlite_master WHERE name = 'positions'").fetchone()
        assert sql.rstrip().endswith("WITHOUT ROWID")
        # the key is still one row per account and root, and no index is kept beside it
        indexes = store._db.execute(
            "SELECT name FROM sqlite_master WHERE tbl_name = 'positions' AND type = 'index'"
        )
        assert indexes.fetchall() == []
        with pytest.raises(sqlite3.IntegrityError):
            store._db.execute(
                "INSERT INTO positions (account, root, qty, avg_price) VALUES ('A1', 'ES', 1, 1.0)"
            )
        store.set_position("A1", "ES", 0, 0.0)
        store.set_position("A2", "ES", 4, 6001.0)
        assert store.positions("A1") == {"NQ": (-1, 21000.5)} and store.positions("A2") == {"ES": (4, 6001.0)}
    finally:
        store.close()


def test_a_commit_of_a_fill_writes_one_page_of_positions(tmp_path: Path) -> None:
    # the pages a commit writes are the frames it appends to the WAL: a new position is
    # now one page of one b-tree, where it was a page of the table and one of its key
    path = tmp_path / "state.db"
    store = SqliteStore(path)
    try:
        store._checkpointer.stop()  # the WAL keeps every frame this test counts
        store.set_position("A1", "ES", 1, 6000.0)
        wal = path.with_name("state.db-wal")
        frame = 24 + store._db.execute("PRAGMA page_size").fetchone()[0]
        opened_closed_opened = (("A1", "NQ", 1), ("A1", "ES", 0), ("A2", "ES", -2))
        for account, root, qty in opened_closed_opened:
            before = wal.stat().st_size
            store.set_position(account, root, qty, 6000.5)
            assert (wal.stat().st_size - before) // frame == 1, (account, root, qty)
    finally:
        store.close()


def test_a_store_of_the_version_before_indexes_its_open_orders_only_and_still_finds_them(
    tmp_path: Path,
) -> None:
    from ordergate.runtime.store import OPEN_STATUSES

    path = tmp_path / "state.db"
    statuses = ["filled", "submitted", "cancelled", "working", "rejected", "held", "partially_filled"]
    a_store_file_of_version(
        path,
        9,
        "INSERT INTO orders (id, account, body, status, managed, created_at) VALUES (?, 'A1', ?, ?, ?, ?)",
        [
            (f"og-{n}", json.dumps({"id": f"og-{n}", "status": s}), s, int(s == "held"), f"t{n}")
            for n, s in enumerate(statuses)
        ],
    )
    store = SqliteStore(path)
    try:
        (sql,) = store._db.execute("SELECT sql FROM sqlite_master WHERE name = 'orders_open'").fetchone()
        # the index's WHERE is the store's reading of the open orders, status for status
        open_statuses = f"status IN ({', '.join(map(repr, OPEN_STATUSES))})"
        assert " ".join(sql.split("WHERE", 1)[1].split()) == open_statuses
        assert [o["status"] for o in store.open_orders()] == [
            "submitted",
            "working",
            "held",
            "partially_filled",
        ]
        assert [o["id"] for o in store.open_orders(managed=False)] == ["og-1", "og-3", "og-6"]
        store.save_order("og-1", "A1", {"id": "og-1", "status": "filled"}, "filled", False, "t1")
        assert [o["id"] for o in store.open_orders("A1", managed=False)] == ["og-3", "og-6"]
        # ended orders have no entry in it: it holds the three orders still open
        entries = "SELECT SUM(ncell) FROM dbstat WHERE name = 'orders_open' AND pagetype = 'leaf'"
        assert store._db.execute(entries).fetchone()[0] == 3
        for where in (open_statuses, f"{open_statuses} AND account = 'A1'"):
            query = f"EXPLAIN QUERY PLAN SELECT body FROM orders WHERE {where}"
            plan = " ".join(str(r[3]) for r in store._db.execute(query))
            assert "USING INDEX orders_open" in plan, plan
    finally:
        store.close()
