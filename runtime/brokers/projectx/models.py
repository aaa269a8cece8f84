"""ProjectX Gateway REST models: enums, records, request bodies and the endpoint table.

Every endpoint is a POST with a JSON body under ``/api/`` (``Status/ping`` also answers
GET) and answers HTTP 200 with ``success``, ``errorCode`` (0 on success) and
``errorMessage`` plus one payload field, named in ``ENDPOINTS``. Records use the
field names clients validate against (brokers.md §7.4); unknown keys are ignored on
the way in, so a newer server or client never breaks a model.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class OrderType(enum.IntEnum):
    UNKNOWN = 0
    LIMIT = 1
    MARKET = 2
    STOP_LIMIT = 3
    STOP = 4
    TRAILING_STOP = 5
    JOIN_BID = 6
    JOIN_ASK = 7


class OrderSide(enum.IntEnum):
    BID = 0  # buy
    ASK = 1  # sell


class OrderStatus(enum.IntEnum):
    NONE = 0
    OPEN = 1
    FILLED = 2
    CANCELLED = 3
    EXPIRED = 4
    REJECTED = 5
    PENDING = 6
    PENDING_CANCELLATION = 7
    SUSPENDED = 8


class PositionType(enum.IntEnum):
    UNDEFINED = 0
    LONG = 1
    SHORT = 2


class _Model(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")

    def wire(self) -> dict[str, object]:
        return self.model_dump(by_alias=True, mode="json")


def timestamp(ts: float) -> str:
    """A record timestamp as ProjectX writes them: ISO 8601 with microseconds and +00:00."""
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="microseconds")


def parse_timestamp(text: str) -> float:
    """Seconds since the epoch of an ISO 8601 timestamp (naive ones are UTC)."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


# ---------------------------------------------------------------------------- records


class Account(_Model):
    id: int
    name: str
    balance: float
    can_trade: bool = True
    is_visible: bool = True
    simulated: bool = True


class Contract(_Model):
    id: str
    name: str
    description: str = ""
    tick_size: float
    tick_value: float
    active_contract: bool = True
    symbol_id: str = ""


class Order(_Model):
    id: int
    account_id: int
    contract_id: str
    symbol_id: str = ""
    creation_timestamp: str
    update_timestamp: str | None = None
    status: int
    type: int
    side: int
    size: int
    limit_price: float | None = None
    stop_price: float | None = None
    fill_volume: int = 0
    filled_price: float | None = None
    custom_tag: str | None = None


class Position(_Model):
    id: int
    account_id: int
    contract_id: str
    creation_timestamp: str
    type: int
    size: int
    average_price: float


class Trade(_Model):
    id: int
    account_id: int
    contract_id: str
    creation_timestamp: str
    price: float
    profit_and_loss: float | None = None  # None: a half-turn (an opening fill)
    fees: float = 0.0
    side: int
    size: int
    voided: bool = False
    order_id: int


# ---------------------------------------------------------------------------- request bodies


class LoginKey(_Model):
    user_name: str
    api_key: str


class AccountSearch(_Model):
    only_active_accounts: bool = True


class ContractSearch(_Model):
    search_text: str = ""
    live: bool = False


class ContractById(_Model):
    contract_id: str


class ContractAvailable(_Model):
    live: bool = False


class Bracket(_Model):
    ticks: int
    type: int


class PlaceOrder(_Model):
    account_id: int
    contract_id: str
    type: int
    side: int
    size: int
    limit_price: float | None = None
    stop_price: float | None = None
    trail_price: float | None = None
    custom_tag: str | None = None
    linked_order_id: int | None = None
    stop_loss_bracket: Bracket | None = None
    take_profit_bracket: Bracket | None = None


class OrderRef(_Model):
    account_id: int
    order_id: int


class ModifyOrder(_Model):
    account_id: int
    order_id: int
    size: int | None = None
    limit_price: float | None = None
    stop_price: float | None = None
    trail_price: float | None = None


class AccountRef(_Model):
    account_id: int


class TimeRange(_Model):
    account_id: int
    start_timestamp: str
    end_timestamp: str | None = None


class CloseContract(_Model):
    account_id: int
    contract_id: str


class PartialClose(_Model):
    account_id: int
    contract_id: str
    size: int


class RetrieveBars(_Model):
    contract_id: str
    live: bool = False
    start_time: str
    end_time: str
    unit: int = 2  # 1 second, 2 minute, 3 hour, 4 day, 5 week, 6 month
    unit_number: int = 1
    limit: int = 1000
    include_partial_bar: bool = False


class Bar(BaseModel):
    t: str
    o: float
    h: float
    l: float  # noqa: E741 - the wire's own name
    c: float
    v: int


UNIT_SECONDS = {1: 1.0, 2: 60.0, 3: 3600.0, 4: 86400.0, 5: 7 * 86400.0, 6: 30 * 86400.0}


# ---------------------------------------------------------------------------- endpoints


@dataclass(frozen=True, slots=True)
class Endpoint:
    path: str  # after /api/
    body: type[_Model] | None
    payload: str | None  # the answer's payload field
    errors: str  # the error table (errorcodes.TABLES)
    auth: bool = True


ENDPOINTS: dict[str, Endpoint] = {
    e.path: e
    for e in (
        Endpoint("Auth/loginKey", LoginKey, "token", "login", auth=False),
        Endpoint("Auth/validate", None, "newToken", "validate"),
        Endpoint("Auth/logout", None, None, "logout"),
        Endpoint("Account/search", AccountSearch, "accounts", "search"),
        Endpoint("Contract/search", ContractSearch, "contracts", "search"),
        Endpoint("Contract/searchById", ContractById, "contract", "search"),
        Endpoint("Contract/available", ContractAvailable, "contracts", "search"),
        Endpoint("Order/place", PlaceOrder, "orderId", "place"),
        Endpoint("Order/cancel", OrderRef, None, "cancel"),
        Endpoint("Order/modify", ModifyOrder, None, "modify"),
        Endpoint("Order/search", TimeRange, "orders", "search"),
        Endpoint("Order/searchOpen", AccountRef, "orders", "search"),
        Endpoint("Order/searchById", OrderRef, "order", "search"),
        Endpoint("Position/searchOpen", AccountRef, "positions", "search"),
        Endpoint("Position/closeContract", CloseContract, None, "close"),
        Endpoint("Position/partialCloseContract", PartialClose, None, "close"),
        Endpoint("Trade/search", TimeRange, "trades", "search"),
        Endpoint("History/retrieveBars", RetrieveBars, "bars", "search"),
    )
}
