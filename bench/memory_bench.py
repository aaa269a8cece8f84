"""Resident memory of a running runtime by number of accounts.

    python bench/memory_bench.py [--accounts 1000 10000] [--quotes N]

For each count, a fresh process starts a Runtime in-process (paper broker, manual feed,
SQLite store in a temporary directory, ``enforce_plan=False`` since no plan holds that
many accounts), opens a one-lot position in every account, moves every quote a few times
so the monitor has marked every account, and prints the resident set size: after the
imports, after start with every account open, and the peak. Target: under 200 MB for
10,000 accounts.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_MB = 200.0
ROOTS = {"ES": 6000.0, "NQ": 21000.0, "CL": 70.0, "GC": 2650.0, "MES": 6000.0, "MNQ": 21000.0}
POLICY = """\
apiVersion: ordergate/v1
kind: RiskPolicy
metadata: {name: memory, version: 1}
spec:
  accounts: ["*"]
  limits: {daily: {loss: 5000}, on_breach: {action: lock, lock: 6h}}
  hours: {start: "00:00", end: "23:59", days: [mon, tue, wed, thu, fri, sat, sun]}
  positions: {max_contracts_per_order: 5, max_position_size: 10}
  quote_health: {policy: warn, stale_after: 20s}
"""


def rss_mb() -> tuple[float, float]:
    """(resident now, peak resident) in MB, from /proc."""
    fields = {}
    with open("/proc/self/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                fields[key] = int(value.split()[0]) / 1024
    return fields["VmRSS"], fields["VmHWM"]


async def measure(accounts: int, quote_rounds: int) -> None:
    from ordergate.policy.models import ApiConfig, ConnectionConfig, RuntimeSpec
    from ordergate.runtime.brokers.base import Fill
    from ordergate.runtime.config import from_spec
    from ordergate.runtime.ledger import book_fill
    from ordergate.runtime.service import Runtime

    imported, _ = rss_mb()
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        (tmp / "rules").mkdir()
        (tmp / "rules" / "p.yaml").write_text(POLICY)
        ids = [f"A{i:05d}" for i in range(accounts)]
        spec = RuntimeSpec(
            rules=str(tmp / "rules"),
            store=f"sqlite:///{tmp / 'state.db'}",
            plan="ultra",
            api=ApiConfig(tokens=["x"]),
            connections=[
                ConnectionConfig(
                    name="Paper",
                    broker="paper",
                    feed="manual",
                    accounts=[{"id": a, "balance": 50000} for a in ids],
                )
            ],
        )
        started = time.perf_counter()
        rt = Runtime(from_spec("memory", spec, state_dir=tmp), enforce_plan=False)
        await rt.start(background=False)
        broker = rt.core.brokers["Paper"]
        roots = list(ROOTS)
        for root, price in ROOTS.items():
            broker.set_quote(root, price, price + 0.25, price)
        for i, account in enumerate(ids):
            root = roots[i % len(roots)]
            book_fill(rt.core, Fill(account, "seed", root, root, "buy", 1, ROOTS[root], time.time()))
            broker.restore(account, {root: (1, ROOTS[root])})
        await rt.settle()
        for step in range(quote_rounds):
            for root, price in ROOTS.items():
                move = (step % 5 - 2) * 0.25
                broker.set_quote(root, price + move, price + move + 0.25, price + move)
            await rt.settle()
        elapsed = time.perf_counter() - started
        now, peak = rss_mb()
        per_account = (now - imported) * 1024 / accounts
        print(
            f"{accounts:>6,} accounts: RSS {now:6.1f} MB (imports alone {imported:.1f} MB, "
            f"{per_account:.1f} KB per account), peak {peak:6.1f} MB; started and marked in {elapsed:.1f} s"
        )
        await rt.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--quotes", type=int, default=10, help="rounds of quote moves on every root")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)  # a child process
    args = parser.parse_args()
    if args.one:
        asyncio.run(measure(args.accounts[0], args.quotes))
        return
    for count in args.accounts:  # each in a fresh process, so one count's heap is not the next's
        cmd = [sys.executable, __file__, "--one", "--accounts", str(count), "--quotes", str(args.quotes)]
        subprocess.run(cmd, check=True)
    print(f"target: under {TARGET_MB:.0f} MB for 10,000 accounts")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
