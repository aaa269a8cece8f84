"""Working orders count (DESIGN 4.3): resting entries weigh on the positions stage."""

from __future__ import annotations

from datetime import datetime
from types import MappingProxyType

import pytest

from ordergate.policy import InputError, Order, Snapshot, Working, load_bundle
from ordergate.policy.orders import Position
from tests.conftest import REPO

NOW = datetime.fromisoformat("2026-11-24T10:00:00-05:00")
RESTING = load_bundle(REPO / "tests" / "golden" / "chain").policies["resting"]


def _limit_buy(price: float) -> Order:
    return Order.from_dict({"symbol": "ESZ6", "side": "buy", "qty": 1, "type": "limit", "price": price})


def test_twelve_resting_limit_buys_stop_at_the_position_limit() -> None:
    # The reproduction: each 1-lot limit buy below the market was allowed while flat, and
    # all twelve filled when the price crossed. Counted as working, the sixth is refused.
    outcomes = []
    working = 0
    for i in range(12):
        snapshot = Snapshot(working={"ES": Working(buy=working)})
        decision = RESTING.evaluate(_limit_buy(5990 - i), snapshot, NOW)
        outcomes.append(decision.code or decision.outcome)
        if decision.allowed:
            working += 1  # the broker now holds it
    assert outcomes == ["allow"] * 5 + ["max_position_size"] * 7
    assert working == 5


def test_without_working_orders_every_resting_buy_passes_while_flat() -> None:
    # what the engine saw before the field existed: the limit alone cannot see resting orders
    decisions = [RESTING.evaluate(_limit_buy(5990 - i), Snapshot(), NOW) for i in range(12)]
    assert all(d.allowed for d in decisions)


def test_a_snapshot_built_directly_canonicalises_and_adds_up_working_roots() -> None:
    snapshot = Snapshot(working={"ESZ6": Working(buy=2), "/ESH7": Working(buy=1, sell=2), "NQ": Working()})
    assert dict(snapshot.working or {}) == {"ES": Working(buy=3, sell=2)}
    assert isinstance(snapshot.working, MappingProxyType)
    assert snapshot.open_symbols == 1 and snapshot.open_positions == 0


def test_no_working_orders_is_none_so_the_hot_path_skips_them() -> None:
    assert Snapshot().working is None
    assert Snapshot(working={}).working is None
    assert Snapshot(working={"ES": Working(0, 0)}).working is None


def test_open_symbols_counts_held_and_working_roots_once() -> None:
    snapshot = Snapshot(
        positions={"ES": Position(1, 6000, 50), "NQ": Position(0)},
        working={"ES": Working(buy=1), "GC": Working(sell=1)},
    )
    assert (snapshot.open_positions, snapshot.open_symbols) == (1, 2)


@pytest.mark.parametrize("value", [-1, 1.5, True, "2"])
def test_a_working_count_must_be_a_whole_number_of_contracts(value: object) -> None:
    with pytest.raises(InputError) as caught:
        Working(buy=value)  # type: ignore[arg-type]
    assert caught.value.field == "working.buy"


@pytest.mark.parametrize(
    ("working", "field"),
    [
        ({"ES": {"buy": -1}}, "state.working.ES.buy"),
        ({"ES": {"sell": 2.5}}, "state.working.ES.sell"),
        ({"ES": {"bids": 1}}, "state.working.ES.bids"),
        ({"ES": 3}, "state.working.ES"),
        ([1, 2], "state.working"),
    ],
)
def test_a_bad_working_state_names_its_field(working: object, field: str) -> None:
    with pytest.raises(InputError) as caught:
        Snapshot.from_dict({"working": working}, NOW)
    assert caught.value.field == field


def test_the_block_message_says_how_many_are_working() -> None:
    snapshot = Snapshot.from_dict({"positions": {"ES": {"qty": 2}}, "working": {"ES": {"buy": 3}}}, NOW)
    decision = RESTING.evaluate(_limit_buy(5990), snapshot, NOW)
    assert decision.message == (
        "the ES position could reach 6 contracts with 3 working buy contracts; the most is 5"
    )
