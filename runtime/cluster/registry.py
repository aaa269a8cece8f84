"""The instance registry: each running ``ordergate run`` on the shared database.

An instance inserts its row at start, moves ``heartbeat_at`` on every beat (with the
bundle it runs), and deletes it at a clean stop. An instance is live while its last
heartbeat is younger than the lease TTL; rows of instances dead for long are swept so
the table does not grow with every restart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type hints

SWEEP_AFTER_SECONDS = 3600.0  # a dead instance stays visible in status for an hour

REGISTER = """
INSERT INTO instances (id, address, host, pid, started_at, heartbeat_at, bundle)
VALUES ($1, $2, $3, $4, now(), now(), $5)
ON CONFLICT (id) DO UPDATE SET address = EXCLUDED.address, host = EXCLUDED.host, pid = EXCLUDED.pid,
    started_at = EXCLUDED.started_at, heartbeat_at = EXCLUDED.heartbeat_at, bundle = EXCLUDED.bundle
"""
BEAT = "UPDATE instances SET heartbeat_at = now(), bundle = $2 WHERE id = $1"
SWEEP = "DELETE FROM instances WHERE heartbeat_at < now() - make_interval(secs => $1)"
ALL = """
SELECT id, address, host, pid, started_at, heartbeat_at, bundle,
       heartbeat_at > now() - make_interval(secs => $1) AS live
FROM instances ORDER BY started_at, id
"""


@dataclass(frozen=True, slots=True)
class Instance:
    id: str
    address: str
    host: str
    pid: int
    started_at: datetime
    heartbeat_at: datetime
    bundle: str | None
    live: bool


class Registry:
    def __init__(self, pool: asyncpg.Pool, ttl: float) -> None:
        self.pool = pool
        self.ttl = ttl

    async def register(self, ident: str, address: str, host: str, pid: int, bundle: str | None) -> None:
        await self.pool.execute(REGISTER, ident, address, host, pid, bundle)

    async def beat(self, ident: str, bundle: str | None) -> bool:
        """False when our row is gone (swept, or deleted by hand): register again."""
        status: str = await self.pool.execute(BEAT, ident, bundle)
        return status == "UPDATE 1"

    async def leave(self, ident: str) -> None:
        await self.pool.execute("DELETE FROM instances WHERE id = $1", ident)

    async def sweep(self) -> None:
        await self.pool.execute(SWEEP, SWEEP_AFTER_SECONDS)

    async def all(self) -> list[Instance]:
        rows = await self.pool.fetch(ALL, self.ttl)
        return [Instance(**dict(r.items())) for r in rows]
