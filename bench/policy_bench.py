"""Policy engine benchmark: decisions per second, latency, and validation time.

    python bench/policy_bench.py [--decisions N] [--files N]

Prints, for a policy that uses every stage plus five custom rules:
- decisions per second on one core (a mix of allowed and blocked entries),
- p50 and p99 latency of one decision in microseconds,
- the time to validate N generated rule files.
Targets on a 2-core machine: >= 200,000 decisions/s, p99 <= 20 us, 1,000 files <= 3 s.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import datetime
from pathlib import Path

from ordergate.policy import Order, Snapshot, check_bundle, load_bundle

POLICY = """\
apiVersion: ordergate/v1
kind: RiskPolicy
metadata: {{name: bench-{i}, version: {version}}}
spec:
  accounts: ["BENCH-{i}-*"]
  timezone: America/New_York
  limits:
    daily: {{loss: {loss}, profit_target: 3000}}
    weekly: {{loss: 2500, profit_target: 6000}}
    trailing_drawdown: {{amount: 2500, mode: intraday, stop_at: 50100}}
    on_breach: {{action: flatten_and_lock, lock: session:new_york_open, enforce: true}}
  hours: {{start: "09:30", end: "16:00", days: [mon, tue, wed, thu, fri], exit_before: 5}}
  blackouts:
    - {{name: FOMC Decision, start: 2026-12-16T13:55, end: 2026-12-16T14:30}}
    - {{name: Crude inventory, every: wed, start: "10:25", end: "10:35"}}
  positions: {{max_contracts_per_order: 5, max_position_size: 10, max_open_positions: 3}}
  contracts:
    - {{symbol: CL, mode: block}}
    - {{symbol: NQ, mode: cap, max_contracts: 2}}
  quote_health: {{policy: strict, stale_after: 20s}}
  rules:
    - {{name: shrink-after-drawdown, when: daily.pnl < -500 and order.qty > 1}}
    - {{name: no-late-gold, when: order.symbol == GC and now.time >= 15:00}}
    - {{name: wide-spread, when: quote.spread > 2, action: warn}}
    - {{name: webhook-size, when: 'order.source == "webhook" and order.qty >= 4'}}
    - {{name: weekday-only-micros, when: 'now.weekday in [sat, sun] and order.symbol in [MES, MNQ]'}}
"""


def decisions(n: int) -> tuple[float, float, float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "p.yaml").write_text(POLICY.format(i=1, version=1, loss=1000))
        policy = load_bundle(tmp).policies["bench-1"]
    now = datetime.fromisoformat("2026-11-24T10:00:00-05:00")
    rng = random.Random(7)
    cases = []
    for _ in range(256):
        symbol = rng.choice(["ESZ6", "ESZ6", "ESZ6", "MNQZ6", "NQZ6", "GCG7", "CLF7"])
        root = {"ESZ6": "ES", "MNQZ6": "MNQ", "NQZ6": "NQ", "GCG7": "GC", "CLF7": "CL"}[symbol]
        state = {
            "account": {"id": "BENCH-1-A", "equity": 50000 + rng.randint(-800, 800), "peak_equity": 50500},
            "positions": {root: {"qty": rng.choice([0, 0, 1, 2, -1]), "avg_price": 6000}},
            "pnl": {"daily_realized": rng.choice([0, -100, -600, 200]), "weekly_realized": -300},
            "quotes": {root: {"bid": 6000, "ask": 6000.25, "last": 6000, "age": f"{rng.choice([1, 2, 5])}s"}},
        }
        order = {
            "symbol": symbol,
            "side": rng.choice(["buy", "sell"]),
            "qty": rng.choice([1, 1, 2, 3]),
            "source": rng.choice(["webhook", "manual"]),
        }
        cases.append((Order.from_dict(order), Snapshot.from_dict(state, now)))
    evaluate = policy.evaluate
    for order, snap in cases:  # warm the caches
        evaluate(order, snap, now)
    blocked = 0
    start = time.perf_counter()
    for i in range(n):
        order, snap = cases[i & 255]
        if evaluate(order, snap, now).outcome == "block":
            blocked += 1
    elapsed = time.perf_counter() - start
    samples = []
    clock = time.perf_counter_ns
    for i in range(min(n, 200_000)):
        order, snap = cases[i & 255]
        t0 = clock()
        evaluate(order, snap, now)
        samples.append(clock() - t0)
    samples.sort()
    p50 = samples[len(samples) // 2] / 1000
    p99 = samples[int(len(samples) * 0.99)] / 1000
    return n / elapsed, p50, p99, blocked


def validation(files: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(files):
            Path(tmp, f"p{i:04d}.yaml").write_text(POLICY.format(i=i, version=i + 1, loss=500 + i))
        start = time.perf_counter()
        bundle, diagnostics = check_bundle([tmp])
        elapsed = time.perf_counter() - start
        assert bundle is not None and len(bundle.policies) == files, [
            d.render_line() for d in diagnostics[:3]
        ]
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decisions", type=int, default=1_000_000)
    parser.add_argument("--files", type=int, default=1000)
    args = parser.parse_args()
    rate, p50, p99, blocked = decisions(args.decisions)
    print(f"decisions/s (one core): {rate:,.0f}   ({blocked / args.decisions:.0%} blocked)")
    print(f"decision latency: p50 {p50:.2f} us, p99 {p99:.2f} us")
    seconds = validation(args.files)
    print(f"validate {args.files} rule files: {seconds:.2f} s ({seconds / args.files * 1000:.2f} ms/file)")


if __name__ == "__main__":
    main()
