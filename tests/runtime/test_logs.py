"""What ``ordergate run`` logs: the real command in a subprocess, driven over HTTP and by
the CLI, with broker simulators of its own; its stderr read back line by line."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from ordergate.runtime import logs
from tests.contracts_now import front_symbol
from tests.runtime.cliproc import ORDERGATE

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TOKEN = "Log-Test-Token-7f3a91"
HOOK_SECRET = "Hook-Secret-0c55e2"
LOOPBACK_PASSWORD = "Loopback-Pass-19ab with spaces"
RITHMIC_PASSWORD = "Rithmic-Pass-4d2c"
SECRETS = (TOKEN, HOOK_SECRET, LOOPBACK_PASSWORD, RITHMIC_PASSWORD)
ENV = {k: v for k, v in os.environ.items() if not k.startswith("ORDERGATE_")}
ES_NOW = front_symbol()  # the runtime runs on the real clock: a dated contract that trades now


def _started(args: list[str], first: str) -> tuple[subprocess.Popen[str], str]:
    """A subprocess and its first stdout line, which must start with ``first``."""
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=ENV)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith(first):
        _stop(proc)
        raise AssertionError(line)
    return proc, line


def _stop(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()


def _config(tmp: Path, rithmic: str) -> Path:
    shutil.copytree(EXAMPLES / "quickstart" / "rules", tmp / "rules")
    (tmp / "rules" / "demo.test.yaml").unlink()
    config = tmp / "runtime.yaml"
    config.write_text(
        f"""apiVersion: ordergate/v1
kind: Runtime
metadata: {{name: logs}}
spec:
  rules: rules
  store: sqlite:///state.db
  api:
    listen: 127.0.0.1:8787
    tokens: ["${{env:OG_LOG_TOKEN}}"]
    webhooks: [{{name: tv-es, secret: "${{env:OG_LOG_HOOK}}", account: PAPER-1}}]
  plan: pro
  connections:
    - name: Paper
      broker: paper
      feed: manual
      accounts: [{{id: PAPER-1, balance: 50000}}, {{id: PAPER-2, balance: 50000}}]
    - name: Rithmic sim
      broker: rithmic
      system: Rithmic Test
      endpoint: {rithmic}
      credentials: {{username: demo, password: "${{env:OG_LOG_RITHMIC}}"}}
      accounts: [{{id: RITHMIC-1}}]
"""
    )
    return config


class Running:
    def __init__(self, proc: subprocess.Popen[str], url: str, log: Path) -> None:
        self.proc, self.url, self.log = proc, url, log
        self.http = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)

    def lines(self) -> list[str]:
        return self.log.read_text().splitlines()

    def wait_for(self, pattern: str, seconds: float = 20) -> str:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for line in self.lines():
                if re.search(pattern, line):
                    return line
            time.sleep(0.05)
        raise AssertionError(f"no log line matches {pattern!r}:\n" + "\n".join(self.lines()))


@pytest.fixture
def simulators() -> Iterator[tuple[int, str]]:
    loopback, line = _started(
        [
            ORDERGATE,
            "simulate",
            "loopback",
            "--port",
            "0",
            "--password",
            LOOPBACK_PASSWORD,
            "--account",
            "LB-7",
        ],
        "loopback broker simulator on 127.0.0.1:",
    )
    port = int(re.search(r"127\.0\.0\.1:(\d+)", line).group(1))  # type: ignore[union-attr]
    rithmic, line = _started(
        [ORDERGATE, "simulate", "rithmic", "--port", "0", "--password", RITHMIC_PASSWORD],
        "rithmic simulator on ws://",
    )
    endpoint = line.split()[3]
    try:
        yield port, endpoint
    finally:
        _stop(loopback)
        _stop(rithmic)


def _run(tmp: Path, endpoint: str, fmt: str, level: str = "debug") -> Running:
    config = _config(tmp, endpoint)
    log = tmp / "stderr.log"
    env = {**ENV, "OG_LOG_TOKEN": TOKEN, "OG_LOG_HOOK": HOOK_SECRET, "OG_LOG_RITHMIC": RITHMIC_PASSWORD}
    args = [
        ORDERGATE,
        "run",
        "--config",
        str(config),
        "--state-dir",
        str(tmp / ".og"),
        "--listen",
        "127.0.0.1:0",
    ]
    with log.open("w") as stderr:  # the child keeps its own copy
        proc = subprocess.Popen(
            [*args, "--log-level", level, "--log-format", fmt],
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            env=env,
            cwd=tmp,
        )
    assert proc.stdout is not None
    banner = proc.stdout.readline()
    if not banner.startswith("ordergate runtime 'logs' on http://127.0.0.1:"):
        _stop(proc)
        raise AssertionError(banner + log.read_text())
    running = Running(proc, banner.split()[4], log)
    deadline = time.monotonic() + 20
    while True:  # the banner comes before uvicorn listens
        try:
            running.http.get("/v1/health")
            return running
        except httpx.TransportError:
            if time.monotonic() > deadline:
                _stop(proc)
                raise
            time.sleep(0.05)


@pytest.fixture
def runtime_json(tmp_path: Path, simulators: tuple[int, str]) -> Iterator[tuple[Running, int]]:
    running = _run(tmp_path, simulators[1], "json")
    try:
        yield running, simulators[0]
    finally:
        _stop(running.proc)
        running.http.close()


def _drive(rt: Running, loopback_port: int) -> None:
    """Everything an operator would want to read about, through the real API and CLI."""
    http = rt.http
    rt.wait_for(r'"connection": "Rithmic sim", "status": "connected"')
    assert http.post(
        "/v1/paper/quotes", json={"symbol": "ES", "bid": 6000, "ask": 6000.25, "last": 6000}
    ).is_success
    order = {"account": "PAPER-1", "symbol": ES_NOW, "side": "buy", "qty": 2, "client_order_id": "log-1"}
    assert http.post("/v1/orders", json=order).status_code == 201
    big = {"account": "PAPER-2", "symbol": ES_NOW, "side": "buy", "qty": 50}
    assert http.post("/v1/orders", json=big).status_code == 403
    # a $500 loss on PAPER-1: the monitor breaches, flattens and locks it
    assert http.post(
        "/v1/paper/quotes", json={"symbol": "ES", "bid": 5994, "ask": 5994.25, "last": 5994}
    ).is_success
    rt.wait_for(r'"event": "lock".*"reason": "daily_loss_limit"')
    assert http.post("/v1/accounts/PAPER-2/lock", json={"duration": "manual"}).is_success
    assert http.post("/v1/accounts/PAPER-2/unlock").is_success
    alert = {"ticker": ES_NOW, "action": "buy", "quantity": 1}
    assert httpx.post(f"{rt.url}/v1/webhooks/{HOOK_SECRET}", json=alert, timeout=30).status_code == 403
    policy = rt.log.parent / "rules" / "demo.yaml"
    policy.write_text(policy.read_text().replace("version: 1", "version: 2"))
    rt.wait_for(r"rules loaded: demo@2")
    policy.write_text(policy.read_text().replace("loss: 500", "los: 500"))
    rt.wait_for(r'"level": "ERROR", "logger": "ordergate.reload"')
    added = subprocess.run(
        [
            *(ORDERGATE, "connection", "add", "loopback", "--name", "Desk", "--set", "host=127.0.0.1"),
            *("--set", f"port={loopback_port}", "--set", "username=demo", "--secret-stdin", "password"),
            *("--url", rt.url, "--token", TOKEN),
        ],
        input=LOOPBACK_PASSWORD + "\n",
        capture_output=True,
        text=True,
        env=ENV,
        timeout=60,
    )
    assert added.returncode == 0, added.stderr
    assert http.post("/v1/kill-switch", json={"confirm": "FLATTEN"}).is_success
    rt.wait_for(r"kill switch: ")


def _records(rt: Running) -> list[dict[str, Any]]:
    records = [json.loads(line) for line in rt.lines()]
    for record in records:
        assert {"time", "level", "logger", "message"} <= set(record), record
    return records


def _one(records: list[dict[str, Any]], **match: Any) -> dict[str, Any]:
    found = [r for r in records if all(r.get(k) == v for k, v in match.items())]
    assert found, f"no record with {match}:\n" + "\n".join(map(json.dumps, records))
    return found[0]


@pytest.mark.slow
def test_the_runtime_logs_each_decision_fill_breach_lock_flatten_webhook_reload_and_connection_as_json(
    runtime_json: tuple[Running, int],
) -> None:
    rt, loopback_port = runtime_json
    _drive(rt, loopback_port)
    _stop(rt.proc)
    records = _records(rt)
    allowed = _one(records, logger="ordergate.decisions", outcome="allow")
    assert allowed["level"] == "INFO" and allowed["account"] == "PAPER-1" and allowed["policy"] == "demo@1"
    assert allowed["order"]["client_order_id"] == "log-1" and allowed["latency_ms"] >= 0
    assert allowed["message"].startswith(f"PAPER-1 buy 2 {ES_NOW} market (log-1): allow by demo@1 in ")
    blocked = _one(records, logger="ordergate.decisions", account="PAPER-2", outcome="block")
    assert (blocked["stage"], blocked["code"]) == ("positions", "max_contracts_per_order")
    assert " at positions [max_contracts_per_order] by demo@1 in " in blocked["message"]
    fill = _one(records, logger="ordergate.fills", account="PAPER-1", side="buy")
    assert (fill["qty"], fill["price"], fill["level"]) == (2, 6000.25, "INFO")
    breach = _one(records, event="breach", account="PAPER-1")
    assert (breach["level"], breach["code"], breach["action"]) == (
        "WARNING",
        "daily_loss_limit",
        "flatten_and_lock",
    )
    assert _one(records, event="lock", account="PAPER-1", reason="daily_loss_limit")["enforce"] is True
    assert _one(records, event="flatten", account="PAPER-1", reason="daily_loss_limit")["outcome"] == "sent"
    assert _one(records, event="unlock", account="PAPER-2")["expired"] is False
    hook = _one(records, logger="ordergate.webhook")
    assert (hook["webhook"], hook["account"], hook["action"], hook["status"]) == (
        "tv-es",
        "PAPER-1",
        "buy",
        403,
    )
    assert _one(records, event="reload", ok=True, policies=["demo@2"])["level"] == "INFO"
    refused = _one(records, logger="ordergate.reload", level="ERROR")
    assert "unknown field 'los'" in refused["message"]
    assert _one(records, event="kill_switch")["level"] == "WARNING"
    assert _one(records, logger="ordergate.connections", connection="Desk", status="connected")
    assert any(r["logger"].startswith("uvicorn") for r in records)  # the HTTP server's own lines too
    everything = rt.log.read_text()
    for secret in SECRETS:
        assert secret not in everything and secret.strip() not in everything
        assert json.dumps(secret)[1:-1] not in everything


@pytest.mark.slow
def test_text_logs_say_the_decision_in_one_line_and_keep_secrets_out(
    tmp_path: Path, simulators: tuple[int, str]
) -> None:
    rt = _run(tmp_path, simulators[1], "text", level="info")
    try:
        rt.http.post("/v1/paper/quotes", json={"symbol": "ES", "bid": 6000, "ask": 6000.25, "last": 6000})
        assert (
            rt.http.post(
                "/v1/orders", json={"account": "PAPER-1", "symbol": ES_NOW, "side": "sell", "qty": 9}
            ).status_code
            == 403
        )
        line = rt.wait_for(rf"ordergate\.decisions: PAPER-1 sell 9 {ES_NOW}")
        assert re.search(
            rf"^\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d,\d{{3}} INFO ordergate\.decisions: PAPER-1 sell 9 {ES_NOW} market: "
            r"block at positions \[max_contracts_per_order\] by demo@1 in \d+\.\d{3} ms: ",
            line,
        ), line
        rt.wait_for(r"Uvicorn running on|Application startup complete|Started server process")
    finally:
        _stop(rt.proc)
        rt.http.close()
    everything = rt.log.read_text()
    assert not any(secret in everything for secret in SECRETS)


def test_a_quiet_logger_does_not_even_read_the_order(monkeypatch: pytest.MonkeyPatch) -> None:
    class Untouchable(dict[str, Any]):
        def get(self, *_: Any) -> Any:
            raise AssertionError("read while the logger is quiet")

    monkeypatch.setattr(logs.decisions, "level", logging.WARNING)
    logs.decision("A", Untouchable(), Untouchable(), 0.001)  # nothing read, nothing built


def test_a_hidden_value_is_replaced_in_messages_arguments_fields_and_tracebacks() -> None:
    stream = io.StringIO()
    logs.hide('pa ss"word-123')
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    handler.addFilter(logs.Redact())
    log = logging.getLogger("ordergate.test_logs")
    log.addHandler(handler)
    try:
        log.warning("login with %s", 'pa ss"word-123', extra={"fields": {"password": 'pa ss"word-123'}})
        try:
            raise ValueError('pa ss"word-123')
        except ValueError:
            log.exception("failed")
    finally:
        log.removeHandler(handler)
    out = stream.getvalue()
    assert "word-123" not in out and out.count("[hidden]") >= 3
    first = json.loads(out.splitlines()[0])
    assert first["message"] == "login with [hidden]" and first["password"] == "[hidden]"
