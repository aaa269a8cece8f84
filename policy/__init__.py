"""ordergate.policy — the risk-policy engine.

Load a rules directory, bind an account to its policy and decide orders::

    from ordergate.policy import load_bundle, Order, Snapshot
    bundle = load_bundle("rules/")
    policy = bundle.policy_for("APEX-1")
    decision = policy.evaluate(Order.from_dict({...}), Snapshot.from_dict({...}), now)

This package has no asyncio, network or database code; the runtime builds on it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ordergate.policy.bundle import Bundle, UnboundPolicy, check_bundle, load_bundle
    from ordergate.policy.calendar import (
        lock_expiry,
        trading_day,
        trading_day_start,
        trading_week_start,
    )
    from ordergate.policy.compiler import CompiledPolicy
    from ordergate.policy.contracts import (
        ContractSpec,
        canonical_root,
        contract_table,
        spec_for,
        symbol_root,
    )
    from ordergate.policy.decision import Action, Decision, TraceEntry, Warning
    from ordergate.policy.diagnostics import Diagnostic, Position
    from ordergate.policy.errors import InputError, OrdergateError, PolicyError
    from ordergate.policy.kinds import API_VERSION, KINDS
    from ordergate.policy.models import json_schema
    from ordergate.policy.orders import Order, Quote, Snapshot, Working
    from ordergate.policy.orders import Position as HeldPosition

# The names below are imported when first used, not with the package: a command that
# needs one module (``ordergate validate`` needs no ruamel, no jsonschema unless a file is
# invalid) does not pay for every library the engine can use.
_LAZY: dict[str, tuple[str, str]] = {
    **{name: ("bundle", name) for name in ("Bundle", "UnboundPolicy", "check_bundle", "load_bundle")},
    **{
        name: ("calendar", name)
        for name in ("lock_expiry", "trading_day", "trading_day_start", "trading_week_start")
    },
    "CompiledPolicy": ("compiler", "CompiledPolicy"),
    **{
        name: ("contracts", name)
        for name in ("ContractSpec", "canonical_root", "contract_table", "spec_for", "symbol_root")
    },
    **{name: ("decision", name) for name in ("Action", "Decision", "TraceEntry", "Warning")},
    **{name: ("diagnostics", name) for name in ("Diagnostic", "Position")},
    **{name: ("errors", name) for name in ("InputError", "OrdergateError", "PolicyError")},
    **{name: ("kinds", name) for name in ("API_VERSION", "KINDS")},  # no pydantic for these
    "json_schema": ("models", "json_schema"),
    **{name: ("orders", name) for name in ("Order", "Quote", "Snapshot", "Working")},
    "HeldPosition": ("orders", "Position"),
}


def __getattr__(name: str) -> Any:
    try:
        module, attribute = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(importlib.import_module(f"{__name__}.{module}"), attribute)
    globals()[name] = value  # the next look-up is a plain module attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


__all__ = [
    "API_VERSION",
    "KINDS",
    "Action",
    "Bundle",
    "CompiledPolicy",
    "ContractSpec",
    "Decision",
    "Diagnostic",
    "HeldPosition",
    "InputError",
    "Order",
    "OrdergateError",
    "PolicyError",
    "Position",
    "Quote",
    "Snapshot",
    "TraceEntry",
    "UnboundPolicy",
    "Warning",
    "Working",
    "canonical_root",
    "check_bundle",
    "contract_table",
    "json_schema",
    "load_bundle",
    "lock_expiry",
    "spec_for",
    "symbol_root",
    "trading_day",
    "trading_day_start",
    "trading_week_start",
]
