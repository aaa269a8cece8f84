"""Start-up time of the offline CLI verbs, as pre-commit and CI pay it on every run.

    python bench/cli_start.py [--runs N] [RULES_DIR]

Runs ``ordergate validate RULES_DIR`` (the shipped ``rules/`` by default) N times as a
fresh process, and beside it a bare ``python -c pass`` and the import of the CLI module
alone, so the figure can be split into interpreter start, imports and work. Prints the
fastest and the median wall time of each; the target for validate is <= 150 ms.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

TARGET_MS = 150.0


def timed(cmd: list[str], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
        out.append((time.perf_counter() - start) * 1000)
        if done.returncode not in (0, 1):
            sys.exit(f"{' '.join(cmd)} exited {done.returncode}: {done.stderr.decode()[-500:]}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rules", nargs="?", default=str(Path(__file__).resolve().parent.parent / "rules"))
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    exe = shutil.which("ordergate") or sys.exit("ordergate is not on PATH; pip install -e . first")
    rows = [
        ("python -c pass", [sys.executable, "-c", "pass"]),
        ("import ordergate.runtime.cli", [sys.executable, "-c", "import ordergate.runtime.cli"]),
        (f"ordergate validate {args.rules}", [exe, "validate", args.rules]),
    ]
    timed(rows[-1][1], 2)  # warm the file cache and the grammar cache
    results = []
    for _ in range(2):  # interleaved, so that a burst of load hits every row alike
        for name, cmd in rows:
            results.append((name, timed(cmd, max(1, args.runs // 2))))
    for name, _cmd in rows:
        samples = [x for n, xs in results if n == name for x in xs]
        print(f"{name:55s} fastest {min(samples):6.0f} ms   median {statistics.median(samples):6.0f} ms")
    validate = [x for n, xs in results if n == rows[-1][0] for x in xs]
    verdict = "met" if statistics.median(validate) <= TARGET_MS else "not met"
    print(f"target: validate <= {TARGET_MS:.0f} ms (median): {verdict}")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
