"""An alert id seen again: a replay says it is one, another alert under the same id is a 409.

TradingView resends an alert it could not deliver, and TradersPost answers a resend of
an alert id as it answered the first. The first answer is kept under the id (per
trading day, in the idempotency table, with the order's state read afresh), and beside
it the alert's *fingerprint*: its body without the fields that are only informational
(``time``, ``interval``, ``message``, ``extras``). The same fingerprint is a replay,
answered with the first status and ``"replayed": true``; a different one is a second
alert reusing the id, answered 409 naming the first alert and its order.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ordergate.runtime.book import AccountState
from ordergate.runtime.errors import Conflict
from ordergate.runtime.store import Store
from ordergate.runtime.webhook import INFORMATIONAL, Alert

__all__ = ["alert_note", "fingerprint", "remember_alert", "replayed"]


def fingerprint(alert: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in alert.items() if k not in INFORMATIONAL}


def _record_key(key: str) -> str:
    return f"{key}#alert"


def alert_note(alert: Alert, day_end: datetime) -> dict[str, Any]:
    """What the order's row and the decision log keep of the alert: its id, informational
    fields and time in force (a ``day`` order expires at ``day_end``)."""
    signal = {"id": alert.id, **alert.log} if alert.id else dict(alert.log)
    note: dict[str, Any] = {"signal": signal} if signal else {}
    if alert.time_in_force:
        note["time_in_force"] = alert.time_in_force
    if alert.time_in_force == "day":
        note["expires_at"] = day_end.isoformat()
    return note


def _order_id(answer: dict[str, Any]) -> str | None:
    order = answer.get("order")
    return order.get("id") if isinstance(order, dict) else None


def remember_alert(
    store: Store,
    state: AccountState,
    key: str,
    alert: dict[str, Any],
    status: int,
    answer: dict[str, Any],
) -> None:
    """Keep the answer and the fingerprint under the alert's id, before it is answered."""
    with store.transaction():
        store.idempotent_put(state.id, key, state.day, status, answer)
        store.idempotent_put(
            state.id,
            _record_key(key),
            state.day,
            status,
            {"alert": fingerprint(alert), "order": _order_id(answer)},
        )


def replayed(
    store: Store, state: AccountState, key: str, alert: dict[str, Any], seen: tuple[int, dict[str, Any]]
) -> tuple[int, dict[str, Any]]:
    """The answer to an alert id seen today: the first answer marked as a replay, or a
    409 when the alert behind the id is another one."""
    record = store.idempotent_get(state.id, _record_key(key), state.day)
    status, answer = seen
    if record is not None:
        first = record[1].get("alert") or {}
        now = fingerprint(alert)
        differ = sorted(k for k in set(first) | set(now) if first.get(k) != now.get(k))
        if differ:
            named = [k for k in ("action", "ticker") if k in differ] or differ
            order = record[1].get("order") or _order_id(answer)
            raise Conflict(
                "id",
                f"alert id {key!r} was used today by another alert ({first.get('action')} {first.get('ticker')}"
                f"{', order ' + order if order else ''}); this one differs in {', '.join(named)}: send it "
                "with an id of its own",
                extra={
                    "first": {
                        "id": key,
                        "action": first.get("action"),
                        "ticker": first.get("ticker"),
                        "order": order,
                    }
                },
            )
    return status, {**answer, "replayed": True}
