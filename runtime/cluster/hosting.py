"""Hosting a broker connection on this instance, and giving it up.

An instance hosts only the connections whose lease it holds (runtime/cluster/leases.py).
``host`` is what ``Runtime.start`` does for each connection, for one connection at run
time: build the adapter as the config or the saved connection says, load the
connection's accounts, locks and open orders from the shared store (another instance
may have moved them since this one last looked), connect, and reconcile with the
broker, which may hold orders and fills the previous holder never saw answered.
``unhost`` fails closed: the link is closed and the accounts leave memory, so nothing
on this instance decides for them any more.
"""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING

from ordergate.runtime.connections import ConnectionSpec, config_spec
from ordergate.runtime.errors import BrokerError
from ordergate.runtime.store import AccountRow

if TYPE_CHECKING:
    from ordergate.policy.models import ConnectionConfig
    from ordergate.runtime.service import Runtime

log = logging.getLogger("ordergate.cluster")
CONNECT_WAIT_SECONDS = 5.0  # then the supervisor keeps trying in the background


class Hosting:
    def __init__(self, runtime: Runtime) -> None:
        self.rt = runtime
        self.configured: dict[str, ConnectionConfig] = {c.name: c for c in runtime.config.connections}

    def names(self) -> list[str]:
        """Every connection of the deployment: the config file's and those added through
        the API (saved in the shared store)."""
        saved = [name for name, _ in self.rt.core.store.saved_connections()]
        return sorted(set(self.configured) | set(saved))

    def broker_of(self, name: str) -> str:
        conn = self.configured.get(name)
        if conn is not None:
            return conn.broker
        saved = dict(self.rt.core.store.saved_connections()).get(name)
        return str(saved["broker"]) if saved else ""

    def hosted(self, name: str) -> bool:
        return name in self.rt.connections.specs

    async def host(self, name: str) -> None:
        rt, core = self.rt, self.rt.core
        if self.hosted(name):
            return
        if not self._register(name):
            log.warning("connection %s is in neither the config nor the store; not hosted", name)
            return
        now = core.now()
        locks = {row.account: row for row in core.store.locks()}
        accounts = [row for row in core.store.accounts() if row.connection == name]
        # until the broker's first position report, the monitor's tick must not take the
        # positions of a link still coming up (none) for positions gone
        core.positions_pending.update(row.id for row in accounts)
        async with contextlib.AsyncExitStack() as held:
            # an order that comes in meanwhile waits until the link is up and the accounts
            # are reconciled: what the broker did while nobody hosted them comes first
            states = []
            for row in sorted(accounts, key=lambda r: r.id):
                await held.enter_async_context(core.lock_for(row.id))
                states.append(rt._load_account(row, now, locks.get(row.id)))
                core.orders.load_account(row.id, core.store.open_orders(row.id, managed=False))
            rt.gateway.load_held()
            await rt.connections.start(name, CONNECT_WAIT_SECONDS)
            supervisor = rt.connections.supervisors.get(name)
            broker = core.brokers.get(name)
            if broker is not None and supervisor is not None and supervisor.state in ("connected", "stale"):
                for state in states:
                    try:
                        await rt.reconciler.account_locked(state, broker)
                    except BrokerError as exc:
                        log.warning("reconciliation of %s failed: %s", state.id, exc)
        core.bus.publish("connection", {"connection": name, "status": "hosted", "detail": None})
        log.info("hosting connection %s (%d accounts)", name, len(accounts))

    def _register(self, name: str) -> bool:
        rt, store = self.rt, self.rt.core.store
        conn = self.configured.get(name)
        if conn is not None:
            spec = config_spec(conn)
            rt.connections.register(spec, rt.connections.build(spec, dict(conn.credentials or {})))
            for a in conn.accounts or ():
                store.upsert_account(AccountRow.opened(a.id, conn.name, a.nickname, a.balance, a.enabled))
            if (paper := conn.builtin_paper) is not None:
                store.upsert_account(AccountRow.opened(paper.id, conn.name, paper.nickname, paper.balance))
            return True
        stored = dict(store.saved_connections()).get(name)
        if stored is None:
            return False
        spec = ConnectionSpec(
            name,
            stored["broker"],
            "api",
            stored["execution"],
            stored.get("mode"),
            stored["settings"],
            stored["accounts"],
        )
        rt.connections.register(spec, rt.connections.build(spec, rt.connections.saved_credentials(name)))
        return True

    async def unhost(self, name: str) -> None:
        rt, core = self.rt, self.rt.core
        # first what decides: from here on nothing on this instance acts for these accounts
        rt.connections.specs.pop(name, None)
        supervisor = rt.connections.supervisors.pop(name, None)
        dropped = [a for a, s in core.accounts.items() if s.connection == name]
        for account in dropped:
            del core.accounts[account]
            core.orders.forget(account)
        if supervisor is not None:
            # the shared status row is the new holder's to write now
            supervisor.on_status = lambda *_: None
            await supervisor.stop()
        core.brokers.pop(name, None)  # after the link is down: an order in flight still reaches it
        core.executions.pop(name, None)
        core.bus.publish("connection", {"connection": name, "status": "released", "detail": None})
        log.info("no longer hosting connection %s (accounts %s)", name, ", ".join(dropped) or "none")
