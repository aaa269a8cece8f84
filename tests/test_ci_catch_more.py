"""What `ordergate validate`, `test` and `check` refuse beyond the schema: a runtime
config whose rules folder is not there, names in `expect` that no decision carries, a
folder with no tests, and contract months that ended before the decision time."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from ordergate.policy.expiry import contract_month, expired_contract
from tests.conftest import REPO
from tests.test_cli import run

DEC_2026 = datetime(2026, 12, 10, 15, tzinfo=UTC)


def test_validate_refuses_a_runtime_config_whose_rules_folder_does_not_exist(tmp_path: Path) -> None:
    (tmp_path / "runtime.yaml").write_text(
        "apiVersion: ordergate/v1\nkind: Runtime\nmetadata: {name: desk}\nspec:\n  rules: ./rulez\n"
    )
    r = run("validate", "runtime.yaml", cwd=tmp_path)
    assert r.returncode == 1
    assert r.stdout.startswith("runtime.yaml:5:10: error[no-such-path]: spec.rules: rulez does not exist")
    (tmp_path / "rulez").mkdir()
    assert run("validate", "runtime.yaml", cwd=tmp_path).returncode == 0


def test_a_rules_folder_is_found_relative_to_the_config_file_not_the_working_directory(
    tmp_path: Path,
) -> None:
    desk = tmp_path / "desk"
    (desk / "rules").mkdir(parents=True)
    (desk / "runtime.yaml").write_text(
        "apiVersion: ordergate/v1\nkind: Runtime\nmetadata: {name: desk}\nspec:\n  rules: rules\n"
    )
    assert run("validate", "desk/runtime.yaml", cwd=tmp_path).returncode == 0


def test_validate_refuses_a_misspelt_stage_in_expect_with_a_hint() -> None:
    r = run("validate", "tests/invalid/expect_names.yaml")
    assert r.returncode == 1
    assert (
        "tests/invalid/expect_names.yaml:20:39: error[unknown-stage]: expect.stage: unknown stage 'postions'"
        in r.stdout
    )
    assert "    hint: did you mean 'positions'?" in r.stdout
    assert "    hint: did you mean 'max_contracts_per_order'?" in r.stdout


def test_test_on_a_folder_with_policies_and_no_tests_exits_1_saying_no_tests_found(tmp_path: Path) -> None:
    shutil.copy(REPO / "rules" / "default.yaml", tmp_path / "default.yaml")
    r = run("test", str(tmp_path))
    assert r.returncode == 1
    assert r.stderr.startswith(f"no tests found under {tmp_path}")


def test_check_refuses_a_contract_month_that_ended_before_at() -> None:
    r = run(
        "check", "--rules", "rules", "--order", '{"symbol": "ESZ5", "side": "buy", "qty": 1}',
        "--at", "2026-12-10T10:00:00-05:00",
    )  # fmt: skip
    assert r.returncode == 2
    assert "contract ESZ5 has expired: December 2025 ended before 2026-12-10" in r.stderr
    r = run(
        "check", "--rules", "rules", "--order", '{"symbol": "ESZ5", "side": "buy", "qty": 1}',
        "--at", "2025-11-24T10:00:00-05:00",
    )  # fmt: skip
    assert r.returncode == 0, r.stderr


def test_a_policy_test_case_with_an_expired_contract_is_an_error_at_its_symbol() -> None:
    r = run("validate", "--format", "json", "tests/invalid/expect_names.yaml")
    expired = [d for d in json.loads(r.stdout)["diagnostics"] if d["code"] == "expired-contract"]
    assert [(d["line"], d["col"]) for d in expired] == [(35, 23)]


@pytest.mark.parametrize(
    ("symbol", "month"),
    [
        ("ESZ5", (2025, 12)),  # one digit: from last year to eight years ahead
        ("ESH7", (2027, 3)),
        ("ESZ4", (2034, 12)),
        ("ESZ25", (2025, 12)),
        ("ESZ2026", (2026, 12)),
        ("/MESZ5", (2025, 12)),
        ("CME_MINI:ESZ5", (2025, 12)),
        ("CON.F.US.EP.Z25", (2025, 12)),
        ("ES", None),
        ("ES1!", None),
        ("NOPEZ5", None),
    ],
)
def test_contract_month_reads_every_spelling(symbol: str, month: tuple[int, int] | None) -> None:
    assert contract_month(symbol, DEC_2026) == month


def test_a_contract_expires_when_its_month_is_over_in_utc() -> None:
    assert expired_contract("ESZ6", DEC_2026) is None
    assert expired_contract("ESZ6", datetime(2027, 1, 1, tzinfo=UTC)) is not None
    # 31 Dec 19:30 in New York is already January in UTC
    new_york = timezone(timedelta(hours=-5))
    assert expired_contract("ESZ6", datetime(2026, 12, 31, 19, 30, tzinfo=new_york)) is not None
    assert expired_contract("ESZ6", datetime(2026, 12, 31, 18, 59, tzinfo=new_york)) is None
    assert expired_contract("ES", DEC_2026) is None
