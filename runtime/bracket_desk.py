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

Legs are *held*: the adapter contract (``brokers/base.py``) offers no broker-native
brackets yet, so the desk keeps them like managed orders, for every broker. They show
in ``GET /v1/orders`` as ``held`` orders with their ``type``, ``price`` or
``stop_price``, ``leg`` (``take_profit`` | ``stop_loss``), ``parent`` (the entry) and
``oco`` (the other leg). On every quote pass a trailing stop moves its ``stop_price``
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
from ordergate.runtime.brackets import Bracket, leg_prices, on_tick
from ordergate.runtime.brokers.base import Fill
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


def touched(leg: dict[str, Any], quote: Quote) -> bool:
    sell = leg["side"] == "sell"
    if leg["type"] == "limit":
        touch = (quote.bid if sell else quote.ask) or quote.last
        price = float(leg["price"])
        return touch is not None and (touch >= price if sell else touch <= price)
    trade = quote.last if quote.last is not None else (quote.bid if sell else quote.ask)
    stop = float(leg["stop_price"])
    return trade is not None and (trade <= stop if sell else trade >= stop)


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
        self.recover()

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
                    placed += self.place(entry)
        return placed

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

    # ---- placing

    def place(self, entry: dict[str, Any]) -> list[dict[str, Any]]:
        """Commit the legs of a filled entry (with the entry's record of them)."""
        spec = entry.get("bracket")
        filled = int(entry.get("filled_qty") or 0)
        state = self.core.accounts.get(entry["account"])
        if not spec or "legs" in spec or not filled or state is None:
            return []
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

    def _legs_for(self, entry: dict[str, Any], bracket: Bracket, qty: int) -> list[dict[str, Any]]:
        fill, root = float(entry["avg_fill_price"]), entry["root"]
        created = self.core.now().isoformat()
        views = []
        for kind, leg in (("take_profit", bracket.take_profit), ("stop_loss", bracket.stop_loss)):
            if leg is None:
                continue
            view: dict[str, Any] = {
                "id": self.core.new_id(),
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

    # ---- the market

    async def on_quotes(self, dirty: dict[str, set[str]]) -> None:
        """A quote pass: trailing stops follow, touched legs fire."""
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
            if view.get("leg"):
                self._leg_done(view)
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
        for leg in [*self.legs.values(), *self.standby.values()]:
            if (
                leg["account"] == fill.account
                and leg["root"] == fill.root
                and int(leg["qty"]) > abs(held.qty)
            ):
                leg["qty"] = abs(held.qty)
                self._save(leg)

    # ---- breakeven and day orders

    async def breakeven(self, state: AccountState, alert: Alert) -> tuple[int, dict[str, Any]]:
        """``action: breakeven``: the position's stop loss moves to its average entry, plus
        ``breakevenOffset`` towards profit; without a stop loss, one is placed there."""
        root = alert.root
        held = state.holdings.get(root)
        if held is None:
            raise Conflict("action", f"nothing to move to breakeven: no open {root} position")
        sell = held.qty > 0
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
