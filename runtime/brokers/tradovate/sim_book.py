"""The Tradovate simulator's entities: the shared exchange seen as Tradovate records.

Tradovate names everything by integer id and reports every change as a ``props`` event
``{entityType, eventType, entity}`` with the same JSON as ``/<entity>/item``. The book
gives the exchange's accounts, contracts, orders, fills, positions and cash balances
those ids and shapes (protocols/brokers.md §1.3), turns each exchange event into the
props it causes, and carries out the order commands (place, cancel, liquidate).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from ordergate.policy import contract_table, symbol_root
from ordergate.policy.contracts import MONTH_CODES
from ordergate.runtime.brokers.errors import BrokerRejected, OrderNotOpen
from ordergate.runtime.brokers.exchange import (
    BalanceChanged,
    Event,
    Exchange,
    OrderChanged,
    PositionChanged,
    Traded,
)
from ordergate.runtime.brokers.tradovate.brackets import BracketRefused, oso_legs
from ordergate.runtime.brokers.tradovate.models import (
    ACTIONS,
    OPEN_STATUSES,
    ORDER_TYPES,
    OUR_ORDER_TYPES,
    SIDES,
    STATUS_OF,
    iso,
    trade_date,
)
from ordergate.runtime.brokers.types import BrokerOrder, OrderRequest

Record = dict[str, Any]
Prop = tuple[str, str, Record]  # entityType, eventType, entity
USER_ID = 1


class Refused(Exception):
    """A command answered with ``failureReason`` and ``failureText``."""

    def __init__(self, reason: str, text: str) -> None:
        super().__init__(text)
        self.reason, self.text = reason, text


@dataclass(slots=True)
class _Holding:
    record: Record
    bought: int = 0
    sold: int = 0
    bought_value: float = 0.0
    sold_value: float = 0.0


@dataclass(slots=True)
class SimBook:
    exchange: Exchange
    username: str = "demo"
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    accounts: dict[str, int] = field(default_factory=dict)  # name → id
    contracts: dict[str, Record] = field(default_factory=dict)  # name → contract
    _contract_ids: dict[int, Record] = field(default_factory=dict)
    _root_contract: dict[str, int] = field(default_factory=dict)  # root → contract last traded
    orders: dict[int, Record] = field(default_factory=dict)
    versions: dict[int, Record] = field(default_factory=dict)  # order id → its version
    reports: list[Record] = field(default_factory=list)  # execution reports
    fills: list[Record] = field(default_factory=list)
    _order_of: dict[str, int] = field(default_factory=dict)  # exchange order id → order id
    _exchange_id: dict[int, str] = field(default_factory=dict)
    _holdings: dict[tuple[int, int], _Holding] = field(default_factory=dict)  # (account, contract)
    _cash: dict[int, Record] = field(default_factory=dict)
    _commands: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    commands: list[Record] = field(default_factory=list)
    outbox: list[Prop] = field(default_factory=list)  # props a command made beyond the exchange's

    def _new_id(self) -> int:
        return next(self._ids)

    def _now(self) -> float:
        return self.exchange.clock()

    # ---- accounts and contracts

    def account_id(self, name: str) -> int:
        if name not in self.accounts:
            self.accounts[name] = 100_000 + len(self.accounts) + 1
        return self.accounts[name]

    def account_name(self, account_id: Any) -> str:
        for name, ident in self.accounts.items():
            if ident == account_id or str(ident) == str(account_id):
                return name
        raise Refused("AccountClosed", f"no account {account_id}")

    def account_list(self) -> list[Record]:
        return [self.account(name) for name in self.exchange.account_ids()]

    def account(self, name: str) -> Record:
        return {
            "id": self.account_id(name),
            "name": name,
            "userId": USER_ID,
            "accountType": "Customer",
            "active": True,
            "clearingHouseId": 1,
            "riskCategoryId": 1,
            "autoLiqProfileId": 1,
            "marginAccountType": "Speculator",
            "legalStatus": "Individual",
            "archived": False,
            "readonly": False,
            "timestamp": iso(self._now()),
        }

    def contract(self, name: str) -> Record | None:
        """The contract of a name (``ESZ6``, ``ESZ26``), made on first use; None when it is not
        a futures contract of our table."""
        key = name.strip().upper()
        if key in self.contracts:
            return self.contracts[key]
        root = symbol_root(key)
        rest = key[len(root) :]
        if (
            root not in contract_table()
            or len(rest) < 2
            or rest[0] not in MONTH_CODES
            or not rest[1:].isdigit()
        ):
            return None
        ident = 2_000_000 + len(self.contracts) + 1
        record: Record = {
            "id": ident,
            "name": key,
            "contractMaturityId": 30_000 + len(self.contracts) + 1,
            "status": "DefinitionChecked",
            "providerTickSize": contract_table()[root].tick_size,
        }
        self.contracts[key] = record
        self._contract_ids[ident] = record
        self._root_contract.setdefault(root, ident)
        return record

    def contract_by_id(self, ident: Any) -> Record | None:
        try:
            return self._contract_ids.get(int(ident))
        except (TypeError, ValueError):
            return None

    def contract_for(self, symbol: Any) -> Record | None:
        """A contract named by name or id, as ``md/subscribequote`` and ``placeorder`` allow."""
        if isinstance(symbol, int) or (isinstance(symbol, str) and symbol.isdigit()):
            return self.contract_by_id(symbol)
        return self.contract(str(symbol)) if isinstance(symbol, str) and symbol else None

    def contracts_of_root(self, root: str) -> list[Record]:
        return [c for c in self.contracts.values() if symbol_root(str(c["name"])) == root]

    # ---- balances and snapshots

    def cash_balance(self, name: str) -> Record:
        ident = self.account_id(name)
        if ident not in self._cash:
            info = self.exchange.account_info(name)
            self._cash[ident] = {
                "id": ident,
                "accountId": ident,
                "timestamp": iso(self._now()),
                "tradeDate": trade_date(self._now()),
                "currencyId": 1,
                "amount": info.balance,
                "realizedPnL": self.exchange.realized(name),
                "weekRealizedPnL": self.exchange.realized(name),
                "amountSOD": info.balance,
            }
        return self._cash[ident]

    def cash_snapshot(self, account_id: Any) -> Record:
        name = self.account_name(account_id)
        info = self.exchange.account_info(name)
        realized = round(self.exchange.realized(name), 2)
        return {
            "errorText": None,
            "totalCashValue": info.balance,
            "netLiq": info.equity,
            "totalPnL": round(info.equity - info.balance + realized, 2),
            "openPnL": round(info.equity - info.balance, 2),
            "realizedPnL": realized,
            "weekRealizedPnL": realized,
            "initialMargin": 0.0,
            "maintenanceMargin": 0.0,
            "netLiqSOD": info.balance - realized,
            "totalCashValueSOD": info.balance - realized,
            "cashUSD": info.balance,
        }

    def positions(self) -> list[Record]:
        return [h.record for h in self._holdings.values()]

    def sync_snapshot(self) -> Record:
        """The answer to ``user/syncrequest``: every array a client may look for."""
        names = self.exchange.account_ids()
        empty = (
            "accountRiskStatuses",
            "marginSnapshots",
            "userAccountAutoLiqs",
            "currencies",
            "fillPairs",
            "contractMaturities",
            "products",
            "exchanges",
            "spreadDefinitions",
            "commands",
            "commandReports",
            "orderStrategies",
            "orderStrategyLinks",
            "orderStrategyTypes",
            "userProperties",
            "properties",
            "userPlugins",
            "contractGroups",
            "userReadStatuses",
        )
        snapshot: Record = {k: [] for k in empty}
        snapshot.update(
            users=[{"id": USER_ID, "name": self.username, "status": "Active"}],
            accounts=[self.account(n) for n in names],
            cashBalances=[self.cash_balance(n) for n in names],
            currencies=[{"id": 1, "name": "USD", "symbol": "$"}],
            positions=self.positions(),
            orders=list(self.orders.values()),
            orderVersions=list(self.versions.values()),
            commands=list(self.commands),
            executionReports=list(self.reports),
            fills=list(self.fills),
            contracts=list(self.contracts.values()),
        )
        return snapshot

    # ---- commands

    def _request(self, body: Record) -> tuple[str, OrderRequest]:
        """A ``placeorder`` body as the account and its exchange order, or Refused."""
        name = self._account_of(body)
        symbol = body.get("symbol")
        contract = self.contract_for(symbol)
        if contract is None:
            raise Refused("InvalidContract", f"Unknown contract {symbol!r}")
        action = body.get("action")
        if action not in SIDES:
            raise Refused("UnknownReason", f"action must be Buy or Sell, not {action!r}")
        kind = OUR_ORDER_TYPES.get(str(body.get("orderType")))
        if kind is None or kind == "trailing_stop":
            raise Refused("Unsupported", f"order type {body.get('orderType')!r} is not supported here")
        qty = body.get("orderQty")
        if not isinstance(qty, int) or isinstance(qty, bool) or qty <= 0:
            raise Refused("MaxOrderQtyIsNotSpecified", "orderQty must be a whole number above 0")
        client_id = str(body.get("clOrdId") or f"tv-{self._new_id()}")
        request = OrderRequest(
            client_id,
            str(contract["name"]),
            symbol_root(str(contract["name"])),
            SIDES[action],
            qty,
            kind,
            _price(body.get("price")),
            _price(body.get("stopPrice")),
        )
        return name, request

    def _command(self, ident: int, client_id: str, body: Record) -> None:
        command = {
            "id": next(self._commands),
            "orderId": ident,
            "timestamp": iso(self._now()),
            "clOrdId": client_id,
            "commandType": "New",
            "commandStatus": "OK",
            "isAutomated": bool(body.get("isAutomated")),
        }
        self.commands.append(command)
        self.outbox.append(("command", "Created", command))

    def place(self, body: Record) -> int:
        """``order/placeorder``: the new order's id, or Refused."""
        name, request = self._request(body)
        try:
            order = self.exchange.submit(name, request)
        except BrokerRejected as exc:
            raise Refused(_failure(exc.reason), exc.reason) from None
        ident = self._order_of[order.broker_order_id]
        self._command(ident, request.order_id, body)
        return ident

    def place_oso(self, body: Record) -> Record:
        """``order/placeoso``: the entry's id and its brackets' (``oso1Id``, ``oso2Id``)."""
        name, request = self._request(body)
        try:
            legs = oso_legs(body, str(body.get("action")), lambda: f"tv-{self._new_id()}")
            order, placed = self.exchange.submit_bracket(name, request, legs)
        except BracketRefused as exc:
            raise Refused(exc.reason, exc.text) from None
        except BrokerRejected as exc:
            raise Refused(_failure(exc.reason), exc.reason) from None
        ident = self._order_of[order.broker_order_id]
        self._command(ident, request.order_id, body)
        answer: Record = {"orderId": ident}
        for key, leg in zip(("oso1Id", "oso2Id"), placed, strict=False):
            if leg.broker_order_id not in self._order_of:  # waits for its entry: Suspended
                self.outbox += self._order_changed(leg, suspended=True)
            answer[key] = self._order_of[leg.broker_order_id]
            self._command(answer[key], leg.order_id or "", body)
        return answer

    def place_oco(self, body: Record) -> Record:
        """``order/placeoco``: an order and its ``other``, resting at once, one-cancels-other."""
        name, first = self._request(body)
        other = body.get("other")
        if not isinstance(other, dict):
            raise Refused("UnknownReason", "other is required")
        # ``other`` is an order of its own (action, orderType, price, stopPrice, clOrdId):
        # only the account, contract and quantity are the first order's
        shared: Record = {
            k: body[k] for k in ("accountSpec", "accountId", "symbol", "isAutomated") if k in body
        }
        _, second = self._request({**shared, **other, "orderQty": body.get("orderQty")})
        try:
            placed = self.exchange.rest_legs(name, (first, second), {})
        except BrokerRejected as exc:
            raise Refused(_failure(exc.reason), exc.reason) from None
        idents = [self._order_of[o.broker_order_id] for o in placed]
        for ident, request in zip(idents, (first, second), strict=True):
            self._command(ident, request.order_id, body)
        return {"orderId": idents[0], "ocoId": idents[1]}

    def cancel(self, body: Record) -> int:
        ident = body.get("orderId")
        exchange_id = self._exchange_id.get(ident) if isinstance(ident, int) else None
        if exchange_id is None:
            raise Refused("UnknownReason", f"no order {ident!r}")
        order = self.exchange.order(exchange_id)
        assert order is not None
        try:
            self.exchange.cancel(order.account, exchange_id)
        except OrderNotOpen as exc:
            raise Refused("TooLate", str(exc)) from None
        return next(self._commands)

    def liquidate(self, body: Record) -> int:
        """``order/liquidateposition``: cancel the working orders of the contract and close
        its position with a market order."""
        name = self._account_of(body)
        contract = self.contract_by_id(body.get("contractId"))
        if contract is None:
            raise Refused("InvalidContract", f"Unknown contract {body.get('contractId')!r}")
        root = symbol_root(str(contract["name"]))
        for order in self.exchange.open_orders(name):
            if order.root == root:
                self.exchange.cancel(name, order.broker_order_id)
        qty = self.exchange.positions(name).get(root, (0, 0.0))[0]
        if qty == 0:
            raise Refused("UnknownReason", "No position to liquidate")
        return self.place(
            {
                "accountId": self.account_id(name),
                "symbol": contract["name"],
                "orderQty": abs(qty),
                "action": "Sell" if qty > 0 else "Buy",
                "orderType": "Market",
                "isAutomated": True,
            }
        )

    def _account_of(self, body: Record) -> str:
        if body.get("accountId") is not None:
            return self.account_name(body["accountId"])
        spec = body.get("accountSpec")
        if isinstance(spec, str) and self.exchange.has_account(spec):
            return spec
        raise Refused("AccountClosed", f"no account {body.get('accountId', spec)!r}")

    # ---- exchange events → props

    def on_exchange(self, event: Event) -> list[Prop]:
        if isinstance(event, OrderChanged):
            return self._order_changed(event.order)
        if isinstance(event, Traded):
            return self._traded(event)
        if isinstance(event, PositionChanged):
            return self._positions(event.account, dict(event.positions))
        if isinstance(event, BalanceChanged):
            cash = self.cash_balance(event.account)
            cash.update(
                amount=round(event.balance, 2),
                realizedPnL=round(event.realized, 2),
                weekRealizedPnL=round(event.realized, 2),
                timestamp=iso(self._now()),
            )
            return [("cashBalance", "Updated", dict(cash))]
        return []

    def _order_changed(self, info: BrokerOrder, *, suspended: bool = False) -> list[Prop]:
        props: list[Prop] = []
        ident = self._order_of.get(info.broker_order_id)
        contract = self.contract(info.symbol) or {"id": 0}
        self._root_contract[info.root] = int(contract["id"])
        status = "Suspended" if suspended else STATUS_OF[info.status]
        if ident is None:
            ident = self._new_id()
            self._order_of[info.broker_order_id], self._exchange_id[ident] = ident, info.broker_order_id
            self.orders[ident] = {
                "id": ident,
                "accountId": self.account_id(info.account),
                "contractId": contract["id"],
                "timestamp": iso(self._now()),
                "action": ACTIONS[info.side],
                # refused at once: created pending, so its report (the why) precedes the update
                "ordStatus": status if status in ("Working", "Suspended") else "PendingNew",
                "executionProviderId": 1,
                "archived": False,
                "external": False,
                "admin": False,
            }
            version = {
                "id": ident,
                "orderId": ident,
                "orderQty": info.qty,
                "orderType": _type_name(info.type),
                "timeInForce": "Day",
                "timestamp": iso(self._now()),
            }
            if info.price is not None:
                version["price"] = info.price
            if info.stop_price is not None:
                version["stopPrice"] = info.stop_price
            self.versions[ident] = version
            props += [
                ("order", "Created", dict(self.orders[ident])),
                ("orderVersion", "Created", dict(version)),
            ]
        elif self.orders[ident]["ordStatus"] == "Suspended" and status != "Suspended":
            # a bracket sent as its entry filled: its version now has its quantity and level
            version = self.versions[ident]
            version.update(orderQty=info.qty, timestamp=iso(self._now()))
            version.update({k: v for k, v in (("price", info.price), ("stopPrice", info.stop_price)) if v})
            props.append(("orderVersion", "Updated", dict(version)))
        if suspended:
            return props
        kind = {"working": "New", "cancelled": "Canceled", "rejected": "Rejected", "expired": "Expired"}.get(
            info.status
        )
        if kind is not None:  # the report first: it says why, the order update says what
            props.append(("executionReport", "Created", self._report(ident, info, kind)))
        if status != self.orders[ident]["ordStatus"]:
            self.orders[ident]["ordStatus"] = status
            props.append(("order", "Updated", dict(self.orders[ident])))
        return props

    def _report(
        self, ident: int, info: BrokerOrder, kind: str, last: tuple[int, float] | None = None
    ) -> Record:
        report: Record = {
            "id": self._new_id(),
            "orderId": ident,
            "accountId": self.account_id(info.account),
            "contractId": self.orders[ident]["contractId"],
            "timestamp": iso(self._now()),
            "tradeDate": trade_date(self._now()),
            "execType": kind,
            "ordStatus": STATUS_OF[info.status],
            "action": ACTIONS[info.side],
            "cumQty": info.filled_qty,
        }
        if kind == "Rejected":
            report.update(rejectReason="UnknownReason", text=info.reason or "Rejected")
        elif kind in ("Canceled", "Expired") and info.reason:
            report["text"] = info.reason
        if last is not None:
            report.update(lastQty=last[0], lastPx=last[1])
        self.reports.append(report)
        return report

    def _traded(self, event: Traded) -> list[Prop]:
        props = self._order_changed(event.order)
        ident = self._order_of[event.order.broker_order_id]
        fill = {
            "id": self._new_id(),
            "orderId": ident,
            "contractId": self.orders[ident]["contractId"],
            "timestamp": iso(event.fill.ts),
            "tradeDate": trade_date(event.fill.ts),
            "action": ACTIONS[event.fill.side],
            "qty": event.fill.qty,
            "price": event.fill.price,
            "active": True,
            "finallyPaired": 0,
        }
        self.fills.append(fill)
        holding = self._holding(event.order.account, int(fill["contractId"]))
        if event.fill.side == "buy":
            holding.bought += event.fill.qty
            holding.bought_value += event.fill.qty * event.fill.price
        else:
            holding.sold += event.fill.qty
            holding.sold_value += event.fill.qty * event.fill.price
        props.append(("fill", "Created", fill))
        props.append(
            (
                "executionReport",
                "Created",
                self._report(ident, event.order, "Trade", (event.fill.qty, event.fill.price)),
            )
        )
        return props

    def _holding(self, account: str, contract_id: int) -> _Holding:
        key = (self.account_id(account), contract_id)
        if key not in self._holdings:
            self._holdings[key] = _Holding(
                {
                    "id": self._new_id(),
                    "accountId": key[0],
                    "contractId": contract_id,
                    "netPos": 0,
                    "netPrice": None,
                    "prevPos": 0,
                    "prevPrice": None,
                }
            )
        return self._holdings[key]

    def _positions(self, account: str, positions: dict[str, tuple[int, float]]) -> list[Prop]:
        props: list[Prop] = []
        ident = self.account_id(account)
        roots = set(positions) | {
            symbol_root(str(self._contract_ids[c]["name"])) for (a, c) in self._holdings if a == ident
        }
        for root in sorted(roots):
            contract_id = self._root_contract.get(root)
            if contract_id is None:
                continue
            holding = self._holding(account, contract_id)
            qty, avg = positions.get(root, (0, 0.0))
            if holding.record["netPos"] == qty and holding.record.get("netPrice") == (avg if qty else None):
                continue
            now = self._now()
            holding.record.update(
                netPos=qty,
                netPrice=avg if qty else None,
                timestamp=iso(now),
                tradeDate=trade_date(now),
                bought=holding.bought,
                boughtValue=round(holding.bought_value, 2),
                sold=holding.sold,
                soldValue=round(holding.sold_value, 2),
            )
            props.append(("position", "Updated", dict(holding.record)))
        return props

    def open_order_ids(self, account: str) -> list[int]:
        return [
            i
            for i, o in self.orders.items()
            if o["ordStatus"] in OPEN_STATUSES and o["accountId"] == self.account_id(account)
        ]


def _price(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _type_name(kind: str) -> str:
    return ORDER_TYPES.get(kind, "Market")


def _failure(reason: str) -> str:
    text = reason.lower()
    if "no quote" in text:
        return "NoQuote"
    if "unknown account" in text:
        return "AccountClosed"
    return "UnknownReason"
