"""The operator's client verbs beyond status, accounts, order and the locks: everything the
API does, so that running a desk needs no curl.

| verb | API |
| --- | --- |
| ``orders [--account A] [--all]``, ``cancel ID`` | ``GET /v1/orders``, ``DELETE /v1/orders/{id}`` |
| ``decisions [--account A] [--outcome O] [--since WHEN]`` | ``GET /v1/decisions``, paged |
| ``events [--type T] [--count N]`` | ``GET /v1/events``, followed until Ctrl-C |
| ``enable``, ``disable [--confirm]``, ``resume`` ACCOUNT | ``POST /v1/accounts/{id}/…`` |
| ``account show|rename|remove`` | ``GET|PATCH|DELETE /v1/accounts/{id}`` |
| ``copy-group list|create|delete`` | ``/v1/copy-groups`` |
| ``quote SYMBOL``, ``paper-feed CONNECTION cut|live`` | ``POST /v1/paper/quotes``, ``/v1/paper/feed`` |
| ``connection show|set``, ``brokers`` | ``GET|PATCH /v1/connections/{name}``, ``GET /v1/brokers`` |
| ``signals [--status S]``, ``signals approve|reject ID`` | ``/v1/signals`` (``signal_verbs``) |

Each takes the flags that find the runtime (``apiclient``) and ``--json``; a refusal is
one line and exit 1, as for the other client verbs (``commands``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from ordergate.policy.timefmt import format_instant
from ordergate.runtime import apiclient
from ordergate.runtime.cli_errors import CommandFailed
from ordergate.runtime.commands import (
    _account_row,
    _call,
    _colour,
    _connection_line,
    _show,
    _table,
    heartbeat,
)

if TYPE_CHECKING:
    Sub = argparse._SubParsersAction[argparse.ArgumentParser]  # argparse keeps the name private

ACCOUNT_HEADER = ["account", "policy", "equity", "day P&L", "positions", "locked", "flags"]
DECISIONS_PAGE = 500
_DURATION = re.compile(r"^(\d+)\s*([smhd])$")
_UNIT = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def _seg(text: str) -> str:
    """One path segment: an account id or connection name may hold a space or a slash."""
    return quote(text, safe="")


def add_commands(sub: Sub) -> None:
    def client(parent: Sub, name: str, help_: str) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = parent.add_parser(name, help=help_)
        apiclient.add_arguments(p)
        return p

    p = client(sub, "orders", "open orders, or the order history with --all")
    p.add_argument("--account")
    p.add_argument("--all", action="store_true", help="the history, newest first, not only open orders")
    p.set_defaults(handler=cmd_orders)
    p = client(sub, "cancel", "cancel an open order (a cancel is never blocked)")
    p.add_argument("order_id", metavar="ORDER_ID")
    p.set_defaults(handler=cmd_cancel)
    p = client(sub, "decisions", "the audit log, newest first")
    p.add_argument("--account")
    p.add_argument("--outcome", choices=("allow", "block"))
    p.add_argument("--since", type=_since, metavar="WHEN", help="an ISO 8601 instant, or an age: 30m, 2h, 1d")
    p.add_argument("--limit", type=_positive, default=50, help="at most this many entries (default 50)")
    p.set_defaults(handler=cmd_decisions)
    p = client(sub, "events", "follow the event stream: decisions, fills, breaches, locks, status, reloads")
    p.add_argument("--type", action="append", default=[], metavar="TYPE", help="only these event types")
    p.add_argument("--count", type=_positive, metavar="N", help="stop after N events")
    p.set_defaults(handler=cmd_events)
    for verb, help_ in (
        ("enable", "let an account take new entries again"),
        ("disable", "block an account's new entries (exits still pass)"),
        ("resume", "resume automation paused by the sync divergence guard"),
    ):
        p = client(sub, verb, help_)
        p.add_argument("account")
        if verb == "disable":
            p.add_argument("--confirm", action="store_true", help="disable even with open positions")
        p.set_defaults(handler=cmd_account_switch, verb=verb)

    account = sub.add_parser("account", help="show, rename or remove one account")
    asub = account.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = client(asub, "show", "one account")
    p.add_argument("account")
    p.set_defaults(handler=cmd_account_show)
    p = client(asub, "rename", "set an account's nickname ('' clears it)")
    p.add_argument("account")
    p.add_argument("nickname")
    p.set_defaults(handler=cmd_account_rename)
    p = client(asub, "remove", "disconnect one account, keeping its connection")
    p.add_argument("account")
    p.add_argument("--confirm", action="store_true", help="remove even with open positions")
    p.set_defaults(handler=cmd_account_remove)

    groups = sub.add_parser("copy-group", help="copy-trading groups: a leader's fills copied to followers")
    gsub = groups.add_subparsers(dest="action", metavar="ACTION", required=True)
    client(gsub, "list", "every group").set_defaults(handler=cmd_groups)
    p = client(gsub, "create", "a group: --leader ACCOUNT --follower ACCOUNT[:RATIO] ...")
    p.add_argument("name")
    p.add_argument("--leader", required=True)
    p.add_argument("--follower", action="append", required=True, type=_follower, metavar="ACCOUNT[:RATIO]")
    p.set_defaults(handler=cmd_group_create)
    p = client(gsub, "delete", "remove a group")
    p.add_argument("name")
    p.set_defaults(handler=cmd_group_delete)

    p = client(sub, "quote", "set a quote on a paper connection whose feed is manual")
    p.add_argument("symbol")
    p.add_argument("--bid", type=_number)
    p.add_argument("--ask", type=_number)
    p.add_argument("--last", type=_number)
    p.add_argument("--connection", help="the paper connection (default: every manual one)")
    p.set_defaults(handler=cmd_quote)
    p = client(sub, "paper-feed", "cut or restore a paper connection's link, to watch the lifecycle")
    p.add_argument("connection")
    p.add_argument("state", choices=("cut", "live"))
    p.set_defaults(handler=cmd_paper_feed)
    client(sub, "brokers", "the broker kinds and what adding one asks for").set_defaults(handler=cmd_brokers)
    from ordergate.runtime import signal_verbs  # the approval queue; imports commands too

    signal_verbs.add_commands(sub)


def add_connection_commands(csub: Sub) -> None:
    """``connection show`` and ``connection set``, beside add/refresh/rename/reconnect/delete."""
    p = csub.add_parser("show", help="one connection")
    apiclient.add_arguments(p)
    p.add_argument("name")
    p.set_defaults(handler=cmd_connection_show)
    p = csub.add_parser("set", help="change a connection's execution mode or connection mode")
    apiclient.add_arguments(p)
    p.add_argument("name")
    p.add_argument("--execution", choices=("broker_native", "managed"))
    p.add_argument("--mode", choices=("auto", "websocket", "polling"), help="ProjectX only")
    p.set_defaults(handler=cmd_connection_set, usage=p.error)


# ---------------------------------------------------------------- argument types


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of 1 or more, not {text!r}")
    return int(text)


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None


def _since(text: str) -> datetime:
    """``2026-11-24T09:30:00-05:00`` (no offset: this machine's zone), or an age: ``30m``."""
    m = _DURATION.match(text.strip())
    if m:
        return datetime.now(UTC) - timedelta(**{_UNIT[m.group(2)]: int(m.group(1))})
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is neither an ISO 8601 instant (2026-11-24T09:30-05:00) nor an age (30m, 2h, 1d)"
        ) from None
    return when if when.tzinfo else when.astimezone()


def _follower(text: str) -> dict[str, Any]:
    account, _, ratio = text.partition(":")
    if not account:
        raise argparse.ArgumentTypeError("name the follower's account: ACCOUNT or ACCOUNT:RATIO")
    return {"account": account, "ratio": _number(ratio) if ratio else 1}


# ---------------------------------------------------------------- orders and decisions


def _order_row(o: dict[str, Any]) -> list[str]:
    prices = " ".join(
        f"{label} {o[key]:g}" for key, label in (("price", "@"), ("stop_price", "stop")) if o.get(key)
    )
    filled = f"{o.get('filled_qty', 0)} @ {o['avg_fill_price']:g}" if o.get("avg_fill_price") else "-"
    return [
        o["id"],
        o.get("account", "-"),
        f"{o['side']} {o['qty']} {o['symbol']}",
        o["type"] + (f" {prices}" if prices else ""),
        o["status"],
        filled,
        o.get("client_order_id") or "-",
    ]


def cmd_orders(args: argparse.Namespace) -> int:
    query = {"status": "all" if args.all else "open", **({"account": args.account} if args.account else {})}

    def render(d: dict[str, Any]) -> str:
        if not d["orders"]:
            return "no open orders" if not args.all else "no orders"
        return _table(
            [_order_row(o) for o in d["orders"]],
            ["order", "account", "order", "type", "status", "filled", "client id"],
        )

    return _show(args, *_call(args, "GET", f"/v1/orders?{urlencode(query)}"), render)


def cmd_cancel(args: argparse.Namespace) -> int:
    return _show(
        args,
        *_call(args, "DELETE", f"/v1/orders/{_seg(args.order_id)}"),
        lambda d: f"order {d['order']['id']}: {d['order']['status']}",
    )


def _decision_entries(args: argparse.Namespace) -> tuple[int, Any]:
    """The newest entries that pass the filters, at most ``--limit``; pages back through the
    log until it is exhausted or older than ``--since``."""
    kept: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        query: dict[str, Any] = {"limit": DECISIONS_PAGE}
        if args.account:
            query["account"] = args.account
        if cursor:
            query["cursor"] = cursor
        status, data = _call(args, "GET", f"/v1/decisions?{urlencode(query)}")
        if status != 200:
            return status, data
        for entry in data["decisions"]:
            if args.since is not None and datetime.fromisoformat(entry["time"]) < args.since:
                return 200, {"decisions": kept}
            if args.outcome is None or entry["decision"]["outcome"] == args.outcome:
                kept.append(entry)
                if len(kept) >= args.limit:
                    return 200, {"decisions": kept}
        cursor = data.get("next_cursor")
        if not cursor:
            return 200, {"decisions": kept}


def _decision_row(e: dict[str, Any], zones: dict[str, str]) -> list[str]:
    d, o = e["decision"], e["order"]
    verdict = "allow" if d["outcome"] == "allow" else f"BLOCK {d['stage']}[{d['code']}]"
    return [
        format_instant(e["time"], zones.get(e["account"]), seconds=True),
        e["account"],
        f"{o.get('side')} {o.get('qty')} {o.get('symbol')}",
        o.get("source") or "-",
        verdict,
        d.get("policy") or "-",
        d["message"] if d["outcome"] == "block" else "",
    ]


def _zones(args: argparse.Namespace) -> dict[str, str]:
    """Each account's policy zone, where its decisions' times are shown."""
    try:
        status, data = _call(args, "GET", "/v1/accounts")
    except CommandFailed:
        return {}
    if status != 200 or not isinstance(data, dict):
        return {}
    accounts = [a for a in data.get("accounts", ()) if isinstance(a, dict) and a.get("timezone")]
    return {a["id"]: a["timezone"] for a in accounts}


def cmd_decisions(args: argparse.Namespace) -> int:
    def render(d: dict[str, Any]) -> str:
        if not d["decisions"]:
            return "no decisions"
        zones = _zones(args)
        return _table(
            [_decision_row(e, zones) for e in d["decisions"]],
            ["time", "account", "order", "source", "outcome", "policy", "reason"],
        )

    return _show(args, *_decision_entries(args), render)


def _event_line(kind: str, data: Any) -> str:
    if kind == "decision" and isinstance(data, dict) and isinstance(data.get("decision"), dict):
        d, o = data["decision"], data.get("order") or {}
        verdict = "allowed" if d["outcome"] == "allow" else f"BLOCKED at {d['stage']} [{d['code']}]"
        return (
            f"decision {data.get('account', '')}: {o.get('side')} {o.get('qty')} {o.get('symbol')} {verdict}"
        )
    return f"{kind} " + json.dumps(data, separators=(", ", ": "), default=str)


def cmd_events(args: argparse.Namespace) -> int:
    seen = 0
    try:
        for kind, data in apiclient.stream(_target(args), "/v1/events"):
            if args.type and kind not in args.type:
                continue
            print(
                json.dumps({"event": kind, "data": data}) if args.json else _event_line(kind, data),
                flush=True,
            )
            seen += 1
            if args.count and seen >= args.count:
                break
    except KeyboardInterrupt:  # the way a person ends a tail
        return 0
    return 0


def _target(args: argparse.Namespace) -> apiclient.Target:
    return apiclient.target_of(args, os.environ)


# ---------------------------------------------------------------- accounts


def _account_table(a: dict[str, Any]) -> str:
    return _table([_account_row(a)], ACCOUNT_HEADER)


def cmd_account_switch(args: argparse.Namespace) -> int:
    body = {"confirm": True} if getattr(args, "confirm", False) else None
    return _show(
        args, *_call(args, "POST", f"/v1/accounts/{_seg(args.account)}/{args.verb}", body), _account_table
    )


def cmd_account_show(args: argparse.Namespace) -> int:
    return _show(args, *_call(args, "GET", f"/v1/accounts/{_seg(args.account)}"), _account_table)


def cmd_account_rename(args: argparse.Namespace) -> int:
    body = {"nickname": args.nickname or None}
    return _show(
        args,
        *_call(args, "PATCH", f"/v1/accounts/{_seg(args.account)}", body),
        lambda a: f"{a['id']}: nickname {a.get('nickname') or 'none'}",
    )


def cmd_account_remove(args: argparse.Namespace) -> int:
    body = {"confirm": True} if args.confirm else None
    return _show(
        args,
        *_call(args, "DELETE", f"/v1/accounts/{_seg(args.account)}", body),
        lambda d: f"removed {args.account}",
    )


# ---------------------------------------------------------------- copy groups


def _group_line(g: dict[str, Any]) -> str:
    followers = ", ".join(f"{f['account']} x{f['ratio']:g}" for f in g["followers"])
    return f"{g['name']}: {g['leader']} -> {followers}"


def cmd_groups(args: argparse.Namespace) -> int:
    return _show(
        args,
        *_call(args, "GET", "/v1/copy-groups"),
        lambda d: "\n".join(_group_line(g) for g in d["groups"]) or "no copy groups",
    )


def cmd_group_create(args: argparse.Namespace) -> int:
    body = {"name": args.name, "leader": args.leader, "followers": args.follower}
    return _show(args, *_call(args, "POST", "/v1/copy-groups", body), lambda g: "created " + _group_line(g))


def cmd_group_delete(args: argparse.Namespace) -> int:
    return _show(
        args,
        *_call(args, "DELETE", f"/v1/copy-groups/{_seg(args.name)}"),
        lambda g: "deleted " + _group_line(g),
    )


# ---------------------------------------------------------------- paper and brokers


def cmd_quote(args: argparse.Namespace) -> int:
    body: dict[str, Any] = {"symbol": args.symbol}
    for key in ("bid", "ask", "last", "connection"):
        if getattr(args, key) is not None:
            body[key] = getattr(args, key)
    return _show(
        args,
        *_call(args, "POST", "/v1/paper/quotes", body),
        lambda d: (
            f"{args.symbol}: " + "  ".join(f"{k} {body[k]:g}" for k in ("bid", "ask", "last") if k in body)
        ),
    )


def cmd_paper_feed(args: argparse.Namespace) -> int:
    body = {"connection": args.connection, "state": args.state}
    return _show(
        args, *_call(args, "POST", "/v1/paper/feed", body), lambda d: f"{d['connection']}: link {d['state']}"
    )


def cmd_brokers(args: argparse.Namespace) -> int:
    def render(d: dict[str, Any]) -> str:
        rows = [
            [
                b["broker"],
                b["label"],
                "yes" if b["available"] else "not in this build",
                ", ".join(b["fields"]),
            ]
            for b in d["brokers"]
        ]
        return _table(rows, ["broker", "name", "available", "fields to add one"])

    return _show(args, *_call(args, "GET", "/v1/brokers"), render)


def cmd_connection_show(args: argparse.Namespace) -> int:
    def render(c: dict[str, Any]) -> str:
        extra = [f"{k} {c[k]}" for k in ("execution", "mode") if c.get(k)]
        if c.get("last_heartbeat"):
            extra.append(f"last heartbeat {heartbeat(c['last_heartbeat'])}")
        return _connection_line(c) + (f"; {', '.join(extra)}" if extra else "")

    return _show(args, *_call(args, "GET", f"/v1/connections/{_seg(args.name)}"), render)


def cmd_connection_set(args: argparse.Namespace) -> int:
    body = {k: v for k, v in (("execution", args.execution), ("mode", args.mode)) if v is not None}
    if not body:
        args.usage("say what to change: --execution and/or --mode")
    return _show(
        args,
        *_call(args, "PATCH", f"/v1/connections/{_seg(args.name)}", body),
        lambda c: (
            f"{c['name']}: execution {c.get('execution') or '-'}, mode {c.get('mode') or '-'}"
            + f" ({_colour(c['status'])})"
        ),
    )
