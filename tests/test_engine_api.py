"""The Python API of DESIGN 5.1, decisions' JSON form, binding and compile-once behaviour."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

import ordergate.policy as api
from ordergate.policy import InputError, Order, PolicyError, Snapshot, load_bundle
from tests.conftest import REPO

NOW = datetime.fromisoformat("2026-11-24T10:00:00-05:00")
FULL = REPO / "tests" / "golden" / "chain"


def test_the_documented_api_decides_an_order() -> None:
    bundle = load_bundle(str(FULL))
    policy = bundle.policy_for("FULL-1")
    assert policy is bundle.policies["full"]
    order = Order.from_dict({"symbol": "ESZ6", "side": "buy", "qty": 1})
    snapshot = Snapshot.from_dict(
        {"quotes": {"ES": {"bid": 6000, "ask": 6000.25, "last": 6000, "age": "1s"}}}, NOW
    )
    decision = policy.evaluate(order, snapshot, NOW)
    assert decision.to_dict() == {
        "outcome": "allow",
        "stage": None,
        "code": None,
        "message": "allowed",
        "warnings": [],
        "actions": [],
        "policy": "full@3",
        "bundle": bundle.digest,
        "exit": False,
    }


def test_a_breach_decision_carries_lock_expiry_and_enforce() -> None:
    policy = load_bundle(FULL).policies["full"]
    snapshot = Snapshot.from_dict(
        {"pnl": {"daily_realized": -1200}, "quotes": {"ES": {"last": 6000, "age": "1s"}}}, NOW
    )
    d = policy.evaluate(Order.from_dict({"symbol": "ES", "side": "sell", "qty": 1}), snapshot, NOW).to_dict()
    assert (d["outcome"], d["stage"], d["code"]) == ("block", "pnl_limits", "daily_loss_limit")
    assert d["actions"] == [
        {"kind": "flatten", "reason": "daily_loss_limit"},
        {
            "kind": "lock",
            "lock": "session:new_york_open",
            "until": "2026-11-25T14:30:00+00:00",
            "enforce": True,
            "reason": "daily_loss_limit",
        },
    ]


def test_a_blocked_reversal_reports_how_much_could_exit() -> None:
    policy = load_bundle(FULL).policies["full"]
    snapshot = Snapshot.from_dict(
        {"positions": {"ES": {"qty": 4, "avg_price": 6000}}, "quotes": {"ES": {"last": 6000, "age": "1s"}}},
        NOW,
    )
    d = policy.evaluate(Order.from_dict({"symbol": "ESZ6", "side": "sell", "qty": 10}), snapshot, NOW)
    assert (d.outcome, d.code, d.max_exit_qty, d.exit) == ("block", "max_contracts_per_order", 4, False)
    assert d.to_dict()["max_exit_qty"] == 4


def test_explain_traces_every_stage_run() -> None:
    policy = load_bundle(FULL).policies["full"]
    snapshot = Snapshot.from_dict({"quotes": {"ES": {"last": 6000, "age": "1s"}}}, NOW)
    d = policy.evaluate(
        Order.from_dict({"symbol": "ES", "side": "buy", "qty": 1}), snapshot, NOW, explain=True
    )
    assert [(t.stage, t.result) for t in d.trace] == [
        ("exit_bypass", "skip"),
        ("locked", "pass"),
        ("enabled", "pass"),
        ("hours", "pass"),
        ("blackout", "pass"),
        ("quote_health", "pass"),
        ("positions", "pass"),
        ("pnl_limits", "pass"),
        ("contracts", "pass"),
        ("rules", "warn"),
    ]
    assert d.to_dict()["trace"][-1] == {
        "stage": "rules",
        "result": "warn",
        "code": "rule:wide-spread",
        "message": "rule wide-spread could not be evaluated (a value it reads is missing, such as a bid, ask or price)",
    }


def test_the_same_decision_for_the_same_inputs() -> None:
    policy = load_bundle(FULL).policies["full"]
    snapshot = Snapshot.from_dict({"quotes": {"ES": {"last": 6000, "age": "30s"}}}, NOW)
    order = Order.from_dict({"symbol": "ES", "side": "buy", "qty": 1})
    first = policy.evaluate(order, snapshot, NOW)
    later = datetime.fromisoformat("2026-12-01T10:00:00-05:00")
    policy.evaluate(order, snapshot, later)  # another day in between must not change the answer
    assert policy.evaluate(order, snapshot, NOW) == first


def test_the_chain_is_compiled_once_into_bound_closures() -> None:
    policy = load_bundle(FULL).policies["full"]
    assert policy.stages == (
        "locked",
        "enabled",
        "hours",
        "blackout",
        "quote_health",
        "positions",
        "pnl_limits",
        "contracts",
        "rules",
    )
    assert all(callable(c) and c.__closure__ for c in policy.checks)
    allow_a = policy.evaluate(
        Order.from_dict({"symbol": "ES", "side": "buy", "qty": 1}),
        Snapshot.from_dict({"quotes": {"ES": {"bid": 1, "ask": 1.25, "age": 1}}}, NOW),
        NOW,
    )
    allow_b = policy.evaluate(
        Order.from_dict({"symbol": "ES", "side": "buy", "qty": 2}),
        Snapshot.from_dict({"quotes": {"ES": {"bid": 1, "ask": 1.25, "age": 1}}}, NOW),
        NOW,
    )
    assert allow_a is allow_b  # an allow without warnings is one prebuilt object


def test_absent_sections_impose_nothing() -> None:
    bundle = load_bundle(FULL)
    policy = bundle.policies["amb-left"]
    assert policy.stages == ("locked", "enabled")
    d = policy.evaluate(Order.from_dict({"symbol": "XYZ", "side": "buy", "qty": 10000}), Snapshot(), NOW)
    assert d.outcome == "allow"


def test_binding_prefers_exact_then_most_literal_characters(bundle_of) -> None:
    bundle = bundle_of(
        a="""
        apiVersion: ordergate/v1
        kind: RiskPolicy
        metadata: {name: catch-all, version: 1}
        spec: {accounts: ["*"]}
        ---
        apiVersion: ordergate/v1
        kind: RiskPolicy
        metadata: {name: apex, version: 1}
        spec: {accounts: ["APEX-*"]}
        ---
        apiVersion: ordergate/v1
        kind: RiskPolicy
        metadata: {name: apex-pa, version: 1}
        spec: {accounts: ["APEX-PA-*"]}
        ---
        apiVersion: ordergate/v1
        kind: RiskPolicy
        metadata: {name: one, version: 1}
        spec: {accounts: ["APEX-PA-7", "lucky"]}
        """
    )
    assert bundle.policy_for("APEX-1").name == "apex"
    assert bundle.policy_for("APEX-PA-1").name == "apex-pa"
    assert bundle.policy_for("APEX-PA-7").name == "one"
    assert bundle.policy_for("X", nickname="lucky").name == "one"
    assert bundle.policy_for("TOPSTEP-1").name == "catch-all"


def test_extends_merges_maps_and_replaces_lists(bundle_of) -> None:
    bundle = bundle_of(
        a="""
        apiVersion: ordergate/v1
        kind: RiskPolicy
        metadata: {name: base, version: 1}
        spec:
          limits: {daily: {loss: 500, profit_target: 900}, on_breach: {action: lock, lock: 6h}}
          contracts: [{symbol: CL, mode: block}, {symbol: NG, mode: block}]
        ---
        apiVersion: ordergate/v1
        kind: RiskPolicy
        metadata: {name: child, version: 2}
        spec:
          accounts: ["C-*"]
          extends: base
          limits: {daily: {loss: 700}}
          contracts: [{symbol: GC, mode: block}]
        """
    )
    child = bundle.policies["child"]
    assert child.spec.limits.daily.loss == 700
    assert child.spec.limits.daily.profit_target == 900
    assert child.spec.limits.on_breach.action == "lock"
    assert [c.symbol for c in child.spec.contracts] == ["GC"]
    assert bundle.policies["base"].accounts == ()


def test_load_bundle_raises_with_every_diagnostic() -> None:
    with pytest.raises(PolicyError) as info:
        load_bundle(REPO / "tests" / "invalid" / "expressions.yaml")
    assert len(info.value.diagnostics) == 5
    assert "(and 4 more)" in str(info.value)


def test_the_digest_changes_with_content_and_name_only(write_rules, tmp_path) -> None:
    text = "apiVersion: ordergate/v1\nkind: RiskPolicy\nmetadata: {name: p, version: 1}\nspec: {}\n"
    rules = write_rules(p=text)
    first = load_bundle(rules).digest
    assert load_bundle(rules).digest == first
    (rules / "p.yaml").write_text(text.replace("version: 1", "version: 2"))
    assert load_bundle(rules).digest != first
    other = tmp_path / "elsewhere"
    other.mkdir()
    (other / "p.yaml").write_text(text)
    assert load_bundle(other).digest == first  # the digest is of relative paths, not where they live


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"side": "buy", "qty": 1}, "order.symbol"),
        ({"symbol": "ES", "side": "hold", "qty": 1}, "order.side"),
        ({"symbol": "ES", "side": "buy", "qty": 0}, "order.qty"),
        ({"symbol": "ES", "side": "buy", "qty": 1.5}, "order.qty"),
        ({"symbol": "ES", "side": "buy", "qty": 1, "type": "limit"}, "order.price"),
        ({"symbol": "ES", "side": "buy", "qty": 1, "colour": "red"}, "order.colour"),
    ],
)
def test_a_bad_order_names_its_field(data: dict, field: str) -> None:
    with pytest.raises(InputError) as info:
        Order.from_dict(data)
    assert info.value.field == field


def test_a_bad_state_names_its_field() -> None:
    with pytest.raises(InputError) as info:
        Snapshot.from_dict({"quotes": {"ES": {"age": "soon"}}})
    assert info.value.field == "state.quotes.ES.age"


NAIVE = NOW.replace(tzinfo=None)


@pytest.mark.parametrize("explain", [False, True])
def test_a_naive_now_is_refused_naming_now(explain: bool) -> None:
    bundle = load_bundle(FULL)
    order = Order.from_dict({"symbol": "ESZ6", "side": "buy", "qty": 1})
    for policy in (bundle.policies["full"], bundle.policy_for("NOBODY")):
        with pytest.raises(InputError) as caught:
            policy.evaluate(order, Snapshot(), NAIVE, explain=explain)
        assert caught.value.field == "now"
        assert isinstance(caught.value, ValueError)
        assert "timezone-aware" in str(caught.value)


def test_a_naive_now_is_refused_for_exits_too() -> None:
    # an exit decides nothing by time, but a caller passing naive times has a bug to hear about
    policy = load_bundle(FULL).policies["full"]
    snapshot = Snapshot.from_dict({"positions": {"ES": {"qty": 1}}})
    with pytest.raises(InputError, match=r"^now: "):
        policy.evaluate(Order.from_dict({"symbol": "ES", "side": "sell", "qty": 1}), snapshot, NAIVE)


def test_the_monitor_checks_refuse_a_naive_now() -> None:
    policy = load_bundle(FULL).policies["full"]
    with pytest.raises(InputError, match=r"^now: "):
        policy.breach(Snapshot(), NAIVE)
    with pytest.raises(InputError, match=r"^now: "):
        policy.auto_flatten_reason(NAIVE)


def test_a_naive_at_for_quote_ages_is_refused() -> None:
    with pytest.raises(InputError, match=r"^at: "):
        Snapshot.from_dict({"quotes": {"ES": {"last": 6000, "age": "1s"}}}, NAIVE)


def test_unrealized_pnl_uses_last_then_mid_times_point_value() -> None:
    s = Snapshot.from_dict(
        {
            "positions": {"ESZ6": {"qty": 2, "avg_price": 6000}, "CL": {"qty": -1, "avg_price": 70}},
            "quotes": {"ES": {"last": 6010}, "CL": {"bid": 70.49, "ask": 70.51}},
        }
    )
    assert s.unrealized == pytest.approx(2 * 10 * 50 - 0.5 * 1000)
    assert s.open_positions == 2


def test_the_public_names_are_pinned() -> None:
    assert set(api.__all__) == {
        "API_VERSION",
        "KINDS",
        "Action",
        "Bundle",
        "CompiledPolicy",
        "ContractSpec",
        "Decision",
        "Diagnostic",
        "HeldPosition",
        "InputError",
        "Order",
        "OrdergateError",
        "PolicyError",
        "Position",
        "Quote",
        "Snapshot",
        "TraceEntry",
        "UnboundPolicy",
        "Warning",
        "Working",
        "canonical_root",
        "check_bundle",
        "contract_table",
        "json_schema",
        "load_bundle",
        "lock_expiry",
        "spec_for",
        "symbol_root",
        "trading_day",
        "trading_day_start",
        "trading_week_start",
    }
    for name in api.__all__:
        assert getattr(api, name) is not None


def test_the_policy_package_imports_no_server_code() -> None:
    import subprocess
    import sys

    code = "import sys, ordergate.policy, ordergate.policy.cli; bad = [m for m in ('asyncio', 'sqlite3', 'starlette', 'uvicorn', 'httpx', 'websockets') if m in sys.modules]; print(bad)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "[]"


@pytest.mark.parametrize(
    ("pattern", "literal"),
    [
        ("APEX-1", None),  # no wildcard: an exact id or nickname
        ("APEX-*", 5),
        ("APEX-?", 5),
        ("A[BC]X-*", 3),  # a class is not literal, however many characters it lists
        ("A[!BC]X-*", 3),
        ("A[]]X*", 2),  # ']' right after '[' is a member of the class
        ("A[X", None),  # an unclosed '[' is a literal '[': the pattern is exact
        ("A[X*", 3),
    ],
)
def test_specificity_counts_only_characters_that_match_themselves(pattern: str, literal: int | None) -> None:
    from ordergate.policy.patterns import literal_chars

    assert literal_chars(pattern) == literal


def test_a_pattern_bound_by_two_policies_is_refused_at_load(write_rules) -> None:
    rules = write_rules(
        a="""
        apiVersion: ordergate/v1
        kind: RiskPolicy
        metadata: {name: a, version: 1}
        spec: {accounts: ["*"]}
        """,
        b="""
        apiVersion: ordergate/v1
        kind: RiskPolicy
        metadata: {name: b, version: 1}
        spec: {accounts: ["*"]}
        """,
    )
    with pytest.raises(PolicyError) as caught:
        load_bundle(rules)
    [d] = caught.value.diagnostics
    assert (Path(d.file).name, d.line, d.col, d.code) == ("b.yaml", 4, 19, "duplicate-pattern")


def test_a_state_naming_one_root_twice_is_refused() -> None:
    with pytest.raises(InputError) as caught:
        Snapshot.from_dict({"positions": {"ES": {"qty": 1}, "ESZ6": {"qty": 2}}}, NOW)
    assert caught.value.field == "state.positions.ESZ6"
    assert "ES" in caught.value.message
    with pytest.raises(InputError) as caught:
        Snapshot.from_dict({"quotes": {"/ESZ6": {"last": 1}, "CON.F.US.EP.Z26": {"last": 2}}}, NOW)
    assert caught.value.field == "state.quotes.CON.F.US.EP.Z26"
