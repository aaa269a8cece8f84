"""What the simulated gateway serves besides orders: the system and gateway lists, front
months and reference data, quotes (150, 151) and the PnL plant's rows (450, 451). Plain
functions of the exchange and the request, so the gateway (``simulator``) only routes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from ordergate.policy import symbol_root
from ordergate.runtime.brokers.exchange import Exchange
from ordergate.runtime.brokers.rithmic import mapping
from ordergate.runtime.brokers.rithmic.contracts import contract, exchange_of, front_month
from ordergate.runtime.brokers.rithmic.protocol import Request, ServerSession

# System names as a production gateway lists them (a recorded 17), and the test system.
SYSTEMS: Final = (
    "Rithmic Test",
    "Rithmic 01",
    "Rithmic 04 Colo",
    "Rithmic Paper Trading",
    "TopstepTrader",
    "SpeedUp",
    "TradeFundrr",
    "UProfitTrader",
    "Apex",
    "Leeloo Trading",
    "MES Capital",
    "TheTradingPit",
    "FundedFuturesNetwork",
    "Bulenox",
    "PropShopTrader",
    "4PropTrader",
)
REGIONS: Final = ("Chicago Area", "Europe", "Asia", "Test")
EXCHANGES: Final = ("CME", "CBOT", "NYMEX", "COMEX")
BAD_INPUT: Final = ("6", "bad input")


def front_month_reply(session: ServerSession, request: Request, clock: Callable[[], float]) -> list[bytes]:
    """113: the front month of a root, as of the clock."""
    m: Any = request.message
    found = front_month(m.symbol, clock())
    if found is None:
        return session.reply(request, rp_code=("7", "no data"))
    return session.reply(
        request,
        last={
            "symbol": m.symbol,
            "exchange": found.exchange,
            "is_front_month_symbol": True,
            "symbol_name": f"Front Month for {m.symbol} - {found.symbol}.{found.exchange}",
            "trading_symbol": found.symbol,
            "trading_exchange": found.exchange,
        },
    )


def reference_reply(
    session: ServerSession,
    request: Request,
    overrides: Mapping[str, tuple[float, float]],
    clock: Callable[[], float],
) -> list[bytes]:
    """14: a contract's reference data, its year as of the clock; ``overrides`` gives a root
    another tick size and point value (root → tick size, point value)."""
    m: Any = request.message
    found = contract(m.symbol, clock())
    if found is None:
        return session.reply(request, rp_code=("7", "no data"))
    tick, point = overrides.get(found.root, (found.tick_size, found.point_value))
    return session.reply(
        request,
        last={
            "symbol": m.symbol,
            "exchange": found.exchange,
            "exchange_symbol": found.symbol,
            "symbol_name": found.name,
            "trading_symbol": found.symbol,
            "trading_exchange": found.exchange,
            "product_code": found.root,
            "instrument_type": "Future",
            "expiration_date": found.expiration,
            "currency": "USD",
            "is_tradable": "true",
            "min_qprice_change": tick,
            "single_point_value": point,
        },
    )


def market_data_reply(
    session: ServerSession,
    quotes: dict[str, tuple[str, str, int]],
    request: Request,
    exchange: Exchange,
    clock: Callable[[], float],
) -> list[bytes]:
    """100: subscribe a socket's ``quotes`` (root → symbol, exchange, update bits) to a
    root, answered with the quote there is, or unsubscribe it."""
    m: Any = request.message
    root = symbol_root(m.symbol)
    if contract(m.symbol) is None and m.symbol != root:
        return session.reply(request, rp_code=BAD_INPUT)
    if m.request == 2:
        quotes.pop(root, None)
        return session.reply(request)
    bits = m.update_bits or 3
    quotes[root] = (m.symbol, m.exchange or exchange_of(root), bits)
    frames = session.reply(request)
    quote = exchange.quote(root)
    if quote is not None:
        frames.extend(quote_frames(session, quotes[root], quote, clock, snapshot=True))
    return frames


# ------------------------------------------------------------ exchange events → pushes


def quote_frames(
    session: ServerSession,
    subscription: tuple[str, str, int],
    quote: Any,
    clock: Callable[[], float],
    *,
    snapshot: bool,
) -> list[bytes]:
    """150/151 for one quote, as a subscription (symbol, exchange, update bits) asked."""
    symbol, exchange, bits = subscription
    stamp = mapping.ssboe_usecs(quote.time if quote.time is not None else clock())
    frames: list[bytes] = []
    if bits & 2 and (quote.bid is not None or quote.ask is not None):
        presence = (1 if quote.bid is not None else 0) | (2 if quote.ask is not None else 0)
        frames.append(
            session.push(
                151,
                symbol=symbol,
                exchange=exchange,
                presence_bits=presence,
                is_snapshot=snapshot,
                bid_price=quote.bid,
                bid_size=10 if quote.bid is not None else None,
                ask_price=quote.ask,
                ask_size=10 if quote.ask is not None else None,
                **stamp,
            )
        )
    if bits & 1 and quote.last is not None:
        frames.append(
            session.push(
                150,
                symbol=symbol,
                exchange=exchange,
                presence_bits=1,
                is_snapshot=snapshot,
                trade_price=quote.last,
                trade_size=1,
                aggressor=1,
                **stamp,
            )
        )
    return frames


def pnl_rows(
    exchange: Exchange,
    ids: Mapping[str, object],
    account: str,
    traded: set[str],
    symbol_of: Callable[[str], str],
    now: float,
    *,
    snapshot: bool,
) -> list[tuple[int, dict[str, object]]]:
    """450 per instrument traded this session (``traded``, grown here) and 451 for the account."""
    info = exchange.account_info(account)
    realized = exchange.realized(account)
    open_pnl = info.equity - info.balance
    stamp = mapping.ssboe_usecs(now)
    rows: list[tuple[int, dict[str, object]]] = []
    net = 0
    positions = exchange.positions(account)
    # Every instrument traded this session gets a row, a flat one too (net 0): that
    # is how a client learns a position closed.
    traded.update(positions)
    for root in sorted(traded):
        qty, avg = positions.get(root, (0, 0.0))
        net += qty
        rows.append(
            (
                450,
                {
                    **ids,
                    **stamp,
                    "is_snapshot": snapshot,
                    "account_id": account,
                    "symbol": symbol_of(root),
                    "exchange": exchange_of(root),
                    "product_code": root,
                    "instrument_type": "Future",
                    "buy_qty": max(qty, 0),
                    "sell_qty": max(-qty, 0),
                    "open_position_quantity": abs(qty),
                    "net_quantity": qty,
                    "avg_open_fill_price": avg,
                },
            )
        )
    rows.append(
        (
            451,
            {
                **ids,
                **stamp,
                "is_snapshot": snapshot,
                "account_id": account,
                "net_quantity": net,
                "account_balance": mapping.money(info.balance),
                "cash_on_hand": mapping.money(info.balance),
                "open_position_pnl": mapping.money(open_pnl),
                "closed_position_pnl": mapping.money(realized),
                "day_open_pnl": mapping.money(open_pnl),
                "day_closed_pnl": mapping.money(realized),
                "day_pnl": mapping.money(realized + open_pnl),
                "available_buying_power": mapping.money(info.equity),
            },
        )
    )
    return rows
