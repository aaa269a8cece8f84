"""A refused bundle shows its real cause first: /v1/health, /v1/status and the log lead
with the policy file's own error, not with the test it broke."""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.runtime.test_e2e import Proc, free_port


@pytest.fixture
def broken(tmp_path: Path) -> Iterator[Proc]:
    rules = tmp_path / "rules"
    shutil.copytree(REPO / "tests" / "ci" / "demo_los", rules)
    port = free_port()
    config = tmp_path / "runtime.yaml"
    config.write_text(
        textwrap.dedent(f"""\
        apiVersion: ordergate/v1
        kind: Runtime
        metadata: {{name: cause}}
        spec:
          rules: {rules}
          store: sqlite:///{tmp_path / "state.db"}
          api: {{listen: "127.0.0.1:{port}", tokens: ["${{env:ORDERGATE_TOKEN}}"]}}
          connections:
            - {{name: Paper, broker: paper, feed: manual, accounts: [{{id: PAPER-1, balance: 50000}}]}}
        """)
    )
    proc = Proc(f"http://127.0.0.1:{port}", tmp_path, config)
    proc.start()
    yield proc
    if proc.process and proc.process.poll() is None:
        proc.stop()


def test_health_status_and_log_lead_with_the_unknown_field_not_the_broken_test(broken: Proc) -> None:
    rules = broken.dir / "rules"
    health = broken.call("GET", "/v1/health").json()["policy"]
    assert health["error"] == (
        f"{rules}/demo.yaml:7:13: error[unknown-field]: unknown field 'los' in spec.limits.daily"
    )
    refused = broken.call("GET", "/v1/status").json()["policy"]["refused"]
    codes = [(d["code"], d.get("consequence_of")) for d in refused["diagnostics"]]
    assert codes == [("unknown-field", None), ("policy-not-loaded", f"{rules}/demo.yaml")]
    log = broken.stop()
    refusal = log[log.index("rules refused") :].splitlines()
    assert "unknown field 'los'" in refusal[1] and "policy-not-loaded" in refusal[2]
