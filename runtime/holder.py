"""The active policy bundle, and hot reload.

A change under the rules directory is loaded, validated and compiled in a worker
thread, then swapped in by one reference assignment: an order is decided either
against the old bundle or the new one, never a half-loaded one. A bundle with errors
is refused and the last good one stays; its digest and diagnostics are kept for
``/v1/status``. With no valid bundle at all, every entry is blocked (``no_policy``).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ordergate.policy import Bundle, CompiledPolicy, UnboundPolicy, check_bundle
from ordergate.policy.diagnostics import Diagnostic, has_errors

log = logging.getLogger("ordergate.reload")


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
    def __init__(self, rules: Path) -> None:
        self.rules = rules
        self.active = Active(None, None)
        self.refused: Refused | None = None
        self.reloads = 0
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

    def load(self, now: datetime) -> bool:
        """Load the rules synchronously (start-up). True when a bundle was swapped in."""
        bundle, diagnostics = check_bundle([self.rules])
        return self._settle(bundle, diagnostics, now)

    async def reload(self, now: datetime) -> bool:
        bundle, diagnostics = await asyncio.to_thread(check_bundle, [self.rules])
        return self._settle(bundle, diagnostics, now)

    def _settle(self, bundle: Bundle | None, diagnostics: list[Diagnostic], now: datetime) -> bool:
        if bundle is not None and not bundle.policies and not has_errors(diagnostics):
            # an editor saving a file can show us an empty one for a moment: never swap in nothing
            where = str(self.rules)
            diagnostics = [
                Diagnostic(where, 1, 1, "error", "no-policies", f"no RiskPolicy documents under {where}")
            ]
        if bundle is None or has_errors(diagnostics):
            self.refused = Refused(
                bundle.digest if bundle else None, now, tuple(d for d in diagnostics if d.severity == "error")
            )
            log.warning("rules refused: %s", self.refused.to_dict()["message"])
            return False
        current = self.active.bundle
        if current is not None and current.digest == bundle.digest:
            self.refused = None
            return False
        self.active = Active(bundle, now)  # the swap: one reference assignment
        self.refused = None
        self.reloads += 1
        return True

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
