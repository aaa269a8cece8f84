"""What Tradovate tells the adapter: the user socket's props (orders, versions,
execution reports, fills, positions, cash) and the market-data socket's quotes, kept as
the adapter's view of its accounts and turned into the runtime's events.

``TradovateFeed`` holds that view and its handlers; ``client.TradovateBroker`` builds on
it with the login, the sockets' lifetimes and the requests. A handler may ask REST for a
contract it has not seen, so the feed owns the REST shell too.

What it keeps of orders is bounded (``HISTORY``): everything about an order (keyed by its
order id) while the order may still change, and of the orders that ended, or that only a
command listing named, the newest ``HISTORY``. Reconciliation asks REST for its lists,
and names their orders from the command list again (``_learn_tags``).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from ordergate.policy import Quote, spec_for, symbol_root
from ordergate.runtime.brokers.base import (
    BrokerAdapter,
    BrokerEvents,
    Clock,
    OrderHistory,
    RecentIds,
)
from ordergate.runtime.brokers.errors import BrokerRejected, BrokerUnavailable
from ordergate.runtime.brokers.rithmic.contracts import front_month
from ordergate.runtime.brokers.tradovate import auth
from ordergate.runtime.brokers.tradovate.models import ORD_STATUS, SIDES, epoch
from ordergate.runtime.brokers.tradovate.protocol import Event
from ordergate.runtime.brokers.tradovate.rest import Rest
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

Record = dict[str, Any]
# How many orders that ended (or that only a listing named) the adapter remembers: past
# this the oldest are forgotten, with their fills; orders that may still change never are.
HISTORY = 50_000


class TradovateFeed(BrokerAdapter):
    """The accounts' orders, fills, positions, cash and quotes as Tradovate reported them."""

    def __init__(
        self, name: str, config: AdapterConfig, events: BrokerEvents | None = None, clock: Clock = time.time
    ) -> None:
        super().__init__(name, config, events, clock)
        s = config.settings
        self.ends = auth.endpoints_for(s.get("environment"), s.get("endpoint"))
        self.rest = Rest(self.ends.rest)
        self._ids: dict[str, int] = {}  # account name → id
        self._names: dict[int, str] = {}
        self._accounts: dict[str, AccountInfo] = {}
        self._contracts: dict[int, str] = {}  # contract id → name
        self._contract_ids: dict[str, int] = {}
        self._orders: dict[int, Record] = {}  # order id → order entity
        self._versions: dict[int, Record] = {}
        self._reasons: dict[int, str] = {}  # order id → the last report's text
        self._said: dict[int, str] = {}  # order id → last status emitted
        self._tags: dict[int, str] = {}  # order id → runtime order id
        self._broker_ids: dict[str, int] = {}  # runtime order id → order id
        self._held: dict[int, dict[int, tuple[int, float]]] = {}  # account id → contract id → position
        self._cash: dict[int, Record] = {}
        self._fills: dict[int, tuple[FillFields, ...]] = {}  # order id → its fills, as tuples
        # the order ids of the tables above (``_broker_ids`` by their tags): kept while
        # their orders may change, then HISTORY of them
        self._history: OrderHistory[int] = OrderHistory()
        # A fill id heard twice is dropped: the fills of an order sum to what it filled
        # (flatten, distance legs). The last HISTORY ids are kept; a repeat of an older one
        # would be told again, to a runtime that drops it by its fill id, and added to its
        # order's fills if the order is still remembered, which nothing reads once that
        # order is done (flatten and distance legs read the order that just filled).
        self._fill_ids = RecentIds()
        self._quotes: dict[int, Quote] = {}
        self._inflight = 0
        self._waiting: list[tuple[str, Record]] = []  # props held while a place is in flight
        self._changed = asyncio.Event()

    # ---- events from the sockets

    async def _on_user_event(self, event: Event) -> None:
        self.heartbeat()
        if event.kind != "props" or not isinstance(event.data, dict):
            return
        await self._apply(str(event.data.get("entityType")), event.data.get("entity") or {})

    async def _apply(self, kind: str, entity: Record, *, snapshot: bool = False) -> None:
        order_id = (
            entity.get("orderId") if kind in ("fill", "executionReport", "orderVersion") else entity.get("id")
        )
        if (
            kind in ("order", "fill", "executionReport")
            and self._inflight
            and isinstance(order_id, int)
            and order_id not in self._tags
        ):
            self._waiting.append((kind, entity))  # the place answer will name it
            return
        if kind == "order":
            self._on_order(entity, snapshot)
        elif kind == "orderVersion":
            self._history.heard(int(entity["orderId"]))
            self._versions[int(entity["orderId"])] = entity
        elif kind == "executionReport":
            if entity.get("text") or entity.get("rejectReason"):
                self._history.heard(int(entity["orderId"]))
                self._reasons[int(entity["orderId"])] = str(entity.get("text") or entity.get("rejectReason"))
        elif kind == "fill":
            await self._on_fill(entity)
        elif kind == "position":
            await self._on_position(entity, snapshot)
        elif kind == "cashBalance":
            self._on_cash(entity)
        elif kind == "contract":
            self._learn_contract(entity)
        elif kind == "command":
            self._learn_tag(entity)
        self._changed.set()

    def _on_order(self, entity: Record, snapshot: bool) -> None:
        ident = int(entity["id"])
        self._orders[ident] = entity
        status = ORD_STATUS.get(str(entity.get("ordStatus")))
        self._track(ident, status, snapshot)
        if status is None or status == self._said.get(ident) or (snapshot and status != "working"):
            return
        if entity.get("ordStatus") == "PendingNew":
            return  # not acknowledged yet
        self._said[ident] = status
        account = self._names.get(int(entity.get("accountId") or 0))
        if account is None:
            return
        reason = self._reasons.get(ident) if status in ("rejected", "cancelled", "expired") else None
        self.emit_order(
            OrderUpdate(
                account,
                self._tags.get(ident),
                str(ident),
                status,
                reason,
                epoch(entity.get("timestamp"), self.clock()),
            )
        )

    async def _on_fill(self, entity: Record) -> None:
        ident = int(entity["orderId"])
        order = self._orders.get(ident, {})
        account = self._names.get(int(order.get("accountId") or 0))
        if account is None or not self._fill_ids.first_time(str(entity["id"]), HISTORY):
            return
        fill = await self._fill_of(entity, account)
        self._fills[ident] = (*self._fills.get(ident, ()), fill_fields(fill))
        self.emit_fill(fill)

    def _order_fills(self, ident: int) -> list[Fill]:
        return [Fill(*row) for row in self._fills.get(ident, ())]

    # ---- what is kept of orders

    def _track(self, ident: int, status: str | None, snapshot: bool) -> None:
        """An order's entity said ``status``: one that works is kept; one that ended joins
        the history, and past HISTORY the oldest of the history are forgotten. A snapshot
        tells the day's orders: one that ended there ended earlier, unless it worked here."""
        if snapshot:
            self._history.listed(ident, working=status not in ENDED)
        elif status not in ENDED:
            self._history.opened(ident)  # working, or a state not known here: it may change
        else:
            self._history.ended(ident)
        if status in ENDED:  # a clean-up waits for an end: a listing's names are read first
            for gone in self._history.overflow(HISTORY):
                self._forget(gone)

    def _forget(self, ident: int) -> None:
        """Everything about order ``ident``: it ended long ago. A late report of it would
        be told as news to a runtime whose order table knows it ended; a late fill of it
        names no account here and is not told."""
        for table in (self._orders, self._versions, self._reasons, self._said, self._fills):
            table.pop(ident, None)
        tag = self._tags.pop(ident, None)
        if tag is not None and self._broker_ids.get(tag) == ident:
            del self._broker_ids[tag]

    async def _fill_of(self, entity: Record, account: str) -> Fill:
        symbol = await self._contract_name(int(entity["contractId"]))
        order_id = int(entity["orderId"])
        return Fill(
            account,
            self._tags.get(order_id),
            symbol_root(symbol),
            symbol,
            SIDES.get(str(entity.get("action")), "buy"),
            int(entity["qty"]),
            float(entity["price"]),
            epoch(entity.get("timestamp"), self.clock()),
            str(entity["id"]),
            str(order_id),
        )

    async def _on_position(self, entity: Record, snapshot: bool) -> None:
        account = int(entity.get("accountId") or 0)
        contract = int(entity.get("contractId") or 0)
        await self._contract_name(contract)
        qty = int(entity.get("netPos") or 0)
        self._held.setdefault(account, {})[contract] = (qty, float(entity.get("netPrice") or 0.0))
        if not snapshot:
            self._emit_positions(account)
            self._emit_balance(account)

    def _emit_positions(self, account: int) -> None:
        name = self._names.get(account)
        if name is None:
            return
        positions = {
            symbol_root(self._contracts.get(c, str(c))): p
            for c, p in self._held.get(account, {}).items()
            if p[0]
        }
        self.emit_positions(PositionSnapshot(name, positions, self.clock()))

    def _on_cash(self, entity: Record) -> None:
        account = int(entity.get("accountId") or 0)
        self._cash[account] = entity
        self._emit_balance(account)

    def _emit_balance(self, account: int) -> None:
        name, cash = self._names.get(account), self._cash.get(account)
        if name is None or cash is None:
            return
        balance = float(cash.get("amount") or 0.0)
        equity = balance + self._open_pnl(account)
        self._accounts[name] = AccountInfo(name, balance, equity)
        self.emit_balance(
            BalanceSnapshot(name, balance, equity, float(cash.get("realizedPnL") or 0.0), self.clock())
        )

    def _open_pnl(self, account: int) -> float:
        total = 0.0
        for contract, (qty, avg) in self._held.get(account, {}).items():
            quote = self._quotes.get(contract)
            spec = spec_for(symbol_root(self._contracts.get(contract, "")))
            if qty and quote is not None and quote.mark is not None and spec is not None:
                total += (quote.mark - avg) * qty * spec.point_value
        return total

    async def _on_md_event(self, event: Event) -> None:
        self.heartbeat()
        if event.kind != "md" or not isinstance(event.data, dict):
            return
        for item in event.data.get("quotes") or []:
            contract = int(item.get("contractId") or 0)
            name = self._contracts.get(contract)
            if name is None:
                continue
            entries = item.get("entries") or {}
            before = self._quotes.get(contract) or Quote()

            def price(key: str, old: float | None, entries: Record = entries) -> float | None:
                value = (entries.get(key) or {}).get("price")
                return float(value) if isinstance(value, int | float) else old

            quote = Quote(
                price("Bid", before.bid),
                price("Offer", before.ask),
                price("Trade", before.last),
                epoch(item.get("timestamp"), self.clock()),
            )
            self._quotes[contract] = quote
            self.emit_quote(symbol_root(name), quote)

    # ---- which runtime order an order is: the clOrdId its command carried

    def _learn_tag(self, command: Record) -> None:
        named = _named(command)
        if named is not None:
            ident, tag = named
            self._history.heard(ident)
            self._tags.setdefault(ident, tag)
            self._broker_ids.setdefault(tag, ident)

    async def _learn_tags(self) -> None:
        """Reconciliation after an answer was lost: the commands name the orders we sent.
        Those forgotten are remembered again as the oldest of the history, to be forgotten
        first; a clean-up waits for the next order that ends, so the caller reads them."""
        commands = await self.rest.call("GET", "command/list") or []
        self._history.named(named[0] for named in map(_named, commands) if named is not None)
        for command in commands:
            self._learn_tag(command)

    # ---- contracts

    def _learn_contract(self, record: Record) -> None:
        if record.get("id") is not None and record.get("name"):
            self._contracts[int(record["id"])] = str(record["name"])
            self._contract_ids[str(record["name"])] = int(record["id"])

    async def _contract_name(self, ident: int) -> str:
        if ident not in self._contracts:
            self._learn_contract(await self.rest.call("GET", f"contract/item?id={ident}") or {})
        return self._contracts.get(ident, str(ident))

    async def _contract_id(self, name: str) -> int:
        if name not in self._contract_ids:
            try:
                record = await self.rest.call("GET", f"contract/find?name={name}")
            except BrokerUnavailable:
                raise BrokerRejected(f"Tradovate knows no contract {name}") from None
            self._learn_contract(record or {})
        if name not in self._contract_ids:
            raise BrokerRejected(f"Tradovate knows no contract {name}")
        return self._contract_ids[name]

    def _symbol(self, request_symbol: str, root: str) -> str:
        """The contract name to trade: the request's own when it names a month, else the front month."""
        symbol = request_symbol.strip().upper()
        if symbol != root and symbol_root(symbol) == root and symbol[-1:].isdigit():
            return symbol
        contract = front_month(root, self.clock())
        if contract is None:
            raise BrokerRejected(f"no contract of {root} to trade")
        return contract.symbol


def _named(command: Record) -> tuple[int, str] | None:
    """The order id and the tag (our order id) a command names, if both."""
    tag, ident = command.get("clOrdId"), command.get("orderId")
    return (ident, tag) if isinstance(tag, str) and tag and isinstance(ident, int) else None
