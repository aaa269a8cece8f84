"""Each real broker end to end: ``ordergate simulate BROKER`` and ``ordergate run`` as real
processes, the runtime's connection pointed at the simulator with ``endpoint:`` (or added
through OAuth, for NinjaTrader), everything else over HTTP.

What a trader sees: the broker's accounts with their balances; a market order decided,
filled and shown as a position; a limit that rests and is cancelled; a breach that
flattens and locks; and, when the simulator dies, the connection ``disconnected``, then
connected again and reconciled once it is back on the same port (a fresh simulator: the
order that rested there is gone, and so is the position).
"""

from __future__ import annotations

import signal
import subprocess
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.contracts_now import front_symbol
from tests.runtime.test_e2e import ORDERGATE, TOKEN, Proc, free_port

pytestmark = pytest.mark.slow
SIM_PASSWORD = "sim-Secret-9"
ACCOUNTS = ("SIM-1", "SIM-2")  # SIM-2 has a $1 loss limit and profit target: any move breaches
POLICY = """\
apiVersion: ordergate/v1
kind: RiskPolicy
metadata: {name: desk, version: 1}
spec:
  accounts: ["*"]
  positions: {max_contracts_per_order: 5}
  quote_health: {policy: strict, stale_after: 300s}
---
apiVersion: ordergate/v1
kind: RiskPolicy
metadata: {name: tight, version: 1}
spec:
  accounts: [SIM-2]
  limits:
    daily: {loss: 1, profit_target: 1}
    on_breach: {action: flatten_and_lock}
  quote_health: {policy: strict, stale_after: 300s}
"""
WHERE = {  # what each broker's connection says beside its endpoint
    "rithmic": ["system: Rithmic Test", 'credentials: {username: demo, password: "${env:OG_SIM_PASSWORD}"}'],
    "projectx": ["mode: auto", 'credentials: {username: demo, api_key: "${env:OG_SIM_PASSWORD}"}'],
    "tradovate": ['credentials: {username: demo, password: "${env:OG_SIM_PASSWORD}"}'],
}


def until(what: str, check: Callable[[], Any], seconds: float = 20.0) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        found = check()
        if found:
            return found
        assert time.monotonic() < deadline, f"not in {seconds:g} s: {what}"
        time.sleep(0.05)


class Simulator:
    def __init__(self, broker: str, port: int) -> None:
        self.broker, self.port = broker, port
        self.process: subprocess.Popen[str] | None = None

    def start(self) -> str:
        secret = ["--api-key" if self.broker == "projectx" else "--password", SIM_PASSWORD]
        accounts = [a for account in ACCOUNTS for a in ("--account", account)]
        self.process = subprocess.Popen(
            [ORDERGATE, "simulate", self.broker, "--port", str(self.port), *secret, *accounts],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert self.process.stdout is not None
        first = self.process.stdout.readline()
        assert f"127.0.0.1:{self.port}" in first, first
        return first

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.communicate(timeout=15)


def runtime_config(tmp_path: Path, broker: str, port: int) -> Path:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "policy.yaml").write_text(POLICY)
    scheme = "ws" if broker == "rithmic" else "http"
    connections = ""
    if broker in WHERE:
        lines = [
            "connections:",
            "  - name: Sim",
            f"    broker: {broker}",
            f"    endpoint: {scheme}://127.0.0.1:{port}",
        ]
        connections = "\n".join(["", *lines, *(f"    {line}" for line in WHERE[broker])]).replace(
            "\n", "\n  "
        )
    api_port = free_port()
    config = tmp_path / "runtime.yaml"
    config.write_text(
        textwrap.dedent(f"""\
        apiVersion: ordergate/v1
        kind: Runtime
        metadata: {{name: e2e-{broker}}}
        spec:
          rules: ./rules
          store: sqlite:///state.db
          api: {{listen: 127.0.0.1:{api_port}, tokens: ["${{env:ORDERGATE_TOKEN}}"]}}
          plan: starter
        """)
        + connections.lstrip("\n")
        + "\n"
    )
    return config


class Desk:
    def __init__(self, proc: Proc) -> None:
        self.proc = proc

    def call(self, method: str, path: str, body: Any = None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {TOKEN}"}
        return httpx.request(method, self.proc.url + path, json=body, headers=headers, timeout=20)

    def account(self, ident: str) -> dict[str, Any]:
        return dict(self.call("GET", f"/v1/accounts/{ident}").json())

    def status(self) -> str:
        return str(self.call("GET", "/v1/connections/Sim").json()["status"])

    def order(self, account: str, **body: Any) -> httpx.Response:
        return self.call(
            "POST",
            "/v1/orders",
            {"account": account, "symbol": front_symbol(), "side": "buy", "qty": 1, **body},
        )

    def quoted(self, account: str) -> bool:
        body = {"account": account, "symbol": front_symbol(), "side": "buy", "qty": 1}
        return self.call("POST", "/v1/orders/check", body).json()["decision"]["code"] != "quote_missing"

    def order_status(self, order_id: str) -> str:
        orders = self.call("GET", "/v1/orders?status=all").json()["orders"]
        return str(next(o["status"] for o in orders if o["id"] == order_id))


def add_through_oauth(desk: Desk, endpoint: str) -> None:
    """NinjaTrader: the three steps, signing in on the simulator's OAuth page."""
    draft = desk.call("POST", "/v1/connections", {"broker": "ninjatrader", "name": "Sim"}).json()["draft"]
    step2 = desk.call("POST", f"/v1/connections/drafts/{draft}/authenticate", {"endpoint": endpoint}).json()
    query = {k: v[0] for k, v in parse_qs(urlsplit(step2["authorize_url"]).query).items()}
    page = httpx.post(f"{endpoint}/oauth", data={**query, "name": "demo", "password": SIM_PASSWORD})
    assert page.status_code == 302, page.text
    back = httpx.get(page.headers["location"], timeout=20)  # the browser returns to the runtime
    assert back.status_code == 200 and back.json()["step"] == "select", back.text
    listed = {a["id"]: a["balance"] for a in back.json()["accounts"]}
    assert listed == dict.fromkeys(ACCOUNTS, 50_000.0)
    added = desk.call("POST", f"/v1/connections/drafts/{draft}/accounts", {})
    assert added.status_code == 201 and added.json()["status"] == "connected", added.text


@pytest.fixture(params=["rithmic", "projectx", "tradovate", "ninjatrader"])
def desk(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Desk, Simulator]]:
    broker = request.param
    port = free_port()
    sim = Simulator(broker, port)
    first = sim.start()
    assert "demo" in first  # the demo user is on the first line
    config = runtime_config(tmp_path, broker, port)
    proc = Proc(f"http://{config.read_text().split('listen: ')[1].split(',')[0]}", tmp_path, config)
    try:
        proc.start(OG_SIM_PASSWORD=SIM_PASSWORD)
        desk = Desk(proc)
        if broker == "ninjatrader":
            add_through_oauth(desk, f"http://127.0.0.1:{port}")
        yield desk, sim
    finally:
        if proc.process is not None and proc.process.poll() is None:
            proc.stop()
        sim.stop()


def test_a_broker_through_its_simulator_trades_breaches_and_reconnects(
    desk: tuple[Desk, Simulator],
) -> None:
    d, sim = desk
    # the broker's accounts, with the balances it reports
    until("connected", lambda: d.status() == "connected")
    view = d.call("GET", "/v1/connections/Sim").json()
    assert view["accounts"] == list(ACCOUNTS)
    for ident in ACCOUNTS:
        account = d.account(ident)
        assert account["balance"] == 50_000.0 and account["broker"] == sim.broker
    until("a quote for ES", lambda: d.quoted("SIM-1"))

    # a limit far below the market rests, and cancels
    resting = d.order("SIM-1", type="limit", price=1000.0)
    assert resting.status_code == 201 and resting.json()["order"]["status"] == "working", resting.text
    rid = resting.json()["order"]["id"]
    cancelled = d.call("DELETE", f"/v1/orders/{rid}")
    assert cancelled.status_code == 200 and cancelled.json()["order"]["status"] == "cancelled", cancelled.text

    # a market order is decided, filled and shown as a position
    filled = d.order("SIM-1", qty=2)
    assert filled.status_code == 201, filled.text
    assert filled.json()["decision"]["outcome"] == "allow" and filled.json()["decision"]["policy"] == "desk@1"
    until("filled", lambda: d.order_status(filled.json()["order"]["id"]) == "filled")
    until(
        "a position",
        lambda: [(p["symbol"], p["qty"]) for p in d.account("SIM-1")["positions"]] == [("ES", 2)],
    )

    # a breach flattens and locks: any move of SIM-2's position reaches its $1 limits
    until("a quote for ES", lambda: d.quoted("SIM-2"))
    assert d.order("SIM-2").status_code == 201
    locked = until(
        "SIM-2 flattened and locked", lambda: (a := d.account("SIM-2"))["locked"] and not a["positions"] and a
    )
    assert locked["locked"]["reason"]
    blocked = d.order("SIM-2")
    assert blocked.status_code == 403 and blocked.json()["decision"]["code"] == "account_locked"

    if sim.broker == "ninjatrader":
        return  # a fresh simulator does not know the OAuth session: a person authorizes again
    # the simulator dies: disconnected; back on the same port: connected and reconciled
    again = d.order("SIM-1", type="limit", price=1000.0)
    assert again.status_code == 201
    sim.stop()
    until("disconnected", lambda: d.status() == "disconnected", 15)
    sim.start()
    until("connected again", lambda: d.status() == "connected", 40)
    # the fresh simulator never had the resting order, nor the position
    until("the resting order reconciled", lambda: d.order_status(again.json()["order"]["id"]) == "cancelled")
    account = until("positions reconciled", lambda: (a := d.account("SIM-1"))["positions"] == [] and a)
    assert account["automation_paused"]  # the sync divergence guard saw the position go
