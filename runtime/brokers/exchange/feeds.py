"""Market data for the simulated exchange: a random walk, quotes set by hand, or a replayed CSV.

The random walk moves each root by a few ticks at a time around a plausible price, with
a one-tick spread. A replay file is CSV with a header ``time,symbol,bid,ask,last`` and
ISO 8601 times; quotes are played at their recorded pace.
"""

from __future__ import annotations

import asyncio
import csv
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ordergate.policy import spec_for, symbol_root
from ordergate.runtime.brokers.errors import BrokerConfigError as ConfigError

START_PRICES: dict[str, float] = {
    "ES": 6000.0,
    "MES": 6000.0,
    "NQ": 21000.0,
    "MNQ": 21000.0,
    "YM": 44000.0,
    "MYM": 44000.0,
    "RTY": 2400.0,
    "M2K": 2400.0,
    "CL": 70.0,
    "MCL": 70.0,
    "NG": 3.2,
    "GC": 2650.0,
    "MGC": 2650.0,
    "SI": 31.0,
    "HG": 4.3,
}

QuoteSink = Callable[[str, float | None, float | None, float | None], object]


def round_to_tick(root: str, price: float) -> float:
    spec = spec_for(root)
    tick = spec.tick_size if spec else 0.01
    return round(round(price / tick) * tick, 10)


class RandomWalk:
    def __init__(self, sink: QuoteSink, seed: int | None = None, interval: float = 0.25) -> None:
        self.sink = sink
        self.rng = random.Random(seed)
        self.interval = interval
        self.prices = dict(START_PRICES)

    def step(self) -> None:
        for root, price in self.prices.items():
            spec = spec_for(root)
            tick = spec.tick_size if spec else 0.01
            price = max(tick, price + round(self.rng.gauss(0, 1.5)) * tick)
            self.prices[root] = price
            bid = round_to_tick(root, price)
            self.sink(root, bid, round_to_tick(root, bid + tick), bid)

    async def run(self) -> None:
        while True:
            self.step()
            await asyncio.sleep(self.interval)


@dataclass(frozen=True, slots=True)
class ReplayRow:
    time: datetime
    root: str
    bid: float | None
    ask: float | None
    last: float | None


def read_replay(path: Path) -> list[ReplayRow]:
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise ConfigError(f"feed replay:{path}: cannot read: {exc.strerror or exc}") from None
    rows: list[ReplayRow] = []
    reader = csv.DictReader(text.splitlines())
    missing = {"time", "symbol"} - set(reader.fieldnames or ())
    if missing:
        raise ConfigError(
            f"feed replay:{path}: the header needs time,symbol,bid,ask,last (missing {', '.join(sorted(missing))})"
        )
    for line, row in enumerate(reader, start=2):
        try:
            when = datetime.fromisoformat(row["time"])
            values = [float(row[k]) if row.get(k) not in (None, "") else None for k in ("bid", "ask", "last")]
        except ValueError as exc:
            raise ConfigError(f"feed replay:{path}:{line}: {exc}") from None
        rows.append(ReplayRow(when, symbol_root(row["symbol"]), *values))
    return rows


class Replay:
    def __init__(self, sink: QuoteSink, rows: list[ReplayRow]) -> None:
        self.sink = sink
        self.rows = rows

    async def run(self) -> None:
        previous: datetime | None = None
        for row in self.rows:
            if previous is not None:
                await asyncio.sleep(max((row.time - previous).total_seconds(), 0))
            previous = row.time
            self.sink(row.root, row.bid, row.ask, row.last)


FEEDS = ("random_walk", "manual", "replay:<file>")
Feed = RandomWalk | Replay


def feed_for(spec: str, sink: QuoteSink, *, base: Path | None = None, seed: int | None = None) -> Feed | None:
    """The feed a setting names (``random_walk``, ``manual``: none, ``replay:<file>``)."""
    if spec == "random_walk":
        return RandomWalk(sink, seed)
    if spec == "manual":
        return None
    if spec.startswith("replay:"):
        path = Path(spec.removeprefix("replay:"))
        return Replay(sink, read_replay(path if path.is_absolute() or base is None else base / path))
    raise ConfigError(f"unknown feed {spec!r}; feeds: {', '.join(FEEDS)}")
