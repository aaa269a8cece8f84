"""Rows in and out of the store's tables, the same for every engine.

A decoder turns one fetched row into what the ``Store`` interface hands back; an
encoder turns what it is given into the ordered parameters of its write. Both engines'
rows (``sqlite3.Row``, ``asyncpg.Record``) are read by column name, so the code here
never sees which engine it serves. The SQL text stays in each engine: the dialects
differ in placeholders, collations and conflict clauses.
"""

from __future__ import annotations

import json
from typing import Any, Protocol

from ordergate.runtime.json_bytes import dumps
from ordergate.runtime.store.interface import AccountRow, FillRow, LockRow, StoreError


class Record(Protocol):
    """A fetched row: its columns by name."""

    def __getitem__(self, column: str, /) -> Any: ...


def to_json(value: Any) -> str:
    """The JSON text of a value to store, as the API writes it (runtime/json_bytes.py)."""
    return dumps(value).decode()


# ---- accounts

ACCOUNT_FIELDS = frozenset(
    {"nickname", "enabled", "automation_paused", "balance", "peak_equity", "eod_peak", "day"}
)


def account(r: Record) -> AccountRow:
    return AccountRow(
        r["id"],
        r["connection"],
        r["nickname"],
        bool(r["enabled"]),
        bool(r["automation_paused"]),
        r["balance"],
        r["start_balance"],
        r["peak_equity"],
        r["eod_peak"],
        r["day"],
    )


def account_params(row: AccountRow) -> tuple[Any, ...]:
    """(id, connection, nickname, enabled, automation_paused, balance, start_balance,
    peak_equity, eod_peak, day)"""
    return (
        row.id,
        row.connection,
        row.nickname,
        int(row.enabled),
        int(row.automation_paused),
        row.balance,
        row.start_balance,
        row.peak_equity,
        row.eod_peak,
        row.day,
    )


def account_updates(fields: dict[str, Any]) -> tuple[Any, ...]:
    """The values of ``update_account``'s fields in their order; refuses unknown fields."""
    if not ACCOUNT_FIELDS.issuperset(fields):
        raise StoreError(f"unknown account fields {sorted(set(fields) - ACCOUNT_FIELDS)}")
    # a list, not a generator: every fill books one of these, and a generator costs a frame
    return tuple([int(v) if isinstance(v, bool) else v for v in fields.values()])


# ---- fills


def fill_params(fill: FillRow) -> tuple[Any, ...]:
    """(account, order_id, ts, root, side, qty, price, realized, entry, trading_day,
    week_start, fill_id)"""
    return (
        fill.account,
        fill.order_id,
        fill.ts,
        fill.root,
        fill.side,
        fill.qty,
        fill.price,
        fill.realized,
        int(fill.entry),
        fill.trading_day,
        fill.week_start,
        fill.fill_id or None,
    )


def last_fill_ts(rows: list[Any]) -> float | None:
    return float(rows[0]["ts"]) if rows and rows[0]["ts"] is not None else None


def realized(r: Record) -> tuple[float, float, int, int]:
    """(realized today, realized this week, entries today, entries this week)."""
    return float(r["d"]), float(r["w"]), int(r["dt"]), int(r["wt"])


# ---- locks


def lock(r: Record) -> LockRow:
    return LockRow(
        r["account"],
        r["until"],
        bool(r["enforce"]),
        r["reason"],
        r["kind"],
        r["created_at"],
        r["enforced_until"],
    )


def lock_params(row: LockRow) -> tuple[Any, ...]:
    """(account, until, enforce, reason, kind, created_at, enforced_until)"""
    return (
        row.account,
        row.until,
        int(row.enforce),
        row.reason,
        row.kind,
        row.created_at,
        row.enforced_until,
    )


# ---- orders and idempotency


def history_order(r: Record) -> dict[str, Any]:
    """An order of ``order_history``, showing the ``created_at`` it is sorted by."""
    body: dict[str, Any] = json.loads(r["body"])
    if r["created_at"]:
        body["created_at"] = r["created_at"]
    return body


def idempotent(rows: list[Any]) -> tuple[int, dict[str, Any]] | None:
    return (int(rows[0]["status"]), json.loads(rows[0]["body"])) if rows else None


# ---- the audit log


def decision_params(
    time: str,
    account: str,
    source: str | None,
    decision: dict[str, Any],
    order: dict[str, Any],
    inputs: dict[str, Any] | None,
) -> tuple[Any, ...]:
    """(time, account, source, outcome, stage, code, policy, bundle, body, inputs)"""
    body = {"time": time, "account": account, "order": order, "decision": decision}
    return (
        time,
        account,
        source,
        decision["outcome"],
        decision.get("stage"),
        decision.get("code"),
        decision.get("policy"),
        decision.get("bundle"),
        to_json(body),
        None if inputs is None else to_json(inputs),
    )


def decision(r: Record) -> dict[str, Any]:
    return {"id": r["id"], **json.loads(r["body"])}


def with_inputs(rows: list[Any]) -> list[dict[str, Any]]:
    """Audit entries, each with its ``inputs`` (None for one recorded before they were kept)."""
    return [
        {"id": r["id"], **json.loads(r["body"]), "inputs": json.loads(r["inputs"]) if r["inputs"] else None}
        for r in rows
    ]


# ---- copy groups, webhook signals


def copy_group(r: Record) -> dict[str, Any]:
    return {"name": r["name"], "leader": r["leader"], "followers": json.loads(r["followers"])}


def signal(r: Record) -> dict[str, Any]:
    return {
        "id": r["id"],
        "webhook": r["webhook"],
        "alert_id": r["alert_id"],
        "alert": json.loads(r["body"]),
        "status": r["status"],
        "created_at": r["created_at"],
        "expires_at": r["expires_at"],
        "decided_at": r["decided_at"],
        "result": json.loads(r["result"]) if r["result"] else None,
    }
