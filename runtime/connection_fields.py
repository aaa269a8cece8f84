"""Fields of a connection's add flow checked whole before anything is touched: step 2's
address to dial and file to read, and step 3's live and paper accounts.

A replay feed is a file the server opens, so a token holder must not be able to name
any file on the machine: replay files come only from the config file's directory tree
or from the folder named by ``ORDERGATE_REPLAY_DIR``. The path is resolved first
(symlinks and ``..`` followed), and then it must lie inside one of those roots.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ordergate.runtime.errors import Conflict, RequestError

REPLAY_DIR_ENV = "ORDERGATE_REPLAY_DIR"
FEEDS = ("random_walk", "manual", "replay:<file>")
MAX_FEED_CHARS = 1024
MAX_BALANCE = 1e12  # dollars: any real account, and equity arithmetic stays finite
_HOST = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9.\-]*[A-Za-z0-9])?$|^\[?[0-9A-Fa-f:.]{2,45}\]?$")


def replay_roots(config_dir: Path | None, env: Mapping[str, str] | None = None) -> list[Path]:
    """The folders replay files may come from, resolved."""
    env = os.environ if env is None else env
    roots = [config_dir] if config_dir is not None else []
    if env.get(REPLAY_DIR_ENV):
        roots.append(Path(env[REPLAY_DIR_ENV]))
    return [r.resolve() for r in roots]


def paper_feed(value: Any, roots: Iterable[Path]) -> str:
    """``random_walk``, ``manual`` or ``replay:<file>`` with the file inside a root,
    returned with the file's resolved absolute path."""
    if not isinstance(value, str) or not value or len(value) > MAX_FEED_CHARS:
        raise RequestError("feed", f"must be one of {', '.join(FEEDS)}")
    if value in ("random_walk", "manual"):
        return value
    if not value.startswith("replay:") or not value.removeprefix("replay:").strip() or "\x00" in value:
        raise RequestError("feed", f"unknown feed {value!r}; feeds: {', '.join(FEEDS)}")
    roots = list(roots)
    if not roots:
        raise RequestError(
            "feed",
            f"replay feeds are read only from the config file's folder or from {REPLAY_DIR_ENV}; neither is set",
        )
    given = Path(value.removeprefix("replay:"))
    candidates = [given] if given.is_absolute() else [root / given for root in roots]
    for candidate in candidates:
        try:
            path = candidate.resolve()
        except (OSError, RuntimeError):  # a symlink loop
            continue
        if any(path.is_relative_to(root) for root in roots) and path.is_file():
            return f"replay:{path}"
    raise RequestError(
        "feed",
        f"no replay file {str(given)!r} inside {', '.join(str(r) for r in roots)}; "
        "replay files are read only from there",
    )


def broker_address(host: Any, port: Any) -> tuple[str, int]:
    """A host name or IP literal, and a port from 1 to 65535 (a number or its digits)."""
    if not isinstance(host, str) or not _HOST.match(host):
        raise RequestError("host", "must be a host name or an IP address, such as 127.0.0.1")
    if isinstance(port, str) and port.isascii() and port.isdigit() and len(port) <= 5:
        port = int(port)
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise RequestError("port", f"must be a port number from 1 to 65535, not {port!r}")
    return host.strip("[]"), port


def live_and_paper(
    broker: str, body: Mapping[str, Any], imported: list[str], existing: set[str]
) -> tuple[str | None, str | None, dict[str, Any] | None]:
    """Step 3's ``live_account`` and ``paper_account``: (the live account, one of the
    broker's accounts as the paper one, a built-in paper account ``{id, balance,
    nickname}``), each refused naming its field. ``existing``: the runtime's accounts."""
    live = body.get("live_account")
    if live is not None and live not in imported:
        raise RequestError("live_account", f"must be one of the accounts imported: {', '.join(imported)}")
    paper = body.get("paper_account")
    if paper is None:
        return live, None, None
    if isinstance(paper, str):
        if paper not in imported or paper == live:
            raise RequestError(
                "paper_account",
                f"a broker account as the paper one must be imported and not the live one: {', '.join(imported)}",
            )
        return live, paper, None
    if broker == "paper":
        raise RequestError("paper_account", "every account of a paper connection is a paper account already")
    return live, None, _builtin_paper(paper, set(imported) | existing)


def _builtin_paper(paper: Any, taken: set[str]) -> dict[str, Any]:
    fields = ("id", "balance", "nickname")
    if not isinstance(paper, dict):
        raise RequestError(
            "paper_account", 'must be an imported account\'s id, or {"id": "PAPER-1", "balance": 50000}'
        )
    unknown = sorted(set(paper) - set(fields))
    if unknown:
        raise RequestError(f"paper_account.{unknown[0]}", f"unknown field; fields: {', '.join(fields)}")
    ident = paper.get("id")
    if not isinstance(ident, str) or not ident.strip() or len(ident) > 64:
        raise RequestError("paper_account.id", "must be an id of 1 to 64 characters")
    if ident in taken:
        raise Conflict(
            "paper_account.id", f"an account {ident!r} exists already; a paper account needs its own id"
        )
    balance = paper.get("balance", 50_000)
    if isinstance(balance, bool) or not isinstance(balance, int | float) or not 0 <= balance <= MAX_BALANCE:
        raise RequestError(
            "paper_account.balance", f"must be a number of dollars from 0 to {MAX_BALANCE:,.0f}"
        )
    nickname = paper.get("nickname")
    if nickname is not None and (not isinstance(nickname, str) or len(nickname) > 64):
        raise RequestError("paper_account.nickname", "must be text of at most 64 characters, or null")
    return {"id": ident, "balance": float(balance), "nickname": nickname}
