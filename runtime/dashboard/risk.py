"""What the dashboard's risk view and P&L bars need that the API's views do not carry:
each account's limits from its compiled policy, its trailing threshold now, and a
refused reload's diagnostics with the source line and caret, rendered as the CLI
renders them. Read only: nothing here changes the runtime."""

from __future__ import annotations

from typing import Any

from ordergate.policy import CompiledPolicy
from ordergate.runtime.book import AccountState
from ordergate.runtime.service import Runtime


def limits_of(policy: CompiledPolicy, state: AccountState, equity: float) -> dict[str, Any] | None:
    lim = policy.limits
    if lim is None:
        return None
    trailing = None
    if lim.trail_amount:
        trailing = {
            "amount": lim.trail_amount,
            "mode": "intraday" if lim.trail_intraday else "end_of_day",
            "stop_at": lim.trail_stop_at,
            "threshold": round(lim.trailing_threshold(state.peak_equity, equity), 2),
        }
    return {
        "daily": {"loss": lim.daily_loss or None, "profit_target": lim.daily_target or None},
        "weekly": {"loss": lim.weekly_loss or None, "profit_target": lim.weekly_target or None},
        "trailing": trailing,
        "on_breach": {"action": lim.breach.action, "lock": lim.breach.lock, "enforce": lim.breach.enforce},
    }


def account_risk(rt: Runtime, state: AccountState) -> dict[str, Any]:
    policy = rt.core.policy_of(state)
    equity = state.balance + state.unrealized()
    if isinstance(policy, CompiledPolicy):
        return {
            "account": state.id,
            "policy": policy.label,
            "description": policy.description,
            "bundle": policy.bundle,
            "limits": limits_of(policy, state, equity),
        }
    return {
        "account": state.id,
        "policy": None,
        "bundle": policy.bundle,
        "unbound": {"code": policy.code, "message": policy.message},
        "limits": None,
    }


def risk_view(rt: Runtime) -> dict[str, Any]:
    holder = rt.core.holder
    refused = None
    if holder.refused is not None:
        r = holder.refused
        refused = {
            "at": r.at.isoformat(),
            "digest": r.digest,
            "diagnostics": [{**d.to_dict(), "text": d.render_text()} for d in r.diagnostics],
        }
    return {
        "policy": holder.to_dict(),
        "rules": str(rt.config.rules),
        "refused": refused,
        "accounts": [account_risk(rt, rt.core.accounts[a]) for a in sorted(rt.core.accounts)],
    }
