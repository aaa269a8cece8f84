"""Hot reload that cannot be fooled: half-written files, a moving tree, a deleted or
swapped rules directory, and an engine that raises while loading."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from ordergate.policy.models import ApiConfig, RuntimeSpec
from ordergate.runtime import holder as holder_module
from ordergate.runtime.clock import FakeClock
from ordergate.runtime.config import from_spec
from ordergate.runtime.holder import PolicyHolder
from ordergate.runtime.service import Runtime
from tests.contracts_now import front_symbol

from .conftest import MONDAY_10, client, paper, quote

pytestmark = pytest.mark.anyio

CAPPED = """\
apiVersion: ordergate/v1
kind: RiskPolicy
metadata: {{name: desk, version: {version}}}
spec:
  accounts: ["*"]
  quote_health: {{policy: strict, stale_after: 20s}}
  positions: {{max_contracts_per_order: {cap}}}
"""
# the first part of a two-part write parses alone: a policy with no cap at all
FIRST_PART = CAPPED.format(version=2, cap=1).split("  positions:")[0]
SECOND_PART = "  positions: {max_contracts_per_order: 1}\n"


def capped(version: int, cap: int) -> str:
    return CAPPED.format(version=version, cap=cap)


async def wait_until(predicate: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 10
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


@pytest.fixture
async def watched(make_runtime: Callable[..., Runtime]) -> AsyncIterator[Runtime]:
    """A runtime with its background tasks: the rules watcher runs as in production."""
    runtime = make_runtime(policy=capped(1, 1))
    await runtime.start()
    await quote(runtime, "ES", 6000)
    yield runtime
    await runtime.stop()


def labels(runtime: Runtime) -> list[str]:
    return list(runtime.core.holder.to_dict()["policies"])


async def test_a_rules_file_written_in_two_parts_never_decides_half_written(watched: Runtime) -> None:
    rules = watched.config.rules / "policy.yaml"
    decisions: list[dict[str, Any]] = []
    done = asyncio.Event()

    async def probe() -> None:
        async with client(watched) as c:
            while not done.is_set():
                body = {"account": "PAPER-1", "symbol": "ESZ6", "side": "buy", "qty": 2}
                r = await c.post("/v1/orders/check", json=body)
                decisions.append(r.json()["decision"])
                await asyncio.sleep(0.002)

    probing = asyncio.create_task(probe())
    await wait_until(lambda: len(decisions) > 5)
    with rules.open("w") as f:  # an editor or a slow copy: two writes 80 ms apart
        f.write(FIRST_PART)
        f.flush()
        await asyncio.sleep(0.08)
        f.write(SECOND_PART)
    await wait_until(lambda: labels(watched) == ["desk@2"])
    await asyncio.sleep(0.1)  # a few probes decided by the new bundle too
    done.set()
    await probing
    assert watched.core.holder.reloads == 2  # start-up and the whole file; never the half
    by_policy = {d["policy"] for d in decisions}
    assert by_policy == {"desk@1", "desk@2"}
    allowed = [d for d in decisions if d["outcome"] != "block"]
    assert allowed == [], f"{len(allowed)} two-lot probes passed a cap of 1"
    assert {d["code"] for d in decisions} == {"max_contracts_per_order"}


async def test_a_reload_waits_for_the_rules_to_be_quiet(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "desk.yaml").write_text(capped(1, 1))
    holder = PolicyHolder(rules)
    assert holder.load(MONDAY_10)
    (rules / "desk.yaml").write_text(FIRST_PART)
    started = time.monotonic()
    reloading = asyncio.create_task(holder.reload(MONDAY_10))
    await asyncio.sleep(0.07)
    with (rules / "desk.yaml").open("a") as f:
        f.write(SECOND_PART)
    assert await reloading is True
    assert time.monotonic() - started >= 0.07 + holder_module.QUIET_SECONDS - 0.02
    assert holder.bundle is not None
    policy = holder.bundle.policies["desk"]
    assert policy.label == "desk@2" and "max_contracts_per_order: 1" in (rules / "desk.yaml").read_text()
    assert holder.bundle.digest == holder_module.content_digest(rules)


async def test_a_file_changed_while_being_read_is_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "desk.yaml").write_text(capped(1, 1))
    holder = PolicyHolder(rules, quiet=0.05)
    assert holder.load(MONDAY_10)
    (rules / "desk.yaml").write_text(capped(2, 3))
    await asyncio.sleep(0.06)
    reads: list[str] = []
    real_check = holder_module.check_bundle

    def check_while_a_writer_finishes(paths: Any) -> Any:
        result = real_check(paths)  # read version 2 ...
        reads.append(result[0].digest if result[0] else "")
        if len(reads) == 1:  # ... and a writer replaces it before the read is done
            (rules / "desk.yaml").write_text(capped(3, 4))
        return result

    monkeypatch.setattr(holder_module, "check_bundle", check_while_a_writer_finishes)
    assert await holder.reload(MONDAY_10) is True
    assert len(reads) == 2 and holder.bundle is not None
    assert [p.label for p in holder.bundle.policies.values()] == ["desk@3"]


async def test_an_exception_while_loading_becomes_a_diagnostic_and_the_policy_stays(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "desk.yaml").write_text(capped(1, 1))
    holder = PolicyHolder(rules, quiet=0.0)
    assert holder.load(MONDAY_10)
    digest = holder.to_dict()["bundle"]

    def engine_defect(paths: Any) -> Any:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(holder_module, "check_bundle", engine_defect)
    (rules / "desk.yaml").write_text(capped(2, 1))
    assert await holder.reload(MONDAY_10) is False
    assert holder.to_dict()["bundle"] == digest
    assert holder.refused is not None
    refused = holder.refused.to_dict()
    assert refused["diagnostics"][0]["code"] == "load-failed"
    assert "RecursionError: maximum recursion depth exceeded" in refused["message"]
    assert "could not be loaded" in caplog.text


async def test_start_up_with_an_engine_exception_blocks_entries_and_says_why(
    make_runtime: Callable[..., Runtime], monkeypatch: pytest.MonkeyPatch
) -> None:
    def engine_defect(paths: Any) -> Any:
        raise ValueError("boom")

    monkeypatch.setattr(holder_module, "check_bundle", engine_defect)
    runtime = make_runtime()
    await runtime.start(background=False)
    try:
        await quote(runtime, "ES", 6000)
        _, body = await runtime.gateway.check(
            {"account": "PAPER-1", "symbol": "ESZ6", "side": "buy", "qty": 1}
        )
        assert (body["decision"]["outcome"], body["decision"]["code"]) == ("block", "no_policy")
        refused = runtime.status()["policy"]["refused"]
        assert refused["diagnostics"][0]["code"] == "load-failed" and "ValueError: boom" in refused["message"]
    finally:
        await runtime.stop()


async def test_deleting_and_recreating_the_rules_directory_resumes_hot_reload(watched: Runtime) -> None:
    rules = watched.config.rules
    digest = watched.core.holder.to_dict()["bundle"]
    shutil.rmtree(rules)
    await wait_until(lambda: watched.status()["policy"]["refused"] is not None)
    status = watched.status()["policy"]
    assert status["bundle"] == digest and status["refused"]["diagnostics"][0]["code"] == "no-such-path"
    # the last good policy keeps deciding while the directory is gone
    _, body = await watched.gateway.check({"account": "PAPER-1", "symbol": "ESZ6", "side": "buy", "qty": 2})
    assert body["decision"]["code"] == "max_contracts_per_order" and body["decision"]["bundle"] == digest
    rules.mkdir()
    (rules / "desk.yaml").write_text(capped(2, 3))
    await wait_until(lambda: labels(watched) == ["desk@2"])
    assert watched.status()["policy"]["refused"] is None
    (rules / "desk.yaml").write_text(capped(3, 4))  # and the new directory is watched in turn
    await wait_until(lambda: labels(watched) == ["desk@3"])


async def test_a_rules_directory_replaced_by_rename_is_picked_up(watched: Runtime) -> None:
    rules = watched.config.rules
    staged = rules.parent / "rules.next"
    staged.mkdir()
    (staged / "desk.yaml").write_text(capped(2, 2))
    rules.rename(rules.parent / "rules.old")
    staged.rename(rules)
    await wait_until(lambda: labels(watched) == ["desk@2"])
    (rules / "desk.yaml").write_text(capped(3, 2))
    await wait_until(lambda: labels(watched) == ["desk@3"])


async def test_a_rules_link_swapped_to_another_directory_is_picked_up(
    make_runtime: Callable[..., Runtime], tmp_path: Path
) -> None:
    for version in (1, 2):
        (tmp_path / f"v{version}").mkdir()
        (tmp_path / f"v{version}" / "desk.yaml").write_text(capped(version, 1))
    (tmp_path / "rules").symlink_to("v1")
    runtime = make_runtime()
    await runtime.start()
    try:
        assert labels(runtime) == ["desk@1"]
        (tmp_path / "rules.tmp").symlink_to("v2")
        (tmp_path / "rules.tmp").rename(tmp_path / "rules")  # atomic, as `ln -sfn` is not
        await wait_until(lambda: labels(runtime) == ["desk@2"])
    finally:
        await runtime.stop()


def test_start_up_never_takes_a_tree_that_keeps_moving(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "desk.yaml").write_text(capped(1, 1))
    real_check = holder_module.check_bundle
    writes = iter(range(2, 100))

    def always_rewritten(paths: Any) -> Any:
        result = real_check(paths)
        (rules / "desk.yaml").write_text(capped(next(writes), 1))
        return result

    monkeypatch.setattr(holder_module, "check_bundle", always_rewritten)
    holder = PolicyHolder(rules)
    assert holder.load(datetime.fromisoformat("2026-11-23T10:00:00-05:00")) is False
    assert holder.bundle is None and holder.refused is not None
    assert holder.refused.diagnostics[0].code == "rules-changing"


@pytest.mark.slow
def test_ordergate_run_with_broken_rules_starts_blocked_and_prints_the_diagnostics(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "desk.yaml").write_text(capped(1, 1).replace("version: 1", "version: [1"))
    (rules / "other.yaml").write_text(
        capped(1, 1).replace("max_contracts_per_order", "max_contract_per_order")
    )
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = tmp_path / "runtime.yaml"
    config.write_text(
        "apiVersion: ordergate/v1\nkind: Runtime\nmetadata: {name: broken}\n"
        f"spec:\n  rules: {rules}\n  store: sqlite:///{tmp_path / 'state.db'}\n"
        f"  api: {{listen: '127.0.0.1:{port}', tokens: ['${{env:OG_TEST_TOKEN}}']}}\n"
        "  connections: [{name: Paper, broker: paper, feed: manual, accounts: [{id: PAPER-1, balance: 50000}]}]\n"
    )
    exe = shutil.which("ordergate", path=str(Path(sys.executable).parent)) or "ordergate"
    proc = subprocess.Popen(
        [exe, "run", "--config", str(config), "--log-level", "warning"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "OG_TEST_TOKEN": "t0ken-for-tests"},
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            assert proc.poll() is None, "the runtime exited"
            try:
                health = httpx.get(url + "/v1/health", timeout=1)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, "the runtime did not answer"
                time.sleep(0.1)
        assert health.json()["status"] == "degraded"
        headers = {"Authorization": "Bearer t0ken-for-tests"}
        body = {"account": "PAPER-1", "symbol": front_symbol(), "side": "buy", "qty": 1}  # the real clock's
        decision = httpx.post(url + "/v1/orders/check", json=body, headers=headers).json()["decision"]
        assert (decision["outcome"], decision["code"]) == ("block", "no_policy")
        refused = httpx.get(url + "/v1/status", headers=headers).json()["policy"]["refused"]
        assert {d["file"] for d in refused["diagnostics"]} == {
            str(rules / "desk.yaml"),
            str(rules / "other.yaml"),
        }
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=20)
    assert "Traceback" not in out
    assert "entries are blocked" in out
    assert f"{rules / 'desk.yaml'}:3:" in out and f"{rules / 'other.yaml'}:7:" in out


async def test_a_rules_path_that_is_one_file_is_hot_reloaded(tmp_path: Path) -> None:
    rules = tmp_path / "desk.yaml"
    rules.write_text(capped(1, 1))
    spec = RuntimeSpec(
        rules=str(rules),
        store=f"sqlite:///{tmp_path / 'state.db'}",
        api=ApiConfig(listen="127.0.0.1:0", tokens=["t"]),
        connections=[paper()],
    )
    runtime = Runtime(from_spec("one-file", spec, state_dir=tmp_path / ".ordergate"), FakeClock(MONDAY_10))
    await runtime.start()
    try:
        assert labels(runtime) == ["desk@1"]
        rules.write_text(capped(2, 1))
        await wait_until(lambda: labels(runtime) == ["desk@2"])
    finally:
        await runtime.stop()


async def test_a_burst_of_writes_is_parsed_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "desk.yaml").write_text(capped(1, 1))
    holder = PolicyHolder(rules)
    assert holder.load(MONDAY_10)
    parses: list[object] = []
    real_check = holder_module.check_bundle

    def counted(paths: Any) -> Any:
        parses.append(paths)
        return real_check(paths)

    monkeypatch.setattr(holder_module, "check_bundle", counted)
    results: list[bool] = []
    watching = asyncio.create_task(holder.watch(lambda: MONDAY_10, results.append))
    try:
        await asyncio.sleep(0.1)
        for cap in (2, 3, 4):  # events keep coming while the reload waits for quiet
            (rules / "desk.yaml").write_text(capped(2, cap))
            await asyncio.sleep(0.03)
        await wait_until(lambda: results == [True])
        await asyncio.sleep(0.3)  # time for a needless second parse, had there been one
        assert len(parses) == 1 and results == [True]
        assert holder.bundle is not None and holder.bundle.digest == holder_module.content_digest(rules)
    finally:
        watching.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watching
