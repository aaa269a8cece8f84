"""The runtime as a real process on a loopback port, driven over HTTP and by the CLI."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.contracts_now import front_symbol

ORDERGATE = shutil.which("ordergate", path=str(Path(sys.executable).parent)) or "ordergate"
TOKEN = "e2e-token-123"
ES_NOW = front_symbol()  # the runtime runs on the real clock: a dated contract that trades now
POLICY = """\
apiVersion: ordergate/v1
kind: RiskPolicy
metadata: {name: desk, version: 1}
spec:
  accounts: ["*"]
  limits:
    daily: {loss: 1000}
    on_breach: {action: flatten_and_lock, lock: 6h, enforce: true}
  positions: {max_contracts_per_order: 5}
  quote_health: {policy: strict, stale_after: 300s}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Proc:
    url: str
    dir: Path
    config: Path
    process: subprocess.Popen[str] | None = None

    def start(self, **extra_env: str) -> None:
        env = {**os.environ, "ORDERGATE_TOKEN": TOKEN, **extra_env}
        self.process = subprocess.Popen(
            [ORDERGATE, "run", "--config", str(self.config), "--log-level", "warning"],
            cwd=self.dir,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(
                    f"the runtime exited: {self.process.stdout.read() if self.process.stdout else ''}"
                )
            try:
                if httpx.get(self.url + "/v1/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise AssertionError("the runtime did not answer within 20 s")

    def stop(self, sig: int = signal.SIGTERM) -> str:
        assert self.process is not None
        self.process.send_signal(sig)
        out, _ = self.process.communicate(timeout=20)
        return out

    def call(self, method: str, path: str, body: object = None) -> httpx.Response:
        return httpx.request(
            method, self.url + path, json=body, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10
        )

    def quote(self, symbol: str, last: float) -> None:
        r = self.call(
            "POST", "/v1/paper/quotes", {"symbol": symbol, "bid": last, "ask": last + 0.25, "last": last}
        )
        assert r.status_code == 200, r.text

    def order(self, **body: object) -> httpx.Response:
        return self.call(
            "POST", "/v1/orders", {"account": "PAPER-1", "symbol": ES_NOW, "side": "buy", "qty": 1, **body}
        )

    def cli(self, *args: str, token: str = TOKEN) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [ORDERGATE, *args, "--url", self.url, "--token", token],
            capture_output=True,
            text=True,
            timeout=30,
            cwd=self.dir,
        )


# every end-to-end test runs twice: on the instant paper broker, and on one that answers
# 20 ms late and fills every order in two parts, as real brokers do
PAPER_MODES = {"instant": "", "late": "latency_ms: 20\n              partial_fills: true\n              "}


@pytest.fixture(params=sorted(PAPER_MODES))
def runtime(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Proc]:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "desk.yaml").write_text(POLICY)
    port = free_port()
    config = tmp_path / "runtime.yaml"
    config.write_text(
        textwrap.dedent(f"""\
        apiVersion: ordergate/v1
        kind: Runtime
        metadata: {{name: e2e}}
        spec:
          rules: {rules}
          store: sqlite:///{tmp_path / "state.db"}
          api: {{listen: "127.0.0.1:{port}", tokens: ["${{env:ORDERGATE_TOKEN}}"]}}
          connections:
            - name: Paper
              broker: paper
              feed: manual
              {PAPER_MODES[request.param]}accounts: [{{id: PAPER-1, balance: 50000}}, {{id: PAPER-2, balance: 50000}}]
        """)
    )
    proc = Proc(f"http://127.0.0.1:{port}", tmp_path, config)
    proc.start()
    yield proc
    if proc.process and proc.process.poll() is None:
        proc.stop()


def test_an_order_is_allowed_and_filled_and_another_blocked_with_stage_and_code(runtime: Proc) -> None:
    runtime.quote("ES", 6000)
    ok = runtime.order(qty=2)
    assert ok.status_code == 201, ok.text
    filled = ok.json()["order"]  # in one fill, or two parts when the broker fills in parts
    assert (filled["status"], filled["filled_qty"], filled["avg_fill_price"]) == ("filled", 2, 6000.25)
    assert {f["price"] for f in filled["fills"]} == {6000.25}
    blocked = runtime.order(qty=6)
    assert blocked.status_code == 403
    assert (blocked.json()["decision"]["stage"], blocked.json()["decision"]["code"]) == (
        "positions",
        "max_contracts_per_order",
    )
    account = runtime.call("GET", "/v1/accounts/PAPER-1").json()
    assert account["positions"][0]["qty"] == 2 and account["policy"] == "desk@1"


def test_a_quote_move_breaches_flattens_and_locks_and_the_enforced_lock_holds(runtime: Proc) -> None:
    runtime.quote("ES", 6000)
    runtime.order(qty=4)
    runtime.quote("ES", 5994)  # (5994 - 6000.25) x 4 x $50 = -$1,250
    account = runtime.call("GET", "/v1/accounts/PAPER-1").json()
    assert account["positions"] == []
    assert account["locked"]["reason"] == "daily_loss_limit" and account["locked"]["enforce"] is True
    refused = runtime.call("POST", "/v1/accounts/PAPER-1/unlock")
    assert refused.status_code == 409 and refused.json()["field"] == "account"
    assert runtime.order().json()["decision"]["code"] == "account_locked"


def test_the_kill_switch_reports_per_account(runtime: Proc) -> None:
    runtime.quote("ES", 6000)
    runtime.order(qty=1)
    assert runtime.call("POST", "/v1/kill-switch", {"confirm": "yes"}).status_code == 400
    r = runtime.call("POST", "/v1/kill-switch", {"confirm": "FLATTEN"})
    assert r.json() == {
        "accounts": [
            {"account": "PAPER-1", "flatten": "ok", "lock": "ok", "error": None},
            {"account": "PAPER-2", "flatten": "none", "lock": "ok", "error": None},
        ]
    }


def wait_for(predicate, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def test_a_bad_rules_edit_is_refused_and_a_good_one_takes_effect(runtime: Proc) -> None:
    rules = runtime.dir / "rules" / "desk.yaml"
    digest = runtime.call("GET", "/v1/health").json()["policy"]["bundle"]
    rules.write_text(POLICY.replace("max_contracts_per_order: 5", "max_contracts_per_order: five"))
    wait_for(lambda: runtime.call("GET", "/v1/status").json()["policy"]["refused"] is not None)
    status = runtime.call("GET", "/v1/status").json()["policy"]
    assert status["bundle"] == digest
    assert status["refused"]["diagnostics"][0]["line"] == 9
    runtime.quote("ES", 6000)
    still = runtime.order(qty=6).json()["decision"]
    assert still["code"] == "max_contracts_per_order" and still["bundle"] == digest
    rules.write_text(
        POLICY.replace("max_contracts_per_order: 5", "max_contracts_per_order: 8").replace(
            "version: 1", "version: 2"
        )
    )
    wait_for(lambda: runtime.call("GET", "/v1/health").json()["policy"]["policies"] == ["desk@2"])
    r = runtime.order(qty=6)
    assert r.status_code == 201 and r.json()["decision"]["policy"] == "desk@2"
    assert runtime.call("GET", "/v1/status").json()["policy"]["refused"] is None


def test_a_kubernetes_configmap_swap_is_picked_up(runtime: Proc) -> None:
    """A mounted ConfigMap updates by pointing its ..data link at a new hidden directory
    in one rename; the visible files are links through ..data and never change."""
    runtime.stop()
    rules = runtime.dir / "rules"
    (rules / "desk.yaml").unlink()
    (rules / "..v1").mkdir()
    (rules / "..v1" / "desk.yaml").write_text(POLICY)
    (rules / "..data").symlink_to("..v1")
    (rules / "desk.yaml").symlink_to("..data/desk.yaml")
    runtime.start()
    assert runtime.call("GET", "/v1/health").json()["policy"]["policies"] == ["desk@1"]  # read once
    (rules / "..v2").mkdir()
    (rules / "..v2" / "desk.yaml").write_text(POLICY.replace("version: 1", "version: 2"))
    (rules / "..data_tmp").symlink_to("..v2")
    (rules / "..data_tmp").rename(rules / "..data")
    wait_for(lambda: runtime.call("GET", "/v1/health").json()["policy"]["policies"] == ["desk@2"])


def test_sigkill_and_restart_keep_the_lock_and_the_positions(runtime: Proc) -> None:
    runtime.quote("ES", 6000)
    runtime.order(qty=3)
    runtime.order(account="PAPER-2", qty=1, client_order_id="once")
    lock = runtime.call("POST", "/v1/accounts/PAPER-2/lock", {"duration": "12h", "enforce": True}).json()[
        "locked"
    ]
    runtime.stop(signal.SIGKILL)
    runtime.start()
    p1 = runtime.call("GET", "/v1/accounts/PAPER-1").json()
    p2 = runtime.call("GET", "/v1/accounts/PAPER-2").json()
    assert p1["positions"][0]["qty"] == 3 and p1["positions"][0]["avg_price"] == 6000.25
    assert p2["locked"] == lock and p2["positions"][0]["qty"] == 1
    runtime.quote("ES", 6000)
    again = runtime.order(account="PAPER-2", qty=1, client_order_id="once")
    assert again.status_code == 201  # the first answer, not a new order on a locked account
    assert runtime.call("GET", "/v1/accounts/PAPER-2").json()["positions"][0]["qty"] == 1
    assert len(runtime.call("GET", "/v1/decisions", None).json()["decisions"]) == 2


def test_sigkill_in_the_middle_of_a_stream_of_orders_loses_no_acknowledged_one(runtime: Proc) -> None:
    flat_market = {"symbol": "ES", "bid": 6000, "ask": 6000, "last": 6000}  # no spread: no loss to breach
    runtime.call("POST", "/v1/paper/quotes", flat_market)
    assert runtime.process is not None
    # the kill lands while orders stream, once a few are acknowledged: counted, not timed
    # from the start, so that a slow machine still sees the stream under way
    killer = threading.Timer(0.2, runtime.process.kill)
    acknowledged: dict[str, str] = {}  # client_order_id -> order id
    sent = 0
    with httpx.Client(base_url=runtime.url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5) as c:
        while True:
            key = f"k-{sent}"
            sent += 1
            body = {"account": "PAPER-1", "symbol": ES_NOW, "qty": 1, "client_order_id": key}
            try:
                r = c.post("/v1/orders", json={**body, "side": "buy" if sent % 2 else "sell"})
            except httpx.HTTPError:
                break  # killed, perhaps with this order half done
            assert r.status_code == 201, r.text
            acknowledged[key] = r.json()["order"]["id"]
            if len(acknowledged) == 6:
                killer.start()
    killer.join()
    runtime.process.communicate(timeout=10)
    assert len(acknowledged) > 5
    runtime.start()
    orders = runtime.call("GET", "/v1/orders", None).json()
    history = {o["id"] for o in runtime.call("GET", "/v1/orders?status=all", None).json()["orders"]}
    assert set(acknowledged.values()) <= history and orders["orders"] == []
    # buys and sells alternate: the position is what the acknowledged ones leave, or one
    # more if the order in flight at the kill was committed before its answer went out
    qty = sum(p["qty"] for p in runtime.call("GET", "/v1/accounts/PAPER-1").json()["positions"])
    assert qty in (len(acknowledged) % 2, (len(acknowledged) + 1) % 2)
    runtime.call("POST", "/v1/paper/quotes", flat_market)
    for key, order_id in list(acknowledged.items())[-3:]:  # a resend is answered, not re-sent
        again = runtime.order(client_order_id=key, side="buy")
        assert again.status_code == 201 and again.json()["order"]["id"] == order_id
    assert sum(p["qty"] for p in runtime.call("GET", "/v1/accounts/PAPER-1").json()["positions"]) == qty


def test_sigterm_shuts_down_cleanly(runtime: Proc) -> None:
    out = runtime.stop(signal.SIGTERM)
    assert runtime.process is not None and runtime.process.returncode == 0
    assert "ordergate runtime stopped" in out and "Traceback" not in out


def test_events_stream_decisions_and_fills(runtime: Proc) -> None:
    runtime.quote("ES", 6000)
    seen: list[str] = []
    with httpx.stream(
        "GET", runtime.url + "/v1/events", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10
    ) as stream:
        lines = stream.iter_lines()
        assert next(lines) == ": connected"
        runtime.order()
        for line in lines:
            if line.startswith("event: "):
                seen.append(line.removeprefix("event: "))
            if "fill" in seen:
                break
    assert seen[:2] == ["decision", "fill"]


def test_cli_client_verbs_talk_to_the_runtime(runtime: Proc) -> None:
    runtime.quote("ES", 6000)
    r = runtime.cli("order", "PAPER-1", "buy", "2", ES_NOW)
    assert r.returncode == 0 and "allowed by desk@1" in r.stdout
    assert re.search(r"filled \((2 @ 6000\.25|1 @ 6000\.25, 1 @ 6000\.25)\)", r.stdout), r.stdout
    r = runtime.cli("order", "PAPER-1", "buy", "9", ES_NOW)
    assert r.returncode == 1 and "BLOCKED at positions [max_contracts_per_order]" in r.stdout
    r = runtime.cli("accounts")
    assert r.returncode == 0 and "PAPER-1" in r.stdout and "ES +2" in r.stdout
    r = runtime.cli("status", "--json")
    assert json.loads(r.stdout)["counts"]["open_positions"] == 1
    assert runtime.cli("connections").stdout.splitlines()[1].split()[:3] == ["Paper", "paper", "connected"]
    assert runtime.cli("lock", "PAPER-2", "--duration", "6h", "--enforce").returncode == 0
    # an instant reads to the minute in the machine's zone, not as a raw ISO string
    assert re.search(
        r"PAPER-2 .* until \d{4}-\d\d-\d\d \d\d:\d\d \S+ \(enforced\)", runtime.cli("accounts").stdout
    )
    r = runtime.cli("unlock", "PAPER-2")
    assert r.returncode == 1 and "enforced until" in r.stderr and "Traceback" not in r.stderr
    assert "PAPER-1: flatten ok" in runtime.cli("flatten", "PAPER-1").stdout
    r = runtime.cli("kill-switch", "--confirm", "FLATTEN")
    assert r.returncode == 0 and "PAPER-2" in r.stdout
    r = runtime.cli("status", token="wrong")
    assert r.returncode == 1 and "does not take this token (the bearer token is not valid)" in r.stderr


def test_a_cli_verb_without_a_runtime_says_so_in_one_line(tmp_path: Path) -> None:
    r = subprocess.run(
        [ORDERGATE, "status", "--url", f"http://127.0.0.1:{free_port()}", "--token", "x"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert (
        r.returncode == 1
        and r.stderr.startswith("ordergate status: no runtime answers at http://127.0.0.1:")
        and r.stderr.rstrip().endswith("start one with `ordergate run`")
        and len(r.stderr.splitlines()) == 1
    )


def test_run_with_an_invalid_config_prints_its_diagnostics(tmp_path: Path) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text("apiVersion: ordergate/v1\nkind: Runtime\nmetadata: {name: bad}\nspec:\n  plan: mega\n")
    r = subprocess.run(
        [ORDERGATE, "run", "--config", str(config)], capture_output=True, text=True, timeout=30, cwd=tmp_path
    )
    assert r.returncode == 1
    assert f"{config}:5:9: error[enum]: spec.plan must be one of starter, pro, ultra (got 'mega')" in r.stderr
    assert "Traceback" not in r.stderr


def test_run_with_a_missing_env_reference_names_it(tmp_path: Path) -> None:
    config = tmp_path / "r.yaml"
    config.write_text(
        "apiVersion: ordergate/v1\nkind: Runtime\nmetadata: {name: r}\nspec:\n  api: {tokens: ['${env:ORDERGATE_NOPE_TOKEN}']}\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "ORDERGATE_NOPE_TOKEN"}
    r = subprocess.run(
        [ORDERGATE, "run", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=tmp_path,
        env=env,
    )
    assert r.returncode == 1
    assert (
        "spec.api.tokens[0] references ${env:ORDERGATE_NOPE_TOKEN}, and ORDERGATE_NOPE_TOKEN is not set"
        in r.stderr
    )


def test_connections_through_the_cli_add_refresh_rename_and_delete(
    runtime: Proc, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "loopback-Secret-42"
    monkeypatch.setenv("OG_E2E_LOOPBACK_PASSWORD", secret)  # a secret never goes on the command line
    port = free_port()
    sim = subprocess.Popen(
        [
            ORDERGATE,
            "simulate",
            "loopback",
            "--port",
            str(port),
            "--username",
            "trader",
            "--username",
            "trader",
            "--password",
            secret,
            "--account",
            "LB-1:25000",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert "loopback broker simulator on 127.0.0.1" in (sim.stdout.readline() if sim.stdout else "")
        r = runtime.cli(
            "connection",
            "add",
            "loopback",
            "--name",
            "Desk",
            "--set",
            "host=127.0.0.1",
            "--set",
            f"port={port}",
            "--set",
            "username=trader",
            "--set",
            "password=env:OG_E2E_LOOPBACK_PASSWORD",
        )
        assert r.returncode == 0, r.stderr
        assert (
            "Desk: found LB-1 (balance 25,000.00, equity 25,000.00)" in r.stdout
            and "added Desk (loopback): connected, accounts LB-1" in r.stdout
        )
        r = runtime.cli("connection", "add", "paper", "--paper-account", "PAPER-9:10000")
        assert (
            r.returncode == 1
            and "the starter plan allows 2 connections" in r.stderr
            and "the pro plan allows" in r.stderr
        )
        assert "Desk" in runtime.cli("connections").stdout
        assert "new accounts none" in runtime.cli("connection", "refresh", "Desk").stdout
        assert runtime.cli("connection", "rename", "Desk", "Futures").returncode == 0
        r = runtime.cli("connection", "delete", "Futures")
        assert r.returncode == 1 and "confirm" in r.stderr
        assert (
            "deleted Futures and accounts LB-1"
            in runtime.cli("connection", "delete", "Futures", "--confirm").stdout
        )
        r = runtime.cli("connection", "add", "paper", "--name", "Sim", "--paper-account", "PAPER-9:10000")
        assert r.returncode == 0 and "added Sim (paper): connected, accounts PAPER-9" in r.stdout
        assert (
            "Sim: new accounts none; accounts PAPER-9" in runtime.cli("connection", "refresh", "Sim").stdout
        )
        assert (
            "renamed: Sim Paper (paper): connected"
            in runtime.cli("connection", "rename", "Sim", "Sim Paper").stdout
        )
        assert runtime.call("GET", "/v1/accounts/PAPER-9").json()["connection"] == "Sim Paper"
        assert (
            "deleted Sim Paper and accounts PAPER-9"
            in runtime.cli("connection", "delete", "Sim Paper", "--confirm").stdout
        )
    finally:
        sim.send_signal(signal.SIGTERM)
        sim.communicate(timeout=10)
    for path in tmp_path.glob("state.db*"):
        assert secret.encode() not in path.read_bytes(), path


def test_cutting_the_feed_shows_in_the_connection_status(runtime: Proc) -> None:
    runtime.call("POST", "/v1/paper/feed", {"connection": "Paper", "state": "cut"})
    wait_for(lambda: runtime.call("GET", "/v1/connections/Paper").json()["status"] != "connected")
    assert "the paper feed" in (runtime.call("GET", "/v1/connections/Paper").json()["detail"] or "")
    runtime.call("POST", "/v1/paper/feed", {"connection": "Paper", "state": "live"})
    wait_for(lambda: runtime.call("GET", "/v1/connections/Paper").json()["status"] == "connected", 40)


def test_run_with_no_config_is_the_embedded_default(tmp_path: Path) -> None:
    """The README's first command: paper broker, random-walk feed, the bundled default
    policy, SQLite and a generated owner-only token, all under the working directory."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "ORDERGATE_TOKEN"}
    process = subprocess.Popen(
        [ORDERGATE, "run", "--listen", f"127.0.0.1:{port}"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _answers(url))
        token_file = tmp_path / ".ordergate" / "token"
        assert token_file.stat().st_mode & 0o077 == 0
        assert (tmp_path / ".ordergate" / "state.db").is_file()
        health = httpx.get(url + "/v1/health", timeout=5).json()
        assert health["status"] == "ok" and health["policy"]["policies"] == ["default@2"]

        def cli(*args: str) -> subprocess.CompletedProcess[str]:
            # no --token: the CLI finds .ordergate/token in the working directory
            return subprocess.run(
                [ORDERGATE, *args, "--url", url],
                capture_output=True,
                text=True,
                timeout=30,
                cwd=tmp_path,
                env=env,
            )

        accounts = cli("accounts")
        assert accounts.returncode == 0 and "PAPER-1" in accounts.stdout and "50,000.00" in accounts.stdout
        # the random walk quotes ES within moments of the start; until then quote health blocks entries
        wait_for(lambda: cli("order", "PAPER-1", "buy", "1", ES_NOW).returncode == 0)
        assert "ES +1" in cli("accounts").stdout
        # the embedded default fits a $50,000 account: a newcomer's 50-lot is blocked with a reason
        big = cli("order", "PAPER-1", "buy", "50", ES_NOW)
        assert (
            big.returncode == 1
            and "BLOCKED at positions [max_contracts_per_order] by default@2" in big.stdout
        )
    finally:
        process.send_signal(signal.SIGINT)
        out, _ = process.communicate(timeout=20)
    assert process.returncode == 0, out
    assert f"on {url} (token in .ordergate/token)" in out
    assert "policy: default@2 from " in out and "connection Paper: paper, accounts PAPER-1" in out
    assert "ordergate runtime stopped" in out and "Traceback" not in out


def _answers(url: str) -> bool:
    try:
        return httpx.get(url + "/v1/health", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.mark.slow
def test_a_crash_after_the_order_is_committed_and_a_resend_never_doubles_it(runtime: Proc) -> None:
    runtime.stop()
    runtime.start(ORDERGATE_FAULT="order_committed")  # dies after the commit, before the broker
    runtime.quote("ES", 6000)
    with pytest.raises(httpx.HTTPError):
        runtime.order(client_order_id="crash-1")
    assert runtime.process is not None
    runtime.process.communicate(timeout=10)
    assert runtime.process.returncode == 1
    runtime.start()
    runtime.quote("ES", 6000)
    first = runtime.order(client_order_id="crash-1")
    again = runtime.order(client_order_id="crash-1")
    # the broker never saw it, and reconciliation at start said so: one order, never sent twice
    assert first.status_code == again.status_code == 502 and first.json() == again.json()
    assert "the broker has no record of this order" in first.json()["error"]
    history = runtime.call("GET", "/v1/orders?status=all").json()["orders"]
    assert [o["client_order_id"] for o in history] == ["crash-1"]
    assert runtime.call("GET", "/v1/accounts/PAPER-1").json()["positions"] == []


@pytest.mark.slow
def test_sigkill_between_the_brokers_fill_and_its_booking_books_it_once_after_restart(
    runtime: Proc, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OG_E2E_SIM_PASSWORD", "sim-Secret-7")
    port = free_port()
    sim = subprocess.Popen(
        [
            ORDERGATE,
            "simulate",
            "loopback",
            "--port",
            str(port),
            "--account",
            "LB-1",
            "--password",
            "sim-Secret-7",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert "loopback broker simulator on 127.0.0.1" in (sim.stdout.readline() if sim.stdout else "")
        runtime.stop()
        runtime.start(ORDERGATE_FAULT="fill_received")  # dies as the fill report arrives
        added = runtime.cli(
            "connection", "add", "loopback", "--name", "Desk", "--set", "host=127.0.0.1", "--set", f"port={port}",
            "--set", "username=demo", "--set", "password=env:OG_E2E_SIM_PASSWORD",
        )  # fmt: skip
        assert added.returncode == 0, added.stderr
        body = {"account": "LB-1", "symbol": ES_NOW, "side": "buy", "qty": 1, "client_order_id": "kill-1"}
        deadline = time.monotonic() + 10  # until the simulator's moving quotes have reached it
        while (
            runtime.call("POST", "/v1/orders/check", body).json().get("decision", {}).get("outcome")
            != "allow"
        ):
            assert time.monotonic() < deadline, "no quote from the simulator"
            time.sleep(0.1)
        with pytest.raises(httpx.HTTPError):
            runtime.call("POST", "/v1/orders", body)
        assert runtime.process is not None
        runtime.process.communicate(timeout=10)
        assert runtime.process.returncode == 1
        runtime.start()
        account = runtime.call("GET", "/v1/accounts/LB-1").json()
        assert [(p["symbol"], p["qty"]) for p in account["positions"]] == [("ES", 1)]
        resent = runtime.call("POST", "/v1/orders", body)
        assert resent.status_code == 201 and resent.json()["order"]["status"] == "filled"
        assert resent.json()["order"]["filled_qty"] == 1
        history = runtime.call("GET", "/v1/orders?status=all&account=LB-1").json()["orders"]
        assert [(o["client_order_id"], o["status"]) for o in history] == [("kill-1", "filled")]
        assert runtime.call("GET", "/v1/accounts/LB-1").json()["positions"][0]["qty"] == 1
    finally:
        sim.send_signal(signal.SIGTERM)
        sim.communicate(timeout=10)
