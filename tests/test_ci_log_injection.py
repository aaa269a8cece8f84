"""No log injection: text an author wrote (a YAML key, a case name, a message) cannot
start a line of its own in a CI log, where a line beginning with `::` is a GitHub
workflow command. Text output shows control characters as escapes; GitHub output uses
GitHub's own escaping for command data and properties."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from ordergate.policy.escaping import github_data, github_property, not_a_command, visible
from tests.test_cli import run

POLICY = "tests/ci/injection"
TESTS = "tests/ci/injection_tests"


def commands(output: str) -> list[str]:
    """The lines a GitHub runner would take as workflow commands."""
    return [line for line in output.splitlines() if line.lstrip().startswith("::")]


def test_validate_text_output_has_no_workflow_command_and_shows_the_escapes() -> None:
    r = run("validate", POLICY)
    assert r.returncode == 1
    assert commands(r.stdout + r.stderr) == []
    assert "unknown field '\\n::warning file=README.md,line=1::pwned' in spec" in r.stdout
    assert "unknown field 'lo\\x1b[31ms' in spec.limits.daily" in r.stdout
    assert "\x1b" not in r.stdout
    assert "    | ::error file=README.md::quoted: 1" in r.stdout.splitlines()


def test_validate_github_output_has_only_its_own_annotations_escaped_as_github_says() -> None:
    r = run("validate", "--format", "github", POLICY)
    found = commands(r.stdout)
    assert len(found) == 3
    assert all(line.startswith(f"::error file={POLICY}/policy.yaml,line=") for line in found)
    assert "unknown field '%0A::warning file=README.md,line=1::pwned' in spec" in found[0]


def test_test_text_and_github_output_escape_a_case_name() -> None:
    text = run("test", TESTS)
    assert text.returncode == 1
    assert commands(text.stdout + text.stderr) == []
    assert "desk-tests › fails\\n::warning file=README.md,line=1::pwned\\r\\n::error::x" in text.stdout
    github = run("test", "--format", "github", TESTS)
    (annotation,) = commands(github.stdout)
    assert annotation.startswith(
        f"::error file={TESTS}/desk.test.yaml,line=7,title=ordergate test%3A desk-tests::"
    )
    assert "fails%0A::warning file=README.md,line=1::pwned%0D%0A::error::x" in annotation


def test_junit_of_a_case_name_with_control_characters_is_well_formed_xml() -> None:
    r = run("test", "--format", "junit", TESTS)
    root = ET.fromstring(r.stdout.split("\n", 1)[1])
    (case,) = root.iter("testcase")
    assert case.get("name") == "fails\\n::warning file=README.md,line=1::pwned\\r\\n::error::x"
    assert commands(r.stdout) == []


def test_json_output_keeps_the_text_as_it_is() -> None:
    doc = json.loads(run("validate", "--format", "json", POLICY).stdout)
    assert (
        doc["diagnostics"][0]["message"] == "unknown field '\n::warning file=README.md,line=1::pwned' in spec"
    )


@pytest.mark.parametrize(
    ("text", "data", "prop"),
    [
        ("a%b", "a%25b", "a%25b"),
        ("l1\r\nl2", "l1%0D%0Al2", "l1%0D%0Al2"),
        ("file: a, b", "file: a, b", "file%3A a%2C b"),
        ("bell\x07", "bell\\x07", "bell\\x07"),
    ],
)
def test_github_escaping_follows_githubs_rules(text: str, data: str, prop: str) -> None:
    assert github_data(text) == data
    assert github_property(text) == prop


def test_visible_escapes_every_control_character_and_line_separator() -> None:
    assert visible("a\nb\tc\x00d\x7f\x85e\u2028f") == "a\\nb\\tc\\x00d\\x7f\\x85e\\u2028f"
    assert visible("one\ntwo\x1b", keep_newlines=True) == "one\ntwo\\x1b"
    assert not_a_command("   ::error::x") == "|    ::error::x"
    assert not_a_command("key: ::x") == "key: ::x"
