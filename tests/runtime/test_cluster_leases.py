"""Connection leases, the instance registry and the notice bus against a real
PostgreSQL server: who may hold a connection, when a lease runs out, and what two
instances racing for one see."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import asyncpg
import pytest

from ordergate.runtime.cluster.bus import CHANNEL, NoticeBus
from ordergate.runtime.cluster.db import ensure_schema, open_pool
from ordergate.runtime.cluster.leases import LeaseTable
from ordergate.runtime.cluster.registry import Registry
from tests.runtime.cluster_helpers import pg_url

__all__ = ["pg_url"]  # the fixture, used by name

TTL = 0.6  # seconds: long enough for a few statements, short enough to wait out


async def _pool(url: str) -> asyncpg.Pool:
    pool = await open_pool(url)
    await ensure_schema(pool)
    return pool


def test_a_free_connection_is_taken_and_then_refused_to_another_holder(pg_url: str) -> None:
    async def main() -> None:
        pool = await _pool(pg_url)
        try:
            table = LeaseTable(pool, 30)
            assert await table.acquire("Sim", "a")
            assert not await table.acquire("Sim", "b")
            assert await table.acquire("Sim", "a")  # the holder taking it again renews it
            leases = await table.all()
            assert leases["Sim"].holder == "a" and leases["Sim"].live
        finally:
            await pool.close()

    asyncio.run(main())


def test_renewal_extends_the_lease_and_an_unrenewed_lease_is_taken_over(pg_url: str) -> None:
    async def main() -> None:
        pool = await _pool(pg_url)
        try:
            table = LeaseTable(pool, TTL)
            assert await table.acquire("Sim", "a")
            first = (await table.all())["Sim"].expires_at
            await asyncio.sleep(TTL / 2)
            assert await table.renew("a") == {"Sim"}
            second = (await table.all())["Sim"]
            assert second.expires_at > first
            assert not await table.acquire("Sim", "b")  # renewed: still a's
            await asyncio.sleep(TTL + 0.1)  # a stops renewing
            assert not (await table.all())["Sim"].live
            assert await table.acquire("Sim", "b")
            assert await table.renew("a") == set()  # a learns it lost the lease
            assert await table.renew("b") == {"Sim"}
            taken = (await table.all())["Sim"]
            assert taken.holder == "b" and taken.acquired_at > second.acquired_at
        finally:
            await pool.close()

    asyncio.run(main())


def test_an_expired_lease_nobody_took_is_still_the_holders_to_renew(pg_url: str) -> None:
    async def main() -> None:
        pool = await _pool(pg_url)
        try:
            table = LeaseTable(pool, TTL)
            assert await table.acquire("Sim", "a")
            await asyncio.sleep(TTL + 0.1)
            assert await table.renew("a") == {"Sim"}
            assert (await table.all())["Sim"].live
        finally:
            await pool.close()

    asyncio.run(main())


def test_many_instances_racing_for_an_expired_lease_leave_exactly_one_holder(pg_url: str) -> None:
    async def main() -> None:
        pools = [await _pool(pg_url) for _ in range(3)]
        try:
            tables = [LeaseTable(p, 30) for p in pools]
            seed = LeaseTable(pools[0], 0.01)
            assert await seed.acquire("Sim", "dead")
            await asyncio.sleep(0.05)
            contenders = [f"i{n}" for n in range(12)]
            won = await asyncio.gather(
                *(tables[n % 3].acquire("Sim", who) for n, who in enumerate(contenders))
            )
            assert sum(won) == 1
            winner = contenders[won.index(True)]
            assert (await tables[0].all())["Sim"].holder == winner
        finally:
            for p in pools:
                await p.close()

    asyncio.run(main())


def test_a_released_lease_is_free_at_once_and_only_its_holder_releases_it(pg_url: str) -> None:
    async def main() -> None:
        pool = await _pool(pg_url)
        try:
            table = LeaseTable(pool, 30)
            assert await table.acquire("Sim", "a")
            await table.release("Sim", "b")  # not b's to give
            assert not await table.acquire("Sim", "b")
            await table.release("Sim", "a")
            assert await table.acquire("Sim", "b")
            await table.release_all("b")
            assert await table.all() == {}
        finally:
            await pool.close()

    asyncio.run(main())


def test_an_instance_is_live_while_it_beats_and_dead_after_a_lease_without_a_beat(pg_url: str) -> None:
    async def main() -> None:
        pool = await _pool(pg_url)
        try:
            registry = Registry(pool, TTL)
            await registry.register("a", "http://127.0.0.1:1", "h", 11, "bundle-1")
            await registry.register("b", "http://127.0.0.1:2", "h", 12, None)
            assert [(i.id, i.live) for i in await registry.all()] == [("a", True), ("b", True)]
            await asyncio.sleep(TTL / 2)
            assert await registry.beat("a", "bundle-2")
            await asyncio.sleep(TTL / 2 + 0.1)
            seen = {i.id: i for i in await registry.all()}
            assert seen["a"].live and not seen["b"].live
            assert seen["a"].bundle == "bundle-2"
            await registry.leave("a")
            assert not await registry.beat("a", None)  # gone: it must register again
        finally:
            await pool.close()

    asyncio.run(main())


def test_a_notice_reaches_the_other_instances_and_not_its_sender(pg_url: str) -> None:
    async def main() -> None:
        pool = await _pool(pg_url)
        buses = [NoticeBus(pg_url, ident, pool) for ident in ("a", "b", "c")]
        heard: dict[str, list[dict[str, Any]]] = {"a": [], "b": [], "c": []}
        done = asyncio.Event()

        def handler(ident: str) -> Any:
            async def on(notice: dict[str, Any]) -> None:
                heard[ident].append(notice)
                if heard["b"] and heard["c"]:
                    done.set()

            return on

        try:
            for bus in buses:
                bus.handlers["reload"] = handler(bus.ident)
                await bus.start()
            await buses[0].publish("reload", bundle="sha256:x")
            await asyncio.wait_for(done.wait(), 5)
            await asyncio.sleep(0.2)  # the sender's own copy has had time to arrive too
            assert heard["a"] == []
            assert heard["b"] == heard["c"] == [{"kind": "reload", "origin": "a", "bundle": "sha256:x"}]
        finally:
            for bus in buses:
                await bus.stop()
            await pool.close()

    asyncio.run(main())


def test_a_notice_that_is_not_json_or_of_no_known_kind_is_ignored(pg_url: str) -> None:
    async def main() -> None:
        pool = await _pool(pg_url)
        bus = NoticeBus(pg_url, "b", pool)
        heard: list[dict[str, Any]] = []

        async def on(notice: dict[str, Any]) -> None:
            heard.append(notice)

        bus.handlers["reload"] = on
        try:
            await bus.start()
            for payload in ("not json", json.dumps({"kind": "unknown", "origin": "a"}), "[1]"):
                await pool.execute("SELECT pg_notify($1, $2)", CHANNEL, payload)
            await pool.execute(
                "SELECT pg_notify($1, $2)", CHANNEL, json.dumps({"kind": "reload", "origin": "a"})
            )
            for _ in range(50):
                if heard:
                    break
                await asyncio.sleep(0.05)
            assert heard == [{"kind": "reload", "origin": "a"}]
        finally:
            await bus.stop()
            await pool.close()

    asyncio.run(main())


@pytest.mark.parametrize("url", ["postgresql://nobody@127.0.0.1:1/none"])
def test_an_unreachable_database_is_one_clear_error(url: str) -> None:
    from ordergate.runtime.cluster import ClusterError

    async def main() -> None:
        with pytest.raises(ClusterError, match="cannot reach the cluster's database"):
            await open_pool(url)

    asyncio.run(main())


def test_a_deposed_holder_cannot_commit_for_an_account_once_another_took_its_lease(pg_url: str) -> None:
    """The store's fence with the leases this package keeps: a write for an account of
    connection Sim commits only while the writing instance holds Sim's lease."""
    from ordergate.runtime.store import LeaseLost, LockRow
    from ordergate.runtime.store.postgres import PostgresStore

    store = PostgresStore(pg_url)  # its migrations create the leases table
    row = LockRow("A-1", None, False, "manual", "manual", "2026-12-02T10:00:00+00:00")
    try:

        async def take(holder: str, ttl: float) -> bool:
            pool = await _pool(pg_url)
            try:
                return bool(await LeaseTable(pool, ttl).acquire("Sim", holder))
            finally:
                await pool.close()

        store.fence = lambda account: ("Sim", "a")
        with pytest.raises(LeaseLost, match="not held by anyone"):
            store.set_lock(row)
        assert asyncio.run(take("a", 0.3))
        store.set_lock(row)  # a holds it: the write commits
        assert [r.account for r in store.locks()] == ["A-1"]
        time.sleep(0.4)  # a stops renewing; b takes the connection over
        assert asyncio.run(take("b", 30))
        with pytest.raises(LeaseLost, match="held by b"):
            store.clear_lock("A-1")
        assert [r.account for r in store.locks()] == ["A-1"]  # nothing was written
    finally:
        store.close()
