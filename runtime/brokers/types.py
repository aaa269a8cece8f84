"""The data the brokers package speaks in: requests, acknowledgements and events.

Every type is frozen: an event, once emitted, is a fact. Prices are floats in the
contract's quote currency; quantities are whole contracts, always positive, with the
direction in ``side`` (``buy`` | ``sell``). Times (``ts``) are epoch seconds from the
clock the adapter was given. ``root`` is the canonical contract root (``ES``), ``symbol``
the broker's spelling (``ESZ6``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ordergate.policy.quick_init import quick_init

Side = Literal["buy", "sell"]
OrderType = Literal["market", "limit", "stop", "stop_limit"]
# What a broker says about one order. ``working`` is the acknowledgement: the broker has
# the order (with its own id) and it rests or is being filled.
BrokerOrderStatus = Literal["working", "partially_filled", "filled", "cancelled", "rejected", "expired"]
# the statuses an order does not leave: nothing more happens to it at the broker
ENDED: frozenset[str] = frozenset({"filled", "cancelled", "rejected", "expired"})


@quick_init
@dataclass(frozen=True, slots=True)
class OrderRequest:
    order_id: str  # the runtime's id; the adapter sends it as the broker's client tag when it can
    symbol: str
    root: str
    side: str
    qty: int
    type: str = "market"
    price: float | None = None
    stop_price: float | None = None


@dataclass(frozen=True, slots=True)
class BracketLeg:
    """One exit leg of a broker-native bracket (``BrokerAdapter.place_bracket``).

    The leg rests on the side opposite its entry, for the contracts the entry filled, once
    the entry is done; the broker cancels the other leg when one fills (one-cancels-other).
    Its level is either ``offset``, a distance in price units from the entry's average
    fill (towards profit for a take profit, away from it for a stop; a trailing stop's
    trail), or absolute: ``price`` for a take profit, ``stop_price`` for a stop.
    """

    order_id: str  # the runtime's id of the leg, sent as its client tag when the broker has one
    kind: Literal["take_profit", "stop_loss"]
    type: Literal["limit", "stop", "trailing_stop"]
    offset: float | None = None
    price: float | None = None
    stop_price: float | None = None


@quick_init
@dataclass(frozen=True, slots=True)
class Ack:
    """The broker has the order: ``place`` returns this once it says so."""

    order_id: str
    broker_order_id: str


@dataclass(frozen=True, slots=True)
class BracketAck:
    """The broker has the entry and its legs: ``legs`` maps each leg's order id to the
    broker's id for it, for the legs the broker named in its answer (the others are
    named by their first order update)."""

    entry: Ack
    legs: Mapping[str, str] = field(default_factory=dict)


@quick_init
@dataclass(frozen=True, slots=True)
class OrderUpdate:
    """An order changed state at the broker (not fills: those are ``Fill`` events)."""

    account: str
    order_id: str | None  # the runtime's id, when the adapter knows it
    broker_order_id: str
    status: BrokerOrderStatus
    reason: str | None = None  # why it was rejected, cancelled or expired, in the broker's words
    ts: float = 0.0
    # a working order the broker moved (a bracket leg changed at the broker): its new level
    price: float | None = None
    stop_price: float | None = None


@quick_init
@dataclass(frozen=True, slots=True)
class Fill:
    """One execution. ``fill_id`` is the broker's, unique per connection: the runtime
    books each fill id exactly once, whatever order and however often it arrives."""

    account: str
    order_id: str | None  # the runtime's id; None for an order placed outside the runtime
    root: str
    symbol: str
    side: str
    qty: int
    price: float
    ts: float
    fill_id: str = ""
    broker_order_id: str | None = None


# A fill as a bounded history keeps it (the simulated exchange, the adapters): its
# fields in ``Fill``'s order, a tuple of strings and numbers that the garbage collector
# stops tracking at its first look, where a ``Fill`` would be walked by every collection.
# ``Fill(*fields)`` gives the fill back.
FillFields = tuple[str, str | None, str, str, str, int, float, float, str, str | None]


def fill_fields(fill: Fill) -> FillFields:
    """``fill`` as a tuple of its fields, in ``Fill``'s order (a test pins that they agree)."""
    return (
        fill.account, fill.order_id, fill.root, fill.symbol, fill.side,
        fill.qty, fill.price, fill.ts, fill.fill_id, fill.broker_order_id,
    )  # fmt: skip


@quick_init
@dataclass(frozen=True, slots=True)
class PositionSnapshot:
    """Every open position of one account as the broker sees it: root → (signed qty, avg price)."""

    account: str
    positions: Mapping[str, tuple[int, float]]
    ts: float = 0.0


@quick_init
@dataclass(frozen=True, slots=True)
class BalanceSnapshot:
    account: str
    balance: float
    equity: float
    realized: float = 0.0  # the broker's realized P&L of its session, when it says
    ts: float = 0.0


@quick_init
@dataclass(frozen=True, slots=True)
class BrokerOrder:
    """One order as the broker reports it when asked (reconciliation)."""

    account: str
    order_id: str | None
    broker_order_id: str
    root: str
    symbol: str
    side: str
    qty: int
    filled_qty: int
    status: BrokerOrderStatus
    type: str = "market"
    price: float | None = None
    stop_price: float | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class AccountInfo:
    id: str
    balance: float
    equity: float
    nickname: str | None = None


@dataclass(frozen=True, slots=True)
class AdapterConfig:
    """What every adapter is built from.

    ``settings`` are the connection's non-secret fields (``endpoint``, ``system``,
    ``gateway``, ``firm``, ``environment``, ``mode``, ``host``, ``port``, ``feed``,
    ``accounts``, ``latency_ms``, ``partial_fills`` …, whichever the broker uses);
    ``credentials`` the secret ones (``username``, ``password``, ``api_key``, tokens).
    ``base`` resolves relative paths (a replay file) against the config file's folder.
    """

    settings: Mapping[str, Any] = field(default_factory=dict)
    credentials: Mapping[str, str] = field(default_factory=dict)
    base: Path | None = None
    seed: int | None = None  # random feeds, for reproducible tests
