"""A recorded trading day: the runtime on the paper broker, driven over real HTTP through a
day of orders for the GitOps example's desk (examples/gitops/rules) and a daily loss
breach, and its audit log exported by the real ``ordergate audit export``.

``python -m tests.runtime.recorded_day OUT.jsonl`` writes the log the GitOps example keeps
(examples/gitops/audit/decisions.jsonl).
"""

from __future__ import annotations

import asyncio
import shutil
import sys
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from ordergate.policy.models import ApiConfig, ConnectionConfig, RuntimeSpec
from ordergate.runtime.clock import FakeClock
from ordergate.runtime.config import from_spec
from ordergate.runtime.service import Runtime
from tests.runtime.cliproc import at, ordergate
from tests.runtime.conftest import TOKEN, client

REPO = Path(__file__).resolve().parents[2]
DESK_RULES = REPO / "examples" / "gitops" / "rules"
TUESDAY = datetime.fromisoformat("2026-11-24T09:00:00-05:00")
PRICES = {"ES": 6000.0, "NQ": 21000.0, "CL": 70.0}


def desk_runtime(tmp: Path, rules: Path = DESK_RULES) -> tuple[Runtime, FakeClock]:
    shutil.copytree(rules, tmp / "rules", ignore=shutil.ignore_patterns("*.test.yaml"))
    connection = ConnectionConfig.model_validate(
        {
            "name": "Paper",
            "broker": "paper",
            "feed": "manual",
            "accounts": [{"id": "DESK-1", "balance": 50000}, {"id": "DESK-2", "balance": 50000}],
        }
    )
    spec = RuntimeSpec(
        rules=str(tmp / "rules"),
        store=f"sqlite:///{tmp / 'state.db'}",
        api=ApiConfig(listen="127.0.0.1:0", tokens=[TOKEN]),
        connections=[connection],
    )
    clock = FakeClock(TUESDAY)
    return Runtime(from_spec("desk", spec, state_dir=tmp / ".ordergate"), clock), clock


class Desk:
    """Orders and quotes over HTTP, the clock moved between them."""

    def __init__(self, http: httpx.AsyncClient, clock: FakeClock) -> None:
        self.http = http
        self.clock = clock
        self.answers: list[tuple[int, dict[str, Any]]] = []

    async def quote(self, root: str, last: float) -> None:
        PRICES[root] = last
        r = await self.http.post(
            "/v1/paper/quotes", json={"symbol": root, "bid": last, "ask": last, "last": last}
        )
        assert r.status_code == 200, r.text

    async def order(self, when: str, account: str, side: str, qty: int, symbol: str) -> int:
        self.clock.set(datetime.fromisoformat(f"2026-11-24T{when}:00-05:00"))
        root = symbol[:2]
        await self.quote(root, PRICES[root])  # a fresh quote: the desk's quote health is strict
        self.clock.advance(seconds=1)
        r = await self.http.post(
            "/v1/orders", json={"account": account, "side": side, "qty": qty, "symbol": symbol}
        )
        self.answers.append((r.status_code, r.json()))
        return r.status_code


async def trade_the_day(desk: Desk) -> None:
    o = desk.order
    assert await o("09:10", "DESK-1", "buy", 1, "ESZ6") == 403  # before the desk's hours
    assert await o("09:45", "DESK-1", "buy", 2, "ESZ6") == 201
    assert await o("09:50", "DESK-2", "buy", 2, "NQZ6") == 201
    assert await o("10:00", "DESK-1", "buy", 6, "ESZ6") == 403  # more than 5 a order
    assert await o("10:05", "DESK-2", "buy", 3, "NQZ6") == 403  # NQ capped at 2
    assert await o("10:10", "DESK-1", "buy", 1, "CLF7") == 403  # crude is blocked
    for minute in range(15, 60, 5):  # scalping one lot, a point at a time
        assert await o(f"10:{minute:02d}", "DESK-1", "buy", 1, "ESZ6") == 201
        assert await o(f"10:{minute + 2:02d}", "DESK-1", "sell", 1, "ESZ6") == 201
    assert await o("11:00", "DESK-1", "buy", 3, "ESZ6") == 201
    await desk.quote("ES", 5996.0)  # 4 points against 5 lots: -$1,000
    assert await o("11:30", "DESK-1", "sell", 5, "ESZ6") == 201  # an exit: always allowed
    assert await o("11:45", "DESK-1", "buy", 2, "ESZ6") == 403  # size down after a $500 loss
    assert await o("11:50", "DESK-1", "buy", 1, "ESZ6") == 201
    assert await o("12:00", "DESK-2", "buy", 1, "ESZ6") == 201
    desk.clock.set(datetime.fromisoformat("2026-11-24T13:00:00-05:00"))
    await desk.quote("NQ", 20900.0)  # 100 points against 2 NQ: -4,000, past the daily loss
    desk.clock.advance(seconds=1)
    assert await o("13:00", "DESK-2", "buy", 1, "ESZ6") == 403  # breached, or locked by the monitor
    assert await o("13:30", "DESK-2", "buy", 1, "ESZ6") == 403
    assert await o("14:00", "DESK-1", "buy", 1, "ESZ6") == 201
    assert await o("15:59", "DESK-1", "sell", 2, "ESZ6") == 201
    assert await o("16:30", "DESK-1", "buy", 1, "ESZ6") == 403  # after hours


@asynccontextmanager
async def served_day(tmp: Path, rules: Path = DESK_RULES) -> AsyncIterator[tuple[Runtime, str, Desk]]:
    """A runtime that has traded the day, served on loopback while the block runs."""
    PRICES.update({"ES": 6000.0, "NQ": 21000.0, "CL": 70.0})
    runtime, clock = desk_runtime(tmp, rules)
    await runtime.start(background=False)
    try:
        async with client(runtime) as http:
            desk = Desk(http, clock)
            await trade_the_day(desk)
            yield runtime, str(http.base_url).rstrip("/"), desk
    finally:
        await runtime.stop()


async def record(out: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        async with served_day(Path(tmp)) as (_runtime, url, _desk):
            ran = await ordergate("audit", "export", *at(url), "--out", str(out))
            assert ran.returncode == 0, ran.stderr


if __name__ == "__main__":  # pragma: no cover
    asyncio.run(record(Path(sys.argv[1])))
