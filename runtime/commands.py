"""The runtime's verbs: ``run``, and the client verbs that talk to a running runtime.

Client verbs find the runtime and its token from their flags, the environment or the
runtime's state directory (``apiclient`` says in which order); the operator's verbs
beyond these (orders, decisions, events, account and connection controls, copy groups,
paper quotes) are in ``client_verbs``. They print readable tables, or the JSON answer with ``--json``; exit 0
on success, 1 when the runtime refuses or cannot be reached, 2 for a usage error. A
failure is one line on stderr (``cli``), never a traceback.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from ordergate.policy.timefmt import ago, format_instant
from ordergate.runtime import apiclient, secret_input
from ordergate.runtime.apiclient import Target
from ordergate.runtime.cli_errors import CommandFailed, UsageError

COLOURS = {"connected": "32", "connecting": "33", "stale": "33", "error": "31", "disconnected": "90"}


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("run", help="run the policy runtime (the embedded default with no config)")
    p.add_argument("--config", metavar="FILE", help="a Runtime document")
    p.add_argument(
        "--listen", metavar="HOST:PORT", help="override the API address (loopback unless --allow-remote)"
    )
    p.add_argument(
        "--allow-remote",
        action="store_true",
        help="let the API listen beyond loopback; tokens cross the network in clear unless a TLS proxy fronts it",
    )
    p.add_argument(
        "--state-dir", metavar="DIR", default=".ordergate", help="where the token lives (default .ordergate)"
    )
    p.add_argument("--log-level", default="info", choices=("debug", "info", "warning", "error"))
    p.add_argument("--log-format", default="text", choices=("text", "json"), help="json: one object a line")
    p.set_defaults(handler=cmd_run)

    def client(name: str, help_: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_)
        apiclient.add_arguments(p)
        return p

    client("status", "policy, connections and counts of a running runtime").set_defaults(handler=cmd_status)
    client("accounts", "accounts with positions, P&L and locks").set_defaults(handler=cmd_accounts)
    client("connections", "connections with their status").set_defaults(handler=cmd_connections)
    p = client("order", "place an order through the check chain")
    p.add_argument("account")
    p.add_argument("side", choices=("buy", "sell"))
    p.add_argument("qty", type=_quantity)
    p.add_argument("symbol")
    p.add_argument(
        "--type",
        choices=ORDER_TYPES,
        help="default: from the prices (--price limit, --stop stop, both stop_limit, neither market)",
    )
    p.add_argument("--price", type=_price, metavar="PRICE", help="limit price")
    p.add_argument(
        "--stop", "--stop-price", dest="stop_price", type=_price, metavar="PRICE", help="stop (trigger) price"
    )
    p.add_argument("--client-order-id")
    p.add_argument("--check", action="store_true", help="dry run: decide but do not send")
    p.set_defaults(handler=cmd_order, usage=p.error)
    p = client("lock", "lock an account")
    p.add_argument("account")
    p.add_argument("--duration", default="manual", help="manual, 6h, 12h, session:<boundary> or HH:MM")
    p.add_argument("--enforce", action="store_true")
    p.set_defaults(handler=cmd_lock)
    p = client("unlock", "unlock an account")
    p.add_argument("account")
    p.set_defaults(handler=cmd_unlock)
    p = client("flatten", "close every position of an account")
    p.add_argument("account")
    p.set_defaults(handler=cmd_flatten)
    conn = sub.add_parser("connection", help="add, refresh, rename, reconnect or delete a broker connection")
    csub = conn.add_subparsers(dest="action", metavar="ACTION", required=True)

    def conn_client(name: str, help_: str) -> argparse.ArgumentParser:
        p = csub.add_parser(name, help=help_)
        apiclient.add_arguments(p)
        return p

    p = conn_client("add", "the three steps: name, authenticate, select accounts")
    p.add_argument("broker", help="paper, rithmic, projectx, tradovate, ninjatrader")
    p.add_argument("--name", help="default: suggested from the broker")
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help="a step-2 field, e.g. username=me; a secret as FIELD=- (prompt or one stdin line) or FIELD=env:NAME",
    )
    p.add_argument(
        "--secret-stdin",
        action="append",
        dest="set",
        type=_stdin_field,
        metavar="FIELD",
        help="read FIELD from stdin (one line), or from a prompt on a terminal",
    )
    p.add_argument(
        "--account",
        action="append",
        default=[],
        metavar="ID[:NICKNAME]",
        help="import only these (default: all)",
    )
    p.add_argument(
        "--paper-account",
        action="append",
        default=[],
        metavar="ID[:BALANCE]",
        help="paper: the accounts to create; a real broker: its paper account, one of its own "
        "accounts by id or else a built-in one filled at the connection's quotes",
    )
    p.add_argument("--live-account", metavar="ID", help="the account a webhook with mode: live trades")
    p.add_argument("--execution", choices=("broker_native", "managed"), default="broker_native")
    p.set_defaults(handler=cmd_connection_add)
    for action, help_ in (
        ("refresh", "discover new accounts"),
        ("reconnect", "connect again, also after an error"),
    ):
        p = conn_client(action, help_)
        p.add_argument("name")
        p.set_defaults(handler=cmd_connection_simple)
    p = conn_client("rename", "rename a connection")
    p.add_argument("name")
    p.add_argument("new_name")
    p.set_defaults(handler=cmd_connection_rename)
    p = conn_client("delete", "remove a connection and all its accounts")
    p.add_argument("name")
    p.add_argument(
        "--confirm", action="store_true", help="required: deleting removes every account of the connection"
    )
    p.set_defaults(handler=cmd_connection_delete)

    from ordergate.runtime import client_verbs  # the operator's verbs; imports this module

    client_verbs.add_connection_commands(csub)
    client_verbs.add_commands(sub)

    from ordergate.runtime import audit_export  # audit export: the log a replay reads

    audit_export.add_commands(sub)

    p = sub.add_parser("simulate", help="run a local broker simulator that speaks the broker's protocol")
    p.add_argument("broker", choices=("rithmic", "projectx", "tradovate", "ninjatrader", "loopback"))
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--username", "--user", dest="user", default="demo")
    p.add_argument("--password", default=os.environ.get("ORDERGATE_SIM_PASSWORD", "demo"))
    p.add_argument("--api-key", default=os.environ.get("ORDERGATE_SIM_API_KEY", "demo"), help="projectx")
    p.add_argument("--account", action="append", default=[], metavar="ID[:BALANCE]", help="repeatable")
    p.add_argument("--balance", type=float, default=50_000.0, help="each account's balance")
    p.add_argument("--tls", action="store_true", help="serve wss:// with a certificate for 127.0.0.1 (rithmic)")
    p.set_defaults(handler=cmd_simulate)

    vault = sub.add_parser("vault", help="the credentials vault")
    vsub = vault.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = vsub.add_parser("rotate", help="re-seal every stored secret under a new key (stop the runtime first)")
    p.add_argument("--config", metavar="FILE", help="the runtime's config: its store is the one rotated")
    p.add_argument("--state-dir", default=".ordergate", help="where master.key lives (default .ordergate)")
    p.add_argument("--store", metavar="URL", help="the store to rotate, overriding the config's")
    p.set_defaults(handler=cmd_vault_rotate)

    p = client("kill-switch", "flatten every position and lock every account")
    p.add_argument("--confirm", required=True, metavar="WORD", help="type FLATTEN")
    p.set_defaults(handler=cmd_kill_switch)


# ---------------------------------------------------------------- run


def cmd_run(args: argparse.Namespace) -> int:
    from ordergate.runtime import server  # the runtime extra: cli names it when it is missing

    return server.main(
        args.config, Path(args.state_dir), args.listen, args.log_level, args.allow_remote, args.log_format
    )


# ---------------------------------------------------------------- client verbs


def _target(args: argparse.Namespace) -> Target:
    return apiclient.target_of(args, os.environ)


def _call(args: argparse.Namespace, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    return apiclient.request(_target(args), method, path, body)


def _fail(message: str) -> int:
    sys.stderr.write(f"ordergate: {message}\n")
    return 1


def _error(args: argparse.Namespace, status: int, data: Any) -> int:
    raise CommandFailed(apiclient.refusal(_target(args), status, data))


def _colour(status: str) -> str:
    code = COLOURS.get(status)
    return f"\033[{code}m{status}\033[0m" if code and sys.stdout.isatty() else status


def _table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=False)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=False))]
    lines += ["  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=False)) for r in rows]
    return "\n".join(lines)


def _show(args: argparse.Namespace, status: int, data: Any, render: Any) -> int:
    if status >= 400 and not (status == 403 and isinstance(data, dict) and "decision" in data):
        return _error(args, status, data)
    if args.json:
        print(json.dumps(data, indent=2))
    else:
        try:
            text = render(data)
        except (KeyError, TypeError, IndexError, AttributeError, ValueError) as exc:
            # an answer of another shape (another version of the runtime, or not one)
            raise CommandFailed(
                f"the answer from {_target(args).url} has a shape this ordergate does not know ({type(exc).__name__}: "
                f"{exc}); --json prints it as it came"
            ) from None
        print(text)
    return 0 if status < 400 else 1


def cmd_status(args: argparse.Namespace) -> int:
    def render(d: dict[str, Any]) -> str:
        p = d["policy"]
        loaded = format_instant(p["loaded_at"]) if p["loaded_at"] else "never"
        out = [f"policy: {', '.join(p['policies']) or 'none'}  bundle {p['bundle']}  loaded {loaded}"]
        if p.get("refused"):
            out.append(f"refused reload: {p['refused']['message']}")
        out.append(
            _table(
                [
                    [
                        c["name"],
                        c["broker"],
                        _colour(c["status"]),
                        str(len(c["accounts"])),
                        heartbeat(c["last_heartbeat"]),
                    ]
                    for c in d["connections"]
                ],
                ["connection", "broker", "status", "accounts", "last heartbeat"],
            )
        )
        c = d["counts"]
        out.append(
            f"accounts {c['accounts']}, locked {c['locked']}, open positions {c['open_positions']}, paused {c['paused']}"
        )
        if d.get("instances"):  # several runtimes on one PostgreSQL database
            out.append(_instances_table(d))
        return "\n".join(out)

    return _show(args, *_call(args, "GET", "/v1/status"), render)


def _instances_table(d: dict[str, Any]) -> str:
    rows = [
        [
            i["id"] + (" (this one)" if i["id"] == d.get("instance") else ""),
            i["address"],
            "live" if i["live"] else "dead",
            heartbeat(i["heartbeat_at"]),
            str(i["bundle"] or "-"),
            ", ".join(i["leases"]) or "-",
        ]
        for i in d["instances"]
    ]
    return _table(rows, ["instance", "address", "state", "last heartbeat", "bundle", "holds"])


def cmd_connections(args: argparse.Namespace) -> int:
    def render(d: dict[str, Any]) -> str:
        rows = [
            [
                c["name"],
                c["broker"],
                _colour(c["status"]),
                c["execution"] or "-",
                ", ".join(c["accounts"]),
                heartbeat(c["last_heartbeat"]),
            ]
            for c in d["connections"]
        ]
        return _table(rows, ["connection", "broker", "status", "execution", "accounts", "last heartbeat"])

    return _show(args, *_call(args, "GET", "/v1/status"), render)


def heartbeat(iso: str | None) -> str:
    """A connection's last heartbeat as its age: ``3 s ago``."""
    if not iso:
        return "-"
    try:
        return ago((datetime.now(UTC) - datetime.fromisoformat(iso)).total_seconds())
    except (ValueError, TypeError):
        return iso


def zone_of(args: argparse.Namespace, account: str) -> str | None:
    """The zone of the account's policy, where its instants are shown; None when the
    runtime does not say (the default zone is used then)."""
    try:
        status, data = _call(args, "GET", f"/v1/accounts/{quote(account, safe='')}")
    except CommandFailed:
        return None
    zone = data.get("timezone") if status == 200 and isinstance(data, dict) else None
    return zone if isinstance(zone, str) else None


def _account_row(a: dict[str, Any]) -> list[str]:
    lock = a["locked"]
    locked = (
        "-"
        if not lock
        else f"until {format_instant(lock['until'], a.get('timezone')) if lock['until'] else 'unlocked by hand'}"
        + (" (enforced)" if lock["enforce"] else "")
    )
    positions = ", ".join(f"{p['symbol']} {p['qty']:+d}" for p in a["positions"]) or "flat"
    flags = [x for x, on in (("disabled", not a["enabled"]), ("paused", a["automation_paused"])) if on]
    return [
        a["id"],
        a["policy"] or "-",
        f"{a['equity']:,.2f}",
        f"{a['pnl']['daily']:,.2f}",
        positions,
        locked,
        ",".join(flags) or "-",
    ]


def cmd_accounts(args: argparse.Namespace) -> int:
    def render(d: dict[str, Any]) -> str:
        return _table(
            [_account_row(a) for a in d["accounts"]],
            ["account", "policy", "equity", "day P&L", "positions", "locked", "flags"],
        )

    return _show(args, *_call(args, "GET", "/v1/accounts"), render)


def _decision_line(d: dict[str, Any], zone: str | None = None) -> str:
    if d["outcome"] == "allow":
        warn = "".join(f"\n  warning {w['code']}: {w['message']}" for w in d["warnings"])
        return f"allowed by {d['policy']}{warn}"
    actions = "".join(
        f"\n  action: {a['kind']}" + (f" until {format_instant(a['until'], zone)}" if a.get("until") else "")
        for a in d["actions"]
    )
    return f"BLOCKED at {d['stage']} [{d['code']}] by {d['policy'] or 'no policy'}: {d['message']}{actions}"


ORDER_TYPES = ("market", "limit", "stop", "stop_limit")
# which prices each order type carries: (limit price, stop price)
_TYPE_PRICES = {
    "market": (False, False),
    "limit": (True, False),
    "stop": (False, True),
    "stop_limit": (True, True),
}


def _price(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"a price must be a number above 0, not {text}")
    return value


def _quantity(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of contracts") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"the quantity must be 1 or more, not {text}")
    return value


def order_type(given: str | None, price: float | None, stop: float | None) -> str:
    """The order type the prices make, or the one given when it agrees with them.

    A price without a type used to go out as a market order, which is the one mistake a
    trader cannot take back; so the prices decide, and a type that contradicts them is
    refused rather than guessed at.
    """
    has = (price is not None, stop is not None)
    if given is None:
        return next(kind for kind, prices in _TYPE_PRICES.items() if prices == has)
    flags = list(zip(("--price", "--stop"), _TYPE_PRICES[given], has, strict=True))
    # a missing price first: "--type stop --price X" most likely meant --stop X
    for flag, needed, present in flags:
        if needed and not present:
            raise ValueError(f"--type {given} needs {flag}")
    for flag, needed, present in flags:
        if present and not needed:
            inferred = order_type(None, price, stop)
            raise ValueError(
                f"--type {given} takes no {flag}; these prices make a {inferred} order (drop --type, or drop {flag})"
            )
    return given


def cmd_order(args: argparse.Namespace) -> int:
    try:
        kind = order_type(args.type, args.price, args.stop_price)
    except ValueError as exc:
        args.usage(str(exc))  # exits 2 with the usage line, as argparse does
    body: dict[str, Any] = {
        "account": args.account,
        "side": args.side,
        "qty": args.qty,
        "symbol": args.symbol,
        "type": kind,
        "source": "manual",
    }
    for key, value in (
        ("price", args.price),
        ("stop_price", args.stop_price),
        ("client_order_id", args.client_order_id),
    ):
        if value is not None:
            body[key] = value

    # the orders sent under this client_order_id before: an answer naming one of them is
    # the runtime's first answer again, and nothing went to the broker this time
    earlier = set() if args.check or not args.client_order_id else _sent_under(args, args.client_order_id)

    def render(d: dict[str, Any]) -> str:
        timed = any(a.get("until") for a in d["decision"]["actions"])
        line = _decision_line(d["decision"], zone_of(args, args.account) if timed else None)
        if args.check:
            return "dry run, nothing sent: " + line
        order = d.get("order")
        if order and order["id"] in earlier:
            return (
                f"already sent: client order id {args.client_order_id} is order {order['id']} "
                f"({order['status']}); nothing was sent again"
            )
        if order:
            fills = ", ".join(f"{f['qty']} @ {f['price']}" for f in order["fills"])
            line += f"\norder {order['id']}: {order['status']}" + (f" ({fills})" if fills else "")
        return line

    return _show(args, *_call(args, "POST", "/v1/orders/check" if args.check else "/v1/orders", body), render)


def _sent_under(args: argparse.Namespace, key: str) -> set[str]:
    """Ids of the account's orders in the history that carry ``key`` as client_order_id."""
    query = urlencode({"account": args.account, "status": "all"})
    status, data = _call(args, "GET", f"/v1/orders?{query}")
    if status != 200 or not isinstance(data, dict):
        return set()  # the order itself will say what is wrong (an unknown account, say)
    return {o["id"] for o in data.get("orders") or () if o.get("client_order_id") == key}


def cmd_lock(args: argparse.Namespace) -> int:
    body = {"duration": args.duration, "enforce": args.enforce}
    return _show(
        args,
        *_call(args, "POST", f"/v1/accounts/{args.account}/lock", body),
        lambda a: _table(
            [_account_row(a)], ["account", "policy", "equity", "day P&L", "positions", "locked", "flags"]
        ),
    )


def cmd_unlock(args: argparse.Namespace) -> int:
    return _show(
        args, *_call(args, "POST", f"/v1/accounts/{args.account}/unlock"), lambda a: f"{a['id']} unlocked"
    )


def cmd_flatten(args: argparse.Namespace) -> int:
    return _show(
        args,
        *_call(args, "POST", f"/v1/accounts/{args.account}/flatten"),
        lambda r: f"{r['account']}: flatten {r['flatten']}" + (f" ({r['error']})" if r["error"] else ""),
    )


def cmd_kill_switch(args: argparse.Namespace) -> int:
    def render(d: dict[str, Any]) -> str:
        return _table(
            [[a["account"], a["flatten"], a["lock"], a["error"] or ""] for a in d["accounts"]],
            ["account", "flatten", "lock", "error"],
        )

    return _show(args, *_call(args, "POST", "/v1/kill-switch", {"confirm": args.confirm}), render)


# ---------------------------------------------------------------- connections


def _connection_line(c: dict[str, Any]) -> str:
    return (
        f"{c['name']} ({c['broker']}): {_colour(c['status'])}, accounts {', '.join(c['accounts']) or 'none'}"
    )


def _stdin_field(text: str) -> str:
    try:
        return secret_input.stdin_field(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _paper_accounts(items: list[str]) -> list[dict[str, Any]]:
    accounts = []
    for item in items:
        ident, _, balance = item.partition(":")
        try:
            accounts.append({"id": ident, "balance": float(balance or 50000)})
        except ValueError:
            raise UsageError(f"--paper-account {item!r}: the balance must be a number") from None
    return accounts


def _paper_of(item: str, discovered: list[str]) -> str | dict[str, Any]:
    """A broker connection's paper account: one of its own accounts, else a built-in one."""
    if item in discovered:
        return item
    return _paper_accounts([item])[0]


def cmd_connection_add(args: argparse.Namespace) -> int:
    # every field is read and checked before the first call: a mistake changes nothing
    sources = secret_input.Sources(sys.stdin, os.environ)
    given = secret_input.split(args.set)
    secret_input.refuse_literal_secrets(given, secret_input.ALWAYS_SECRET)
    fields: dict[str, Any] = dict(secret_input.resolve(given, sources))
    if args.paper_account and args.broker == "paper":
        fields["accounts"] = _paper_accounts(args.paper_account)
    elif len(args.paper_account) > 1:
        raise UsageError("--paper-account: a broker connection has one paper account")
    step1: dict[str, Any] = {"broker": args.broker}
    if args.name:
        step1["name"] = args.name
    status, draft = _call(args, "POST", "/v1/connections", step1)
    if status >= 400:
        return _error(args, status, draft)
    secret = secret_input.ALWAYS_SECRET | set(draft.get("secret_fields") or ())
    secret_input.refuse_literal_secrets(given, secret)
    fields.update(secret_input.prompt_missing(draft.get("fields") or (), fields, secret, sources))
    status, found = _call(args, "POST", f"/v1/connections/drafts/{draft['draft']}/authenticate", fields)
    if status >= 400:
        return _error(args, status, found)
    if not args.json:
        print(
            f"{draft['name']}: found "
            + ", ".join(
                f"{a['id']} (balance {a['balance']:,.2f}, equity {a['equity']:,.2f})"
                for a in found["accounts"]
            )
        )
    chosen = [{"id": a["id"], "import": True} for a in found["accounts"]]
    if args.account:
        chosen = []
        for item in args.account:
            ident, _, nick = item.partition(":")
            chosen.append({"id": ident, "import": True, **({"nickname": nick} if nick else {})})
    body: dict[str, Any] = {"accounts": chosen, "execution": args.execution}
    if args.live_account:
        body["live_account"] = args.live_account
    if args.paper_account and args.broker != "paper":
        body["paper_account"] = _paper_of(args.paper_account[0], [a["id"] for a in found["accounts"]])
    return _show(
        args,
        *_call(args, "POST", f"/v1/connections/drafts/{draft['draft']}/accounts", body),
        lambda c: "added " + _connection_line(c),
    )


def cmd_connection_simple(args: argparse.Namespace) -> int:
    def render(d: dict[str, Any]) -> str:
        if "new_accounts" in d:
            return f"{d['connection']}: new accounts {', '.join(d['new_accounts']) or 'none'}; accounts {', '.join(d['accounts'])}"
        return _connection_line(d)

    return _show(args, *_call(args, "POST", f"/v1/connections/{args.name}/{args.action}"), render)


def cmd_connection_rename(args: argparse.Namespace) -> int:
    return _show(
        args,
        *_call(args, "POST", f"/v1/connections/{args.name}/rename", {"name": args.new_name}),
        lambda c: "renamed: " + _connection_line(c),
    )


def cmd_connection_delete(args: argparse.Namespace) -> int:
    body = {"confirm": True} if args.confirm else {}
    return _show(
        args,
        *_call(args, "DELETE", f"/v1/connections/{args.name}", body),
        lambda d: f"deleted {d['deleted']} and accounts {', '.join(d['accounts']) or 'none'}",
    )


def cmd_vault_rotate(args: argparse.Namespace) -> int:
    from ordergate.runtime.vault_cli import rotate_command

    outcome = rotate_command(args.config, Path(args.state_dir), args.store)
    if outcome.status:
        return _fail(outcome.message)
    print(outcome.message)
    return 0


def cmd_simulate(args: argparse.Namespace) -> int:
    import asyncio

    if args.broker == "rithmic":
        from ordergate.runtime.brokers.rithmic import serve as rithmic

        default_login = (args.user, args.password) == ("trader", "correct horse")  # the loopback defaults
        return rithmic.main(
            args.port,
            tls=args.tls,
            accounts=[a.partition(":")[0] for a in args.account],
            balance=args.balance,
            username="demo" if default_login else args.user,
            password="demo" if default_login else args.password,
        )
    from ordergate.runtime.brokers import simulate

    found = simulate.harness(args.broker)
    if found is None:
        return _fail(f"the {args.broker} simulator is not available in this build")
    login = simulate.SimLogin(args.user, args.password, args.api_key)
    accounts = simulate.parse_accounts(args.account, args.balance)
    asyncio.run(simulate.run(found, login, accounts, args.port, lambda line: print(line, flush=True)))
    return 0
