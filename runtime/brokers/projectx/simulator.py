"""The ProjectX simulator: the Gateway API's REST endpoints and both hubs on 127.0.0.1.

REST under ``http://127.0.0.1:N/api/`` (``sim_rest``), the hubs at ``/hubs/user`` and
``/hubs/market`` (``sim_hubs``), both over the shared simulated exchange through the
book (``sim_book``) and the sessions (``sim_core``). ``ordergate simulate projectx``
runs it with a random-walk feed; tests and the adapter suite start it in-process
through ``HARNESS``. Faults on command: ``silence()`` / ``resume()`` (hubs open but
silent), ``drop_connections()`` (every hub socket closed), the exchange's own faults,
and rate limits through ``options``.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Sequence

from starlette.applications import Starlette

from ordergate.policy import spec_for
from ordergate.runtime.brokers.base import AdapterConfig, Harness, SimLogin
from ordergate.runtime.brokers.exchange import Exchange, RandomWalk, round_to_tick
from ordergate.runtime.brokers.exchange.feeds import START_PRICES
from ordergate.runtime.brokers.http_simulator import LoopbackHttpServer
from ordergate.runtime.brokers.projectx import sim_hubs, sim_rest
from ordergate.runtime.brokers.projectx.sim_core import Credentials, Options, SimCore

DEFAULT_ACCOUNTS = ("PX-50K-1", "PX-50K-2")
DEFAULT_BALANCE = 50_000.0


def build_app(core: SimCore) -> Starlette:
    return Starlette(routes=[*sim_rest.routes(core), *sim_hubs.routes(core)])


class ProjectXSimulator:
    """A running simulator; ``await ProjectXSimulator.start(...)`` serves it."""

    def __init__(self, core: SimCore) -> None:
        self.core = core
        self.port = 0
        self._http = LoopbackHttpServer(build_app(core), "ProjectX")
        self._unsubscribe = core.exchange.subscribe(self._on_fault)

    @classmethod
    async def start(
        cls,
        exchange: Exchange,
        credentials: Credentials | None = None,
        options: Options | None = None,
        port: int = 0,
    ) -> ProjectXSimulator:
        sim = cls(SimCore(exchange, credentials, options))
        await sim._serve(port)
        return sim

    async def _serve(self, port: int) -> None:
        # SignalR keeps the link alive with its own pings
        self.port = await self._http.start(port)

    # ---- what the harness and the tests see

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def config(self) -> AdapterConfig:
        return AdapterConfig(
            settings={"endpoint": self.endpoint, "mode": "auto"},
            credentials={
                "username": self.core.credentials.username,
                "api_key": self.core.credentials.api_key,
            },
        )

    def drop_connections(self) -> None:
        self.core.drop_hubs()

    def silence(self) -> None:
        """Keep every hub socket open but send nothing: the feed stalls."""
        self.core.silent = True

    def resume(self) -> None:
        self.core.silent = False

    def _on_fault(self, event: object) -> None:
        from ordergate.runtime.brokers.exchange import LinkFault

        if isinstance(event, LinkFault) and event.kind == "drop":
            self.core.drop_hubs()

    async def stop(self) -> None:
        self._unsubscribe()
        self.core.drop_hubs()
        for _ in range(100):  # let the hub handlers end on their own rather than be cancelled
            if not self.core.hub_clients:
                break
            await asyncio.sleep(0.01)
        await self._http.stop()


async def _serve_harness(exchange: Exchange, login: SimLogin, port: int) -> ProjectXSimulator:
    if not exchange.account_ids():
        for name in DEFAULT_ACCOUNTS:
            exchange.open_account(name, DEFAULT_BALANCE)
    return await ProjectXSimulator.start(exchange, Credentials(login.username, login.api_key), port=port)


def _harness_adapter(*args: object) -> object:
    from ordergate.runtime.brokers.projectx.client import ProjectXBroker

    return ProjectXBroker(*args)  # type: ignore[arg-type]


HARNESS = Harness("projectx", _harness_adapter, _serve_harness)  # type: ignore[arg-type]


def first_line(sim: ProjectXSimulator) -> str:
    """What ``ordergate simulate projectx`` prints first: endpoint and demo credentials."""
    accounts = ", ".join(sim.core.book.accounts.values())
    return (
        f"ProjectX simulator on {sim.endpoint} (REST {sim.endpoint}/api/, hubs {sim.endpoint}/hubs/user and "
        f"/hubs/market) user {sim.core.credentials.username} api key {sim.core.credentials.api_key}; "
        f"accounts {accounts}"
    )


async def run(port: int, username: str, api_key: str, accounts: Sequence[str], balance: float) -> None:
    """``ordergate simulate projectx``: serve until SIGINT or SIGTERM, quotes moving on their own."""
    exchange = Exchange()
    for name in accounts or DEFAULT_ACCOUNTS:
        exchange.open_account(name, balance)
    for root, price in START_PRICES.items():
        spec = spec_for(root)
        exchange.set_quote(
            root, price, round_to_tick(root, price + (spec.tick_size if spec else 0.01)), price
        )
    sim = await ProjectXSimulator.start(exchange, Credentials(username, api_key), port=port)
    print(first_line(sim), flush=True)

    def sink(root: str, bid: float | None, ask: float | None, last: float | None) -> None:
        exchange.set_quote(root, bid, ask, last)

    walk = RandomWalk(sink, interval=1.0)
    feed = asyncio.create_task(walk.run())
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        feed.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await feed
        await sim.stop()
