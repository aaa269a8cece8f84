"""What the simulated exchange announces to its subscribers, in the order it happens."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from ordergate.policy import Quote
from ordergate.runtime.brokers.types import BrokerOrder, Fill


@dataclass(frozen=True, slots=True)
class OrderChanged:
    """An order was acknowledged (``working``), cancelled, rejected or expired."""

    order: BrokerOrder


@dataclass(frozen=True, slots=True)
class Traded:
    """An execution; ``order`` is the order after it (partially_filled or filled)."""

    fill: Fill
    order: BrokerOrder


@dataclass(frozen=True, slots=True)
class PositionChanged:
    account: str
    positions: Mapping[str, tuple[int, float]]


@dataclass(frozen=True, slots=True)
class BalanceChanged:
    account: str
    balance: float
    equity: float
    realized: float


@dataclass(frozen=True, slots=True)
class QuoteChanged:
    root: str
    quote: Quote


@dataclass(frozen=True, slots=True)
class LinkFault:
    """A fault of the wire for the shells to carry out: ``drop`` closes every link now."""

    kind: Literal["drop"]


Event = OrderChanged | Traded | PositionChanged | BalanceChanged | QuoteChanged | LinkFault


@dataclass(frozen=True, slots=True, eq=False)  # each listener is itself: stop() finds this one
class Listener:
    """The exchange's events as calls, one per kind, in the order they happen
    (``Exchange.listen``). A subscriber that would only take each event apart again (the
    paper broker, once per order for every fill) listens this way, and no event object is
    built for it; ``of`` makes the listener of a plain subscriber, which is given events."""

    order_changed: Callable[[BrokerOrder], None]
    traded: Callable[[Fill, BrokerOrder], None]
    position_changed: Callable[[str, Mapping[str, tuple[int, float]]], None]
    balance_changed: Callable[[str, float, float, float], None]
    quote_changed: Callable[[str, Quote], None]
    link_fault: Callable[[Literal["drop"]], None]

    @classmethod
    def of(cls, subscriber: Callable[[Event], None]) -> Listener:
        return cls(
            lambda order: subscriber(OrderChanged(order)),
            lambda fill, order: subscriber(Traded(fill, order)),
            lambda account, positions: subscriber(PositionChanged(account, positions)),
            lambda account, balance, equity, realized: subscriber(
                BalanceChanged(account, balance, equity, realized)
            ),
            lambda root, quote: subscriber(QuoteChanged(root, quote)),
            lambda kind: subscriber(LinkFault(kind)),
        )
