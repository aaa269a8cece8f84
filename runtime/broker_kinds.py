"""The brokers a connection can be, what step 2 of the add flow asks of each, and how an
adapter is built from a connection's settings and credentials.

A connection's fields split in two: **settings** (where the broker is and how to talk
to it: ``system``, ``gateway``, ``firm``, ``environment``, ``endpoint``, the paper feed)
are kept in the store and shown; **credentials** (``username``, ``password``,
``api_key``, Tradovate's ``app_id``/``cid``/``sec``, an OAuth token) are sealed in the
vault for API-added connections and come from ``${env:…}`` in config files.

``endpoint`` names a broker's address instead of its region (Rithmic ``gateway``), firm
and environment (ProjectX) or environment (Tradovate, NinjaTrader): ``ordergate
simulate BROKER`` or a private gateway (DESIGN §8.0). Rithmic's is ``ws://`` or
``wss://``; the others' an ``http://`` or ``https://`` base.

Adapters are imported when the first connection of their broker is built, so that a
runtime with paper only never loads protobuf or the SignalR code.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ordergate.policy.models import ConnectionConfig
from ordergate.runtime.brokers.base import BrokerAdapter
from ordergate.runtime.errors import RequestError


@dataclass(frozen=True, slots=True)
class BrokerKind:
    name: str
    label: str
    fields: tuple[str, ...]  # what step 2 takes
    secret_fields: tuple[str, ...] = ()
    available: bool = True  # an adapter ships in this build
    connection_modes: bool = False
    oauth: bool = False  # may be authenticated on the broker's page (Tradovate, NinjaTrader)
    adapter: str = ""  # module:Class


BROKER_KINDS: dict[str, BrokerKind] = {
    k.name: k
    for k in (
        BrokerKind("paper", "Paper", ("accounts", "feed"), adapter="brokers.paper:PaperBroker"),
        BrokerKind(
            "rithmic",
            "Rithmic",
            ("username", "password", "system", "gateway", "endpoint"),
            ("password",),
            adapter="brokers.rithmic.client:RithmicBroker",
        ),
        BrokerKind(
            "projectx",
            "ProjectX",
            ("firm", "environment", "username", "api_key", "endpoint", "mode"),
            ("api_key",),
            connection_modes=True,
            adapter="brokers.projectx.client:ProjectXBroker",
        ),
        BrokerKind(
            "tradovate",
            "Tradovate",
            ("environment", "endpoint", "username", "password", "app_id", "cid", "sec"),
            ("password", "sec"),
            oauth=True,
            adapter="brokers.tradovate.client:TradovateBroker",
        ),
        BrokerKind(
            "ninjatrader",
            "NinjaTrader",
            ("environment", "endpoint"),
            oauth=True,
            adapter="brokers.ninjatrader.client:NinjaTraderBroker",
        ),
        BrokerKind(
            "loopback",
            "Loopback",
            ("host", "port", "username", "password"),
            ("password",),
            adapter="brokers.loopback.client:LoopbackBroker",
        ),
    )
}
CREDENTIAL_FIELDS = frozenset(
    {"username", "password", "api_key", "app_id", "cid", "sec", "access_token", "expires_at", "refresh_token"}
)
ENDPOINT_SCHEMES = {
    "rithmic": ("ws", "wss"),
    "projectx": ("http", "https"),
    "tradovate": ("http", "https"),
    "ninjatrader": ("http", "https"),
}
ENVIRONMENTS = {
    "projectx": ("live", "simulation"),
    "tradovate": ("demo", "live"),
    "ninjatrader": ("demo", "live"),
}
# settings a config file's connection passes to its adapter, by broker
CONFIG_SETTINGS = {
    "rithmic": ("system", "gateway", "endpoint"),
    "projectx": ("firm", "environment", "endpoint"),
    "tradovate": ("environment", "endpoint"),
    "ninjatrader": ("environment", "endpoint"),
}
MAX_FIELD_CHARS = 256


def adapter_class(broker: str) -> type[BrokerAdapter]:
    module, _, name = BROKER_KINDS[broker].adapter.partition(":")
    found = getattr(importlib.import_module(f"ordergate.runtime.{module}"), name)
    assert isinstance(found, type) and issubclass(found, BrokerAdapter)
    return found


def config_settings(conn: ConnectionConfig) -> dict[str, Any]:
    """The settings of a config file's connection that its adapter reads."""
    if conn.broker == "paper":
        return {
            "feed": conn.feed or "random_walk",
            "latency_ms": conn.latency_ms,
            "partial_fills": conn.partial_fills,
        }
    return {k: getattr(conn, k) for k in CONFIG_SETTINGS.get(conn.broker, ()) if getattr(conn, k) is not None}


def text(body: Mapping[str, Any], key: str, *, required: bool = False) -> str | None:
    """A step-2 text field: absent (None) or text of 1 to 256 characters."""
    value = body.get(key)
    if value is None or value == "":
        if required:
            raise RequestError(key, "is required")
        return None
    if not isinstance(value, str) or len(value) > MAX_FIELD_CHARS:
        raise RequestError(key, f"must be text of at most {MAX_FIELD_CHARS} characters")
    return value


def endpoint(broker: str, value: str | None) -> str | None:
    """A broker's endpoint URL, checked for its scheme and host."""
    if value is None:
        return None
    schemes = ENDPOINT_SCHEMES[broker]
    parts = urlsplit(value)
    if parts.scheme not in schemes or not parts.hostname or parts.query or parts.fragment:
        raise RequestError(
            "endpoint",
            f"a {broker} endpoint is a {' or '.join(s + '://HOST:PORT' for s in schemes)} address, "
            f"such as the one `ordergate simulate {broker}` prints",
        )
    return value


def environment(broker: str, value: str | None, default: str | None = None) -> str | None:
    value = value or default
    if value is not None and value not in ENVIRONMENTS[broker]:
        raise RequestError("environment", f"must be {' or '.join(ENVIRONMENTS[broker])}")
    return value


def step2(broker: str, body: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The settings and credentials of a real broker's step-2 answer, each field checked;
    RequestError names the first one missing or wrong."""
    kind = BROKER_KINDS[broker]
    unknown = sorted(set(body) - set(kind.fields))
    if unknown:
        raise RequestError(
            unknown[0], f"not a field of a {broker} connection; fields: {', '.join(kind.fields)}"
        )
    where = endpoint(broker, text(body, "endpoint"))
    settings: dict[str, Any] = {"endpoint": where} if where else {}
    creds: dict[str, str] = {}
    if broker == "rithmic":
        settings["system"] = text(body, "system", required=True)
        if where is None:
            settings["gateway"] = text(body, "gateway", required=True)
        required: tuple[str, ...] = ("username", "password")
    elif broker == "projectx":
        if where is None:
            settings["firm"] = text(body, "firm", required=True)
            settings["environment"] = environment(broker, text(body, "environment", required=True))
        required = ("username", "api_key")
    else:  # tradovate's credentials flow
        if where is None:
            settings["environment"] = environment(broker, text(body, "environment"), "demo")
        required = ("username", "password")
    for key in kind.fields:
        if key in CREDENTIAL_FIELDS:
            value = text(body, key, required=key in required)
            if value is not None:
                creds[key] = value
    return settings, creds
