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
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ordergate.policy.runtime_checks import plan_refusal
from ordergate.runtime import broker_kinds
from ordergate.runtime.broker_kinds import BROKER_KINDS, BrokerKind, adapter_class, config_settings
from ordergate.runtime.brokers.base import AccountInfo, AdapterConfig, BrokerAdapter, BrokerEvents
from ordergate.runtime.brokers.builtin_paper import WithPaperAccount
from ordergate.runtime.brokers.errors import BrokerConfigError
from ordergate.runtime.connection_fields import (
    MAX_BALANCE,
    broker_address,
    live_and_paper,
    paper_feed,
    replay_roots,
)
from ordergate.runtime.errors import (
    BadRequest,
    BrokerError,
    BrokerRefused,
    ConfigError,
    Conflict,
    NotFound,
    RequestError,
)
from ordergate.runtime.oauth import (
    OAuthSettings,
    authorize_url,
    exchange,
    new_state,
    require,
    token_credentials,
)
from ordergate.runtime.supervisor import Supervisor

if TYPE_CHECKING:
    from ordergate.policy.models import ConnectionConfig
    from ordergate.runtime.service import Runtime

__all__ = ["BROKER_KINDS", "BrokerKind", "ConnectionManager", "ConnectionSpec", "Draft", "config_spec"]
log = logging.getLogger("ordergate.connections")


EXECUTIONS = ("broker_native", "managed")
DISCOVERY_SECONDS = 10.0  # a login and the account list, in the add flow
CONNECTION_MODES = ("auto", "websocket", "polling")


@dataclass(slots=True)
class ConnectionSpec:
    name: str
    broker: str
    origin: str  # config | api
    execution: str = "broker_native"
    mode: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)  # non-secret step-2 answers
    accounts: list[dict[str, Any]] = field(default_factory=list)  # [{id, nickname, balance}]
    # a config file's real-broker connection without `accounts:` takes every account the
    # broker lists, on every (re)connect
    adopt: bool = False
    # a built-in paper account beside the broker's own ({id, balance, nickname}), filled at
    # the connection's quotes (brokers/builtin_paper.py)
    paper_account: dict[str, Any] | None = None
    paper_ref: str | None = None  # or one of the broker's own accounts as the paper one
    live_account: str | None = None

    def __post_init__(self) -> None:
        # an API connection's live and paper accounts are stored with its settings; the
        # adapter is built from the settings without them
        live, paper = self.settings.pop("live_account", None), self.settings.pop("paper_account", None)
        if isinstance(live, str):
            self.live_account = live
        if isinstance(paper, dict):
            self.paper_account = paper
        elif isinstance(paper, str):
            self.paper_ref = paper

    @property
    def paper_account_id(self) -> str | None:
        return str(self.paper_account["id"]) if self.paper_account else self.paper_ref

    def to_store(self) -> dict[str, Any]:
        settings = dict(self.settings)
        if self.live_account:
            settings["live_account"] = self.live_account
        if self.paper_account or self.paper_ref:
            settings["paper_account"] = self.paper_account or self.paper_ref
        return {
            "broker": self.broker,
            "execution": self.execution,
            "mode": self.mode,
            "settings": settings,
            "accounts": self.accounts,
        }


@dataclass(slots=True)
class Draft:
    id: str
    broker: str
    name: str
    settings: dict[str, Any] = field(default_factory=dict)
    credentials: dict[str, str] = field(default_factory=dict)
    discovered: list[AccountInfo] = field(default_factory=list)
    oauth_state: str | None = None
    oauth: OAuthSettings | None = None
    redirect_uri: str = ""  # the code exchange must repeat the authorization request's
    authorized: bool = False
    mode: str | None = None  # ProjectX connection mode chosen in step 2


def _record(name: str) -> str:
    return f"connection:{name}"


def config_spec(conn: ConnectionConfig) -> ConnectionSpec:
    """A config file's connection, as the manager keeps it."""
    return ConnectionSpec(
        conn.name,
        conn.broker,
        "config",
        conn.execution,
        conn.mode,
        settings=config_settings(conn),
        accounts=[{"id": a.id, "nickname": a.nickname, "balance": a.balance} for a in conn.accounts or ()],
        adopt=conn.broker != "paper" and not conn.accounts,
        paper_account=conn.builtin_paper.model_dump() if conn.builtin_paper else None,
        paper_ref=conn.paper_account if isinstance(conn.paper_account, str) else None,
        live_account=conn.live_account,
    )


class ConnectionManager:
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
            return rt.core.now().timestamp()

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
        return self.rt.vault().get(self.rt.core.store, _record(name)) or {}

    async def start(self, name: str, wait: float = 5.0) -> None:
        supervisor = self.supervisors[name]
        supervisor.start()
        await supervisor.wait_connected(wait)

    async def stop_all(self) -> None:
        for supervisor in self.supervisors.values():
            await supervisor.stop()

    # ---- step 1: name

    def open_draft(self, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise BadRequest("body", "the body must be a JSON object")
        broker = body.get("broker")
        if not isinstance(broker, str) or broker not in BROKER_KINDS:
            raise RequestError("broker", f"must be one of {', '.join(BROKER_KINDS)}")
        kind = BROKER_KINDS[broker]
        name = body.get("name") or self._suggest_name(kind.label)
        self._check_name(name, "name")
        draft = Draft(secrets.token_hex(8), broker, name)
        self.drafts[draft.id] = draft
        return {
            "draft": draft.id,
            "broker": broker,
            "name": name,
            "step": "authenticate",
            "fields": list(kind.fields),
            "secret_fields": list(kind.secret_fields),  # clients read these without echo, never from argv
            "available": kind.available,
        }

    def _suggest_name(self, label: str) -> str:
        taken = set(self.specs) | {d.name for d in self.drafts.values()}
        if label not in taken:
            return label
        n = 2
        while f"{label} {n}" in taken:
            n += 1
        return f"{label} {n}"

    def _check_name(self, name: Any, field_name: str) -> None:
        if not isinstance(name, str) or not name.strip() or len(name) > 64:
            raise RequestError(field_name, "must be a name of 1 to 64 characters")
        if name in self.specs:
            raise Conflict(field_name, f"a connection named {name!r} exists already")

    def draft(self, draft_id: str) -> Draft:
        draft = self.drafts.get(draft_id)
        if draft is None:
            raise NotFound(
                "draft", f"no connection draft {draft_id!r}; start again with POST /v1/connections"
            )
        return draft

    # ---- step 2: authenticate and discover

    async def authenticate(self, draft_id: str, body: Any, *, base_url: str = "") -> dict[str, Any]:
        draft = self.draft(draft_id)
        kind = BROKER_KINDS[draft.broker]
        if not isinstance(body, dict):
            raise BadRequest("body", "the body must be a JSON object of the broker's step-2 fields")
        if kind.oauth and (draft.broker == "ninjatrader" or "username" not in body):
            return self._start_oauth(draft, body, base_url)
        if not kind.available:
            raise RequestError(
                "broker", f"the {draft.broker} adapter is not available in this build; use paper"
            )
        if draft.broker == "rithmic" and not self._rithmic_complete(body):
            return await self._rithmic_choices(draft, body)
        settings, creds = self._step2(draft, body)
        spec = ConnectionSpec(
            draft.name, draft.broker, "api", settings=settings, accounts=settings.get("accounts", [])
        )
        try:
            adapter = self.build(spec, creds)
        except ConfigError as exc:  # a replay file that is not a replay, a firm nobody knows
            raise RequestError("feed" if draft.broker == "paper" else "broker", str(exc)) from None
        discovered = await self._discover(adapter)
        draft.settings, draft.credentials, draft.discovered = settings, creds, discovered
        return self._select_step(draft)

    def _step2(self, draft: Draft, body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        """A step-2 answer split into settings and credentials, every field checked."""
        kind = BROKER_KINDS[draft.broker]
        if draft.broker not in ("paper", "loopback"):
            if "mode" in body:
                if not kind.connection_modes or body["mode"] not in CONNECTION_MODES:
                    raise RequestError("mode", f"must be one of {', '.join(CONNECTION_MODES)}")
                draft.mode = body["mode"]
            return broker_kinds.step2(draft.broker, {k: v for k, v in body.items() if k != "mode"})
        unknown = sorted(set(body) - set(kind.fields))
        if unknown:
            raise RequestError(
                unknown[0], f"not a field of a {draft.broker} connection; fields: {', '.join(kind.fields)}"
            )
        settings = {k: v for k, v in body.items() if k not in kind.secret_fields and k != "username"}
        creds = {k: str(v) for k, v in body.items() if k in kind.secret_fields or k == "username"}
        if draft.broker == "paper":
            accounts = body.get("accounts") or [
                {"id": f"PAPER-{secrets.randbelow(9000) + 1000}", "balance": 50_000}
            ]
            settings["accounts"] = self._paper_accounts(accounts)
            settings["feed"] = paper_feed(
                body.get("feed", "random_walk"), replay_roots(self.rt.config.config_dir)
            )
        else:
            for key in ("host", "port", "username", "password"):
                if body.get(key) in (None, ""):
                    raise RequestError(key, "is required")
            settings["host"], settings["port"] = broker_address(body["host"], body["port"])
            for key in ("username", "password"):
                if not isinstance(body[key], str) or len(body[key]) > 256:
                    raise RequestError(key, "must be text of at most 256 characters")
        return settings, creds

    @staticmethod
    async def _discover(adapter: BrokerAdapter) -> list[AccountInfo]:
        """Log in once, list the accounts with balance and equity, and log out."""
        try:
            await asyncio.wait_for(adapter.connect(), DISCOVERY_SECONDS)
            return adapter.accounts()
        except BrokerRefused as exc:
            raise Conflict("credentials", str(exc)) from None
        except (BrokerError, OSError, TimeoutError) as exc:
            raise Conflict("broker", f"cannot reach the broker: {exc or 'timed out'}") from None
        finally:
            await adapter.disconnect()

    @staticmethod
    def _select_step(draft: Draft) -> dict[str, Any]:
        return {
            "draft": draft.id,
            "name": draft.name,
            "step": "select",
            "accounts": [{"id": a.id, "balance": a.balance, "equity": a.equity} for a in draft.discovered],
        }

    @staticmethod
    def _rithmic_complete(body: dict[str, Any]) -> bool:
        return all(body.get(k) for k in ("username", "password", "system")) and bool(
            body.get("gateway") or body.get("endpoint")
        )

    async def _rithmic_choices(self, draft: Draft, body: dict[str, Any]) -> dict[str, Any]:
        """Rithmic's system list, and the gateway regions of the system chosen, asked of the
        gateway before a login (templates 16 and 20): what the seeds' dropdowns offer."""
        from ordergate.runtime.brokers.rithmic.client import RithmicBroker

        unknown = sorted(set(body) - set(BROKER_KINDS["rithmic"].fields))
        if unknown:
            raise RequestError(
                unknown[0],
                f"not a field of a rithmic connection; fields: {', '.join(BROKER_KINDS['rithmic'].fields)}",
            )
        where = broker_kinds.endpoint("rithmic", broker_kinds.text(body, "endpoint"))
        system = broker_kinds.text(body, "system")
        settings = {"system": system or "-", **({"endpoint": where} if where else {})}
        probe = RithmicBroker(draft.name, AdapterConfig(settings))
        try:
            systems, regions = await asyncio.wait_for(probe.discover(), DISCOVERY_SECONDS)
        except (BrokerError, OSError, TimeoutError) as exc:
            raise Conflict("broker", f"cannot reach the Rithmic gateway: {exc or 'timed out'}") from None
        finally:
            await probe.disconnect()
        if system is not None and system not in systems:
            raise RequestError("system", f"not a system of this gateway; systems: {', '.join(systems)}")
        missing = [k for k in ("username", "password", "system") if not body.get(k)]
        if not where and not body.get("gateway"):
            missing.append("gateway")
        return {
            "draft": draft.id,
            "name": draft.name,
            "step": "authenticate",
            "systems": systems,
            "gateways": sorted(regions) if system else [],
            "missing": missing,
        }

    def _start_oauth(self, draft: Draft, body: dict[str, Any], base_url: str) -> dict[str, Any]:
        unknown = sorted(set(body) - {"environment", "endpoint"})
        if unknown:
            raise RequestError(
                unknown[0],
                f"not a field of {draft.broker}'s OAuth sign-in; fields: environment, endpoint"
                + (
                    ""
                    if draft.broker == "ninjatrader"
                    else " (or username, password… for the credentials flow)"
                ),
            )
        where = broker_kinds.endpoint(draft.broker, broker_kinds.text(body, "endpoint"))
        environment = broker_kinds.environment(draft.broker, broker_kinds.text(body, "environment"), "demo")
        assert environment is not None
        draft.oauth = OAuthSettings.from_env(environment, endpoint=where)
        draft.oauth_state = new_state()
        draft.settings = {"endpoint": where} if where else {"environment": environment}
        draft.redirect_uri = f"{base_url}/v1/oauth/callback"
        url = authorize_url(draft.oauth, draft.redirect_uri, draft.oauth_state)
        return {"draft": draft.id, "name": draft.name, "step": "authorize", "authorize_url": url}

    async def oauth_callback(self, state: str | None, code: str | None, error: str | None) -> dict[str, Any]:
        """The broker's redirect back: exchange the code, seal the token, sign in with it
        and list the accounts for step 3."""
        draft = next((d for d in self.drafts.values() if state and d.oauth_state == state), None)
        if draft is None or draft.oauth is None:
            raise NotFound(
                "state", "this authorization is unknown or was already used; start the connection again"
            )
        draft.oauth_state = None  # single use
        if error:
            raise Conflict("code", f"the broker did not authorize the connection: {error}")
        tokens = await exchange(draft.oauth, require(code, "code"), draft.redirect_uri)
        self.rt.vault().put(self.rt.core.store, f"draft:{draft.id}", tokens)
        draft.authorized = True
        creds = token_credentials(tokens, self.rt.core.now())
        spec = ConnectionSpec(draft.name, draft.broker, "api", settings=dict(draft.settings))
        adapter = self.build(spec, creds)
        draft.discovered = await self._discover(adapter)
        draft.credentials = creds
        return {**self._select_step(draft), "authorized": True}

    @staticmethod
    def _paper_accounts(accounts: Any) -> list[dict[str, Any]]:
        if not isinstance(accounts, list) or not accounts:
            raise RequestError("accounts", 'must be a list such as [{"id": "PAPER-2", "balance": 50000}]')
        out = []
        for i, a in enumerate(accounts):
            if not isinstance(a, dict) or not isinstance(a.get("id"), str) or not a["id"]:
                raise RequestError(f"accounts[{i}].id", "is required")
            if len(a["id"]) > 64:
                raise RequestError(f"accounts[{i}].id", "must be at most 64 characters")
            balance = a.get("balance", 50_000)
            if (
                isinstance(balance, bool)
                or not isinstance(balance, int | float)
                or not 0 <= balance <= MAX_BALANCE
            ):
                raise RequestError(
                    f"accounts[{i}].balance", f"must be a number of dollars from 0 to {MAX_BALANCE:,.0f}"
                )
            out.append({"id": a["id"], "balance": float(balance)})
        return out

    # ---- step 3: select accounts

    async def select(self, draft_id: str, body: Any) -> dict[str, Any]:
        draft = self.draft(draft_id)
        if not draft.discovered:
            raise Conflict("draft", "authenticate first: POST /v1/connections/drafts/{id}/authenticate")
        body = body if isinstance(body, dict) else {}
        choices = body.get("accounts")
        found = {a.id: a for a in draft.discovered}
        if choices is None:
            choices = [{"id": a.id, "import": True} for a in draft.discovered]
        if not isinstance(choices, list):
            raise RequestError("accounts", "must be a list of {id, import, nickname}")
        chosen: list[dict[str, Any]] = []
        for i, c in enumerate(choices):
            if not isinstance(c, dict) or not isinstance(c.get("id"), str) or c["id"] not in found:
                raise RequestError(
                    f"accounts[{i}].id", f"not an account of this login; discovered: {', '.join(found)}"
                )
            if c.get("import", True) is False:
                continue
            if c["id"] in self.rt.core.accounts:
                raise Conflict(f"accounts[{i}].id", f"account {c['id']} is already connected")
            nickname = c.get("nickname")
            if nickname is not None and (not isinstance(nickname, str) or len(nickname) > 64):
                raise RequestError(
                    f"accounts[{i}].nickname", "must be text of at most 64 characters, or null"
                )
            info = found[c["id"]]
            chosen.append({"id": info.id, "balance": info.balance, "nickname": c.get("nickname")})
        if not chosen:
            raise RequestError("accounts", "choose at least one account to import")
        execution = body.get("execution", "broker_native")
        if execution not in EXECUTIONS:
            raise RequestError("execution", f"must be one of {', '.join(EXECUTIONS)}")
        mode = body.get("mode", draft.mode)
        if mode is not None and (
            not BROKER_KINDS[draft.broker].connection_modes or mode not in CONNECTION_MODES
        ):
            raise RequestError(
                "mode", f"connection mode is for ProjectX connections: {', '.join(CONNECTION_MODES)}"
            )
        live, paper_ref, builtin = live_and_paper(
            draft.broker, body, [c["id"] for c in chosen], set(self.rt.core.accounts)
        )
        self.check_plan(extra_connections=1, extra_accounts=len(chosen) + (builtin is not None))
        spec = ConnectionSpec(draft.name, draft.broker, "api", execution, mode, draft.settings, chosen)
        spec.live_account, spec.paper_ref, spec.paper_account = live, paper_ref, builtin
        if draft.broker == "paper":
            spec.settings["accounts"] = chosen
        await self.add(spec, draft.credentials)
        del self.drafts[draft.id]
        if draft.authorized:  # the token is sealed under the connection's own record now
            self.rt.core.store.delete_secret(f"draft:{draft.id}")
        return self.view(spec.name)

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
                rt.vault().put(rt.core.store, _record(spec.name), credentials)
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
            rt.core.store.delete_secret(_record(name))
            if creds:  # the record's identity is in the seal: a new name is a new seal
                rt.vault().put(rt.core.store, _record(new), creds)
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
            self.rt.core.store.delete_secret(_record(name))
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
