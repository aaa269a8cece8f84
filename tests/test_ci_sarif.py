"""SARIF that validators accept: checked against the SARIF 2.1.0 JSON Schema, with
percent-encoded relative URIs, and every diagnostic code the engine can emit described.
When Microsoft's SARIF validator (the SARIF Multitool) is installed, it checks the same
output with GitHub's rule set too."""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from ordergate.policy.chain import STAGE_ORDER
from ordergate.policy.codes import DIAGNOSTICS, STAGES
from tests.conftest import REPO
from tests.test_cli import run

SCHEMA = json.loads((REPO / "tests" / "fixtures" / "sarif" / "sarif-2.1.0.json").read_text())
# RFC 3986 URI-reference characters: unreserved, reserved, and %HH escapes only
URI_REFERENCE = re.compile(r"^(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$")
AWKWARD = "with space, comma%.yaml"


@pytest.fixture
def awkward(tmp_path: Path) -> Path:
    rules = tmp_path / "rules"
    rules.mkdir()
    shutil.copy(REPO / "tests" / "invalid" / "timezone.yaml", rules / AWKWARD)
    shutil.copy(REPO / "tests" / "invalid" / "breach.yaml", rules / "bréach.yaml")
    return tmp_path


def sarif_of(*args: str, cwd: Path) -> dict[str, Any]:
    r = run("validate", "--format", "sarif", *args, cwd=cwd)
    assert r.returncode == 1, r.stderr
    doc: dict[str, Any] = json.loads(r.stdout)
    return doc


def uris(doc: dict[str, Any]) -> list[dict[str, str]]:
    return [
        loc["physicalLocation"]["artifactLocation"]
        for result in doc["runs"][0]["results"]
        for loc in result["locations"]
    ]


def test_sarif_is_valid_against_the_sarif_2_1_0_schema(awkward: Path) -> None:
    doc = sarif_of("rules", cwd=awkward)
    jsonschema.Draft202012Validator(SCHEMA).validate(doc)


def test_paths_are_percent_encoded_relative_uris_against_srcroot(awkward: Path) -> None:
    doc = sarif_of("rules", cwd=awkward)
    locations = uris(doc)
    assert {"uri": "rules/with%20space%2C%20comma%25.yaml", "uriBaseId": "%SRCROOT%"} in locations
    assert {"uri": "rules/br%C3%A9ach.yaml", "uriBaseId": "%SRCROOT%"} in locations
    assert all(URI_REFERENCE.match(loc["uri"]) for loc in locations)
    assert doc["runs"][0]["originalUriBaseIds"] == {"%SRCROOT%": {"uri": awkward.resolve().as_uri() + "/"}}


def test_an_absolute_path_inside_the_working_folder_becomes_relative(awkward: Path) -> None:
    doc = sarif_of(str(awkward / "rules"), cwd=awkward)
    assert all(loc.get("uriBaseId") == "%SRCROOT%" for loc in uris(doc))
    assert not any(loc["uri"].startswith("/") for loc in uris(doc))


def test_a_file_outside_the_working_folder_gets_an_absolute_file_uri(awkward: Path) -> None:
    elsewhere = awkward / "elsewhere"
    elsewhere.mkdir()
    doc = sarif_of(str(awkward / "rules" / AWKWARD), cwd=elsewhere)
    (location,) = uris(doc)
    assert location == {"uri": (awkward / "rules").resolve().as_uri() + "/with%20space%2C%20comma%25.yaml"}


def test_every_rule_has_a_name_unlike_its_id_and_descriptions_and_help(awkward: Path) -> None:
    doc = sarif_of("rules", cwd=awkward)
    rules = doc["runs"][0]["tool"]["driver"]["rules"]
    assert {r["id"] for r in rules} == {"timezone", "enforce-manual", "lock-kind"}
    for rule in rules:
        assert rule["name"].lower() != rule["id"].lower()
        for key in ("shortDescription", "fullDescription", "help"):
            assert rule[key]["text"], (rule["id"], key)
    for result in doc["runs"][0]["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]


# ---------------------------------------------------------------- the table of codes

# callables that take a diagnostic code, and the position of that argument
CODE_ARGUMENT = {"diagnostic": 1, "at": 1, "Diagnostic": 4, "add": 1, "ExpressionError": 1,
                 "BoundError": 1, "fail": 3}  # fmt: skip
# call sites that pass a code they were given: each one's callers are scanned instead
PASSED_ON = {
    ("compiler.py", "code"),
    ("compiler.py", "exc.code"),
    ("exprcompile.py", "code"),
    ("runtime_checks.py", "code"),
    ("source.py", "code"),
    ("source.py", "exc.code"),
}
SOURCES = [*sorted((REPO / "policy").glob("*.py")), REPO / "runtime" / "holder.py"]


def emitted_codes() -> set[str]:
    codes: set[str] = set()
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            fn = node.func
            name = fn.attr if isinstance(fn, ast.Attribute) else getattr(fn, "id", None)
            given = [k.value for k in node.keywords if k.arg == "code"]
            if name in CODE_ARGUMENT and len(node.args) > CODE_ARGUMENT[name]:
                given.append(node.args[CODE_ARGUMENT[name]])
            while any(isinstance(a, ast.IfExp) for a in given):  # "a" if ... else "b": both
                given = [x for a in given for x in ((a.body, a.orelse) if isinstance(a, ast.IfExp) else (a,))]
            for arg in given:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    codes.add(arg.value)
                else:
                    assert (path.name, ast.unparse(arg)) in PASSED_ON, (
                        f"{path.name}:{node.lineno} passes a code the scan cannot read: {ast.unparse(arg)}"
                    )
    return codes


def test_every_code_the_engine_can_emit_is_described_and_no_other() -> None:
    emitted = emitted_codes()
    assert len(emitted) > 40
    assert emitted - set(DIAGNOSTICS) == set(), "describe these codes in policy/codes.py"
    assert set(DIAGNOSTICS) - emitted == set(), "these codes are described but never emitted"


def test_every_description_is_complete_and_every_name_unique() -> None:
    names = [info.name for info in DIAGNOSTICS.values()]
    assert len(set(names)) == len(names)
    for code, info in DIAGNOSTICS.items():
        assert re.fullmatch(r"[A-Z][A-Za-z]+", info.name), code
        assert info.name.lower() != code.lower()
        assert info.short and info.full and info.help, code


def test_the_decision_code_table_follows_the_chain_stage_order() -> None:
    assert [s for s in STAGES if s not in ("policy", "exit_bypass")] == list(STAGE_ORDER)


# ---------------------------------------------------------------- Microsoft's validator


def multitool() -> str | None:
    return os.environ.get("ORDERGATE_SARIF_MULTITOOL") or shutil.which("sarif-multitool")


@pytest.mark.skipif(multitool() is None, reason="the SARIF Multitool is not installed")
def test_microsofts_sarif_validator_with_githubs_rules_finds_no_error_or_warning(
    awkward: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out.sarif"
    out.write_text(json.dumps(sarif_of("rules", str(REPO / "tests" / "invalid" / "names.yaml"), cwd=awkward)))
    report = tmp_path / "validation.sarif"
    tool = multitool()
    assert tool is not None
    subprocess.run(
        [tool, "validate", str(out), "--rule-kind", "Gh;Sarif", "--level", "Error;Warning",
         "-o", str(report), "--log", "ForceOverwrite"],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    found = json.loads(report.read_text())["runs"][0]["results"]
    assert found == [], [r["message"]["text"] for r in found]
