"""The client verbs as a person meets them: the real ``ordergate`` command in a subprocess,
talking to a runtime served by uvicorn on a loopback port in the test's event loop."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ordergate.runtime.service import Runtime
from tests.runtime.cliproc import at, one_line, ordergate, served_url
from tests.runtime.conftest import TOKEN, quote

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


@pytest.fixture
async def url(started: Runtime) -> AsyncIterator[str]:
    async with served_url(started) as base:
        yield base


# ---------------------------------------------------------------- errors a person reads


async def test_a_verb_with_no_runtime_listening_says_how_to_start_one(url: str) -> None:
    host, _, port = url.rpartition(":")
    nobody = f"{host}:{int(port) + 1 if int(port) < 65535 else 1}"
    r = await ordergate("accounts", *at(nobody))
    assert r.returncode == 1
    assert one_line(r.stderr) == (
        f"ordergate accounts: no runtime answers at {nobody}; start one with `ordergate run`"
    )


async def test_a_missing_or_wrong_token_says_how_to_pass_the_right_one(url: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "ORDERGATE_TOKEN"}
    # no token anywhere: not in a flag, the environment, or ./.ordergate/token
    missing = await ordergate("status", "--url", url, env=env, cwd=tmp_path)
    wrong = await ordergate("status", *at(url, "not-the-token"), env=env, cwd=tmp_path)
    assert missing.returncode == wrong.returncode == 1
    assert one_line(missing.stderr).startswith(f"ordergate status: the runtime at {url} wants a token: ")
    assert one_line(wrong.stderr).startswith(
        f"ordergate status: the runtime at {url} does not take this token (the bearer token is not valid); "
    )
    assert "--token or ORDERGATE_TOKEN" in missing.stderr and "--token or ORDERGATE_TOKEN" in wrong.stderr


async def test_the_token_in_the_state_dir_is_used_when_none_is_given(url: str, tmp_path: Path) -> None:
    (tmp_path / ".ordergate").mkdir()
    (tmp_path / ".ordergate" / "token").write_text(TOKEN + "\n")
    env = {k: v for k, v in os.environ.items() if k != "ORDERGATE_TOKEN"}
    r = await ordergate("status", "--url", url, env=env, cwd=tmp_path)
    assert r.returncode == 0 and "PAPER-1" not in r.stderr and "Paper" in r.stdout, r.stderr


async def test_a_refusal_prints_the_runtime_message_and_the_field_it_names(url: str) -> None:
    r = await ordergate("lock", "PAPER-1", "--duration", "session:mars_open", *at(url))
    assert r.returncode == 1
    line = one_line(r.stderr)
    assert line.startswith("ordergate lock: duration: ") and line.endswith("(HTTP 422)")


async def test_a_url_that_is_no_http_address_is_a_usage_error() -> None:
    r = await ordergate("status", "--url", "127.0.0.1:8787", "--token", "x")
    assert r.returncode == 2
    assert one_line(r.stderr) == (
        "ordergate status: --url 127.0.0.1:8787 is not an address to call; write http://HOST:PORT"
    )


async def test_something_else_answering_is_not_taken_for_a_runtime() -> None:
    async def not_ordergate(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 6\r\n\r\n<html>")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(not_ordergate, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        r = await ordergate("accounts", *at(f"http://127.0.0.1:{port}"))
    finally:
        server.close()
        await server.wait_closed()
    assert r.returncode == 1
    assert one_line(r.stderr) == (
        f"ordergate accounts: something at http://127.0.0.1:{port} answered GET /v1/accounts with "
        "HTTP 200, and not as an ordergate runtime does"
    )


# ---------------------------------------------------------------- standard output that fails


async def test_status_into_a_pipe_nobody_reads_ends_quietly_with_141(url: str) -> None:
    """`ordergate status | head -1` once head has gone: no traceback, the SIGPIPE status."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first byte: every write is EPIPE
    try:
        r = await ordergate("status", *at(url), stdout=write_end)
    finally:
        os.close(write_end)
    assert (r.returncode, r.stderr) == (141, "")


@pytest.mark.parametrize("args", [("schema", "RiskPolicy"), ("--help",)], ids=["offline-verb", "help"])
async def test_every_verb_and_the_help_end_quietly_on_a_closed_pipe(args: tuple[str, ...]) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        r = await ordergate(*args, stdout=write_end)
    finally:
        os.close(write_end)
    assert (r.returncode, r.stderr) == (141, "")


async def test_accounts_into_a_full_disk_says_so_in_one_line_and_exits_1(url: str) -> None:
    full = os.open("/dev/full", os.O_WRONLY)
    try:
        r = await ordergate("accounts", *at(url), stdout=full)
    finally:
        os.close(full)
    assert r.returncode == 1
    assert one_line(r.stderr) == "ordergate: cannot write the output: No space left on device"


# ---------------------------------------------------------------- order types


async def order_json(url: str, *args: str) -> dict[str, object]:
    r = await ordergate("order", "PAPER-1", "buy", "1", "ESZ6", *args, "--json", *at(url))
    assert r.returncode == 0, r.stderr
    order = json.loads(r.stdout)["order"]
    assert isinstance(order, dict)
    return order


async def test_a_price_makes_a_limit_order_a_stop_a_stop_order_and_both_a_stop_limit(
    started: Runtime, url: str
) -> None:
    await quote(started, "ES", 6000)
    limit = await order_json(url, "--price", "5990")
    stop = await order_json(url, "--stop", "6010")
    stop_limit = await order_json(url, "--stop-price", "6010", "--price", "6011")
    market = await order_json(url)
    assert (limit["type"], limit["price"], limit["status"]) == ("limit", 5990, "working")
    assert (stop["type"], stop["stop_price"], stop["status"]) == ("stop", 6010, "working")
    assert (stop_limit["type"], stop_limit["price"], stop_limit["stop_price"]) == ("stop_limit", 6011, 6010)
    assert (market["type"], market["status"]) == ("market", "filled")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--type", "market", "--price", "5990"),
            "--type market takes no --price; these prices make a limit order (drop --type, or drop --price)",
        ),
        (("--type", "limit"), "--type limit needs --price"),
        (("--type", "limit", "--price", "5990", "--stop", "6000"), "--type limit takes no --stop;"),
        (("--type", "stop", "--price", "5990"), "--type stop needs --stop"),
        (("--type", "stop_limit", "--stop", "6000"), "--type stop_limit needs --price"),
        (("--price", "nan"), "argument --price: a price must be a number above 0, not nan"),
        (("--stop", "-5"), "argument --stop/--stop-price: a price must be a number above 0, not -5"),
    ],
)
async def test_a_type_that_contradicts_the_prices_is_a_usage_error_and_sends_nothing(
    started: Runtime, url: str, args: tuple[str, ...], message: str
) -> None:
    r = await ordergate("order", "PAPER-1", "buy", "1", "ESZ6", *args, *at(url))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert f"ordergate order: error: {message}" in r.stderr
    assert started.core.store.order_history("PAPER-1", 10) == []
