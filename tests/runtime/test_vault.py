from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from ordergate.runtime.errors import ConfigError, VaultError
from ordergate.runtime.service import Runtime
from ordergate.runtime.store import SqliteStore
from ordergate.runtime.storelock import StoreBusy, StoreLock
from ordergate.runtime.vault import Vault, key_id, read_key_file, rotate, write_key_file
from ordergate.runtime.vault_cli import rotate_command


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


@pytest.mark.slow
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


# ---------------------------------------------------------------- crash-safe rotation

ORDERGATE = Path(sys.executable).parent / "ordergate"
CREDENTIALS = {f"connection:{name}": {"username": name, "password": f"{name}-secret"} for name in "ABC"}


def seeded_state(tmp_path: Path) -> tuple[Path, Path]:
    """A state directory with a key and a store holding three sealed credentials, and a
    runtime config that names the store (not at the default path)."""
    state = tmp_path / ".ordergate"
    database = tmp_path / "data" / "desk.db"
    store = SqliteStore(database)
    vault = Vault.load(state, env={})
    for record, secret in CREDENTIALS.items():
        vault.put(store, record, secret)
    store.close()
    config = tmp_path / "runtime.yaml"
    config.write_text(
        f"apiVersion: ordergate/v1\nkind: Runtime\nmetadata: {{name: desk}}\nspec:\n  store: sqlite:///{database}\n"
    )
    return state, config


def rotate_cli(
    tmp_path: Path, *args: str, fault: str | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k not in ("ORDERGATE_MASTER_KEY", "ORDERGATE_FAULT")}
    environ.update(env)
    if fault:
        environ["ORDERGATE_FAULT"] = fault
    return subprocess.run(
        [str(ORDERGATE), "vault", "rotate", *args],
        capture_output=True,
        text=True,
        env=environ,
        cwd=tmp_path,
        timeout=60,
    )


def every_credential(
    state: Path, database: Path, env: dict[str, str] | None = None
) -> dict[str, dict[str, str]]:
    """What a runtime starting now would read: the vault as it loads, every record."""
    store = SqliteStore(database)
    try:
        vault = Vault.load(state, env=env or {})
        return {record: vault.get(store, record) or {} for record in CREDENTIALS}
    finally:
        store.close()


def died_at(state: Path, database: Path) -> str:
    """Which step a killed rotation reached, read from the key files and the records."""
    store = SqliteStore(database)
    named = {kid for _r, kid, _n, _c in store.all_secrets()}
    store.close()
    pending = state / "master.key.next"
    if pending.exists():
        sealed_under_next = named == {key_id(read_key_file(pending))}
        return "vault-after-commit" if sealed_under_next else "vault-after-new-key"
    if (state / "master.key.old").exists():
        return "vault-after-promote"
    return "finished"


@pytest.mark.slow
@pytest.mark.parametrize(
    "faults",
    [
        ("vault-after-commit", "vault-after-new-key"),  # the sequence that lost every record
        ("vault-after-new-key", "vault-after-commit"),
        ("vault-after-promote", "vault-after-new-key"),
    ],
)
def test_rotations_killed_in_a_row_then_a_clean_one_lose_no_credential(
    tmp_path: Path, faults: tuple[str, str]
) -> None:
    state, config = seeded_state(tmp_path)
    database = tmp_path / "data" / "desk.db"
    first_key = (state / "master.key").read_bytes()
    for fault in faults:
        r = rotate_cli(tmp_path, "--config", str(config), fault=fault)
        assert (r.returncode, r.stdout, r.stderr) == (1, "", "")  # killed, before a word was said
        assert died_at(state, database) == fault  # ... exactly where the fault point said
        assert every_credential(state, database) == CREDENTIALS  # a runtime could start right now
    r = rotate_cli(tmp_path, "--config", str(config))
    assert r.returncode == 0, r.stderr
    assert "finished an interrupted rotation" in r.stdout and "re-sealed 3 secrets" in r.stdout
    assert every_credential(state, database) == CREDENTIALS
    assert (state / "master.key").read_bytes() != first_key
    assert sorted(p.name for p in state.iterdir()) == ["master.key"]  # no old, next or temporary key
    assert (state / "master.key").stat().st_mode & 0o777 == 0o600
    store = SqliteStore(database)
    current = Vault.load(state, env={}).current_id
    assert {kid for _r, kid, _n, _c in store.all_secrets()} == {current}
    store.close()


def test_rotation_works_on_the_store_the_runtime_config_names(tmp_path: Path) -> None:
    state, config = seeded_state(tmp_path)
    before = Vault.load(state, env={}).current_id
    outcome = rotate_command(str(config), state, None, env={})
    assert outcome.status == 0, outcome.message
    assert "re-sealed 3 secrets" in outcome.message and before in outcome.message
    assert every_credential(state, tmp_path / "data" / "desk.db") == CREDENTIALS
    assert Vault.load(state, env={}).current_id != before
    assert not (tmp_path / ".ordergate" / "state.db").exists()  # the default path was never touched


@pytest.mark.slow
def test_rotation_refuses_a_store_that_does_not_exist_and_creates_nothing(tmp_path: Path) -> None:
    state, _config = seeded_state(tmp_path)
    key = (state / "master.key").read_bytes()
    missing = tmp_path / "elsewhere" / "state.db"
    outcome = rotate_command(None, state, f"sqlite:///{missing}", env={})
    assert outcome.status == 1 and f"no state store at {missing}" in outcome.message
    assert not missing.parent.exists()
    r = rotate_cli(tmp_path, "--state-dir", str(state))  # the default store, .ordergate/state.db, is absent
    assert r.returncode == 1 and "no state store at .ordergate/state.db" in r.stderr
    assert not (tmp_path / ".ordergate" / "state.db").exists()
    assert (state / "master.key").read_bytes() == key


def test_rotation_of_a_store_without_secrets_keeps_the_key(tmp_path: Path) -> None:
    state = tmp_path / ".ordergate"
    SqliteStore(state / "state.db").close()
    Vault.load(state, env={})
    key = (state / "master.key").read_bytes()
    outcome = rotate_command(None, state, f"sqlite:///{state / 'state.db'}", env={})
    assert outcome.status == 0 and "holds no sealed secrets" in outcome.message
    assert (state / "master.key").read_bytes() == key


@pytest.mark.slow
def test_rotation_refuses_while_a_runtime_holds_the_store(tmp_path: Path) -> None:
    state, config = seeded_state(tmp_path)
    database = tmp_path / "data" / "desk.db"
    key = (state / "master.key").read_bytes()
    held = StoreLock.shared(database)  # what a running runtime holds for its lifetime
    try:
        r = rotate_cli(tmp_path, "--config", str(config))
        assert r.returncode == 1 and "a running ordergate runtime holds the state store" in r.stderr
        assert (state / "master.key").read_bytes() == key
    finally:
        held.release()
    assert rotate_cli(tmp_path, "--config", str(config)).returncode == 0


@pytest.mark.anyio
async def test_a_started_runtime_holds_the_store_and_refuses_to_start_during_a_rotation(
    make_runtime: Callable[..., Runtime], tmp_path: Path
) -> None:
    runtime = make_runtime()
    database = tmp_path / "state.db"
    await runtime.start(background=False)
    with pytest.raises(StoreBusy):
        StoreLock.exclusive(database)
    await runtime.stop()
    rotating = StoreLock.exclusive(database)  # released at stop: rotation may run now
    try:
        again = make_runtime()
        with pytest.raises(StoreBusy, match="vault rotate"):
            await again.start(background=False)
        again.core.store.close()
    finally:
        rotating.release()


def test_rotation_with_a_key_in_the_environment(tmp_path: Path) -> None:
    old, new = "11" * 32, "22" * 32
    database = tmp_path / "state.db"
    store = SqliteStore(database)
    vault = Vault.load(tmp_path, env={"ORDERGATE_MASTER_KEY": old})
    for record, secret in CREDENTIALS.items():
        vault.put(store, record, secret)
    store.close()
    url = f"sqlite:///{database}"
    told = rotate_command(None, tmp_path, url, env={"ORDERGATE_MASTER_KEY": old})
    assert told.status == 1 and "ORDERGATE_NEW_MASTER_KEY=<new key> ordergate vault rotate" in told.message
    done = rotate_command(
        None, tmp_path, url, env={"ORDERGATE_MASTER_KEY": old, "ORDERGATE_NEW_MASTER_KEY": new}
    )
    assert done.status == 0 and "ORDERGATE_MASTER_KEY set to that key" in done.message
    assert every_credential(tmp_path, database, {"ORDERGATE_MASTER_KEY": new}) == CREDENTIALS
    assert not (tmp_path / "master.key").exists()


def test_a_record_under_a_key_nobody_has_stops_rotation_before_anything_changes(tmp_path: Path) -> None:
    state, config = seeded_state(tmp_path)
    database = tmp_path / "data" / "desk.db"
    store = SqliteStore(database)
    Vault([os.urandom(32)]).put(store, "connection:Stray", {"password": "x"})
    before = store.all_secrets()
    store.close()
    key = (state / "master.key").read_bytes()
    outcome = rotate_command(str(config), state, None, env={})
    assert outcome.status == 1 and "connection:Stray" in outcome.message
    assert (state / "master.key").read_bytes() == key and sorted(p.name for p in state.iterdir()) == [
        "master.key"
    ]
    store = SqliteStore(database)
    assert store.all_secrets() == before
    store.close()


def test_the_runtime_opens_records_under_an_unfinished_rotations_key_and_seals_with_the_current(
    tmp_path: Path, store: SqliteStore
) -> None:
    current = Vault.load(tmp_path, env={})
    pending = os.urandom(32)
    write_key_file(tmp_path / "master.key.next", pending)
    Vault([pending]).put(store, "connection:A", {"password": "p"})
    vault = Vault.load(tmp_path, env={})
    assert vault.get(store, "connection:A") == {"password": "p"}
    assert vault.current_id == current.current_id
