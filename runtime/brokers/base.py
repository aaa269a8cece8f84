"""The broker adapter interface.

Every broker offers the same operations to the runtime. Required methods must be
implemented by every adapter; optional ones have a default.

=====================  ========  ==================================================
method                 required  what it does
=====================  ========  ==================================================
``start()``            yes       authenticate, discover accounts, start streams
``stop()``             yes       close streams and sockets
``accounts()``         yes       accounts with balance and equity (discovery)
``positions(acct)``    yes       the broker's positions: root → (qty, avg price)
``place(acct, req)``   yes       send an order; returns its status and any fills
``cancel(acct, id)``   yes       cancel a working order
``flatten(acct)``      no        close every position (default: market orders)
``set_quote(...)``     no        feed a quote (paper's manual feed)
=====================  ========  ==================================================

Adapters report through callbacks given at construction: ``on_fill(Fill)``,
``on_quote(root, Quote)`` and ``on_status(status, detail)``.
"""

from __future__ import annotations

import abc
from collections.abc import Callable
from dataclasses import dataclass, field

from ordergate.policy import Quote


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
StatusHandler = Callable[[str, str | None], None]


class BrokerAdapter(abc.ABC):
    broker: str = ""

    def __init__(
        self, name: str, on_fill: FillHandler, on_quote: QuoteHandler, on_status: StatusHandler
    ) -> None:
        self.name = name
        self.on_fill = on_fill
        self.on_quote = on_quote
        self.on_status = on_status
        self.quotes: dict[str, Quote] = {}
        self.status = "disconnected"

    def set_status(self, status: str, detail: str | None = None) -> None:
        if status != self.status:
            self.status = status
            self.on_status(status, detail)

    @abc.abstractmethod
    async def start(self) -> None: ...

    @abc.abstractmethod
    async def stop(self) -> None: ...

    @abc.abstractmethod
    def accounts(self) -> list[AccountInfo]: ...

    @abc.abstractmethod
    def positions(self, account: str) -> dict[str, tuple[int, float]]: ...

    @abc.abstractmethod
    async def place(self, account: str, request: OrderRequest) -> PlaceResult: ...

    @abc.abstractmethod
    async def cancel(self, account: str, order_id: str) -> bool: ...

    async def flatten(self, account: str, new_id: Callable[[], str]) -> list[Fill]:
        """Close every position with market orders; raises BrokerError when one fails."""
        from ordergate.runtime.errors import BrokerRejected

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
