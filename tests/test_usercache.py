"""The grammar cache lives only where no one else can write (lark's cache is a pickle)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ordergate.policy import usercache


def test_the_cache_directory_is_created_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("ORDERGATE_NO_CACHE", raising=False)
    where = usercache.cache_dir()
    assert where == tmp_path / "ordergate"
    assert where.stat().st_mode & 0o077 == 0


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX permissions")
def test_a_directory_others_can_write_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("ORDERGATE_NO_CACHE", raising=False)
    (tmp_path / "ordergate").mkdir()
    (tmp_path / "ordergate").chmod(0o777)
    assert usercache.cache_dir() is None
    assert usercache.grammar_cache("start: x") is False


def test_caching_can_be_turned_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setenv("ORDERGATE_NO_CACHE", "1")
    assert usercache.grammar_cache("start: x") is False
    assert not (tmp_path / "ordergate").exists()


def test_expressions_parse_the_same_from_a_cold_and_a_warm_grammar_cache(tmp_path: Path) -> None:
    probe = (
        "from ordergate.policy.expression import parse;"
        "print(repr(parse('daily.pnl < -$500 and order.symbol in [ES, NQ] or now.time >= 15:30')))"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    env.pop("ORDERGATE_NO_CACHE", None)
    cold = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    assert list((tmp_path / "ordergate").glob("grammar-*.lark"))
    warm = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    assert cold.stdout == warm.stdout and "Logic" in cold.stdout
