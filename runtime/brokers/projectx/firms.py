"""The ProjectX firms and where each one's gateway lives.

Every firm runs the same Gateway API on its own hosts (brokers.md §7.2): REST at
``https://api.<slug>.projectx.com/api/...`` and the hubs at
``https://rtc.<slug>.projectx.com/hubs/{user,market}``; TopstepX uses
``api.topstepx.com`` and ``rtc.topstepx.com``. Live and simulation share the hosts: the
environment picks which accounts are taken (``simulated``) and which contracts are
searched (``live``). A connection with ``endpoint:`` (a simulator or a private gateway)
replaces the firm and environment with one base URL that serves both REST and hubs.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from urllib.parse import urlsplit

from ordergate.runtime.brokers.errors import BrokerConfigError as ConfigError


class Environment(enum.Enum):
    LIVE = "live"
    SIMULATION = "simulation"


@dataclass(frozen=True, slots=True)
class Firm:
    key: str
    name: str
    api_host: str
    rtc_host: str


def _projectx(key: str, name: str, slug: str) -> Firm:
    return Firm(key, name, f"api.{slug}.projectx.com", f"rtc.{slug}.projectx.com")


FIRMS: dict[str, Firm] = {
    f.key: f
    for f in (
        Firm("topstepx", "TopstepX", "api.topstepx.com", "rtc.topstepx.com"),
        _projectx("alphaticks", "Alpha Ticks", "alphaticks"),
        _projectx("blueguardian", "Blue Guardian", "blueguardianfutures"),
        _projectx("blusky", "Blusky", "blusky"),
        _projectx("e8x", "E8X", "e8"),
        _projectx("fundingfutures", "Funding Futures", "fundingfutures"),
        _projectx("thefuturesdesk", "The Futures Desk", "thefuturesdesk"),
        _projectx("futureselite", "Futures Elite", "futureselite"),
        _projectx("fxifyfutures", "FXIFY Futures", "fxifyfutures"),
        _projectx("goatfunded", "GoatFunded", "goatfundedfutures"),
        _projectx("tickticktrader", "TickTickTrader", "tickticktrader"),
        _projectx("toponefutures", "TopOneFutures", "toponefutures"),
        _projectx("tx3funding", "TX3Funding", "tx3funding"),
        Firm(
            "demo",
            "ProjectX docs demo",
            "gateway-api-demo.s2f.projectx.com",
            "gateway-rtc-demo.s2f.projectx.com",
        ),
    )
}


@dataclass(frozen=True, slots=True)
class Endpoints:
    """Where one connection talks to: the REST base (ending in /api) and the hub base."""

    api: str
    hubs: str
    environment: Environment | None  # None: an endpoint, where every account is taken

    @property
    def live(self) -> bool:
        return self.environment is Environment.LIVE

    def hub_url(self, hub: str) -> str:
        return f"{self.hubs}/hubs/{hub}"


def endpoints_for(firm: str | None, environment: str | None, endpoint: str | None) -> Endpoints:
    """The endpoints of a firm and environment, or of an explicit ``endpoint`` base URL."""
    if endpoint:
        parts = urlsplit(endpoint)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigError(f"a ProjectX endpoint is an http:// or https:// base URL, not {endpoint!r}")
        base = f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"
        base = base.removesuffix("/api")  # some people give the REST base with /api included
        return Endpoints(f"{base}/api", base, None)
    key = (firm or "topstepx").lower()
    found = FIRMS.get(key)
    if found is None:
        raise ConfigError(f"unknown ProjectX firm {firm!r}; known firms: {', '.join(sorted(FIRMS))}")
    try:
        env = Environment((environment or "live").lower())
    except ValueError:
        raise ConfigError(f"a ProjectX environment is live or simulation, not {environment!r}") from None
    return Endpoints(f"https://{found.api_host}/api", f"https://{found.rtc_host}", env)
