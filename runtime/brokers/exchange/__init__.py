"""The simulated exchange shared by the paper broker and every broker simulator.

Public API (pure and synchronous; the clock is injected)::

    ex = Exchange(clock)                         # clock: () -> epoch seconds
    ex.open_account("SIM-1", 50_000)
    ex.set_quote("ES", bid, ask, last)           # matches working orders
    order = ex.submit("SIM-1", OrderRequest(...))   # BrokerOrder, or BrokerRejected(reason)
    ex.cancel("SIM-1", order.broker_order_id)    # OrderNotOpen when filled already
    ex.match()                                   # the next part of each partially filled order
    ex.open_orders / find / order / fills(account, since) / positions / account_info
    ex.subscribe(callback)                       # OrderChanged, Traded, PositionChanged,
                                                 # BalanceChanged, QuoteChanged, LinkFault
    ex.listen(Listener(...))                     # the same events as calls, no event objects
    ex.faults.latency / fill_parts / mute_orders / heartbeats / feed
    ex.reject_next(n, reason); ex.drop_connections(); ex.liquidate(account)

Feeds that move its quotes: ``feeds.RandomWalk``, ``feeds.Replay`` (or none: manual).
It knows nothing of policies or the runtime.
"""

from ordergate.runtime.brokers.exchange._exchange import Exchange, Faults
from ordergate.runtime.brokers.exchange.events import (
    BalanceChanged,
    Event,
    LinkFault,
    Listener,
    OrderChanged,
    PositionChanged,
    QuoteChanged,
    Traded,
)
from ordergate.runtime.brokers.exchange.feeds import (
    FEEDS,
    RandomWalk,
    Replay,
    feed_for,
    read_replay,
    round_to_tick,
)

__all__ = [
    "FEEDS",
    "BalanceChanged",
    "Event",
    "Exchange",
    "Faults",
    "LinkFault",
    "Listener",
    "OrderChanged",
    "PositionChanged",
    "QuoteChanged",
    "RandomWalk",
    "Replay",
    "Traded",
    "feed_for",
    "read_replay",
    "round_to_tick",
]
