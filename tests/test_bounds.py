"""DESIGN §9 bounds: past each one, a rules file gets one diagnostic at file:line:col,
quickly, through the Python API and through `ordergate validate`; at the bound it loads.

Each hostile file here is one that once crashed or hung the engine (issue 8).
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import resource
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ordergate.policy import PolicyError, bounds, check_bundle, load_bundle
from ordergate.policy.bounds import (
    MAX_ALIAS_NODES,
    MAX_DEPTH,
    MAX_EXPRESSION_CHARS,
    MAX_FILE_BYTES,
    MAX_NUMBER_DIGITS,
)
from ordergate.policy.cli import UsageError, read_data
from ordergate.policy.formatting import Rewrite, format_text, migrate_text
from tests.conftest import REPO
from tests.test_cli import ORDERGATE

POLICY = (
    "apiVersion: ordergate/v1\nkind: RiskPolicy\nmetadata: {name: p, version: 1}\nspec:\n  accounts: ['*']\n"
)


def with_rule(when: str) -> str:
    return POLICY + f"  rules:\n    - name: r\n      when: {when}\n"


def alias_levels(levels: int) -> str:
    """``levels`` lists of ten aliases, each of the list before: 10**levels scalars."""
    text = "x:\n  l0: &l0 [a, a, a, a, a, a, a, a, a, a]\n"
    for i in range(1, levels + 1):
        text += f"  l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]\n"
    return text


def merge_key_bomb(levels: int) -> str:
    """Mappings that each merge the one before ten times over (``<<:``)."""
    text = "a0: &a0 {k0: 1, k1: 1, k2: 1, k3: 1, k4: 1, k5: 1, k6: 1, k7: 1, k8: 1, k9: 1}\n"
    for i in range(1, levels + 1):
        text += f"a{i}: &a{i}\n" + "".join(f"  k{j}: {{<<: *a{i - 1}}}\n" for j in range(10))
    return text


@dataclass(frozen=True)
class Hostile:
    name: str
    text: str
    code: str
    line: int
    col: int
    in_expression: bool = False  # past a bound of the rule language, not of YAML


HOSTILE = [
    Hostile("alias-bomb-6-levels", alias_levels(6), "alias-expansion", 5, 47),
    Hostile("alias-bomb-7-levels", alias_levels(7), "alias-expansion", 5, 47),
    Hostile("merge-key-bomb", merge_key_bomb(7), "alias-expansion", 28, 12),
    Hostile("recursive-alias-in-a-list", "x: &a [*a]\n", "alias-cycle", 1, 8),
    Hostile("recursive-alias-in-a-mapping", "x: &a {y: [1, *a]}\n", "alias-cycle", 1, 15),
    Hostile("nested-lists-600", "x: " + "[" * 600 + "]" * 600 + "\n", "too-deep", 1, 4 + MAX_DEPTH - 1),
    # libyaml itself stops at 1,000 levels, before saying where level 65 was
    Hostile("nested-lists-5000", "x: " + "[" * 5000 + "]" * 5000 + "\n", "too-deep", 1, 1003),
    Hostile("nested-block-lists-5000", "- " * 5000 + "x\n", "too-deep", 1, 1999),
    Hostile("nested-rules-500", POLICY + "  rules: " + "[" * 500 + "]" * 500 + "\n", "too-deep", 6, 72),
    Hostile(
        "integer-of-4400-digits",
        POLICY + "  positions: {max_contracts_per_order: " + "9" * 4400 + "}\n",
        "number-too-long",
        6,
        40,
    ),
    Hostile("integer-key-of-40-digits", "x: {" + "7" * 40 + ": 1}\n", "number-too-long", 1, 5),
    Hostile("hex-integer-of-40-digits", "x: 0x" + "f" * 40 + "\n", "number-too-long", 1, 4),
    # expressions: `when` stands at line 8, column 13 (its text at 14 when quoted)
    Hostile("list-of-a-name", with_rule('"1 in [order.qty]"'), "expr-type", 8, 20, in_expression=True),
    Hostile(
        "not-200-times",
        with_rule("'" + "not " * 200 + "true'"),
        "too-deep",
        8,
        14 + 64 * 4,
        in_expression=True,
    ),
    Hostile(
        "not-300-times",
        with_rule("'" + "not " * 300 + "true'"),
        "too-deep",
        8,
        14 + 64 * 4,
        in_expression=True,
    ),
    Hostile(
        "not-1000-times",
        with_rule("'" + "not " * 1000 + "true'"),
        "too-deep",
        8,
        14 + 64 * 4,
        in_expression=True,
    ),
    Hostile(
        "lists-300-deep-in-an-expression",
        with_rule("'order.qty in " + "[" * 300 + "1" + "]" * 300 + "'"),
        "too-deep",
        8,
        14 + 13 + 63,
        in_expression=True,
    ),
    Hostile(
        "number-of-40-digits-in-an-expression",
        with_rule("order.qty > " + "9" * 40),
        "number-too-long",
        8,
        25,
        in_expression=True,
    ),
    Hostile(
        "number-of-4400-digits-in-an-expression",
        with_rule("order.qty > " + "9" * 4400),
        "expression-too-long",
        8,
        13,
        in_expression=True,
    ),
    Hostile(
        "expression-of-5000-characters",
        with_rule("'" + " or ".join(["order.qty > 1"] * 300) + "'"),
        "expression-too-long",
        8,
        14,
        in_expression=True,
    ),
    Hostile(
        "api-version-a-list",
        "apiVersion: []\nkind: RiskPolicy\nmetadata: {name: p}\nspec: {}\n",
        "api-version",
        1,
        13,
    ),
    Hostile(
        "kind-a-mapping",
        "apiVersion: ordergate/v1\nkind: {a: b}\nmetadata: {name: p}\nspec: {}\n",
        "kind",
        2,
        7,
    ),
]


def write(tmp_path: Path, case: Hostile) -> Path:
    path = tmp_path / f"{case.name}.yaml"
    path.write_text(case.text, "utf-8")
    return path


def timed(fn: Callable[[], object]) -> tuple[object, float]:
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


@pytest.mark.parametrize("case", HOSTILE, ids=lambda c: c.name)
def test_hostile_file_gets_one_diagnostic_at_its_place_quickly(tmp_path: Path, case: Hostile) -> None:
    path = write(tmp_path, case)
    (_, diagnostics), elapsed = timed(lambda: check_bundle([path]))
    assert [(d.code, d.line, d.col, d.severity) for d in diagnostics] == [
        (case.code, case.line, case.col, "error")
    ], "\n".join(d.render_text() for d in diagnostics)
    assert diagnostics[0].file == str(path)
    assert elapsed < 0.5
    with pytest.raises(PolicyError) as info:
        load_bundle(path)
    assert [d.code for d in info.value.diagnostics] == [case.code]


def test_a_file_over_one_mib_is_refused_without_reading_it_whole(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_bytes(POLICY.encode() + b"#" * (8 * MAX_FILE_BYTES))
    (_, diagnostics), elapsed = timed(lambda: check_bundle([path]))
    assert [(d.code, d.line, d.col) for d in diagnostics] == [("file-too-large", 1, 1)]
    assert f"{path.stat().st_size:,} bytes" in diagnostics[0].message
    assert elapsed < 0.5


def test_a_file_of_exactly_one_mib_loads(tmp_path: Path) -> None:
    text = POLICY + "#"
    path = tmp_path / "edge.yaml"
    path.write_text(text + "x" * (MAX_FILE_BYTES - len(text) - 1) + "\n")
    assert path.stat().st_size == MAX_FILE_BYTES
    assert "p" in load_bundle(path).policies


def test_a_too_large_file_does_not_hide_the_other_files_problems(tmp_path: Path) -> None:
    (tmp_path / "big.yaml").write_bytes(b"#" * (MAX_FILE_BYTES + 1))
    (tmp_path / "bad.yaml").write_text(POLICY + "  hours: {start: '25:00'}\n")
    codes = sorted(d.code for d in check_bundle([tmp_path])[1])
    assert "file-too-large" in codes and len(codes) == 2


def test_aliases_up_to_the_bound_load(tmp_path: Path) -> None:
    # l0..l2 repeat 1,110 + 11,110 nodes: the third level passes; a list of 8 aliases of
    # l2 (1,111 nodes each) on top of two of l1 stays within 10,000
    text = "x:\n  l0: &l0 [a, a, a, a, a, a, a, a, a, a]\n  l1: &l1 [" + ", ".join(["*l0"] * 10) + "]\n"
    text += "  l2: &l2 [" + ", ".join(["*l1"] * 10) + "]\n  l3: [" + ", ".join(["*l2"] * 7) + "]\n"
    added = 10 * 11 + 10 * 111 + 7 * 1111
    assert added <= MAX_ALIAS_NODES
    path = tmp_path / "ok.yaml"
    path.write_text(text)
    codes = [d.code for d in check_bundle([path])[1]]
    assert codes == ["api-version", "kind"]  # read whole, then found to be no ordergate document
    path.write_text(text.replace(", ".join(["*l2"] * 7), ", ".join(["*l2"] * 8)))
    assert [d.code for d in check_bundle([path])[1]] == ["alias-expansion"]


def test_nesting_of_exactly_64_levels_loads_and_65_does_not(tmp_path: Path) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text("x: " + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1) + "\n")
    assert [d.code for d in check_bundle([path])[1]] == ["api-version", "kind"]
    path.write_text("x: " + "[" * MAX_DEPTH + "]" * MAX_DEPTH + "\n")
    assert [d.code for d in check_bundle([path])[1]] == ["too-deep"]


def test_a_number_of_30_digits_is_read_and_31_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "n.yaml"
    path.write_text(POLICY + f"  limits: {{daily: {{loss: {'1' * MAX_NUMBER_DIGITS}}}}}\n")
    assert [d.code for d in check_bundle([path])[1]] == ["range"]
    path.write_text(POLICY + f"  limits: {{daily: {{loss: {'1' * (MAX_NUMBER_DIGITS + 1)}.5}}}}\n")
    assert [d.code for d in check_bundle([path])[1]] == ["number-too-long"]


def test_reporting_many_problems_in_one_file_takes_linear_time(tmp_path: Path) -> None:
    # a 1 MiB file of 28,000 same-named rules once took 15 s of CPU: each diagnostic
    # looked for its source line through every recorded place of the document
    def cpu(rules: int) -> float:
        path = tmp_path / f"r{rules}.yaml"
        path.write_text(POLICY + "  rules:\n" + "    - {name: r, when: order.qty > 1}\n" * rules)
        gc.collect()
        gc.disable()  # a collection landing in one run and not the other is noise here
        try:
            start = time.thread_time()
            diagnostics = check_bundle([path])[1]
            elapsed = time.thread_time() - start
        finally:
            gc.enable()
        assert len(diagnostics) == rules - 1
        return elapsed

    cpu(200)  # warm up: grammar, schemas
    small, large = min(cpu(1000) for _ in range(3)), min(cpu(8000) for _ in range(2))
    # 8x the rules: measured 9x the time; with the quadratic lookup it was 29x
    assert large < 16 * small


def test_a_bound_in_one_document_leaves_the_next_document_checked(tmp_path: Path) -> None:
    path = tmp_path / "two.yaml"
    path.write_text(alias_levels(7) + "---\n" + POLICY + "  hours: {start: '25:00'}\n")
    got = [(d.code, d.line) for d in check_bundle([path])[1]]
    assert got[0] == ("alias-expansion", 5) and len(got) == 2 and got[1][1] > 9


def test_the_bounds_are_the_design_figures() -> None:
    assert (MAX_FILE_BYTES, MAX_ALIAS_NODES, MAX_DEPTH, MAX_NUMBER_DIGITS, MAX_EXPRESSION_CHARS) == (
        1 << 20,
        10_000,
        64,
        30,
        4096,
    )


def non_utf8_named(folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    path = Path(os.fsdecode(bytes(folder) + b"/\xff\xfe.yaml"))
    path.write_text(POLICY + "  hours: {start: '25:00'}\n")
    return path


def test_a_file_name_that_is_not_utf8_is_reported_printably(tmp_path: Path) -> None:
    path = non_utf8_named(tmp_path / "rules")
    bundle, diagnostics = check_bundle([path.parent])
    assert [(d.code, d.line) for d in diagnostics] == [("format", 6)]
    assert diagnostics[0].file == str(path.parent / "\ufffd\ufffd.yaml")
    assert bundle is not None and bundle.digest.startswith("sha256:")
    diagnostics[0].render_text().encode("utf-8")  # printable as it is


def test_a_fifo_or_a_symlink_loop_named_yaml_is_passed_over(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo.yaml")
    (tmp_path / "loop.yaml").symlink_to("loop.yaml")
    (tmp_path / "ok.yaml").write_text(POLICY)
    (_, diagnostics), elapsed = timed(lambda: check_bundle([tmp_path]))
    assert diagnostics == [] and elapsed < 0.5


PAST_A_BOUND = [c for c in HOSTILE if c.code in bounds.CODES and not c.in_expression]


@pytest.mark.parametrize("rewrite", [format_text, migrate_text], ids=["fmt", "migrate"])
@pytest.mark.parametrize("case", PAST_A_BOUND, ids=lambda c: c.name)
def test_fmt_and_migrate_refuse_a_file_past_a_bound_where_validate_does(
    case: Hostile, rewrite: Callable[[str], Rewrite]
) -> None:
    result, elapsed = timed(lambda: rewrite(case.text))
    assert isinstance(result, Rewrite) and not result.changed and result.text == case.text
    assert result.error is not None and result.error.startswith(f"{case.line}:{case.col}: ")
    assert elapsed < 0.5


@pytest.mark.parametrize("case", PAST_A_BOUND, ids=lambda c: c.name)
def test_an_order_or_state_file_past_a_bound_is_a_usage_error_at_its_place(
    tmp_path: Path, case: Hostile
) -> None:
    path = write(tmp_path, case)
    with pytest.raises(UsageError) as info:
        read_data(str(path), "--state")
    assert str(info.value).startswith(f"--state: line {case.line}, column {case.col}: ")


def test_fmt_refuses_a_file_over_one_mib() -> None:
    result = format_text(POLICY + "#" * bounds.MAX_FILE_BYTES)
    assert result.error is not None and result.error.startswith("1:1: the file is 1,048,")


# ---------------------------------------------------------------- through the command


@pytest.mark.slow
def test_fmt_command_reports_a_file_past_a_bound_at_its_place(tmp_path: Path) -> None:
    case = next(c for c in HOSTILE if c.name == "nested-lists-600")
    path = write(tmp_path, case)
    r = subprocess.run([ORDERGATE, "fmt", "--check", str(path)], capture_output=True, text=True, timeout=30)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert r.stderr.startswith(f"{path}:{case.line}:{case.col}: this part nests deeper than 64")


@pytest.mark.slow
def test_check_command_refuses_an_order_with_a_4400_digit_quantity(tmp_path: Path) -> None:
    order = '{"symbol": "ESZ6", "side": "buy", "qty": ' + "9" * 4400 + "}"
    rules = REPO / "rules"
    r = subprocess.run(
        [ORDERGATE, "check", "--rules", str(rules), "--order", order, "--at", "2026-11-24T10:00:00-05:00"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert (
        r.stderr
        == "ordergate check: --order: line 1, column 42: this number has 4,400 digits; a number has at most 30 digits before its point\n"
    )


@pytest.mark.slow
def test_validate_prints_a_non_utf8_file_name_under_a_strict_locale(tmp_path: Path) -> None:
    path = non_utf8_named(tmp_path / "rules")
    env = {**os.environ, "PYTHONIOENCODING": "utf-8:strict"}
    r = subprocess.run(
        [ORDERGATE, "validate", str(path.parent)], capture_output=True, text=True, timeout=30, env=env
    )
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert r.stdout.startswith(f"{path.parent}/\ufffd\ufffd.yaml:6:")


def validate(path: Path) -> tuple[subprocess.CompletedProcess[str], float]:
    """Run `ordergate validate`; also the CPU seconds it used. CPU time is what a bomb
    costs (the alias bomb once took 40 s of it) and, unlike the wall clock, it does not
    grow while a busy CI machine keeps the process waiting for a core."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    r = subprocess.run([ORDERGATE, "validate", str(path)], capture_output=True, text=True, timeout=30)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


@pytest.mark.slow
@pytest.mark.parametrize(
    "case",
    [
        c
        for c in HOSTILE
        if c.name in ("alias-bomb-6-levels", "nested-lists-600", "not-300-times", "merge-key-bomb")
    ],
    ids=lambda c: c.name,
)
def test_validate_command_reports_a_hostile_file_in_under_a_second(tmp_path: Path, case: Hostile) -> None:
    path = write(tmp_path, case)
    r, cpu = validate(path)
    assert r.returncode == 1
    assert "Traceback" not in r.stdout + r.stderr
    assert r.stdout.startswith(f"{path}:{case.line}:{case.col}: error[{case.code}]: ")
    assert cpu < 1.0


@pytest.mark.slow
def test_validate_command_reports_every_hostile_file_at_once(tmp_path: Path) -> None:
    # a directory each: every directory is a bundle of its own, as a rules repository is
    paths: dict[Hostile, Path] = {}
    for case in HOSTILE:
        (tmp_path / case.name).mkdir()
        paths[case] = write(tmp_path / case.name, case)
    r = subprocess.run(
        [ORDERGATE, "validate", "--format", "json", *(str(p.parent) for p in paths.values())],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 1 and not r.stderr
    got = sorted((d["file"], d["code"], d["line"], d["col"]) for d in json.loads(r.stdout)["diagnostics"])
    assert got == sorted((str(path), c.code, c.line, c.col) for c, path in paths.items())


# ---------------------------------------------------------------- in the runtime


@pytest.mark.parametrize(
    "case", [c for c in HOSTILE if c.name in ("alias-bomb-7-levels", "merge-key-bomb")], ids=lambda c: c.name
)
def test_a_reload_refuses_a_hostile_file_at_once_and_keeps_the_last_good_policy(
    tmp_path: Path, case: Hostile
) -> None:
    pytest.importorskip("watchfiles")  # the runtime's extras
    from ordergate.runtime.holder import PolicyHolder

    now = datetime(2026, 11, 24, 10, tzinfo=UTC)
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "p.yaml").write_text(POLICY)
    holder = PolicyHolder(rules, quiet=0.0)
    assert holder.load(now)
    good = holder.bundle
    (rules / "bomb.yaml").write_text(case.text)
    start = time.process_time()  # CPU of every thread: the reload reads in a worker thread
    swapped = asyncio.run(holder.reload(now))
    assert time.process_time() - start < 0.5
    assert not swapped and holder.bundle is good
    assert holder.refused is not None
    assert [(Path(d.file).name, d.code) for d in holder.refused.diagnostics] == [("bomb.yaml", case.code)]
