"""The credentials vault: secrets encrypted at rest with AES-256-GCM.

Each record has its own 96-bit random nonce, and the record's identity (e.g.
``connection:Apex Rithmic``) is bound in as associated data, so a ciphertext moved to
another record does not decrypt. The key comes from ``ORDERGATE_MASTER_KEY`` (32 bytes,
base64 or hex) or from a key file readable by its owner only, created on first run.
Records carry the id of the key that sealed them, which makes rotation crash-safe:
``rotate`` re-seals every record under a new key in one transaction.

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
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ordergate.runtime.errors import ConfigError, VaultError
from ordergate.runtime.store import SqliteStore

ENV_KEY = "ORDERGATE_MASTER_KEY"
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


def read_key_file(path: Path) -> bytes:
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(f"the key file {path} must be readable by its owner only: chmod 600 {path}")
    return decode_key(path.read_text("utf-8"), str(path))


def write_key_file(path: Path, key: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(base64.urlsafe_b64encode(key).decode() + "\n")


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
        """The key from the environment, else the key file (created on first run)."""
        env = os.environ if env is None else env
        if env.get(ENV_KEY):
            return cls([decode_key(env[ENV_KEY], ENV_KEY)])
        path = state_dir / KEY_FILE
        pending = state_dir / (KEY_FILE + ".new")  # a rotation that did not finish renaming
        keys = [read_key_file(p) for p in (pending, path) if p.exists()]
        if not keys:
            key = AESGCM.generate_key(bit_length=256)
            write_key_file(path, key)
            keys = [key]
        return cls(keys)

    def seal(self, record: str, secret: Mapping[str, str]) -> tuple[str, bytes, bytes]:
        nonce = os.urandom(12)
        ciphertext = AESGCM(self._current).encrypt(nonce, json.dumps(dict(secret)).encode(), record.encode())
        return self.current_id, nonce, ciphertext

    def open(self, record: str, kid: str, nonce: bytes, ciphertext: bytes) -> dict[str, str]:
        key = self._keys.get(kid)
        if key is None:
            raise VaultError(f"the secret of {record} was sealed with a key this runtime does not have")
        try:
            plain = AESGCM(key).decrypt(nonce, ciphertext, record.encode())
        except InvalidTag:
            raise VaultError(
                f"the secret of {record} does not decrypt: wrong key, or the record was altered"
            ) from None
        value: dict[str, str] = json.loads(plain)
        return value

    # ---- records in the store

    def put(self, store: SqliteStore, record: str, secret: Mapping[str, str]) -> None:
        store.put_secret(record, *self.seal(record, secret))

    def get(self, store: SqliteStore, record: str) -> dict[str, str] | None:
        row = store.get_secret(record)
        return None if row is None else self.open(record, *row)


def rotate(store: SqliteStore, old: Vault, new_key: bytes) -> int:
    """Re-seal every record under ``new_key`` in one transaction; returns the count."""
    new = Vault([new_key, *old._keys.values()])
    count = 0
    with store.transaction():
        for record, kid, nonce, ciphertext in store.all_secrets():
            store.put_secret(record, *new.seal(record, old.open(record, kid, nonce, ciphertext)))
            count += 1
    return count
