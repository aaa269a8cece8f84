"""The suite passes on any date: tests that trade at the wall clock take their contract from
``tests.contracts_now``, which names one that trades at that instant, and none of them names
a dated contract literally (a literal ``ESZ6`` stops trading with December 2026)."""

from __future__ import annotations

import re
import textwrap
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ordergate.policy.expiry import contract_month, expired_contract, front_quarter_symbol
from tests.contracts_now import QUARTER_MONTHS, front_projectx_id, front_quarter, front_symbol, third_friday
from tests.wall_clock_contracts import Scan

TESTS = Path(__file__).resolve().parent


@pytest.mark.parametrize(
    ("when", "one", "two", "four", "projectx"),
    [
        ("2026-11-23T10:00:00-05:00", "ESZ6", "ESZ26", "ESZ2026", "CON.F.US.EP.Z26"),
        ("2026-12-03T08:00:00Z", "ESZ6", "ESZ26", "ESZ2026", "CON.F.US.EP.Z26"),
        ("2026-12-17T23:59:59Z", "ESZ6", "ESZ26", "ESZ2026", "CON.F.US.EP.Z26"),
        # ES stops trading on the third Friday, 18 December 2026: the front is March 2027
        ("2026-12-18T00:00:00Z", "ESH7", "ESH27", "ESH2027", "CON.F.US.EP.H27"),
        # the evening before in New York is already the 18th in UTC
        ("2026-12-17T20:00:00-05:00", "ESH7", "ESH27", "ESH2027", "CON.F.US.EP.H27"),
        ("2027-01-05T15:00:00Z", "ESH7", "ESH27", "ESH2027", "CON.F.US.EP.H27"),
        ("2027-03-25T12:00:00Z", "ESM7", "ESM27", "ESM2027", "CON.F.US.EP.M27"),  # past 19 March
        ("2027-06-05T12:00:00Z", "ESM7", "ESM27", "ESM2027", "CON.F.US.EP.M27"),  # a Saturday
        ("2029-12-31T23:00:00Z", "ESH0", "ESH30", "ESH2030", "CON.F.US.EP.H30"),
    ],
)
def test_the_front_contract_at_known_dates_in_every_spelling(
    when: str, one: str, two: str, four: str, projectx: str
) -> None:
    at = datetime.fromisoformat(when)
    assert [front_symbol("ES", at), front_symbol("ES", at, digits=2), front_symbol("ES", at, digits=4)] == [
        one,
        two,
        four,
    ]
    assert front_projectx_id("ES", at) == projectx


def test_other_roots_take_their_own_codes() -> None:
    at = datetime(2026, 12, 3, tzinfo=UTC)
    assert front_symbol("MNQ", at, digits=4) == "MNQZ2026"
    assert front_projectx_id("NQ", at) == "CON.F.US.ENQ.Z26"
    with pytest.raises(ValueError, match="1, 2 or 4 digits"):
        front_symbol("ES", at, digits=3)
    with pytest.raises(ValueError, match="not a root"):
        front_projectx_id("XX", at)


def test_third_fridays() -> None:
    assert third_friday(2026, 12) == date(2026, 12, 18)
    assert third_friday(2027, 3) == date(2027, 3, 19)
    assert third_friday(2029, 12) == date(2029, 12, 21)
    assert third_friday(2024, 3) == date(2024, 3, 15)  # the 1st a Friday: the earliest it can be


ZONES = st.sampled_from([UTC, timezone(timedelta(hours=-5)), timezone(timedelta(hours=9))])
# naive bounds, as hypothesis takes them, in the zone it draws
instants = st.datetimes(datetime(2000, 1, 1), datetime(2099, 12, 31), timezones=ZONES)  # noqa: DTZ001


@given(instants)
def test_the_front_contract_trades_for_nine_days_more_and_is_the_nearest_that_does(at: datetime) -> None:
    year, month = front_quarter(at)
    today = at.astimezone(UTC).date()
    assert month in QUARTER_MONTHS and today < third_friday(year, month)
    # the runtime's own expiry check takes it at that instant and for nine days after it
    assert expired_contract(front_symbol("ES", at, digits=4), at + timedelta(days=9)) is None
    # and reads its one-digit spelling as the same month: no decade is in doubt
    assert contract_month(front_symbol("ES", at), at) == (year, month)
    # no nearer quarterly contract still trades
    before = (year, month - 3) if month > 3 else (year - 1, 12)
    assert third_friday(*before) <= today


def test_no_test_that_trades_at_the_wall_clock_names_a_dated_contract() -> None:
    # contracts_now reads the clock only when its caller gives no instant: not a marker
    scan = Scan((p for p in TESTS.rglob("*.py") if p.name != "contracts_now.py"), TESTS)
    wall_clock = scan.wall_clock()
    # the scan sees the runtime process and the simulators on the real clock (else it passes blind)
    assert {("tests.runtime.test_e2e", "Proc"), ("tests.runtime.test_rithmic_adapter", "run")} <= wall_clock
    findings = scan.findings()
    assert not findings, "take these from tests.contracts_now (front_symbol):\n" + "\n".join(
        map(str, findings)
    )


def _scan(tmp_path: Path, **modules: str) -> list[str]:
    root = tmp_path / "tests"
    (root / "runtime").mkdir(parents=True)
    for name, text in modules.items():
        (root / "runtime" / f"{name}.py").write_text(textwrap.dedent(text))
    scan = Scan(root.rglob("*.py"), root)
    return [f"{f.path.name}:{f.line}:{f.literal}" for f in scan.findings()]


def test_the_scan_follows_processes_fixtures_and_helpers_and_leaves_pinned_clocks_alone(
    tmp_path: Path,
) -> None:
    found = _scan(
        tmp_path,
        conftest="""
            import pytest
            from ordergate.runtime.clock import FakeClock
            from datetime import datetime

            def order(rt, **body):
                return {"symbol": "ESZ6", **body}

            @pytest.fixture
            def pinned():
                return FakeClock(datetime.fromisoformat("2026-11-23T10:00:00-05:00"))
            """,
        procs="""
            import subprocess

            class Proc:
                def start(self):
                    self.process = subprocess.Popen([ORDERGATE, "run", "--config", "x.yaml"])

                def order(self):
                    return {"symbol": "ESZ26"}
            """,
        test_wall="""
            import pytest
            from tests.runtime.procs import Proc
            from tests.runtime.conftest import order
            from ordergate.runtime.brokers.exchange import Exchange

            ALERT = {"ticker": "MNQU2026"}

            @pytest.fixture
            def runtime():
                yield Proc()

            def test_by_fixture(runtime):
                runtime.call("CON.F.US.EP.Z26")

            def test_by_helper_and_constant():
                ex = Exchange()
                send(ALERT)
                order(None)

            def test_pinned(pinned):
                '''ESH7 in a docstring is prose.'''
                return {"symbol": "ESM7"}
            """,
    )
    assert found == [
        "conftest.py:7:ESZ6",  # conftest.order, called by a test on Exchange()
        "procs.py:9:ESZ26",  # Proc.order: the class runs ordergate run
        "test_wall.py:7:MNQU2026",  # a constant a wall-clock test sends
        "test_wall.py:14:CON.F.US.EP.Z26",  # a test on the runtime fixture, which is a Proc
    ]


@given(instants)
def test_the_packages_front_contract_is_the_tests_one_in_the_apis_spelling(at: datetime) -> None:
    symbol = front_quarter_symbol("ES", at)
    assert symbol == front_symbol("ES", at)
    assert contract_month(symbol, at) == front_quarter(at) and expired_contract(symbol, at) is None


def test_the_benchmarks_that_trade_at_the_wall_clock_name_no_dated_contract() -> None:
    # runtime_bench, order_cost and cluster_bench run a runtime on the real clock: a literal
    # such as ESZ6 would be refused once its month ends, and every benchmark with it
    bench = TESTS.parent / "bench"
    for name in ("runtime_bench.py", "order_cost.py", "cluster_bench.py"):
        text = (bench / name).read_text()
        quoted = re.findall(r"""["']([A-Z]{1,4}[FGHJKMNQUVXZ]\d{1,4})["']""", text)
        dated = [q for q in quoted if contract_month(q, datetime(2026, 12, 4, tzinfo=UTC)) is not None]
        assert not dated, f"bench/{name} names {dated}: take the contract from front_quarter_symbol"
        assert "front_quarter_symbol" in text or "SYMBOL" in text
