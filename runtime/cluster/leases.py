"""Connection leases: which instance holds which broker connection.

Theory of operation. One row per connection in ``leases``: the holder and when the lease
ends. A holder renews all its leases on every heartbeat (``renew``); an instance takes
a connection whose lease has ended, or that has no row, with one statement
(``acquire``), so two instances racing for it are decided by PostgreSQL's row lock:
the second sees the first's fresh ``expires_at`` and takes nothing. A lease is given up
by deleting its row (``release``), after the holder stopped hosting the connection.

Every time is the server's ``now()``. ``renew`` keeps a lease whose time ran out as
long as nobody took it: no other instance can hold it meanwhile, since taking it would
have replaced the holder.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type hints

ACQUIRE = """
INSERT INTO leases (connection, holder, acquired_at, expires_at)
VALUES ($1, $2, now(), now() + make_interval(secs => $3))
ON CONFLICT (connection) DO UPDATE
SET holder = EXCLUDED.holder,
    acquired_at = CASE WHEN leases.holder = EXCLUDED.holder THEN leases.acquired_at ELSE now() END,
    expires_at = EXCLUDED.expires_at
WHERE leases.expires_at < now() OR leases.holder = EXCLUDED.holder
RETURNING connection
"""
RENEW = """
UPDATE leases SET expires_at = now() + make_interval(secs => $2)
WHERE holder = $1 RETURNING connection
"""
RELEASE = "DELETE FROM leases WHERE connection = $1 AND holder = $2"
RELEASE_ALL = "DELETE FROM leases WHERE holder = $1"
ALL = "SELECT connection, holder, acquired_at, expires_at, expires_at > now() AS live FROM leases"


@dataclass(frozen=True, slots=True)
class Lease:
    connection: str
    holder: str
    acquired_at: datetime
    expires_at: datetime
    live: bool  # expires_at is still ahead, by the server's clock


class LeaseTable:
    def __init__(self, pool: asyncpg.Pool, ttl: float) -> None:
        self.pool = pool
        self.ttl = ttl

    async def acquire(self, connection: str, holder: str) -> bool:
        """Take ``connection`` when nobody holds it or its lease ran out (or renew ours)."""
        return await self.pool.fetchval(ACQUIRE, connection, holder, self.ttl) is not None

    async def renew(self, holder: str) -> set[str]:
        """Every lease ``holder`` still holds, each extended by the TTL."""
        rows = await self.pool.fetch(RENEW, holder, self.ttl)
        return {r["connection"] for r in rows}

    async def release(self, connection: str, holder: str) -> None:
        await self.pool.execute(RELEASE, connection, holder)

    async def release_all(self, holder: str) -> None:
        await self.pool.execute(RELEASE_ALL, holder)

    async def all(self) -> dict[str, Lease]:
        rows = await self.pool.fetch(ALL)
        return {r["connection"]: Lease(**dict(r.items())) for r in rows}
