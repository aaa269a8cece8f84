"""Running the real ``ordergate`` command from async tests whose event loop serves the
runtime it talks to."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from ordergate.runtime.service import Runtime
from tests.runtime.conftest import TOKEN, client

ORDERGATE = shutil.which("ordergate", path=str(Path(sys.executable).parent)) or "ordergate"


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


async def ordergate(
    *args: str,
    stdin: str | None = None,
    env: dict[str, str] | None = None,
    stdout: int = asyncio.subprocess.PIPE,
    cwd: Path | None = None,
) -> Ran:
    """Runs the command without blocking the event loop that serves the runtime."""
    process = await asyncio.create_subprocess_exec(
        ORDERGATE,
        *args,
        stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
        stdout=stdout,
        stderr=asyncio.subprocess.PIPE,
        env=env,
        cwd=cwd,
    )
    out, err = await asyncio.wait_for(
        process.communicate(stdin.encode() if stdin is not None else None), timeout=60
    )
    assert process.returncode is not None
    return Ran(process.returncode, (out or b"").decode(), err.decode())


@contextlib.asynccontextmanager
async def served_url(runtime: Runtime) -> AsyncIterator[str]:
    """The base URL of ``runtime``'s API, served on loopback while the block runs."""
    async with client(runtime) as c:
        yield str(c.base_url).rstrip("/")


def at(url: str, token: str = TOKEN) -> tuple[str, ...]:
    return ("--url", url, "--token", token)


def one_line(text: str) -> str:
    assert len(text.splitlines()) == 1 and "Traceback" not in text, text
    return text.rstrip("\n")
