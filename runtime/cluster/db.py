"""The cluster's own connections to the shared PostgreSQL database.

The store talks to PostgreSQL from its own thread; the cluster talks from the runtime's
event loop, so a heartbeat never waits behind an order's transaction and a LISTEN
connection wakes the loop directly. Times are the server's (``now()``), never a
machine's, so two instances whose clocks disagree still agree on when a lease ends.
"""

from __future__ import annotations

from typing import Any

import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type hints

from ordergate.runtime.cluster.errors import ClusterError

POOL_SIZE = 4  # heartbeats, lease moves, forwarding look-ups and status at once

# the tables part 1's migrations create; a database made before them (or a test's own
# schema) gets them here, idempotently
SCHEMA = """
CREATE TABLE IF NOT EXISTS instances (
    id text PRIMARY KEY, address text NOT NULL, host text NOT NULL, pid integer NOT NULL,
    started_at timestamptz NOT NULL, heartbeat_at timestamptz NOT NULL, bundle text
);
CREATE TABLE IF NOT EXISTS leases (
    connection text PRIMARY KEY, holder text NOT NULL,
    acquired_at timestamptz NOT NULL, expires_at timestamptz NOT NULL
);
"""


def is_postgres(url: str) -> bool:
    return url.startswith(("postgresql://", "postgres://"))


async def open_pool(url: str) -> asyncpg.Pool:
    """A small pool on the running loop. asyncpg takes query parameters it does not know
    (``?search_path=...``) as server settings, as the store does."""
    try:
        pool = await asyncpg.create_pool(url, min_size=1, max_size=POOL_SIZE, command_timeout=5)
    except (OSError, asyncpg.PostgresError) as exc:
        raise ClusterError(f"cannot reach the cluster's database: {exc}") from None
    assert pool is not None
    return pool


async def connect(url: str) -> asyncpg.Connection:
    try:
        return await asyncpg.connect(url)
    except (OSError, asyncpg.PostgresError) as exc:
        raise ClusterError(f"cannot reach the cluster's database: {exc}") from None


async def ensure_schema(pool: asyncpg.Pool) -> None:
    # two instances starting at once must not both try to create the tables
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext('ordergate.cluster.schema'))")
        await conn.execute(SCHEMA)


def row_dict(row: Any) -> dict[str, Any]:
    return dict(row.items()) if row is not None else {}
