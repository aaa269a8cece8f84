"""Real processes for the cluster tests: broker simulators that keep their state outside
every runtime, and ``ordergate run`` instances on one PostgreSQL database, each with its
own port and state directory and the same rules and config."""

from __future__ import annotations

import os
import signal
import subprocess
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.contracts_now import front_symbol
from tests.runtime.test_e2e import ORDERGATE, TOKEN, free_port

SIM_PASSWORD = "sim-Secret-9"
HOOK_SECRET = "hook-Secret-a1"  # webhook a1 trades A-1: POST /v1/webhooks/{HOOK_SECRET}
POLICY = """\
apiVersion: ordergate/v1
kind: RiskPolicy
metadata: {{name: desk, version: {version}}}
spec:
  accounts: ["*"]
  positions: {{max_contracts_per_order: 1, max_position_size: {max_position}}}
  quote_health: {{policy: strict, stale_after: 300s}}
"""


def until(what: str, check: Callable[[], Any], seconds: float = 20.0, every: float = 0.1) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        try:
            found = check()
        except httpx.HTTPError:
            found = None
        if found:
            return found
        assert time.monotonic() < deadline, f"not in {seconds:g} s: {what}"
        time.sleep(every)


@dataclass
class Simulator:
    """``ordergate simulate tradovate``: a broker whose orders and positions outlive the
    runtime that sent them."""

    port: int
    accounts: tuple[str, ...]
    log: Path
    process: subprocess.Popen[str] | None = None

    def start(self) -> None:
        accounts = [a for account in self.accounts for a in ("--account", account)]
        with self.log.open("a") as out:
            self.process = subprocess.Popen(
                [
                    ORDERGATE,
                    "simulate",
                    "tradovate",
                    "--port",
                    str(self.port),
                    "--password",
                    SIM_PASSWORD,
                    *accounts,
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                text=True,
            )
        until(f"the simulator on {self.port}", lambda: f"127.0.0.1:{self.port}" in self.log.read_text())

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=15)


@dataclass
class Instance:
    """One ``ordergate run`` of the cluster."""

    config: Path
    dir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[str] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            "ORDERGATE_TOKEN": TOKEN,
            "OG_SIM_PASSWORD": SIM_PASSWORD,
            "OG_HOOK_SECRET": HOOK_SECRET,
        }
        with (self.dir / "run.log").open("a") as out:
            self.process = subprocess.Popen(
                [
                    ORDERGATE,
                    "run",
                    "--config",
                    str(self.config),
                    "--listen",
                    f"127.0.0.1:{self.port}",
                    "--state-dir",
                    str(self.dir / "state"),
                    "--log-level",
                    "info",
                ],
                cwd=self.dir,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                text=True,
            )
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the runtime exited:\n{self.output()}")
            try:
                if httpx.get(self.url + "/v1/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise AssertionError(f"the runtime did not answer within 40 s:\n{self.output()}")

    def output(self) -> str:
        path = self.dir / "run.log"
        return path.read_text() if path.exists() else ""

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.alive():
            assert self.process is not None
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def call(self, method: str, path: str, body: Any = None, timeout: float = 30) -> httpx.Response:
        headers = {"Authorization": f"Bearer {TOKEN}"}
        return httpx.request(method, self.url + path, json=body, headers=headers, timeout=timeout)

    def order(self, account: str, **body: Any) -> httpx.Response:
        return self.call(
            "POST",
            "/v1/orders",
            {"account": account, "symbol": front_symbol(), "side": "buy", "qty": 1, **body},
        )

    def status(self) -> dict[str, Any]:
        return dict(self.call("GET", "/v1/status").json())

    def account(self, ident: str) -> dict[str, Any]:
        return dict(self.call("GET", f"/v1/accounts/{ident}").json())


def write_config(root: Path, store: str, sims: dict[str, Simulator], max_position: int = 3) -> Path:
    """One config for every instance: the rules beside it and one Tradovate connection
    per simulator. The API address each instance takes from ``--listen``."""
    rules = root / "rules"
    rules.mkdir(parents=True, exist_ok=True)
    (rules / "policy.yaml").write_text(POLICY.format(version=1, max_position=max_position))
    connections = "".join(
        textwrap.dedent(f"""\
          - name: {name}
            broker: tradovate
            endpoint: http://127.0.0.1:{sim.port}
            credentials: {{username: demo, password: "${{env:OG_SIM_PASSWORD}}"}}
        """)
        for name, sim in sims.items()
    )
    config = root / "runtime.yaml"
    config.write_text(
        textwrap.dedent(f"""\
        apiVersion: ordergate/v1
        kind: Runtime
        metadata: {{name: cluster}}
        spec:
          rules: ./rules
          store: "{store}"
          api:
            listen: 127.0.0.1:8787
            tokens: ["${{env:ORDERGATE_TOKEN}}"]
            webhooks: [{{name: a1, secret: "${{env:OG_HOOK_SECRET}}", account: A-1}}]
          plan: ultra
          connections:
        """)
        + textwrap.indent(connections, "    ")
    )
    return config


def holders(instance: Instance) -> dict[str, str | None]:
    """connection → holding instance id, as ``instance`` sees it."""
    return {c["name"]: c.get("holder") for c in instance.status()["connections"]}


def spread(instances: list[Instance], connections: int) -> bool:
    """Every connection held, and no instance holding two while another holds none."""
    seen = holders(instances[0])
    held = [h for h in seen.values() if h]
    if len(held) != connections:
        return False
    counts = [held.count(i) for i in {h for h in held}]
    return max(counts) - min(counts) <= 1 and len(set(held)) == min(len(instances), connections)


def by_id(instances: list[Instance]) -> dict[str, Instance]:
    """Each live instance under the id it gave itself in the cluster."""
    out = {}
    for inst in instances:
        if inst.alive():
            out[str(inst.status()["instance"])] = inst
    return out
