"""Owner-only files and directories for the runtime's state.

The state directory holds the store (locks, positions, the audit log), the vault key
and the API token: nobody but the owner has any business reading them. Directories
the runtime creates are 0700 and files 0600; a directory that already exists is left
as its owner made it (it may be a shared parent such as /var/lib), while the files
the runtime owns are tightened when found looser.

Modes are given to ``mkdir``/``open`` at creation rather than set afterwards, so a file
is never readable by others even for a moment; the umask can only narrow them.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

log = logging.getLogger("ordergate.state")

DIR_MODE = 0o700
FILE_MODE = 0o600


def make_private_dir(path: Path) -> None:
    """Create ``path`` and any missing parents, each one created owner-only."""
    missing: list[Path] = []
    probe = path
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    for directory in reversed(missing):
        try:
            directory.mkdir(mode=DIR_MODE)
        except FileExistsError:  # created meanwhile by someone else: theirs to mode
            continue


def create_private_file(path: Path) -> None:
    """Make sure ``path`` exists as an owner-only file (an empty one when it is new)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE)
    os.close(fd)


def tighten(path: Path) -> None:
    """Take group and other permissions away from a file the runtime owns."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return
    if mode & 0o077:
        try:
            path.chmod(mode & 0o700)
        except OSError as exc:
            log.warning("%s is readable by others (mode %o) and cannot be tightened: %s", path, mode, exc)
        else:
            log.warning("%s was readable by others (mode %o); it is now owner-only", path, mode)


def write_private_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` in one rename, durably: a crash leaves either the
    old content or the new, never a torn file."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    fsync_dir(path.parent)


def fsync_dir(path: Path) -> None:
    """Make a rename or unlink in ``path`` durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def own_database_files(database: Path) -> None:
    """Before SQLite opens ``database``: create it owner-only when it is new, and take
    group and other permissions from it and its ``-wal``/``-shm`` when they are looser.
    SQLite creates the ``-wal`` and ``-shm`` files with the database file's mode, so an
    owner-only database keeps them owner-only too."""
    if not database.exists():
        create_private_file(database)
    for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
        tighten(path)
