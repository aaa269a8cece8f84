"""The runtime's orders: the live ones at hand, every one in the store.

Each change goes through the state table (``orders.py``) and is committed before a
caller hears of it. Acknowledgements of an order whose sender is still waiting for the
broker's answer are kept in memory and committed once, with the answer
(``persist``): an order acknowledged and filled at once costs no extra write, and after a
crash in between, reconciliation asks the broker what became of it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from ordergate.runtime import orders
from ordergate.runtime.awaiting import wake
from ordergate.runtime.store import Store

log = logging.getLogger("ordergate.orders")
OPEN = orders.OPEN
RECENT = 1024  # finished orders kept at hand
Listener = Callable[[dict[str, Any]], None]


class OrderBook:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._live: dict[str, dict[str, Any]] = {}
        # the same views by account, in the same order: an account's live orders are
        # asked for on every order (the positions stage) and every flat fill, and a
        # scan of every account's would cost each order the others in flight
        self._live_of: dict[str, dict[str, dict[str, Any]]] = {}
        self._by_broker_id: dict[str, str] = {}
        self._dirty: set[str] = set()
        self._awaiting: set[str] = set()  # a sender waits for the broker's answer
        self._done: dict[str, list[asyncio.Future[None]]] = {}  # order id -> its waiters
        # orders that just finished: their sender reads them right after the fill that
        # ended them, and a read from the store for that would cost every order a query
        self._recent: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self.on_done: list[Listener] = []  # an order reached filled/cancelled/rejected/expired

    def load(self) -> None:
        """The open orders of the store (managed ones held by the runtime excepted)."""
        for view in self.store.open_orders(managed=False):
            self._set_live(view)
            if view.get("broker_order_id"):
                self._by_broker_id[view["broker_order_id"]] = view["id"]

    def load_account(self, account: str, views: list[dict[str, Any]]) -> None:
        """Take ``account``'s open orders (as the store has them) into the book: an
        instance of a cluster starts hosting the account's connection."""
        for view in views:
            if view["account"] != account:
                raise ValueError(f"order {view['id']} is of account {view['account']}, not {account}")
            self._set_live(view)
            if view.get("broker_order_id"):
                self._by_broker_id[view["broker_order_id"]] = view["id"]

    def forget(self, account: str) -> None:
        """Drop ``account``'s live orders from memory (the store keeps them): another
        instance hosts the account's connection now."""
        for order_id in [i for i, v in self._live.items() if v["account"] == account]:
            view = self._live.pop(order_id)
            self._by_broker_id.pop(str(view.get("broker_order_id")), None)
            self._dirty.discard(order_id)
        self._live_of.pop(account, None)

    def _set_live(self, view: dict[str, Any]) -> None:
        """``view`` as its order's live state (a new order joins the end, as in ``_live``)."""
        order_id, account = view["id"], view["account"]
        self._live[order_id] = view
        mine = self._live_of.get(account)
        if mine is None:
            mine = self._live_of[account] = {}
        mine[order_id] = view

    def _drop_live(self, order_id: str) -> dict[str, Any] | None:
        """The order leaves the live ones; the view it had there, or None."""
        view = self._live.pop(order_id, None)
        if view is not None:
            mine = self._live_of.get(view["account"])
            if mine is not None:
                mine.pop(order_id, None)
        return view

    # ---- reading

    def get(self, order_id: str) -> dict[str, Any] | None:
        view = self._live.get(order_id)
        if view is None:
            view = self._recent.get(order_id)
        return view if view is not None else self.store.order(order_id)

    def find(self, order_id: str | None, broker_order_id: str | None) -> dict[str, Any] | None:
        if order_id:
            view = self.get(order_id)
            if view is not None:
                return view
        if broker_order_id and broker_order_id in self._by_broker_id:
            return self.get(self._by_broker_id[broker_order_id])
        return None

    def live(self, account: str | None = None) -> list[dict[str, Any]]:
        if account is None:
            return list(self._live.values())
        mine = self._live_of.get(account)
        return list(mine.values()) if mine else []

    # ---- writing

    def add(self, view: dict[str, Any]) -> None:
        """A new order, ``submitted``; the caller commits its row (with the idempotency record)."""
        self._set_live(view)

    def save(self, view: dict[str, Any]) -> None:
        """Commit ``view`` (call inside the transaction that books its fill, if any)."""
        order_id = view["id"]
        self.store.save_order(
            order_id,
            view["account"],
            view,
            view["status"],
            bool(view.get("managed")),
            view.get("created_at", ""),
        )
        self._dirty.discard(order_id)
        if order_id in self._recent:
            self._recent[order_id] = view

    def changed(self, view: dict[str, Any], *, commit: bool = True) -> None:
        """Take ``view`` as the order's state now (committed by the caller when not ``commit``)."""
        order_id = view["id"]
        broker_order_id = view.get("broker_order_id")
        if broker_order_id:
            self._by_broker_id[broker_order_id] = order_id
        if commit:
            self.save(view)
        if view["status"] in OPEN:  # orders.is_open, spelled out: every order passes here
            self._set_live(view)
            return
        before = self._drop_live(order_id)
        self._recent[order_id] = view
        self._recent.move_to_end(order_id)
        if len(self._recent) > RECENT:
            self._recent.popitem(last=False)
        if broker_order_id:
            self._by_broker_id.pop(broker_order_id, None)
        for waiter in self._done.pop(order_id, ()):
            wake(waiter)
        if before is None or before["status"] in OPEN:
            for listener in self.on_done:
                listener(view)

    def apply(
        self, order_id: str, event: str, *, reason: str | None = None, broker_order_id: str | None = None
    ) -> dict[str, Any] | None:
        """Apply ``event`` to the order; its new view, or None for an order we never had.

        An acknowledgement for an order whose sender is waiting is kept in memory until
        that sender commits its answer; everything else is committed at once.
        """
        view = self.get(order_id)
        if view is None:
            return None
        return self.apply_to(view, event, reason=reason, broker_order_id=broker_order_id)

    def apply_to(
        self,
        view: dict[str, Any],
        event: str,
        *,
        reason: str | None = None,
        broker_order_id: str | None = None,
    ) -> dict[str, Any]:
        """``apply`` for a caller holding the order's view as the book has it now."""
        order_id, status = view["id"], view["status"]
        to = orders.next_state(status, event)
        # an event that leaves the state as it is (an acknowledgement of an order that has
        # filled meanwhile, a repeated report) changes nothing: no copy to build and compare
        if to == status and (not broker_order_id or view.get("broker_order_id")):
            return view
        new = orders.moved(view, event, to, reason)
        if broker_order_id and not new.get("broker_order_id"):
            new["broker_order_id"] = broker_order_id
        # it differs from ``view``: its status moved, or it learnt its broker id
        lazy = event == "acknowledge" and order_id in self._awaiting and to in OPEN
        self.changed(new, commit=not lazy)
        if lazy:
            self._dirty.add(order_id)
        return new

    # ---- a sender waiting for the broker

    @contextlib.contextmanager
    def awaiting(self, order_id: str) -> Any:
        self._awaiting.add(order_id)
        try:
            yield
        finally:
            self._awaiting.discard(order_id)

    def persist(self, order_id: str) -> dict[str, Any] | None:
        """Commit what only memory knows of the order; its view."""
        view = self.get(order_id)
        if view is not None and order_id in self._dirty:
            self.save(view)
        return view

    async def wait_done(self, order_id: str, seconds: float) -> None:
        """Until the order is filled, cancelled, rejected or expired, or ``seconds`` pass."""
        view = self.get(order_id)
        if view is None or not orders.is_open(view):
            return
        # a future and a timer of its own: wait_for would wrap the wait in a task per order
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[None] = loop.create_future()
        waiters = self._done.setdefault(order_id, [])
        waiters.append(waiter)
        timer = loop.call_later(seconds, wake, waiter)
        try:
            await waiter
        finally:
            timer.cancel()
            if waiter in waiters:  # timed out or cancelled: nobody waits on it any more
                waiters.remove(waiter)
                if not waiters and self._done.get(order_id) is waiters:
                    del self._done[order_id]
