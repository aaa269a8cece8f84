"""Awaiting under a time limit, without paying for the timer when nothing waits.

``asyncio.timeout`` schedules a timer and cancels it again on every use: on the order
path that is most of what a time limit costs, and most calls never wait at all (a paper
or simulated broker answers at once; the body of a small request has arrived with its
headers). ``within`` runs the call's first step directly; only a call that has to wait
goes on under a timer.
"""

from __future__ import annotations

import asyncio
import types
from collections.abc import Awaitable, Generator
from typing import Any, TypeVar, cast

T = TypeVar("T")

__all__ = ["wake", "within"]


async def within(call: Awaitable[T], seconds: float) -> T:
    """What ``call`` returns; TimeoutError when it has not finished ``seconds`` from now."""
    steps: Generator[Any, Any, T] = call.__await__()
    try:
        waiting_on = steps.send(None)
    except StopIteration as done:
        return cast(T, done.value)
    async with asyncio.timeout(seconds):
        return await _go_on(steps, waiting_on)


def wake(waiter: asyncio.Future[None]) -> None:
    """Resolve ``waiter`` unless it is done already (its task was cancelled, it timed out)."""
    if not waiter.done():
        waiter.set_result(None)


@types.coroutine
def _go_on(steps: Generator[Any, Any, T], waiting_on: Any) -> Generator[Any, Any, T]:
    """Await the rest of a call whose first step waited on ``waiting_on``: what the loop
    sends or throws in (the timer's cancellation too) is handed on to the call."""
    while True:
        try:
            sent = yield waiting_on
        except GeneratorExit:
            steps.close()
            raise
        except BaseException as exc:
            try:
                waiting_on = steps.throw(exc)
            except StopIteration as done:
                return cast(T, done.value)
        else:
            try:
                waiting_on = steps.send(sent)
            except StopIteration as done:
                return cast(T, done.value)
