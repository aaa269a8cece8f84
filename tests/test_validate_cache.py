"""The validate cache (issue 15): a valid bundle's report is printed again, without the
engine's libraries, while its files, the engine and the request stay the same; an invalid
file is checked and reported in full on every run."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ordergate.policy import validate_cache
from ordergate.policy.kinds import KINDS
from ordergate.policy.models import DOCUMENT_MODELS
from tests.conftest import REPO

# Runs the command in-process and says on stderr whether the engine (the bundle loader) was
# imported: a miss checks the files with it, a hit prints the report kept without it. (Not
# pydantic: a valid bundle is checked without pydantic since policy/light_models.py.)
_PROBE = """
import sys
from ordergate.runtime.cli import main
status = main(sys.argv[1:])
sys.stderr.write("engine imported: %s\\n" % ("ordergate.policy.bundle" in sys.modules))
sys.exit(status)
"""


@pytest.fixture
def cache_home(tmp_path: Path) -> Path:
    home = tmp_path / "cache"
    home.mkdir(mode=0o700)
    return home


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(REPO / "rules", target)
    return target


def run(cache: Path | None, *args: str, cwd: Path, off: bool = False) -> subprocess.CompletedProcess[str]:
    """The command with its cache in ``cache`` (None: turned off)."""
    env = {k: v for k, v in os.environ.items() if k not in ("ORDERGATE_NO_CACHE", "XDG_CACHE_HOME")}
    if cache is not None:
        env["XDG_CACHE_HOME"] = str(cache)
    if cache is None or off:
        env["ORDERGATE_NO_CACHE"] = "1"
    return subprocess.run(
        [sys.executable, "-c", _PROBE, *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=60
    )


def entries(cache: Path) -> list[Path]:
    return sorted((cache / "ordergate").glob("validate-*.txt"))


def test_an_unchanged_valid_bundle_is_reported_from_the_cache_without_the_engine(
    cache_home: Path, rules: Path
) -> None:
    fresh = run(None, "validate", "rules", cwd=rules.parent)
    first = run(cache_home, "validate", "rules", cwd=rules.parent)
    second = run(cache_home, "validate", "rules", cwd=rules.parent)
    assert fresh.returncode == first.returncode == second.returncode == 0
    assert fresh.stdout == first.stdout == second.stdout
    assert fresh.stdout.startswith("valid: 10 files, 5 policies")
    assert "engine imported: True" in first.stderr  # a miss checks the files in full
    assert "engine imported: False" in second.stderr  # a hit prints the report kept
    assert len(entries(cache_home)) == 1


@pytest.mark.parametrize("cached_first", [True, False])
def test_an_invalid_file_is_reported_on_every_run(cache_home: Path, rules: Path, cached_first: bool) -> None:
    if cached_first:  # the valid report is in the cache before the file breaks
        assert run(cache_home, "validate", "rules", cwd=rules.parent).returncode == 0
    policy = rules / "default.yaml"
    text = policy.read_text()
    assert "timezone: America/New_York" in text
    policy.write_text(text.replace("timezone: America/New_York", "timezone: America/NewYork", 1))
    line = next(i for i, t in enumerate(policy.read_text().splitlines(), 1) if "America/NewYork" in t)
    reports = [run(cache_home, "validate", "rules", cwd=rules.parent) for _ in range(2)]
    for r in reports:
        assert r.returncode == 1
        assert r.stdout.startswith(f"rules/default.yaml:{line}:")
        assert "error[timezone]: unknown timezone 'America/NewYork'" in r.stdout
        assert "engine imported: True" in r.stderr
    assert reports[0].stdout == reports[1].stdout
    policy.write_text(text)  # fixed again: valid again, and no error lingers
    again = run(cache_home, "validate", "rules", cwd=rules.parent)
    assert again.returncode == 0 and again.stdout.startswith("valid: ")


def test_warnings_are_kept_as_a_valid_report_and_are_errors_every_time_under_strict(
    cache_home: Path, tmp_path: Path
) -> None:
    shutil.copy(REPO / "tests" / "invalid" / "warnings.yaml", tmp_path / "warnings.yaml")
    plain = [run(cache_home, "validate", "warnings.yaml", cwd=tmp_path) for _ in range(2)]
    assert [r.returncode for r in plain] == [0, 0]
    assert plain[0].stdout == plain[1].stdout and "warning[" in plain[0].stdout
    assert "engine imported: False" in plain[1].stderr
    strict = [run(cache_home, "validate", "--strict", "warnings.yaml", cwd=tmp_path) for _ in range(2)]
    assert [r.returncode for r in strict] == [1, 1]
    assert all("engine imported: True" in r.stderr for r in strict)


def test_each_format_has_its_own_entry(cache_home: Path, rules: Path) -> None:
    for fmt in ("text", "json", "github", "sarif"):
        fresh = run(None, "validate", "--format", fmt, "rules", cwd=rules.parent)
        for _ in range(2):
            kept = run(cache_home, "validate", "--format", fmt, "rules", cwd=rules.parent)
            assert (kept.returncode, kept.stdout) == (fresh.returncode, fresh.stdout), fmt
    assert len(entries(cache_home)) == 4


def test_turned_off_nothing_is_kept(cache_home: Path, rules: Path) -> None:
    for _ in range(2):
        r = run(cache_home, "validate", "rules", cwd=rules.parent, off=True)
        assert r.returncode == 0 and "engine imported: True" in r.stderr
    assert not (cache_home / "ordergate").exists()
    assert run(cache_home, "validate", "rules", cwd=rules.parent).returncode == 0
    assert len(entries(cache_home)) == 1  # the same directory, caching on


def _key(monkeypatch: pytest.MonkeyPatch, cache_home: Path, rules: Path) -> str:
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache_home))
    monkeypatch.delenv("ORDERGATE_NO_CACHE", raising=False)
    monkeypatch.chdir(rules.parent)
    key = validate_cache.key_for(["rules"], "text", False)
    assert key is not None
    return key.digest


def test_the_key_changes_with_a_file_the_engine_or_a_library_directory(
    monkeypatch: pytest.MonkeyPatch, cache_home: Path, rules: Path, tmp_path: Path
) -> None:
    engine = tmp_path / "engine"
    shutil.copytree(
        Path(validate_cache.__file__).parent, engine, ignore=shutil.ignore_patterns("__pycache__")
    )
    library = tmp_path / "site-packages"
    library.mkdir()
    monkeypatch.setattr(validate_cache, "_PACKAGE", engine)
    monkeypatch.setattr(sys, "path", [sys.path[0], str(library), *sys.path[1:]])
    before = _key(monkeypatch, cache_home, rules)
    assert _key(monkeypatch, cache_home, rules) == before  # stable while nothing changes

    policy = rules / "default.yaml"
    policy.write_text(policy.read_text() + "\n")
    after_file = _key(monkeypatch, cache_home, rules)
    assert after_file != before

    chain = engine / "chain.py"
    os.utime(chain, ns=(chain.stat().st_atime_ns, chain.stat().st_mtime_ns + 1_000_000_000))
    after_engine = _key(monkeypatch, cache_home, rules)
    assert after_engine != after_file

    (library / "newlib-1.0.dist-info").mkdir()  # pip installed or upgraded something
    os.utime(library, ns=(library.stat().st_atime_ns, library.stat().st_mtime_ns + 1_000_000_000))
    assert _key(monkeypatch, cache_home, rules) != after_engine


def test_an_entry_under_another_key_is_not_used(cache_home: Path, rules: Path) -> None:
    assert run(cache_home, "validate", "rules", cwd=rules.parent).returncode == 0
    (entry,) = entries(cache_home)
    digest, _, report = entry.read_text().partition("\n")
    entry.write_text(f"{'0' * len(digest)}\n{report.replace('valid:', 'forged:')}")
    r = run(cache_home, "validate", "rules", cwd=rules.parent)
    assert r.stdout.startswith("valid: ") and "engine imported: True" in r.stderr


def test_the_kinds_the_command_line_lists_are_the_models_kinds() -> None:
    assert tuple(DOCUMENT_MODELS) == KINDS


def test_only_the_entries_used_last_are_kept(
    monkeypatch: pytest.MonkeyPatch, cache_home: Path, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache_home))
    monkeypatch.delenv("ORDERGATE_NO_CACHE", raising=False)
    monkeypatch.setattr(validate_cache, "MAX_ENTRIES", 3)
    monkeypatch.chdir(tmp_path)
    keys = []
    for i in range(5):
        (tmp_path / f"p{i}.yaml").write_text(f"# {i}\n")
        key = validate_cache.key_for([f"p{i}.yaml"], "text", False)
        assert key is not None
        keys.append(key)
        validate_cache.store(key, f"report {i}\n")
        past = 1_000_000_000 * (i + 1)  # each written a second after the one before
        os.utime(key.entry, ns=(past, past))
        if i == 3:  # the second is used again just before the fifth is written
            assert validate_cache.lookup(keys[1]) == "report 1\n"
    assert len(entries(cache_home)) == 3
    assert [validate_cache.lookup(k) for k in keys] == [None, "report 1\n", None, "report 3\n", "report 4\n"]
