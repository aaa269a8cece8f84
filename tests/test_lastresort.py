"""The last resort: an exception escaping a loading stage is an internal-error
diagnostic on the file that caused it, never a traceback.

Every known cause has been fixed where it arose, so the fault here is injected: one
stage is made to raise for one file, as a future bug would.
"""

from __future__ import annotations

import argparse
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ordergate.policy import PolicyError, check_bundle, load_bundle
from ordergate.policy import bundle as bundle_module
from ordergate.policy.cli import add_commands, run_offline

GOOD = """\
apiVersion: ordergate/v1
kind: RiskPolicy
metadata: {name: good, version: 1}
spec:
  accounts: ["*"]
  hours: {start: "25:00"}
"""
POISON = GOOD.replace("name: good", "name: poison").replace('"25:00"', '"09:30"')


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    (tmp_path / "good.yaml").write_text(GOOD)
    (tmp_path / "poison.yaml").write_text(POISON)
    return tmp_path


@pytest.fixture
def poisoned_stage(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The secrets stage raises on every document of poison.yaml."""
    real = bundle_module.find_literal_secrets
    calls: list[str] = []

    def stage(doc: Any) -> Any:
        calls.append(doc.source.name)
        if doc.source.name.endswith("poison.yaml"):
            raise RuntimeError("stage exploded on " + "x" * 1000)
        return real(doc)

    monkeypatch.setattr(bundle_module, "find_literal_secrets", stage)
    yield calls


def test_an_exception_in_a_stage_is_an_internal_error_on_that_file(
    rules: Path, poisoned_stage: list[str]
) -> None:
    _, diagnostics = check_bundle([rules])
    got = [(Path(d.file).name, d.line, d.col, d.code) for d in diagnostics]
    assert got == [("good.yaml", 6, 18, "format"), ("poison.yaml", 1, 1, "internal-error")]
    internal = diagnostics[1]
    assert internal.message.startswith(
        "ordergate failed while loading this file (RuntimeError: stage exploded on xxx"
    )
    assert len(internal.message) < 300  # the exception's text is cut short
    assert internal.hint == "this is a bug in ordergate, not in the file; please report it with the file"


def test_the_other_files_are_still_loaded_when_one_raises(tmp_path: Path, poisoned_stage: list[str]) -> None:
    (tmp_path / "good.yaml").write_text(GOOD.replace('"25:00"', '"09:30"'))
    (tmp_path / "poison.yaml").write_text(POISON)
    bundle, diagnostics = check_bundle([tmp_path])
    assert [d.code for d in diagnostics] == ["internal-error"]
    assert bundle is not None and list(bundle.policies) == ["good"]


def test_load_bundle_raises_policy_error_carrying_the_internal_error(
    rules: Path, poisoned_stage: list[str]
) -> None:
    with pytest.raises(PolicyError) as info:
        load_bundle(rules)
    assert "internal-error" in {d.code for d in info.value.diagnostics}


def test_files_that_raise_only_together_are_named_together(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a.yaml").write_text(GOOD)
    (tmp_path / "b.yaml").write_text(POISON)
    real = bundle_module._check_unique_names

    def stage(loaded: list[Any], problems: list[Any]) -> None:
        if len(loaded) > 1:
            raise KeyError("two")
        real(loaded, problems)

    monkeypatch.setattr(bundle_module, "_check_unique_names", stage)
    bundle, diagnostics = check_bundle([tmp_path])
    assert bundle is None
    assert [(Path(d.file).name, d.code) for d in diagnostics] == [("a.yaml", "internal-error")]
    assert diagnostics[0].message == "ordergate failed while loading these files together (KeyError: 'two')"


def test_validate_prints_the_internal_error_and_exits_1_without_a_traceback(
    rules: Path, poisoned_stage: list[str]
) -> None:
    parser = argparse.ArgumentParser(prog="ordergate")
    add_commands(parser.add_subparsers(dest="command"))
    out, err = io.StringIO(), io.StringIO()
    status = run_offline(parser.parse_args(["validate", str(rules)]), clock=None, out=out, err=err)  # type: ignore[arg-type]
    assert status == 1
    assert f"{rules / 'poison.yaml'}:1:1: error[internal-error]: ordergate failed" in out.getvalue()
    assert "Traceback" not in out.getvalue() + err.getvalue()
