"""The built-in paper broker: simulated accounts filled against a simulated feed.

Market orders fill at once at the touch (buy at the ask, sell at the bid, else the
last price), rounded to the contract's tick. Limit, stop and stop-limit orders work
until the feed touches their price. Positions and balances are the paper broker's own;
at start the runtime gives back the positions it stored, so a restart loses nothing.

For tests and demos it can misbehave on command: ``reject_next`` refuses the next
orders, and ``liquidate`` closes an account's positions behind the runtime's back the
way a prop firm does.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ordergate.policy import Quote, symbol_root
from ordergate.runtime.book import PositionBook
from ordergate.runtime.brokers.base import (
    AccountInfo,
    BrokerAdapter,
    Fill,
    FillHandler,
    OrderRequest,
    PlaceResult,
    QuoteHandler,
)
from ordergate.runtime.brokers.paper_feed import RandomWalk, Replay, read_replay, round_to_tick
from ordergate.runtime.errors import BrokerUnavailable, ConfigError

FEEDS = ("random_walk", "manual", "replay:<file>")


@dataclass(slots=True)
class _Working:
    account: str
    request: OrderRequest
    triggered: bool = False


class PaperBroker(BrokerAdapter):
    broker = "paper"

    def __init__(
        self,
        name: str,
        accounts: list[AccountInfo],
        feed: str,
        now_ts: Callable[[], float],
        on_fill: FillHandler,
        on_quote: QuoteHandler,
        *,
        base: Path | None = None,
        seed: int | None = None,
    ) -> None:
        super().__init__(name, on_fill, on_quote)
        self._now_ts = now_ts
        self._accounts = {a.id: a for a in accounts}
        self._positions = PositionBook()
        for a in accounts:
            self._positions.add_account(a.id)
        self._working: dict[str, _Working] = {}
        self._rejects: list[str] = []
        self._task: asyncio.Task[None] | None = None
        self._cut = False
        self._link: asyncio.Event | None = None
        self.feed = feed
        if feed == "random_walk":
            self._source: RandomWalk | Replay | None = RandomWalk(self.set_quote, seed)
        elif feed == "manual":
            self._source = None
        elif feed.startswith("replay:"):
            path = Path(feed.removeprefix("replay:"))
            self._source = Replay(
                self.set_quote, read_replay(path if path.is_absolute() or base is None else base / path)
            )
        else:
            raise ConfigError(f"connection {name}: unknown feed {feed!r}; feeds: {', '.join(FEEDS)}")

    # ---- lifecycle: the simulated link can be cut, as a feed outage would be

    HEARTBEAT_SECONDS = 5.0

    async def connect(self) -> None:
        if self._cut:
            raise BrokerUnavailable("the paper feed is cut")
        if self._source is not None and (self._task is None or self._task.done()):
            self._task = asyncio.create_task(self._source.run(), name=f"paper-feed-{self.name}")

    async def serve(self) -> None:
        self._link = asyncio.Event()
        while not self._cut:
            self.heartbeat()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._link.wait(), self.HEARTBEAT_SECONDS)
        raise BrokerUnavailable("the paper feed was cut")

    async def disconnect(self) -> None:
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

    def accounts(self) -> list[AccountInfo]:
        return list(self._accounts.values())

    def add_account(self, info: AccountInfo) -> None:
        self._accounts[info.id] = info
        self._positions.add_account(info.id)

    def restore(self, account: str, positions: dict[str, tuple[int, float]]) -> None:
        self._positions.restore(account, positions)

    def positions(self, account: str) -> dict[str, tuple[int, float]]:
        return self._positions.positions(account)

    # ---- market data

    def set_quote(self, root: str, bid: float | None, ask: float | None, last: float | None) -> None:
        root = symbol_root(root)
        quote = Quote(bid, ask, last, self._now_ts())
        self.quotes[root] = quote
        self.on_quote(root, quote)
        self._check_working(root)

    # ---- orders

    def reject_next(self, count: int, reason: str = "rejected by the paper broker on request") -> None:
        self._rejects.extend([reason] * count)

    async def place(self, account: str, request: OrderRequest) -> PlaceResult:
        if account not in self._accounts:
            return PlaceResult("rejected", reason=f"unknown account {account}")
        if self._rejects:
            return PlaceResult("rejected", reason=self._rejects.pop(0))
        if request.type == "market":
            fill = self._fill_at_touch(account, request)
            if fill is None:
                return PlaceResult("rejected", reason=f"no quote for {request.root}")
            return PlaceResult("filled", [fill])
        self._working[request.order_id] = _Working(account, request)
        fills = self._check_working(request.root, only=request.order_id)
        return PlaceResult("filled", fills) if fills else PlaceResult("working")

    async def cancel(self, account: str, order_id: str) -> bool:
        working = self._working.get(order_id)
        if working is None or working.account != account:
            return False
        del self._working[order_id]
        return True

    def working_orders(self, account: str) -> list[OrderRequest]:
        return [w.request for w in self._working.values() if w.account == account]

    def liquidate(self, account: str) -> None:
        """Close every position outside the runtime, as a prop firm's risk desk would."""
        self._positions.clear(account)

    # ---- filling

    def _touch_price(self, root: str, side: str) -> float | None:
        q = self.quotes.get(root)
        if q is None:
            return None
        price = (q.ask if side == "buy" else q.bid) or q.last
        return price

    def _fill_at_touch(self, account: str, request: OrderRequest, price: float | None = None) -> Fill | None:
        price = price if price is not None else self._touch_price(request.root, request.side)
        if price is None:
            return None
        return self._positions.fill(account, request, round_to_tick(request.root, price), self._now_ts())

    def _check_working(self, root: str, only: str | None = None) -> list[Fill]:
        quote = self.quotes.get(root)
        if quote is None:
            return []
        fills = []
        for order_id, w in list(self._working.items()):
            r = w.request
            if r.root != root or (only is not None and order_id != only):
                continue
            touch = self._touch_price(root, r.side)
            if touch is None:
                continue
            trade = quote.last if quote.last is not None else touch
            buy = r.side == "buy"
            if r.type in ("stop", "stop_limit") and not w.triggered:
                assert r.stop_price is not None
                if (buy and trade >= r.stop_price) or (not buy and trade <= r.stop_price):
                    w.triggered = True
                else:
                    continue
            if r.type == "stop":
                price: float | None = touch
            else:
                assert r.price is not None
                marketable = touch <= r.price if buy else touch >= r.price
                price = touch if marketable else None
            if price is None:
                continue
            del self._working[order_id]
            fill = self._fill_at_touch(w.account, r, price)
            if fill is not None:
                fills.append(fill)
                if only is None:
                    self.on_fill(fill)
        return fills
