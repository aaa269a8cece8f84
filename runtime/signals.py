"""The approval queue: webhook alerts that wait for a person (``approval.auto_submit: false``).

A signal is the alert as it came, checked (fields, allowed tickers) but not decided:
the check chain sees it only when it is approved, against the account as it is then.
Its states, one table::

    pending --approve--> approved     (then delivered; the result is kept beside it)
    pending --reject---> rejected
    pending --expire---> expired      (never sent)

A signal past ``expires_at`` is expired whenever the queue is read, before anything
else is done with it, so an approval that comes late is refused and nothing is sent.
The queue lives in the store and survives a restart; the move out of ``pending`` is one
conditional update, so two approvals of one signal cannot both send it.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from ordergate.runtime.clock import Clock
from ordergate.runtime.errors import Conflict, NotFound, RequestError
from ordergate.runtime.store import Store
from ordergate.runtime.webhook_replay import fingerprint

__all__ = ["STATUSES", "SignalQueue"]

STATUSES = ("pending", "approved", "rejected", "expired")


class SignalQueue:
    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    def enqueue(
        self, webhook: str, alert: dict[str, Any], alert_id: str | None, wait_seconds: float
    ) -> tuple[dict[str, Any], bool]:
        """Queue the alert; ``(signal, replayed)``. An alert id queued before answers with
        that signal when the alert is the same one, and 409 when it is another."""
        if alert_id:
            first = self.store.signal_by_alert(webhook, alert_id)
            if first is not None:
                if fingerprint(first["alert"]) != fingerprint(alert):
                    raise Conflict(
                        "id",
                        f"alert id {alert_id!r} was queued before as signal {first['id']} "
                        f"({first['alert'].get('action')} {first['alert'].get('ticker')}); "
                        "send this alert with an id of its own",
                        extra={"first": {"id": alert_id, "signal": first["id"]}},
                    )
                return self._expired_now(first), True
        now = self.clock.now()
        signal_id = "sig-" + uuid.uuid4().hex[:12]
        expires = now + timedelta(seconds=wait_seconds)
        self.store.add_signal(signal_id, webhook, alert_id, alert, now.isoformat(), expires.isoformat())
        signal = self.store.signal(signal_id)
        assert signal is not None
        return signal, False

    def expire(self) -> list[dict[str, Any]]:
        """Mark every pending signal past its time as expired; those marked now."""
        now = self.clock.now()
        marked = []
        for signal in self.store.signals("pending"):
            if datetime.fromisoformat(signal["expires_at"]) <= now and self.store.settle_signal(
                signal["id"], "expired", now.isoformat()
            ):
                marked.append({**signal, "status": "expired", "decided_at": now.isoformat()})
        return marked

    def _expired_now(self, signal: dict[str, Any]) -> dict[str, Any]:
        self.expire()
        return self.store.signal(signal["id"]) or signal

    def list(self, status: str | None) -> list[dict[str, Any]]:
        if status is not None and status not in STATUSES:
            raise RequestError("status", f"must be one of {', '.join(STATUSES)}, or left out for all")
        self.expire()
        return self.store.signals(status)

    def get(self, signal_id: str) -> dict[str, Any]:
        self.expire()
        signal = self.store.signal(signal_id)
        if signal is None:
            raise NotFound("id", f"no signal {signal_id!r}")
        return signal

    def settle(self, signal_id: str, status: str) -> dict[str, Any]:
        """Approve or reject a pending signal; 409 naming its state when it is not pending."""
        signal = self.get(signal_id)
        now = self.clock.now().isoformat()
        if signal["status"] != "pending" or not self.store.settle_signal(signal_id, status, now):
            signal = self.get(signal_id)
            why = (
                f"expired at {signal['expires_at']} and was never sent"
                if signal["status"] == "expired"
                else f"was {signal['status']} at {signal['decided_at']}"
            )
            raise Conflict("id", f"signal {signal_id} {why}", extra={"signal": signal})
        return {**signal, "status": status, "decided_at": now}

    def record(self, signal_id: str, status: int, answer: dict[str, Any]) -> dict[str, Any]:
        """What delivering an approved signal answered, kept beside it."""
        self.store.signal_result(signal_id, {"status": status, **answer})
        return self.get(signal_id)
