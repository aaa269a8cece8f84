"""The NinjaTrader broker: a Tradovate account reached through OAuth (the seeds).

NinjaTrader documents the very same Tradovate REST and WebSocket API on the same hosts
(protocols/brokers.md §1.1), so this is the Tradovate adapter that only ever holds an
OAuth token: no credentials flow, and an expired OAuth session is an ``error`` for a
person to authorize again.
"""
