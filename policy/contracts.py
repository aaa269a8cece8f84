"""Contract specifications and symbol canonicalisation.

The table (``contracts.csv``, package data) holds each CME Group root with its exchange,
tick size, tick value and point value, and the product code ProjectX uses in its
contract ids. ``canonical_root`` turns every broker's spelling into the root:

=============  ==========================  ======
spelling       example                     root
=============  ==========================  ======
Tradovate      ``ESZ6``, ``ESZ26``         ES
Rithmic        ``ESZ6`` (+ exchange CME)   ES
ProjectX       ``CON.F.US.EP.Z26``         ES
TradingView    ``ES1!``, ``CME_MINI:ES1!`` ES
TradersPost    ``ESZ2026``                 ES
slash          ``/ESZ6``                   ES
=============  ==========================  ======
"""

from __future__ import annotations

import csv
import functools
import re
from dataclasses import dataclass
from pathlib import Path

MONTH_CODES = "FGHJKMNQUVXZ"
_EXPIRY = re.compile(rf"^[{MONTH_CODES}](\d{{1,2}}|\d{{4}})$")
_CONTINUOUS = re.compile(r"^(.+?)[0-9]!$")


@dataclass(frozen=True, slots=True)
class ContractSpec:
    root: str
    name: str
    exchange: str
    sector: str
    tick_size: float
    tick_value: float
    point_value: float
    projectx: str


@functools.cache
def contract_table() -> dict[str, ContractSpec]:
    # beside this module, as package data is installed (importlib.resources would cost a
    # cold validate a few milliseconds more to find the same file)
    text = Path(__file__).with_name("contracts.csv").read_text("utf-8")
    table: dict[str, ContractSpec] = {}
    for row in csv.DictReader(text.splitlines()):
        spec = ContractSpec(
            root=row["root"],
            name=row["name"],
            exchange=row["exchange"],
            sector=row["sector"],
            tick_size=float(row["tick_size"]),
            tick_value=float(row["tick_value"]),
            point_value=float(row["point_value"]),
            projectx=row["projectx"],
        )
        table[spec.root] = spec
    return table


@functools.cache
def _projectx_codes() -> dict[str, str]:
    return {spec.projectx: spec.root for spec in contract_table().values()}


@functools.cache
def _roots_longest_first() -> tuple[str, ...]:
    return tuple(sorted(contract_table(), key=len, reverse=True))


def spec_for(root: str) -> ContractSpec | None:
    return contract_table().get(root)


@functools.lru_cache(maxsize=4096)
def canonical_root(symbol: str) -> str | None:
    """The root of any broker's spelling of a contract, or None when the table lacks it."""
    text = symbol.strip().upper().lstrip("/")
    if ":" in text:  # TradingView exchange prefix, e.g. CME_MINI:ES1!
        text = text.rsplit(":", 1)[1]
    table = contract_table()
    if text.startswith("CON.F."):
        parts = text.split(".")
        code = parts[3] if len(parts) >= 4 else ""
        return _projectx_codes().get(code) or (code if code in table else None)
    if text in table:
        return text
    m = _CONTINUOUS.match(text)
    if m and m.group(1) in table:
        return m.group(1)
    for root in _roots_longest_first():
        if text.startswith(root) and _EXPIRY.match(text[len(root) :]):
            return root
    return None


def symbol_root(symbol: str) -> str:
    """The root when the table knows the contract, else the cleaned-up symbol itself."""
    root = canonical_root(symbol)
    return root if root is not None else symbol.strip().upper().lstrip("/")
