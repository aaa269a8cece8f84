from __future__ import annotations

import asyncio
import contextlib
import socket
import textwrap
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from ordergate.policy.models import ApiConfig, ConnectionConfig, RuntimeSpec, WebhookConfig
from ordergate.runtime.clock import FakeClock
from ordergate.runtime.config import from_spec
from ordergate.runtime.server import ApiServer, api_config
from ordergate.runtime.service import Runtime
from ordergate.runtime.store import SqliteStore

TOKEN = "test-token"
MONDAY_10 = datetime.fromisoformat("2026-11-23T10:00:00-05:00")

BASIC_POLICY = """
apiVersion: ordergate/v1
kind: RiskPolicy
metadata: {name: desk, version: 1}
spec:
  accounts: ["*"]
  limits:
    daily: {loss: 1000}
    on_breach: {action: flatten_and_lock, lock: session:new_york_open, enforce: true}
  positions: {max_contracts_per_order: 5, max_position_size: 6}
  quote_health: {policy: strict, stale_after: 20s}
"""


@pytest.fixture(autouse=True)
def stores_closed(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every SQLite store a test opens is closed when the test ends. One left open keeps
    its checkpointer's thread waking every 100 ms for the rest of the session, and a
    later test that patched the checkpointer's class took that thread's passes for its
    own store's (tests/runtime/test_wal_restart.py). Closing twice is harmless."""
    opened: list[SqliteStore] = []
    real_init = SqliteStore.__init__

    def init(self: SqliteStore, path: Path) -> None:
        real_init(self, path)
        opened.append(self)

    monkeypatch.setattr(SqliteStore, "__init__", init)
    yield
    for store in opened:
        with contextlib.suppress(Exception):  # a test may have broken it on purpose
            store.close()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def write_policy(rules: Path, text: str, name: str = "policy.yaml") -> None:
    rules.mkdir(parents=True, exist_ok=True)
    (rules / name).write_text(textwrap.dedent(text).lstrip())


def paper(
    accounts: list[dict[str, Any]] | None = None, *, name: str = "Paper", execution: str = "broker_native"
) -> ConnectionConfig:
    return ConnectionConfig.model_validate(
        {
            "name": name,
            "broker": "paper",
            "feed": "manual",
            "execution": execution,
            "accounts": accounts or [{"id": "PAPER-1", "balance": 50000}],
        }
    )


@pytest.fixture
def make_runtime(tmp_path: Path) -> Callable[..., Runtime]:
    def make(
        policy: str = BASIC_POLICY,
        connections: list[ConnectionConfig] | None = None,
        clock: FakeClock | None = None,
        webhooks: list[dict[str, str]] | None = None,
    ) -> Runtime:
        rules = tmp_path / "rules"
        if not rules.exists():
            write_policy(rules, policy)
        spec = RuntimeSpec(
            rules=str(rules),
            store=f"sqlite:///{tmp_path / 'state.db'}",
            api=ApiConfig(
                listen="127.0.0.1:0",
                tokens=[TOKEN],
                webhooks=[WebhookConfig.model_validate(w) for w in webhooks or []],
            ),
            connections=connections or [paper()],
        )
        config = from_spec("test", spec, state_dir=tmp_path / ".ordergate")
        return Runtime(config, clock or FakeClock(MONDAY_10))

    return make


@pytest.fixture
async def started(make_runtime: Callable[..., Runtime]) -> AsyncIterator[Runtime]:
    runtime = make_runtime()
    await runtime.start(background=False)
    yield runtime
    await runtime.stop()


async def quote(runtime: Runtime, symbol: str, last: float, spread: float = 0.25) -> None:
    await runtime.set_paper_quote({"symbol": symbol, "bid": last, "ask": last + spread, "last": last})


async def order(runtime: Runtime, **body: Any) -> tuple[int, dict[str, Any]]:
    body = {"account": "PAPER-1", "symbol": "ESZ6", "side": "buy", "qty": 1, **body}
    return await runtime.gateway.submit(body)


class LoopbackServer(ApiServer):
    """The runtime's server, told to stop by an event: uvicorn's own loop looks for the
    stop flag every 100 ms, which across the API tests adds up to seconds of waiting."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.stop = asyncio.Event()

    async def main_loop(self) -> None:
        await self.on_tick(0)  # the Date header and the other per-tick state, once
        await self.stop.wait()


@contextlib.asynccontextmanager
async def serving(config: uvicorn.Config) -> AsyncIterator[int]:
    """``config`` served by uvicorn on a free loopback port in this event loop; the port."""
    # IPPROTO_TCP named outright: asyncio sets TCP_NODELAY on accepted connections only
    # when the listening socket says it is TCP, and without it every answer sits out a
    # 40 ms delayed ACK
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    server = LoopbackServer(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            task.result()  # raises what stopped it
        await asyncio.sleep(0.001)
    try:
        yield sock.getsockname()[1]
    finally:
        server.stop.set()
        await task
        sock.close()


@contextlib.asynccontextmanager
async def client(runtime: Runtime, token: str | None = TOKEN) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client of the runtime's API, served as ``ordergate run`` serves it (its
    guards, the order routes straight from the protocol, group commit's count of arriving
    requests) on a real socket, so every API test goes over real HTTP parsing."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with (
        serving(api_config(runtime, log_level="warning")) as port,
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers=headers) as c,
    ):
        yield c
