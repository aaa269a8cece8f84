"""Side by side: ordergate against CEL, Cedar and Rego deciding the same pre-trade policy.

    pip install -e '.[bench]'          # the peers: common-expression-language, cedarpy, regopy
    python bench/peers_bench.py [--inputs N] [--seconds S] [--markdown]

The policy is the seeds' stages (locked, enabled, hours, a weekly blackout, quote health,
positions, daily/weekly P&L limits, a blocked and a capped contract) written once in each
engine. The inputs are random orders against random account states at instants spread over
six days (Mon–Sat) in random order, so the calendar work is redone as the day changes.

The peers get flat, pre-digested inputs (minute of day, weekday, quote age, P&L already
summed), which favours them; ordergate gets an Order, a Snapshot and an aware datetime and
does the time, position and P&L work itself. Before an engine is timed, its allow/deny on
every input must agree with a plain-Python reference; one that disagrees is reported and
not timed. A peer that is not installed is skipped with a line saying so.
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

NEW_YORK = timezone(timedelta(hours=-5))  # November: EST
POINT_VALUE = {"ES": 50.0, "NQ": 20.0, "CL": 1000.0, "GC": 100.0}
CONTRACT = {"ES": "ESZ6", "NQ": "NQZ6", "CL": "CLF7", "GC": "GCG7"}
ORDERGATE = "ordergate (Order + Snapshot + datetime)"
CEL_RUST = "CEL (common-expression-language, Rust)"

POLICY = """\
apiVersion: ordergate/v1
kind: RiskPolicy
metadata: {name: peer, version: 1}
spec:
  accounts: ["*"]
  limits:
    daily: {loss: 1000, profit_target: 2000}
    weekly: {loss: 3000}
    on_breach: {action: alert_only}
  hours: {start: "09:30", end: "16:00", days: [mon, tue, wed, thu, fri]}
  blackouts:
    - {name: Inventory, every: wed, start: "10:25", end: "10:35"}
  positions: {max_contracts_per_order: 5, max_position_size: 8, max_open_positions: 2}
  contracts:
    - {symbol: CL, mode: block}
    - {symbol: NQ, mode: cap, max_contracts: 2}
  quote_health: {policy: strict, stale_after: 20s}
"""

CEL = (
    "exit || !(locked || !enabled || !(minute >= 570 && minute < 960) || weekday > 5 || blackout"
    " || quote_age > 20 || qty > 5 || after > 8 || (new_symbol && open_positions >= 2)"
    " || daily_pnl <= -1000.0 || daily_pnl >= 2000.0 || weekly_pnl <= -3000.0"
    " || symbol == 'CL' || (symbol == 'NQ' && qty > 2))"
)

CEDAR = """\
permit(principal, action == Action::"order", resource) when { context.exit };
permit(principal, action == Action::"order", resource) unless {
  context.locked || !context.enabled || context.minute < 570 || context.minute >= 960 ||
  context.weekday > 5 || context.blackout || context.quote_age > 20 || context.qty > 5 ||
  context.after > 8 || (context.new_symbol && context.open_positions >= 2) ||
  context.daily_pnl_cents <= -100000 || context.daily_pnl_cents >= 200000 ||
  context.weekly_pnl_cents <= -300000 || context.symbol == "CL" ||
  (context.symbol == "NQ" && context.qty > 2)
};"""

REGO = """\
package risk
import rego.v1
default allow := false
deny contains "locked" if input.locked
deny contains "disabled" if not input.enabled
deny contains "hours" if input.minute < 570
deny contains "hours" if input.minute >= 960
deny contains "day" if input.weekday > 5
deny contains "blackout" if input.blackout
deny contains "quote" if input.quote_age > 20
deny contains "per_order" if input.qty > 5
deny contains "size" if input.after > 8
deny contains "open" if { input.new_symbol; input.open_positions >= 2 }
deny contains "daily_loss" if input.daily_pnl <= -1000
deny contains "daily_target" if input.daily_pnl >= 2000
deny contains "weekly_loss" if input.weekly_pnl <= -3000
deny contains "blocked" if input.symbol == "CL"
deny contains "cap" if { input.symbol == "NQ"; input.qty > 2 }
allow if input.exit
allow if count(deny) == 0
"""


# ---------------------------------------------------------------- inputs


def make_case(rng: random.Random) -> dict[str, Any]:
    """One order, the account's state and the instant, in the PolicyTest shapes."""
    root = rng.choice(list(POINT_VALUE))
    positions = {}
    if rng.random() < 0.5:
        held = rng.choice(list(POINT_VALUE))
        positions[held] = {"qty": rng.choice([-6, -2, -1, 1, 2, 6]), "avg_price": 100.0}
    day = rng.choice([23, 24, 25, 26, 27, 28])  # Mon..Sat, November 2026
    minute = rng.choice([569, 570, 630, 720, 959, 960, 1200])
    age = rng.choice([1, 5, 19, 25])
    last = 100.0 + rng.choice([-2.0, -0.5, 0.0, 0.5, 1.0])
    realized = rng.choice([0, -200, -900, -1000, 2100])
    return {
        "at": datetime(2026, 11, day, minute // 60, minute % 60, tzinfo=NEW_YORK),
        "order": {
            "symbol": CONTRACT[root],
            "side": rng.choice(["buy", "sell"]),
            "qty": rng.choice([1, 1, 1, 2, 3, 6]),
            "type": "market",
            "source": "webhook",
        },
        "state": {
            "account": {"id": "P-1", "enabled": rng.random() > 0.05, "locked": rng.random() < 0.05},
            "positions": positions,
            "quotes": {
                s: {"bid": last - 0.25, "ask": last, "last": last, "age": f"{age}s"} for s in POINT_VALUE
            },
            "pnl": {"daily_realized": realized, "weekly_realized": realized},
        },
    }


def flatten(case: dict[str, Any]) -> dict[str, Any]:
    """The pre-digested input the peers decide on: every derived fact already computed."""
    order, state, at = case["order"], case["state"], case["at"]
    root = order["symbol"][:2]
    positions = state["positions"]
    held = positions.get(root, {}).get("qty", 0)
    signed = order["qty"] if order["side"] == "buy" else -order["qty"]
    reverses = held != 0 and (held > 0) != (signed > 0)
    quote = state["quotes"][root]
    unrealized = sum(
        (quote["last"] - p["avg_price"]) * p["qty"] * POINT_VALUE[k] for k, p in positions.items()
    )
    minute = at.hour * 60 + at.minute
    return {
        "exit": reverses and abs(signed) <= abs(held),
        "locked": state["account"]["locked"],
        "enabled": state["account"]["enabled"],
        "minute": minute,
        "weekday": at.isoweekday(),
        "quote_age": int(quote["age"][:-1]),
        "qty": abs(held + signed) if reverses else order["qty"],  # a reversal: the part beyond flat
        "after": abs(held + signed),
        "new_symbol": held == 0,
        "open_positions": sum(1 for p in positions.values() if p["qty"]),
        "daily_pnl": state["pnl"]["daily_realized"] + unrealized,
        "weekly_pnl": state["pnl"]["weekly_realized"] + unrealized,
        "symbol": root,
        "blackout": at.isoweekday() == 3 and 625 <= minute < 635,
    }


def reference(f: dict[str, Any]) -> bool:
    if f["exit"]:
        return True
    return not (
        f["locked"]
        or not f["enabled"]
        or not 570 <= f["minute"] < 960
        or f["weekday"] > 5
        or f["blackout"]
        or f["quote_age"] > 20
        or f["qty"] > 5
        or f["after"] > 8
        or (f["new_symbol"] and f["open_positions"] >= 2)
        or f["daily_pnl"] <= -1000
        or f["daily_pnl"] >= 2000
        or f["weekly_pnl"] <= -3000
        or f["symbol"] == "CL"
        or (f["symbol"] == "NQ" and f["qty"] > 2)
    )


# ---------------------------------------------------------------- engines

Engine = Callable[[int], bool]


def ordergate_engine(cases: list[dict[str, Any]]) -> Engine:
    from ordergate.policy import Order, Snapshot, load_bundle

    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "peer.yaml").write_text(POLICY)
        evaluate = load_bundle(tmp).policies["peer"].evaluate
    orders = [Order.from_dict(c["order"]) for c in cases]
    snapshots = [Snapshot.from_dict(c["state"]) for c in cases]
    ats = [c["at"] for c in cases]
    return lambda i: evaluate(orders[i], snapshots[i], ats[i]).outcome == "allow"


def cel_engine(flats: list[dict[str, Any]]) -> Engine:
    import cel  # type: ignore[import-not-found]

    program = cel.compile(CEL)
    inputs = [dict(f, daily_pnl=float(f["daily_pnl"]), weekly_pnl=float(f["weekly_pnl"])) for f in flats]
    return lambda i: bool(program.execute(inputs[i]))


def cedar_engine(flats: list[dict[str, Any]]) -> Engine:
    import cedarpy  # type: ignore[import-not-found]

    requests = []
    for f in flats:
        context = {k: v for k, v in f.items() if k not in ("daily_pnl", "weekly_pnl")}
        context["daily_pnl_cents"] = round(f["daily_pnl"] * 100)  # Cedar has no decimals here
        context["weekly_pnl_cents"] = round(f["weekly_pnl"] * 100)
        requests.append(
            {
                "principal": 'User::"trader"',
                "action": 'Action::"order"',
                "resource": 'Account::"P-1"',
                "context": context,
            }
        )
    policies = cedarpy.PolicySet.from_str(CEDAR)
    entities = cedarpy.Entities.from_json_str("[]")
    return lambda i: bool(cedarpy.is_authorized(requests[i], policies, entities).allowed)


def rego_engine(flats: list[dict[str, Any]]) -> Engine:
    import regopy  # type: ignore[import-not-found]

    builder = regopy.Interpreter()
    builder.add_module("risk", REGO)
    bundle = builder.build("x = data.risk.allow", ["risk/allow"])
    rego = regopy.Interpreter()

    def decide(i: int) -> bool:
        rego.set_input(flats[i])
        return '"x":true' in str(rego.query_bundle(bundle)).replace(" ", "")

    return decide


def engines(cases: list[dict[str, Any]], flats: list[dict[str, Any]]) -> dict[str, Engine]:
    out: dict[str, Engine] = {"python reference (flat input)": lambda i: reference(flats[i])}
    builders: list[tuple[str, str, Callable[[], Engine]]] = [
        (ORDERGATE, "ordergate", lambda: ordergate_engine(cases)),
        (CEL_RUST, "common-expression-language", lambda: cel_engine(flats)),
        ("Cedar (cedarpy, Rust)", "cedarpy", lambda: cedar_engine(flats)),
        ("Rego (rego-cpp via regopy)", "regopy", lambda: rego_engine(flats)),
    ]
    for name, package, build in builders:
        try:
            out[name] = build()
        except ImportError as exc:
            print(f"skipped {name}: {package} is not installed ({exc.name}); pip install -e '.[bench]'")
    return out


# ---------------------------------------------------------------- timing


def measure(fn: Engine, n: int, seconds: float) -> tuple[float, float, float]:
    """(decisions/s over repeated passes, p50 µs, p99 µs over one pass)."""
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for i in range(n):
            fn(i)
        done += n
    rate = done / (time.perf_counter() - start)
    clock = time.perf_counter_ns
    samples = []
    for i in range(n):
        t0 = clock()
        fn(i)
        samples.append(clock() - t0)
    samples.sort()
    return rate, samples[len(samples) // 2] / 1000, samples[int(len(samples) * 0.99)] / 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=2.0, help="timing per engine")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--markdown", action="store_true", help="print the table as markdown")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    cases = [make_case(rng) for _ in range(args.inputs)]
    flats = [flatten(c) for c in cases]
    expected = [reference(f) for f in flats]
    print(f"{args.inputs} inputs over six days in random order, {sum(expected)} allowed by the reference")
    rows = []
    for name, fn in engines(cases, flats).items():
        wrong = [i for i in range(args.inputs) if bool(fn(i)) != expected[i]]
        if wrong:
            print(
                f"{name}: disagrees with the reference on {len(wrong)} inputs, e.g. {flats[wrong[0]]}; not timed"
            )
            continue
        rows.append((name, *measure(fn, args.inputs, args.seconds)))
    rows.sort(key=lambda r: -r[1])
    rates = {r[0]: r[1] for r in rows}
    if args.markdown:
        print("\n| engine | decisions/s | p50 µs | p99 µs |\n| --- | --- | --- | --- |")
        for name, rate, p50, p99 in rows:
            print(f"| {name} | {rate:,.0f} | {p50:.1f} | {p99:.1f} |")
    else:
        for name, rate, p50, p99 in rows:
            print(f"{name:42s} {rate:12,.0f} decisions/s  p50 {p50:7.1f} µs  p99 {p99:7.1f} µs")
    if ORDERGATE in rates and CEL_RUST in rates:
        p99 = next(r[3] for r in rows if r[0] == ORDERGATE)
        print(
            f"ordergate / CEL-Rust: {rates[ORDERGATE] / rates[CEL_RUST]:.2f}x (target >= 2x); "
            f"ordergate p99 {p99:.1f} µs (target <= 10 µs)"
        )
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
