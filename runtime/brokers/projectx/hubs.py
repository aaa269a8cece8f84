"""ProjectX's two hubs over the SignalR protocol: methods, events and session state.

Shared by the adapter and the simulator, sans-IO like ``protocol.py``.

User hub (``/hubs/user``): ``SubscribeAccounts`` (no argument) and
``Subscribe{Orders,Positions,Trades}(accountId)`` with their ``Unsubscribe…`` twins;
events ``GatewayUserAccount|Order|Position|Trade`` carry one argument, in production
wrapped as ``{"action": 0|1|2, "data": {...}}`` (create, update, delete) although the
docs show the bare record. Market hub (``/hubs/market``):
``{Subscribe,Unsubscribe}Contract{Quotes,Trades,MarketDepth}(contractId)``; events
``GatewayQuote(contractId, quote)`` where a quote may be partial, ``GatewayTrade`` and
``GatewayDepth`` with a list. Either hub sends ``GatewayLogout`` when another login took
the session.

``Subscriptions`` is the client's memory of what it subscribed to, replayed after a
reconnect because the server does not restore it. ``QuoteBook`` merges partial quotes.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class Hub(enum.Enum):
    USER = "user"
    MARKET = "market"

    @property
    def path(self) -> str:
        return f"/hubs/{self.value}"


class Action(enum.IntEnum):
    CREATE = 0
    UPDATE = 1
    DELETE = 2


# Argument kinds of each hub method; "" none, "int" an account id, "str" a contract id.
USER_METHODS: dict[str, tuple[str, ...]] = {
    "SubscribeAccounts": (),
    "UnsubscribeAccounts": (),
    "SubscribeOrders": ("int",),
    "UnsubscribeOrders": ("int",),
    "SubscribePositions": ("int",),
    "UnsubscribePositions": ("int",),
    "SubscribeTrades": ("int",),
    "UnsubscribeTrades": ("int",),
}
MARKET_METHODS: dict[str, tuple[str, ...]] = {
    f"{verb}Contract{what}": ("str",)
    for verb in ("Subscribe", "Unsubscribe")
    for what in ("Quotes", "Trades", "MarketDepth")
}
METHODS = {Hub.USER: USER_METHODS, Hub.MARKET: MARKET_METHODS}

USER_EVENTS = {
    "accounts": "GatewayUserAccount",
    "orders": "GatewayUserOrder",
    "positions": "GatewayUserPosition",
    "trades": "GatewayUserTrade",
}
QUOTE_EVENT = "GatewayQuote"
TRADE_EVENT = "GatewayTrade"
DEPTH_EVENT = "GatewayDepth"
LOGOUT_EVENT = "GatewayLogout"


class BindError(Exception):
    """An invocation's arguments do not fit the method (the server answers an error)."""


def bind(hub: Hub, target: str, arguments: tuple[Any, ...]) -> tuple[str, tuple[int | str, ...]]:
    """The method's canonical name and its arguments converted, as the server binds them.

    Hub method names are matched case-insensitively, as ASP.NET Core does. Account ids
    sent as numeric strings are taken too: a lenient server costs nothing here.
    """
    methods = METHODS[hub]
    name = next((m for m in methods if m.lower() == target.lower()), None)
    if name is None:
        raise BindError(f"Unknown hub method '{target}'")
    kinds = methods[name]
    if len(arguments) != len(kinds):
        raise BindError(
            f"Failed to invoke '{name}' due to an error on the server. InvalidDataException: "
            f"Invocation provides {len(arguments)} argument(s) but target expects {len(kinds)}."
        )
    bound: list[int | str] = []
    for kind, value in zip(kinds, arguments, strict=True):
        if kind == "int":
            if isinstance(value, bool) or not isinstance(value, int | str):
                raise BindError(f"Failed to invoke '{name}': an account id must be an integer")
            try:
                bound.append(int(value))
            except ValueError:
                raise BindError(f"Failed to invoke '{name}': an account id must be an integer") from None
        else:
            if not isinstance(value, str):
                raise BindError(f"Failed to invoke '{name}': a contract id must be a string")
            bound.append(value)
    return name, tuple(bound)


def wrap(action: Action, record: dict[str, Any], wrapped: bool = True) -> dict[str, Any]:
    """A user-hub event argument: ``{action, data}`` as production sends, or the bare record."""
    return {"action": int(action), "data": record} if wrapped else record


def unwrap(argument: Any) -> tuple[Action, dict[str, Any]] | None:
    """The action and record of a user-hub event argument, wrapped or bare; None if neither."""
    if not isinstance(argument, dict):
        return None
    data = argument.get("data")
    if isinstance(data, dict) and "action" in argument:
        try:
            return Action(int(argument["action"])), data
        except (TypeError, ValueError):
            return Action.UPDATE, data
    return Action.UPDATE, argument


@dataclass
class Subscriptions:
    """What a client subscribed to on one hub, in order, to replay after a reconnect."""

    calls: dict[tuple[str, tuple[int | str, ...]], None] = field(default_factory=dict)

    def add(self, method: str, *arguments: int | str) -> bool:
        """Remember a subscription; False when it was already there."""
        key = (method, tuple(arguments))
        if key in self.calls:
            return False
        self.calls[key] = None
        return True

    def remove(self, method: str, *arguments: int | str) -> None:
        self.calls.pop((method.replace("Unsubscribe", "Subscribe", 1), tuple(arguments)), None)

    def replay(self) -> list[tuple[str, tuple[int | str, ...]]]:
        return list(self.calls)


QUOTE_FIELDS = (
    "symbol",
    "symbolName",
    "lastPrice",
    "bestBid",
    "bestAsk",
    "change",
    "changePercent",
    "open",
    "high",
    "low",
    "volume",
    "lastUpdated",
    "timestamp",
)


@dataclass
class QuoteBook:
    """The last full quote per contract, with every partial update merged in."""

    quotes: dict[str, dict[str, Any]] = field(default_factory=dict)

    def merge(self, contract_id: str, update: dict[str, Any]) -> dict[str, Any]:
        current = self.quotes.setdefault(contract_id, {})
        for key, value in update.items():
            if value is not None:  # a null field means "unchanged" in a partial update
                current[key] = value
        return current
