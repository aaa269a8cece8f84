"""The command's HTTP client of a running runtime: one call, and every way it can go wrong
turned into a sentence.

Client verbs find the runtime at ``--url`` (default http://127.0.0.1:8787, or
ORDERGATE_URL) with the token from ``--token``, ORDERGATE_TOKEN or .ordergate/token.
What can go wrong between the command and the runtime (nothing listening, a wrong token,
something else answering, a refusal naming a field) comes back as CommandFailed with
one line; httpx's exceptions are mapped here and nowhere else. httpx is imported inside
the call, so the light core install can still build the parser.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ordergate.runtime.cli_errors import CommandFailed, UsageError

DEFAULT_URL = "http://127.0.0.1:8787"
TOKEN_FILE = Path(".ordergate/token")
TIMEOUT = 30.0
TOKEN_HELP = "pass it with --token or ORDERGATE_TOKEN (`ordergate run` writes it to .ordergate/token)"


@dataclass(frozen=True, slots=True)
class Target:
    url: str
    token: str | None

    @classmethod
    def of(cls, url: str, token: str | None, environ: Mapping[str, str]) -> Target:
        return cls(url.rstrip("/"), token or environ.get("ORDERGATE_TOKEN") or _token_file())


def _token_file() -> str | None:
    try:
        return TOKEN_FILE.read_text("utf-8").strip() or None
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandFailed(f"cannot read the token in {TOKEN_FILE}: {_reason(exc)}") from None


def _reason(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc)


def request(target: Target, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    """The runtime's answer to one call: its HTTP status and its JSON."""
    import httpx

    headers = {}
    if target.token:
        if not target.token.isascii() or not target.token.isprintable():
            raise UsageError("the token holds characters no bearer token has; " + TOKEN_HELP)
        headers["Authorization"] = f"Bearer {target.token}"
    try:
        response = httpx.request(method, target.url + path, json=body, headers=headers, timeout=TIMEOUT)
    except httpx.ConnectError:
        raise CommandFailed(f"no runtime answers at {target.url}; start one with `ordergate run`") from None
    except httpx.TimeoutException:
        raise CommandFailed(f"the runtime at {target.url} did not answer within {TIMEOUT:g} s") from None
    except (httpx.UnsupportedProtocol, httpx.InvalidURL):
        raise UsageError(f"--url {target.url} is not an address to call; write http://HOST:PORT") from None
    except httpx.HTTPError as exc:
        raise CommandFailed(f"the call to {target.url} broke off: {exc}") from None
    try:
        data = response.json()
    except ValueError:
        raise CommandFailed(
            f"something at {target.url} answered {method} {path} with HTTP {response.status_code}, "
            "and not as an ordergate runtime does"
        ) from None
    return response.status_code, data


def refusal(target: Target, status: int, data: Any) -> str:
    """A refusal from the runtime as one line: its message and the field it names."""
    error = data.get("error") if isinstance(data, dict) else None
    field = data.get("field") if isinstance(data, dict) else None
    if status == 401:
        return f"the runtime at {target.url} wants a token: {TOKEN_HELP}"
    if status == 403 and field == "Authorization":
        return f"the runtime at {target.url} does not take this token ({error}); {TOKEN_HELP}"
    if not isinstance(error, str):
        return f"the runtime answered HTTP {status}: {json.dumps(data)[:300]}"
    where = f"{field}: " if isinstance(field, str) and field else ""
    return f"{where}{error} (HTTP {status})"
