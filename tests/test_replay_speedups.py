"""What makes a replay fast (issue 18) leaves every answer as it was: objects built by
their layout twins equal the constructors', the account kept per id never answers for a
part that differs in type or order, and the file reader's loop reports what reading
every entry and replaying them reports."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ordergate.policy import load_bundle
from ordergate.policy.errors import InputError
from ordergate.policy.orders import Position, Quote, Snapshot, new_position, new_quote
from ordergate.policy.replay import read_log, replay, replay_file
from ordergate.policy.replay_snapshot import exported_snapshot
from tests.test_replay import LOG, RULES, rules_with

AT = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


def test_quotes_and_positions_built_fast_are_the_constructors() -> None:
    for args in ((6000.0, 6000.25, None, 1.8e9), (None, None, 21000.0, None)):
        built, fast = Quote(*args), new_quote(*args)
        assert type(fast) is Quote and fast == built and hash(fast) == hash(built)
        assert fast.age is None and fast.mark == built.mark
    built_position, fast_position = Position(-2, 6001.25, 50.0), new_position(-2, 6001.25, 50.0)
    assert type(fast_position) is Position and fast_position == built_position
    with pytest.raises(AttributeError):  # still frozen
        fast.bid = 1.0  # type: ignore[misc]


def test_an_account_kept_never_answers_for_one_of_other_types_or_order() -> None:
    kept = {"account": {"id": "T-1", "balance": 1.0, "enabled": True}}
    assert exported_snapshot(kept) == Snapshot.from_dict(kept, AT)
    assert exported_snapshot(kept) == Snapshot.from_dict(kept, AT)  # the second, kept
    # equal value by value (true == 1.0), but balance is a bool and enabled a number
    swapped = {"account": {"id": "T-1", "enabled": 1.0, "balance": True}}
    assert exported_snapshot(swapped) is None
    with pytest.raises(InputError):
        Snapshot.from_dict(swapped, AT)
    as_int = {"account": {"id": "T-1", "balance": 1, "enabled": True}}
    assert exported_snapshot(as_int) == Snapshot.from_dict(as_int, AT)
    reordered = {"account": {"enabled": True, "balance": 1.0, "id": "T-1"}}
    assert exported_snapshot(reordered) == Snapshot.from_dict(reordered, AT)
    moved = {"account": {"id": "T-1", "balance": 2.0, "enabled": True}}
    got = exported_snapshot(moved)
    assert got is not None and got.balance == 2.0 and got == Snapshot.from_dict(moved, AT)
    assert exported_snapshot({"account": {"id": ["T-1"]}}) is None  # an id that does not hash


def _with_blank_lines() -> str:
    lines = LOG.read_text().splitlines()
    return "\n".join([lines[0], "", "   ", *lines[1:5], "\t", *lines[5:]]) + "\n"


@pytest.mark.parametrize("with_base", [False, True])
def test_the_file_reader_reports_what_read_log_and_replay_report(tmp_path: Path, with_base: bool) -> None:
    text = _with_blank_lines()
    tight = load_bundle(
        rules_with(tmp_path, {"positions": {"max_contracts_per_order": 1, "max_open_positions": 1}})
    )
    base = load_bundle(RULES) if with_base else None
    names = {"rules_name": "tight", "base_name": "rules" if with_base else None}
    fast = replay_file(io.StringIO(text), tight, base, name="day.jsonl", **names)
    entries = list(read_log(text.splitlines(keepends=True), "day.jsonl"))
    slow = replay(entries, tight, base, **names)
    assert fast.changes and fast.decisions == len(entries) == len(LOG.read_text().splitlines())
    assert fast.to_dict() == slow.to_dict()
    assert [c.entry for c in fast.changes] == [c.entry for c in slow.changes]
    # blank lines (empty or whitespace only) are skipped and counted: each entry keeps its line
    count = len(LOG.read_text().splitlines())
    assert [e.line for e in entries] == [1, *range(4, 8), *range(9, count + 4)]
    assert {c.entry.line for c in fast.changes} <= {e.line for e in entries}


def test_a_bad_line_is_named_by_the_file_reader_as_before() -> None:
    good = LOG.read_text().splitlines()[0]
    record = json.loads(good)
    del record["snapshot"], record["decision"]
    for line, message in (
        ("{not json", "log:2: not a JSON object (is this an `ordergate audit export` file?)"),
        ("[1, 2]", "log:2: not a JSON object (is this an `ordergate audit export` file?)"),
        (json.dumps(record), "log:2: the record has no snapshot, decision"),
    ):
        with pytest.raises(InputError) as caught:
            replay_file(io.StringIO(f"{good}\n{line}\n"), load_bundle(RULES))
        assert str(caught.value) == message


@pytest.mark.parametrize(
    "text",
    [
        '{"a":1}\n',
        ' \t{"a": [1, 2.5, null]}  \r\n',
        "\ufeff{}",
        "{} x",
        "",
        "   ",
        "[1]",
        "NaN",
        '{"a":1}{}',
        '"x',
        "{}\x0c",
        "\x0c{}",
        "\u00a0{}",
    ],
)
def test_a_line_is_json_exactly_when_json_loads_reads_it(text: str) -> None:
    from ordergate.policy.replay import _json

    try:
        expected: tuple[object, ...] = ("read", json.loads(text))
    except ValueError:
        expected = ("refused",)
    try:
        got: tuple[object, ...] = ("read", _json(text))
    except ValueError:
        got = ("refused",)
    assert got == expected
