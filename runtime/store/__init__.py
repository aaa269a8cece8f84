"""The state store: everything that must survive a crash.

One interface (``interface.py``: the ``Store`` Protocol and its rows), one numbered list
of migrations (``migrations.py``), one module per engine: ``sqlite.py`` (embedded, the
default) and ``postgres.py`` (several runtimes on one database). ``open_store`` picks
the engine from the ``store:`` URL. ``PostgresStore`` is not re-exported here: importing
it imports asyncpg, which only a PostgreSQL store needs (``ordergate.runtime.store.postgres``).
"""

from __future__ import annotations

from ordergate.runtime.store.interface import (
    OPEN_STATUSES,
    AccountRow,
    FillRow,
    LeaseLost,
    LockRow,
    Store,
    StoreError,
)
from ordergate.runtime.store.migrations import MIGRATIONS
from ordergate.runtime.store.sqlite import (
    CHECKPOINT_SECONDS,
    SAFETY_CHECKPOINT_PAGES,
    AuditReader,
    Checkpointer,
    SqliteStore,
)
from ordergate.runtime.store.url import open_audit_reader, open_store, sqlite_path

__all__ = [
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
]
