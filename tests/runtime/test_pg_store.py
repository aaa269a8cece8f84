"""What only the PostgreSQL store has to prove: several stores (as several instances
would open them) on one real database serialise an account, keep one idempotent answer,
refuse a deposed lease holder, migrate once, and say plainly when the server is not
there. Skipped without ``ORDERGATE_TEST_PG``; failed under ``ORDERGATE_REQUIRE_PG=1``."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import pytest

from ordergate.runtime.store import MIGRATIONS, LeaseLost, StoreError, pgloop
from ordergate.runtime.store.pgloop import redacted
from ordergate.runtime.store.postgres import PostgresStore, account_key
from tests.runtime.cluster_helpers import pg_url  # noqa: F401  (a fixture)

WAIT = 10.0  # generous bound for a thread to finish on a loaded machine


@pytest.fixture
def stores(pg_url: str) -> Iterator[Callable[[], PostgresStore]]:  # noqa: F811
    opened: list[PostgresStore] = []

    def open_one() -> PostgresStore:
        opened.append(PostgresStore(pg_url))
        return opened[-1]

    yield open_one
    for store in opened:
        store.close()


def in_thread(job: Callable[[], object]) -> tuple[threading.Thread, list[object]]:
    """Run ``job`` on a thread; its result or exception lands in the list."""
    out: list[object] = []

    def run() -> None:
        try:
            out.append(job())
        except Exception as exc:  # handed back to the test to assert on
            out.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, out


def test_concurrent_duplicate_idempotent_puts_from_two_instances_keep_one_answer(
    stores: Callable[[], PostgresStore],
) -> None:
    a, b = stores(), stores()
    for round_ in range(20):
        key = f"alert-{round_}"
        start = threading.Barrier(2)

        def put(store: PostgresStore, status: int, key: str = key, start: threading.Barrier = start) -> None:
            start.wait()
            store.idempotent_put("A1", key, "2026-11-23", status, {"by": status})

        threads = [in_thread(lambda s=s, n=n: put(s, n)) for s, n in ((a, 201), (b, 202))]
        for thread, out in threads:
            thread.join(WAIT)
            assert out == [None]  # neither failed on the other's row
        first = a.idempotent_get("A1", key, "2026-11-23")
        assert first is not None and first == b.idempotent_get("A1", key, "2026-11-23")
        assert first[0] in (201, 202) and first[1] == {"by": first[0]}


def test_the_advisory_lock_holds_a_second_instance_writing_the_same_account_until_commit(
    stores: Callable[[], PostgresStore],
) -> None:
    first, second = stores(), stores()
    with first.transaction():
        first.set_position("A1", "ES", 1, 6000.0)  # takes A1's lock until this block ends
        thread, out = in_thread(lambda: second.set_position("A1", "ES", 5, 6001.0))
        thread.join(0.5)
        assert thread.is_alive() and out == []  # waiting on the lock, not done
        assert stores().positions("A1") == {}  # and a third instance reads meanwhile
    thread.join(WAIT)
    assert out == [None]
    assert first.positions("A1") == {"ES": (5, 6001.0)}  # the second write came after the first


def test_a_lock_held_past_the_lock_wait_fails_the_write_and_the_store_goes_on(
    stores: Callable[[], PostgresStore], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pgloop, "LOCK_WAIT", "300ms")  # read when a store connects
    first, second = stores(), stores()
    with first.transaction():
        first.set_position("A1", "ES", 1, 6000.0)
        waited = pytest.raises(StoreError, match="held the lock for longer than 300ms; nothing was written")
        with waited, second.transaction():
            second.add_breach("B2", "t", "c", "lock", "m", "d")  # another account: written at once
            second.set_position("A1", "ES", 9, 6000.0)  # waits on A1's lock, past the wait
    assert second.breaches() == []  # the whole transaction rolled back
    second.set_position("A1", "ES", 2, 6000.0)  # and its connection serves the next one
    assert first.positions("A1") == {"ES": (2, 6000.0)}


def test_the_advisory_lock_does_not_hold_other_accounts(stores: Callable[[], PostgresStore]) -> None:
    first, second = stores(), stores()
    with first.transaction():
        first.set_position("A1", "ES", 1, 6000.0)
        thread, out = in_thread(lambda: second.set_position("B2", "ES", 2, 6000.0))
        thread.join(WAIT)
        assert out == [None]  # done while A1 is still held
        assert second.positions("B2") == {"ES": (2, 6000.0)}


def test_orders_serialised_by_the_lock_never_pass_a_position_limit_together(
    stores: Callable[[], PostgresStore],
) -> None:
    """Two instances each read the position under the account's lock and add to it only
    within a limit of 6: the total never passes 6 however their writes interleave."""
    limit, instances = 6, [stores() for _ in range(3)]

    def try_orders(store: PostgresStore) -> int:
        accepted = 0
        for _ in range(10):
            with store.transaction():
                store.lock_account("A1")
                qty = store.positions("A1").get("ES", (0, 0.0))[0]
                if qty + 1 <= limit:
                    store.set_position("A1", "ES", qty + 1, 6000.0)
                    accepted += 1
        return accepted

    threads = [in_thread(lambda s=s: try_orders(s)) for s in instances]
    accepted = 0
    for thread, out in threads:
        thread.join(WAIT * 3)
        assert len(out) == 1 and isinstance(out[0], int)
        accepted += out[0]
    assert accepted == limit and instances[0].positions("A1") == {"ES": (limit, 6000.0)}


def test_account_keys_are_stable_and_distinct() -> None:
    # pinned: every instance, whatever its version or machine, must lock the same key
    assert account_key("A1") == 7111864580341947941
    assert account_key("A1") != account_key("A2")
    assert -(2**63) <= account_key("ACCOUNT-ü") < 2**63


async def _set_lease(url: str, connection: str, holder: str, seconds: int) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            "INSERT INTO leases (connection, holder, acquired_at, expires_at)"
            " VALUES ($1, $2, now(), now() + make_interval(secs => $3))"
            " ON CONFLICT (connection) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at",
            connection,
            holder,
            seconds,
        )
    finally:
        await conn.close()


def test_the_fence_refuses_a_deposed_holder_and_writes_nothing(
    pg_url: str,  # noqa: F811
    stores: Callable[[], PostgresStore],
) -> None:
    store = stores()
    store.fence = lambda account: ("paper", "i-1") if account == "A1" else None
    asyncio.run(_set_lease(pg_url, "paper", "i-1", 30))
    store.set_position("A1", "ES", 1, 6000.0)  # the holder writes
    asyncio.run(_set_lease(pg_url, "paper", "i-2", 30))  # another instance took the connection over
    with pytest.raises(LeaseLost, match="i-2"), store.transaction():
        store.save_order("og-1", "A1", {"id": "og-1"}, "working", False, "t0")
    with pytest.raises(LeaseLost):
        store.set_position("A1", "ES", 2, 6000.0)
    assert store.order("og-1") is None and store.positions("A1") == {"ES": (1, 6000.0)}
    store.set_position("B2", "ES", 1, 6000.0)  # an account the fence does not name still writes
    asyncio.run(_set_lease(pg_url, "paper", "i-1", -1))  # our own lease, but expired
    with pytest.raises(LeaseLost, match="not held by anyone"):
        store.set_position("A1", "ES", 3, 6000.0)


def test_two_instances_opening_a_fresh_database_at_once_migrate_it_once(
    pg_url: str,  # noqa: F811
    stores: Callable[[], PostgresStore],
) -> None:
    threads = [in_thread(stores) for _ in range(3)]
    for thread, out in threads:
        thread.join(WAIT)
        assert len(out) == 1 and isinstance(out[0], PostgresStore)

    async def schema() -> tuple[int, set[str]]:
        conn = await asyncpg.connect(pg_url)
        try:
            version = await conn.fetchval("SELECT version FROM schema_version")
            tables = {
                r["tablename"]
                for r in await conn.fetch(
                    "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
                )
            }
            return int(version), tables
        finally:
            await conn.close()

    version, tables = asyncio.run(schema())
    assert version == len(MIGRATIONS)
    assert {"instances", "leases", "decisions", "idempotency", "signals"} <= tables


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_server_that_is_not_there_is_named_without_the_password() -> None:
    url = f"postgresql://ordergate:s3cret@127.0.0.1:{free_port()}/nowhere"
    with pytest.raises(StoreError) as caught:
        PostgresStore(url)
    message = str(caught.value)
    assert "cannot reach PostgreSQL" in message and "s3cret" not in message and "ordergate:***@" in message


def test_a_missing_database_is_said_to_be_missing(pg_url: str) -> None:  # noqa: F811
    base = pg_url.split("?")[0].rsplit("/", 1)[0]
    with pytest.raises(StoreError, match="does not exist"):
        PostgresStore(f"{base}/ordergate_no_such_database")


def test_redaction_keeps_everything_but_the_password() -> None:
    assert (
        redacted("postgresql://u:p@h:5432/db?search_path=x") == "postgresql://u:***@h:5432/db?search_path=x"
    )
    assert redacted("postgresql://u@h/db") == "postgresql://u@h/db"


def test_a_lost_connection_fails_one_call_and_the_next_one_reconnects(
    pg_url: str,  # noqa: F811
    stores: Callable[[], PostgresStore],
) -> None:
    store = stores()
    store.set_position("A1", "ES", 1, 6000.0)

    pid = store._read("SELECT pg_backend_pid() AS pid")[0]["pid"]

    async def kill_the_store_backend() -> None:
        conn = await asyncpg.connect(pg_url)
        try:
            assert await conn.fetchval("SELECT pg_terminate_backend($1)", pid) is True
        finally:
            await conn.close()

    asyncio.run(kill_the_store_backend())
    try:
        store.positions("A1")
    except StoreError as exc:  # the call that found the connection gone says so
        assert "PostgreSQL at" in str(exc)
    assert store.positions("A1") == {"ES": (1, 6000.0)}


class Relay:
    """A TCP relay on loopback in front of the PostgreSQL server, on a thread of its own:
    stopping it drops every connection through it and refuses new ones, as a server that
    went away would; starting it again serves on the same port."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.server: asyncio.Server | None = None
        self.writers: set[asyncio.StreamWriter] = set()
        self.start()

    def _call(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(WAIT)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except OSError:
            pass
        finally:
            writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        self.writers |= {writer, up_writer}
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    def start(self) -> None:
        async def start() -> asyncio.Server:
            return await asyncio.start_server(self._serve, "127.0.0.1", self.port, reuse_address=True)

        self.server = self._call(start())

    def stop(self) -> None:
        async def stop() -> None:
            assert self.server is not None
            self.server.close()
            for writer in self.writers:
                writer.transport.abort()
            self.writers.clear()
            await self.server.wait_closed()

        self._call(stop())

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(WAIT)
        self.loop.close()


def test_a_server_out_of_reach_fails_calls_at_once_until_it_is_back(
    pg_url: str,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(pgloop, "RETRY_SECONDS", 0.5)
    parts = urlsplit(pg_url)
    relay = Relay((parts.hostname or "127.0.0.1", parts.port or 5432))
    store = PostgresStore(pg_url.replace(f"{parts.hostname}:{parts.port}", f"127.0.0.1:{relay.port}", 1))
    try:
        store.set_position("A1", "ES", 1, 6000.0)
        relay.stop()  # the server goes away, and the connection with it
        seen = []
        for _ in range(3):  # the connection found gone, a reconnect refused, then the pause
            with pytest.raises(StoreError) as caught:
                store.positions("A1")
            seen.append(str(caught.value))
            if "out of reach" in seen[-1]:
                break
        assert any("cannot reach PostgreSQL" in m for m in seen) and "out of reach" in seen[-1], seen
        t0 = time.monotonic()
        with pytest.raises(StoreError, match="out of reach"):
            store.positions("A1")  # within the retry pause: no attempt at all
        assert time.monotonic() - t0 < 0.2
        relay.start()
        time.sleep(0.6)
        assert store.positions("A1") == {"ES": (1, 6000.0)}  # back, with nothing lost
    finally:
        store.close()
        relay.stop()
        relay.close()


def test_a_failed_commit_leaves_no_transaction_open_and_the_store_goes_on(
    stores: Callable[[], PostgresStore],
    pg_url: str,  # noqa: F811
) -> None:
    store = stores()
    table = f"og_deferred_{int(time.time() * 1000)}"

    async def ddl(sql: str) -> None:
        conn = await asyncpg.connect(pg_url)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(
        ddl(f"CREATE TABLE {table} (n INTEGER, CONSTRAINT one UNIQUE (n) DEFERRABLE INITIALLY DEFERRED)")
    )
    try:
        with pytest.raises(StoreError, match="commit failed"), store.transaction():
            store.set_position("A1", "ES", 1, 6000.0)
            # two equal rows pass each statement and fail the deferred check at COMMIT
            store._link.run(lambda: store._link.conn.execute(f"INSERT INTO {table} VALUES (1), (1)"))
        assert not store._link.conn.is_in_transaction()
        assert store.positions("A1") == {}  # nothing of it was committed
        store.set_position("A1", "ES", 2, 6001.0)  # the next transaction begins and commits
        assert stores().positions("A1") == {"ES": (2, 6001.0)}
    finally:
        asyncio.run(ddl(f"DROP TABLE {table}"))
