"""The dashboard end to end: a headless Chromium (tests/runtime/cdp.py) against
``ordergate run`` with the paper broker on a loopback port.

Screenshots go to ``.artifacts/dashboard/`` (or ``$ORDERGATE_ARTIFACTS``). Without a
browser these tests skip, except in CI (``ORDERGATE_REQUIRE_BROWSER=1``), where they fail.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx
import pytest

from tests.contracts_now import front_symbol
from tests.runtime.cdp import Browser, find_chromium

pytestmark = pytest.mark.slow

ORDERGATE = shutil.which("ordergate", path=str(Path(sys.executable).parent)) or "ordergate"
TOKEN = "dashboard-token-1234"
REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("ORDERGATE_ARTIFACTS", REPO / ".artifacts")) / "dashboard"
POLICY = """\
apiVersion: ordergate/v1
kind: RiskPolicy
metadata: {name: desk, version: 3}
spec:
  accounts: ["*"]
  limits:
    daily: {loss: 1000, profit_target: 2000}
    weekly: {loss: 3000}
    trailing_drawdown: {amount: 2500, mode: intraday}
    on_breach: {action: flatten_and_lock, lock: 6h, enforce: true}
  positions: {max_contracts_per_order: 5}
  quote_health: {policy: strict, stale_after: 300s}
"""
BROKEN = POLICY.replace(
    "  positions:", "  rules:\n    - {name: r, when: daily.pnll < 1, message: m}\n  positions:"
)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Runtime:
    url: str
    dir: Path
    process: subprocess.Popen[bytes] | None = None
    output: IO[str] | None = None

    @property
    def log(self) -> Path:
        return self.dir / "runtime.log"

    def start(self) -> None:
        self.output = self.log.open("a")
        self.process = subprocess.Popen(
            [ORDERGATE, "run", "--config", str(self.dir / "runtime.yaml"), "--log-level", "warning"],
            cwd=self.dir,
            env={**os.environ, "ORDERGATE_TOKEN": TOKEN},
            stdout=self.output,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the runtime exited:\n{self.log.read_text()[-3000:]}")
            try:
                if httpx.get(self.url + "/v1/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise AssertionError("the runtime did not answer within 20 s")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(3)
        except subprocess.TimeoutExpired:
            # uvicorn waits for open connections, and the page's event stream stays open:
            # the second signal stops the wait, as it does for a person pressing Ctrl-C twice
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(20)
        finally:
            if self.output is not None:
                self.output.close()

    def call(self, method: str, path: str, body: object = None) -> httpx.Response:
        r = httpx.request(
            method, self.url + path, json=body, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10
        )
        assert r.status_code < 300, r.text
        return r

    def quote(self, symbol: str, last: float) -> None:
        self.call(
            "POST", "/v1/paper/quotes", {"symbol": symbol, "bid": last, "ask": last + 0.25, "last": last}
        )

    def buy(self, qty: int, account: str = "PAPER-1") -> int:
        """Places a market order; its status, 201 allowed or 403 blocked."""
        r = httpx.post(
            self.url + "/v1/orders",
            json={"account": account, "symbol": front_symbol(), "side": "buy", "qty": qty},  # real clock
            headers={"Authorization": f"Bearer {TOKEN}"},
            timeout=10,
        )
        assert r.status_code in (201, 403), r.text
        return r.status_code


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    b = Browser(find_chromium(), ARTIFACTS)
    yield b
    b.close()


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[Runtime]:
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "desk.yaml").write_text(POLICY)
    port = free_port()
    (tmp_path / "runtime.yaml").write_text(
        textwrap.dedent(f"""\
        apiVersion: ordergate/v1
        kind: Runtime
        metadata: {{name: desk}}
        spec:
          rules: ./rules
          store: sqlite:///{tmp_path / "state.db"}
          api: {{listen: "127.0.0.1:{port}", tokens: ["${{env:ORDERGATE_TOKEN}}"]}}
          plan: pro
          connections:
            - name: Paper
              broker: paper
              feed: manual
              accounts: [{{id: PAPER-1, balance: 50000}}, {{id: PAPER-2, nickname: swing, balance: 50000}}]
        """)
    )
    rt = Runtime(f"http://127.0.0.1:{port}", tmp_path)
    rt.start()
    yield rt
    rt.stop()


def sign_in(b: Browser, rt: Runtime) -> None:
    b.send("Network.clearBrowserCookies")
    b.goto(rt.url + "/")
    b.wait("!!document.getElementById('signin')")
    b.type("#token", TOKEN)
    b.press("Enter")
    b.wait("document.body.dataset.ready === 'true'")
    b.wait_text("#stream", "Live")
    b.errors.clear()


def card(account: str) -> str:
    return f'article[data-account="{account}"]'


def test_sign_in_shows_accounts_with_p_and_l_bars_on_a_laptop_and_a_phone(
    browser: Browser, runtime: Runtime
) -> None:
    b = browser
    b.send("Network.clearBrowserCookies")
    b.goto(runtime.url + "/")
    b.wait("!!document.getElementById('signin')")
    b.screenshot("sign-in")
    b.type("#token", "not-the-token")
    b.press("Enter")
    assert "not one of this runtime's API tokens" in b.wait_text("#signin-error", "token")
    sign_in(b, runtime)
    runtime.quote("ES", 6000)
    runtime.buy(2)
    runtime.quote("ES", 5995)  # bought at the ask, 6000.25: -$525 of the $1,000 daily loss limit
    text = b.wait_text(card("PAPER-1"), "-$525.00")
    assert "loss limit −$1,000.00" in text and "target $2,000.00" in text and "Trailing threshold" in text
    assert "ES" in b.text(card("PAPER-1") + " table") and "“swing”" in b.text(card("PAPER-2"))
    width = b.eval(f"getComputedStyle(document.querySelector('{card('PAPER-1')} .fill.loss')).width")
    assert float(width.removesuffix("px")) > 0
    b.screenshot("accounts-laptop")
    b.viewport(390, 844, mobile=True)
    try:
        b.wait("document.documentElement.scrollWidth <= window.innerWidth")
        b.screenshot("accounts-phone")
    finally:
        b.viewport(1280, 900)
    assert b.errors == []


def test_a_breach_shows_up_live_and_locks_the_account(browser: Browser, runtime: Runtime) -> None:
    b = browser
    sign_in(b, runtime)
    b.eval("window.notReloaded = true")
    runtime.quote("ES", 6000)
    runtime.buy(2)
    b.wait_text(card("PAPER-1"), "Avg price")  # the fill arrived over the event stream
    runtime.quote("ES", 5990)  # -$1,000: the monitor breaches, flattens and locks
    text = b.wait_text(card("PAPER-1"), "Locked")
    assert "enforced" in text and "Unlock" in text and "Flat: no open positions." in text
    assert "BREACH daily_loss_limit" in b.wait_text("#feed", "BREACH")
    assert "Unlocked" in b.text(card("PAPER-2"))
    assert b.eval("window.notReloaded === true")  # live: the page was never reloaded
    b.screenshot("breach-locked")
    assert b.errors == []


def test_the_kill_switch_asks_for_flatten_and_shows_the_report(browser: Browser, runtime: Runtime) -> None:
    b = browser
    sign_in(b, runtime)
    runtime.quote("ES", 6000)
    runtime.buy(1)
    b.wait_text(card("PAPER-1"), "Avg price")
    b.click("#kill-switch")
    b.wait("document.activeElement?.id === 'kill-confirm'")
    go = "document.querySelector('dialog[data-dialog=kill-switch] [data-confirm]')"
    b.send("Input.insertText", text="flatten")
    assert b.eval(f"{go}.disabled")
    b.type("#kill-confirm", "FLATTEN")
    b.wait(f"!{go}.disabled")
    b.screenshot("kill-switch-confirm")
    b.press("Enter")
    report = b.wait_text("#kill-report", "PAPER-2")
    assert b.eval(
        "!!document.querySelector('#kill-report tr[data-account=PAPER-1] [data-result=flatten-ok]')"
    )
    assert b.eval(
        "!!document.querySelector('#kill-report tr[data-account=PAPER-2] [data-result=flatten-none]')"
    )
    assert b.eval("document.querySelectorAll('#kill-report [data-result=lock-ok]').length") == 2, report
    b.screenshot("kill-switch-report")
    b.press("Escape")
    b.wait_text(card("PAPER-1"), "Locked")
    b.wait_text(card("PAPER-2"), "Locked")
    assert runtime.call("GET", "/v1/accounts/PAPER-1").json()["positions"] == []
    assert b.errors == []


def test_a_refused_reload_shows_its_diagnostic_with_the_caret(browser: Browser, runtime: Runtime) -> None:
    b = browser
    sign_in(b, runtime)
    b.click('a[data-tab="risk"]')
    assert "desk@3" in b.wait_text("#policies", "desk@3")
    (runtime.dir / "rules" / "desk.yaml").write_text(BROKEN)
    text = b.wait_text("#reload-state", "Reload refused", timeout=15)
    assert re.search(r"desk\.yaml:\d+:\d+: error\[unknown-name\]", text), text
    caret = b.eval(
        "[...document.querySelectorAll('#reload-state pre')].map((p) => p.textContent).join('\\n')"
    )
    lines = caret.splitlines()
    at = next(i for i, line in enumerate(lines[:-1]) if lines[i + 1].strip() == "^")  # the caret's line
    assert lines[at + 1].index("^") == lines[at].index("daily.pnll")
    assert "keeps deciding" in text
    assert "reload REFUSED" in b.text("#feed")
    b.screenshot("risk-refused-reload")
    runtime.quote("ES", 6000)
    assert runtime.buy(6) == 403  # blocked: at most 5 contracts an order
    b.wait_text("#decisions", "max_contracts_per_order")
    b.eval(
        "(() => { const s = document.querySelector('#decision-filter [name=outcome]'); s.value = 'allow';"
        " s.dispatchEvent(new Event('change', {bubbles: true})); })()"
    )
    b.wait("!document.querySelector('#decisions').innerText.includes('max_contracts_per_order')")
    assert b.errors == []


def test_a_loopback_connection_is_added_through_the_three_steps(browser: Browser, runtime: Runtime) -> None:
    b = browser
    sim = subprocess.Popen(
        [ORDERGATE, "simulate", "loopback", "--port", "0", "--account", "LB-7:25000"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert sim.stdout is not None
        port = re.search(r"127\.0\.0\.1:(\d+)", sim.stdout.readline()).group(1)  # type: ignore[union-attr]
        sign_in(b, runtime)
        b.click('a[data-tab="connections"]')
        b.wait_text('article[data-connection="Paper"]', "Connected")
        b.click("#add-connection")
        b.wait("!!document.querySelector('#add-broker option[value=loopback]')")
        b.eval(
            "(() => { const s = document.getElementById('add-broker'); s.value = 'loopback';"
            " s.dispatchEvent(new Event('change')); })()"
        )
        b.type("#add-name", "Desk LB")
        b.press("Enter")
        b.wait("!!document.getElementById('f-port')")
        b.type("#f-port", port)
        b.type("#f-username", "demo")
        b.type("#f-password", "demo")
        b.screenshot("add-connection-authenticate")
        b.press("Enter")
        found = b.wait_text("#discovered", "LB-7")
        assert "$25,000.00" in found
        b.type('#discovered input[aria-label="nickname for LB-7"]', "lb")
        b.screenshot("add-connection-select")
        b.click("dialog[data-dialog=add-connection] button[type=submit]")
        added = 'article[data-connection="Desk LB"]'
        text = b.wait_text(added, "Connected")
        assert "LB-7 “lb”" in text and "last heartbeat" in text
        b.wait(f"/\\d+ s ago/.test(document.querySelector('{added} time').textContent)")
        b.screenshot("connections")
        assert runtime.call("GET", "/v1/accounts/LB-7").json()["nickname"] == "lb"
        assert b.errors == []
    finally:
        sim.terminate()
        sim.wait(10)
        if sim.stdout is not None:
            sim.stdout.close()


def test_the_page_says_when_the_stream_is_lost_and_comes_back(browser: Browser, runtime: Runtime) -> None:
    b = browser
    sign_in(b, runtime)
    runtime.stop()
    assert "Event stream lost" in b.wait_text("#stream", "lost")
    b.screenshot("stream-lost")
    runtime.start()
    # sessions live in the runtime's memory: after a restart the page asks to sign in again
    b.wait("!!document.getElementById('signin')", timeout=20)
    b.type("#token", TOKEN)
    b.press("Enter")
    b.wait_text("#stream", "Live")
