"""Semantic checks of Runtime documents, beyond their shape: what each broker needs,
feeds, the listen address, the store URL and the plan's limits.

They live with the other document checks so that ``ordergate validate`` reports them
with file:line:col before a runtime ever starts.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from ordergate.policy.diagnostics import Diagnostic
from ordergate.policy.source import Document

if TYPE_CHECKING:
    from ordergate.policy.models import ConnectionConfig, RuntimeDocument

PLAN_LIMITS: dict[str, tuple[int | None, int]] = {
    "starter": (2, 10),
    "pro": (5, 20),
    "ultra": (None, 150),
}
NEXT_PLAN = {"starter": "pro", "pro": "ultra"}
REQUIRED_CREDENTIALS = {
    "rithmic": ("username", "password"),
    "projectx": ("username", "api_key"),
}
ENVIRONMENTS = {
    "projectx": ("live", "simulation"),
    "tradovate": ("demo", "live"),
    "ninjatrader": ("demo", "live"),
}
ENDPOINT_SCHEMES = {
    "rithmic": ("ws", "wss"),
    "projectx": ("http", "https"),
    "tradovate": ("http", "https"),
    "ninjatrader": ("http", "https"),
}
# what `endpoint:` stands in for (DESIGN §8.0): given both, the endpoint wins
REPLACED_BY_ENDPOINT = {
    "rithmic": ("gateway",),
    "projectx": ("firm", "environment"),
    "tradovate": ("environment",),
    "ninjatrader": ("environment",),
}
_ENDPOINT = re.compile(r"^([a-z]+)://[^/\s]+(/\S*)?$")
_LISTEN = re.compile(r"^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):([0-9]{1,5})$")


def plan_refusal(
    plan: str, connections: int, accounts: int, *, adding: tuple[int, int] | None = None
) -> str | None:
    """Why a plan cannot hold this many connections and accounts, naming the plan that can.

    ``adding`` is the (connections, accounts) an add brings on top of those in use, which
    the message then counts apart: "2 are in use and this adds 1", not "3 are configured".
    """
    max_conn, max_acc = PLAN_LIMITS[plan]
    upgrade = NEXT_PLAN.get(plan)
    lift = f"; the {upgrade} plan allows {_limits_text(upgrade)}" if upgrade else ""

    def count(total: int, added: int | None) -> str:
        return (
            f"{total} are configured"
            if added is None
            else f"{total - added} are in use and this adds {added}"
        )

    if max_conn is not None and connections > max_conn:
        return f"the {plan} plan allows {max_conn} connections, and {count(connections, None if adding is None else adding[0])}{lift}"
    if accounts > max_acc:
        return f"the {plan} plan allows {max_acc} accounts, and {count(accounts, None if adding is None else adding[1])}{lift}"
    return None


def _limits_text(plan: str) -> str:
    max_conn, max_acc = PLAN_LIMITS[plan]
    return f"{'unlimited' if max_conn is None else max_conn} connections and {max_acc} accounts"


def _missing_rules(doc: Document, rules: str) -> str | None:
    """The rules path as the runtime will read it (relative to the config file's folder),
    when nothing is there; None when it exists or cannot be known before start-up."""
    if "${" in rules:
        return None
    given = Path(rules).expanduser()
    where = given if given.is_absolute() else Path(doc.source.name).parent / given
    return None if where.exists() else str(where)


def check_runtime(doc: Document, model: RuntimeDocument) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    spec = model.spec

    def add(path: tuple[str | int, ...], code: str, message: str, hint: str | None = None) -> None:
        out.append(doc.source.diagnostic(doc.pos(path), code, message, hint=hint))

    if spec.api is not None:
        m = _LISTEN.match(spec.api.listen)
        if not m or not 0 < int(m.group(2)) < 65536:
            add(
                ("spec", "api", "listen"),
                "format",
                f"spec.api.listen must be host:port, e.g. 127.0.0.1:8787 (got {spec.api.listen!r})",
            )
    # an explicit rules: line that names nothing (a typo) would start a runtime with no policy
    missing = _missing_rules(doc, spec.rules) if ("spec", "rules") in doc.values else None
    if missing is not None:
        add(
            ("spec", "rules"),
            "no-such-path",
            f"spec.rules: {missing} does not exist; the runtime would start with no policy and block every entry",
            "paths in a runtime config are relative to the config file",
        )
    if not spec.store.startswith(("sqlite:///", "postgresql://", "postgres://")):
        add(
            ("spec", "store"),
            "format",
            f"spec.store must be sqlite:///path or postgresql://... (got {spec.store!r})",
        )
    names: set[str] = set()
    account_ids: set[str] = set()
    connections = spec.connections or []
    for i, conn in enumerate(connections):
        base: tuple[str | int, ...] = ("spec", "connections", i)
        if conn.name in names:
            add((*base, "name"), "duplicate-name", f"two connections are named '{conn.name}'")
        names.add(conn.name)
        for j, acct in enumerate(conn.accounts or []):
            if acct.id in account_ids:
                add((*base, "accounts", j, "id"), "duplicate-name", f"account {acct.id} is configured twice")
            account_ids.add(acct.id)
        out.extend(_builtin_paper(doc, conn, base, account_ids))
        if conn.broker == "paper":
            if not conn.accounts:
                add(
                    base,
                    "missing-field",
                    f"paper connection '{conn.name}' needs accounts, e.g. [{{id: PAPER-1, balance: 50000}}]",
                )
            feed = conn.feed or "random_walk"
            if feed not in ("random_walk", "manual") and not (feed.startswith("replay:") and len(feed) > 7):
                add(
                    (*base, "feed"),
                    "enum",
                    f"unknown feed {feed!r}; feeds: random_walk, manual, replay:<file>",
                )
        elif conn.feed is not None:
            add(
                (*base, "feed"),
                "not-for-broker",
                f"feed is for paper connections; {conn.broker} streams its own quotes",
            )
        if conn.mode is not None and conn.broker != "projectx":
            add(
                (*base, "mode"),
                "not-for-broker",
                f"connection mode is for ProjectX connections, not {conn.broker}",
            )
        for key in REQUIRED_CREDENTIALS.get(conn.broker, ()):
            if not (conn.credentials or {}).get(key):
                add(
                    (*base, "credentials"),
                    "missing-field",
                    f"a {conn.broker} connection needs credentials.{key}",
                    "reference it as ${env:NAME}",
                )
        out.extend(_broker_fields(doc, conn, base))
    refusal = plan_refusal(spec.plan, len(connections), len(account_ids))
    if refusal:
        add(("spec", "plan"), "plan-limit", refusal)
    return out


def _builtin_paper(
    doc: Document, conn: ConnectionConfig, base: tuple[str | int, ...], account_ids: set[str]
) -> list[Diagnostic]:
    """A built-in paper account (``paper_account: {id, balance}``): on a real broker's
    connection only, with an id no other account has; it counts against the plan."""
    paper = conn.builtin_paper
    if paper is None:
        return []
    where = (*base, "paper_account", "id")
    if conn.broker == "paper":
        first = next((a.id for a in conn.accounts or ()), "PAPER-1")
        return [
            doc.source.diagnostic(
                doc.pos((*base, "paper_account")),
                "not-for-broker",
                f"every account of paper connection '{conn.name}' is a paper account already; "
                "a built-in paper account is for a real broker's connection",
                hint=f"name one of its accounts: paper_account: {first}",
            )
        ]
    out = []
    if paper.id in account_ids:
        out.append(
            doc.source.diagnostic(doc.pos(where), "duplicate-name", f"account {paper.id} is configured twice")
        )
    elif paper.id == conn.live_account:
        out.append(
            doc.source.diagnostic(
                doc.pos(where),
                "duplicate-name",
                f"{paper.id} is this connection's live_account; the paper account needs an id of its own",
            )
        )
    account_ids.add(paper.id)
    return out


def _broker_fields(doc: Document, conn: ConnectionConfig, base: tuple[str | int, ...]) -> list[Diagnostic]:
    """The fields that say where a real broker is: region, firm, environment or endpoint."""
    out: list[Diagnostic] = []

    def add(
        path: tuple[str | int, ...], code: str, message: str, hint: str | None = None, severity: str = "error"
    ) -> None:
        out.append(doc.source.diagnostic(doc.pos(path), code, message, hint=hint, severity=severity))

    broker = conn.broker
    if broker == "paper":
        for key in ("endpoint", "system", "gateway", "firm", "environment"):
            if getattr(conn, key) is not None:
                add((*base, key), "not-for-broker", f"{key} is for real brokers; a paper connection has none")
        return out
    if conn.endpoint is not None:
        m = _ENDPOINT.match(conn.endpoint)
        schemes = ENDPOINT_SCHEMES[broker]
        if not m or m.group(1) not in schemes:
            add(
                (*base, "endpoint"),
                "format",
                f"a {broker} endpoint is a {' or '.join(s + '://' for s in schemes)} address, not {conn.endpoint!r}",
                "e.g. what `ordergate simulate " + broker + "` prints on its first line",
            )
        for key in REPLACED_BY_ENDPOINT[broker]:
            if getattr(conn, key) is not None:
                add(
                    (*base, key),
                    "ignored",
                    f"{key} is ignored: endpoint {conn.endpoint} says where the broker is",
                    severity="warning",
                )
    if conn.environment is not None and conn.environment not in ENVIRONMENTS[broker]:
        add(
            (*base, "environment"),
            "enum",
            f"a {broker} environment is {' or '.join(ENVIRONMENTS[broker])}, not {conn.environment}",
        )
    if broker == "rithmic":
        if conn.system is None:
            add(base, "missing-field", "a rithmic connection needs system (the prop firm, e.g. Apex)")
        if conn.gateway is None and conn.endpoint is None:
            add(base, "missing-field", "a rithmic connection needs gateway (a region) or endpoint")
    else:
        for key in ("system", "gateway"):
            if getattr(conn, key) is not None:
                add((*base, key), "not-for-broker", f"{key} is for Rithmic connections, not {broker}")
    if conn.firm is not None and broker != "projectx":
        add((*base, "firm"), "not-for-broker", f"firm is for ProjectX connections, not {broker}")
    creds = conn.credentials or {}
    if broker == "tradovate" and not creds.get("access_token"):
        for key in ("username", "password"):
            if not creds.get(key):
                add(
                    (*base, "credentials"),
                    "missing-field",
                    f"a tradovate connection needs credentials.{key} (or add it through OAuth with the API)",
                    "reference it as ${env:NAME}",
                )
    if broker == "ninjatrader" and not creds.get("access_token"):
        add(
            base,
            "missing-field",
            "a ninjatrader connection signs in through OAuth: add it with `ordergate connections add "
            "ninjatrader` (or the API's three steps), or give credentials.access_token",
        )
    return out
