"""The state directory and everything in it is the owner's alone: 0700 and 0600."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import sqlite3
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ordergate.runtime.store import SqliteStore
from ordergate.runtime.vault import Vault


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@contextlib.contextmanager
def umask(value: int) -> Iterator[None]:
    old = os.umask(value)
    try:
        yield
    finally:
        os.umask(old)


def test_a_new_store_and_its_directories_are_owner_only_whatever_the_umask(tmp_path: Path) -> None:
    database = tmp_path / "state" / "nested" / "state.db"
    with umask(0):  # the most permissive umask: the modes must not depend on it
        store = SqliteStore(database)
        store.add_breach("A1", "t", "daily_loss_limit", "lock", "m", "2026-11-20")  # -wal and -shm exist now
        try:
            assert mode(tmp_path / "state") == 0o700 and mode(tmp_path / "state" / "nested") == 0o700
            for name in ("state.db", "state.db-wal", "state.db-shm"):
                assert mode(database.with_name(name)) == 0o600, name
        finally:
            store.close()


def test_a_store_left_readable_by_others_is_tightened_on_open(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    database = tmp_path / "state.db"
    legacy = sqlite3.connect(database)
    legacy.execute("PRAGMA journal_mode=WAL")
    legacy.execute("CREATE TABLE t (x)")
    legacy.execute("INSERT INTO t VALUES (1)")  # leaves a -wal and -shm behind while open
    legacy.commit()
    for name in ("state.db", "state.db-wal", "state.db-shm"):
        os.chmod(tmp_path / name, 0o644)
    store = SqliteStore(database)
    try:
        for name in ("state.db", "state.db-wal", "state.db-shm"):
            assert mode(tmp_path / name) == 0o600, name
        assert "was readable by others" in caplog.text
    finally:
        store.close()
        legacy.close()


def test_the_key_file_and_its_directory_are_owner_only(tmp_path: Path) -> None:
    with umask(0):
        Vault.load(tmp_path / "fresh", env={})
    assert mode(tmp_path / "fresh") == 0o700 and mode(tmp_path / "fresh" / "master.key") == 0o600


@pytest.mark.slow
def test_ordergate_run_with_the_embedded_default_keeps_its_state_owner_only(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    exe = shutil.which("ordergate", path=str(Path(sys.executable).parent)) or "ordergate"
    proc = subprocess.Popen(
        [exe, "run", "--listen", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "ORDERGATE_TOKEN"},
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            assert proc.poll() is None, "the runtime exited"
            try:
                httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=1)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, "the runtime did not answer"
                time.sleep(0.1)
        state = tmp_path / ".ordergate"
        assert mode(state) == 0o700
        assert mode(state / "token") == 0o600
        for name in ("state.db", "state.db-wal", "state.db-shm"):
            assert mode(state / name) == 0o600, name
        assert {p.name for p in state.iterdir() if mode(p) & 0o077} == set()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=20)
