"""What-if replay: a recorded day of the GitOps desk (examples/gitops/audit/decisions.jsonl,
written by the runtime on the paper broker: tests/runtime/recorded_day.py) decided again
under tightened, loosened, unchanged and extended rules, through the real command."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest
import yaml

from ordergate.policy import load_bundle
from ordergate.policy.errors import InputError
from ordergate.policy.orders import Order, Snapshot
from ordergate.policy.replay import Verdict, read_log, replay
from ordergate.policy.replay_report import MARKER

REPO = Path(__file__).resolve().parents[1]
GITOPS = REPO / "examples" / "gitops"
LOG = GITOPS / "audit" / "decisions.jsonl"
RULES = GITOPS / "rules"
ORDERGATE = str(Path(sys.executable).parent / "ordergate")


def rules_with(
    tmp_path: Path, edit: dict[str, Any] | None = None, rules: list[dict[str, Any]] | None = None
) -> Path:
    """A copy of the desk's rules with ``edit`` merged into futures-desk's spec."""
    out = tmp_path / "rules"
    shutil.copytree(RULES, out, ignore=shutil.ignore_patterns("*.test.yaml"))
    path = out / "futures-desk.yaml"
    doc = yaml.safe_load(path.read_text())
    doc["spec"].update(edit or {})
    if rules:
        doc["spec"]["rules"] = doc["spec"]["rules"] + rules
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return out


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([ORDERGATE, "replay", *args], capture_output=True, text=True, timeout=60)


def as_json(*args: str) -> tuple[int, dict[str, Any]]:
    r = run("--log", str(LOG), *args, "--format", "json")
    assert r.returncode in (0, 1), r.stderr
    return r.returncode, json.loads(r.stdout)


def groups(data: dict[str, Any]) -> set[tuple[Any, ...]]:
    return {(g["stage"], g["code"], g["before"], g["after"], g["count"]) for g in data["groups"]}


# ---------------------------------------------------------------- the recorded day


def test_the_recorded_day_holds_allows_blocks_and_a_breach_lock() -> None:
    entries = list(read_log(LOG.read_text().splitlines()))
    codes = {e.recorded.code for e in entries if e.recorded.outcome == "block"}
    assert len(entries) >= 30
    assert {"outside_hours", "max_contracts_per_order", "symbol_cap", "symbol_blocked"} <= codes
    assert {"rule:shrink-after-drawdown", "account_locked"} <= codes  # the breach locked DESK-2


def test_each_logged_snapshot_reads_back_to_itself() -> None:
    for line in LOG.read_text().splitlines():
        record = json.loads(line)
        at = datetime.fromisoformat(record["at"])
        snapshot = Snapshot.from_dict(record["snapshot"], at)
        assert snapshot.to_dict() == record["snapshot"]
        assert Snapshot.from_dict(snapshot.to_dict(), at) == snapshot


def test_a_full_snapshot_round_trips_through_its_dict() -> None:
    at = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
    state = {
        "account": {
            "id": "DESK-1",
            "nickname": "alpha",
            "enabled": False,
            "balance": 50000.0,
            "equity": 49123.25,
            "peak_equity": 51000.5,
            "locked": {"until": "2026-11-24T23:00:00.250000+00:00", "enforce": True, "reason": "daily loss"},
        },
        "positions": {"ES": {"qty": -2, "avg_price": 6001.25}, "NQ": {"qty": 1, "avg_price": 21000.0}},
        "quotes": {
            "ES": {"bid": 6000.0, "ask": 6000.25, "last": 6000.0, "time": "2026-11-24T14:59:58.123456+00:00"},
            "NQ": {"last": 20990.5, "time": "2026-11-24T14:59:59+00:00"},
        },
        "pnl": {"daily_realized": -250.5, "weekly_realized": 1200.0},
        "trades": {"daily": 4, "weekly": 17},
        "automation_paused": True,
        "working": {"ES": {"buy": 2, "sell": 1}},
    }
    snapshot = Snapshot.from_dict(state, at)
    assert snapshot.to_dict() == state
    assert Snapshot.from_dict(json.loads(json.dumps(snapshot.to_dict())), at) == snapshot
    manual = Snapshot.from_dict({"account": {"locked": True}}, at)
    assert manual.to_dict() == {"account": {"locked": True}}


# ---------------------------------------------------------------- what changes


def test_the_rules_it_was_recorded_under_change_nothing() -> None:
    status, data = as_json("--rules", str(RULES))
    assert status == 0 and data["changed"] == 0 and data["groups"] == [] and data["changes"] == []
    assert data["decisions"] == len(LOG.read_text().splitlines())


def test_the_self_check_with_the_logged_bundle_as_base_reports_zero(tmp_path: Path) -> None:
    status, data = as_json("--rules", str(RULES), "--base", str(RULES))
    assert (status, data["changed"]) == (0, 0)
    r = run("--log", str(LOG), "--rules", str(RULES))
    assert r.returncode == 0 and r.stdout.strip().endswith(": 0 changes"), r.stdout


def test_a_tightened_order_cap_blocks_more_orders_grouped_by_the_new_code(tmp_path: Path) -> None:
    tight = rules_with(
        tmp_path,
        {"positions": {"max_contracts_per_order": 1, "max_position_size": 10, "max_open_positions": 3}},
    )
    status, data = as_json("--rules", str(tight))
    assert status == 1
    assert ("positions", "max_contracts_per_order", "allow", "block", 3) in groups(data)
    assert data["newly_blocked"] == 3 and data["no_longer_blocked"] == 0
    # orders blocked before for another reason name it
    was = {(g["before_stage"], g["before_code"]) for g in data["groups"] if g["before"] == g["after"]}
    assert was == {("contracts", "symbol_cap"), ("rules", "rule:shrink-after-drawdown")}
    assert data["changed"] == sum(g["count"] for g in data["groups"]) == len(data["changes"])
    assert {a["account"] for a in data["accounts"]} == {"DESK-1", "DESK-2"}
    change = next(c for c in data["changes"] if c["before"]["outcome"] == "allow")
    assert change["after"] == {
        "outcome": "block",
        "stage": "positions",
        "code": "max_contracts_per_order",
        "message": f"{change['order']['qty']} contracts is more than the 1 allowed per order",
    }


def test_a_loosened_policy_lets_through_what_it_blocked(tmp_path: Path) -> None:
    loose = rules_with(
        tmp_path,
        {
            "hours": {"start": "08:00", "end": "17:00", "days": ["mon", "tue", "wed", "thu", "fri"]},
            "contracts": [{"symbol": "NQ", "mode": "cap", "max_contracts": 4}],
        },
    )
    status, data = as_json("--rules", str(loose))
    assert status == 1
    assert groups(data) == {
        ("hours", "outside_hours", "block", "allow", 2),
        ("contracts", "symbol_cap", "block", "allow", 1),
        ("contracts", "symbol_blocked", "block", "allow", 1),
    }
    assert data["newly_blocked"] == 0 and data["no_longer_blocked"] == 4


def test_a_new_custom_rule_shows_as_its_rule_code(tmp_path: Path) -> None:
    extended = rules_with(
        tmp_path,
        rules=[
            {"name": "no-nasdaq", "when": 'order.symbol == "NQ"', "message": "the desk does not trade NQ"}
        ],
    )
    status, data = as_json("--rules", str(extended))
    assert status == 1
    assert groups(data) == {("rules", "rule:no-nasdaq", "allow", "block", 1)}
    # the NQ order blocked by its cap still is, by the cap: the chain stops at the first block
    assert [c["order"]["symbol"] for c in data["changes"]] == ["NQZ6"]


def test_a_base_bundle_is_the_before_side(tmp_path: Path) -> None:
    tight = rules_with(tmp_path / "a", {"positions": {"max_contracts_per_order": 1}})
    status, data = as_json("--rules", str(RULES), "--base", str(tight))
    assert status == 1
    assert ("positions", "max_contracts_per_order", "block", "allow", 3) in groups(data)
    assert data["base"] == str(tight)


# ---------------------------------------------------------------- the forms it prints


def test_markdown_is_a_pull_request_comment_with_groups_totals_and_the_orders(tmp_path: Path) -> None:
    tight = rules_with(tmp_path, {"positions": {"max_contracts_per_order": 1}})
    r = run("--log", str(LOG), "--rules", str(tight), "--format", "markdown")
    assert r.returncode == 1, r.stderr
    text = r.stdout
    assert text.startswith(MARKER + "\n### ordergate replay")
    assert "| `positions/max_contracts_per_order` | allow → block | 3 |" in text
    assert "newly blocked 3, no longer blocked 0, blocked for another reason 2" in text
    assert "Accounts affected: DESK-1 (3), DESK-2 (2)." in text
    assert "<details><summary>5 changed orders</summary>" in text
    assert "| DESK-1 | buy 2 ESZ6 market | allow | block positions/max_contracts_per_order |" in text
    same = run("--log", str(LOG), "--rules", str(RULES), "--format", "markdown")
    assert same.returncode == 0 and "✅" in same.stdout and "0 changes" in same.stdout


def test_text_lists_groups_then_orders(tmp_path: Path) -> None:
    loose = rules_with(tmp_path, {"contracts": []})
    r = run("--log", str(LOG), "--rules", str(loose))
    assert r.returncode == 1
    lines = r.stdout.splitlines()
    assert lines[0].endswith("against the decisions recorded: 2 changes")
    assert "accounts affected: DESK-1 (1), DESK-2 (1)" in lines[2]
    assert any("contracts/symbol_blocked" in line and "block → allow" in line for line in lines)
    assert any("buy 1 CLF7 market: block contracts/symbol_blocked → allow" in line for line in lines)


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("not json", "log.jsonl:2: not a JSON object"),
        (
            '{"at": "2026-11-24T10:00:00+00:00"}',
            "log.jsonl:2: the record has no account, order, snapshot, decision",
        ),
        (
            '{"at": "yesterday", "account": "A", "order": {}, "snapshot": {}, "decision": {"outcome": "allow"}}',
            "at must be",
        ),
        (
            '{"at": "2026-11-24T10:00:00+00:00", "account": "A", "order": {"symbol": "ESZ6", "side": "up", "qty": 1},'
            ' "snapshot": {}, "decision": {"outcome": "allow"}}',
            "log.jsonl:2: order.side: must be buy or sell",
        ),
        (
            '{"at": "2026-11-24T10:00:00+00:00", "account": "A", "order": {"symbol": "ESZ6", "side": "buy", "qty": 1},'
            ' "snapshot": {"pnl": {"daily_realized": "lots"}}, "decision": {"outcome": "allow"}}',
            "snapshot.pnl.daily_realized",
        ),
    ],
)
def test_a_bad_log_line_is_exit_2_naming_its_line(tmp_path: Path, line: str, says: str) -> None:
    log = tmp_path / "log.jsonl"
    log.write_text(LOG.read_text().splitlines()[0] + "\n" + line + "\n")
    r = subprocess.run(
        [ORDERGATE, "replay", "--log", "log.jsonl", "--rules", str(RULES)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.startswith("ordergate replay: ") and says in r.stderr and "Traceback" not in r.stderr


def test_rules_that_do_not_load_and_a_missing_log_are_exit_2(tmp_path: Path) -> None:
    broken = rules_with(tmp_path, {"positions": {"max_contract_per_order": 1}})
    r = run("--log", str(LOG), "--rules", str(broken))
    assert r.returncode == 2 and "cannot replay: --rules" in r.stderr and "max_contract_per_order" in r.stderr
    r = run("--log", str(tmp_path / "nope.jsonl"), "--rules", str(RULES))
    assert r.returncode == 2 and "cannot read --log" in r.stderr


# ---------------------------------------------------------------- peaks


def test_a_policy_that_trails_end_of_day_measures_from_the_end_of_day_peak(tmp_path: Path) -> None:
    record = {
        "at": "2026-11-24T15:00:00+00:00",
        "account": "DESK-1",
        "order": {"symbol": "ESZ6", "side": "buy", "qty": 1},
        "snapshot": {
            "account": {"id": "DESK-1", "balance": 50000.0, "equity": 50000.0, "peak_equity": 53000.0},
            "quotes": {"ES": {"last": 6000.0, "time": "2026-11-24T14:59:59+00:00"}},
        },
        "peaks": {"intraday": 53000.0, "end_of_day": 51000.0},
        "decision": {"outcome": "block", "stage": "pnl_limits", "code": "trailing_drawdown", "message": ""},
    }
    entries = list(read_log([json.dumps(record)]))
    trailing = {"limits": {"trailing_drawdown": {"amount": 2500, "mode": "end_of_day"}}}
    eod = load_bundle(rules_with(tmp_path / "eod", trailing))
    intraday = load_bundle(
        rules_with(
            tmp_path / "intra", {"limits": {"trailing_drawdown": {"amount": 2500, "mode": "intraday"}}}
        )
    )
    assert replay(entries, intraday).changes == ()  # 53,000 - 2,500 > 50,000: blocked as recorded
    [change] = replay(entries, eod).changes  # 51,000 - 2,500 < 50,000: allowed
    assert change.after.outcome == "allow"


# ---------------------------------------------------------------- the GitOps workflow step


def replay_step(repo: Path, tmp_path: Path) -> tuple[subprocess.CompletedProcess[str], str, str]:
    """The example's replay step, run by bash as Actions runs it: (result, output, summary)."""
    workflow = yaml.safe_load((GITOPS / ".github" / "workflows" / "ordergate.yml").read_text())
    [step] = [s for s in workflow["jobs"]["replay"]["steps"] if s.get("id") == "replay"]
    tmp_path.mkdir(parents=True, exist_ok=True)
    output, summary = tmp_path / "output", tmp_path / "summary"
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(summary),
    }
    ran = subprocess.run(
        ["bash", "-e", "-c", step["run"]], cwd=repo, env=env, capture_output=True, text=True, timeout=120
    )
    return ran, output.read_text(), summary.read_text()


def test_the_gitops_replay_step_comments_what_a_pull_request_changes(tmp_path: Path) -> None:
    repo = tmp_path / "rules-repo"
    shutil.copytree(GITOPS, repo)
    shutil.copytree(RULES, repo / "base" / "rules")  # the base branch's checkout
    ran, output, summary = replay_step(repo, tmp_path / "same")
    assert ran.returncode == 0, ran.stderr
    assert output == "changed=false\n" and "0 changes" in summary
    policy = repo / "rules" / "futures-desk.yaml"
    policy.write_text(policy.read_text().replace("max_contracts_per_order: 5", "max_contracts_per_order: 1"))
    ran, output, summary = replay_step(repo, tmp_path / "tight")
    assert ran.returncode == 0, ran.stderr  # a change is for review, not a failed job
    assert output == "changed=true\n"
    assert summary == (repo / "replay.md").read_text() and summary.startswith(MARKER)
    assert "| `positions/max_contracts_per_order` | allow → block | 3 |" in summary
    workflow = yaml.safe_load((GITOPS / ".github" / "workflows" / "ordergate.yml").read_text())
    post = workflow["jobs"]["replay"]["steps"][-1]
    assert "gh pr comment" in post["run"] and "--body-file replay.md" in post["run"]
    policy.write_text("not: [a, policy")
    ran, _output, _summary = replay_step(repo, tmp_path / "broken")
    assert ran.returncode != 0  # bad input fails the job


# ---------------------------------------------------------------- the fast reader


def test_the_fast_reader_of_exported_snapshots_equals_from_dict_or_steps_aside() -> None:
    from ordergate.policy.replay import exported_snapshot

    at = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
    full = {
        "account": {
            "id": "DESK-1",
            "nickname": "alpha",
            "enabled": False,
            "balance": 50000.0,
            "equity": 49123.25,
            "peak_equity": 51000,
            "locked": {"until": "2026-11-24T23:00:00.250000+00:00", "enforce": True, "reason": "daily loss"},
        },
        "positions": {"ES": {"qty": -2, "avg_price": 6001.25}, "ZZ": {"qty": 1, "avg_price": 1}},
        "quotes": {"ES": {"bid": 6000.0, "last": 6000, "time": "2026-11-24T14:59:58.123456+00:00"}},
        "pnl": {"daily_realized": -250.5, "weekly_realized": 1200},
        "trades": {"daily": 4, "weekly": 17},
        "automation_paused": True,
    }
    recorded = [json.loads(line)["snapshot"] for line in LOG.read_text().splitlines()]
    for state in [
        *recorded,
        full,
        {},
        {"account": {"locked": True}},
        {"account": {"locked": {"enforce": False}}},
    ]:
        assert exported_snapshot(state) == Snapshot.from_dict(state, at), state
    # anything but the exported shape is left to from_dict, which reads it or says what is wrong
    for unusual in (
        {"working": {"ES": {"buy": 1}}},
        {"quotes": {"ES": {"last": 6000, "age": "2s"}}},
        {"quotes": {"ESZ6": {"last": 6000, "time": "2026-11-24T14:59:58+00:00"}}},
        {"quotes": {"ES": {"last": 6000}}},
        {"positions": {"ES": {"qty": 1.5}}},
        {"account": {"balance": True}},
        {"account": {"balance": float("nan")}},
        {"account": {"enabled": 1}},
        {"account": {"locked": {"until": "tomorrow"}}},
        {"pnl": {"daily_realized": "lots"}},
        {"trades": {"daily": 1.0}},
        {"extra": 1},
        [],
    ):
        assert exported_snapshot(unusual) is None, unusual


def test_assembling_a_snapshot_builds_what_the_constructor_builds() -> None:
    from ordergate.policy.orders import Position, Quote

    positions = {"ES": Position(-2, 6001.25, 50.0), "NQ": Position(0, 0.0, 20.0)}
    quotes = {"ES": Quote(6000.0, 6000.25, None, 1.8e9), "NQ": Quote(None, None, 21000.0, 1.8e9)}
    fields: dict[str, Any] = {
        "account_id": "DESK-1",
        "nickname": "alpha",
        "enabled": False,
        "locked": True,
        "lock_until": 1.9e9,
        "lock_enforce": True,
        "lock_reason": "daily loss",
        "balance": 50000.0,
        "equity_given": None,
        "peak_equity": 51000.5,
        "positions": MappingProxyType(positions),
        "quotes": MappingProxyType(quotes),
        "daily_realized": -250.5,
        "weekly_realized": 1200.0,
        "daily_trades": 4,
        "weekly_trades": 17,
        "automation_paused": True,
    }
    built, assembled = Snapshot(**fields), Snapshot.assemble(**fields)
    assert assembled == built and type(assembled) is Snapshot
    derived = ("unrealized", "daily_pnl", "weekly_pnl", "open_positions", "open_symbols", "working", "equity")
    assert [getattr(assembled, f) for f in derived] == [getattr(built, f) for f in derived]
    empty = {**fields, "positions": MappingProxyType({}), "quotes": MappingProxyType({})}
    assert Snapshot.assemble(**empty) == Snapshot(**empty)


def test_orders_and_decisions_read_once_are_the_ones_read_each_time() -> None:
    from ordergate.policy.replay import _order, _verdict

    for line in LOG.read_text().splitlines():
        record = json.loads(line)
        order = {k: v for k, v in record["order"].items() if k != "root"}
        assert _order(record["order"]) == _order(dict(record["order"])) == Order.from_dict(order)
        decision = record["decision"]
        assert _verdict(decision) == Verdict.of(decision)
        assert _verdict(decision).message == decision["message"]
    # true == 1, but only 1 is a qty: a cached order never answers for a bad one
    assert _order({"symbol": "ESZ6", "side": "buy", "qty": 1}).qty == 1
    with pytest.raises(InputError, match="qty"):
        _order({"symbol": "ESZ6", "side": "buy", "qty": True})


def test_an_account_read_once_is_the_one_read_each_time() -> None:
    from ordergate.policy.replay_snapshot import exported_snapshot

    at = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
    for account in ({"balance": 1.0}, {"balance": 1}, {"balance": -0.0}, {"balance": 0.0}, {"id": "A"}):
        state = {"account": account}
        assert exported_snapshot(state) == Snapshot.from_dict(state, at)
        assert exported_snapshot(state) == Snapshot.from_dict(state, at)  # the second, kept
    assert exported_snapshot({"account": {"balance": 1}}) is not None
    assert exported_snapshot({"account": {"balance": True}}) is None  # from_dict refuses it
    negative_zero = exported_snapshot({"account": {"balance": -0.0}})
    assert negative_zero is not None and str(negative_zero.balance) == "-0.0"


def test_replay_reports_what_comparing_each_verdict_reports(tmp_path: Path) -> None:
    """The replay loop compares decisions without a Verdict each; the report is the one
    a Verdict for every decision gives."""
    from ordergate.policy.replay import decide

    entries = list(read_log(LOG.read_text().splitlines()))
    tight = load_bundle(
        rules_with(
            tmp_path,
            {"positions": {"max_contracts_per_order": 1, "max_position_size": 10, "max_open_positions": 3}},
        )
    )
    base = load_bundle(RULES)
    for before_rules in (None, base):
        report = replay(entries, tight, before_rules)
        expected = [
            (e, before, after)
            for e in entries
            for before, after in [(decide(before_rules, e) if before_rules else e.recorded, decide(tight, e))]
            if before != after
        ]
        assert report.decisions == len(entries) and report.changes
        assert [(c.entry, c.before, c.after) for c in report.changes] == expected
        assert [c.after.message for c in report.changes] == [a.message for _, _, a in expected]
