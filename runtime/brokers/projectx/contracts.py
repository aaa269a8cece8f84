"""ProjectX contract ids and the contracts a simulator lists.

A ProjectX contract id is ``CON.F.US.<product>.<month><yy>`` (``CON.F.US.EP.Z26`` is the
E-mini S&P December 2026), its ``name`` the short symbol (``ESZ6``) and its
``symbolId`` the product (``F.US.EP``). The product codes live in the contract table
of ``ordergate.policy``. The adapter finds contracts through ``Contract/search`` and
only reads ids here; the simulator lists the front month of every root from the clock.
"""

from __future__ import annotations

from datetime import UTC, datetime

from ordergate.policy.contracts import MONTH_CODES, ContractSpec, contract_table
from ordergate.runtime.brokers.projectx.models import Contract

QUARTERLY = "HMUZ"
QUARTERLY_SECTORS = frozenset({"equity_index", "rates", "fx"})


def front_month(spec: ContractSpec, now: float) -> tuple[str, int]:
    """The month code and year of the contract nearest expiry, at month granularity."""
    moment = datetime.fromtimestamp(now, UTC)
    cycle = QUARTERLY if spec.sector in QUARTERLY_SECTORS else MONTH_CODES
    year, month = moment.year, moment.month
    for _ in range(24):
        code = MONTH_CODES[month - 1]
        if code in cycle:
            return code, year
        month += 1
        if month > 12:
            month, year = 1, year + 1
    raise AssertionError("every cycle has a month within two years")


def contract_of(spec: ContractSpec, code: str, year: int) -> Contract:
    return Contract(
        id=f"CON.F.US.{spec.projectx}.{code}{year % 100:02d}",
        name=f"{spec.root}{code}{year % 10}",
        description=f"{spec.name}: {datetime(year, MONTH_CODES.index(code) + 1, 1, tzinfo=UTC):%B %Y}",
        tick_size=spec.tick_size,
        tick_value=spec.tick_value,
        active_contract=True,
        symbol_id=f"F.US.{spec.projectx}",
    )


def front_contracts(now: float) -> dict[str, Contract]:
    """root → the front-month contract of every root in the table."""
    return {root: contract_of(spec, *front_month(spec, now)) for root, spec in contract_table().items()}
