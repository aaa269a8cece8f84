"""The order path's store work on SQLite and on PostgreSQL, on this machine.

    python bench/store_bench.py [--orders N] [--pg URL] [--group G] [--writers W]

What an allowed order commits before its broker sees it (runtime/gateway.py): its audit
entry with the decision's inputs, its order row and its idempotency record, in one
transaction. The payloads are a real order, snapshot and decision from the recorded
day (examples/gitops/audit/decisions.jsonl). Cases:

1. one writer, one order a transaction: the latency of a commit, p50/p99, and
   commits/s, on SQLite (a WAL file in a temporary directory) and PostgreSQL;
2. one writer, G orders a transaction (group commit, runtime/group_commit.py, shares a
   commit among the orders decided in one turn of the loop): orders/s;
3. PostgreSQL only, W writer *processes* (as W runtimes would be), each with its own
   store: on W different accounts, and all on one account, where the per-account
   advisory lock makes them take turns.

Wall-clock figures on a shared machine are noisy: run it on a quiet one and compare
runs made back to back. CPU seconds of this process per order are printed beside them
(the PostgreSQL server's own CPU is not included).

PostgreSQL comes from ``--pg``, else ``ORDERGATE_TEST_PG``, else
``postgresql://postgres@127.0.0.1:5432/test``; each run works in a schema of its own
and drops it afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import secrets
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg

from ordergate.runtime.store import Store, open_store

REPO = Path(__file__).resolve().parent.parent
DAY = REPO / "examples" / "gitops" / "audit" / "decisions.jsonl"


def sample() -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """An allowed order of the recorded day: (order, inputs, decision)."""
    for line in DAY.read_text().splitlines():
        entry = json.loads(line)
        if entry["decision"]["outcome"] == "allow":
            return entry["order"], {"snapshot": entry["snapshot"]}, entry["decision"]
    raise SystemExit(f"{DAY} holds no allowed order")


ORDER, INPUTS, DECISION = sample()


def one_order(store: Store, account: str, n: int) -> None:
    """The writes of one allowed order, as the gateway makes them."""
    order_id = f"og-{account}-{n}"
    at = f"2026-11-24T14:45:{n % 60:02d}.{n:06d}+00:00"
    store.append_decision(at, account, "api", DECISION, ORDER, INPUTS)
    view = {**ORDER, "id": order_id, "status": "submitted", "account": account, "created_at": at}
    store.save_order(order_id, account, view, "submitted", False, at)
    store.idempotent_put(
        account, f"key-{n}", "2026-11-24", 201, {"decision": DECISION, "order": {"id": order_id}}
    )


@dataclass
class Run:
    latencies: list[float]  # seconds a transaction
    wall: float
    cpu: float
    orders: int

    def line(self, label: str) -> str:
        lat = sorted(self.latencies)
        p50 = lat[len(lat) // 2] * 1e3
        p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1e3
        return (
            f"{label:<44} {self.orders / self.wall:>9,.0f} orders/s  {len(lat) / self.wall:>8,.0f} commits/s"
            f"  p50 {p50:6.2f} ms  p99 {p99:6.2f} ms  cpu {self.cpu / self.orders * 1e6:6.0f} µs/order"
        )


def drive(store: Store, account: str, orders: int, group: int, start: int = 0) -> Run:
    latencies: list[float] = []
    cpu0, wall0 = time.process_time(), time.perf_counter()
    n = start
    while n < start + orders:
        t0 = time.perf_counter()
        with store.transaction():
            for _ in range(group):
                one_order(store, account, n)
                n += 1
        latencies.append(time.perf_counter() - t0)
    return Run(latencies, time.perf_counter() - wall0, time.process_time() - cpu0, n - start)


def trips_per_order(store: Store) -> str:
    """How many times an order's writes wait on the PostgreSQL store's loop (each wait
    is at least one round trip to the server): a count, unlike the timings, exact."""
    from ordergate.runtime.store.postgres import PostgresStore

    if not isinstance(store, PostgresStore):
        return ""
    before = store._link.trips
    drive(store, "TRIPS", 10, 1, start=20_000_000)
    return f"; {(store._link.trips - before) / 10:g} trips to the server an order"


def server_settings(url: str) -> str:
    async def read() -> str:
        conn = await asyncpg.connect(url)
        try:
            names = ("server_version", "synchronous_commit", "fsync", "wal_sync_method")
            return ", ".join([f"{n}={await conn.fetchval(f'SHOW {n}')}" for n in names])
        finally:
            await conn.close()

    return asyncio.run(read())


def warm(store: Store, account: str) -> None:
    drive(store, account, 50, 1, start=10_000_000)


def worker(url: str, account: str, orders: int, begin: float, index: int) -> Run:
    store = open_store(url)
    try:
        warm(store, f"{account}-warm-{index}")
        time.sleep(max(0.0, begin - time.time()))  # every writer starts together
        return drive(store, account, orders, 1, start=index * 1_000_000)
    finally:
        store.close()


def writers(url: str, accounts: list[str], orders: int) -> Run:
    """W processes at once, one per entry of ``accounts``; the latencies of all of them."""
    begin = time.time() + 2.0  # time for every process to start and open its store
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(len(accounts)) as pool:
        jobs = [pool.apply_async(worker, (url, a, orders, begin, i)) for i, a in enumerate(accounts)]
        runs = [job.get(timeout=600) for job in jobs]
    wall = max(r.wall for r in runs)
    return Run(
        [x for r in runs for x in r.latencies], wall, sum(r.cpu for r in runs), sum(r.orders for r in runs)
    )


async def _admin(url: str, sql: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def engines(tmp: Path, pg: str) -> dict[str, tuple[str, Callable[[], None]]]:
    schema = f"bench_{secrets.token_hex(4)}"
    asyncio.run(_admin(pg, f"CREATE SCHEMA {schema}"))
    url = f"{pg}{'&' if '?' in pg else '?'}search_path={schema}"
    return {
        "sqlite": (f"sqlite:///{tmp / 'state.db'}", lambda: None),
        "postgresql": (url, lambda: asyncio.run(_admin(pg, f"DROP SCHEMA {schema} CASCADE"))),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--orders", type=int, default=2000, help="orders a case (each writer's, in case 3)")
    parser.add_argument("--group", type=int, default=8, help="orders a transaction in case 2")
    parser.add_argument("--writers", type=int, default=3, help="processes in case 3")
    parser.add_argument(
        "--pg", default=os.environ.get("ORDERGATE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
    )
    args = parser.parse_args()
    print(
        f"store work of an allowed order (audit entry with inputs, order row, idempotency record); {os.cpu_count()} cores"
    )
    print(f"PostgreSQL: {server_settings(args.pg)}")
    with tempfile.TemporaryDirectory() as tmp:
        found = engines(Path(tmp), args.pg)
        try:
            for engine, (url, _drop) in found.items():
                store = open_store(url)
                try:
                    warm(store, "WARM")
                    run = drive(store, "A1", args.orders, 1)
                    print(run.line(f"{engine}: 1 writer, 1 order a commit") + trips_per_order(store))
                    grouped = drive(store, "A2", args.orders, args.group, start=args.orders)
                    print(grouped.line(f"{engine}: 1 writer, {args.group} orders a commit"))
                finally:
                    store.close()
            url = found["postgresql"][0]
            spread = [f"B{i}" for i in range(args.writers)]
            print(
                writers(url, spread, args.orders).line(f"postgresql: {args.writers} processes, own accounts")
            )
            print(
                writers(url, ["C1"] * args.writers, args.orders).line(
                    f"postgresql: {args.writers} processes, one account"
                )
            )
        finally:
            for _url, drop in found.values():
                drop()
    print(
        "p50/p99: one transaction (commit included) as its writer saw it; cpu: this process's, not the server's"
    )


if __name__ == "__main__":
    main()
