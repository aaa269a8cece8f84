"""Reconciliation: at start and after every reconnect, the broker's word against the store.

For each account of the connection, in this order (fills first, so that the orders and
positions compared afterwards already include them):

1. the broker's fills since the last one the store knows (or since the oldest open
   order was sent) are booked; a fill id booked before changes nothing;
2. each order the runtime holds open (submitted, working, partially filled, unconfirmed)
   is looked up at the broker and takes the state the broker gives it; one the broker
   never had is rejected (it never reached the market), one that is gone is cancelled;
3. the broker's positions are compared with the book (``Monitor.sync``): a position the
   broker has and the store does not is booked as an external trade with a warning
   event; a held position gone at the broker goes to the sync divergence guard.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from ordergate.runtime.book import AccountState
from ordergate.runtime.brokers.base import BrokerAdapter, answered
from ordergate.runtime.brokers.types import BrokerOrder, PositionSnapshot
from ordergate.runtime.core import Core
from ordergate.runtime.errors import BrokerError
from ordergate.runtime.ledger import book_fill
from ordergate.runtime.monitor import Monitor
from ordergate.runtime.orders import BROKER_STATUS_EVENTS, IllegalOrderTransition

log = logging.getLogger("ordergate.reconcile")
FILLS_MARGIN_SECONDS = 1.0  # ask a little before the last fill: an overlap is harmless


class Reconciler:
    def __init__(self, core: Core, monitor: Monitor) -> None:
        self.core = core
        self.monitor = monitor

    async def connection(self, name: str) -> dict[str, Any]:
        """Reconcile every account of connection ``name``; what it found, per account."""
        broker = self.core.brokers.get(name)
        report: dict[str, Any] = {}
        if broker is None:
            return report
        for state in [s for s in self.core.accounts.values() if s.connection == name]:
            try:
                report[state.id] = await self.account(state, broker)
            except BrokerError as exc:
                log.warning("reconciliation of %s failed: %s", state.id, exc)
                report[state.id] = {"error": str(exc)}
        return report

    async def account(self, state: AccountState, broker: BrokerAdapter) -> dict[str, Any]:
        # under the account's order lock: an order being sent right now is not yet at the
        # broker, and must not be taken for one the broker never had, nor its fill, still
        # on its way, for a trade made behind our back
        async with self.core.lock_for(state.id):
            return await self.account_locked(state, broker)

    async def account_locked(self, state: AccountState, broker: BrokerAdapter) -> dict[str, Any]:
        """``account`` for a caller that holds the account's order lock already (a cluster
        instance taking a connection over holds it from before the link is up)."""
        core, seconds = self.core, self.core.answer_timeout
        booked = 0
        since = self._since(state)
        if since is not None:
            fills = await answered(
                broker.fills_since(state.id, since - FILLS_MARGIN_SECONDS), "fills query", seconds
            )
            for fill in sorted(fills, key=lambda f: f.ts):
                booked += book_fill(core, fill) is not None
        resolved = []
        for view in list(core.orders.live(state.id)):
            found = await answered(broker.order_status(state.id, view["id"]), "order status query", seconds)
            new = self._resolve(view, found)
            if new is not None and new["status"] != view["status"]:
                resolved.append({"order_id": view["id"], "was": view["status"], "now": new["status"]})
        actual = await answered(broker.fetch_positions(state.id), "positions query", seconds)
        # what the broker just said is its latest report: the monitor's sync compares with
        # it (synchronously: nothing in it waits for this lock)
        broker.emit_positions(PositionSnapshot(state.id, actual, broker.clock()))
        self.monitor.sync(state, actual)
        result = {"fills_booked": booked, "orders": resolved}
        if booked or resolved:
            core.bus.publish("reconciled", {"account": state.id, **result})
        return result

    def _since(self, state: AccountState) -> float | None:
        """From when to ask for fills: the last one booked, or the oldest open order."""
        candidates = [self.core.store.last_fill_ts(state.id)]
        candidates += [
            datetime.fromisoformat(v["created_at"]).timestamp()
            for v in self.core.orders.live(state.id)
            if v.get("created_at")
        ]
        known = [c for c in candidates if c is not None]
        return min(known) if known else None

    def _resolve(self, view: dict[str, Any], found: BrokerOrder | None) -> dict[str, Any] | None:
        orders = self.core.orders
        try:
            if found is None:
                if view["status"] in ("submitted", "unconfirmed"):
                    return orders.apply(view["id"], "reject", reason="the broker has no record of this order")
                return orders.apply(view["id"], "cancel", reason="no longer working at the broker")
            return orders.apply(
                view["id"],
                BROKER_STATUS_EVENTS[found.status],
                reason=found.reason,
                broker_order_id=found.broker_order_id,
            )
        except IllegalOrderTransition as exc:
            log.warning("reconciling order %s: %s", view["id"], exc)
            return None

    async def unconfirmed(self) -> None:
        """Ask the brokers about orders that were never answered."""
        pending = {
            self.core.accounts[v["account"]].connection
            for v in self.core.orders.live()
            if v["status"] == "unconfirmed" and v["account"] in self.core.accounts
        }
        for name in pending:
            if self.core.brokers[name].status in ("connected", "stale"):
                await self.connection(name)
