"""Noticing that the rules may have changed, whatever happens to their directory.

Two watchers set one ``asyncio.Event``:

- the *tree* watcher: a file watcher, recursive, on the rules directory while it exists;
- the *path* watcher: looks at what the rules path names (``os.stat`` through every
  link) every ``PATH_LOOK_SECONDS``, so that deleting, re-creating, renaming or
  re-linking the rules directory, or writing a rules path that is a single file, is seen.

An inotify watch dies with the directory it watches: after ``rm -rf rules/`` a tree
watcher would wait forever on a directory that no longer exists. So whenever the
path watcher sees the rules path name something else, the tree watcher is started
afresh on whatever is there now (nothing, a new directory, a new link target).

Why the path watcher looks rather than listens: a file watcher on the directory that
holds the rules hears every write to every file beside them. The state store often
lives there, and its write-ahead log is written with every order: thousands of events
a second read and thrown away on the core that decides the orders. One ``stat`` twenty
times a second costs nothing by comparison.

The event is a hint, never the truth: the holder decides what to read from the files
themselves (quiet period, fingerprints), and looks at them every second anyway in
case a watcher missed something (a full inotify queue, a network filesystem).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import stat
from pathlib import Path

from watchfiles import awatch

log = logging.getLogger("ordergate.reload")

# Hand over a burst of changes once it pauses for this long ... The watcher's thread
# wakes every STEP_MS and takes the GIL to look, from under the event loop that decides
# the orders: at 10 ms that was a hundred forced switches a second on the runtime's core.
# A longer step delays no reload: the holder waits for the tree to be quiet for
# QUIET_SECONDS counted from the files' own times of change (runtime/holder.py).
STEP_MS = 50
DEBOUNCE_MS = 100  # ... or after this long at most; the holder waits for real quiet
PATH_LOOK_SECONDS = 0.05  # how often the path watcher looks at what the rules path names


class RulesWatcher:
    def __init__(self, rules: Path, changed: asyncio.Event) -> None:
        self.rules = rules.absolute()  # not resolved: the path itself may be a link that is swapped
        self.changed = changed
        self._restart = asyncio.Event()

    def restart(self) -> None:
        """Watch the rules path afresh (its directory may have been replaced)."""
        self._restart.set()

    async def run(self) -> None:
        parent = asyncio.create_task(self._watch_path(), name="rules-watch-path")
        tree: asyncio.Task[None] | None = None
        try:
            while True:
                # cleared before the tree watcher starts: a replacement that happens
                # while it starts sets the flag again and is not lost
                self._restart.clear()
                if tree is not None:
                    tree.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await tree
                tree = None
                if self.rules.is_dir():
                    tree = asyncio.create_task(self._watch_tree(), name="rules-watch-tree")
                await self._restart.wait()
        finally:
            for task in (parent, tree):
                if task is not None:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task

    async def _watch_tree(self) -> None:
        try:
            async for _changes in awatch(self.rules, step=STEP_MS, debounce=DEBOUNCE_MS):
                self.changed.set()
        except OSError as exc:  # gone before the watch began: the parent watcher sees it
            log.debug("cannot watch %s: %s", self.rules, exc)
            self.changed.set()

    def _identity(self) -> tuple[int, ...] | None:
        """What the rules path names now: a directory by its device and inode (its contents
        are the tree watcher's), a file by those and its size and time of change; None
        when it names nothing."""
        try:
            found = os.stat(self.rules)
        except OSError:
            return None
        if stat.S_ISDIR(found.st_mode):
            return (found.st_dev, found.st_ino)
        return (found.st_dev, found.st_ino, found.st_size, found.st_mtime_ns, found.st_ctime_ns)

    async def _watch_path(self) -> None:
        seen = self._identity()
        while True:
            await asyncio.sleep(PATH_LOOK_SECONDS)
            now = self._identity()
            if now != seen:
                seen = now
                self.changed.set()
                self.restart()
