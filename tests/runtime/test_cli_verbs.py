"""The operator's verbs, so a desk runs without curl: the real ``ordergate`` command in a
subprocess, talking over HTTP to a runtime served on a loopback port in the test's loop."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ordergate.runtime.service import Runtime
from tests.runtime.cliproc import ORDERGATE, at, one_line, ordergate, served_url
from tests.runtime.conftest import TOKEN, paper, quote

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

TWO_ACCOUNTS = [{"id": "PAPER-1", "balance": 50000}, {"id": "PAPER-2", "balance": 50000}]
NO_TOKEN_ENV = {k: v for k, v in os.environ.items() if k not in ("ORDERGATE_TOKEN", "ORDERGATE_URL")}


@pytest.fixture
async def rt(make_runtime) -> AsyncIterator[Runtime]:  # type: ignore[no-untyped-def]
    runtime = make_runtime(connections=[paper(TWO_ACCOUNTS)])
    await runtime.start(background=False)
    await quote(runtime, "ES", 6000)
    yield runtime
    await runtime.stop()


@pytest.fixture
async def url(rt: Runtime) -> AsyncIterator[str]:
    async with served_url(rt) as base:
        yield base


async def og(url: str, *args: str) -> tuple[int, str, str]:
    r = await ordergate(*args, *at(url))
    return r.returncode, r.stdout, r.stderr


# ---------------------------------------------------------------- orders


async def test_orders_lists_a_working_order_and_cancel_cancels_it(url: str) -> None:
    code, out, err = await og(url, "order", "PAPER-1", "buy", "1", "ESZ6", "--price", "5900", "--json")
    assert code == 0, err
    order_id = json.loads(out)["order"]["id"]
    code, out, _ = await og(url, "orders")
    assert code == 0 and order_id in out and "working" in out and "buy 1 ESZ6" in out
    code, out, _ = await og(url, "cancel", order_id)
    assert (code, out.strip()) == (0, f"order {order_id}: cancelled")
    code, out, _ = await og(url, "orders")
    assert (code, out.strip()) == (0, "no open orders")
    code, out, _ = await og(url, "orders", "--all", "--account", "PAPER-1")
    assert code == 0 and order_id in out and "cancelled" in out


async def test_order_check_says_it_is_a_dry_run_and_sends_nothing(url: str, rt: Runtime) -> None:
    code, out, _ = await og(url, "order", "PAPER-1", "buy", "1", "ESZ6", "--check")
    assert code == 0 and out.startswith("dry run, nothing sent: allowed by desk@1")
    assert rt.core.store.order_history("PAPER-1", 10) == []


async def test_a_repeated_client_order_id_says_already_sent_instead_of_a_second_fill(url: str) -> None:
    first = await og(url, "order", "PAPER-1", "buy", "1", "ESZ6", "--client-order-id", "abc-1")
    assert first[0] == 0 and "filled (1 @ 6000.25)" in first[1]
    again = await og(url, "order", "PAPER-1", "buy", "1", "ESZ6", "--client-order-id", "abc-1")
    order_id = first[1].split("order ")[1].split(":")[0]
    assert again[0] == 0
    assert again[1].strip() == (
        f"already sent: client order id abc-1 is order {order_id} (filled); nothing was sent again"
    )
    _, out, _ = await og(url, "accounts")
    assert "ES +1" in out and "ES +2" not in out


# ---------------------------------------------------------------- decisions and events


async def test_decisions_filter_by_account_outcome_and_since(url: str) -> None:
    assert (await og(url, "order", "PAPER-1", "buy", "1", "ESZ6"))[0] == 0
    assert (await og(url, "order", "PAPER-2", "buy", "9", "ESZ6"))[0] == 1  # above 5 a order: blocked
    code, out, _ = await og(url, "decisions")
    assert code == 0 and "PAPER-1" in out and "PAPER-2" in out
    code, out, _ = await og(url, "decisions", "--outcome", "block")
    assert "BLOCK positions[max_contracts_per_order]" in out and "PAPER-1" not in out
    code, out, _ = await og(url, "decisions", "--account", "PAPER-1", "--json")
    entries = json.loads(out)["decisions"]
    assert [e["account"] for e in entries] == ["PAPER-1"]
    # the runtime's clock stands at 2026-11-23 10:00 New York
    code, out, _ = await og(url, "decisions", "--since", "2026-11-23T09:59:00-05:00")
    assert "PAPER-1" in out and "PAPER-2" in out
    code, out, _ = await og(url, "decisions", "--since", "2026-11-23T10:01:00-05:00")
    assert (code, out.strip()) == (0, "no decisions")


async def test_events_follows_the_stream_and_prints_a_decision(url: str, rt: Runtime) -> None:
    tail = await asyncio.create_subprocess_exec(
        ORDERGATE,
        "events",
        "--type",
        "decision",
        "--count",
        "1",
        *at(url),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    for _ in range(600):  # until the command has subscribed
        if rt.core.bus.subscribers:
            break
        await asyncio.sleep(0.01)
    assert rt.core.bus.subscribers, "the events verb never subscribed"
    assert (await og(url, "order", "PAPER-1", "buy", "1", "ESZ6"))[0] == 0
    out, err = await asyncio.wait_for(tail.communicate(), timeout=30)
    assert tail.returncode == 0, err
    assert out.decode().strip() == "decision PAPER-1: buy 1 ESZ6 allowed"


# ---------------------------------------------------------------- account controls


async def test_disable_with_open_positions_asks_for_the_flag_not_a_json_body(url: str) -> None:
    assert (await og(url, "order", "PAPER-1", "buy", "1", "ESZ6"))[0] == 0
    code, _, err = await og(url, "disable", "PAPER-1")
    assert code == 1 and "Add --confirm to disable anyway" in one_line(err) and '{"confirm"' not in err
    code, out, _ = await og(url, "disable", "PAPER-1", "--confirm")
    assert code == 0 and "disabled" in out
    code, out, _ = await og(url, "order", "PAPER-1", "buy", "1", "ESZ6")
    assert code == 1 and "account_disabled" in out
    code, out, _ = await og(url, "enable", "PAPER-1")
    assert code == 0 and "disabled" not in out
    code, out, _ = await og(url, "resume", "PAPER-1")
    assert code == 0 and "PAPER-1" in out


async def test_account_rename_show_and_remove(url: str) -> None:
    code, out, _ = await og(url, "account", "rename", "PAPER-2", "spare")
    assert (code, out.strip()) == (0, "PAPER-2: nickname spare")
    code, out, _ = await og(url, "account", "show", "PAPER-2", "--json")
    assert json.loads(out)["nickname"] == "spare"
    code, out, _ = await og(url, "account", "remove", "PAPER-2")
    assert (code, out.strip()) == (0, "removed PAPER-2")
    code, _, err = await og(url, "account", "show", "PAPER-2")
    assert code == 1 and "PAPER-2" in one_line(err)


async def test_copy_groups_are_created_listed_and_deleted(url: str) -> None:
    code, out, err = await og(
        url, "copy-group", "create", "mirror", "--leader", "PAPER-1", "--follower", "PAPER-2:2"
    )
    assert (code, out.strip()) == (0, "created mirror: PAPER-1 -> PAPER-2 x2"), err
    code, out, _ = await og(url, "copy-group", "list")
    assert out.strip() == "mirror: PAPER-1 -> PAPER-2 x2"
    code, out, _ = await og(url, "copy-group", "delete", "mirror")
    assert code == 0 and out.startswith("deleted mirror")
    code, out, _ = await og(url, "copy-group", "list")
    assert out.strip() == "no copy groups"


# ---------------------------------------------------------------- paper and connections


async def test_quote_sets_the_price_the_next_order_fills_at(url: str) -> None:
    code, out, err = await og(url, "quote", "ES", "--bid", "6100", "--ask", "6100.25", "--last", "6100")
    assert (code, out.strip()) == (0, "ES: bid 6100  ask 6100.25  last 6100"), err
    code, out, _ = await og(url, "order", "PAPER-1", "buy", "1", "ESZ6")
    assert "filled (1 @ 6100.25)" in out
    code, _, err = await og(url, "quote", "ES", "--bid", "6101", "--ask", "6100")
    assert code == 1 and "(HTTP 422)" in one_line(err)


async def test_connection_show_set_and_the_broker_list(url: str) -> None:
    code, out, _ = await og(url, "connection", "show", "Paper")
    assert code == 0 and out.startswith("Paper (paper): connected") and "execution broker_native" in out
    code, out, _ = await og(url, "connection", "set", "Paper", "--execution", "managed")
    assert code == 0 and out.startswith("Paper: execution managed")
    code, _, err = await og(url, "connection", "set", "Paper")
    assert code == 2 and "--execution and/or --mode" in err
    code, out, _ = await og(url, "brokers")
    assert code == 0 and "paper" in out and "rithmic" in out
    code, out, _ = await og(url, "paper-feed", "Paper", "cut")
    assert (code, out.strip()) == (0, "Paper: link cut")


async def test_connection_delete_without_confirm_asks_for_the_flag_not_a_json_body(url: str) -> None:
    code, out, err = await og(url, "connection", "add", "paper", "--name", "Spare", "--paper-account", "X-1")
    assert code == 0, err
    code, _, err = await og(url, "connection", "delete", "Spare")
    assert code == 1
    assert one_line(err) == (
        "ordergate connection delete: confirm: deleting Spare removes it and all its accounts; add --confirm (HTTP 400)"
    )
    code, out, _ = await og(url, "connection", "delete", "Spare", "--confirm")
    assert code == 0 and out.startswith("deleted Spare")


@pytest.mark.parametrize(
    "verb",
    [
        ("orders",),
        ("orders", "--all"),
        ("decisions",),
        ("copy-group", "list"),
        ("brokers",),
        ("connection", "show", "Paper"),
        ("account", "show", "PAPER-1"),
        ("enable", "PAPER-1"),
        ("resume", "PAPER-1"),
        ("quote", "ES", "--last", "6000"),
    ],
    ids=" ".join,
)
async def test_every_operator_verb_prints_json_with_the_flag(url: str, verb: tuple[str, ...]) -> None:
    code, out, err = await og(url, *verb, "--json")
    assert code == 0, err
    assert isinstance(json.loads(out), dict)


# ---------------------------------------------------------------- finding the runtime


async def test_the_token_comes_from_a_token_file_and_the_url_from_the_environment(
    url: str, tmp_path: Path
) -> None:
    (tmp_path / "tok").write_text(TOKEN + "\n")
    r = await ordergate(
        "accounts",
        "--token-file",
        str(tmp_path / "tok"),
        env={**NO_TOKEN_ENV, "ORDERGATE_URL": url},
        cwd=tmp_path,
    )
    assert r.returncode == 0 and "PAPER-1" in r.stdout, r.stderr


async def test_the_url_and_token_come_from_the_state_directory(url: str, tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    (state / "url").write_text(url + "\n")
    (state / "token").write_text(TOKEN + "\n")
    r = await ordergate("accounts", "--state-dir", str(state), env=NO_TOKEN_ENV, cwd=tmp_path)
    assert r.returncode == 0 and "PAPER-1" in r.stdout, r.stderr


async def test_a_missing_token_says_every_place_it_was_looked_for(url: str, tmp_path: Path) -> None:
    r = await ordergate("accounts", "--url", url, env=NO_TOKEN_ENV, cwd=tmp_path)
    line = one_line(r.stderr)
    assert r.returncode == 1
    assert (
        f"none was found (looked in --token, --token-file, ORDERGATE_TOKEN, {tmp_path / '.ordergate' / 'token'})"
        in line
    )


async def test_a_refused_token_says_where_it_came_from(url: str, tmp_path: Path) -> None:
    (tmp_path / "tok").write_text("wrong\n")
    r = await ordergate("accounts", "--url", url, "--token-file", str(tmp_path / "tok"), env=NO_TOKEN_ENV)
    assert r.returncode == 1 and f"it came from --token-file {tmp_path / 'tok'}" in one_line(r.stderr)
