"""What the Rithmic plants push: order notifications (351, 352), instrument and account
PnL (450, 451), quotes (150, 151) and rejections (75), kept as the adapter's view of its
accounts and turned into the runtime's events.

``RithmicFeed`` holds that view and its handlers, including how a bracket leg the
gateway released is named by the leg it is; ``client.RithmicBroker`` builds on it with
the plant links, the login and the requests.

What it keeps of orders is bounded (``HISTORY``): everything about an order (keyed by its
basket id) while the order may still change, and for a bracket's entry while its legs
may; of the orders that ended, the newest ``HISTORY``; of fills, the last ``HISTORY``
heard, as tuples.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections import deque
from typing import Any

from ordergate.policy import Quote, spec_for, symbol_root
from ordergate.runtime.brokers.base import (
    BrokerAdapter,
    BrokerEvents,
    Clock,
    OrderHistory,
    RecentIds,
)
from ordergate.runtime.brokers.rithmic import mapping
from ordergate.runtime.brokers.rithmic.protocol import Pushed
from ordergate.runtime.brokers.types import (
    ENDED,
    AccountInfo,
    AdapterConfig,
    BalanceSnapshot,
    Fill,
    FillFields,
    OrderUpdate,
    PositionSnapshot,
    fill_fields,
)

log = logging.getLogger(__name__)
# How many orders that ended, and how many fills, the adapter remembers: past this the
# oldest are forgotten (orders that may still change never are). The gateway keeps its
# own executions for reconciliation (3506); these serve late reports and flatten.
HISTORY = 50_000


class RithmicFeed(BrokerAdapter):
    """The accounts' orders, fills, positions, balances and quotes as the plants pushed them."""

    def __init__(
        self, name: str, config: AdapterConfig, events: BrokerEvents | None = None, clock: Clock = time.time
    ) -> None:
        super().__init__(name, config, events, clock)
        self._ids: dict[str, object] = {}
        self._routes: dict[str, str] = {}  # exchange → trade route
        self._accounts: dict[str, AccountInfo] = {}
        self._positions: dict[str, dict[str, tuple[int, float]]] = {}
        self._baskets: dict[str, str] = {}  # runtime order id → basket id
        self._orders_of: dict[str, str] = {}  # basket id → runtime order id
        self._statuses: dict[str, str] = {}  # basket id → last status emitted
        self._bracket_legs: dict[str, dict[int, str]] = {}  # entry basket → bracket_type → leg basket
        self._bracket_ticks: dict[str, dict[int, int]] = {}  # entry basket → bracket_type → ticks (353)
        self._pending_legs: dict[str, dict[int, str]] = {}  # entry id → bracket_type → leg id
        self._restored_legs: list[tuple[str, str, str, int, str]] = []  # account, root, side, kind, leg
        self._refused: dict[str, str] = {}  # runtime order id → why the exchange rejected it
        # the baskets above are kept while their orders may change, then HISTORY of them
        self._history: OrderHistory[str] = OrderHistory()
        # basket → (root, side, qty, Σ price × qty) of its fills: what a leg's move is
        # priced from (the fills themselves may have left ``_fills`` by then)
        self._filled_of: dict[str, tuple[str, str, int, float]] = {}
        self._fills: deque[FillFields] = deque()  # the last HISTORY fills heard, oldest first
        self._heard = 0  # fills heard ever: flatten counts the ones after its start
        # A fill id heard twice (an order plant's replay after a reconnect) is dropped. The
        # last HISTORY ids are kept; a repeat of an older one would be reported again, to
        # a runtime that drops it by its fill id, and be counted again here by a flatten
        # under way (a repeat that late does not come: a replay is of the last moments).
        self._fill_ids = RecentIds()
        self._symbols: dict[str, tuple[str, str]] = {}  # root → trading symbol, exchange
        self._checked: set[str] = set()
        self._quoting: set[str] = set()
        self._hold_until = 0.0
        self._flat: asyncio.Event = asyncio.Event()

    def _claim(self, m: Any) -> None:
        """A leg the gateway released is named by the leg it is: the order it came from
        (``original_basket_id``) and its ``bracket_type`` (2 target, 1 stop)."""
        if m.original_basket_id and m.bracket_type:
            self._history.heard(m.original_basket_id)
            self._history.heard(m.basket_id)
            self._bracket_legs.setdefault(m.original_basket_id, {})[m.bracket_type] = m.basket_id
        if m.user_tag or not m.original_basket_id or m.basket_id in self._orders_of:
            return
        entry = self._orders_of.get(m.original_basket_id)
        leg = self._pending_legs.get(entry or "", {}).pop(m.bracket_type, None)
        if leg is None:  # one a restarted runtime gave back: by account, contract, side, kind
            key = (m.account_id, symbol_root(m.symbol), mapping.side_of(m.transaction_type), m.bracket_type)
            found = next((n for n, r in enumerate(self._restored_legs) if r[:4] == key), None)
            leg = self._restored_legs.pop(found)[4] if found is not None else None
        if leg is not None:
            self._remember(leg, m.basket_id)

    # ------------------------------------------------------------ pushes

    def _on_push(self, pushed: Pushed) -> None:
        self.heartbeat()
        m: Any = pushed.message
        template = pushed.template_id
        now = self.clock()
        if template in (351, 352):
            self._on_order_notification(m, now)
        elif template == 450:
            self._on_instrument_pnl(m, now)
        elif template == 451:
            self._take_balance(m)
        elif template in (150, 151):
            self._on_quote(m, now)
        elif template == 353:
            self._on_bracket_update(m, now)
        elif template == 75:
            log.warning("%s: Rithmic rejected a message: %s %s", self.name, m.code, m.text)

    def _on_order_notification(self, m: Any, now: float) -> None:
        self._claim(m)
        if m.user_tag and m.basket_id:
            self._remember(m.user_tag, m.basket_id)
        order_id = m.user_tag or self._orders_of.get(m.basket_id)
        self._history.heard(m.basket_id)
        fill = mapping.fill_of(m, now)
        if fill is not None and self._fill_ids.first_time(fill.fill_id, HISTORY):
            fill = fill if fill.order_id or order_id is None else with_order(fill, order_id)
            self._keep_fill(fill)
            self.emit_fill(fill)
        update = mapping.order_update(m, now)
        if update is not None and self._statuses.get(update.broker_order_id) != update.status:
            self._statuses[update.broker_order_id] = update.status
            if update.order_id is None and order_id is not None:
                update = type(update)(
                    update.account, order_id, update.broker_order_id, update.status, update.reason, update.ts
                )
            if update.status == "rejected" and update.order_id:
                self._refused[update.order_id] = update.reason or "rejected by the exchange"
            self.emit_order(update)
        status = mapping.order_status(m)
        if status in ENDED:
            self._ended(m.basket_id)
        elif status is not None:
            self._history.opened(m.basket_id)

    def _keep_fill(self, fill: Fill) -> None:
        self._fills.append(fill_fields(fill))
        if len(self._fills) > HISTORY:
            self._fills.popleft()
        self._heard += 1
        basket = fill.broker_order_id
        if basket is not None:
            root, side, qty, value = self._filled_of.get(basket, (fill.root, fill.side, 0, 0.0))
            self._filled_of[basket] = (root, side, qty + fill.qty, value + fill.price * fill.qty)

    def _fills_after(self, count: int) -> list[Fill]:
        """The fills heard after the first ``count`` ever heard (those still remembered)."""
        new = self._heard - count
        return [Fill(*row) for row in itertools.islice(self._fills, max(len(self._fills) - new, 0), None)]

    def _ended(self, basket: str) -> None:
        """The order of ``basket`` ended: past HISTORY, forget the oldest that ended."""
        self._history.ended(basket)
        for gone in self._history.overflow(HISTORY, self._legs_working):
            self._forget(gone)

    def _legs_working(self, basket: str) -> bool:
        """A bracket's entry is kept while a leg it released may change: a 353 about the
        entry moves or cancels its legs."""
        return any(self._history.is_open(leg) for leg in self._bracket_legs.get(basket, {}).values())

    def _forget(self, basket: str) -> None:
        """Everything about the order of ``basket``: it ended long ago. A late report of it
        would be told as news (the runtime's order table knows it ended)."""
        order_id = self._orders_of.pop(basket, None)
        if order_id is not None:
            if self._baskets.get(order_id) == basket:
                del self._baskets[order_id]
            self._pending_legs.pop(order_id, None)  # legs of an entry that never filled
            self._refused.pop(order_id, None)  # a reject heard after its answer
        for table in (self._statuses, self._bracket_legs, self._bracket_ticks, self._filled_of):
            table.pop(basket, None)

    def _listed(self, basket: str, status: str) -> None:
        """An order a listing (the order list, the executions) showed in ``status``: a
        working one is kept; an end the notifications did not tell is taken from here."""
        self._history.listed(basket, working=status in ("working", "partially_filled"))

    def _on_bracket_update(self, m: Any, now: float) -> None:
        """353, what the bracket of order ``basket_id`` holds now (to accounts subscribed
        with 336): a leg's ticks changed (an update of its target or stop, from any
        session) moves the released leg's price; a leg's quantity down to 0 means the
        server cancelled it."""
        entry = m.basket_id
        self._history.heard(entry)
        seen = self._bracket_ticks.setdefault(entry, {})
        for kind, prefix in ((mapping.BRACKET_TARGET, "target"), (mapping.BRACKET_STOP, "stop")):
            if not m.HasField(f"{prefix}_ticks") and not m.HasField(f"{prefix}_quantity"):
                continue  # not a leg of this bracket
            leg = self._bracket_legs.get(entry, {}).get(kind)
            if m.HasField(f"{prefix}_quantity") and getattr(m, f"{prefix}_quantity") == 0:
                self._leg_dropped(m.account_id, entry, kind, leg, now)
                continue
            ticks, before = getattr(m, f"{prefix}_ticks"), seen.get(kind)
            seen[kind] = ticks
            if leg is not None and before is not None and ticks != before:
                self._leg_moved(m.account_id, entry, kind, leg, ticks, now)

    def _leg_moved(self, account: str, entry: str, kind: int, leg: str, ticks: int, now: float) -> None:
        filled = self._filled_of.get(entry)
        if filled is None or self._statuses.get(leg) not in (None, "working", "partially_filled"):
            return  # no fill to measure from, or the leg is done
        root, side, qty, value = filled
        spec = spec_for(root)
        if spec is None:
            return
        average = value / qty
        up = (side == "buy") == (kind == mapping.BRACKET_TARGET)  # a long's target is above
        level = round(average + (1 if up else -1) * ticks * spec.tick_size, 10)
        moved = {"price": level} if kind == mapping.BRACKET_TARGET else {"stop_price": level}
        status: Any = self._statuses.get(leg) or "working"
        self.emit_order(OrderUpdate(account, self._orders_of.get(leg), leg, status, None, now, **moved))

    def _leg_dropped(self, account: str, entry: str, kind: int, leg: str | None, now: float) -> None:
        """A leg the server took out of the bracket: released, it is cancelled (said once,
        whichever of 353 and 351 comes first); not yet released, it never will be."""
        reason = "the bracket's leg was cancelled at Rithmic"
        if leg is None:
            owner = self._orders_of.get(entry)
            tag = self._pending_legs.get(owner or "", {}).pop(kind, None)
            if tag is not None:
                self.emit_order(OrderUpdate(account, tag, "", "cancelled", reason, now))
            return
        if self._statuses.get(leg) in (None, "working", "partially_filled"):
            self._statuses[leg] = "cancelled"
            self._history.ended(leg)  # forgotten at a later clean-up: its entry is in use here
            self.emit_order(OrderUpdate(account, self._orders_of.get(leg), leg, "cancelled", reason, now))

    def _on_instrument_pnl(self, m: Any, now: float) -> None:
        account = m.account_id
        root = symbol_root(m.symbol)
        positions = self._positions.setdefault(account, {})
        if m.net_quantity:
            positions[root] = (m.net_quantity, m.avg_open_fill_price)
        else:
            positions.pop(root, None)
        self.emit_positions(PositionSnapshot(account, dict(positions), now))
        if not any(q for q, _ in positions.values()):
            self._flat.set()

    def _take_balance(self, m: Any) -> None:
        account = m.account_id
        if not account:
            return
        balance = mapping.number(m.account_balance)
        equity = balance + mapping.number(m.open_position_pnl)
        known = self._accounts.get(account)
        self._accounts[account] = AccountInfo(account, balance, equity, known.nickname if known else None)
        self.emit_balance(
            BalanceSnapshot(account, balance, equity, mapping.number(m.closed_position_pnl), self.clock())
        )
        if (
            m.HasField("net_quantity")
            and m.net_quantity == 0
            and not any(q for q, _ in self._positions.get(account, {}).values())
        ):
            self._flat.set()

    def _on_quote(self, m: Any, now: float) -> None:
        root = symbol_root(m.symbol)
        old = self.quotes.get(root) or Quote(None, None, None, now)
        if m.template_id == 151:
            bid = m.bid_price if m.presence_bits & 1 else (None if m.clear_bits & 1 else old.bid)
            ask = m.ask_price if m.presence_bits & 2 else (None if m.clear_bits & 2 else old.ask)
            quote = Quote(bid, ask, old.last, mapping.ts_of(m, now))
        else:
            last = m.trade_price if m.presence_bits & 1 else old.last
            quote = Quote(old.bid, old.ask, last, mapping.ts_of(m, now))
        self.emit_quote(root, quote)

    def _remember(self, order_id: str | None, basket: str) -> None:
        if order_id and basket:
            self._history.heard(basket)
            self._baskets[order_id] = basket
            self._orders_of[basket] = order_id


def with_order(fill: Fill, order_id: str) -> Fill:
    return Fill(
        fill.account,
        order_id,
        fill.root,
        fill.symbol,
        fill.side,
        fill.qty,
        fill.price,
        fill.ts,
        fill.fill_id,
        fill.broker_order_id,
    )
