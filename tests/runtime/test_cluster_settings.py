"""Settings changed through one instance's API reach every instance of the cluster at
once, over the cluster's notices, without a restart."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.contracts_now import front_symbol
from tests.runtime.cluster_procs import HOOK_SECRET, until
from tests.runtime.test_cluster_instances import Cluster, start_cluster

pytestmark = pytest.mark.slow


@pytest.fixture
def two(tmp_path: Path) -> Iterator[Cluster]:
    yield from start_cluster(tmp_path, 2, max_position=3)


def test_webhook_settings_saved_through_one_instance_are_used_by_the_other_at_once(two: Cluster) -> None:
    holder = two.holder_of("A")  # hosts A-1, which webhook a1 trades
    [other] = two.others(holder)
    assert other.call("GET", "/v1/webhooks/a1").json().get("tickers") is None
    # saved by the holder: the other instance re-reads them on the notice, no restart
    changed = holder.call("PATCH", "/v1/webhooks/a1", {"tickers": ["NQ"]})
    assert changed.status_code == 200 and changed.json()["tickers"] == ["NQ"], changed.text
    until(
        "the other instance shows the new settings",
        lambda: other.call("GET", "/v1/webhooks/a1").json().get("tickers") == ["NQ"],
        5,
    )
    alert = {"ticker": front_symbol(), "action": "buy", "quantity": 1}
    refused = httpx.post(f"{other.url}/v1/webhooks/{HOOK_SECRET}", json=alert, timeout=30)
    assert refused.status_code == 422 and "allowed tickers" in refused.text, refused.text
    assert holder.call("GET", "/v1/orders?status=all&account=A-1").json()["orders"] == []
    # changed through the instance not hosting A-1: checked and saved by the holder
    reopened = other.call("PATCH", "/v1/webhooks/a1", {"tickers": ["ES", "NQ"]})
    assert reopened.status_code == 200 and reopened.json()["tickers"] == ["ES", "NQ"], reopened.text
    assert holder.call("GET", "/v1/webhooks/a1").json()["tickers"] == ["ES", "NQ"]
    until(
        "the instance the change came through shows it",
        lambda: other.call("GET", "/v1/webhooks/a1").json().get("tickers") == ["ES", "NQ"],
        5,
    )
    assert httpx.post(f"{other.url}/v1/webhooks/{HOOK_SECRET}", json=alert, timeout=30).status_code == 201
