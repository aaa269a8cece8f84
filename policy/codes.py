"""Every code ordergate reports: the decision codes of each check-chain stage, and (in
``DIAGNOSTICS``) every diagnostic code with the descriptions SARIF viewers show.

The stages and their codes are DESIGN §5's table; ``rules`` blocks with ``rule:<name>``.
A test holds this table to the chain's stage order and to the codes the engine emits.
"""

from __future__ import annotations

from ordergate.policy.schema_check import did_you_mean

DECISION_CODES: dict[str, tuple[str, ...]] = {
    "policy": ("no_policy", "policy_ambiguous"),
    "exit_bypass": (),
    "locked": ("account_locked",),
    "enabled": ("account_disabled", "automation_paused"),
    "hours": ("outside_hours", "inactive_day"),
    "blackout": ("blackout_active",),
    "quote_health": ("quote_stale", "quote_missing"),
    "positions": ("max_contracts_per_order", "max_position_size", "max_open_positions"),
    "pnl_limits": (
        "daily_loss_limit",
        "daily_profit_target",
        "weekly_loss_limit",
        "weekly_profit_target",
        "trailing_drawdown",
    ),
    "contracts": ("symbol_blocked", "symbol_cap"),
    "rules": (),  # rule:<name>
}
STAGES: tuple[str, ...] = tuple(DECISION_CODES)
RULE_PREFIX = "rule:"


def stage_problem(stage: str) -> tuple[str, str | None] | None:
    """(message, hint) when ``stage`` names no stage of the check chain."""
    if stage in DECISION_CODES:
        return None
    return (
        f"unknown stage {stage!r}; stages: {', '.join(STAGES)}",
        did_you_mean(stage, list(STAGES)),
    )


def code_problem(code: str, stage: str | None = None) -> tuple[str, str | None] | None:
    """(message, hint) when ``code`` is no decision code (of ``stage``, when it is known)."""
    if code.startswith(RULE_PREFIX) and len(code) > len(RULE_PREFIX):
        if stage in (None, "rules"):
            return None
        return f"code {code!r} comes from stage 'rules', not {stage!r}", "stage: rules"
    known = [c for codes in DECISION_CODES.values() for c in codes]
    owner = next((s for s, codes in DECISION_CODES.items() if code in codes), None)
    if owner is None:
        return f"unknown code {code!r}", did_you_mean(code, [*known, "rule:<name>"])
    if stage is not None and stage in DECISION_CODES and owner != stage:
        return f"code {code!r} comes from stage {owner!r}, not {stage!r}", f"stage: {owner}"
    return None
