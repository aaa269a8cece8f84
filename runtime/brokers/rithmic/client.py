"""The Rithmic adapter: three plant sockets (ticker, order, PnL) behind one BrokerAdapter.

Connecting follows the order real clients use (protocols/brokers.md §7.1): the system
list on a socket of its own (then closed), then one login per plant, one after another
with a pause between them (back-to-back logins make gateways force earlier sessions
out). The order plant then asks for login info, trade routes and accounts and subscribes
to order and bracket updates per account; the PnL plant subscribes per account and takes
a snapshot, which gives the balances and positions.

Settings: ``endpoint`` (``ws://`` or ``wss://``; a simulator or a private gateway) or
``gateway`` (a region named by the gateway list, 20/21), ``system`` (the prop firm, from
the system list), ``ca_file`` (a certificate to trust for ``wss://``), ``stagger``
(seconds between plant logins), ``symbols`` (roots whose quotes stream from the login on;
default the common index, energy and metal roots, so that an entry's quote is there
before its first order), ``timeout`` (seconds per request), ``forced_logout_hold``
(seconds to wait before logging in again after a forced logout, so that two sessions do
not keep pushing each other out).

What the plants push is kept by ``feed.RithmicFeed``, which this adapter extends with the
plant links, the login and the requests.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any, Final

from ordergate.policy import spec_for, symbol_root
from ordergate.runtime.brokers.base import BrokerEvents, Clock
from ordergate.runtime.brokers.errors import (
    BracketUnsupported,
    BrokerConfigError,
    BrokerRefused,
    BrokerRejected,
    BrokerUnavailable,
    OrderNotOpen,
)
from ordergate.runtime.brokers.rithmic import mapping
from ordergate.runtime.brokers.rithmic.contracts import contract, exchange_of
from ordergate.runtime.brokers.rithmic.feed import RithmicFeed, with_order
from ordergate.runtime.brokers.rithmic.plant import PlantLink, RequestFailed, ssl_context_for
from ordergate.runtime.brokers.rithmic.protocol import Plant
from ordergate.runtime.brokers.types import (
    AccountInfo,
    Ack,
    AdapterConfig,
    BracketAck,
    BracketLeg,
    BrokerOrder,
    Fill,
    OrderRequest,
    PositionSnapshot,
)

# Rithmic's public test gateway: the system list comes from here when no endpoint is set.
TEST_GATEWAY: Final = "wss://rituz00100.rithmic.com:443"
APP_NAME: Final = "ordergate"
APP_VERSION: Final = "0.1.0"
PLANTS: Final = (Plant.TICKER, Plant.ORDER, Plant.PNL)
DEFAULT_SYMBOLS: Final = ("ES", "MES", "NQ", "MNQ", "YM", "RTY", "CL", "GC")
# How far back an order's executions are looked for when the runtime asks about one order
# it does not know the end of (order_status has no time of its own).
REPLAY_LOOKBACK: Final = 24 * 3600.0


class RithmicBroker(RithmicFeed):
    broker = "rithmic"

    def __init__(
        self, name: str, config: AdapterConfig, events: BrokerEvents | None = None, clock: Clock = time.time
    ) -> None:
        super().__init__(name, config, events, clock)
        s = config.settings
        self.system = str(s.get("system") or "")
        if not self.system:
            raise BrokerConfigError(f"connection {name}: a rithmic connection needs a system (the prop firm)")
        self.endpoint = str(s.get("endpoint") or "")
        self.gateway = str(s.get("gateway") or "")
        self.timeout = float(s.get("timeout", 10.0))
        self.stagger = float(s.get("stagger", 0.25))
        self.forced_logout_hold = float(s.get("forced_logout_hold", 30.0))
        self.symbols = tuple(s.get("symbols") or DEFAULT_SYMBOLS)
        self._ssl = ssl_context_for(s.get("ca_file"))
        self.systems: list[str] = []
        self.regions: dict[str, str] = {}
        self.reference_warnings: list[str] = []
        self._links: dict[Plant, PlantLink] = {}

    # ------------------------------------------------------------ connecting

    def _link(self, plant: Plant, uri: str) -> PlantLink:
        return PlantLink(
            plant, uri, on_push=self._on_push, clock=self.clock, timeout=self.timeout, ssl_context=self._ssl
        )

    async def discover(self) -> tuple[list[str], dict[str, str]]:
        """The system list (16) and the gateways of our system (20), for the add flow."""
        link = self._link(Plant.TICKER, self.endpoint or TEST_GATEWAY)
        await link.open()
        try:
            reply = await link.request(16)
            self.systems = list(reply.last.system_name)
            with contextlib.suppress(RequestFailed):
                gateways = (await link.request(20, system_name=self.system)).last
                self.regions = dict(zip(gateways.gateway_name, gateway_uris(gateways), strict=False))
        finally:
            await link.close()
        return self.systems, self.regions

    async def connect(self) -> None:
        wait = self._hold_until - self.clock()
        if wait > 0:
            # After a forced logout: logging straight back in would push the other session
            # out, and it us, in a storm (async_rithmic #49).
            await asyncio.sleep(min(wait, self.forced_logout_hold))
        await self.disconnect()
        systems, regions = await self.discover()
        if self.system not in systems:
            raise BrokerRefused(
                f"system {self.system!r} is not offered by this gateway; it offers {', '.join(systems)}"
            )
        uri = self.endpoint
        if not uri:
            if self.gateway not in regions:
                raise BrokerRefused(
                    f"gateway {self.gateway!r} is not one of {', '.join(regions) or 'none listed'}"
                )
            uri = regions[self.gateway]
        creds = self.config.credentials
        for index, plant in enumerate(PLANTS):
            if index:
                await asyncio.sleep(self.stagger)
            link = self._link(plant, uri)
            self._links[plant] = link
            await link.open()
            try:
                await link.login(
                    user=creds.get("username", ""),
                    password=creds.get("password", ""),
                    system_name=self.system,
                    app_name=APP_NAME,
                    app_version=APP_VERSION,
                )
            except RequestFailed as exc:
                await self.disconnect()
                raise BrokerRefused(
                    f"Rithmic refused the {plant.name.lower()} plant login: {exc.text or exc.code}"
                ) from None
        await self._order_plant_setup()
        await self._pnl_plant_setup()
        for root in self.symbols:
            with contextlib.suppress(BrokerRejected):  # a root this gateway does not list
                await self._ensure_quotes(root)
        self.heartbeat()

    async def _order_plant_setup(self) -> None:
        link = self._links[Plant.ORDER]
        info = (await link.request(300)).last
        self._ids = {"fcm_id": info.fcm_id, "ib_id": info.ib_id}
        user_type = info.user_type
        routes = await link.request(310, subscribe_for_updates=True)
        for row in (*routes.rows, routes.last):
            if row.exchange and row.trade_route and (row.is_default or row.exchange not in self._routes):
                self._routes[row.exchange] = row.trade_route
        listed = await link.request(302, **self._ids, user_type=user_type)
        for row in (*listed.rows, listed.last):
            account = getattr(row, "account_id", "")
            if account and account not in self._accounts:
                self._accounts[account] = AccountInfo(account, 0.0, 0.0, row.account_name or None)
                self._positions.setdefault(account, {})
        for account in self._accounts:
            await link.request(308, **self._ids, account_id=account)
            await link.request(336, **self._ids, account_id=account)

    async def _pnl_plant_setup(self) -> None:
        link = self._links[Plant.PNL]
        for account in self._accounts:
            await link.request(400, **self._ids, account_id=account, request=1)
            await self._snapshot(account)

    async def _snapshot(self, account: str) -> dict[str, tuple[int, float]]:
        reply = await self._links[Plant.PNL].request(402, **self._ids, account_id=account)
        positions: dict[str, tuple[int, float]] = {}
        for row in reply.rows:
            if row.template_id == 450:
                if row.net_quantity:
                    positions[symbol_root(row.symbol)] = (row.net_quantity, row.avg_open_fill_price)
                    self._symbols.setdefault(symbol_root(row.symbol), (row.symbol, row.exchange))
            else:
                self._take_balance(row)
        self._positions[account] = positions
        self.emit_positions(PositionSnapshot(account, dict(positions), self.clock()))
        for root in positions:
            await self._ensure_quotes(root)
        return positions

    async def serve(self) -> None:
        if not self._links:
            raise BrokerUnavailable("not connected")
        waits = [asyncio.create_task(link.done.wait()) for link in self._links.values()]
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in waits:
                task.cancel()
        ended = next(link for link in self._links.values() if link.done.is_set())
        if ended.forced_out:
            self._hold_until = self.clock() + self.forced_logout_hold
        error = ended.protocol_error()
        await self.disconnect()
        if error is not None:
            raise error
        raise BrokerUnavailable(f"{ended.plant.name.lower()} plant: {ended.closed_reason}")

    async def disconnect(self) -> None:
        links, self._links = list(self._links.values()), {}
        for link in links:
            await link.logout()
            await link.close()
        self._quoting.clear()

    # ------------------------------------------------------------ what the runtime reads

    def accounts(self) -> list[AccountInfo]:
        return list(self._accounts.values())

    async def refresh(self) -> list[AccountInfo]:
        link = self._links.get(Plant.ORDER)
        if link is None:
            return self.accounts()
        listed = await link.request(302, **self._ids, user_type=3)
        for row in (*listed.rows, listed.last):
            account = getattr(row, "account_id", "")
            if account and account not in self._accounts:
                self._accounts[account] = AccountInfo(account, 0.0, 0.0, row.account_name or None)
                await link.request(308, **self._ids, account_id=account)
                await link.request(336, **self._ids, account_id=account)
                await self._links[Plant.PNL].request(400, **self._ids, account_id=account, request=1)
                await self._snapshot(account)
        return self.accounts()

    async def fetch_positions(self, account: str) -> dict[str, tuple[int, float]]:
        return dict(await self._snapshot(account))

    async def open_orders(self, account: str) -> list[BrokerOrder]:
        reply = await self._order_link().request(320, **self._ids, account_id=account)
        self._history.named(_baskets_of(reply.rows))
        orders = []
        for row in reply.rows:
            if row.template_id == 352:
                self._claim(row)
                order = mapping.broker_order(row)
                order = replace(order, order_id=order.order_id or self._orders_of.get(order.broker_order_id))
                self._remember(order.order_id, order.broker_order_id)
                self._listed(order.broker_order_id, order.status)
                if order.status in ("working", "partially_filled"):
                    orders.append(order)
        return orders

    async def fills_since(self, account: str, ts: float) -> list[Fill]:
        """The gateway's executions from ``ts`` on (replay, 3506), those made while this
        adapter was not listening included, with the ones it heard itself."""
        replayed = await self._replay(account, ts)
        seen = {f.fill_id for f in replayed}
        heard = [
            fill
            for fill in (Fill(*row) for row in self._fills)
            if fill.account == account and fill.ts >= ts and fill.fill_id not in seen
        ]
        return sorted([*replayed, *heard], key=lambda f: f.ts)

    async def order_status(self, account: str, order_id: str) -> BrokerOrder | None:
        """A working order from the order list (320); one that is no longer working from
        its executions (3506), so an order whose answer was lost and that filled is
        found filled; None when neither knows it."""
        for order in await self.open_orders(account):
            if order.order_id == order_id:
                return order
        rows = await self._replay_rows(account, self.clock() - REPLAY_LOOKBACK)
        mine = [r for r in rows if (r.user_tag or self._orders_of.get(r.basket_id)) == order_id]
        if not mine:
            return None
        last = max(mine, key=lambda r: (r.total_fill_size, mapping.ts_of(r, 0.0)))
        order = replace(mapping.broker_order(last), order_id=order_id)
        if order.status == "partially_filled":
            # not in the order list, so no longer working: the rest was cancelled
            order = replace(order, status="cancelled", reason="partly filled, the rest no longer working")
        return order

    async def _replay(self, account: str, ts: float) -> list[Fill]:
        fills = []
        for row in await self._replay_rows(account, ts):
            fill = mapping.fill_of(row, self.clock())
            if fill is None:
                continue
            order_id = fill.order_id or self._orders_of.get(row.basket_id)
            fills.append(fill if fill.order_id or order_id is None else with_order(fill, order_id))
        return fills

    async def _replay_rows(self, account: str, ts: float) -> list[Any]:
        """Replay executions (3506) from ``ts`` to now: the 352 fill rows, each order's
        basket id remembered under its user tag."""
        start, finish = max(int(ts), 0), int(self.clock()) + 1
        if start > finish:
            return []  # a window in the future holds nothing (and the gateway refuses it)
        reply = await self._order_link().request(
            3506, **self._ids, account_id=account, start_index=start, finish_index=finish
        )
        rows = [r for r in reply.rows if r.template_id == 352 and r.notify_type == mapping.X_FILL]
        self._history.named(_baskets_of(rows))
        for row in rows:
            self._claim(row)
            self._remember(row.user_tag or None, row.basket_id)
            # an execution is history: one that completed its order ends it here, a part
            # fill says nothing of whether the order still works now
            if row.total_unfilled_size == 0:
                self._listed(row.basket_id, "filled")
            else:
                self._history.heard(row.basket_id)
        return rows

    # ------------------------------------------------------------ orders

    def _order_link(self) -> PlantLink:
        link = self._links.get(Plant.ORDER)
        if link is None or link.done.is_set():
            raise BrokerUnavailable("the order plant is not connected")
        return link

    async def _order_fields(self, account: str, request: OrderRequest) -> dict[str, object]:
        """The fields of a 312 (and of a 330's order) for ``request``."""
        symbol, exchange = await self._trading_symbol(request.root, request.symbol)
        route = self._routes.get(exchange)
        if route is None:
            raise BrokerRejected(f"no trade route to {exchange} for this user")
        await self._ensure_quotes(request.root)
        fields: dict[str, object] = {
            **self._ids,
            "user_tag": request.order_id,
            "window_name": "ordergate",
            "account_id": account,
            "symbol": symbol,
            "exchange": exchange,
            "quantity": request.qty,
            "transaction_type": mapping.side_code(request.side),
            "duration": mapping.DAY,
            "price_type": mapping.PRICE_TYPES.get(request.type, mapping.MARKET),
            "trade_route": route,
            "manual_or_auto": mapping.AUTO,
        }
        if request.type in ("limit", "stop_limit"):
            fields["price"] = request.price
        if request.type in ("stop", "stop_limit"):
            fields["trigger_price"] = request.stop_price
        return fields

    async def place(self, account: str, request: OrderRequest) -> Ack:
        return await self._send_order(312, await self._order_fields(account, request), request.order_id)

    async def _send_order(self, template: int, fields: dict[str, object], order_id: str) -> Ack:
        try:
            reply = await self._order_link().request(template, **fields)
        except RequestFailed as exc:
            raise BrokerRejected(exc.text or exc.code) from None
        # Under load the data frame may be missing and only the terminal code arrive: the
        # basket id then comes from the notifications, keyed by our user_tag.
        basket = getattr(reply.last, "basket_id", "") or self._baskets.get(order_id, "")
        self._remember(order_id, basket)
        # The gateway takes the order (313) and the exchange may refuse it at once: the
        # reject notification then came before the reply, and the order was never working.
        refused = self._refused.pop(order_id, None)
        if refused is not None:
            raise BrokerRejected(refused)
        return mapping_ack(order_id, basket)

    supports_brackets = True

    async def place_bracket(
        self, account: str, entry: OrderRequest, legs: tuple[BracketLeg, ...]
    ) -> BracketAck:
        """330, RequestBracketOrder: the order with ``target_ticks`` and ``stop_ticks`` of
        the contract from its fill, released by the gateway when it fills. Legs at a price,
        or trailing, are held by the runtime (BracketUnsupported). The released legs are
        named by the leg each is (``_claim``)."""
        spec = spec_for(entry.root)
        tick = spec.tick_size if spec else 0.01
        fields = await self._order_fields(account, entry)
        kinds: dict[int, str] = {}
        for leg in legs:
            if leg.offset is None or leg.type == "trailing_stop":
                raise BracketUnsupported(
                    f"Rithmic brackets here are ticks from the fill, not this {leg.kind}"
                )
            ticks = max(1, math.ceil(leg.offset / tick - 1e-9))
            prefix = "target" if leg.kind == "take_profit" else "stop"
            fields |= {f"{prefix}_ticks": ticks, f"{prefix}_quantity": entry.qty}
            kinds[mapping.BRACKET_TARGET if leg.kind == "take_profit" else mapping.BRACKET_STOP] = (
                leg.order_id
            )
        fields |= {
            "bracket_type": 3 if len(kinds) == 2 else 2 if mapping.BRACKET_TARGET in kinds else 1,
            "user_type": 3,
        }
        self._pending_legs[entry.order_id] = kinds  # the legs may be released before the answer
        try:
            ack = await self._send_order(330, fields, entry.order_id)
        except BrokerRejected:
            self._pending_legs.pop(entry.order_id, None)
            raise
        return BracketAck(ack)

    def restore_legs(self, account: str, legs: tuple[OrderRequest, ...], trails: Mapping[str, float]) -> None:
        """After a restart, the legs the gateway still holds are named again when seen."""
        for leg in legs:
            kind = mapping.BRACKET_TARGET if leg.type == "limit" else mapping.BRACKET_STOP
            self._restored_legs.append((account, leg.root, leg.side, kind, leg.order_id))

    async def cancel(self, account: str, order_id: str) -> None:
        basket = self._baskets.get(order_id)
        if basket is None:
            raise OrderNotOpen(f"order {order_id} is not known at Rithmic")
        try:
            await self._order_link().request(
                316, **self._ids, account_id=account, basket_id=basket, manual_or_auto=mapping.AUTO
            )
        except RequestFailed as exc:
            raise OrderNotOpen(exc.text or f"order {order_id} is not open") from None

    async def cancel_all(self, account: str) -> None:
        await self._order_link().request(
            346, **self._ids, account_id=account, user_type=3, manual_or_auto=mapping.AUTO
        )

    async def flatten(self, account: str, new_id: Callable[[], str]) -> list[Fill]:
        """Exit position (3504) for every position of the account, then wait until the
        PnL plant shows it flat; the fills are those of the exit orders."""
        seen = self._heard
        # The PnL plant's word, asked afresh: a fill heard on the order plant may not have
        # reached the positions from the PnL plant yet, and a flatten that trusted them
        # would leave that position open.
        if not any(q for q, _ in (await self._snapshot(account)).values()):
            return []
        self._flat = asyncio.Event()
        try:
            await self._order_link().request(
                3504, **self._ids, account_id=account, manual_or_auto=mapping.AUTO
            )
        except RequestFailed as exc:
            raise BrokerRejected(f"exit position refused: {exc.text or exc.code}") from None
        while any(q for q, _ in self._positions.get(account, {}).values()):
            self._flat.clear()
            await self._flat.wait()
        return [f for f in self._fills_after(seen) if f.account == account]

    # ------------------------------------------------------------ contracts and quotes

    async def _trading_symbol(self, root: str, symbol: str) -> tuple[str, str]:
        if contract(symbol) is not None:
            pair = (symbol, exchange_of(root))
        elif root in self._symbols:
            pair = self._symbols[root]
        else:
            try:
                reply = await self._links[Plant.TICKER].request(
                    113, symbol=root, exchange=exchange_of(root), need_updates=False
                )
            except RequestFailed as exc:
                raise BrokerRejected(f"no front month for {root}: {exc.text or exc.code}") from None
            last: Any = reply.last
            if not last.trading_symbol:
                raise BrokerRejected(f"no front month for {root}")
            pair = (last.trading_symbol, last.trading_exchange or exchange_of(root))
        self._symbols.setdefault(root, pair)
        await self._check_reference(root, *pair)
        return pair

    async def _check_reference(self, root: str, symbol: str, exchange: str) -> None:
        """Reference data (14/15) against our contract table; a mismatch is a warning."""
        if root in self._checked or Plant.TICKER not in self._links:
            return
        self._checked.add(root)
        try:
            last: Any = (await self._links[Plant.TICKER].request(14, symbol=symbol, exchange=exchange)).last
        except (RequestFailed, BrokerUnavailable):
            return
        spec = spec_for(root)
        if spec is None or not last.HasField("min_qprice_change"):
            return
        if (
            abs(last.min_qprice_change - spec.tick_size) > 1e-9
            or abs(last.single_point_value - spec.point_value) > 1e-9
        ):
            warning = (
                f"Rithmic reference data for {symbol} (tick {last.min_qprice_change:g}, point value "
                f"{last.single_point_value:g}) differs from our contract table (tick {spec.tick_size:g}, "
                f"point value {spec.point_value:g})"
            )
            self.reference_warnings.append(warning)
            self.emit_warning(warning)

    async def _ensure_quotes(self, root: str) -> None:
        if root in self._quoting or Plant.TICKER not in self._links:
            return
        symbol, exchange = self._symbols.get(root) or await self._trading_symbol(root, root)
        self._quoting.add(root)
        try:
            await self._links[Plant.TICKER].request(
                100, symbol=symbol, exchange=exchange, request=1, update_bits=3
            )
        except (RequestFailed, BrokerUnavailable):
            self._quoting.discard(root)


def _baskets_of(rows: Any) -> list[str]:
    """The baskets 352 rows name: their orders' and the brackets' they came from. Those the
    adapter forgot join its history as the oldest (``OrderHistory.named``)."""
    return [b for r in rows if r.template_id == 352 for b in (r.basket_id, r.original_basket_id) if b]


def gateway_uris(reply: Any) -> list[str]:
    return list(reply.gateway_uri)


def mapping_ack(order_id: str, basket: str) -> Ack:
    return Ack(order_id, basket)
