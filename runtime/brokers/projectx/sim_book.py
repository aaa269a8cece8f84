"""The ProjectX simulator's book: ProjectX ids and records over the shared exchange.

The exchange speaks in string ids, roots and ``BrokerOrder``/``Fill``; ProjectX in
integer ids, contract ids and its own records. The book keeps the mapping both ways,
turns every exchange event into the ProjectX record it changes, and hands it to its
listeners (the hubs) as a ``Change``. REST handlers read the same records, so a hub
event and a REST search can never disagree.

Order types the exchange lacks are built from the ones it has: JoinBid / JoinAsk are
limit orders at the current bid / ask, and a TrailingStop is a stop placed
``trailPrice`` away from the last price (it does not trail further). Order/modify is a
cancel and a new order at the exchange under the same ProjectX id, whose exchange
events are hidden so the client sees one order change.

An order placed with ``stopLossBracket`` / ``takeProfitBracket`` (``{ticks, type}``) is
the exchange's own bracket: the legs, that many ticks of the contract from the entry's
average fill, become ProjectX orders of their own (no ``customTag``) when the entry
fills, and cancel each other; a TrailingStop leg trails.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

from ordergate.policy import canonical_root
from ordergate.runtime.brokers.errors import BrokerRejected
from ordergate.runtime.brokers.exchange import (
    BalanceChanged,
    Event,
    Exchange,
    OrderChanged,
    PositionChanged,
    QuoteChanged,
    Traded,
)
from ordergate.runtime.brokers.exchange._ledger import point_value
from ordergate.runtime.brokers.projectx.contracts import front_contracts
from ordergate.runtime.brokers.projectx.hubs import Action
from ordergate.runtime.brokers.projectx.models import (
    Account,
    Contract,
    Order,
    OrderSide,
    OrderStatus,
    OrderType,
    PlaceOrder,
    Position,
    PositionType,
    Trade,
    parse_timestamp,
    timestamp,
)
from ordergate.runtime.brokers.types import BracketLeg, BrokerOrder, OrderRequest

STATUS = {
    "working": OrderStatus.OPEN,
    "partially_filled": OrderStatus.OPEN,
    "filled": OrderStatus.FILLED,
    "cancelled": OrderStatus.CANCELLED,
    "rejected": OrderStatus.REJECTED,
    "expired": OrderStatus.EXPIRED,
}
OPEN_STATUSES = (OrderStatus.OPEN, OrderStatus.PENDING)


@dataclass(frozen=True, slots=True)
class Change:
    """One record changed: ``kind`` is accounts, orders, positions, trades or quote."""

    kind: str
    account: int | None  # None for market data
    action: Action
    record: dict[str, object]
    contract: str | None = None


@dataclass
class _Order:
    record: Order
    exchange_id: str
    root: str
    fill_cost: float = 0.0


@dataclass
class SimBook:
    exchange: Exchange
    contracts: dict[str, Contract] = field(default_factory=dict)  # root → front month
    accounts: dict[int, str] = field(default_factory=dict)  # ProjectX id → exchange account
    listeners: list[Callable[[Change], None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._ids = itertools.count(1)
        self._orders: dict[int, _Order] = {}
        self._by_exchange: dict[str, int] = {}
        self._trades: list[Trade] = []
        self._positions: dict[tuple[int, str], Position] = {}
        self._held: dict[str, dict[str, tuple[int, float]]] = {}
        self._hidden: set[str] = set()  # exchange ids whose events a modify hides
        self._pending_client: tuple[str, str, int] | None = None  # the order being submitted
        self._replacing: int | None = None  # the order being modified
        # bracket legs waiting for their entry: (account, client id) → (ProjectX account, type)
        self._legs: dict[tuple[str, str], tuple[int, int]] = {}
        self.bars: dict[str, list[tuple[float, float, int]]] = {}  # root → (ts, price, volume)
        if not self.contracts:
            self.contracts = front_contracts(self.exchange.clock())
        for name in self.exchange.account_ids():
            self.add_account(name)
        self.exchange.subscribe(self._on_event)

    # ---- accounts and contracts

    def add_account(self, name: str) -> int:
        for px_id, known in self.accounts.items():
            if known == name:
                return px_id
        px_id = int(name) if name.isdigit() else 10_000 + len(self.accounts) + 1
        self.accounts[px_id] = name
        self._held[name] = self.exchange.positions(name)
        return px_id

    def account_id(self, name: str) -> int | None:
        return next((i for i, n in self.accounts.items() if n == name), None)

    def account(self, px_id: int) -> Account:
        info = self.exchange.account_info(self.accounts[px_id])
        return Account(
            id=px_id, name=info.id, balance=info.balance, can_trade=True, is_visible=True, simulated=True
        )

    def contract(self, contract_id: str) -> Contract | None:
        for c in self.contracts.values():
            if c.id.upper() == contract_id.upper():
                return c
        return None

    def contract_of_root(self, root: str) -> Contract | None:
        return self.contracts.get(root)

    def search_contracts(self, text: str) -> list[Contract]:
        text = text.strip().upper()
        found = [
            c
            for root, c in self.contracts.items()
            if not text or text in (root, c.name) or root.startswith(text) or text in c.description.upper()
        ]
        return found[:20]

    # ---- orders

    def next_id(self) -> int:
        return next(self._ids)

    def place(self, body: PlaceOrder) -> int:
        """Send an order to the exchange; its ProjectX id. BrokerRejected when refused."""
        contract = self.contract(body.contract_id)
        if contract is None:
            raise LookupError(body.contract_id)
        root = canonical_root(contract.id) or contract.name
        account = self.accounts[body.account_id]
        if body.custom_tag and any(
            o.record.custom_tag == body.custom_tag and o.record.account_id == body.account_id
            for o in self._orders.values()
        ):
            raise BrokerRejected(f"the custom tag {body.custom_tag!r} is already in use on this account")
        request = self._request(body, contract, root)
        px_id = self.next_id()
        now = timestamp(self.exchange.clock())
        record = Order(
            id=px_id,
            account_id=body.account_id,
            contract_id=contract.id,
            symbol_id=contract.symbol_id,
            creation_timestamp=now,
            update_timestamp=now,
            status=int(OrderStatus.PENDING),
            type=body.type,
            side=body.side,
            size=body.size,
            limit_price=request.price,
            stop_price=request.stop_price,
            custom_tag=body.custom_tag,
        )
        self._orders[px_id] = _Order(record, "", root)
        self._pending_client = (account, request.order_id, px_id)
        try:
            legs = self._bracket(body, request, contract.tick_size)
            if legs:
                self.exchange.submit_bracket(account, request, legs)
            else:
                self.exchange.submit(account, request)
        except BrokerRejected:
            self._orders.pop(px_id, None)
            raise
        finally:
            self._pending_client = None
        return px_id

    def _bracket(self, body: PlaceOrder, entry: OrderRequest, tick: float) -> tuple[BracketLeg, ...]:
        """The place body's brackets as exchange legs, ``ticks`` of the contract away."""
        legs = []
        for kind, bracket in (
            ("take_profit", body.take_profit_bracket),
            ("stop_loss", body.stop_loss_bracket),
        ):
            if bracket is None:
                continue
            if bracket.ticks == 0:  # signed by direction or not, the distance is what counts
                raise BrokerRejected(f"a {kind.replace('_', ' ')} bracket needs ticks other than 0")
            allowed = {
                "take_profit": {OrderType.LIMIT: "limit"},
                "stop_loss": {OrderType.STOP: "stop", OrderType.TRAILING_STOP: "trailing_stop"},
            }
            leg_type = allowed[kind].get(bracket.type)  # type: ignore[call-overload]
            if leg_type is None:
                raise BrokerRejected(
                    f"a {kind.replace('_', ' ')} bracket of type {bracket.type} is not offered"
                )
            client_id = f"px-{self.next_id()}"
            self._legs[(self.accounts[body.account_id], client_id)] = (body.account_id, int(bracket.type))
            legs.append(BracketLeg(client_id, kind, leg_type, offset=round(abs(bracket.ticks) * tick, 10)))  # type: ignore[arg-type]
        return tuple(legs)

    def _leg_record(self, order: BrokerOrder) -> int | None:
        """A bracket leg the exchange rests for its entry becomes a ProjectX order."""
        known = self._legs.pop((order.account, order.order_id or ""), None)
        contract = self.contracts.get(order.root)
        if known is None or contract is None:
            return None
        px_id, now = self.next_id(), timestamp(self.exchange.clock())
        record = Order(
            id=px_id, account_id=known[0], contract_id=contract.id, symbol_id=contract.symbol_id,
            creation_timestamp=now, update_timestamp=now, status=int(OrderStatus.PENDING), type=known[1],
            side=int(OrderSide.BID if order.side == "buy" else OrderSide.ASK), size=order.qty,
            limit_price=order.price, stop_price=order.stop_price, custom_tag=None,
        )  # fmt: skip
        self._orders[px_id] = _Order(record, order.broker_order_id, order.root)
        return px_id

    def _request(self, body: PlaceOrder, contract: Contract, root: str) -> OrderRequest:
        if body.side not in (OrderSide.BID, OrderSide.ASK):
            raise BrokerRejected(f"unknown side {body.side}")
        side = "buy" if body.side == OrderSide.BID else "sell"
        client_id = body.custom_tag or f"px-{self.next_id()}"
        kind, price, stop = self._kind(body, root, side)
        return OrderRequest(client_id, contract.name, root, side, body.size, kind, price, stop)

    def _kind(self, body: PlaceOrder, root: str, side: str) -> tuple[str, float | None, float | None]:
        quote = self.exchange.quote(root)
        match body.type:
            case OrderType.MARKET:
                return "market", None, None
            case OrderType.LIMIT:
                return "limit", body.limit_price, None
            case OrderType.STOP:
                return "stop", None, body.stop_price
            case OrderType.STOP_LIMIT:
                return "stop_limit", body.limit_price, body.stop_price
            case OrderType.JOIN_BID | OrderType.JOIN_ASK:
                touch = None if quote is None else quote.bid if body.type == OrderType.JOIN_BID else quote.ask
                if touch is None:
                    raise BrokerRejected(f"no {'bid' if body.type == OrderType.JOIN_BID else 'ask'} to join")
                return "limit", touch, None
            case OrderType.TRAILING_STOP:
                if body.trail_price is None or body.trail_price <= 0 or quote is None or quote.last is None:
                    raise BrokerRejected("a trailing stop needs a trailPrice and a last price")
                offset = -body.trail_price if side == "sell" else body.trail_price
                return "stop", None, quote.last + offset
        raise BrokerRejected(f"unknown order type {body.type}")

    def order(self, px_id: int) -> Order | None:
        held = self._orders.get(px_id)
        return held.record if held else None

    def exchange_id(self, px_id: int) -> str:
        return self._orders[px_id].exchange_id

    def orders(self, account: int, start: float = 0.0, end: float | None = None) -> list[Order]:
        out = []
        for held in self._orders.values():
            r = held.record
            created = parse_timestamp(r.creation_timestamp)
            if r.account_id == account and created >= start and (end is None or created <= end):
                out.append(r)
        return out

    def open_orders(self, account: int) -> list[Order]:
        return [
            o.record
            for o in self._orders.values()
            if o.record.account_id == account and o.record.status in OPEN_STATUSES
        ]

    def modify(self, px_id: int, size: int | None, limit: float | None, stop: float | None) -> None:
        """Replace an open order's size or prices, keeping its ProjectX id."""
        held = self._orders[px_id]
        old = self.exchange.order(held.exchange_id)
        assert old is not None
        self._hidden.add(held.exchange_id)
        self.exchange.cancel(old.account, held.exchange_id)
        request = OrderRequest(
            f"{old.order_id}~{self.next_id()}",
            old.symbol,
            old.root,
            old.side,
            (size if size is not None else old.qty) - old.filled_qty,
            old.type,
            limit if limit is not None else old.price,
            stop if stop is not None else old.stop_price,
        )
        self._replacing = px_id
        try:
            info = self.exchange.submit(old.account, request)
        finally:
            self._replacing = None
        held.exchange_id = info.broker_order_id
        self._by_exchange[info.broker_order_id] = px_id
        held.record = held.record.model_copy(
            update={
                "size": size if size is not None else held.record.size,
                "limit_price": request.price,
                "stop_price": request.stop_price,
                "update_timestamp": timestamp(self.exchange.clock()),
            }
        )
        self._announce_order(held)

    # ---- positions and trades

    def positions(self, account: int) -> list[Position]:
        return [p for (a, _root), p in self._positions.items() if a == account]

    def position(self, account: int, contract_id: str) -> Position | None:
        return next(
            (p for p in self.positions(account) if p.contract_id.upper() == contract_id.upper()), None
        )

    def trades(self, account: int, start: float = 0.0, end: float | None = None) -> list[Trade]:
        return [
            t
            for t in self._trades
            if t.account_id == account
            and parse_timestamp(t.creation_timestamp) >= start
            and (end is None or parse_timestamp(t.creation_timestamp) <= end)
        ]

    # ---- exchange events → ProjectX records

    def _on_event(self, event: Event) -> None:
        match event:
            case OrderChanged(order):
                self._order_changed(order)
            case Traded(fill, order):
                self._traded(fill.fill_id, order, fill.qty, fill.price, fill.ts)
            case PositionChanged(account, positions):
                self._positions_changed(account, dict(positions))
            case BalanceChanged(account):
                px_id = self.account_id(account)
                if px_id is not None:
                    self._tell(Change("accounts", px_id, Action.UPDATE, self.account(px_id).wire()))
            case QuoteChanged(root, quote):
                if quote.last is not None:
                    self.bars.setdefault(root, []).append(
                        (quote.time or self.exchange.clock(), quote.last, 0)
                    )
                contract = self.contracts.get(root)
                if contract is not None:
                    self._tell(Change("quote", None, Action.UPDATE, {"quote": quote}, contract.id))

    def _px_of(self, order: BrokerOrder) -> int | None:
        px_id = self._by_exchange.get(order.broker_order_id)
        if px_id is None and self._pending_client is not None:
            account, client_id, pending = self._pending_client
            if order.account == account and order.order_id == client_id:
                px_id = pending
        if px_id is None and self._replacing is not None:
            px_id = self._replacing
        if px_id is None and order.status == "working":
            px_id = self._leg_record(order)
        if px_id is not None:
            self._by_exchange[order.broker_order_id] = px_id
        return px_id

    def _order_changed(self, order: BrokerOrder) -> None:
        if order.broker_order_id in self._hidden:
            return
        px_id = self._px_of(order)
        if px_id is None:
            return  # an order another broker's client placed on the shared exchange
        held = self._orders[px_id]
        held.exchange_id = order.broker_order_id
        if self._replacing == px_id and order.status == "working":
            return  # a modify's new half: the modify itself announces the change
        held.record = held.record.model_copy(
            update={"status": int(STATUS[order.status]), "update_timestamp": timestamp(self.exchange.clock())}
        )
        self._announce_order(held)

    def _announce_order(self, held: _Order) -> None:
        self._tell(Change("orders", held.record.account_id, Action.UPDATE, held.record.wire()))

    def _traded(self, fill_id: str, order: BrokerOrder, qty: int, price: float, ts: float) -> None:
        px_id = self._px_of(order)
        if px_id is None:
            return
        held = self._orders[px_id]
        side = int(held.record.side)
        before = self._held.get(order.account, {}).get(order.root, (0, 0.0))
        signed = qty if order.side == "buy" else -qty
        pnl: float | None = None
        if before[0] and (before[0] > 0) != (signed > 0):
            closing = min(qty, abs(before[0]))
            pnl = round(
                (price - before[1]) * closing * (1 if before[0] > 0 else -1) * point_value(order.root), 2
            )
        trade = Trade(
            id=self.next_id(),
            account_id=held.record.account_id,
            contract_id=held.record.contract_id,
            creation_timestamp=timestamp(ts),
            price=price,
            profit_and_loss=pnl,
            fees=0.0,
            side=side,
            size=qty,
            voided=False,
            order_id=px_id,
        )
        self._trades.append(trade)
        held.fill_cost += qty * price
        filled = held.record.fill_volume + qty
        held.record = held.record.model_copy(
            update={
                "fill_volume": filled,
                "filled_price": round(held.fill_cost / filled, 10),
                "status": int(STATUS[order.status]),
                "update_timestamp": timestamp(ts),
            }
        )
        self.bars.setdefault(order.root, []).append((ts, price, qty))
        # A fill reports its order first, then the trade, as ProjectX streams them.
        self._announce_order(held)
        self._tell(Change("trades", held.record.account_id, Action.CREATE, trade.wire()))
        self._tell(
            Change(
                "market_trade",
                None,
                Action.CREATE,
                {
                    "symbolId": held.record.symbol_id,
                    "price": price,
                    "timestamp": timestamp(ts),
                    "type": side,
                    "volume": qty,
                },
                held.record.contract_id,
            )
        )

    def _positions_changed(self, account: str, positions: dict[str, tuple[int, float]]) -> None:
        px_id = self.account_id(account)
        before = self._held.get(account, {})
        self._held[account] = positions
        if px_id is None:
            return
        now = timestamp(self.exchange.clock())
        for root in sorted(set(before) | set(positions)):
            qty, avg = positions.get(root, (0, 0.0))
            if before.get(root) == (qty, avg):
                continue
            contract = self.contracts.get(root)
            if contract is None:
                continue
            key = (px_id, root)
            old = self._positions.get(key)
            record = Position(
                id=old.id if old else self.next_id(),
                account_id=px_id,
                contract_id=contract.id,
                creation_timestamp=old.creation_timestamp if old and qty else now,
                type=int(
                    PositionType.LONG
                    if qty > 0
                    else PositionType.SHORT
                    if qty < 0
                    else (old.type if old else 0)
                ),
                size=abs(qty),
                average_price=avg if qty else (old.average_price if old else 0.0),
            )
            if qty:
                self._positions[key] = record
                self._tell(Change("positions", px_id, Action.UPDATE if old else Action.CREATE, record.wire()))
            else:
                self._positions.pop(key, None)
                # A closed position is sent with size 0 and the delete action: clients look at either.
                self._tell(Change("positions", px_id, Action.DELETE, record.wire()))

    def _tell(self, change: Change) -> None:
        for listener in list(self.listeners):
            listener(change)
