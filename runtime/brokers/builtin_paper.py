"""A real broker's connection with a built-in paper account beside its own accounts.

TradersPost's broker settings give a connection a live account and a paper account; the
paper one may be a built-in paper account that follows the connection's quotes. Here it
is a ``PaperBroker`` account on an exchange of its own, with no feed: every quote the real
broker streams is also set on that exchange, so a paper order fills by the paper matching
at the connection's own bid and ask, and a resting one fills when the real market
touches it.

``WithPaperAccount`` is the adapter the runtime holds for such a connection. Requests
about the paper account go to the paper broker, every other request to the real one;
``accounts()`` lists both. The lifecycle (connect, serve, disconnect) and the heartbeats
are the real broker's: the connection is as up as its broker. Events of both reach the
runtime through this adapter's ``events`` (which the supervisor taps), read at each
call; quotes come once, from the real broker.

Nothing here knows the runtime: the real adapter is made by the caller, given the events
it should report to.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from ordergate.policy import Quote
from ordergate.runtime.brokers.base import BrokerAdapter, BrokerEvents, Clock
from ordergate.runtime.brokers.paper import PaperBroker
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

__all__ = ["WithPaperAccount", "paper_market"]


class _Reports:
    """What an inner adapter reports, passed on to the outer adapter's events as they are
    when it is reported (the supervisor replaces them after the adapter is built)."""

    def __init__(self, outer: WithPaperAccount) -> None:
        self._outer = outer

    def on_order(self, update: OrderUpdate) -> None:
        self._outer.events.on_order(update)

    def on_fill(self, fill: Fill) -> None:
        self._outer.events.on_fill(fill)

    def on_positions(self, snapshot: PositionSnapshot) -> None:
        self._outer.events.on_positions(snapshot)

    def on_balance(self, snapshot: BalanceSnapshot) -> None:
        self._outer.events.on_balance(snapshot)

    def on_quote(self, root: str, quote: Quote) -> None:
        return None  # the paper exchange's quotes are the real broker's, already passed on

    def on_heartbeat(self) -> None:
        return None  # the connection lives by its real broker's heartbeats


class _RealReports(_Reports):
    """The real broker's reports: quotes also move the paper exchange, before the
    runtime hears of them, so a resting paper order fills on the quote that touches it."""

    def on_quote(self, root: str, quote: Quote) -> None:
        self._outer.paper.set_quote(root, quote.bid, quote.ask, quote.last)
        self._outer.events.on_quote(root, quote)

    def on_heartbeat(self) -> None:
        self._outer.events.on_heartbeat()

    def on_refused_quote(self, root: str, quote: Quote) -> None:
        refused = getattr(self._outer.events, "on_refused_quote", None)
        if refused is not None:
            refused(root, quote)


class WithPaperAccount(BrokerAdapter):
    def __init__(
        self,
        name: str,
        make_real: Callable[[BrokerEvents], BrokerAdapter],
        paper_account: AccountInfo,
        events: BrokerEvents | None = None,
        clock: Clock = time.time,
    ) -> None:
        super().__init__(name, AdapterConfig({}), events, clock)
        account = {
            "id": paper_account.id,
            "balance": paper_account.balance,
            "nickname": paper_account.nickname,
        }
        self.paper = PaperBroker(
            name, AdapterConfig({"feed": "manual", "accounts": [account]}), _Reports(self), clock
        )
        self.paper_id = paper_account.id
        self.real = make_real(_RealReports(self))
        self.broker = self.real.broker
        self.config = self.real.config
        self.quotes = self.real.quotes  # one dict: the accounts' marks are the real broker's quotes

    def _side(self, account: str) -> BrokerAdapter:
        return self.paper if account == self.paper_id else self.real

    # ---- the real broker's lifecycle

    async def connect(self) -> None:
        await self.real.connect()
        await self.paper.connect()  # reports the paper positions, as a broker does at login

    async def serve(self) -> None:
        await self.real.serve()

    async def disconnect(self) -> None:
        await self.real.disconnect()
        await self.paper.disconnect()

    @property
    def mode(self) -> Any:
        """The real broker's connection mode (ProjectX), where it has one."""
        return getattr(self.real, "mode")  # noqa: B009 - AttributeError: no mode, as hasattr expects

    @mode.setter
    def mode(self, value: Any) -> None:
        self.real.mode = value  # type: ignore[attr-defined]

    # ---- accounts: the broker's own, and the paper one

    def accounts(self) -> list[AccountInfo]:
        return [a for a in self.real.accounts() if a.id != self.paper_id] + self.paper.accounts()

    async def refresh(self) -> list[AccountInfo]:
        found = await self.real.refresh()
        return [a for a in found if a.id != self.paper_id] + self.paper.accounts()

    def positions(self, account: str) -> dict[str, tuple[int, float]]:
        return self._side(account).positions(account)

    async def fetch_positions(self, account: str) -> dict[str, tuple[int, float]]:
        return await self._side(account).fetch_positions(account)

    def emit_positions(self, snapshot: PositionSnapshot) -> None:
        self._side(snapshot.account).emit_positions(snapshot)  # kept where positions() reads them

    # ---- orders, routed by account

    async def place(self, account: str, request: OrderRequest) -> Ack:
        return await self._side(account).place(account, request)

    # both sides may hold brackets: the paper exchange always, the broker when it can
    supports_brackets = True

    async def place_bracket(
        self, account: str, entry: OrderRequest, legs: tuple[BracketLeg, ...]
    ) -> BracketAck:
        side = self._side(account)
        if not side.supports_brackets:
            return await super().place_bracket(account, entry, legs)  # BracketUnsupported
        return await side.place_bracket(account, entry, legs)

    def restore_legs(self, account: str, legs: tuple[OrderRequest, ...], trails: Mapping[str, float]) -> None:
        self._side(account).restore_legs(account, legs, trails)

    async def cancel(self, account: str, order_id: str) -> None:
        await self._side(account).cancel(account, order_id)

    async def open_orders(self, account: str) -> list[BrokerOrder]:
        return await self._side(account).open_orders(account)

    async def order_status(self, account: str, order_id: str) -> BrokerOrder | None:
        return await self._side(account).order_status(account, order_id)

    async def fills_since(self, account: str, ts: float) -> list[Fill]:
        return await self._side(account).fills_since(account, ts)

    async def flatten(self, account: str, new_id: Callable[[], str]) -> list[Fill]:
        return await self._side(account).flatten(account, new_id)

    def set_quote(self, root: str, bid: float | None, ask: float | None, last: float | None) -> None:
        self.real.set_quote(root, bid, ask, last)


def paper_market(broker: BrokerAdapter, account: str) -> PaperBroker | None:
    """The paper broker that holds ``account`` in memory (its positions and resting orders
    are given back to it at start), or None when the account is at a real broker."""
    if isinstance(broker, PaperBroker):
        return broker
    if isinstance(broker, WithPaperAccount) and account == broker.paper_id:
        return broker.paper
    return None
