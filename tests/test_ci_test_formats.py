"""`ordergate test` and `ordergate check` as a pipeline runs them: JUnit XML read back by
a JUnit parser, GitHub annotations on the failing case's line, --run, --coverage, and
check's --fail-on-block and --explain."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from junitparser import Failure, JUnitXml

from tests.test_cli import run

PIPELINE = "tests/ci/pipeline"
FAILING = "wrongly expects two lots after a loss to pass"


def test_junit_has_a_testsuite_per_file_and_a_failure_in_the_failing_case(tmp_path: Path) -> None:
    r = run("test", "--format", "junit", PIPELINE)
    assert r.returncode == 1
    report = tmp_path / "junit.xml"
    report.write_text(r.stdout)
    xml = JUnitXml.fromfile(str(report))
    suites = {suite.name: suite for suite in xml}
    assert set(suites) == {f"{PIPELINE}/desk.test.yaml", f"{PIPELINE}/hours.test.yaml"}
    desk = suites[f"{PIPELINE}/desk.test.yaml"]
    assert (desk.tests, desk.failures, desk.errors) == (3, 1, 0)
    cases = {case.name: case for case in desk}
    assert set(cases) == {"one lot is allowed", "six lots are blocked", FAILING}
    failing = cases[FAILING]
    assert failing.classname == "desk-sizes"
    (failure,) = failing.result
    assert isinstance(failure, Failure)
    assert failure.message == "outcome: expected 'allow', got 'block'"
    assert "rules         block rule:no-big-after-loss" in (failure.text or "")
    assert cases["one lot is allowed"].is_passed
    root = ET.fromstring(r.stdout.split("\n", 1)[1])  # the tree GitLab, Jenkins and Azure read
    assert root.tag == "testsuites" and (root.get("tests"), root.get("failures")) == ("4", "1")
    assert [c.get("line") for c in root.iter("testcase")] == ["7", "11", "15", "7"]


def test_github_format_annotates_the_failing_case_on_its_line() -> None:
    r = run("test", "--format", "github", PIPELINE)
    assert r.returncode == 1
    lines = r.stdout.splitlines()
    assert lines[0] == (
        f"::error file={PIPELINE}/desk.test.yaml,line=15,title=ordergate test%3A desk-sizes::"
        f"{FAILING}: outcome: expected 'allow', got 'block'"
    )
    assert lines[-1] == "3 passed, 1 failed"


def test_run_selects_cases_by_suite_and_name() -> None:
    r = run("test", "--run", "desk-sizes/six", "-v", PIPELINE)
    assert r.returncode == 0, r.stdout
    assert r.stdout.splitlines()[-1] == "1 passed, 0 failed"
    assert "six lots are blocked" in r.stdout
    assert run("test", "--run", "hours", PIPELINE).stdout.splitlines()[-1] == "1 passed, 0 failed"


def test_run_that_matches_nothing_exits_1_and_a_bad_regex_is_a_usage_error() -> None:
    r = run("test", "--run", "nothing-like-this", PIPELINE)
    assert r.returncode == 1 and "no test case matches --run 'nothing-like-this'" in r.stderr
    r = run("test", "--run", "(", PIPELINE)
    assert r.returncode == 2 and "--run '(' is not a regular expression" in r.stderr


def test_coverage_names_the_rule_no_case_matched_and_stages_that_never_blocked() -> None:
    r = run("test", "--coverage", PIPELINE)
    assert "  desk@3: 4 cases" in r.stdout
    assert "    rules never matched: never-matched" in r.stdout
    assert "    stages that never blocked or warned: locked, enabled, contracts" in r.stdout
    doc = json.loads(run("test", "--format", "json", "--coverage", PIPELINE).stdout)
    desk = doc["coverage"]["desk@3"]
    assert desk["rules"] == ["no-big-after-loss", "never-matched"]
    assert desk["rules_never_matched"] == ["never-matched"]
    assert desk["never_reached"] == []
    assert desk["stages"] == ["locked", "enabled", "hours", "positions", "contracts", "rules"]


def test_coverage_shows_a_stage_no_case_reached() -> None:
    doc = json.loads(run("test", "--format", "json", "--coverage", "--run", "hours", PIPELINE).stdout)
    assert doc["coverage"]["desk@3"]["never_reached"] == ["positions", "contracts", "rules"]
    assert doc["passed"] == 1


ORDER = '{"account": "DESK-1", "symbol": "ESZ6", "side": "buy", "qty": %d}'
AT = "2026-11-24T10:00:00-05:00"


def test_check_fail_on_block_exits_1_when_blocked_and_0_when_allowed() -> None:
    blocked = run("check", "--rules", PIPELINE, "--order", ORDER % 6, "--at", AT, "--fail-on-block")
    assert blocked.returncode == 1 and json.loads(blocked.stdout)["outcome"] == "block"
    allowed = run("check", "--rules", PIPELINE, "--order", ORDER % 1, "--at", AT, "--fail-on-block")
    assert allowed.returncode == 0 and json.loads(allowed.stdout)["outcome"] == "allow"
    assert run("check", "--rules", PIPELINE, "--order", ORDER % 6, "--at", AT).returncode == 0


def test_check_explain_lists_every_stage_with_those_left_out_not_configured() -> None:
    r = run("check", "--rules", PIPELINE, "--order", ORDER % 6, "--at", AT, "--explain")
    trace = [(t["stage"], t["result"]) for t in json.loads(r.stdout)["trace"]]
    assert trace == [
        ("exit_bypass", "skip"),
        ("locked", "pass"),
        ("enabled", "pass"),
        ("hours", "pass"),
        ("blackout", "not configured"),
        ("quote_health", "not configured"),
        ("positions", "block"),
        ("pnl_limits", "not configured"),
        ("contracts", "not reached"),
        ("rules", "not reached"),
    ]
