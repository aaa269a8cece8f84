"""The order gateway: every order from every source passes the check chain here.

For one order: fields checked (errors name the API field), idempotency looked up, then
under the account's lock: snapshot, decision, audit entry committed, breach actions
carried out, and only then the broker. A repeated ``client_order_id`` on the same
trading day gets the first answer and sends nothing again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from ordergate.policy import Decision, InputError, Order, Snapshot, Working, spec_for
from ordergate.policy.chain import classify
from ordergate.runtime import logs
from ordergate.runtime.actions import Actions
from ordergate.runtime.audit_inputs import decision_inputs
from ordergate.runtime.book import AccountState, working_entries
from ordergate.runtime.bracket_desk import BracketDesk, day_end
from ordergate.runtime.brokers.base import OrderRequest, answered
from ordergate.runtime.core import Core
from ordergate.runtime.errors import (
    BadRequest,
    BrokerError,
    BrokerRejected,
    BrokerTimeout,
    Conflict,
    NotFound,
    OrderNotOpen,
    RequestError,
)
from ordergate.runtime.faults import fault_point
from ordergate.runtime.group_commit import GroupCommit
from ordergate.runtime.orders import OPEN
from ordergate.runtime.webhook import Alert, parse_alert, plan
from ordergate.runtime.webhook_replay import alert_note, remember_alert, replayed

__all__ = ["ORDER_FIELDS", "Gateway", "answer_for", "check_tradable", "order_view", "parse_order"]

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
_ORDER_FIELD_SET = frozenset(ORDER_FIELDS)


def parse_order(body: Any, default_source: str) -> tuple[str, Order]:
    if not isinstance(body, dict):
        raise BadRequest("body", "the body must be a JSON object")
    if not _ORDER_FIELD_SET.issuperset(body):
        unknown = sorted(set(body) - _ORDER_FIELD_SET)
        raise RequestError(unknown[0], f"unknown field; fields: {', '.join(ORDER_FIELDS)}")
    account = body.get("account")
    if not isinstance(account, str) or not account:
        raise RequestError("account", "is required")
    data = body if "source" in body else {**body, "source": default_source}
    try:
        return account, Order.from_dict(data, where="")
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
    return _view(order_id, order.to_dict(), status, fills, reason, managed, created_at, exit)


def _view(
    order_id: str,
    order: dict[str, Any],
    status: str,
    fills: list[dict[str, Any]] | None,
    reason: str | None,
    managed: bool,
    created_at: str | None,
    exit: bool,
) -> dict[str, Any]:
    """``order_view`` of an order already in its dict form (``Order.to_dict``), which the
    gateway has made for the audit entry anyway."""
    view = {"id": order_id, **order, "status": status, "managed": managed, "fills": fills or []}
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


HTTP_OF = {"rejected": 502, "unconfirmed": 504}


def answer_for(decision: dict[str, Any], view: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """The answer to an allowed order in the state it is in now: the first answer, and
    the answer to a resend of its ``client_order_id``."""
    status = view["status"]
    body: dict[str, Any] = {"decision": decision, "order": view}
    if status == "rejected":
        body["error"] = f"the broker rejected the order: {view.get('reason')}"
    elif status == "unconfirmed":
        body["error"] = (
            f"{view.get('reason')}; the order may still reach the market, so check the account before sending it again"
        )
    return HTTP_OF.get(status, 201), body


class Gateway:
    def __init__(self, core: Core, actions: Actions) -> None:
        self.core = core
        self.actions = actions
        # Held orders of managed execution, by id: the store keeps them durably, this keeps
        # them at hand for the monitor, which looks at them on every quote pass.
        self.held: dict[str, dict[str, Any]] = {}
        # webhook reversals whose cover is still working: the entry to send once it fills
        self.after_cover: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
        self.spawn: Callable[[Any], None] = lambda coro: coro.close()
        self.decided_on: Snapshot | None = None  # the last decision's snapshot, until audited
        self.latency = 0.0  # the last decision's, in seconds
        core.orders.on_done.append(self._order_done)
        # webhook brackets: exit legs the runtime holds (runtime/bracket_desk.py)
        self.brackets = BracketDesk(core, self)
        # orders decided in one turn of the loop commit in one transaction
        self.commits = GroupCommit(core.store)
        core.commits = self.commits  # fills reported by brokers may join a group (runtime/ledger.py)
        core.store.before_write = self.commits.settle  # a write made now lands after the pending ones

    def load_held(self) -> None:
        held = self.core.store.open_orders(managed=True)
        self.held = {view["id"]: view for view in held if not view.get("leg")}
        self.brackets.load([view for view in held if view.get("leg")])

    def decide(self, state: AccountState, order: Order, now: datetime) -> Decision:
        if self.commits.holds(state.id):
            self.commits.settle()  # a fill of the account waits for its group: decide on the book with it
        policy = self.core.policy_of(state)
        state.roll(now)
        snapshot = state.snapshot_for(policy, now, order.root, self.working_of(state.id))
        self.decided_on = snapshot  # for the audit entry, written before anything awaits
        started = time.perf_counter()
        decision = policy.evaluate(order, snapshot, now)
        self.latency = time.perf_counter() - started  # for the decision's log line
        self.core.metrics.decided(decision.outcome, decision.stage or "", decision.code or "", self.latency)
        return decision

    def working_of(self, account: str) -> dict[str, Working] | None:
        """The account's resting entries, which the positions stage counts (DESIGN 4.3)."""
        live = self.core.orders.live(account)
        held = [v for v in self.held.values() if v["account"] == account] if self.held else []
        return working_entries(live + held) if live or held else None

    async def check(self, body: Any, default_source: str = "api") -> tuple[int, dict[str, Any]]:
        """A dry run: the decision, with nothing recorded and nothing sent."""
        account, order = parse_order(body, default_source)
        state = self.core.account(account)
        check_tradable(state, order)
        async with self.core.lock_for(account):
            decision = self.decide(state, order, self.core.now())
        return 200, {"decision": decision.to_dict()}

    async def submit(
        self, body: Any, default_source: str = "api", *, extra: dict[str, Any] | None = None
    ) -> tuple[int, dict[str, Any]]:
        account, order = parse_order(body, default_source)
        state = self.core.account(account)
        check_tradable(state, order)
        key = order.client_order_id
        async with self.core.lock_for(account):
            if key:  # most orders carry no client_order_id: nothing to look up
                seen = self._seen(state, key)
                if seen is not None:
                    return seen
            return await self._decide_and_send(state, order, self.core.now(), key, extra=extra)

    def _seen(self, state: AccountState, key: str | None) -> tuple[int, dict[str, Any]] | None:
        """The answer to a key seen today, from the order's state now."""
        if not key:
            return None
        seen = self.core.store.idempotent_get(state.id, key, state.day or "")
        if seen is None:
            return None
        status, body = seen
        ref = body.get("order")
        if isinstance(ref, dict) and ref.get("id") and "decision" in body and status in (201, 502, 504):
            view = self.core.orders.get(ref["id"])
            if view is not None and not view.get("managed"):
                return answer_for(body["decision"], view)
            if view is not None:
                return 201, {**body, "order": view}
        return status, body

    async def submit_alert(
        self, state: AccountState, alert: Any, *, context: dict[str, Any] | None = None
    ) -> tuple[int, dict[str, Any]]:
        """A TradersPost-style alert: read against the position under the account's lock, so
        two alerts arriving together cannot both see it flat. Its id sent again answers
        as the first time did, saying it is a replay; with another alert behind it, 409.
        ``context`` (the webhook's name and mode) goes with its orders into the audit log."""
        parsed = parse_alert(alert)
        key = parsed.id
        async with self.core.lock_for(state.id):
            seen = self._seen(state, key)
            if seen is not None:
                assert key is not None
                status, answer = replayed(self.core.store, state, key, alert, seen)
            else:
                status, answer = await self._alert(state, parsed, context or {})
                if key:
                    remember_alert(self.core.store, state, key, alert, status, answer)
        if parsed.ignored:
            answer = {**answer, "ignored": list(parsed.ignored)}
        return status, answer

    async def _alert(
        self, state: AccountState, alert: Alert, context: dict[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        root = alert.root
        if alert.action == "cancel":  # the ticker's open orders
            return 200, {"cancelled": await self._cancel_open(state, root)}
        if alert.action == "breakeven":
            return await self.brackets.breakeven(state, alert)
        todo = plan(alert, state)
        orders = [parse_order(body, "webhook")[1] for body in todo.bodies]
        for order in orders:
            check_tradable(state, order)
        note = {**context, **alert_note(alert, day_end(self.core.now()))}
        last = {**note, "bracket": alert.bracket.to_dict()} if todo.entry and alert.bracket else note
        extra: dict[str, Any] = {}
        # like TradersPost, a buy or sell first cancels the ticker's open orders, so a
        # resting order from the last signal cannot fill against the new one
        if alert.action in ("buy", "sell") and (cancelled := await self._cancel_open(state, root)):
            extra["cancelled"] = cancelled
        if len(orders) == 2:  # a reversal: the cover first, then the entry on its own
            status, cover = await self._decide_and_send(state, orders[0], self.core.now(), extra=note)
            view = cover.get("order")
            if status != 201 or view is None or view["status"] != "filled":
                # until the cover fills, the entry would be read as part of the exit and
                # pass unchecked; as TradersPost does, the entry waits for the cover's fill
                if status == 201 and view is not None and view["status"] in OPEN:
                    self.after_cover[view["id"]] = (todo.bodies[1], last)
                    extra["entry"] = "waits for the cover to fill"
                return status, {**cover, **extra}
            extra["cover"] = cover
        status, answer = await self._decide_and_send(state, orders[-1], self.core.now(), alert.id, extra=last)
        return status, {**answer, **extra}

    def _order_done(self, view: dict[str, Any]) -> None:
        """An order reached its end: a reversal's entry that waited for this cover goes now."""
        entry = self.after_cover.pop(view["id"], None)
        if entry is not None and view["status"] == "filled":
            self.spawn(self._send_entry(*entry))

    async def _send_entry(self, body: dict[str, Any], extra: dict[str, Any] | None = None) -> None:
        status, answer = await self.submit(body, "webhook", extra=extra)
        self.core.bus.publish("reversal_entry", {"account": body["account"], "status": status, **answer})

    async def _decide_and_send(
        self,
        state: AccountState,
        order: Order,
        now: datetime,
        key: str | None = None,
        *,
        extra: dict[str, Any] | None = None,
    ) -> tuple[int, dict[str, Any]]:
        """Decide; commit the decision, the order (``submitted``) and the idempotency
        record in one transaction, shared with the orders decided beside it
        (runtime/group_commit.py); only then does the broker see the order, and only then
        does anything in memory (the order book, the event stream, the log) show it.
        ``extra`` (a webhook's signal and bracket) goes into the order's row and the audit
        entry."""
        decision = self.decide(state, order, now)
        # read before anything awaits: the snapshot is the gateway's last decision's
        inputs = self._inputs(state)
        as_dict, plain = decision.to_dict(), order.to_dict()
        order_dict = {**plain, **extra} if extra else plain
        store, account, day, decided_at = self.core.store, state.id, state.day, now.isoformat()
        if not decision.allowed:
            answer: dict[str, Any] = {"decision": as_dict}

            def blocked() -> None:
                store.append_decision(decided_at, account, order.source, as_dict, order_dict, inputs)
                if key:
                    store.idempotent_put(account, key, day, 403, answer)

            await self.commits.commit(blocked)
            self._published(state, order_dict, as_dict)
            if decision.stage == "pnl_limits" and decision.code:
                await self.actions.breach(state, decision.code, decision.message, decision.actions, now)
            return 403, answer
        order_id = self.core.new_id()
        managed = self.core.executions.get(state.connection) == "managed" and order.type != "market"
        status = "held" if managed else "submitted"
        view = _view(order_id, plain, status, None, None, managed, decided_at, decision.exit)
        if extra:
            view.update(extra)
        view["account"] = account

        def allowed() -> None:
            store.append_decision(decided_at, account, order.source, as_dict, order_dict, inputs)
            store.save_order(order_id, account, view, status, managed, decided_at)
            if key:
                store.idempotent_put(account, key, day, 201, {"decision": as_dict, "order": {"id": order_id}})

        await self.commits.commit(allowed)
        self._published(state, order_dict, as_dict)
        fault_point("order_committed")
        if managed:
            self.held[order_id] = view
            return 201, {"decision": as_dict, "order": view}
        self.core.orders.add(view)
        return await self.send(state, order, order_id, as_dict)

    def _audit(self, state: AccountState, order: Order, decision: Decision, now: datetime) -> dict[str, Any]:
        """Commit the decision to the audit log, then tell the event stream; its dict form."""
        as_dict, order_dict = decision.to_dict(), order.to_dict()
        self.core.store.append_decision(
            now.isoformat(), state.id, order.source, as_dict, order_dict, self._inputs(state)
        )
        self._published(state, order_dict, as_dict)
        return as_dict

    def _inputs(self, state: AccountState) -> dict[str, Any] | None:
        """What the decision just made was made on, for a replay (policy/replay.py)."""
        snapshot, self.decided_on = self.decided_on, None
        return decision_inputs(state, snapshot) if snapshot is not None else None

    def _published(self, state: AccountState, order: dict[str, Any], decision: dict[str, Any]) -> None:
        self.core.bus.publish("decision", {"account": state.id, "order": order, "decision": decision})
        logs.decision(state.id, order, decision, self.latency)

    async def send(
        self,
        state: AccountState,
        order: Order,
        order_id: str,
        decision: dict[str, Any],
        *,
        as_type: str | None = None,
    ) -> tuple[int, dict[str, Any]]:
        """Send a committed order to the broker and answer from its state: filled, working,
        rejected (502) or unconfirmed (504, when the broker does not answer in time)."""
        broker = self.core.broker_of(state)
        kind = as_type or order.type
        request = OrderRequest(
            order_id, order.symbol, order.root, order.side, order.qty, kind, order.price, order.stop_price
        )
        book = self.core.orders
        with book.awaiting(order_id):
            try:
                # an entry with a bracket may go with its legs (bracket_desk.place_entry)
                placing = self.brackets.place_entry(state, broker, request)
                ack = await answered(placing, "order", self.core.answer_timeout)
            except BrokerTimeout as exc:
                # Unknown, not rejected: the order may yet reach the market. Saying so (and
                # keeping the answer under its client_order_id) stops a blind resend from
                # doubling it; letting go of the account's lock keeps one hung link from
                # wedging every later order, exits included.
                book.apply(order_id, "time_out", reason=str(exc))
            except BrokerRejected as exc:
                book.apply(order_id, "reject", reason=exc.reason)
            except BrokerError as exc:  # not connected: it never left
                book.apply(order_id, "reject", reason=f"the broker did not take the order: {exc}")
            else:
                book.apply(order_id, "acknowledge", broker_order_id=ack.broker_order_id)
                if kind == "market":  # the answer says what it filled at, when it fills soon
                    if self.commits.holds(state.id):  # a fill that waits for its group's commit
                        await self.commits.applied(state.id)
                    await book.wait_done(order_id, self.core.fill_wait)
            view = book.persist(order_id)
        assert view is not None
        return answer_for(decision, view)

    async def cancel(self, order_id: str) -> dict[str, Any]:
        """Cancel a working or held order; a cancel is never blocked. One that is done
        already (filled, cancelled, rejected) is a 409 naming its state."""
        view = self.core.orders.get(order_id)
        if view is None:
            raise NotFound("id", f"no order {order_id!r}")
        state = self.core.account(view["account"])
        if view.get("managed") and view["status"] == "held":
            self.held.pop(order_id, None)
            view = {**view, "status": "cancelled"}
            self.core.store.save_order(
                order_id, state.id, view, "cancelled", True, view.get("created_at", "")
            )
        elif view["status"] not in OPEN:
            raise Conflict("id", f"order {order_id} is {view['status']}; there is nothing to cancel")
        else:
            view = await self._cancel_at_broker(state, view)
        self.after_cover.pop(order_id, None)
        self.brackets.discard(order_id)
        self.core.bus.publish("cancel", {"account": state.id, "order_id": order_id})
        return view

    async def _cancel_at_broker(self, state: AccountState, view: dict[str, Any]) -> dict[str, Any]:
        order_id, book = view["id"], self.core.orders
        try:
            await answered(
                self.core.broker_of(state).cancel(state.id, order_id),
                f"cancel of {order_id}",
                self.core.answer_timeout,
            )
        except OrderNotOpen as exc:
            # the cancel lost a race: the order filled (or ended) first; its fill is
            # on its way or booked already, and reconciliation would bring it otherwise
            await book.wait_done(order_id, self.core.fill_wait)
            now = book.get(order_id) or view
            raise Conflict(
                "id", f"order {order_id} could not be cancelled: {exc.reason}", extra={"order": now}
            ) from None
        await book.wait_done(order_id, self.core.fill_wait)
        now = book.get(order_id) or view
        if now["status"] in OPEN:  # the broker took the cancel and has not confirmed it yet
            now = book.apply(order_id, "cancel", reason="cancelled on request") or now
        return now

    async def cancel_orphaned_exits(self, state: AccountState, root: str) -> list[str]:
        """Cancel the resting exits of a position that has gone flat.

        They were allowed because they only reduced it; left working, a stop-loss whose
        take-profit filled first would open a position that no check ever saw.
        """
        orphans = self.open_exits(state.id, root)
        cancelled = await self._cancel_each(state, orphans, "its position went flat")
        if cancelled:
            self.core.bus.publish(
                "orphaned_exits", {"account": state.id, "root": root, "cancelled": cancelled}
            )
        return cancelled

    def open_exits(self, account: str, root: str) -> list[dict[str, Any]]:
        """The account's working and held exits on ``root``, oldest first, from memory.

        Every open order the store has is at hand too (and asked for on every flat
        fill, so not read from the store): the order book's live ones, the managed
        orders held here, and the bracket legs the runtime holds, armed or on standby.
        """
        brackets = self.brackets
        found: dict[str, dict[str, Any]] = {}
        for views in (
            self.core.orders.live(account),
            self.held.values(),
            brackets.legs.values(),
            brackets.standby.values(),
        ):
            for v in views:
                if v["root"] == root and v.get("exit") and v["account"] == account:
                    found.setdefault(v["id"], v)
        return sorted(found.values(), key=lambda v: v.get("created_at") or "")

    async def _cancel_each(self, state: AccountState, views: list[dict[str, Any]], why: str) -> list[str]:
        cancelled = []
        for view in views:
            try:
                cancelled.append((await self.cancel(view["id"]))["id"])
            except (BrokerError, RequestError) as exc:
                log.warning("%s: could not cancel %s (%s): %s", state.id, view["id"], why, exc)
        return cancelled

    async def cancel_all(self, state: AccountState) -> list[str]:
        """Cancel every working and held order of the account; what a broker fails to
        cancel is logged and left, so that a flatten goes on to close the positions."""
        return await self._cancel_each(state, self.core.store.open_orders(state.id), "before the flatten")

    async def _cancel_open(self, state: AccountState, root: str) -> list[dict[str, Any]]:
        opened = [v for v in self.core.store.open_orders(state.id) if v["root"] == root]
        out = []
        for view in opened:
            try:
                out.append(await self.cancel(view["id"]))
            except Conflict:
                continue  # it filled or ended meanwhile: nothing left to cancel
        return out

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
                sent = {**view, "status": "submitted"}
                self.core.orders.add(sent)
                _status, answer = await self.send(state, order, view["id"], as_dict, as_type="market")
                final = {**answer["order"], "managed": True, "type": view["type"]}
                self.core.orders.save({**final, "account": state.id, "created_at": view["created_at"]})


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
