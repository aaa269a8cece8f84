"""``ordergate run`` on a PostgreSQL store, as a real process on the paper broker: an order,
a SIGKILL, a restart, and the order, the position and the idempotent answer are still
there. The store URL takes its user from ``${env:…}``. Skipped without ``ORDERGATE_TEST_PG``."""

from __future__ import annotations

import signal
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.runtime.cluster_helpers import pg_url  # noqa: F401  (a fixture)
from tests.runtime.test_e2e import POLICY, Proc, free_port

HOSTED_WITHIN = 30.0  # a restarted runtime may wait out the lease of the one killed


@pytest.fixture
def pg_runtime(tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Proc]:  # noqa: F811
    user = urlsplit(pg_url).username
    assert user, "ORDERGATE_TEST_PG names its user, so the test can take it from the environment"
    monkeypatch.setenv("OG_PG_USER", user)  # every start of the runtime reads it
    store = pg_url.replace(f"//{user}@", "//${env:OG_PG_USER}@", 1)
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "desk.yaml").write_text(POLICY)
    port = free_port()
    config = tmp_path / "runtime.yaml"
    config.write_text(
        textwrap.dedent(f"""\
        apiVersion: ordergate/v1
        kind: Runtime
        metadata: {{name: e2e-pg}}
        spec:
          rules: {rules}
          store: "{store}"
          api: {{listen: "127.0.0.1:{port}", tokens: ["${{env:ORDERGATE_TOKEN}}"]}}
          connections:
            - name: Paper
              broker: paper
              feed: manual
              accounts: [{{id: PAPER-1, balance: 50000}}, {{id: PAPER-2, balance: 50000}}]
        """)
    )
    proc = Proc(f"http://127.0.0.1:{port}", tmp_path, config)
    proc.start()
    yield proc
    if proc.process and proc.process.poll() is None:
        proc.stop()


def account_when_hosted(proc: Proc, account: str) -> dict[str, object]:
    """The account as its runtime shows it, once the runtime hosts its connection."""
    deadline = time.monotonic() + HOSTED_WITHIN
    while True:
        try:
            r = proc.call("GET", f"/v1/accounts/{account}")
            if r.status_code == 200 and r.json().get("positions"):
                return dict(r.json())
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"{account} was not back within {HOSTED_WITHIN} s")
        time.sleep(0.2)


@pytest.mark.slow
def test_an_order_on_a_postgresql_store_survives_sigkill_and_restart(pg_runtime: Proc) -> None:
    pg_runtime.quote("ES", 6000)
    first = pg_runtime.order(qty=3, client_order_id="once")
    assert first.status_code == 201, first.text
    order_id = first.json()["order"]["id"]
    pg_runtime.stop(signal.SIGKILL)
    pg_runtime.start()
    positions = account_when_hosted(pg_runtime, "PAPER-1")["positions"]
    assert isinstance(positions, list) and len(positions) == 1
    assert (positions[0]["qty"], positions[0]["avg_price"]) == (3, 6000.25)
    orders = pg_runtime.call("GET", "/v1/orders?account=PAPER-1&status=all").json()["orders"]
    assert [o["id"] for o in orders] == [order_id]
    pg_runtime.quote("ES", 6000)
    again = pg_runtime.order(qty=3, client_order_id="once")
    assert again.status_code == 201 and again.json()["order"]["id"] == order_id  # the first answer
    assert len(pg_runtime.call("GET", "/v1/decisions").json()["decisions"]) == 1
