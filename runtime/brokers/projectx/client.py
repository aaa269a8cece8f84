"""The ProjectX adapter: REST for requests, the hubs (or polling) for what happens.

Connection modes (the seeds): ``websocket`` streams only, and a hub that closes or goes
silent ends ``serve`` so the supervisor reconnects; ``polling`` uses REST only, within
the documented rate limits; ``auto`` (the default) streams and falls back to polling
while the stream is down or silent but REST answers, and goes back to the stream once
it speaks again. Silence is judged by a watchdog: no frame at all (events or the
server's keep-alive pings) for ``stale_after`` seconds.

Settings: ``endpoint`` (a simulator) or ``firm`` + ``environment``; ``mode``;
``stale_after`` (s, default 30); ``poll_interval`` (s, default 2); ``symbols`` (roots to
stream quotes for; default the common index, energy and metal roots). Credentials:
``username``, ``api_key``.

A ``GatewayLogout`` means another login took the session: the adapter stops with
BrokerRefused rather than log in again and take it back, which would make two clients
evict each other forever.

What it keeps of orders is bounded (``HISTORY``): the names of an order (its broker id and
ours) while it may still change, and of the orders that ended, or that only a search
named, the newest ``HISTORY``; of fill ids, the last ``HISTORY`` reported.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Mapping
from typing import Any

from ordergate.policy import Quote, spec_for, symbol_root
from ordergate.runtime.brokers.base import BrokerAdapter, BrokerEvents, Clock, OrderHistory
from ordergate.runtime.brokers.errors import (
    BrokerConfigError,
    BrokerRefused,
    BrokerRejected,
    BrokerUnavailable,
    OrderNotOpen,
)
from ordergate.runtime.brokers.projectx import hubs
from ordergate.runtime.brokers.projectx.brackets import Claims, bracket_fields
from ordergate.runtime.brokers.projectx.firms import endpoints_for
from ordergate.runtime.brokers.projectx.hubs import Action, QuoteBook, Subscriptions
from ordergate.runtime.brokers.projectx.models import timestamp
from ordergate.runtime.brokers.projectx.poller import Poller
from ordergate.runtime.brokers.projectx.records import broker_order, fill_of, place_body, signed_position
from ordergate.runtime.brokers.projectx.rest import Rest
from ordergate.runtime.brokers.projectx.stream import HubStream
from ordergate.runtime.brokers.types import (
    ENDED,
    AccountInfo,
    Ack,
    AdapterConfig,
    BracketAck,
    BracketLeg,
    BrokerOrder,
    Fill,
    OrderRequest,
)

MODES = ("auto", "websocket", "polling")
DEFAULT_SYMBOLS = ("ES", "MES", "NQ", "MNQ", "YM", "RTY", "CL", "GC")
RECONNECT_PAUSE = 1.0
FLATTEN_WAIT = 10.0
# How many orders that ended (or that only a search named), and how many fill ids, the
# adapter remembers: past this the oldest are forgotten; orders that may still change never
# are. Reconciliation asks the gateway (Order/search, Trade/search), which names its
# orders by our tags again.
HISTORY = 50_000


class ProjectXBroker(BrokerAdapter):
    broker = "projectx"

    def __init__(
        self, name: str, config: AdapterConfig, events: BrokerEvents | None = None, clock: Clock = time.time
    ) -> None:
        super().__init__(name, config, events, clock)
        s, c = config.settings, config.credentials
        self.mode = str(s.get("mode") or "auto")
        if self.mode not in MODES:
            raise BrokerConfigError(
                f"a ProjectX connection mode is auto, websocket or polling, not {self.mode!r}"
            )
        self.ends = endpoints_for(s.get("firm"), s.get("environment"), s.get("endpoint"))
        if not c.get("username") or not c.get("api_key"):
            raise BrokerConfigError("a ProjectX connection needs credentials username and api_key")
        self.stale_after = float(s.get("stale_after") or 30.0)
        self.poll_interval = float(s.get("poll_interval") or 2.0)
        self.symbols = tuple(s.get("symbols") or DEFAULT_SYMBOLS)
        self.rest = Rest(self.ends.api, c["username"], c["api_key"], clock)
        self.feed = "stream" if self.mode != "polling" else "polling"  # what serves events now
        self._ids: dict[str, int] = {}  # account name → ProjectX id
        self._names: dict[int, str] = {}
        self._accounts: dict[str, AccountInfo] = {}
        self._contracts: dict[str, str] = {}  # root → contract id
        self._contract_names: dict[str, str] = {}  # contract id → name (ESZ6)
        self._tags: dict[str, str] = {}  # broker order id → runtime order id
        self._broker_ids: dict[str, str] = {}  # runtime order id → broker order id
        # the broker order ids of the two above (and of the poller's order states): kept
        # while their orders may change, then HISTORY of them
        self._history: OrderHistory[str] = OrderHistory()
        # a bracket's entry (broker order id) → its legs, until ProjectX places them; an
        # entry that never filled has its legs forgotten with it
        self._legs_of: dict[str, tuple[BracketLeg, ...]] = {}
        self._held: dict[str, dict[str, tuple[int, float]]] = {}  # account → contract → position
        self._ticks: dict[str, float] = {}  # contract id → tick size
        self._claims = Claims()  # bracket legs ProjectX will place when their entry fills
        self._quotes = QuoteBook()
        self._user = HubStream("user", self.ends.hub_url("user"), Subscriptions(), self._on_user_event)
        self._market = HubStream(
            "market", self.ends.hub_url("market"), Subscriptions(), self._on_market_event
        )
        self._poller = Poller(self)
        self._logout_reason: str | None = None

    # ---- connecting

    async def connect(self) -> None:
        self._logout_reason = None
        await self.rest.login()
        await self.refresh()
        await self._find_contracts(self.symbols)
        await self._snapshot()
        self.heartbeat()

    async def refresh(self) -> list[AccountInfo]:
        answer = await self.rest.call("Account/search", {"onlyActiveAccounts": True})
        for record in answer.get("accounts") or []:
            if self.ends.environment is not None and bool(record.get("simulated", True)) == self.ends.live:
                continue  # the other environment's account
            name = str(record.get("name") or record["id"])
            self._ids[name], self._names[int(record["id"])] = int(record["id"]), name
            balance = float(record.get("balance") or 0.0)
            self._accounts[name] = AccountInfo(name, balance, balance)
        return self.accounts()

    async def _find_contracts(self, roots: tuple[str, ...]) -> None:
        for root in roots:
            if root not in self._contracts:
                await self._contract_for(root, root)

    async def _contract_for(self, root: str, symbol: str) -> str:
        if root in self._contracts:
            return self._contracts[root]
        answer = await self.rest.call("Contract/search", {"searchText": root, "live": self.ends.live})
        found = [c for c in answer.get("contracts") or [] if symbol_root(str(c.get("id"))) == root]
        exact = [c for c in found if str(c.get("name", "")).upper() == symbol.upper()]
        active = [c for c in found if c.get("activeContract")]
        chosen = (exact or active or found or [None])[0]
        if chosen is None:
            raise BrokerRejected(f"ProjectX lists no contract for {symbol}")
        self._contracts[root] = str(chosen["id"])
        self._contract_names[str(chosen["id"])] = str(chosen.get("name") or chosen["id"])
        if isinstance(chosen.get("tickSize"), int | float) and chosen["tickSize"] > 0:
            self._ticks[str(chosen["id"])] = float(chosen["tickSize"])
        return self._contracts[root]

    async def _snapshot(self) -> None:
        """Positions, balances and open orders of every account, asked afresh."""
        for name in list(self._ids):
            await self.fetch_positions(name)
            info = self._accounts.get(name)
            if info is not None:
                self._emit_balance(name, info.balance)

    def _emit_balance(self, name: str, balance: float) -> None:
        from ordergate.runtime.brokers.types import BalanceSnapshot

        self.emit_balance(BalanceSnapshot(name, balance, balance, ts=self.clock()))

    # ---- serving

    async def serve(self) -> None:
        tasks = [asyncio.create_task(self._keep_token())]
        if self.mode == "polling":
            tasks.append(asyncio.create_task(self._poller.run()))
        elif self.mode == "websocket":
            tasks.append(asyncio.create_task(self._stream_once()))
        else:
            tasks.append(asyncio.create_task(self._auto()))
        try:
            done, _pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                task.result()
            raise BrokerUnavailable("the ProjectX link ended")
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self._user.close()
            await self._market.close()

    async def _keep_token(self) -> None:
        while True:
            await asyncio.sleep(1.0)
            if self.rest.due():
                await self.rest.refresh()

    async def _open_streams(self) -> None:
        token = self.rest.token or ""
        for account_id in self._names:
            for method in ("SubscribeOrders", "SubscribePositions", "SubscribeTrades"):
                self._user.subscriptions.add(method, account_id)
        self._user.subscriptions.add("SubscribeAccounts")
        for contract in self._contracts.values():
            self._market.subscriptions.add("SubscribeContractQuotes", contract)
        await self._user.open(token)
        await self._market.open(token)
        await self._poller.round()  # what happened before the subscriptions took hold

    async def _run_streams(self) -> None:
        """Run both hubs, and a watchdog that ends them when they fall silent."""
        runs = [asyncio.create_task(self._user.run()), asyncio.create_task(self._market.run())]
        watchdog = asyncio.create_task(self._watch())
        try:
            done, _ = await asyncio.wait([*runs, watchdog], return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                task.result()
        finally:
            for task in (*runs, watchdog):
                task.cancel()
            await asyncio.gather(*runs, watchdog, return_exceptions=True)
            if self._logout_reason is not None:
                raise BrokerRefused(self._logout_reason)

    async def _watch(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(min(1.0, self.stale_after / 4))
            quiet = loop.time() - max(self._user.last_frame, self._market.last_frame)
            if quiet > self.stale_after:
                raise BrokerUnavailable(f"the ProjectX hubs have been silent for {quiet:.0f} s")

    async def _stream_once(self) -> None:
        await self._open_streams()
        await self._run_streams()

    async def _auto(self) -> None:
        """Stream; while the stream is down or silent, poll; back to the stream when it speaks."""
        poller: asyncio.Task[None] | None = None
        try:
            while True:
                try:
                    await self._open_streams()
                    streams = asyncio.create_task(self._run_streams())
                    try:
                        if poller is not None:
                            await self._until_stream_speaks(streams)
                            poller.cancel()
                            await asyncio.gather(poller, return_exceptions=True)
                            poller = None
                        self.feed = "stream"
                        await streams
                    finally:
                        streams.cancel()
                        await asyncio.gather(streams, return_exceptions=True)
                except (BrokerUnavailable, OSError):
                    if self._logout_reason is not None:
                        raise BrokerRefused(self._logout_reason) from None
                    await self.rest.call("Account/search", {"onlyActiveAccounts": True})  # REST must answer
                    if poller is None:
                        self.feed = "polling"
                        poller = asyncio.create_task(self._poller.run())
                    await asyncio.sleep(RECONNECT_PAUSE)
                if poller is not None and poller.done():
                    poller.result()
        finally:
            if poller is not None:
                poller.cancel()
                await asyncio.gather(poller, return_exceptions=True)

    async def _until_stream_speaks(self, streams: asyncio.Task[None]) -> None:
        """Return once a hub says something after the handshake; the streams' error if they end."""
        while self._user.frames == 0 and self._market.frames == 0:
            if streams.done():
                streams.result()
                raise BrokerUnavailable("the ProjectX hubs ended before they spoke")
            await asyncio.sleep(0.05)

    # ---- hub events

    def _on_user_event(self, target: str, arguments: tuple[Any, ...]) -> None:
        self.heartbeat()
        if target == hubs.LOGOUT_EVENT:
            self._logout_reason = (
                "another login took the ProjectX session (GatewayLogout); reconnect when it is free"
            )
            raise BrokerUnavailable(self._logout_reason)
        if not arguments:
            return
        unwrapped = hubs.unwrap(arguments[0])
        if unwrapped is None:
            return
        action, record = unwrapped
        if target == hubs.USER_EVENTS["orders"]:
            self.take_order(record)
        elif target == hubs.USER_EVENTS["trades"]:
            self.take_trade(record)
        elif target == hubs.USER_EVENTS["positions"]:
            self.take_position(record, deleted=action is Action.DELETE)
        elif target == hubs.USER_EVENTS["accounts"]:
            self.take_account(record)

    def _on_market_event(self, target: str, arguments: tuple[Any, ...]) -> None:
        self.heartbeat()
        if target == hubs.LOGOUT_EVENT:
            self._logout_reason = (
                "another login took the ProjectX session (GatewayLogout); reconnect when it is free"
            )
            raise BrokerUnavailable(self._logout_reason)
        if target == hubs.QUOTE_EVENT and len(arguments) >= 2 and isinstance(arguments[1], dict):
            contract = str(arguments[0])
            merged = self._quotes.merge(contract, arguments[1])
            self.take_quote(contract, merged.get("bestBid"), merged.get("bestAsk"), merged.get("lastPrice"))

    # ---- records → events (the stream and the poller both come through here)

    def _claim(self, record: dict[str, Any]) -> None:
        """An order ProjectX placed for a bracket is named by the leg it is."""
        broker_id = str(record.get("id"))
        name = self._names.get(int(record.get("accountId") or 0))
        if broker_id not in self._tags and (leg := self._claims.claim(record, name)) is not None:
            self._history.heard(broker_id)
            self._tags[broker_id], self._broker_ids[leg] = leg, broker_id

    def take_order(self, record: dict[str, Any]) -> None:
        name = self._names.get(int(record.get("accountId") or 0))
        if name is None:
            return
        self._claim(record)
        self._history.heard(str(record.get("id")))  # the poller keeps its state by this id
        order = broker_order(name, record, self._contract_names)
        if order is None:
            return
        if order.order_id:
            self._tags[order.broker_order_id] = order.order_id
            self._broker_ids[order.order_id] = order.broker_order_id
        self._track(order.broker_order_id, order.status)
        from ordergate.runtime.brokers.types import OrderUpdate

        if order.status != "partially_filled" and order.status != "filled":
            self.emit_order(
                OrderUpdate(
                    name,
                    order.order_id or self._tags.get(order.broker_order_id),
                    order.broker_order_id,
                    order.status,
                    ts=self.clock(),
                )
            )

    def take_trade(self, record: dict[str, Any]) -> Fill | None:
        name = self._names.get(int(record.get("accountId") or 0))
        if name is None:
            return None
        fill = fill_of(name, record, self._tags.get(str(record.get("orderId"))), self._contract_names)
        if fill is not None and self._poller.first_time(fill.fill_id, HISTORY):
            self.emit_fill(fill)
        return fill

    # ---- what is kept of orders

    def _track(self, broker_id: str, status: str) -> None:
        """An order's record said ``status``: one that works is kept; one that ended joins
        the history, and past HISTORY the oldest of the history are forgotten."""
        if status not in ENDED:
            self._history.opened(broker_id)
            return
        self._history.ended(broker_id)
        for gone in self._history.overflow(HISTORY):
            self._forget(gone)

    def _forget(self, broker_id: str) -> None:
        """The names of order ``broker_id``: it ended long ago. A late trade of it comes
        without our order id (reconciliation's searches name it again)."""
        tag = self._tags.pop(broker_id, None)
        if tag is not None and self._broker_ids.get(tag) == broker_id:
            del self._broker_ids[tag]
        legs = self._legs_of.pop(broker_id, None)
        if legs is not None:
            self._claims.forget(legs)  # the legs of an entry that never filled never come
        self._poller.forget(broker_id)

    def take_position(self, record: dict[str, Any], deleted: bool = False) -> None:
        name = self._names.get(int(record.get("accountId") or 0))
        if name is None:
            return
        held = self._held.setdefault(name, {})
        contract = str(record.get("contractId"))
        qty, avg = signed_position(record)
        if deleted or qty == 0:
            held.pop(contract, None)
        else:
            held[contract] = (qty, avg)
        self._emit_positions(name)

    def _emit_positions(self, name: str) -> None:
        from ordergate.runtime.brokers.types import PositionSnapshot

        positions = {symbol_root(c): p for c, p in self._held.get(name, {}).items()}
        self.emit_positions(PositionSnapshot(name, positions, self.clock()))

    def take_account(self, record: dict[str, Any]) -> None:
        name = self._names.get(int(record.get("id") or 0))
        if name is None:
            return
        balance = float(record.get("balance") or 0.0)
        self._accounts[name] = AccountInfo(name, balance, balance)
        self._emit_balance(name, balance)

    def take_quote(self, contract: str, bid: Any, ask: Any, last: Any) -> None:
        def price(v: Any) -> float | None:
            return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None

        self.emit_quote(symbol_root(contract), Quote(price(bid), price(ask), price(last), self.clock()))

    # ---- requests

    def _account_id(self, account: str) -> int:
        try:
            return self._ids[account]
        except KeyError:
            raise BrokerRejected(f"ProjectX account {account} is not on this connection") from None

    def accounts(self) -> list[AccountInfo]:
        return list(self._accounts.values())

    async def place(self, account: str, request: OrderRequest) -> Ack:
        account_id = self._account_id(account)
        contract = await self._contract_for(request.root, request.symbol)
        if ("SubscribeContractQuotes", (contract,)) not in self._market.subscriptions.calls:
            await self._market.subscribe("SubscribeContractQuotes", contract)
        answer = await self.rest.call("Order/place", place_body(account_id, contract, request))
        broker_id = str(answer.get("orderId"))
        self._history.heard(broker_id)
        self._tags[broker_id] = request.order_id
        self._broker_ids[request.order_id] = broker_id
        return Ack(request.order_id, broker_id)

    supports_brackets = True

    async def place_bracket(
        self, account: str, entry: OrderRequest, legs: tuple[BracketLeg, ...]
    ) -> BracketAck:
        """``Order/place`` with ``takeProfitBracket`` / ``stopLossBracket`` in ticks of the
        contract; the legs are named when ProjectX places them (``Claims``)."""
        account_id = self._account_id(account)
        contract = await self._contract_for(entry.root, entry.symbol)
        spec = spec_for(entry.root)
        tick = self._ticks.get(contract) or (spec.tick_size if spec else 0.01)
        body = place_body(account_id, contract, entry) | bracket_fields(legs, tick, entry.side)
        if ("SubscribeContractQuotes", (contract,)) not in self._market.subscriptions.calls:
            await self._market.subscribe("SubscribeContractQuotes", contract)
        self._claims.expect(account_id, contract, entry.side, legs)  # they may come before the answer
        try:
            answer = await self.rest.call("Order/place", body)
        except BrokerRejected:
            self._claims.forget(legs)
            raise
        broker_id = str(answer.get("orderId"))
        self._history.heard(broker_id)
        self._tags[broker_id] = entry.order_id
        self._broker_ids[entry.order_id] = broker_id
        self._legs_of[broker_id] = legs
        return BracketAck(Ack(entry.order_id, broker_id))

    def restore_legs(self, account: str, legs: tuple[OrderRequest, ...], trails: Mapping[str, float]) -> None:
        """After a restart, the legs ProjectX still holds are named again when seen."""
        for leg in legs:
            kind = "take_profit" if leg.type == "limit" else "stop_loss"
            self._claims.restored.append((account, leg.root, leg.side, kind, leg.order_id))

    async def cancel(self, account: str, order_id: str) -> None:
        account_id = self._account_id(account)
        broker_id = self._broker_ids.get(order_id) or order_id
        if not broker_id.isdigit():
            raise OrderNotOpen(f"ProjectX has no order {order_id} on {account}")
        try:
            await self.rest.call("Order/cancel", {"accountId": account_id, "orderId": int(broker_id)})
        except BrokerRejected as exc:
            order = await self.order_status(account, order_id)
            if order is None or order.status not in ("working", "partially_filled"):
                raise OrderNotOpen(f"order {order_id} is not open at ProjectX: {exc.reason}") from None
            raise

    async def open_orders(self, account: str) -> list[BrokerOrder]:
        answer = await self.rest.call("Order/searchOpen", {"accountId": self._account_id(account)})
        return self._orders_of(account, answer.get("orders") or [])

    def _orders_of(self, account: str, records: list[dict[str, Any]]) -> list[BrokerOrder]:
        out = []
        for record in records:
            self._claim(record)
            order = broker_order(account, record, self._contract_names)
            if order is not None:
                tag = order.order_id or self._tags.get(order.broker_order_id)
                out.append(order if order.order_id == tag else _with_tag(order, tag))
        return out

    async def order_status(self, account: str, order_id: str) -> BrokerOrder | None:
        account_id = self._account_id(account)
        broker_id = self._broker_ids.get(order_id)
        if broker_id is not None:
            answer = await self.rest.call(
                "Order/searchById", {"accountId": account_id, "orderId": int(broker_id)}
            )
            record = answer.get("order")
            return (
                self._orders_of(account, [record])[0]
                if isinstance(record, dict) and self._orders_of(account, [record])
                else None
            )
        since = timestamp(self.clock() - 86_400)
        answer = await self.rest.call("Order/search", {"accountId": account_id, "startTimestamp": since})
        return next(
            (o for o in self._orders_of(account, answer.get("orders") or []) if o.order_id == order_id), None
        )

    async def fills_since(self, account: str, ts: float) -> list[Fill]:
        answer = await self.rest.call(
            "Trade/search", {"accountId": self._account_id(account), "startTimestamp": timestamp(ts)}
        )
        trades = answer.get("trades") or []
        if any(str(t.get("orderId")) not in self._tags for t in trades):
            await self._learn_tags(account, ts)  # orders whose place answer was lost
        fills = []
        for record in trades:
            fill = fill_of(account, record, self._tags.get(str(record.get("orderId"))), self._contract_names)
            if fill is not None:
                fills.append(fill)
        return fills

    async def _learn_tags(self, account: str, ts: float) -> None:
        """Our order ids (``customTag``) of the account's orders since ``ts``, so that their
        fills reach the runtime with the order they belong to."""
        answer = await self.rest.call(
            "Order/search", {"accountId": self._account_id(account), "startTimestamp": timestamp(ts)}
        )
        records = answer.get("orders") or []
        # those forgotten are remembered again as the oldest of the history, to be forgotten
        # first; a clean-up waits for the next order that ends, so the caller reads them
        self._history.named(str(r.get("id")) for r in records if r.get("customTag"))
        for record in records:
            self._claim(record)
            tag, broker_id = record.get("customTag"), str(record.get("id"))
            if tag and broker_id not in self._tags:
                self._tags[broker_id] = str(tag)
                self._broker_ids.setdefault(str(tag), broker_id)

    async def fetch_positions(self, account: str) -> dict[str, tuple[int, float]]:
        answer = await self.rest.call("Position/searchOpen", {"accountId": self._account_id(account)})
        self._held[account] = {
            str(r.get("contractId")): signed_position(r)
            for r in answer.get("positions") or []
            if int(r.get("size") or 0)
        }
        self._emit_positions(account)
        return self.positions(account)

    async def flatten(self, account: str, new_id: Callable[[], str]) -> list[Fill]:
        """Close every position with Position/closeContract and wait until the account is flat."""
        account_id = self._account_id(account)
        started = self.clock()
        await self.fetch_positions(account)
        for contract in list(self._held.get(account, {})):
            try:
                await self.rest.call(
                    "Position/closeContract", {"accountId": account_id, "contractId": contract}
                )
            except BrokerRejected as exc:
                raise BrokerRejected(f"flatten of {symbol_root(contract)} refused: {exc.reason}") from None
        deadline = asyncio.get_running_loop().time() + FLATTEN_WAIT
        while await self.fetch_positions(account):
            if asyncio.get_running_loop().time() > deadline:
                raise BrokerUnavailable(f"ProjectX did not close every position of {account} in time")
            await asyncio.sleep(0.1)
        fills = await self.fills_since(account, started - 1.0)
        for fill in fills:
            if self._poller.first_time(fill.fill_id, HISTORY):
                self.emit_fill(fill)
        return [f for f in fills if f.ts >= started - 1.0 and f.order_id is None]

    async def disconnect(self) -> None:
        await self._user.close()
        await self._market.close()
        with contextlib.suppress(BrokerUnavailable, BrokerRefused, BrokerRejected):
            await self.rest.logout()
        await self.rest.close()


def _with_tag(order: BrokerOrder, tag: str | None) -> BrokerOrder:
    from dataclasses import replace

    return replace(order, order_id=tag)
