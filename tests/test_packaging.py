"""The package list in pyproject.toml names every package on disk, with its data files,
so a plain (non-editable) install imports everything the editable one does."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAPPED = {"policy": "ordergate.policy", "runtime": "ordergate.runtime"}


def test_every_package_on_disk_is_listed_in_pyproject() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    on_disk = {
        ".".join([MAPPED[init.relative_to(ROOT).parts[0]], *init.relative_to(ROOT).parts[1:-1]])
        for top in MAPPED
        for init in (ROOT / top).rglob("__init__.py")
        if "__pycache__" not in init.parts
    }
    assert on_disk - set(config["packages"]) == set()


def test_every_data_file_is_package_data() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    data = config["package-data"]
    missing = []
    for top, name in MAPPED.items():
        for path in (ROOT / top).rglob("*"):
            if not path.is_file() or path.suffix in (".py", ".pyc") or path.name.endswith(".md"):
                continue
            rel = path.relative_to(ROOT / top)
            package = ".".join([name, *rel.parts[:-1]])
            # a data file belongs to the nearest listed package above it
            parts = list(rel.parts[:-1])
            while package not in data and parts:
                parts.pop()
                package = ".".join([name, *parts])
            inside = path.relative_to(ROOT / top / Path(*parts)) if parts else rel
            if not any(inside.match(pattern) for pattern in data.get(package, [])):
                missing.append(str(path.relative_to(ROOT)))
    assert missing == []
