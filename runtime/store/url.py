"""Which store a ``store:`` URL names, opened."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from ordergate.runtime.errors import ConfigError
from ordergate.runtime.store.interface import Store
from ordergate.runtime.store.sqlite import AuditReader, SqliteStore

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def sqlite_path(url: str, base: Path | None = None) -> Path | None:
    """The file of a ``sqlite:///relative/path.db`` or ``sqlite:////abs/path.db`` URL (None
    for another engine's URL); a relative path is taken from ``base``."""
    if not url.startswith("sqlite:///"):
        return None
    raw = url.removeprefix("sqlite:///")
    return Path(raw) if raw.startswith("/") or base is None else base / raw


def open_store(url: str, base: Path | None = None) -> Store:
    """The store a ``store:`` URL names: ``sqlite:///…`` or ``postgresql://…``."""
    path = sqlite_path(url, base)
    if path is not None:
        return SqliteStore(path)
    if url.startswith(POSTGRES_SCHEMES):
        try:  # asyncpg comes with the runtime extra; the policy tools run without it
            from ordergate.runtime.store.postgres import PostgresStore
        except ImportError:
            raise ConfigError(
                "store: a postgresql:// store needs asyncpg: pip install 'ordergate[runtime]'"
            ) from None
        return PostgresStore(url)
    raise ConfigError(f"store: unsupported URL {url!r}; use sqlite:///path/state.db or postgresql://…")


class AuditSource(Protocol):
    def decisions_with_inputs(self, after: int, limit: int) -> list[dict[str, Any]]: ...
    def close(self) -> None: ...


def open_audit_reader(url: str, base: Path | None = None) -> AuditSource:
    """The audit log a ``store:`` URL names, opened for reading only."""
    path = sqlite_path(url, base)
    if path is not None:
        return AuditReader(path)
    if url.startswith(POSTGRES_SCHEMES):
        from ordergate.runtime.store.postgres_audit import PgAuditReader

        return PgAuditReader(url)
    raise ConfigError(f"store: unsupported URL {url!r}; use sqlite:///path/state.db or postgresql://…")
