"""What ``ordergate migrate-store SRC DST`` does (runtime/store_cli.py): move an embedded
deployment onto PostgreSQL.

SRC is the SQLite store (``sqlite:///path/state.db``), DST a PostgreSQL database
(``postgresql://…``, ``${env:…}`` references allowed). Everything the runtime keeps is
copied, every table of the schema with its ids, in one transaction on the destination:
a failure half way leaves the destination as it was.

Refusals, each one line and exit status 2, with nothing changed:
- a runtime holds the source (the store lock, runtime/storelock.py): stop it first, so
  no order is decided after its rows were read;
- the destination already holds data (unless ``--force``, which replaces it), or
  runtimes are alive on it (their heartbeats are recent) even with ``--force``.

The source is opened as the runtime opens it: migrated to this version's schema and
repaired of non-finite figures (runtime/store_repair.py), so what arrives is what this
version's runtime would read. The serial ids continue after the copied ones.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ordergate.runtime.cli_errors import EXIT_USAGE, CommandFailed
from ordergate.runtime.errors import RuntimeFault

if TYPE_CHECKING:
    from ordergate.runtime.store.postgres import PostgresStore
    from ordergate.runtime.store.sqlite import SqliteStore


# Every table the runtime keeps, parents of nothing first (there are no foreign keys, so
# the order is only the order of the progress lines). A test holds this list equal to
# the tables of a freshly migrated SQLite store, so a new table cannot be left behind.
TABLES = (
    "accounts",
    "positions",
    "fills",
    "locks",
    "breaches",
    "orders",
    "idempotency",
    "decisions",
    "connections",
    "secrets",
    "copy_groups",
    "signals",
    "webhook_settings",
)
# serial columns whose sequences must continue after the copied rows; ``signals.seq`` is
# PostgreSQL's stand-in for SQLite's rowid and is filled from it
SERIALS = {"fills": "id", "breaches": "id", "decisions": "id", "signals": "seq"}
# SQLite tables kept WITHOUT ROWID: copied in the order of their primary key
KEYED = {"positions": ("account", "root")}
CHUNK = 5000
LIVE_SECONDS = 30  # an instance whose heartbeat is this recent is taken to be running


class MigrateError(CommandFailed):
    def __init__(self, message: str) -> None:
        super().__init__(message, EXIT_USAGE)


@dataclass
class Moved:
    counts: dict[str, int] = field(default_factory=dict)
    replaced: bool = False

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def migrate_store(source: str, destination: str, *, force: bool, say: Callable[[str], None]) -> Moved:
    from ordergate.runtime.config import resolve
    from ordergate.runtime.store.url import POSTGRES_SCHEMES, sqlite_path
    from ordergate.runtime.storelock import StoreBusy, StoreLock

    try:
        source, destination = resolve(source, "SRC"), resolve(destination, "DST")
    except RuntimeFault as exc:
        raise MigrateError(str(exc)) from None
    path = sqlite_path(source)
    if path is None:
        raise MigrateError(f"SRC must be a sqlite:/// store, not {source.split(':', 1)[0]}:")
    if not destination.startswith(POSTGRES_SCHEMES):
        raise MigrateError("DST must be a postgresql:// database")
    if not path.is_file():
        raise MigrateError(f"there is no state store at {path}")
    try:
        lock = StoreLock.exclusive(path)
    except StoreBusy:
        raise MigrateError(
            f"a runtime is using the store at {path}: stop it first, so that nothing changes while it is copied"
        ) from None
    except RuntimeFault as exc:
        raise MigrateError(str(exc)) from None
    try:
        return _copy(path, destination, force, say)
    except RuntimeFault as exc:
        raise MigrateError(str(exc)) from None
    finally:
        lock.release()


def _copy(path: Path, destination: str, force: bool, say: Callable[[str], None]) -> Moved:
    from ordergate.runtime.store.postgres import PostgresStore
    from ordergate.runtime.store.sqlite import SqliteStore
    from ordergate.runtime.store_repair import repair_non_finite

    src = SqliteStore(path)
    try:
        for repair in repair_non_finite(src, datetime.now(UTC).isoformat()):
            say(f"repaired in the source first: {repair.message}")
        dst = PostgresStore(destination)
        try:
            return _into(src, dst, force, say)
        finally:
            dst.close()
    finally:
        src.close()


def _into(src: SqliteStore, dst: PostgresStore, force: bool, say: Callable[[str], None]) -> Moved:
    moved = Moved()

    async def job(conn: Any) -> None:
        await _refuse_or_clear(conn, dst.where, force, moved)
        say(f"copying {src.where} into {dst.where}")
        for table in TABLES:
            columns = [r["name"] for r in src._read(f"PRAGMA table_info({table})")]
            moved.counts[table] = await _copy_table(conn, src, table, columns)
            say(f"  {table}: {moved.counts[table]} rows")
        for table, column in SERIALS.items():
            await conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'),"
                f" COALESCE((SELECT MAX({column}) FROM {table}), 0) + 1, false)"
            )

    dst.bulk(job)
    return moved


async def _refuse_or_clear(conn: Any, where: str, force: bool, moved: Moved) -> None:
    live = await conn.fetchval(
        "SELECT count(*) FROM instances WHERE heartbeat_at > now() - make_interval(secs => $1)", LIVE_SECONDS
    )
    if live:
        raise MigrateError(f"{live} runtime(s) are running on {where}: stop them before migrating into it")
    held = [t for t in TABLES if await conn.fetchval(f"SELECT EXISTS (SELECT 1 FROM {t})")]
    if held and not force:
        raise MigrateError(f"{where} already holds data (in {', '.join(held)}): pass --force to replace it")
    if held:
        await conn.execute(f"TRUNCATE {', '.join(TABLES)}")
        moved.replaced = True


async def _copy_table(conn: Any, src: SqliteStore, table: str, columns: list[str]) -> int:
    """Copy ``table`` in chunks by rowid (the source's insertion order); returns the rows."""
    if table in KEYED:
        return await _copy_keyed(conn, src, table, columns, KEYED[table])
    wanted = [*columns, "seq"] if table == "signals" else columns
    select = ", ".join(columns)
    copied, after = 0, -(2**63)
    while True:
        rows = src._read(
            f"SELECT rowid AS _rowid, {select} FROM {table} WHERE rowid > ? ORDER BY rowid LIMIT ?",
            (after, CHUNK),
        )
        if not rows:
            return copied
        records = [(*tuple(r)[1:], r["_rowid"]) if table == "signals" else tuple(r)[1:] for r in rows]
        await conn.copy_records_to_table(table, records=records, columns=wanted)
        copied += len(rows)
        after = rows[-1]["_rowid"]


async def _copy_keyed(
    conn: Any, src: SqliteStore, table: str, columns: list[str], key: tuple[str, ...]
) -> int:
    """Copy a table that has no rowid in chunks by its primary key ``key``; returns the rows."""
    select, order = ", ".join(columns), ", ".join(key)
    after_key = f"WHERE ({order}) > ({', '.join('?' for _ in key)}) "
    copied, after = 0, None
    while True:
        rows = src._read(
            f"SELECT {select} FROM {table} {after_key if after else ''}ORDER BY {order} LIMIT ?",
            (*(after or ()), CHUNK),
        )
        if not rows:
            return copied
        await conn.copy_records_to_table(table, records=[tuple(r) for r in rows], columns=columns)
        copied += len(rows)
        after = tuple(rows[-1][k] for k in key)
