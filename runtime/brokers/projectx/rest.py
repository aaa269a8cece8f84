"""The adapter's REST shell: one httpx client, the token, the rate budget and error mapping.

``call(path, body)`` spends from the rate budget (waiting when it is spent), posts the
body with the bearer token, and returns the answer. A 429 holds every call for the
server's ``Retry-After`` (or a doubling pause) and tries again; a 401 logs in again once
and tries again; ``success: false`` becomes our error through the endpoint's table;
httpx errors become BrokerUnavailable (BrokerTimeout for a timeout, when the request
may have reached the gateway).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import httpx

from ordergate.runtime.brokers.errors import (
    BrokerProtocolError,
    BrokerRefused,
    BrokerTimeout,
    BrokerUnavailable,
)
from ordergate.runtime.brokers.projectx import tokens
from ordergate.runtime.brokers.projectx.errorcodes import error_for
from ordergate.runtime.brokers.projectx.models import ENDPOINTS
from ordergate.runtime.brokers.projectx.ratelimit import RateBudget, parse_retry_after

REQUEST_TIMEOUT = 10.0
MAX_429_RETRIES = 5


class Rest:
    def __init__(
        self,
        api: str,
        username: str,
        api_key: str,
        clock: Callable[[], float],
        monotonic: Callable[[], float] = time.monotonic,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.api = api.rstrip("/")
        self.username, self.api_key = username, api_key
        self.clock, self.monotonic = clock, monotonic
        self.budget = RateBudget()
        self.token: str | None = None
        self.refresh_at = 0.0
        self.rate_limited = 0  # 429 answers seen, for tests and status
        self._transport = transport
        self._http: httpx.AsyncClient | None = None  # made on first use, again after close
        self._login_lock = asyncio.Lock()

    async def close(self) -> None:
        http, self._http = self._http, None
        if http is not None:
            await http.aclose()

    async def login(self) -> None:
        async with self._login_lock:
            answer = await self._post(
                "Auth/loginKey", {"userName": self.username, "apiKey": self.api_key}, auth=False
            )
            token = answer.get("token")
            if not isinstance(token, str) or not token:
                raise BrokerProtocolError("ProjectX Auth/loginKey answered success without a token")
            self._take(token)

    def _take(self, token: str) -> None:
        self.token = token
        self.refresh_at = tokens.refresh_at(token, self.clock())

    def due(self) -> bool:
        """Whether the token should be refreshed now."""
        return self.token is not None and self.clock() >= self.refresh_at

    async def refresh(self) -> None:
        """Swap the token for a fresh one (Auth/validate); log in again if that fails."""
        try:
            answer = await self.call("Auth/validate", None)
        except (BrokerUnavailable, BrokerRefused):
            await self.login()
            return
        token = answer.get("newToken")
        if isinstance(token, str) and token:
            self._take(token)
        else:
            await self.login()

    async def logout(self) -> None:
        if self.token is not None:
            try:
                await self.call("Auth/logout", None)
            finally:
                self.token = None

    async def call(self, path: str, body: dict[str, Any] | None) -> dict[str, Any]:
        try:
            return await self._post(path, body, auth=True)
        except _Unauthorized:
            await self.login()
            try:
                return await self._post(path, body, auth=True)
            except _Unauthorized:
                raise BrokerRefused(f"ProjectX refused the session for {path} right after a login") from None

    async def _post(self, path: str, body: dict[str, Any] | None, *, auth: bool) -> dict[str, Any]:
        for _attempt in range(MAX_429_RETRIES + 1):
            while (wait := self.budget.wait(path, self.monotonic())) > 0:  # noqa: ASYNC110 - a deadline, not an event
                await asyncio.sleep(wait)
            self.budget.spend(path, self.monotonic())
            response = await self._send(path, body, auth)
            if response.status_code == 429:
                self.rate_limited += 1
                self.budget.backoff(self.monotonic(), parse_retry_after(response.headers.get("retry-after")))
                continue
            self.budget.succeeded()
            if response.status_code == 401:
                raise _Unauthorized()
            return self._answer(path, response)
        raise BrokerUnavailable(f"ProjectX kept answering 429 to {path}")

    async def _send(self, path: str, body: dict[str, Any] | None, auth: bool) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token}"} if auth and self.token else {}
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=REQUEST_TIMEOUT, transport=self._transport)
        try:
            return await self._http.post(f"{self.api}/{path}", json=body, headers=headers)
        except httpx.TimeoutException:
            raise BrokerTimeout(f"ProjectX did not answer {path} within {REQUEST_TIMEOUT:g} s") from None
        except httpx.HTTPError as exc:
            raise BrokerUnavailable(f"cannot reach ProjectX at {self.api}: {exc}") from None

    def _answer(self, path: str, response: httpx.Response) -> dict[str, Any]:
        if response.status_code >= 500:
            raise BrokerUnavailable(f"ProjectX {path} answered HTTP {response.status_code}")
        try:
            answer = response.json()
        except ValueError:
            raise BrokerProtocolError(
                f"ProjectX {path} answered HTTP {response.status_code} without JSON"
            ) from None
        if response.status_code >= 400 or not isinstance(answer, dict):
            raise BrokerProtocolError(
                f"ProjectX refused the {path} request (HTTP {response.status_code}): {answer!r:.200}"
            )
        if answer.get("success") is not True:
            code = answer.get("errorCode")
            message = answer.get("errorMessage")
            raise error_for(
                path,
                ENDPOINTS[path].errors,
                code if isinstance(code, int) else -1,
                message if isinstance(message, str) else None,
            )
        return answer


class _Unauthorized(Exception):
    """HTTP 401: the token is missing, expired or its session was taken."""
