"""A headless Chromium driven over the Chrome DevTools Protocol, for the dashboard tests.

No browser download and no driver package: the system's ``chromium`` (Debian's
package; ``.ci/run`` installs it) is started with a fresh profile and
``--remote-debugging-port=0``, and one page target is driven through a synchronous
``websockets`` connection. Clicks and typing are real input events at the element's
place on the page, so a button hidden behind a dialog cannot be clicked.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.sync.client import ClientConnection, connect

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-dev-shm-usage",
    "--remote-debugging-address=127.0.0.1",
    "--remote-debugging-port=0",
)
KEYS = {
    "Enter": {"key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13, "text": "\r"},
    "Escape": {"key": "Escape", "code": "Escape", "windowsVirtualKeyCode": 27},
    "Tab": {"key": "Tab", "code": "Tab", "windowsVirtualKeyCode": 9},
    " ": {"key": " ", "code": "Space", "windowsVirtualKeyCode": 32, "text": " "},
}


def find_chromium() -> str:
    """The browser's path; skips the test outside CI when there is none, fails in CI
    (``ORDERGATE_REQUIRE_BROWSER=1``)."""
    given = os.environ.get("ORDERGATE_CHROMIUM")
    found = given or next((p for p in map(shutil.which, CANDIDATES) if p), None)
    if found:
        return found
    reason = "no Chromium found (apt-get install chromium, or set ORDERGATE_CHROMIUM)"
    if os.environ.get("ORDERGATE_REQUIRE_BROWSER") == "1":
        pytest.fail(reason + "; ORDERGATE_REQUIRE_BROWSER=1 makes this a failure")
    pytest.skip(reason)


class CdpError(Exception):
    pass


class Browser:
    def __init__(self, executable: str, artifacts: Path, *, width: int = 1280, height: int = 900) -> None:
        self.artifacts = artifacts
        artifacts.mkdir(parents=True, exist_ok=True)
        self.profile = tempfile.mkdtemp(prefix="og-chromium-")
        self.process = subprocess.Popen(
            [
                executable,
                *FLAGS,
                f"--user-data-dir={self.profile}",
                f"--window-size={width},{height}",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.log: list[str] = []
        self._drain: threading.Thread | None = None
        self.errors: list[str] = []  # uncaught exceptions and console errors of the page
        self._ids = 0
        self._stack = contextlib.ExitStack()
        self.ws: ClientConnection | None = None
        try:
            port = self._devtools_port()
            self.ws = self._stack.enter_context(connect(self._page_url(port), max_size=None, open_timeout=10))
            for domain in ("Page", "Runtime", "Log"):
                self.send(f"{domain}.enable")
            self.viewport(width, height)
        except BaseException:
            self.close()
            raise

    # ---- start and stop

    def _devtools_port(self) -> int:
        assert self.process.stderr is not None
        found: dict[str, int] = {}
        ready = threading.Event()

        def drain() -> None:  # keeps reading, so the browser never blocks on a full pipe
            assert self.process.stderr is not None
            for line in self.process.stderr:
                self.log.append(line.rstrip())
                m = re.search(r"DevTools listening on ws://127\.0\.0\.1:(\d+)/", line)
                if m:
                    found["port"] = int(m.group(1))
                    ready.set()
            ready.set()

        self._drain = threading.Thread(target=drain, daemon=True)
        self._drain.start()
        if not ready.wait(30) or "port" not in found:
            raise CdpError("Chromium did not start:\n" + "\n".join(self.log[-30:]))
        return found["port"]

    @staticmethod
    def _page_url(port: int) -> str:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            targets = httpx.get(f"http://127.0.0.1:{port}/json/list", timeout=5).json()
            pages = [t for t in targets if t.get("type") == "page"]
            if pages:
                return str(pages[0]["webSocketDebuggerUrl"])
            time.sleep(0.05)
        raise CdpError("Chromium opened no page")

    def close(self) -> None:
        self._stack.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        if self._drain is not None:
            self._drain.join(10)
        if self.process.stderr is not None:
            self.process.stderr.close()
        shutil.rmtree(self.profile, ignore_errors=True)

    # ---- the protocol

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        assert self.ws is not None
        self._ids += 1
        mine = self._ids
        self.ws.send(json.dumps({"id": mine, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv(timeout=30))
            if message.get("id") == mine:
                if "error" in message:
                    raise CdpError(f"{method}: {message['error']}")
                return dict(message.get("result", {}))
            self._event(message)

    def _event(self, message: dict[str, Any]) -> None:
        method, params = message.get("method"), message.get("params", {})
        if method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            self.errors.append(str(details.get("exception", {}).get("description") or details.get("text")))
        elif method == "Runtime.consoleAPICalled" and params.get("type") == "error":
            self.errors.append(
                " ".join(str(a.get("value", a.get("description"))) for a in params.get("args", []))
            )
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            self.errors.append(str(params["entry"].get("text")))

    # ---- what a test does

    def viewport(self, width: int, height: int, *, mobile: bool = False) -> None:
        self.send(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=mobile,
        )

    def goto(self, url: str) -> None:
        self.send("Page.navigate", url=url)
        time.sleep(0.05)
        self.wait("document.readyState === 'complete'")

    def eval(self, expression: str) -> Any:
        answer = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in answer:
            raise CdpError(
                f"{expression}: {answer['exceptionDetails'].get('exception', {}).get('description')}"
            )
        return answer.get("result", {}).get("value")

    def wait(self, expression: str, timeout: float = 10.0) -> Any:
        deadline = time.monotonic() + timeout
        problem = ""
        while True:
            try:  # a page that is navigating may not have what the expression reads yet
                value = self.eval(expression)
            except CdpError as exc:
                value, problem = None, f"; last error: {exc}"
            if value:
                return value
            if time.monotonic() > deadline:
                shot = self.screenshot(f"timeout-{int(time.time() * 1000)}")
                raise AssertionError(
                    f"not true within {timeout} s: {expression}{problem} (screenshot {shot})"
                )
            time.sleep(0.05)

    def text(self, selector: str) -> str:
        return str(self.eval(f"document.querySelector({json.dumps(selector)})?.innerText ?? ''"))

    def wait_text(self, selector: str, needle: str, timeout: float = 10.0) -> str:
        self.wait(
            f"(document.querySelector({json.dumps(selector)})?.innerText ?? '').includes({json.dumps(needle)})",
            timeout,
        )
        return self.text(selector)

    def click(self, selector: str) -> None:
        """A real mouse click at the middle of the first visible element matching."""
        sel = json.dumps(selector)
        where = self.wait(
            f"""(() => {{
              const el = [...document.querySelectorAll({sel})].find((e) => e.getClientRects().length);
              if (!el || el.disabled) return null;
              el.scrollIntoView({{block: 'center'}});
              const r = el.getBoundingClientRect();
              return {{x: r.x + r.width / 2, y: r.y + r.height / 2}};
            }})()"""
        )
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.send(
                "Input.dispatchMouseEvent", type=kind, x=where["x"], y=where["y"], button="left", clickCount=1
            )

    def type(self, selector: str, text: str) -> None:
        self.click(selector)
        self.eval(f"document.querySelector({json.dumps(selector)}).select?.()")
        self.send("Input.insertText", text=text)

    def press(self, key: str) -> None:
        info = KEYS[key]
        self.send("Input.dispatchKeyEvent", type="keyDown", **info)
        self.send("Input.dispatchKeyEvent", type="keyUp", **{k: v for k, v in info.items() if k != "text"})

    def screenshot(self, name: str) -> Path:
        data = self.send("Page.captureScreenshot", format="png", captureBeyondViewport=True)["data"]
        path = self.artifacts / f"{name}.png"
        path.write_bytes(base64.b64decode(data))
        return path
