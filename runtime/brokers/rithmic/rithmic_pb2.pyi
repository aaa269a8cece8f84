from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class Envelope(_message.Message):
    __slots__ = ("template_id",)
    TEMPLATE_ID_FIELD_NUMBER: _ClassVar[int]
    template_id: int
    def __init__(self, template_id: _Optional[int] = ...) -> None: ...

class PlainRequest(_message.Message):
    __slots__ = ("template_id", "user_msg")
    TEMPLATE_ID_FIELD_NUMBER: _ClassVar[int]
    USER_MSG_FIELD_NUMBER: _ClassVar[int]
    template_id: int
    user_msg: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, template_id: _Optional[int] = ..., user_msg: _Optional[_Iterable[str]] = ...) -> None: ...

class PlainReply(_message.Message):
    __slots__ = ("template_id", "user_msg", "rq_handler_rp_code", "rp_code")
    TEMPLATE_ID_FIELD_NUMBER: _ClassVar[int]
    USER_MSG_FIELD_NUMBER: _ClassVar[int]
    RQ_HANDLER_RP_CODE_FIELD_NUMBER: _ClassVar[int]
    RP_CODE_FIELD_NUMBER: _ClassVar[int]
    template_id: int
    user_msg: _containers.RepeatedScalarFieldContainer[str]
    rq_handler_rp_code: _containers.RepeatedScalarFieldContainer[str]
    rp_code: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, template_id: _Optional[int] = ..., user_msg: _Optional[_Iterable[str]] = ..., rq_handler_rp_code: _Optional[_Iterable[str]] = ..., rp_code: _Optional[_Iterable[str]] = ...) -> None: ...

class SystemInfoReply(_message.Message):
    __slots__ = ("template_id", "user_msg", "rq_handler_rp_code", "rp_code", "system_name", "has_aggregated_quotes")
    TEMPLATE_ID_FIELD_NUMBER: _ClassVar[int]
    USER_MSG_FIELD_NUMBER: _ClassVar[int]
    RQ_HANDLER_RP_CODE_FIELD_NUMBER: _ClassVar[int]
    RP_CODE_FIELD_NUMBER: _ClassVar[int]
    SYSTEM_NAME_FIELD_NUMBER: _ClassVar[int]
    HAS_AGGREGATED_QUOTES_FIELD_NUMBER: _ClassVar[int]
    template_id: int
    user_msg: _containers.RepeatedScalarFieldContainer[str]
    rq_handler_rp_code: _containers.RepeatedScalarFieldContainer[str]
    rp_code: _containers.RepeatedScalarFieldContainer[str]
    system_name: _containers.RepeatedScalarFieldContainer[str]
    has_aggregated_quotes: _containers.RepeatedScalarFieldContainer[bool]
    def __init__(self, template_id: _Optional[int] = ..., user_msg: _Optional[_Iterable[str]] = ..., rq_handler_rp_code: _Optional[_Iterable[str]] = ..., rp_code: _Optional[_Iterable[str]] = ..., system_name: _Optional[_Iterable[str]] = ..., has_aggregated_quotes: _Optional[_Iterable[bool]] = ...) -> None: ...

class GatewayInfoRequest(_message.Message):
    __slots__ = ("template_id", "user_msg", "system_name")
    TEMPLATE_ID_FIELD_NUMBER: _ClassVar[int]
    USER_MSG_FIELD_NUMBER: _ClassVar[int]
    SYSTEM_NAME_FIELD_NUMBER: _ClassVar[int]
    template_id: int
    user_msg: _containers.RepeatedScalarFieldContainer[str]
    system_name: str
    def __init__(self, template_id: _Optional[int] = ..., user_msg: _Optional[_Iterable[str]] = ..., system_name: _Optional[str] = ...) -> None: ...

class GatewayInfoReply(_message.Message):
    __slots__ = ("template_id", "user_msg", "rq_handler_rp_code", "rp_code", "system_name", "gateway_name", "gateway_uri")
    TEMPLATE_ID_FIELD_NUMBER: _ClassVar[int]
    USER_MSG_FIELD_NUMBER: _ClassVar[int]
    RQ_HANDLER_RP_CODE_FIELD_NUMBER: _ClassVar[int]
    RP_CODE_FIELD_NUMBER: _ClassVar[int]
    SYSTEM_NAME_FIELD_NUMBER: _ClassVar[int]
    GATEWAY_NAME_FIELD_NUMBER: _ClassVar[int]
    GATEWAY_URI_FIELD_NUMBER: _ClassVar[int]
    template_id: int
    user_msg: _containers.RepeatedScalarFieldContainer[str]
    rq_handler_rp_code: _containers.RepeatedScalarFieldContainer[str]
    rp_code: _containers.RepeatedScalarFieldContainer[str]
    system_name: str
    gateway_name: _containers.RepeatedScalarFieldContainer[str]
    gateway_uri: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, template_id: _Optional[int] = ..., user_msg: _Optional[_Iterable[str]] = ..., rq_handler_rp_code: _Optional[_Iterable[str]] = ..., rp_code: _Optional[_Iterable[str]] = ..., system_name: _Optional[str] = ..., gateway_name: _Optional[_Iterable[str]] = ..., gateway_uri: _Optional[_Iterable[str]] = ...) -> None: ...

class LoginRequest(_message.Message):
    __slots__ = ("template_id", "template_version", "user_msg", "user", "password", "app_name", "app_version", "system_name", "infra_type", "mac_addr", "os_version", "os_platform", "aggregated_quotes")
    TEMPLATE_ID_FIELD_NUMBER: _ClassVar[int]
    TEMPLATE_VERSION_FIELD_NUMBER: _ClassVar[int]
    USER_MSG_FIELD_NUMBER: _ClassVar[int]
    USER_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    APP_NAME_FIELD_NUMBER: _ClassVar[int]
    APP_VERSION_FIELD_NUMBER: _ClassVar[int]
    SYSTEM_NAME_FIELD_NUMBER: _ClassVar[int]
    INFRA_TYPE_FIELD_NUMBER: _ClassVar[int]
    MAC_ADDR_FIELD_NUMBER: _ClassVar[int]
    OS_VERSION_FIELD_NUMBER: _ClassVar[int]
    OS_PLATFORM_FIELD_NUMBER: _ClassVar[int]
    AGGREGATED_QUOTES_FIELD_NUMBER: _ClassVar[int]
    template_id: int
    template_version: str
    user_msg: _containers.RepeatedScalarFieldContainer[str]
    user: str
    password: str
    app_name: str
    app_version: str
    system_name: str
    infra_type: int
    mac_addr: _containers.RepeatedScalarFieldContainer[str]
    os_version: str
    os_platform: str
    aggregated_quotes: bool
    def __init__(self, template_id: _Optional[int] = ..., template_version: _Optional[str] = ..., user_msg: _Optional[_Iterable[str]] = ..., user: _Optional[str] = ..., password: _Optional[str] = ..., app_name: _Optional[str] = ..., app_version: _Optional[str] = ..., system_name: _Optional[str] = ..., infra_type: _Optional[int] = ..., mac_addr: _Optional[_Iterable[str]] = ..., os_version: _Optional[str] = ..., os_platform: _Optional[str] = ..., aggregated_quotes: _Optional[bool] = ...) -> None: ...

class LoginReply(_message.Message):
    __slots__ = ("template_id", "template_version", "user_msg", "rp_code", "fcm_id", "ib_id", "country_code", "state_code", "unique_user_id", "heartbeat_interval")
    TEMPLATE_ID_FIELD_NUMBER: _ClassVar[int]
    TEMPLATE_VERSION_FIELD_NUMBER: _ClassVar[int]
    USER_MSG_FIELD_NUMBER: _ClassVar[int]
    RP_CODE_FIELD_NUMBER: _ClassVar[int]
    FCM_ID_FIELD_NUMBER: _ClassVar[int]
    IB_ID_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_CODE_FIELD_NUMBER: _ClassVar[int]
    STATE_CODE_FIELD_NUMBER: _ClassVar[int]
    UNIQUE_USER_ID_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_INTERVAL_FIELD_NUMBER: _ClassVar[int]
    template_id: int
    template_version: str
    user_msg: _containers.RepeatedScalarFieldContainer[str]
    rp_code: _containers.RepeatedScalarFieldContainer[str]
    fcm_id: str
    ib_id: str
    country_code: str
    state_code: str
    unique_user_id: str
    heartbeat_interval: float
    def __init__(self, template_id: _Optional[int] = ..., template_version: _Optional[str] = ..., user_msg: _Optional[_Iterable[str]] = ..., rp_code: _Optional[_Iterable[str]] = ..., fcm_id: _Optional[str] = ..., ib_id: _Optional[str] = ..., country_code: _Optional[str] = ..., state_code: _Optional[str] = ..., unique_user_id: _Optional[str] = ..., heartbeat_interval: _Optional[float] = ...) -> None: ...

class Heartbeat(_message.Message):
    __slots__ = ("template_id", "user_msg", "rp_code", "ssboe", "usecs")
    TEMPLATE_ID_FIELD_NUMBER: _ClassVar[int]
    USER_MSG_FIELD_NUMBER: _ClassVar[int]
    RP_CODE_FIELD_NUMBER: _ClassVar[int]
    SSBOE_FIELD_NUMBER: _ClassVar[int]
    USECS_FIELD_NUMBER: _ClassVar[int]
    template_id: int
    user_msg: _containers.RepeatedScalarFieldContainer[str]
    rp_code: _containers.RepeatedScalarFieldContainer[str]
    ssboe: int
    usecs: int
    def __init__(self, template_id: _Optional[int] = ..., user_msg: _Optional[_Iterable[str]] = ..., rp_code: _Optional[_Iterable[str]] = ..., ssboe: _Optional[int] = ..., usecs: _Optional[int] = ...) -> None: ...

class Reject(_message.Message):
    __slots__ = ("template_id", "user_msg", "rp_code")
    TEMPLATE_ID_FIELD_NUMBER: _ClassVar[int]
    USER_MSG_FIELD_NUMBER: _ClassVar[int]
    RP_CODE_FIELD_NUMBER: _ClassVar[int]
    template_id: int
    user_msg: _containers.RepeatedScalarFieldContainer[str]
    rp_code: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, template_id: _Optional[int] = ..., user_msg: _Optional[_Iterable[str]] = ..., rp_code: _Optional[_Iterable[str]] = ...) -> None: ...

class ReferenceDataRequest(_message.Message):
    __slots__ = ("template_id", "user_msg", "symbol", "exchange")
    TEMPLATE_ID_FIELD_NUMBER: _ClassVar[int]
    USER_MSG_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    EXCHANGE_FIELD_NUMBER: _ClassVar[int]
    template_id: int
    user_msg: _containers.RepeatedScalarFieldContainer[str]
    symbol: str
    exchange: str
    def __init__(self, template_id: _Optional[int] = ..., user_msg: _Optional[_Iterable[str]] = ..., symbol: _Optional[str] = ..., exchange: _Optional[str] = ...) -> None: ...

class ReferenceDataReply(_message.Message):
    __slots__ = ("template_id", "user_msg", "rq_handler_rp_code", "rp_code", "presence_bits", "clear_bits", "symbol", "exchange", "exchange_symbol", "symbol_name", "trading_symbol", "trading_exchange", "product_code", "instrument_type", "underlying_symbol", "expiration_date", "currency", "is_tradable", "min_qprice_change", "single_point_value")
    TEMPLATE_ID_FIELD_NUMBER: _ClassVar[int]
    USER_MSG_FIELD_NUMBER: _ClassVar[int]
    RQ_HANDLER_RP_CODE_FIELD_NUMBER: _ClassVar[int]
    RP_CODE_FIELD_NUMBER: _ClassVar[int]
    PRESENCE_BITS_FIELD_NUMBER: _ClassVar[int]
    CLEAR_BITS_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    EXCHANGE_FIELD_NUMBER: _ClassVar[int]
    EXCHANGE_SYMBOL_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_NAME_FIELD_NUMBER: _ClassVar[int]
    TRADING_SYMBOL_FIELD_NUMBER: _ClassVar[int]
    TRADING_EXCHANGE_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_CODE_FIELD_NUMBER: _ClassVar[int]
    INSTRUMENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    UNDERLYING_SYMBOL_FIELD_NUMBER: _ClassVar[int]
    EXPIRATION_DATE_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    IS_TRADABLE_FIELD_NUMBER: _ClassVar[int]
    MIN_QPRICE_CHANGE_FIELD_NUMBER: _ClassVar[int]
    SINGLE_POINT_VALUE_FIELD_NUMBER: _ClassVar[int]
    template_id: int
    user_msg: _containers.RepeatedScalarFieldContainer[str]
    rq_handler_rp_code: _containers.RepeatedScalarFieldContainer[str]
    rp_code: _containers.RepeatedScalarFieldContainer[str]
    presence_bits: int
    clear_bits: int
    symbol: str
    exchange: str
    exchange_symbol: str
    symbol_name: str
    trading_symbol: str
    trading_exchange: str
    product_code: str
    instrument_type: str
    underlying_symbol: str
    expiration_date: str
    currency: str
    is_tradable: str
    min_qprice_change: float
    single_point_value: float
    def __init__(self, template_id: _Optional[int] = ..., user_msg: _Optional[_Iterable[str]] = ..., rq_handler_rp_code: _Optional[_Iterable[str]] = ..., rp_code: _Optional[_Iterable[str]] = ..., presence_bits: _Optional[int] = ..., clear_bits: _Optional[int] = ..., symbol: _Optional[str] = ..., exchange: _Optional[str] = ..., exchange_symbol: _Optional[str] = ..., symbol_name: _Optional[str] = ..., trading_symbol: _Optional[str] = ..., trading_exchange: _Optional[str] = ..., product_code: _Optional[str] = ..., instrument_type: _Optional[str] = ..., underlying_symbol: _Optional[str] = ..., expiration_date: _Optional[str] = ..., currency: _Optional[str] = ..., is_tradable: _Optional[str] = ..., min_qprice_change: _Optional[float] = ..., single_point_value: _Optional[float] = ...) -> None: ...

class MarketDataRequest(_message.Message):
    __slots__ = ("template_id", "user_msg", "symbol", "exchange", "request", "update_bits")
    TEMPLATE_ID_FIELD_NUMBER: _ClassVar[int]
    USER_MSG_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    EXCHANGE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    UPDATE_BITS_FIELD_NUMBER: _ClassVar[int]
    template_id: int
    user_msg: _containers.RepeatedScalarFieldContainer[str]
    symbol: str
    exchange: str
    request: int
    update_bits: int
    def __init__(self, template_id: _Optional[int] = ..., user_msg: _Optional[_Iterable[str]] = ..., symbol: _Optional[str] = ..., exchange: _Optional[str] = ..., request: _Optional[int] = ..., update_bits: _Optional[int] = ...) -> None: ...

class FrontMonthRequest(_message.Message):
    __slots__ = ("template_id", "user_msg", "symbol", "exchange", "need_updates")
    TEMPLATE_ID_FIELD_NUMBER: _ClassVar[int]
    USER_MSG_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    EXCHANGE_FIELD_NUMBER: _ClassVar[int]
    NEED_UPDATES_FIELD_NUMBER: _ClassVar[int]
    template_id: int
    user_msg: _containers.RepeatedScalarFieldContainer[str]
    symbol: str
    exchange: str
    need_updates: bool
    def __init__(self, template_id: _Optional[int] = ..., user_msg: _Optional[_Iterable[str]] = ..., symbol: _Optional[str] = ..., exchange: _Optional[str] = ..., need_updates: _Optional[bool] = ...) -> None: ...

class FrontMonthReply(_message.Message):
    __slots__ = ("template_id", "user_msg", "rq_handler_rp_code", "rp_code", "symbol", "exchange", "is_front_month_symbol", "symbol_name", "trading_symbol", "trading_exchange")
    TEMPLATE_ID_FIELD_NUMBER: _ClassVar[int]
    USER_MSG_FIELD_NUMBER: _ClassVar[int]
    RQ_HANDLER_RP_CODE_FIELD_NUMBER: _ClassVar[int]
    RP_CODE_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    EXCHANGE_FIELD_NUMBER: _ClassVar[int]
    IS_FRONT_MONTH_SYMBOL_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_NAME_FIELD_NUMBER: _ClassVar[int]
    TRADING_SYMBOL_FIELD_NUMBER: _ClassVar[int]
    TRADING_EXCHANGE_FIELD_NUMBER: _ClassVar[int]
    template_id: int
    user_msg: _containers.RepeatedScalarFieldContainer[str]
    rq_handler_rp_code: _containers.RepeatedScalarFieldContainer[str]
    rp_code: _containers.RepeatedScalarFieldContainer[str]
    symbol: str
    exchange: str
    is_front_month_symbol: bool
    symbol_name: str
    trading_symbol: str
    trading_exchange: str
    def __init__(self, template_id: _Optional[int] = ..., user_msg: _Optional[_Iterable[str]] = ..., rq_handler_rp_code: _Optional[_Iterable[str]] = ..., rp_code: _Optional[_Iterable[str]] = ..., symbol: _Optional[str] = ..., exchange: _Optional[str] = ..., is_front_month_symbol: _Optional[bool] = ..., symbol_name: _Optional[str] = ..., trading_symbol: _Optional[str] = ..., trading_exchange: _Optional[str] = ...) -> None: ...

class LastTrade(_message.Message):
    __slots__ = ("template_id", "symbol", "exchange", "presence_bits", "clear_bits", "is_snapshot", "trade_price", "trade_size", "aggressor", "volume", "ssboe", "usecs")
    TEMPLATE_ID_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    EXCHANGE_FIELD_NUMBER: _ClassVar[int]
    PRESENCE_BITS_FIELD_NUMBER: _ClassVar[int]
    CLEAR_BITS_FIELD_NUMBER: _ClassVar[int]
    IS_SNAPSHOT_FIELD_NUMBER: _ClassVar[int]
    TRADE_PRICE_FIELD_NUMBER: _ClassVar[int]
    TRADE_SIZE_FIELD_NUMBER: _ClassVar[int]
    AGGRESSOR_FIELD_NUMBER: _ClassVar[int]
    VOLUME_FIELD_NUMBER: _ClassVar[int]
    SSBOE_FIELD_NUMBER: _ClassVar[int]
    USECS_FIELD_NUMBER: _ClassVar[int]
    template_id: int
    symbol: str
    exchange: str
    presence_bits: int
    clear_bits: int
    is_snapshot: bool
    trade_price: float
    trade_size: int
    aggressor: int
    volume: int
    ssboe: int
    usecs: int
    def __init__(self, template_id: _Optional[int] = ..., symbol: _Optional[str] = ..., exchange: _Optional[str] = ..., presence_bits: _Optional[int] = ..., clear_bits: _Optional[int] = ..., is_snapshot: _Optional[bool] = ..., trade_price: _Optional[float] = ..., trade_size: _Optional[int] = ..., aggressor: _Optional[int] = ..., volume: _Optional[int] = ..., ssboe: _Optional[int] = ..., usecs: _Optional[int] = ...) -> None: ...

class BestBidOffer(_message.Message):
    __slots__ = ("template_id", "symbol", "exchange", "presence_bits", "clear_bits", "is_snapshot", "bid_price", "bid_size", "bid_orders", "ask_price", "ask_size", "ask_orders", "ssboe", "usecs")
    TEMPLATE_ID_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    EXCHANGE_FIELD_NUMBER: _ClassVar[int]
    PRESENCE_BITS_FIELD_NUMBER: _ClassVar[int]
    CLEAR_BITS_FIELD_NUMBER: _ClassVar[int]
    IS_SNAPSHOT_FIELD_NUMBER: _ClassVar[int]
    BID_PRICE_FIELD_NUMBER: _ClassVar[int]
    BID_SIZE_FIELD_NUMBER: _ClassVar[int]
    BID_ORDERS_FIELD_NUMBER: _ClassVar[int]
    ASK_PRICE_FIELD_NUMBER: _ClassVar[int]
    ASK_SIZE_FIELD_NUMBER: _ClassVar[int]
    ASK_ORDERS_FIELD_NUMBER: _ClassVar[int]
    SSBOE_FIELD_NUMBER: _ClassVar[int]
    USECS_FIELD_NUMBER: _ClassVar[int]
    template_id: int
    symbol: str
    exchange: str
    presence_bits: int
    clear_bits: int
    is_snapshot: bool
    bid_price: float
    bid_size: int
    bid_orders: int
    ask_price: float
    ask_size: int
    ask_orders: int
    ssboe: int
    usecs: int
    def __init__(self, template_id: _Optional[int] = ..., symbol: _Optional[str] = ..., exchange: _Optional[str] = ..., presence_bits: _Optional[int] = ..., clear_bits: _Optional[int] = ..., is_snapshot: _Optional[bool] = ..., bid_price: _Optional[float] = ..., bid_size: _Optional[int] = ..., bid_orders: _Optional[int] = ..., ask_price: _Optional[float] = ..., ask_size: _Optional[int] = ..., ask_orders: _Optional[int] = ..., ssboe: _Optional[int] = ..., usecs: _Optional[int] = ...) -> None: ...

class LoginInfoReply(_message.Message):
    __slots__ = ("template_id", "user_msg", "rq_handler_rp_code", "rp_code", "fcm_id", "ib_id", "user", "first_name", "last_name", "user_type", "tp_max_session_count", "op_max_session_count")
    TEMPLATE_ID_FIELD_NUMBER: _ClassVar[int]
    USER_MSG_FIELD_NUMBER: _ClassVar[int]
    RQ_HANDLER_RP_CODE_FIELD_NUMBER: _ClassVar[int]
    RP_CODE_FIELD_NUMBER: _ClassVar[int]
    FCM_ID_FIELD_NUMBER: _ClassVar[int]
    IB_ID_FIELD_NUMBER: _ClassVar[int]
    USER_FIELD_NUMBER: _ClassVar[int]
    FIRST_NAME_FIELD_NUMBER: _ClassVar[int]
    LAST_NAME_FIELD_NUMBER: _ClassVar[int]
    USER_TYPE_FIELD_NUMBER: _ClassVar[int]
    TP_MAX_SESSION_COUNT_FIELD_NUMBER: _ClassVar[int]
    OP_MAX_SESSION_COUNT_FIELD_NUMBER: _ClassVar[int]
    template_id: int
    user_msg: _containers.RepeatedScalarFieldContainer[str]
    rq_handler_rp_code: _containers.RepeatedScalarFieldContainer[str]
    rp_code: _containers.RepeatedScalarFieldContainer[str]
    fcm_id: str
    ib_id: str
    user: str
    first_name: str
    last_name: str
    user_type: int
    tp_max_session_count: int
    op_max_session_count: int
    def __init__(self, template_id: _Optional[int] = ..., user_msg: _Optional[_Iterable[str]] = ..., rq_handler_rp_code: _Optional[_Iterable[str]] = ..., rp_code: _Optional[_Iterable[str]] = ..., fcm_id: _Optional[str] = ..., ib_id: _Optional[str] = ..., user: _Optional[str] = ..., first_name: _Optional[str] = ..., last_name: _Optional[str] = ..., user_type: _Optional[int] = ..., tp_max_session_count: _Optional[int] = ..., op_max_session_count: _Optional[int] = ...) -> None: ...

class AccountListRequest(_message.Message):
    __slots__ = ("template_id", "user_msg", "fcm_id", "ib_id", "user_type")
    TEMPLATE_ID_FIELD_NUMBER: _ClassVar[int]
    USER_MSG_FIELD_NUMBER: _ClassVar[int]
    FCM_ID_FIELD_NUMBER: _ClassVar[int]
    IB_ID_FIELD_NUMBER: _ClassVar[int]
    USER_TYPE_FIELD_NUMBER: _ClassVar[int]
    template_id: int
    user_msg: _containers.RepeatedScalarFieldContainer[str]
    fcm_id: str
    ib_id: str
    user_type: int
    def __init__(self, template_id: _Optional[int] = ..., user_msg: _Optional[_Iterable[str]] = ..., fcm_id: _Optional[str] = ..., ib_id: _Optional[str] = ..., user_type: _Optional[int] = ...) -> None: ...

class AccountListReply(_message.Message):
    __slots__ = ("template_id", "user_msg", "rq_handler_rp_code", "rp_code", "fcm_id", "ib_id", "account_id", "account_name", "account_currency", "loss_limit", "account_auto_liquidate", "auto_liq_threshold_current_value")
    TEMPLATE_ID_FIELD_NUMBER: _ClassVar[int]
    USER_MSG_FIELD_NUMBER: _ClassVar[int]
    RQ_HANDLER_RP_CODE_FIELD_NUMBER: _ClassVar[int]
    RP_CODE_FIELD_NUMBER: _ClassVar[int]
    FCM_ID_FIELD_NUMBER: _ClassVar[int]
    IB_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_NAME_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_CURRENCY_FIELD_NUMBER: _ClassVar[int]
    LOSS_LIMIT_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_AUTO_LIQUIDATE_FIELD_NUMBER: _ClassVar[int]
    AUTO_LIQ_THRESHOLD_CURRENT_VALUE_FIELD_NUMBER: _ClassVar[int]
    template_id: int
    user_msg: _containers.RepeatedScalarFieldContainer[str]
    rq_handler_rp_code: _containers.RepeatedScalarFieldContainer[str]
    rp_code: _containers.RepeatedScalarFieldContainer[str]
    fcm_id: str
    ib_id: str
    account_id: str
    account_name: str
    account_currency: str
    loss_limit: str
    account_auto_liquidate: str
    auto_liq_threshold_current_value: str
    def __init__(self, template_id: _Optional[int] = ..., user_msg: _Optional[_Iterable[str]] = ..., rq_handler_rp_code: _Optional[_Iterable[str]] = ..., rp_code: _Optional[_Iterable[str]] = ..., fcm_id: _Optional[str] = ..., ib_id: _Optional[str] = ..., account_id: _Optional[str] = ..., account_name: _Optional[str] = ..., account_currency: _Optional[str] = ..., loss_limit: _Optional[str] = ..., account_auto_liquidate: _Optional[str] = ..., auto_liq_threshold_current_value: _Optional[str] = ...) -> None: ...

class AccountRequest(_message.Message):
    __slots__ = ("template_id", "user_msg", "fcm_id", "ib_id", "account_id")
    TEMPLATE_ID_FIELD_NUMBER: _ClassVar[int]
    USER_MSG_FIELD_NUMBER: _ClassVar[int]
    FCM_ID_FIELD_NUMBER: _ClassVar[int]
    IB_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    template_id: int
    user_msg: _containers.RepeatedScalarFieldContainer[str]
    fcm_id: str
    ib_id: str
    account_id: str
    def __init__(self, template_id: _Optional[int] = ..., user_msg: _Optional[_Iterable[str]] = ..., fcm_id: _Optional[str] = ..., ib_id: _Optional[str] = ..., account_id: _Optional[str] = ...) -> None: ...

class TradeRoutesRequest(_message.Message):
    __slots__ = ("template_id", "user_msg", "subscribe_for_updates")
    TEMPLATE_ID_FIELD_NUMBER: _ClassVar[int]
    USER_MSG_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIBE_FOR_UPDATES_FIELD_NUMBER: _ClassVar[int]
    template_id: int
    user_msg: _containers.RepeatedScalarFieldContainer[str]
    subscribe_for_updates: bool
    def __init__(self, template_id: _Optional[int] = ..., user_msg: _Optional[_Iterable[str]] = ..., subscribe_for_updates: _Optional[bool] = ...) -> None: ...

class TradeRoutesReply(_message.Message):
    __slots__ = ("template_id", "user_msg", "rq_handler_rp_code", "rp_code", "fcm_id", "ib_id", "exchange", "trade_route", "status", "is_default")
    TEMPLATE_ID_FIELD_NUMBER: _ClassVar[int]
    USER_MSG_FIELD_NUMBER: _ClassVar[int]
    RQ_HANDLER_RP_CODE_FIELD_NUMBER: _ClassVar[int]
    RP_CODE_FIELD_NUMBER: _ClassVar[int]
    FCM_ID_FIELD_NUMBER: _ClassVar[int]
    IB_ID_FIELD_NUMBER: _ClassVar[int]
    EXCHANGE_FIELD_NUMBER: _ClassVar[int]
    TRADE_ROUTE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    IS_DEFAULT_FIELD_NUMBER: _ClassVar[int]
    template_id: int
    user_msg: _containers.RepeatedScalarFieldContainer[str]
    rq_handler_rp_code: _containers.RepeatedScalarFieldContainer[str]
    rp_code: _containers.RepeatedScalarFieldContainer[str]
    fcm_id: str
    ib_id: str
    exchange: str
    trade_route: str
    status: str
    is_default: bool
    def __init__(self, template_id: _Optional[int] = ..., user_msg: _Optional[_Iterable[str]] = ..., rq_handler_rp_code: _Optional[_Iterable[str]] = ..., rp_code: _Optional[_Iterable[str]] = ..., fcm_id: _Optional[str] = ..., ib_id: _Optional[str] = ..., exchange: _Optional[str] = ..., trade_route: _Optional[str] = ..., status: _Optional[str] = ..., is_default: _Optional[bool] = ...) -> None: ...

class NewOrderRequest(_message.Message):
    __slots__ = ("template_id", "user_msg", "user_tag", "window_name", "fcm_id", "ib_id", "account_id", "symbol", "exchange", "quantity", "price", "trigger_price", "transaction_type", "duration", "price_type", "trade_route", "manual_or_auto")
    TEMPLATE_ID_FIELD_NUMBER: _ClassVar[int]
    USER_MSG_FIELD_NUMBER: _ClassVar[int]
    USER_TAG_FIELD_NUMBER: _ClassVar[int]
    WINDOW_NAME_FIELD_NUMBER: _ClassVar[int]
    FCM_ID_FIELD_NUMBER: _ClassVar[int]
    IB_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    EXCHANGE_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_PRICE_FIELD_NUMBER: _ClassVar[int]
    TRANSACTION_TYPE_FIELD_NUMBER: _ClassVar[int]
    DURATION_FIELD_NUMBER: _ClassVar[int]
    PRICE_TYPE_FIELD_NUMBER: _ClassVar[int]
    TRADE_ROUTE_FIELD_NUMBER: _ClassVar[int]
    MANUAL_OR_AUTO_FIELD_NUMBER: _ClassVar[int]
    template_id: int
    user_msg: _containers.RepeatedScalarFieldContainer[str]
    user_tag: str
    window_name: str
    fcm_id: str
    ib_id: str
    account_id: str
    symbol: str
    exchange: str
    quantity: int
    price: float
    trigger_price: float
    transaction_type: int
    duration: int
    price_type: int
    trade_route: str
    manual_or_auto: int
    def __init__(self, template_id: _Optional[int] = ..., user_msg: _Optional[_Iterable[str]] = ..., user_tag: _Optional[str] = ..., window_name: _Optional[str] = ..., fcm_id: _Optional[str] = ..., ib_id: _Optional[str] = ..., account_id: _Optional[str] = ..., symbol: _Optional[str] = ..., exchange: _Optional[str] = ..., quantity: _Optional[int] = ..., price: _Optional[float] = ..., trigger_price: _Optional[float] = ..., transaction_type: _Optional[int] = ..., duration: _Optional[int] = ..., price_type: _Optional[int] = ..., trade_route: _Optional[str] = ..., manual_or_auto: _Optional[int] = ...) -> None: ...

class NewOrderReply(_message.Message):
    __slots__ = ("template_id", "user_msg", "rq_handler_rp_code", "rp_code", "user_tag", "basket_id", "ssboe", "usecs")
    TEMPLATE_ID_FIELD_NUMBER: _ClassVar[int]
    USER_MSG_FIELD_NUMBER: _ClassVar[int]
    RQ_HANDLER_RP_CODE_FIELD_NUMBER: _ClassVar[int]
    RP_CODE_FIELD_NUMBER: _ClassVar[int]
    USER_TAG_FIELD_NUMBER: _ClassVar[int]
    BASKET_ID_FIELD_NUMBER: _ClassVar[int]
    SSBOE_FIELD_NUMBER: _ClassVar[int]
    USECS_FIELD_NUMBER: _ClassVar[int]
    template_id: int
    user_msg: _containers.RepeatedScalarFieldContainer[str]
    rq_handler_rp_code: _containers.RepeatedScalarFieldContainer[str]
    rp_code: _containers.RepeatedScalarFieldContainer[str]
    user_tag: str
    basket_id: str
    ssboe: int
    usecs: int
    def __init__(self, template_id: _Optional[int] = ..., user_msg: _Optional[_Iterable[str]] = ..., rq_handler_rp_code: _Optional[_Iterable[str]] = ..., rp_code: _Optional[_Iterable[str]] = ..., user_tag: _Optional[str] = ..., basket_id: _Optional[str] = ..., ssboe: _Optional[int] = ..., usecs: _Optional[int] = ...) -> None: ...

class CancelOrderRequest(_message.Message):
    __slots__ = ("template_id", "user_msg", "window_name", "fcm_id", "ib_id", "account_id", "basket_id", "manual_or_auto")
    TEMPLATE_ID_FIELD_NUMBER: _ClassVar[int]
    USER_MSG_FIELD_NUMBER: _ClassVar[int]
    WINDOW_NAME_FIELD_NUMBER: _ClassVar[int]
    FCM_ID_FIELD_NUMBER: _ClassVar[int]
    IB_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    BASKET_ID_FIELD_NUMBER: _ClassVar[int]
    MANUAL_OR_AUTO_FIELD_NUMBER: _ClassVar[int]
    template_id: int
    user_msg: _containers.RepeatedScalarFieldContainer[str]
    window_name: str
    fcm_id: str
    ib_id: str
    account_id: str
    basket_id: str
    manual_or_auto: int
    def __init__(self, template_id: _Optional[int] = ..., user_msg: _Optional[_Iterable[str]] = ..., window_name: _Optional[str] = ..., fcm_id: _Optional[str] = ..., ib_id: _Optional[str] = ..., account_id: _Optional[str] = ..., basket_id: _Optional[str] = ..., manual_or_auto: _Optional[int] = ...) -> None: ...

class CancelOrderReply(_message.Message):
    __slots__ = ("template_id", "user_msg", "rq_handler_rp_code", "rp_code", "basket_id", "ssboe", "usecs")
    TEMPLATE_ID_FIELD_NUMBER: _ClassVar[int]
    USER_MSG_FIELD_NUMBER: _ClassVar[int]
    RQ_HANDLER_RP_CODE_FIELD_NUMBER: _ClassVar[int]
    RP_CODE_FIELD_NUMBER: _ClassVar[int]
    BASKET_ID_FIELD_NUMBER: _ClassVar[int]
    SSBOE_FIELD_NUMBER: _ClassVar[int]
    USECS_FIELD_NUMBER: _ClassVar[int]
    template_id: int
    user_msg: _containers.RepeatedScalarFieldContainer[str]
    rq_handler_rp_code: _containers.RepeatedScalarFieldContainer[str]
    rp_code: _containers.RepeatedScalarFieldContainer[str]
    basket_id: str
    ssboe: int
    usecs: int
    def __init__(self, template_id: _Optional[int] = ..., user_msg: _Optional[_Iterable[str]] = ..., rq_handler_rp_code: _Optional[_Iterable[str]] = ..., rp_code: _Optional[_Iterable[str]] = ..., basket_id: _Optional[str] = ..., ssboe: _Optional[int] = ..., usecs: _Optional[int] = ...) -> None: ...

class CancelAllRequest(_message.Message):
    __slots__ = ("template_id", "user_msg", "fcm_id", "ib_id", "account_id", "user_type", "manual_or_auto")
    TEMPLATE_ID_FIELD_NUMBER: _ClassVar[int]
    USER_MSG_FIELD_NUMBER: _ClassVar[int]
    FCM_ID_FIELD_NUMBER: _ClassVar[int]
    IB_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    USER_TYPE_FIELD_NUMBER: _ClassVar[int]
    MANUAL_OR_AUTO_FIELD_NUMBER: _ClassVar[int]
    template_id: int
    user_msg: _containers.RepeatedScalarFieldContainer[str]
    fcm_id: str
    ib_id: str
    account_id: str
    user_type: int
    manual_or_auto: int
    def __init__(self, template_id: _Optional[int] = ..., user_msg: _Optional[_Iterable[str]] = ..., fcm_id: _Optional[str] = ..., ib_id: _Optional[str] = ..., account_id: _Optional[str] = ..., user_type: _Optional[int] = ..., manual_or_auto: _Optional[int] = ...) -> None: ...

class ExitPositionRequest(_message.Message):
    __slots__ = ("template_id", "user_msg", "window_name", "fcm_id", "ib_id", "account_id", "symbol", "exchange", "manual_or_auto")
    TEMPLATE_ID_FIELD_NUMBER: _ClassVar[int]
    USER_MSG_FIELD_NUMBER: _ClassVar[int]
    WINDOW_NAME_FIELD_NUMBER: _ClassVar[int]
    FCM_ID_FIELD_NUMBER: _ClassVar[int]
    IB_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    EXCHANGE_FIELD_NUMBER: _ClassVar[int]
    MANUAL_OR_AUTO_FIELD_NUMBER: _ClassVar[int]
    template_id: int
    user_msg: _containers.RepeatedScalarFieldContainer[str]
    window_name: str
    fcm_id: str
    ib_id: str
    account_id: str
    symbol: str
    exchange: str
    manual_or_auto: int
    def __init__(self, template_id: _Optional[int] = ..., user_msg: _Optional[_Iterable[str]] = ..., window_name: _Optional[str] = ..., fcm_id: _Optional[str] = ..., ib_id: _Optional[str] = ..., account_id: _Optional[str] = ..., symbol: _Optional[str] = ..., exchange: _Optional[str] = ..., manual_or_auto: _Optional[int] = ...) -> None: ...

class ExitPositionReply(_message.Message):
    __slots__ = ("template_id", "user_msg", "rq_handler_rp_code", "rp_code", "symbol", "exchange")
    TEMPLATE_ID_FIELD_NUMBER: _ClassVar[int]
    USER_MSG_FIELD_NUMBER: _ClassVar[int]
    RQ_HANDLER_RP_CODE_FIELD_NUMBER: _ClassVar[int]
    RP_CODE_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    EXCHANGE_FIELD_NUMBER: _ClassVar[int]
    template_id: int
    user_msg: _containers.RepeatedScalarFieldContainer[str]
    rq_handler_rp_code: _containers.RepeatedScalarFieldContainer[str]
    rp_code: _containers.RepeatedScalarFieldContainer[str]
    symbol: str
    exchange: str
    def __init__(self, template_id: _Optional[int] = ..., user_msg: _Optional[_Iterable[str]] = ..., rq_handler_rp_code: _Optional[_Iterable[str]] = ..., rp_code: _Optional[_Iterable[str]] = ..., symbol: _Optional[str] = ..., exchange: _Optional[str] = ...) -> None: ...

class ReplayExecutionsRequest(_message.Message):
    __slots__ = ("template_id", "user_msg", "fcm_id", "ib_id", "account_id", "start_index", "finish_index")
    TEMPLATE_ID_FIELD_NUMBER: _ClassVar[int]
    USER_MSG_FIELD_NUMBER: _ClassVar[int]
    FCM_ID_FIELD_NUMBER: _ClassVar[int]
    IB_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    START_INDEX_FIELD_NUMBER: _ClassVar[int]
    FINISH_INDEX_FIELD_NUMBER: _ClassVar[int]
    template_id: int
    user_msg: _containers.RepeatedScalarFieldContainer[str]
    fcm_id: str
    ib_id: str
    account_id: str
    start_index: int
    finish_index: int
    def __init__(self, template_id: _Optional[int] = ..., user_msg: _Optional[_Iterable[str]] = ..., fcm_id: _Optional[str] = ..., ib_id: _Optional[str] = ..., account_id: _Optional[str] = ..., start_index: _Optional[int] = ..., finish_index: _Optional[int] = ...) -> None: ...

class BracketOrderRequest(_message.Message):
    __slots__ = ("template_id", "user_msg", "user_tag", "window_name", "fcm_id", "ib_id", "account_id", "symbol", "exchange", "quantity", "price", "trigger_price", "transaction_type", "duration", "price_type", "trade_route", "manual_or_auto", "user_type", "bracket_type", "target_quantity", "target_ticks", "stop_quantity", "stop_ticks")
    TEMPLATE_ID_FIELD_NUMBER: _ClassVar[int]
    USER_MSG_FIELD_NUMBER: _ClassVar[int]
    USER_TAG_FIELD_NUMBER: _ClassVar[int]
    WINDOW_NAME_FIELD_NUMBER: _ClassVar[int]
    FCM_ID_FIELD_NUMBER: _ClassVar[int]
    IB_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    EXCHANGE_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_PRICE_FIELD_NUMBER: _ClassVar[int]
    TRANSACTION_TYPE_FIELD_NUMBER: _ClassVar[int]
    DURATION_FIELD_NUMBER: _ClassVar[int]
    PRICE_TYPE_FIELD_NUMBER: _ClassVar[int]
    TRADE_ROUTE_FIELD_NUMBER: _ClassVar[int]
    MANUAL_OR_AUTO_FIELD_NUMBER: _ClassVar[int]
    USER_TYPE_FIELD_NUMBER: _ClassVar[int]
    BRACKET_TYPE_FIELD_NUMBER: _ClassVar[int]
    TARGET_QUANTITY_FIELD_NUMBER: _ClassVar[int]
    TARGET_TICKS_FIELD_NUMBER: _ClassVar[int]
    STOP_QUANTITY_FIELD_NUMBER: _ClassVar[int]
    STOP_TICKS_FIELD_NUMBER: _ClassVar[int]
    template_id: int
    user_msg: _containers.RepeatedScalarFieldContainer[str]
    user_tag: str
    window_name: str
    fcm_id: str
    ib_id: str
    account_id: str
    symbol: str
    exchange: str
    quantity: int
    price: float
    trigger_price: float
    transaction_type: int
    duration: int
    price_type: int
    trade_route: str
    manual_or_auto: int
    user_type: int
    bracket_type: int
    target_quantity: int
    target_ticks: int
    stop_quantity: int
    stop_ticks: int
    def __init__(self, template_id: _Optional[int] = ..., user_msg: _Optional[_Iterable[str]] = ..., user_tag: _Optional[str] = ..., window_name: _Optional[str] = ..., fcm_id: _Optional[str] = ..., ib_id: _Optional[str] = ..., account_id: _Optional[str] = ..., symbol: _Optional[str] = ..., exchange: _Optional[str] = ..., quantity: _Optional[int] = ..., price: _Optional[float] = ..., trigger_price: _Optional[float] = ..., transaction_type: _Optional[int] = ..., duration: _Optional[int] = ..., price_type: _Optional[int] = ..., trade_route: _Optional[str] = ..., manual_or_auto: _Optional[int] = ..., user_type: _Optional[int] = ..., bracket_type: _Optional[int] = ..., target_quantity: _Optional[int] = ..., target_ticks: _Optional[int] = ..., stop_quantity: _Optional[int] = ..., stop_ticks: _Optional[int] = ...) -> None: ...

class BracketOrderReply(_message.Message):
    __slots__ = ("template_id", "user_msg", "rq_handler_rp_code", "rp_code", "user_tag", "basket_id", "ssboe", "usecs")
    TEMPLATE_ID_FIELD_NUMBER: _ClassVar[int]
    USER_MSG_FIELD_NUMBER: _ClassVar[int]
    RQ_HANDLER_RP_CODE_FIELD_NUMBER: _ClassVar[int]
    RP_CODE_FIELD_NUMBER: _ClassVar[int]
    USER_TAG_FIELD_NUMBER: _ClassVar[int]
    BASKET_ID_FIELD_NUMBER: _ClassVar[int]
    SSBOE_FIELD_NUMBER: _ClassVar[int]
    USECS_FIELD_NUMBER: _ClassVar[int]
    template_id: int
    user_msg: _containers.RepeatedScalarFieldContainer[str]
    rq_handler_rp_code: _containers.RepeatedScalarFieldContainer[str]
    rp_code: _containers.RepeatedScalarFieldContainer[str]
    user_tag: str
    basket_id: str
    ssboe: int
    usecs: int
    def __init__(self, template_id: _Optional[int] = ..., user_msg: _Optional[_Iterable[str]] = ..., rq_handler_rp_code: _Optional[_Iterable[str]] = ..., rp_code: _Optional[_Iterable[str]] = ..., user_tag: _Optional[str] = ..., basket_id: _Optional[str] = ..., ssboe: _Optional[int] = ..., usecs: _Optional[int] = ...) -> None: ...

class BracketUpdates(_message.Message):
    __slots__ = ("template_id", "fcm_id", "ib_id", "account_id", "basket_id", "stop_ticks", "stop_quantity", "stop_quantity_released", "target_ticks", "target_quantity", "target_quantity_released")
    TEMPLATE_ID_FIELD_NUMBER: _ClassVar[int]
    FCM_ID_FIELD_NUMBER: _ClassVar[int]
    IB_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    BASKET_ID_FIELD_NUMBER: _ClassVar[int]
    STOP_TICKS_FIELD_NUMBER: _ClassVar[int]
    STOP_QUANTITY_FIELD_NUMBER: _ClassVar[int]
    STOP_QUANTITY_RELEASED_FIELD_NUMBER: _ClassVar[int]
    TARGET_TICKS_FIELD_NUMBER: _ClassVar[int]
    TARGET_QUANTITY_FIELD_NUMBER: _ClassVar[int]
    TARGET_QUANTITY_RELEASED_FIELD_NUMBER: _ClassVar[int]
    template_id: int
    fcm_id: str
    ib_id: str
    account_id: str
    basket_id: str
    stop_ticks: int
    stop_quantity: int
    stop_quantity_released: int
    target_ticks: int
    target_quantity: int
    target_quantity_released: int
    def __init__(self, template_id: _Optional[int] = ..., fcm_id: _Optional[str] = ..., ib_id: _Optional[str] = ..., account_id: _Optional[str] = ..., basket_id: _Optional[str] = ..., stop_ticks: _Optional[int] = ..., stop_quantity: _Optional[int] = ..., stop_quantity_released: _Optional[int] = ..., target_ticks: _Optional[int] = ..., target_quantity: _Optional[int] = ..., target_quantity_released: _Optional[int] = ...) -> None: ...

class RithmicOrderNotification(_message.Message):
    __slots__ = ("template_id", "user_tag", "notify_type", "is_snapshot", "status", "basket_id", "original_basket_id", "linked_basket_ids", "bracket_type", "fcm_id", "ib_id", "user_id", "account_id", "symbol", "exchange", "trade_exchange", "trade_route", "exchange_order_id", "instrument_type", "completion_reason", "quantity", "quan_release_pending", "price", "trigger_price", "transaction_type", "duration", "price_type", "orig_price_type", "manual_or_auto", "avg_fill_price", "total_fill_size", "total_unfilled_size", "text", "report_text", "remarks", "ssboe", "usecs")
    TEMPLATE_ID_FIELD_NUMBER: _ClassVar[int]
    USER_TAG_FIELD_NUMBER: _ClassVar[int]
    NOTIFY_TYPE_FIELD_NUMBER: _ClassVar[int]
    IS_SNAPSHOT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    BASKET_ID_FIELD_NUMBER: _ClassVar[int]
    ORIGINAL_BASKET_ID_FIELD_NUMBER: _ClassVar[int]
    LINKED_BASKET_IDS_FIELD_NUMBER: _ClassVar[int]
    BRACKET_TYPE_FIELD_NUMBER: _ClassVar[int]
    FCM_ID_FIELD_NUMBER: _ClassVar[int]
    IB_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    EXCHANGE_FIELD_NUMBER: _ClassVar[int]
    TRADE_EXCHANGE_FIELD_NUMBER: _ClassVar[int]
    TRADE_ROUTE_FIELD_NUMBER: _ClassVar[int]
    EXCHANGE_ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    INSTRUMENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    COMPLETION_REASON_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    QUAN_RELEASE_PENDING_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_PRICE_FIELD_NUMBER: _ClassVar[int]
    TRANSACTION_TYPE_FIELD_NUMBER: _ClassVar[int]
    DURATION_FIELD_NUMBER: _ClassVar[int]
    PRICE_TYPE_FIELD_NUMBER: _ClassVar[int]
    ORIG_PRICE_TYPE_FIELD_NUMBER: _ClassVar[int]
    MANUAL_OR_AUTO_FIELD_NUMBER: _ClassVar[int]
    AVG_FILL_PRICE_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FILL_SIZE_FIELD_NUMBER: _ClassVar[int]
    TOTAL_UNFILLED_SIZE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    REPORT_TEXT_FIELD_NUMBER: _ClassVar[int]
    REMARKS_FIELD_NUMBER: _ClassVar[int]
    SSBOE_FIELD_NUMBER: _ClassVar[int]
    USECS_FIELD_NUMBER: _ClassVar[int]
    template_id: int
    user_tag: str
    notify_type: int
    is_snapshot: bool
    status: str
    basket_id: str
    original_basket_id: str
    linked_basket_ids: _containers.RepeatedScalarFieldContainer[str]
    bracket_type: int
    fcm_id: str
    ib_id: str
    user_id: str
    account_id: str
    symbol: str
    exchange: str
    trade_exchange: str
    trade_route: str
    exchange_order_id: str
    instrument_type: str
    completion_reason: str
    quantity: int
    quan_release_pending: int
    price: float
    trigger_price: float
    transaction_type: int
    duration: int
    price_type: int
    orig_price_type: int
    manual_or_auto: int
    avg_fill_price: float
    total_fill_size: int
    total_unfilled_size: int
    text: str
    report_text: str
    remarks: str
    ssboe: int
    usecs: int
    def __init__(self, template_id: _Optional[int] = ..., user_tag: _Optional[str] = ..., notify_type: _Optional[int] = ..., is_snapshot: _Optional[bool] = ..., status: _Optional[str] = ..., basket_id: _Optional[str] = ..., original_basket_id: _Optional[str] = ..., linked_basket_ids: _Optional[_Iterable[str]] = ..., bracket_type: _Optional[int] = ..., fcm_id: _Optional[str] = ..., ib_id: _Optional[str] = ..., user_id: _Optional[str] = ..., account_id: _Optional[str] = ..., symbol: _Optional[str] = ..., exchange: _Optional[str] = ..., trade_exchange: _Optional[str] = ..., trade_route: _Optional[str] = ..., exchange_order_id: _Optional[str] = ..., instrument_type: _Optional[str] = ..., completion_reason: _Optional[str] = ..., quantity: _Optional[int] = ..., quan_release_pending: _Optional[int] = ..., price: _Optional[float] = ..., trigger_price: _Optional[float] = ..., transaction_type: _Optional[int] = ..., duration: _Optional[int] = ..., price_type: _Optional[int] = ..., orig_price_type: _Optional[int] = ..., manual_or_auto: _Optional[int] = ..., avg_fill_price: _Optional[float] = ..., total_fill_size: _Optional[int] = ..., total_unfilled_size: _Optional[int] = ..., text: _Optional[str] = ..., report_text: _Optional[str] = ..., remarks: _Optional[str] = ..., ssboe: _Optional[int] = ..., usecs: _Optional[int] = ...) -> None: ...

class ExchangeOrderNotification(_message.Message):
    __slots__ = ("template_id", "user_tag", "notify_type", "is_snapshot", "is_rithmic_internal_msg", "report_type", "status", "basket_id", "original_basket_id", "linked_basket_ids", "bracket_type", "fcm_id", "ib_id", "user_id", "account_id", "symbol", "exchange", "trade_exchange", "trade_route", "exchange_order_id", "instrument_type", "quantity", "price", "trigger_price", "transaction_type", "duration", "price_type", "orig_price_type", "manual_or_auto", "confirmed_size", "confirmed_time", "confirmed_date", "confirmed_id", "cancelled_size", "cancelled_time", "cancelled_date", "cancelled_id", "fill_price", "fill_size", "fill_time", "fill_date", "fill_id", "avg_fill_price", "total_fill_size", "total_unfilled_size", "currency", "text", "report_text", "remarks", "ssboe", "usecs", "source_ssboe", "source_usecs", "source_nsecs", "exch_receipt_ssboe", "exch_receipt_nsecs")
    TEMPLATE_ID_FIELD_NUMBER: _ClassVar[int]
    USER_TAG_FIELD_NUMBER: _ClassVar[int]
    NOTIFY_TYPE_FIELD_NUMBER: _ClassVar[int]
    IS_SNAPSHOT_FIELD_NUMBER: _ClassVar[int]
    IS_RITHMIC_INTERNAL_MSG_FIELD_NUMBER: _ClassVar[int]
    REPORT_TYPE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    BASKET_ID_FIELD_NUMBER: _ClassVar[int]
    ORIGINAL_BASKET_ID_FIELD_NUMBER: _ClassVar[int]
    LINKED_BASKET_IDS_FIELD_NUMBER: _ClassVar[int]
    BRACKET_TYPE_FIELD_NUMBER: _ClassVar[int]
    FCM_ID_FIELD_NUMBER: _ClassVar[int]
    IB_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    EXCHANGE_FIELD_NUMBER: _ClassVar[int]
    TRADE_EXCHANGE_FIELD_NUMBER: _ClassVar[int]
    TRADE_ROUTE_FIELD_NUMBER: _ClassVar[int]
    EXCHANGE_ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    INSTRUMENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_PRICE_FIELD_NUMBER: _ClassVar[int]
    TRANSACTION_TYPE_FIELD_NUMBER: _ClassVar[int]
    DURATION_FIELD_NUMBER: _ClassVar[int]
    PRICE_TYPE_FIELD_NUMBER: _ClassVar[int]
    ORIG_PRICE_TYPE_FIELD_NUMBER: _ClassVar[int]
    MANUAL_OR_AUTO_FIELD_NUMBER: _ClassVar[int]
    CONFIRMED_SIZE_FIELD_NUMBER: _ClassVar[int]
    CONFIRMED_TIME_FIELD_NUMBER: _ClassVar[int]
    CONFIRMED_DATE_FIELD_NUMBER: _ClassVar[int]
    CONFIRMED_ID_FIELD_NUMBER: _ClassVar[int]
    CANCELLED_SIZE_FIELD_NUMBER: _ClassVar[int]
    CANCELLED_TIME_FIELD_NUMBER: _ClassVar[int]
    CANCELLED_DATE_FIELD_NUMBER: _ClassVar[int]
    CANCELLED_ID_FIELD_NUMBER: _ClassVar[int]
    FILL_PRICE_FIELD_NUMBER: _ClassVar[int]
    FILL_SIZE_FIELD_NUMBER: _ClassVar[int]
    FILL_TIME_FIELD_NUMBER: _ClassVar[int]
    FILL_DATE_FIELD_NUMBER: _ClassVar[int]
    FILL_ID_FIELD_NUMBER: _ClassVar[int]
    AVG_FILL_PRICE_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FILL_SIZE_FIELD_NUMBER: _ClassVar[int]
    TOTAL_UNFILLED_SIZE_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    REPORT_TEXT_FIELD_NUMBER: _ClassVar[int]
    REMARKS_FIELD_NUMBER: _ClassVar[int]
    SSBOE_FIELD_NUMBER: _ClassVar[int]
    USECS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_SSBOE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_USECS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_NSECS_FIELD_NUMBER: _ClassVar[int]
    EXCH_RECEIPT_SSBOE_FIELD_NUMBER: _ClassVar[int]
    EXCH_RECEIPT_NSECS_FIELD_NUMBER: _ClassVar[int]
    template_id: int
    user_tag: str
    notify_type: int
    is_snapshot: bool
    is_rithmic_internal_msg: bool
    report_type: str
    status: str
    basket_id: str
    original_basket_id: str
    linked_basket_ids: _containers.RepeatedScalarFieldContainer[str]
    bracket_type: int
    fcm_id: str
    ib_id: str
    user_id: str
    account_id: str
    symbol: str
    exchange: str
    trade_exchange: str
    trade_route: str
    exchange_order_id: str
    instrument_type: str
    quantity: int
    price: float
    trigger_price: float
    transaction_type: int
    duration: int
    price_type: int
    orig_price_type: int
    manual_or_auto: int
    confirmed_size: int
    confirmed_time: str
    confirmed_date: str
    confirmed_id: str
    cancelled_size: int
    cancelled_time: str
    cancelled_date: str
    cancelled_id: str
    fill_price: float
    fill_size: int
    fill_time: str
    fill_date: str
    fill_id: str
    avg_fill_price: float
    total_fill_size: int
    total_unfilled_size: int
    currency: str
    text: str
    report_text: str
    remarks: str
    ssboe: int
    usecs: int
    source_ssboe: int
    source_usecs: int
    source_nsecs: int
    exch_receipt_ssboe: int
    exch_receipt_nsecs: int
    def __init__(self, template_id: _Optional[int] = ..., user_tag: _Optional[str] = ..., notify_type: _Optional[int] = ..., is_snapshot: _Optional[bool] = ..., is_rithmic_internal_msg: _Optional[bool] = ..., report_type: _Optional[str] = ..., status: _Optional[str] = ..., basket_id: _Optional[str] = ..., original_basket_id: _Optional[str] = ..., linked_basket_ids: _Optional[_Iterable[str]] = ..., bracket_type: _Optional[int] = ..., fcm_id: _Optional[str] = ..., ib_id: _Optional[str] = ..., user_id: _Optional[str] = ..., account_id: _Optional[str] = ..., symbol: _Optional[str] = ..., exchange: _Optional[str] = ..., trade_exchange: _Optional[str] = ..., trade_route: _Optional[str] = ..., exchange_order_id: _Optional[str] = ..., instrument_type: _Optional[str] = ..., quantity: _Optional[int] = ..., price: _Optional[float] = ..., trigger_price: _Optional[float] = ..., transaction_type: _Optional[int] = ..., duration: _Optional[int] = ..., price_type: _Optional[int] = ..., orig_price_type: _Optional[int] = ..., manual_or_auto: _Optional[int] = ..., confirmed_size: _Optional[int] = ..., confirmed_time: _Optional[str] = ..., confirmed_date: _Optional[str] = ..., confirmed_id: _Optional[str] = ..., cancelled_size: _Optional[int] = ..., cancelled_time: _Optional[str] = ..., cancelled_date: _Optional[str] = ..., cancelled_id: _Optional[str] = ..., fill_price: _Optional[float] = ..., fill_size: _Optional[int] = ..., fill_time: _Optional[str] = ..., fill_date: _Optional[str] = ..., fill_id: _Optional[str] = ..., avg_fill_price: _Optional[float] = ..., total_fill_size: _Optional[int] = ..., total_unfilled_size: _Optional[int] = ..., currency: _Optional[str] = ..., text: _Optional[str] = ..., report_text: _Optional[str] = ..., remarks: _Optional[str] = ..., ssboe: _Optional[int] = ..., usecs: _Optional[int] = ..., source_ssboe: _Optional[int] = ..., source_usecs: _Optional[int] = ..., source_nsecs: _Optional[int] = ..., exch_receipt_ssboe: _Optional[int] = ..., exch_receipt_nsecs: _Optional[int] = ...) -> None: ...

class PnlUpdatesRequest(_message.Message):
    __slots__ = ("template_id", "user_msg", "request", "fcm_id", "ib_id", "account_id", "rms_updates_only")
    TEMPLATE_ID_FIELD_NUMBER: _ClassVar[int]
    USER_MSG_FIELD_NUMBER: _ClassVar[int]
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    FCM_ID_FIELD_NUMBER: _ClassVar[int]
    IB_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    RMS_UPDATES_ONLY_FIELD_NUMBER: _ClassVar[int]
    template_id: int
    user_msg: _containers.RepeatedScalarFieldContainer[str]
    request: int
    fcm_id: str
    ib_id: str
    account_id: str
    rms_updates_only: bool
    def __init__(self, template_id: _Optional[int] = ..., user_msg: _Optional[_Iterable[str]] = ..., request: _Optional[int] = ..., fcm_id: _Optional[str] = ..., ib_id: _Optional[str] = ..., account_id: _Optional[str] = ..., rms_updates_only: _Optional[bool] = ...) -> None: ...

class InstrumentPnl(_message.Message):
    __slots__ = ("template_id", "is_snapshot", "fcm_id", "ib_id", "account_id", "symbol", "exchange", "product_code", "instrument_type", "fill_buy_qty", "fill_sell_qty", "order_buy_qty", "order_sell_qty", "buy_qty", "sell_qty", "avg_open_fill_price", "day_open_pnl", "day_closed_pnl", "day_pnl", "open_position_pnl", "open_position_quantity", "closed_position_pnl", "closed_position_quantity", "net_quantity", "ssboe", "usecs")
    TEMPLATE_ID_FIELD_NUMBER: _ClassVar[int]
    IS_SNAPSHOT_FIELD_NUMBER: _ClassVar[int]
    FCM_ID_FIELD_NUMBER: _ClassVar[int]
    IB_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    EXCHANGE_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_CODE_FIELD_NUMBER: _ClassVar[int]
    INSTRUMENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    FILL_BUY_QTY_FIELD_NUMBER: _ClassVar[int]
    FILL_SELL_QTY_FIELD_NUMBER: _ClassVar[int]
    ORDER_BUY_QTY_FIELD_NUMBER: _ClassVar[int]
    ORDER_SELL_QTY_FIELD_NUMBER: _ClassVar[int]
    BUY_QTY_FIELD_NUMBER: _ClassVar[int]
    SELL_QTY_FIELD_NUMBER: _ClassVar[int]
    AVG_OPEN_FILL_PRICE_FIELD_NUMBER: _ClassVar[int]
    DAY_OPEN_PNL_FIELD_NUMBER: _ClassVar[int]
    DAY_CLOSED_PNL_FIELD_NUMBER: _ClassVar[int]
    DAY_PNL_FIELD_NUMBER: _ClassVar[int]
    OPEN_POSITION_PNL_FIELD_NUMBER: _ClassVar[int]
    OPEN_POSITION_QUANTITY_FIELD_NUMBER: _ClassVar[int]
    CLOSED_POSITION_PNL_FIELD_NUMBER: _ClassVar[int]
    CLOSED_POSITION_QUANTITY_FIELD_NUMBER: _ClassVar[int]
    NET_QUANTITY_FIELD_NUMBER: _ClassVar[int]
    SSBOE_FIELD_NUMBER: _ClassVar[int]
    USECS_FIELD_NUMBER: _ClassVar[int]
    template_id: int
    is_snapshot: bool
    fcm_id: str
    ib_id: str
    account_id: str
    symbol: str
    exchange: str
    product_code: str
    instrument_type: str
    fill_buy_qty: int
    fill_sell_qty: int
    order_buy_qty: int
    order_sell_qty: int
    buy_qty: int
    sell_qty: int
    avg_open_fill_price: float
    day_open_pnl: float
    day_closed_pnl: float
    day_pnl: float
    open_position_pnl: str
    open_position_quantity: int
    closed_position_pnl: str
    closed_position_quantity: int
    net_quantity: int
    ssboe: int
    usecs: int
    def __init__(self, template_id: _Optional[int] = ..., is_snapshot: _Optional[bool] = ..., fcm_id: _Optional[str] = ..., ib_id: _Optional[str] = ..., account_id: _Optional[str] = ..., symbol: _Optional[str] = ..., exchange: _Optional[str] = ..., product_code: _Optional[str] = ..., instrument_type: _Optional[str] = ..., fill_buy_qty: _Optional[int] = ..., fill_sell_qty: _Optional[int] = ..., order_buy_qty: _Optional[int] = ..., order_sell_qty: _Optional[int] = ..., buy_qty: _Optional[int] = ..., sell_qty: _Optional[int] = ..., avg_open_fill_price: _Optional[float] = ..., day_open_pnl: _Optional[float] = ..., day_closed_pnl: _Optional[float] = ..., day_pnl: _Optional[float] = ..., open_position_pnl: _Optional[str] = ..., open_position_quantity: _Optional[int] = ..., closed_position_pnl: _Optional[str] = ..., closed_position_quantity: _Optional[int] = ..., net_quantity: _Optional[int] = ..., ssboe: _Optional[int] = ..., usecs: _Optional[int] = ...) -> None: ...

class AccountPnl(_message.Message):
    __slots__ = ("template_id", "is_snapshot", "fcm_id", "ib_id", "account_id", "fill_buy_qty", "fill_sell_qty", "order_buy_qty", "order_sell_qty", "buy_qty", "sell_qty", "open_position_pnl", "open_position_quantity", "closed_position_pnl", "closed_position_quantity", "net_quantity", "account_balance", "cash_on_hand", "margin_balance", "min_account_balance", "excess_buy_margin", "excess_sell_margin", "available_buying_power", "used_buying_power", "reserved_buying_power", "percent_maximum_allowable_loss", "day_open_pnl", "day_closed_pnl", "day_pnl", "ssboe", "usecs")
    TEMPLATE_ID_FIELD_NUMBER: _ClassVar[int]
    IS_SNAPSHOT_FIELD_NUMBER: _ClassVar[int]
    FCM_ID_FIELD_NUMBER: _ClassVar[int]
    IB_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    FILL_BUY_QTY_FIELD_NUMBER: _ClassVar[int]
    FILL_SELL_QTY_FIELD_NUMBER: _ClassVar[int]
    ORDER_BUY_QTY_FIELD_NUMBER: _ClassVar[int]
    ORDER_SELL_QTY_FIELD_NUMBER: _ClassVar[int]
    BUY_QTY_FIELD_NUMBER: _ClassVar[int]
    SELL_QTY_FIELD_NUMBER: _ClassVar[int]
    OPEN_POSITION_PNL_FIELD_NUMBER: _ClassVar[int]
    OPEN_POSITION_QUANTITY_FIELD_NUMBER: _ClassVar[int]
    CLOSED_POSITION_PNL_FIELD_NUMBER: _ClassVar[int]
    CLOSED_POSITION_QUANTITY_FIELD_NUMBER: _ClassVar[int]
    NET_QUANTITY_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_BALANCE_FIELD_NUMBER: _ClassVar[int]
    CASH_ON_HAND_FIELD_NUMBER: _ClassVar[int]
    MARGIN_BALANCE_FIELD_NUMBER: _ClassVar[int]
    MIN_ACCOUNT_BALANCE_FIELD_NUMBER: _ClassVar[int]
    EXCESS_BUY_MARGIN_FIELD_NUMBER: _ClassVar[int]
    EXCESS_SELL_MARGIN_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_BUYING_POWER_FIELD_NUMBER: _ClassVar[int]
    USED_BUYING_POWER_FIELD_NUMBER: _ClassVar[int]
    RESERVED_BUYING_POWER_FIELD_NUMBER: _ClassVar[int]
    PERCENT_MAXIMUM_ALLOWABLE_LOSS_FIELD_NUMBER: _ClassVar[int]
    DAY_OPEN_PNL_FIELD_NUMBER: _ClassVar[int]
    DAY_CLOSED_PNL_FIELD_NUMBER: _ClassVar[int]
    DAY_PNL_FIELD_NUMBER: _ClassVar[int]
    SSBOE_FIELD_NUMBER: _ClassVar[int]
    USECS_FIELD_NUMBER: _ClassVar[int]
    template_id: int
    is_snapshot: bool
    fcm_id: str
    ib_id: str
    account_id: str
    fill_buy_qty: int
    fill_sell_qty: int
    order_buy_qty: int
    order_sell_qty: int
    buy_qty: int
    sell_qty: int
    open_position_pnl: str
    open_position_quantity: int
    closed_position_pnl: str
    closed_position_quantity: int
    net_quantity: int
    account_balance: str
    cash_on_hand: str
    margin_balance: str
    min_account_balance: str
    excess_buy_margin: str
    excess_sell_margin: str
    available_buying_power: str
    used_buying_power: str
    reserved_buying_power: str
    percent_maximum_allowable_loss: str
    day_open_pnl: str
    day_closed_pnl: str
    day_pnl: str
    ssboe: int
    usecs: int
    def __init__(self, template_id: _Optional[int] = ..., is_snapshot: _Optional[bool] = ..., fcm_id: _Optional[str] = ..., ib_id: _Optional[str] = ..., account_id: _Optional[str] = ..., fill_buy_qty: _Optional[int] = ..., fill_sell_qty: _Optional[int] = ..., order_buy_qty: _Optional[int] = ..., order_sell_qty: _Optional[int] = ..., buy_qty: _Optional[int] = ..., sell_qty: _Optional[int] = ..., open_position_pnl: _Optional[str] = ..., open_position_quantity: _Optional[int] = ..., closed_position_pnl: _Optional[str] = ..., closed_position_quantity: _Optional[int] = ..., net_quantity: _Optional[int] = ..., account_balance: _Optional[str] = ..., cash_on_hand: _Optional[str] = ..., margin_balance: _Optional[str] = ..., min_account_balance: _Optional[str] = ..., excess_buy_margin: _Optional[str] = ..., excess_sell_margin: _Optional[str] = ..., available_buying_power: _Optional[str] = ..., used_buying_power: _Optional[str] = ..., reserved_buying_power: _Optional[str] = ..., percent_maximum_allowable_loss: _Optional[str] = ..., day_open_pnl: _Optional[str] = ..., day_closed_pnl: _Optional[str] = ..., day_pnl: _Optional[str] = ..., ssboe: _Optional[int] = ..., usecs: _Optional[int] = ...) -> None: ...
