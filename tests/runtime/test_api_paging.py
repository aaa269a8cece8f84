"""Keyset paging of the order history and the audit log, over HTTP on loopback
(runtime/paging.py says how it works)."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from ordergate.runtime.clock import FakeClock
from ordergate.runtime.service import Runtime
from tests.runtime.conftest import MONDAY_10, client, order, paper, quote

pytestmark = pytest.mark.anyio

# no limits at all: every order is allowed and fills, however many there are
OPEN_POLICY = """
apiVersion: ordergate/v1
kind: RiskPolicy
metadata: {name: open, version: 1}
spec:
  accounts: ["*"]
"""


async def place(rt: Runtime, n: int, clock: FakeClock | None = None) -> list[str]:
    """``n`` filled market orders, alternately buy and sell; their ids in placing order.
    With ``clock``, a millisecond passes before each; without, they all share one instant."""
    ids = []
    for i in range(n):
        if clock is not None:
            clock.advance(milliseconds=1)
        status, answer = await order(rt, side="buy" if i % 2 == 0 else "sell")
        assert status == 201, answer
        ids.append(answer["order"]["id"])
    return ids


async def pages(
    c: httpx.AsyncClient, path: str, params: dict[str, Any], between: Callable[[], Any] | None = None
) -> list[dict[str, Any]]:
    """Every page of a list, following ``next_cursor``; ``between`` runs after each page."""
    key = "orders" if path == "/v1/orders" else "decisions"
    out: list[dict[str, Any]] = []
    cursor = None
    while True:
        r = await c.get(path, params={**params, **({"cursor": cursor} if cursor else {})})
        assert r.status_code == 200, r.text
        out.append(r.json())
        cursor = r.json()["next_cursor"]
        if cursor is None:
            return out
        assert r.json()[key], "a page that promises a next page is never empty"
        if between is not None:
            await between()


def newest_first(orders: list[dict[str, Any]]) -> bool:
    keys = [(o["created_at"], o["id"]) for o in orders]
    return keys == sorted(keys, reverse=True)


@pytest.fixture
async def quiet(make_runtime: Callable[..., Runtime]) -> Any:
    clock = FakeClock(MONDAY_10)
    rt = make_runtime(policy=OPEN_POLICY, clock=clock)
    await rt.start(background=False)
    await quote(rt, "ES", 6000)
    yield rt, clock
    await rt.stop()


async def test_2500_orders_paged_by_1000_come_back_each_exactly_once_newest_first(quiet) -> None:
    rt, _clock = quiet
    placed = await place(rt, 2500)  # one instant: the id alone orders them
    async with client(rt) as c:
        unpaged = (await c.get("/v1/orders", params={"status": "all"})).json()
        answers = await pages(c, "/v1/orders", {"status": "all", "limit": 1000})
    assert [len(a["orders"]) for a in answers] == [1000, 1000, 500]
    history = [o for a in answers for o in a["orders"]]
    assert sorted(o["id"] for o in history) == sorted(placed)
    assert newest_first(history)
    # a client that does not page sees what it did before: the newest 1,000
    assert unpaged["orders"] == history[:1000] and unpaged["next_cursor"] == answers[0]["next_cursor"]


@pytest.mark.parametrize("clock_moves", [True, False], ids=["clock-moves", "clock-stands-still"])
async def test_paging_while_orders_arrive_neither_skips_nor_repeats_an_order(quiet, clock_moves) -> None:
    rt, clock = quiet
    ticking = clock if clock_moves else None
    before = await place(rt, 40, ticking)
    arrived: list[str] = []

    async def more() -> None:
        arrived.extend(await place(rt, 5, ticking))

    async with client(rt) as c:
        answers = await pages(c, "/v1/orders", {"status": "all", "limit": 7}, between=more)
    seen = [o["id"] for a in answers for o in a["orders"]]
    assert len(seen) == len(set(seen)), "an order came back twice"
    assert set(before) <= set(seen), "an order was skipped"
    assert set(seen) <= set(before) | set(arrived)
    if clock_moves:  # the newer orders sit before the client's position: none shows up
        assert seen == before[::-1]
    assert arrived and all(newest_first(a["orders"]) for a in answers)


async def test_one_accounts_history_pages_alone(make_runtime: Callable[..., Runtime]) -> None:
    rt = make_runtime(
        policy=OPEN_POLICY,
        connections=[paper([{"id": "PAPER-1", "balance": 50000}, {"id": "PAPER-2", "balance": 50000}])],
    )
    await rt.start(background=False)
    try:
        await quote(rt, "ES", 6000)
        mine = [(await order(rt, account="PAPER-1"))[1]["order"]["id"] for _ in range(5)]
        for _ in range(4):
            await order(rt, account="PAPER-2")
        async with client(rt) as c:
            answers = await pages(c, "/v1/orders", {"status": "all", "account": "PAPER-1", "limit": 2})
    finally:
        await rt.stop()
    assert sorted(o["id"] for a in answers for o in a["orders"]) == sorted(mine)
    assert [len(a["orders"]) for a in answers] == [2, 2, 1]


async def test_decisions_page_newest_first_each_once_while_decisions_arrive(quiet) -> None:
    rt, clock = quiet
    await place(rt, 130, clock)
    arrived = 0

    async def more() -> None:
        nonlocal arrived
        arrived += len(await place(rt, 3, clock))

    async with client(rt) as c:
        unpaged = (await c.get("/v1/decisions")).json()
        answers = await pages(c, "/v1/decisions", {"limit": 40}, between=more)
    ids = [d["id"] for a in answers for d in a["decisions"]]
    assert ids == sorted(range(1, 131), reverse=True) and arrived == 9
    assert [len(a["decisions"]) for a in answers] == [40, 40, 40, 10]
    # without paging: the newest 100, as before, and where the next page starts
    assert [d["id"] for d in unpaged["decisions"]] == list(range(130, 30, -1))
    assert unpaged["next_cursor"] is not None


def forged(parts: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(parts).encode()).decode().rstrip("=")


BAD_CURSORS = {
    "empty": "",
    "a-word": "nope",
    "not-base64": "%%%",
    "too-long": "x" * 300,
    "not-json": base64.urlsafe_b64encode(b"\xff\xfe not json").decode(),
    "not-a-list": forged({"o": 1}),
    "order-key-not-strings": forged(["o", 5, 6]),
    "order-key-without-id": forged(["o", "2026-11-23T15:00:00+00:00"]),
    "order-key-empty-id": forged(["o", "2026-11-23T15:00:00+00:00", ""]),
    "decision-id-zero": forged(["d", 0]),
    "decision-id-bool": forged(["d", True]),
    "decision-id-string": forged(["d", "7"]),
    "decision-id-huge": forged(["d", 2**70]),
}


@pytest.mark.parametrize("path", ["/v1/orders", "/v1/decisions"])
@pytest.mark.parametrize("cursor", BAD_CURSORS.values(), ids=BAD_CURSORS.keys())
async def test_a_bad_cursor_is_refused_naming_cursor(started, path, cursor) -> None:
    async with client(started) as c:
        r = await c.get(path, params={"status": "all", "cursor": cursor})
    assert r.status_code == 422 and r.json()["field"] == "cursor", r.text


async def test_a_cursor_of_one_list_is_refused_by_the_other(started) -> None:
    await quote(started, "ES", 6000)
    for _ in range(3):
        await order(started)
    async with client(started) as c:
        orders = (await c.get("/v1/orders", params={"status": "all", "limit": 1})).json()["next_cursor"]
        decisions = (await c.get("/v1/decisions", params={"limit": 1})).json()["next_cursor"]
        wrong = [
            await c.get("/v1/orders", params={"status": "all", "cursor": decisions}),
            await c.get("/v1/decisions", params={"cursor": orders}),
        ]
        right = [
            await c.get("/v1/orders", params={"status": "all", "cursor": orders}),
            await c.get("/v1/decisions", params={"cursor": decisions}),
        ]
    assert [(r.status_code, r.json()["field"]) for r in wrong] == [(422, "cursor")] * 2
    assert [r.status_code for r in right] == [200, 200]


@pytest.mark.parametrize(
    ("path", "limit"),
    [
        ("/v1/orders", "0"),
        ("/v1/orders", "1001"),
        ("/v1/orders", "-1"),
        ("/v1/orders", "1.5"),
        ("/v1/orders", "ten"),
        ("/v1/orders", "²"),
        ("/v1/orders", ""),
        ("/v1/decisions", "0"),
        ("/v1/decisions", "10001"),
        ("/v1/decisions", "²"),
        ("/v1/decisions", "9" * 40),
    ],
)
async def test_a_bad_limit_is_refused_naming_limit(started, path, limit) -> None:
    async with client(started) as c:
        r = await c.get(path, params={"status": "all", "limit": limit})
    assert r.status_code == 422 and r.json()["field"] == "limit", r.text


@pytest.mark.parametrize("param", ["limit", "cursor"])
async def test_open_orders_come_whole_and_refuse_paging_parameters(started, param) -> None:
    async with client(started) as c:
        whole = (await c.get("/v1/orders")).json()
        r = await c.get("/v1/orders", params={param: "1"})
    assert whole == {"orders": [], "next_cursor": None}
    assert r.status_code == 422 and r.json()["field"] == param
