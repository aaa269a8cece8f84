"""Golden PolicyTest fixtures: adding a chain case means adding YAML, not code."""

from __future__ import annotations

from pathlib import Path

import pytest

from ordergate.policy import load_bundle
from ordergate.policy.testing import describe_failure, run_tests
from tests.conftest import REPO

GOLDEN = sorted(p for p in (REPO / "tests" / "golden").iterdir() if p.is_dir())
ALL_CODES = {
    "account_locked",
    "account_disabled",
    "automation_paused",
    "outside_hours",
    "inactive_day",
    "blackout_active",
    "quote_stale",
    "quote_missing",
    "max_contracts_per_order",
    "max_position_size",
    "max_open_positions",
    "daily_loss_limit",
    "daily_profit_target",
    "weekly_loss_limit",
    "weekly_profit_target",
    "trailing_drawdown",
    "symbol_blocked",
    "symbol_cap",
    "no_policy",
    "policy_ambiguous",
}


@pytest.mark.parametrize(
    "directory", [*GOLDEN, REPO / "rules", REPO / "examples"], ids=lambda p: str(Path(p).relative_to(REPO))
)
def test_every_policy_test_case_passes(directory: Path) -> None:
    results = run_tests(load_bundle(directory))
    assert results, f"{directory} has no PolicyTest cases"
    failures = [describe_failure(r) for r in results if not r.passed]
    assert not failures, "\n".join(failures)


def test_golden_cases_cover_every_code_and_stage() -> None:
    codes: set[str] = set()
    stages: set[str] = set()
    actions: set[frozenset[str]] = set()
    for directory in GOLDEN:
        for r in run_tests(load_bundle(directory)):
            expect = r.prepared.case.expect
            if expect.code:
                codes.add(expect.code)
            if r.decision.stage:
                stages.add(r.decision.stage)
            if expect.actions is not None:
                actions.add(frozenset(expect.actions))
            for w in expect.warnings or ():
                codes.add(w)
    assert codes >= ALL_CODES, f"no golden case expects {sorted(ALL_CODES - codes)}"
    assert any(c.startswith("rule:") for c in codes)
    assert {
        "exit_bypass",
        "policy",
        "locked",
        "enabled",
        "hours",
        "blackout",
        "quote_health",
        "positions",
        "pnl_limits",
        "contracts",
        "rules",
    } <= stages
    assert {frozenset(), frozenset({"lock"}), frozenset({"flatten", "lock"})} <= actions


def test_a_wrong_expectation_fails_and_shows_the_trace(write_rules) -> None:
    rules = write_rules(
        p="""
        apiVersion: ordergate/v1
        kind: RiskPolicy
        metadata: {name: p, version: 1}
        spec:
          accounts: ["*"]
          positions: {max_contracts_per_order: 1}
        """,
        t="""
        apiVersion: ordergate/v1
        kind: PolicyTest
        metadata: {name: t}
        spec:
          policy: p
          cases:
            - name: expects the wrong thing
              at: 2026-11-24T10:00:00Z
              order: {symbol: ES, side: buy, qty: 2}
              expect: {outcome: allow}
        """,
    )
    [result] = run_tests(load_bundle(rules))
    assert not result.passed
    text = describe_failure(result)
    assert "outcome: expected 'allow', got 'block'" in text
    assert "positions     block max_contracts_per_order" in text


def test_an_expected_lock_expiry_is_compared_as_an_instant(write_rules) -> None:
    rules = write_rules(
        p="""
        apiVersion: ordergate/v1
        kind: RiskPolicy
        metadata: {name: p, version: 1}
        spec:
          accounts: ["*"]
          limits: {daily: {loss: 100}, on_breach: {action: lock, lock: 6h}}
        """,
        t="""
        apiVersion: ordergate/v1
        kind: PolicyTest
        metadata: {name: t}
        spec:
          policy: p
          cases:
            - name: same instant in another offset
              at: 2026-11-24T10:00:00-05:00
              state: {pnl: {daily_realized: -100}}
              order: {symbol: ES, side: buy, qty: 1}
              expect: {until: "2026-11-24T21:00:00Z"}
            - name: an hour off
              at: 2026-11-24T10:00:00-05:00
              state: {pnl: {daily_realized: -100}}
              order: {symbol: ES, side: buy, qty: 1}
              expect: {until: "2026-11-24T17:00:00-05:00"}
            - name: no breach, so no lock
              at: 2026-11-24T10:00:00-05:00
              order: {symbol: ES, side: buy, qty: 1}
              expect: {until: "2026-11-24T16:00:00-05:00"}
        """,
    )
    same, off, none = run_tests(load_bundle(rules))
    assert same.passed
    assert off.mismatches == ("until: expected 2026-11-24T17:00:00-05:00, got 2026-11-24T16:00:00-05:00",)
    assert none.mismatches == ("until: expected a lock until 2026-11-24T16:00:00-05:00, got no lock",)


def test_an_unreadable_expected_lock_expiry_is_a_diagnostic_at_its_place(diagnostics_of) -> None:
    found = diagnostics_of(
        p="""
        apiVersion: ordergate/v1
        kind: RiskPolicy
        metadata: {name: p, version: 1}
        spec: {accounts: ["*"]}
        """,
        t="""
        apiVersion: ordergate/v1
        kind: PolicyTest
        metadata: {name: t}
        spec:
          policy: p
          cases:
            - name: c
              at: 2026-11-24T10:00:00-05:00
              order: {symbol: ES, side: buy, qty: 1}
              expect: {until: tomorrow}
        """,
    )
    [d] = [d for d in found if d.code == "format"]
    assert (d.file.endswith("t.yaml"), d.line, d.col) == (True, 10, 23)
    assert "expect.until must be an ISO 8601 time" in d.message
