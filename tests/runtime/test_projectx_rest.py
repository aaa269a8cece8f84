"""ProjectX REST models, error tables, firms, the rate budget and tokens."""

from __future__ import annotations

import pytest

from ordergate.runtime.brokers.errors import BrokerConfigError as ConfigError
from ordergate.runtime.brokers.errors import BrokerRefused, BrokerRejected, BrokerUnavailable
from ordergate.runtime.brokers.projectx import errorcodes, tokens
from ordergate.runtime.brokers.projectx.firms import FIRMS, endpoints_for
from ordergate.runtime.brokers.projectx.models import (
    ENDPOINTS,
    Account,
    Order,
    OrderType,
    PlaceOrder,
    parse_timestamp,
    timestamp,
)
from ordergate.runtime.brokers.projectx.ratelimit import (
    BARS_LIMIT,
    DEFAULT_LIMIT,
    RateBudget,
    parse_retry_after,
)


def test_records_serialise_with_the_camel_case_fields_clients_require() -> None:
    account = Account(id=1, name="PX-1", balance=50000.0)
    assert set(account.wire()) == {"id", "name", "balance", "canTrade", "isVisible", "simulated"}
    order = Order(
        id=1,
        account_id=1,
        contract_id="CON.F.US.EP.Z26",
        creation_timestamp=timestamp(0),
        status=1,
        type=2,
        side=0,
        size=1,
    )
    assert {
        "id",
        "accountId",
        "contractId",
        "symbolId",
        "creationTimestamp",
        "updateTimestamp",
        "status",
        "type",
        "side",
        "size",
        "limitPrice",
        "stopPrice",
        "fillVolume",
        "filledPrice",
    } <= set(order.wire())


def test_request_bodies_ignore_unknown_keys_and_take_camel_case() -> None:
    body = PlaceOrder.model_validate(
        {"accountId": 1, "contractId": "C", "type": 1, "side": 0, "size": 2, "limitPrice": 5.0, "extra": 1}
    )
    assert body.account_id == 1 and body.limit_price == 5.0


def test_every_order_type_the_enum_names_has_a_value() -> None:
    assert [t.value for t in OrderType] == [0, 1, 2, 3, 4, 5, 6, 7]


def test_timestamps_round_trip_in_utc() -> None:
    text = timestamp(1_700_000_000.25)
    assert text.endswith("+00:00")
    assert parse_timestamp(text) == 1_700_000_000.25
    assert parse_timestamp("2023-11-14T22:13:20Z") == 1_700_000_000.0
    assert parse_timestamp("2023-11-14T22:13:20") == 1_700_000_000.0


def test_every_endpoint_names_an_existing_error_table() -> None:
    assert {e.errors for e in ENDPOINTS.values()} <= set(errorcodes.TABLES)
    assert not ENDPOINTS["Auth/loginKey"].auth


@pytest.mark.parametrize(
    ("table", "code", "kind", "name"),
    [
        ("login", 3, BrokerRefused, "InvalidCredentials"),
        ("login", 8, BrokerUnavailable, "UnknownError"),
        ("validate", 3, BrokerUnavailable, "ExpiredToken"),
        ("place", 5, BrokerRejected, "OutsideTradingHours"),
        ("place", 8, BrokerRejected, "ContractNotFound"),
        ("cancel", 2, BrokerRejected, "OrderNotFound"),
        ("close", 2, BrokerRejected, "PositionNotFound"),
        ("search", 1, BrokerRejected, "AccountNotFound"),
    ],
)
def test_error_codes_map_per_endpoint(table: str, code: int, kind: type[Exception], name: str) -> None:
    error = errorcodes.error_for("X/y", table, code, "details")
    assert type(error) is kind
    assert name in str(error) and "details" in str(error)
    assert errorcodes.code_for(table, name) == code


def test_unknown_error_code_is_a_rejection_that_names_the_code() -> None:
    error = errorcodes.error_for("Order/place", "place", 77, None)
    assert isinstance(error, BrokerRejected) and "77" in str(error)


def test_firm_table_builds_hosts_from_the_slug() -> None:
    assert FIRMS["tickticktrader"].api_host == "api.tickticktrader.projectx.com"
    ends = endpoints_for("topstepx", "simulation", None)
    assert ends.api == "https://api.topstepx.com/api"
    assert ends.hub_url("user") == "https://rtc.topstepx.com/hubs/user"
    assert not ends.live
    assert endpoints_for("TopstepX", "live", None).live


def test_endpoint_replaces_firm_and_takes_a_base_with_or_without_api() -> None:
    for given in ("http://127.0.0.1:9100", "http://127.0.0.1:9100/", "http://127.0.0.1:9100/api"):
        ends = endpoints_for("topstepx", "live", given)
        assert ends.api == "http://127.0.0.1:9100/api"
        assert ends.hub_url("market") == "http://127.0.0.1:9100/hubs/market"
        assert ends.environment is None


@pytest.mark.parametrize(
    ("firm", "environment", "endpoint"),
    [("nosuchfirm", "live", None), ("topstepx", "paper", None), (None, None, "ws://127.0.0.1:1")],
)
def test_bad_firm_environment_or_endpoint_is_a_config_error(
    firm: str | None, environment: str | None, endpoint: str | None
) -> None:
    with pytest.raises(ConfigError):
        endpoints_for(firm, environment, endpoint)


def test_rate_budget_allows_200_calls_a_minute_then_names_the_wait() -> None:
    budget = RateBudget()
    for n in range(DEFAULT_LIMIT.requests):
        assert budget.wait("Order/place", n * 0.1) == 0.0
        budget.spend("Order/place", n * 0.1)
    assert budget.wait("Order/place", 20.0) == pytest.approx(40.0)
    assert budget.wait("Order/place", 60.0) == 0.0


def test_bars_have_their_own_smaller_budget() -> None:
    budget = RateBudget()
    for _ in range(BARS_LIMIT.requests):
        budget.spend("History/retrieveBars", 0.0)
    assert budget.wait("History/retrieveBars", 1.0) == pytest.approx(29.0)
    assert budget.wait("Account/search", 1.0) == 0.0


def test_429_holds_every_call_with_doubling_backoff_until_a_success() -> None:
    budget = RateBudget()
    assert budget.backoff(0.0, None) == 1.0
    assert budget.wait("Account/search", 0.5) == pytest.approx(0.5)
    assert budget.backoff(1.0, None) == 2.0
    assert budget.backoff(3.0, 7.0) == 7.0
    budget.succeeded()
    assert budget.backoff(20.0, None) == 1.0


def test_retry_after_reads_delta_seconds_only() -> None:
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") is None
    assert parse_retry_after(None) is None


def test_issued_token_verifies_until_it_expires_and_refresh_comes_before() -> None:
    token = tokens.issue("demo", "s1", issued=1000.0, secret="k" * 32)
    assert tokens.verify(token, "k" * 32, 1000.0 + 3600) is not None
    assert tokens.verify(token, "k" * 32, 1000.0 + tokens.TOKEN_LIFETIME) is None
    assert tokens.verify(token, "o" * 32, 1001.0) is None
    assert tokens.expiry(token, received=5.0) == 1000.0 + tokens.TOKEN_LIFETIME
    assert tokens.refresh_at(token, 1000.0) == 1000.0 + tokens.TOKEN_LIFETIME - tokens.REFRESH_MARGIN


def test_token_that_is_not_a_jwt_is_assumed_to_live_24_hours() -> None:
    assert tokens.expiry("opaque", received=10.0) == 10.0 + tokens.TOKEN_LIFETIME
    assert tokens.verify("opaque", "k" * 32, 0.0) is None
