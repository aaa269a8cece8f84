"""The monitor: acts on quotes, fills and the clock without waiting for an order.

- On every quote: the P&L of each account holding that contract is recomputed and a
  reached limit or trailing threshold triggers the breach action at once; held orders
  of managed execution whose price was touched are sent.
- On every tick (``on_tick(now)``, once a second in production, called directly with a
  fake clock in tests): trading-day and week roll, lock expiry, auto-flatten
  ``exit_before`` minutes before the end of hours or a blackout, the broker sync that
  feeds the divergence guard, and connection staleness.
"""

from __future__ import annotations

import logging
from datetime import datetime

from ordergate.policy import CompiledPolicy, Quote
from ordergate.runtime.actions import Actions
from ordergate.runtime.book import AccountState, Holding, point_value
from ordergate.runtime.core import Core
from ordergate.runtime.gateway import Gateway

log = logging.getLogger("ordergate.monitor")
STALE_AFTER_SECONDS = 60.0


class Monitor:
    def __init__(self, core: Core, actions: Actions, gateway: Gateway) -> None:
        self.core = core
        self.actions = actions
        self.gateway = gateway
        self.heartbeats: dict[str, float] = {}

    # ---- quotes

    def holders_of(self, connection: str, root: str) -> list[AccountState]:
        return [s for s in self.core.accounts.values() if s.connection == connection and root in s.holdings]

    async def on_quote(self, connection: str, root: str, quote: Quote) -> None:
        self.heartbeats[connection] = quote.time or self.core.now().timestamp()
        now = self.core.now()
        for state in self.holders_of(connection, root):
            await self.check_account(state, now)
        if self.core.executions.get(connection) == "managed":
            await self.gateway.trigger_managed(root)

    async def check_account(self, state: AccountState, now: datetime) -> None:
        """Breach actions for a limit the account has reached, with no order needed."""
        state.mark_equity()
        if state.is_locked(now):
            return
        policy = self.core.policy_of(state)
        if not isinstance(policy, CompiledPolicy) or policy.limits is None:
            return
        eod = bool(policy.limits.trail_amount and not policy.limits.trail_intraday)
        block = policy.breach(state.snapshot(now, trailing_end_of_day=eod), now)
        if block is not None:
            await self.actions.breach(state, block.code, block.message, block.actions, now)

    # ---- time

    async def on_tick(self, now: datetime) -> None:
        for state in list(self.core.accounts.values()):
            if state.roll(now):
                self.core.store.update_account(
                    state.id, eod_peak=state.eod_peak, peak_equity=state.peak_equity, day=state.day
                )
                self.core.bus.publish("roll", {"account": state.id, "trading_day": state.day})
            if (
                state.lock is not None
                and state.lock.until is not None
                and now >= datetime.fromisoformat(state.lock.until)
            ):
                self.actions.unlock(state, now, expired=True)
            self.sync(state)
            policy = self.core.policy_of(state)
            if isinstance(policy, CompiledPolicy):
                reason = policy.auto_flatten_reason(now)
                if reason and state.holdings and not self.actions.recovering(state.id):
                    self.core.bus.publish("auto_flatten", {"account": state.id, "reason": reason})
                    await self.actions.flatten(state, reason="auto_flatten")
            await self.check_account(state, now)
        self.check_staleness(now)

    def sync(self, state: AccountState) -> None:
        """Reconcile the book with the broker; a position gone behind our back pauses automation."""
        broker = self.core.broker_of(state)
        actual = broker.positions(state.id)
        gone = [root for root, h in state.holdings.items() if h.qty and root not in actual]
        changed = gone or any(
            root not in state.holdings or state.holdings[root].qty != qty
            for root, (qty, _avg) in actual.items()
        )
        if not changed:
            return
        for root in gone:
            state.holdings.pop(root)
            self.core.store.set_position(state.id, root, 0, 0.0)
        for root, (qty, avg) in actual.items():
            state.holdings[root] = Holding(qty, avg, point_value(root))
            self.core.store.set_position(state.id, root, qty, avg)
        policy = self.core.policy_of(state)
        guard = policy.spec.sync_divergence_guard if isinstance(policy, CompiledPolicy) else True
        if gone and guard and not state.automation_paused:
            state.automation_paused = True
            self.core.store.update_account(state.id, automation_paused=True)
            self.core.bus.publish("automation_paused", {"account": state.id, "positions_gone": gone})
            log.warning("automation paused on %s: broker sync shows %s gone", state.id, ", ".join(gone))

    def check_staleness(self, now: datetime) -> None:
        ts = now.timestamp()
        for name, broker in self.core.brokers.items():
            last = self.heartbeats.get(name)
            if broker.status == "connected" and last is not None and ts - last > STALE_AFTER_SECONDS:
                broker.set_status("stale", f"no heartbeat for {ts - last:.0f}s")
            elif broker.status == "stale" and last is not None and ts - last <= STALE_AFTER_SECONDS:
                broker.set_status("connected", None)
