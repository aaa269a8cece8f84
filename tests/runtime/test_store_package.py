"""The store package's public names, pinned: other modules import them from
``ordergate.runtime.store`` whichever module of the package defines them."""

from __future__ import annotations

import pytest

import ordergate.runtime.store as store
from ordergate.runtime.errors import ConfigError, StoreError
from ordergate.runtime.store.migrations import MIGRATIONS


def test_the_package_exports_exactly_its_public_names() -> None:
    assert set(store.__all__) == {
        "CHECKPOINT_SECONDS",
        "MIGRATIONS",
        "OPEN_STATUSES",
        "SAFETY_CHECKPOINT_PAGES",
        "AccountRow",
        "AuditReader",
        "Checkpointer",
        "FillRow",
        "LeaseLost",
        "LockRow",
        "SqliteStore",
        "Store",
        "StoreError",
        "open_audit_reader",
        "open_store",
        "sqlite_path",
    }
    assert all(hasattr(store, name) for name in store.__all__)
    assert issubclass(store.LeaseLost, StoreError) and store.StoreError is StoreError


def test_the_migrations_for_sqlite_are_those_of_before_the_package_and_postgresql_has_two_tables_more() -> (
    None
):
    sqlite = [m.script("sqlite") for m in MIGRATIONS]
    postgres = [m.script("postgresql") for m in MIGRATIONS]
    assert len(sqlite) == len(postgres) == 10
    assert sqlite[6] == []  # the cluster's tables are PostgreSQL's alone; SQLite only counts the step
    assert [s.split("(")[0].split()[-1] for s in postgres[6]] == ["instances", "leases"]
    # positions kept WITHOUT ROWID is SQLite's alone; PostgreSQL only counts the step
    assert postgres[8] == [] and "WITHOUT ROWID" in sqlite[8][0]
    assert sqlite[9] == postgres[9]  # the open orders' partial index: the same on both
    # a token left unfilled would be SQL neither engine reads
    assert not any("{" in statement for script in sqlite + postgres for statement in script)
    assert any("BIGSERIAL PRIMARY KEY" in s for s in postgres[0]) and not any(
        "BIGSERIAL" in s for s in sqlite[0]
    )


@pytest.mark.parametrize(
    ("url", "says"),
    [("mysql://h/db", "unsupported URL 'mysql://h/db'"), ("state.db", "unsupported URL 'state.db'")],
)
def test_a_store_url_of_no_engine_is_refused_in_a_sentence(url: str, says: str) -> None:
    with pytest.raises(ConfigError, match=says):
        store.open_store(url)
