"""Contract months that have already ended.

``ESZ5`` on a December 2026 order is a contract that stopped trading a year before: a
test case or a ``check`` that uses it measures nothing real, and a broker would refuse
it. ``expired_contract`` says so, relative to an instant the caller gives (the case's
``at``, ``check --at``, or the runtime's clock); nothing here reads the wall clock.

A month ends at the end of its last calendar day (UTC). Most contracts stop trading a
little earlier (ES on the third Friday, CL in the month before), so this refuses only
what is certainly over and never a contract that still trades.

Years: four digits (``ESZ2026``) and two (``ESZ26``, ``CON.F.US.EP.Z26``) are exact; one
digit (``ESZ6``) is the year ending in it from last year to eight years ahead, so
``ESZ5`` in 2026 is December 2025, and ``ESH7`` is March 2027.

``front_quarter`` is the other side: the quarterly contract (H M U Z) that trades at an
instant, for what must name one at the wall clock (the benchmarks, the tests of a runtime
on the real clock) and so cannot write ``ESZ6`` down.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from ordergate.policy.contracts import MONTH_CODES, canonical_root

_MONTH_YEAR = re.compile(rf"^([{MONTH_CODES}])(\d{{1,2}}|\d{{4}})$")
MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December")  # fmt: skip


QUARTER_MONTHS = (3, 6, 9, 12)


def third_friday(year: int, month: int) -> date:
    """The third Friday of a month: the last trading day of the equity index futures."""
    first = date(year, month, 1)
    return first + timedelta(days=(4 - first.weekday()) % 7 + 14)  # Friday is weekday 4


def front_quarter(now: datetime) -> tuple[int, int]:
    """(year, month) of the front quarterly contract at ``now`` (timezone-aware): the first
    quarter month whose third Friday, the last trading day of the equity index futures
    (markets.md 5.3), is after that day."""
    today = now.astimezone(UTC).date()
    for month in QUARTER_MONTHS:
        if today < third_friday(today.year, month):
            return today.year, month
    return today.year + 1, QUARTER_MONTHS[0]


def front_quarter_symbol(root: str, now: datetime) -> str:
    """``root``'s front quarterly contract at ``now``, one digit of year as the API takes it:
    ``ESZ6`` on 2026-12-04, ``ESH7`` from 2026-12-18."""
    year, month = front_quarter(now)
    return f"{root}{MONTH_CODES[month - 1]}{year % 10}"


def contract_month(symbol: str, now: datetime) -> tuple[int, int] | None:
    """(year, month) a dated contract names, or None for a root or a continuous symbol."""
    text = symbol.strip().upper().lstrip("/")
    if ":" in text:
        text = text.rsplit(":", 1)[1]
    if text.startswith("CON.F."):
        parts = text.split(".")
        suffix = parts[4] if len(parts) >= 5 else ""
    else:
        root = canonical_root(text)
        if root is None or not text.startswith(root):
            return None
        suffix = text[len(root) :]
    m = _MONTH_YEAR.match(suffix)
    if m is None:
        return None
    month = MONTH_CODES.index(m.group(1)) + 1
    digits = m.group(2)
    if len(digits) == 4:
        year = int(digits)
    elif len(digits) == 2:
        year = 2000 + int(digits)
    else:
        first = now.year - 1
        year = first + (int(digits) - first) % 10
    return year, month


def expired_contract(symbol: str, now: datetime) -> str | None:
    """Why ``symbol`` cannot be traded at ``now`` (its contract month has ended), or None.

    ``now`` must be timezone-aware. The runtime calls this for every entry with its own
    clock; ``check`` and PolicyTest cases with the decision's instant."""
    named = contract_month(symbol, now)
    if named is None:
        return None
    year, month = named
    today = now.astimezone(UTC)
    if (year, month) >= (today.year, today.month):
        return None
    return f"contract {symbol} has expired: {MONTH_NAMES[month - 1]} {year} ended before {today.date().isoformat()}"
