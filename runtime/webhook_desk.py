"""A webhook's settings, as TradersPost's strategy, broker and webhook settings have them.

Where an alert goes, in order: the secret in the URL names the webhook (404 otherwise);
the sender's address must be in ``allow_ips`` (403, the peer address of the connection:
``X-Forwarded-For`` is read only from a proxy in ``trusted_proxies``); the alert's fields
are checked (``webhook.py``) and its ticker must be one of ``tickers`` (422 naming
``ticker``). Then, with ``approval.auto_submit: false``, it waits in the approval queue
(``signals.py``, 202); otherwise it is delivered.

Delivering fans the alert out to the webhook's targets ("parallel account execution"):
each target an account id or a connection's name, and ``mode`` (live | paper) picks the
live or paper account its connection names (``live_account``, ``paper_account``: one of
the broker's own accounts, or a built-in paper account filled at the connection's own
quotes, ``brokers/builtin_paper.py``), so switching a strategy to live is that one field.
Every account is decided on its own, through its own chain, under its own lock, at the
same time; one refused or blocked account does not stop the others. One target
(``account:``) answers as one account does; several (``accounts:``) answer
``{"accounts": [...]}`` with each account's status and answer, under the status they
share, or 207 when they differ. The decision log and the order carry ``webhook`` and
``mode``.

Settings changed through the API (``PATCH /v1/webhooks/{name}``) are kept in the store,
laid over the config file's, and survive a restart; the secret never changes that way.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from ordergate.policy import symbol_root
from ordergate.policy.calendar import parse_duration
from ordergate.policy.models import WebhookConfig
from ordergate.runtime.errors import BadRequest, Conflict, NotFound, RequestError
from ordergate.runtime.signals import SignalQueue
from ordergate.runtime.webhook import parse_alert, signal_id

if TYPE_CHECKING:
    from ordergate.runtime.connections import ConnectionSpec
    from ordergate.runtime.service import Runtime

__all__ = ["EDITABLE", "Forbidden", "Target", "WebhookDesk", "sender_address"]

EDITABLE = ("account", "accounts", "mode", "tickers", "allow_ips", "trusted_proxies", "approval")
Answer = tuple[int, dict[str, Any]]


class Forbidden(RequestError):
    status = 403


@dataclass(frozen=True, slots=True)
class Target:
    account: str
    mode: str  # live | paper: the kind of account traded, for the decision log


def _in(address: str, networks: list[str] | None) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(n, strict=False) for n in networks or ())


def sender_address(hook: WebhookConfig, peer: str | None, forwarded_for: str | None) -> str | None:
    """The address an alert came from: the connection's peer, or, when that peer is one of
    the webhook's trusted proxies, the nearest address in X-Forwarded-For that is not."""
    if peer is None or not forwarded_for or not _in(peer, hook.trusted_proxies):
        return peer
    hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
    for hop in reversed(hops):
        if not _in(hop, hook.trusted_proxies):
            return hop
    return hops[0] if hops else peer


def _allowed_ticker(hook: WebhookConfig, ticker: str) -> None:
    if hook.tickers is None:
        return
    root = symbol_root(ticker)
    for allowed in hook.tickers:
        whole = allowed.strip().upper()
        if whole == ticker.strip().upper() or (symbol_root(allowed) == whole and whole == root):
            return
    raise RequestError(
        "ticker",
        f"{ticker} is not among webhook {hook.name}'s allowed tickers: {', '.join(hook.tickers)}",
    )


def _combined(results: list[dict[str, Any]]) -> Answer:
    statuses = {r["status"] for r in results}
    answer: dict[str, Any] = {"accounts": results}
    if all(r.get("replayed") for r in results):
        answer["replayed"] = True
    ignored = next((r["ignored"] for r in results if r.get("ignored")), None)
    if ignored:
        answer["ignored"] = ignored
    return (statuses.pop() if len(statuses) == 1 else 207), answer


class WebhookDesk:
    """The runtime's webhooks: their settings, the approval queue and the fan-out."""

    def __init__(self, runtime: Runtime) -> None:
        self.rt = runtime
        self.queue = SignalQueue(runtime.core.store, runtime.core.clock)
        self.configured = {w.name: w for w in runtime.config.webhooks}
        self.hooks = dict(self.configured)
        self.reread_settings()
        if runtime.cluster is not None:  # settings another instance saves are re-read here at once
            runtime.cluster.webhook_desks.add(self)

    def reread_settings(self) -> None:
        """The config file's settings with those kept in the store laid over them."""
        hooks = dict(self.configured)
        for name, changes in self.rt.core.store.webhook_settings().items():
            if name in hooks:
                try:
                    hooks[name] = self._merged(hooks[name], changes)
                except RequestError as exc:  # the config file changed under a stored setting
                    self.rt.core.bus.publish(
                        "webhook_settings_dropped", {"webhook": name, "error": exc.message}
                    )
        self.hooks = hooks

    # ---- settings

    def by_secret(self, secret: str) -> WebhookConfig:
        given = secret.encode()
        hook = None
        for w in self.hooks.values():  # every one compared, so the time taken tells nothing
            if hmac.compare_digest(given, w.secret.encode()):
                hook = w
        if hook is None:
            raise NotFound("secret", "invalid webhook URL")
        return hook

    def named(self, name: str) -> WebhookConfig:
        hook = self.hooks.get(name)
        if hook is None:
            raise NotFound(
                "name", f"no webhook {name!r}; webhooks: {', '.join(sorted(self.hooks)) or 'none'}"
            )
        return hook

    def view(self, hook: WebhookConfig) -> dict[str, Any]:
        out = hook.model_dump(exclude={"secret"}, exclude_none=True)
        try:
            out["trades"] = [{"account": t.account, "mode": t.mode} for t in self.targets(hook)]
        except RequestError as exc:
            out["error"] = exc.message
        return out

    def views(self) -> list[dict[str, Any]]:
        return [self.view(h) for _, h in sorted(self.hooks.items())]

    @staticmethod
    def _merged(hook: WebhookConfig, changes: Mapping[str, Any]) -> WebhookConfig:
        data = hook.model_dump()
        if changes.get("accounts") is not None:
            data["account"] = None  # one or the other: naming the new one replaces the old
        if changes.get("account") is not None:
            data["accounts"] = None
        data.update(changes)
        try:
            return WebhookConfig.model_validate(data)
        except ValidationError as exc:
            error = exc.errors()[0]
            where = ".".join(str(p) for p in error["loc"]) or "body"
            raise RequestError(where, error["msg"]) from None

    def update(self, name: str, body: Any) -> dict[str, Any]:
        """Change a webhook's settings; kept in the store over the config file's."""
        hook = self.named(name)
        if not isinstance(body, dict) or not body:
            raise BadRequest("body", f"a JSON object with any of: {', '.join(EDITABLE)}")
        unknown = sorted(set(body) - set(EDITABLE))
        if unknown:
            raise RequestError(unknown[0], f"not a setting the API changes; settings: {', '.join(EDITABLE)}")
        changed = self._merged(hook, body)
        self.targets(changed)  # a mode or account that names nothing is refused now, not at the next alert
        stored = self.rt.core.store.webhook_settings().get(name, {})
        if body.get("accounts") is not None:
            stored.pop("account", None)
        if body.get("account") is not None:
            stored.pop("accounts", None)
        stored.update(body)
        self.rt.core.store.save_webhook_settings(name, stored, self.rt.core.now().isoformat())
        self.hooks[name] = changed
        self.rt.core.bus.publish("webhook_settings", {"webhook": name, "changed": sorted(body)})
        if self.rt.cluster is not None:
            self.rt.cluster.webhook_settings_saved(name, sorted(body))
        return self.view(changed)

    # ---- targets: accounts, and live or paper

    def _connections(self) -> dict[str, ConnectionSpec]:
        """Every connection, from the config file or added through the API, with its
        ``live_account`` and paper account."""
        return dict(self.rt.connections.specs)

    def _kind(self, account: str, connection: str) -> str:
        conn = self._connections().get(connection)
        if conn is not None and conn.live_account == account:
            return "live"
        if conn is not None and conn.paper_account_id == account:
            return "paper"
        spec = self.rt.connections.specs.get(connection)
        return "paper" if spec is not None and spec.broker == "paper" else "live"

    def _target(self, hook: WebhookConfig, name: str) -> Target:
        connections = self._connections()
        state = self.rt.core.accounts.get(name)
        if state is None and name in connections:  # a connection: its live or paper account
            conn, mode = connections[name], hook.mode or "live"
            account = conn.live_account if mode == "live" else conn.paper_account_id
            if account is None:
                raise Conflict(
                    "mode",
                    f"webhook {hook.name} trades {mode}, and connection {name} names no {mode}_account",
                )
            return Target(account, mode)
        if state is None:
            raise Conflict(
                "account", f"webhook {hook.name} names {name!r}, which is neither an account nor a connection"
            )
        kind = self._kind(name, state.connection)
        if hook.mode is None or hook.mode == kind:
            return Target(name, kind)
        home = connections.get(state.connection)
        other = home and (home.live_account if hook.mode == "live" else home.paper_account_id)
        if not other:
            raise Conflict(
                "mode",
                f"webhook {hook.name} trades {hook.mode}: {name} is a {kind} account, and its connection "
                f"{state.connection} names no {hook.mode}_account",
            )
        return Target(other, hook.mode)

    def targets(self, hook: WebhookConfig) -> list[Target]:
        return [self._target(hook, name) for name in hook.targets()]

    # ---- an alert

    async def receive(
        self,
        secret: str,
        peer: str | None,
        headers: Mapping[str, str],
        read_body: Callable[[], Awaitable[Any]],
    ) -> tuple[WebhookConfig, Any, Answer]:
        """The alert at ``POST /v1/webhooks/{secret}``: the webhook, the body and the answer."""
        hook = self.by_secret(secret)
        if hook.allow_ips is not None:
            sender = sender_address(hook, peer, headers.get("x-forwarded-for"))
            if sender is None or not _in(sender, hook.allow_ips):
                raise Forbidden("ip", f"request not from the configured IP addresses (it came from {sender})")
        body = await read_body()
        alert = parse_alert(body)  # a bad alert is refused once, for every account
        _allowed_ticker(hook, alert.ticker)
        approval = hook.approval
        if approval is not None and not approval.auto_submit:
            wait = parse_duration(approval.expire_after) or 0.0
            signal, replay = self.queue.enqueue(hook.name, body, signal_id(body), wait)
            answer: dict[str, Any] = {"signal": signal, "queued": "waits for approval"}
            if replay:
                answer["replayed"] = True
            return hook, body, (202, answer)
        return hook, body, await self.deliver(hook, body)

    async def deliver(self, hook: WebhookConfig, alert: Any) -> Answer:
        targets = self.targets(hook)
        results = await asyncio.gather(*(self._one(hook, t, alert) for t in targets))
        if hook.accounts is None:
            status, answer = results[0]
            return status, {**answer, "account": targets[0].account, "mode": targets[0].mode}
        return _combined(
            [
                {"account": t.account, "mode": t.mode, "status": s, **a}
                for t, (s, a) in zip(targets, results, strict=True)
            ]
        )

    async def _one(self, hook: WebhookConfig, target: Target, alert: Any) -> Answer:
        context = {"webhook": hook.name, "mode": target.mode}
        try:
            state = self.rt.core.account(target.account)
            return await self.rt.gateway.submit_alert(state, alert, context=context)
        except RequestError as exc:  # this account's refusal; the others go on
            if hook.accounts is None:
                raise
            return exc.status, exc.to_dict()

    # ---- the approval queue

    async def approve(self, signal_id_: str) -> Answer:
        signal = self.queue.get(signal_id_)
        hook = self.named(signal["webhook"])  # its settings now: approved, it trades as the webhook does now
        self.targets(hook)  # refused before the signal leaves the queue when it could go nowhere
        signal = self.queue.settle(signal_id_, "approved")
        try:
            status, answer = await self.deliver(hook, signal["alert"])
        except RequestError as exc:  # approved, and refused as the alert would have been
            status, answer = exc.status, exc.to_dict()
        return status, {**answer, "signal": self.queue.record(signal_id_, status, answer)}

    def reject(self, signal_id_: str) -> dict[str, Any]:
        return {"signal": self.queue.settle(signal_id_, "rejected")}
