"""The shared state store: ``PostgresStore`` on a PostgreSQL database (asyncpg).

Several ``ordergate run`` processes may share one database; each opens its own
``PostgresStore``. It keeps the same tables as SQLite (``migrations.py``, counted in a
``schema_version`` table and applied under an advisory lock, so two instances starting at
once migrate once) and behaves the same through the ``Store`` interface: every write is
committed before the method returns, ``transaction()`` nests and only the outermost
block commits, an error rolls everything back.

Why a thread: see ``pgloop.py`` (the interface is synchronous; asyncpg runs on the
store's own loop and the methods wait on it).

Serialising an account across instances: inside a transaction the first write keyed by
an account takes ``pg_advisory_xact_lock(account_key(account))``; a second instance's
transaction writing for the same account waits there until the first commits or rolls
back, and transactions for other accounts do not wait at all. The key is the first
eight bytes of SHA-256 over ``b"ordergate.account\\0" + account id (UTF-8)``, read as a
signed big-endian 64-bit integer: stable across processes, versions and machines
(unlike Python's ``hash``), and in a namespace of its own.

Fencing (for the cluster, runtime/cluster): ``fence``, when set, maps an account to
``(connection, instance id)``; the same first write then reads that connection's lease
``FOR SHARE`` and raises ``LeaseLost`` unless the instance holds it unexpired. The share
lock keeps a takeover's UPDATE of the lease waiting until this transaction ends, so a
deposed holder can never commit a write for an account it no longer hosts.

Text is ordered with ``COLLATE "C"`` wherever an order is observable, so ids sort byte
for byte as in SQLite whatever the database's locale.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import threading
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

from ordergate.runtime.store import rows
from ordergate.runtime.store.interface import (
    OPEN_STATUSES,
    AccountRow,
    FillRow,
    LeaseLost,
    LockRow,
    StoreError,
    WritePause,
)
from ordergate.runtime.store.migrations import MIGRATIONS
from ordergate.runtime.store.pgloop import PgLink
from ordergate.runtime.store.postgres_records import PgRecords

log = logging.getLogger(__name__)

Fence = Callable[[str], tuple[str, str] | None]
T = TypeVar("T")

# the migrations run under this advisory lock: one instance migrates, the others wait
MIGRATION_LOCK = int.from_bytes(hashlib.sha256(b"ordergate.migrations").digest()[:8], "big", signed=True)

_OPEN = ", ".join(f"'{s}'" for s in OPEN_STATUSES)


def _page_where(account: str | None, keyset: tuple[str, tuple[Any, ...]] | None) -> tuple[str, list[Any]]:
    """The WHERE of a newest-first page and its parameters: of one account (when given),
    and ``(clause, values)`` for the keyset position it starts after (when given), the
    clause with a ``{}`` for each value, numbered here."""
    clauses: list[str] = []
    params: list[Any] = []
    if account:
        params.append(account)
        clauses.append(f"account = ${len(params)}")
    if keyset is not None:
        clause, values = keyset
        first = len(params) + 1
        params.extend(values)
        clauses.append(clause.format(*(f"${n}" for n in range(first, len(params) + 1))))
    return (f"WHERE {' AND '.join(clauses)}" if clauses else ""), params


def account_key(account: str) -> int:
    """The advisory lock key of an account (derivation in the module docstring)."""
    digest = hashlib.sha256(b"ordergate.account\0" + account.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


async def migrate(conn: Any) -> int:
    """Apply the migrations this database lacks; returns the schema version now."""
    async with conn.transaction():
        # another instance migrating is waited for as long as a statement may take, not
        # the short wait an order's lock gets (pgloop.LOCK_WAIT)
        await conn.execute("SET LOCAL lock_timeout = 0")
        await conn.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
        await conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        version = await conn.fetchval("SELECT version FROM schema_version")
        if version is None:
            version = 0
            await conn.execute("INSERT INTO schema_version (version) VALUES (0)")
        for number, migration in enumerate(MIGRATIONS[version:], start=version + 1):
            for statement in migration.script("postgresql"):
                await conn.execute(statement)
            await conn.execute("UPDATE schema_version SET version = $1", number)
            version = number
        return int(version)


class PostgresStore(PgRecords):
    # set by the cluster (part of issue 17); None: no lease is checked
    fence: Fence | None = None
    before_write: Callable[[], None] | None = None
    write_pause: WritePause | None = None  # never asked: the server keeps its own log

    def __init__(self, url: str) -> None:
        self.url = url
        self._link = PgLink(url)
        self._lock = threading.RLock()
        self._depth = 0
        self._tx: Any = None
        self._claimed: set[str] = set()  # accounts locked (and fenced) in this transaction
        try:
            self.version = self._link.run(lambda: migrate(self._link.conn))
        except StoreError:
            self._link.stop()
            raise

    @property
    def where(self) -> str:
        return self._link.where

    # ---- plumbing

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Group writes: committed together when the outermost block ends, rolled back on error."""
        if self._depth == 0 and self.before_write is not None:
            self.before_write()
        with self._lock:
            outer = self._depth == 0
            if outer:
                self._begin()
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                if outer:
                    self._end(commit=False)
                raise
            self._depth -= 1
            if outer:
                self._end(commit=True)

    def _begin(self) -> None:
        # BEGIN itself waits for the first statement (``_ensure_tx``): it goes in the same
        # trip to the loop, and a transaction that writes nothing costs nothing
        self._link.reconnect_if_lost()
        self._claimed = set()
        self._tx = None

    async def _ensure_tx(self) -> None:
        if self._depth and self._tx is None:
            tx = self._link.conn.transaction()
            await tx.start()
            self._tx = tx

    def _end(self, commit: bool) -> None:
        tx, self._tx = self._tx, None
        self._claimed = set()
        if tx is None:  # nothing was said to the server
            return
        if commit:
            try:
                self._link.run(tx.commit)
            except StoreError as exc:
                self._rollback_after_failed_commit()
                raise StoreError(f"commit failed: {exc}") from exc
            return
        try:
            self._link.run(tx.rollback)
        except StoreError as exc:  # the error that brought us here is the one to report
            log.warning("rollback failed (the server drops the transaction anyway): %s", exc)

    def _rollback_after_failed_commit(self) -> None:
        # A COMMIT that failed on the server ended its transaction there, but one that
        # timed out or was interrupted may leave it open on a connection we keep: its
        # writes would be swept into the next transaction, or hold its locks. asyncpg's
        # Transaction refuses a rollback once its commit failed, so it is said plainly.
        conn = self._link.conn

        async def rollback() -> None:
            if conn is not None and not conn.is_closed() and conn.is_in_transaction():
                await conn.execute("ROLLBACK")

        try:
            self._link.run(rollback)
        except StoreError as exc:  # the commit's error is the one to report
            log.warning("rollback after a failed commit failed: %s", exc)

    def _claims(self, account: str | None) -> list[tuple[int, tuple[str, str] | None]]:
        """What the first write for ``account`` in this transaction must take first."""
        if account is None or account in self._claimed:
            return []
        fence = self.fence
        return [(account_key(account), fence(account) if fence is not None else None)]

    async def _claim(self, account: str, key: int, lease: tuple[str, str] | None) -> None:
        conn = self._link.conn
        await conn.execute("SELECT pg_advisory_xact_lock($1)", key)
        if lease is not None:
            connection, instance = lease
            holder = await conn.fetchval(
                "SELECT holder FROM leases WHERE connection = $1 AND expires_at > clock_timestamp() FOR SHARE",
                connection,
            )
            if holder != instance:
                who = f"held by {holder}" if holder else "not held by anyone"
                raise LeaseLost(
                    f"account {account}: this instance ({instance}) no longer holds connection"
                    f" {connection} (its lease is {who}); nothing was written"
                )

    def _run(self, how: str, sql: str, args: tuple[Any, ...], account: str | None) -> Any:
        """One statement, preceded by the account's lock and fence on its first write;
        outside a transaction it is one of its own, begun and committed in the same trip."""
        if self._depth == 0 and self.before_write is not None:
            self.before_write()

        async def statement(claims: list[tuple[int, tuple[str, str] | None]]) -> Any:
            await self._ensure_tx()
            conn = self._link.conn
            for key, lease in claims:
                await self._claim(account or "", key, lease)
            if how == "fetch":
                return await conn.fetch(sql, *args)
            if how == "fetchval":
                return await conn.fetchval(sql, *args)
            return await conn.execute(sql, *args)

        with self._lock:
            claims = self._claims(account)  # under the lock: another thread may be mid-transaction
            if self._depth == 0:
                self._link.reconnect_if_lost()

                async def alone() -> Any:
                    async with self._link.conn.transaction():
                        return await statement(claims)

                return self._link.run(alone)
            result = self._link.run(lambda: statement(claims))
            if account is not None:
                self._claimed.add(account)
            return result

    def _write(self, sql: str, *args: Any, account: str | None = None) -> str:
        return str(self._run("execute", sql, args, account))

    def _insert_id(self, sql: str, *args: Any, account: str | None = None) -> int:
        return int(self._run("fetchval", sql, args, account) or 0)

    def _read(self, sql: str, *args: Any) -> list[Any]:
        async def read() -> Any:
            await self._ensure_tx()  # a read inside a transaction sees what it holds
            return await self._link.conn.fetch(sql, *args)

        with self._lock:
            if self._depth == 0:
                self._link.reconnect_if_lost()
            return list(self._link.run(read))

    def bulk(self, job: Callable[[Any], Awaitable[T]]) -> T:
        """``job(connection)`` in one transaction of its own on the store's loop: for tools
        that move many rows at once (``ordergate migrate-store``)."""
        with self._lock:
            if self._depth:
                raise StoreError("bulk work runs in a transaction of its own, not inside another")
            self._link.reconnect_if_lost()

            async def run() -> T:
                conn = self._link.conn
                async with conn.transaction():
                    return await job(conn)

            return self._link.run(run)

    def lock_account(self, account: str) -> None:
        """Take the account's advisory lock (and check its fence) now, before reading what
        the transaction decides on; only inside ``transaction()``."""
        if self._depth == 0:
            raise StoreError("lock_account is only meaningful inside a transaction")
        self._run("execute", "SELECT 1", (), account)

    def close(self) -> None:
        with self._lock:
            self._link.stop()

    # ---- accounts

    def accounts(self) -> list[AccountRow]:
        return [rows.account(r) for r in self._read('SELECT * FROM accounts ORDER BY id COLLATE "C"')]

    def upsert_account(self, row: AccountRow) -> None:
        self._write(
            "INSERT INTO accounts (id, connection, nickname, enabled, automation_paused, balance,"
            " start_balance, peak_equity, eod_peak, day) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
            " ON CONFLICT (id) DO UPDATE SET connection = excluded.connection, nickname = excluded.nickname",
            *rows.account_params(row),
            account=row.id,
        )

    def update_account(self, account: str, **fields: Any) -> None:
        values = rows.account_updates(fields)
        sets = ", ".join(f"{k} = ${n}" for n, k in enumerate(fields, start=1))
        self._write(
            f"UPDATE accounts SET {sets} WHERE id = ${len(values) + 1}", *values, account, account=account
        )

    def move_account(self, account: str, connection: str) -> None:
        self._write("UPDATE accounts SET connection = $1 WHERE id = $2", connection, account, account=account)

    def delete_account(self, account: str) -> None:
        with self.transaction():
            for table, column in (("accounts", "id"), ("positions", "account"), ("locks", "account")):
                self._write(f"DELETE FROM {table} WHERE {column} = $1", account, account=account)

    # ---- positions and fills

    def positions(self, account: str) -> dict[str, tuple[int, float]]:
        return {
            r["root"]: (r["qty"], r["avg_price"])
            for r in self._read("SELECT * FROM positions WHERE account = $1", account)
        }

    def set_position(self, account: str, root: str, qty: int, avg_price: float) -> None:
        if qty == 0:
            self._write(
                "DELETE FROM positions WHERE account = $1 AND root = $2", account, root, account=account
            )
        else:
            self._write(
                "INSERT INTO positions (account, root, qty, avg_price) VALUES ($1, $2, $3, $4)"
                " ON CONFLICT (account, root) DO UPDATE SET qty = excluded.qty, avg_price = excluded.avg_price",
                account,
                root,
                qty,
                avg_price,
                account=account,
            )

    def add_fill(self, fill: FillRow) -> bool:
        """Record a fill; False (and nothing written) when its fill id is booked already."""
        status = self._write(
            "INSERT INTO fills (account, order_id, ts, root, side, qty, price, realized, entry,"
            " trading_day, week_start, fill_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
            " ON CONFLICT DO NOTHING",
            *rows.fill_params(fill),
            account=fill.account,
        )
        return status == "INSERT 0 1"

    def last_fill_ts(self, account: str) -> float | None:
        return rows.last_fill_ts(self._read("SELECT MAX(ts) AS ts FROM fills WHERE account = $1", account))

    def realized_since(
        self, account: str, trading_day: str, week_start: str
    ) -> tuple[float, float, int, int]:
        """(realized today, realized this week, entries today, entries this week)."""
        row = self._read(
            "SELECT COALESCE(SUM(CASE WHEN trading_day = $1 THEN realized END), 0) AS d,"
            " COALESCE(SUM(realized), 0) AS w,"
            " COUNT(*) FILTER (WHERE trading_day = $1 AND entry <> 0) AS dt,"
            " COUNT(*) FILTER (WHERE entry <> 0) AS wt"
            " FROM fills WHERE account = $2 AND week_start = $3",
            trading_day,
            account,
            week_start,
        )[0]
        return rows.realized(row)

    # ---- locks and breaches

    def locks(self) -> list[LockRow]:
        return [rows.lock(r) for r in self._read("SELECT * FROM locks")]

    def set_lock(self, row: LockRow) -> None:
        self._write(
            "INSERT INTO locks (account, until, enforce, reason, kind, created_at, enforced_until)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7)"
            " ON CONFLICT (account) DO UPDATE SET until = excluded.until, enforce = excluded.enforce,"
            " reason = excluded.reason, kind = excluded.kind, created_at = excluded.created_at,"
            " enforced_until = excluded.enforced_until",
            *rows.lock_params(row),
            account=row.account,
        )

    def clear_lock(self, account: str) -> None:
        self._write("DELETE FROM locks WHERE account = $1", account, account=account)

    def add_breach(
        self, account: str, time: str, code: str, action: str, message: str, trading_day: str
    ) -> None:
        self._write(
            "INSERT INTO breaches (account, time, code, action, message, trading_day)"
            " VALUES ($1, $2, $3, $4, $5, $6)",
            account,
            time,
            code,
            action,
            message,
            trading_day,
            account=account,
        )

    def breaches(self, account: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        if account:
            found = self._read(
                "SELECT * FROM breaches WHERE account = $1 ORDER BY id DESC LIMIT $2", account, limit
            )
        else:
            found = self._read("SELECT * FROM breaches ORDER BY id DESC LIMIT $1", limit)
        return [dict(r) for r in found]

    # ---- orders and idempotency

    def save_order(
        self, order_id: str, account: str, body: dict[str, Any], status: str, managed: bool, created_at: str
    ) -> None:
        self._write(
            "INSERT INTO orders (id, account, body, status, managed, created_at) VALUES ($1, $2, $3, $4, $5, $6)"
            " ON CONFLICT (id) DO UPDATE SET body = excluded.body, status = excluded.status",
            order_id,
            account,
            rows.to_json(body),
            status,
            int(managed),
            created_at,
            account=account,
        )

    def open_orders(self, account: str | None = None, managed: bool | None = None) -> list[dict[str, Any]]:
        sql = f"SELECT body FROM orders WHERE status IN ({_OPEN})"
        params: list[Any] = []
        if account is not None:
            params.append(account)
            sql += f" AND account = ${len(params)}"
        if managed is not None:
            params.append(int(managed))
            sql += f" AND managed = ${len(params)}"
        # ties in created_at broken by id, so the order is the same on every instance
        found = self._read(sql + ' ORDER BY created_at COLLATE "C", id COLLATE "C"', *params)
        return [json.loads(r["body"]) for r in found]

    def order_history(
        self, account: str | None = None, limit: int = 100, before: tuple[str, str] | None = None
    ) -> list[dict[str, Any]]:
        """Every order, newest first; ``before`` is a keyset position ``(created_at, id)``
        (the API's paging, runtime/paging.py), as in SQLite."""
        keyset = '(created_at COLLATE "C", id COLLATE "C") < ({}, {})'
        where, params = _page_where(account, None if before is None else (keyset, before))
        params.append(limit)
        found = self._read(
            f"SELECT created_at, body FROM orders {where}"
            f' ORDER BY created_at COLLATE "C" DESC, id COLLATE "C" DESC LIMIT ${len(params)}',
            *params,
        )
        return [rows.history_order(r) for r in found]

    def order(self, order_id: str) -> dict[str, Any] | None:
        found = self._read("SELECT body FROM orders WHERE id = $1", order_id)
        return json.loads(found[0]["body"]) if found else None

    def idempotent_get(self, account: str, key: str, day: str) -> tuple[int, dict[str, Any]] | None:
        return rows.idempotent(
            self._read(
                "SELECT status, body FROM idempotency WHERE account = $1 AND key = $2 AND day = $3",
                account,
                key,
                day,
            )
        )

    def idempotent_put(self, account: str, key: str, day: str, status: int, body: dict[str, Any]) -> None:
        # the first answer stays: a concurrent duplicate from another instance finds the
        # primary key taken and writes nothing
        self._write(
            "INSERT INTO idempotency (account, key, day, status, body) VALUES ($1, $2, $3, $4, $5)"
            " ON CONFLICT (account, key, day) DO NOTHING",
            account,
            key,
            day,
            status,
            rows.to_json(body),
            account=account,
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
        return self._insert_id(
            "INSERT INTO decisions (time, account, source, outcome, stage, code, policy, bundle, body, inputs)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
            *rows.decision_params(time, account, source, decision, order, inputs),
            account=account,
        )

    def decisions(self, account: str | None, limit: int, before: int | None = None) -> list[dict[str, Any]]:
        """The audit log, newest first; with ``before`` (an audit id) only the entries older than it."""
        where, params = _page_where(account, None if before is None else ("id < {}", (before,)))
        params.append(limit)
        found = self._read(
            f"SELECT id, body FROM decisions {where} ORDER BY id DESC LIMIT ${len(params)}", *params
        )
        return [rows.decision(r) for r in found]

    def decisions_with_inputs(self, after: int, limit: int) -> list[dict[str, Any]]:
        """Audit entries oldest first, from the one after audit id ``after``, each with its
        ``inputs`` (None for an entry recorded before inputs were kept)."""
        return rows.with_inputs(self._read(WITH_INPUTS, after, limit))


WITH_INPUTS = "SELECT id, body, inputs FROM decisions WHERE id > $1 ORDER BY id LIMIT $2"
