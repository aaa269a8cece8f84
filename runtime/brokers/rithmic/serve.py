"""``ordergate simulate rithmic``: the Rithmic simulator as a process.

It serves on 127.0.0.1 (``ws://``, or ``wss://`` with ``--tls``) over its own simulated
exchange with quotes moving on a random walk, and prints its endpoint and demo
credentials on its first line (DESIGN §8.0). It stops on SIGINT or SIGTERM; the port is
free again at once, so it can be restarted on the same port.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Sequence

from ordergate.runtime.brokers.base import SimLogin
from ordergate.runtime.brokers.exchange import Exchange, RandomWalk
from ordergate.runtime.brokers.rithmic.simulator import RithmicSimulator


def first_line(simulator: RithmicSimulator, accounts: Sequence[str]) -> str:
    line = (
        f"rithmic simulator on {simulator.endpoint} (system 'Rithmic Test', all plants) "
        f"user {simulator.login.username} password {simulator.login.password} "
        f"accounts {', '.join(accounts)}"
    )
    if simulator.ca_file is not None:
        line += f" certificate {simulator.ca_file}"
    return line


async def serve(
    port: int, *, tls: bool, accounts: Sequence[str], balance: float, login: SimLogin, feed: bool = True
) -> None:
    exchange = Exchange()
    for account in accounts:
        exchange.open_account(account, balance)
    walk = RandomWalk(lambda root, bid, ask, last: exchange.set_quote(root, bid, ask, last))
    walk.step()  # quotes from the first moment, before anyone subscribes
    simulator = RithmicSimulator(exchange, login, tls=tls)
    await simulator.start(port)
    print(first_line(simulator, accounts), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    mover = asyncio.create_task(walk.run()) if feed else None
    try:
        await stop.wait()
    finally:
        if mover is not None:
            mover.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await mover
        await simulator.stop()


def main(
    port: int, *, tls: bool, accounts: Sequence[str], balance: float, username: str, password: str
) -> int:
    asyncio.run(
        serve(
            port,
            tls=tls,
            accounts=list(accounts) or ["RITHMIC-1", "RITHMIC-2"],
            balance=balance,
            login=SimLogin(username, password),
        )
    )
    return 0
