"""NinjaTrader's simulator is Tradovate's: the same server, entered through OAuth.

``HARNESS`` serves the Tradovate simulator and hands the adapter a token minted by the
simulator's own authorization-code flow (the OAuth pages are tested over HTTP in
tests/runtime/test_ninjatrader.py).
"""

from __future__ import annotations

from typing import Any

from ordergate.runtime.brokers.base import AdapterConfig, Harness, SimLogin
from ordergate.runtime.brokers.exchange import Exchange
from ordergate.runtime.brokers.tradovate.simulator import TradovateSimulator, _serve_harness

REDIRECT = "http://127.0.0.1/v1/oauth/callback"


class NinjaTraderSimulator:
    """The Tradovate simulator, with an adapter config holding an OAuth token."""

    def __init__(self, inner: TradovateSimulator, token: str) -> None:
        self.inner, self.token = inner, token

    @property
    def endpoint(self) -> str:
        return self.inner.endpoint

    @property
    def config(self) -> AdapterConfig:
        return AdapterConfig(settings={"endpoint": self.endpoint}, credentials={"access_token": self.token})

    def drop_connections(self) -> None:
        self.inner.drop_connections()

    async def stop(self) -> None:
        await self.inner.stop()


async def _serve(exchange: Exchange, login: SimLogin, port: int) -> NinjaTraderSimulator:
    inner = await _serve_harness(exchange, login, port)
    core = inner.core
    code = core.oauth_code(login.username, login.password, REDIRECT)
    status, answer = core.oauth_token(
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "client_id": core.options.client_id,
        }
    )
    assert status == 200, answer
    return NinjaTraderSimulator(inner, str(answer["access_token"]))


def _adapter(name: str, config: AdapterConfig, events: Any, clock: Any) -> Any:
    from ordergate.runtime.brokers.ninjatrader.client import NinjaTraderBroker

    return NinjaTraderBroker(name, config, events, clock)


HARNESS = Harness("ninjatrader", _adapter, _serve)
