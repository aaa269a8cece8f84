"""What a rules directory looks like on disk, cheaply: a fingerprint to compare.

Hot reload must never load a file caught half-written, so it reads only a tree that
has been quiet for a while and checks, after reading, that nothing moved underneath
it. Both need a cheap picture of the tree: every file the loader would read (the
same ``collect_files`` walk, so the two never disagree on what belongs to the
bundle) with its mtime, size and inode, seen through symlinks as the loader sees
it, plus the directories whose entries can change (a Kubernetes ``..data`` swap is
a rename in the top directory).

``newest`` is the latest modification time in the picture, in wall-clock seconds:
how long the tree has been quiet is ``time.time() - newest``. When the rules path
is gone, the parent directory's mtime says when it went.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ordergate.policy.bundle import bundle_digest, collect_files

# (path, mtime of the target in ns, size, inode, mtime of the entry itself in ns)
Entry = tuple[str, int, int, int, int]
_GONE: Entry = ("", -1, -1, -1, -1)


@dataclass(frozen=True, slots=True)
class Fingerprint:
    exists: bool
    entries: tuple[Entry, ...]
    newest: float

    def same_tree(self, other: Fingerprint | None) -> bool:
        """Equal files and directories; ``newest`` alone never makes two pictures differ."""
        return other is not None and self.exists == other.exists and self.entries == other.entries


def _entry(path: Path) -> tuple[Entry, float]:
    try:
        target = path.stat()
        link = path.lstat()
    except OSError:  # went away between the walk and the stat: the next picture differs anyway
        return (str(path), *_GONE[1:]), 0.0
    entry = (str(path), target.st_mtime_ns, target.st_size, target.st_ino, link.st_mtime_ns)
    return entry, max(target.st_mtime, link.st_mtime)


def _directories(rules: Path) -> list[Path]:
    """The rules directory and its visible sub-directories (hidden ones, such as a
    ConfigMap's ``..2026_01_01`` data or a ``.git``, are reached only through links)."""
    if not rules.is_dir():
        return [rules]
    found = [rules]
    for top, dirs, _files in os.walk(rules):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found.extend(Path(top) / d for d in dirs)
    return found


def fingerprint(rules: Path) -> Fingerprint:
    if not os.path.lexists(rules):
        try:
            gone_at = rules.absolute().parent.stat().st_mtime
        except OSError:
            gone_at = 0.0
        return Fingerprint(False, (), gone_at)
    entries: list[Entry] = []
    newest = 0.0
    for path in _directories(rules):
        entry, mtime = _entry(path)
        entries.append(entry)
        newest = max(newest, mtime)
    files, _problems = collect_files([rules])
    for path, _display in files:
        entry, mtime = _entry(path)
        entries.append(entry)
        newest = max(newest, mtime)
    return Fingerprint(True, tuple(entries), newest)


def content_digest(rules: Path) -> str | None:
    """The bundle digest of what the files hold right now (the loader's formula), or
    None when a file cannot be read: a tree that changed while it was being read no
    longer matches the digest of the bundle built from it."""
    files, _problems = collect_files([rules])
    contents: list[tuple[Path, bytes]] = []
    for path, _display in files:
        try:
            contents.append((path, path.read_bytes()))
        except OSError:
            return None
    return bundle_digest(contents, [rules])
