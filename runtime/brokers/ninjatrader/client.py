"""The NinjaTrader adapter: the Tradovate adapter with an OAuth token only."""

from __future__ import annotations

import time

from ordergate.runtime.brokers.base import BrokerEvents, Clock
from ordergate.runtime.brokers.errors import BrokerConfigError
from ordergate.runtime.brokers.tradovate.client import TradovateBroker
from ordergate.runtime.brokers.types import AdapterConfig


class NinjaTraderBroker(TradovateBroker):
    broker = "ninjatrader"

    def __init__(
        self, name: str, config: AdapterConfig, events: BrokerEvents | None = None, clock: Clock = time.time
    ) -> None:
        if not config.credentials.get("access_token"):
            raise BrokerConfigError(
                "a NinjaTrader connection signs in through OAuth: add it with the connection flow "
                "and authorize on the broker's page"
            )
        super().__init__(name, config, events, clock)
