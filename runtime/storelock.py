"""Who holds the state store: an OS lock beside the database file.

Every runtime holds a *shared* ``flock`` on ``<database>.lock`` for as long as it
runs; maintenance that must have the store to itself (``ordergate vault rotate``)
takes it *exclusively* and without waiting, so it refuses while any runtime is up,
and a runtime refuses to start while such maintenance runs. The kernel drops the
lock when the process dies, so a crashed runtime never leaves the store "held".
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from ordergate.runtime.errors import StoreError
from ordergate.runtime.private import FILE_MODE


class StoreBusy(StoreError):
    """Someone else holds the store in a way that excludes us."""


def lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


class StoreLock:
    def __init__(self, fd: int, path: Path) -> None:
        self._fd: int | None = fd
        self.path = path

    @classmethod
    def _take(cls, database: Path, how: int) -> StoreLock:
        path = lock_path(database)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE)
        try:
            fcntl.flock(fd, how | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise StoreBusy(str(database)) from None
        except OSError as exc:
            os.close(fd)
            raise StoreError(f"cannot lock the state store at {database}: {exc}") from exc
        return cls(fd, path)

    @classmethod
    def shared(cls, database: Path) -> StoreLock:
        """A runtime's hold: many may share it; refused while maintenance runs."""
        try:
            return cls._take(database, fcntl.LOCK_SH)
        except StoreBusy:
            raise StoreBusy(
                f"the state store at {database} is held by `ordergate vault rotate`; start the runtime when it has finished"
            ) from None

    @classmethod
    def exclusive(cls, database: Path) -> StoreLock:
        """The store to ourselves; refused while any runtime holds it."""
        try:
            return cls._take(database, fcntl.LOCK_EX)
        except StoreBusy:
            raise StoreBusy(
                f"a running ordergate runtime holds the state store at {database}: stop it first"
            ) from None

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = None
