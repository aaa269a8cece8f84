"""What a broker connection reports, applied to the runtime: the adapter's ``BrokerEvents``.

One instance per connection. Order updates go through the order state table, fills to
the ledger (each fill id once), position reports clear the account's pending mark (so
the sync compares like with like), quotes to the monitor, heartbeats to the supervisor.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from ordergate.policy import Quote
from ordergate.runtime.brokers.types import BalanceSnapshot, Fill, OrderUpdate, PositionSnapshot
from ordergate.runtime.core import Core
from ordergate.runtime.ledger import book_reported_fill
from ordergate.runtime.orders import BROKER_STATUS_EVENTS, IllegalOrderTransition

log = logging.getLogger("ordergate.brokers")


class ConnectionEvents:
    def __init__(self, core: Core, connection: str, on_quote: Callable[[str, Quote], None]) -> None:
        self.core = core
        self.connection = connection
        self._on_quote = on_quote
        self.heartbeat: Callable[[], None] = lambda: None  # the supervisor's, once it exists

    def _held(self, account: str) -> bool:
        """Whether ``account`` has a fill waiting for its group's commit: a report of it
        then waits too (``_later``) and is replayed, in order, once that fill is in the
        book. Asked first, so that a report not held builds no replay of itself."""
        commits = self.core.commits
        return commits is not None and commits.holds(account)

    def _later(self, account: str, report: Callable[[], None]) -> None:
        commits = self.core.commits
        assert commits is not None  # _held said so
        commits.later(account, report)

    def on_order(self, update: OrderUpdate) -> None:
        if self._held(update.account):
            self._later(update.account, lambda: self.on_order(update))
            return
        book = self.core.orders
        view = book.find(update.order_id, update.broker_order_id)
        if view is None or view.get("status") == "held":
            return  # not an order of ours (or one the broker placed itself, e.g. a flatten)
        if update.price is not None or update.stop_price is not None:
            self._moved(view, update)
            view = book.get(view["id"]) or view  # as the move left it
        try:
            new = book.apply_to(
                view,
                BROKER_STATUS_EVENTS[update.status],
                reason=update.reason,
                broker_order_id=update.broker_order_id,
            )
        except IllegalOrderTransition as exc:
            log.warning("%s: order %s: %s", self.connection, view["id"], exc)
            return
        if (
            new is not None
            and new["status"] != view["status"]
            and new["status"] not in ("working", "partially_filled")
        ):
            self.core.bus.publish(
                "order",
                {
                    "account": update.account,
                    "order_id": view["id"],
                    "status": new["status"],
                    "reason": update.reason,
                },
            )

    def _moved(self, view: dict[str, Any], update: OrderUpdate) -> None:
        """The broker moved a working order's level (a bracket leg changed there): the
        order view shows where it rests now."""
        levels = {
            k: v for k, v in (("price", update.price), ("stop_price", update.stop_price)) if v is not None
        }
        if view.get("status") in ("working", "partially_filled") and any(
            view.get(k) != v for k, v in levels.items()
        ):
            self.core.orders.changed({**view, **levels})

    def on_fill(self, fill: Fill) -> None:
        if self._held(fill.account):
            self._later(fill.account, lambda: self.on_fill(fill))
        else:
            book_reported_fill(self.core, fill)

    def on_positions(self, snapshot: PositionSnapshot) -> None:
        account = snapshot.account
        if self._held(account):
            # replayed only once the account is no longer held (GroupCommit._replay), so
            # the replay is the branch below, without asking again
            self._later(account, lambda: self.core.positions_pending.discard(account))
        else:
            self.core.positions_pending.discard(account)

    def on_balance(self, snapshot: BalanceSnapshot) -> None:
        return None  # the runtime keeps its own ledger; the broker's is for reconciliation

    def on_quote(self, root: str, quote: Quote) -> None:
        self._on_quote(root, quote)

    def on_heartbeat(self) -> None:
        self.heartbeat()

    def on_warning(self, text: str) -> None:
        """A broker's warning (the adapter has logged it) goes to the event stream."""
        self.core.bus.publish("broker_warning", {"connection": self.connection, "message": text})

    def on_refused_quote(self, root: str, quote: Quote) -> None:
        """A quote the adapter dropped at the boundary (DESIGN 9): counted by source."""
        broker = self.core.brokers.get(self.connection)
        source = "feed" if broker is not None and broker.broker == "paper" else "broker"
        self.core.metrics.refused_prices.labels(source).inc()
