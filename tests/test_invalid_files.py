"""Each invalid fixture states the exact diagnostics it must produce, and gets no others."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ordergate.policy import check_bundle
from tests.conftest import REPO

INVALID = sorted((REPO / "tests" / "invalid").glob("*.yaml"))
EXPECT = re.compile(r"^# expect: (\d+):(\d+) (error|warning)\[([a-z-]+)\]$", re.M)


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.name)
def test_invalid_file_reports_exactly_its_diagnostics(path: Path) -> None:
    expected = sorted(
        (int(line), int(col), sev, code) for line, col, sev, code in EXPECT.findall(path.read_text())
    )
    assert expected, f"{path.name} declares no '# expect:' lines"
    _, diagnostics = check_bundle([path])
    got = sorted((d.line, d.col, d.severity, d.code) for d in diagnostics)
    assert got == expected, "\n".join(d.render_text() for d in diagnostics)
    assert all(d.file == str(path) for d in diagnostics)


def test_every_diagnostic_carries_its_source_line_and_a_caret() -> None:
    _, diagnostics = check_bundle([REPO / "tests" / "invalid" / "expressions.yaml"])
    text = diagnostics[0].render_text().splitlines()
    assert text[0].endswith("unknown name 'daily.pnll'")
    assert text[1] == "        - {name: a, when: daily.pnll < -500}"
    assert text[2] == "    " + " " * 22 + "^"
    assert text[3] == "    hint: did you mean daily.pnl?"


def test_unknown_field_suggests_the_known_one() -> None:
    _, diagnostics = check_bundle([REPO / "tests" / "invalid" / "unknown_field.yaml"])
    hints = {d.message: d.hint for d in diagnostics}
    assert hints["unknown field 'acounts' in spec"] == "did you mean 'accounts'?"
    assert hints["unknown field 'los' in spec.limits.daily"] == "did you mean 'loss'?"


def test_unknown_api_version_and_kind_name_the_supported_ones() -> None:
    _, diagnostics = check_bundle([REPO / "tests" / "invalid" / "versions.yaml"])
    messages = [d.message for d in diagnostics]
    assert "unknown apiVersion 'ordergate/v9'; supported: ordergate/v1" in messages
    assert "unknown kind 'RiskPolcy'; supported kinds: RiskPolicy, PolicyTest, Runtime" in messages
    assert any(d.hint == "did you mean 'RiskPolicy'?" for d in diagnostics)


def test_schema_errors_do_not_hide_semantic_errors_elsewhere() -> None:
    _, diagnostics = check_bundle([REPO / "tests" / "invalid" / "ranges.yaml"])
    fields = " ".join(d.message for d in diagnostics)
    assert "stale_after" in fields and "exit_before" in fields and "daily.loss" in fields


def test_a_literal_secret_is_never_echoed() -> None:
    _, diagnostics = check_bundle([REPO / "tests" / "invalid" / "secrets.yaml"])
    for d in diagnostics:
        assert "s3cret" not in d.render_line() and "hunter2" not in d.render_line()
    assert {d.hint for d in diagnostics} == {"reference it as ${env:NAME} and set NAME in the environment"}
