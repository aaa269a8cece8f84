"""``ordergate vault rotate``: find the runtime's store and key, take the store alone,
rotate.

The store is the one the runtime uses: ``--config FILE`` names it as ``ordergate run
--config FILE`` reads it (no config: the embedded default's
``sqlite:///.ordergate/state.db``), and the key lives in ``--state-dir`` as for ``run``.
On a shared PostgreSQL database (``postgresql://``) every instance must be stopped first:
a live instance in the registry refuses the rotation.
A store path that does not exist is refused rather than created: rotating an empty
database that happens to be at the default path would re-seal nothing and leave the
real store's records under a key nobody uses any more.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ordergate.policy import check_bundle
from ordergate.policy.diagnostics import has_errors, render_text
from ordergate.policy.models import RuntimeSpec
from ordergate.runtime.config import store_url as config_store_url
from ordergate.runtime.errors import ConfigError, RuntimeFault
from ordergate.runtime.store import SqliteStore, Store
from ordergate.runtime.store.migrate import LIVE_SECONDS
from ordergate.runtime.store.url import POSTGRES_SCHEMES, sqlite_path
from ordergate.runtime.storelock import StoreLock
from ordergate.runtime.vault import (
    ENV_KEY,
    ENV_NEW_KEY,
    KEY_FILE,
    Rotation,
    decode_key,
    rotate_env_key,
    rotate_key_files,
)

ENV_HOWTO = (
    f"the key comes from {ENV_KEY}. To rotate it: generate a new key"
    " (python -c 'import secrets; print(secrets.token_hex(32))'), stop the runtime, run"
    f" `{ENV_NEW_KEY}=<new key> ordergate vault rotate` with the current key still in {ENV_KEY},"
    f" then start the runtime with {ENV_KEY}=<new key>"
)


@dataclass(frozen=True, slots=True)
class Outcome:
    status: int  # the exit status: 0 rotated (or nothing to rotate), 1 refused
    message: str


def store_url(config: str | None, store: str | None) -> str:
    """The store ``ordergate run --config config`` would use, unless ``store`` overrides it."""
    if store:
        return store
    if config is None:
        return RuntimeSpec().store  # the embedded default's store
    if not Path(config).is_file():
        raise ConfigError(f"--config {config}: no such file")
    bundle, diagnostics = check_bundle([config])
    if bundle is None or has_errors(diagnostics):
        raise ConfigError(f"{config} is not a valid Runtime document:\n{render_text(diagnostics)}")
    if len(bundle.runtimes) != 1:
        raise ConfigError(
            f"{config} must hold exactly one Runtime document (it holds {len(bundle.runtimes)})"
        )
    spec: RuntimeSpec = bundle.runtimes[0].model.spec
    return config_store_url(spec.store, Path(config).resolve().parent)  # relative to the file, as run reads it


def rotate_command(
    config: str | None, state_dir: Path, store: str | None, env: Mapping[str, str] | None = None
) -> Outcome:
    env = os.environ if env is None else env
    try:
        url = store_url(config, store)
        if url.startswith(POSTGRES_SCHEMES):
            return _env_refusal(env) or _rotate_postgres(url, state_dir, env)
        path = sqlite_path(url)
        if path is None:
            raise ConfigError(f"store {url!r}: expected sqlite:///PATH or postgresql://")
        if not path.is_file():
            return Outcome(
                1,
                f"there is no state store at {path}: nothing to rotate"
                " (pass the runtime's --config, or --store with the store it uses)",
            )
        refused = _env_refusal(env)
        if refused:
            return refused
        lock = StoreLock.exclusive(path)
        try:
            opened = SqliteStore(path)
            try:
                return _rotate(opened, state_dir, env, str(path))
            finally:
                opened.close()
        finally:
            lock.release()
    except RuntimeFault as exc:
        return Outcome(1, str(exc))


def _env_refusal(env: Mapping[str, str]) -> Outcome | None:
    if env.get(ENV_KEY) and not env.get(ENV_NEW_KEY):
        return Outcome(1, ENV_HOWTO)
    if env.get(ENV_NEW_KEY) and not env.get(ENV_KEY):
        return Outcome(1, f"{ENV_NEW_KEY} is for a key kept in {ENV_KEY}, and {ENV_KEY} is not set")
    return None


def _rotate_postgres(url: str, state_dir: Path, env: Mapping[str, str]) -> Outcome:
    """Rotate on a shared database. No runtime may be running on it: every instance opens
    the records with the key it started with, so the operator stops them all, rotates once,
    and starts them all with the new key (the environment's, or the key file copied to each
    instance's state directory)."""
    from ordergate.runtime.store.postgres import PostgresStore

    opened = PostgresStore(url)
    try:
        live = opened.bulk(_live_instances)
        if live:
            return Outcome(
                1,
                f"{live} runtime(s) are running on {opened.where}: stop every instance before rotating"
                " the key, then start them all with the new one",
            )
        return _rotate(opened, state_dir, env, opened.where)
    finally:
        opened.close()


async def _live_instances(conn: Any) -> int:
    count = await conn.fetchval(
        "SELECT count(*) FROM instances WHERE heartbeat_at > now() - make_interval(secs => $1)", LIVE_SECONDS
    )
    return int(count or 0)


def _rotate(opened: Store, state_dir: Path, env: Mapping[str, str], where: str) -> Outcome:
    if env.get(ENV_KEY):
        old, new = decode_key(env[ENV_KEY], ENV_KEY), decode_key(env[ENV_NEW_KEY], ENV_NEW_KEY)
        return Outcome(0, _env_report(rotate_env_key(opened, old, new)))
    return Outcome(0, _file_report(rotate_key_files(opened, state_dir), state_dir, where))


def _count(n: int) -> str:
    return f"{n} secret{'s' * (n != 1)}"


def _file_report(rotation: Rotation, state_dir: Path, where: str) -> str:
    lines = []
    if rotation.finished is not None:
        lines.append(f"finished an interrupted rotation first (re-sealed {_count(rotation.finished)})")
    if rotation.new_id is None:
        lines.append(
            f"the store at {where} holds no sealed secrets: nothing to re-seal,"
            f" and the key in {state_dir / KEY_FILE} (id {rotation.old_id}) is left as it is"
        )
    else:
        lines.append(
            f"re-sealed {_count(rotation.resealed)} under a new key in {state_dir / KEY_FILE}"
            f" (key id {rotation.old_id} -> {rotation.new_id}); the old key is gone"
        )
    return "\n".join(lines)


def _env_report(rotation: Rotation) -> str:
    return (
        f"re-sealed {_count(rotation.resealed)} under the key in {ENV_NEW_KEY}"
        f" (key id {rotation.old_id} -> {rotation.new_id}).\n"
        f"Start the runtime with {ENV_KEY} set to that key from now on: the old key opens nothing any more."
    )
