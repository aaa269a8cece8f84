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
from collections.abc import Coroutine
from datetime import datetime
from typing import Any

from ordergate.policy import CompiledPolicy
from ordergate.policy.chain import Limits
from ordergate.policy.orders import Position
from ordergate.runtime.actions import Actions
from ordergate.runtime.book import AccountState, point_value
from ordergate.runtime.core import Core
from ordergate.runtime.gateway import Gateway
from ordergate.runtime.store import FillRow

log = logging.getLogger("ordergate.monitor")
FLUSH_SECONDS = 0.002


def _may_breach(limits: Limits, state: AccountState, equity: float) -> bool:
    """The chain's P&L test in plain arithmetic, to skip the full check for most quotes.

    It errs on the side of looking: any limit at or past its level sends the account
    through the compiled policy, which decides.
    """
    unrealized = equity - state.balance
    daily = state.daily_realized + unrealized
    weekly = state.weekly_realized + unrealized
    if limits.daily_loss and daily <= -limits.daily_loss:
        return True
    if limits.daily_target and daily >= limits.daily_target:
        return True
    if limits.weekly_loss and weekly <= -limits.weekly_loss:
        return True
    if limits.weekly_target and weekly >= limits.weekly_target:
        return True
    if limits.trail_amount:
        peak = state.peak_equity if limits.trail_intraday else state.eod_peak
        return equity <= limits.trailing_threshold(peak if peak is not None else state.start_balance, equity)
    return False


class Monitor:
    def __init__(self, core: Core, actions: Actions, gateway: Gateway) -> None:
        self.core = core
        self.actions = actions
        self.gateway = gateway
        self._dirty: dict[str, set[str]] = {}
        self._flush_due = False

    # ---- quotes

    def mark(self, connection: str, root: str) -> bool:
        """Note a new quote; True when a flush should be scheduled."""
        roots = self._dirty.get(connection)
        if roots is None:
            roots = self._dirty[connection] = set()
        roots.add(root)
        if self._flush_due:
            return False
        self._flush_due = True
        return True

    def discard_pending(self) -> None:
        self._dirty.clear()
        self._flush_due = False

    async def flush(self) -> None:
        """Look at every account holding a contract whose quote moved since the last pass.

        Quotes are coalesced: a burst of quotes costs one pass per account, and a pass
        runs at most every FLUSH_SECONDS, which bounds the time from a quote to its
        breach action.
        """
        self._flush_due = False
        dirty, self._dirty = self._dirty, {}
        if not dirty:
            return
        now = self.core.now()
        # the arithmetic pre-check runs for every account without yielding; only accounts
        # at a limit go on to the compiled policy and its actions
        due = [
            state
            for state in self.core.accounts.values()
            if (roots := dirty.get(state.connection))
            and not roots.isdisjoint(state.holdings)
            and self._at_limit(state, now)
        ]
        for state in due:
            await self._act_at_limit(state, now)
        for connection, roots in dirty.items():
            if self.core.executions.get(connection) == "managed":
                await self.gateway.trigger_managed(roots)
        await self.gateway.brackets.on_quotes(dirty)  # webhook brackets, held for every broker

    def _at_limit(self, state: AccountState, now: datetime | None) -> bool:
        """Whether ``state`` is at or past a limit (an unlocked account); ``now`` None
        reads the clock only if a lock is there to look at."""
        equity = state.mark_equity()
        if state.lock is not None and state.is_locked(self.core.now() if now is None else now):
            return False
        limits = getattr(self.core.policy_of(state), "limits", None)
        return limits is not None and _may_breach(limits, state, equity)

    async def check_account(self, state: AccountState, now: datetime) -> None:
        """Breach actions for a limit the account has reached, with no order needed."""
        if self._at_limit(state, now):
            await self._act_at_limit(state, now)

    def breach_at_limit(self, state: AccountState) -> Coroutine[Any, Any, None] | None:
        """``check_account`` now, for a caller that spawns it: the coroutine taking the
        breach actions, or None when no limit is near (looked at now, so that most fills
        need no task of their own). The clock is read only when the answer needs it (a
        lock to look at, a limit reached): after most fills it does not."""
        return self._act_at_limit(state, self.core.now()) if self._at_limit(state, None) else None

    async def _act_at_limit(self, state: AccountState, now: datetime) -> None:
        policy = self.core.policy_of(state)
        assert isinstance(policy, CompiledPolicy)  # _at_limit found limits, so a compiled policy
        block = policy.breach(state.snapshot_for(policy, now), now)
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
        await self.gateway.brackets.on_tick(now)  # webhook orders sent for the day expire

    def sync(self, state: AccountState, actual: dict[str, tuple[int, float]] | None = None) -> None:
        """Reconcile the book with the broker's positions (those it last reported, unless
        given): a position gone behind our back pauses automation; one that appeared
        (or changed size) is booked as an external trade with a warning event."""
        if self.core.commits is not None:
            self.core.commits.settle()  # fills waiting for a group's commit: into the book first
        if actual is None:
            if state.id in self.core.positions_pending:
                return  # a fill was booked and the broker's position report is on its way
            actual = self.core.broker_of(state).positions(state.id)
        gone = [root for root, h in state.holdings.items() if h.qty and root not in actual]
        changed = [
            root
            for root, (qty, _avg) in actual.items()
            if qty and (root not in state.holdings or state.holdings[root].qty != qty)
        ]
        if not gone and not changed:
            return
        for root in gone:
            state.holdings.pop(root)
            self.core.store.set_position(state.id, root, 0, 0.0)
        for root in changed:
            self._external_trade(state, root, *actual[root])
        policy = self.core.policy_of(state)
        guard = policy.spec.sync_divergence_guard if isinstance(policy, CompiledPolicy) else True
        if gone and guard and not state.automation_paused:
            state.automation_paused = True
            self.core.store.update_account(state.id, automation_paused=True)
            self.core.bus.publish("automation_paused", {"account": state.id, "positions_gone": gone})
            log.warning("automation paused on %s: broker sync shows %s gone", state.id, ", ".join(gone))

    def _external_trade(self, state: AccountState, root: str, qty: int, avg: float) -> None:
        """The broker holds a position the book does not: take the broker's, and say so."""
        held = state.holdings.get(root)
        diff = qty - (held.qty if held else 0)
        day, week = state.day, state.week
        with self.core.store.transaction():
            self.core.store.add_fill(
                FillRow(
                    state.id,
                    None,
                    self.core.now().timestamp(),
                    root,
                    "buy" if diff > 0 else "sell",
                    abs(diff),
                    avg,
                    0.0,
                    True,
                    day,
                    week,
                )
            )
            self.core.store.set_position(state.id, root, qty, avg)
        state.holdings[root] = Position(qty, avg, point_value(root))
        self.core.bus.publish(
            "external_trade",
            {
                "account": state.id,
                "symbol": root,
                "qty": diff,
                "position": qty,
                "avg_price": avg,
                "warning": "a position the runtime did not trade",
            },
        )
        log.warning(
            "%s: the broker holds %+d %s that the runtime did not trade; booked as external",
            state.id,
            diff,
            root,
        )
