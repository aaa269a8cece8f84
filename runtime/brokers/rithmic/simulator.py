"""A Rithmic gateway on loopback: R|Protocol over WebSocket, over the simulated exchange.

It serves what real clients do (protocols/brokers.md §3, §7.1), from the server side of
the same codec the adapter uses: the system list (16) and gateways (20) before a login;
logins to the ticker, order and PnL plants (10) with a heartbeat interval above 1 s; the
order plant's login info (300), trade routes (310), account list (302, multi-part),
order and bracket update subscriptions (308, 336), new order (312), cancel (316), cancel
all (346), exit position (3504), show orders (320 → 352 snapshot rows) and execution
replay (3506 → a 352 fill row per execution in the window, then 3507); the PnL
plant's subscription (400) and snapshot (402 → 450/451 snapshot rows); the ticker
plant's market data (100 → 150/151), front month (113) and reference data (14). Every
reply echoes ``user_msg``. A request for another plant is answered ``["6", "bad input"]``.

Faults on command: ``drop_connections`` (every socket closes), ``force_logout`` (77,
then close), and the exchange's ``faults`` (latency, muted order reports, no heartbeat
answers, no quotes). A client silent for two heartbeat intervals is dropped.

The lists, reference data, quotes and PnL rows are built in ``sim_market``; show-orders
and replay rows in ``sim_orders``; brackets (their legs, 353, updates and cancels at the
gateway) in ``sim_brackets``; this module routes requests and the exchange's events.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from ordergate.policy import spec_for, symbol_root
from ordergate.runtime.brokers.base import AdapterConfig, Harness, SimLogin
from ordergate.runtime.brokers.errors import BrokerRejected, OrderNotOpen
from ordergate.runtime.brokers.exchange import (
    BalanceChanged,
    Event,
    Exchange,
    LinkFault,
    OrderChanged,
    PositionChanged,
    QuoteChanged,
    Traded,
)
from ordergate.runtime.brokers.rithmic import mapping
from ordergate.runtime.brokers.rithmic.contracts import exchange_of, front_month
from ordergate.runtime.brokers.rithmic.protocol import (
    Plant,
    Refused,
    Request,
    ServerSession,
    State,
    reject,
)
from ordergate.runtime.brokers.rithmic.sim_brackets import (
    STOP,
    TARGET,
    LegOf,
    bracket_update,
    cancel_legs,
    emptied,
    leg_fields,
    legs_of,
    move_legs,
    moved,
)
from ordergate.runtime.brokers.rithmic.sim_market import (
    BAD_INPUT,
    EXCHANGES,
    REGIONS,
    SYSTEMS,
    front_month_reply,
    market_data_reply,
    pnl_rows,
    quote_frames,
    reference_reply,
)
from ordergate.runtime.brokers.rithmic.sim_orders import fill_rows, open_order_rows
from ordergate.runtime.brokers.types import BracketLeg, BrokerOrder, OrderRequest

# Templates each plant serves beyond the shared ones (login, logout, heartbeat, reference data).
PLANT_TEMPLATES: Final[dict[Plant, frozenset[int]]] = {
    Plant.TICKER: frozenset({100, 113}),
    Plant.ORDER: frozenset({300, 302, 308, 310, 312, 316, 320, 330, 336, 346, 3504, 3506}),
    Plant.PNL: frozenset({400, 402}),
    Plant.HISTORY: frozenset(),
    Plant.REPOSITORY: frozenset(),
}


@dataclass(eq=False)
class _Client:
    """One socket: its session, what it subscribed to, and its outbox (sent in order)."""

    ws: ServerConnection
    session: ServerSession = field(default_factory=ServerSession)
    order_accounts: set[str] = field(default_factory=set)
    pnl_accounts: set[str] = field(default_factory=set)
    bracket_accounts: set[str] = field(default_factory=set)
    quotes: dict[str, tuple[str, str, int]] = field(default_factory=dict)  # root → symbol, exchange, bits
    outbox: asyncio.Queue[bytes | None] = field(default_factory=asyncio.Queue)

    def send(self, frame: bytes) -> None:
        self.outbox.put_nowait(frame)


class RithmicSimulator:
    """The gateway. ``start()`` serves on 127.0.0.1; ``stop()`` ends it."""

    def __init__(
        self,
        exchange: Exchange,
        login: SimLogin = SimLogin(),  # noqa: B008 - frozen dataclass, safe as a default
        *,
        heartbeat_interval: float = 60.0,
        tls: bool = False,
        fcm_id: str = "OrdergateSim",
        ib_id: str = "OrdergateSim",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.exchange = exchange
        self.login = login
        self.heartbeat_interval = heartbeat_interval
        self.idle_timeout = 2 * heartbeat_interval
        self.tls = tls
        self.ids: dict[str, object] = {"fcm_id": fcm_id, "ib_id": ib_id}
        self.clock = clock
        self.reference_overrides: dict[str, tuple[float, float]] = {}  # root → tick size, point value
        self.port = 0
        self.ca_file: Path | None = None
        self.logins: list[tuple[Plant, str]] = []
        self._server: Server | None = None
        self._clients: set[_Client] = set()
        self._held: list[Event] | None = None
        self._symbols: dict[tuple[str, str], str] = {}  # (account, root) → trading symbol
        self._internal = 0
        self._traded: dict[str, set[str]] = {}  # account → roots with a position this session
        self._legs: dict[str, LegOf] = {}  # exchange id of a bracket leg → its bracket
        self._brackets: dict[str, Any] = {}  # entry basket → its 330, until its legs are out
        self._said_353: dict[str, tuple[str, dict[str, object]]] = {}  # entry basket → account, 353
        self._unsubscribe = exchange.subscribe(self._on_exchange)

    # ------------------------------------------------------------ lifecycle

    @property
    def endpoint(self) -> str:
        return f"{'wss' if self.tls else 'ws'}://127.0.0.1:{self.port}"

    @property
    def config(self) -> AdapterConfig:
        settings: dict[str, Any] = {"endpoint": self.endpoint, "system": "Rithmic Test", "gateway": "Test"}
        if self.ca_file is not None:
            settings["ca_file"] = str(self.ca_file)
        return AdapterConfig(settings, {"username": self.login.username, "password": self.login.password})

    async def start(self, port: int = 0) -> int:
        context: ssl.SSLContext | None = None
        if self.tls:
            from ordergate.runtime.brokers.rithmic.tls import server_context

            context, self.ca_file = server_context()
        # Real clients ping every 60 s and wait 50 s for the pong; websockets answers pings.
        self._server = await serve(
            self._handle, "127.0.0.1", port, ssl=context, ping_interval=None, max_size=2**22
        )
        self.port = int(next(iter(self._server.sockets)).getsockname()[1])
        return self.port

    async def stop(self) -> None:
        self._unsubscribe()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def drop_connections(self) -> None:
        """Every socket closes at once, as a network failure would."""
        for client in list(self._clients):
            client.ws.transport.abort()

    def force_logout(self, plant: Plant | None = None) -> int:
        """Send ForcedLogout (77) to the logged-in sockets (of ``plant``) and close them."""
        count = 0
        for client in list(self._clients):
            if client.session.state is State.LOGGED_IN and plant in (None, client.session.plant):
                client.send(client.session.forced_logout())
                client.send(b"")  # the writer closes the socket after the 77
                count += 1
        return count

    def publish_quote(self, symbol: str, bid: float, ask: float, last: float) -> None:
        self.exchange.set_quote(symbol, bid, ask, last)

    # ------------------------------------------------------------ one socket

    def update_bracket(
        self, entry_basket: str, *, target_ticks: int | None = None, stop_ticks: int | None = None
    ) -> None:
        """The bracket of ``entry_basket`` updated at the gateway (332/334 from any session):
        its released legs move to the new ticks from the entry's fill (their 351/352 follow)
        and the accounts subscribed with 336 are told by 353."""
        account, said = self._said_353[entry_basket]
        update = moved(said, target_ticks, stop_ticks)
        self._said_353[entry_basket] = (account, update)
        move_legs(self.exchange, account, entry_basket, self._legs, target_ticks, stop_ticks)
        self._push_353(account, update)

    def cancel_bracket(self, entry_basket: str) -> None:
        """The bracket of ``entry_basket`` cancelled at the gateway: 353 says its legs hold
        nothing, then its released legs are cancelled (their 351/352 follow)."""
        account, said = self._said_353[entry_basket]
        update = emptied(said)
        self._said_353[entry_basket] = (account, update)
        self._push_353(account, update)
        cancel_legs(self.exchange, account, entry_basket, self._legs)

    def _push_353(self, account: str, update: dict[str, object]) -> None:
        for client in list(self._clients):
            if account in client.bracket_accounts:
                client.send(client.session.push(353, **update))

    async def _handle(self, ws: ServerConnection) -> None:
        client = _Client(ws)
        self._clients.add(client)
        writer = asyncio.create_task(self._write(client))
        try:
            while True:
                try:
                    data = await asyncio.wait_for(ws.recv(), self.idle_timeout)
                except TimeoutError:
                    return  # silent past two heartbeat intervals: the gateway hangs up
                if isinstance(data, str):
                    client.send(reject(Refused((), "3", "message length is invalid")))
                    continue
                if self.exchange.faults.latency:
                    await asyncio.sleep(self.exchange.faults.latency)
                self._serve_frame(client, data)
        except ConnectionClosed:
            return
        finally:
            self._clients.discard(client)
            client.outbox.put_nowait(None)
            with contextlib.suppress(Exception):
                await writer

    async def _write(self, client: _Client) -> None:
        with contextlib.suppress(ConnectionClosed):
            while True:
                frame = await client.outbox.get()
                if frame is None:
                    return
                if frame == b"":
                    await client.ws.close()
                    return
                await client.ws.send(frame)

    def _serve_frame(self, client: _Client, data: bytes) -> None:
        now = self.clock()
        # Exchange events that a request causes go out after its reply, as a gateway's
        # acknowledgement precedes the notifications it leads to.
        self._held = []
        try:
            for event in client.session.receive(data, now):
                if isinstance(event, Refused):
                    client.send(reject(event))
                else:
                    for frame in self._answer(client, event):
                        client.send(frame)
        finally:
            held, self._held = self._held, None
            for exchange_event in held:
                self._on_exchange(exchange_event)

    # ------------------------------------------------------------ requests

    def _answer(self, client: _Client, request: Request) -> list[bytes]:
        session, template, m = client.session, request.template_id, request.message
        if template == 16:
            return session.reply(
                request, last={"system_name": list(SYSTEMS), "has_aggregated_quotes": [False] * len(SYSTEMS)}
            )
        if template == 20:
            return session.reply(
                request,
                last={
                    "system_name": getattr(m, "system_name", ""),
                    "gateway_name": list(REGIONS),
                    "gateway_uri": [self.endpoint] * len(REGIONS),
                },
            )
        if template == 10:
            return [self._login(client, request)]
        if template == 12:
            return [session.logout(request)]
        if template == 18:
            if not self.exchange.faults.heartbeats:
                return []
            return session.reply(request, last=mapping.ssboe_usecs(self.clock()))
        if template == 14:
            return reference_reply(session, request, self.reference_overrides, self.clock)
        assert session.plant is not None
        if template not in PLANT_TEMPLATES[session.plant]:
            return session.reply(request, rp_code=BAD_INPUT)
        account = getattr(m, "account_id", "")
        if (
            template in (308, 320, 330, 336, 346, 3504, 3506, 400, 402, 312, 316)
            and account not in self._accounts()
        ):
            return session.reply(request, rp_code=("6", f"bad input: unknown account {account!r}"))
        return self._plant_request(client, request, account)

    def _plant_request(self, client: _Client, request: Request, account: str) -> list[bytes]:
        session, template = client.session, request.template_id
        m: Any = request.message
        if template == 300:
            return session.reply(
                request,
                last={
                    **self.ids,
                    "user": session.user,
                    "first_name": "Demo",
                    "last_name": "Trader",
                    "user_type": 3,
                },
            )
        if template == 302:
            rows = [
                {**self.ids, "account_id": a, "account_name": a, "account_currency": "USD", "loss_limit": "0"}
                for a in self._accounts()
            ]
            return session.reply(request, rows)
        if template == 310:
            rows = [
                {**self.ids, "exchange": x, "trade_route": "simulator", "status": "UP", "is_default": True}
                for x in EXCHANGES
            ]
            return session.reply(request, rows)
        if template in (308, 336):
            if template == 308:
                client.order_accounts.add(account)
            else:
                client.bracket_accounts.add(account)
            return session.reply(request)
        if template == 330:
            return self._bracket_order(session, request, account)
        if template == 312:
            return self._new_order(session, request, account)
        if template == 316:
            return self._cancel(session, request, account)
        if template == 346:
            for order in self.exchange.open_orders(account):
                with contextlib.suppress(OrderNotOpen):
                    self.exchange.cancel(account, order.broker_order_id)
            return session.reply(request)
        if template == 3504:
            return self._exit_position(session, request, account)
        if template == 320:
            return self._show_orders(client, request, account)
        if template == 3506:
            return self._replay_executions(client, request, account)
        if template == 400:
            if m.request == 2:
                client.pnl_accounts.discard(account)
            else:
                client.pnl_accounts.add(account)
            return session.reply(request)
        if template == 402:
            for template_id, fields in self._pnl_rows(account, snapshot=True):
                client.send(session.push(template_id, **fields))
            return session.reply(request)
        if template == 100:
            return self._market_data(client, request)
        if template == 113:
            return front_month_reply(session, request, self.clock)
        return session.reply(request, rp_code=BAD_INPUT)

    def _login(self, client: _Client, request: Request) -> bytes:
        m = request.message
        session = client.session
        if (m.user, m.password) != (self.login.username, self.login.password) or m.system_name not in SYSTEMS:  # type: ignore[attr-defined]
            return session.refuse_login(request, "13", "permission denied")
        try:
            plant = Plant(m.infra_type)  # type: ignore[attr-defined]
        except ValueError:
            return session.refuse_login(request, *BAD_INPUT)
        self.logins.append((plant, m.user))  # type: ignore[attr-defined]
        return session.accept_login(
            request,
            plant,
            m.user,  # type: ignore[attr-defined]
            heartbeat_interval=self.heartbeat_interval,
            country_code="US",
            state_code="IL",
            unique_user_id=f"sim-{m.user}",  # type: ignore[attr-defined]
            **self.ids,
        )

    def _bracket_order(self, session: ServerSession, request: Request, account: str) -> list[bytes]:
        """330: the order goes to the exchange with its legs (sim_brackets)."""
        m: Any = request.message
        tick = self.reference_overrides.get(symbol_root(m.symbol), (None, None))[0]
        spec = spec_for(symbol_root(m.symbol))
        legs = legs_of(
            m,
            tick or (spec.tick_size if spec else 0.01),
            lambda: f"{mapping.INTERNAL}{self._next_internal()}",
        )
        if isinstance(legs, str):
            return session.reply(request, rp_code=("6", legs), last={"user_tag": m.user_tag})
        return self._new_order(session, request, account, legs)

    def _released(self, entry: BrokerOrder, legs: list[BrokerOrder]) -> None:
        """Name a bracket's legs to its notifications, before the exchange releases them."""
        ids = [leg.broker_order_id for leg in legs]
        for leg, sibling in zip(legs, reversed(ids), strict=True):
            kind = TARGET if leg.type == "limit" else STOP
            self._legs[leg.broker_order_id] = LegOf(
                entry.broker_order_id, kind, sibling if len(ids) == 2 else None
            )

    def _new_order(
        self, session: ServerSession, request: Request, account: str, legs: tuple[BracketLeg, ...] = ()
    ) -> list[bytes]:
        m: Any = request.message
        kind = mapping.ORDER_TYPES.get(m.price_type)
        if (
            kind is None
            or m.quantity <= 0
            or m.transaction_type not in (mapping.BUY, mapping.SELL)
            or not m.symbol
        ):
            return session.reply(request, rp_code=BAD_INPUT, last={"user_tag": m.user_tag})
        root = symbol_root(m.symbol)
        self._symbols[(account, root)] = m.symbol
        order = OrderRequest(
            m.user_tag or f"{mapping.INTERNAL}{self._next_internal()}",
            m.symbol,
            root,
            mapping.side_of(m.transaction_type),
            m.quantity,
            kind,
            m.price if kind in ("limit", "stop_limit") else None,
            m.trigger_price if kind in ("stop", "stop_limit") else None,
        )
        try:
            if legs:  # its events wait for the reply (_serve_frame): the legs are named first
                info, placed = self.exchange.submit_bracket(account, order, legs)
                self._released(info, placed)
                self._brackets[info.broker_order_id] = m
            else:
                info = self.exchange.submit(account, order)
        except BrokerRejected:
            # The gateway took the order; the exchange refused it: a REJECT notification follows.
            found = self.exchange.find(account, order.order_id)
            info = found or BrokerOrder(
                account, order.order_id, "", root, m.symbol, order.side, m.quantity, 0, "rejected"
            )
        if self.exchange.faults.mute_orders:
            return []
        return session.reply(
            request,
            last={
                "user_tag": m.user_tag,
                "basket_id": self._basket_of(info),
                **mapping.ssboe_usecs(self.clock()),
            },
        )

    def _next_internal(self) -> str:
        self._internal += 1
        return f"sim-{self._internal}"

    def _basket_of(self, info: BrokerOrder) -> str:
        if info.broker_order_id:
            return info.broker_order_id
        assert self._held is not None
        for event in self._held:
            if isinstance(event, OrderChanged) and event.order.order_id == info.order_id:
                return event.order.broker_order_id
        return ""

    def _cancel(self, session: ServerSession, request: Request, account: str) -> list[bytes]:
        m: Any = request.message
        try:
            self.exchange.cancel(account, m.basket_id)
        except OrderNotOpen as exc:
            return session.reply(request, rp_code=("6", exc.reason), last={"basket_id": m.basket_id})
        return session.reply(request, last={"basket_id": m.basket_id, **mapping.ssboe_usecs(self.clock())})

    def _exit_position(self, session: ServerSession, request: Request, account: str) -> list[bytes]:
        m: Any = request.message
        if bool(m.symbol) != bool(m.exchange):
            return session.reply(request, rp_code=BAD_INPUT)
        roots = [symbol_root(m.symbol)] if m.symbol else list(self.exchange.positions(account))
        for root in roots:
            qty = self.exchange.positions(account).get(root, (0, 0.0))[0]
            if qty == 0:
                continue
            symbol = self._symbol(account, root)
            side = "sell" if qty > 0 else "buy"
            with contextlib.suppress(BrokerRejected):
                self.exchange.submit(
                    account,
                    OrderRequest(f"{mapping.INTERNAL}{self._next_internal()}", symbol, root, side, abs(qty)),
                )
        return session.reply(request, last={"symbol": m.symbol or None, "exchange": m.exchange or None})

    def _show_orders(self, client: _Client, request: Request, account: str) -> list[bytes]:
        for fields in open_order_rows(self.exchange, self.ids, self._legs, account):
            client.send(client.session.push(352, **fields))
        return client.session.reply(request)

    def _replay_executions(self, client: _Client, request: Request, account: str) -> list[bytes]:
        """The account's fills from ``start_index`` to ``finish_index`` (seconds, both
        included), each as the 352 fill row it was sent as, marked ``is_snapshot``."""
        m: Any = request.message
        if not m.HasField("start_index") or not m.HasField("finish_index") or m.start_index > m.finish_index:
            return client.session.reply(request, rp_code=BAD_INPUT)
        for fields in fill_rows(self.exchange, self.ids, self._legs, account, m.start_index, m.finish_index):
            client.send(client.session.push(352, **fields, is_snapshot=True))
        return client.session.reply(request)

    def _market_data(self, client: _Client, request: Request) -> list[bytes]:
        return market_data_reply(client.session, client.quotes, request, self.exchange, self.clock)

    # ------------------------------------------------------------ exchange events → pushes

    def _accounts(self) -> list[str]:
        return self.exchange.account_ids()

    def _symbol(self, account: str, root: str) -> str:
        known = self._symbols.get((account, root))
        if known:
            return known
        found = front_month(root, self.clock())
        return found.symbol if found else root

    def _on_exchange(self, event: Event) -> None:
        if self._held is not None:
            self._held.append(event)
            return
        if isinstance(event, LinkFault):
            self.drop_connections()
        elif isinstance(event, QuoteChanged):
            if self.exchange.faults.feed:
                for client in list(self._clients):
                    if event.root in client.quotes:
                        for frame in self._quote_frames(client, event.root, event.quote, snapshot=False):
                            client.send(frame)
        elif isinstance(event, OrderChanged | Traded):
            if not self.exchange.faults.mute_orders:
                self._order_event(event)
        elif isinstance(event, PositionChanged | BalanceChanged):
            rows = self._pnl_rows(event.account, snapshot=False)
            for client in list(self._clients):
                if event.account in client.pnl_accounts:
                    for template_id, fields in rows:
                        client.send(client.session.push(template_id, **fields))

    def _order_event(self, event: OrderChanged | Traded) -> None:
        order = event.order
        base = mapping.order_fields(order, exchange_of(order.root), self.ids)
        leg = self._legs.get(order.broker_order_id)
        if leg is not None:
            base |= leg_fields(leg)
            bracket = self._brackets.pop(leg.entry_basket, None)
            if bracket is not None and isinstance(event, OrderChanged) and order.status == "working":
                update = bracket_update(bracket, leg.entry_basket, order.qty, self.ids)
                self._said_353[leg.entry_basket] = (order.account, update)
                self._push_353(order.account, update)
        if isinstance(event, Traded):
            fills = [
                f for f in self.exchange.fills(order.account) if f.broker_order_id == order.broker_order_id
            ]
            total = sum(f.qty for f in fills)
            avg = sum(f.price * f.qty for f in fills) / total if total else event.fill.price
            frames = mapping.fill_notifications(event.fill, order, base, avg)
        else:
            frames = mapping.order_notifications(order, base, self.clock())
        for client in list(self._clients):
            if order.account in client.order_accounts:
                for template_id, fields in frames:
                    client.send(client.session.push(template_id, **fields))

    def _quote_frames(self, client: _Client, root: str, quote: Any, *, snapshot: bool) -> list[bytes]:
        return quote_frames(client.session, client.quotes[root], quote, self.clock, snapshot=snapshot)

    def _pnl_rows(self, account: str, *, snapshot: bool) -> list[tuple[int, dict[str, object]]]:
        traded = self._traded.setdefault(account, set())

        def symbol_of(root: str) -> str:
            return self._symbol(account, root)

        return pnl_rows(self.exchange, self.ids, account, traded, symbol_of, self.clock(), snapshot=snapshot)


# ---------------------------------------------------------------- the adapter suite's entry


async def _serve(exchange: Exchange, login: SimLogin, port: int) -> RithmicSimulator:
    simulator = RithmicSimulator(exchange, login, heartbeat_interval=60.0)
    await simulator.start(port)
    return simulator


def _adapter(name: str, config: AdapterConfig, events: Any, clock: Callable[[], float]) -> Any:
    from ordergate.runtime.brokers.rithmic.client import RithmicBroker

    return RithmicBroker(name, config, events, clock)


HARNESS: Final = Harness("rithmic", _adapter, _serve)
