"""The answer to one order: a Decision, and the pieces it is made of.

Its JSON form (``to_dict``) uses exactly the contract's field names: outcome, stage,
code, message, warnings, actions, policy, bundle, exit, and trace with ``explain``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

ALLOW = "allow"
BLOCK = "block"


@dataclass(frozen=True, slots=True)
class Warning:
    stage: str
    code: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"stage": self.stage, "code": self.code, "message": self.message}


@dataclass(frozen=True, slots=True)
class Action:
    """A breach action the runtime carries out: ``lock`` (with expiry) or ``flatten``."""

    kind: str
    lock: str | None = None  # the lock kind: manual, 6h, 12h, session:<boundary>, HH:MM
    until: datetime | None = None
    enforce: bool = False
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind}
        if self.kind == "lock":
            out["lock"] = self.lock
            out["until"] = self.until.astimezone(UTC).isoformat() if self.until else None
            out["enforce"] = self.enforce
        if self.reason:
            out["reason"] = self.reason
        return out


@dataclass(frozen=True, slots=True)
class Block:
    """A stage's verdict that stops the order.

    Stages hand out the same Block for the same verdict, so the policy that turns it into a
    Decision keeps that Decision here and reuses it (``decision``; never compared).
    """

    stage: str
    code: str
    message: str
    actions: tuple[Action, ...] = ()
    decision: Decision | None = field(default=None, init=False, repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class TraceEntry:
    stage: str
    result: str  # pass | block | warn | skip
    code: str | None = None
    message: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"stage": self.stage, "result": self.result}
        if self.code:
            out["code"] = self.code
        if self.message:
            out["message"] = self.message
        return out


@dataclass(frozen=True, slots=True)
class Decision:
    outcome: str
    stage: str | None
    code: str | None
    message: str
    policy: str | None
    bundle: str | None
    exit: bool = False
    warnings: tuple[Warning, ...] = ()
    actions: tuple[Action, ...] = ()
    max_exit_qty: int | None = None
    trace: tuple[TraceEntry, ...] | None = None

    @property
    def allowed(self) -> bool:
        return self.outcome == ALLOW

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "outcome": self.outcome,
            "stage": self.stage,
            "code": self.code,
            "message": self.message,
            # most decisions have neither: a fresh empty list without a comprehension's frame
            "warnings": [w.to_dict() for w in self.warnings] if self.warnings else [],
            "actions": [a.to_dict() for a in self.actions] if self.actions else [],
            "policy": self.policy,
            "bundle": self.bundle,
            "exit": self.exit,
        }
        if self.max_exit_qty is not None:
            out["max_exit_qty"] = self.max_exit_qty
        if self.trace is not None:
            out["trace"] = [t.to_dict() for t in self.trace]
        return out
