"""Fills that join a group commit (runtime/group_commit.py ``defer``, runtime/ledger.py
``book_reported_fill``): fills reported together share a commit; nothing shows a fill
before its commit; the reports of its account wait for it and are replayed in order; a
write made meanwhile lands after it; a failed group tells its fills and still replays."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ordergate.policy.orders import Order
from ordergate.runtime.brokers.paper import PaperBroker
from ordergate.runtime.group_commit import GroupCommit
from ordergate.runtime.service import Runtime
from ordergate.runtime.store import SqliteStore
from tests.runtime.conftest import paper, quote

ACCOUNTS = [f"ACC-{i}" for i in range(1, 9)]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    opened = SqliteStore(tmp_path / "state.db")
    yield opened
    opened.close()


@pytest.fixture
async def trading(make_runtime: Callable[..., Runtime]) -> AsyncIterator[Runtime]:
    """A runtime with the paper accounts ACC-1..8 and a quote for ES."""
    runtime = make_runtime(connections=[paper([{"id": a, "balance": 50000} for a in ACCOUNTS])])
    await runtime.start(background=False)
    try:
        await quote(runtime, "ES", 6000)
        yield runtime
    finally:
        await runtime.stop()


def audit(store: SqliteStore, account: str) -> Callable[[], None]:
    """A write that leaves a row we can find, in the order rows were written (audit ids)."""

    def write() -> None:
        store.append_decision("2026-11-23T10:00:00-05:00", account, "api", {"outcome": "allow"}, {})

    return write


def written(store: SqliteStore) -> list[str]:
    return [d["account"] for d in reversed(store.decisions(None, 100))]


async def grouping(group: GroupCommit, store: SqliteStore) -> None:
    """Two orders committed together, as orders sent together are: fills may now join."""
    group.arrive()
    group.arrive()

    async def member(account: str) -> None:
        group.start()
        await group.commit(audit(store, account))

    await asyncio.gather(member("ORDER-1"), member("ORDER-2"))


@pytest.mark.anyio
async def test_fills_reported_together_share_one_commit_and_are_told_after_it(store: SqliteStore) -> None:
    group = GroupCommit(store)
    assert not group.defer("A", audit(store, "A"), lambda ok: None)  # nobody would join: at once
    await grouping(group, store)
    told: list[tuple[str, bool, list[str]]] = []
    for account in ("A", "B", "C"):
        taken = group.defer(
            account,
            audit(store, f"FILL-{account}"),
            lambda ok, a=account: told.append((a, ok, written(store))),
        )
        assert taken and group.holds(account)
    assert told == [] and "FILL-A" not in written(store)  # nothing written, nothing told yet
    await asyncio.sleep(0)  # the turn of the loop in which the group is flushed
    assert (group.fill_groups, group.fills) == (1, 3)
    everything = ["ORDER-1", "ORDER-2", "FILL-A", "FILL-B", "FILL-C"]
    assert told == [(a, True, everything) for a in ("A", "B", "C")]  # told once all are committed
    assert not any(group.holds(a) for a in ("A", "B", "C"))


@pytest.mark.anyio
async def test_reports_of_a_held_account_wait_for_its_fill_and_are_replayed_in_order(
    store: SqliteStore,
) -> None:
    group = GroupCommit(store)
    await grouping(group, store)
    seen: list[str] = []
    assert group.defer("A", audit(store, "FILL-A"), lambda ok: seen.append("fill applied"))
    group.later("A", lambda: seen.append("order update"))
    group.later("A", lambda: seen.append("position report"))
    assert seen == []
    await asyncio.sleep(0)
    assert seen == ["fill applied", "order update", "position report"]
    assert not group.holds("A")


@pytest.mark.anyio
async def test_a_replayed_report_that_defers_another_fill_holds_the_rest_behind_it(
    store: SqliteStore,
) -> None:
    group = GroupCommit(store)
    await grouping(group, store)
    seen: list[str] = []

    def second_fill() -> None:
        seen.append("second fill reported")
        assert group.defer("A", audit(store, "FILL-A2"), lambda ok: seen.append("second fill applied"))

    assert group.defer("A", audit(store, "FILL-A1"), lambda ok: seen.append("first fill applied"))
    assert group.defer("B", audit(store, "FILL-B1"), lambda ok: None)  # fills still come in twos
    group.later("A", second_fill)
    group.later("A", lambda: seen.append("order update"))
    await asyncio.sleep(0)
    assert seen == ["first fill applied", "second fill reported"]  # the update waits again
    assert group.holds("A")
    await asyncio.sleep(0)
    assert seen == ["first fill applied", "second fill reported", "second fill applied", "order update"]
    assert written(store)[-3:] == ["FILL-A1", "FILL-B1", "FILL-A2"]


@pytest.mark.anyio
async def test_a_write_made_while_a_fill_waits_lands_after_it(store: SqliteStore) -> None:
    group = GroupCommit(store)
    store.before_write = group.settle  # as the gateway sets it
    await grouping(group, store)
    told: list[bool] = []
    assert group.defer("A", audit(store, "FILL-A"), told.append)
    store.append_decision("2026-11-23T10:00:01-05:00", "LATER", "api", {"outcome": "allow"}, {})
    assert told == [True] and not group.holds("A")  # committed and told before the write
    assert written(store)[-2:] == ["FILL-A", "LATER"]
    await asyncio.sleep(0)  # the flush scheduled for the fill finds nothing left to do
    assert (group.fill_groups, group.fills) == (1, 1)


@pytest.mark.anyio
async def test_a_failed_group_tells_its_fills_writes_none_of_them_and_still_replays(
    store: SqliteStore, tmp_path: Path
) -> None:
    group = GroupCommit(store)
    await grouping(group, store)
    db = sqlite3.connect(tmp_path / "state.db")
    db.execute(
        "CREATE TRIGGER refuse_b BEFORE INSERT ON decisions WHEN NEW.account = 'FILL-B'"
        " BEGIN SELECT RAISE(ABORT, 'refused by the test trigger'); END"
    )
    db.commit()
    db.close()
    told: list[tuple[str, bool]] = []
    replayed: list[str] = []
    for account in ("A", "B"):
        group.defer(account, audit(store, f"FILL-{account}"), lambda ok, a=account: told.append((a, ok)))
    group.later("A", lambda: replayed.append("A"))
    await asyncio.sleep(0)
    assert told == [("A", False), ("B", False)]
    assert replayed == ["A"] and not group.holds("A") and not group.holds("B")
    assert written(store) == ["ORDER-1", "ORDER-2"]  # neither fill, though only B's write failed


@pytest.mark.anyio
async def test_orders_sent_together_have_their_fills_committed_together_and_booked_once(
    trading: Runtime,
) -> None:
    runtime = trading
    commits = runtime.gateway.commits
    assert commits is runtime.core.commits
    # at every flush that carries a fill: what memory and the event stream show then
    shown_at_flush: list[tuple[dict[str, int], int]] = []
    flush = commits._flush
    inside = False

    def watched_flush() -> None:
        nonlocal inside
        if not inside and any(m.after is not None for m in commits._pending):
            inside = True
            try:
                held = {a: runtime.core.accounts[a].holdings.get("ES") for a in ACCOUNTS}
                fills = sum(e.type == "fill" for e in runtime.core.bus.recent)
                shown_at_flush.append(({a: h.qty if h else 0 for a, h in held.items()}, fills))
                # the paper broker has reported its positions already, the book not
                # yet: a sync now must not take that for a position gone
                for a in ACCOUNTS:
                    runtime.monitor.sync(runtime.core.accounts[a])
            finally:
                inside = False
        flush()

    commits._flush = watched_flush  # type: ignore[method-assign]
    answers: list[tuple[int, dict[str, Any]]] = []
    for side in ("buy", "buy", "sell"):
        for _ in ACCOUNTS:
            commits.arrive()  # requests that arrived together, as the server counts them

        async def send(account: str, side: str = side) -> tuple[int, dict[str, Any]]:
            commits.start()
            return await runtime.gateway.submit({"account": account, "symbol": "ES", "side": side, "qty": 1})

        answers += await asyncio.gather(*(send(a) for a in ACCOUNTS))
    assert [status for status, _ in answers] == [201] * len(answers)
    assert not any(runtime.core.accounts[a].automation_paused for a in ACCOUNTS)
    assert {answer["order"]["status"] for _, answer in answers} == {"filled"}
    assert commits.fills > 0, "no fill joined a group: the test proves nothing"
    # before a group with fills commits, memory shows none of them: the book after the
    # first round of buys shows no position until the flush that carries their fills
    assert shown_at_flush and shown_at_flush[0] == ({a: 0 for a in ACCOUNTS}, 0)
    # every fill booked once, in the store as in memory
    store = runtime.core.store
    for a in ACCOUNTS:
        assert runtime.core.accounts[a].holdings["ES"].qty == 1
        assert store.positions(a) == {"ES": (1, runtime.core.accounts[a].holdings["ES"].avg_price)}
    assert sum(e.type == "fill" for e in runtime.core.bus.recent) == len(answers)
    # two buys and a sell at a spread of 0.25: a realized loss, in memory as in the store
    assert {a: s.balance for a, s in runtime.core.accounts.items()} == {
        r.id: r.balance for r in store.accounts()
    }
    assert all(runtime.core.accounts[a].balance < 50000 for a in ACCOUNTS)
    history = store.order_history(None, 100)
    assert len(history) == len(answers) and {o["status"] for o in history} == {"filled"}


@pytest.mark.anyio
async def test_an_order_decided_while_a_fill_of_its_account_waits_is_decided_on_the_book_with_it(
    trading: Runtime,
) -> None:
    runtime = trading
    status, answer = await runtime.gateway.submit(
        {"account": "ACC-1", "symbol": "ES", "side": "buy", "qty": 1, "type": "limit", "price": 5990}
    )
    assert status == 201 and answer["order"]["status"] == "working"
    commits = runtime.gateway.commits
    commits._last_size = 2  # as after a group of orders: the next fill reported is deferred
    # the resting buy fills at 5990, reported and deferred within this call; the API's
    # quote would then settle the monitor, and any turn of the loop that takes may flush
    paper_broker = next(b for b in runtime.core.brokers.values() if isinstance(b, PaperBroker))
    paper_broker.set_quote("ES", 5990, 5990, 5990)
    assert commits.holds("ACC-1"), "the fill was booked at once: the test proves nothing"
    state = runtime.core.accounts["ACC-1"]
    assert "ES" not in state.holdings  # not in the book before its commit
    order = Order.from_dict({"symbol": "ES", "side": "sell", "qty": 1, "account": "ACC-1"})
    decision = runtime.gateway.decide(state, order, runtime.core.now())
    assert not commits.holds("ACC-1") and state.holdings["ES"].qty == 1
    assert decision.exit  # selling the contract it now holds is an exit


@pytest.mark.anyio
async def test_an_order_waiting_for_its_held_fill_wakes_once_it_is_applied_with_no_timer(
    store: SqliteStore,
) -> None:
    group = GroupCommit(store)
    await asyncio.wait_for(group.applied("A"), 0.01)  # not held: at once
    await grouping(group, store)
    seen: list[str] = []
    assert group.defer("A", audit(store, "FILL-A"), lambda ok: seen.append("fill applied"))
    loop = asyncio.get_running_loop()
    timers_before = len(getattr(loop, "_scheduled", ()))
    steps = group.applied("A").__await__()  # the answer's wait, its first step run by hand
    waiting_on = steps.send(None)
    assert isinstance(waiting_on, asyncio.Future) and not waiting_on.done()
    assert len(getattr(loop, "_scheduled", ())) == timers_before  # no timer armed for it
    await asyncio.sleep(0)  # the flush: the fill is applied, then the answer is woken
    assert waiting_on.done() and seen == ["fill applied"]
    with pytest.raises(StopIteration):
        steps.send(None)
