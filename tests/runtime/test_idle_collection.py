"""The runtime collects its young garbage in the moments it has no order to serve
(runtime/server.py ``collect_young``, called by runtime/hot_orders.py ``DirectOrders``),
not in the middle of a flow of orders, over real sockets."""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator
from typing import Any

import pytest

from ordergate.runtime.server import IDLE_COLLECTION_FROM, api_config, collect_young
from ordergate.runtime.service import Runtime
from tests.runtime.conftest import quote, serving
from tests.runtime.test_direct_orders import exchange, parts, request

pytestmark = pytest.mark.anyio

ORDER = json.dumps({"account": "PAPER-1", "symbol": "ESZ6", "side": "buy", "qty": 1}).encode()


@pytest.fixture
def no_automatic_collections() -> Iterator[list[int]]:
    """The collector's automatic young collections out of reach; the generations of the
    collections that ran meanwhile (so only an explicit one can be among them)."""
    ran: list[int] = []

    def seen(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            ran.append(info["generation"])

    thresholds = gc.get_threshold()
    gc.collect()
    gc.set_threshold(10**9, *thresholds[1:])
    gc.callbacks.append(seen)
    try:
        yield ran
    finally:
        gc.callbacks.remove(seen)
        gc.set_threshold(*thresholds)


def young_garbage() -> list[list[int]]:
    """Enough young objects, alive, for an idle moment to collect."""
    return [[n] for n in range(IDLE_COLLECTION_FROM + 100)]


def test_a_young_generation_below_the_mark_is_left_alone(no_automatic_collections: list[int]) -> None:
    collect_young()
    assert no_automatic_collections == []
    kept = young_garbage()
    collect_young()
    assert no_automatic_collections == [0] and gc.get_count()[0] < len(kept)


async def test_an_order_answered_with_nothing_else_to_serve_is_followed_by_a_collection(
    started: Runtime, no_automatic_collections: list[int]
) -> None:
    await quote(started, "ES", 6000)
    async with serving(api_config(started, log_level="warning")) as port:
        (first,) = await exchange(port, request("/v1/orders", ORDER))  # the connection's own objects settle
        no_automatic_collections.clear()
        kept = young_garbage()
        (answer,) = await exchange(port, request("/v1/orders", ORDER))
        assert parts(first)[0] == parts(answer)[0] == 201
        assert no_automatic_collections == [0]  # once, by the idle moment after the order
        (answer,) = await exchange(port, request("/v1/orders", ORDER))  # nothing has built up since
        assert no_automatic_collections == [0]
    del kept


async def test_orders_in_a_row_are_not_held_up_by_a_collection_until_the_last_is_answered(
    started: Runtime, no_automatic_collections: list[int]
) -> None:
    await quote(started, "ES", 6000)
    committed: list[int] = []
    commits = started.gateway.commits

    def seen(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            committed.append(commits.members)

    async with serving(api_config(started, log_level="warning")) as port:
        await exchange(port, request("/v1/orders", ORDER))
        kept = young_garbage()
        before = commits.members
        gc.callbacks.append(seen)
        try:
            # three requests in one write: each next one has arrived while the one
            # before it is answered, so the only quiet moment is after the third
            answers = await exchange(port, *[request("/v1/orders", ORDER)] * 3, answers=3)
        finally:
            gc.callbacks.remove(seen)
    assert [parts(a)[0] for a in answers] == [201, 201, 201]
    assert committed == [before + 3]
    del kept
