"""The built-in paper broker: simulated accounts on the simulated exchange, no network.

Orders go to an ``Exchange`` of its own, fed by a random walk, quotes set by hand or a
replayed file (``feed``). Everything the exchange reports is passed on as the adapter's
events. Two settings make it behave like a broker that answers later, so that the
runtime's asynchronous paths are tested without a network:

- ``latency_ms``: each request is answered, and each report (acknowledgement, fill,
  cancel) passed on, that many milliseconds late;
- ``partial_fills``: each order fills in two parts, the second one latency later.

The embedded default is instant: an order is acknowledged and, at market, filled inside
``place``. At start the runtime gives back the positions and working orders it stored
(``restore``), so a restart loses nothing.

For tests and demos it misbehaves on command: ``reject_next`` refuses the next orders,
``liquidate`` closes an account's positions behind the runtime's back the way a prop
firm does, and ``cut`` drops the simulated link.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ordergate.policy import Quote, symbol_root
from ordergate.runtime.brokers.base import BrokerAdapter, BrokerEvents, Clock, Harness, SimLogin
from ordergate.runtime.brokers.errors import BrokerConfigError, BrokerUnavailable, OrderNotOpen
from ordergate.runtime.brokers.exchange import Exchange, Listener, feed_for
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

FEEDS = ("random_walk", "manual", "replay:<file>")


class PaperBroker(BrokerAdapter):
    broker = "paper"
    HEARTBEAT_SECONDS = 5.0

    def __init__(
        self, name: str, config: AdapterConfig, events: BrokerEvents | None = None, clock: Clock = time.time
    ) -> None:
        super().__init__(name, config, events, clock)
        settings = config.settings
        # its own market, or one it is given (the adapter test suite shares one)
        given = settings.get("exchange")
        self.exchange = given if isinstance(given, Exchange) else Exchange(clock)
        self._nicknames: dict[str, str | None] = {}
        for a in settings.get("accounts") or []:
            self.add_account(AccountInfo(a["id"], float(a.get("balance", 50_000)), 0.0, a.get("nickname")))
        self.latency = float(settings.get("latency_ms") or 0) / 1000
        if settings.get("partial_fills"):
            self.exchange.faults.fill_parts = 2
        self.feed = str(settings.get("feed") or "random_walk")
        try:
            self._source = feed_for(self.feed, self.set_quote, base=config.base, seed=config.seed)
        except BrokerConfigError as exc:
            raise BrokerConfigError(f"connection {name}: {exc}") from None
        self._task: asyncio.Task[None] | None = None
        self._cut = False
        self._link: asyncio.Event | None = None
        self._later: set[asyncio.TimerHandle] = set()
        self._due = 0.0  # reports leave in order: none before the one queued ahead of it
        self._dropped = False  # the exchange dropped the link: reports are lost until reconnected
        # as calls, not event objects: each would only be taken apart into the report
        self.exchange.listen(
            Listener(
                self._order_changed,
                self._traded,
                self._position_changed,
                self._balance_changed,
                self._quote_changed,
                self._link_fault,
            )
        )

    # ---- lifecycle: the simulated link can be cut, as a feed outage would be

    async def connect(self) -> None:
        if self._cut:
            raise BrokerUnavailable("the paper feed is cut")
        self._dropped = False
        if self._source is not None and (self._task is None or self._task.done()):
            self._task = asyncio.create_task(self._source.run(), name=f"paper-feed-{self.name}")
        for account in self.exchange.account_ids():
            self.emit_positions(PositionSnapshot(account, self.exchange.positions(account), self.clock()))

    async def serve(self) -> None:
        self._link = asyncio.Event()
        while not self._cut and not self._dropped:
            if self.exchange.faults.heartbeats:
                self.heartbeat()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._link.wait(), self.HEARTBEAT_SECONDS)
        raise BrokerUnavailable("the paper feed was cut" if self._cut else "the simulated link dropped")

    async def disconnect(self) -> None:
        for handle in self._later:
            handle.cancel()
        self._later.clear()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def cut(self, cut: bool) -> None:
        """Cut or restore the simulated link."""
        self._cut = cut
        if self._link is not None:
            self._link.set()

    @property
    def is_cut(self) -> bool:
        return self._cut

    # ---- accounts

    def accounts(self) -> list[AccountInfo]:
        return [
            AccountInfo(i.id, i.balance, i.equity, self._nicknames.get(i.id))
            for i in (self.exchange.account_info(a) for a in self.exchange.account_ids())
        ]

    def add_account(self, info: AccountInfo) -> None:
        self.exchange.open_account(info.id, info.balance)
        self._nicknames[info.id] = info.nickname

    def restore(
        self,
        account: str,
        positions: dict[str, tuple[int, float]],
        orders: list[OrderRequest] = (),  # type: ignore[assignment]
    ) -> None:
        """Give back what the runtime stored: positions, and working orders to rest again."""
        self.exchange.restore_positions(account, positions)
        self._reported[account] = dict(positions)
        for request in orders:
            with contextlib.suppress(Exception):  # one the exchange refuses is reconciled as gone
                self.exchange.submit(account, request)

    async def fetch_positions(self, account: str) -> dict[str, tuple[int, float]]:
        positions = self.exchange.positions(account)
        self._reported[account] = positions  # asked afresh: what the broker holds now
        return positions

    # ---- market data

    def set_quote(self, root: str, bid: float | None, ask: float | None, last: float | None) -> None:
        self.exchange.set_quote(symbol_root(root), bid, ask, last)

    # ---- orders

    def reject_next(self, count: int, reason: str = "rejected by the paper broker on request") -> None:
        self.exchange.reject_next(count, reason)

    def liquidate(self, account: str) -> None:
        """Close every position outside the runtime, as a prop firm's risk desk would."""
        self.exchange.liquidate(account)

    @property
    def _latency(self) -> float:
        return max(self.latency, self.exchange.faults.latency)

    async def place(self, account: str, request: OrderRequest) -> Ack:
        if self.latency or self.exchange.faults.latency:  # ``_latency``, without its max()
            await asyncio.sleep(self._latency)
        if self._dropped:
            raise BrokerUnavailable("the simulated link dropped")
        order = self.exchange.submit(account, request)  # BrokerRejected propagates
        if self.exchange.faults.mute_orders:
            await asyncio.Event().wait()  # the answer is lost on the way back
        if self.exchange.faults.fill_parts > 1 and order.status == "partially_filled":
            self._schedule(self.latency or 0.001, self.exchange.match, order.root)
        return Ack(request.order_id, order.broker_order_id)

    supports_brackets = True

    async def place_bracket(
        self, account: str, entry: OrderRequest, legs: tuple[BracketLeg, ...]
    ) -> BracketAck:
        """The exchange's own brackets: the legs rest there once the entry is done."""
        if self._latency:
            await asyncio.sleep(self._latency)
        if self._dropped:
            raise BrokerUnavailable("the simulated link dropped")
        order, placed = self.exchange.submit_bracket(account, entry, legs)  # BrokerRejected propagates
        if self.exchange.faults.mute_orders:
            await asyncio.Event().wait()  # the answer is lost on the way back
        if self.exchange.faults.fill_parts > 1 and order.status == "partially_filled":
            self._schedule(self.latency or 0.001, self.exchange.match, order.root)
        legs_ids = {leg.order_id or "": leg.broker_order_id for leg in placed}
        return BracketAck(Ack(entry.order_id, order.broker_order_id), legs_ids)

    def restore_legs(self, account: str, legs: tuple[OrderRequest, ...], trails: Mapping[str, float]) -> None:
        with contextlib.suppress(Exception):  # legs the exchange refuses are reconciled as gone
            self.exchange.rest_legs(account, legs, trails)

    async def cancel(self, account: str, order_id: str) -> None:
        if self._latency:
            await asyncio.sleep(self._latency)
        order = self.exchange.find(account, order_id)
        if order is None:
            raise OrderNotOpen(f"the paper broker has no order {order_id}")
        self.exchange.cancel(account, order.broker_order_id)

    async def open_orders(self, account: str) -> list[BrokerOrder]:
        return self.exchange.open_orders(account)

    async def order_status(self, account: str, order_id: str) -> BrokerOrder | None:
        return self.exchange.find(account, order_id)

    async def fills_since(self, account: str, ts: float) -> list[Fill]:
        return self.exchange.fills(account, ts)

    def working_orders(self, account: str) -> list[BrokerOrder]:
        return self.exchange.open_orders(account)

    # ---- reports from the exchange, passed on (late, when latency is set)

    # Each passes its report on at once, or ``latency`` late; one is lost on the wire while
    # the link is dropped or order answers are muted (reconciliation brings it back). The
    # check is written out in each: this is every order's path, four reports per fill.

    def _link_fault(self, kind: str) -> None:
        self._dropped = True
        if self._link is not None:
            self._link.set()

    def _quote_changed(self, root: str, quote: Quote) -> None:
        if self.exchange.faults.feed and not self._dropped:
            self.emit_quote(root, quote)  # quotes are never held back

    def _order_changed(self, o: BrokerOrder) -> None:
        update = OrderUpdate(o.account, o.order_id, o.broker_order_id, o.status, o.reason, self._stamp())
        if self._dropped or self.exchange.faults.mute_orders:
            return
        if self.latency:
            self._schedule(self.latency, self.emit_order, update)
        else:
            self.emit_order(update)

    def _traded(self, fill: Fill, order: BrokerOrder) -> None:
        faults = self.exchange.faults
        if not (self._dropped or faults.mute_orders):
            if self.latency:
                self._schedule(self.latency, self.emit_fill, fill)
            else:
                self.emit_fill(fill)
        if order.status == "partially_filled" and faults.fill_parts > 1:
            self._schedule(self.latency or 0.001, self.exchange.match, order.root)

    def _stamp(self) -> float:
        """The time of a report: the instant of the exchange's step it tells of (an order
        taken, a fill) when the exchange runs on this broker's clock, else now."""
        instant = self.exchange.instant
        return instant if instant is not None and self.exchange.clock is self.clock else self.clock()

    def _position_changed(self, account: str, positions: Mapping[str, tuple[int, float]]) -> None:
        # no copy: the exchange builds the mapping afresh for each event, and its
        # listeners only read it (a Mapping to them)
        snapshot = PositionSnapshot(account, positions, self._stamp())
        if self._dropped or self.exchange.faults.mute_orders:
            return
        if self.latency:
            self._schedule(self.latency, self.emit_positions, snapshot)
        else:
            self.emit_positions(snapshot)

    def _balance_changed(self, account: str, balance: float, equity: float, realized: float) -> None:
        snapshot = BalanceSnapshot(account, balance, equity, realized, self._stamp())
        if self._dropped or self.exchange.faults.mute_orders:
            return
        if self.latency:
            self._schedule(self.latency, self.emit_balance, snapshot)
        else:
            self.emit_balance(snapshot)

    def _schedule(self, delay: float, fn: Callable[..., None], *args: Any) -> None:
        loop = asyncio.get_running_loop()
        # reports keep their order even if the delay shrinks
        when = max(loop.time() + delay, self._due)
        self._due = when

        def run() -> None:
            self._later.discard(handle)
            fn(*args)

        handle = loop.call_at(when, run)
        self._later.add(handle)


# ---- the adapter test suite: the paper broker over a shared exchange, no wire


@dataclass
class _Handle:
    exchange: Exchange

    @property
    def endpoint(self) -> str:
        return "in-process"

    @property
    def config(self) -> AdapterConfig:
        return AdapterConfig({"feed": "manual", "accounts": [], "exchange": self.exchange})

    def drop_connections(self) -> None:
        self.exchange.drop_connections()

    async def stop(self) -> None:
        return None


async def serve(exchange: Exchange, login: SimLogin, port: int = 0) -> _Handle:
    return _Handle(exchange)


HARNESS = Harness("paper", PaperBroker, serve)
