"""CPU per order through the API's ASGI app, in-process: the figure to compare builds by.

    python bench/order_cost.py [--orders N] [--accounts A] [--concurrency C] [--profile FILE]

The runtime (paper broker, manual feed, a SQLite store in a temporary directory) runs in
this process, and each request is handed to the ASGI app the way uvicorn hands it over
(scope, receive, send), so the figure holds everything an order costs but the HTTP
parsing and the socket: the routes, the body, the decision, the audit entry, the commit,
the paper fill and its booking, the event stream, the log and the answer. CPU seconds
(``time.process_time``), not wall time, so that the other processes on a shared machine
count for little; the best of several rounds is printed. ``--concurrency`` requests are
in flight at once, each on the next of ``--accounts`` accounts, as orders arriving
together are; ``--profile`` writes a cProfile of the last round.

Run it under ``valgrind --tool=callgrind --callgrind-out-file=/dev/null`` with
``--orders 2000 --rounds 1`` to count instructions instead (valgrind prints the total;
subtract a run with ``--orders 0``).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from runtime_bench import POLICY, SYMBOL, TOKEN

Message = dict[str, Any]


async def call(app: Any, path: str, body: dict[str, Any]) -> int:
    data = json.dumps(body).encode()
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"127.0.0.1"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(data)).encode()),
            (b"authorization", f"Bearer {TOKEN}".encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8787),
    }
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": data, "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return int(sent[0]["status"])


async def run(orders: int, accounts: int, concurrency: int, rounds: int, profile: str | None) -> None:
    from ordergate.policy.models import ApiConfig, ConnectionConfig, RuntimeSpec
    from ordergate.runtime.api import build_app
    from ordergate.runtime.config import from_spec
    from ordergate.runtime.server import api_config

    try:
        from ordergate.runtime.server import tune_collector
    except ImportError:  # a build from before it was one function: the collector as Python sets it
        tune_collector = None
    from ordergate.runtime.service import Runtime

    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        (tmp / "rules").mkdir()
        (tmp / "rules" / "bench.yaml").write_text(POLICY.format(version=1, cap=5))
        ids = [f"PAPER-{i + 1}" for i in range(accounts)]
        spec = RuntimeSpec(
            rules=str(tmp / "rules"),
            store=f"sqlite:///{tmp / 'state.db'}",
            plan="ultra",
            api=ApiConfig(tokens=[TOKEN]),
            connections=[
                ConnectionConfig(
                    name="Paper",
                    broker="paper",
                    feed="manual",
                    accounts=[{"id": a, "balance": 1_000_000} for a in ids],
                )
            ],
        )
        rt = Runtime(from_spec("bench", spec, state_dir=tmp), enforce_plan=False)
        await rt.start(background=False)
        rt.core.brokers["Paper"].set_quote("ES", 6000.0, 6000.25, 6000.0)
        # the app as ``ordergate run`` serves it; its server tells the group commit of each
        # request as it arrives, and so does ``one`` below
        commits = getattr(rt.gateway, "commits", None)  # None in a build before group commit
        app = api_config(rt).app if commits is not None else build_app(rt)
        if tune_collector is not None:
            tune_collector()  # as ``ordergate run`` does once it has started
        best = float("inf")
        failures = 0
        n = 0

        async def one(i: int) -> None:
            # alternate buy and sell per account, so no position drifts towards a limit
            nonlocal failures
            side = "buy" if (i // accounts) % 2 == 0 else "sell"
            body = {"account": ids[i % accounts], "symbol": SYMBOL, "side": side, "qty": 1}
            if await call(app, "/v1/orders", body) != 201:
                failures += 1

        def arrive(n: int) -> None:
            for _ in range(n if commits is not None else 0):
                commits.arrive()

        for r in range(rounds):
            profiler = cProfile.Profile() if profile and r == rounds - 1 else None
            cpu = time.process_time()
            if profiler:
                profiler.enable()
            for start in range(0, orders, concurrency):
                batch = min(concurrency, orders - start)
                arrive(batch)
                await asyncio.gather(*(one(n + i) for i in range(batch)))
                n += concurrency
            if profiler:
                profiler.disable()
                profiler.dump_stats(profile or "")
            best = min(best, time.process_time() - cpu)
        await rt.stop()
    grouped = f"{commits.members / max(commits.groups, 1):.1f}" if commits else "1"
    print(
        f"order path in-process, {orders} orders x {rounds} rounds on {accounts} accounts, {concurrency} at once: "
        f"best {best / max(orders, 1) * 1e6:.0f} us CPU per order; {grouped} orders per commit; "
        f"failures {failures}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--accounts", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", help="write a cProfile of the last round here")
    args = parser.parse_args()
    asyncio.run(run(args.orders, args.accounts, args.concurrency, args.rounds, args.profile))


if __name__ == "__main__":
    main()
