"""``ordergate migrate-store``: a recorded trading day moves from its SQLite file into a real
PostgreSQL database whole, the audit export reads the same from both, and every refusal
changes nothing. Skipped without ``ORDERGATE_TEST_PG``."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from ordergate.runtime.store import AccountRow
from ordergate.runtime.store.migrate import TABLES
from ordergate.runtime.store.postgres import PostgresStore
from ordergate.runtime.store.sqlite import SqliteStore
from ordergate.runtime.storelock import StoreLock
from tests.runtime.cliproc import ordergate
from tests.runtime.cluster_helpers import pg_url  # noqa: F401  (a fixture)
from tests.runtime.recorded_day import served_day


def sqlite_rows(path: Path, table: str) -> list[tuple[Any, ...]]:
    db = sqlite3.connect(path)
    try:
        columns = [r[1] for r in db.execute(f"PRAGMA table_info({table})")]
        return sorted(db.execute(f"SELECT {', '.join(columns)} FROM {table}").fetchall(), key=repr)
    finally:
        db.close()


async def pg_rows(url: str, table: str, columns: list[str]) -> list[tuple[Any, ...]]:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(f"SELECT {', '.join(columns)} FROM {table}")
        return sorted((tuple(r) for r in rows), key=repr)
    finally:
        await conn.close()


def columns_of(path: Path, table: str) -> list[str]:
    db = sqlite3.connect(path)
    try:
        return [r[1] for r in db.execute(f"PRAGMA table_info({table})")]
    finally:
        db.close()


def test_the_copied_tables_are_every_table_the_store_keeps(tmp_path: Path) -> None:
    SqliteStore(tmp_path / "state.db").close()
    db = sqlite3.connect(tmp_path / "state.db")
    try:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        db.close()
    assert set(TABLES) == tables


@pytest.mark.anyio
async def test_a_recorded_day_moves_into_postgresql_whole(tmp_path: Path, pg_url: str) -> None:  # noqa: F811
    async with served_day(tmp_path) as (_runtime, _url, desk):
        assert len(desk.answers) > 20
    source = tmp_path / "state.db"
    ran = await ordergate("migrate-store", f"sqlite:///{source}", pg_url)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.splitlines()[0] == f"copying {source} into {pg_url}"
    total = 0
    for table in TABLES:
        expected = sqlite_rows(source, table)
        assert await pg_rows(pg_url, table, columns_of(source, table)) == expected, table
        assert f"  {table}: {len(expected)} rows" in ran.stdout.splitlines()
        total += len(expected)
    assert ran.stdout.splitlines()[-1] == f"copied {total} rows from sqlite:///{source} in one transaction"
    from_file = await ordergate("audit", "export", "--store", f"sqlite:///{source}")
    from_pg = await ordergate("audit", "export", "--store", pg_url)
    assert from_file.returncode == from_pg.returncode == 0, from_pg.stderr
    assert from_pg.stdout == from_file.stdout and from_pg.stdout.count("\n") == len(desk.answers)
    store = await asyncio.to_thread(PostgresStore, pg_url)
    try:  # the serial ids go on after the copied ones
        last = max(row[0] for row in sqlite_rows(source, "decisions"))
        new = store.append_decision("t", "DESK-1", "api", {"outcome": "allow"}, {}, None)
        assert new == last + 1
    finally:
        store.close()


def seeded(tmp_path: Path) -> Path:
    path = tmp_path / "state.db"
    store = SqliteStore(path)
    store.upsert_account(AccountRow.opened("A1", "paper", None, 50_000.0))
    store.set_position("A1", "ES", 2, 6000.25)
    store.close()
    return path


@pytest.mark.anyio
async def test_positions_kept_in_their_key_are_copied_whole_chunk_after_chunk(
    tmp_path: Path,
    pg_url: str,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # SQLite keeps positions WITHOUT ROWID: they are copied in the order of their key,
    # and a chunk that ends inside one account's positions goes on where it stopped
    from ordergate.runtime.store import migrate

    path = tmp_path / "state.db"
    store = SqliteStore(path)
    held = {("A1", "ES"): (2, 6000.25), ("A1", "NQ"): (-1, 21000.5), ("A1", "YM"): (1, 44000.0)}
    held |= {("A2", "ES"): (3, 5999.75), ("A2", "MNQ"): (-4, 21001.0), ("B7", "CL"): (1, 70.5)}
    for (account, root), (qty, price) in held.items():
        store.set_position(account, root, qty, price)
    store.close()
    monkeypatch.setattr(migrate, "CHUNK", 2)
    said: list[str] = []
    moved = await asyncio.to_thread(
        migrate.migrate_store, f"sqlite:///{path}", pg_url, force=True, say=said.append
    )
    assert moved.counts["positions"] == len(held) and "  positions: 6 rows" in said
    copied = await pg_rows(pg_url, "positions", ["account", "root", "qty", "avg_price"])
    assert copied == sorted(((a, r, q, p) for (a, r), (q, p) in held.items()), key=repr)


async def pg_count(url: str, table: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        return int(await conn.fetchval(f"SELECT count(*) FROM {table}"))
    finally:
        await conn.close()


@pytest.mark.anyio
async def test_a_destination_holding_data_is_refused_unless_forced(tmp_path: Path, pg_url: str) -> None:  # noqa: F811
    source = f"sqlite:///{seeded(tmp_path)}"
    assert (await ordergate("migrate-store", source, pg_url)).returncode == 0
    again = await ordergate("migrate-store", source, pg_url)
    assert again.returncode == 2 and again.stdout == ""
    assert again.stderr == (
        f"ordergate migrate-store: {pg_url} already holds data (in accounts, positions):"
        " pass --force to replace it\n"
    )
    assert await pg_count(pg_url, "accounts") == 1
    forced = await ordergate("migrate-store", source, pg_url, "--force")
    assert forced.returncode == 0, forced.stderr
    assert forced.stdout.splitlines()[-1].startswith("replaced the destination's data with 2 rows")
    assert await pg_count(pg_url, "accounts") == 1 and await pg_count(pg_url, "positions") == 1


@pytest.mark.anyio
async def test_a_source_held_by_a_runtime_is_refused_and_nothing_is_copied(
    tmp_path: Path,
    pg_url: str,  # noqa: F811
) -> None:
    path = seeded(tmp_path)
    held = StoreLock.shared(path)  # what a running runtime holds
    try:
        ran = await ordergate("migrate-store", f"sqlite:///{path}", pg_url)
    finally:
        held.release()
    assert ran.returncode == 2
    assert ran.stderr == (
        f"ordergate migrate-store: a runtime is using the store at {path}:"
        " stop it first, so that nothing changes while it is copied\n"
    )
    with pytest.raises(asyncpg.UndefinedTableError):  # not even the schema was made
        await pg_count(pg_url, "accounts")


@pytest.mark.anyio
async def test_a_destination_with_live_runtimes_is_refused_even_when_forced(
    tmp_path: Path,
    pg_url: str,  # noqa: F811
) -> None:
    (await asyncio.to_thread(PostgresStore, pg_url)).close()  # the schema, as a runtime makes it
    conn = await asyncpg.connect(pg_url)
    try:
        await conn.execute(
            "INSERT INTO instances (id, address, host, pid, started_at, heartbeat_at)"
            " VALUES ('i-1', 'http://127.0.0.1:8787', 'h', 1, now(), now())"
        )
    finally:
        await conn.close()
    ran = await ordergate("migrate-store", f"sqlite:///{seeded(tmp_path)}", pg_url, "--force")
    assert ran.returncode == 2
    assert ran.stderr == (
        f"ordergate migrate-store: 1 runtime(s) are running on {pg_url}: stop them before migrating into it\n"
    )
    assert await pg_count(pg_url, "accounts") == 0


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("src", "dst", "says"),
    [
        ("postgresql://h/db", "postgresql://h/db", "SRC must be a sqlite:/// store, not postgresql:"),
        ("sqlite:///{tmp}/state.db", "sqlite:///{tmp}/other.db", "DST must be a postgresql:// database"),
        ("sqlite:///{tmp}/missing.db", "postgresql://h/db", "there is no state store at {tmp}/missing.db"),
        (
            "sqlite:///{tmp}/state.db",
            "postgresql://${{env:OG_NO_SUCH_VAR}}@h/db",
            "DST references ${{env:OG_NO_SUCH_VAR}}",
        ),
    ],
)
async def test_bad_arguments_are_one_line_and_status_2(tmp_path: Path, src: str, dst: str, says: str) -> None:
    seeded(tmp_path)
    ran = await ordergate("migrate-store", src.format(tmp=tmp_path), dst.format(tmp=tmp_path))
    assert ran.returncode == 2 and ran.stdout == ""
    assert ran.stderr.startswith(f"ordergate migrate-store: {says.format(tmp=tmp_path)}")
    assert ran.stderr.count("\n") == 1
