"""What the runtime's parts share: clock, store, event bus, metrics, the active policy,
the account book and the brokers. Built once by the service and handed to each part."""

from __future__ import annotations

import asyncio
import itertools
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from ordergate.policy import CompiledPolicy, UnboundPolicy
from ordergate.runtime.book import AccountState
from ordergate.runtime.brokers.base import BrokerAdapter, Fill
from ordergate.runtime.clock import Clock
from ordergate.runtime.errors import NotFound
from ordergate.runtime.events import EventBus
from ordergate.runtime.group_commit import GroupCommit
from ordergate.runtime.holder import PolicyHolder
from ordergate.runtime.metrics import Metrics
from ordergate.runtime.order_book import OrderBook
from ordergate.runtime.store import Store

# Order ids: a sequence that starts at a random 64-bit number in each process, so one id
# costs a counter step instead of uuid4's system call. Two processes (a restart, another
# instance on the same PostgreSQL store) collide only if their stretches of the 2**64
# ring overlap: with n ids issued by each, a chance of about 2n / 2**64 a pair, what 64
# random bits an id gave before.
_ID_MASK = (1 << 64) - 1
_ID_SEQUENCE = itertools.count(secrets.randbits(64))


@dataclass(slots=True)
class Core:
    clock: Clock
    store: Store
    bus: EventBus
    metrics: Metrics
    holder: PolicyHolder
    accounts: dict[str, AccountState] = field(default_factory=dict)
    brokers: dict[str, BrokerAdapter] = field(default_factory=dict)
    executions: dict[str, str] = field(default_factory=dict)  # connection → broker_native | managed
    fill_listeners: list[Callable[[Fill, bool], None]] = field(
        default_factory=list
    )  # (fill, opened or added)
    # how long a broker has to answer a request before it counts as failed (an order
    # becomes unconfirmed), and how long an order's sender waits for a market order's
    # fill after the acknowledgement, so the answer can say what it filled at
    answer_timeout: float | None = None  # None: brokers.base.ANSWER_TIMEOUT_SECONDS (10 s)
    fill_wait: float = 2.0
    # accounts with a fill booked since their broker last reported positions: their
    # position report is on its way, so a sync now would see a difference that is not one
    positions_pending: set[str] = field(default_factory=set)
    orders: OrderBook = field(init=False)
    # the gateway's group commit, which fills reported by brokers may join (runtime/ledger.py)
    commits: GroupCommit | None = None
    _locks: dict[str, asyncio.Lock] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.orders = OrderBook(self.store)

    def now(self) -> datetime:
        return self.clock.now()

    def account(self, account_id: str, field_name: str = "account") -> AccountState:
        state = self.accounts.get(account_id)
        if state is None:
            raise NotFound(
                field_name,
                f"no account {account_id!r}; accounts: {', '.join(sorted(self.accounts)) or 'none'}",
            )
        return state

    def broker_of(self, state: AccountState) -> BrokerAdapter:
        return self.brokers[state.connection]

    def lock_for(self, account_id: str) -> asyncio.Lock:
        """Orders of one account are decided one at a time: none can race past a limit."""
        lock = self._locks.get(account_id)
        if lock is None:
            lock = self._locks[account_id] = asyncio.Lock()
        return lock

    def policy_of(self, state: AccountState) -> CompiledPolicy | UnboundPolicy:
        return self.holder.policy_for(state.id, state.nickname)

    @staticmethod
    def new_id() -> str:
        """``og-`` and 16 hex digits, as before: the next of this process's sequence."""
        return "og-" + format(next(_ID_SEQUENCE) & _ID_MASK, "016x")
