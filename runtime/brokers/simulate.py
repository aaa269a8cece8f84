"""``ordergate simulate BROKER``: a broker's simulator on 127.0.0.1, over a moving exchange.

Each broker package's simulator offers a ``HARNESS`` (``base.Harness``); this serves it
over an ``Exchange`` whose quotes move on their own (a random walk), with the accounts
and login asked for. Nothing here binds anything but 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import re
import signal
from collections.abc import Callable

from ordergate.runtime.brokers.base import Harness, SimLogin
from ordergate.runtime.brokers.exchange import Exchange, RandomWalk

__all__ = ["DEFAULT_ACCOUNTS", "SIMULATORS", "SimLogin", "harness", "parse_accounts", "run"]

SIMULATORS = ("rithmic", "projectx", "tradovate", "ninjatrader", "loopback")
# what a client needs beyond the endpoint and the login, by broker
NOTES = {
    "rithmic": "system Rithmic Test",
    "tradovate": "app id, cid and sec not checked; OAuth pages at {endpoint}/oauth, client id ordergate",
    "ninjatrader": "sign in through OAuth at {endpoint}/oauth, client id ordergate (the Tradovate simulator)",
}
DEFAULT_ACCOUNTS = ("SIM-1", "SIM-2")


def harness(broker: str) -> Harness | None:
    """The broker's harness, or None when its simulator is not in this build."""
    try:
        module = importlib.import_module(f"ordergate.runtime.brokers.{broker}.simulator")
    except ImportError:
        return None
    found = getattr(module, "HARNESS", None)
    return found if isinstance(found, Harness) else None


def parse_accounts(items: list[str], balance: float) -> list[tuple[str, float]]:
    """``ID`` or ``ID:BALANCE`` each; the default balance for those without one."""
    out = []
    for item in items or DEFAULT_ACCOUNTS:
        ident, _, own = item.partition(":")
        out.append((ident, float(own) if own else balance))
    return out


async def run(
    found: Harness,
    login: SimLogin,
    accounts: list[tuple[str, float]],
    port: int,
    say: Callable[[str], None],
    *,
    seed: int | None = None,
) -> None:
    exchange = Exchange()
    for ident, balance in accounts:
        exchange.open_account(ident, balance)
    walk = RandomWalk(exchange.set_quote, seed, interval=0.5)
    walk.step()  # quotes before the first client logs in
    handle = await found.serve(exchange, login, port)
    match = re.search(r"127\.0\.0\.1:(\d+)", handle.endpoint)
    bound = match.group(1) if match else str(port)
    if found.broker == "projectx":
        secret = "api key " + (login.api_key if login.api_key == "demo" else "(as given)")
    else:
        secret = "password " + (login.password if login.password == "demo" else "(as given)")
    say(
        f"{found.broker} broker simulator on 127.0.0.1:{bound}: {handle.endpoint} "
        f"user {login.username} {secret}"
        + f"; accounts {', '.join(a for a, _ in accounts)}"
        + (f"; {NOTES[found.broker].format(endpoint=handle.endpoint)}" if found.broker in NOTES else "")
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    moving = asyncio.create_task(walk.run())
    try:
        await stop.wait()
    finally:
        moving.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await moving
        await handle.stop()
