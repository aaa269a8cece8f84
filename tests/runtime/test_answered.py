"""``answered``: a broker call's result, or BrokerTimeout when it does not come in time;
a call that answers without waiting needs no timer, one that waits keeps every
behaviour of an awaited coroutine (results, errors, cancellation, the timeout)."""

from __future__ import annotations

import asyncio

import pytest

from ordergate.runtime.brokers.base import answered
from ordergate.runtime.brokers.errors import BrokerTimeout

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def at_once(value: int) -> int:
    return value


async def after(seconds: float, value: int, steps: int = 3) -> int:
    for _ in range(steps):
        await asyncio.sleep(seconds / steps)
    return value


async def failing_after_a_wait() -> int:
    await asyncio.sleep(0)
    raise ValueError("refused")


async def test_a_call_that_answers_at_once_returns_its_result_even_with_no_time_left() -> None:
    assert await answered(at_once(7), "order", 0) == 7


async def test_a_call_that_waits_returns_its_result_within_the_time() -> None:
    assert await answered(after(0.03, 8), "order", 5) == 8


async def test_a_call_that_waits_too_long_is_a_broker_timeout() -> None:
    with pytest.raises(BrokerTimeout, match=r"did not answer the cancel within 0\.05 s"):
        await answered(after(5, 9), "cancel", 0.05)


async def test_errors_of_a_call_that_waited_and_of_one_that_did_not_reach_the_caller() -> None:
    with pytest.raises(ValueError, match="refused"):
        await answered(failing_after_a_wait(), "order", 5)

    async def refusing() -> int:
        raise KeyError("x")

    with pytest.raises(KeyError):
        await answered(refusing(), "order", 5)


async def test_a_call_handles_what_is_thrown_into_it_while_it_waits() -> None:
    cleaned: list[str] = []

    async def tidy() -> int:
        try:
            await asyncio.sleep(5)
        finally:
            cleaned.append("done")
        return 0

    task = asyncio.ensure_future(answered(tidy(), "order", 10))
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert cleaned == ["done"]


async def test_a_future_done_already_and_one_resolved_later_are_answered() -> None:
    loop = asyncio.get_running_loop()
    done: asyncio.Future[int] = loop.create_future()
    done.set_result(3)
    assert await answered(done, "order", 1) == 3
    later: asyncio.Future[int] = loop.create_future()
    loop.call_later(0.02, later.set_result, 4)
    assert await answered(later, "order", 1) == 4
