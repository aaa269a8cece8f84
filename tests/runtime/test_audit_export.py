"""``ordergate audit export``: a day's decisions with their inputs, from a runtime over HTTP
or straight from its store, as the JSON lines ``ordergate replay`` decides again exactly."""

from __future__ import annotations

import json
import sqlite3
import textwrap
from pathlib import Path
from typing import Any

import pytest

from tests.runtime.cliproc import at, ordergate
from tests.runtime.recorded_day import DESK_RULES, REPO, served_day

SAMPLE = REPO / "examples" / "gitops" / "audit" / "decisions.jsonl"


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def without_bundle(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**r, "decision": {k: v for k, v in r["decision"].items() if k != "bundle"}} for r in records]


@pytest.mark.anyio
async def test_a_recorded_day_exports_the_same_from_the_api_and_the_store_and_replays_unchanged(
    tmp_path: Path,
) -> None:
    async with served_day(tmp_path) as (_runtime, url, desk):
        via_api = await ordergate("audit", "export", *at(url), "--out", str(tmp_path / "api.jsonl"))
        assert via_api.returncode == 0, via_api.stderr
        assert via_api.stderr == f"exported {len(desk.answers)} decisions to {tmp_path / 'api.jsonl'}\n"
        store = f"sqlite:///{tmp_path / 'state.db'}"
        via_store = await ordergate("audit", "export", "--store", store)  # beside the running runtime
        assert via_store.returncode == 0, via_store.stderr
        (tmp_path / "store.jsonl").write_text(via_store.stdout)
    exported = lines(tmp_path / "api.jsonl")
    assert exported == lines(tmp_path / "store.jsonl")
    assert [r["id"] for r in exported] == sorted(r["id"] for r in exported)
    first = exported[0]
    assert set(first) == {"id", "at", "account", "order", "snapshot", "decision"}
    assert first["snapshot"]["quotes"].keys() == {"ES"}  # only the order's root and the roots held
    # what the runtime decided, as it answered each order
    assert [r["decision"] for r in exported] == [answer["decision"] for _status, answer in desk.answers]
    # the example keeps a day recorded this way: the same orders, snapshots and decisions
    assert without_bundle(exported) == without_bundle(lines(SAMPLE))
    for base in ((), ("--base", str(DESK_RULES))):
        replayed = await ordergate(
            "replay", "--log", str(tmp_path / "api.jsonl"), "--rules", str(tmp_path / "rules"), *base
        )
        assert replayed.returncode == 0, replayed.stdout + replayed.stderr
        assert replayed.stdout.endswith(": 0 changes\n")


@pytest.mark.anyio
async def test_the_export_keeps_the_accounts_and_times_asked_for(tmp_path: Path) -> None:
    async with served_day(tmp_path) as (_runtime, url, _desk):
        desk2 = await ordergate("audit", "export", *at(url), "--account", "DESK-2")
        window = await ordergate(
            "audit",
            "export",
            *at(url),
            "--since",
            "2026-11-24T11:00:00-05:00",
            "--until",
            "2026-11-24T12:00:00-05:00",
        )
        glob = await ordergate("audit", "export", *at(url), "--account", "DESK-*")
        nobody = await ordergate("audit", "export", *at(url), "--account", "OTHER-*")
    assert {r["account"] for r in map(json.loads, desk2.stdout.splitlines())} == {"DESK-2"}
    times = [json.loads(line)["at"] for line in window.stdout.splitlines()]
    assert times and all("2026-11-24T16:00:00+00:00" <= t < "2026-11-24T17:00:00+00:00" for t in times)
    assert len(glob.stdout.splitlines()) == len(desk2.stdout.splitlines()) + sum(
        1 for line in glob.stdout.splitlines() if json.loads(line)["account"] == "DESK-1"
    )
    assert (
        nobody.returncode == 0
        and nobody.stdout == ""
        and nobody.stderr == "exported 0 decisions to standard output\n"
    )


@pytest.mark.anyio
async def test_the_api_pages_by_audit_id_and_refuses_bad_parameters(tmp_path: Path) -> None:
    async with served_day(tmp_path) as (_runtime, _url, desk):
        http = desk.http
        seen: list[int] = []
        after: int | None = 0
        pages = 0
        while after is not None:
            r = await http.get("/v1/decisions/export", params={"after": after, "limit": 7})
            assert r.status_code == 200
            body = r.json()
            seen += [rec["id"] for rec in body["records"]]
            after = body["next_after"]
            pages += 1
        assert seen == sorted(seen) and len(seen) == len(desk.answers) and pages == len(seen) // 7 + 1
        for params, field in (
            ({"after": "-1"}, "after"),
            ({"limit": "0"}, "limit"),
            ({"since": "today"}, "since"),
        ):
            r = await http.get("/v1/decisions/export", params=params)
            assert r.status_code == 422 and r.json()["field"] == field
        # the decisions list keeps its fields
        r = await http.get("/v1/decisions", params={"limit": 1})
        assert set(r.json()["decisions"][0]) == {"id", "time", "account", "order", "decision"}


@pytest.mark.anyio
async def test_entries_recorded_before_inputs_were_kept_are_left_out_and_counted(tmp_path: Path) -> None:
    async with served_day(tmp_path) as (_runtime, _url, _desk):
        pass
    db = sqlite3.connect(tmp_path / "state.db")
    with db:
        db.execute("UPDATE decisions SET inputs = NULL WHERE id <= 3")
    db.close()
    ran = await ordergate("audit", "export", "--store", f"sqlite:///{tmp_path / 'state.db'}")
    assert ran.returncode == 0
    assert next(json.loads(line)["id"] for line in ran.stdout.splitlines()) == 4
    assert "(3 recorded before decisions kept their inputs left out: they cannot be replayed)" in ran.stderr


@pytest.mark.anyio
async def test_the_config_names_the_store_and_a_missing_store_is_one_line(tmp_path: Path) -> None:
    async with served_day(tmp_path) as (_runtime, _url, _desk):
        pass
    config = tmp_path / "runtime.yaml"
    config.write_text(
        textwrap.dedent(
            """
            apiVersion: ordergate/v1
            kind: Runtime
            metadata: {name: desk}
            spec:
              rules: rules
              store: sqlite:///state.db
            """
        ).lstrip()
    )
    ran = await ordergate("audit", "export", "--config", str(config), "--account", "DESK-1", cwd=REPO)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout and {json.loads(line)["account"] for line in ran.stdout.splitlines()} == {"DESK-1"}
    missing = await ordergate("audit", "export", "--store", f"sqlite:///{tmp_path / 'nope.db'}")
    assert (
        missing.returncode == 1
        and missing.stderr == f"ordergate audit export: no state store at {tmp_path / 'nope.db'}\n"
    )
    both = await ordergate("audit", "export", "--store", "sqlite:///x.db", "--config", str(config))
    assert both.returncode == 2 and "give --config or --store, not both" in both.stderr


@pytest.mark.anyio
async def test_no_runtime_answering_is_one_line(tmp_path: Path) -> None:
    ran = await ordergate("audit", "export", "--url", "http://127.0.0.1:9", "--token", "t", cwd=tmp_path)
    assert ran.returncode == 1 and ran.stderr.startswith("ordergate audit export: no runtime answers at")
    assert not (tmp_path / "out.jsonl.partial").exists()
