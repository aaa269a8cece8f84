"""Several runtimes on one PostgreSQL database: decisions/s and p99 through 1, 2 and 3
instances, the takeover time after SIGKILL of a lease holder, and the order path on
PostgreSQL against SQLite on the same machine.

Two figures for each setup: checks (``POST /v1/orders/check``: decided by the account's
holder, nothing recorded or sent) and orders (``POST /v1/orders``: decided, recorded and
sent to a broker that answers over loopback, ``ordergate simulate tradovate``, one per
connection, and answered once the market order filled). Each is sent by ``--workers`` clients that each wait for their answer (closed loop), spread
round-robin over the instances: with n instances, (n-1)/n of the orders arrive at an
instance that does not host the account and are forwarded to the one that does.
Orders alternate buy and sell per account, so no limit is reached.

    ORDERGATE_TEST_PG=postgresql://postgres@127.0.0.1:5432/test python bench/cluster_bench.py

Each instance, simulator and the client share the machine's cores: on a 2-core machine
the rates measure contention as much as the cluster, and vary from run to run. The CPU
time the instances spent per request (all instances together, from /proc) moves much
less with other work on the machine: it is the figure to compare builds with.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from loadgen import HttpPool

from ordergate.policy.expiry import front_quarter_symbol

TOKEN = "bench-" + secrets.token_hex(8)
SYMBOL = front_quarter_symbol("ES", datetime.now(UTC))  # the contract trading now (runtime_bench.py)
PASSWORD = "bench-Secret-1"
ORDERGATE = shutil.which("ordergate", path=str(Path(sys.executable).parent)) or "ordergate"
CONNECTIONS = ("A", "B", "C")
POLICY = """\
apiVersion: ordergate/v1
kind: RiskPolicy
metadata: {name: bench, version: 1}
spec:
  accounts: ["*"]
  positions: {max_contracts_per_order: 5, max_position_size: 50}
  quote_health: {policy: strict, stale_after: 300s}
  # the alternating orders move the position every few milliseconds, faster than the
  # simulator's position reports: the guard would pause the accounts on the first race
  sync_divergence_guard: false
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait(what: str, check: Any, seconds: float = 40.0) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            found = check()
        except httpx.HTTPError:
            found = None
        if found:
            return found
        time.sleep(0.05)
    raise SystemExit(f"not in {seconds:g} s: {what}")


class Proc:
    def __init__(self, args: list[str], log: Path, cwd: Path | None = None) -> None:
        self.log = log
        env = {**os.environ, "ORDERGATE_TOKEN": TOKEN, "SIM_PASSWORD": PASSWORD}
        with log.open("a") as out:
            self.p = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, cwd=cwd, env=env)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.p.poll() is None:
            self.p.send_signal(sig)
            try:
                self.p.wait(20)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait(10)


class Instance(Proc):
    def __init__(self, config: Path, root: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        root.mkdir(parents=True)
        super().__init__(
            [
                ORDERGATE,
                "run",
                "--config",
                str(config),
                "--listen",
                f"127.0.0.1:{self.port}",
                "--state-dir",
                str(root / "state"),
                "--log-level",
                "warning",
            ],
            root / "run.log",
            cwd=root,
        )
        wait(f"instance on {self.port}", lambda: self.get("/v1/health").status_code == 200, 90)

    def get(self, path: str) -> httpx.Response:
        return httpx.get(self.url + path, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)

    def post(self, path: str, body: Any) -> httpx.Response:
        return httpx.post(
            self.url + path, json=body, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30
        )


def write_config(root: Path, store: str, ports: dict[str, int]) -> Path:
    (root / "rules").mkdir(exist_ok=True)
    (root / "rules" / "policy.yaml").write_text(POLICY)
    connections = "".join(
        f"    - {{name: {name}, broker: tradovate, endpoint: 'http://127.0.0.1:{port}',"
        " credentials: {username: demo, password: '${env:SIM_PASSWORD}'}}\n"
        for name, port in ports.items()
    )
    config = root / f"runtime-{secrets.token_hex(3)}.yaml"
    config.write_text(
        textwrap.dedent(f"""\
        apiVersion: ordergate/v1
        kind: Runtime
        metadata: {{name: bench}}
        spec:
          rules: ./rules
          store: "{store}"
          api: {{listen: 127.0.0.1:8787, tokens: ["${{env:ORDERGATE_TOKEN}}"]}}
          plan: ultra
          connections:
        """)
        + connections
    )
    return config


async def _admin(url: str, sql: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def fresh_schema(base: str) -> tuple[str, str]:
    schema = f"og_bench_{secrets.token_hex(4)}"
    asyncio.run(_admin(base, f"CREATE SCHEMA {schema}"))
    return schema, f"{base}{'&' if '?' in base else '?'}search_path={schema}"


def accounts() -> list[str]:
    return [f"{c}-{n}" for c in CONNECTIONS for n in (1, 2)]


def spread(instances: list[Instance]) -> bool:
    held = [c.get("holder") for c in instances[0].get("/v1/status").json()["connections"]]
    return all(held) and len(set(held)) == min(len(instances), len(CONNECTIONS))


def quoted(instances: list[Instance]) -> bool:
    for inst in instances:
        for account in accounts():
            body = {"account": account, "symbol": SYMBOL, "side": "buy", "qty": 1}
            r = inst.post("/v1/orders/check", body)
            if r.status_code != 200 or r.json()["decision"]["code"] == "quote_missing":
                return False
    return True


async def closed_loop(
    instances: list[Instance], workers: int, seconds: float, path: str = "/v1/orders"
) -> tuple[int, list[float], int]:
    pools = [HttpPool("127.0.0.1", i.port, TOKEN, size=workers) for i in instances]
    latencies: list[float] = []
    failures = 0
    names = accounts()
    end = time.perf_counter() + seconds

    async def worker(w: int) -> None:
        nonlocal failures
        n = w
        while time.perf_counter() < end:
            account = names[n % len(names)]
            side = "buy" if (n // len(names)) % 2 == 0 else "sell"
            body = {"account": account, "symbol": SYMBOL, "side": side, "qty": 1}
            t0 = time.perf_counter()
            status, answer = await pools[n % len(pools)].request("POST", path, body)
            if status in (200, 201):
                latencies.append(time.perf_counter() - t0)
            else:
                if not failures:
                    print(f"  first refused order: {status} {answer}", flush=True)
                failures += 1
            n += workers

    await asyncio.gather(*(worker(w) for w in range(workers)))
    for pool in pools:
        await pool.close()
    return len(latencies), latencies, failures


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(len(ordered) * q), len(ordered) - 1)] * 1000 if ordered else float("nan")


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far: a figure other work on the machine
    does not move, unlike wall-clock throughput."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(label: str, instances: list[Instance], workers: int, seconds: float) -> None:
    wait("quotes", lambda: quoted(instances))
    for path, what in (("/v1/orders/check", "checks"), ("/v1/orders", "orders")):
        asyncio.run(closed_loop(instances, workers, 1.0, path))  # warm the connections and the caches
        before = sum(cpu_seconds(i.p.pid) for i in instances)
        done, latencies, failures = asyncio.run(closed_loop(instances, workers, seconds, path))
        cpu = (sum(cpu_seconds(i.p.pid) for i in instances) - before) / max(1, done) * 1000
        print(
            f"{label:<28} {what:<7} {done / seconds:8.0f}/s   p50 {pct(latencies, 0.5):6.1f} ms"
            f"   p99 {pct(latencies, 0.99):6.1f} ms   instances' CPU {cpu:5.2f} ms each   refused {failures}",
            flush=True,
        )


def takeover(instances: list[Instance]) -> float:
    status = instances[0].get("/v1/status").json()
    ids = {i["address"]: i["id"] for i in status["instances"]}
    holder_id = next(c["holder"] for c in status["connections"] if c["name"] == "A")
    victim = next(i for i in instances if ids.get(i.url) == holder_id)
    survivor = next(i for i in instances if i is not victim)
    body = {"account": "A-1", "symbol": SYMBOL, "side": "buy", "qty": 1}
    victim.stop(signal.SIGKILL)
    killed = time.monotonic()
    wait(
        "an order for A-1 through a survivor",
        lambda: survivor.post("/v1/orders", body).status_code == 201,
        60,
    )
    return time.monotonic() - killed


def main() -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # the finally blocks stop every process
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--takeovers", type=int, default=3)
    parser.add_argument("--takeover-only", action="store_true", help="skip the throughput figures")
    args = parser.parse_args()
    base = os.environ.get("ORDERGATE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
    tmp = Path(tempfile.mkdtemp(prefix="og-cluster-bench-"))
    sims: list[Proc] = []
    ports = {name: free_port() for name in CONNECTIONS}
    try:
        for name, port in ports.items():
            accts = [a for n in (1, 2) for a in ("--account", f"{name}-{n}")]
            sims.append(
                Proc(
                    [ORDERGATE, "simulate", "tradovate", "--port", str(port), "--password", PASSWORD, *accts],
                    tmp / f"sim-{name}.log",
                )
            )
            wait(
                f"simulator {name}",
                lambda p=port, n=name: f"127.0.0.1:{p}" in (tmp / f"sim-{n}.log").read_text(),
            )
        print(
            f"{args.workers} clients, {args.seconds:g} s each, {len(CONNECTIONS)} connections x 2 accounts",
            flush=True,
        )
        if not args.takeover_only:
            sqlite = write_config(tmp, "sqlite:///sqlite-state.db", ports)
            one = [Instance(sqlite, tmp / "sqlite")]
            try:
                measure("1 instance, SQLite", one, args.workers, args.seconds)
            finally:
                one[0].stop()
            for count in (1, 2, 3):
                schema, url = fresh_schema(base)
                config = write_config(tmp, url, ports)
                instances: list[Instance] = []
                try:
                    for n in range(count):
                        instances.append(Instance(config, tmp / f"pg{count}-{n}"))
                    wait("the connections spread", lambda xs=instances: spread(xs))
                    measure(
                        f"{count} instance{'s' if count > 1 else ''}, PostgreSQL",
                        instances,
                        args.workers,
                        args.seconds,
                    )
                finally:
                    for inst in instances:
                        inst.stop()
                    asyncio.run(_admin(base, f"DROP SCHEMA {schema} CASCADE"))
        times = []
        for _ in range(args.takeovers):
            schema, url = fresh_schema(base)
            config = write_config(tmp, url, ports)
            instances = []
            try:
                for n in range(3):
                    instances.append(Instance(config, tmp / f"kill-{schema}-{n}"))
                wait("the connections spread", lambda xs=instances: spread(xs))
                wait("quotes", lambda xs=instances: quoted(xs))
                times.append(takeover(instances))
            finally:
                for inst in instances:
                    inst.stop()
                asyncio.run(_admin(base, f"DROP SCHEMA {schema} CASCADE"))
        print(
            "takeover after SIGKILL of the holder (kill -> first 201 through a survivor): "
            + ", ".join(f"{t:.1f} s" for t in times),
            flush=True,
        )
    finally:
        for sim in sims:
            sim.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
