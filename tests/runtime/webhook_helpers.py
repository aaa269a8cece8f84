"""Shared by the webhook tests: a runtime on the paper broker that answers late and fills
in parts, with a webhook, and a few helpers to read it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from ordergate.policy.models import ConnectionConfig
from ordergate.runtime.service import Runtime

from .conftest import order, quote

HOOK = "/v1/webhooks/s3cr3t-hook"
WEBHOOK = {"name": "tv", "secret": "s3cr3t-hook", "account": "PAPER-1"}


def late_paper(name: str = "Paper", accounts: list[dict[str, Any]] | None = None) -> ConnectionConfig:
    """A paper connection that answers 20 ms late and fills every order in two parts."""
    return ConnectionConfig.model_validate(
        {
            "name": name,
            "broker": "paper",
            "feed": "manual",
            "latency_ms": 20,
            "partial_fills": True,
            "accounts": accounts or [{"id": "PAPER-1", "balance": 50000}],
        }
    )


async def late_runtime(make_runtime: Callable[..., Runtime], **kw: Any) -> Runtime:
    kw.setdefault("connections", [late_paper()])
    kw.setdefault("webhooks", [WEBHOOK])
    rt = make_runtime(**kw)
    await rt.start(background=False)
    await quote(rt, "MNQ", 21000)
    return rt


def position(rt: Runtime, root: str = "MNQ", account: str = "PAPER-1") -> int:
    held = rt.core.accounts[account].holdings.get(root)
    return held.qty if held else 0


async def hold(rt: Runtime, qty: int, symbol: str = "MNQZ6") -> None:
    """Open a position of ``qty`` (signed) through the API's order path."""
    if qty:
        status, _ = await order(rt, symbol=symbol, side="buy" if qty > 0 else "sell", qty=abs(qty))
        assert status == 201
        await until(lambda: position(rt) == qty)


async def until(check: Callable[[], bool], seconds: float = 3.0) -> None:
    for _ in range(int(seconds / 0.01)):
        if check():
            return
        await asyncio.sleep(0.01)
    assert check()


async def move(rt: Runtime, last: float, root: str = "MNQ") -> None:
    """The market moves to ``last``; the monitor's quote pass runs (triggers, trailing stops)."""
    await quote(rt, root, last)
    await rt.settle()


def open_orders(rt: Runtime, account: str = "PAPER-1") -> list[dict[str, Any]]:
    return rt.core.store.open_orders(account)
