"""`ordergate connection add` keeps secrets off the command line: the real command in a
subprocess, a runtime served on loopback, and a loopback broker simulator that checks
the password it is given."""

from __future__ import annotations

import asyncio
import os
import pty
import select
import subprocess
import sys
import time
from collections.abc import AsyncIterator

import pytest

from ordergate.runtime.brokers.loopback.simulator import LoopbackSimulator, SimAccount
from ordergate.runtime.service import Runtime
from tests.runtime.cliproc import ORDERGATE, at, one_line, ordergate, served_url

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


@pytest.fixture
async def url(started: Runtime) -> AsyncIterator[str]:
    async with served_url(started) as base:
        yield base


PASSWORD = "Loopback-Secret-42 with spaces "


@pytest.fixture
async def broker() -> AsyncIterator[int]:
    sim = LoopbackSimulator(user="trader", password=PASSWORD, accounts=[SimAccount("LB-7", 25_000)])
    port = await sim.start(0)
    yield port
    await sim.stop()


def add(url: str, port: int, *secret: str) -> tuple[str, ...]:
    return (
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
        *secret,
        *at(url),
    )


@pytest.mark.parametrize(
    ("secret", "stdin", "env"),
    [
        (("--set", "password=-"), PASSWORD + "\n", {}),
        (("--secret-stdin", "password"), PASSWORD + "\n", {}),
        (("--set", "password=env:OG_TEST_BROKER_PASSWORD"), None, {"OG_TEST_BROKER_PASSWORD": PASSWORD}),
        (("--set", "password=${env:OG_TEST_BROKER_PASSWORD}"), None, {"OG_TEST_BROKER_PASSWORD": PASSWORD}),
    ],
    ids=["set-dash-stdin", "secret-stdin", "env-bare", "env-braced"],
)
async def test_a_password_from_stdin_or_the_environment_logs_in(
    started: Runtime, url: str, broker: int, secret: tuple[str, ...], stdin: str | None, env: dict[str, str]
) -> None:
    r = await ordergate(*add(url, broker, *secret), stdin=stdin, env={**os.environ, **env})
    assert r.returncode == 0, r.stderr
    assert "added Desk (loopback): connected, accounts LB-7" in r.stdout
    assert "Desk" in started.connections.specs
    assert PASSWORD.strip() not in r.stdout + r.stderr


async def test_a_wrong_password_from_the_environment_reaches_the_broker_and_is_refused(
    started: Runtime, url: str, broker: int
) -> None:
    env = {**os.environ, "OG_TEST_BROKER_PASSWORD": "not it"}
    r = await ordergate(*add(url, broker, "--set", "password=env:OG_TEST_BROKER_PASSWORD"), env=env)
    assert r.returncode == 1 and one_line(r.stderr).startswith("ordergate connection add: credentials: ")
    assert "Desk" not in started.connections.specs


@pytest.mark.parametrize("field", ["password", "api_key", "sec"])
async def test_a_literal_secret_is_refused_saying_how_to_pass_it_and_nothing_is_sent(
    started: Runtime, url: str, broker: int, field: str
) -> None:
    r = await ordergate(*add(url, broker, "--set", f"{field}=hunter2"))
    assert r.returncode == 2
    line = one_line(r.stderr)
    assert line.startswith(
        f"ordergate connection add: --set {field}=…: a secret on the command line is visible"
    )
    assert (
        f"--set {field}=-" in line and f"--secret-stdin {field}" in line and f"--set {field}=env:NAME" in line
    )
    assert "hunter2" not in line
    assert started.connections.drafts == {} and "Desk" not in started.connections.specs


@pytest.mark.parametrize(
    ("secret", "stdin", "message"),
    [
        (
            ("--set", "password=env:OG_TEST_SURELY_UNSET"),
            None,
            "--set password=env:OG_TEST_SURELY_UNSET: OG_TEST_SURELY_UNSET is not set in the environment",
        ),
        (("--secret-stdin", "password"), "", "password: stdin ended before its line;"),
        (("--set", "password=-"), "\n", "password: the value read is empty"),
        (("--secret-stdin", "password=x"), None, "--secret-stdin takes a field name, not 'password=x'"),
    ],
    ids=["unset-env", "stdin-ended", "empty-line", "field-with-value"],
)
async def test_a_secret_that_cannot_be_read_is_named_and_nothing_is_sent(
    started: Runtime, url: str, broker: int, secret: tuple[str, ...], stdin: str | None, message: str
) -> None:
    env = {k: v for k, v in os.environ.items() if k != "OG_TEST_SURELY_UNSET"}
    r = await ordergate(*add(url, broker, *secret), stdin=stdin, env=env)
    assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr
    assert started.connections.drafts == {}


# A launcher that gives the command a terminal of its own: a new session whose first
# opened terminal becomes its controlling one, which is where getpass reads from.
_ON_A_TERMINAL = (
    "import os, sys; os.setsid(); fd = os.open(sys.argv[1], os.O_RDWR); "
    "[os.dup2(fd, i) for i in (0, 1, 2)]; os.execv(sys.argv[2], sys.argv[2:])"
)


def on_a_terminal(args: tuple[str, ...], answer: str) -> tuple[int, str]:
    """Runs the command on a pseudo-terminal, typing ``answer`` at its password prompt."""
    master, slave = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-c", _ON_A_TERMINAL, os.ttyname(slave), ORDERGATE, *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    seen, answered = b"", False
    deadline = time.monotonic() + 60
    try:
        # the slave stays open here until the end: with no slave open, reading the master
        # fails with EIO before the command has even opened its terminal
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                seen += os.read(master, 4096)
            elif process.poll() is not None:
                break
            if not answered and seen.endswith(b"password: "):
                os.write(master, answer.encode() + b"\n")
                answered = True
        return process.wait(timeout=10), seen.decode(errors="replace")
    finally:
        os.close(master)
        os.close(slave)
        if process.poll() is None:
            process.kill()
            process.wait()


async def test_on_a_terminal_a_missing_password_is_prompted_for_without_echo(
    started: Runtime, url: str, broker: int
) -> None:
    status, screen = await asyncio.to_thread(on_a_terminal, add(url, broker), PASSWORD)
    assert status == 0, screen
    assert screen.startswith("password: \r\n")  # the prompt, and nothing typed echoed after it
    assert "added Desk (loopback): \x1b[32mconnected\x1b[0m, accounts LB-7" in screen  # colour: a terminal
    assert PASSWORD.strip() not in screen  # typed, never echoed
    assert "Desk" in started.connections.specs


async def test_a_draft_names_the_fields_its_broker_keeps_secret(started: Runtime) -> None:
    draft = started.connections.open_draft({"broker": "loopback"})
    assert draft["secret_fields"] == ["password"] and "password" in draft["fields"]
