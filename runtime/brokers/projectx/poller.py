"""The adapter's polling path: what the hubs would have said, asked over REST.

One round asks, per account, the open orders and the orders changed since the last
round (``Order/search``), the trades since the last round (``Trade/search``) and the open
positions, then the balances (``Account/search``) and a last price per watched
contract from one-second bars (``History/retrieveBars``). Every record goes through the
adapter's own ``take_*`` methods, as a hub event would. Rounds are spaced by
``poll_interval`` and always within the rate budget, which waits when it must.

``first_time`` remembers the fill ids reported lately (the adapter's ``HISTORY`` of
them), so a trade polled twice (or seen on the stream and polled) is reported once.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from ordergate.runtime.brokers.base import RecentIds
from ordergate.runtime.brokers.projectx.models import timestamp

if TYPE_CHECKING:
    from ordergate.runtime.brokers.projectx.client import ProjectXBroker

OVERLAP = 2.0  # seconds each search reaches back before the last round, for clock skew


class Poller:
    def __init__(self, adapter: ProjectXBroker) -> None:
        self.adapter = adapter
        self.rounds = 0
        self._since: float | None = None
        # A trade is searched for again by every round within OVERLAP of the last and by
        # flatten; the last ``limit`` ids are kept. A repeat of an older one would be told
        # again, to a runtime that drops it by its fill id; a search reaches back seconds,
        # so none comes that late (but for the first round, an hour back, when nothing
        # was reported yet).
        self._seen = RecentIds()
        # broker order id → what a round last saw of it (dropped with the adapter's
        # memory of the order: ``forget``)
        self._order_state: dict[str, tuple[Any, ...]] = {}

    def first_time(self, fill_id: str, limit: int) -> bool:
        """Whether the trade ``fill_id`` is reported for the first time."""
        return self._seen.first_time(fill_id, limit)

    def forget(self, broker_id: str) -> None:
        self._order_state.pop(broker_id, None)

    async def run(self) -> None:
        while True:
            await self.round()
            await asyncio.sleep(self.adapter.poll_interval)

    async def round(self) -> None:
        a = self.adapter
        now = a.clock()
        since = timestamp((self._since if self._since is not None else now - 3600) - OVERLAP)
        for name, account_id in list(a._ids.items()):
            orders = await a.rest.call("Order/search", {"accountId": account_id, "startTimestamp": since})
            opened = await a.rest.call("Order/searchOpen", {"accountId": account_id})
            for record in [*(orders.get("orders") or []), *(opened.get("orders") or [])]:
                self._order(record)
            trades = await a.rest.call("Trade/search", {"accountId": account_id, "startTimestamp": since})
            for record in sorted(trades.get("trades") or [], key=lambda r: int(r.get("id") or 0)):
                a.take_trade(record)
            await a.fetch_positions(name)
        accounts = await a.rest.call("Account/search", {"onlyActiveAccounts": True})
        for record in accounts.get("accounts") or []:
            a.take_account(record)
        await self._quotes()
        self._since = now
        self.rounds += 1
        a.heartbeat()

    def _order(self, record: dict[str, Any]) -> None:
        key = str(record.get("id"))
        state = (
            record.get("status"),
            record.get("fillVolume"),
            record.get("size"),
            record.get("limitPrice"),
            record.get("stopPrice"),
        )
        if self._order_state.get(key) == state:
            return  # nothing new: the hubs would have said nothing either
        self._order_state[key] = state
        self.adapter.take_order(record)

    async def _quotes(self) -> None:
        a = self.adapter
        now = a.clock()
        for contract in list(a._contracts.values()):
            answer = await a.rest.call(
                "History/retrieveBars",
                {
                    "contractId": contract,
                    "live": a.ends.live,
                    "startTime": timestamp(now - 60),
                    "endTime": timestamp(now + 1),
                    "unit": 1,
                    "unitNumber": 1,
                    "limit": 1,
                    "includePartialBar": True,
                },
            )
            bars = answer.get("bars") or []  # only bars of the last minute: an older price is no quote
            if bars:
                newest = max(bars, key=lambda b: str(b.get("t")))
                a.take_quote(contract, None, None, newest.get("c"))
