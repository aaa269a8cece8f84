"""One asyncpg connection driven from synchronous code, on an event loop of its own.

The store interface is synchronous by design: the core commits an order's writes
before it answers, exactly as with SQLite, and nothing else may run on the runtime's
event loop between the decision and the commit. asyncpg is asyncio only, and its
connection belongs to the loop that opened it; so the PostgreSQL store runs asyncpg on a
private loop in a dedicated daemon thread, and each synchronous call submits a
coroutine there and waits for its result. The runtime's loop is blocked for the
round trip, which is what a SQLite commit does too; other threads (the audit export,
``migrate-store``) may call in as well, and the store's lock keeps them apart.

Errors are mapped here, at the boundary: every asyncpg, OS and timeout error becomes a
``StoreError`` whose message names the database by its URL *without* the password.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type hints

from ordergate.runtime.store.interface import StoreError

T = TypeVar("T")

CONNECT_SECONDS = 10.0  # opening the store at start
RECONNECT_SECONDS = 3.0  # again while running: the caller's event loop waits for it
RETRY_SECONDS = 1.0  # after a failed reconnect, calls fail at once for this long
# long enough for an advisory lock held by another instance's order transaction (those
# last milliseconds); short enough that a wedged server is reported, not waited on forever
COMMAND_SECONDS = 30.0
# The longest a write waits for a lock another instance holds (an account's advisory
# lock, a row): the caller's event loop waits with it, and an instance that stalls
# cannot renew its leases. Past it the write fails (the order is answered 503) and the
# connection is kept.
LOCK_WAIT = "5s"


def redacted(url: str) -> str:
    """``url`` with its password replaced by ``***``: what messages and status may show."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "postgresql://…"
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 literal goes back in brackets
        host = f"[{host}]"
    netloc = f"{user}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def describe(exc: BaseException, where: str) -> str:
    """A sentence a person can act on, for the errors one meets opening a database."""
    if isinstance(exc, asyncpg.InvalidPasswordError):
        return f"PostgreSQL at {where} refused the password (check the store URL's credentials)"
    if isinstance(exc, asyncpg.InvalidAuthorizationSpecificationError):
        return f"PostgreSQL at {where} refused the login: {exc}"
    if isinstance(exc, asyncpg.LockNotAvailableError):
        return f"PostgreSQL at {where}: another instance held the lock for longer than {LOCK_WAIT}; nothing was written"
    if isinstance(exc, asyncpg.InvalidCatalogNameError):
        return f"PostgreSQL at {where}: the database does not exist ({exc}); create it first"
    if isinstance(exc, ConnectionRefusedError | OSError) and not isinstance(exc, TimeoutError):
        reason = exc.strerror or str(exc)
        return f"cannot reach PostgreSQL at {where}: {reason} (is the server running?)"
    if isinstance(exc, TimeoutError | asyncio.TimeoutError):
        return f"PostgreSQL at {where} did not answer in time"
    if isinstance(exc, asyncpg.PostgresError):
        return f"PostgreSQL at {where}: {exc}"
    return f"PostgreSQL at {where}: {type(exc).__name__}: {exc}"


DRIVER_ERRORS: tuple[type[BaseException], ...] = (
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
    OSError,
    asyncio.TimeoutError,
)


def breaks_the_connection(exc: BaseException) -> bool:
    """Whether the connection can no longer be trusted after ``exc``: anything but an
    error the server reported about a statement, and among those the connection
    exceptions (SQLSTATE class 08) and operator intervention (57P: the backend was
    terminated, the server is shutting down)."""
    if isinstance(exc, asyncpg.PostgresError):
        state = getattr(exc, "sqlstate", None) or ""
        return state.startswith(("08", "57P"))
    return True


CLOSE_ERRORS: tuple[type[BaseException], ...] = (*DRIVER_ERRORS, RuntimeError)


class PgLink:
    """The private loop, its thread and the one connection on it."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.where = redacted(url)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="ordergate-pg", daemon=True)
        self._thread.start()
        self._conn: Any = None
        self.trips = 0  # calls waited on: what the store bench counts per order
        self._retry_at = 0.0  # monotonic: no reconnect attempt before it
        try:
            self._conn = self.run(self._connect)
        except StoreError:
            self.stop()
            raise

    async def _connect(self) -> Any:
        conn = await asyncpg.connect(self.url, timeout=CONNECT_SECONDS, command_timeout=COMMAND_SECONDS)
        try:
            # named for pg_stat_activity, so an operator sees which sessions are the stores'
            await conn.execute(f"SET application_name = 'ordergate-store'; SET lock_timeout = '{LOCK_WAIT}'")
        except BaseException:
            conn.terminate()
            raise
        return conn

    def run(self, job: Callable[[], Awaitable[T]]) -> T:
        """Run ``job()`` on the store's loop and wait for it; driver errors become StoreError."""

        async def guarded() -> T:
            try:
                return await job()
            except StoreError:
                raise
            except DRIVER_ERRORS as exc:
                if breaks_the_connection(exc) and self._conn is not None:
                    self._conn.terminate()  # the next call outside a transaction opens a new one
                raise StoreError(describe(exc, self.where)) from exc

        if self._loop.is_closed():
            raise StoreError(f"the store at {self.where} is closed")
        self.trips += 1
        return asyncio.run_coroutine_threadsafe(guarded(), self._loop).result()

    @property
    def conn(self) -> Any:
        """The connection; a lost one is opened again (callers do so between transactions)."""
        return self._conn

    def reconnect_if_lost(self) -> None:
        """Open the connection again if it was lost. While the server stays out of reach
        this fails at once for RETRY_SECONDS after each failed attempt, rather than hold
        every caller (the runtime's event loop among them) for a connect timeout."""
        if self._conn is not None and not self._conn.is_closed():
            return
        now = time.monotonic()
        if now < self._retry_at:
            raise StoreError(
                f"PostgreSQL at {self.where} is out of reach (retrying every {RETRY_SECONDS:g} s)"
            )
        try:
            self._conn = self.run(self._reconnect)
        except StoreError:
            self._retry_at = time.monotonic() + RETRY_SECONDS
            raise

    async def _reconnect(self) -> Any:
        return await asyncio.wait_for(self._connect(), RECONNECT_SECONDS)

    def stop(self) -> None:
        """Close the connection and end the thread; a second call does nothing."""
        if self._loop.is_closed():
            return
        conn = self._conn
        self._conn = None
        if conn is not None and not conn.is_closed():
            try:
                asyncio.run_coroutine_threadsafe(conn.close(timeout=5), self._loop).result()
            except CLOSE_ERRORS:  # a server gone away, or a loop past closing: drop it
                conn.terminate()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()
