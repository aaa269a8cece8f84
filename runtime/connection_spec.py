"""A broker connection as the runtime keeps it: its name, broker, origin, execution, mode,
non-secret settings and accounts (``ConnectionSpec``), from a config file
(``config_spec``) or the API's add flow, and the vault record its credentials are
sealed under.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ordergate.runtime.broker_kinds import config_settings

if TYPE_CHECKING:
    from ordergate.policy.models import ConnectionConfig

EXECUTIONS = ("broker_native", "managed")
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


def vault_record(name: str) -> str:
    """The vault record an API-added connection's credentials are sealed under."""
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
