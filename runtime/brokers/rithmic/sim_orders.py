"""The simulated gateway's order rows asked for after the fact: show orders (320, a 352
status row per working order) and execution replay (3506, a 352 fill row per execution
in a window, as it was sent). Plain functions of the exchange; bracket legs carry what
their notifications always say of their bracket (``sim_brackets.leg_fields``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from ordergate.runtime.brokers.exchange import Exchange
from ordergate.runtime.brokers.rithmic import mapping
from ordergate.runtime.brokers.rithmic.contracts import exchange_of
from ordergate.runtime.brokers.rithmic.sim_brackets import LegOf, leg_fields


def open_order_rows(
    exchange: Exchange, ids: Mapping[str, object], legs: Mapping[str, LegOf], account: str
) -> list[dict[str, object]]:
    """320's 352 snapshot rows: every working order of the account, open."""
    rows = []
    for order in exchange.open_orders(account):
        base = mapping.order_fields(order, exchange_of(order.root), ids)
        if (leg := legs.get(order.broker_order_id)) is not None:
            base |= leg_fields(leg)
        status = {
            "notify_type": mapping.X_STATUS,
            "status": "open",
            "report_type": "status",
            "is_snapshot": True,
        }
        rows.append(base | status)
    return rows


def fill_rows(
    exchange: Exchange,
    ids: Mapping[str, object],
    legs: Mapping[str, LegOf],
    account: str,
    start: int,
    finish: int,
) -> list[dict[str, object]]:
    """3506's 352 fill rows: each fill from ``start`` to ``finish`` (seconds, both
    included) with its order as it stood right after it."""
    rows: list[dict[str, object]] = []
    done: dict[str, int] = {}  # broker order id → quantity filled so far
    paid: dict[str, float] = {}  # broker order id → sum of price x quantity so far
    for fill in exchange.fills(account):
        key = fill.broker_order_id or ""
        done[key] = done.get(key, 0) + fill.qty
        paid[key] = paid.get(key, 0.0) + fill.price * fill.qty
        order = exchange.order(key)
        if order is None or not start <= int(fill.ts) <= finish:
            continue
        then = replace(
            order, filled_qty=done[key], status="filled" if done[key] >= order.qty else "partially_filled"
        )
        base = mapping.order_fields(then, exchange_of(order.root), ids)
        if (leg := legs.get(key)) is not None:
            base |= leg_fields(leg)
        for template_id, fields in mapping.fill_notifications(fill, then, base, paid[key] / done[key]):
            if template_id == 352:
                rows.append(fields)
    return rows
