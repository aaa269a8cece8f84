"""The Rithmic simulator's contract table rolls with its clock, the decade included: a
one-digit year is read as the runtime's expiry check reads it, so ``ESH0`` from 2029 on is
March 2030 and its reference data does not say it expired in 2020."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from ordergate.policy.expiry import contract_month, expired_contract
from ordergate.runtime.brokers.rithmic.contracts import contract, front_month


def at(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


def test_a_one_digit_year_is_read_from_the_clock() -> None:
    assert [
        (c.symbol, c.expiration)
        for c in (contract("ESZ6", at("2026-12-03T08:00:00Z")), contract("ESZ5", at("2026-12-03T08:00:00Z")))
        if c is not None
    ] == [("ESZ6", "20261218"), ("ESZ5", "20251219")]
    later = contract("ESH0", at("2029-12-31T12:00:00Z"))
    assert later is not None and later.expiration == "20300315"
    two = contract("ESH30", at("2026-12-03T08:00:00Z"))  # two and four digits need no clock
    assert two is not None and two.expiration == "20300315"


def test_the_front_month_across_a_decade() -> None:
    front = front_month("ES", at("2029-12-20T12:00:00Z"))
    assert front is not None and (front.symbol, front.expiration) == ("ESH0", "20300315")
    crude = front_month("CL", at("2029-12-20T12:00:00Z"))  # a monthly root
    assert crude is not None and (crude.symbol, crude.expiration) == ("CLF0", "20300118")


@given(st.datetimes(datetime(2000, 1, 1), datetime(2099, 12, 31), timezones=st.just(UTC)))  # noqa: DTZ001
def test_the_front_month_is_a_contract_that_trades_and_its_data_names_its_month(now: datetime) -> None:
    for root in ("ES", "CL"):
        front = front_month(root, now.timestamp())
        assert front is not None
        assert expired_contract(front.symbol, now) is None
        year, month = contract_month(front.symbol, now) or (0, 0)
        assert front.expiration.startswith(f"{year:04d}{month:02d}")
        assert datetime.strptime(front.expiration, "%Y%m%d").replace(tzinfo=UTC).date() >= now.date()
