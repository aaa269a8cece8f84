"""What the runtime tells an operator: its log lines, their two formats, and the setup.

``setup(level, fmt)`` sends every logger's lines, uvicorn's included, to stderr through
one handler: ``text`` (``time LEVEL logger: message``) or ``json`` (one object a line
with ``time``, ``level``, ``logger``, ``message`` and the line's structured fields, for
log shippers).

The helpers below are called on the order path, so each costs a level check when its
logger is quiet and, when it speaks, one record with %-arguments formatted lazily by the
handler. The structured fields are built only when the JSON formatter is installed
(``STRUCTURED``); text lines carry everything in the message.

Secrets never reach the log: ``hide`` registers each secret the runtime holds (API
tokens, webhook secrets, broker credentials) and the handler's filter replaces them in
every line, whatever code wrote it, before it is formatted.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "FORMATS",
    "JsonFormatter",
    "Redact",
    "breach",
    "connection",
    "decision",
    "fill",
    "flatten",
    "hide",
    "hide_fields",
    "kill_switch",
    "lock",
    "reload_ok",
    "setup",
    "unlock",
    "webhook",
]

FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "uvicorn.asgi")
HIDDEN = "[hidden]"
SECRET_FIELDS = frozenset({"password", "api_key", "sec", "access_token", "refresh_token", "token", "secret"})
MIN_SECRET_CHARS = 4  # shorter values would blank out ordinary words

INFO, WARNING = logging.INFO, logging.WARNING
decisions = logging.getLogger("ordergate.decisions")
fills = logging.getLogger("ordergate.fills")
risk = logging.getLogger("ordergate.risk")  # breaches, locks, flattens, the kill switch
webhooks = logging.getLogger("ordergate.webhook")
reloads = logging.getLogger("ordergate.reload")
connections = logging.getLogger("ordergate.connections")

STRUCTURED = False  # the JSON formatter is installed: lines carry their fields
_secrets: set[str] = set()


# ---------------------------------------------------------------- setup


def hide(*values: object) -> None:
    """Never show these values in a log line (strings only; short ones are ignored)."""
    for value in values:
        if isinstance(value, str) and len(value.strip()) >= MIN_SECRET_CHARS:
            _secrets.add(value)
            _secrets.add(value.strip())


def hide_fields(fields: Mapping[str, object] | None) -> None:
    """Hide the secret ones of a set of credentials (passwords, keys, tokens; not a
    username or an expiry)."""
    for key, value in (fields or {}).items():
        if key in SECRET_FIELDS:
            hide(value)


def _redact(text: str) -> str:
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, HIDDEN)
    return text


class Redact(logging.Filter):
    """Replaces every hidden value in a record's message and arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not _secrets:
            return True
        message = record.getMessage()
        clean = _redact(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = _redact(record.exc_text)
        if clean is not message or record.args:
            record.msg, record.args = clean, None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (ISO 8601, UTC), level, logger, message, the line's
    structured fields, and the traceback as ``exception`` when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if fields:
            for key, value in fields.items():
                out.setdefault(key, value)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            out["exception"] = record.exc_text
        line = json.dumps(out, default=str)
        for secret in _secrets:  # as the fields hold it, escaped for JSON
            escaped = json.dumps(secret)[1:-1]
            if escaped in line:
                line = line.replace(escaped, HIDDEN)
        return line


def setup(level: str = "info", fmt: str = "text", stream: Any = None) -> logging.Handler:
    """One stderr handler on the root logger for every line, uvicorn's included (give
    uvicorn ``log_config=None`` so it installs none of its own)."""
    global STRUCTURED
    if fmt not in FORMATS:
        raise ValueError(f"log format {fmt!r}: use one of {', '.join(FORMATS)}")
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    handler.addFilter(Redact())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in UVICORN_LOGGERS:
        uv = logging.getLogger(name)
        uv.handlers.clear()
        uv.propagate = True
    STRUCTURED = fmt == "json"
    return handler


def _extra(**fields: Any) -> Mapping[str, Any] | None:
    return {"fields": fields} if STRUCTURED else None


# ---------------------------------------------------------------- the runtime's lines


def decision(account: str, order: Mapping[str, Any], decided: Mapping[str, Any], seconds: float) -> None:
    """A decision: account, order, outcome, stage/code, policy ``name@version``, latency."""
    if not decisions.isEnabledFor(INFO):
        return
    outcome, stage, code = decided.get("outcome"), decided.get("stage"), decided.get("code")
    where = f" at {stage} [{code}]" if stage and outcome == "block" else ""
    key = order.get("client_order_id")
    decisions.info(
        "%s %s %s %s %s%s: %s%s by %s in %.3f ms%s",
        account,
        order.get("side"),
        order.get("qty"),
        order.get("symbol"),
        order.get("type", "market"),
        f" ({key})" if key else "",
        outcome,
        where,
        decided.get("policy"),
        seconds * 1000,
        f": {decided.get('message')}" if outcome == "block" else "",
        extra=_extra(
            account=account,
            order={k: order.get(k) for k in ("symbol", "side", "qty", "type", "source", "client_order_id")},
            outcome=outcome,
            stage=stage,
            code=code,
            policy=decided.get("policy"),
            latency_ms=round(seconds * 1000, 3),
        ),
    )


def fill(
    account: str, order_id: str | None, symbol: str, side: str, qty: int, price: float, realized: float
) -> None:
    if fills.isEnabledFor(INFO):
        fills.info(
            "%s fill: %s %s %s @ %s (order %s), realized %.2f",
            account,
            side,
            qty,
            symbol,
            price,
            order_id,
            realized,
            extra=_extra(
                account=account,
                order_id=order_id,
                symbol=symbol,
                side=side,
                qty=qty,
                price=price,
                realized=round(realized, 2),
            ),
        )


def breach(account: str, code: str, action: str, message: str) -> None:
    if risk.isEnabledFor(WARNING):
        risk.warning(
            "%s breach %s (%s): %s",
            account,
            code,
            action,
            message,
            extra=_extra(account=account, event="breach", code=code, action=action),
        )


def lock(account: str, until: str | None, enforce: bool, reason: str, kind: str) -> None:
    if risk.isEnabledFor(INFO):
        risk.info(
            "%s locked (%s%s, reason %s) until %s",
            account,
            kind,
            ", enforced" if enforce else "",
            reason,
            until or "unlocked by hand",
            extra=_extra(
                account=account, event="lock", until=until, enforce=enforce, reason=reason, kind=kind
            ),
        )


def unlock(account: str, expired: bool) -> None:
    if risk.isEnabledFor(INFO):
        risk.info(
            "%s unlocked (%s)",
            account,
            "the lock expired" if expired else "on request",
            extra=_extra(account=account, event="unlock", expired=expired),
        )


def flatten(account: str, reason: str, outcome: str, detail: str | int | None = None) -> None:
    """``outcome`` sent (``detail``: the orders sent), failed (``detail``: the error) or recovered."""
    level = WARNING if outcome == "failed" else INFO
    if risk.isEnabledFor(level):
        risk.log(
            level,
            "%s flatten %s (reason %s)%s",
            account,
            outcome,
            reason,
            f": {detail}" if detail is not None else "",
            extra=_extra(account=account, event="flatten", outcome=outcome, reason=reason, detail=detail),
        )


def kill_switch(report: Iterable[Mapping[str, Any]]) -> None:
    if risk.isEnabledFor(WARNING):
        rows = list(report)
        risk.warning(
            "kill switch: %s",
            "; ".join(
                f"{r['account']} flatten {r['flatten']}, lock {r['lock']}"
                + (f" ({r['error']})" if r.get("error") else "")
                for r in rows
            )
            or "no accounts",
            extra=_extra(event="kill_switch", accounts=rows),
        )


def webhook(name: str, account: str, alert: Any, status: int) -> None:
    """A webhook call, by its configured name: never the secret in its URL."""
    if webhooks.isEnabledFor(INFO):
        action = alert.get("action") if isinstance(alert, dict) else None
        webhooks.info(
            "webhook %s for %s: %s answered %d",
            name,
            account,
            action,
            status,
            extra=_extra(webhook=name, account=account, action=action, status=status),
        )


def reload_ok(policy: Mapping[str, Any]) -> None:
    """A bundle swapped in; ``policy`` is the holder's ``to_dict()``."""
    if reloads.isEnabledFor(INFO):
        names, bundle = list(policy.get("policies") or ()), policy.get("bundle")
        reloads.info(
            "rules loaded: %s (%s)",
            ", ".join(names) or "no policies",
            bundle,
            extra=_extra(event="reload", ok=True, policies=names, bundle=bundle),
        )


def connection(name: str, status: str, detail: str | None) -> None:
    level = WARNING if status in ("error", "stale") else INFO
    if connections.isEnabledFor(level):
        connections.log(
            level,
            "connection %s: %s%s",
            name,
            status,
            f" ({detail})" if detail else "",
            extra=_extra(connection=name, status=status, detail=detail),
        )
