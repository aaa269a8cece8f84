"""The Tradovate simulator: REST, the user socket and the market-data socket on 127.0.0.1.

REST under ``http://127.0.0.1:N/v1/`` (``sim_rest``), the user socket at
``/v1/websocket`` and market data at ``/md/v1/websocket`` (``sim_socket``), all over the
shared simulated exchange through the sessions and book of ``sim_core``. Faults on
command: ``drop_connections()`` (every socket closed), ``penalize(seconds, captcha)``,
``end_sessions()`` (every token dead: an expired OAuth session), the two-session cap,
token expiry on the exchange's clock (``Options.token_lifetime``), and the exchange's
own faults (latency, no heartbeats, no quotes). ``ordergate simulate tradovate`` runs it
with a random-walk feed; tests and the adapter suite start it in-process through
``HARNESS``.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Sequence
from typing import Any

from starlette.applications import Starlette

from ordergate.runtime.brokers.base import AdapterConfig, Harness, SimLogin
from ordergate.runtime.brokers.exchange import Exchange, RandomWalk
from ordergate.runtime.brokers.http_simulator import LoopbackHttpServer
from ordergate.runtime.brokers.tradovate import sim_rest, sim_socket
from ordergate.runtime.brokers.tradovate.sim_core import Options, SimCore

DEFAULT_ACCOUNTS = ("DEMO-TV-1", "DEMO-TV-2")
DEFAULT_BALANCE = 50_000.0


class TradovateSimulator:
    """A running simulator; ``await TradovateSimulator.start(...)`` serves it."""

    def __init__(self, core: SimCore) -> None:
        self.core = core
        self.port = 0
        self._http = LoopbackHttpServer(
            Starlette(routes=[*sim_rest.routes(core), *sim_socket.routes(core)]), "Tradovate"
        )

    @classmethod
    async def start(
        cls, exchange: Exchange, login: SimLogin | None = None, options: Options | None = None, port: int = 0
    ) -> TradovateSimulator:
        sim = cls(SimCore(exchange, login, options))
        await sim._serve(port)
        return sim

    async def _serve(self, port: int) -> None:
        # Tradovate keeps the link alive with `h` and `[]`
        self.port = await self._http.start(port)

    # ---- what the harness and the tests see

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def config(self) -> AdapterConfig:
        return AdapterConfig(
            settings={"endpoint": self.endpoint},
            credentials={
                "username": self.core.login.username,
                "password": self.core.login.password,
                "app_id": "ordergate",
                "cid": "0",
                "sec": "",
            },
        )

    def drop_connections(self) -> None:
        self.core.drop_connections()

    def penalize(self, seconds: float, *, captcha: bool = False, count: int = 1) -> None:
        self.core.penalize(seconds, captcha=captcha, count=count)

    def end_sessions(self) -> None:
        for session in list(self.core.sessions):
            self.core.end(session)

    async def stop(self) -> None:
        self.core.drop_connections()
        for _ in range(100):  # let the socket handlers end on their own rather than be cancelled
            if not self.core.sockets:
                break
            await asyncio.sleep(0.01)
        self.core.close()
        await self._http.stop()


async def _serve_harness(exchange: Exchange, login: SimLogin, port: int) -> TradovateSimulator:
    if not exchange.account_ids():
        for name in DEFAULT_ACCOUNTS:
            exchange.open_account(name, DEFAULT_BALANCE)
    return await TradovateSimulator.start(exchange, login, Options(heartbeat=0.5), port=port)


def _harness_adapter(name: str, config: AdapterConfig, events: Any, clock: Any) -> Any:
    from ordergate.runtime.brokers.tradovate.client import TradovateBroker

    return TradovateBroker(name, config, events, clock)


HARNESS = Harness("tradovate", _harness_adapter, _serve_harness)


def first_line(sim: TradovateSimulator) -> str:
    """What ``ordergate simulate tradovate`` prints first: endpoint and demo credentials."""
    login = sim.core.login
    return (
        f"Tradovate simulator on {sim.endpoint} (REST {sim.endpoint}/v1/, user socket "
        f"ws://127.0.0.1:{sim.port}/v1/websocket, market data ws://127.0.0.1:{sim.port}/md/v1/websocket, "
        f"OAuth {sim.endpoint}/oauth client_id {sim.core.options.client_id}) user {login.username} "
        f"password {login.password}; accounts {', '.join(sim.core.exchange.account_ids())}"
    )


async def serve(port: int, login: SimLogin, accounts: Sequence[str], balance: float) -> None:
    """Serve until SIGINT or SIGTERM, quotes moving on their own."""
    exchange = Exchange()
    for name in accounts or DEFAULT_ACCOUNTS:
        exchange.open_account(name, balance)
    walk = RandomWalk(lambda root, bid, ask, last: exchange.set_quote(root, bid, ask, last), interval=1.0)
    walk.step()  # quotes from the first moment, before anyone subscribes
    sim = await TradovateSimulator.start(exchange, login, port=port)
    print(first_line(sim), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    mover = asyncio.create_task(walk.run())
    try:
        await stop.wait()
    finally:
        mover.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await mover
        await sim.stop()


def main(port: int, *, accounts: Sequence[str], balance: float, username: str, password: str) -> int:
    asyncio.run(serve(port, SimLogin(username, password), list(accounts), balance))
    return 0
