"""The simulated exchange: one matching engine for the paper broker and every simulator.

Theory of operation. The exchange is pure and synchronous: no sockets, tasks or wall
clock (the clock is injected). It keeps accounts (balance, positions at average cost,
realized P&L), its own quotes, and orders. Each change is announced to subscribers as an
event (``events.py``) in the order it happened; a simulator shell forwards them to its
wire clients in the broker's own message format, the paper broker to the runtime. The
paper broker listens (``listen``) rather than subscribes: it hears the same events as
calls, so none is built only to be taken apart again on every order's path.

Matching, against the exchange's own quotes: a market order fills at the touch (buy at
the ask, sell at the bid, else the last price); a limit order rests until the touch is at
or better than its price, then fills at the touch; a stop triggers when the last price
(else the touch) reaches its stop price and then fills as a market order; a stop-limit
triggers the same way and then rests as a limit. Prices are rounded to the contract's tick.

Faults on command (``faults``) are for the shells to act on: the exchange only keeps
them and announces the ones that happen at an instant (a dropped connection). Two act
here: ``reject_next`` refuses the next orders with a reason, and ``fill_parts`` fills
each order in up to that many parts, one part per matching pass (``match()`` or a quote).

Brackets (one-sends-other, then one-cancels-other): ``submit_bracket``
takes an entry with exit legs that wait, unseen and unmatched, until the entry is done;
then they rest for the contracts it filled, priced from its average fill when given as
offsets, and a fill of one leg cancels the other. A trailing stop leg moves its stop
price towards the market on every quote (never back) before the quote is matched.

Ids carry a token of the exchange instance, so a restarted simulator never reuses a fill
id a runtime has already booked.
"""

from __future__ import annotations

import math
import secrets
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from ordergate.policy import Quote, spec_for, symbol_root
from ordergate.runtime.brokers.errors import BrokerRejected, OrderNotOpen
from ordergate.runtime.brokers.exchange._ledger import Account
from ordergate.runtime.brokers.exchange.events import Event, Listener
from ordergate.runtime.brokers.exchange.feeds import round_to_tick
from ordergate.runtime.brokers.types import (
    AccountInfo,
    BracketLeg,
    BrokerOrder,
    BrokerOrderStatus,
    Fill,
    FillFields,
    OrderRequest,
)

Subscriber = Callable[[Event], None]
OPEN = ("working", "partially_filled")
# How many orders (and fills) an exchange remembers: past this, the oldest that have
# ended are forgotten, so a paper runtime that trades for weeks keeps a bounded history
# (reconciliation asks only for the recent ones; working orders are never forgotten).
HISTORY = 50_000
ORDER_TYPES = ("market", "limit", "stop", "stop_limit", "trailing_stop")
# An ended order as the history keeps it: its fields, in ``BrokerOrder``'s order (as a fill's
# are kept: ``types.FillFields``)
OrderFields = tuple[
    str,
    str | None,
    str,
    str,
    str,
    str,
    int,
    int,
    BrokerOrderStatus,
    str,
    float | None,
    float | None,
    str | None,
]


@dataclass(slots=True)
class Faults:
    """Misbehaviour on command. The shells read these on every message."""

    latency: float = 0.0  # seconds a shell waits before answering a request or reporting
    fill_parts: int = 1  # each order fills in up to this many parts
    mute_orders: bool = False  # shells swallow order answers and reports (lost on the wire)
    heartbeats: bool = True  # shells send heartbeats
    feed: bool = True  # shells forward quotes
    rejects: list[str] = field(default_factory=list)  # reasons for the next orders


@dataclass(slots=True)
class _Order:
    info: BrokerOrder
    triggered: bool = False
    parts_left: int = 1
    # brackets: an entry names its legs; a leg waits (``pending``) for its entry, then
    # rests with its level from ``offset`` (or as given), trailing by ``trail``
    legs: tuple[str, ...] = ()  # most orders have none: no list of their own to keep
    pending: bool = False
    oco: str | None = None
    offset: float | None = None
    trail: float | None = None


class Exchange:
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self.faults = Faults()
        self._token = secrets.token_hex(3)
        self._seq = 0
        self._accounts: dict[str, Account] = {}
        self._quotes: dict[str, Quote] = {}
        # exchange order id → order, oldest first: the orders that may still change, and
        # the orders of brackets
        self._orders: dict[str, _Order] = {}
        # exchange order id → a plain order that has ended, as its fields (``_row``), in
        # the order they ended. A tuple of strings and numbers leaves the garbage
        # collector's lists at its first young collection; kept as objects, the history
        # was three objects an order that every collection walked, up to 150,000 of them
        # (young collections of 4-9 ms, older ones of 50 ms and more, under load).
        self._ended: OrderedDict[str, OrderFields] = OrderedDict()  # the oldest leave in O(1)
        # the orders that may still be working, oldest first: a quote matches these, not
        # every order ever taken (ended ones leave at the next match)
        self._open: dict[str, _Order] = {}
        self._by_client: dict[tuple[str, str], str] = {}  # (account, client id) → exchange id
        self._fills: deque[FillFields] = deque(maxlen=HISTORY)  # kept as _ended's are
        # a bracket entry's exchange id → its fills, which price its legs (no other
        # order's are asked for, so none other is kept here)
        self._fills_of: dict[str, list[Fill]] = {}
        self._forget_at = HISTORY + _batch()  # orders remembered before a clean-up
        # who hears the events, in the order they came; each kind's calls are kept as a
        # tuple, replaced (never changed) when someone comes or goes, so an event reaches
        # those listening when it began without a copy per event
        self._listeners: list[Listener] = []
        self._rebind()
        # the instant of the step whose events are being announced (an order taken and
        # matched at once, a fill), None between steps: its events are all of that
        # instant, so a listener stamping its reports takes it rather than reading the
        # clock again for each (the paper broker: ~6.5k instructions a reading)
        self.instant: float | None = None

    # ---- events

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Call ``subscriber`` with every event from now on; returns the unsubscribe call."""
        return self.listen(Listener.of(subscriber))

    def listen(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` with every event from now on, as calls instead of event objects;
        returns the call that stops it."""
        self._listeners.append(listener)
        self._rebind()

        def stop() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)
                self._rebind()

        return stop

    def _rebind(self) -> None:
        listeners = self._listeners
        self._on_order = tuple(x.order_changed for x in listeners)
        self._on_traded = tuple(x.traded for x in listeners)
        self._on_positions = tuple(x.position_changed for x in listeners)
        self._on_balance = tuple(x.balance_changed for x in listeners)
        self._on_quote = tuple(x.quote_changed for x in listeners)
        self._on_link = tuple(x.link_fault for x in listeners)

    def _order_changed(self, info: BrokerOrder) -> None:
        for call in self._on_order:
            call(info)

    def _next_id(self, prefix: str) -> str:
        self._seq += 1
        return f"{prefix}-{self._token}-{self._seq}"

    def _keep(self, order: _Order) -> _Order:
        """Remember a new order (and its client id); past ``HISTORY`` orders, forget the
        oldest ended ones, a batch at a time (``_batch``) so that it costs little per order."""
        info = order.info
        self._orders[info.broker_order_id] = self._open[info.broker_order_id] = order
        if info.order_id is not None:
            self._by_client[(info.account, info.order_id)] = info.broker_order_id
        if len(self._orders) + len(self._ended) > self._forget_at:
            self._forget_ended()
            # if most are working, the next clean-up waits for another batch to come
            self._forget_at = max(HISTORY, len(self._orders) + len(self._ended)) + _batch()
        return order

    def _end(self, order: _Order) -> None:
        """A plain order that has ended moves to the history of ended orders (``_ended``).
        A bracket's orders stay: their legs and siblings are looked up as orders."""
        info = order.info
        plain = not order.legs and order.oco is None and not order.pending
        if plain and self._orders.pop(info.broker_order_id, None) is not None:
            self._ended[info.broker_order_id] = _row(info)

    def _info(self, broker_order_id: str) -> BrokerOrder | None:
        order = self._orders.get(broker_order_id)
        if order is not None:
            return order.info
        row = self._ended.get(broker_order_id)
        return None if row is None else BrokerOrder(*row)

    def _infos(self, broker_order_ids: tuple[str, ...]) -> list[BrokerOrder]:
        """The orders of these ids that are remembered (a bracket's legs), in that order."""
        return [info for info in map(self._info, broker_order_ids) if info is not None]

    def _forget_ended(self) -> None:
        excess = len(self._orders) + len(self._ended) - HISTORY
        forgotten: list[tuple[str, str, str | None]] = []  # (broker id, account, client id)
        while self._ended and len(forgotten) < excess:  # in the order they ended
            broker_id, row = self._ended.popitem(last=False)
            forgotten.append((broker_id, row[0], row[1]))
        ended: list[_Order] = []
        for order in self._orders.values():  # oldest first: stop once enough have ended
            if len(forgotten) + len(ended) >= excess:
                break
            if order.info.status not in OPEN:  # working orders are never forgotten
                ended.append(order)
        for order in ended:
            info = order.info
            del self._orders[info.broker_order_id]
            self._open.pop(info.broker_order_id, None)
            self._fills_of.pop(info.broker_order_id, None)
            forgotten.append((info.broker_order_id, info.account, info.order_id))
        for broker_id, account, client_id in forgotten:
            client = (account, client_id or "")
            if self._by_client.get(client) == broker_id:
                del self._by_client[client]

    # ---- accounts

    def open_account(self, account: str, balance: float) -> None:
        if account not in self._accounts:
            self._accounts[account] = Account(account, float(balance))

    def has_account(self, account: str) -> bool:
        return account in self._accounts

    def account_ids(self) -> list[str]:
        return list(self._accounts)

    def account_info(self, account: str) -> AccountInfo:
        a = self._account(account)
        return AccountInfo(a.id, round(a.balance, 2), round(a.equity(self._quotes), 2))

    def positions(self, account: str) -> dict[str, tuple[int, float]]:
        return self._account(account).positions()

    def realized(self, account: str) -> float:
        return self._account(account).realized

    def restore_positions(self, account: str, positions: dict[str, tuple[int, float]]) -> None:
        """Set an account's positions outright (a paper broker given back what the runtime stored)."""
        from ordergate.runtime.brokers.exchange._ledger import Holding

        a = self._account(account)
        a.holdings = {r: Holding(q, avg) for r, (q, avg) in positions.items() if q}

    def liquidate(self, account: str) -> None:
        """Close every position outside any order, as a prop firm's risk desk would."""
        a = self._account(account)
        a.holdings.clear()
        positions = a.positions()
        for call in self._on_positions:
            call(account, positions)

    def _account(self, account: str) -> Account:
        try:
            return self._accounts[account]
        except KeyError:
            raise BrokerRejected(f"unknown account {account}") from None

    # ---- market data

    def set_quote(self, symbol: str, bid: float | None, ask: float | None, last: float | None) -> Quote:
        """A new quote for the contract; working orders are matched against it."""
        for name, value in (("bid", bid), ("ask", ask), ("last", last)):
            if value is not None and (not math.isfinite(value) or value <= 0):
                raise ValueError(f"{name} must be a finite price above 0, not {value!r}")
        if bid is not None and ask is not None and bid > ask:
            raise ValueError(f"the bid {bid:g} is above the ask {ask:g}")
        root = symbol_root(symbol)
        quote = Quote(bid, ask, last, self.clock())
        self._quotes[root] = quote
        for call in self._on_quote:
            call(root, quote)
        self.match(root)
        return quote

    def quote(self, root: str) -> Quote | None:
        return self._quotes.get(symbol_root(root))

    def quotes(self) -> dict[str, Quote]:
        return dict(self._quotes)

    # ---- orders

    def reject_next(self, count: int = 1, reason: str = "rejected by the exchange on request") -> None:
        self.faults.rejects.extend([reason] * count)

    def submit(self, account: str, request: OrderRequest) -> BrokerOrder:
        """Take an order: it is acknowledged (``working``) and matched at once, or refused
        with BrokerRejected (the reason is the exchange's). A client id already taken
        answers the order it names: a resend never doubles an order."""
        known = self._by_client.get((account, request.order_id))
        if known is not None:
            info = self._info(known)
            assert info is not None  # a client id is forgotten with its order
            return info
        # taken and matched at one instant: the acknowledgement and a fill at once are
        # stamped alike, from one reading of the clock
        outer = self.instant
        if outer is None:
            self.instant = self.clock()
        try:
            order = self._accept(account, request)
            self._match_one(order)
        finally:
            self.instant = outer
        if order.info.status not in OPEN:  # filled at once: nothing to match
            self._open.pop(order.info.broker_order_id, None)
            self._end(order)
        return order.info

    def _accept(self, account: str, request: OrderRequest) -> _Order:
        """Acknowledge an order (``working``) without matching it; BrokerRejected when refused."""
        reason = self._refusal(account, request)
        broker_id = self._next_id("X")
        info = BrokerOrder(
            account,
            request.order_id,
            broker_id,
            request.root,
            request.symbol,
            request.side,
            request.qty,
            0,
            "working",
            request.type,
            request.price,
            request.stop_price,
        )
        if reason is not None:
            self._order_changed(replace(info, status="rejected", reason=reason))
            raise BrokerRejected(reason)
        order = self._keep(_Order(info, parts_left=max(1, self.faults.fill_parts)))
        for call in self._on_order:  # inline: every order passes here
            call(info)
        return order

    def _refusal(self, account: str, request: OrderRequest) -> str | None:
        if account not in self._accounts:
            return f"unknown account {account}"
        if self.faults.rejects:
            return self.faults.rejects.pop(0)
        if request.type not in ORDER_TYPES:
            return f"unknown order type {request.type}"
        if request.qty <= 0:
            return "quantity must be at least 1"
        if request.type in ("limit", "stop_limit") and request.price is None:
            return f"a {request.type} order needs a price"
        if request.type in ("stop", "stop_limit", "trailing_stop") and request.stop_price is None:
            return f"a {request.type} order needs a stop price"
        if request.type == "market" and self._touch(request.root, request.side) is None:
            return f"no quote for {request.root}"
        return None

    def cancel(self, account: str, broker_order_id: str) -> BrokerOrder:
        """Cancel a working order; OrderNotOpen when it is filled, cancelled or unknown."""
        order = self._orders.get(broker_order_id)
        if order is None or order.info.account != account:
            ended = self._info(broker_order_id)
            if ended is not None and ended.account == account:
                raise OrderNotOpen(f"order {broker_order_id} is {ended.status}")
            raise OrderNotOpen(f"no order {broker_order_id}")
        if order.info.status not in OPEN:
            raise OrderNotOpen(f"order {broker_order_id} is {order.info.status}")
        order.info = replace(order.info, status="cancelled", reason="cancelled on request")
        self._order_changed(order.info)
        self._entry_done(order)
        return order.info

    def amend(
        self,
        account: str,
        broker_order_id: str,
        *,
        price: float | None = None,
        stop_price: float | None = None,
    ) -> BrokerOrder:
        """Move a working order's price or stop price (a broker's modify); OrderNotOpen
        when it is filled, cancelled or unknown."""
        order = self._orders.get(broker_order_id)
        if order is None or order.info.account != account or order.info.status not in OPEN:
            raise OrderNotOpen(f"no working order {broker_order_id}")
        order.info = replace(
            order.info,
            price=order.info.price if price is None else price,
            stop_price=order.info.stop_price if stop_price is None else stop_price,
        )
        self._order_changed(order.info)
        return order.info

    def expire(self, broker_order_id: str, reason: str = "the session ended") -> None:
        order = self._orders.get(broker_order_id)
        if order is not None and order.info.status in OPEN:
            order.info = replace(order.info, status="expired", reason=reason)
            self._order_changed(order.info)
            self._entry_done(order)

    def order(self, broker_order_id: str) -> BrokerOrder | None:
        return self._info(broker_order_id)

    def find(self, account: str, client_id: str) -> BrokerOrder | None:
        """The order the client sent under ``client_id``, in whatever state it is now."""
        broker_id = self._by_client.get((account, client_id))
        return self._info(broker_id) if broker_id else None

    def open_orders(self, account: str) -> list[BrokerOrder]:
        return [
            o.info
            for o in self._open.values()
            if o.info.account == account and o.info.status in OPEN and not o.pending
        ]

    def fills(self, account: str, since: float = 0.0) -> list[Fill]:
        return [Fill(*f) for f in self._fills if f[0] == account and f[7] >= since]

    # ---- brackets

    def submit_bracket(
        self, account: str, entry: OrderRequest, legs: tuple[BracketLeg, ...]
    ) -> tuple[BrokerOrder, list[BrokerOrder]]:
        """Take an entry with its exit legs (one-sends-other): the entry is acknowledged and
        matched at once; the legs wait for it to be done (``_entry_done``). A resend with
        the entry's client id answers the bracket it names."""
        known = self._by_client.get((account, entry.order_id))
        if known is not None:
            order = self._orders.get(known)
            if order is None:  # a plain order of that id, ended
                ended = self._info(known)
                assert ended is not None  # a client id is forgotten with its order
                return ended, []
            return order.info, self._infos(order.legs)
        reason = _bracket_refusal(entry, legs)
        if reason is not None:
            raise BrokerRejected(reason)
        order = self._accept(account, entry)
        side = "sell" if entry.side == "buy" else "buy"
        leg_ids: list[str] = []
        for leg in legs:
            leg_id = self._next_id("X")
            info = BrokerOrder(
                account, leg.order_id, leg_id, entry.root, entry.symbol, side, entry.qty, 0,
                "working", leg.type, leg.price, leg.stop_price,
            )  # fmt: skip
            trail = leg.offset if leg.type == "trailing_stop" else None
            self._keep(_Order(info, pending=True, offset=leg.offset, trail=trail))
            leg_ids.append(leg_id)
        order.legs = tuple(leg_ids)
        if len(order.legs) == 2:
            first, second = (self._orders[leg] for leg in order.legs)
            first.oco, second.oco = second.info.broker_order_id, first.info.broker_order_id
        self._match_one(order)
        return order.info, self._infos(order.legs)

    def rest_legs(
        self, account: str, legs: tuple[OrderRequest, ...], trails: Mapping[str, float]
    ) -> list[BrokerOrder]:
        """Exit legs that rest at once, one-cancels-other: a market kept in memory given
        back its brackets at a restart. A leg whose client id is known is found, not
        sent again; ``trails`` (by client id) make a trailing stop trail again."""
        infos = [self.submit(account, leg) for leg in legs]
        # a leg that filled at once has ended (and left ``_orders``): nothing to trail or link
        orders = [o for o in map(self._orders.get, (i.broker_order_id for i in infos)) if o is not None]
        for order in orders:
            order.trail = trails.get(order.info.order_id or "")
        if len(orders) == 2:
            first, second = orders
            first.oco, second.oco = second.info.broker_order_id, first.info.broker_order_id
        return [self._info(i.broker_order_id) or i for i in infos]

    def _entry_done(self, entry: _Order) -> None:
        """An entry ended: its legs rest for what it filled, or end with it unfilled."""
        info = entry.info
        legs = [self._orders[x] for x in entry.legs if x in self._orders]
        legs = [leg for leg in legs if leg.pending and leg.info.status in OPEN]
        if not legs:
            return
        if info.filled_qty == 0:
            for leg in legs:
                leg.pending = False
                leg.info = replace(leg.info, status="cancelled", reason="its entry did not fill")
                self._order_changed(leg.info)
            return
        mine = self._fills_of[info.broker_order_id]
        fill = sum(f.qty * f.price for f in mine) / sum(f.qty for f in mine)
        for leg in legs:
            leg.pending = False
            leg.parts_left = max(1, self.faults.fill_parts)
            price, stop_price = _leg_levels(leg, info.side, fill)
            leg.info = replace(leg.info, qty=info.filled_qty, price=price, stop_price=stop_price)
            self._order_changed(leg.info)

    def _one_cancels_other(self, leg: _Order) -> None:
        """A leg that filled cancels its sibling; one that filled in part leaves the
        sibling as much as it has left, so the position stays covered and never reversed."""
        sibling = self._orders.get(leg.oco or "")
        if sibling is None or sibling.info.status not in OPEN:
            return
        if leg.info.status == "filled":
            sibling.info = replace(
                sibling.info, status="cancelled", reason="one-cancels-other: the other leg filled"
            )
        else:
            left = leg.info.qty - leg.info.filled_qty
            sibling.info = replace(sibling.info, qty=sibling.info.filled_qty + left)
        self._order_changed(sibling.info)

    def _trail(self, order: _Order) -> None:
        """A trailing stop follows the market: its stop moves towards it, never back."""
        info, quote = order.info, self._quotes.get(order.info.root)
        if quote is None or order.trail is None or info.stop_price is None:
            return
        sell = info.side == "sell"
        ref = quote.last if quote.last is not None else (quote.bid if sell else quote.ask)
        if ref is None:
            return
        level = _on_tick(info.root, ref - order.trail if sell else ref + order.trail, up=not sell)
        if (level > info.stop_price) if sell else (level < info.stop_price):
            order.info = replace(info, stop_price=level)

    # ---- faults that happen at an instant

    def drop_connections(self) -> None:
        """Every shell closes its clients' links now."""
        for call in self._on_link:
            call("drop")

    # ---- matching

    def match(self, root: str | None = None) -> None:
        """Match every working order (of ``root``) against the current quotes."""
        for broker_id, order in list(self._open.items()):
            if order.info.status not in OPEN:
                self._open.pop(broker_id, None)  # it has ended since it was taken
                self._end(order)
                continue
            if not order.pending and (root is None or order.info.root == root):
                if order.trail is not None:
                    self._trail(order)
                self._match_one(order)

    def _touch(self, root: str, side: str) -> float | None:
        q = self._quotes.get(root)
        if q is None:
            return None
        return (q.ask if side == "buy" else q.bid) or q.last

    def _match_one(self, order: _Order) -> None:
        info = order.info
        touch = self._touch(info.root, info.side)
        if touch is None:
            return
        buy = info.side == "buy"
        if info.type in ("stop", "stop_limit", "trailing_stop") and not order.triggered:
            q = self._quotes[info.root]
            trade = q.last if q.last is not None else touch
            assert info.stop_price is not None
            if not ((buy and trade >= info.stop_price) or (not buy and trade <= info.stop_price)):
                return
            order.triggered = True
        if info.type in ("limit", "stop_limit"):
            assert info.price is not None
            if not (touch <= info.price if buy else touch >= info.price):
                return
        left = info.qty - info.filled_qty
        part = left if order.parts_left <= 1 else max(1, math.ceil(left / order.parts_left))
        order.parts_left -= 1
        self._execute(order, part, round_to_tick(info.root, touch))

    def _execute(self, order: _Order, qty: int, price: float) -> None:
        info = order.info
        account = self._accounts[info.account]
        account.book(info.root, info.side, qty, price)
        filled = info.filled_qty + qty
        after = order.info = _with_fill(info, filled, "filled" if filled >= info.qty else "partially_filled")
        outer = ts = self.instant
        if ts is None:
            ts = self.clock()
        row: FillFields = (
            info.account,
            info.order_id,
            info.root,
            info.symbol,
            info.side,
            qty,
            price,
            ts,
            self._next_id("F"),
            info.broker_order_id,
        )
        fill = Fill(*row)
        self._fills.append(row)
        if order.legs:  # an entry whose legs its average fill will price (_entry_done)
            self._fills_of.setdefault(info.broker_order_id, []).append(fill)
        # the events inline, built once for every listener: a fill is the hot path
        self.instant = ts  # the position and balance it left are of its instant too
        try:
            for traded in self._on_traded:
                traded(fill, after)
            positions = account.positions()
            for position_changed in self._on_positions:
                position_changed(info.account, positions)
            balance, equity, realized = account.balance, account.equity(self._quotes), account.realized
            for balance_changed in self._on_balance:
                balance_changed(info.account, balance, equity, realized)
        finally:
            self.instant = outer
        if order.oco is not None:  # a bracket leg; others have no sibling to tell
            self._one_cancels_other(order)
        if order.legs and order.info.status == "filled":  # an entry with legs waiting
            self._entry_done(order)


def _batch() -> int:
    """How many orders past ``HISTORY`` a clean-up waits for, and then forgets: a
    hundredth of it. Each clean-up runs on the event loop between two orders; a tenth
    (5,000 orders) took it 3-5 ms, a stall of every order in flight."""
    return max(1, HISTORY // 100)


def _row(info: BrokerOrder) -> OrderFields:
    """An order's fields as a tuple, in ``BrokerOrder``'s order (a test pins that they agree)."""
    return (
        info.account, info.order_id, info.broker_order_id, info.root, info.symbol, info.side,
        info.qty, info.filled_qty, info.status, info.type, info.price, info.stop_price, info.reason,
    )  # fmt: skip


def _with_fill(info: BrokerOrder, filled_qty: int, status: BrokerOrderStatus) -> BrokerOrder:
    """``replace(info, filled_qty=..., status=...)`` spelled out: once per fill, and
    ``replace`` costs twice the building of the order (a test pins that they agree)."""
    return BrokerOrder(
        info.account, info.order_id, info.broker_order_id, info.root, info.symbol, info.side,
        info.qty, filled_qty, status, info.type, info.price, info.stop_price, info.reason,
    )  # fmt: skip


# ---- bracket legs


def _bracket_refusal(entry: OrderRequest, legs: tuple[BracketLeg, ...]) -> str | None:
    kinds = [leg.kind for leg in legs]
    if not legs or len(set(kinds)) != len(kinds):
        return "a bracket takes one take profit and one stop loss, or one of them"
    for leg in legs:
        given = [
            n
            for n, v in (("offset", leg.offset), ("price", leg.price), ("stop_price", leg.stop_price))
            if v is not None
        ]
        allowed = {
            "limit": ("offset", "price"),
            "stop": ("offset", "stop_price"),
            "trailing_stop": ("offset",),
        }
        if leg.type not in allowed or len(given) != 1 or given[0] not in allowed[leg.type]:
            return f"the {leg.kind} leg ({leg.type}) needs one of {', '.join(allowed.get(leg.type, ()))}"
        if any(
            v is not None and (not math.isfinite(v) or v <= 0)
            for v in (leg.offset, leg.price, leg.stop_price)
        ):
            return f"the {leg.kind} leg's level must be a price above 0"
    return None


def _on_tick(root: str, price: float, *, up: bool) -> float:
    spec = spec_for(root)
    tick = spec.tick_size if spec else 0.01
    ticks = price / tick
    n = math.ceil(ticks - 1e-9) if up else math.floor(ticks + 1e-9)
    return round(n * tick, 10)


def _leg_levels(leg: _Order, entry_side: str, fill: float) -> tuple[float | None, float | None]:
    """A leg's (price, stop price) from its entry's average fill; offsets round away from
    the fill, so a leg is never nearer than asked."""
    info = leg.info
    if leg.offset is None:
        return info.price, info.stop_price
    sign = 1 if entry_side == "buy" else -1
    if info.type == "limit":
        return _on_tick(info.root, fill + sign * leg.offset, up=sign > 0), None
    return None, _on_tick(info.root, fill - sign * leg.offset, up=sign < 0)
