"""The store interface: what every engine keeps and how the runtime reaches it.

``Store`` is the Protocol the core, the API and the tools type against; the row
dataclasses are what it hands back; ``OPEN_STATUSES`` says which stored orders are
still open. An engine maps its driver's errors to ``StoreError`` at its boundary.

Errors::

    StoreError (ordergate.runtime.errors)   the store failed; the message names the store
    └── LeaseLost                           a write for an account whose broker connection
                                            this instance no longer holds (PostgreSQL, several
                                            runtimes): nothing was committed
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from ordergate.policy.quick_init import quick_init
from ordergate.runtime.errors import StoreError

__all__ = [
    "OPEN_STATUSES",
    "AccountRow",
    "FillRow",
    "LeaseLost",
    "LockRow",
    "Store",
    "StoreError",
    "WritePause",
]

# An order is open until the broker says what became of it (runtime/orders.py); ``held``
# orders wait in the runtime for their price (managed execution).
OPEN_STATUSES = ("submitted", "working", "partially_filled", "unconfirmed", "held")


class LeaseLost(StoreError):
    """This instance was deposed: another holds the lease of the account's connection."""


@dataclass(frozen=True, slots=True)
class AccountRow:
    id: str
    connection: str
    nickname: str | None
    enabled: bool
    automation_paused: bool
    balance: float
    start_balance: float
    peak_equity: float | None
    eod_peak: float | None
    day: str | None

    @classmethod
    def opened(
        cls, id: str, connection: str, nickname: str | None, balance: float, enabled: bool = True
    ) -> AccountRow:
        """A new account: its balance is where its P&L, peaks and drawdown start."""
        return cls(id, connection, nickname, enabled, False, balance, balance, balance, balance, None)


@dataclass(frozen=True, slots=True)
class LockRow:
    account: str
    until: str | None
    enforce: bool
    reason: str | None
    kind: str | None
    created_at: str
    # Unlocking is refused before this instant even when ``until`` is later or None; for
    # an ordinary enforced lock it is None and ``until`` is the enforced expiry.
    enforced_until: str | None = None


@quick_init
@dataclass(frozen=True, slots=True)
class FillRow:
    account: str
    order_id: str | None
    ts: float
    root: str
    side: str
    qty: int
    price: float
    realized: float
    entry: bool
    trading_day: str
    week_start: str
    fill_id: str | None = None  # the broker's; a second row with the same id is refused


class WritePause(Protocol):
    """Whoever makes the writes on the event loop and can hold them back for a moment (the
    group commit). Both are called from the store's own thread, never from the loop."""

    def pause(self, granted: Callable[[], None]) -> None:
        """Hold back the next commits; call ``granted`` (from the loop) once no transaction
        is open and none will begin until ``resume``, or a moment has passed."""

    def resume(self) -> None:
        """Let the held commits go."""


class Store(Protocol):
    """Every write is committed before the method returns, unless inside ``transaction()``,
    whose outermost block commits them together (and rolls them all back on an error)."""

    # a display name for messages: the file, or the URL without its password
    @property
    def where(self) -> str: ...

    # called before a write that is not part of a transaction already begun (a write or
    # the outermost ``transaction()``): the group commit's ``settle``, so that writes it
    # holds for a moment land before this one (runtime/group_commit.py)
    before_write: Callable[[], None] | None

    # who holds back the loop's commits while the store restarts its log (the group
    # commit); an engine with no log of its own to restart never asks
    write_pause: WritePause | None

    def transaction(self) -> contextlib.AbstractContextManager[None]: ...
    def close(self) -> None: ...

    # accounts
    def accounts(self) -> list[AccountRow]: ...
    def upsert_account(self, row: AccountRow) -> None: ...
    def update_account(self, account: str, **fields: Any) -> None: ...
    def move_account(self, account: str, connection: str) -> None: ...
    def delete_account(self, account: str) -> None: ...

    # positions and fills
    def positions(self, account: str) -> dict[str, tuple[int, float]]: ...
    def set_position(self, account: str, root: str, qty: int, avg_price: float) -> None: ...
    def add_fill(self, fill: FillRow) -> bool: ...
    def last_fill_ts(self, account: str) -> float | None: ...
    def realized_since(
        self, account: str, trading_day: str, week_start: str
    ) -> tuple[float, float, int, int]: ...

    # locks and breaches
    def locks(self) -> list[LockRow]: ...
    def set_lock(self, row: LockRow) -> None: ...
    def clear_lock(self, account: str) -> None: ...
    def add_breach(
        self, account: str, time: str, code: str, action: str, message: str, trading_day: str
    ) -> None: ...
    def breaches(self, account: str | None = None, limit: int = 100) -> list[dict[str, Any]]: ...

    # orders and idempotency
    def save_order(
        self, order_id: str, account: str, body: dict[str, Any], status: str, managed: bool, created_at: str
    ) -> None: ...
    def open_orders(
        self, account: str | None = None, managed: bool | None = None
    ) -> list[dict[str, Any]]: ...
    def order_history(
        self, account: str | None = None, limit: int = 100, before: tuple[str, str] | None = None
    ) -> list[dict[str, Any]]: ...
    def order(self, order_id: str) -> dict[str, Any] | None: ...
    def idempotent_get(self, account: str, key: str, day: str) -> tuple[int, dict[str, Any]] | None: ...
    def idempotent_put(self, account: str, key: str, day: str, status: int, body: dict[str, Any]) -> None: ...

    # the audit log
    def append_decision(
        self,
        time: str,
        account: str,
        source: str | None,
        decision: dict[str, Any],
        order: dict[str, Any],
        inputs: dict[str, Any] | None = None,
    ) -> int: ...
    def decisions(
        self, account: str | None, limit: int, before: int | None = None
    ) -> list[dict[str, Any]]: ...
    def decisions_with_inputs(self, after: int, limit: int) -> list[dict[str, Any]]: ...

    # secrets, sealed by the vault (the store never sees plaintext)
    def put_secret(self, record: str, key_id: str, nonce: bytes, ciphertext: bytes) -> None: ...
    def get_secret(self, record: str) -> tuple[str, bytes, bytes] | None: ...
    def all_secrets(self) -> list[tuple[str, str, bytes, bytes]]: ...
    def delete_secret(self, record: str) -> None: ...

    # copy groups
    def copy_groups(self) -> list[dict[str, Any]]: ...
    def save_copy_group(self, name: str, leader: str, followers: list[dict[str, Any]]) -> None: ...
    def delete_copy_group(self, name: str) -> None: ...

    # webhook signals awaiting approval, and webhook settings
    def add_signal(
        self, signal_id: str, webhook: str, alert_id: str | None, alert: Any, created_at: str, expires_at: str
    ) -> None: ...
    def signals(self, status: str | None = None, limit: int = 1000) -> list[dict[str, Any]]: ...
    def signal(self, signal_id: str) -> dict[str, Any] | None: ...
    def signal_by_alert(self, webhook: str, alert_id: str) -> dict[str, Any] | None: ...
    def settle_signal(self, signal_id: str, status: str, decided_at: str) -> bool: ...
    def signal_result(self, signal_id: str, result: dict[str, Any]) -> None: ...
    def webhook_settings(self) -> dict[str, dict[str, Any]]: ...
    def save_webhook_settings(self, name: str, settings: dict[str, Any], updated_at: str) -> None: ...

    # broker connections
    def saved_connections(self) -> list[tuple[str, dict[str, Any]]]: ...
    def save_connection(self, name: str, broker: str, spec: dict[str, Any], updated_at: str) -> None: ...
    def delete_connection(self, name: str) -> None: ...
    def set_connection_status(
        self, name: str, broker: str, status: str, detail: str | None, updated_at: str
    ) -> None: ...
