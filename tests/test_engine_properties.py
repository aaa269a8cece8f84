"""Property: whatever a rules file holds, the engine answers with diagnostics.

The files are the project's own (rules/ and examples/), mutated three ways: bytes,
lines and YAML nodes; and policies whose rule conditions are random strings of the
expression grammar's tokens, or random well-formed expressions. For every one:
``load_bundle`` (``check_bundle`` underneath) raises nothing but PolicyError, whose
diagnostics each have a place and a code; a policy that compiles decides orders and
reports breaches without raising; and all of it within a CPU-time bound.

Runs are derandomized, so CI sees the same examples every time. Set
ORDERGATE_FUZZ_EXAMPLES=N to run N examples of each property instead of the default.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ordergate.policy import Order, PolicyError, Snapshot, load_bundle
from ordergate.policy.bounds import MAX_EXPRESSION_CHARS
from ordergate.policy.exprcompile import VARIABLES, compile_rule
from ordergate.policy.expression import ExpressionError, parse
from ordergate.policy.source import SourceFile, parse_documents
from tests.conftest import REPO

CPU_SECONDS = 1.0  # per example: load, check, compile and decide
_OVERRIDE = int(os.environ.get("ORDERGATE_FUZZ_EXAMPLES", "0"))


def fuzz(default: int) -> Callable[[Any], Any]:
    return settings(
        max_examples=_OVERRIDE or default,
        deadline=None,  # the CPU bound below is the deadline, and it ignores a busy machine
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


CORPUS: dict[str, bytes] = {
    path.relative_to(REPO).as_posix(): path.read_bytes()
    for folder in ("rules", "examples")
    for path in sorted((REPO / folder).rglob("*.yaml"))
}
NAMES = sorted(CORPUS)


def documents(name: str) -> list[Any]:
    """The corpus file's documents as the engine reads them (YAML 1.2 core scalars)."""
    docs, problems = parse_documents(SourceFile(name, CORPUS[name].decode()))
    assert not problems
    return [doc.value for doc in docs]


DOCUMENTS = {name: documents(name) for name in NAMES}
POLICY_FILES = {
    (name.rpartition("/")[0], doc["metadata"]["name"]): name
    for name, docs in DOCUMENTS.items()
    for doc in docs
    if isinstance(doc, dict) and doc.get("kind") == "RiskPolicy"
}


def companions(name: str) -> list[str]:
    """The files checked with a mutant: the policy a test file tests (or the tests of a
    policy) and the policy it extends, so that it reaches the compiler and the PolicyTest
    runner, not only the loader."""
    stem = name.removesuffix(".yaml").removesuffix(".test")
    found = [other for other in (stem + ".yaml", stem + ".test.yaml") if other in CORPUS and other != name]
    folder = name.rpartition("/")[0]
    for text in (CORPUS[n] for n in [name, *found]):
        for base in re.findall(rb"^\s*extends:\s*([a-z0-9-]+)", text, re.M):
            other = POLICY_FILES.get((folder, base.decode()))
            if other is not None and other not in found and other != name:
                found.append(other)
    return found


# ---------------------------------------------------------------- the property

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("America/New_York"))
ORDERS = [
    Order.from_dict({"symbol": "ESZ6", "side": "buy", "qty": 1}),
    Order.from_dict({"symbol": "NQZ6", "side": "sell", "qty": 3, "type": "limit", "price": 21000}),
    Order.from_dict({"symbol": "CL", "side": "buy", "qty": 2, "source": "webhook"}),
    Order.from_dict({"symbol": "ESZ6", "side": "sell", "qty": 1}),  # an exit of the long below
]
SNAPSHOTS = [
    Snapshot.from_dict({}, NOW),
    Snapshot.from_dict(
        {
            "account": {"id": "APEX-1", "equity": 48000, "peak_equity": 50500},
            "positions": {"ES": {"qty": 1, "avg_price": 6010}},
            "pnl": {"daily_realized": -900, "weekly_realized": -2000},
            "trades": {"daily": 4, "weekly": 12},
            "quotes": {"ES": {"bid": 6000, "ask": 6000.25, "last": 6000, "age": "3s"}},
            "working": {"NQ": {"buy": 2, "sell": 1}},
        },
        NOW,
    ),
]
CODE = re.compile(r"^[a-z][a-z0-9-]*$")


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def holds(workdir: Path, files: dict[str, bytes]) -> None:
    """The engine's promise for one set of rules files."""
    rules = workdir / "rules"
    shutil.rmtree(rules, ignore_errors=True)
    rules.mkdir()
    for name, data in files.items():
        (rules / Path(name).name).write_bytes(data)
    start = time.thread_time()
    try:  # load_bundle is check_bundle, raising PolicyError when there is an error
        bundle = load_bundle(rules)
        diagnostics = bundle.diagnostics
    except PolicyError as exc:
        bundle, diagnostics = None, exc.diagnostics
        assert any(d.severity == "error" for d in diagnostics)
    for d in diagnostics:
        assert d.file.startswith(str(rules)) and d.line >= 1 and d.col >= 1, d.render_line()
        assert d.message and CODE.match(d.code), d.render_line()
        assert d.severity in ("error", "warning")
        d.render_text()
    if bundle is not None:
        for policy in bundle.policies.values():
            decide(policy)
    assert time.thread_time() - start < CPU_SECONDS


def decide(policy: Any) -> None:
    for snapshot in SNAPSHOTS:
        for order in ORDERS:
            decision = policy.evaluate(order, snapshot, NOW, explain=True)
            assert decision.to_dict()["outcome"] in ("allow", "block")
        policy.breach(snapshot, NOW)
    policy.auto_flatten_reason(NOW)


# ---------------------------------------------------------------- mutated files

INTERESTING = [
    b"*a",
    b"&a ",
    b"<<: *a",
    b"[",
    b"]",
    b"{",
    b"}",
    b"'",
    b'"',
    b"\n---\n",
    b"\t",
    b": ",
    b"\n- ",
    b"9" * 40,
    b"\x00",
    "\ufeff".encode(),
    b"!!python/object:os.system ",
    b"? ",
    b"|",
    b">-\n",
    b"#",
    b"%YAML 1.1\n---\n",
    b"~",
    b"\r",
    b"\\",
    b"\xff\xfe",
    b".inf",
    b"-.nan",
    b"1e999",
    b"0x1F",
    b" not ",
    b" and ",
    b" or ",
    b" between ",
    b" in [",
    b"$1,000",
    b"25:00",
    b"2026-02-30",
    b"${env:",
]


@st.composite
def byte_mutants(draw: st.DrawFn) -> tuple[str, bytes]:
    name = draw(st.sampled_from(NAMES))
    data = bytearray(CORPUS[name])
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        op = draw(st.sampled_from(["set", "insert", "insert", "delete", "copy"]))
        if op == "set" and data:
            data[min(at, len(data) - 1)] = draw(st.integers(0, 255))
        elif op == "insert":
            data[at:at] = draw(st.sampled_from(INTERESTING) | st.binary(min_size=1, max_size=6))
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 40))]
        else:  # copy a run of the file elsewhere in it: keys, anchors and brackets repeat
            start = draw(st.integers(0, len(data)))
            data[at:at] = data[start : start + draw(st.integers(1, 80))]
    return name, bytes(data)


@st.composite
def line_mutants(draw: st.DrawFn) -> tuple[str, bytes]:
    name = draw(st.sampled_from(NAMES))
    lines = CORPUS[name].decode().splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 4))):
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["duplicate", "delete", "swap", "indent", "dedent", "foreign", "truncate"]))
        if op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "delete":
            del lines[i]
        elif op == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "indent":
            lines[i] = " " * draw(st.sampled_from([1, 2, 4])) + lines[i]
        elif op == "dedent":
            lines[i] = lines[i][draw(st.integers(1, 4)) :]
        elif op == "foreign":  # a line of another file, at this place
            other = CORPUS[draw(st.sampled_from(NAMES))].decode().splitlines(keepends=True)
            lines.insert(i, draw(st.sampled_from(other)))
        else:
            del lines[i:]
    return name, "".join(lines).encode()


FIELD_NAMES = sorted(
    {
        key
        for data in CORPUS.values()
        for match in re.finditer(rb"^\s*-?\s*([a-z_]+):", data, re.M)
        for key in [match.group(1).decode()]
    }
)
DOMAIN_STRINGS = [
    "09:30",
    "16:00",
    "25:00",
    "24:00",
    "00:00",
    "9:5",
    "mon",
    "sun",
    "funday",
    "20s",
    "0s",
    "121m",
    "5m",
    "6h",
    "12h",
    "session:new_york_open",
    "session:nowhere",
    "manual",
    "America/New_York",
    "Mars/Olympus_Mons",
    "ES",
    "ESZ6",
    "/ESZ6",
    "CON.F.US.EP.Z26",
    "ZZZZ",
    "*",
    "APEX-*",
    "[",
    "2026-12-16T13:55",
    "2026-02-30T25:61",
    "flatten_and_lock",
    "lock",
    "alert_only",
    "block",
    "warn",
    "cap",
    "intraday",
    "end_of_day",
    "strict",
    "${env:X}",
    "default",
    "apex-50k-eval",
    "",
    "daily.pnl < -500",
    "order.qty in [1, 2]",
    "now.weekday == sat",
]
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from(
        [-1, 0, 1, 2, 5, 59, 60, 100, 101, 10_000, 10_001, 1_000_000, 5_000_001, 2**63, -(10**29)]
    ),
    st.sampled_from([0.5, -0.25, 1e300, float("inf"), float("-inf"), float("nan")]),
    st.sampled_from(DOMAIN_STRINGS),
    st.text(max_size=12),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(FIELD_NAMES), inner, max_size=3)
    ),
    max_leaves=8,
)


def paths_in(value: Any, here: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield here
    if isinstance(value, dict):
        for key, child in value.items():
            yield from paths_in(child, (*here, key))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            yield from paths_in(child, (*here, i))


@st.composite
def node_mutants(draw: st.DrawFn) -> tuple[str, bytes]:
    name = draw(st.sampled_from(NAMES))
    docs = json.loads(json.dumps(DOCUMENTS[name]))  # a deep copy
    for _ in range(draw(st.integers(1, 3))):
        doc = draw(st.sampled_from(docs))
        path = draw(st.sampled_from(list(paths_in(doc))))
        if not path:
            continue
        parent = doc
        for part in path[:-1]:
            parent = parent[part]
        key = path[-1]
        op = draw(st.sampled_from(["replace", "replace", "delete", "add", "rename", "repeat"]))
        if op == "replace":
            parent[key] = draw(VALUES)
        elif op == "delete":
            del parent[key]
        elif op == "add" and isinstance(parent, dict):
            parent[draw(st.sampled_from(FIELD_NAMES))] = draw(VALUES)
        elif op == "rename" and isinstance(parent, dict):
            parent[draw(st.sampled_from(FIELD_NAMES))] = parent.pop(key)
        elif op == "repeat" and isinstance(parent, list):
            parent.append(parent[key])
    return name, yaml.safe_dump_all(docs, sort_keys=False, allow_unicode=True).encode()


def with_companions(name: str, data: bytes) -> dict[str, bytes]:
    return {name: data, **{other: CORPUS[other] for other in companions(name)}}


@fuzz(400)
@given(byte_mutants())
def test_a_rules_file_with_mutated_bytes_gets_diagnostics_only(
    workdir: Path, mutant: tuple[str, bytes]
) -> None:
    holds(workdir, with_companions(*mutant))


@fuzz(400)
@given(line_mutants())
def test_a_rules_file_with_mutated_lines_gets_diagnostics_only(
    workdir: Path, mutant: tuple[str, bytes]
) -> None:
    holds(workdir, with_companions(*mutant))


@fuzz(400)
@given(node_mutants())
def test_a_rules_file_with_mutated_yaml_nodes_gets_diagnostics_only(
    workdir: Path, mutant: tuple[str, bytes]
) -> None:
    holds(workdir, with_companions(*mutant))


# ---------------------------------------------------------------- random expressions

TOKENS = [
    *VARIABLES,
    "not",
    "and",
    "or",
    "in",
    "not in",
    "between",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "+",
    "-",
    "*",
    "/",
    "(",
    ")",
    "[",
    "]",
    ",",
    "abs",
    "min",
    "max",
    "true",
    "false",
    "0",
    "1",
    "2.5",
    "$1,500.50",
    "20s",
    "5m",
    "500ms",
    "09:30",
    "23:59",
    "25:00",
    "2026-12-24",
    "2026-02-30",
    "mon",
    "sun",
    "'x'",
    '"webhook"',
    "ES",
    "ESZ6",
    "6E",
    "pnl",
    "9" * 31,
    "&&",
    "=",
]
TOKEN_STRINGS = st.lists(st.sampled_from(TOKENS), min_size=1, max_size=30).map(" ".join)

ATOMS = st.sampled_from(
    [
        *VARIABLES,
        "1",
        "0",
        "$5",
        "20s",
        "09:30",
        "mon",
        "'buy'",
        "ES",
        "true",
        "false",
        "2026-11-24",
        "order.price",
    ]
)
BINARY = st.sampled_from(["and", "or", "==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "in", "not in"])


@st.composite
def expressions(draw: st.DrawFn, depth: int = 0) -> str:
    """A random expression built by the grammar's own rules, up to five levels deep."""
    if depth >= 5 or draw(st.integers(0, 3)) == 0:
        return draw(ATOMS)

    def sub() -> str:
        return draw(expressions(depth + 1))

    shape = draw(st.sampled_from(["binary", "not", "parens", "minus", "between", "list", "call"]))
    if shape == "binary":
        return f"{sub()} {draw(BINARY)} {sub()}"
    if shape == "not":
        return f"not {sub()}"
    if shape == "parens":
        return f"({sub()})"
    if shape == "minus":
        return f"-{sub()}"
    if shape == "between":
        return f"{sub()} between {sub()} and {sub()}"
    if shape == "list":
        return "[" + ", ".join(draw(st.lists(ATOMS, min_size=1, max_size=4))) + "]"
    func = draw(st.sampled_from(["abs", "min", "max"]))
    return f"{func}({', '.join(sub() for _ in range(draw(st.integers(1, 3))))})"


EXPRESSIONS = expressions()
POLICY = """\
apiVersion: ordergate/v1
kind: RiskPolicy
metadata: {{name: fuzz, version: 1}}
spec:
  accounts: ["*"]
  rules:
    - {{name: r, when: {when}, action: {action}}}
"""


def policy_with(when: str, action: str) -> bytes:
    return POLICY.format(when=json.dumps(when), action=action).encode()


@fuzz(300)
@given(TOKEN_STRINGS, st.sampled_from(["block", "warn"]))
def test_a_rule_of_random_grammar_tokens_gets_diagnostics_only(workdir: Path, when: str, action: str) -> None:
    holds(workdir, {"fuzz.yaml": policy_with(when, action)})


@fuzz(400)
@given(EXPRESSIONS, st.sampled_from(["block", "warn"]))
def test_a_rule_of_a_random_expression_gets_diagnostics_or_decides(
    workdir: Path, when: str, action: str
) -> None:
    holds(workdir, {"fuzz.yaml": policy_with(when, action)})


@fuzz(1500)
@given(TOKEN_STRINGS | EXPRESSIONS | st.text(max_size=80))
def test_the_expression_compiler_answers_with_a_function_or_an_error_at_a_place(text: str) -> None:
    start = time.thread_time()
    try:
        fn = compile_rule(parse(text), "fuzz")
    except ExpressionError as exc:
        assert 0 <= exc.offset <= len(text) and exc.message and CODE.match(exc.code)
    else:
        assert callable(fn)
        assert len(text) <= MAX_EXPRESSION_CHARS
    assert time.thread_time() - start < CPU_SECONDS
