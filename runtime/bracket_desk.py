"""The runtime's bracket desk: exit legs held by the runtime, placed when their entry fills.

Theory of operation
-------------------
An entry with a bracket carries it on its order row (``bracket``: the legs as the alert
gave them), committed with the entry before the broker sees it. When the entry ends with
contracts filled (the order book's ``on_done``), the desk places its legs: a take profit
(``limit``) and a stop loss (``stop``, ``stop_limit`` or ``trailing_stop``) on the
opposite side, for the contracts filled, priced from the average fill
(``brackets.leg_prices``). The legs and the entry's ``bracket.legs`` are committed in
one transaction, so after a crash between the fill and the legs, start-up finds the
entry without legs and places them (``recover``).

Legs rest *at the broker* when it can hold them (``native``): the connection's execution
is ``broker_native``, its adapter ``supports_brackets``, and the legs are in a form the
broker takes (``native_legs``: an amount, a price, a trail amount; percents are held).
Then the entry goes out with its legs as one request (``place_entry`` →
``BrokerAdapter.place_bracket``), the legs' ids committed on the entry's row first;
the broker rests them when the entry is done and cancels one when the other fills. When
the entry is done the desk adds the legs to the order book as ``working`` orders under
those ids (priced from the fill as the broker prices them), so the order state table
books their fills once each by fill id and reconciliation asks the broker about them
like any order; a native trailing stop's shown ``stop_price`` follows the quotes as the
broker's does. A partial exit that leaves the position smaller than native legs takes
them back: cancelled at the broker, held here for the position that is left. An
adapter that answers BracketUnsupported has been sent nothing: the entry goes alone
and the legs are held.

Otherwise legs are *held*: the desk keeps them like managed orders. They show
in ``GET /v1/orders`` as ``held`` orders (native ones as ``working``) with their
``type``, ``price`` or ``stop_price``, ``leg`` (``take_profit`` | ``stop_loss``),
``parent`` (the entry) and ``oco`` (the other leg). On every quote pass a trailing stop moves its ``stop_price``
towards the market (never back), and a leg the market touches *fires*: the other leg is
taken out of reach at once (one-cancels-other, so both can never fill), and the leg goes
to the broker as a market order (a stop_limit as a limit at its limit price) for at
most the open position. Legs are exits: they go through the chain, whose exit stage lets
them pass, and no check can block them. When the fired leg fills, its sibling is
cancelled; when it fails, both are armed again (at most ``RETRIES`` times). A fill that
shrinks the position (a partial exit) shrinks the legs to it; when the position goes flat
any other way, the gateway's ``cancel_orphaned_exits`` cancels both.
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from ordergate.policy import Order, Quote
from ordergate.runtime.brackets import Bracket, leg_prices, native_leg, on_tick, touched
from ordergate.runtime.brokers.base import BrokerAdapter, Fill
from ordergate.runtime.brokers.errors import BracketUnsupported
from ordergate.runtime.brokers.types import Ack, OrderRequest
from ordergate.runtime.core import Core
from ordergate.runtime.errors import Conflict
from ordergate.runtime.orders import OPEN

if TYPE_CHECKING:
    from ordergate.runtime.book import AccountState
    from ordergate.runtime.gateway import Gateway
    from ordergate.runtime.webhook import Alert

log = logging.getLogger("ordergate.brackets")
RETRIES = 3
HISTORY_PAGES = 20  # start-up looks this many pages of 100 orders back for an entry's bracket
NEW_YORK = ZoneInfo("America/New_York")


def day_end(now: datetime) -> datetime:
    """When a ``day`` order expires: the next trading-day roll, 18:00 New York."""
    local = now.astimezone(NEW_YORK)
    end = datetime.combine(local.date(), time(18), NEW_YORK)
    return end if end > local else datetime.combine(local.date() + timedelta(days=1), time(18), NEW_YORK)


class BracketDesk:
    def __init__(self, core: Core, gateway: Gateway) -> None:
        self.core = core
        self.gateway = gateway
        self.legs: dict[str, dict[str, Any]] = {}  # armed: the market may fire them
        self.standby: dict[str, dict[str, Any]] = {}  # held while their sibling is at the broker
        self.retries: dict[str, int] = {}  # by entry id
        self.trailing: dict[str, str] = {}  # native trailing legs, id → account: the shown level follows
        core.orders.on_done.append(self._order_done)
        core.fill_listeners.append(self._after_fill)

    # ---- start-up

    def load(self, stored: list[dict[str, Any]]) -> None:
        """The legs of the store (open managed orders with a ``leg``), then any missing."""
        firing = {v["id"] for v in stored if v["status"] != "held"}
        for view in stored:
            if view["status"] != "held":
                self.core.orders.add(view)  # in flight at the crash: reconciliation resolves it
            elif view.get("oco") in firing:
                self.standby[view["id"]] = view
            else:
                self.legs[view["id"]] = view
        native: dict[str, list[dict[str, Any]]] = {}
        for view in self.core.orders.live():
            if view.get("native") and view.get("leg"):
                native.setdefault(view.get("parent") or view["id"], []).append(view)
                if view.get("type") == "trailing_stop":
                    self.trailing[view["id"]] = view["account"]
        for views in native.values():
            self._give_back(views)
        self._await_brackets()
        self.recover()

    def _await_brackets(self) -> None:
        """Entries sent with native legs and still open: their adapter is told the legs
        again (one that rests them itself after the fill had them in memory only)."""
        for view in self.core.orders.live():
            spec, state = view.get("bracket") or {}, self.core.accounts.get(view["account"])
            if not spec.get("native") or "legs" in spec or view.get("leg") or state is None:
                continue
            if state.connection not in self.core.brokers:
                continue
            bracket, ids = Bracket.from_dict(spec), spec["native"]
            pairs = [
                (k, leg)
                for k, leg in (("take_profit", bracket.take_profit), ("stop_loss", bracket.stop_loss))
                if leg
            ]
            if {k for k, _ in pairs} != set(ids):
                continue
            legs = [native_leg(kind, leg, ids[kind]) for kind, leg in pairs]
            entry = OrderRequest(
                view["id"], view["symbol"], view["root"], view["side"], int(view["qty"]),
                view.get("type", "market"), view.get("price"), view.get("stop_price"),
            )  # fmt: skip
            if all(legs):
                native = tuple(leg for leg in legs if leg is not None)
                self.core.broker_of(state).await_bracket(state.id, entry, native)

    def recover(self) -> list[dict[str, Any]]:
        """Place the legs of every open position's latest entry that has a bracket and no legs."""
        placed = []
        for state in list(self.core.accounts.values()):
            for root in list(state.holdings):
                entry = self._latest_entry(state.id, root)
                if entry is not None and entry.get("bracket") and "legs" not in entry["bracket"]:
                    log.warning(
                        "%s: placing the bracket of %s, missing since a restart", state.id, entry["id"]
                    )
                    views = self.place(entry)
                    if views and views[0].get("native"):
                        self._give_back(views)
                    placed += views
        return placed

    def _give_back(self, views: list[dict[str, Any]]) -> None:
        """Native legs to a broker that forgot them at a restart (paper); others ignore it."""
        state = self.core.accounts.get(views[0]["account"])
        if state is None or state.connection not in self.core.brokers:
            return
        legs = tuple(
            OrderRequest(
                v["id"], v["symbol"], v["root"], v["side"], self._left(v), v["type"],
                v.get("price"), v.get("stop_price"),
            )
            for v in views
        )  # fmt: skip
        trails = {v["id"]: float(v["trail_amount"]) for v in views if v.get("trail_amount")}
        self.core.broker_of(state).restore_legs(state.id, legs, trails)

    def _latest_entry(self, account: str, root: str) -> dict[str, Any] | None:
        before = None
        for _ in range(HISTORY_PAGES):
            page = self.core.store.order_history(account, limit=100, before=before)
            for view in page:
                opened = int(view.get("filled_qty") or 0) > 0 and not view.get("exit")
                if opened and view.get("root") == root and not view.get("leg"):
                    return view
            if len(page) < 100:
                return None
            before = (page[-1].get("created_at", ""), page[-1]["id"])
        return None

    # ---- native brackets: the entry goes with its legs

    async def place_entry(self, state: AccountState, broker: BrokerAdapter, request: OrderRequest) -> Ack:
        """Send an entry: with its legs as the broker's own bracket when it can hold them,
        else alone (its legs then held here once it fills)."""
        view = self.core.orders.get(request.order_id)
        spec = view.get("bracket") if view is not None else None
        if (
            view is None
            or not spec
            or "legs" in spec
            or not broker.supports_brackets
            or self.core.executions.get(state.connection) == "managed"
        ):
            return await broker.place(state.id, request)
        bracket = Bracket.from_dict(spec)
        pairs = [
            (k, leg)
            for k, leg in (("take_profit", bracket.take_profit), ("stop_loss", bracket.stop_loss))
            if leg
        ]
        legs = [native_leg(kind, leg, self.core.new_id()) for kind, leg in pairs]
        if any(leg is None for leg in legs):
            return await broker.place(state.id, request)
        native = tuple(leg for leg in legs if leg is not None)
        # the legs' ids are committed on the entry before the broker sees them
        self.core.orders.changed(
            {**view, "bracket": {**spec, "native": {leg.kind: leg.order_id for leg in native}}}
        )
        try:
            ack = await broker.place_bracket(state.id, request, native)
        except BracketUnsupported as exc:
            log.info("%s: %s; the runtime holds the legs of %s", state.id, exc, request.order_id)
            now = self.core.orders.get(request.order_id) or view
            self.core.orders.changed({**now, "bracket": spec})
            return await broker.place(state.id, request)
        return ack.entry

    # ---- placing

    def place(self, entry: dict[str, Any]) -> list[dict[str, Any]]:
        """Commit the legs of a filled entry (with the entry's record of them)."""
        spec = entry.get("bracket")
        filled = int(entry.get("filled_qty") or 0)
        state = self.core.accounts.get(entry["account"])
        if not spec or "legs" in spec or not filled or state is None:
            return []
        if spec.get("native"):
            return self._place_native(entry, spec, filled)
        root, buy = entry["root"], entry["side"] == "buy"
        held = state.holdings.get(root)
        views: list[dict[str, Any]] = []
        if held is not None and (held.qty > 0) == buy:
            views = self._legs_for(entry, Bracket.from_dict(spec), min(filled, abs(held.qty)))
        done = {**entry, "bracket": {**spec, "legs": [v["id"] for v in views]}}
        store = self.core.store
        with store.transaction():
            for view in views:
                store.save_order(view["id"], view["account"], view, "held", True, view["created_at"])
            store.save_order(
                entry["id"],
                entry["account"],
                done,
                done["status"],
                bool(entry.get("managed")),
                entry.get("created_at", ""),
            )
        for view in views:
            self.legs[view["id"]] = view
        self.core.bus.publish("bracket", {"account": state.id, "entry": entry["id"], "legs": views})
        return views

    def _place_native(self, entry: dict[str, Any], spec: dict[str, Any], filled: int) -> list[dict[str, Any]]:
        """The broker rests the legs of a done entry: they join the order book as working
        orders under the ids the entry carried, for every contract it filled."""
        ids: dict[str, str] = spec["native"]
        views = self._legs_for(entry, Bracket.from_dict(spec), filled, ids)
        for view in views:
            view.update(status="working", managed=False, native=True)
        done = {**entry, "bracket": {**spec, "legs": [v["id"] for v in views]}}
        with self.core.store.transaction():
            for view in views:
                self.core.orders.changed(view)
            self.core.orders.save(done)
        for view in views:
            if view["type"] == "trailing_stop":
                self.trailing[view["id"]] = view["account"]
        self.core.bus.publish("bracket", {"account": entry["account"], "entry": entry["id"], "legs": views})
        return views

    def _legs_for(
        self, entry: dict[str, Any], bracket: Bracket, qty: int, ids: dict[str, str] | None = None
    ) -> list[dict[str, Any]]:
        fill, root = float(entry["avg_fill_price"]), entry["root"]
        created = self.core.now().isoformat()
        views = []
        for kind, leg in (("take_profit", bracket.take_profit), ("stop_loss", bracket.stop_loss)):
            if leg is None:
                continue
            view: dict[str, Any] = {
                "id": ids[kind] if ids else self.core.new_id(),
                "account": entry["account"],
                "symbol": entry["symbol"],
                "root": root,
                "side": "sell" if entry["side"] == "buy" else "buy",
                "qty": qty,
                "type": leg.type,
                "source": entry.get("source", "webhook"),
                "intent": "close",
                "status": "held",
                "managed": True,
                "exit": True,
                "fills": [],
                "created_at": created,
                "leg": kind,
                "parent": entry["id"],
                **leg_prices(leg, entry["side"], fill, root),
            }
            if leg.type == "trailing_stop":
                view["trail_amount" if leg.form == "trailAmount" else "trail_percent"] = leg.value
            views.append(view)
        if len(views) == 2:
            views[0]["oco"], views[1]["oco"] = views[1]["id"], views[0]["id"]
        return views

    def _save(self, view: dict[str, Any]) -> None:
        self.core.store.save_order(
            view["id"], view["account"], view, view["status"], True, view["created_at"]
        )

    def discard(self, order_id: str) -> None:
        """The order was cancelled elsewhere (the API, a flatten, an orphaned exit)."""
        self.legs.pop(order_id, None)
        self.standby.pop(order_id, None)
        self.trailing.pop(order_id, None)

    # ---- the market

    async def on_quotes(self, dirty: dict[str, set[str]]) -> None:
        """A quote pass: trailing stops follow, touched legs fire."""
        for leg_id, account in list(self.trailing.items()):
            view, state = self.core.orders.get(leg_id), self.core.accounts.get(account)
            if view is None or state is None or view["status"] not in OPEN:
                self.trailing.pop(leg_id, None)
            elif view["root"] in dirty.get(state.connection, ()):
                quote = self.core.broker_of(state).quotes.get(view["root"])
                if quote is not None:
                    self._trail(view, quote)
        for leg in list(self.legs.values()):
            state = self.core.accounts.get(leg["account"])
            if state is None or leg["root"] not in dirty.get(state.connection, ()):
                continue
            quote = self.core.broker_of(state).quotes.get(leg["root"])
            if quote is None:
                continue
            if leg["type"] == "trailing_stop":
                self._trail(leg, quote)
            if touched(leg, quote):
                await self._fire(state, leg["id"])

    def _trail(self, leg: dict[str, Any], quote: Quote) -> None:
        sell = leg["side"] == "sell"
        ref = quote.last if quote.last is not None else (quote.bid if sell else quote.ask)
        if ref is None:
            return
        trail = leg["trail_amount"] if "trail_amount" in leg else ref * float(leg["trail_percent"]) / 100
        level = on_tick(leg["root"], ref - trail if sell else ref + trail, up=not sell)
        if (level > leg["stop_price"]) if sell else (level < leg["stop_price"]):
            leg["stop_price"] = level
            if leg.get("native"):  # shown as the broker trails it; the broker's is the stop
                self.core.orders.changed({**leg})
            else:
                self._save(leg)
            self.core.bus.publish(
                "trailing_stop", {"account": leg["account"], "order_id": leg["id"], "stop_price": level}
            )

    async def _fire(self, state: AccountState, leg_id: str) -> None:
        async with self.core.lock_for(state.id):
            leg = self.legs.pop(leg_id, None)
            if leg is None:
                return  # fired, cancelled or discarded while we waited for the lock
            held = state.holdings.get(leg["root"])
            if held is None or (held.qty > 0) != (leg["side"] == "sell"):
                self._cancel(leg, "its position is gone")
                if (sibling := self.legs.pop(leg.get("oco", ""), None)) is not None:
                    self._cancel(sibling, "its position is gone")
                return
            # one-cancels-other: the sibling is out of reach before this leg leaves
            if (sibling := self.legs.pop(leg.get("oco", ""), None)) is not None:
                self.standby[sibling["id"]] = sibling
            qty = min(int(leg["qty"]), abs(held.qty))
            as_limit = leg["type"] == "stop_limit"
            fields = {"symbol": leg["symbol"], "side": leg["side"], "qty": qty, "source": leg["source"]}
            order = Order.from_dict(
                fields
                | {"intent": "close", "type": "limit" if as_limit else "market"}
                | ({"price": leg["price"]} if as_limit else {})
            )
            now = self.core.now()
            decision = self.gateway.decide(state, order, now)
            as_dict = self.gateway._audit(state, order, decision, now)
            sent = {**leg, "qty": qty, "status": "submitted", "fired_at": now.isoformat()}
            self._save(sent)  # committed before the broker sees it
            self.core.orders.add(sent)
            await self.gateway.send(state, order, leg_id, as_dict, as_type=order.type)

    def _cancel(self, leg: dict[str, Any], why: str) -> None:
        view = {**leg, "status": "cancelled", "reason": why}
        self._save(view)
        self.discard(leg["id"])
        self.core.bus.publish("cancel", {"account": leg["account"], "order_id": leg["id"], "reason": why})

    # ---- order ends and fills

    def _order_done(self, view: dict[str, Any]) -> None:
        try:
            if view.get("bracket") and "legs" not in view["bracket"]:
                self.place(view)
            if view.get("leg") and not view.get("native"):
                self._leg_done(view)  # a native leg's sibling is the broker's to cancel
        except Exception:  # a listener never breaks the book that called it
            log.exception("bracket of order %s", view.get("id"))

    def _leg_done(self, view: dict[str, Any]) -> None:
        sibling = self.standby.pop(view.get("oco") or "", None)
        if view["status"] == "filled" or int(view.get("filled_qty") or 0) > 0:
            if sibling is not None:
                self._cancel(sibling, f"one-cancels-other: its {view['leg'].replace('_', ' ')} filled")
            return
        # the fired leg did not fill: both rest again, a few times
        tries = self.retries.get(view["parent"], 0) + 1
        self.retries[view["parent"]] = tries
        if sibling is not None:
            self.legs[sibling["id"]] = sibling
        if tries > RETRIES:
            log.error(
                "%s: the %s of %s failed %d times: %s",
                view["account"],
                view["leg"],
                view["parent"],
                tries,
                view.get("reason"),
            )
            self.core.bus.publish("bracket_leg_failed", {"account": view["account"], "order": view})
            return
        again = {
            k: v
            for k, v in view.items()
            if k not in ("fills", "filled_qty", "avg_fill_price", "reason", "broker_order_id", "fired_at")
        }
        again |= {
            "id": self.core.new_id(),
            "status": "held",
            "fills": [],
            "created_at": self.core.now().isoformat(),
        }
        if sibling is not None:
            sibling["oco"] = again["id"]
            self._save(sibling)
        self._save(again)
        self.legs[again["id"]] = again

    def _after_fill(self, fill: Fill, entry: bool) -> None:
        """A fill that shrank the position (a partial exit) shrinks its legs to it."""
        state = self.core.accounts.get(fill.account)
        held = state.holdings.get(fill.root) if state is not None else None
        if held is None:
            return  # flat: cancel_orphaned_exits cancels the legs
        mine = self.core.orders.find(fill.order_id, fill.broker_order_id)
        if mine is not None and mine.get("native"):
            self._native_sibling_shrinks(mine)
        if not entry and state is not None and not (mine and mine.get("leg")):
            larger = [v for v in self._native_of(fill.account, fill.root) if self._left(v) > abs(held.qty)]
            if larger:
                self.gateway.spawn(self.take_back(state, larger))
        if not self.legs and not self.standby:
            return  # no leg held here (the usual case): none to shrink
        for leg in [*self.legs.values(), *self.standby.values()]:
            if (
                leg["account"] == fill.account
                and leg["root"] == fill.root
                and int(leg["qty"]) > abs(held.qty)
            ):
                leg["qty"] = abs(held.qty)
                self._save(leg)

    # ---- native legs taken back

    def _native_of(self, account: str, root: str) -> list[dict[str, Any]]:
        return [
            v for v in self.core.orders.live(account)
            if v.get("native") and v.get("leg") and v["root"] == root and v["status"] in OPEN
        ]  # fmt: skip

    def _native_sibling_shrinks(self, leg: dict[str, Any]) -> None:
        """A native leg filled in part: the broker leaves its sibling what the leg has
        left (the exchange's one-cancels-other), and so does the sibling's view."""
        sibling = self.core.orders.get(leg.get("oco") or "")
        if sibling is None or sibling["status"] not in OPEN or leg["status"] not in OPEN:
            return
        qty = int(sibling.get("filled_qty") or 0) + self._left(leg)
        if qty < int(sibling["qty"]):
            self.core.orders.changed({**sibling, "qty": qty})

    @staticmethod
    def _left(view: dict[str, Any]) -> int:
        return int(view["qty"]) - int(view.get("filled_qty") or 0)

    async def take_back(self, state: AccountState, views: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Cancel native legs at the broker and hold them here for the position that is
        left (a partial exit made them larger than it; breakeven moves a held stop). A leg
        the broker filled or ended meanwhile is not held again."""
        for view in views:
            try:
                await self.gateway.cancel(view["id"])
            except Exception as exc:  # it filled first, or the link is down: reconciliation says
                log.warning("%s: native leg %s not taken back: %s", state.id, view["id"], exc)
        held = state.holdings.get(views[0]["root"]) if views else None
        again: list[dict[str, Any]] = []
        for view in views:
            now = self.core.orders.get(view["id"]) or view
            if held is None or now["status"] != "cancelled" or int(now.get("filled_qty") or 0):
                continue
            keep = {k: v for k, v in now.items() if k not in ("broker_order_id", "native", "reason", "fills")}
            keep |= {"id": self.core.new_id(), "status": "held", "managed": True, "qty": abs(held.qty)}
            again.append(keep | {"fills": [], "filled_qty": 0, "created_at": self.core.now().isoformat()})
        if len(again) == 2:
            again[0]["oco"], again[1]["oco"] = again[1]["id"], again[0]["id"]
        elif again:
            again[0].pop("oco", None)
        for view in again:
            self._save(view)
            self.legs[view["id"]] = view
        if again:
            self.core.bus.publish("bracket", {"account": state.id, "held": again})
        return again

    # ---- breakeven and day orders

    async def breakeven(self, state: AccountState, alert: Alert) -> tuple[int, dict[str, Any]]:
        """``action: breakeven``: the position's stop loss moves to its average entry, plus
        ``breakevenOffset`` towards profit; without a stop loss, one is placed there."""
        root = alert.root
        held = state.holdings.get(root)
        if held is None:
            raise Conflict("action", f"nothing to move to breakeven: no open {root} position")
        sell = held.qty > 0
        native = self._native_of(state.id, root)
        if native:  # a stop at the broker moves by being held here
            await self.take_back(state, native)
        level = on_tick(root, held.avg_price + alert.breakeven_offset * (1 if sell else -1))
        quote = self.core.broker_of(state).quotes.get(root)
        market = quote.last if quote is not None and quote.last is not None else None
        if market is not None and ((market <= level) if sell else (market >= level)):
            raise Conflict(
                "action",
                f"the market ({market:g}) is through the breakeven level {level:g}: a stop there would fire at once",
            )
        mine = [
            leg
            for leg in [*self.legs.values(), *self.standby.values()]
            if leg["account"] == state.id and leg["root"] == root and leg["leg"] == "stop_loss"
        ]
        for leg in mine:
            leg.update(type="stop", stop_price=level)
            leg.pop("trail_amount", None)
            leg.pop("trail_percent", None)
            self._save(leg)
        if not mine:
            symbol = alert.ticker
            view: dict[str, Any] = {
                "id": self.core.new_id(), "account": state.id, "symbol": symbol, "root": root,
                "side": "sell" if sell else "buy", "qty": abs(held.qty), "type": "stop", "stop_price": level,
                "source": "webhook", "intent": "close", "status": "held", "managed": True, "exit": True,
                "fills": [], "created_at": self.core.now().isoformat(), "leg": "stop_loss", "parent": None,
            }  # fmt: skip
            self._save(view)
            self.legs[view["id"]] = view
            mine = [view]
        self.core.bus.publish("breakeven", {"account": state.id, "root": root, "stop_price": level})
        return 200, {"breakeven": level, "orders": mine}

    async def on_tick(self, now: datetime) -> None:
        """Orders sent with ``timeInForce: day`` expire at the trading-day roll."""
        stamp = now.isoformat()
        due = [
            v
            for v in [*self.core.orders.live(), *self.gateway.held.values()]
            if v.get("expires_at") and v["status"] in (*OPEN, "held")
            and datetime.fromisoformat(v["expires_at"]) <= now
        ]  # fmt: skip
        for view in due:
            try:
                await self.gateway.cancel(view["id"])
                self.core.bus.publish(
                    "expired", {"account": view["account"], "order_id": view["id"], "at": stamp}
                )
            except Exception as exc:
                log.warning("%s: day order %s did not expire: %s", view["account"], view["id"], exc)
