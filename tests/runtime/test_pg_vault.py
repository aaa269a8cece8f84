"""``ordergate vault rotate`` on a shared PostgreSQL database: the same rotation as on
SQLite, refused while any instance of the cluster is alive."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ordergate.runtime.store.postgres import PostgresStore
from ordergate.runtime.vault import Vault
from ordergate.runtime.vault_cli import rotate_command
from tests.runtime.cluster_helpers import pg_url  # noqa: F401  (a fixture)

CREDENTIALS = {f"connection:{name}": {"username": name, "password": f"{name}-secret"} for name in "AB"}
OLD, NEW = "11" * 32, "22" * 32


@pytest.fixture
def sealed(pg_url: str, tmp_path: Path) -> Iterator[str]:  # noqa: F811
    """A database holding credentials sealed under the key in the environment."""
    store = PostgresStore(pg_url)
    try:
        vault = Vault.load(tmp_path, env={"ORDERGATE_MASTER_KEY": OLD})
        for record, secret in CREDENTIALS.items():
            vault.put(store, record, secret)
    finally:
        store.close()
    yield pg_url


def read_all(url: str, state: Path, key: str) -> dict[str, dict[str, str]]:
    store = PostgresStore(url)
    try:
        vault = Vault.load(state, env={"ORDERGATE_MASTER_KEY": key})
        return {record: vault.get(store, record) or {} for record in CREDENTIALS}
    finally:
        store.close()


def test_rotation_with_a_key_in_the_environment_reseals_the_shared_database(
    sealed: str, tmp_path: Path
) -> None:
    done = rotate_command(
        None, tmp_path, sealed, env={"ORDERGATE_MASTER_KEY": OLD, "ORDERGATE_NEW_MASTER_KEY": NEW}
    )
    assert done.status == 0, done.message
    assert "re-sealed 2 secrets" in done.message
    assert read_all(sealed, tmp_path, NEW) == CREDENTIALS


def test_rotation_is_refused_while_an_instance_is_alive_and_changes_nothing(
    sealed: str, tmp_path: Path
) -> None:
    store = PostgresStore(sealed)
    try:

        async def beat(conn: object) -> None:
            await conn.execute(  # type: ignore[attr-defined]
                "INSERT INTO instances (id, address, host, pid, started_at, heartbeat_at)"
                " VALUES ('i-1', 'http://127.0.0.1:1', 'h', 1, now(), now())"
            )

        store.bulk(beat)
    finally:
        store.close()
    told = rotate_command(
        None, tmp_path, sealed, env={"ORDERGATE_MASTER_KEY": OLD, "ORDERGATE_NEW_MASTER_KEY": NEW}
    )
    assert told.status == 1
    assert "1 runtime(s) are running" in told.message and "stop every instance" in told.message
    assert read_all(sealed, tmp_path, OLD) == CREDENTIALS


def test_a_half_given_key_pair_is_refused_before_the_database_is_opened(tmp_path: Path) -> None:
    told = rotate_command(
        None, tmp_path, "postgresql://nobody@127.0.0.1:1/none", env={"ORDERGATE_MASTER_KEY": OLD}
    )
    assert told.status == 1 and "ORDERGATE_NEW_MASTER_KEY" in told.message
