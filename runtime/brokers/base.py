"""The broker adapter contract: what every broker offers the runtime, and what it tells it.

Theory of operation
-------------------
Real brokers answer later. An order is *acknowledged* first (the broker has it, under its
own id) and *filled* afterwards, maybe in parts, maybe after the connection dropped and
came back. So an adapter has two faces:

* **requests** the runtime makes, each an ``async`` method that returns when the broker
  has answered. The runtime puts a deadline on every request (``answered``: 10 s by
  default); past it the request raises BrokerTimeout and the runtime treats the order as
  ``unconfirmed``. Adapters need no timers of their own for this, but every request must
  be safe to cancel at any ``await``.
* **events** the adapter emits through the ``BrokerEvents`` it was given, whenever the
  broker reports something, asked or not: order updates, fills, position and balance
  snapshots, quotes and heartbeats. Events may come in any order (a fill before the
  acknowledgement of its order, the same fill twice after a reconnect); the runtime's
  order state table sorts that out, keyed by the broker's fill id.

Requests (``account`` is the broker's account id; ``order_id`` the runtime's)
=============================================  ========  ======================================
method                                         required  what it does
=============================================  ========  ======================================
``connect()``                                  yes       log in and discover the accounts;
                                                         BrokerRefused for bad credentials or an
                                                         expired session (not retried),
                                                         BrokerUnavailable when nobody answers
``serve()``                                    yes       the receive loop: emits events; returns
                                                         or raises BrokerUnavailable when the
                                                         link drops (the supervisor reconnects)
``disconnect()``                               yes       close the link; idempotent
``accounts()``                                 yes       the accounts found, balance and equity
``positions(account)``                         yes       the positions last reported (no I/O):
                                                         root → (signed qty, avg price)
``place(account, request) -> Ack``             yes       send an order; returns on the broker's
                                                         acknowledgement with its order id, or
                                                         raises BrokerRejected(reason). Fills
                                                         come as events, maybe before it returns
``cancel(account, order_id)``                  yes       ask to cancel; returns once the broker
                                                         took the request (the ``cancelled``
                                                         update may come before or after);
                                                         OrderNotOpen when it is filled already
``open_orders(account)``                       yes       reconciliation: the broker's working
                                                         orders, as ``BrokerOrder``
``fills_since(account, ts)``                   yes       reconciliation: the broker's fills at or
                                                         after ``ts`` (overlap is harmless)
``order_status(account, order_id)``            no        reconciliation: one order, or None when
                                                         the broker never had it (default: looks
                                                         it up in ``open_orders`` and the fills)
``fetch_positions(account)``                   no        reconciliation: positions asked afresh
                                                         (default: ``positions``)
``refresh()``                                  no        discover accounts again
``flatten(account, new_id)``                   no        close every position; returns the
                                                         fills (default: a market order per
                                                         position, waiting for their fills)
``set_quote(root, bid, ask, last)``            no        a quote by hand (paper, manual feed)
``restore_legs(account, legs, trails)``        no        native legs given back at start to a
                                                         broker that forgets them (paper)
``place_bracket(account, entry, legs)``        no        a broker-native bracket: the entry and
                                                         its exit legs (``BracketLeg``) as one
                                                         request; the broker rests the legs when
                                                         the entry is done, for what it filled,
                                                         one-cancels-other. Returns a
                                                         ``BracketAck``; BracketUnsupported
                                                         (before sending anything) when the
                                                         broker cannot hold these legs itself
                                                         (default: always), and the runtime
                                                         then holds them (bracket_desk.py)
=============================================  ========  ======================================

Broker-native bracket legs carry the runtime's leg ids as their client tags where the
broker has them; their order updates and fills are reported like any order's, with the
leg's id (the adapter maps the broker's ids back), so the runtime's order state table
tracks them, and ``open_orders`` / ``order_status`` list them once they rest.

Events (``self.events``, a ``BrokerEvents``; emit through the ``emit_*`` helpers below,
which also wake the base class's own waiters)
=====================  =================================================================
event                  when
=====================  =================================================================
``on_order``           an ``OrderUpdate``: acknowledged / working (with the broker's order
                       id), cancelled, rejected with the broker's reason, expired
``on_fill``            a ``Fill`` with the broker's fill id, quantity, price and time
``on_positions``       a ``PositionSnapshot``: every position of one account
``on_balance``         a ``BalanceSnapshot``: balance and equity of one account
``on_quote``           ``(root, Quote)`` for a contract the broker streams
``on_heartbeat``       the broker showed it is alive (any message will do); the supervisor
                       marks the connection stale after 60 s without one
``on_refused_quote``   optional: ``(root, Quote)`` for a quote ``emit_quote`` dropped (a
                       price not finite and above 0, or a bid above its ask)
``on_warning``         optional: ``(text)`` something a person should know that is no
                       error, e.g. reference data that differs from the contract table
=====================  =================================================================

Connection status is the supervisor's (``runtime/supervisor.py``): ``connect`` succeeding
is *connected*, ``serve`` ending is *disconnected*, BrokerRefused is *error*. After every
(re)connect the runtime reconciles: it asks ``open_orders``, ``fills_since`` its last
known fill, ``order_status`` of each order it does not know the end of, and
``fetch_positions``, and applies what it missed.

Nothing in ``brokers/`` imports the runtime's core, API or store: an adapter knows only
this module, ``types``, ``errors``, the simulated exchange and ``ordergate.policy``.

Writing an adapter
------------------
See ``runtime/brokers/ADAPTERS.md``: a package ``runtime/brokers/<broker>/`` with
``protocol.py`` (sans-IO codec and session state), ``client.py`` (the adapter: a
``BrokerAdapter`` subclass built as ``Adapter(name, AdapterConfig, events, clock)``) and
``simulator.py`` (the server side on the same codec over the simulated exchange, with a
module-level ``HARNESS``), and one line in ``tests/runtime/test_adapters.py``.
"""

from __future__ import annotations

import abc
import asyncio
import logging
import math
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

from ordergate.policy import Quote
from ordergate.runtime.awaiting import within
from ordergate.runtime.brokers.errors import BracketUnsupported, BrokerRejected, BrokerTimeout
from ordergate.runtime.brokers.types import (
    AccountInfo,
    Ack,
    AdapterConfig,
    BalanceSnapshot,
    BracketAck,
    BracketLeg,
    BrokerOrder,
    Fill,
    OrderRequest,
    OrderUpdate,
    PositionSnapshot,
)

if TYPE_CHECKING:
    from ordergate.runtime.brokers.exchange import Exchange

__all__ = [
    "ANSWER_TIMEOUT_SECONDS",
    "AccountInfo",
    "Ack",
    "AdapterConfig",
    "BalanceSnapshot",
    "BracketAck",
    "BracketLeg",
    "BrokerAdapter",
    "BrokerEvents",
    "BrokerOrder",
    "Clock",
    "Fill",
    "Harness",
    "NullEvents",
    "OrderHistory",
    "OrderRequest",
    "OrderUpdate",
    "PositionSnapshot",
    "RecentIds",
    "SimLogin",
    "SimulatorHandle",
    "answered",
]

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)
log = logging.getLogger("ordergate.brokers")
Clock = Callable[[], float]  # epoch seconds

# How long the runtime waits for a broker to answer one request (an order, a cancel, a
# flatten) before treating it as failed, so that a hung link never holds an account.
ANSWER_TIMEOUT_SECONDS = 10.0


async def answered(call: Awaitable[T], what: str, seconds: float | None = None) -> T:
    """What ``call`` returns, or BrokerTimeout when the broker does not answer within
    ``seconds`` (default ``ANSWER_TIMEOUT_SECONDS``, read at the call)."""
    if seconds is None:
        seconds = ANSWER_TIMEOUT_SECONDS
    # a simulated or paper broker answers most calls at once: no timer for those
    try:
        return await within(call, seconds)
    except TimeoutError:
        raise BrokerTimeout(f"the broker did not answer the {what} within {seconds:g} s") from None


class BrokerEvents(Protocol):
    """Where an adapter reports what its broker says. Called on the event loop; each
    returns at once (the runtime commits and reacts without blocking the adapter)."""

    def on_order(self, update: OrderUpdate) -> None: ...
    def on_fill(self, fill: Fill) -> None: ...
    def on_positions(self, snapshot: PositionSnapshot) -> None: ...
    def on_balance(self, snapshot: BalanceSnapshot) -> None: ...
    def on_quote(self, root: str, quote: Quote) -> None: ...
    def on_heartbeat(self) -> None: ...


class NullEvents:
    """Events nobody listens to: an adapter used on its own (the add-connection flow)."""

    def on_order(self, update: OrderUpdate) -> None:
        return None

    def on_fill(self, fill: Fill) -> None:
        return None

    def on_positions(self, snapshot: PositionSnapshot) -> None:
        return None

    def on_balance(self, snapshot: BalanceSnapshot) -> None:
        return None

    def on_quote(self, root: str, quote: Quote) -> None:
        return None

    def on_heartbeat(self) -> None:
        return None


# ---- what an adapter remembers of its orders and fills, bounded
#
# The runtime runs for weeks. An adapter keeps what an order needs while it may still
# change, and a bounded history of those that ended, for what it looks up afterwards (a
# late report, reconciliation). Every container the history holds is one the garbage
# collector walks in each full collection, so the history keeps plain ids, strings,
# numbers and tuples of them, which it stops tracking, not objects.


class OrderHistory(Generic[K]):
    """Which orders an adapter remembers, and which of them it may forget now.

    An order is *open* from the moment the broker says it works (or is partly filled)
    until it says it ended; an open order is never forgotten. Every other order
    remembered is history: one that ended, placed by when it ended, and one whose state
    is not known here (named by a listing, or sent and not yet reported), by when it was
    first named. Past ``limit`` orders remembered, ``overflow`` names the oldest of the
    history to forget, a hundredth of ``limit`` at a time: a clean-up runs between two
    reports on the event loop, and at a tenth (5,000 orders) it would stall it for
    milliseconds. The adapter then drops what it kept of each.
    """

    def __init__(self) -> None:
        # every order remembered, oldest first → whether it is known to have ended (an
        # OrderedDict: an order moves to the end, or the front, in O(1), and the oldest
        # are found without walking the slots that forgotten ones left)
        self._kept: OrderedDict[K, bool] = OrderedDict()
        self._open: dict[K, None] = {}  # those that may still change
        self._left = 0  # how many the last clean-up left (most may be open)

    def __len__(self) -> int:
        return len(self._kept)

    def __contains__(self, key: object) -> bool:
        return key in self._kept

    def is_open(self, key: K) -> bool:
        return key in self._open

    def heard(self, key: K) -> None:
        """An order named: remembered from now on; one known already keeps its place."""
        if key not in self._kept:
            self._kept[key] = False

    def named(self, keys: Iterable[K]) -> None:
        """Orders a listing of the broker's named (its orders, executions or commands):
        those not remembered join as the oldest of the history. A listing reaches back
        past what the adapter forgot; the newest it remembers are those it heard of."""
        new = list(dict.fromkeys(key for key in keys if key not in self._kept))
        for key in reversed(new):  # the listing's first ends up the oldest of all
            self._kept[key] = False
            self._kept.move_to_end(key, last=False)

    def opened(self, key: K) -> None:
        """The broker says the order works (or is partly filled): kept until it ends."""
        self._kept[key] = False  # one known keeps its place
        self._open[key] = None

    def ended(self, key: K) -> None:
        """The order ended: it joins the history as its newest, unless it was known to
        have ended (a snapshot telling an end again does not make it new)."""
        if not self._kept.get(key, False):
            self._open.pop(key, None)
            self._kept[key] = True
            self._kept.move_to_end(key)

    def listed(self, key: K, *, working: bool) -> None:
        """A listing or a snapshot shows the order working or not: one working is kept;
        one that worked here and no longer does ended since the last word of it; of
        another, the listing says nothing new (it stays where it is in the history)."""
        if working:
            self.opened(key)
        elif key in self._open:
            self.ended(key)
        else:
            self.heard(key)

    def overflow(self, limit: int, keep: Callable[[K], bool] | None = None) -> list[K]:
        """The oldest orders of the history to forget now, so that ``limit`` remain (and
        none for which ``keep`` is true); nothing until a hundredth of ``limit`` more
        than that, or than the last clean-up left, are remembered."""
        if len(self._kept) <= max(self._left, limit) + max(1, limit // 100):
            return []
        excess = len(self._kept) - limit
        gone: list[K] = []
        for key in self._kept:  # oldest first: stop once enough are found
            if len(gone) >= excess:
                break
            if key not in self._open and (keep is None or not keep(key)):
                gone.append(key)
        for key in gone:
            del self._kept[key]
        self._left = len(self._kept)
        return gone


class RecentIds:
    """The ids heard lately, to drop a report heard twice (a fill after a reconnect).

    It keeps about the newest ``limit`` ids: a repeat of an id older than that is taken
    as new. Callers say what that would do where they use it.
    """

    def __init__(self) -> None:
        # oldest first; an OrderedDict, whose oldest leaves in O(1) (a plain dict keeps the
        # slots of those deleted at its front, for every search of the next oldest to walk)
        self._ids: OrderedDict[str, None] = OrderedDict()

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, key: object) -> bool:
        return key in self._ids

    def first_time(self, key: str, limit: int) -> bool:
        """Whether ``key`` is new; it is remembered either way."""
        if key in self._ids:
            return False
        self._ids[key] = None
        while len(self._ids) > limit:
            self._ids.popitem(last=False)
        return True


class BrokerAdapter(abc.ABC):
    broker: str = ""

    def __init__(
        self, name: str, config: AdapterConfig, events: BrokerEvents | None = None, clock: Clock = time.time
    ) -> None:
        self.name = name
        self.config = config
        self.events: BrokerEvents = events or NullEvents()
        self.clock = clock
        self.quotes: dict[str, Quote] = {}
        self.status = "disconnected"  # kept by the supervisor
        self._reported: dict[str, dict[str, tuple[int, float]]] = {}
        self._filled: dict[str, int] = {}  # order id → qty reported filled, for waiters
        # flatten orders waiting for their fills: the future's result is None when filled,
        # else why the order ended without filling
        self._waiters: dict[str, tuple[int, asyncio.Future[str | None]]] = {}
        self._fills_of: dict[str, list[Fill]] = {}

    # ---- emitting events: adapters call these, never self.events directly

    def emit_order(self, update: OrderUpdate) -> None:
        if update.status in ("cancelled", "rejected", "expired") and update.order_id:
            waiter = self._waiters.pop(update.order_id, None)
            if waiter is not None and not waiter[1].done():
                waiter[1].set_result(f"{update.status}: {update.reason or 'no reason given'}")
        self.events.on_order(update)

    def emit_fill(self, fill: Fill) -> None:
        self.events.on_fill(fill)
        if fill.order_id and fill.order_id in self._waiters:
            self._fills_of.setdefault(fill.order_id, []).append(fill)
            done = self._filled.get(fill.order_id, 0) + fill.qty
            self._filled[fill.order_id] = done
            qty, future = self._waiters[fill.order_id]
            if done >= qty:
                del self._waiters[fill.order_id]
                self._filled.pop(fill.order_id, None)
                if not future.done():
                    future.set_result(None)

    def emit_positions(self, snapshot: PositionSnapshot) -> None:
        self._reported[snapshot.account] = {r: p for r, p in snapshot.positions.items() if p[0]}
        self.events.on_positions(snapshot)

    def emit_balance(self, snapshot: BalanceSnapshot) -> None:
        self.events.on_balance(snapshot)

    def emit_quote(self, root: str, quote: Quote) -> None:
        """Pass on a quote; one with a price that is not finite and above 0, or a bid
        above its ask, is dropped here, before anything can mark a position with it."""
        prices = [p for p in (quote.bid, quote.ask, quote.last) if p is not None]
        if not all(isinstance(p, int | float) and math.isfinite(p) and 0 < p <= 1e9 for p in prices) or (
            quote.bid is not None and quote.ask is not None and quote.bid > quote.ask
        ):
            log.warning("%s: refused a quote for %s from the broker: %s", self.name, root, quote)
            # an optional event: a host that counts refused prices (DESIGN 9) listens for it
            refused = getattr(self.events, "on_refused_quote", None)
            if refused is not None:
                refused(root, quote)
            return
        self.quotes[root] = quote
        self.events.on_quote(root, quote)

    def emit_warning(self, text: str) -> None:
        """Something a person should know that is no error (the broker's contract data
        differs from ours, say): logged, and told to a host that listens for it."""
        log.warning("%s: %s", self.name, text)
        warn = getattr(self.events, "on_warning", None)
        if warn is not None:
            warn(text)

    def heartbeat(self) -> None:
        self.events.on_heartbeat()

    # ---- requests every adapter implements

    @abc.abstractmethod
    async def connect(self) -> None: ...

    @abc.abstractmethod
    async def serve(self) -> None: ...

    @abc.abstractmethod
    async def disconnect(self) -> None: ...

    @abc.abstractmethod
    def accounts(self) -> list[AccountInfo]: ...

    @abc.abstractmethod
    async def place(self, account: str, request: OrderRequest) -> Ack: ...

    @abc.abstractmethod
    async def cancel(self, account: str, order_id: str) -> None: ...

    @abc.abstractmethod
    async def open_orders(self, account: str) -> list[BrokerOrder]: ...

    @abc.abstractmethod
    async def fills_since(self, account: str, ts: float) -> list[Fill]: ...

    # ---- with working defaults

    def positions(self, account: str) -> dict[str, tuple[int, float]]:
        """The positions the broker last reported (``emit_positions``)."""
        return dict(self._reported.get(account, {}))

    async def fetch_positions(self, account: str) -> dict[str, tuple[int, float]]:
        return self.positions(account)

    async def order_status(self, account: str, order_id: str) -> BrokerOrder | None:
        """One order as the broker knows it; None when it never had it."""
        for order in await self.open_orders(account):
            if order.order_id == order_id:
                return order
        return None

    async def refresh(self) -> list[AccountInfo]:
        return self.accounts()

    async def flatten(self, account: str, new_id: Callable[[], str]) -> list[Fill]:
        """Close every position with a market order each and wait for their fills;
        BrokerRejected when one is refused."""
        fills: list[Fill] = []
        for root, (qty, _avg) in list(self.positions(account).items()):
            if qty == 0:
                continue
            side = "sell" if qty > 0 else "buy"
            order_id = new_id()
            future: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()
            self._waiters[order_id] = (abs(qty), future)
            try:
                await self.place(account, OrderRequest(order_id, root, root, side, abs(qty)))
                ended = await future
            except BrokerRejected as exc:
                raise BrokerRejected(f"flatten of {root} refused: {exc.reason}") from None
            finally:
                # every way out (refused, ended unfilled, timed out or cancelled by the
                # runtime's deadline) lets go of what the wait kept
                future.cancel()
                self._waiters.pop(order_id, None)
                self._filled.pop(order_id, None)
                heard = self._fills_of.pop(order_id, [])
            fills.extend(heard)
            if ended is not None:
                raise BrokerRejected(f"flatten of {root} refused: the order was {ended}")
        return fills

    # broker-native brackets: an adapter that offers them sets this and overrides
    # place_bracket; the runtime asks only when it is set
    supports_brackets: bool = False

    async def place_bracket(
        self, account: str, entry: OrderRequest, legs: tuple[BracketLeg, ...]
    ) -> BracketAck:
        """Send ``entry`` with its exit ``legs`` as one bracket; BracketUnsupported, with
        nothing sent, when this broker cannot hold them itself."""
        raise BracketUnsupported(f"{self.broker or self.name} has no broker-native brackets")

    def await_bracket(self, account: str, entry: OrderRequest, legs: tuple[BracketLeg, ...]) -> None:
        """After a restart: an entry sent with ``place_bracket`` is still open. An adapter
        that rests the legs itself once the entry is done (Tradovate's distance legs)
        is told them again; a broker that holds the bracket itself: nothing to do."""
        return None

    def restore_legs(self, account: str, legs: tuple[OrderRequest, ...], trails: Mapping[str, float]) -> None:
        """Native legs the runtime stored, given back at start to a broker that keeps
        nothing across a restart (paper): they rest again as one-cancels-other, trailing
        by ``trails`` (by leg id). A real broker keeps its own: nothing to do."""
        return None

    def set_quote(self, root: str, bid: float | None, ask: float | None, last: float | None) -> None:
        raise NotImplementedError(f"{self.broker} takes quotes from its own feed")


# ---- the adapter test suite's harness (tests/runtime/test_adapters.py)


@dataclass(frozen=True, slots=True)
class SimLogin:
    """What a simulator accepts: ``ordergate simulate`` defaults to demo / demo / demo."""

    username: str = "demo"
    password: str = "demo"
    api_key: str = "demo"


class SimulatorHandle(Protocol):
    """A simulator serving on 127.0.0.1 over a shared exchange."""

    @property
    def config(self) -> AdapterConfig:
        """The settings and credentials an adapter connects with (endpoint on 127.0.0.1:port)."""
        ...

    @property
    def endpoint(self) -> str:
        """What ``ordergate simulate`` prints: ``ws://127.0.0.1:N``, ``http://127.0.0.1:N``…"""
        ...

    def drop_connections(self) -> None:
        """Close every client's link now, as a network failure would."""
        ...

    async def stop(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Harness:
    """One broker's entry in the adapter test suite and in ``ordergate simulate``.

    ``serve(exchange, login, port)`` starts the simulator in-process on 127.0.0.1:port
    (0: any free port) over ``exchange`` and returns its handle; ``adapter`` is built as
    ``adapter(name, handle.config, events, clock)``.
    """

    broker: str
    adapter: Callable[[str, AdapterConfig, BrokerEvents, Clock], BrokerAdapter]
    serve: Callable[[Exchange, SimLogin, int], Awaitable[SimulatorHandle]]
