"""The runtime's verbs: ``run``, and the client verbs that talk to a running runtime.

Client verbs find the runtime at ``--url`` (default http://127.0.0.1:8787, or
ORDERGATE_URL) with the token from ``--token``, ORDERGATE_TOKEN or .ordergate/token.
They print readable tables, or the JSON answer with ``--json``; exit 0 on success, 1
when the runtime refuses or cannot be reached.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

DEFAULT_URL = "http://127.0.0.1:8787"
COLOURS = {"connected": "32", "connecting": "33", "stale": "33", "error": "31", "disconnected": "90"}


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("run", help="run the policy runtime (the embedded default with no config)")
    p.add_argument("--config", metavar="FILE", help="a Runtime document")
    p.add_argument("--listen", metavar="HOST:PORT", help="override the API address")
    p.add_argument(
        "--state-dir", metavar="DIR", default=".ordergate", help="where the token lives (default .ordergate)"
    )
    p.add_argument("--log-level", default="info", choices=("debug", "info", "warning", "error"))
    p.set_defaults(handler=cmd_run)

    def client(name: str, help_: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_)
        p.add_argument("--url", default=os.environ.get("ORDERGATE_URL", DEFAULT_URL))
        p.add_argument(
            "--token", default=None, help="bearer token (default: ORDERGATE_TOKEN or .ordergate/token)"
        )
        p.add_argument("--json", action="store_true", help="print the JSON answer")
        return p

    client("status", "policy, connections and counts of a running runtime").set_defaults(handler=cmd_status)
    client("accounts", "accounts with positions, P&L and locks").set_defaults(handler=cmd_accounts)
    client("connections", "connections with their status").set_defaults(handler=cmd_connections)
    p = client("order", "place an order through the check chain")
    p.add_argument("account")
    p.add_argument("side", choices=("buy", "sell"))
    p.add_argument("qty", type=int)
    p.add_argument("symbol")
    p.add_argument("--type", default="market", choices=("market", "limit", "stop", "stop_limit"))
    p.add_argument("--price", type=float)
    p.add_argument("--stop-price", type=float)
    p.add_argument("--client-order-id")
    p.add_argument("--check", action="store_true", help="dry run: decide but do not send")
    p.set_defaults(handler=cmd_order)
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
    p = client("kill-switch", "flatten every position and lock every account")
    p.add_argument("--confirm", required=True, metavar="WORD", help="type FLATTEN")
    p.set_defaults(handler=cmd_kill_switch)


# ---------------------------------------------------------------- run


def cmd_run(args: argparse.Namespace) -> int:
    try:
        import uvicorn  # noqa: F401

        from ordergate.runtime import server
    except ImportError as exc:
        sys.stderr.write(
            f"ordergate run needs the runtime's dependencies ({exc.name} is missing): pip install 'ordergate[runtime]'\n"
        )
        return 1
    return server.main(args.config, Path(args.state_dir), args.listen, args.log_level)


# ---------------------------------------------------------------- client verbs


def _token(args: argparse.Namespace) -> str | None:
    if args.token:
        return str(args.token)
    if os.environ.get("ORDERGATE_TOKEN"):
        return os.environ["ORDERGATE_TOKEN"]
    path = Path(".ordergate/token")
    return path.read_text().strip() if path.exists() else None


def _call(args: argparse.Namespace, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    import httpx

    headers = {}
    token = _token(args)
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        response = httpx.request(method, args.url.rstrip("/") + path, json=body, headers=headers, timeout=30)
    except httpx.HTTPError as exc:
        raise SystemExit(_fail(f"cannot reach the runtime at {args.url}: {exc}")) from None
    try:
        data = response.json()
    except ValueError:
        data = {"error": response.text}
    return response.status_code, data


def _fail(message: str) -> int:
    sys.stderr.write(f"ordergate: {message}\n")
    return 1


def _error(status: int, data: Any) -> int:
    if isinstance(data, dict) and "error" in data:
        field = f" ({data['field']})" if data.get("field") else ""
        return _fail(f"{status}: {data['error']}{field}")
    return _fail(f"{status}: {json.dumps(data)}")


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
        return _error(status, data)
    print(json.dumps(data, indent=2) if args.json else render(data))
    return 0 if status < 400 else 1


def cmd_status(args: argparse.Namespace) -> int:
    def render(d: dict[str, Any]) -> str:
        p = d["policy"]
        out = [f"policy: {', '.join(p['policies']) or 'none'}  bundle {p['bundle']}  loaded {p['loaded_at']}"]
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
                        c["last_heartbeat"] or "-",
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
        return "\n".join(out)

    return _show(args, *_call(args, "GET", "/v1/status"), render)


def cmd_connections(args: argparse.Namespace) -> int:
    def render(d: dict[str, Any]) -> str:
        rows = [
            [
                c["name"],
                c["broker"],
                _colour(c["status"]),
                c["execution"] or "-",
                ", ".join(c["accounts"]),
                c["last_heartbeat"] or "-",
            ]
            for c in d["connections"]
        ]
        return _table(rows, ["connection", "broker", "status", "execution", "accounts", "last heartbeat"])

    return _show(args, *_call(args, "GET", "/v1/status"), render)


def _account_row(a: dict[str, Any]) -> list[str]:
    lock = a["locked"]
    locked = (
        "-"
        if not lock
        else f"until {lock['until'] or 'unlocked by hand'}{' (enforced)' if lock['enforce'] else ''}"
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


def _decision_line(d: dict[str, Any]) -> str:
    if d["outcome"] == "allow":
        warn = "".join(f"\n  warning {w['code']}: {w['message']}" for w in d["warnings"])
        return f"allowed by {d['policy']}{warn}"
    actions = "".join(
        f"\n  action: {a['kind']}" + (f" until {a['until']}" if a.get("until") else "") for a in d["actions"]
    )
    return f"BLOCKED at {d['stage']} [{d['code']}] by {d['policy'] or 'no policy'}: {d['message']}{actions}"


def cmd_order(args: argparse.Namespace) -> int:
    body: dict[str, Any] = {
        "account": args.account,
        "side": args.side,
        "qty": args.qty,
        "symbol": args.symbol,
        "type": args.type,
        "source": "manual",
    }
    for key, value in (
        ("price", args.price),
        ("stop_price", args.stop_price),
        ("client_order_id", args.client_order_id),
    ):
        if value is not None:
            body[key] = value

    def render(d: dict[str, Any]) -> str:
        line = _decision_line(d["decision"])
        order = d.get("order")
        if order:
            fills = ", ".join(f"{f['qty']} @ {f['price']}" for f in order["fills"])
            line += f"\norder {order['id']}: {order['status']}" + (f" ({fills})" if fills else "")
        return line

    return _show(args, *_call(args, "POST", "/v1/orders/check" if args.check else "/v1/orders", body), render)


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
