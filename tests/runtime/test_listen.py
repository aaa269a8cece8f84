"""The API stays on loopback unless the operator says otherwise, and is warned when they do."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ordergate.policy.models import ApiConfig, RuntimeSpec
from ordergate.runtime.config import from_spec
from ordergate.runtime.errors import ConfigError

ORDERGATE = shutil.which("ordergate", path=str(Path(sys.executable).parent)) or "ordergate"


def spec(listen: str = "127.0.0.1:8787", *, allow_remote: bool = False) -> RuntimeSpec:
    return RuntimeSpec(
        rules="rules",
        store="sqlite:///state.db",
        api=ApiConfig(listen=listen, tokens=["t"], allow_remote=allow_remote),
    )


@pytest.mark.parametrize("listen", ["127.0.0.1:8787", "127.0.0.2:1", "[::1]:8787", "localhost:8787", ":8787"])
def test_a_loopback_address_is_taken_without_a_word(
    listen: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = from_spec("t", spec(listen), state_dir=tmp_path)
    assert config.port in (1, 8787) and caplog.records == []


@pytest.mark.parametrize("host", ["0.0.0.0", "[::]", "192.168.1.10", "desk.example.com"])
def test_an_address_beyond_loopback_is_refused_from_the_flag_naming_it(host: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        from_spec("t", spec(), state_dir=tmp_path, listen=f"{host}:8787")
    message = str(err.value)
    assert message.startswith(f"--listen {host}:8787 is not a loopback address: ")
    assert "--allow-remote" in message and "TLS proxy" in message


def test_an_address_beyond_loopback_in_the_config_is_refused_naming_the_field(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^spec\.api\.listen 0\.0\.0\.0:8787 is not a loopback address"):
        from_spec("t", spec("0.0.0.0:8787"), state_dir=tmp_path)


@pytest.mark.parametrize("by", ["flag", "config"])
def test_an_allowed_remote_address_is_taken_with_a_warning_about_clear_text(
    by: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="ordergate.runtime")
    config = from_spec(
        "t",
        spec("0.0.0.0:8787", allow_remote=by == "config"),
        state_dir=tmp_path,
        allow_remote=by == "flag",
    )
    assert config.host == "0.0.0.0"
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert (
        "beyond this machine" in record.getMessage() and "unless a TLS proxy fronts it" in record.getMessage()
    )


@pytest.mark.slow
def test_run_refuses_a_remote_config_address_at_its_line_and_changes_nothing(tmp_path: Path) -> None:
    config = tmp_path / "runtime.yaml"
    config.write_text(
        "apiVersion: ordergate/v1\nkind: Runtime\nmetadata: {name: r}\nspec:\n"
        '  store: sqlite:///state.db\n  api: {listen: "0.0.0.0:18787", tokens: ["${env:OG_LISTEN_TOKEN}"]}\n'
    )
    r = subprocess.run(
        [ORDERGATE, "run", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env={**os.environ, "OG_LISTEN_TOKEN": "a-token"},
    )
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert f"{config}:6:17: spec.api.listen 0.0.0.0:18787 is not a loopback address" in r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["runtime.yaml"]  # no store, no token


@pytest.mark.slow
def test_run_refuses_listen_on_every_interface_without_allow_remote(tmp_path: Path) -> None:
    r = subprocess.run(
        [ORDERGATE, "run", "--listen", "0.0.0.0:18787"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "--listen 0.0.0.0:18787 is not a loopback address" in r.stderr and "--allow-remote" in r.stderr
    assert list(tmp_path.iterdir()) == []
