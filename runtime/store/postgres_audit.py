"""The audit log of a PostgreSQL store, read without migrating or writing anything:
``ordergate audit export --store postgresql://…`` beside the runtimes that write it."""

from __future__ import annotations

from typing import Any

from ordergate.runtime.store import rows
from ordergate.runtime.store.interface import StoreError
from ordergate.runtime.store.pgloop import PgLink
from ordergate.runtime.store.postgres import WITH_INPUTS


class PgAuditReader:
    def __init__(self, url: str) -> None:
        self._link = PgLink(url)
        try:
            has_inputs = self._link.run(self._prepare)
        except StoreError:
            self._link.stop()
            raise
        if not has_inputs:
            self._link.stop()
            raise StoreError(
                f"{self._link.where} holds no ordergate audit log with decision inputs"
                " (no runtime of this version has opened it yet)"
            )

    async def _prepare(self) -> bool:
        conn = self._link.conn
        # this session cannot write, whatever a bug below might try
        await conn.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
        found = await conn.fetchval(
            "SELECT count(*) FROM information_schema.columns WHERE table_schema = current_schema()"
            " AND table_name = 'decisions' AND column_name = 'inputs'"
        )
        return bool(found)

    def decisions_with_inputs(self, after: int, limit: int) -> list[dict[str, Any]]:
        found = self._link.run(lambda: self._link.conn.fetch(WITH_INPUTS, after, limit))
        return rows.with_inputs(list(found))

    def close(self) -> None:
        self._link.stop()
