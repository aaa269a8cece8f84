"""The Rithmic simulator's brackets: 330 (RequestBracketOrder) on the shared exchange.

A bracket order is an order with a target and a stop in ticks of the contract from its
fill (``target_ticks``, ``stop_ticks``; ``bracket_type`` 1 stop only, 2 target only,
3 both, 4–6 the same "static"), for the order's whole quantity. The gateway answers 331
with the order's basket id; when the order fills it releases the legs as orders of their
own, whose 351/352 notifications name the order they came from (``original_basket_id``),
their kind (``bracket_type`` 2 for the target, 1 for the stop) and each other
(``linked_basket_ids``); one filling cancels the other. 353 tells the accounts
subscribed with 336 what the bracket holds and has released.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ordergate.policy import spec_for
from ordergate.runtime.brokers.errors import OrderNotOpen
from ordergate.runtime.brokers.exchange import Exchange
from ordergate.runtime.brokers.rithmic.mapping import BRACKET_STOP as STOP
from ordergate.runtime.brokers.rithmic.mapping import BRACKET_TARGET as TARGET
from ordergate.runtime.brokers.types import BracketLeg

__all__ = ["STOP", "TARGET", "LegOf", "bracket_update", "leg_fields", "leg_level", "legs_of", "moved"]

WITH_TARGET = frozenset({2, 3, 5, 6})
WITH_STOP = frozenset({1, 3, 4, 6})


@dataclass(frozen=True, slots=True)
class LegOf:
    """What a released leg's notifications say of its bracket."""

    entry_basket: str
    bracket_type: int
    sibling: str | None = None


def legs_of(m: Any, tick: float, new_id: Callable[[], str]) -> tuple[BracketLeg, ...] | str:
    """The 330's legs as exchange bracket legs, or why the gateway refuses it."""
    kind = m.bracket_type
    if kind not in WITH_TARGET | WITH_STOP:
        return f"bad input: bracket_type {kind}"
    legs = []
    if kind in WITH_TARGET:
        if m.target_ticks <= 0 or m.target_quantity not in (0, m.quantity):
            return "bad input: target_ticks above 0 and target_quantity the order's quantity"
        legs.append(BracketLeg(new_id(), "take_profit", "limit", offset=round(m.target_ticks * tick, 10)))
    if kind in WITH_STOP:
        if m.stop_ticks <= 0 or m.stop_quantity not in (0, m.quantity):
            return "bad input: stop_ticks above 0 and stop_quantity the order's quantity"
        legs.append(BracketLeg(new_id(), "stop_loss", "stop", offset=round(m.stop_ticks * tick, 10)))
    return tuple(legs)


def leg_fields(leg: LegOf) -> dict[str, object]:
    fields: dict[str, object] = {"original_basket_id": leg.entry_basket, "bracket_type": leg.bracket_type}
    if leg.sibling:
        fields["linked_basket_ids"] = [leg.sibling]
    return fields


def bracket_update(m: Any, basket: str, released: int, ids: dict[str, object]) -> dict[str, object]:
    """A 353 for the bracket of order ``basket``: its legs, and how many contracts are out."""
    fields: dict[str, object] = {**ids, "account_id": m.account_id, "basket_id": basket}
    if m.bracket_type in WITH_TARGET:
        fields |= {
            "target_ticks": m.target_ticks,
            "target_quantity": m.quantity,
            "target_quantity_released": released,
        }
    if m.bracket_type in WITH_STOP:
        fields |= {
            "stop_ticks": m.stop_ticks,
            "stop_quantity": m.quantity,
            "stop_quantity_released": released,
        }
    return fields


def moved(update: dict[str, object], target_ticks: int | None, stop_ticks: int | None) -> dict[str, object]:
    """The 353 of a bracket whose target or stop was updated (332/334): the new ticks of
    the legs it has (a leg it lacks stays out)."""
    out = dict(update)
    if target_ticks is not None and "target_ticks" in out:
        out["target_ticks"] = target_ticks
    if stop_ticks is not None and "stop_ticks" in out:
        out["stop_ticks"] = stop_ticks
    return out


def leg_level(entry_side: str, average: float, kind: int, ticks: int, tick: float) -> float:
    """Where a leg ``ticks`` from the entry's average fill rests: a long's target above
    it and its stop below, a short's the other way."""
    up = (entry_side == "buy") == (kind == TARGET)
    return round(average + (1 if up else -1) * ticks * tick, 10)


def emptied(update: dict[str, object]) -> dict[str, object]:
    """The 353 of a bracket the gateway cancelled: its legs hold nothing."""
    return update | {k: 0 for k in ("target_quantity", "stop_quantity") if k in update}


def move_legs(
    exchange: Exchange,
    account: str,
    entry_basket: str,
    legs: Mapping[str, LegOf],
    target_ticks: int | None,
    stop_ticks: int | None,
) -> None:
    """Move the released legs of ``entry_basket`` (``legs``: exchange id → its bracket)
    to their new ticks from the entry's average fill."""
    entry = exchange.order(entry_basket)
    spec = spec_for(entry.root) if entry else None
    fills = [f for f in exchange.fills(account) if f.broker_order_id == entry_basket]
    if entry is None or spec is None or not fills:
        return  # not filled: nothing released to move
    average = sum(f.price * f.qty for f in fills) / sum(f.qty for f in fills)
    for broker_id, leg in legs.items():
        ticks = target_ticks if leg.bracket_type == TARGET else stop_ticks
        if leg.entry_basket != entry_basket or ticks is None:
            continue
        level = leg_level(entry.side, average, leg.bracket_type, ticks, spec.tick_size)
        with contextlib.suppress(OrderNotOpen):  # it filled or ended meanwhile
            if leg.bracket_type == TARGET:
                exchange.amend(account, broker_id, price=level)
            else:
                exchange.amend(account, broker_id, stop_price=level)


def cancel_legs(exchange: Exchange, account: str, entry_basket: str, legs: Mapping[str, LegOf]) -> None:
    for broker_id, leg in list(legs.items()):
        if leg.entry_basket == entry_basket:
            with contextlib.suppress(OrderNotOpen):
                exchange.cancel(account, broker_id)
