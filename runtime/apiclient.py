"""The command's HTTP client of a running runtime: one call, and every way it can go wrong
turned into a sentence.

Client verbs find the runtime, first to last: ``--url``, ORDERGATE_URL, the ``url``
file ``ordergate run`` writes into its state directory (``--state-dir``, default
.ordergate), http://127.0.0.1:8787. The token, first to last: ``--token``,
``--token-file``, ORDERGATE_TOKEN, the state directory's ``token``. A refused token says
where it came from, and a missing one every place it was looked for.

What can go wrong between the command and the runtime (nothing listening, a wrong token,
something else answering, a refusal naming a field) comes back as CommandFailed with
one line; httpx's exceptions are mapped here and nowhere else. httpx is imported inside
the call, so the light core install can still build the parser.
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ordergate.runtime.cli_errors import CommandFailed, UsageError

DEFAULT_URL = "http://127.0.0.1:8787"
STATE_DIR = Path(".ordergate")
TOKEN_FILE = STATE_DIR / "token"
TIMEOUT = 30.0
_CONFIRM_BODY = re.compile(r'([Ss])end \{"confirm": true\}')
TOKEN_HELP = (
    "pass it with --token-file FILE, --token or ORDERGATE_TOKEN "
    "(`ordergate run` writes it to .ordergate/token in its working directory)"
)


@dataclass(frozen=True, slots=True)
class Target:
    url: str
    token: str | None
    token_from: str = ""  # where the token came from: "--token", a file, ORDERGATE_TOKEN
    looked: tuple[str, ...] = ()  # every place the token was looked for

    @classmethod
    def of(
        cls,
        url: str | None,
        token: str | None,
        environ: Mapping[str, str],
        *,
        token_file: str | None = None,
        state_dir: Path = STATE_DIR,
    ) -> Target:
        base = url or environ.get("ORDERGATE_URL") or _read(state_dir / "url") or DEFAULT_URL
        state_token = state_dir / "token"
        looked = ("--token", "--token-file", "ORDERGATE_TOKEN", str(state_token.absolute()))
        candidates: list[tuple[str, Any]] = [
            ("--token", lambda: token),
            (
                f"--token-file {token_file}",
                lambda: _read(Path(token_file), missing_ok=False) if token_file else None,
            ),
            ("ORDERGATE_TOKEN", lambda: environ.get("ORDERGATE_TOKEN")),
            (str(state_token.absolute()), lambda: _read(state_token)),
        ]
        for source, read in candidates:
            value = read()
            if value:
                return cls(base.rstrip("/"), value, source, looked)
        return cls(base.rstrip("/"), None, "", looked)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags every client verb takes to find the runtime, and ``--json``."""
    parser.add_argument(
        "--url",
        default=None,
        help="the runtime's API (default: ORDERGATE_URL, STATE_DIR/url, " + DEFAULT_URL + ")",
    )
    parser.add_argument(
        "--token", default=None, help="bearer token (prefer --token-file: ps shows arguments)"
    )
    parser.add_argument("--token-file", metavar="FILE", default=None, help="a file holding the bearer token")
    parser.add_argument(
        "--state-dir",
        metavar="DIR",
        type=Path,
        default=STATE_DIR,
        help="the runtime's state directory, holding its url and token (default .ordergate)",
    )
    parser.add_argument("--json", action="store_true", help="print the JSON answer")


def target_of(args: argparse.Namespace, environ: Mapping[str, str]) -> Target:
    return Target.of(
        args.url,
        args.token,
        environ,
        token_file=getattr(args, "token_file", None),
        state_dir=getattr(args, "state_dir", STATE_DIR),
    )


def _read(path: Path, *, missing_ok: bool = True) -> str | None:
    try:
        return path.read_text("utf-8").strip() or None
    except FileNotFoundError:
        if missing_ok:
            return None
        raise UsageError(f"--token-file {path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandFailed(f"cannot read {path}: {_reason(exc)}") from None


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


def stream(target: Target, path: str) -> Iterator[tuple[str, Any]]:
    """The server-sent events at ``path`` as (event type, JSON data), as they arrive."""
    import httpx

    headers = {"Accept": "text/event-stream"}
    if target.token:
        headers["Authorization"] = f"Bearer {target.token}"
    try:
        with httpx.stream(
            "GET", target.url + path, headers=headers, timeout=httpx.Timeout(TIMEOUT, read=None)
        ) as response:
            if response.status_code != 200:
                response.read()
                try:
                    data = response.json()
                except ValueError:
                    data = None
                raise CommandFailed(refusal(target, response.status_code, data))
            kind, data_lines = "message", []
            for line in response.iter_lines():
                if line.startswith("event:"):
                    kind = line.removeprefix("event:").strip()
                elif line.startswith("data:"):
                    data_lines.append(line.removeprefix("data:").strip())
                elif not line and data_lines:
                    yield kind, json.loads("\n".join(data_lines))
                    kind, data_lines = "message", []
    except httpx.ConnectError:
        raise CommandFailed(f"no runtime answers at {target.url}; start one with `ordergate run`") from None
    except (httpx.RemoteProtocolError, httpx.ReadError):
        raise CommandFailed(f"the runtime at {target.url} ended the event stream") from None
    except (httpx.UnsupportedProtocol, httpx.InvalidURL):
        raise UsageError(f"--url {target.url} is not an address to call; write http://HOST:PORT") from None


def refusal(target: Target, status: int, data: Any) -> str:
    """A refusal from the runtime as one line: its message and the field it names."""
    error = data.get("error") if isinstance(data, dict) else None
    field = data.get("field") if isinstance(data, dict) else None
    if status == 401:
        looked = ", ".join(target.looked)
        return f"the runtime at {target.url} wants a token: none was found (looked in {looked}); {TOKEN_HELP}"
    if status == 403 and field == "Authorization":
        return (
            f"the runtime at {target.url} does not take this token ({error}); it came from "
            f"{target.token_from or 'nowhere'}; {TOKEN_HELP}"
        )
    if not isinstance(error, str):
        return f"the runtime answered HTTP {status}: {json.dumps(data)[:300]}"
    if field == "confirm":  # the API asks for a body; a person at the command line adds a flag
        error, n = _CONFIRM_BODY.subn(lambda m: ("A" if m.group(1) == "S" else "a") + "dd --confirm", error)
        error += "" if n else "; add --confirm"
    where = f"{field}: " if isinstance(field, str) and field else ""
    return f"{where}{error} (HTTP {status})"
