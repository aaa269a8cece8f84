"""The documents' shapes, as pydantic models: the one source of truth for the JSON Schemas.

``schemas/*.json`` are generated from these models (``ordergate schema``) and a test fails
when the committed files are stale. Ranges and defaults are the seeds'. Fields whose
meaning needs more than a shape (times, durations, lock kinds, expressions) are strings
here with a pattern, and are checked with a precise message by ``semantics``.
"""

from __future__ import annotations

import ipaddress
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# named here too, as before; they live where the loader can read them without pydantic
from ordergate.policy.field_patterns import DURATION_PATTERN as DURATION_PATTERN
from ordergate.policy.field_patterns import LOCK_PATTERN as LOCK_PATTERN
from ordergate.policy.field_patterns import NAME_PATTERN as NAME_PATTERN
from ordergate.policy.field_patterns import TIME_PATTERN as TIME_PATTERN
from ordergate.policy.kinds import API_VERSION as API_VERSION
from ordergate.policy.kinds import KINDS as KINDS
from ordergate.policy.kinds import SUPPORTED_API_VERSIONS as SUPPORTED_API_VERSIONS

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Metadata(Strict):
    name: Annotated[
        str, Field(pattern=NAME_PATTERN, description="Lower-case name, unique per kind in a bundle.")
    ]
    version: Annotated[
        int | None,
        Field(
            ge=1,
            description="Integer the author bumps on every change; shown with every decision as name@version.",
        ),
    ] = None
    description: Annotated[str | None, Field(description="Free text for people.")] = None
    labels: Annotated[dict[str, str] | None, Field(description="Free-form key/value labels.")] = None


# ---------------------------------------------------------------- RiskPolicy


class DailyLimits(Strict):
    loss: Annotated[
        float, Field(ge=0, le=1_000_000, description="Maximum loss per trading day in dollars; 0 = off.")
    ] = 0
    profit_target: Annotated[
        float, Field(ge=0, le=1_000_000, description="Profit target per trading day in dollars; 0 = off.")
    ] = 0


class WeeklyLimits(Strict):
    loss: Annotated[
        float, Field(ge=0, le=5_000_000, description="Maximum loss per trading week in dollars; 0 = off.")
    ] = 0
    profit_target: Annotated[
        float, Field(ge=0, le=5_000_000, description="Profit target per trading week in dollars; 0 = off.")
    ] = 0


class TrailingDrawdown(Strict):
    amount: Annotated[
        float,
        Field(
            gt=0,
            le=5_000_000,
            description="Distance in dollars of the threshold below the equity high-water mark.",
        ),
    ]
    mode: Annotated[
        Literal["intraday", "end_of_day"],
        Field(description="intraday trails on every equity tick; end_of_day only at the trading-day roll."),
    ] = "intraday"
    stop_at: Annotated[
        float | None, Field(gt=0, description="Equity level at which the threshold stops rising.")
    ] = None


class OnBreach(Strict):
    action: Annotated[
        Literal["alert_only", "lock", "flatten_and_lock"],
        Field(
            description="alert_only blocks the entry and leaves the account unlocked; lock blocks all non-exit orders; flatten_and_lock closes every position first."
        ),
    ] = "alert_only"
    lock: Annotated[
        str,
        Field(
            pattern=LOCK_PATTERN,
            description="manual | 6h | 12h | session:<boundary> | HH:MM (policy timezone).",
        ),
    ] = "manual"
    enforce: Annotated[
        bool,
        Field(
            description="Refuse manual unlock before the lock expires; only with a lock other than manual."
        ),
    ] = False


class Limits(Strict):
    daily: DailyLimits | None = None
    weekly: WeeklyLimits | None = None
    trailing_drawdown: TrailingDrawdown | None = None
    on_breach: OnBreach | None = None


class Hours(Strict):
    start: Annotated[
        str, Field(pattern=TIME_PATTERN, description="Earliest time for entries, HH:MM 24h.")
    ] = "09:30"
    end: Annotated[
        str,
        Field(
            pattern=TIME_PATTERN,
            description="Entries allowed before this time, HH:MM 24h; earlier than start = overnight window.",
        ),
    ] = "16:00"
    days: Annotated[
        list[Weekday],
        Field(min_length=1, description="Active days; an overnight window belongs to the day it starts."),
    ] = ["mon", "tue", "wed", "thu", "fri"]
    exit_before: Annotated[
        bool | int | str | None,
        Field(
            description="Auto-flatten this many minutes (1-120; true = 5) before the end of hours or a blackout."
        ),
    ] = None


class Blackout(Strict):
    name: Annotated[str, Field(min_length=1, description="Shown in the block message, e.g. FOMC Decision.")]
    start: Annotated[str, Field(description="One-time: local date-time YYYY-MM-DDTHH:MM; recurring: HH:MM.")]
    end: Annotated[
        str,
        Field(
            description="One-time: local date-time; recurring: HH:MM (earlier than start crosses midnight)."
        ),
    ]
    every: Annotated[
        Weekday | list[Weekday] | None,
        Field(description="Makes the blackout recurring on these days of every week."),
    ] = None


class Positions(Strict):
    max_contracts_per_order: Annotated[
        int | None, Field(ge=1, le=10_000, description="Most contracts in one order.")
    ] = None
    max_position_size: Annotated[
        int | None, Field(ge=1, le=10_000, description="Most contracts held in one symbol.")
    ] = None
    max_open_positions: Annotated[
        int | None, Field(ge=1, le=100, description="Most distinct symbols open at once.")
    ] = None


class ContractRule(Strict):
    symbol: Annotated[str, Field(min_length=1, description="Canonical root, e.g. ES, NQ, GC.")]
    mode: Annotated[
        Literal["block", "cap"], Field(description="block prevents entries; cap limits contracts per order.")
    ]
    max_contracts: Annotated[
        int | None, Field(ge=1, le=10_000, description="Cap per order (cap mode only).")
    ] = None


class QuoteHealth(Strict):
    policy: Annotated[
        Literal["strict", "warn"],
        Field(description="strict blocks entries on a stale or missing quote; warn adds a warning."),
    ] = "strict"
    stale_after: Annotated[
        str | int | float, Field(description="Quote age beyond which it is stale: 1-300 seconds, e.g. 20s.")
    ] = "20s"


class CustomRule(Strict):
    name: Annotated[
        str,
        Field(pattern=NAME_PATTERN, description="Unique within the policy; the block code is rule:<name>."),
    ]
    when: Annotated[
        str,
        Field(
            min_length=1, description="Expression in the ordergate language; the rule fires when it is true."
        ),
    ]
    action: Annotated[
        Literal["block", "warn"], Field(description="block denies the entry; warn adds a warning.")
    ] = "block"
    message: Annotated[str | None, Field(description="Shown when the rule fires.")] = None


class RiskPolicySpec(Strict):
    accounts: Annotated[list[str], Field(description="Glob patterns on account id or nickname.")] = []
    extends: Annotated[
        str | None,
        Field(pattern=NAME_PATTERN, description="Deep-merge over another policy: maps merge, lists replace."),
    ] = None
    timezone: Annotated[str, Field(description="IANA timezone for hours, blackouts and HH:MM locks.")] = (
        "America/New_York"
    )
    limits: Limits | None = None
    hours: Hours | None = None
    blackouts: list[Blackout] | None = None
    positions: Positions | None = None
    contracts: list[ContractRule] | None = None
    quote_health: QuoteHealth | None = None
    sync_divergence_guard: Annotated[
        bool, Field(description="Pause automation when a broker sync shows a held position gone.")
    ] = True
    rules: list[CustomRule] | None = None


class RiskPolicyDocument(Strict):
    """The risk settings of one group of accounts."""

    apiVersion: Literal["ordergate/v1"]
    kind: Literal["RiskPolicy"]
    metadata: Metadata
    spec: RiskPolicySpec


# ---------------------------------------------------------------- PolicyTest

Number = int | float


class LockState(Strict):
    until: str | None = None
    enforce: bool = False
    reason: str | None = None


class AccountState(Strict):
    id: str | None = None
    nickname: str | None = None
    enabled: bool = True
    locked: bool | LockState = False
    balance: Number | None = None
    equity: Number | None = None
    peak_equity: Number | None = None


class PositionState(Strict):
    qty: int
    avg_price: Number = 0


class PnlState(Strict):
    daily_realized: Number = 0
    weekly_realized: Number = 0


class TradesState(Strict):
    daily: int = 0
    weekly: int = 0


class QuoteState(Strict):
    bid: Number | None = None
    ask: Number | None = None
    last: Number | None = None
    age: Annotated[str | Number | None, Field(description="Age relative to the case's `at`, e.g. 2s.")] = None
    time: Annotated[str | None, Field(description="ISO 8601 time of the quote, instead of age.")] = None


class WorkingState(Strict):
    buy: Annotated[int, Field(ge=0, description="Contracts in working buy entries.")] = 0
    sell: Annotated[int, Field(ge=0, description="Contracts in working sell entries.")] = 0


class State(Strict):
    account: AccountState | None = None
    positions: dict[str, PositionState] | None = None
    pnl: PnlState | None = None
    trades: TradesState | None = None
    quotes: dict[str, QuoteState] | None = None
    automation_paused: bool = False
    working: Annotated[
        dict[str, WorkingState] | None,
        Field(
            description="Entry orders resting at the broker, in contracts by symbol (any spelling; "
            "read as its root), e.g. {ES: {buy: 2, sell: 1}}. The positions stage judges the worst "
            "case: max_position_size counts the position plus every working order on the order's "
            "side plus the order, and a symbol with a working entry is open for max_open_positions. "
            "Working exits are not listed; an order that only reduces the held position stays an exit."
        ),
    ] = None


class OrderSpec(Strict):
    symbol: str
    side: Literal["buy", "sell"]
    qty: Annotated[int, Field(ge=1)]
    type: Literal["market", "limit", "stop", "stop_limit"] = "market"
    source: Annotated[
        str, Field(description="manual, api, webhook, copy, cli; anything but manual counts as automation.")
    ] = "manual"
    price: Number | None = None
    stop_price: Number | None = None
    intent: Annotated[
        Literal["open", "close", "flatten"],
        Field(
            description="close and flatten mark an order meant to exit: it is an exit when it reduces "
            "the position by no more than is held; otherwise it is judged as any other order."
        ),
    ] = "open"
    account: str | None = None
    client_order_id: str | None = None


class Expect(Strict):
    outcome: Literal["allow", "block"] | None = None
    stage: str | None = None
    code: str | None = None
    exit: bool | None = None
    actions: list[Literal["lock", "flatten"]] | None = None
    warnings: list[str] | None = None
    message: Annotated[str | None, Field(description="A substring the decision's message must contain.")] = (
        None
    )
    until: Annotated[
        str | None,
        Field(
            description="The expiry of the decision's lock action, an ISO 8601 instant with an offset "
            "or Z; compared as an instant, so any offset may be used."
        ),
    ] = None


class TestCase(Strict):
    name: Annotated[str, Field(min_length=1)]
    at: Annotated[str, Field(description="ISO 8601 instant with an offset or Z.")]
    account: Annotated[
        str | None, Field(description="Bind the policy by account instead of spec.policy.")
    ] = None
    state: State | None = None
    order: OrderSpec
    expect: Expect


class PolicyTestSpec(Strict):
    policy: Annotated[str | None, Field(description="Name of the RiskPolicy under test.")] = None
    cases: Annotated[list[TestCase], Field(min_length=1)]


class PolicyTestDocument(Strict):
    """Test cases for a policy; usually in *.test.yaml."""

    apiVersion: Literal["ordergate/v1"]
    kind: Literal["PolicyTest"]
    metadata: Metadata
    spec: PolicyTestSpec


# ---------------------------------------------------------------- Runtime


class ApprovalConfig(Strict):
    auto_submit: Annotated[
        bool,
        Field(
            description="false: a signal waits in the approval queue (GET /v1/signals, ordergate signals) "
            "until a person approves it, and goes through the check chain then."
        ),
    ] = True
    expire_after: Annotated[
        str,
        Field(
            pattern=r"^\s*[0-9]+(\.[0-9]+)?\s*(s|m|h|d)\s*$",
            description="How long a queued signal waits for approval (30s, 5m, 1h); expired, it is never sent.",
        ),
    ] = "5m"


class WebhookConfig(Strict):
    name: Annotated[
        str, Field(min_length=1, description="A label for the alert source, e.g. tradingview-es.")
    ]
    secret: Annotated[
        str, Field(description="The secret part of the webhook URL; reference it as ${env:NAME}.")
    ]
    account: Annotated[
        str | None,
        Field(
            min_length=1,
            description="The account the alerts trade, or a connection's name (its live or paper "
            "account, by mode). One of account and accounts.",
        ),
    ] = None
    accounts: Annotated[
        list[Annotated[str, Field(min_length=1)]] | None,
        Field(
            min_length=1,
            description="Parallel account execution: every alert goes to each of these accounts (or "
            "connections), each order through its own check chain; the answer lists each account's result.",
        ),
    ] = None
    mode: Annotated[
        Literal["live", "paper"] | None,
        Field(
            description="Trade each target's live or paper account, as its connection names them "
            "(live_account, paper_account); unset: the accounts as named."
        ),
    ] = None
    tickers: Annotated[
        list[Annotated[str, Field(min_length=1)]] | None,
        Field(
            description="Allowed tickers: a root (MNQ, any of its contracts) or a contract (MNQU2026); "
            "an alert for another ticker is refused with a 422. Unset: any ticker."
        ),
    ] = None
    allow_ips: Annotated[
        list[str] | None,
        Field(
            description="Addresses or networks (203.0.113.7, 52.89.214.0/24) alerts may come from; "
            "others get a 403. The peer address of the connection, unless trusted_proxies says otherwise."
        ),
    ] = None
    trusted_proxies: Annotated[
        list[str] | None,
        Field(
            description="Proxies in front of the runtime: only from these is X-Forwarded-For read, "
            "and the first address in it that is not one of them counts as the sender's."
        ),
    ] = None
    approval: ApprovalConfig | None = None

    @field_validator("allow_ips", "trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str] | None) -> list[str] | None:
        for item in value or ():
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(f"{item!r} is not an IP address or network such as 203.0.113.0/24") from None
        return value

    @model_validator(mode="after")
    def _one_target(self) -> WebhookConfig:
        if (self.account is None) == (self.accounts is None):
            raise ValueError("a webhook names account (one) or accounts (several), and not both")
        return self

    def targets(self) -> list[str]:
        return list(self.accounts) if self.accounts is not None else [self.account or ""]


class ApiConfig(Strict):
    listen: Annotated[str, Field(description="host:port; loopback by default.")] = "127.0.0.1:8787"
    allow_remote: Annotated[
        bool,
        Field(
            description="Let listen name an address beyond loopback. The API is plain HTTP: tokens and "
            "orders then cross the network in clear text unless a TLS proxy fronts it."
        ),
    ] = False
    tokens: Annotated[
        list[str] | None, Field(description="Bearer tokens; reference secrets as ${env:NAME}.")
    ] = None
    webhooks: Annotated[
        list[WebhookConfig] | None,
        Field(description="TradersPost-style alert endpoints: POST /v1/webhooks/<secret>."),
    ] = None


class AccountConfig(Strict):
    id: Annotated[str, Field(min_length=1)]
    nickname: str | None = None
    balance: Annotated[Number, Field(ge=0)] = 50_000
    enabled: bool = True


class PaperAccountConfig(Strict):
    """A built-in paper account on a real broker's connection: orders for it go through its
    own chain and are filled by the paper matching at the connection's own bid and ask."""

    id: Annotated[str, Field(min_length=1, max_length=64)]
    nickname: str | None = None
    balance: Annotated[float, Field(ge=0, le=1e12, description="Dollars.")] = 50_000


class ConnectionConfig(Strict):
    name: Annotated[str, Field(min_length=1)]
    broker: Literal["paper", "tradovate", "ninjatrader", "projectx", "rithmic"]
    accounts: list[AccountConfig] | None = None
    feed: Annotated[str | None, Field(description="Paper only: random_walk | manual | replay:<file>.")] = None
    latency_ms: Annotated[
        int, Field(ge=0, le=60_000, description="Paper only: answer and report every order this late.")
    ] = 0
    partial_fills: Annotated[bool, Field(description="Paper only: fill every order in two parts.")] = False
    execution: Literal["broker_native", "managed"] = "broker_native"
    mode: Annotated[
        Literal["auto", "websocket", "polling"] | None, Field(description="ProjectX connection mode.")
    ] = None
    environment: Annotated[
        Literal["live", "demo", "simulation"] | None,
        Field(description="ProjectX: live | simulation; Tradovate and NinjaTrader: demo | live."),
    ] = None
    system: Annotated[str | None, Field(description="Rithmic system or prop firm, e.g. Apex.")] = None
    gateway: Annotated[
        str | None, Field(description="Rithmic gateway region, e.g. chicago (not with endpoint).")
    ] = None
    firm: Annotated[
        str | None, Field(description="ProjectX prop firm, e.g. topstepx (not with endpoint).")
    ] = None
    endpoint: Annotated[
        str | None,
        Field(
            description="The broker's address instead of its region, firm or environment: "
            "`ordergate simulate` or a private gateway (ws://… for Rithmic, http://… for the others)."
        ),
    ] = None
    credentials: Annotated[
        dict[str, str] | None, Field(description="Reference secrets as ${env:NAME}; never literal.")
    ] = None
    live_account: Annotated[
        str | None, Field(min_length=1, description="The account a webhook with mode: live trades.")
    ] = None
    paper_account: Annotated[
        Annotated[str, Field(min_length=1)] | PaperAccountConfig | None,
        Field(
            description="The account a webhook with mode: paper trades: one of the broker's own demo "
            "or simulated accounts by id, or {id, balance} for a built-in paper account that is "
            "filled at this connection's own quotes.",
        ),
    ] = None

    @property
    def paper_account_id(self) -> str | None:
        """The paper account's id, whichever kind it is."""
        paper = self.paper_account
        return paper.id if isinstance(paper, PaperAccountConfig) else paper

    @property
    def builtin_paper(self) -> PaperAccountConfig | None:
        """The built-in paper account this connection declares, if any."""
        return self.paper_account if isinstance(self.paper_account, PaperAccountConfig) else None


class RuntimeSpec(Strict):
    rules: Annotated[str, Field(description="Rules directory, watched and hot-reloaded.")] = "./rules"
    store: Annotated[str, Field(description="sqlite:///path or postgresql://...")] = (
        "sqlite:///.ordergate/state.db"
    )
    api: ApiConfig | None = None
    plan: Literal["starter", "pro", "ultra"] = "starter"
    connections: list[ConnectionConfig] | None = None


class RuntimeDocument(Strict):
    """The runtime's configuration: connections, store, API."""

    apiVersion: Literal["ordergate/v1"]
    kind: Literal["Runtime"]
    metadata: Metadata
    spec: RuntimeSpec


DOCUMENT_MODELS: dict[str, type[Strict]] = {
    "RiskPolicy": RiskPolicyDocument,
    "PolicyTest": PolicyTestDocument,
    "Runtime": RuntimeDocument,
}
# KINDS (kinds.py) names these for the CLI without pydantic; a test holds the two in step


def json_schema(kind: str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one document kind."""
    model = DOCUMENT_MODELS[kind]
    schema = model.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://ordergate.dev/schemas/{kind.lower()}.v1.json"
    schema["title"] = f"ordergate {kind} ({API_VERSION})"
    return schema
