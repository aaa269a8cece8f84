"""ProjectX hub methods and session state, shared by the adapter and the simulator."""

from __future__ import annotations

import pytest

from ordergate.runtime.brokers.projectx.hubs import (
    Action,
    BindError,
    Hub,
    QuoteBook,
    Subscriptions,
    bind,
    unwrap,
    wrap,
)


def test_hub_paths_are_under_hubs() -> None:
    assert Hub.USER.path == "/hubs/user" and Hub.MARKET.path == "/hubs/market"


def test_bind_matches_method_names_case_insensitively() -> None:
    assert bind(Hub.USER, "subscribeorders", (5,)) == ("SubscribeOrders", (5,))


def test_bind_takes_numeric_string_account_ids() -> None:
    assert bind(Hub.USER, "SubscribeTrades", ("42",)) == ("SubscribeTrades", (42,))


def test_subscribe_accounts_with_an_argument_is_a_signature_error() -> None:
    with pytest.raises(BindError, match="provides 1 argument"):
        bind(Hub.USER, "SubscribeAccounts", (1,))


@pytest.mark.parametrize("argument", [True, None, 1.5, "abc", [1]])
def test_account_id_that_is_not_an_integer_is_refused(argument: object) -> None:
    with pytest.raises(BindError):
        bind(Hub.USER, "SubscribeOrders", (argument,))


def test_market_hub_methods_take_a_contract_id_string() -> None:
    assert bind(Hub.MARKET, "SubscribeContractQuotes", ("CON.F.US.EP.Z26",)) == (
        "SubscribeContractQuotes",
        ("CON.F.US.EP.Z26",),
    )
    with pytest.raises(BindError):
        bind(Hub.MARKET, "SubscribeContractQuotes", (12,))


def test_user_method_on_the_market_hub_is_unknown() -> None:
    with pytest.raises(BindError, match="Unknown hub method"):
        bind(Hub.MARKET, "SubscribeOrders", (1,))


def test_wrapped_and_bare_user_events_unwrap_to_the_same_record() -> None:
    record = {"id": 1, "status": 2}
    assert unwrap(wrap(Action.UPDATE, record)) == (Action.UPDATE, record)
    assert unwrap(wrap(Action.CREATE, record, wrapped=False)) == (Action.UPDATE, record)
    assert unwrap({"action": 2, "data": record}) == (Action.DELETE, record)
    assert unwrap("nonsense") is None


def test_subscriptions_replay_in_order_once_each_and_forget_unsubscribed() -> None:
    subs = Subscriptions()
    assert subs.add("SubscribeAccounts")
    assert subs.add("SubscribeOrders", 1)
    assert not subs.add("SubscribeOrders", 1)
    subs.add("SubscribeTrades", 1)
    subs.remove("UnsubscribeTrades", 1)
    assert subs.replay() == [("SubscribeAccounts", ()), ("SubscribeOrders", (1,))]


def test_partial_quotes_merge_into_the_last_full_quote() -> None:
    book = QuoteBook()
    book.merge("C", {"bestBid": 10.0, "bestAsk": 10.25, "lastPrice": 10.0})
    merged = book.merge("C", {"bestBid": 10.25, "bestAsk": None})
    assert merged == {"bestBid": 10.25, "bestAsk": 10.25, "lastPrice": 10.0}
