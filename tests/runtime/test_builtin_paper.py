"""A built-in paper account on a real broker's connection (issue 13 item 7, as TradersPost's
broker settings have it): ``paper_account: {id, balance}`` beside ``live_account``. Over
real HTTP against the Tradovate adapter and its simulator on loopback: the paper account
is filled at the simulator's own quotes by the paper matching, its P&L moves with them,
its positions and locks are its own and survive a restart, and a webhook switched from
paper to live trades the broker's live account, the decision log saying which."""

from __future__ import annotations

import textwrap
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from ordergate.policy import check_bundle
from ordergate.policy.diagnostics import render_text
from ordergate.policy.models import ConnectionConfig
from ordergate.runtime.brokers.base import SimLogin, SimulatorHandle
from ordergate.runtime.brokers.exchange import Exchange
from ordergate.runtime.brokers.simulate import harness
from ordergate.runtime.service import Runtime
from tests.contracts_now import front_symbol

from .test_webhook_settings import served
from .webhook_helpers import HOOK, position, until

pytestmark = pytest.mark.anyio
FAST = {"stale_after": 60.0, "backoff_base": 0.01, "backoff_cap": 0.05, "connect_timeout": 5.0}
SECRET = "s3cret-Pa55word!"
# the broker simulator runs on the real clock, the runtime on MONDAY_10: a contract that
# trades now, its year in four digits so that both clocks read the same year
MNQ_NOW = front_symbol("MNQ", digits=4)
BUY = {"ticker": MNQ_NOW, "action": "buy", "quantity": 1}


@pytest.fixture
async def market() -> AsyncIterator[tuple[SimulatorHandle, Exchange]]:
    """The Tradovate simulator on loopback, over an exchange whose quotes move only when the
    test moves them; the broker's own accounts are SIM-1 (live) and SIM-2."""
    exchange = Exchange()
    for ident in ("SIM-1", "SIM-2"):
        exchange.open_account(ident, 50_000)
    exchange.set_quote("MNQ", 21000.0, 21000.25, 21000.0)
    found = harness("tradovate")
    assert found is not None
    sim = await found.serve(exchange, SimLogin("trader", SECRET, SECRET), 0)
    yield sim, exchange
    await sim.stop()


def tradovate(endpoint: str) -> ConnectionConfig:
    return ConnectionConfig.model_validate(
        {
            "name": "Tradovate",
            "broker": "tradovate",
            "endpoint": endpoint,
            "credentials": {"username": "trader", "password": SECRET},
            "accounts": [{"id": "SIM-1"}],
            "live_account": "SIM-1",
            "paper_account": {"id": "TV-PAPER", "balance": 25000},
        }
    )


async def started(make_runtime: Callable[..., Runtime], endpoint: str, mode: str = "paper") -> Runtime:
    hook = {"name": "tv", "secret": "s3cr3t-hook", "account": "Tradovate", "mode": mode}
    rt = make_runtime(connections=[tradovate(endpoint)], webhooks=[hook])
    rt.connections.supervisor_options = FAST
    await rt.start(background=False)
    broker = rt.core.brokers["Tradovate"]
    await until(lambda: "MNQ" in broker.quotes)  # the simulator's quote, streamed after the login
    return rt


def pnl(rt: Runtime, account: str) -> float:
    return float(rt.account_view(account)["pnl"]["unrealized"])


async def test_a_built_in_paper_account_fills_at_the_brokers_quotes_and_its_pnl_follows_them(
    make_runtime: Callable[..., Runtime], market: tuple[SimulatorHandle, Exchange]
) -> None:
    sim, exchange = market
    rt = await started(make_runtime, sim.endpoint)
    try:
        async with served(rt) as c:
            accounts = {a["id"]: a for a in (await c.get("/v1/accounts")).json()["accounts"]}
            assert {k: (a["connection"], a["broker"], a["balance"]) for k, a in accounts.items()} == {
                "SIM-1": ("Tradovate", "tradovate", 50000.0),
                "TV-PAPER": ("Tradovate", "paper", 25000.0),
            }
            view = (await c.get("/v1/connections/Tradovate")).json()
            assert view["status"] == "connected" and view["accounts"] == ["SIM-1", "TV-PAPER"]

            paper = await c.post(HOOK, json={**BUY, "id": "p-1"})
            assert paper.status_code == 201, paper.text
            assert (paper.json()["account"], paper.json()["mode"]) == ("TV-PAPER", "paper")
            await until(lambda: position(rt, account="TV-PAPER") == 1)
            held = rt.core.accounts["TV-PAPER"].holdings["MNQ"]
            assert held.avg_price == 21000.25  # the broker's ask: the paper matching at its touch
            assert exchange.positions("SIM-1") == {}  # nothing reached the broker

            exchange.set_quote("MNQ", 21010.0, 21010.25, 21010.0)  # the real market moves
            await until(lambda: pnl(rt, "TV-PAPER") == (21010.0 - 21000.25) * 2)
            exchange.set_quote("MNQ", 20990.0, 20990.25, 20990.0)
            await until(lambda: pnl(rt, "TV-PAPER") == (20990.0 - 21000.25) * 2)
            assert pnl(rt, "SIM-1") == 0

            # a resting paper order fills when the broker's quote touches it
            limit = await c.post(
                "/v1/orders",
                json={"account": "TV-PAPER", "symbol": MNQ_NOW, "side": "sell", "qty": 1,
                      "type": "limit", "price": 21005.0},
            )  # fmt: skip
            assert limit.status_code == 201, limit.text
            assert position(rt, account="TV-PAPER") == 1
            exchange.set_quote("MNQ", 21005.0, 21005.25, 21005.0)
            await until(lambda: position(rt, account="TV-PAPER") == 0)
            realized = rt.account_view("TV-PAPER")["pnl"]["daily_realized"]
            assert realized == (21005.0 - 21000.25) * 2

            # its locks are its own
            assert (
                await c.post("/v1/accounts/TV-PAPER/lock", json={"duration": "manual"})
            ).status_code == 200
            blocked = await c.post(HOOK, json={**BUY, "id": "p-2"})
            assert blocked.status_code == 403 and blocked.json()["account"] == "TV-PAPER"
            assert rt.account_view("SIM-1")["locked"] is None
    finally:
        await rt.stop()


async def test_a_webhook_switched_from_the_built_in_paper_account_to_live_trades_the_brokers_account(
    make_runtime: Callable[..., Runtime], market: tuple[SimulatorHandle, Exchange]
) -> None:
    sim, exchange = market
    rt = await started(make_runtime, sim.endpoint)
    try:
        async with served(rt) as c:
            assert (await c.post(HOOK, json={**BUY, "id": "s-1"})).json()["account"] == "TV-PAPER"
            await until(lambda: position(rt, account="TV-PAPER") == 1)
            switched = await c.patch("/v1/webhooks/tv", json={"mode": "live"})
            assert switched.json()["trades"] == [{"account": "SIM-1", "mode": "live"}]
            live = await c.post(HOOK, json={**BUY, "id": "s-2"})
            assert live.status_code == 201, live.text
            assert (live.json()["account"], live.json()["mode"]) == ("SIM-1", "live")
            await until(lambda: position(rt, account="SIM-1") == 1)
            await until(lambda: exchange.positions("SIM-1").get("MNQ", (0, 0.0))[0] == 1)
            assert position(rt, account="TV-PAPER") == 1  # the paper position is its own
            log = (await c.get("/v1/decisions")).json()["decisions"]
            assert [(e["account"], e["order"]["mode"], e["order"]["webhook"]) for e in log] == [
                ("SIM-1", "live", "tv"),
                ("TV-PAPER", "paper", "tv"),
            ]
    finally:
        await rt.stop()


async def test_a_built_in_paper_position_survives_a_restart_and_keeps_following_the_quotes(
    make_runtime: Callable[..., Runtime], market: tuple[SimulatorHandle, Exchange]
) -> None:
    sim, exchange = market
    rt = await started(make_runtime, sim.endpoint)
    async with served(rt) as c:
        assert (await c.post(HOOK, json=BUY)).status_code == 201
    await until(lambda: position(rt, account="TV-PAPER") == 1)
    await rt.stop()

    rt = await started(make_runtime, sim.endpoint)
    try:
        assert position(rt, account="TV-PAPER") == 1
        assert rt.core.brokers["Tradovate"].positions("TV-PAPER") == {"MNQ": (1, 21000.25)}
        assert rt.account_view("TV-PAPER")["automation_paused"] is False  # no divergence seen
        exchange.set_quote("MNQ", 21020.0, 21020.25, 21020.0)
        await until(lambda: pnl(rt, "TV-PAPER") == (21020.0 - 21000.25) * 2)
        async with served(rt) as c:
            exit_ = await c.post(HOOK, json={"ticker": MNQ_NOW, "action": "exit"})
            assert exit_.status_code == 201, exit_.text
        await until(lambda: position(rt, account="TV-PAPER") == 0)
    finally:
        await rt.stop()


def diagnostics(tmp_path: Path, connection: str) -> str:
    path = tmp_path / "runtime.yaml"
    (tmp_path / "rules").mkdir(exist_ok=True)
    path.write_text(
        textwrap.dedent(
            """\
            apiVersion: ordergate/v1
            kind: Runtime
            metadata: {name: desk}
            spec:
              rules: ./rules
              connections:
            """
        )
        + textwrap.indent(textwrap.dedent(connection), "    ")
    )
    _, found = check_bundle([str(path)])
    return render_text(found)


@pytest.mark.parametrize(
    ("connection", "expected"),
    [
        (
            """\
            - name: Tradovate
              broker: tradovate
              endpoint: http://127.0.0.1:9000
              credentials: {username: "${env:U}", password: "${env:P}"}
              paper_account: {id: TV-PAPER, balanse: 50000}
            """,
            ["runtime.yaml:11:37: error[unknown-field]", "did you mean 'balance'?"],
        ),
        (
            """\
            - name: Tradovate
              broker: tradovate
              endpoint: http://127.0.0.1:9000
              credentials: {username: "${env:U}", password: "${env:P}"}
              paper_account: {id: TV-PAPER, balance: -5}
            """,
            ["runtime.yaml:11:46: error[range]", "paper_account.balance must be at least 0"],
        ),
        (
            """\
            - name: Tradovate
              broker: tradovate
              endpoint: http://127.0.0.1:9000
              credentials: {username: "${env:U}", password: "${env:P}"}
              accounts: [{id: SIM-1}]
              paper_account: {id: SIM-1}
            """,
            ["runtime.yaml:12:27: error[duplicate-name]", "account SIM-1 is configured twice"],
        ),
        (
            """\
            - name: Paper
              broker: paper
              accounts: [{id: PAPER-1}]
              paper_account: {id: PAPER-2}
            """,
            [
                "runtime.yaml:10:22: error[not-for-broker]",
                "hint: name one of its accounts: paper_account: PAPER-1",
            ],
        ),
    ],
)
def test_a_built_in_paper_account_is_validated_with_file_line_and_column(
    tmp_path: Path, connection: str, expected: list[str]
) -> None:
    text = diagnostics(tmp_path, connection)
    for part in expected:
        assert part in text, text


def test_a_connection_names_its_paper_account_by_id_either_way() -> None:
    by_id: dict[str, Any] = {"name": "T", "broker": "tradovate", "paper_account": "DEMO-1"}
    assert ConnectionConfig.model_validate(by_id).paper_account_id == "DEMO-1"
    assert ConnectionConfig.model_validate(by_id).builtin_paper is None
    built_in = ConnectionConfig.model_validate({**by_id, "paper_account": {"id": "T-PAPER"}})
    assert built_in.paper_account_id == "T-PAPER" and built_in.builtin_paper is not None
    assert built_in.builtin_paper.balance == 50_000


async def test_a_bracket_on_the_built_in_paper_account_rests_in_its_own_paper_market(
    make_runtime: Callable[..., Runtime], market: tuple[SimulatorHandle, Exchange]
) -> None:
    """The paper side holds brackets itself at the broker's quotes; the broker sees nothing."""
    sim, exchange = market
    rt = await started(make_runtime, sim.endpoint)
    try:
        async with served(rt) as c:
            alert = {**BUY, "takeProfit": {"amount": 10}, "stopLoss": {"amount": 5}}
            r = await c.post(HOOK, json=alert)
            assert r.status_code == 201 and r.json()["account"] == "TV-PAPER", r.text
        paper = rt.core.brokers["Tradovate"].paper.exchange  # type: ignore[attr-defined]
        await until(lambda: len(paper.open_orders("TV-PAPER")) == 2)
        levels = {(o.type, o.price, o.stop_price) for o in paper.open_orders("TV-PAPER")}
        assert levels == {("limit", 21010.25, None), ("stop", None, 20995.25)}  # from the fill at 21000.25
        assert exchange.open_orders("SIM-1") == [] and exchange.positions("SIM-1") == {}
        exchange.set_quote("MNQ", 20995.0, 20995.25, 20995.0)  # the broker's market hits the stop
        await until(lambda: position(rt, account="TV-PAPER") == 0)
        assert paper.open_orders("TV-PAPER") == []  # the target went with it: one-cancels-other
    finally:
        await rt.stop()
