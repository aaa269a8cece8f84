"""What-if replay speed: N logged decisions replayed on one core (target: 1,000,000 in ≤ 30 s).

The log is the GitOps example's recorded desk day (examples/gitops/audit/decisions.jsonl)
repeated to N lines, written to a temporary file. Each pass over the day moves every instant
in it (the clock, the quote times, a lock's end) one microsecond later than the pass before
and numbers the lines on, so that no two lines are alike, as in a real log (a reader that
keeps what repeats must not gain from whole lines that repeat); the quote ages stay as
recorded. The figure is ``ordergate replay``'s
work from reading the file to the report, under the rules it was recorded under (every
decision compared, none changed) and under a tightened copy (some changed), with and
without ``--base``.

    python bench/replay_bench.py [N]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import tempfile
import time
from pathlib import Path

from ordergate.policy import load_bundle
from ordergate.policy.replay import replay_file

REPO = Path(__file__).resolve().parents[1]
LOG = REPO / "examples" / "gitops" / "audit" / "decisions.jsonl"
RULES = REPO / "examples" / "gitops" / "rules"


_INSTANT = re.compile(r'"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)([+-]\d\d:\d\d)"')
_ID = re.compile(r'^\{"id":\d+,')


def build_log(path: Path, n: int) -> None:
    day = LOG.read_text().splitlines()
    with path.open("w") as out:
        for i in range(n):
            shift, line = divmod(i, len(day))
            text = _INSTANT.sub(rf'"\1.{shift % 1_000_000:06d}\2"', day[line]) if shift else day[line]
            out.write(_ID.sub(f'{{"id":{i + 1},', text) + "\n")


def timed(label: str, log: Path, rules: Path, base: Path | None = None) -> float:
    new = load_bundle(rules)
    old = load_bundle(base) if base else None
    started, cpu = time.perf_counter(), time.process_time()
    with log.open() as stream:
        report = replay_file(stream, new, old)
    took, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(
        f"{label:<32} {report.decisions:>9,} decisions {took:6.2f} s ({cpu:6.2f} s CPU)  "
        f"{report.decisions / took:>9,.0f}/s  {len(report.changes):,} changed"
    )
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=1_000_000, help="logged decisions to replay")
    n = parser.parse_args().n
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "log.jsonl"
        build_log(log, n)
        tight = Path(tmp) / "tight"
        shutil.copytree(RULES, tight)
        policy = tight / "futures-desk.yaml"
        policy.write_text(
            policy.read_text().replace("max_contracts_per_order: 5", "max_contracts_per_order: 1")
        )
        timed("same rules, against the log", log, RULES)
        timed("tightened, against the log", log, tight)
        took = timed("tightened, --base the same", log, tight, RULES)
    per_million = took * 1_000_000 / n
    verdict = "met" if per_million <= 30 else "not met"
    print(f"target: 1,000,000 decisions with --base <= 30 s: {per_million:.1f} s, {verdict}")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())} (wall time needs a quiet core)")


if __name__ == "__main__":
    main()
