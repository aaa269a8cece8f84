"""ordergate.policy — the risk-policy engine.

Load a rules directory, bind an account to its policy and decide orders::

    from ordergate.policy import load_bundle, Order, Snapshot
    bundle = load_bundle("rules/")
    policy = bundle.policy_for("APEX-1")
    decision = policy.evaluate(Order.from_dict({...}), Snapshot.from_dict({...}), now)

This package has no asyncio, network or database code; the runtime builds on it.
"""

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
from ordergate.policy.models import API_VERSION, KINDS, json_schema
from ordergate.policy.orders import Order, Quote, Snapshot, Working
from ordergate.policy.orders import Position as HeldPosition

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
