"""The contract a test trades when it trades at the wall clock.

Most tests pin their clock (a ``FakeClock`` at ``MONDAY_10``, a PolicyTest case's ``at``,
``check --at``, a simulator clock at a fixed epoch): their literal ``ESZ6`` is right
forever and stays literal. A test whose runtime or broker simulator runs on the real
clock (``ordergate run`` or ``ordergate simulate`` as a process, an ``Exchange()`` on
``time.time``) cannot name one: ``ESZ6`` ends with December 2026, after which
``policy/expiry.py`` refuses it, and so would a broker. Such a test takes its contract
from here, computed for the instant it trades at (``tests/test_contracts_now.py`` keeps
literal contracts out of those modules).

The contract is the front one of the quarterly cycle (H M U Z), which every equity index,
treasury and FX root of the table lists: the first quarter month whose last trading day,
its third Friday, is still ahead (markets.md 5.3). It is then at least nine days from the
end of its month, so no test run outlives it, and it is the contract the brokers' own
front-month answers name for most of the quarter.

Spellings (``ordergate.policy.contracts``): one year digit as Rithmic, Tradovate and the
runtime's API take it (``ESZ6``), two (``ESZ26``), four as TradersPost tickers have it
(``ESZ2026``), and ProjectX's contract id (``CON.F.US.EP.Z26``).
"""

from __future__ import annotations

from datetime import UTC, datetime

from ordergate.policy import expiry
from ordergate.policy.contracts import MONTH_CODES, spec_for
from ordergate.policy.expiry import QUARTER_MONTHS, third_friday

__all__ = ["QUARTER_MONTHS", "front_projectx_id", "front_quarter", "front_symbol", "third_friday"]


def front_quarter(when: datetime | None = None) -> tuple[int, int]:
    """(year, month) of the front quarterly contract at ``when`` (timezone-aware; the
    wall clock when None): ``ordergate.policy.expiry``'s rule."""
    return expiry.front_quarter(when or datetime.now(UTC))


def front_symbol(root: str = "ES", when: datetime | None = None, *, digits: int = 1) -> str:
    """``root``'s front quarterly contract with ``digits`` (1, 2 or 4) of its year:
    ``ESZ6``, ``ESZ26``, ``ESZ2026``."""
    if digits not in (1, 2, 4):
        raise ValueError(f"a contract's year has 1, 2 or 4 digits, not {digits}")
    year, month = front_quarter(when)
    return f"{root}{MONTH_CODES[month - 1]}{year % 10**digits:0{digits}d}"


def front_projectx_id(root: str = "ES", when: datetime | None = None) -> str:
    """ProjectX's id of ``root``'s front quarterly contract: ``CON.F.US.EP.Z26``."""
    spec = spec_for(root)
    if spec is None:
        raise ValueError(f"{root} is not a root of the contract table")
    year, month = front_quarter(when)
    return f"CON.F.US.{spec.projectx}.{MONTH_CODES[month - 1]}{year % 100:02d}"
