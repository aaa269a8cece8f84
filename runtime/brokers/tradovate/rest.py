"""The adapter's REST shell: one httpx client, the Bearer token and the penalty rule.

``call`` sends one request and returns its JSON. A time penalty (``p-ticket``,
``p-time``) is honoured: wait ``p-time`` seconds (through ``sleep``, which a test
replaces with its fake clock's) and send the same request again with the ticket, a few
times at most. A penalty that asks for a captcha cannot be solved by a program: it
raises BrokerRefused, so the connection goes to ``error`` instead of retrying into a
longer ban. httpx errors become BrokerUnavailable (BrokerTimeout when the request may
have reached the server); 401 becomes ``Unauthorized``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from ordergate.runtime.brokers.errors import (
    BrokerProtocolError,
    BrokerRefused,
    BrokerTimeout,
    BrokerUnavailable,
)
from ordergate.runtime.brokers.tradovate.auth import penalty_of

REQUEST_TIMEOUT = 10.0
MAX_PENALTY_RETRIES = 5
Sleep = Callable[[float], Awaitable[None]]


class Unauthorized(BrokerRefused):
    """401: the token is expired, ended or was never good."""


class CaptchaRequired(BrokerRefused):
    """A penalty with ``p-captcha``: a person must log in on Tradovate's site first."""


class Rest:
    def __init__(self, base: str, sleep: Sleep = asyncio.sleep) -> None:
        self.base = base.rstrip("/")
        self.sleep = sleep
        self.token: str | None = None
        self.penalties = 0  # penalties waited out (tests and logs read it)
        self._client: httpx.AsyncClient | None = None

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=REQUEST_TIMEOUT, headers={"Accept": "application/json"})
        return self._client

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()

    async def call(
        self, method: str, path: str, body: dict[str, Any] | None = None, *, auth: bool = True
    ) -> Any:
        body = dict(body) if body is not None else None
        params: dict[str, str] = {}
        for _ in range(MAX_PENALTY_RETRIES + 1):
            status, data = await self._send(method, path, body, params, auth)
            penalty = penalty_of(data)
            if penalty is None:
                if status == 401:
                    raise Unauthorized(_text(data) or "Tradovate refused the token")
                if status >= 400:
                    raise BrokerUnavailable(f"Tradovate answered {status} to {path}: {_text(data)}")
                return data
            if penalty.captcha:
                raise CaptchaRequired(
                    f"Tradovate asks for a captcha on {path} (a time penalty a program cannot clear): "
                    "log in on Tradovate's site, then reconnect in about an hour"
                )
            self.penalties += 1
            await self.sleep(penalty.seconds)
            if body is not None:
                body["p-ticket"] = penalty.ticket
            else:
                params["p-ticket"] = penalty.ticket
        raise BrokerUnavailable(f"Tradovate kept penalising {path} after {MAX_PENALTY_RETRIES} waits")

    async def _send(
        self, method: str, path: str, body: dict[str, Any] | None, params: dict[str, str], auth: bool
    ) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {self.token}"} if auth and self.token else {}
        try:
            response = await self._http().request(
                method, f"{self.base}/{path.lstrip('/')}", json=body, params=params or None, headers=headers
            )
        except httpx.TimeoutException as exc:
            raise BrokerTimeout(f"Tradovate did not answer {path} in time: {exc}") from None
        except httpx.HTTPError as exc:
            raise BrokerUnavailable(f"cannot reach Tradovate at {self.base}: {exc}") from None
        if not response.content:
            return response.status_code, None
        try:
            return response.status_code, response.json()
        except ValueError:
            if response.status_code < 400:
                raise BrokerProtocolError(f"Tradovate answered {path} without JSON") from None
            return response.status_code, response.text


def _text(data: Any) -> str:
    if isinstance(data, dict):
        return str(data.get("errorText") or data.get("failureText") or data)
    return str(data or "")
