"""Noticing that the rules may have changed, whatever happens to their directory.

Two file watchers set one ``asyncio.Event``:

- the *tree* watcher: recursive, on the rules directory while it exists;
- the *parent* watcher: not recursive, on the directory that holds the rules path,
  so that deleting, re-creating, renaming or re-linking the rules directory is seen.

An inotify watch dies with the directory it watches: after ``rm -rf rules/`` a tree
watcher would wait forever on a directory that no longer exists. So whenever the
parent watcher reports the rules path itself, the tree watcher is started afresh on
whatever is there now (nothing, a new directory, a new link target).

The event is a hint, never the truth: the holder decides what to read from the files
themselves (quiet period, fingerprints), and looks at them every second anyway in
case a watcher missed something (a full inotify queue, a network filesystem).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from pathlib import Path

from watchfiles import Change, awatch

log = logging.getLogger("ordergate.reload")

STEP_MS = 10  # hand over a burst of changes once it pauses for this long ...
DEBOUNCE_MS = 100  # ... or after this long at most; the holder waits for real quiet
PARENT_RETRY_SECONDS = 1.0


class RulesWatcher:
    def __init__(self, rules: Path, changed: asyncio.Event) -> None:
        self.rules = rules.absolute()  # not resolved: the path itself may be a link that is swapped
        self.changed = changed
        self._restart = asyncio.Event()

    def restart(self) -> None:
        """Watch the rules path afresh (its directory may have been replaced)."""
        self._restart.set()

    async def run(self) -> None:
        parent = asyncio.create_task(self._watch_parent(), name="rules-watch-parent")
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

    def _is_rules(self, _change: Change, path: str) -> bool:
        return path == str(self.rules) or path.startswith(str(self.rules) + os.sep)

    async def _watch_parent(self) -> None:
        parent = self.rules.parent
        warned = False
        while True:
            try:
                async for _changes in awatch(
                    parent,
                    recursive=False,
                    watch_filter=self._is_rules,
                    step=STEP_MS,
                    debounce=DEBOUNCE_MS,
                ):
                    warned = False
                    self.changed.set()
                    self.restart()
            except OSError as exc:
                # the parent is gone too: look again later; the holder's own look
                # every second still notices the rules coming back meanwhile
                if not warned:
                    log.warning("cannot watch %s for the rules directory: %s", parent, exc)
                warned = True
            await asyncio.sleep(PARENT_RETRY_SECONDS)
            self.changed.set()
            self.restart()
