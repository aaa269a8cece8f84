"""Start-up time of the offline CLI verbs, as pre-commit and CI pay it on every run.

    python bench/cli_start.py [--runs N] [RULES_DIR]

Runs ``ordergate validate RULES_DIR`` (the shipped ``rules/`` by default) N times as a
fresh process, and beside it a bare ``python -c pass`` and the import of the CLI module
alone, so the figure can be split into interpreter start, imports and work. Prints the
fastest and the median wall time of each; the target for validate is <= 150 ms.

validate keeps a valid bundle's report (``policy/validate_cache.py``), so it is timed
three ways, each in a cache directory of its own:

- warm: the files are as the run before saw them (pre-commit on a commit that does not
  touch the rules): the report kept is printed;
- cold: a rules file changed since the last run (a copy of RULES_DIR, one comment line
  added before each run: a fresh checkout, or a commit that edits the rules): everything
  is loaded and checked; the user cache is kept, as it is from commit to commit (lark's
  analysed grammar, and the rule expressions parsed before: ``expression_cache``);
- no cache: ``ORDERGATE_NO_CACHE=1``, nothing kept from run to run, the grammar analysed
  and every expression parsed by lark each time.

Every child runs without ``PYTHONDONTWRITEBYTECODE`` (a development shell may set it), and
every row is run once, untimed, before the timed runs: an installed package (pip, a wheel)
has its modules compiled to .pyc, so the figure must not include compiling them from source
on every run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

TARGET_MS = 150.0


def timed(
    cmd: list[str], runs: int, env: dict[str, str] | None = None, before: Callable[[], None] | None = None
) -> list[float]:
    out = []
    for _ in range(runs):
        if before is not None:
            before()
        start = time.perf_counter()
        done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False, env=env)
        out.append((time.perf_counter() - start) * 1000)
        if done.returncode not in (0, 1):
            sys.exit(f"{' '.join(cmd)} exited {done.returncode}: {done.stderr.decode()[-500:]}")
    return out


class Row(NamedTuple):
    name: str
    cmd: list[str]
    env: dict[str, str] | None = None
    before: Callable[[], None] | None = None


# PYTHONDONTWRITEBYTECODE: the children write their .pyc, as an installed package has them
_DROPPED = ("ORDERGATE_NO_CACHE", "XDG_CACHE_HOME", "PYTHONDONTWRITEBYTECODE")


def _env(cache: Path | None, *, plain: bool = False) -> dict[str, str]:
    """The children's environment; ``plain``: no cache setting at all (python -c pass)."""
    env = {k: v for k, v in os.environ.items() if k not in _DROPPED}
    if plain:
        return env
    if cache is None:
        env["ORDERGATE_NO_CACHE"] = "1"
    else:
        env["XDG_CACHE_HOME"] = str(cache)
    return env


def _touching(rules: Path) -> Callable[[], None]:
    """Before each run, one more comment line in the first rules file: its key changes."""
    first = sorted(rules.glob("*.y*ml"))[0]
    text = first.read_text()
    count = iter(range(1, 1_000_000))

    def touch() -> None:
        first.write_text(f"{text}# edit {next(count)}\n")

    return touch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rules", nargs="?", default=str(Path(__file__).resolve().parent.parent / "rules"))
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    exe = shutil.which("ordergate") or sys.exit("ordergate is not on PATH; pip install -e . first")
    with tempfile.TemporaryDirectory() as tmp:
        warm_cache, cold_cache = Path(tmp, "warm"), Path(tmp, "cold")
        edited = Path(tmp, "rules")
        shutil.copytree(args.rules, edited)
        for cache in (warm_cache, cold_cache):
            cache.mkdir(mode=0o700)
        rows = [
            Row("python -c pass", [sys.executable, "-c", "pass"], _env(None, plain=True)),
            Row(
                "import ordergate.runtime.cli",
                [sys.executable, "-c", "import ordergate.runtime.cli"],
                _env(None, plain=True),
            ),
            Row(f"validate {args.rules}, warm", [exe, "validate", args.rules], _env(warm_cache)),
            Row(
                "validate, a rules file changed (cold)",
                [exe, "validate", str(edited)],
                _env(cold_cache),
                _touching(edited),
            ),
            Row("validate, ORDERGATE_NO_CACHE=1", [exe, "validate", args.rules], _env(None)),
        ]
        print(
            "children run without PYTHONDONTWRITEBYTECODE; each row once untimed first (.pyc written, caches warm)"
        )
        for row in rows:
            timed(row.cmd, 2, row.env, row.before)
        results: dict[str, list[float]] = {row.name: [] for row in rows}
        for _ in range(2):  # interleaved, so that a burst of load hits every row alike
            for row in rows:
                results[row.name] += timed(row.cmd, max(1, args.runs // 2), row.env, row.before)
    for name, samples in results.items():
        print(f"{name:55s} fastest {min(samples):6.0f} ms   median {statistics.median(samples):6.0f} ms")
    for row in rows[2:4]:
        verdict = "met" if statistics.median(results[row.name]) <= TARGET_MS else "not met"
        print(f"target: {row.name} <= {TARGET_MS:.0f} ms (median): {verdict}")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
