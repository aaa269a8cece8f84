"""Parsed rule expressions kept from run to run (policy/expression_cache.py): a kept tree
is the tree lark gives, a later run uses it without lark, and nothing that did not parse,
was written by another engine or cannot be read is ever used."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from ordergate.policy import expression_cache
from ordergate.policy.expression import ExpressionError
from ordergate.policy.expression import parse as parse_with_lark
from tests.conftest import REPO
from tests.test_engine_properties import EXPRESSIONS

VARIED = [
    "order.qty > 3 and not (order.side == 'buy')",
    "daily.pnl < -$1,500 or weekly.pnl <= -2500.75",
    "now.time between 09:30 and 10:15 and now.weekday in [mon, fri]",
    "quote.age > 20s or quote.spread >= 0.5",
    "now.date == 2026-11-24",
    "order.symbol not in [ES, NQ] and abs(position.after) > max(2, min(5, 3))",
    "-order.qty < -1",
    "order.contract == 'ESZ6'",
]


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """This process's cache state anew, in a private cache directory of its own."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("ORDERGATE_NO_CACHE", raising=False)
    monkeypatch.setattr(expression_cache, "_store", expression_cache._Store())
    return tmp_path / "ordergate"


def kept_files(where: Path) -> list[Path]:
    return sorted(where.glob("expressions-*.jsonl"))


def kept_texts(file: Path) -> list[str]:
    """The texts of the file's readable lines, in order."""
    texts = []
    for line in file.read_bytes().splitlines():
        try:
            texts.append(json.loads(line.decode())["text"])
        except (ValueError, KeyError, TypeError):
            continue
    return texts


def shipped_expressions() -> list[str]:
    import yaml

    found = []
    for path in sorted([*(REPO / "rules").glob("*.yaml"), *(REPO / "examples").rglob("*.yaml")]):
        for doc in yaml.safe_load_all(path.read_text("utf-8")):
            if isinstance(doc, dict) and doc.get("kind") == "RiskPolicy":
                found.extend(rule["when"] for rule in (doc.get("spec") or {}).get("rules") or ())
    return found


@pytest.mark.parametrize("text", [*VARIED, *shipped_expressions()])
def test_a_kept_tree_reads_back_as_the_tree_lark_gives(text: str) -> None:
    tree = parse_with_lark(text)
    encoded = json.loads(json.dumps(expression_cache._encode(tree)))
    assert repr(expression_cache._decode(encoded)) == repr(tree)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(EXPRESSIONS)
def test_a_random_expression_reads_back_as_lark_gives_it(text: str) -> None:
    try:
        tree = parse_with_lark(text)
    except ExpressionError:
        return
    encoded = json.loads(json.dumps(expression_cache._encode(tree)))
    assert repr(expression_cache._decode(encoded)) == repr(tree)


def test_trees_are_kept_and_read_back_in_the_next_run(fresh: Path) -> None:
    trees = [expression_cache.parse(text) for text in VARIED]
    assert not kept_files(fresh)  # nothing written before flush
    expression_cache.flush()
    (kept,) = kept_files(fresh)
    assert kept_texts(kept) == VARIED
    expression_cache._store = expression_cache._Store()  # the next run
    assert [repr(expression_cache.parse(text)) for text in VARIED] == [repr(t) for t in trees]
    assert not expression_cache._store.new  # read from the file, nothing to write


_NEXT_RUN = """
import sys
from ordergate.policy import expression_cache
texts = sys.argv[1:]
print([repr(expression_cache.parse(t)) for t in texts])
expression_cache.flush()
print("lark" in sys.modules)
"""


def test_a_later_process_parses_without_lark(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    env.pop("ORDERGATE_NO_CACHE", None)
    runs = [
        subprocess.run(
            [sys.executable, "-c", _NEXT_RUN, *VARIED], env=env, capture_output=True, text=True, check=True
        ).stdout.splitlines()
        for _ in range(2)
    ]
    assert runs[0][0] == runs[1][0] and "Logic" in runs[0][0]
    assert (runs[0][1], runs[1][1]) == ("True", "False")


def test_a_text_that_does_not_parse_is_never_kept(fresh: Path) -> None:
    for _ in range(2):
        with pytest.raises(ExpressionError) as raised:
            expression_cache.parse("order.qty >")
        assert raised.value.code == "expr-syntax"
    expression_cache.parse("order.qty > 1")
    expression_cache.flush()
    (kept,) = kept_files(fresh)
    assert kept_texts(kept) == ["order.qty > 1"]


def test_an_unreadable_file_is_parsed_afresh_and_written_again(fresh: Path) -> None:
    expression_cache.parse("order.qty > 1")
    expression_cache.flush()
    (kept,) = kept_files(fresh)
    forged = json.dumps({"text": "order.qty > 1", "tree": {"node": "Exec", "offset": 0}})
    for broken in ("{not json", forged, "[]", "\udcff"):
        kept.write_text(broken + "\n", errors="surrogateescape")
        expression_cache._store = expression_cache._Store()
        assert repr(expression_cache.parse("order.qty > 1")) == repr(parse_with_lark("order.qty > 1"))
        assert expression_cache._store.new  # parsed by lark
        expression_cache.flush()
        assert "order.qty > 1" in kept_texts(kept)


def test_a_line_cut_short_is_skipped_and_the_others_read(fresh: Path) -> None:
    for text in VARIED[:3]:
        expression_cache.parse(text)
    expression_cache.flush()
    (kept,) = kept_files(fresh)
    lines = kept.read_text().splitlines()
    kept.write_text(f"{lines[0]}\n{lines[1]}\n{lines[2][:25]}")  # a writer beside us stopped mid-line
    expression_cache._store = expression_cache._Store()
    for text in VARIED[:2]:
        expression_cache.parse(text)
    assert not expression_cache._store.new
    expression_cache.parse(VARIED[2])
    assert list(expression_cache._store.new) == [VARIED[2]]


def test_another_engine_does_not_read_the_trees_and_its_file_is_removed(
    fresh: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    engine = tmp_path / "engine"
    shutil.copytree(
        Path(expression_cache.__file__).parent, engine, ignore=shutil.ignore_patterns("__pycache__")
    )
    monkeypatch.setattr(expression_cache, "_PACKAGE", engine)
    expression_cache.parse("order.qty > 1")
    expression_cache.flush()
    (first,) = kept_files(fresh)

    grammar = engine / "grammar.lark"  # the grammar edited: another engine
    os.utime(grammar, ns=(grammar.stat().st_atime_ns, grammar.stat().st_mtime_ns + 1_000_000_000))
    expression_cache._store = expression_cache._Store()
    expression_cache.parse("order.qty > 1")
    assert expression_cache._store.new  # parsed by lark, not read from the other engine's file
    expression_cache.flush()
    (second,) = kept_files(fresh)
    assert second != first


def test_the_file_is_written_anew_with_the_last_max_trees_past_twice_that(
    fresh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(expression_cache, "MAX_TREES", 3)
    texts = [f"order.qty > {n}" for n in range(7)]
    for n, text in enumerate(texts):
        expression_cache.parse(text)
        expression_cache.flush()
        (kept,) = kept_files(fresh)
        lines = kept.read_text().splitlines()
        assert len(lines) <= 6
        assert kept_texts(kept) == (texts[: n + 1] if n < 6 else texts[4:])


def test_turned_off_nothing_is_written(fresh: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORDERGATE_NO_CACHE", "1")
    expression_cache.parse("order.qty > 1")
    expression_cache.flush()
    assert not fresh.exists()
