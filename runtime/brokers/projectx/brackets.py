"""ProjectX brackets: the legs of an entry as ``stopLossBracket`` / ``takeProfitBracket``,
and the orders ProjectX makes of them recognised as the runtime's legs.

Sans-IO. A bracket is ``{ticks, type}`` (protocols/brokers.md §2): a distance from the
entry's fill in ticks of the contract, so only legs given as an offset go this way
(rounded up to whole ticks, never nearer than asked). Clients written against the live
gateway sign the ticks by direction (a long's stop below the fill is negative), so we
send them signed; a leg at a price is held by the
runtime (BracketUnsupported). ProjectX answers with the entry's id alone and, when the
entry fills, places each leg as an order of its own with no ``customTag``; ``Claims``
names such an order by the leg it must be: same account and contract, the other side,
a Limit for the take profit, a Stop or TrailingStop for the stop loss.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ordergate.policy import symbol_root
from ordergate.runtime.brokers.errors import BracketUnsupported
from ordergate.runtime.brokers.projectx.models import OrderSide, OrderType
from ordergate.runtime.brokers.types import BracketLeg

LEG_TYPES = {"limit": OrderType.LIMIT, "stop": OrderType.STOP, "trailing_stop": OrderType.TRAILING_STOP}
KEYS = {"take_profit": "takeProfitBracket", "stop_loss": "stopLossBracket"}


def bracket_fields(legs: tuple[BracketLeg, ...], tick: float, entry_side: str) -> dict[str, Any]:
    """The place body's bracket fields, ticks signed by direction from the fill;
    BracketUnsupported for a leg at a price."""
    out: dict[str, Any] = {}
    for leg in legs:
        if leg.offset is None:
            raise BracketUnsupported(
                f"ProjectX brackets are ticks from the fill, not a {leg.kind} at a price"
            )
        above = (leg.kind == "take_profit") == (entry_side == "buy")
        ticks = max(1, math.ceil(leg.offset / tick - 1e-9)) * (1 if above else -1)
        out[KEYS[leg.kind]] = {"ticks": ticks, "type": int(LEG_TYPES[leg.type])}
    return out


@dataclass(slots=True)
class _Expected:
    account_id: int
    contract_id: str
    side: int  # the legs' side
    legs: dict[str, str]  # take_profit | stop_loss → the runtime's leg id


@dataclass(slots=True)
class Claims:
    waiting: list[_Expected] = field(default_factory=list)
    # legs a restarted runtime gave back (restore_legs): (account name, root, side, kind, leg id)
    restored: list[tuple[str, str, str, str, str]] = field(default_factory=list)

    def expect(
        self, account_id: int, contract_id: str, entry_side: str, legs: tuple[BracketLeg, ...]
    ) -> None:
        side = OrderSide.ASK if entry_side == "buy" else OrderSide.BID
        self.waiting.append(
            _Expected(account_id, contract_id, int(side), {leg.kind: leg.order_id for leg in legs})
        )

    def forget(self, legs: tuple[BracketLeg, ...]) -> None:
        """The bracket was refused: none of its legs will come."""
        ids = {leg.order_id for leg in legs}
        self.waiting = [e for e in self.waiting if not ids & set(e.legs.values())]

    def claim(self, record: Mapping[str, Any], account: str | None = None) -> str | None:
        """The leg id an untagged order is, or None when it is no leg we wait for:
        a leg of a bracket this adapter placed, else one a restarted runtime gave back
        (``account`` is the record's account name)."""
        if record.get("customTag"):
            return None
        kind = "take_profit" if record.get("type") == OrderType.LIMIT else "stop_loss"
        if record.get("type") not in (OrderType.LIMIT, OrderType.STOP, OrderType.TRAILING_STOP):
            return None
        side = "buy" if record.get("side") == OrderSide.BID else "sell"
        key = (account, symbol_root(str(record.get("contractId"))), side, kind)
        for expected in self.waiting:
            if (
                expected.account_id == record.get("accountId")
                and expected.contract_id == record.get("contractId")
                and expected.side == record.get("side")
                and kind in expected.legs
            ):
                leg_id = expected.legs.pop(kind)
                if not expected.legs:
                    self.waiting.remove(expected)
                return leg_id
        for n, known in enumerate(self.restored):
            if known[:4] == key:
                return self.restored.pop(n)[4]
        return None
