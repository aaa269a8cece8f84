"""The installed `ordergate` command, run as a subprocess, as CI pipelines run it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

ORDERGATE = shutil.which("ordergate", path=str(Path(sys.executable).parent)) or "ordergate"
INVALID = REPO / "tests" / "invalid"


def run(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run([ORDERGATE, *args], capture_output=True, text=True, cwd=cwd, timeout=60)


def test_validate_the_project_rules_and_examples_exits_0() -> None:
    r = run("validate", "rules", "examples")
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.startswith("valid: ")


def test_validate_an_invalid_file_exits_1_with_file_line_col() -> None:
    r = run("validate", "tests/invalid/timezone.yaml")
    assert r.returncode == 1
    assert (
        r.stdout.splitlines()[0]
        == "tests/invalid/timezone.yaml:7:13: error[timezone]: unknown timezone 'America/NewYork'"
    )
    assert "    hint: did you mean 'America/New_York'?" in r.stdout


def test_validate_warnings_pass_unless_strict() -> None:
    assert run("validate", "tests/invalid/warnings.yaml").returncode == 0
    assert run("validate", "--strict", "tests/invalid/warnings.yaml").returncode == 1


def test_validate_json_output() -> None:
    r = run("validate", "--format", "json", "tests/invalid/unknown_field.yaml")
    doc = json.loads(r.stdout)
    assert r.returncode == 1 and doc["valid"] is False and doc["errors"] == 2
    assert doc["diagnostics"][0] == {
        "file": "tests/invalid/unknown_field.yaml",
        "line": 7,
        "col": 3,
        "severity": "error",
        "code": "unknown-field",
        "message": "unknown field 'acounts' in spec",
        "hint": "did you mean 'accounts'?",
    }


def test_validate_github_annotations() -> None:
    r = run("validate", "--format", "github", "tests/invalid/timezone.yaml")
    assert r.stdout.splitlines()[0] == (
        "::error file=tests/invalid/timezone.yaml,line=7,col=13,title=ordergate timezone::"
        "unknown timezone 'America/NewYork' (hint: did you mean 'America/New_York'?)"
    )


def test_validate_sarif() -> None:
    r = run("validate", "--format", "sarif", "tests/invalid/breach.yaml")
    sarif = json.loads(r.stdout)
    assert sarif["version"] == "2.1.0"
    results = sarif["runs"][0]["results"]
    assert {x["ruleId"] for x in results} == {"enforce-manual", "lock-kind"}
    region = results[0]["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 12, "startColumn": 16}


@pytest.mark.parametrize(
    "args",
    [
        ("validate", "--format", "xml", "rules"),
        ("frobnicate",),
        ("check", "--rules", "rules"),
        ("schema", "Nope"),
        ("test", "--bogus"),
    ],
)
def test_usage_errors_exit_2_without_a_traceback(args: tuple[str, ...]) -> None:
    r = run(*args)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr + r.stdout
    assert (r.stderr + r.stdout).strip()


def test_validate_a_missing_path_is_a_usage_error_in_one_line() -> None:
    r = run("validate", "no/such/dir")
    assert r.returncode == 2
    assert r.stderr == "ordergate validate: no/such/dir: no such file or directory\n"
    assert run("test", "no/such/dir").returncode == 2


def test_test_verb_ends_with_the_counts() -> None:
    r = run("test", "rules")
    assert r.returncode == 0, r.stdout
    assert r.stdout.strip().splitlines()[-1].endswith(" passed, 0 failed")


def test_test_verb_exits_1_on_a_failing_case(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(
        "apiVersion: ordergate/v1\nkind: RiskPolicy\nmetadata: {name: p, version: 1}\nspec: {accounts: ['*']}\n---\n"
        "apiVersion: ordergate/v1\nkind: PolicyTest\nmetadata: {name: t}\nspec:\n  policy: p\n  cases:\n"
        "    - {name: wrong, at: '2026-11-24T10:00:00Z', order: {symbol: ES, side: buy, qty: 1}, expect: {outcome: block}}\n"
    )
    r = run("test", str(tmp_path))
    assert r.returncode == 1
    assert "FAIL" in r.stdout and "outcome: expected 'block', got 'allow'" in r.stdout
    assert r.stdout.strip().splitlines()[-1] == "0 passed, 1 failed"


def test_test_verb_on_rules_that_do_not_load_exits_1() -> None:
    r = run("test", "tests/invalid/names.yaml")
    assert r.returncode == 1 and "does not load" in r.stderr


def test_check_prints_the_decision_as_json() -> None:
    r = run(
        "check",
        "--rules",
        "examples/gitops/rules",
        "--order",
        "examples/orders/buy-es.json",
        "--state",
        "examples/orders/state-after-loss.json",
        "--at",
        "2026-11-24T10:00:00-05:00",
        "--explain",
    )
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert (d["outcome"], d["stage"], d["code"], d["policy"]) == (
        "block",
        "pnl_limits",
        "daily_loss_limit",
        "futures-desk@12",
    )
    assert [a["kind"] for a in d["actions"]] == ["flatten", "lock"]
    results = {t["stage"]: t["result"] for t in d["trace"]}
    assert results["pnl_limits"] == "block"
    assert (results["contracts"], results["rules"]) == ("not reached", "not reached")


def test_check_takes_inline_json_and_binds_by_account() -> None:
    r = run(
        "check",
        "--rules",
        "rules",
        "--order",
        '{"symbol": "ESZ6", "side": "buy", "qty": 1, "account": "APEX-9"}',
        "--at",
        "2026-11-24T12:00:00-05:00",
    )
    d = json.loads(r.stdout)
    assert d["policy"] == "apex-50k-eval@1" and d["code"] == "quote_missing"


def test_check_state_counts_working_orders() -> None:
    order = '{"symbol": "ESZ6", "side": "buy", "qty": 1, "type": "limit", "price": 5990, "account": "WORK-1"}'
    common = ("check", "--rules", "tests/golden/chain", "--order", order, "--at", "2026-11-24T10:00:00-05:00")
    flat = json.loads(run(*common).stdout)
    r = run(*common, "--state", '{"working": {"ESZ6": {"buy": 5}}}')
    assert r.returncode == 0, r.stderr
    resting = json.loads(r.stdout)
    assert flat["outcome"] == "allow"
    assert (resting["outcome"], resting["code"]) == ("block", "max_position_size")


def test_check_a_bad_working_state_exits_2_naming_the_field() -> None:
    r = run(
        "check",
        "--rules",
        "tests/golden/chain",
        "--order",
        '{"symbol": "ES", "side": "buy", "qty": 1}',
        "--state",
        '{"working": {"ES": {"buy": -2}}}',
    )
    assert r.returncode == 2 and "state.working.ES.buy: must be a whole number" in r.stderr
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--order", '{"symbol": "ES", "side": "up", "qty": 1}'), "order.side: must be buy or sell"),
        (("--order", "missing.json"), "cannot read --order file missing.json"),
        (
            ("--order", '{"symbol": "ES", "side": "buy", "qty": 1}', "--at", "tomorrow"),
            "--at must be an ISO 8601 time",
        ),
    ],
)
def test_check_bad_input_exits_2_with_one_clear_line(extra: tuple[str, ...], message: str) -> None:
    r = run("check", "--rules", "rules", *extra)
    assert r.returncode == 2
    assert message in r.stderr and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_schema_prints_a_kind() -> None:
    r = run("schema", "RiskPolicy")
    assert r.returncode == 0
    assert json.loads(r.stdout)["title"] == "ordergate RiskPolicy (ordergate/v1)"


def test_fmt_keeps_comments_and_check_reports(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(
        "# the desk's policy\nspec:   # settings\n    accounts:   [A-*]   # who\nkind: RiskPolicy\nmetadata: {name: p, version: 1}\napiVersion: ordergate/v1\n"
    )
    check = run("fmt", "--check", str(path))
    assert check.returncode == 1 and "would reformat" in check.stdout
    assert run("fmt", str(path)).returncode == 0
    text = path.read_text()
    assert text.splitlines()[:3] == ["# the desk's policy", "apiVersion: ordergate/v1", "kind: RiskPolicy"]
    assert "# settings" in text and "# who" in text
    assert run("fmt", "--check", str(path)).returncode == 0
    assert run("validate", str(path)).returncode == 0


def test_fmt_on_a_broken_file_exits_1_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("a: [1, 2\n")
    r = run("fmt", str(path))
    assert r.returncode == 1 and f"{path}:" in r.stderr and "YAML syntax error" in r.stderr


def test_migrate_reports_files_already_current(tmp_path: Path) -> None:
    shutil.copy(REPO / "rules" / "default.yaml", tmp_path / "d.yaml")
    r = run("migrate", str(tmp_path))
    assert r.returncode == 0 and "already at the newest apiVersion" in r.stdout
    (tmp_path / "old.yaml").write_text("apiVersion: ordergate/v0\nkind: RiskPolicy\n")
    r = run("migrate", str(tmp_path))
    assert r.returncode == 1 and "unknown apiVersion 'ordergate/v0'" in r.stderr
