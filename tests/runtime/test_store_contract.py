"""Every store engine behaves the same through the Store interface: SQLite on a real
file and PostgreSQL on a real server (skipped without ``ORDERGATE_TEST_PG``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ordergate.runtime.store import AccountRow, FillRow, LockRow, Store, StoreError, open_store
from tests.runtime.cluster_helpers import pg_url  # noqa: F401  (a fixture)

Opener = Callable[[], Store]


@pytest.fixture(params=["sqlite", "postgresql"])
def opener(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Opener]:
    """Opens the engine's store anew each call (the same file or schema each time)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'state.db'}"
    else:
        url = request.getfixturevalue("pg_url")
    opened: list[Store] = []

    def open_one() -> Store:
        opened.append(open_store(url))
        return opened[-1]

    yield open_one
    for store in opened:
        store.close()


@pytest.fixture
def store(opener: Opener) -> Store:
    return opener()


def fill(
    fill_id: str | None, *, realized: float = 0.0, day: str = "2026-11-23", entry: bool = True
) -> FillRow:
    return FillRow("A1", "og-1", 1.0, "ES", "buy", 1, 6000.25, realized, entry, day, "2026-11-23", fill_id)


def test_accounts_are_kept_updated_moved_and_deleted(store: Store) -> None:
    store.upsert_account(AccountRow.opened("B2", "paper", "second", 25_000.0))
    store.upsert_account(AccountRow.opened("A1", "paper", None, 50_000.0))
    store.update_account("A1", balance=49_500.5, enabled=False, day="2026-11-23")
    store.move_account("B2", "other")
    rows = {r.id: r for r in store.accounts()}
    assert [r.id for r in store.accounts()] == ["A1", "B2"]
    assert rows["A1"].balance == 49_500.5 and rows["A1"].enabled is False and rows["A1"].day == "2026-11-23"
    assert rows["A1"].start_balance == 50_000.0 and rows["B2"].connection == "other"
    store.upsert_account(AccountRow.opened("A1", "paper", "renamed", 1.0))  # keeps the figures
    assert store.accounts()[0].nickname == "renamed" and store.accounts()[0].balance == 49_500.5
    store.set_position("A1", "ES", 2, 6000.0)
    store.set_lock(LockRow("A1", None, False, "manual", "manual", "t"))
    store.delete_account("A1")
    assert [r.id for r in store.accounts()] == ["B2"]
    assert store.positions("A1") == {} and store.locks() == []


def test_an_unknown_account_field_is_refused(store: Store) -> None:
    with pytest.raises(StoreError, match="unknown account fields"):
        store.update_account("A1", colour="red")


def test_positions_are_set_replaced_and_removed_at_zero(store: Store) -> None:
    store.set_position("A1", "ES", 2, 6000.25)
    store.set_position("A1", "NQ", -1, 21000.0)
    store.set_position("A1", "ES", 3, 6001.0)
    assert store.positions("A1") == {"ES": (3, 6001.0), "NQ": (-1, 21000.0)}
    store.set_position("A1", "NQ", 0, 0.0)
    assert store.positions("A1") == {"ES": (3, 6001.0)} and store.positions("B2") == {}


def test_a_fill_id_is_booked_once_and_fills_without_one_are_all_kept(store: Store) -> None:
    assert store.add_fill(fill("F-1", realized=-50.0)) is True
    assert store.add_fill(fill("F-1", realized=-50.0)) is False
    assert store.add_fill(fill(None, realized=20.0, entry=False)) is True
    assert store.add_fill(fill(None, realized=5.0, day="2026-11-24")) is True
    assert store.realized_since("A1", "2026-11-23", "2026-11-23") == (-30.0, -25.0, 1, 2)
    assert store.last_fill_ts("A1") == 1.0 and store.last_fill_ts("B2") is None


def test_locks_and_breaches_come_back_as_written(store: Store) -> None:
    lock = LockRow("A1", "2026-11-23T16:00:00-05:00", True, "daily_loss_limit", "breach", "t0", "t1")
    store.set_lock(lock)
    assert store.locks() == [lock]
    store.set_lock(LockRow("A1", None, False, "manual", "manual", "t2"))
    assert store.locks() == [LockRow("A1", None, False, "manual", "manual", "t2", None)]
    store.clear_lock("A1")
    assert store.locks() == []
    for n in range(3):
        store.add_breach("A1" if n != 1 else "B2", f"t{n}", "daily_loss_limit", "lock", f"m{n}", "2026-11-23")
    assert [b["message"] for b in store.breaches()] == ["m2", "m1", "m0"]
    assert [b["message"] for b in store.breaches("A1", limit=1)] == ["m2"]


def test_orders_are_saved_updated_listed_open_and_paged_newest_first(store: Store) -> None:
    created = ["t0", "t1", "t1", "t2"]  # a tie in created_at is broken by id
    for n, status in enumerate(["working", "filled", "held", "cancelled"]):
        store.save_order(f"og-{n}", "A1", {"id": f"og-{n}", "n": n}, status, status == "held", created[n])
    store.save_order("og-0", "A1", {"id": "og-0", "n": 0, "seen": True}, "partially_filled", False, "ignored")
    assert store.order("og-0") == {"id": "og-0", "n": 0, "seen": True}
    assert store.order("og-9") is None
    assert [o["id"] for o in store.open_orders()] == ["og-0", "og-2"]
    assert [o["id"] for o in store.open_orders(managed=True)] == ["og-2"]
    assert store.open_orders(account="B2") == []
    first = store.order_history(limit=3)
    assert [(o["id"], o["created_at"]) for o in first] == [("og-3", "t2"), ("og-2", "t1"), ("og-1", "t1")]
    rest = store.order_history(limit=3, before=("t1", "og-1"))
    assert [o["id"] for o in rest] == ["og-0"]


def test_open_orders_are_those_the_broker_has_not_finished(store: Store) -> None:
    statuses = (
        "submitted",
        "working",
        "partially_filled",
        "unconfirmed",
        "held",
        "filled",
        "cancelled",
        "rejected",
    )
    for n, status in enumerate(statuses):
        store.save_order(f"o{n}", "A1", {"id": f"o{n}", "status": status}, status, status == "held", f"t{n}")
    assert [o["status"] for o in store.open_orders("A1")] == list(statuses[:5])
    assert store.order("o5") == {"id": "o5", "status": "filled"}


def test_the_first_idempotent_answer_stays(store: Store) -> None:
    assert store.idempotent_get("A1", "k", "2026-11-23") is None
    store.idempotent_put("A1", "k", "2026-11-23", 201, {"order": "og-1"})
    store.idempotent_put("A1", "k", "2026-11-23", 409, {"order": "og-2"})
    assert store.idempotent_get("A1", "k", "2026-11-23") == (201, {"order": "og-1"})
    assert store.idempotent_get("A1", "k", "2026-11-24") is None  # a key is per day


def test_the_audit_log_numbers_entries_pages_them_and_keeps_inputs(store: Store) -> None:
    decision = {
        "outcome": "deny",
        "stage": "limits",
        "code": "max_position_size",
        "policy": "p",
        "bundle": "b",
    }
    ids = [
        store.append_decision(
            f"t{n}", "A1" if n % 2 else "B2", "api", decision, {"qty": n}, {"n": n} if n else None
        )
        for n in range(4)
    ]
    assert ids == sorted(ids) and len(set(ids)) == 4
    newest = store.decisions(None, 2)
    assert [d["id"] for d in newest] == [ids[3], ids[2]] and newest[0]["order"] == {"qty": 3}
    assert [d["id"] for d in store.decisions("A1", 10)] == [ids[3], ids[1]]
    assert [d["id"] for d in store.decisions(None, 10, before=ids[2])] == [ids[1], ids[0]]
    replay = store.decisions_with_inputs(ids[0], 2)
    assert [(d["id"], d["inputs"]) for d in replay] == [(ids[1], {"n": 1}), (ids[2], {"n": 2})]
    assert store.decisions_with_inputs(0, 1)[0]["inputs"] is None


def test_secrets_copy_groups_webhook_settings_and_connections_round_trip(store: Store) -> None:
    store.put_secret("conn:x", "k1", b"\x00nonce", b"\xffcipher")
    store.put_secret("conn:x", "k2", b"n2", b"c2")
    assert store.get_secret("conn:x") == ("k2", b"n2", b"c2")
    assert store.all_secrets() == [("conn:x", "k2", b"n2", b"c2")]
    store.delete_secret("conn:x")
    assert store.get_secret("conn:x") is None
    store.save_copy_group("g", "A1", [{"account": "B2", "ratio": 1}])
    assert store.copy_groups() == [
        {"name": "g", "leader": "A1", "followers": [{"account": "B2", "ratio": 1}]}
    ]
    store.delete_copy_group("g")
    assert store.copy_groups() == []
    store.save_webhook_settings("tv", {"enabled": False}, "t0")
    assert store.webhook_settings() == {"tv": {"enabled": False}}
    store.set_connection_status("paper", "paper", "connected", None, "t0")
    store.save_connection("api", "projectx", {"url": "http://127.0.0.1:1"}, "t0")
    store.set_connection_status("api", "projectx", "connected", "ok", "t1")
    assert store.saved_connections() == [("api", {"url": "http://127.0.0.1:1"})]
    store.delete_connection("api")
    assert store.saved_connections() == []


def test_signals_are_listed_newest_first_and_settled_once(store: Store) -> None:
    store.add_signal("s1", "tv", "a1", {"side": "buy"}, "t0", "t9")
    store.add_signal("s0", "tv", None, {"side": "sell"}, "t1", "t9")
    assert [s["id"] for s in store.signals()] == ["s0", "s1"]  # newest first, whatever the ids
    assert store.signal_by_alert("tv", "a1") == store.signal("s1")
    assert store.settle_signal("s1", "approved", "t2") is True
    assert store.settle_signal("s1", "rejected", "t3") is False
    store.signal_result("s1", {"status": 201})
    settled = store.signal("s1")
    assert settled is not None and settled["status"] == "approved" and settled["result"] == {"status": 201}
    assert [s["id"] for s in store.signals("pending")] == ["s0"]
    assert store.signal("nope") is None


def test_a_transaction_commits_at_its_outermost_block(opener: Opener) -> None:
    store, other = opener(), opener()
    with store.transaction():
        store.add_breach("A1", "t0", "c", "lock", "outer", "d")
        with store.transaction():
            store.add_breach("A1", "t1", "c", "lock", "inner", "d")
        assert other.breaches() == []  # nothing is visible before the outermost commit
    assert [b["message"] for b in other.breaches()] == ["inner", "outer"]


def test_an_error_rolls_back_the_whole_transaction_and_the_store_goes_on(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction():
        store.set_position("A1", "ES", 1, 6000.0)
        with store.transaction():
            store.idempotent_put("A1", "k", "d", 201, {})
        raise RuntimeError("the broker refused")
    assert store.positions("A1") == {} and store.idempotent_get("A1", "k", "d") is None
    store.set_position("A1", "ES", 1, 6000.0)
    assert store.positions("A1") == {"ES": (1, 6000.0)}


def test_what_was_committed_is_there_after_reopening(opener: Opener) -> None:
    first = opener()
    first.upsert_account(AccountRow.opened("A1", "paper", None, 50_000.0))
    first.save_order("og-1", "A1", {"id": "og-1"}, "working", False, "t0")
    first.close()
    again = opener()
    assert [r.id for r in again.accounts()] == ["A1"] and again.order("og-1") == {"id": "og-1"}


def test_a_closed_store_refuses_in_a_sentence(opener: Opener) -> None:
    store = opener()
    store.close()
    with pytest.raises(StoreError, match="closed"):
        store.positions("A1")
