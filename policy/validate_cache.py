"""The report of a validate run that found its files valid, kept for the next run on the
same files: pre-commit runs ``ordergate validate`` on every commit, and most commits do
not touch the rules (issue 15: its start-up, 440 ms, was mostly the libraries' imports).

Theory of operation. A run's report is a function of the files it reads (their display
names and bytes), of how it was asked (the paths, grouped into bundles as given, the
format, ``--strict``) and of the engine that reads them (this package's files, the
libraries it imports, Python). The *key* hashes all of these, and a lookup that finds an
entry under the same key prints the report kept and imports nothing else. Only a valid
run is kept (exit status 0): a file with an error is loaded, checked and reported in full
on every run, so a cache can never hide an error, nor report one that a fix removed.

What the engine is made of is seen cheaply: the size and modification time of every file
of this package (a checkout or an edit changes them) and of every library directory on
``sys.path`` (installing, upgrading or removing a package changes its site-packages
directory). The key names the Python executable and version too.

Entries live in the user's private cache directory (``usercache``; ``ORDERGATE_NO_CACHE=1``
turns them off), one file per invocation (working directory, paths, format, strict), so
that a repository keeps one entry however many commits it sees, and the 64 used last are
kept. An entry is plain text, the key on its first line and the report after it; nothing
in it is executed.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from ordergate.policy import usercache
from ordergate.policy.rulefiles import collect_files

MAX_FILE_BYTES = 1 << 20  # what the loader reads (DESIGN §9); a larger file is not cached
MAX_ENTRIES = 64  # pre-commit names the files a commit touches: many invocations over time
_PACKAGE = Path(__file__).resolve().parent


class Key:
    """Where an invocation's entry is kept, and the digest its report must be kept under."""

    __slots__ = ("digest", "entry")

    def __init__(self, entry: Path, digest: str) -> None:
        self.entry = entry
        self.digest = digest


def key_for(paths: Sequence[str], fmt: str, strict: bool) -> Key | None:
    """The key of validating ``paths``; None when nothing may be cached (caching is off,
    there is no private cache directory, or a file cannot be read whole)."""
    where = usercache.cache_dir()
    if where is None:
        return None
    invocation = "\0".join([os.getcwd(), fmt, str(strict), *paths])
    h = hashlib.sha256(b"ordergate validate cache 1\0")
    h.update(invocation.encode("utf-8", "surrogateescape"))
    if not _hash_engine(h) or not _hash_inputs(h, paths):
        return None
    name = hashlib.sha256(invocation.encode("utf-8", "surrogateescape")).hexdigest()[:24]
    return Key(where / f"validate-{name}.txt", h.hexdigest())


def _hash_engine(h: hashlib._Hash) -> bool:
    h.update(f"\0{sys.executable}\0{sys.version}\0".encode())
    try:
        with os.scandir(_PACKAGE) as entries:
            files = sorted((e.name, e.stat()) for e in entries if e.is_file())
    except OSError:
        return False
    for name, info in files:
        h.update(f"{name}\0{info.st_size}\0{info.st_mtime_ns}\0".encode("utf-8", "surrogateescape"))
    for entry in sys.path[1:]:  # not the first: the script's directory, or ``-m``'s working one
        try:
            mtime = os.stat(entry).st_mtime_ns if entry else 0
        except OSError:
            mtime = -1
        h.update(f"{entry}\0{mtime}\0".encode("utf-8", "surrogateescape"))
    return True


def _hash_inputs(h: hashlib._Hash, paths: Sequence[str]) -> bool:
    for raw in paths:
        files, problems = collect_files([raw])
        if problems:
            return False
        h.update(f"\0path\0{raw}\0{Path(raw).is_dir()}\0".encode("utf-8", "surrogateescape"))
        for path, display in files:
            try:
                with path.open("rb") as stream:
                    data = stream.read(MAX_FILE_BYTES + 1)
            except OSError:
                return False
            if len(data) > MAX_FILE_BYTES:
                return False
            h.update(f"\0file\0{display}\0{len(data)}\0".encode("utf-8", "surrogateescape"))
            h.update(data)
    return True


def lookup(key: Key | None) -> str | None:
    """The report kept under ``key``, or None."""
    if key is None:
        return None
    try:
        text = key.entry.read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    digest, newline, report = text.partition("\n")
    if not newline or digest != key.digest:
        return None
    with contextlib.suppress(OSError):
        os.utime(key.entry)  # used: the last to be pruned
    return report


def store(key: Key | None, report: str) -> None:
    """Keep a valid run's report; a cache that cannot be written is no cache, not a failure."""
    if key is None:
        return
    temporary = key.entry.with_name(f"{key.entry.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(f"{key.digest}\n{report}", "utf-8")
        os.replace(temporary, key.entry)  # whole or not at all, whatever runs beside us
    except (OSError, UnicodeError):  # UnicodeError: a file name that is not text
        with contextlib.suppress(OSError):
            temporary.unlink()
        return
    _prune(key.entry.parent)


def _prune(where: Path) -> None:
    """Keep the MAX_ENTRIES entries used or written last; the rest are deleted."""
    try:
        entries = [(p.stat().st_mtime_ns, p) for p in where.glob("validate-*.txt")]
    except OSError:
        return
    entries.sort(reverse=True)
    for _, stale in entries[MAX_ENTRIES:]:
        with contextlib.suppress(OSError):
            stale.unlink()
