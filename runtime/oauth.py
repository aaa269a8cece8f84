"""OAuth for Tradovate and NinjaTrader connections (protocols/brokers.md 1.2).

Step 2 of adding such a connection answers with an authorization URL on the broker's
page; the broker sends the browser back to ``/v1/oauth/callback`` on this runtime with a
single-use code, which is exchanged for an access token at the broker's token endpoint.
The ``state`` parameter ties the callback to its draft and is single-use too. The token
is sealed in the vault at once and never shown.

Settings come from the environment: ORDERGATE_TRADOVATE_CLIENT_ID and
ORDERGATE_TRADOVATE_CLIENT_SECRET, and, to point elsewhere,
ORDERGATE_TRADOVATE_OAUTH_URL and ORDERGATE_TRADOVATE_TOKEN_URL. A connection with an
``endpoint`` (``ordergate simulate tradovate``) signs in on that endpoint's own pages,
``/oauth`` and ``/auth/oauthtoken``, as the app ``ordergate`` unless a client id is set.

After the exchange the adapter is built from the token alone (``token_credentials``):
``access_token`` and ``expires_at``, which it renews before expiry like any session.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

import httpx

from ordergate.runtime.errors import Conflict, RequestError

AUTHORIZE_URL = "https://trader.tradovate.com/oauth"
TOKEN_URLS = {
    "demo": "https://demo.tradovateapi.com/auth/oauthtoken",
    "live": "https://live.tradovateapi.com/auth/oauthtoken",
}
SIMULATOR_CLIENT_ID = "ordergate"  # the app the Tradovate simulator knows
DEFAULT_LIFETIME = 90 * 60  # seconds: Tradovate's documented token lifetime


@dataclass(frozen=True, slots=True)
class OAuthSettings:
    client_id: str
    client_secret: str
    authorize_url: str
    token_url: str

    @classmethod
    def from_env(
        cls, environment: str, env: Mapping[str, str] | None = None, *, endpoint: str | None = None
    ) -> OAuthSettings:
        env = os.environ if env is None else env
        client_id = env.get("ORDERGATE_TRADOVATE_CLIENT_ID", "") or (SIMULATOR_CLIENT_ID if endpoint else "")
        if not client_id:
            raise Conflict(
                "environment",
                "OAuth needs the app's client id: set ORDERGATE_TRADOVATE_CLIENT_ID (and ORDERGATE_TRADOVATE_CLIENT_SECRET)",
            )
        base = endpoint.rstrip("/").removesuffix("/v1") if endpoint else None
        return cls(
            client_id,
            env.get("ORDERGATE_TRADOVATE_CLIENT_SECRET", ""),
            f"{base}/oauth" if base else env.get("ORDERGATE_TRADOVATE_OAUTH_URL") or AUTHORIZE_URL,
            f"{base}/auth/oauthtoken"
            if base
            else env.get("ORDERGATE_TRADOVATE_TOKEN_URL") or TOKEN_URLS[environment],
        )


def new_state() -> str:
    return secrets.token_urlsafe(24)


def authorize_url(settings: OAuthSettings, redirect_uri: str, state: str) -> str:
    query = urlencode(
        {
            "response_type": "code",
            "client_id": settings.client_id,
            "redirect_uri": redirect_uri,
            "state": state,
        }
    )
    return f"{settings.authorize_url}?{query}"


async def exchange(settings: OAuthSettings, code: str, redirect_uri: str) -> dict[str, str]:
    """The broker's token response for a code; raises Conflict with the broker's own reason."""
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "client_id": settings.client_id,
        "client_secret": settings.client_secret,
    }
    try:
        async with httpx.AsyncClient(timeout=10) as client:
            response = await client.post(settings.token_url, data=form)
    except httpx.HTTPError as exc:
        raise Conflict("code", f"the broker's token endpoint did not answer: {exc}") from None
    try:
        body = response.json()
    except ValueError:
        raise Conflict(
            "code", f"the broker's token endpoint answered {response.status_code} without JSON"
        ) from None
    if "access_token" not in body:
        reason = body.get("error_description") or body.get("error") or f"status {response.status_code}"
        raise Conflict("code", f"the broker refused the authorization: {reason}")
    return {
        k: str(v)
        for k, v in body.items()
        if k in ("access_token", "refresh_token", "expires_in", "token_type")
    }


def token_credentials(tokens: Mapping[str, str], now: datetime) -> dict[str, str]:
    """What the adapter is built from after the exchange: the token and when it expires."""
    try:
        lifetime = float(tokens.get("expires_in") or DEFAULT_LIFETIME)
    except ValueError:
        lifetime = DEFAULT_LIFETIME
    expires = now + timedelta(seconds=min(max(lifetime, 0.0), 366 * 86400))
    out = {"access_token": tokens["access_token"], "expires_at": expires.isoformat()}
    if tokens.get("refresh_token"):
        out["refresh_token"] = tokens["refresh_token"]
    return out


def require(value: str | None, name: str) -> str:
    if not value:
        raise RequestError(name, "is required")
    return value
