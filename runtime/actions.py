"""Carrying out what decisions and breaches ask for: locks, flattens, breach records.

A lock is committed to the store before anyone is told. A flatten that the broker
refuses or that fails is retried with growing delays (exit recovery) until the account
is flat or a person flattens it by hand; the account's status shows the failure.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from ordergate.policy import Action
from ordergate.policy.calendar import lock_expiry, zone
from ordergate.policy.timefmt import format_instant
from ordergate.runtime import logs
from ordergate.runtime.book import AccountState
from ordergate.runtime.brokers.base import answered
from ordergate.runtime.core import Core
from ordergate.runtime.errors import BrokerError, Conflict, RequestError
from ordergate.runtime.ledger import book_fill
from ordergate.runtime.store import LockRow

log = logging.getLogger("ordergate.actions")
LOCK_KINDS_HELP = "manual, 6h, 12h, session:<boundary> or HH:MM"
RECOVERY_DELAYS = (0.5, 1, 2, 5, 10, 30, 60)


class Actions:
    def __init__(self, core: Core) -> None:
        self.core = core
        self._recovery: dict[str, asyncio.Task[None]] = {}
        # Cancels the account's working and held orders; the gateway, which owns them,
        # provides it once it exists.
        self.cancel_orders: Callable[[AccountState], Awaitable[list[str]]] | None = None

    # ---- locks

    def lock(
        self,
        state: AccountState,
        kind: str,
        enforce: bool,
        reason: str,
        now: datetime,
        until: datetime | None = None,
    ) -> LockRow:
        if until is None and kind != "manual":
            policy = self.core.policy_of(state)
            tz = getattr(policy, "timezone", None)
            try:
                until = lock_expiry(kind, now, tz or zone("America/New_York"))
            except (KeyError, ValueError):
                raise RequestError(
                    "duration", f"unknown lock duration {kind!r}; use {LOCK_KINDS_HELP}"
                ) from None
        if enforce and until is None:
            raise RequestError("enforce", "enforce needs a lock that expires; a manual lock has none")
        held_until = self.enforced_until(state, now)
        if held_until is not None and (not enforce or until is None or until < held_until):
            # replacing an enforced lock with a weaker one would let anyone lift it early
            raise Conflict(
                "duration",
                f"the lock on {state.id} is enforced until {format_instant(held_until, self.zone_of(state))}; "
                "a new lock can only extend it (enforce: true, ending no sooner)",
                extra={"until": held_until.isoformat()},
            )
        row = LockRow(state.id, until.isoformat() if until else None, enforce, reason, kind, now.isoformat())
        self.core.store.set_lock(row)  # committed before anyone hears of it
        state.lock = row
        self.core.bus.publish(
            "lock",
            {"account": state.id, "until": row.until, "enforce": enforce, "reason": reason, "kind": kind},
        )
        logs.lock(state.id, row.until, enforce, reason, kind)
        return row

    def zone_of(self, state: AccountState) -> ZoneInfo:
        """The zone the account's policy reads time in, where its instants are shown."""
        return getattr(self.core.policy_of(state), "timezone", None) or zone("America/New_York")

    @staticmethod
    def enforced_until(state: AccountState, now: datetime) -> datetime | None:
        """When the account's enforced lock ends, if one is in force at ``now``."""
        lock = state.lock
        if lock is None or not lock.enforce:
            return None
        until = datetime.fromisoformat(lock.enforced_until) if lock.enforced_until else state.lock_until()
        return until if until is not None and now < until else None

    def lock_for_kill_switch(self, state: AccountState, now: datetime) -> LockRow:
        """Lock the account until a person unlocks it.

        An enforced lock already in force keeps its enforcement: the new lock refuses an
        unlock until that lock would have ended, and holds after it until someone lifts it,
        so the kill switch never ends by itself.
        """
        held_until = self.enforced_until(state, now)
        if held_until is None:
            return self.lock(state, "manual", False, "kill_switch", now)
        row = LockRow(
            state.id, None, True, "kill_switch", "manual", now.isoformat(), held_until.isoformat()
        )
        self.core.store.set_lock(row)  # committed before anyone hears of it
        state.lock = row
        self.core.bus.publish(
            "lock",
            {
                "account": state.id,
                "until": None,
                "enforce": True,
                "enforced_until": row.enforced_until,
                "reason": "kill_switch",
                "kind": "manual",
            },
        )
        logs.lock(state.id, row.enforced_until, True, "kill_switch", "manual")
        return row

    def unlock(self, state: AccountState, now: datetime, *, expired: bool = False) -> None:
        if state.lock is None:
            return
        until = self.enforced_until(state, now)
        if until is not None and not expired:
            raise Conflict(
                "account",
                f"the lock on {state.id} is enforced until {format_instant(until, self.zone_of(state))}",
                extra={"until": state.lock.until},
            )
        self.core.store.clear_lock(state.id)
        state.lock = None
        self.core.bus.publish("unlock", {"account": state.id, "expired": expired})
        logs.unlock(state.id, expired)

    # ---- breaches

    async def breach(
        self, state: AccountState, code: str, message: str, actions: tuple[Action, ...], now: datetime
    ) -> None:
        """Carry out a breach found by an order or by the monitor."""
        kinds = [a.kind for a in actions]
        action = "flatten_and_lock" if "flatten" in kinds else ("lock" if "lock" in kinds else "alert_only")
        if action == "alert_only":
            if code in state.alerted:
                return
            state.alerted.add(code)
        elif state.is_locked(now):
            return  # already handled: the account is locked
        self.core.store.add_breach(state.id, now.isoformat(), code, action, message, state.day)
        self.core.metrics.breaches.labels(code, action).inc()
        self.core.bus.publish(
            "breach", {"account": state.id, "code": code, "action": action, "message": message}
        )
        logs.breach(state.id, code, action, message)
        for a in actions:
            if a.kind == "lock":
                self.lock(state, a.lock or "manual", a.enforce, code, now, until=a.until)
        if "flatten" in kinds:
            await self.flatten(state, reason=code)

    # ---- flatten and exit recovery

    async def flatten(self, state: AccountState, reason: str) -> dict[str, Any]:
        """Cancel the account's open orders and close every position; on failure, keep
        retrying in the background.

        The orders go first: a resting limit left behind would fill later and open a
        position on an account that a breach or the kill switch has just locked.
        """
        if self.cancel_orders is not None:
            await self.cancel_orders(state)
        broker = self.core.broker_of(state)
        if not broker.positions(state.id) and not state.holdings:
            return {"account": state.id, "flatten": "none", "error": None}
        try:
            fills = await answered(broker.flatten(state.id, self.core.new_id), "flatten")
        except BrokerError as exc:
            self._start_recovery(state, str(exc), reason)
            return {"account": state.id, "flatten": "failed", "error": str(exc)}
        for fill in fills:
            book_fill(self.core, fill)
        self.core.bus.publish("flatten", {"account": state.id, "reason": reason, "orders": len(fills)})
        logs.flatten(state.id, reason, "sent", f"{len(fills)} orders")
        if broker.positions(state.id):
            self._start_recovery(state, "positions remain after the flatten", reason)
            return {"account": state.id, "flatten": "failed", "error": "positions remain after the flatten"}
        self._stop_recovery(state)
        return {"account": state.id, "flatten": "ok", "error": None}

    def _start_recovery(self, state: AccountState, error: str, reason: str) -> None:
        state.flatten_failures += 1
        state.flatten_error = error
        self.core.bus.publish("flatten_failed", {"account": state.id, "error": error, "reason": reason})
        logs.flatten(state.id, reason, "failed", error)
        if state.id not in self._recovery or self._recovery[state.id].done():
            self._recovery[state.id] = asyncio.create_task(
                self._recover(state, reason), name=f"exit-recovery-{state.id}"
            )

    def _stop_recovery(self, state: AccountState) -> None:
        state.flatten_failures = 0
        state.flatten_error = None
        task = self._recovery.pop(state.id, None)
        if task is not None and task is not asyncio.current_task():
            task.cancel()

    async def _recover(self, state: AccountState, reason: str) -> None:
        attempt = 0
        broker = self.core.broker_of(state)
        while broker.positions(state.id):
            await self.core.clock.sleep(RECOVERY_DELAYS[min(attempt, len(RECOVERY_DELAYS) - 1)])
            attempt += 1
            try:
                fills = await answered(broker.flatten(state.id, self.core.new_id), "flatten")
            except BrokerError as exc:
                state.flatten_failures += 1
                state.flatten_error = str(exc)
                log.warning("exit recovery for %s: attempt %d failed: %s", state.id, attempt, exc)
                continue
            for fill in fills:
                book_fill(self.core, fill)
        state.flatten_failures = 0
        state.flatten_error = None
        self._recovery.pop(state.id, None)
        self.core.bus.publish("flatten", {"account": state.id, "reason": reason, "recovered": True})
        logs.flatten(state.id, reason, "recovered")

    async def stop(self) -> None:
        for task in self._recovery.values():
            task.cancel()
        for task in list(self._recovery.values()):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._recovery.clear()

    def recovering(self, account: str) -> bool:
        task = self._recovery.get(account)
        return task is not None and not task.done()
