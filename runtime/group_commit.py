"""Group commit: the orders decided in one turn of the event loop share one transaction.

Theory of operation. An allowed order must be in the store (its audit entry, its row
``submitted`` and its idempotency record) before its broker sees it and before it is
answered (DESIGN 8, "committed before an action is acknowledged"). A commit costs far
more than the statements in it (the WAL frames of every page touched and the file
locks, once per transaction), so orders that are decided together commit together:

1. A member hands in its writes as a function and waits (``commit``). Nothing is
   written yet, and nothing the order changes in memory is visible yet: the gateway
   makes an order's effects visible (the live order book, the event stream, the log,
   the metrics) only once ``commit`` has returned.
2. A group is worth waiting for only if another order can still join it: a request
   that has arrived but whose handler has not started yet (``arrive`` counts them as
   the server creates their tasks, ``start`` as the tasks begin; runtime/server.py).
   With none on its way, a member commits at once, alone, and pays no extra turn of
   the loop. With one on its way, the first member of the group schedules the flush
   with ``call_soon``, and every order whose handler runs in the same turn joins the
   group before it runs: requests that arrived together are committed together.
   Requests on their way may all be for accounts whose orders are being decided
   already (one busy account: each of its orders waits for the one before, under the
   account's lock), and then nobody ever joins: after ``SOLO_GROUPS`` groups in a row
   of one member each, orders commit at once again, but for one in ``PROBE_EVERY``,
   which waits to find out whether others would join now.
3. The flush runs every member's writes in one ``store.transaction()``, in the order
   they were handed in, and commits once. It runs in one callback, so no other code
   can write between the group's statements and find its own work swept into it.
4. Then every member is woken. If any statement or the commit failed, the store rolled
   the whole transaction back and every member's ``commit`` raises ``StoreError``
   saying how many orders went down with it: none was recorded, so none may be sent or
   shown, and each one's caller answers 503 (runtime/api.py). A member whose task is
   cancelled before the flush leaves the group and writes nothing.

Orders of one account are decided one at a time under the account's lock, which is
held until the order's broker has answered (runtime/gateway.py); a group therefore
holds at most one order per account, and an order never decides on a position that an
uncommitted order of its group would change. What a group shares is the cost of the
commit, across accounts.

Writes other than orders' (fills, locks, breaches) keep their own transactions: they
run synchronously, before or after a flush, never inside one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from ordergate.runtime.errors import StoreError
from ordergate.runtime.store import Store

__all__ = ["GroupCommit"]

log = logging.getLogger("ordergate.group_commit")

Writes = Callable[[], None]
SOLO_GROUPS = 8  # groups in a row that nobody joined: waiting has stopped paying
PROBE_EVERY = 16  # while it does not pay, one order in this many waits all the same


class GroupCommit:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._pending: list[tuple[Writes, asyncio.Future[None]]] = []
        self.arriving = 0  # requests whose handlers have not started yet
        self.groups = 0  # groups committed or failed, for the benchmark's figures
        self.members = 0  # their members
        self.waited = 0  # members that waited a turn of the loop for their group
        self._solo = 0  # groups in a row that had one member
        self._unprobed = 0  # orders committed at once since the last probe

    def arrive(self) -> None:
        """A request has arrived; its handler will start in a later turn of the loop."""
        self.arriving += 1

    def start(self) -> None:
        """A request's handler has started: whatever it commits, it commits from now on."""
        self.arriving = max(0, self.arriving - 1)

    async def commit(self, writes: Writes) -> None:
        """Run ``writes`` in the transaction of the current group and return once it has
        committed; raises ``StoreError`` when the group's commit failed."""
        if not self._pending and not self._worth_waiting():
            self._commit([writes])  # nobody is likely to join: no turn of the loop to wait
            return
        self.waited += 1
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        member = (writes, done)
        if not self._pending:
            loop.call_soon(self._flush)
        self._pending.append(member)
        try:
            await done
        except asyncio.CancelledError:
            if member in self._pending:  # not flushed yet: leave the group, write nothing
                self._pending.remove(member)
            raise

    def _worth_waiting(self) -> bool:
        if not self.arriving:
            return False
        if self._solo < SOLO_GROUPS:
            return True
        self._unprobed += 1
        if self._unprobed < PROBE_EVERY:
            return False
        self._unprobed = 0
        return True

    def _flush(self) -> None:
        # a member cancelled since it joined has its future done already: it writes nothing
        group = [member for member in self._pending if not member[1].done()]
        self._pending = []
        if not group:
            return
        self._solo = self._solo + 1 if len(group) == 1 else 0
        try:
            self._commit([writes for writes, _ in group])
        except StoreError as exc:
            for _, done in group:
                if not done.done():
                    done.set_exception(StoreError(str(exc)))
            return
        for _, done in group:
            if not done.done():
                done.set_result(None)

    def _commit(self, group: list[Writes]) -> None:
        """One transaction for ``group``; StoreError, saying what it means for each
        member, when any write or the commit failed (the store has rolled it back)."""
        self.groups += 1
        self.members += len(group)
        try:
            with self.store.transaction():
                for writes in group:
                    writes()
        except Exception as exc:  # every member fails alike: the transaction is rolled back
            detail = str(exc) if isinstance(exc, StoreError) else f"{type(exc).__name__}: {exc}"
            others = len(group) - 1
            log.error("group commit of %d orders failed: %s", len(group), detail)
            raise StoreError(
                f"{detail}; the order was not recorded and not sent"
                + (f" (nor were the {others} orders committed with it)" if others else "")
            ) from None
