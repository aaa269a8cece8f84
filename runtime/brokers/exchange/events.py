"""What the simulated exchange announces to its subscribers, in the order it happens."""

from __future__ import annotations

from collections.abc import Mapping
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
