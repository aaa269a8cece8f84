"""The broker adapter interface: what every broker offers the runtime.

An adapter speaks one broker's protocol; a Supervisor (``runtime/supervisor.py``) owns
its lifecycle. Required methods must be implemented by every adapter; optional ones
have a working default.

=========================  ========  ===============================================
method                     required  what it does
=========================  ========  ===============================================
``connect()``              yes       authenticate and discover accounts; raise
                                     BrokerRefused (bad credentials, expired OAuth) or
                                     BrokerUnavailable (no answer)
``accounts()``             yes       accounts with balance and equity
``positions(account)``     yes       the broker's positions: root → (qty, avg price)
``place(account, req)``    yes       send an order; its status and any fills
``cancel(account, id)``    yes       cancel a working order
``serve()``                no        the receive loop; returns or raises when the link
                                     drops (default: wait until cancelled)
``disconnect()``           no        close the link (default: nothing to close)
``refresh()``              no        discover accounts again (default: connect-time list)
``open_orders(account)``   no        working orders at the broker (default: none)
``flatten(account)``       no        close every position (default: market orders)
``set_quote(...)``         no        feed a quote (the paper broker's manual feed)
=========================  ========  ===============================================

Adapters report through callbacks given at construction, ``on_fill(Fill)`` and
``on_quote(root, Quote)``, and call ``heartbeat()`` whenever the broker shows it is
alive; the supervisor marks a connection stale when heartbeats stop.
"""

from __future__ import annotations

import abc
import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from ordergate.policy import Quote
from ordergate.runtime.errors import BrokerRejected, BrokerTimeout

T = TypeVar("T")

# How long the runtime waits for a broker to answer one request (an order, a cancel, a
# flatten) before treating it as failed, so that a hung link never holds an account.
ANSWER_TIMEOUT_SECONDS = 10.0


async def answered(call: Awaitable[T], what: str) -> T:
    """What ``call`` returns, or BrokerTimeout when the broker does not answer in time."""
    try:
        async with asyncio.timeout(ANSWER_TIMEOUT_SECONDS):
            return await call
    except TimeoutError:
        raise BrokerTimeout(
            f"the broker did not answer the {what} within {ANSWER_TIMEOUT_SECONDS:g} s"
        ) from None


@dataclass(frozen=True, slots=True)
class Fill:
    account: str
    order_id: str
    root: str
    symbol: str
    side: str
    qty: int
    price: float
    ts: float


@dataclass(frozen=True, slots=True)
class OrderRequest:
    order_id: str
    symbol: str
    root: str
    side: str
    qty: int
    type: str = "market"
    price: float | None = None
    stop_price: float | None = None


@dataclass(slots=True)
class PlaceResult:
    status: str  # filled | working | rejected
    fills: list[Fill] = field(default_factory=list)
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class AccountInfo:
    id: str
    balance: float
    equity: float
    nickname: str | None = None


FillHandler = Callable[[Fill], None]
QuoteHandler = Callable[[str, Quote], None]


class BrokerAdapter(abc.ABC):
    broker: str = ""

    def __init__(self, name: str, on_fill: FillHandler, on_quote: QuoteHandler) -> None:
        self.name = name
        self.on_fill = on_fill
        self.on_quote = on_quote
        self.on_heartbeat: Callable[[], None] = lambda: None
        self.quotes: dict[str, Quote] = {}
        self.status = "disconnected"  # kept by the supervisor

    def heartbeat(self) -> None:
        self.on_heartbeat()

    @abc.abstractmethod
    async def connect(self) -> None: ...

    @abc.abstractmethod
    def accounts(self) -> list[AccountInfo]: ...

    @abc.abstractmethod
    def positions(self, account: str) -> dict[str, tuple[int, float]]: ...

    @abc.abstractmethod
    async def place(self, account: str, request: OrderRequest) -> PlaceResult: ...

    @abc.abstractmethod
    async def cancel(self, account: str, order_id: str) -> bool: ...

    async def serve(self) -> None:
        await asyncio.Event().wait()

    async def disconnect(self) -> None:
        return None

    async def refresh(self) -> list[AccountInfo]:
        return self.accounts()

    def open_orders(self, account: str) -> list[OrderRequest]:
        return []

    async def flatten(self, account: str, new_id: Callable[[], str]) -> list[Fill]:
        """Close every position with market orders; raises BrokerError when one fails."""
        fills: list[Fill] = []
        for root, (qty, _avg) in list(self.positions(account).items()):
            if qty == 0:
                continue
            side = "sell" if qty > 0 else "buy"
            result = await self.place(account, OrderRequest(new_id(), root, root, side, abs(qty)))
            if result.status == "rejected":
                raise BrokerRejected(f"flatten of {root} refused: {result.reason}")
            fills.extend(result.fills)
        return fills

    def set_quote(self, root: str, bid: float | None, ask: float | None, last: float | None) -> None:
        raise NotImplementedError(f"{self.broker} takes quotes from its own feed")
