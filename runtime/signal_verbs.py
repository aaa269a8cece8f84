"""``ordergate signals``: the approval queue of webhooks with ``approval.auto_submit: false``.

| verb | API |
| --- | --- |
| ``signals [--status S]`` | ``GET /v1/signals`` |
| ``signals approve ID``, ``signals reject ID`` | ``POST /v1/signals/{id}/approve``, ``…/reject`` |

An approved signal goes through the check chain then, against the account as it is then;
an expired one is refused and was never sent.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from ordergate.runtime import apiclient
from ordergate.runtime.commands import _call, _show, _table

if TYPE_CHECKING:
    Sub = argparse._SubParsersAction[argparse.ArgumentParser]  # argparse keeps the name private

__all__ = ["add_commands"]


def add_commands(sub: Sub) -> None:
    p = sub.add_parser("signals", help="webhook alerts waiting for approval: list, approve, reject")
    apiclient.add_arguments(p)
    p.add_argument("--status", choices=("pending", "approved", "rejected", "expired"))
    p.set_defaults(handler=cmd_signals)
    ssub = p.add_subparsers(dest="action", metavar="ACTION")
    for verb, help_ in (
        ("approve", "send a pending signal through the check chain now"),
        ("reject", "drop a pending signal; it is never sent"),
    ):
        v = ssub.add_parser(verb, help=help_)
        apiclient.add_arguments(v)
        v.add_argument("signal_id", metavar="ID")
        v.set_defaults(handler=cmd_signal_settle, verb=verb)


def _row(s: dict[str, Any]) -> list[str]:
    alert = s["alert"] if isinstance(s.get("alert"), dict) else {}
    what = " ".join(str(alert.get(k)) for k in ("action", "quantity", "ticker") if alert.get(k) is not None)
    return [s["id"], s["webhook"], what or "-", s["status"], s["created_at"], s["expires_at"]]


def cmd_signals(args: argparse.Namespace) -> int:
    query = f"?{urlencode({'status': args.status})}" if args.status else ""

    def render(d: dict[str, Any]) -> str:
        if not d["signals"]:
            return "no signals"
        return _table(
            [_row(s) for s in d["signals"]], ["signal", "webhook", "alert", "status", "received", "expires"]
        )

    return _show(args, *_call(args, "GET", f"/v1/signals{query}"), render)


def cmd_signal_settle(args: argparse.Namespace) -> int:
    def render(d: dict[str, Any]) -> str:
        signal = d["signal"]
        line = f"signal {signal['id']}: {signal['status']}"
        if "accounts" in d:
            return line + "".join(f"\n  {r['account']} ({r['mode']}): {r['status']}" for r in d["accounts"])
        decision = d.get("decision")
        if decision:
            line += f"; {d.get('account')} ({d.get('mode')}): {decision['outcome']}"
            if decision.get("message"):
                line += f" - {decision['message']}"
        return line

    path = f"/v1/signals/{quote(args.signal_id, safe='')}/{args.verb}"
    return _show(args, *_call(args, "POST", path), render)
