"""The kill switch through one instance when the instance hosting some accounts does not
answer: those accounts are locked in the store, and the live instance hosting them
applies the lock at once on the cluster's notice, not only at its next restart."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from tests.runtime.cluster_procs import by_id, until
from tests.runtime.test_cluster_instances import Cluster, start_cluster
from tests.runtime.test_e2e import free_port

pytestmark = pytest.mark.slow


@pytest.fixture
def two(tmp_path: Path) -> Iterator[Cluster]:
    yield from start_cluster(tmp_path, 2, max_position=3)


def _advertise(cluster: Cluster, ident: str, address: str) -> None:
    """Point the registry's address of instance ``ident`` elsewhere: the others' requests
    to it go unanswered while it runs on, beating and listening to notices."""
    store = re.search(r'store: "([^"]+)"', (cluster.root / "runtime.yaml").read_text())
    assert store is not None

    async def update() -> None:
        conn = await asyncpg.connect(store.group(1))
        try:
            assert (
                await conn.execute("UPDATE instances SET address = $2 WHERE id = $1", ident, address)
                == "UPDATE 1"
            )
        finally:
            await conn.close()

    asyncio.run(update())


def test_an_instance_that_did_not_answer_the_kill_switch_applies_the_lock_of_its_accounts(
    two: Cluster,
) -> None:
    holder = two.holder_of("A")  # hosts
    [other] = two.others(holder)  # hosts B-1
    [ident] = [i for i, inst in by_id(two.live()).items() if inst is holder]
    unreachable = f"http://127.0.0.1:{free_port()}"
    _advertise(two, ident, unreachable)
    until(
        "the other instance reads the new address",
        lambda: any(i["id"] == ident and i["address"] == unreachable for i in other.status()["instances"]),
        10,
    )
    assert holder.account("A-1")["locked"] is None

    report = other.call("POST", "/v1/kill-switch", {"confirm": "FLATTEN"})
    assert report.status_code == 200, report.text
    rows = {r["account"]: r for r in report.json()["accounts"]}
    assert rows["B-1"]["lock"] == "ok" and rows["B-1"]["flatten"] in ("ok", "none"), rows
    for account in ("A-1", "A-2"):
        assert rows[account]["lock"] == "ok" and rows[account]["flatten"] == "failed", rows
        assert f"instance {ident} did not answer" in rows[account]["error"], rows

    for account in ("A-1", "A-2"):
        view = until(
            f"{account} locked on its host", lambda a=account: holder.account(a).get("locked") or {}, 5
        )
        assert view["reason"] == "kill_switch"
    refused = holder.order("A-1")
    assert refused.status_code == 403 and refused.json()["decision"]["code"] == "account_locked", refused.text
    assert "locked (kill_switch) by instance" in holder.output()
