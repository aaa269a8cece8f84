"""The embedded state store: ``SqliteStore`` on one SQLite file in WAL mode.

Every write that backs an acknowledgement (a lock, a breach, an accepted order, a fill,
an audit entry) is committed before the caller answers: a process killed with SIGKILL
loses nothing it acknowledged. Schema changes are the numbered migrations of
``migrations.py``, applied in order at open and counted in ``PRAGMA user_version``.
``AuditReader`` reads the audit log of a file beside a running runtime;
``Checkpointer`` copies the WAL back on a thread of its own.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from ordergate.runtime.private import make_private_dir, own_database_files
from ordergate.runtime.store import rows
from ordergate.runtime.store.interface import (
    OPEN_STATUSES,
    AccountRow,
    FillRow,
    LockRow,
    StoreError,
    WritePause,
)
from ordergate.runtime.store.migrations import MIGRATIONS

log = logging.getLogger(__name__)

SAFETY_CHECKPOINT_PAGES = 20_000
CHECKPOINT_SECONDS = 0.1
RESTART_FRAMES = 12_000  # a WAL this long is caught up whole, with the loop's commits held back
PAUSE_GRANTED_SECONDS = 0.05  # how long the checkpointer waits for the loop to hold its commits
BACKGROUND_NICE = 10  # how far the checkpointer's passes step back from the event loop (``_step_back``)


class Checkpointer:
    """Runs SQLite's WAL checkpoints on a thread of its own, on a connection of its own.

    PASSIVE checkpoints never wait for the writer and never make it wait, so the
    fsyncs and page copies of a checkpoint happen beside the event loop, not inside
    an order's commit.

    That alone does not keep the WAL short. SQLite starts the WAL over only when a
    writer begins a transaction with every frame copied back, and under a steady flow
    of orders a commit always lands while a checkpoint runs: the WAL grew to the
    writer's safety net (``SAFETY_CHECKPOINT_PAGES``), whose checkpoint then ran inside
    a commit, on the event loop, its copies and two fsyncs stalling every request for
    5-8 ms about once a second. So once the WAL is ``RESTART_FRAMES`` long, the
    checkpointer asks the writer (``pause``, the group commit) to hold its commits
    back, catches up whole while nothing is appended, and lets them go: the next
    commit starts the WAL over, and only the sync of its new header runs on the loop.
    The loop is not blocked meanwhile: requests are decided and answered as before,
    and the orders that wait commit together, in one group, when the hold ends.

    The database file is synced just before the hold, not in it. A pass that does not
    reach the end of the WAL (under a flow of commits, none does) copies its pages back
    without syncing the file; SQLite syncs it only in a pass that catches up whole. So
    the held pass used to flush every page the passes of the last half second had
    copied: 2.3-2.9 ms of a 3-4 ms hold. Synced first, beside the running commits, the
    held pass syncs only the few pages it copies itself; and a pass between that sync
    and the hold copies what was committed during the sync, so the held pass copies
    only what came after it.

    The passes and that sync run at a lower priority than the event loop
    (``BACKGROUND_NICE``). Woken every 100 ms, the thread used to take the core from the
    loop at once and share it half and half for the milliseconds a pass and its
    writeback take, slowing every request in flight. Stepped back, it gets about a tenth
    of the core while the loop is busy, and all it wants while the loop is not. The held
    pass is the exception: the orders wait for it, so it runs on a thread of its own at
    the priority of the thread that opened the store (``_held``), for a thread that has
    lowered its own priority may not raise it again.
    """

    def __init__(
        self, path: Path, every: float | None = None, pause: Callable[[], WritePause | None] = lambda: None
    ) -> None:
        self._path = path
        self._every = CHECKPOINT_SECONDS if every is None else every
        self._pause = pause
        self.caught_up = 0  # checkpoints that caught up whole with the writer held back
        self._stopping = threading.Event()
        # A thread starts at the priority of the one that starts it: the held pass's is
        # started here, by the store's opener, before the checkpointer's steps back.
        self._held = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ordergate-catch-up")
        self._held.submit(lambda: None).result()
        self._thread = threading.Thread(target=self._run, name="ordergate-checkpointer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        _step_back(BACKGROUND_NICE)
        try:
            db = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:  # the writer's own automatic checkpoints still run
            log.warning("WAL checkpointer cannot open %s: %s", self._path, exc)
            return
        failing = False
        file = _open_for_sync(self._path)
        try:
            while not self._stopping.wait(self._every):
                try:
                    _, frames, _ = self._pass(db)
                    pause = self._pause()
                    if frames >= RESTART_FRAMES and pause is not None:
                        _sync(file)
                        self._pass(db)  # what came during the sync: the held pass need not copy it
                        # the connection goes to the held pass's thread and back: one user at a time
                        try:
                            held = self._held.submit(self._catch_up, db, pause)
                        except RuntimeError:  # the interpreter is exiting: no more work on threads
                            return
                        held.result()
                except sqlite3.Error as exc:
                    if not failing:  # once per spell of failures, not ten times a second
                        log.warning("WAL checkpoint failed (the writer's safety net remains): %s", exc)
                    failing = True
                else:
                    failing = False
        finally:
            db.close()
            if file is not None:
                os.close(file)

    def _catch_up(self, db: sqlite3.Connection, pause: WritePause) -> None:
        """Copy back what is left of the WAL while the writer holds its commits back, so
        that its next commit starts the WAL over."""
        granted = threading.Event()
        pause.pause(granted.set)
        try:
            if granted.wait(PAUSE_GRANTED_SECONDS) and not self._stopping.is_set():
                busy, frames, copied = self._pass(db)
                self.caught_up += not busy and frames == copied
        finally:
            pause.resume()

    @staticmethod
    def _pass(db: sqlite3.Connection) -> tuple[int, int, int]:
        """One PASSIVE checkpoint: (busy, frames in the WAL, frames copied back)."""
        busy, frames, copied = db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        return busy, frames, copied

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join()
        self._held.shutdown()


def _step_back(by: int) -> None:
    """Lower the calling thread's priority by ``by`` nice steps. Linux gives each thread
    a nice value of its own; elsewhere the call would move the whole process, so nothing
    is done there. A system that refuses leaves the thread as it was: only the tail of
    the order path's latency depends on it."""
    if sys.platform != "linux":
        return
    thread = threading.get_native_id()
    with contextlib.suppress(OSError):
        os.setpriority(os.PRIO_PROCESS, thread, min(19, os.getpriority(os.PRIO_PROCESS, thread) + by))


def _open_for_sync(path: Path) -> int | None:
    """A descriptor of the database file to sync it by, or None where the system will not
    give one (the catch-up's own pass syncs the file all the same)."""
    try:
        return os.open(path, os.O_RDONLY)
    except OSError:
        return None


def _sync(file: int | None) -> None:
    """Sync the pages the checkpoints copied into the database file; a failure only costs
    the held pass the time to sync them itself (and it reports a real fault)."""
    if file is not None:
        with contextlib.suppress(OSError):
            getattr(os, "fdatasync", os.fsync)(file)


_WITH_INPUTS = "SELECT id, body, inputs FROM decisions WHERE id > ? ORDER BY id LIMIT ?"


def _page_where(account: str | None, keyset: tuple[str, tuple[Any, ...]] | None) -> tuple[str, list[Any]]:
    """The WHERE of a newest-first page and its parameters: of one account (when given),
    and ``(clause, values)`` for the keyset position it starts after (when given)."""
    clauses: list[str] = []
    params: list[Any] = []
    if account:
        clauses.append("account = ?")
        params.append(account)
    if keyset is not None:
        clauses.append(keyset[0])
        params.extend(keyset[1])
    return (f"WHERE {' AND '.join(clauses)}" if clauses else ""), params


def _unchanged(written: dict[str, Any], fields: dict[str, Any], values: tuple[Any, ...]) -> bool:
    """Whether each of ``fields`` would store what ``written`` says its column holds: the
    same type and value (and for a zero, the same sign: 0.0 and -0.0 compare equal)."""
    for name, new in zip(fields, values, strict=True):
        old = written.get(name, _UNKNOWN)
        if type(old) is not type(new) or old != new or (not new and repr(old) != repr(new)):
            return False
    return True


_UNKNOWN = object()


class AuditReader:
    """The audit log of a store file, opened read-only: ``ordergate audit export --store``
    reads it beside a running runtime (WAL lets it) without migrating or writing it."""

    def __init__(self, path: Path) -> None:
        if not path.is_file():
            raise StoreError(f"no state store at {path}")
        try:
            self._db = sqlite3.connect(
                f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False
            )
            self._db.row_factory = sqlite3.Row
            columns = {r["name"] for r in self._db.execute("PRAGMA table_info(decisions)")}
        except sqlite3.Error as exc:
            raise StoreError(f"cannot read the state store at {path}: {exc}") from exc
        if "inputs" not in columns:
            self._db.close()
            raise StoreError(
                f"the state store at {path} keeps no decision inputs yet: start this version's runtime"
                " on it once (it adds them), and the decisions from then on can be exported"
            )

    def decisions_with_inputs(self, after: int, limit: int) -> list[dict[str, Any]]:
        try:
            return rows.with_inputs(self._db.execute(_WITH_INPUTS, (after, limit)).fetchall())
        except sqlite3.Error as exc:
            raise StoreError(f"state store read failed: {exc}") from exc

    def close(self) -> None:
        self._db.close()


class _Transaction:
    """``SqliteStore.transaction()``: reentrant, on the store's lock; the outermost block
    begins and commits (or rolls back). A class, not a generator: an order opens several
    and contextlib's machinery cost more than the statements' Python side."""

    __slots__ = ("_store",)

    def __init__(self, store: SqliteStore) -> None:
        self._store = store

    def __enter__(self) -> None:
        store = self._store
        if store._depth == 0 and store.before_write is not None:
            store.before_write()
        store._lock.acquire()
        if store._depth == 0:
            try:
                store._db.execute("BEGIN IMMEDIATE")
            except BaseException:
                store._lock.release()
                raise
        store._depth += 1

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: Any) -> None:
        store = self._store
        try:
            store._depth -= 1
            if store._depth:
                return
            if kind is not None:
                store._written.clear()  # what it wrote is undone
                store._db.execute("ROLLBACK")
                return
            try:
                store._db.execute("COMMIT")
            except sqlite3.Error as failed:
                store._rollback_after_failed_commit()
                raise StoreError(f"commit failed: {failed}") from failed
        finally:
            store._lock.release()


class SqliteStore:
    before_write: Callable[[], None] | None = None
    write_pause: WritePause | None = None  # the group commit, once there is one (Checkpointer)

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            make_private_dir(path.parent)
            own_database_files(path)  # owner-only, before SQLite creates its -wal and -shm
            self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL survives a process kill
            self._db.execute("PRAGMA foreign_keys=ON")
            # The checkpointer thread copies the WAL back into the database; SQLite's own
            # checkpoint would run inside a commit on the event loop and stall every
            # order behind it. The far higher automatic threshold is only a safety net
            # should that thread fall behind.
            self._db.execute(f"PRAGMA wal_autocheckpoint={SAFETY_CHECKPOINT_PAGES}")
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"cannot open the state store at {path}: {exc}") from exc
        self._lock = threading.RLock()
        self._depth = 0
        # each account row's columns as this connection last wrote them (committed, or in
        # the open transaction): a fill that realizes nothing would rewrite the balance,
        # the marks and the day unchanged, and that UPDATE (its statement and its page in
        # the commit) is skipped. Forgotten at any rollback and at any other write of the row.
        self._written: dict[str, dict[str, Any]] = {}
        self._update_sql: dict[tuple[str, ...], str] = {}  # fields updated -> the UPDATE
        self._transaction = _Transaction(self)
        self._migrate()
        self._checkpointer = Checkpointer(path, pause=lambda: self.write_pause)

    @property
    def where(self) -> str:
        return str(self.path)

    # ---- plumbing

    def _migrate(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        for number, migration in enumerate(MIGRATIONS[version:], start=version + 1):
            with self.transaction():
                for statement in migration.script("sqlite"):
                    self._db.execute(statement)
                self._db.execute(f"PRAGMA user_version = {number}")

    def transaction(self) -> _Transaction:
        """Group writes: committed together when the outermost block ends, rolled back on error."""
        return self._transaction

    def _rollback_after_failed_commit(self) -> None:
        # A COMMIT that fails (a deferred constraint, SQLITE_BUSY, a full disk) can leave
        # the transaction open: its writes would be swept into the next one, and that
        # one's BEGIN would fail. None of it was committed, so none of it may stay.
        self._written.clear()
        if self._db.in_transaction:
            try:
                self._db.execute("ROLLBACK")
            except sqlite3.Error as exc:  # the commit's error is the one to report
                log.warning("rollback after a failed commit failed: %s", exc)

    def _write(self, sql: str, params: tuple[Any, ...] = ()) -> sqlite3.Cursor:
        # Outside a transaction the statement is one of its own: SQLite commits it (the
        # connection is in autocommit mode). The lock keeps another thread's statement
        # out of a transaction this thread has open.
        if self._depth == 0 and self.before_write is not None:
            self.before_write()
        try:
            with self._lock:
                return self._db.execute(sql, params)
        except sqlite3.Error as exc:
            raise StoreError(f"state store write failed: {exc}") from exc

    def _read(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with self._lock:
            try:
                return self._db.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise StoreError(f"state store read failed: {exc}") from exc

    def close(self) -> None:
        self._checkpointer.stop()
        with self._lock:
            self._db.close()

    # ---- accounts

    def accounts(self) -> list[AccountRow]:
        return [rows.account(r) for r in self._read("SELECT * FROM accounts ORDER BY id")]

    def upsert_account(self, row: AccountRow) -> None:
        self._written.pop(row.id, None)  # an insert writes every column, a conflict a few
        self._write(
            "INSERT INTO accounts (id, connection, nickname, enabled, automation_paused, balance, start_balance, peak_equity, eod_peak, day)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET connection = excluded.connection, nickname = excluded.nickname",
            rows.account_params(row),
        )

    def update_account(self, account: str, **fields: Any) -> None:
        values = rows.account_updates(fields)
        if self._depth == 0 and self.before_write is not None:
            self.before_write()  # writes pending elsewhere land first, whether or not this one is needed
        with self._lock:
            written = self._written.get(account)
            if written is not None and _unchanged(written, fields, values):
                return  # the row holds these values already: rewriting them changes nothing
            key = tuple(fields)
            sql = self._update_sql.get(key)
            if sql is None:
                sets = ", ".join(f"{k} = ?" for k in key)
                sql = self._update_sql[key] = f"UPDATE accounts SET {sets} WHERE id = ?"
            self._written.pop(account, None)  # unknown until the statement has run
            try:
                self._db.execute(sql, (*values, account))
            except sqlite3.Error as exc:
                raise StoreError(f"state store write failed: {exc}") from exc
            if written is None:
                written = {}
            written.update(zip(key, values, strict=True))
            self._written[account] = written

    def move_account(self, account: str, connection: str) -> None:
        self._written.pop(account, None)  # any write of the row outside update_account forgets it
        self._write("UPDATE accounts SET connection = ? WHERE id = ?", (connection, account))

    def delete_account(self, account: str) -> None:
        self._written.pop(account, None)
        with self.transaction():
            for table, column in (("accounts", "id"), ("positions", "account"), ("locks", "account")):
                self._write(f"DELETE FROM {table} WHERE {column} = ?", (account,))

    # ---- positions and fills

    def positions(self, account: str) -> dict[str, tuple[int, float]]:
        return {
            r["root"]: (r["qty"], r["avg_price"])
            for r in self._read("SELECT * FROM positions WHERE account = ?", (account,))
        }

    def set_position(self, account: str, root: str, qty: int, avg_price: float) -> None:
        if qty == 0:
            self._write("DELETE FROM positions WHERE account = ? AND root = ?", (account, root))
        else:
            self._write(
                "INSERT INTO positions (account, root, qty, avg_price) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (account, root) DO UPDATE SET qty = excluded.qty, avg_price = excluded.avg_price",
                (account, root, qty, avg_price),
            )

    def add_fill(self, fill: FillRow) -> bool:
        """Record a fill; False (and nothing written) when its fill id is booked already."""
        cur = self._write(
            "INSERT OR IGNORE INTO fills (account, order_id, ts, root, side, qty, price, realized, entry,"
            " trading_day, week_start, fill_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows.fill_params(fill),
        )
        return cur.rowcount == 1

    def last_fill_ts(self, account: str) -> float | None:
        return rows.last_fill_ts(self._read("SELECT MAX(ts) AS ts FROM fills WHERE account = ?", (account,)))

    def realized_since(
        self, account: str, trading_day: str, week_start: str
    ) -> tuple[float, float, int, int]:
        """(realized today, realized this week, entries today, entries this week)."""
        row = self._read(
            "SELECT COALESCE(SUM(CASE WHEN trading_day = ? THEN realized END), 0) AS d,"
            " COALESCE(SUM(realized), 0) AS w,"
            " COALESCE(SUM(CASE WHEN trading_day = ? AND entry THEN 1 END), 0) AS dt,"
            " COALESCE(SUM(CASE WHEN entry THEN 1 END), 0) AS wt"
            " FROM fills WHERE account = ? AND week_start = ?",
            (trading_day, trading_day, account, week_start),
        )[0]
        return rows.realized(row)

    # ---- locks and breaches

    def locks(self) -> list[LockRow]:
        return [rows.lock(r) for r in self._read("SELECT * FROM locks")]

    def set_lock(self, row: LockRow) -> None:
        self._write(
            "INSERT INTO locks (account, until, enforce, reason, kind, created_at, enforced_until)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (account) DO UPDATE SET until = excluded.until, enforce = excluded.enforce,"
            " reason = excluded.reason, kind = excluded.kind, created_at = excluded.created_at,"
            " enforced_until = excluded.enforced_until",
            rows.lock_params(row),
        )

    def clear_lock(self, account: str) -> None:
        self._write("DELETE FROM locks WHERE account = ?", (account,))

    def add_breach(
        self, account: str, time: str, code: str, action: str, message: str, trading_day: str
    ) -> None:
        self._write(
            "INSERT INTO breaches (account, time, code, action, message, trading_day) VALUES (?, ?, ?, ?, ?, ?)",
            (account, time, code, action, message, trading_day),
        )

    def breaches(self, account: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        where, params = ("WHERE account = ?", (account,)) if account else ("", ())
        found = self._read(f"SELECT * FROM breaches {where} ORDER BY id DESC LIMIT ?", (*params, limit))
        return [dict(r) for r in found]

    # ---- orders and idempotency

    def save_order(
        self, order_id: str, account: str, body: dict[str, Any], status: str, managed: bool, created_at: str
    ) -> None:
        self._write(
            "INSERT INTO orders (id, account, body, status, managed, created_at) VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET body = excluded.body, status = excluded.status",
            (order_id, account, rows.to_json(body), status, int(managed), created_at),
        )

    def open_orders(self, account: str | None = None, managed: bool | None = None) -> list[dict[str, Any]]:
        sql = f"SELECT body FROM orders WHERE status IN ({', '.join(repr(s) for s in OPEN_STATUSES)})"
        params: tuple[Any, ...] = ()
        if account is not None:
            sql += " AND account = ?"
            params += (account,)
        if managed is not None:
            sql += " AND managed = ?"
            params += (int(managed),)
        return [json.loads(r["body"]) for r in self._read(sql + " ORDER BY created_at", params)]

    def order_history(
        self, account: str | None = None, limit: int = 100, before: tuple[str, str] | None = None
    ) -> list[dict[str, Any]]:
        """Every order, newest first: filled, working, held, cancelled, rejected, blocked.

        Ties in ``created_at`` are broken by id, so the order is total; ``before`` is a
        keyset position ``(created_at, id)`` and only orders after it come back (the
        API's paging, runtime/paging.py). Each order shows the ``created_at`` it is
        sorted by.
        """
        where, params = _page_where(
            account, None if before is None else ("(created_at, id) < (?, ?)", before)
        )
        found = self._read(
            f"SELECT created_at, body FROM orders {where} ORDER BY created_at DESC, id DESC LIMIT ?",
            (*params, limit),
        )
        return [rows.history_order(r) for r in found]

    def order(self, order_id: str) -> dict[str, Any] | None:
        found = self._read("SELECT body FROM orders WHERE id = ?", (order_id,))
        return json.loads(found[0]["body"]) if found else None

    def idempotent_get(self, account: str, key: str, day: str) -> tuple[int, dict[str, Any]] | None:
        return rows.idempotent(
            self._read(
                "SELECT status, body FROM idempotency WHERE account = ? AND key = ? AND day = ?",
                (account, key, day),
            )
        )

    def idempotent_put(self, account: str, key: str, day: str, status: int, body: dict[str, Any]) -> None:
        self._write(
            "INSERT OR IGNORE INTO idempotency (account, key, day, status, body) VALUES (?, ?, ?, ?, ?)",
            (account, key, day, status, rows.to_json(body)),
        )

    # ---- audit

    def append_decision(
        self,
        time: str,
        account: str,
        source: str | None,
        decision: dict[str, Any],
        order: dict[str, Any],
        inputs: dict[str, Any] | None = None,
    ) -> int:
        """One audit entry; ``inputs`` (the snapshot decided on) is what a replay reads."""
        cur = self._write(
            "INSERT INTO decisions (time, account, source, outcome, stage, code, policy, bundle, body, inputs) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows.decision_params(time, account, source, decision, order, inputs),
        )
        return int(cur.lastrowid or 0)

    def decisions(self, account: str | None, limit: int, before: int | None = None) -> list[dict[str, Any]]:
        """The audit log, newest first; with ``before`` (an audit id) only the entries older than it."""
        where, params = _page_where(account, None if before is None else ("id < ?", (before,)))
        found = self._read(
            f"SELECT id, body FROM decisions {where} ORDER BY id DESC LIMIT ?", (*params, limit)
        )
        return [rows.decision(r) for r in found]

    def decisions_with_inputs(self, after: int, limit: int) -> list[dict[str, Any]]:
        """Audit entries oldest first, from the one after audit id ``after``, each with its
        ``inputs`` (None for an entry recorded before inputs were kept)."""
        return rows.with_inputs(self._read(_WITH_INPUTS, (after, limit)))

    # ---- secrets (sealed by the vault; the store never sees plaintext)

    def put_secret(self, record: str, key_id: str, nonce: bytes, ciphertext: bytes) -> None:
        self._write(
            "INSERT INTO secrets (record, key_id, nonce, ciphertext) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (record) DO UPDATE SET key_id = excluded.key_id, nonce = excluded.nonce, ciphertext = excluded.ciphertext",
            (record, key_id, nonce, ciphertext),
        )

    def get_secret(self, record: str) -> tuple[str, bytes, bytes] | None:
        found = self._read("SELECT key_id, nonce, ciphertext FROM secrets WHERE record = ?", (record,))
        return (found[0]["key_id"], found[0]["nonce"], found[0]["ciphertext"]) if found else None

    def all_secrets(self) -> list[tuple[str, str, bytes, bytes]]:
        return [
            (r["record"], r["key_id"], r["nonce"], r["ciphertext"])
            for r in self._read("SELECT * FROM secrets")
        ]

    def delete_secret(self, record: str) -> None:
        self._write("DELETE FROM secrets WHERE record = ?", (record,))

    # ---- copy groups

    def copy_groups(self) -> list[dict[str, Any]]:
        return [rows.copy_group(r) for r in self._read("SELECT * FROM copy_groups ORDER BY name")]

    def save_copy_group(self, name: str, leader: str, followers: list[dict[str, Any]]) -> None:
        self._write(
            "INSERT INTO copy_groups (name, leader, followers) VALUES (?, ?, ?)"
            " ON CONFLICT (name) DO UPDATE SET leader = excluded.leader, followers = excluded.followers",
            (name, leader, rows.to_json(followers)),
        )

    def delete_copy_group(self, name: str) -> None:
        self._write("DELETE FROM copy_groups WHERE name = ?", (name,))

    # ---- webhook signals awaiting approval, and webhook settings (runtime/signals.py)

    def add_signal(
        self, signal_id: str, webhook: str, alert_id: str | None, alert: Any, created_at: str, expires_at: str
    ) -> None:
        self._write(
            "INSERT INTO signals (id, webhook, alert_id, body, status, created_at, expires_at)"
            " VALUES (?, ?, ?, ?, 'pending', ?, ?)",
            (signal_id, webhook, alert_id, rows.to_json(alert), created_at, expires_at),
        )

    def signals(self, status: str | None = None, limit: int = 1000) -> list[dict[str, Any]]:
        """Newest first; of one status, or all."""
        where, params = ("WHERE status = ?", (status,)) if status else ("", ())
        found = self._read(f"SELECT * FROM signals {where} ORDER BY rowid DESC LIMIT ?", (*params, limit))
        return [rows.signal(r) for r in found]

    def signal(self, signal_id: str) -> dict[str, Any] | None:
        found = self._read("SELECT * FROM signals WHERE id = ?", (signal_id,))
        return rows.signal(found[0]) if found else None

    def signal_by_alert(self, webhook: str, alert_id: str) -> dict[str, Any] | None:
        found = self._read(
            "SELECT * FROM signals WHERE webhook = ? AND alert_id = ? ORDER BY rowid LIMIT 1",
            (webhook, alert_id),
        )
        return rows.signal(found[0]) if found else None

    def settle_signal(self, signal_id: str, status: str, decided_at: str) -> bool:
        """Move a pending signal to ``status``; False when it was not pending any more
        (another approval, a reject or the expiry got there first)."""
        cursor = self._write(
            "UPDATE signals SET status = ?, decided_at = ? WHERE id = ? AND status = 'pending'",
            (status, decided_at, signal_id),
        )
        return cursor.rowcount == 1

    def signal_result(self, signal_id: str, result: dict[str, Any]) -> None:
        self._write("UPDATE signals SET result = ? WHERE id = ?", (rows.to_json(result), signal_id))

    def webhook_settings(self) -> dict[str, dict[str, Any]]:
        return {r["name"]: json.loads(r["settings"]) for r in self._read("SELECT * FROM webhook_settings")}

    def save_webhook_settings(self, name: str, settings: dict[str, Any], updated_at: str) -> None:
        self._write(
            "INSERT INTO webhook_settings (name, settings, updated_at) VALUES (?, ?, ?)"
            " ON CONFLICT (name) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at",
            (name, rows.to_json(settings), updated_at),
        )

    # ---- connections

    def saved_connections(self) -> list[tuple[str, dict[str, Any]]]:
        """Connections added through the API, with their (non-secret) settings."""
        return [
            (r["name"], json.loads(r["spec"]))
            for r in self._read("SELECT name, spec FROM connections WHERE spec IS NOT NULL ORDER BY name")
        ]

    def save_connection(self, name: str, broker: str, spec: dict[str, Any], updated_at: str) -> None:
        self._write(
            "INSERT INTO connections (name, broker, status, detail, updated_at, spec) VALUES (?, ?, 'disconnected', NULL, ?, ?)"
            " ON CONFLICT (name) DO UPDATE SET spec = excluded.spec, broker = excluded.broker",
            (name, broker, updated_at, rows.to_json(spec)),
        )

    def delete_connection(self, name: str) -> None:
        self._write("DELETE FROM connections WHERE name = ?", (name,))

    def set_connection_status(
        self, name: str, broker: str, status: str, detail: str | None, updated_at: str
    ) -> None:
        self._write(
            "INSERT INTO connections (name, broker, status, detail, updated_at) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (name) DO UPDATE SET status = excluded.status, detail = excluded.detail, updated_at = excluded.updated_at",
            (name, broker, status, detail, updated_at),
        )
