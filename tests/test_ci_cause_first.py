"""A file's own errors come first; what they break elsewhere comes after, marked as a
consequence, in every output of `ordergate validate` and `ordergate test`."""

from __future__ import annotations

import json

from ordergate.policy import check_bundle
from tests.conftest import REPO
from tests.test_cli import run

DEMO = "tests/ci/demo_los"


def test_validate_shows_the_unknown_field_before_the_test_it_breaks() -> None:
    r = run("validate", DEMO)
    assert r.returncode == 1
    lines = r.stdout.splitlines()
    assert (
        lines[0] == f"{DEMO}/demo.yaml:7:13: error[unknown-field]: unknown field 'los' in spec.limits.daily"
    )
    consequence = next(i for i, line in enumerate(lines) if "policy-not-loaded" in line)
    assert lines[consequence] == (
        f"{DEMO}/demo.test.yaml:5:11: error[policy-not-loaded]: test 'demo-tests' names policy 'demo',"
        f" which does not load because {DEMO}/demo.yaml has errors"
    )
    assert f"    note: a consequence of the errors in {DEMO}/demo.yaml" in lines[consequence:]


def test_validate_json_marks_the_consequence_with_the_file_that_caused_it() -> None:
    doc = json.loads(run("validate", "--format", "json", DEMO).stdout)
    first, second = doc["diagnostics"]
    assert (first["code"], "consequence_of" in first) == ("unknown-field", False)
    assert (second["code"], second["consequence_of"]) == ("policy-not-loaded", f"{DEMO}/demo.yaml")


def test_test_verb_shows_the_real_cause_first() -> None:
    r = run("test", DEMO)
    assert r.returncode == 1
    assert r.stderr.splitlines()[0].endswith("error[unknown-field]: unknown field 'los' in spec.limits.daily")


def test_a_test_naming_a_policy_that_is_nowhere_is_still_unknown_policy() -> None:
    _, diagnostics = check_bundle([REPO / "tests" / "invalid" / "tests_bad.yaml"])
    unknown = next(d for d in diagnostics if d.code == "unknown-policy")
    assert unknown.consequence_of is None
    assert unknown.message == "test 't' names policy 'reel', which is not in this bundle"
    assert unknown.hint == "did you mean 'real'?"


def test_the_cause_comes_first_though_the_test_file_sorts_before_it() -> None:
    # 'demo.test.yaml' sorts before 'demo.yaml', yet the cause in demo.yaml is reported first
    _, diagnostics = check_bundle([REPO / DEMO])
    assert [d.code for d in diagnostics] == ["unknown-field", "policy-not-loaded"]
