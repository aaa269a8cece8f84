from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from ordergate.policy import Bundle, check_bundle, load_bundle

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def write_rules(tmp_path: Path) -> Callable[..., Path]:
    """Write YAML files into a fresh rules directory; returns the directory."""

    def write(**files: str) -> Path:
        rules = tmp_path / "rules"
        rules.mkdir(exist_ok=True)
        for name, text in files.items():
            (rules / f"{name}.yaml").write_text(textwrap.dedent(text).lstrip(), "utf-8")
        return rules

    return write


@pytest.fixture
def bundle_of(write_rules: Callable[..., Path]) -> Callable[..., Bundle]:
    def load(**files: str) -> Bundle:
        return load_bundle(write_rules(**files))

    return load


@pytest.fixture
def diagnostics_of(write_rules: Callable[..., Path]) -> Callable[..., list]:
    def check(**files: str) -> list:
        return check_bundle([write_rules(**files)])[1]

    return check
