"""The Tradovate adapter: REST for requests, the user socket for what happens, the
market-data socket for quotes. What the sockets say is kept by ``feed.TradovateFeed``,
which this adapter extends with the login, the sockets' lifetimes and the requests.

Settings: ``endpoint`` (a simulator) or ``environment`` (demo | live); ``symbols``
(roots to stream quotes for); ``heartbeat`` (s, 2.5), ``stale_after`` (s, 10: a silent
socket is a dropped one), ``renew_poll`` (s, 30: how often the renewal clock is read).
Credentials: ``username``, ``password``, ``app_id``, ``cid``, ``sec`` (the credentials
flow), or ``access_token`` (an OAuth token, which NinjaTrader connections always use).

Sessions are precious: Tradovate keeps at most two per user and a third login closes
the oldest. So the adapter logs in once and keeps its token across reconnects,
renewing it (``/auth/renewaccesstoken``) 15 minutes before it expires, and logs in
afresh only when the token is dead. Told that a newer login took its session
(``shutdown`` ConnectionQuotaReached), it stops with BrokerRefused rather than log in
again and evict the other, which would evict it back.

Order events and the place answer race: the props of a new order (and its fills) come
on the socket, maybe before ``placeorder`` answers with the order's id. While a place
is in flight, props of orders the adapter cannot name yet are held and replayed once
it can, so each fill reaches the runtime with its order id.

Brackets go as ``order/placeoso`` (the entry with ``bracket1`` and ``bracket2``, one-
cancels-other once the entry fills); the answer's ``oso1Id`` and ``oso2Id`` are named
by the legs' ids like any order's ``clOrdId``, so their updates and fills reach the
runtime as the legs'.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from dataclasses import replace
from typing import Any

from ordergate.policy import symbol_root
from ordergate.runtime.brokers.base import BrokerEvents, Clock
from ordergate.runtime.brokers.errors import (
    BrokerRefused,
    BrokerRejected,
    BrokerUnavailable,
    OrderNotOpen,
)
from ordergate.runtime.brokers.rithmic.contracts import front_month
from ordergate.runtime.brokers.tradovate import auth
from ordergate.runtime.brokers.tradovate.brackets import distance_legs, oco_body, oso_brackets
from ordergate.runtime.brokers.tradovate.feed import Record, TradovateFeed
from ordergate.runtime.brokers.tradovate.models import (
    ACTIONS,
    OPEN_STATUSES,
    ORD_STATUS,
    ORDER_TYPES,
    SIDES,
    epoch,
)
from ordergate.runtime.brokers.tradovate.rest import Unauthorized
from ordergate.runtime.brokers.tradovate.stream import Stream
from ordergate.runtime.brokers.types import (
    AccountInfo,
    Ack,
    AdapterConfig,
    BracketAck,
    BracketLeg,
    BrokerOrder,
    BrokerOrderStatus,
    Fill,
    OrderRequest,
    OrderUpdate,
)

log = logging.getLogger(__name__)
DEFAULT_SYMBOLS = ("ES", "MES", "NQ", "MNQ", "YM", "RTY", "CL", "GC")
FLATTEN_WAIT = 10.0
OAUTH_EXPIRED = "the Tradovate OAuth session has expired or ended: authorize the connection again"


class TradovateBroker(TradovateFeed):
    broker = "tradovate"

    def __init__(
        self, name: str, config: AdapterConfig, events: BrokerEvents | None = None, clock: Clock = time.time
    ) -> None:
        super().__init__(name, config, events, clock)
        s = config.settings
        self.symbols = tuple(s.get("symbols") or DEFAULT_SYMBOLS)
        self.beat_period = float(s.get("heartbeat") or 2.5)
        self.stale_after = float(s.get("stale_after") or 10.0)
        self.renew_poll = float(s.get("renew_poll") or 30.0)
        self.token: auth.Token | None = self._oauth_token()
        if self.token is None:
            auth.credentials_body(config.credentials, "")  # BrokerConfigError now, not at connect
        self.device_id = str(config.credentials.get("device_id") or secrets.token_hex(8))
        self.logins = 0  # fresh sessions this adapter started (renewals do not count)
        # entry id → the legs to rest as an OCO pair once it is done (distance legs)
        self._after_fill: dict[str, tuple[str, OrderRequest, tuple[BracketLeg, ...]]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._user = Stream(
            "user", self.ends.user_ws, self._on_user_event, self.beat_period, self.stale_after
        )
        self._md = Stream(
            "market-data", self.ends.md_ws, self._on_md_event, self.beat_period, self.stale_after
        )

    def _oauth_token(self) -> auth.Token | None:
        token = self.config.credentials.get("access_token")
        if not token:
            return None
        expires = epoch(self.config.credentials.get("expires_at"), self.clock() + 90 * 60)
        return auth.Token(token, expires)

    @property
    def oauth(self) -> bool:
        return bool(self.config.credentials.get("access_token"))

    # ---- connecting

    async def connect(self) -> None:
        try:
            await self._authenticate()
            await self.refresh()
        except Unauthorized:
            if self.oauth:
                raise BrokerRefused(OAUTH_EXPIRED) from None
            self.token = None  # refused after all: log in afresh, once
            await self._authenticate()
            await self.refresh()
        await self._user.open(self._token().access_token)
        await self._sync()
        await self._md.open(self._token().md_token)
        await self._subscribe_quotes()
        self.heartbeat()

    def _token(self) -> auth.Token:
        if self.token is None:
            raise BrokerUnavailable("not logged in to Tradovate")
        return self.token

    async def _authenticate(self) -> None:
        """Keep the token we hold when it is alive (renewing it when due); log in afresh
        only when it is dead, and never for an OAuth connection."""
        if self.token is not None and self.clock() < self.token.expires_at:
            self.rest.token = self.token.access_token
            if self.clock() < self.token.renew_at:
                return
            with contextlib.suppress(Unauthorized):
                await self._renew()
                return
        if self.oauth:
            raise BrokerRefused(
                "the Tradovate OAuth session has expired or ended: authorize the connection again"
            )
        body = auth.credentials_body(self.config.credentials, self.device_id)
        answer = await self.rest.call("POST", "auth/accesstokenrequest", body, auth=False)
        token = auth.token_of(answer if isinstance(answer, dict) else {}, self.clock())
        if token is None:
            text = answer.get("errorText") if isinstance(answer, dict) else answer
            raise BrokerRefused(f"Tradovate refused the login: {text or 'no token in the answer'}")
        self.logins += 1
        self.token, self.rest.token = token, token.access_token

    async def _renew(self) -> None:
        answer = await self.rest.call("GET", "auth/renewaccesstoken")
        token = auth.token_of(answer if isinstance(answer, dict) else {}, self.clock())
        if token is None:
            raise Unauthorized("Tradovate did not renew the token")
        old = self._token()
        # a renewal answers a new access token; keep the md token when it names none
        self.token = auth.Token(
            token.access_token,
            token.expires_at,
            token.md_access_token or old.md_access_token,
            old.user_id,
            old.name,
        )
        self.rest.token = token.access_token

    async def refresh(self) -> list[AccountInfo]:
        for record in await self.rest.call("GET", "account/list") or []:
            if not record.get("active", True) or record.get("archived"):
                continue
            name, ident = str(record.get("name") or record["id"]), int(record["id"])
            self._ids[name], self._names[ident] = ident, name
            snapshot = await self.rest.call(
                "POST", "cashBalance/getcashbalancesnapshot", {"accountId": ident}
            )
            balance = float(snapshot.get("totalCashValue") or 0.0)
            equity = float(snapshot.get("netLiq") or balance)
            self._accounts[name] = AccountInfo(name, balance, equity)
        return self.accounts()

    async def _sync(self) -> None:
        """``user/syncrequest``: the snapshot, then every change as props."""
        token = self._token()
        body: Record = {"users": [token.user_id]} if token.user_id is not None else {}
        body.update(accounts=list(self._names), splitResponses=False)
        answer = await self._user.request("user/syncrequest", body)
        if not answer.ok or not isinstance(answer.data, dict):
            raise BrokerUnavailable(f"Tradovate refused the sync request: {answer.data}")
        data = answer.data
        for contract in data.get("contracts") or []:
            self._learn_contract(contract)
        # the snapshot is the whole truth: a position it leaves out is closed (say, one the
        # broker flattened while the link was down)
        self._held = {ident: {} for ident in self._held}
        # it names the day's orders, those this adapter forgot among them: they are
        # remembered again as the oldest of its history (``OrderHistory.named``)
        named = [
            int(e["orderId"]) for key in ("orderVersions", "executionReports") for e in data.get(key) or []
        ]
        self._history.named([*(int(e["id"]) for e in data.get("orders") or []), *named])
        for kind, key in (
            ("orderVersion", "orderVersions"),
            ("executionReport", "executionReports"),
            ("order", "orders"),
            ("cashBalance", "cashBalances"),
            ("position", "positions"),
        ):
            for entity in data.get(key) or []:
                await self._apply(kind, entity, snapshot=True)
        for ident in list(self._held):
            self._emit_positions(ident)

    async def _subscribe_quotes(self) -> None:
        for root in self.symbols:
            contract = front_month(root, self.clock())
            if contract is None:
                continue
            with contextlib.suppress(BrokerUnavailable, BrokerRejected):
                await self._contract_id(contract.symbol)
                await self._md.request("md/subscribequote", {"symbol": contract.symbol})

    # ---- the receive loop

    async def serve(self) -> None:
        tasks = [asyncio.create_task(t) for t in (self._user.run(), self._md.run(), self._keep_token())]
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                task.result()
        finally:
            for task in tasks:
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.gather(*tasks)

    async def _keep_token(self) -> None:
        """Renew before expiry; the user socket stays authorized across renewals."""
        while True:
            await asyncio.sleep(self.renew_poll)
            if self.clock() >= self._token().renew_at:
                try:
                    await self._renew()
                except Unauthorized:
                    raise BrokerUnavailable("Tradovate would not renew the token; connecting again") from None

    async def disconnect(self) -> None:
        await self._user.close()
        await self._md.close()
        await self.rest.close()

    # ---- requests

    def accounts(self) -> list[AccountInfo]:
        return list(self._accounts.values())

    def _account_id(self, account: str) -> int:
        if account not in self._ids:
            raise BrokerRejected(f"Tradovate lists no account {account}")
        return self._ids[account]

    async def place(self, account: str, request: OrderRequest) -> Ack:
        body = self._order_body(account, request)
        answer = await self._command("order/placeorder", body, request.order_id)
        return Ack(request.order_id, str(answer["orderId"]))

    def _order_body(self, account: str, request: OrderRequest) -> Record:
        body: Record = {
            "accountSpec": account,
            "accountId": self._account_id(account),
            "clOrdId": request.order_id,
            "action": ACTIONS[request.side],
            "symbol": self._symbol(request.symbol, request.root),
            "orderQty": request.qty,
            "orderType": ORDER_TYPES.get(request.type, "Market"),
            "isAutomated": True,  # CME Rule 575: every order not clicked by a person
        }
        if request.price is not None:
            body["price"] = request.price
        if request.stop_price is not None:
            body["stopPrice"] = request.stop_price
        return body

    supports_brackets = True

    async def place_bracket(
        self, account: str, entry: OrderRequest, legs: tuple[BracketLeg, ...]
    ) -> BracketAck:
        """``order/placeoso``: the entry with ``bracket1`` (and ``bracket2``, one-cancels-
        other), sent by Tradovate when the entry fills; a trailing stop trails by its
        ``pegDifference``. Its brackets carry prices, so legs at a distance from the fill
        go otherwise: the entry alone, and once it is done its legs as an
        ``order/placeoco`` pair priced from the average fill (``_rest_after_fill``),
        under the legs' ids as their ``clOrdId``s. A distance leg with a trailing one is
        held by the runtime (BracketUnsupported)."""
        if distance_legs(legs):
            self._after_fill[entry.order_id] = (account, entry, legs)  # before any fill can come
            try:
                return BracketAck(await self.place(account, entry))
            except BaseException:
                self._after_fill.pop(entry.order_id, None)
                raise
        others = oso_brackets(entry.side, legs)  # BracketUnsupported before anything is sent
        body = self._order_body(account, entry)
        body |= {f"bracket{n}": other for n, other in enumerate(others, 1)}
        names = {f"oso{n}Id": leg.order_id for n, leg in enumerate(legs, 1)}
        answer = await self._command("order/placeoso", body, entry.order_id, names)
        ids = {
            leg.order_id: str(answer[key]) for key, leg in zip(names, legs, strict=True) if answer.get(key)
        }
        return BracketAck(Ack(entry.order_id, str(answer["orderId"])), ids)

    # ---- distance legs: an OCO pair once the entry is done

    async def _apply(self, kind: str, entity: Record, *, snapshot: bool = False) -> None:
        await super()._apply(kind, entity, snapshot=snapshot)
        if self._after_fill and kind in ("order", "fill"):
            ident = entity.get("orderId") if kind == "fill" else entity.get("id")
            if isinstance(ident, int):
                self._entry_changed(ident, snapshot)

    def _entry_changed(self, ident: int, snapshot: bool) -> None:
        """An entry with legs to rest after its fill is done: rest them (in a task, so
        the socket is read on meanwhile). A snapshot's fills are not on the socket: the
        task asks for them."""
        tag = self._tags.get(ident)
        if tag not in self._after_fill:
            return
        status = ORD_STATUS.get(str(self._orders.get(ident, {}).get("ordStatus")))
        filled = sum(f.qty for f in self._order_fills(ident))
        _, entry, _ = self._after_fill[tag]
        if status == "filled" and filled < entry.qty and not snapshot:
            return  # its last fills are on their way
        if status in ("filled", "cancelled", "expired", "rejected"):
            pending = self._after_fill.pop(tag)
            task = asyncio.create_task(self._rest_after_fill(ident, *pending))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _rest_after_fill(
        self, ident: int, account: str, entry: OrderRequest, legs: tuple[BracketLeg, ...]
    ) -> None:
        fills = [(f.qty, f.price) for f in self._order_fills(ident)]
        if sum(q for q, _ in fills) < entry.qty:  # a fill while the socket was down is in the list
            listed = await self.rest.call("GET", "fill/list") or []
            fills = [(int(f["qty"]), float(f["price"])) for f in listed if f.get("orderId") == ident]
        qty = sum(q for q, _ in fills)
        if not qty:
            return  # the entry filled nothing: no legs
        await self._learn_tags()
        if any(leg.order_id in self._broker_ids for leg in legs):
            return  # sent before a restart: Tradovate holds them already
        average = sum(q * p for q, p in fills) / qty
        try:
            await self._rest_legs(account, entry.side, entry.symbol, entry.root, legs, average, qty)
        except Exception as exc:  # the runtime shows them working: say why they are not
            log.error("%s: the legs of %s were not placed at Tradovate: %s", self.name, entry.order_id, exc)
            for leg in legs:
                self.emit_order(OrderUpdate(account, leg.order_id, "", "rejected", str(exc), self.clock()))

    async def _rest_legs(
        self,
        account: str,
        entry_side: str,
        symbol: str,
        root: str,
        legs: tuple[BracketLeg, ...],
        fill: float,
        qty: int,
    ) -> None:
        base = {
            "accountSpec": account,
            "accountId": self._account_id(account),
            "symbol": self._symbol(symbol, root),
        }
        body = oco_body(base, entry_side, legs, fill, qty)
        if len(legs) == 1:
            await self._command("order/placeorder", body, legs[0].order_id)
        else:
            await self._command("order/placeoco", body, legs[0].order_id, {"ocoId": legs[1].order_id})

    def await_bracket(self, account: str, entry: OrderRequest, legs: tuple[BracketLeg, ...]) -> None:
        """An entry a restarted runtime still waits on: its distance legs rest once it is
        done, as if this adapter had sent it (the reconnect's snapshot or the command
        list that names it sets that off)."""
        if distance_legs(legs):
            self._after_fill[entry.order_id] = (account, entry, legs)

    async def _learn_tags(self) -> None:
        await super()._learn_tags()
        # legs being rested now are at the broker by the time reconciliation reads its lists
        # (not from inside one of those tasks: two would wait for each other)
        if self._tasks and asyncio.current_task() not in self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def _learn_tag(self, command: Record) -> None:
        super()._learn_tag(command)
        ident = command.get("orderId")
        if isinstance(ident, int) and self._tags.get(ident) in self._after_fill:
            self._entry_changed(ident, snapshot=True)  # an entry named only now may be done

    async def _command(
        self, path: str, body: Record, order_id: str, legs: dict[str, str] | None = None
    ) -> Record:
        """Send an order command while holding the props of orders not yet named;
        ``legs`` names the brackets the answer names (answer key → runtime id)."""
        self._inflight += 1
        try:
            answer = await self.rest.call("POST", path, body)
            answer = answer if isinstance(answer, dict) else {}
            for key, tag in (legs or {}).items():
                if isinstance(answer.get(key), int):
                    self._history.heard(answer[key])
                    self._tags[answer[key]], self._broker_ids[tag] = tag, answer[key]
            if answer.get("orderId") is not None:
                ident = int(answer["orderId"])
                self._history.heard(ident)
                self._tags[ident], self._broker_ids[order_id] = order_id, ident
            if answer.get("failureReason") not in (None, "Success") or answer.get("orderId") is None:
                reason = (
                    answer.get("failureText") or answer.get("failureReason") or "no order id in the answer"
                )
                raise BrokerRejected(str(reason))
            return answer
        finally:
            self._inflight -= 1
            await self._replay_waiting()

    async def _replay_waiting(self) -> None:
        waiting, self._waiting = self._waiting, []
        for kind, entity in waiting:
            await self._apply(kind, entity)

    async def cancel(self, account: str, order_id: str) -> None:
        ident = self._broker_ids.get(order_id)
        if ident is None:
            raise OrderNotOpen(f"Tradovate has no order {order_id} from this connection")
        answer = await self.rest.call("POST", "order/cancelorder", {"orderId": ident, "isAutomated": True})
        if isinstance(answer, dict) and answer.get("failureReason") not in (None, "Success"):
            text = str(answer.get("failureText") or answer.get("failureReason"))
            if answer.get("failureReason") == "TooLate" or "not" in text.lower():
                raise OrderNotOpen(text)
            raise BrokerRejected(text)

    async def order_status(self, account: str, order_id: str) -> BrokerOrder | None:
        await self._learn_tags()
        ident = self._broker_ids.get(order_id)
        if ident is None:
            return None
        try:
            order = await self.rest.call("GET", f"order/item?id={ident}")
        except BrokerUnavailable:
            return None
        found = await self._broker_orders(account, [order], open_only=False)
        return found[0] if found else None

    async def open_orders(self, account: str) -> list[BrokerOrder]:
        await self._learn_tags()
        return await self._broker_orders(
            account, await self.rest.call("GET", "order/list") or [], open_only=True
        )

    async def _broker_orders(self, account: str, orders: list[Record], open_only: bool) -> list[BrokerOrder]:
        ident = self._account_id(account)
        versions = {int(v["orderId"]): v for v in await self.rest.call("GET", "orderVersion/list") or []}
        filled: dict[int, int] = {}
        for fill in await self.rest.call("GET", "fill/list") or []:
            filled[int(fill["orderId"])] = filled.get(int(fill["orderId"]), 0) + int(fill["qty"])
        out = []
        for order in orders:
            if order.get("accountId") != ident or (open_only and order.get("ordStatus") not in OPEN_STATUSES):
                continue
            oid = int(order["id"])
            version = versions.get(oid, {})
            symbol = await self._contract_name(int(order["contractId"]))
            qty, done = int(version.get("orderQty") or 0), filled.get(oid, 0)
            out.append(
                BrokerOrder(
                    account,
                    self._tags.get(oid),
                    str(oid),
                    symbol_root(symbol),
                    symbol,
                    SIDES.get(str(order.get("action")), "buy"),
                    qty,
                    done,
                    _status(str(order.get("ordStatus")), done),
                    {v: k for k, v in ORDER_TYPES.items()}.get(str(version.get("orderType")), "market"),
                    version.get("price"),
                    version.get("stopPrice"),
                )
            )
        return out

    async def fills_since(self, account: str, ts: float) -> list[Fill]:
        ident = self._account_id(account)
        await self._learn_tags()
        owners = {int(o["id"]): o.get("accountId") for o in await self.rest.call("GET", "order/list") or []}
        out = []
        for entity in await self.rest.call("GET", "fill/list") or []:
            if owners.get(int(entity["orderId"])) == ident and epoch(entity.get("timestamp")) >= ts:
                out.append(await self._fill_of(entity, account))
        return out

    async def fetch_positions(self, account: str) -> dict[str, tuple[int, float]]:
        ident = self._account_id(account)
        found = await self.rest.call("GET", f"position/deps?masterid={ident}") or []
        self._held[ident] = {}  # every position of the account is in the answer
        for entity in found:
            await self._on_position(entity, snapshot=True)
        self._emit_positions(ident)
        return self.positions(account)

    async def flatten(self, account: str, new_id: Any) -> list[Fill]:
        """``order/liquidateposition`` per contract held (it also cancels the contract's
        working orders), then wait for each liquidation's fills."""
        ident = self._account_id(account)
        fills: list[Fill] = []
        for contract, (qty, _avg) in list(self._held.get(ident, {}).items()):
            if not qty:
                continue
            order_id = new_id()
            body = {"accountId": ident, "contractId": contract, "admin": False}
            answer = await self._command("order/liquidateposition", body, order_id)
            broker_id = int(answer["orderId"])
            try:
                async with asyncio.timeout(FLATTEN_WAIT):
                    while sum(f.qty for f in self._order_fills(broker_id)) < abs(qty):
                        if self._said.get(broker_id) in ("rejected", "cancelled", "expired"):
                            raise BrokerRejected(f"the liquidation of {account} was {self._said[broker_id]}")
                        self._changed.clear()
                        await self._changed.wait()
            except TimeoutError:
                raise BrokerUnavailable(
                    f"the liquidation of {account} did not fill in {FLATTEN_WAIT:g} s"
                ) from None
            fills += [_tagged(f, order_id) for f in self._order_fills(broker_id)]
        return fills


def _status(ord_status: str, filled: int) -> BrokerOrderStatus:
    status = ORD_STATUS.get(ord_status, "working")
    return "partially_filled" if status == "working" and filled else status


def _tagged(fill: Fill, order_id: str) -> Fill:
    return replace(fill, order_id=order_id)
