"""Group commit (runtime/group_commit.py): orders decided together commit together, a
failed commit fails every order of its group and leaves no trace of them, and a crash
in the middle of a stream of orders loses none that was answered."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sqlite3
import textwrap
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from ordergate.runtime.errors import StoreError
from ordergate.runtime.group_commit import PROBE_EVERY, SOLO_GROUPS, GroupCommit
from ordergate.runtime.server import api_config
from ordergate.runtime.service import Runtime
from ordergate.runtime.store import SqliteStore
from tests.contracts_now import front_symbol
from tests.runtime import test_e2e
from tests.runtime.conftest import TOKEN, paper, quote, serving
from tests.runtime.test_e2e import Proc, free_port

ACCOUNTS = [f"ACC-{i}" for i in range(1, 9)]


def refuse_decisions_of(db_path: Path, account: str) -> None:
    """A real failure inside the store: from a second connection, a trigger that makes
    SQLite abort any audit entry of ``account`` (and with it the transaction it is in)."""
    db = sqlite3.connect(db_path)
    db.execute(
        f"CREATE TRIGGER refuse_{account.replace('-', '_')} BEFORE INSERT ON decisions "
        f"WHEN NEW.account = '{account}' BEGIN SELECT RAISE(ABORT, 'refused by the test trigger'); END"
    )
    db.commit()
    db.close()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    opened = SqliteStore(tmp_path / "state.db")
    yield opened
    opened.close()


async def member(group: GroupCommit, writes: Callable[[], None]) -> None:
    """An order's handler as the server runs it: started, then committing."""
    group.start()
    await group.commit(writes)


def decision_writer(store: SqliteStore, account: str) -> Callable[[], None]:
    def write() -> None:
        store.append_decision(
            "2026-11-23T10:00:00-05:00", account, "api", {"outcome": "allow"}, {"symbol": "ESZ6"}
        )

    return write


@pytest.mark.anyio
async def test_writes_handed_in_the_same_turn_commit_once_and_all_land(store: SqliteStore) -> None:
    group = GroupCommit(store)
    for _ in ACCOUNTS:
        group.arrive()  # requests arrived together, their handlers not started yet
    await asyncio.gather(*(member(group, decision_writer(store, a)) for a in ACCOUNTS))
    await group.commit(decision_writer(store, "LATER"))
    assert (group.groups, group.members) == (2, len(ACCOUNTS) + 1)
    written = [d["account"] for d in store.decisions(None, 100)]
    assert sorted(written) == sorted([*ACCOUNTS, "LATER"])


@pytest.mark.anyio
async def test_one_failing_write_fails_its_whole_group_and_writes_nothing_of_it(
    store: SqliteStore, tmp_path: Path
) -> None:
    refuse_decisions_of(tmp_path / "state.db", "ACC-3")
    group = GroupCommit(store)
    for _ in ACCOUNTS:
        group.arrive()
    results = await asyncio.gather(
        *(member(group, decision_writer(store, a)) for a in ACCOUNTS), return_exceptions=True
    )
    assert all(isinstance(r, StoreError) for r in results)
    message = str(results[0])
    assert "refused by the test trigger" in message
    assert f"not recorded and not sent (nor were the {len(ACCOUNTS) - 1} orders committed with it)" in message
    assert store.decisions(None, 100) == []
    # the next group is a transaction of its own, and commits
    await group.commit(decision_writer(store, "ACC-1"))
    assert [d["account"] for d in store.decisions(None, 100)] == ["ACC-1"]


@pytest.mark.anyio
async def test_a_member_cancelled_before_the_flush_leaves_the_group_and_writes_nothing(
    store: SqliteStore,
) -> None:
    group = GroupCommit(store)
    group.arrive()
    group.arrive()
    kept = asyncio.ensure_future(member(group, decision_writer(store, "ACC-1")))
    dropped = asyncio.ensure_future(member(group, decision_writer(store, "ACC-2")))
    await asyncio.sleep(0)  # both have joined; the flush is due next turn
    dropped.cancel()
    await kept
    with pytest.raises(asyncio.CancelledError):
        await dropped
    assert [d["account"] for d in store.decisions(None, 100)] == ["ACC-1"]


@pytest.mark.anyio
async def test_with_no_request_on_its_way_an_order_commits_at_once_without_waiting_a_turn(
    store: SqliteStore,
) -> None:
    group = GroupCommit(store)
    committing = group.commit(decision_writer(store, "ACC-1"))
    with pytest.raises(StopIteration):  # done at its first step: it never suspended
        committing.send(None)
    assert [d["account"] for d in store.decisions(None, 100)] == ["ACC-1"]
    # a request on its way makes the next order wait for it
    group.arrive()
    waiting = asyncio.ensure_future(group.commit(decision_writer(store, "ACC-2")))
    await asyncio.sleep(0)
    assert not waiting.done() and len(store.decisions(None, 100)) == 1
    await waiting
    assert len(store.decisions(None, 100)) == 2


@pytest.mark.anyio
async def test_when_nobody_joins_the_groups_orders_commit_at_once_but_for_a_probe_now_and_then(
    store: SqliteStore,
) -> None:
    group = GroupCommit(store)
    group.arrive()  # requests keep arriving, but none of them ever joins (one busy account)
    for _ in range(SOLO_GROUPS + 2 * PROBE_EVERY):
        await group.commit(decision_writer(store, "ACC-1"))
    assert group.waited == SOLO_GROUPS + 2  # a probe after every PROBE_EVERY at once
    assert group.groups == group.members == SOLO_GROUPS + 2 * PROBE_EVERY
    # a probe that another order joins makes every order wait for its group again
    for _ in range(PROBE_EVERY - 1):
        await group.commit(decision_writer(store, "ACC-1"))
    group.arrive()
    group.arrive()
    await asyncio.gather(*(member(group, decision_writer(store, a)) for a in ("ACC-2", "ACC-3")))
    assert group.waited == SOLO_GROUPS + 4  # the probe and the order that joined it
    await group.commit(decision_writer(store, "ACC-1"))
    assert group.waited == SOLO_GROUPS + 5


@contextlib.asynccontextmanager
async def served(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    """The API with the settings ``ordergate run`` serves it with (its protocol tells the
    group commit of each request), on a loopback port."""
    headers = {"Authorization": f"Bearer {TOKEN}"}
    limits = httpx.Limits(max_connections=64)
    async with (
        serving(api_config(runtime, log_level="warning")) as port,
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers=headers, limits=limits) as c,
    ):
        yield c


def many_accounts(make_runtime: Callable[..., Runtime]) -> Runtime:
    return make_runtime(connections=[paper([{"id": a, "balance": 50000} for a in ACCOUNTS])])


def body(account: str, side: str = "buy") -> dict[str, Any]:
    return {"account": account, "symbol": "ESZ6", "side": side, "qty": 1}


@pytest.mark.anyio
async def test_many_orders_at_once_over_http_are_all_answered_and_all_committed(
    make_runtime: Callable[..., Runtime],
) -> None:
    runtime = many_accounts(make_runtime)
    await runtime.start(background=False)
    try:
        await quote(runtime, "ES", 6000)
        async with served(runtime) as c:
            await c.get("/v1/health")  # one connection open
            sent = [body(a, side) for side in ("buy", "sell", "buy") for a in ACCOUNTS]
            answers = await asyncio.gather(*(c.post("/v1/orders", json=b) for b in sent))
        assert [r.status_code for r in answers] == [201] * len(sent)
        ids = {r.json()["order"]["id"] for r in answers}
        assert len(ids) == len(sent)
        stored = runtime.core.store.order_history(None, 1000)
        assert {o["id"] for o in stored} == ids and {o["status"] for o in stored} == {"filled"}
        decided = runtime.core.store.decisions(None, 1000)
        assert len(decided) == len(sent) and {d["decision"]["outcome"] for d in decided} == {"allow"}
        # each account bought twice and sold once
        for a in ACCOUNTS:
            assert runtime.core.accounts[a].holdings["ES"].qty == 1
        commits = runtime.gateway.commits
        assert commits.members == len(sent) and commits.groups <= commits.members
    finally:
        await runtime.stop()


@pytest.mark.anyio
async def test_a_failed_group_commit_answers_503_saying_so_and_leaves_no_trace(
    make_runtime: Callable[..., Runtime], tmp_path: Path
) -> None:
    runtime = many_accounts(make_runtime)
    await runtime.start(background=False)
    try:
        await quote(runtime, "ES", 6000)
        refuse_decisions_of(tmp_path / "state.db", "ACC-1")
        async with served(runtime) as c:
            answers = await asyncio.gather(*(c.post("/v1/orders", json=body(a)) for a in ACCOUNTS))
        streamed = {e.data.get("account") for e in runtime.core.bus.recent}
        by_account = dict(zip(ACCOUNTS, answers, strict=True))
        failed = [a for a, r in by_account.items() if r.status_code == 503]
        assert "ACC-1" in failed
        assert {r.status_code for r in answers} <= {201, 503}
        for a in failed:
            answer = by_account[a].json()
            assert answer["field"] == "store"
            assert "refused by the test trigger" in answer["error"]
            assert "the order was not recorded and not sent" in answer["error"]
            # no trace: not in the store, not in the order book, not filled, not streamed
            assert runtime.core.store.decisions(a, 10) == []
            assert runtime.core.store.order_history(a, 10) == []
            assert runtime.core.orders.live(a) == []
            assert "ES" not in runtime.core.accounts[a].holdings
            assert a not in streamed
        for a in set(ACCOUNTS) - set(failed):
            assert a in streamed
            order = by_account[a].json()["order"]
            assert runtime.core.store.order(order["id"])["status"] == "filled"
            assert runtime.core.accounts[a].holdings["ES"].qty == 1
        # the store works again for the orders that come after
        async with served(runtime) as c:
            again = await c.post("/v1/orders", json=body("ACC-2"))
        assert again.status_code == 201
    finally:
        await runtime.stop()


@pytest.mark.slow
def test_sigkill_in_the_middle_of_a_stream_of_orders_loses_none_that_was_answered(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "desk.yaml").write_text(
        textwrap.dedent("""\
        apiVersion: ordergate/v1
        kind: RiskPolicy
        metadata: {name: desk, version: 1}
        spec:
          accounts: ["*"]
          limits: {daily: {loss: 1000000}}
          positions: {max_contracts_per_order: 5, max_position_size: 10000}
        """)
    )
    port = free_port()
    accounts = ", ".join(f"{{id: {a}, balance: 1000000}}" for a in ACCOUNTS)
    config = tmp_path / "runtime.yaml"
    config.write_text(
        textwrap.dedent(f"""\
        apiVersion: ordergate/v1
        kind: Runtime
        metadata: {{name: crash}}
        spec:
          rules: {rules}
          store: sqlite:///{tmp_path / "state.db"}
          api: {{listen: "127.0.0.1:{port}", tokens: ["${{env:ORDERGATE_TOKEN}}"]}}
          connections:
            - {{name: Paper, broker: paper, feed: manual, accounts: [{accounts}]}}
        """)
    )
    proc = Proc(f"http://127.0.0.1:{port}", tmp_path, config)
    proc.start()
    assert proc.process is not None
    pid = proc.process.pid
    proc.quote("ES", 6000)
    contract = front_symbol()  # the process runs on the real clock: a dated contract that trades now
    total = 400

    async def stream() -> list[str]:
        acknowledged: list[str] = []
        limits = httpx.Limits(max_connections=32)
        headers = {"Authorization": f"Bearer {test_e2e.TOKEN}"}
        async with httpx.AsyncClient(base_url=proc.url, headers=headers, limits=limits, timeout=10) as c:

            async def one(i: int) -> None:
                side = ("buy", "sell")[i // 8 % 2]
                order = {"account": ACCOUNTS[i % len(ACCOUNTS)], "symbol": contract, "side": side, "qty": 1}
                r = await c.post("/v1/orders", json=order)
                assert r.status_code == 201, r.text
                acknowledged.append(r.json()["order"]["id"])
                if len(acknowledged) == 40:
                    os.kill(pid, signal.SIGKILL)  # while the other orders are being decided and committed

            results = await asyncio.gather(*(one(i) for i in range(total)), return_exceptions=True)
            assert all(r is None or isinstance(r, httpx.HTTPError) for r in results), results
        return acknowledged

    try:
        acknowledged = asyncio.run(stream())
    finally:
        if proc.process.poll() is None:
            proc.process.kill()
    proc.process.communicate(timeout=10)
    assert proc.process.returncode == -signal.SIGKILL
    assert 40 <= len(acknowledged) < total
    proc.start()
    try:
        history = proc.call("GET", "/v1/orders?status=all&limit=1000").json()["orders"]
        stored = {o["id"] for o in history}
        assert set(acknowledged) <= stored
        decided = proc.call("GET", "/v1/decisions?limit=10000").json()["decisions"]
        assert len(decided) >= len(stored) >= len(acknowledged)
    finally:
        proc.stop()
