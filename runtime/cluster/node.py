"""This instance's place in the cluster: registry row, leases, notices, status.

Theory of operation. Every ``BEAT_SECONDS`` the instance moves its heartbeat, renews its
leases and looks at the table: a connection whose lease it lost is no longer hosted
(fail closed), a connection nobody holds (or whose holder stopped renewing) is taken
and hosted, and an instance holding more than its share while another live one holds
less gives one back, so connections spread over the instances. A lease lasts
``LEASE_SECONDS``: a SIGKILLed holder's connections are taken at most
``LEASE_SECONDS + BEAT_SECONDS`` after its last renewal, then connected and
reconciled, within the 15 s the issue asks for.

Hosting and unhosting run as tasks, one at a time per connection, so a broker that is
slow to connect never delays a renewal. When renewals fail (the database is out of
reach) for longer than a lease could still be ours, every connection is unhosted. The
store's fencing hook (``fence``) closes the last gap: an order's transaction commits
only while the lease is held, so two instances never both commit for one account.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import functools
import logging
import math
import os
import secrets
import socket
import time
import weakref
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type hints
import httpx

from ordergate.runtime.cluster.bus import NoticeBus
from ordergate.runtime.cluster.db import ensure_schema, open_pool
from ordergate.runtime.cluster.errors import ClusterError
from ordergate.runtime.cluster.hosting import Hosting
from ordergate.runtime.cluster.kill_switch import LOCKED, apply_stored_locks
from ordergate.runtime.cluster.leases import Lease, LeaseTable
from ordergate.runtime.cluster.registry import Instance, Registry
from ordergate.runtime.cluster.relay import Relay

if TYPE_CHECKING:
    from ordergate.runtime.service import Runtime
    from ordergate.runtime.webhook_desk import WebhookDesk

log = logging.getLogger("ordergate.cluster")
BEAT_SECONDS = 2.0
LEASE_SECONDS = 8.0
RELEASED_PAUSE_SECONDS = 3 * BEAT_SECONDS  # a connection given back is left to the others this long
FORWARD_TIMEOUT_SECONDS = 30.0  # an order waits up to 10 s for its broker, then its fill
DB_ERRORS = (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError, ClusterError)


def advertised_address(host: str, port: int) -> str:
    """The URL other instances forward to: ``ORDERGATE_ADVERTISE_URL`` when set (an API
    listening on 0.0.0.0 or behind a proxy), else the listen address."""
    given = os.environ.get("ORDERGATE_ADVERTISE_URL")
    if given:
        return given.rstrip("/")
    if host in ("0.0.0.0", "::"):
        host = socket.gethostname()
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def instance_id(state_dir: Path) -> tuple[str, IO[str]]:
    """This instance's id, kept in its state directory: a runtime restarted on the same
    directory is the same instance and hosts the leases it held at once, instead of
    waiting for them to run out. The directory is locked while the runtime runs, so two
    runtimes can never share an id."""
    state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    lock = (state_dir / "instance.lock").open("a")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        lock.close()
        raise ClusterError(
            f"another ordergate run uses the state directory {state_dir}: each instance of a cluster "
            "needs its own --state-dir"
        ) from None
    path = state_dir / "instance"
    ident = path.read_text("utf-8").strip() if path.exists() else ""
    if not ident:
        ident = f"{socket.gethostname()}-{secrets.token_hex(3)}"
        path.write_text(ident + "\n", "utf-8")
    return ident, lock


class Cluster:
    def __init__(self, runtime: Runtime, url: str) -> None:
        self.rt = runtime
        self.url = url
        self.id = ""  # read or made at start: instance_id()
        self.address = advertised_address(runtime.config.host, runtime.config.port)
        self.hosting = Hosting(runtime)
        self.hosted: set[str] = set()  # hosted or being hosted: the leases this instance acts on
        self.instances: list[Instance] = []  # as of the last beat
        self.leases: dict[str, Lease] = {}
        self.http: httpx.AsyncClient | None = None
        self.relay = Relay(FORWARD_TIMEOUT_SECONDS)  # forwarding, on the order path
        self._pool: asyncpg.Pool | None = None
        self._table: LeaseTable | None = None
        self._registry: Registry | None = None
        self.bus: NoticeBus | None = None
        self._renewed_at = 0.0  # monotonic time of the last renewal that succeeded
        self._released: dict[str, float] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._loop: asyncio.Task[None] | None = None
        self._echo = False  # reloading because another instance did: do not announce it back
        self._homes: dict[str, str] = {}  # account -> connection, of the accounts this instance wrote for
        self._unfenced: set[str] = set()
        self._homes_elsewhere: dict[str, str] = {}  # account -> connection, for forwarding
        self._addresses: dict[str, str] = {}  # live instance -> address, as of the last beat
        self._id_lock: IO[str] | None = None
        # the API's webhook desks, told to re-read settings another instance saved
        self.webhook_desks: weakref.WeakSet[WebhookDesk] = weakref.WeakSet()
        # the store commits an account's write only while this instance holds the lease of
        # the account's connection (PostgresStore checks it inside the transaction)
        setattr(runtime.core.store, "fence", self.fence)  # noqa: B010 - not in the Store protocol

    # ---- lifecycle

    async def start(self) -> None:
        self.id, self._id_lock = instance_id(self.rt.config.state_dir)
        self._pool = await open_pool(self.url)
        await ensure_schema(self._pool)
        self._table = LeaseTable(self._pool, LEASE_SECONDS)
        self._registry = Registry(self._pool, LEASE_SECONDS)
        self.http = httpx.AsyncClient(timeout=FORWARD_TIMEOUT_SECONDS)
        self.bus = NoticeBus(self.url, self.id, self._pool)
        self.bus.handlers["reload"] = self._on_reload
        self.bus.handlers["webhook_settings"] = self._on_webhook_settings
        self.bus.handlers[LOCKED] = functools.partial(apply_stored_locks, self.rt)
        await self.bus.start()
        await self._registry.register(
            self.id, self.address, socket.gethostname(), os.getpid(), self._bundle()
        )
        self._renewed_at = time.monotonic()
        await self.beat()
        await self.settle()  # the connections taken at start are up before anyone is answered
        self._loop = asyncio.create_task(self._beat_loop(), name="cluster-beat")
        log.info("cluster instance %s at %s", self.id, self.address)

    async def stop(self) -> None:
        if self._loop is not None:
            self._loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop
        await self.settle()
        for name in sorted(self.hosted):
            await self._unhost(name)
        if self.bus is not None:
            await self.bus.stop()
        if self._table is not None and self._registry is not None:
            with contextlib.suppress(*DB_ERRORS):  # the leases run out by themselves
                await self._table.release_all(self.id)
                await self._registry.leave(self.id)
        if self.http is not None:
            await self.http.aclose()
        self.relay.close()
        if self._pool is not None:
            with contextlib.suppress(*DB_ERRORS):
                await asyncio.wait_for(self._pool.close(), 5)
        if self._id_lock is not None:
            self._id_lock.close()

    async def settle(self) -> None:
        """Wait for the hosting and unhosting under way."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    # ---- the store's fencing hook

    def fence(self, account: str) -> tuple[str, str] | None:
        """The lease an account's write needs: its connection's, held by this instance.
        An account this instance no longer hosts stays fenced: an order still in flight
        when its connection was lost must not commit beside the new holder's."""
        if account in self._unfenced:
            return None
        state = self.rt.core.accounts.get(account)
        if state is not None:
            self._homes[account] = state.connection
            return state.connection, self.id
        connection = self._homes.get(account)
        return (connection, self.id) if connection is not None else None

    @contextlib.contextmanager
    def unfenced(self, account: str) -> Iterator[None]:
        """Write for an account no instance hosts (the kill switch's lock of it)."""
        self._unfenced.add(account)
        try:
            yield
        finally:
            self._unfenced.discard(account)

    # ---- the beat

    async def _beat_loop(self) -> None:
        while True:
            await asyncio.sleep(BEAT_SECONDS)
            try:
                await asyncio.wait_for(self.beat(), LEASE_SECONDS / 2)
            except Exception:  # the loop must outlive any one beat
                log.exception("cluster heartbeat failed")
                self._fail_closed_if_stale()

    async def beat(self) -> None:
        assert self._table is not None and self._registry is not None
        sent = time.monotonic()
        try:
            if not await self._registry.beat(self.id, self._bundle()):
                await self._registry.register(
                    self.id, self.address, socket.gethostname(), os.getpid(), self._bundle()
                )
            held = await self._table.renew(self.id)
            self._renewed_at = sent
            instances = await self._registry.all()
            leases = await self._table.all()
        except DB_ERRORS as exc:
            log.warning("cluster heartbeat: %s", exc)
            self._fail_closed_if_stale()
            return
        for name in sorted(self.hosted - held):
            log.warning("lease of connection %s lost: no longer hosting it", name)
            self._start_unhosting(name)
        for name in sorted(held - self.hosted):  # ours in the table, e.g. a host that failed
            self._start_hosting(name)
        await self._take_free(held, leases)
        await self._give_back(held, instances, leases)
        self.instances, self.leases = instances, await self._table.all()
        self._addresses = {i.id: i.address for i in instances if i.live}

    async def _take_free(self, held: set[str], leases: dict[str, Lease]) -> None:
        """Every connection nobody holds: availability comes before an even spread."""
        assert self._table is not None
        now = time.monotonic()
        for name in self.hosting.names():
            lease = leases.get(name)
            if name in held or (lease is not None and lease.live):
                continue
            if now - self._released.get(name, -math.inf) < RELEASED_PAUSE_SECONDS:
                continue
            if await self._table.acquire(name, self.id):
                log.info("took the lease of connection %s", name)
                held.add(name)
                self._start_hosting(name)

    async def _give_back(self, held: set[str], instances: list[Instance], leases: dict[str, Lease]) -> None:
        """One connection over this instance's share, when a live instance holds less."""
        live = [i.id for i in instances if i.live]
        names = self.hosting.names()
        share = math.ceil(len(names) / max(1, len(live)))
        if len(held) <= share:
            return
        counts = dict.fromkeys(live, 0)
        for lease in leases.values():
            if lease.live and lease.holder in counts:
                counts[lease.holder] += 1
        if not any(n < share for ident, n in counts.items() if ident != self.id):
            return
        name = sorted(held)[-1]
        held.discard(name)
        self._released[name] = time.monotonic()
        log.info("giving connection %s back: %d held, share %d", name, len(held) + 1, share)
        self._start_unhosting(name, release=True)

    def _fail_closed_if_stale(self) -> None:
        if time.monotonic() - self._renewed_at < LEASE_SECONDS - BEAT_SECONDS:
            return
        for name in sorted(self.hosted):
            log.error(
                "leases not renewed for %.0f s: no longer hosting %s", LEASE_SECONDS - BEAT_SECONDS, name
            )
            self._start_unhosting(name)

    # ---- hosting

    def _lock(self, name: str) -> asyncio.Lock:
        return self._locks.setdefault(name, asyncio.Lock())

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _start_hosting(self, name: str) -> None:
        self.hosted.add(name)  # at once: the next beat must not start it again
        self._spawn(self._host(name))

    def _start_unhosting(self, name: str, *, release: bool = False) -> None:
        self.hosted.discard(name)
        self._spawn(self._unhost(name, release=release))

    async def _host(self, name: str) -> None:
        async with self._lock(name):
            if name not in self.hosted:
                return  # lost again before it was up
            try:
                await self.hosting.host(name)
            except Exception:
                log.exception("hosting connection %s failed; giving its lease back", name)
                await self._unhost_now(name, release=True)

    async def _unhost(self, name: str, *, release: bool = False) -> None:
        self.hosted.discard(name)
        async with self._lock(name):
            await self._unhost_now(name, release=release)

    async def _unhost_now(self, name: str, *, release: bool) -> None:
        self.hosted.discard(name)
        try:
            await self.hosting.unhost(name)
        finally:
            if release and self._table is not None:
                with contextlib.suppress(*DB_ERRORS):
                    await self._table.release(name, self.id)

    # ---- reloads everywhere

    def _bundle(self) -> str | None:
        bundle = self.rt.core.holder.to_dict().get("bundle")
        return str(bundle) if bundle else None

    def after_reload(self, swapped: bool) -> None:
        """A reload here: the others reload too (each from its own rules directory)."""
        if not swapped or self._echo or self.bus is None:
            return
        self._spawn(self._announce_reload())

    async def _announce_reload(self) -> None:
        assert self.bus is not None and self._registry is not None
        with contextlib.suppress(*DB_ERRORS):
            await self._registry.beat(self.id, self._bundle())
            await self.bus.publish("reload", bundle=self._bundle())

    async def _on_reload(self, notice: dict[str, Any]) -> None:
        assert self._registry is not None
        self._echo = True
        try:
            await self.rt.reload()
        finally:
            self._echo = False
        with contextlib.suppress(*DB_ERRORS):
            await self._registry.beat(self.id, self._bundle())

    # ---- webhook settings everywhere

    def webhook_settings_saved(self, name: str, changed: list[str]) -> None:
        """Settings saved here (already committed): the others re-read them from the store."""
        if self.bus is not None:
            self._spawn(self._announce_webhook_settings(name, changed))

    async def _announce_webhook_settings(self, name: str, changed: list[str]) -> None:
        assert self.bus is not None
        try:
            await self.bus.publish("webhook_settings", webhook=name, changed=changed)
        except DB_ERRORS as exc:  # the others see the settings at their next restart
            log.warning("webhook %s: settings saved, but the other instances were not told: %s", name, exc)

    async def _on_webhook_settings(self, notice: dict[str, Any]) -> None:
        for desk in list(self.webhook_desks):
            desk.reread_settings()
        name = str(notice.get("webhook"))
        changed = notice.get("changed")
        self.rt.core.bus.publish(  # this instance's event stream says so as the saving one's does
            "webhook_settings", {"webhook": name, "changed": changed if isinstance(changed, list) else []}
        )
        log.info("webhook %s: settings saved by instance %s re-read", name, notice.get("origin"))

    # ---- where an account is served

    def holder_of(self, connection: str) -> Instance | None:
        lease = self.leases.get(connection)
        if lease is None:
            return None
        return next((i for i in self.instances if i.id == lease.holder), None)

    async def locate(self, account: str) -> tuple[str | None, Lease | None, str | None]:
        """The account's connection, its lease (if any) and the holder's address.

        From the last beat's reading when it names a live holder elsewhere (a request
        forwarded on a reading up to a beat old, to a holder that just lost the lease, is
        answered 503 there and retried); from the database otherwise."""
        connection = self._homes_elsewhere.get(account)
        lease = self.leases.get(connection) if connection is not None else None
        if lease is not None and lease.live and lease.holder != self.id:
            address = self._addresses.get(lease.holder)
            if address is not None:
                return connection, lease, address
        assert self._pool is not None
        row = await self._pool.fetchrow(LOCATE, account)
        if row is None:
            return None, None, None
        self._homes_elsewhere[account] = row["connection"]  # an account keeps its connection
        lease = None
        if row["holder"] is not None:
            lease = Lease(
                row["connection"], row["holder"], row["acquired_at"], row["expires_at"], row["live"]
            )
        return row["connection"], lease, row["address"]

    async def locate_connection(self, connection: str) -> tuple[Lease | None, str | None]:
        """A connection's lease (if any) and its holder's address, read now."""
        assert self._pool is not None
        row = await self._pool.fetchrow(LOCATE_CONNECTION, connection)
        if row is None:
            return None, None
        lease = Lease(row["connection"], row["holder"], row["acquired_at"], row["expires_at"], row["live"])
        return lease, row["address"]

    async def order_account(self, order_id: str) -> str | None:
        assert self._pool is not None
        value = await self._pool.fetchval("SELECT account FROM orders WHERE id = $1", order_id)
        return str(value) if value is not None else None

    def live_peers(self) -> list[Instance]:
        return [i for i in self.instances if i.live and i.id != self.id]


LOCATE = """
SELECT a.connection, l.holder, l.acquired_at, l.expires_at, l.expires_at > now() AS live, i.address
FROM accounts a
LEFT JOIN leases l ON l.connection = a.connection
LEFT JOIN instances i ON i.id = l.holder
WHERE a.id = $1
"""
LOCATE_CONNECTION = """
SELECT l.connection, l.holder, l.acquired_at, l.expires_at, l.expires_at > now() AS live, i.address
FROM leases l LEFT JOIN instances i ON i.id = l.holder
WHERE l.connection = $1
"""
