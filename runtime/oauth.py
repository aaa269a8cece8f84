"""OAuth for Tradovate and NinjaTrader connections (protocols/brokers.md 1.2).

Step 2 of adding such a connection answers with an authorization URL on the broker's
page; the broker sends the browser back to ``/v1/oauth/callback`` on this runtime with a
single-use code, which is exchanged for an access token at the broker's token endpoint.
The ``state`` parameter ties the callback to its draft and is single-use too. The token
is sealed in the vault at once and never shown.

Settings come from the environment: ORDERGATE_TRADOVATE_CLIENT_ID and
ORDERGATE_TRADOVATE_CLIENT_SECRET, and, to point at a simulator,
ORDERGATE_TRADOVATE_OAUTH_URL and ORDERGATE_TRADOVATE_TOKEN_URL.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

import httpx

from ordergate.runtime.errors import Conflict, RequestError

AUTHORIZE_URL = "https://trader.tradovate.com/oauth"
TOKEN_URLS = {
    "demo": "https://demo.tradovateapi.com/auth/oauthtoken",
    "live": "https://live.tradovateapi.com/auth/oauthtoken",
}


@dataclass(frozen=True, slots=True)
class OAuthSettings:
    client_id: str
    client_secret: str
    authorize_url: str
    token_url: str

    @classmethod
    def from_env(cls, environment: str, env: Mapping[str, str] | None = None) -> OAuthSettings:
        env = os.environ if env is None else env
        client_id = env.get("ORDERGATE_TRADOVATE_CLIENT_ID", "")
        if not client_id:
            raise Conflict(
                "environment",
                "OAuth needs the app's client id: set ORDERGATE_TRADOVATE_CLIENT_ID (and ORDERGATE_TRADOVATE_CLIENT_SECRET)",
            )
        return cls(
            client_id,
            env.get("ORDERGATE_TRADOVATE_CLIENT_SECRET", ""),
            env.get("ORDERGATE_TRADOVATE_OAUTH_URL", AUTHORIZE_URL),
            env.get("ORDERGATE_TRADOVATE_TOKEN_URL", TOKEN_URLS[environment]),
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


def require(value: str | None, name: str) -> str:
    if not value:
        raise RequestError(name, "is required")
    return value
