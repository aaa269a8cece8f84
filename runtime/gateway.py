"""The order gateway: every order from every source passes the check chain here.

For one order: fields checked (errors name the API field), idempotency looked up, then
under the account's lock: snapshot, decision, audit entry committed, breach actions
carried out, and only then the broker. A repeated ``client_order_id`` on the same
trading day gets the first answer and sends nothing again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from ordergate.policy import Decision, InputError, Order, spec_for, symbol_root
from ordergate.policy.chain import classify
from ordergate.runtime.actions import Actions
from ordergate.runtime.book import AccountState
from ordergate.runtime.brokers.base import OrderRequest, answered
from ordergate.runtime.core import Core
from ordergate.runtime.errors import BadRequest, BrokerError, BrokerTimeout, NotFound, RequestError
from ordergate.runtime.ledger import book_fill
from ordergate.runtime.webhook import alert_to_orders, signal_id

log = logging.getLogger("ordergate.gateway")

ORDER_FIELDS = (
    "account",
    "symbol",
    "side",
    "qty",
    "type",
    "price",
    "stop_price",
    "source",
    "client_order_id",
    "intent",
)


def parse_order(body: Any, default_source: str) -> tuple[str, Order]:
    if not isinstance(body, dict):
        raise BadRequest("body", "the body must be a JSON object")
    unknown = sorted(set(body) - set(ORDER_FIELDS))
    if unknown:
        raise RequestError(unknown[0], f"unknown field; fields: {', '.join(ORDER_FIELDS)}")
    account = body.get("account")
    if not isinstance(account, str) or not account:
        raise RequestError("account", "is required")
    data = {k: v for k, v in body.items() if k != "account"}
    data.setdefault("source", default_source)
    try:
        return account, Order.from_dict({**data, "account": account}, where="")
    except InputError as exc:
        raise RequestError(exc.field, exc.message) from None


def check_tradable(state: AccountState, order: Order) -> None:
    """Orders name a contract the table knows, at prices on its tick grid.

    The table's point value is what every P&L limit is measured in, so an entry in an
    unknown contract is refused rather than guessed at; getting out of a position the
    account already holds (a broker sync can bring one in) is always let through.
    """
    spec = spec_for(order.root)
    if spec is None:
        if classify(order, state.holdings)[0]:
            return
        raise RequestError(
            "symbol",
            f"unknown contract {order.symbol!r}: the contract table has no {order.root}, so its P&L "
            "cannot be measured against the limits (known roots include ES, NQ, YM, RTY, CL, GC)",
        )
    for key, value in (("price", order.price), ("stop_price", order.stop_price)):
        if value is not None and abs(value / spec.tick_size - round(value / spec.tick_size)) > 1e-6:
            raise RequestError(
                key, f"{value:g} is not a price {spec.root} trades at: its tick is {spec.tick_size:g}"
            )


def order_view(
    order_id: str,
    order: Order,
    status: str,
    *,
    fills: list[dict[str, Any]] | None = None,
    reason: str | None = None,
    managed: bool = False,
    created_at: str | None = None,
    exit: bool = False,
) -> dict[str, Any]:
    view = {"id": order_id, **order.to_dict(), "status": status, "managed": managed, "fills": fills or []}
    if exit:
        view["exit"] = True  # allowed as an exit: cancelled if the position it closes goes flat first
    if fills:
        qty = sum(f["qty"] for f in fills)
        view["filled_qty"] = qty
        view["avg_fill_price"] = round(sum(f["qty"] * f["price"] for f in fills) / qty, 10)
    if reason:
        view["reason"] = reason
    if created_at:
        view["created_at"] = created_at
    return view


class Gateway:
    def __init__(self, core: Core, actions: Actions) -> None:
        self.core = core
        self.actions = actions
        # Held orders of managed execution, by id: the store keeps them durably, this keeps
        # them at hand for the monitor, which looks at them on every quote pass.
        self.held: dict[str, dict[str, Any]] = {}

    def load_held(self) -> None:
        self.held = {view["id"]: view for view in self.core.store.open_orders(managed=True)}

    def decide(self, state: AccountState, order: Order, now: datetime) -> Decision:
        policy = self.core.policy_of(state)
        state.roll(now)
        snapshot = state.snapshot_for(policy, now, order.root)
        started = time.perf_counter()
        decision = policy.evaluate(order, snapshot, now)
        self.core.metrics.latency.observe(time.perf_counter() - started)
        self.core.metrics.decisions.labels(decision.outcome, decision.stage or "", decision.code or "").inc()
        return decision

    async def check(self, body: Any, default_source: str = "api") -> tuple[int, dict[str, Any]]:
        """A dry run: the decision, with nothing recorded and nothing sent."""
        account, order = parse_order(body, default_source)
        state = self.core.account(account)
        check_tradable(state, order)
        async with self.core.lock_for(account):
            decision = self.decide(state, order, self.core.now())
        return 200, {"decision": decision.to_dict()}

    async def submit(self, body: Any, default_source: str = "api") -> tuple[int, dict[str, Any]]:
        account, order = parse_order(body, default_source)
        state = self.core.account(account)
        check_tradable(state, order)
        return await self._once(
            state, order.client_order_id, lambda: self._decide_and_send(state, order, self.core.now())
        )

    async def submit_alert(self, state: AccountState, alert: Any) -> tuple[int, dict[str, Any]]:
        """A TradersPost-style alert: read against the position under the account's lock, so
        two alerts arriving together cannot both see it flat."""

        async def act() -> tuple[int, dict[str, Any]]:
            bodies = alert_to_orders(alert, state)
            root = symbol_root(alert["ticker"])
            if bodies is None:  # cancel: the ticker's open orders
                return 200, {"cancelled": await self._cancel_open(state, root)}
            orders = [parse_order(body, "webhook")[1] for body in bodies]
            for order in orders:
                check_tradable(state, order)
            extra: dict[str, Any] = {}
            # like TradersPost, a buy or sell first cancels the ticker's open orders, so a
            # resting order from the last signal cannot fill against the new one
            if alert["action"] in ("buy", "sell") and (cancelled := await self._cancel_open(state, root)):
                extra["cancelled"] = cancelled
            if len(orders) == 2:  # a reversal: the cover first, then the entry on its own
                status, cover = await self._decide_and_send(state, orders[0], self.core.now())
                if status != 201 or cover["order"]["status"] != "filled":
                    # until the cover fills, the entry would be read as part of the exit
                    # and pass unchecked; as TradersPost waits for the cover's fill, the
                    # entry is not sent, and a later alert finds the account flat
                    return status, {**cover, **extra}
                extra["cover"] = cover
            status, answer = await self._decide_and_send(state, orders[-1], self.core.now())
            return status, {**answer, **extra}

        return await self._once(state, signal_id(alert), act)

    async def _once(
        self, state: AccountState, key: str | None, act: Callable[[], Awaitable[tuple[int, dict[str, Any]]]]
    ) -> tuple[int, dict[str, Any]]:
        """Run ``act`` under the account's lock; a key seen today gets its first answer."""
        async with self.core.lock_for(state.id):
            if key:
                seen = self.core.store.idempotent_get(state.id, key, state.day or "")
                if seen is not None:
                    return seen
            status, answer = await act()
            if key:
                self.core.store.idempotent_put(state.id, key, state.day, status, answer)
        return status, answer

    async def _decide_and_send(
        self, state: AccountState, order: Order, now: datetime
    ) -> tuple[int, dict[str, Any]]:
        decision = self.decide(state, order, now)
        as_dict = self._audit(state, order, decision, now)
        if not decision.allowed:
            if decision.stage == "pnl_limits" and decision.code:
                await self.actions.breach(state, decision.code, decision.message, decision.actions, now)
            return 403, {"decision": as_dict}
        order_id = self.core.new_id()
        created = now.isoformat()
        managed = self.core.executions.get(state.connection) == "managed" and order.type != "market"
        if managed:
            view = order_view(order_id, order, "held", managed=True, created_at=created, exit=decision.exit)
            self.core.store.save_order(order_id, state.id, view, "held", True, created)
            self.held[order_id] = view
            return 201, {"decision": as_dict, "order": view}
        return await self.send(state, order, order_id, as_dict, created)

    def _audit(self, state: AccountState, order: Order, decision: Decision, now: datetime) -> dict[str, Any]:
        """Commit the decision to the audit log, then tell the event stream; its dict form."""
        as_dict, order_dict = decision.to_dict(), order.to_dict()
        self.core.store.append_decision(now.isoformat(), state.id, order.source, as_dict, order_dict)
        self.core.bus.publish("decision", {"account": state.id, "order": order_dict, "decision": as_dict})
        return as_dict

    async def send(
        self,
        state: AccountState,
        order: Order,
        order_id: str,
        decision: dict[str, Any],
        created: str,
        *,
        as_type: str | None = None,
    ) -> tuple[int, dict[str, Any]]:
        broker = self.core.broker_of(state)
        request = OrderRequest(
            order_id,
            order.symbol,
            order.root,
            order.side,
            order.qty,
            as_type or order.type,
            order.price,
            order.stop_price,
        )

        def unfilled(http: int, status: str, reason: str | None, error: str) -> tuple[int, dict[str, Any]]:
            view = order_view(order_id, order, status, reason=reason, created_at=created)
            self.core.store.save_order(order_id, state.id, view, status, False, created)
            return http, {"decision": decision, "order": view, "error": error}

        try:
            result = await answered(broker.place(state.id, request), "order")
        except BrokerTimeout as exc:
            # Unknown, not rejected: the order may yet reach the market. Saying so (and
            # keeping the answer under its client_order_id) stops a blind resend from
            # doubling it; letting go of the account's lock keeps one hung link from
            # wedging every later order, exits included.
            return unfilled(
                504,
                "unconfirmed",
                str(exc),
                f"{exc}; the order may still reach the market, so check the account before sending it again",
            )
        except BrokerError as exc:
            return unfilled(502, "rejected", str(exc), f"the broker did not take the order: {exc}")
        if result.status == "rejected":
            return unfilled(502, "rejected", result.reason, f"the broker rejected the order: {result.reason}")
        fills = [{"qty": f.qty, "price": f.price} for f in result.fills]
        view = order_view(
            order_id, order, result.status, fills=fills, created_at=created, exit=decision["exit"]
        )
        with self.core.store.transaction():  # fills, position, balance and order land together
            for fill in result.fills:
                book_fill(self.core, fill)
            self.core.store.save_order(order_id, state.id, view, result.status, False, created)
        return 201, {"decision": decision, "order": view}

    async def cancel(self, order_id: str) -> dict[str, Any]:
        """Cancel a working or held order; a cancel is never blocked."""
        for view in self.core.store.open_orders():
            if view["id"] != order_id:
                continue
            state = self.core.account(view["account"])
            if view.get("managed"):
                self.held.pop(order_id, None)
            else:
                await answered(self.core.broker_of(state).cancel(state.id, order_id), f"cancel of {order_id}")
            view = {**view, "status": "cancelled"}
            self.core.store.save_order(
                order_id, state.id, view, "cancelled", bool(view.get("managed")), view.get("created_at", "")
            )
            self.core.bus.publish("cancel", {"account": state.id, "order_id": order_id})
            return view
        raise NotFound("id", f"no open order {order_id!r}")

    async def cancel_orphaned_exits(self, state: AccountState, root: str) -> list[str]:
        """Cancel the resting exits of a position that has gone flat.

        They were allowed because they only reduced it; left working, a stop-loss whose
        take-profit filled first would open a position that no check ever saw.
        """
        orphans = [v for v in self.core.store.open_orders(state.id) if v["root"] == root and v.get("exit")]
        cancelled = await self._cancel_each(state, orphans, "its position went flat")
        if cancelled:
            self.core.bus.publish(
                "orphaned_exits", {"account": state.id, "root": root, "cancelled": cancelled}
            )
        return cancelled

    async def _cancel_each(self, state: AccountState, views: list[dict[str, Any]], why: str) -> list[str]:
        cancelled = []
        for view in views:
            try:
                cancelled.append((await self.cancel(view["id"]))["id"])
            except BrokerError as exc:
                log.warning("%s: could not cancel %s (%s): %s", state.id, view["id"], why, exc)
        return cancelled

    async def cancel_all(self, state: AccountState) -> list[str]:
        """Cancel every working and held order of the account; what a broker fails to
        cancel is logged and left, so that a flatten goes on to close the positions."""
        return await self._cancel_each(state, self.core.store.open_orders(state.id), "before the flatten")

    async def _cancel_open(self, state: AccountState, root: str) -> list[dict[str, Any]]:
        opened = [v["id"] for v in self.core.store.open_orders(state.id) if v["root"] == root]
        return [await self.cancel(order_id) for order_id in opened]

    async def trigger_managed(self, roots: set[str]) -> None:
        """Managed execution: send a market order for each held order the price has touched."""
        for view in [v for v in self.held.values() if v["root"] in roots]:
            root = view["root"]
            state = self.core.accounts.get(view["account"])
            if state is None:
                continue
            quote = self.core.broker_of(state).quotes.get(root)
            if quote is None or not _touched(view, quote.bid, quote.ask, quote.last):
                continue
            order = Order.from_dict(
                {k: view[k] for k in ("symbol", "side", "qty", "source", "intent") if k in view}
                | {"type": "market"}
            )
            async with self.core.lock_for(state.id):
                if self.held.pop(view["id"], None) is None:
                    continue  # cancelled while we waited for the lock
                now = self.core.now()
                decision = self.decide(state, order, now)  # the world may have changed since it was held
                as_dict = self._audit(state, order, decision, now)
                if not decision.allowed:
                    blocked = {**view, "status": "blocked", "reason": decision.message}
                    self.core.store.save_order(
                        view["id"], state.id, blocked, "blocked", True, view["created_at"]
                    )
                    continue
                _status, answer = await self.send(
                    state, order, view["id"], as_dict, view["created_at"], as_type="market"
                )
                final = {**answer["order"], "managed": True, "type": view["type"]}
                self.core.store.save_order(
                    view["id"], state.id, final, final["status"], True, view["created_at"]
                )


def _touched(view: dict[str, Any], bid: float | None, ask: float | None, last: float | None) -> bool:
    buy = view["side"] == "buy"
    touch = (ask if buy else bid) or last
    if touch is None:
        return False
    if view["type"] == "limit":
        limit = float(view["price"])
        return touch <= limit if buy else touch >= limit
    trade = last if last is not None else touch
    stop = float(view["stop_price"])
    return trade >= stop if buy else trade <= stop
