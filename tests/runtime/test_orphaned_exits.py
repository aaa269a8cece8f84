"""A position that goes flat takes its resting exits with it, found in memory: the order
book's working orders, the managed orders the runtime holds (across a restart too), and
never an entry."""

from __future__ import annotations

import pytest

from tests.runtime.conftest import order, paper, quote

pytestmark = pytest.mark.anyio


async def test_held_managed_exits_are_cancelled_when_the_position_goes_flat_and_entries_stay(
    make_runtime,
) -> None:
    rt = make_runtime(connections=[paper(execution="managed")])
    await rt.start(background=False)
    try:
        await quote(rt, "ES", 6000)
        assert (await order(rt, qty=2))[0] == 201
        _, take_profit = await order(rt, side="sell", qty=2, type="limit", price=6010)
        _, stop_loss = await order(rt, side="sell", qty=2, type="stop", stop_price=5990)
        _, entry = await order(rt, side="buy", qty=1, type="limit", price=5980)
        assert {take_profit["order"]["status"], stop_loss["order"]["status"]} == {"held"}
        exits = {take_profit["order"]["id"], stop_loss["order"]["id"]}
        assert {v["id"] for v in rt.gateway.open_exits("PAPER-1", "ES")} == exits
        assert rt.gateway.open_exits("PAPER-1", "NQ") == [] and rt.gateway.open_exits("PAPER-2", "ES") == []
        assert (await order(rt, side="sell", qty=2))[0] == 201  # flat by hand
        await rt.settle()
        assert [v["id"] for v in rt.core.store.open_orders("PAPER-1")] == [entry["order"]["id"]]
        assert set(rt.gateway.held) == {entry["order"]["id"]}
        cancelled = [e.data for e in rt.core.bus.recent if e.type == "orphaned_exits"]
        assert [set(c["cancelled"]) for c in cancelled] == [exits]
    finally:
        await rt.stop()


async def test_exits_held_before_a_restart_are_cancelled_when_the_position_goes_flat_after_it(
    make_runtime,
) -> None:
    rt = make_runtime(connections=[paper(execution="managed")])
    await rt.start(background=False)
    await quote(rt, "ES", 6000)
    await order(rt, qty=1)
    _, stop_loss = await order(rt, side="sell", qty=1, type="stop", stop_price=5990)
    await rt.stop()
    again = make_runtime(connections=[paper(execution="managed")])
    await again.start(background=False)
    try:
        await quote(again, "ES", 6000)
        assert [v["id"] for v in again.gateway.open_exits("PAPER-1", "ES")] == [stop_loss["order"]["id"]]
        assert (await order(again, side="sell", qty=1))[0] == 201
        await again.settle()
        assert again.core.store.open_orders("PAPER-1") == []
        await quote(again, "ES", 5985)  # through the old stop: nothing opens a short
        await again.settle()
        assert again.account_view("PAPER-1")["positions"] == []
    finally:
        await again.stop()
