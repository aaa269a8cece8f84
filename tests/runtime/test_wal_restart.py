"""The WAL is started over under a steady flow of orders, with no checkpoint inside a commit.

SQLite starts its WAL over only when a writer begins with every frame copied back, and
with commits landing all the time the checkpointer never caught up: the WAL grew to the
writer's safety net, whose checkpoint ran inside a commit, on the event loop. Now the
checkpointer (runtime/store/sqlite.py) asks the group commit (runtime/group_commit.py)
to hold the commits back while it catches up whole (``pause``, ``resume``). These tests
hold each side to its half, then the two together in a runtime taking orders."""

from __future__ import annotations

import asyncio
import itertools
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from ordergate.runtime.group_commit import MAX_HOLD_SECONDS, GroupCommit
from ordergate.runtime.service import Runtime
from ordergate.runtime.store import SqliteStore
from ordergate.runtime.store import sqlite as sqlite_store
from tests.contracts_now import front_symbol
from tests.runtime.conftest import paper, quote
from tests.runtime.test_group_commit import served


def wal_restarts(path: Path) -> int:
    """The WAL header's checkpoint sequence number: a writer adds one each time it starts
    the WAL over."""
    with open(path.with_name(path.name + "-wal"), "rb") as wal:
        return int.from_bytes(wal.read(16)[12:16], "big")


class Pauser:
    """The writer's half, for a writer on a thread: ``pause`` takes the gate its writes go
    through (so it returns once no write is under way) and grants, or never grants."""

    def __init__(self, grant: bool = True) -> None:
        self.grant = grant
        self.gate = threading.Lock()
        self.paused = 0
        self.resumed = 0

    def pause(self, granted: Callable[[], None]) -> None:
        self.paused += 1
        if self.grant:
            self.gate.acquire()
            granted()

    def resume(self) -> None:
        self.resumed += 1
        if self.grant:
            self.gate.release()


@pytest.fixture
def often(monkeypatch: pytest.MonkeyPatch) -> None:
    # a short WAL is long enough, and the checkpointer looks every 10 ms
    monkeypatch.setattr(sqlite_store, "RESTART_FRAMES", 40)
    monkeypatch.setattr(sqlite_store, "CHECKPOINT_SECONDS", 0.01)


@pytest.fixture
def store(tmp_path: Path, often: None) -> Iterator[SqliteStore]:
    opened = SqliteStore(tmp_path / "state.db")
    yield opened
    opened.close()


def write_until(store: SqliteStore, gate: threading.Lock, done: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 5
    n = 0
    while not done() and time.monotonic() < deadline:
        with gate:
            store.add_breach("A1", f"t{n}", "daily_loss_limit", "lock", "m" * 200, "2026-12-04")
        n += 1
    assert done(), "the condition never came true"


def test_a_long_wal_is_caught_up_whole_with_the_writer_paused_and_the_next_commit_starts_it_over(
    store: SqliteStore,
) -> None:
    pauser = Pauser()
    store.write_pause = pauser
    store.add_breach("A1", "first", "daily_loss_limit", "lock", "m", "2026-12-04")
    restarts = wal_restarts(store.path)
    write_until(store, pauser.gate, lambda: store._checkpointer.caught_up >= 1)
    store._checkpointer.stop()  # its last pause, if one is under way, ends first
    assert pauser.paused >= 1 and pauser.resumed == pauser.paused
    store.add_breach("A1", "after", "daily_loss_limit", "lock", "m", "2026-12-04")
    assert wal_restarts(store.path) > restarts


def test_the_database_file_is_synced_before_the_commits_are_held_back_not_while_they_are(
    store: SqliteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The passes before a catch-up copy pages into the database file without syncing it;
    # synced inside the hold, they made most of it. Each pause must come after a sync.
    database = store.path.stat().st_ino
    synced: list[int] = []
    real = os.fdatasync

    def recording(fd: int) -> None:
        synced.append(os.fstat(fd).st_ino)
        real(fd)

    monkeypatch.setattr(os, "fdatasync", recording)
    syncs_at_pause: list[int] = []

    class Recording(Pauser):
        def pause(self, granted: Callable[[], None]) -> None:
            syncs_at_pause.append(synced.count(database))
            super().pause(granted)

    pauser = Recording()
    store.write_pause = pauser
    write_until(store, pauser.gate, lambda: len(syncs_at_pause) >= 3)
    store._checkpointer.stop()
    assert syncs_at_pause[0] >= 1
    assert all(later > earlier for earlier, later in itertools.pairwise(syncs_at_pause))


def test_a_pass_after_the_sync_copies_what_came_during_it_so_the_held_pass_copies_less(
    store: SqliteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The sync before a hold takes milliseconds, and the commits of those milliseconds
    # were left for the held pass to copy. A pass between the sync and the hold copies
    # them, beside the running commits: every pause follows a sync and then a pass.
    database = store.path.stat().st_ino
    steps: list[str] = []
    real_sync, real_pass = os.fdatasync, sqlite_store.Checkpointer._pass

    def syncing(fd: int) -> None:
        if os.fstat(fd).st_ino == database:
            steps.append("sync")
        real_sync(fd)

    def passing(db: Any) -> tuple[int, int, int]:
        # the method is patched on the class: a checkpointer some other test left running
        # passes through here too, and its passes are not this store's
        if threading.current_thread() is store._checkpointer._thread:
            steps.append("pass")
        return real_pass(db)

    monkeypatch.setattr(os, "fdatasync", syncing)
    monkeypatch.setattr(sqlite_store.Checkpointer, "_pass", staticmethod(passing))

    class Recording(Pauser):
        def pause(self, granted: Callable[[], None]) -> None:
            steps.append("pause")
            super().pause(granted)

    pauser = Recording()
    store.write_pause = pauser
    write_until(store, pauser.gate, lambda: steps.count("pause") >= 3)
    store._checkpointer.stop()
    before_pauses = [steps[i - 2 : i] for i, step in enumerate(steps) if step == "pause"]
    assert before_pauses and all(before == ["sync", "pass"] for before in before_pauses)


@pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="a thread has a priority of its own on Linux only"
)
def test_the_passes_run_below_the_openers_priority_and_the_held_pass_at_it(store: SqliteStore) -> None:
    # Woken every 100 ms, the checkpointer took the core from the event loop for the
    # milliseconds of a pass; now it steps back. The held pass, which the orders wait
    # for, keeps the priority of the thread that opened the store.
    def nice_of(thread: int) -> int:
        return os.getpriority(os.PRIO_PROCESS, thread)

    opener = nice_of(threading.get_native_id())
    at_pause: list[int] = []

    class Recording(Pauser):
        def pause(self, granted: Callable[[], None]) -> None:
            at_pause.append(nice_of(threading.get_native_id()))
            super().pause(granted)

    pauser = Recording()
    store.write_pause = pauser
    checkpointer = store._checkpointer._thread.native_id
    assert checkpointer is not None
    write_until(store, pauser.gate, lambda: len(at_pause) >= 2)
    assert nice_of(checkpointer) == min(19, opener + sqlite_store.BACKGROUND_NICE)
    store._checkpointer.stop()
    assert at_pause and set(at_pause) == {opener}


def test_a_checkpointer_whose_held_pass_thread_is_gone_ends_quietly_and_writes_go_on(
    store: SqliteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As the interpreter exits, its executors take no more work: a catch-up due then must
    # end the checkpointer's thread without a traceback, and the writer's own checkpoints
    # remain.
    failures: list[BaseException | None] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: failures.append(args.exc_value))
    checkpointer = store._checkpointer
    checkpointer._held.shutdown()
    pauser = Pauser()
    store.write_pause = pauser
    write_until(store, pauser.gate, lambda: not checkpointer._thread.is_alive())
    assert failures == [] and pauser.paused == 0
    store.add_breach("A1", "after", "daily_loss_limit", "lock", "m", "2026-12-04")
    assert store.breaches(None, 1)[0]["time"] == "after"  # the newest, and written


def test_a_writer_that_does_not_pause_in_time_is_let_go_and_the_checkpoints_go_on(
    store: SqliteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_store, "PAUSE_GRANTED_SECONDS", 0.01)
    pauser = Pauser(grant=False)
    store.write_pause = pauser
    write_until(store, threading.Lock(), lambda: pauser.paused >= 2)
    store._checkpointer.stop()
    assert pauser.resumed == pauser.paused  # asked, never granted, always let go
    assert store._checkpointer.caught_up == 0
    assert len(store.breaches(None, 10_000)) >= sqlite_store.RESTART_FRAMES // 10  # every write landed


# ---- the group commit's half


def decision(store: SqliteStore, account: str) -> Callable[[], None]:
    def write() -> None:
        store.append_decision("2026-12-04T10:00:00-05:00", account, "api", {"outcome": "allow"}, {})

    return write


async def pause_from_a_thread(group: GroupCommit) -> None:
    """``pause`` as the checkpointer calls it, from its own thread; until granted."""
    granted = threading.Event()
    await asyncio.to_thread(group.pause, granted.set)
    assert await asyncio.to_thread(granted.wait, 1)


@pytest.mark.anyio
async def test_held_commits_wait_and_commit_together_once_the_store_resumes(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "state.db")
    try:
        group = GroupCommit(store)
        assert store.write_pause is group
        await group.commit(decision(store, "BEFORE"))  # the loop it holds back is this one
        await pause_from_a_thread(group)
        waiting = [asyncio.create_task(group.commit(decision(store, f"A{i}"))) for i in range(3)]
        await asyncio.sleep(MAX_HOLD_SECONDS / 4)
        assert not any(t.done() for t in waiting)
        assert [d["account"] for d in store.decisions(None, 10)] == ["BEFORE"]  # nothing written yet
        groups = group.groups
        await asyncio.to_thread(group.resume)
        await asyncio.gather(*waiting)
        assert group.groups == groups + 1 and group.held_back == 1  # one commit for the three
        assert sorted(d["account"] for d in store.decisions(None, 10)) == ["A0", "A1", "A2", "BEFORE"]
    finally:
        store.close()


@pytest.mark.anyio
async def test_a_store_that_never_resumes_holds_the_commits_back_no_longer_than_the_limit(
    tmp_path: Path,
) -> None:
    store = SqliteStore(tmp_path / "state.db")
    try:
        group = GroupCommit(store)
        await group.commit(decision(store, "BEFORE"))
        await pause_from_a_thread(group)
        t0 = time.monotonic()
        await asyncio.wait_for(group.commit(decision(store, "HELD")), 1)
        assert MAX_HOLD_SECONDS * 0.9 <= time.monotonic() - t0 < MAX_HOLD_SECONDS + 0.5
        await asyncio.to_thread(group.resume)  # too late: it changes nothing
        await group.commit(decision(store, "AFTER"))
        assert [d["account"] for d in store.decisions(None, 10)] == ["AFTER", "HELD", "BEFORE"]
    finally:
        store.close()


@pytest.mark.anyio
async def test_a_write_made_while_held_still_lands_after_the_held_ones(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "state.db")
    try:
        group = GroupCommit(store)
        store.before_write = group.settle
        await group.commit(decision(store, "BEFORE"))
        await pause_from_a_thread(group)
        held = asyncio.create_task(group.commit(decision(store, "HELD")))
        await asyncio.sleep(0)  # it joins the group, which is held
        assert [d["account"] for d in store.decisions(None, 10)] == ["BEFORE"]
        store.add_breach("A1", "t", "daily_loss_limit", "lock", "m", "2026-12-04")
        # the breach's write settled the held group first, there and then, not at the
        # end of the hold: order of writes over the restart
        assert [d["account"] for d in store.decisions(None, 10)] == ["HELD", "BEFORE"]
        assert [b["time"] for b in store.breaches(None, 10)] == ["t"]
        await held
        await asyncio.to_thread(group.resume)
    finally:
        store.close()


def test_a_group_commit_that_never_ran_on_a_loop_grants_at_once(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "state.db")
    try:
        group = GroupCommit(store)
        granted = threading.Event()
        group.pause(granted.set)
        assert granted.is_set()
        group.resume()
    finally:
        store.close()


# ---- both halves, in a runtime taking orders over HTTP


@pytest.mark.anyio
async def test_a_runtime_taking_orders_starts_its_wal_over_with_its_commits_held_and_loses_none(
    make_runtime: Callable[..., Runtime], often: None
) -> None:
    accounts = [f"ACC-{i}" for i in range(1, 9)]
    runtime = make_runtime(connections=[paper([{"id": a, "balance": 50000} for a in accounts])])
    await runtime.start(background=False)
    store = runtime.core.store
    assert isinstance(store, SqliteStore) and store.write_pause is runtime.gateway.commits
    symbol = front_symbol("ES")
    try:
        await quote(runtime, "ES", 6000)
        restarts = wal_restarts(store.path)
        sent: list[httpx.Response] = []
        async with served(runtime) as c:
            deadline = time.monotonic() + 20
            while wal_restarts(store.path) < restarts + 2 and time.monotonic() < deadline:
                side = "buy" if len(sent) // len(accounts) % 2 == 0 else "sell"
                wave = [{"account": a, "symbol": symbol, "side": side, "qty": 1} for a in accounts]
                sent += await asyncio.gather(*(c.post("/v1/orders", json=b) for b in wave))
        assert wal_restarts(store.path) >= restarts + 2
        assert store._checkpointer.caught_up >= 1 and runtime.gateway.commits.held_back >= 1
        assert {r.status_code for r in sent} == {201}
        ids = {r.json()["order"]["id"] for r in sent}
        stored = store.order_history(None, 100_000)
        assert {o["id"] for o in stored} == ids and {o["status"] for o in stored} == {"filled"}
        assert len(store.decisions(None, 100_000)) == len(sent)
    finally:
        await runtime.stop()
