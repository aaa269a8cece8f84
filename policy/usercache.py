"""Where the engine keeps what is costly to build and the same from run to run: the
analysed expression grammar, which would otherwise cost every ``ordergate validate`` tens
of milliseconds (pre-commit runs it on every commit).

The cache is a directory the user owns and no one else can write to
(``$XDG_CACHE_HOME/ordergate``, else ``~/.cache/ordergate``): lark's cache is a pickle,
and loading one that another user could have planted (as a fixed name in a shared /tmp
would allow) would run their code. When no such directory can be had, nothing is cached
and everything still works. ``ORDERGATE_NO_CACHE=1`` turns caching off.
"""

from __future__ import annotations

import hashlib
import os
import stat
import sys
from pathlib import Path


def cache_dir() -> Path | None:
    """The user's private cache directory for ordergate, created if need be; None when
    there is none that only this user can write to."""
    if os.environ.get("ORDERGATE_NO_CACHE"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    path = Path(base, "ordergate")
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = path.stat()
    except OSError:
        return None
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        return None
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return None
    return path


def grammar_cache(grammar: str) -> str | bool:
    """The cache file for this grammar (as lark's ``cache`` option), or False for none.

    Named by the grammar, lark's version and Python's, so that two installs never take
    turns overwriting one file; lark checks the digest inside the file as well.
    """
    where = cache_dir()
    if where is None:
        return False
    import lark

    key = hashlib.sha256(f"{grammar}\0{lark.__version__}\0{sys.version_info[:2]}".encode()).hexdigest()
    return str(where / f"grammar-{key[:20]}.lark")
