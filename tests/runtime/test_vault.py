from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ordergate.runtime.errors import ConfigError, VaultError
from ordergate.runtime.store import SqliteStore
from ordergate.runtime.vault import Vault, key_id, rotate


@pytest.fixture
def store(tmp_path: Path) -> SqliteStore:
    return SqliteStore(tmp_path / "state.db")


def test_a_secret_round_trips_and_is_not_stored_in_plaintext(tmp_path: Path, store: SqliteStore) -> None:
    vault = Vault.load(tmp_path, env={})
    vault.put(store, "connection:A", {"password": "hunter2-xyz"})
    assert vault.get(store, "connection:A") == {"password": "hunter2-xyz"}
    assert b"hunter2-xyz" not in (tmp_path / "state.db").read_bytes()
    kid, nonce, ciphertext = store.get_secret("connection:A")
    assert kid == vault.current_id and len(nonce) == 12 and b"hunter2" not in ciphertext


def test_every_record_has_its_own_nonce(tmp_path: Path) -> None:
    vault = Vault.load(tmp_path, env={})
    nonces = {vault.seal("r", {"k": "v"})[1] for _ in range(50)}
    assert len(nonces) == 50


def test_a_tampered_record_does_not_decrypt(tmp_path: Path, store: SqliteStore) -> None:
    vault = Vault.load(tmp_path, env={})
    kid, nonce, ciphertext = vault.seal("connection:A", {"password": "x"})
    flipped = bytes([ciphertext[0] ^ 1]) + ciphertext[1:]
    with pytest.raises(VaultError, match="does not decrypt"):
        vault.open("connection:A", kid, nonce, flipped)


def test_a_record_moved_to_another_identity_does_not_decrypt(tmp_path: Path) -> None:
    vault = Vault.load(tmp_path, env={})
    sealed = vault.seal("connection:A", {"password": "x"})
    with pytest.raises(VaultError):
        vault.open("connection:B", *sealed)


def test_the_key_file_is_created_owner_only_and_a_loose_one_is_refused(tmp_path: Path) -> None:
    Vault.load(tmp_path, env={})
    key = tmp_path / "master.key"
    assert key.stat().st_mode & 0o777 == 0o600
    os.chmod(key, 0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        Vault.load(tmp_path, env={})


def test_the_key_can_come_from_the_environment(tmp_path: Path) -> None:
    vault = Vault.load(tmp_path, env={"ORDERGATE_MASTER_KEY": "11" * 32})
    assert vault.current_id == key_id(bytes.fromhex("11" * 32))
    assert not (tmp_path / "master.key").exists()
    with pytest.raises(ConfigError, match="32-byte key"):
        Vault.load(tmp_path, env={"ORDERGATE_MASTER_KEY": "short"})


def test_rotation_reseals_every_record_under_the_new_key(tmp_path: Path, store: SqliteStore) -> None:
    old = Vault.load(tmp_path, env={})
    for name in ("A", "B"):
        old.put(store, f"connection:{name}", {"password": name * 3})
    new_key = os.urandom(32)
    assert rotate(store, old, new_key) == 2
    fresh = Vault([new_key])
    assert fresh.get(store, "connection:B") == {"password": "BBB"}
    with pytest.raises(VaultError, match="a key this runtime does not have"):
        Vault([os.urandom(32)]).get(store, "connection:A")


def test_the_rotate_command_swaps_the_key_file(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "state.db")
    Vault.load(tmp_path, env={}).put(store, "connection:A", {"password": "p"})
    store.close()
    before = (tmp_path / "master.key").read_text()
    exe = Path(sys.executable).parent / "ordergate"
    env = {k: v for k, v in os.environ.items() if k != "ORDERGATE_MASTER_KEY"}
    r = subprocess.run(
        [
            str(exe),
            "vault",
            "rotate",
            "--state-dir",
            str(tmp_path),
            "--store",
            f"sqlite:///{tmp_path / 'state.db'}",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    assert "re-sealed 1 secret" in r.stdout
    assert (tmp_path / "master.key").read_text() != before and not (tmp_path / "master.key.new").exists()
    assert Vault.load(tmp_path, env={}).get(SqliteStore(tmp_path / "state.db"), "connection:A") == {
        "password": "p"
    }
