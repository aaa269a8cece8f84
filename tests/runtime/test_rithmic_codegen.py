"""The committed protobuf code is what protoc makes of rithmic.proto today."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HERE = ROOT / "runtime" / "brokers" / "rithmic"


def test_committed_generated_code_matches_the_proto(tmp_path: Path) -> None:
    pytest.importorskip("grpc_tools", reason="grpcio-tools is in the test extra")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "grpc_tools.protoc",
            "-Iruntime/brokers/rithmic",  # the very command at the top of rithmic.proto
            f"--python_out={tmp_path}",
            f"--pyi_out={tmp_path}",
            "runtime/brokers/rithmic/rithmic.proto",
        ],
        check=True,
        cwd=ROOT,
    )
    for name in ("rithmic_pb2.py", "rithmic_pb2.pyi"):
        assert (tmp_path / name).read_bytes() == (HERE / name).read_bytes(), (
            f"{name} drifted from rithmic.proto: regenerate it with the command at the top of rithmic.proto"
        )


def test_field_numbers_are_the_documented_ones() -> None:
    from ordergate.runtime.brokers.rithmic import rithmic_pb2 as pb

    fields = pb.ExchangeOrderNotification.DESCRIPTOR.fields_by_name
    assert fields["template_id"].number == 154467
    assert fields["fill_id"].number == 110311
    assert fields["is_snapshot"].number == 110121
    assert pb.LoginReply.DESCRIPTOR.fields_by_name["heartbeat_interval"].number == 153633
    assert pb.AccountPnl.DESCRIPTOR.fields_by_name["account_balance"].number == 156970
