"""The credentials vault: secrets encrypted at rest with AES-256-GCM.

Each record has its own 96-bit random nonce, and the record's identity (e.g.
``connection:Apex Rithmic``) is bound in as associated data, so a ciphertext moved to
another record does not decrypt. The key comes from ``ORDERGATE_MASTER_KEY`` (32 bytes,
base64 or hex) or from a key file readable by its owner only, created on first run.
Every record names the key that sealed it (``key_id``: the first bytes of a sha256 of
the key), so any key still on disk can open the records it sealed.

Rotation (``rotate_key_files``) is crash-safe at every step; a kill at any point
leaves every record readable with the key files that are left, and running it again
finishes the job. The key files in the state directory:

    master.key        the key new secrets are sealed with
    master.key.next   a rotation's new key, written before any record is re-sealed
    master.key.old    the key being replaced, kept until no record names it

and the steps, each durable before the next begins:

    1. every record must open with a key on disk, or nothing changes;
    2. a ``.next`` left by an interrupted rotation is finished first (step 4 on);
    3. a fresh key is written to ``.next`` (never over an existing one);
    4. every record is re-sealed under ``.next`` in one transaction;
    5. the current key is copied to ``.old``; ``.next`` is renamed over ``master.key``;
    6. ``.old`` is removed once no record names it.

The runtime reads all three files (sealing with ``master.key``); rotation refuses to
run while a runtime holds the store (``storelock``), so no runtime can go on sealing
with a key that is being retired.

Secrets never leave this module except to the broker adapter that needs them: they are
not logged, not returned by the API and never written anywhere in plaintext.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ordergate.runtime.errors import ConfigError, VaultError
from ordergate.runtime.faults import fault_point
from ordergate.runtime.logs import hide_fields
from ordergate.runtime.private import (
    FILE_MODE,
    fsync_dir,
    make_private_dir,
    write_private_atomically,
)
from ordergate.runtime.store import Store

ENV_KEY = "ORDERGATE_MASTER_KEY"
ENV_NEW_KEY = "ORDERGATE_NEW_MASTER_KEY"
KEY_FILE = "master.key"


def key_id(key: bytes) -> str:
    return hashlib.sha256(b"ordergate-key-id" + key).hexdigest()[:12]


def decode_key(text: str, where: str) -> bytes:
    text = text.strip()
    for decode in (bytes.fromhex, lambda t: base64.urlsafe_b64decode(t + "=" * (-len(t) % 4))):
        try:
            key = decode(text)
        except (ValueError, binascii.Error):
            continue
        if len(key) == 32:
            return key
    raise ConfigError(f"{where} must hold a 32-byte key, as 64 hex digits or base64")


def encode_key(key: bytes) -> bytes:
    return base64.urlsafe_b64encode(key) + b"\n"


def read_key_file(path: Path) -> bytes:
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(f"the key file {path} must be readable by its owner only: chmod 600 {path}")
    return decode_key(path.read_text("utf-8"), str(path))


def write_key_file(path: Path, key: bytes) -> None:
    """Write a key durably, replacing the file in one rename."""
    make_private_dir(path.parent)
    write_private_atomically(path, encode_key(key))


@dataclass(frozen=True, slots=True)
class KeyFiles:
    """The key files of one state directory (see the module docstring)."""

    current: Path
    next: Path
    old: Path
    legacy: Path  # the pending key of rotations before key files had these names

    @classmethod
    def of(cls, state_dir: Path) -> KeyFiles:
        return cls(
            state_dir / KEY_FILE,
            state_dir / (KEY_FILE + ".next"),
            state_dir / (KEY_FILE + ".old"),
            state_dir / (KEY_FILE + ".new"),
        )

    def pending(self) -> Path | None:
        return next((p for p in (self.next, self.legacy) if p.exists()), None)

    def readers(self) -> list[bytes]:
        """Every key on disk that may still open a record, ``master.key`` first."""
        return [read_key_file(p) for p in (self.current, self.next, self.legacy, self.old) if p.exists()]

    def create_current(self) -> bytes:
        """A first key; two runtimes starting at once end up with the same one."""
        make_private_dir(self.current.parent)
        key = AESGCM.generate_key(bit_length=256)
        tmp = self.current.with_name(f"{KEY_FILE}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
        try:
            os.write(fd, encode_key(key))
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(tmp, self.current)  # fails if another process got there first: use theirs
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
        fsync_dir(self.current.parent)
        return read_key_file(self.current)


class Vault:
    def __init__(self, keys: list[bytes]) -> None:
        if not keys:
            raise ConfigError("the vault needs a key")
        self._current = keys[0]
        self._keys = {key_id(k): k for k in keys}

    @property
    def current_id(self) -> str:
        return key_id(self._current)

    @classmethod
    def load(cls, state_dir: Path, env: Mapping[str, str] | None = None) -> Vault:
        """The key from the environment, else the key files (created on first run)."""
        env = os.environ if env is None else env
        if env.get(ENV_KEY):
            return cls([decode_key(env[ENV_KEY], ENV_KEY)])
        files = KeyFiles.of(state_dir)
        keys = files.readers()
        if not files.current.exists():
            keys.insert(0, files.create_current())
        return cls(keys)

    def seal(self, record: str, secret: Mapping[str, str]) -> tuple[str, bytes, bytes]:
        hide_fields(secret)  # a secret being stored never reaches the log
        nonce = os.urandom(12)
        ciphertext = AESGCM(self._current).encrypt(nonce, json.dumps(dict(secret)).encode(), record.encode())
        return self.current_id, nonce, ciphertext

    def open(self, record: str, kid: str, nonce: bytes, ciphertext: bytes) -> dict[str, str]:
        key = self._keys.get(kid)
        if key is None:
            raise VaultError(
                f"the secret of {record} was sealed with a key this runtime does not have"
                f" (key id {kid}; it has {', '.join(sorted(self._keys))})"
            )
        try:
            plain = AESGCM(key).decrypt(nonce, ciphertext, record.encode())
        except InvalidTag:
            raise VaultError(
                f"the secret of {record} does not decrypt: wrong key, or the record was altered"
            ) from None
        value: dict[str, str] = json.loads(plain)
        hide_fields(value)  # an opened secret never reaches the log
        return value

    # ---- records in the store

    def put(self, store: Store, record: str, secret: Mapping[str, str]) -> None:
        store.put_secret(record, *self.seal(record, secret))

    def get(self, store: Store, record: str) -> dict[str, str] | None:
        row = store.get_secret(record)
        return None if row is None else self.open(record, *row)


# ---------------------------------------------------------------- rotation


@dataclass(frozen=True, slots=True)
class Rotation:
    resealed: int  # records re-sealed under the new key
    finished: int | None  # records re-sealed to finish an interrupted rotation, if there was one
    old_id: str | None
    new_id: str | None  # None when nothing was sealed and the key stays


def reseal(store: Store, readers: Vault, new_key: bytes) -> int:
    """Re-seal every record not yet under ``new_key``, in one transaction."""
    new = Vault([new_key, *readers._keys.values()])
    count = 0
    with store.transaction():
        for record, kid, nonce, ciphertext in store.all_secrets():
            if kid != new.current_id:
                store.put_secret(record, *new.seal(record, readers.open(record, kid, nonce, ciphertext)))
                count += 1
    return count


def rotate(store: Store, old: Vault, new_key: bytes) -> int:
    """Re-seal every record under ``new_key`` in one transaction; returns the count.
    Key files are ``rotate_key_files``'s business; this is the step both share."""
    return reseal(store, old, new_key)


def _check_every_record_opens(store: Store, readers: Vault) -> None:
    for record, kid, nonce, ciphertext in store.all_secrets():
        readers.open(record, kid, nonce, ciphertext)  # raises VaultError naming the record


def _promote(store: Store, files: KeyFiles, pending: Path, readers: Vault) -> int:
    """Steps 4 to 6 for the key in ``pending``."""
    new_key = read_key_file(pending)
    count = reseal(store, readers, new_key)
    fault_point("vault-after-commit")
    write_key_file(files.old, read_key_file(files.current))
    pending.replace(files.current)
    fsync_dir(files.current.parent)
    fault_point("vault-after-promote")
    _forget_unused_keys(store, files)
    return count


def _forget_unused_keys(store: Store, files: KeyFiles) -> None:
    named = {kid for _record, kid, _nonce, _ct in store.all_secrets()}
    for path in (files.old, files.legacy):
        if path.exists() and key_id(read_key_file(path)) not in named:
            path.unlink()
    fsync_dir(files.current.parent)


def rotate_key_files(store: Store, state_dir: Path) -> Rotation:
    """Rotate the key in ``state_dir`` and re-seal every record of ``store`` under it.

    The caller holds the store exclusively. Raises VaultError, changing nothing, when a
    record does not open with the keys on disk."""
    files = KeyFiles.of(state_dir)
    if not files.current.exists():
        raise VaultError(f"there is no key at {files.current}: nothing was ever sealed with it")
    readers = Vault(files.readers())
    _check_every_record_opens(store, readers)
    finished = None
    pending = files.pending()
    if pending is not None:  # a rotation was cut short: its key may seal records already
        finished = _promote(store, files, pending, readers)
        readers = Vault(files.readers())
    old_id = key_id(read_key_file(files.current))
    if not store.all_secrets():
        _forget_unused_keys(store, files)
        return Rotation(0, finished, old_id, None)
    new_key = AESGCM.generate_key(bit_length=256)
    write_key_file(files.next, new_key)
    fault_point("vault-after-new-key")
    count = _promote(store, files, files.next, readers)
    return Rotation(count, finished, old_id, key_id(new_key))


def rotate_env_key(store: Store, old_key: bytes, new_key: bytes) -> Rotation:
    """Re-seal under a new key given in the environment: one transaction, no files.
    Every record opens under the old key or is already under the new one."""
    readers = Vault([old_key, new_key])
    _check_every_record_opens(store, readers)
    fault_point("vault-after-new-key")
    count = reseal(store, readers, new_key)
    fault_point("vault-after-commit")
    return Rotation(count, None, key_id(old_key), key_id(new_key))
