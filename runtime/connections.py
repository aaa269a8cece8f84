"""Broker connections: building adapters, the three-step add flow, and the controls.

A connection is one set of credentials holding many accounts. Connections come from the
Runtime config file or are added through the API in three steps, as the seeds describe:

1. **name**: ``POST /v1/connections {broker, name?}`` opens a draft; the name defaults to
   the broker's label and the answer lists what step 2 needs for that broker;
2. **authenticate**: ``POST /v1/connections/drafts/{id}/authenticate`` logs in with the
   broker's credentials and lists the accounts discovered, with balance and equity;
3. **select accounts**: ``POST /v1/connections/drafts/{id}/accounts`` imports the chosen
   accounts with optional nicknames, within the plan's limits.

Credentials of API-added connections are sealed in the vault under the record
``connection:<name>``; the store keeps only the non-secret settings.

Step 3 may also name the connection's ``live_account`` (one of the accounts imported)
and its ``paper_account``: one of the broker's own demo accounts imported with it, by
id, or ``{id, balance, nickname?}`` for a built-in paper account filled at the
connection's own quotes (``brokers/builtin_paper.py``), as a config file's connection
does. They are kept with the connection's stored settings (under those two keys, which
its adapter never sees), shown in ``GET /v1/connections``, and a webhook's ``mode``
picks between them.

The pieces: ``connection_spec`` (what a connection is, as kept and stored),
``connection_drafts`` (steps 1 to 3, which ``ConnectionManager`` inherits),
``connection_fields`` (the checks of their fields); this module builds adapters,
registers them and serves the controls (refresh, rename, delete, reconnect, update).
"""

from __future__ import annotations

import dataclasses
import logging
from typing import TYPE_CHECKING, Any

from ordergate.policy.runtime_checks import plan_refusal
from ordergate.runtime.broker_kinds import BROKER_KINDS, BrokerKind, adapter_class
from ordergate.runtime.brokers.base import AccountInfo, AdapterConfig, BrokerAdapter, BrokerEvents
from ordergate.runtime.brokers.builtin_paper import WithPaperAccount
from ordergate.runtime.brokers.errors import BrokerConfigError
from ordergate.runtime.connection_drafts import Draft, DraftSteps
from ordergate.runtime.connection_spec import (
    CONNECTION_MODES,
    EXECUTIONS,
    ConnectionSpec,
    config_spec,
    vault_record,
)
from ordergate.runtime.errors import (
    BadRequest,
    BrokerError,
    ConfigError,
    Conflict,
    NotFound,
    RequestError,
)
from ordergate.runtime.supervisor import Supervisor

if TYPE_CHECKING:
    from ordergate.runtime.service import Runtime

__all__ = ["BROKER_KINDS", "BrokerKind", "ConnectionManager", "ConnectionSpec", "Draft", "config_spec"]
log = logging.getLogger("ordergate.connections")


class ConnectionManager(DraftSteps):
    def __init__(self, runtime: Runtime) -> None:
        self.rt = runtime
        self.specs: dict[str, ConnectionSpec] = {}
        self.supervisors: dict[str, Supervisor] = {}
        self.drafts: dict[str, Draft] = {}
        self.supervisor_options: dict[str, Any] = {}  # tests shorten the lifecycle's timers

    # ---- building adapters

    def build(self, spec: ConnectionSpec, credentials: dict[str, str]) -> BrokerAdapter:
        rt = self.rt
        kind = BROKER_KINDS[spec.broker]
        if not kind.available:
            raise RequestError("broker", f"the {spec.broker} adapter is not available in this build")
        settings = {**spec.settings, "accounts": spec.accounts}
        if spec.mode is not None:
            settings["mode"] = spec.mode
        config = AdapterConfig(settings, credentials, base=rt.config.config_dir, seed=rt._seed)

        def clock() -> float:
            return rt.core.clock.timestamp()  # the core's clock as it is now: a test may swap it

        def make(events: BrokerEvents) -> BrokerAdapter:
            return adapter_class(spec.broker)(spec.name, config, events, clock)

        try:
            if spec.paper_account is None:
                return make(rt.events_for(spec.name))
            paper = spec.paper_account
            info = AccountInfo(
                paper["id"], float(paper["balance"]), float(paper["balance"]), paper.get("nickname")
            )
            return WithPaperAccount(spec.name, make, info, rt.events_for(spec.name), clock)
        except BrokerConfigError as exc:
            raise ConfigError(f"connection {spec.name}: {exc}") from None

    def register(self, spec: ConnectionSpec, adapter: BrokerAdapter) -> Supervisor:
        core = self.rt.core
        self.specs[spec.name] = spec
        core.brokers[spec.name] = adapter
        core.executions[spec.name] = spec.execution
        supervisor = Supervisor(adapter, self._on_status, **self.supervisor_options)
        self.supervisors[spec.name] = supervisor
        return supervisor

    def _on_status(self, name: str, status: str, detail: str | None) -> None:
        spec = self.specs.get(name)
        if status == "connected" and spec is not None and spec.adopt:
            self._adopt(spec)  # before the runtime reconciles the connection's accounts
        self.rt._on_status(name, status, detail)

    def _adopt(self, spec: ConnectionSpec) -> None:
        """The accounts the broker lists that the runtime does not hold yet, within the plan."""
        rt = self.rt
        found = rt.core.brokers[spec.name].accounts()
        new = [a for a in found if a.id not in rt.core.accounts]
        if not new:
            return
        try:
            self.check_plan(extra_accounts=len(new))
        except Conflict as exc:
            log.warning(
                "%s: the broker lists %d new accounts, not added: %s", spec.name, len(new), exc.message
            )
            rt.core.bus.publish(
                "connection", {"connection": spec.name, "status": "connected", "detail": exc.message}
            )
            return
        for a in new:
            spec.accounts.append({"id": a.id, "nickname": a.nickname, "balance": a.balance})
            rt.add_account(spec.name, a.id, a.nickname, a.balance)

    def saved_credentials(self, name: str) -> dict[str, str]:
        """The sealed credentials of a connection added through the API."""
        return self.rt.vault().get(self.rt.core.store, vault_record(name)) or {}

    async def start(self, name: str, wait: float = 5.0) -> None:
        supervisor = self.supervisors[name]
        supervisor.start()
        await supervisor.wait_connected(wait)

    async def stop_all(self) -> None:
        for supervisor in self.supervisors.values():
            await supervisor.stop()

    def check_plan(self, extra_connections: int = 0, extra_accounts: int = 0) -> None:
        refusal = plan_refusal(
            self.rt.config.plan,
            len(self.specs) + extra_connections,
            len(self.rt.core.accounts) + extra_accounts,
            adding=(extra_connections, extra_accounts),
        )
        if refusal:
            raise Conflict("plan", refusal)

    async def add(self, spec: ConnectionSpec, credentials: dict[str, str]) -> None:
        rt = self.rt
        now = rt.core.now().isoformat()
        with rt.core.store.transaction():
            if credentials:
                rt.vault().put(rt.core.store, vault_record(spec.name), credentials)
            rt.core.store.save_connection(spec.name, spec.broker, spec.to_store(), now)
        adapter = self.build(spec, credentials)
        self.register(spec, adapter)
        for a in spec.accounts:
            rt.add_account(spec.name, a["id"], a.get("nickname"), float(a.get("balance", 50_000)))
        if (paper := spec.paper_account) is not None:  # filled at this connection's own quotes
            rt.add_account(spec.name, paper["id"], paper.get("nickname"), float(paper["balance"]))
        await self.start(spec.name)
        rt.core.bus.publish(
            "connection_added",
            {"connection": spec.name, "broker": spec.broker, "accounts": [a["id"] for a in spec.accounts]},
        )

    # ---- controls

    def spec(self, name: str) -> ConnectionSpec:
        spec = self.specs.get(name)
        if spec is None:
            raise NotFound(
                "name", f"no connection {name!r}; connections: {', '.join(sorted(self.specs)) or 'none'}"
            )
        return spec

    def _api_only(self, spec: ConnectionSpec, what: str) -> None:
        if spec.origin == "config":
            raise Conflict("name", f"{spec.name} is defined in the runtime's config file; {what} it there")

    async def refresh(self, name: str) -> dict[str, Any]:
        spec = self.spec(name)
        adapter = self.rt.core.brokers[name]
        try:
            found = await adapter.refresh()
        except BrokerError as exc:
            raise Conflict("name", f"cannot refresh {name}: {exc}") from None
        known = {s.id for s in self.rt.core.accounts.values() if s.connection == name}
        new = [a for a in found if a.id not in known and a.id not in self.rt.core.accounts]
        if new:
            self.check_plan(extra_accounts=len(new))
            for a in new:
                spec.accounts.append({"id": a.id, "balance": a.balance, "nickname": None})
                self.rt.add_account(name, a.id, None, a.balance)
            if spec.origin == "api":
                self.rt.core.store.save_connection(
                    name, spec.broker, spec.to_store(), self.rt.core.now().isoformat()
                )
        return {
            "connection": name,
            "new_accounts": [a.id for a in new],
            "accounts": sorted(known | {a.id for a in new}),
        }

    async def rename(self, name: str, body: Any) -> dict[str, Any]:
        spec = self.spec(name)
        self._api_only(spec, "rename")
        new = body.get("name") if isinstance(body, dict) else None
        self._check_name(new, "name")
        assert isinstance(new, str)
        rt = self.rt
        creds = self.saved_credentials(name)
        await self.supervisors.pop(name).stop()
        adapter = rt.core.brokers.pop(name)
        rt.core.executions.pop(name, None)
        del self.specs[name]
        spec.name = new
        adapter.name = new
        with rt.core.store.transaction():
            rt.core.store.delete_connection(name)
            rt.core.store.delete_secret(vault_record(name))
            if creds:  # the record's identity is in the seal: a new name is a new seal
                rt.vault().put(rt.core.store, vault_record(new), creds)
            rt.core.store.save_connection(new, spec.broker, spec.to_store(), rt.core.now().isoformat())
            for state in rt.core.accounts.values():
                if state.connection == name:
                    state.connection = new
                    rt.core.store.move_account(state.id, new)
        self.register(spec, self.build(spec, creds))
        await self.start(new)
        return self.view(new)

    async def delete(self, name: str, body: Any) -> dict[str, Any]:
        spec = self.spec(name)
        self._api_only(spec, "remove")
        if not (isinstance(body, dict) and body.get("confirm") is True):
            raise BadRequest(
                "confirm", f'deleting {name} removes it and all its accounts; send {{"confirm": true}}'
            )
        accounts = [s.id for s in self.rt.core.accounts.values() if s.connection == name]
        busy = self.rt.copier.groups_with(accounts)
        if busy:
            raise Conflict(
                "name",
                f"{name} has accounts in copy-trading groups {', '.join(busy)}; remove them from the groups first",
            )
        await self.supervisors.pop(name).stop()
        self.rt.core.brokers.pop(name)
        self.rt.core.executions.pop(name, None)
        del self.specs[name]
        with self.rt.core.store.transaction():
            for account in accounts:
                self.rt.remove_account(account)
            self.rt.core.store.delete_secret(vault_record(name))
            self.rt.core.store.delete_connection(name)
        self.rt.core.bus.publish("connection_deleted", {"connection": name, "accounts": accounts})
        return {"deleted": name, "accounts": accounts}

    async def reconnect(self, name: str) -> dict[str, Any]:
        self.spec(name)
        await self.supervisors[name].stop()
        await self.start(name)  # Supervisor.start also leaves the error state
        return self.view(name)

    def update(self, name: str, body: Any) -> dict[str, Any]:
        """Execution and connection mode; the whole body is checked before anything changes."""
        spec = self.spec(name)
        if not isinstance(body, dict):
            raise BadRequest("body", 'the body must be a JSON object such as {"execution": "managed"}')
        unknown = sorted(set(body) - {"execution", "mode"})
        if unknown:
            raise RequestError(unknown[0], "not a setting of a connection; settings: execution, mode")
        if "execution" in body and body["execution"] not in EXECUTIONS:
            raise RequestError("execution", f"must be one of {', '.join(EXECUTIONS)}")
        if "mode" in body and (
            not BROKER_KINDS[spec.broker].connection_modes or body["mode"] not in CONNECTION_MODES
        ):
            raise RequestError(
                "mode", f"connection mode is for ProjectX connections: {', '.join(CONNECTION_MODES)}"
            )
        execution, mode = body.get("execution", spec.execution), body.get("mode", spec.mode)
        if spec.origin == "api":  # stored first: a store failure leaves the running spec as it was
            changed = dataclasses.replace(spec, execution=execution, mode=mode)
            self.rt.core.store.save_connection(
                name, spec.broker, changed.to_store(), self.rt.core.now().isoformat()
            )
        spec.execution, spec.mode = execution, mode
        self.rt.core.executions[name] = execution
        adapter = self.rt.core.brokers[name]
        if mode is not None and BROKER_KINDS[spec.broker].connection_modes and hasattr(adapter, "mode"):
            adapter.mode = mode  # read when the adapter next chooses between stream and polling
        return self.view(name)

    # ---- views

    def view(self, name: str) -> dict[str, Any]:
        from datetime import UTC, datetime

        spec = self.spec(name)
        sup = self.supervisors[name]
        beat = sup.last_heartbeat_at
        return {
            "name": name,
            "broker": spec.broker,
            "status": sup.state,
            "detail": sup.detail,
            "origin": spec.origin,
            "execution": spec.execution,
            "mode": spec.mode,
            "accounts": sorted(s.id for s in self.rt.core.accounts.values() if s.connection == name),
            "last_heartbeat": datetime.fromtimestamp(beat, UTC).isoformat() if beat else None,
            "live_account": spec.live_account,
            "paper_account": (
                {**spec.paper_account, "builtin": True}
                if spec.paper_account
                else {"id": spec.paper_ref, "builtin": False}
                if spec.paper_ref
                else None
            ),
        }

    def views(self) -> list[dict[str, Any]]:
        return [self.view(n) for n in sorted(self.specs)]
