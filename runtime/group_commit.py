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

Fills reported by a broker join a group too, when others are likely to (``defer``):
the orders of a group are sent together, and a paper or simulated broker fills each in
the same turn of the loop, so their fills can share a commit as their decisions did.
A deferred fill is written by the flush and only then applied to memory and told
(the account book, the order's answer, the event stream): nothing shows it before it is
committed. Until then its account is *held*: every later broker report for that account
waits in the account's queue and is replayed, in order, once the flush is over, so no
report is judged against a book that does not yet hold the fill. Whatever must see
the book as the broker has it settles first (``settle``: the flush, now): an order
decided for a held account, the monitor's comparison with the broker's positions. So
does any write that runs synchronously meanwhile (a lock, a breach, a fill booked by
reconciliation; the store calls ``before_write``), so writes land in the order they
were made.

Other writes (locks, breaches, a fill booked by reconciliation or a flatten) keep their
own transactions: they run synchronously, after a flush, never inside one.

The SQLite store asks, from its checkpointer's thread, for the commits to be held back
for a moment (``pause`` and ``resume``: runtime/store/sqlite.py, ``Checkpointer``) while
it copies the rest of its WAL back, so that the next commit starts the WAL over. While
held, orders are decided and join the group as usual, and fills are deferred to it, but
nothing is flushed: the group commits once the store resumes, or after
``MAX_HOLD_SECONDS`` whatever it is doing. A synchronous write meanwhile still settles
first (``settle``): the order of writes matters more than the restart, which waits for
the next time.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

from ordergate.runtime.awaiting import wake
from ordergate.runtime.errors import StoreError
from ordergate.runtime.store import Store

__all__ = ["GroupCommit"]

log = logging.getLogger("ordergate.group_commit")

Writes = Callable[[], None]
After = Callable[[bool], None]  # told whether its writes committed
MAX_HOLD_SECONDS = 0.02  # the longest the store may hold the commits back (``pause``)
SOLO_GROUPS = 8  # groups in a row that nobody joined: waiting has stopped paying
PROBE_EVERY = 16  # while it does not pay, one order in this many waits all the same


@dataclass(slots=True)
class _Member:
    writes: Writes
    done: asyncio.Future[None] | None = None  # an order's handler, waiting
    after: After | None = None  # a deferred fill: what follows its commit
    account: str | None = None  # the account it holds until then


class GroupCommit:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._pending: list[_Member] = []
        self._flush_due = False  # a flush is scheduled on the loop
        self._held: dict[str, list[Callable[[], None]]] = {}  # account -> reports waiting for the flush
        self._last_size = 0  # members of the group flushed last
        self._loop: asyncio.AbstractEventLoop | None = None  # the loop the members wait on
        self.arriving = 0  # requests whose handlers have not started yet
        self.groups = 0  # groups with orders in them, committed or failed, for the benchmark's figures
        self.fill_groups = 0  # groups of fills alone
        self.members = 0  # the orders in them
        self.fills = 0  # the fills in them (``defer``)
        self.waited = 0  # members that waited a turn of the loop for their group
        self._solo = 0  # groups in a row that had one member
        self._unprobed = 0  # orders committed at once since the last probe
        self._holding = False  # the store asked for the commits to be held back (``pause``)
        self._hold_ends: asyncio.TimerHandle | None = None
        self.held_back = 0  # times the commits were held back (``pause``)
        store.write_pause = self

    def arrive(self) -> None:
        """A request has arrived; its handler will start in a later turn of the loop."""
        self.arriving += 1

    def start(self) -> None:
        """A request's handler has started: whatever it commits, it commits from now on."""
        self.arriving = max(0, self.arriving - 1)

    async def commit(self, writes: Writes) -> None:
        """Run ``writes`` in the transaction of the current group and return once it has
        committed; raises ``StoreError`` when the group's commit failed."""
        loop = self._loop = asyncio.get_running_loop()  # the loop a pause holds back
        if not self._pending and not self._holding and not self._worth_waiting():
            self._commit([writes])  # nobody is likely to join: no turn of the loop to wait
            return
        self.waited += 1
        done: asyncio.Future[None] = loop.create_future()
        member = _Member(writes, done)
        self._join(member)
        try:
            await done
        except asyncio.CancelledError:
            if member in self._pending:  # not flushed yet: leave the group, write nothing
                self._pending.remove(member)
            raise

    def defer(self, account: str, writes: Writes, after: After) -> bool:
        """Hand in a broker-reported fill's writes to the group being formed, when other
        members are likely to join it: ``after`` is called once it has committed (True)
        or failed (False), and until then ``account`` is held (``holds``). False, and
        nothing done, when waiting would not pay: the caller books it at once."""
        if not self._pending and not self._holding and self._last_size < 2:
            return False
        self._held.setdefault(account, [])
        self._join(_Member(writes, after=after, account=account))
        return True

    def holds(self, account: str) -> bool:
        """Whether a fill of ``account`` waits for the flush (its reports wait too)."""
        return account in self._held

    def later(self, account: str, report: Callable[[], None]) -> None:
        """Run ``report`` once the account's pending fill is committed and applied."""
        self._held[account].append(report)

    async def applied(self, account: str) -> None:
        """Until ``account`` is no longer held: its waiting fill committed (or failed) and
        the reports behind it replayed. At once when it is not held. No timer: a held
        account's flush is already on the loop's ready queue."""
        if account not in self._held:
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._held[account].append(lambda: wake(waiter))
        await waiter

    def settle(self) -> None:
        """Commit what is pending now, so that a synchronous write lands after it (the
        store's ``before_write``). Only from the loop's own code; a no-op elsewhere (a
        thread of its own writing to the store)."""
        if self._pending and _running_loop() is self._loop:
            self._flush()

    def pause(self, granted: Callable[[], None]) -> None:
        """From the store's thread: hold the commits back; ``granted`` is called from the
        loop. Nothing is held while no loop has committed through this group commit."""
        if not self._call_from_thread(self._hold, granted):
            granted()  # no loop: nothing commits, nothing to hold back

    def resume(self) -> None:
        """From the store's thread: let the held commits go."""
        self._call_from_thread(self._release)

    def _call_from_thread(self, callback: Callable[..., None], *args: object) -> bool:
        loop = self._loop
        if loop is None:
            return False
        try:
            loop.call_soon_threadsafe(callback, *args)
        except RuntimeError:  # the loop is closed: the runtime has stopped
            return False
        return True

    def _hold(self, granted: Callable[[], None]) -> None:
        # on the loop, between two callbacks: no transaction is open, for each one is
        # begun and committed inside a single callback (``_commit``)
        if not self._holding:
            self._holding = True
            self.held_back += 1
            assert self._loop is not None
            self._hold_ends = self._loop.call_later(MAX_HOLD_SECONDS, self._release)
        granted()

    def _release(self) -> None:
        if not self._holding:
            return  # let go already (the hold timed out, or the store resumed twice)
        self._holding = False
        if self._hold_ends is not None:
            self._hold_ends.cancel()
            self._hold_ends = None
        if self._pending and not self._flush_due:
            self._flush_due = True
            assert self._loop is not None
            self._loop.call_soon(self._scheduled_flush)

    def _join(self, member: _Member) -> None:
        self._pending.append(member)
        if not self._flush_due:
            self._flush_due = True
            self._loop = asyncio.get_running_loop()
            self._loop.call_soon(self._scheduled_flush)

    def _scheduled_flush(self) -> None:
        self._flush_due = False
        if not self._holding:  # held: ``_release`` schedules the flush again
            self._flush()

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
        group = [m for m in self._pending if m.done is None or not m.done.done()]
        self._pending = []
        if not group:
            return
        self._last_size = len(group)
        self._solo = self._solo + 1 if len(group) == 1 else 0
        try:
            self._commit([m.writes for m in group], sum(m.done is not None for m in group))
        except StoreError as exc:
            self._settled(group, exc)
            return
        self._settled(group, None)

    def _settled(self, group: list[_Member], failed: StoreError | None) -> None:
        """Wake the orders, apply the fills, then replay what their accounts held back."""
        for m in group:
            if m.done is not None and not m.done.done():
                if failed is None:
                    m.done.set_result(None)
                else:
                    m.done.set_exception(StoreError(str(failed)))
        released: list[str] = []
        for m in group:
            if m.after is not None:
                try:
                    m.after(failed is None)
                except Exception:  # one fill's listeners must not keep the others from memory
                    log.exception("after the commit of a fill of %s", m.account)
            if m.account is not None and m.account not in released:
                released.append(m.account)
        for account in released:
            self._replay(account)

    def _replay(self, account: str) -> None:
        """The reports ``account`` held back, in order; one that defers another fill
        holds the rest back again, behind it."""
        waiting = self._held.pop(account, [])
        for i, report in enumerate(waiting):
            if account in self._held:
                self._held[account].extend(waiting[i:])
                return
            try:
                report()
            except Exception:
                log.exception("a broker report of %s, replayed after its account's fill", account)

    def _commit(self, group: list[Writes], orders: int = 1) -> None:
        """One transaction for ``group``; StoreError, saying what it means for each
        member, when any write or the commit failed (the store has rolled it back)."""
        if orders:
            self.groups += 1
        else:
            self.fill_groups += 1
        self.members += orders
        self.fills += len(group) - orders
        try:
            with self.store.transaction():
                for writes in group:
                    writes()
        except Exception as exc:  # every member fails alike: the transaction is rolled back
            detail = str(exc) if isinstance(exc, StoreError) else f"{type(exc).__name__}: {exc}"
            others = orders - 1
            fills = len(group) - orders
            log.error("group commit of %d orders and %d fills failed: %s", orders, fills, detail)
            raise StoreError(
                f"{detail}; the order was not recorded and not sent"
                + (f" (nor were the {others} orders committed with it)" if others > 0 else "")
            ) from None


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:  # a thread with no loop
        return None
