"""Answers about every account of the cluster, gathered from every instance.

The kill switch through any instance reaches every instance: this one acts on the
accounts it hosts while each live peer is asked (with ``X-Ordergate-Forwarded``, so it
acts only on its own) at the same time, and the answer lists every account of the
store. An account that no live instance reported (its connection has no holder, or the
holder did not answer) cannot be flattened from here, so it is locked in the store
directly, failing closed: whoever hosts it next loads the lock, and its row says
``flatten: failed`` with the reason. A ``locked`` notice names those accounts, so an
instance that hosts one but did not answer (slow, or its address unreachable) applies
the lock at once too (``apply_stored_locks``); it does not flatten them.

The account list is gathered the same way: each account as its host sees it.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

import httpx

from ordergate.runtime import logs
from ordergate.runtime.store import LockRow

if TYPE_CHECKING:
    from ordergate.runtime.cluster.node import Cluster
    from ordergate.runtime.service import Runtime

log = logging.getLogger("ordergate.cluster")
Answer = tuple[str, dict[str, Any] | None, str | None]  # instance, its answer, why there is none
LOCKED = "locked"  # the notice naming accounts locked in the store for instances that did not answer


async def _ask_peers(
    cluster: Cluster, method: str, path: str, headers: dict[str, str], body: Any = None
) -> list[Answer]:
    assert cluster.http is not None
    http = cluster.http

    async def ask(ident: str, address: str) -> Answer:
        try:
            reply = await http.request(method, address + path, json=body, headers=headers)
        except httpx.HTTPError as exc:
            return ident, None, f"instance {ident} did not answer: {exc or type(exc).__name__}"
        if reply.status_code != 200:
            return ident, None, f"instance {ident} answered {reply.status_code}: {reply.text[:200]}"
        return ident, reply.json(), None

    return list(await asyncio.gather(*(ask(i.id, i.address) for i in cluster.live_peers())))


async def kill_switch_everywhere(
    rt: Runtime, cluster: Cluster, body: dict[str, Any], headers: dict[str, str]
) -> dict[str, Any]:
    local, remote = await asyncio.gather(
        rt.kill_switch(body), _ask_peers(cluster, "POST", "/v1/kill-switch", headers, body)
    )
    rows: dict[str, dict[str, Any]] = {r["account"]: r for r in local["accounts"]}
    silent = []
    for _ident, answer, why in remote:
        if answer is None:
            silent.append(why)
            continue
        for row in answer.get("accounts", []):
            rows.setdefault(row["account"], row)
    if silent:
        log.warning("kill switch: %s", "; ".join(str(w) for w in silent))
    now = rt.core.now()
    locked = []
    for account in sorted({a.id for a in rt.core.store.accounts()} - set(rows)):
        with cluster.unfenced(account):
            rows[account] = _lock_unhosted(rt, account, now, silent)
        if rows[account]["lock"] == "ok":
            locked.append(account)
    if locked and cluster.bus is not None:
        try:  # an instance that hosts one of them but did not answer applies the lock
            await cluster.bus.publish(LOCKED, accounts=locked)
        except Exception as exc:  # the lock rows hold: the next host of each loads its lock
            log.warning("kill switch: the locks of %s were not announced: %s", ", ".join(locked), exc)
    answer = [rows[a] for a in sorted(rows)]
    return {"accounts": answer}


async def apply_stored_locks(rt: Runtime, notice: dict[str, Any]) -> None:
    """The ``locked`` notice: lock rows another instance wrote straight to the store (its
    kill switch, which this instance did not answer in time) take effect here for the
    accounts this instance hosts, once the order being decided for each has finished."""
    named = notice.get("accounts")
    hosted = (
        [a for a in named if isinstance(a, str) and a in rt.core.accounts] if isinstance(named, list) else []
    )
    if not hosted:
        return
    rows = {r.account: r for r in rt.core.store.locks()}
    for account in hosted:
        async with rt.core.lock_for(account):
            state, row = rt.core.accounts.get(account), rows.get(account)
            if state is None or row is None or state.lock == row:
                continue
            state.lock = row
        rt.core.bus.publish(
            "lock",
            {
                "account": account,
                "until": row.until,
                "enforce": row.enforce,
                "enforced_until": row.enforced_until,
                "reason": row.reason,
                "kind": row.kind,
            },
        )
        logs.lock(account, row.until or row.enforced_until, row.enforce, row.reason or "", row.kind or "")
        log.warning(
            "%s: locked (%s) by instance %s, which found it unanswered",
            account,
            row.reason,
            notice.get("origin"),
        )


def _lock_unhosted(rt: Runtime, account: str, now: datetime, silent: list[str | None]) -> dict[str, Any]:
    """Lock an account no live instance acted on, in the store, as Actions.lock_for_kill_switch
    would: an enforced lock in force keeps its enforcement."""
    why = "no live instance hosts its connection" + (f" ({'; '.join(map(str, silent))})" if silent else "")
    existing = next((r for r in rt.core.store.locks() if r.account == account), None)
    held_until = _enforced_until(existing, now)
    row = LockRow(
        account,
        None,
        held_until is not None,
        "kill_switch",
        "manual",
        now.isoformat(),
        held_until,
    )
    try:
        rt.core.store.set_lock(row)
        lock = "ok"
    except Exception as exc:  # the report says so; the other accounts go on
        lock, why = "failed", f"{why}; the lock failed: {exc}"
    return {"account": account, "flatten": "failed", "lock": lock, "error": f"not flattened: {why}"}


def _enforced_until(row: LockRow | None, now: datetime) -> str | None:
    if row is None or not row.enforce:
        return None
    for candidate in (row.enforced_until, row.until):
        if candidate is not None and datetime.fromisoformat(candidate) > now:
            return candidate
    return None


async def gathered_accounts(rt: Runtime, cluster: Cluster, headers: dict[str, str]) -> list[dict[str, Any]]:
    views = {v["id"]: v for v in rt.accounts_view()}
    for ident, answer, why in await _ask_peers(cluster, "GET", "/v1/accounts", headers):
        if answer is None:
            log.warning("account list: %s", why)
            continue
        for view in answer.get("accounts", []):
            views.setdefault(view["id"], {**view, "instance": ident})
    for view in views.values():
        view.setdefault("instance", cluster.id)
    return [views[a] for a in sorted(views)]
