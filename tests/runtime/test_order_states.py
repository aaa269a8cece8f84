"""The order state table: legal paths, late and repeated reports, and illegal events."""

from __future__ import annotations

import pytest

from ordergate.runtime.orders import (
    EVENTS,
    STATES,
    TRANSITIONS,
    IllegalOrderTransition,
    apply_event,
    apply_fill,
    next_state,
)


def order(status: str = "submitted", qty: int = 3) -> dict[str, object]:
    return {"id": "og-1", "account": "A", "qty": qty, "status": status, "fills": []}


def test_the_table_names_only_known_states_and_events() -> None:
    assert set(TRANSITIONS) == set(STATES)
    for targets in TRANSITIONS.values():
        assert set(targets) <= set(EVENTS) and set(targets.values()) <= set(STATES)


def test_an_order_is_acknowledged_then_filled_in_parts() -> None:
    view = apply_event(order(), "acknowledge")
    assert view["status"] == "working"
    view = apply_fill(view, 1, 6000.0)
    assert (view["status"], view["filled_qty"]) == ("partially_filled", 1)
    view = apply_fill(view, 2, 6001.0)
    assert view["status"] == "filled" and view["filled_qty"] == 3
    assert view["avg_fill_price"] == pytest.approx((6000 + 2 * 6001) / 3)


def test_a_fill_before_its_acknowledgement_and_a_late_acknowledgement_keep_it_filled() -> None:
    view = apply_fill(order(qty=1), 1, 6000.0)
    assert view["status"] == "filled"
    assert apply_event(view, "acknowledge")["status"] == "filled"


def test_a_fill_reported_after_the_cancel_is_booked_and_the_order_stays_cancelled() -> None:
    view = apply_event(apply_event(order(), "acknowledge"), "cancel", reason="on request")
    after = apply_fill(view, 1, 6000.0)
    assert after["status"] == "cancelled" and after["filled_qty"] == 1


def test_filled_quantity_never_exceeds_the_order() -> None:
    view = apply_fill(order(qty=2), 2, 6000.0)
    with pytest.raises(IllegalOrderTransition, match="3 filled would exceed the order's 2"):
        apply_fill({**view, "status": "cancelled"}, 1, 6000.0)


def test_an_unanswered_order_is_unconfirmed_until_the_broker_says() -> None:
    view = apply_event(order(), "time_out", reason="no answer within 10 s")
    assert view["status"] == "unconfirmed" and view["reason"] == "no answer within 10 s"
    assert apply_event(view, "acknowledge")["status"] == "working"
    assert apply_event(view, "reject")["status"] == "rejected"


@pytest.mark.parametrize(
    ("state", "event"),
    [("rejected", "fill"), ("filled", "cancel"), ("cancelled", "acknowledge"), ("expired", "reject")],
)
def test_an_illegal_transition_names_the_state_and_the_event(state: str, event: str) -> None:
    with pytest.raises(
        IllegalOrderTransition, match=f"an order that is {state} cannot take the event '{event}'"
    ):
        next_state(state, event)
