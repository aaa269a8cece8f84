"""Repairing numbers that are not numbers: a start-up pass over the state store.

Earlier builds could store a balance, a high-water mark, a P&L or a price of
``inf``, ``-inf`` or ``nan`` (SQLite keeps the infinities as REAL and turns NaN into
NULL; a hand edit can leave text such as ``'NaN'``). One such value poisons every
figure computed from it: an infinite high-water mark puts the trailing-drawdown
threshold out of reach forever, an infinite balance hides every loss. Nothing
non-finite is stored any more, but a store that already holds one is repaired when
the runtime starts, before anything is computed from it.

Each repaired value gets the safest value the store itself can justify:

- a high-water mark (``peak_equity``, ``eod_peak``) restarts at the balance, which is
  the account's equity as far as the store knows (positions are marked only once
  quotes arrive; the intraday mark rises from there on its own);
- a balance is rebuilt from the ledger it came from: the starting balance plus every
  realized P&L booked since (and a starting balance from the balance);
- a fill's realized P&L cannot be rebuilt (the entry it closed against is gone), so it
  counts as 0, and an entry price is taken from the account's last finite fill of
  that contract (else any account's); both are estimates, so the account is locked
  (``store_repair``: entries blocked, exits pass) until a person has checked it and
  unlocks it. With no number to start from at all, the value is 0 and the account
  locked likewise; a position with no finite price anywhere is removed from the book
  (the broker's reconcile brings back what it really holds) and the account locked.

All repairs happen in one transaction; each is reported, for a warning in the log
and an event on the stream.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the store calls in here; importing it at run time would be a cycle
    from ordergate.runtime.store import SqliteStore, Store

LOCK_REASON = "store_repair"


@dataclass(frozen=True, slots=True)
class Repair:
    account: str
    field: str  # e.g. "peak_equity", "positions.ES.avg_price", "fills.17.realized"
    was: str  # repr of what was stored: 'inf', 'nan', "'NaN'"
    now: float | None  # None: the row was removed
    locked: bool  # the account was locked until a person checks it

    @property
    def message(self) -> str:
        value = "removed" if self.now is None else f"set to {self.now:g}"
        lock = "; the account is locked until someone checks it and unlocks it" if self.locked else ""
        return f"{self.account}: {self.field} held {self.was}, {value}{lock}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "account": self.account,
            "field": self.field,
            "was": self.was,
            "now": self.now,
            "locked": self.locked,
            "message": self.message,
        }


def finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def shown(value: Any) -> str:
    return repr(value) if isinstance(value, str) else str(value)


class _Pass:
    """One repair pass inside the caller's transaction."""

    def __init__(self, store: SqliteStore) -> None:
        self.db = store._db
        self.repairs: list[Repair] = []
        self.to_lock: set[str] = set()

    def note(self, account: str, field: str, was: Any, now: float | None, lock: bool = False) -> None:
        self.repairs.append(Repair(account, field, shown(was), now, lock))
        if lock:
            self.to_lock.add(account)

    def fills(self) -> None:
        rows = self.db.execute("SELECT id, account, root, price, realized FROM fills").fetchall()
        for row in rows:
            if not finite(row["realized"]):
                self.db.execute("UPDATE fills SET realized = 0.0 WHERE id = ?", (row["id"],))
                self.note(row["account"], f"fills.{row['id']}.realized", row["realized"], 0.0, lock=True)
            if not finite(row["price"]):
                price = self.last_price(row["account"], row["root"])
                # history only (realized P&L is booked already): the estimate needs no lock
                self.db.execute("UPDATE fills SET price = ? WHERE id = ?", (price or 0.0, row["id"]))
                self.note(row["account"], f"fills.{row['id']}.price", row["price"], price or 0.0)

    def last_price(self, account: str | None, root: str) -> float | None:
        where, params = ("account = ? AND root = ?", (account, root)) if account else ("root = ?", (root,))
        for row in self.db.execute(
            f"SELECT price FROM fills WHERE {where} ORDER BY ts DESC, id DESC", params
        ).fetchall():
            if finite(row["price"]) and row["price"] > 0:
                return float(row["price"])
        return None

    def positions(self) -> None:
        rows = self.db.execute("SELECT account, root, qty, avg_price FROM positions").fetchall()
        for row in rows:
            if finite(row["avg_price"]):
                continue
            account, root, field = row["account"], row["root"], f"positions.{row['root']}.avg_price"
            price = self.last_price(account, root) or self.last_price(None, root)
            if price is None:
                self.db.execute("DELETE FROM positions WHERE account = ? AND root = ?", (account, root))
                self.note(account, f"positions.{root} ({row['qty']:+d})", row["avg_price"], None, lock=True)
            else:
                self.db.execute(
                    "UPDATE positions SET avg_price = ? WHERE account = ? AND root = ?",
                    (price, account, root),
                )
                self.note(account, field, row["avg_price"], price, lock=True)

    def accounts(self) -> None:
        rows = self.db.execute(
            "SELECT id, balance, start_balance, peak_equity, eod_peak FROM accounts"
        ).fetchall()
        for row in rows:
            account, balance, start = row["id"], row["balance"], row["start_balance"]
            if not finite(start):
                start = float(balance) if finite(balance) else 0.0
                self.set(account, "start_balance", row["start_balance"], start, lock=not finite(balance))
            if not finite(balance):
                realized = self.db.execute(
                    "SELECT COALESCE(SUM(realized), 0) FROM fills WHERE account = ?", (account,)
                ).fetchone()[0]
                balance = start + float(realized)
                self.set(account, "balance", row["balance"], balance)
            for mark in ("peak_equity", "eod_peak"):
                # NULL is a mark not set yet (the runtime starts it), not a broken one
                if row[mark] is not None and not finite(row[mark]):
                    self.set(account, mark, row[mark], float(balance))

    def set(self, account: str, field: str, was: Any, now: float, lock: bool = False) -> None:
        self.db.execute(f"UPDATE accounts SET {field} = ? WHERE id = ?", (now, account))
        self.note(account, field, was, now, lock)


def repair_non_finite(store: Store, now: str) -> list[Repair]:
    """Repair every non-finite number in ``store``; lock the accounts whose figures are
    now estimates (unless a lock is there already). Returns what was done."""
    from ordergate.runtime.store import LockRow, SqliteStore

    if not isinstance(store, SqliteStore):
        # a PostgreSQL store is written by this build only, or filled by migrate-store,
        # which runs this repair on the SQLite source before it copies
        return []

    with store.transaction():
        work = _Pass(store)
        work.fills()  # first: balances are rebuilt from the realized P&L
        work.positions()
        work.accounts()
        locked = {row.account for row in store.locks()}
        for account in sorted(work.to_lock - locked):
            store.set_lock(LockRow(account, None, False, LOCK_REASON, "manual", now))
    return work.repairs
