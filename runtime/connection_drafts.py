"""The API's three-step add flow (see ``connections``): a draft named (step 1), its
broker's credentials tried and the accounts discovered (step 2, or the OAuth sign-in
and its callback), the accounts chosen and the connection added (step 3).

``DraftSteps`` is the part of ``ConnectionManager`` that keeps the drafts; it builds,
checks the plan and adds through the manager's own methods, named below for the type
checker.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ordergate.runtime import broker_kinds
from ordergate.runtime.broker_kinds import BROKER_KINDS
from ordergate.runtime.brokers.base import AccountInfo, AdapterConfig, BrokerAdapter
from ordergate.runtime.connection_fields import (
    MAX_BALANCE,
    broker_address,
    live_and_paper,
    paper_feed,
    replay_roots,
)
from ordergate.runtime.connection_spec import CONNECTION_MODES, EXECUTIONS, ConnectionSpec
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

if TYPE_CHECKING:
    from ordergate.runtime.service import Runtime

DISCOVERY_SECONDS = 10.0  # a login and the account list, in the add flow


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


class DraftSteps:
    """Steps 1 to 3 of adding a connection through the API, on the manager's drafts."""

    rt: Runtime
    specs: dict[str, ConnectionSpec]
    drafts: dict[str, Draft]

    if TYPE_CHECKING:  # the manager's own, which the steps end in

        def build(self, spec: ConnectionSpec, credentials: dict[str, str]) -> BrokerAdapter: ...
        def check_plan(self, extra_connections: int = 0, extra_accounts: int = 0) -> None: ...
        async def add(self, spec: ConnectionSpec, credentials: dict[str, str]) -> None: ...
        def view(self, name: str) -> dict[str, Any]: ...

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
