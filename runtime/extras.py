"""The verbs that need the ``runtime`` extra, and the one line that says so without it.

``pip install ordergate`` is the light core a CI pipeline needs (validate, test, check,
schema, fmt, migrate). The server, the client verbs and the vault import their
libraries inside the verb, so a light install meets a ModuleNotFoundError only when it
asks for one of them; ``missing`` tells that case from a genuine bug.
"""

from __future__ import annotations

INSTALL = "pip install 'ordergate[runtime]'"

# Top-level modules of the packages in pyproject's ``runtime`` extra (a test pins the
# list against it), and the libraries those stand on that only the extra brings.
MODULES = frozenset(
    {
        "starlette",
        "uvicorn",
        "httpx",
        "watchfiles",
        "websockets",
        "cryptography",
        "prometheus_client",
        "jwt",  # PyJWT
        "google",  # protobuf
        "asyncpg",
        "orjson",
        # beneath them
        "httpcore",
        "anyio",
        "sniffio",
        "h11",
    }
)


def missing(exc: ModuleNotFoundError) -> str | None:
    """The runtime-extra module ``exc`` is about, or None when it is about another one."""
    root = (exc.name or "").partition(".")[0]
    return root if root in MODULES else None


def message(verb: str, module: str) -> str:
    return f"ordergate {verb} needs the runtime extra ({module} is not installed): {INSTALL}"
