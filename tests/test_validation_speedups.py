"""What makes validating many files fast changes nothing they mean: the collector's pause
ends as it began, scalars read the same, and a rule shared by many policies is still
each policy's own rule."""

from __future__ import annotations

import gc
import threading
from pathlib import Path

import yaml

from ordergate.policy import check_bundle, gcpause
from ordergate.policy.source import SourceFile, parse_documents


def test_the_collector_comes_back_after_a_load_and_stays_off_if_it_was() -> None:
    assert gc.isenabled()
    with gcpause.paused():
        assert not gc.isenabled()
        with gcpause.paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer load is still running
    assert gc.isenabled()
    gc.disable()
    try:
        with gcpause.paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_loads_in_two_threads_share_one_pause() -> None:
    inside, release = threading.Event(), threading.Event()

    def other() -> None:
        with gcpause.paused():
            inside.set()
            release.wait(5)

    thread = threading.Thread(target=other)
    thread.start()
    inside.wait(5)
    with gcpause.paused():
        pass
    assert not gc.isenabled()  # the other thread's load goes on
    release.set()
    thread.join(5)
    assert gc.isenabled()


def test_scalars_read_as_the_yaml_core_schema_says() -> None:
    text = (
        "a: null\nb: Null\nc: ~\nd:\ne: true\nf: False\ng: TRUE\nh: yes\ni: no\nj: on\n"
        "k: 12\nl: -3\nm: 0x1F\nn: 1.5\no: .inf\np: nullish\nq: 'true'\nr: True1\ns: <<x\n"
        "t: 2026-12-16T13:55\nu: 09:30\nbase: &b {x: 1}\nmerged: {<<: *b, y: 2}\n"
    )
    [doc], problems = parse_documents(SourceFile("s.yaml", text))
    assert not problems
    v = doc.value
    assert (v["a"], v["b"], v["c"], v["d"]) == (None, None, None, None)
    assert (v["e"], v["f"], v["g"]) == (True, False, True)
    assert (v["h"], v["i"], v["j"]) == ("yes", "no", "on")  # YAML 1.2: words, not booleans
    assert (v["k"], v["l"], v["m"], v["n"], v["o"]) == (12, -3, 31, 1.5, float("inf"))
    assert (v["p"], v["q"], v["r"], v["s"]) == ("nullish", "true", "True1", "<<x")
    assert (v["t"], v["u"]) == ("2026-12-16T13:55", "09:30")
    assert v["merged"] == {"x": 1, "y": 2}
    assert yaml.safe_load("h: yes")["h"] is True  # what PyYAML alone would have said


POLICY = """\
apiVersion: ordergate/v1
kind: RiskPolicy
metadata: {{name: p{i}, version: 1}}
spec:
  accounts: ["P{i}-*"]
  rules:
    - {{name: big, when: order.qty > {cap}}}
    - {{name: shared, when: daily.pnl < -500 and order.qty > 1}}
"""


def test_a_rule_text_in_many_policies_decides_for_each_its_own(tmp_path: Path) -> None:
    from ordergate.policy import Order, Snapshot

    for i, cap in enumerate((2, 4)):
        (tmp_path / f"p{i}.yaml").write_text(POLICY.format(i=i, cap=cap))
    bundle, problems = check_bundle([tmp_path])
    assert bundle is not None and not problems
    order, snapshot = Order.from_dict({"symbol": "ES", "side": "buy", "qty": 3}), Snapshot.from_dict({})
    from datetime import UTC, datetime

    now = datetime(2026, 11, 24, 15, tzinfo=UTC)
    assert bundle.policies["p0"].evaluate(order, snapshot, now).code == "rule:big"
    assert bundle.policies["p1"].evaluate(order, snapshot, now).outcome == "allow"
