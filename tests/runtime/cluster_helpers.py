"""A PostgreSQL schema of its own for each cluster test.

The server comes from ``ORDERGATE_TEST_PG`` (e.g. ``postgresql://postgres@127.0.0.1:5432/test``);
without it the tests are skipped with the reason, and under ``ORDERGATE_REQUIRE_PG=1``
(as CI runs) a missing server fails them instead. Each test gets a fresh schema, named in
the URL as ``?search_path=``, which asyncpg (and so the store and the cluster) sends as
a server setting, and dropped afterwards.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Iterator

import asyncpg
import pytest

PG_ENV = "ORDERGATE_TEST_PG"


def server_url() -> str:
    url = os.environ.get(PG_ENV, "")
    if not url:
        why = f"{PG_ENV} is not set: these tests need a PostgreSQL server (e.g. postgresql://postgres@127.0.0.1:5432/test)"
        if os.environ.get("ORDERGATE_REQUIRE_PG") == "1":
            pytest.fail(why)
        pytest.skip(why)
    return url


def _with_schema(url: str, schema: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}search_path={schema}"


async def _admin(url: str, sql: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A database URL whose tables live in a schema of this test's own."""
    base = server_url()
    schema = f"og_test_{secrets.token_hex(6)}"
    try:
        asyncio.run(_admin(base, f"CREATE SCHEMA {schema}"))
    except (OSError, asyncpg.PostgresError) as exc:
        if os.environ.get("ORDERGATE_REQUIRE_PG") == "1":
            pytest.fail(f"the PostgreSQL server at {base} cannot be used: {exc}")
        pytest.skip(f"the PostgreSQL server at {base} cannot be used: {exc}")
    try:
        yield _with_schema(base, schema)
    finally:
        asyncio.run(_admin(base, f"DROP SCHEMA {schema} CASCADE"))
