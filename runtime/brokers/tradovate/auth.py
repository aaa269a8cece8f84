"""Tradovate authentication facts, sans-IO: where to connect, what to send, what came back.

* ``endpoints_for`` — the REST base and both sockets of an environment (demo, live) or of
  an ``endpoint:`` (a simulator: REST under ``/v1``, sockets at ``/v1/websocket`` and
  ``/md/v1/websocket``).
* ``credentials_body`` — the ``/auth/accesstokenrequest`` body (protocols/brokers.md §1.2).
* ``Token`` — an access token from the credentials flow, a renewal or OAuth, with its
  expiry as epoch seconds; ``renew_at`` is when to renew it (15 minutes before expiry:
  renewal extends the session, a fresh login starts a new one and may evict another —
  at most two sessions per user).
* ``Penalty`` — the time-penalty answer (``p-ticket``, ``p-time``, ``p-captcha``) any
  endpoint may give: wait ``p-time`` seconds and resend with the ticket, unless a
  captcha is asked, which a program cannot solve.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final
from urllib.parse import urlsplit, urlunsplit

from ordergate.runtime.brokers.errors import BrokerConfigError

RENEW_MARGIN_SECONDS: Final = 15 * 60
APP_ID: Final = "ordergate"
APP_VERSION: Final = "0.1"
HOSTS: Final = {"demo": "demo.tradovateapi.com", "live": "live.tradovateapi.com"}
MD_HOST: Final = "md.tradovateapi.com"


@dataclass(frozen=True, slots=True)
class Endpoints:
    rest: str  # ends in /v1
    user_ws: str
    md_ws: str
    environment: str  # demo | live | endpoint


def endpoints_for(environment: str | None, endpoint: str | None) -> Endpoints:
    if endpoint:
        parts = urlsplit(str(endpoint).rstrip("/"))
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise BrokerConfigError(f"a Tradovate endpoint is an http:// or https:// base, not {endpoint!r}")
        path = parts.path.removesuffix("/v1")
        ws = "wss" if parts.scheme == "https" else "ws"
        return Endpoints(
            urlunsplit((parts.scheme, parts.netloc, f"{path}/v1", "", "")),
            urlunsplit((ws, parts.netloc, f"{path}/v1/websocket", "", "")),
            urlunsplit((ws, parts.netloc, f"{path}/md/v1/websocket", "", "")),
            "endpoint",
        )
    env = environment or "demo"
    if env not in HOSTS:
        raise BrokerConfigError(f"a Tradovate environment is demo or live, not {env!r}")
    return Endpoints(
        f"https://{HOSTS[env]}/v1", f"wss://{HOSTS[env]}/v1/websocket", f"wss://{MD_HOST}/v1/websocket", env
    )


def credentials_body(credentials: Mapping[str, str], device_id: str) -> dict[str, Any]:
    """The token request: name, password, appId, appVersion, deviceId, cid, sec."""
    missing = [k for k in ("username", "password") if not credentials.get(k)]
    if missing:
        raise BrokerConfigError(f"a Tradovate connection needs credentials {' and '.join(missing)}")
    cid = credentials.get("cid", "0")
    return {
        "name": credentials["username"],
        "password": credentials["password"],
        "appId": credentials.get("app_id") or APP_ID,
        "appVersion": credentials.get("app_version") or APP_VERSION,
        "deviceId": credentials.get("device_id") or device_id,
        "cid": int(cid) if str(cid).isdigit() else cid,
        "sec": credentials.get("sec", ""),
    }


@dataclass(frozen=True, slots=True)
class Token:
    access_token: str
    expires_at: float  # epoch seconds
    md_access_token: str = ""  # empty for an OAuth token: the access token serves market data too
    user_id: int | None = None
    name: str = ""

    @property
    def md_token(self) -> str:
        return self.md_access_token or self.access_token

    @property
    def renew_at(self) -> float:
        return self.expires_at - RENEW_MARGIN_SECONDS


def _epoch(value: Any, now: float) -> float:
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError:
            pass
    return now + 90 * 60  # the documented lifetime when the answer names none


def token_of(body: Mapping[str, Any], now: float) -> Token | None:
    """A token from a token request or renewal answer, or an OAuth token answer."""
    if body.get("accessToken"):
        user = body.get("userId")
        return Token(
            str(body["accessToken"]),
            _epoch(body.get("expirationTime"), now),
            str(body.get("mdAccessToken") or ""),
            int(user) if isinstance(user, int | str) and str(user).isdigit() else None,
            str(body.get("name") or ""),
        )
    if body.get("access_token"):
        try:
            lifetime = float(body.get("expires_in") or 90 * 60)
        except (TypeError, ValueError):
            lifetime = 90 * 60
        return Token(str(body["access_token"]), now + lifetime)
    return None


@dataclass(frozen=True, slots=True)
class Penalty:
    ticket: str
    seconds: float
    captcha: bool


def penalty_of(body: Any) -> Penalty | None:
    if not isinstance(body, Mapping) or "p-ticket" not in body:
        return None
    try:
        seconds = max(float(body.get("p-time") or 0), 0.0)
    except (TypeError, ValueError):
        seconds = 0.0
    return Penalty(str(body["p-ticket"]), seconds, bool(body.get("p-captcha")))
