"""The runtime: one asyncio process hosting brokers, the gateway, the monitor and reload.

``Runtime`` composes the parts around a shared ``Core`` and offers the operations the
HTTP API and the CLI use: orders, cancels, flatten, lock and unlock, enable and
disable, resume, the kill switch, and the views of accounts and status. At start it
rebuilds the account book from the store and reconciles it with the brokers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from ordergate.policy import CompiledPolicy, Quote, canonical_root
from ordergate.policy.orders import Position
from ordergate.policy.runtime_checks import plan_refusal
from ordergate.runtime import logs
from ordergate.runtime.actions import Actions
from ordergate.runtime.book import AccountState, day_keys, point_value
from ordergate.runtime.broker_events import ConnectionEvents
from ordergate.runtime.brokers.base import AccountInfo, OrderRequest
from ordergate.runtime.brokers.builtin_paper import paper_market
from ordergate.runtime.brokers.paper import PaperBroker
from ordergate.runtime.clock import Clock, SystemClock
from ordergate.runtime.cluster import cluster_for, with_cluster
from ordergate.runtime.config import RuntimeConfig
from ordergate.runtime.connections import ConnectionManager, ConnectionSpec, config_spec
from ordergate.runtime.copytrading import Copier
from ordergate.runtime.core import Core
from ordergate.runtime.errors import BadRequest, ConfigError, Conflict, RequestError
from ordergate.runtime.events import EventBus
from ordergate.runtime.gateway import Gateway
from ordergate.runtime.holder import PolicyHolder
from ordergate.runtime.metrics import Metrics
from ordergate.runtime.monitor import FLUSH_SECONDS, Monitor
from ordergate.runtime.prices import check_quote
from ordergate.runtime.reconcile import Reconciler
from ordergate.runtime.store import AccountRow, LockRow, SqliteStore, open_store
from ordergate.runtime.store_repair import repair_non_finite
from ordergate.runtime.storelock import StoreLock
from ordergate.runtime.vault import Vault

log = logging.getLogger("ordergate.runtime")
TICK_SECONDS = 1.0


class Runtime:
    def __init__(
        self,
        config: RuntimeConfig,
        clock: Clock | None = None,
        *,
        seed: int | None = None,
        enforce_plan: bool = True,
    ) -> None:
        # enforce_plan=False is for load benchmarks that need more accounts than any plan holds
        refusal = plan_refusal(
            config.plan,
            len(config.connections),
            sum(len(c.accounts or ()) + (c.builtin_paper is not None) for c in config.connections),
        )
        if refusal and enforce_plan:
            raise ConfigError(refusal)
        self.config = config
        clock = clock or SystemClock()
        self.core = Core(clock, open_store(config.store), EventBus(), Metrics(), PolicyHolder(config.rules))
        self.actions = Actions(self.core)
        self.gateway = Gateway(self.core, self.actions)
        self.actions.cancel_orders = self.gateway.cancel_all
        self.monitor = Monitor(self.core, self.actions, self.gateway)
        self.reconciler = Reconciler(self.core, self.monitor)
        self.gateway.spawn = self._spawn
        self._tasks: list[asyncio.Task[None]] = []
        self._quote_tasks: set[asyncio.Task[None]] = set()
        self._seed = seed
        self._vault: Vault | None = None
        self._store_lock: StoreLock | None = None
        self._flush_timer: asyncio.TimerHandle | None = None
        self._stopping = False  # no new flush passes
        self._closed = False  # connections are down: nothing new is scheduled at all
        self.started_at: datetime | None = None
        self.connections = ConnectionManager(self)
        self.copier = Copier(self)
        # several runtimes on one PostgreSQL database (runtime/cluster): each hosts the
        # connections whose lease it holds
        self.cluster = cluster_for(self)
        self.core.fill_listeners.append(self._after_fill)
        self.core.fill_listeners.append(self.copier.on_fill)

    # ---- lifecycle

    async def start(self, *, background: bool = True) -> None:
        core = self.core
        # held for the runtime's lifetime: `ordergate vault rotate` must not re-key under us
        if isinstance(core.store, SqliteStore):  # a file beside the database; PostgreSQL has none
            self._store_lock = StoreLock.shared(core.store.path)
        for repair in repair_non_finite(core.store, core.now().isoformat()):  # before any figure is read
            log.warning("state store repaired: %s", repair.message)
            core.bus.publish("store_repaired", repair.to_dict())
        if background and self.config.rules_watched:
            await core.holder.wait_quiet()  # a rules file still being written must not decide
        now = core.now()
        self._load_policy(now)
        for conn in () if self.cluster else self.config.connections:  # clustered: the leases decide
            spec = config_spec(conn)
            try:
                adapter = self.connections.build(spec, dict(conn.credentials or {}))
            except RequestError as exc:
                raise ConfigError(f"connection {conn.name}: {exc.message}") from None
            self.connections.register(spec, adapter)
            for a in conn.accounts or ():
                core.store.upsert_account(
                    AccountRow.opened(a.id, conn.name, a.nickname, a.balance, a.enabled)
                )
            if (paper := conn.builtin_paper) is not None:  # filled at this connection's quotes
                core.store.upsert_account(
                    AccountRow.opened(paper.id, conn.name, paper.nickname, paper.balance)
                )
        for name, stored in () if self.cluster else core.store.saved_connections():
            if name in self.connections.specs:
                continue
            spec = ConnectionSpec(
                name,
                stored["broker"],
                "api",
                stored["execution"],
                stored.get("mode"),
                stored["settings"],
                stored["accounts"],
            )
            self.connections.register(
                spec, self.connections.build(spec, self.connections.saved_credentials(name))
            )
        if self.cluster is None:  # clustered: each connection's orders as it is hosted
            core.orders.load()
        self._restore(now)
        self.gateway.load_held()
        self.copier.load()
        for name in list(self.connections.specs):
            await self.connections.start(name)
        # before anyone is answered: what the brokers did while we were away
        for name, supervisor in self.connections.supervisors.items():
            if supervisor.state in ("connected", "stale"):
                await self.reconciler.connection(name)
        for state in core.accounts.values():
            self.monitor.sync(state)
        self.started_at = now
        if self.cluster is not None:  # registers, takes free leases and hosts them
            await self.cluster.start()
        if background:
            self._tasks.append(asyncio.create_task(self._tick_loop(), name="monitor-tick"))
            if self.config.rules_watched:  # also while the rules are missing: they may come back
                self._tasks.append(asyncio.create_task(self._watch_rules(), name="rules-watch"))

    def vault(self) -> Vault:
        if self._vault is None:
            self._vault = Vault.load(self.config.state_dir)
        return self._vault

    async def stop(self) -> None:
        self._stopping = True
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        if self._flush_timer is not None:
            self._flush_timer.cancel()  # settle() below flushes what the timer would have
        await self.settle()
        await self.actions.stop()
        if self.cluster is not None:
            await self.cluster.stop()
        await self.connections.stop_all()
        self._closed = True
        # quotes that came in while the connections were closing are not acted on
        if self._flush_timer is not None:
            self._flush_timer.cancel()
            self._flush_timer = None
        self.monitor.discard_pending()
        for task in list(self._quote_tasks):
            task.cancel()
        await asyncio.gather(*self._quote_tasks, return_exceptions=True)
        self.core.store.close()
        if self._store_lock is not None:
            self._store_lock.release()
            self._store_lock = None

    def _restore(self, now: datetime) -> None:
        """Rebuild the book from the store: positions, P&L of the day and week, locks, flags."""
        locks = {row.account: row for row in self.core.store.locks()}
        for row in self.core.store.accounts():
            if row.connection in self.core.brokers:
                self._load_account(row, now, locks.get(row.id))

    def _load_account(self, row: AccountRow, now: datetime, lock: LockRow | None) -> AccountState:
        core = self.core
        broker = core.brokers[row.connection]
        market = paper_market(broker, row.id)  # a paper account, whose market lives in memory
        day, week = day_keys(now)
        state = AccountState(
            row.id,
            row.connection,
            (market or broker).broker,
            row.nickname,
            row.enabled,
            row.automation_paused,
            row.balance,
            row.start_balance,
            broker.quotes,
        )
        positions = core.store.positions(row.id)
        state.holdings = {r: Position(q, avg, point_value(r)) for r, (q, avg) in positions.items()}
        d, w, dt, wt = core.store.realized_since(row.id, day, week)
        state.daily_realized, state.weekly_realized, state.daily_trades, state.weekly_trades = d, w, dt, wt
        state.day, state.week = day, week
        state.peak_equity, state.eod_peak = row.peak_equity, row.eod_peak
        if row.day and row.day != day:  # days passed while we were down: the end-of-day mark moves
            state.eod_peak = max(state.eod_peak or state.start_balance, state.balance)
        state.lock = lock
        core.accounts[row.id] = state
        if market is not None:  # the paper market lives in memory: give it back its state
            resting = [
                OrderRequest(
                    v["id"],
                    v["symbol"],
                    v["root"],
                    v["side"],
                    int(v["qty"]) - int(v.get("filled_qty") or 0),
                    v["type"],
                    v.get("price"),
                    v.get("stop_price"),
                )
                for v in core.orders.live(row.id)
                if v["status"] in ("working", "partially_filled") and v["type"] != "market"
            ]
            market.restore(row.id, positions, resting)
        return state

    def add_account(
        self, connection: str, account: str, nickname: str | None, balance: float
    ) -> AccountState:
        row = AccountRow.opened(account, connection, nickname, balance)
        self.core.store.upsert_account(row)
        broker = self.core.brokers[connection]
        if isinstance(broker, PaperBroker):
            broker.add_account(AccountInfo(account, balance, balance, nickname))
        state = self._load_account(row, self.core.now(), None)
        self.core.bus.publish("account_added", {"account": account, "connection": connection})
        return state

    def remove_account(self, account: str) -> None:
        self.core.store.delete_account(account)
        self.core.accounts.pop(account, None)
        self.core.bus.publish("account_removed", {"account": account})

    def _load_policy(self, now: datetime) -> None:
        swapped = self.core.holder.load(now)
        self._after_reload(swapped)

    def _after_reload(self, swapped: bool) -> None:
        holder = self.core.holder
        if self.cluster is not None:
            self.cluster.after_reload(swapped)  # every instance reloads
        if swapped:
            self.core.metrics.reloads.labels("ok").inc()
            self.core.bus.publish("reload", {"ok": True, **holder.to_dict()})
            logs.reload_ok(holder.to_dict())
        elif holder.refused is not None:
            self.core.metrics.reloads.labels("refused").inc()
            self.core.bus.publish(
                "reload", {"ok": False, "refused": holder.refused.to_dict(), **holder.to_dict()}
            )

    async def reload(self) -> bool:
        swapped = await self.core.holder.reload(self.core.now())
        self._after_reload(swapped)
        return swapped

    async def _watch_rules(self) -> None:
        await self.core.holder.watch(self.core.now, self._after_reload)

    async def _tick_loop(self) -> None:
        while True:
            try:
                await self.monitor.on_tick(self.core.now())
            except Exception:
                log.exception("monitor tick failed")
            try:
                await self.reconciler.unconfirmed()
            except Exception:
                log.exception("reconciling unconfirmed orders failed")
            await asyncio.sleep(TICK_SECONDS)

    # ---- broker callbacks

    def events_for(self, connection: str) -> ConnectionEvents:
        """What connection ``connection``'s adapter reports to (``BrokerEvents``)."""
        return ConnectionEvents(self.core, connection, self._quote_handler(connection))

    def _after_fill(self, fill: Any, entry: bool) -> None:
        """Every booked fill, sent by us or reported later: the limits are looked at at
        once, and the resting exits of a position it closed are cancelled."""
        state = self.core.accounts.get(fill.account)
        if state is None:
            return
        try:
            breach = self.monitor.breach_at_limit(state)  # reads the clock only if it must
        except Exception:  # a fill's other listeners and its event must not be lost to it
            breach = self.monitor.check_account(state, self.core.now())  # fails in its task, as it did
        if breach is not None:
            self._spawn(breach)
        if fill.root not in state.holdings and self.gateway.open_exits(state.id, fill.root):
            self._spawn(self.gateway.cancel_orphaned_exits(state, fill.root))

    def _quote_handler(self, connection: str) -> Callable[[str, Quote], None]:
        return lambda root, quote: self._on_quote(connection, root, quote)

    def _on_quote(self, connection: str, root: str, quote: Quote) -> None:
        if self.monitor.mark(connection, root) and not self._stopping:
            self._flush_timer = asyncio.get_running_loop().call_later(FLUSH_SECONDS, self._spawn_flush)

    def _spawn_flush(self) -> None:
        if not self._stopping:
            self._spawn(self.monitor.flush())

    def _on_status(self, name: str, status: str, detail: str | None) -> None:
        now = self.core.now()
        spec = self.connections.specs.get(name)
        self.core.store.set_connection_status(
            name, spec.broker if spec else "", status, detail, now.isoformat()
        )
        self.core.metrics.connection_status(name, status)
        if status == "connected" and self.started_at is not None and not self._closed:
            self._spawn(self.reconciler.connection(name))  # after every reconnect
        self.core.bus.publish("connection", {"connection": name, "status": status, "detail": detail})
        logs.connection(name, status, detail)

    def _spawn(self, coro: Any) -> None:
        if self._closed:
            coro.close()  # shut down: nothing new starts, and nothing is left half-scheduled
            return
        task = asyncio.get_running_loop().create_task(coro)
        self._quote_tasks.add(task)
        task.add_done_callback(self._quote_tasks.discard)

    async def settle(self) -> None:
        """Finish the monitor's work on the quotes and fills seen so far."""
        await self.monitor.flush()
        while self._quote_tasks:
            await asyncio.gather(*list(self._quote_tasks), return_exceptions=True)

    # ---- operations

    async def set_paper_quote(self, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict) or not isinstance(body.get("symbol"), str):
            raise RequestError("symbol", "is required, e.g. ESZ6 or ES")
        if canonical_root(body["symbol"]) is None:
            raise RequestError(
                "symbol",
                f"unknown contract {body['symbol']!r}; the paper broker quotes the contract table's roots, e.g. ES, NQ, CL, GC",
            )
        checked = check_quote(body.get("bid"), body.get("ask"), body.get("last"))  # DESIGN 9
        prices = dict(zip(("bid", "ask", "last"), checked, strict=True))
        if all(v is None for v in prices.values()):
            raise RequestError("last", "give at least one of bid, ask, last")
        wanted = body.get("connection")
        manual = [
            b
            for n, b in self.core.brokers.items()
            if isinstance(b, PaperBroker) and b.feed == "manual" and (wanted is None or n == wanted)
        ]
        if not manual:
            raise Conflict(
                "connection",
                "no paper connection with a manual feed" + (f" named {wanted!r}" if wanted else ""),
            )
        for broker in manual:
            broker.set_quote(body["symbol"], prices["bid"], prices["ask"], prices["last"])
        await self.settle()
        return {"symbol": body["symbol"], **prices, "connections": [b.name for b in manual]}

    async def set_paper_feed(self, body: Any) -> dict[str, Any]:
        """Cut or restore a paper connection's simulated link, to see the lifecycle at work."""
        body = body if isinstance(body, dict) else {}
        name, state = body.get("connection"), body.get("state")
        broker = self.core.brokers.get(str(name))
        if not isinstance(broker, PaperBroker):
            raise RequestError("connection", "must name a paper connection")
        if state not in ("cut", "live"):
            raise RequestError("state", "must be cut or live")
        broker.cut(state == "cut")
        return {"connection": name, "state": state}

    def set_nickname(self, account: str, body: Any) -> dict[str, Any]:
        state = self.core.account(account)
        nickname = body.get("nickname") if isinstance(body, dict) else None
        if nickname is not None and (not isinstance(nickname, str) or len(nickname) > 64):
            raise RequestError("nickname", "must be text of at most 64 characters, or null")
        state.nickname = nickname or None
        self.core.store.update_account(account, nickname=state.nickname)
        return self.account_view(account)

    def disconnect_account(self, account: str, body: Any) -> dict[str, Any]:
        """Remove one account from the runtime, leaving its connection."""
        state = self.core.account(account)
        if self.copier.groups_with([account]):
            raise Conflict(
                "id", f"{account} is in copy-trading groups {', '.join(self.copier.groups_with([account]))}"
            )
        if state.holdings and not (isinstance(body, dict) and body.get("confirm") is True):
            raise Conflict(
                "confirm",
                f'{account} has open positions; send {{"confirm": true}} to disconnect it anyway',
                extra={"warning": "open_positions"},
            )
        self.remove_account(account)
        return {"disconnected": account}

    async def flatten(self, account: str, reason: str = "manual") -> dict[str, Any]:
        state = self.core.account(account)
        async with self.core.lock_for(account):
            return await self.actions.flatten(state, reason)

    async def lock(self, account: str, body: Any) -> dict[str, Any]:
        state = self.core.account(account)
        body = body if isinstance(body, dict) else {}
        duration = body.get("duration", "manual")
        enforce = body.get("enforce", False)
        if not isinstance(duration, str):
            raise RequestError("duration", "must be manual, 6h, 12h, session:<boundary> or HH:MM")
        if not isinstance(enforce, bool):
            raise RequestError("enforce", "must be true or false")
        self.actions.lock(state, duration, enforce, "manual", self.core.now())
        return self.account_view(account)

    async def unlock(self, account: str) -> dict[str, Any]:
        state = self.core.account(account)
        self.actions.unlock(state, self.core.now())
        return self.account_view(account)

    async def set_enabled(self, account: str, enabled: bool, body: Any) -> dict[str, Any]:
        state = self.core.account(account)
        confirm = isinstance(body, dict) and body.get("confirm") is True
        if not enabled and state.holdings and not confirm:
            raise Conflict(
                "confirm",
                f"{account} has open positions ({', '.join(f'{r} {h.qty:+d}' for r, h in state.holdings.items())}); "
                'disabling it blocks new entries but leaves them open. Send {"confirm": true} to disable anyway.',
                extra={"warning": "open_positions"},
            )
        state.enabled = enabled
        self.core.store.update_account(account, enabled=enabled)
        self.core.bus.publish("account", {"account": account, "enabled": enabled})
        return self.account_view(account)

    async def resume(self, account: str) -> dict[str, Any]:
        state = self.core.account(account)
        state.automation_paused = False
        self.core.store.update_account(account, automation_paused=False)
        self.core.bus.publish("automation_resumed", {"account": account})
        return self.account_view(account)

    async def kill_switch(self, body: Any) -> dict[str, Any]:
        """Lock every account first, so nothing new gets in, then flatten them all at once:
        a broker that fails or hangs on one account delays none of the others."""
        if not isinstance(body, dict) or body.get("confirm") != "FLATTEN":
            raise BadRequest("confirm", "type FLATTEN to confirm the kill switch")
        now = self.core.now()
        accounts = sorted(self.core.accounts)
        report = {a: {"account": a, "flatten": "none", "lock": "ok", "error": None} for a in accounts}
        errors: dict[str, list[str]] = {a: [] for a in accounts}
        for account in accounts:
            state = self.core.accounts[account]
            try:
                self.actions.lock_for_kill_switch(state, now)
            except Exception as exc:
                report[account]["lock"] = "failed"
                errors[account].append(str(exc))

        async def flatten(account: str) -> None:
            try:
                result = await self.flatten(account, reason="kill_switch")
                report[account]["flatten"] = result["flatten"]
                if result["error"]:
                    errors[account].insert(0, result["error"])
            except Exception as exc:  # one account's failure must not stop the others
                report[account]["flatten"] = "failed"
                errors[account].insert(0, str(exc))

        await asyncio.gather(*(flatten(a) for a in accounts))
        for account in accounts:
            report[account]["error"] = "; ".join(errors[account]) or None
        answer = [report[a] for a in accounts]
        self.core.bus.publish("kill_switch", {"accounts": answer})
        logs.kill_switch(answer)
        return {"accounts": answer}

    # ---- views

    def account_view(self, account: str) -> dict[str, Any]:
        state = self.core.account(account)
        now = self.core.now()
        policy = self.core.policy_of(state)
        unrealized = state.unrealized()
        positions = []
        for root, h in sorted(state.holdings.items()):
            quote = state.quotes.get(root)
            mark = quote.mark if quote else None
            positions.append(
                {
                    "symbol": root,
                    "qty": h.qty,
                    "avg_price": h.avg_price,
                    "mark": mark,
                    "unrealized": round((mark - h.avg_price) * h.qty * h.point_value, 2)
                    if mark is not None
                    else None,
                }
            )
        lock = state.lock
        locked = None
        if lock is not None and state.is_locked(now):
            locked = {"until": lock.until, "enforce": lock.enforce, "reason": lock.reason, "kind": lock.kind}
            if lock.enforced_until is not None:
                locked["enforced_until"] = lock.enforced_until
        return {
            "id": state.id,
            "nickname": state.nickname,
            "connection": state.connection,
            "broker": state.broker,
            "enabled": state.enabled,
            "locked": locked,
            "automation_paused": state.automation_paused,
            "policy": policy.label if isinstance(policy, CompiledPolicy) else None,
            "timezone": self.actions.zone_of(state).key,  # where a person reads its instants
            "positions": positions,
            "pnl": {
                "daily": round(state.daily_realized + unrealized, 2),
                "weekly": round(state.weekly_realized + unrealized, 2),
                "daily_realized": round(state.daily_realized, 2),
                "weekly_realized": round(state.weekly_realized, 2),
                "unrealized": round(unrealized, 2),
            },
            "equity": round(state.balance + unrealized, 2),
            "peak_equity": round(state.peak_equity, 2) if state.peak_equity is not None else None,
            "balance": round(state.balance, 2),
            "trades": {"daily": state.daily_trades, "weekly": state.weekly_trades},
            "flatten_error": state.flatten_error,
        }

    def accounts_view(self) -> list[dict[str, Any]]:
        return [self.account_view(a) for a in sorted(self.core.accounts)]

    def status(self) -> dict[str, Any]:
        holder = self.core.holder
        now = self.core.now()
        policy = holder.to_dict()
        policy["refused"] = holder.refused.to_dict() if holder.refused else None
        policy["rules"] = str(self.config.rules)
        connections = self.connections.views()
        states = list(self.core.accounts.values())
        view = {
            "runtime": self.config.name,
            "time": now.isoformat(),
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "policy": policy,
            "connections": connections,
            "counts": {
                "accounts": len(states),
                "locked": sum(1 for s in states if s.is_locked(now)),
                "open_positions": sum(s.open_position_count() for s in states),
                "paused": sum(1 for s in states if s.automation_paused),
            },
        }
        return view if self.cluster is None else with_cluster(view, self.cluster)

    def health(self) -> dict[str, Any]:
        policy = self.core.holder.to_dict()
        ok = policy["bundle"] is not None and policy["error"] is None
        return {"status": "ok" if ok else "degraded", "policy": policy}
