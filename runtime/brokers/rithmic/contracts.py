"""Contracts as Rithmic names them: front months, trading symbols and reference data.

Rithmic addresses a contract by its trading symbol and exchange (``ESZ6`` on ``CME``).
The simulator answers front-month (113) and reference-data (14) requests from our own
contract table, and the client turns a runtime order's root into that pair.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

from ordergate.policy import contract_table, symbol_root
from ordergate.policy.contracts import MONTH_CODES, spec_for
from ordergate.policy.expiry import third_friday

# Sectors whose contracts list every month; the rest trade the quarterly cycle (H M U Z).
_MONTHLY = frozenset({"energy", "metals", "crypto"})


@dataclass(frozen=True, slots=True)
class RithmicContract:
    root: str
    symbol: str  # the trading symbol: ESZ6
    exchange: str
    tick_size: float
    point_value: float
    name: str
    expiration: str  # YYYYMMDD


def exchange_of(root: str) -> str:
    spec = spec_for(root)
    return spec.exchange if spec else "CME"


def front_month(root: str, now: float) -> RithmicContract | None:
    """The contract of ``root`` that trades at ``now``: the next listed month whose third
    Friday has not passed (an approximation of the exchange calendars, for the simulator)."""
    spec = spec_for(root)
    if spec is None:
        return None
    today = datetime.fromtimestamp(now, UTC)
    months = range(1, 13) if spec.sector in _MONTHLY else (3, 6, 9, 12)
    year, month = (
        today.year,
        next((m for m in months if m > today.month or (m == today.month and today.day < 15)), None),
    )
    if month is None:
        year, month = year + 1, months[0]
    return contract(f"{root}{MONTH_CODES[month - 1]}{year % 10}", now)


def contract(symbol: str, now: float | None = None) -> RithmicContract | None:
    """What Rithmic's reference data says of a trading symbol (``ESZ6``), from our table.

    A one-digit year is the year ending in it from last year to eight years ahead of
    ``now`` (the wall clock when None), as ``ordergate.policy.expiry`` reads it: ``ESH0``
    is March 2030 from 2029 on, not March 2020."""
    root = symbol_root(symbol)
    spec = contract_table().get(root)
    if spec is None or len(symbol) <= len(root):
        return None
    code, digit = symbol[len(root)], symbol[len(root) + 1 :]
    if code not in MONTH_CODES or not digit.isdigit():
        return None
    if len(digit) == 1:
        first = datetime.fromtimestamp(time.time() if now is None else now, UTC).year - 1
        year = first + (int(digit) - first) % 10
    else:
        year = int(digit) if len(digit) == 4 else 2000 + int(digit)
    month = MONTH_CODES.index(code) + 1
    return RithmicContract(
        root,
        symbol,
        spec.exchange,
        spec.tick_size,
        spec.point_value,
        spec.name,
        f"{third_friday(year, month):%Y%m%d}",
    )
