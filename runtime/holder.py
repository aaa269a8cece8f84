"""The active policy bundle, and hot reload.

A change under the rules directory is loaded, validated and compiled in a worker
thread, then swapped in by one reference assignment: an order is decided either
against the old bundle or the new one, never a half-loaded one. A bundle with errors
is refused and the last good one stays; its digest and diagnostics are kept for
``/v1/status``. With no valid bundle at all, every entry is blocked (``no_policy``).

What is read must be what the author meant, not a file caught between two writes:
a reload first waits until the tree has been quiet for ``QUIET_SECONDS`` (judged by
the files' own mtimes, so a watcher's late event cannot shorten it), then reads, then
checks that the fingerprint and the content digest still match what it read; if
anything moved, it waits and reads again. Whatever the engine raises while loading
becomes a diagnostic: a reload always ends swapped, unchanged or refused with a reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ordergate.policy import Bundle, CompiledPolicy, UnboundPolicy, check_bundle
from ordergate.policy.diagnostics import Diagnostic, causes_first, has_errors
from ordergate.runtime.rules_fs import Fingerprint, content_digest, fingerprint
from ordergate.runtime.rules_watch import RulesWatcher

log = logging.getLogger("ordergate.reload")

QUIET_SECONDS = 0.2  # DESIGN 9: no file under the rules may have changed for this long
QUIET_POLL_SECONDS = 0.05  # how often a tree that keeps changing is looked at again
LOOK_SECONDS = 1.0  # the watch loop compares the tree with what it read at least this often
STARTUP_ATTEMPTS = 5  # start-up reads a moving tree at most this often before refusing it
MAX_LOGGED_DIAGNOSTICS = 20

Bundled = tuple[Bundle | None, list[Diagnostic]]


@dataclass(frozen=True, slots=True)
class Active:
    bundle: Bundle | None
    loaded_at: datetime | None


@dataclass(frozen=True, slots=True)
class Refused:
    digest: str | None
    at: datetime
    diagnostics: tuple[Diagnostic, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "digest": self.digest,
            "at": self.at.isoformat(),
            "diagnostics": [d.to_dict() for d in self.diagnostics],
            "message": self.diagnostics[0].render_line() if self.diagnostics else "refused",
        }


class PolicyHolder:
    def __init__(self, rules: Path, quiet: float = QUIET_SECONDS) -> None:
        self.rules = rules
        self.quiet = quiet
        self.active = Active(None, None)
        self.refused: Refused | None = None
        self.reloads = 0
        self.seen: Fingerprint | None = None  # the tree the last read was taken from
        self.seen_digest: str | None = None  # and the digest of what it held
        self._no_policy = UnboundPolicy(
            "no_policy", "no valid policy bundle is loaded; entries are blocked", None
        )

    @property
    def bundle(self) -> Bundle | None:
        return self.active.bundle

    def policy_for(self, account: str, nickname: str | None) -> CompiledPolicy | UnboundPolicy:
        bundle = self.active.bundle  # one read: the whole decision uses one bundle
        if bundle is None:
            return self._no_policy
        return bundle.policy_for(account, nickname)

    # ---- reading the rules

    def load(self, now: datetime) -> bool:
        """Load the rules synchronously (start-up). True when a bundle was swapped in.

        Nothing decides yet, so this does not wait for quiet (``wait_quiet`` does, for
        callers that can afford it); it still never takes a tree that moved while it
        was being read."""
        for _attempt in range(STARTUP_ATTEMPTS):
            before = fingerprint(self.rules)
            read = self._read_if_still(before)
            if read is not None:
                return self._settle(*read, now)
            time.sleep(QUIET_POLL_SECONDS)
        moving = Diagnostic(
            str(self.rules),
            1,
            1,
            "error",
            "rules-changing",
            f"the files under {self.rules} kept changing while they were read; waiting for them to settle",
        )
        return self._settle(None, [moving], now)

    async def reload(self, now: datetime) -> bool:
        """Wait for a quiet tree, read it in a worker thread, swap or refuse."""
        while True:
            before = await self.wait_quiet()
            read = await asyncio.to_thread(self._read_if_still, before)
            if read is not None:
                return self._settle(*read, now)
            log.info("the rules under %s changed while they were read; reading them again", self.rules)

    async def wait_quiet(self) -> Fingerprint:
        """The tree's fingerprint once nothing in it has changed for ``quiet`` seconds.

        The files' mtimes say when they last changed; a change seen between two looks
        counts from the look that saw it (covers writers that set old mtimes), and so
        does a first look at an mtime in the future (a skewed clock must not stall us)."""
        seen = await asyncio.to_thread(fingerprint, self.rules)
        changed_at = min(seen.newest, time.time())
        while True:
            remaining = self.quiet - (time.time() - changed_at)
            if remaining <= 0:
                return seen
            await asyncio.sleep(min(remaining, QUIET_POLL_SECONDS))
            now_seen = await asyncio.to_thread(fingerprint, self.rules)
            if not now_seen.same_tree(seen):
                changed_at = time.time()
            seen = now_seen

    def _read_if_still(self, before: Fingerprint) -> Bundled | None:
        """The bundle read from the tree ``before`` shows, or None when the tree moved
        while it was read: other files, other sizes or times, or other bytes."""
        bundle, diagnostics = self._check()
        after = fingerprint(self.rules)
        if not after.same_tree(before):
            return None
        if bundle is not None and content_digest(self.rules) != bundle.digest:
            return None
        self.seen = after
        self.seen_digest = bundle.digest if bundle is not None else content_digest(self.rules)
        return bundle, diagnostics

    def unchanged_since_read(self, *, read_bytes: bool) -> bool:
        """The tree still shows what was last read: same files, times and sizes, and
        with ``read_bytes`` the same bytes too (a rewrite within one mtime tick)."""
        if not fingerprint(self.rules).same_tree(self.seen):
            return False
        return not read_bytes or content_digest(self.rules) == self.seen_digest

    def _check(self) -> Bundled:
        try:
            return check_bundle([self.rules])
        except Exception as exc:  # DESIGN 9: an exception escaping a reload is a defect; say it
            log.exception("loading the rules under %s raised", self.rules)
            where = str(self.rules)
            return None, [
                Diagnostic(
                    where,
                    1,
                    1,
                    "error",
                    "load-failed",
                    f"the rules under {where} could not be loaded: {type(exc).__name__}: {exc}",
                    hint="this is a defect in ordergate; the last good policy stays active",
                )
            ]

    # ---- deciding what the read means

    def _settle(self, bundle: Bundle | None, diagnostics: list[Diagnostic], now: datetime) -> bool:
        if bundle is not None and not bundle.policies and not has_errors(diagnostics):
            # an editor saving a file can show us an empty one for a moment: never swap in nothing
            where = str(self.rules)
            diagnostics = [
                Diagnostic(where, 1, 1, "error", "no-policies", f"no RiskPolicy documents under {where}")
            ]
        if bundle is None or has_errors(diagnostics):
            # a file's own errors first: the status and the log lead with the real cause
            errors = tuple(causes_first(d for d in diagnostics if d.severity == "error"))
            if not errors:  # a refusal always says why
                where = str(self.rules)
                errors = (
                    Diagnostic(where, 1, 1, "error", "load-failed", f"the rules under {where} did not load"),
                )
            self.refused = Refused(bundle.digest if bundle else None, now, errors)
            lines = [d.render_line() for d in errors[:MAX_LOGGED_DIAGNOSTICS]]
            if len(errors) > MAX_LOGGED_DIAGNOSTICS:
                lines.append(f"... and {len(errors) - MAX_LOGGED_DIAGNOSTICS} more")
            consequence = "the last good policy stays" if self.active.bundle else "entries are blocked"
            log.error("rules refused (%s):\n  %s", consequence, "\n  ".join(lines))
            return False
        current = self.active.bundle
        if current is not None and current.digest == bundle.digest:
            self.refused = None
            return False
        self.active = Active(bundle, now)  # the swap: one reference assignment
        self.refused = None
        self.reloads += 1
        return True

    # ---- hot reload

    async def watch(self, now: Callable[[], datetime], after: Callable[[bool], None]) -> None:
        """Reload whenever the rules change, for as long as the task runs.

        ``after`` hears the result of every reload (swapped or not). The watchers only
        wake us; every ``LOOK_SECONDS`` the tree is compared with what was last read
        anyway, which also catches up with a change made before this loop began."""
        changed = asyncio.Event()
        watcher = RulesWatcher(self.rules, changed)
        watching = asyncio.create_task(watcher.run(), name="rules-watchers")
        try:
            while True:
                reported = changed.is_set()
                changed.clear()
                # events about changes already read (a burst that went on while the last
                # reload waited for quiet) cost a look at the files, not another parse
                if await asyncio.to_thread(functools.partial(self.unchanged_since_read, read_bytes=reported)):
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(changed.wait(), LOOK_SECONDS)
                    continue
                if not reported:
                    watcher.restart()  # a change no watcher reported: watch afresh
                try:
                    after(await self.reload(now()))
                except Exception:  # a reload must never end hot reload
                    log.exception("reload failed")
        finally:
            watching.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watching

    def to_dict(self) -> dict[str, Any]:
        active = self.active
        b = active.bundle
        return {
            "bundle": b.digest if b else None,
            "policies": sorted(f"{p.label}" for p in b.policies.values()) if b else [],
            "loaded_at": active.loaded_at.isoformat() if active.loaded_at else None,
            "error": self.refused.to_dict()["message"]
            if self.refused
            else (None if b else "no valid policy bundle"),
        }
