"""``ordergate run`` as an operator starts it: a config's paths are the config file's, the
client verbs find the runtime through its state directory, and a busy port is one line."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from ordergate.runtime.config import load_config
from tests.runtime.cliproc import ORDERGATE

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
CLEAN_ENV = {k: v for k, v in os.environ.items() if k not in ("ORDERGATE_TOKEN", "ORDERGATE_URL")}


def test_a_config_s_relative_paths_are_taken_from_its_folder(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    shutil.copytree(EXAMPLES / "quickstart", tmp_path / "qs")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "qs" / "secret.txt").write_text("tok-from-file\n")
    config_file = tmp_path / "qs" / "runtime.yaml"
    config_file.write_text(
        config_file.read_text().replace(
            "api: {listen: 127.0.0.1:8787}", 'api: {listen: 127.0.0.1:8787, tokens: ["${file:secret.txt}"]}'
        )
    )
    monkeypatch.chdir(elsewhere)
    config = load_config("../qs/runtime.yaml", state_dir=Path(".ordergate"))
    assert config.rules == (tmp_path / "qs" / "rules")
    assert config.store == f"sqlite:///{tmp_path / 'qs' / '.ordergate' / 'quickstart.db'}"
    assert config.tokens == ("tok-from-file",)


@pytest.mark.slow
def test_the_quickstart_runs_from_any_folder_and_the_client_verbs_find_it(tmp_path: Path) -> None:
    shutil.copytree(EXAMPLES / "quickstart", tmp_path / "qs")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    run = subprocess.Popen(
        [ORDERGATE, "run", "--config", "../qs/runtime.yaml", "--listen", "127.0.0.1:0"],
        cwd=elsewhere,
        env=CLEAN_ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert run.stdout is not None
        banner = run.stdout.readline()
        assert (
            banner.startswith("ordergate runtime 'quickstart' on http://127.0.0.1:") and ":0 " not in banner
        )
        assert run.stdout.readline().startswith(f"policy: demo@1 from {tmp_path / 'qs' / 'rules'} ")
        deadline = time.monotonic() + 20
        while True:  # no --url, no token: both come from ./.ordergate
            status = subprocess.run(
                [ORDERGATE, "status"],
                cwd=elsewhere,
                env=CLEAN_ENV,
                capture_output=True,
                text=True,
                timeout=30,
            )
            if status.returncode == 0 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert status.returncode == 0, status.stderr
        assert status.stdout.startswith("policy: demo@1")
    finally:
        run.send_signal(signal.SIGTERM)
        run.communicate(timeout=30)


@pytest.mark.slow
def test_a_busy_port_is_one_line_naming_another_and_exit_2(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        r = subprocess.run(
            [ORDERGATE, "run", "--listen", f"127.0.0.1:{port}"],
            cwd=tmp_path,
            env=CLEAN_ENV,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert r.returncode == 2
    assert r.stdout == ""  # no "runtime … on http://…" banner before the refusal
    assert r.stderr == (
        f"ordergate run: port {port} on 127.0.0.1 is taken (another runtime, or another program); "
        f"pick another with --listen 127.0.0.1:{port + 1 if port < 65535 else 8788} or spec.api.listen in the config\n"
    )
