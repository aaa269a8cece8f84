"""The exchange's accounts: balance, positions at average cost, realized P&L."""

from __future__ import annotations

from dataclasses import dataclass, field

from ordergate.policy import Quote, spec_for


def point_value(root: str) -> float:
    spec = spec_for(root)
    return spec.point_value if spec else 1.0


@dataclass(slots=True)
class Holding:
    qty: int  # signed
    avg_price: float


@dataclass(slots=True)
class Account:
    id: str
    balance: float
    realized: float = 0.0
    holdings: dict[str, Holding] = field(default_factory=dict)

    def book(self, root: str, side: str, qty: int, price: float) -> float:
        """Apply one execution at average cost; the P&L it realized (already in the balance)."""
        signed = qty if side == "buy" else -qty
        held = self.holdings.get(root)
        if held is None or held.qty == 0:
            self.holdings[root] = Holding(signed, price)
            return 0.0
        if (held.qty > 0) == (signed > 0):  # adding
            total = held.qty + signed
            held.avg_price = (held.avg_price * abs(held.qty) + price * qty) / abs(total)
            held.qty = total
            return 0.0
        closing = min(qty, abs(held.qty))
        realized = (price - held.avg_price) * closing * (1 if held.qty > 0 else -1) * point_value(root)
        remaining = held.qty + signed
        if remaining == 0:
            del self.holdings[root]
        elif (remaining > 0) != (held.qty > 0):  # reversed: the rest opens at this price
            self.holdings[root] = Holding(remaining, price)
        else:
            held.qty = remaining
        self.realized += realized
        self.balance += realized
        return realized

    def positions(self) -> dict[str, tuple[int, float]]:
        return {r: (h.qty, h.avg_price) for r, h in self.holdings.items() if h.qty}

    def equity(self, quotes: dict[str, Quote]) -> float:
        unrealized = 0.0
        for root, h in self.holdings.items():
            quote = quotes.get(root)
            mark = quote.mark if quote is not None else None
            if mark is not None:
                unrealized += (mark - h.avg_price) * h.qty * point_value(root)
        return self.balance + unrealized
