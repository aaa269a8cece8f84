"""``ordergate audit export``: the audit log with each decision's inputs, as JSON lines.

Each line is one decision, oldest first, in the shape ``ordergate replay`` reads
(``policy/replay.py``)::

    {"id": 41, "at": "2026-11-23T15:00:00+00:00", "account": "DESK-1",
     "order": {...}, "snapshot": {...the PolicyTest state shape...},
     "decision": {...}, "peaks": {"intraday": ..., "end_of_day": ...}}

``peaks`` is there only when the two equity marks differ (``runtime/audit_inputs.py``).
Decisions recorded before the store kept inputs cannot be replayed and are left out;
the command says how many.

Where the log comes from: a running runtime (``GET /v1/decisions/export``, paged by audit
id, found as the other client verbs find it), or straight from a store file with
``--config FILE`` (the store ``ordergate run --config FILE`` uses) or ``--store URL``
(``sqlite:///…`` or ``postgresql://…``), opened read-only so that it can be read beside
the runtimes that write it.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Protocol
from urllib.parse import urlencode

from ordergate.policy.calendar import parse_duration, parse_instant
from ordergate.runtime import apiclient
from ordergate.runtime.cli_errors import CommandFailed, UsageError
from ordergate.runtime.errors import RequestError, RuntimeFault

if TYPE_CHECKING:
    Sub = argparse._SubParsersAction[argparse.ArgumentParser]  # argparse keeps the name private

PAGE = 1000
MAX_PAGE = 10_000


class Source(Protocol):
    def decisions_with_inputs(self, after: int, limit: int) -> list[dict[str, Any]]: ...


@dataclass(frozen=True, slots=True)
class Filter:
    since: datetime | None = None
    until: datetime | None = None
    account: str | None = None  # a glob, as policies name accounts: DESK-*

    def keeps(self, entry: Mapping[str, Any]) -> bool:
        if self.account is not None and not fnmatch.fnmatchcase(entry["account"], self.account):
            return False
        if self.since is None and self.until is None:
            return True
        at = datetime.fromisoformat(entry["time"])
        return (self.since is None or at >= self.since) and (self.until is None or at < self.until)

    def query(self) -> dict[str, str]:
        out = {}
        if self.since is not None:
            out["since"] = self.since.isoformat()
        if self.until is not None:
            out["until"] = self.until.isoformat()
        if self.account is not None:
            out["account"] = self.account
        return out


def record(entry: Mapping[str, Any]) -> dict[str, Any] | None:
    """One export line from an audit entry with its inputs; None when it has none."""
    inputs = entry.get("inputs")
    if not inputs:
        return None
    out = {
        "id": entry["id"],
        "at": entry["time"],
        "account": entry["account"],
        "order": entry["order"],
        "snapshot": inputs["snapshot"],
        "decision": entry["decision"],
    }
    if "peaks" in inputs:
        out["peaks"] = inputs["peaks"]
    return out


@dataclass(frozen=True, slots=True)
class Page:
    records: list[dict[str, Any]]
    next_after: int | None  # the audit id to continue after; None at the end of the log
    without_inputs: int  # entries that passed the filter but were recorded without inputs


def read_page(source: Source, after: int, limit: int, filt: Filter) -> Page:
    rows = source.decisions_with_inputs(after, limit)
    records: list[dict[str, Any]] = []
    missing = 0
    for row in rows:
        if not filt.keeps(row):
            continue
        rec = record(row)
        if rec is None:
            missing += 1
        else:
            records.append(rec)
    return Page(records, rows[-1]["id"] if len(rows) == limit else None, missing)


# ---------------------------------------------------------------- the API's side


def api_page(source: Source, params: Mapping[str, str]) -> dict[str, Any]:
    """``GET /v1/decisions/export``: ``after`` (an audit id), ``limit``, ``since``, ``until``,
    ``account`` (a glob)."""
    after = _whole(params.get("after", "0"), "after", 2**63 - 1, low=0)
    limit = _whole(params.get("limit", str(PAGE)), "limit", MAX_PAGE, low=1)
    filt = Filter(
        _instant(params.get("since"), "since"),
        _instant(params.get("until"), "until"),
        params.get("account") or None,
    )
    page = read_page(source, after, limit, filt)
    return {"records": page.records, "next_after": page.next_after, "without_inputs": page.without_inputs}


def _whole(raw: str, name: str, high: int, *, low: int) -> int:
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 19 and low <= int(raw) <= high):
        raise RequestError(name, f"must be a whole number from {low} to {high}")
    return int(raw)


def _instant(raw: str | None, name: str) -> datetime | None:
    if raw is None:
        return None
    at = parse_instant(raw)
    if at is None:
        raise RequestError(name, "must be an ISO 8601 instant with an offset or Z")
    return at


# ---------------------------------------------------------------- the command


def add_commands(sub: Sub) -> None:
    audit = sub.add_parser("audit", help="the audit log: export decisions with their inputs for a replay")
    asub = audit.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = asub.add_parser("export", help="decisions with their inputs as JSON lines, for `ordergate replay`")
    apiclient.add_arguments(p)
    p.add_argument("--since", type=_when, metavar="WHEN", help="an ISO 8601 instant, or an age: 30m, 12h, 7d")
    p.add_argument("--until", type=_when, metavar="WHEN", help="only decisions before this (same forms)")
    p.add_argument("--account", metavar="PATTERN", help="only these accounts: an id or a glob such as DESK-*")
    p.add_argument("--out", metavar="FILE", help="write here instead of standard output")
    p.add_argument("--config", metavar="FILE", help="read the store this Runtime document names, not the API")
    p.add_argument(
        "--store",
        metavar="URL",
        help="read this store (sqlite:///path/state.db or postgresql://…), not the API",
    )
    p.set_defaults(handler=cmd_export)


def _when(text: str) -> datetime:
    at = parse_instant(text)
    if at is not None:
        return at
    age = parse_duration(text)
    if age is None:
        raise argparse.ArgumentTypeError(
            f"{text!r} is neither an ISO 8601 instant nor an age such as 30m or 7d"
        )
    return datetime.now(UTC) - timedelta(seconds=age)


def _store_pages(args: argparse.Namespace, filt: Filter) -> Iterator[Page]:
    from ordergate.runtime.config import resolve
    from ordergate.runtime.store import open_audit_reader
    from ordergate.runtime.vault_cli import store_url

    try:
        # a relative sqlite path is the config file's (store_url made it so) or the cwd's
        url = resolve(store_url(args.config, args.store), "--store" if args.store else "spec.store")
        reader = open_audit_reader(url, Path.cwd())
    except RuntimeFault as exc:
        raise CommandFailed(str(exc)) from None
    try:
        after: int | None = 0
        while after is not None:
            page = read_page(reader, after, PAGE, filt)
            yield page
            after = page.next_after
    except RuntimeFault as exc:
        raise CommandFailed(str(exc)) from None
    finally:
        reader.close()


def _api_pages(args: argparse.Namespace, filt: Filter) -> Iterator[Page]:
    target = apiclient.target_of(args, os.environ)
    after: int | None = 0
    while after is not None:
        query = {"after": str(after), "limit": str(PAGE), **filt.query()}
        status, data = apiclient.request(target, "GET", f"/v1/decisions/export?{urlencode(query)}")
        if status != 200:
            raise CommandFailed(apiclient.refusal(target, status, data))
        yield Page(data["records"], data["next_after"], data["without_inputs"])
        after = data["next_after"]


def export(pages: Iterator[Page], out: IO[str]) -> tuple[int, int]:
    written = skipped = 0
    for page in pages:
        for rec in page.records:
            out.write(json.dumps(rec, separators=(",", ":"), ensure_ascii=False) + "\n")
        written += len(page.records)
        skipped += page.without_inputs
    return written, skipped


def cmd_export(args: argparse.Namespace) -> int:
    if args.config and args.store:
        raise UsageError("give --config or --store, not both")
    filt = Filter(args.since, args.until, args.account)
    pages = _store_pages(args, filt) if args.config or args.store else _api_pages(args, filt)
    if args.out:
        path = Path(args.out)
        partial = path.with_name(path.name + ".partial")
        try:
            with partial.open("w", encoding="utf-8") as out:
                written, skipped = export(pages, out)
            partial.replace(path)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise CommandFailed(f"cannot write {path}: {exc.strerror or exc}") from None
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        where = str(path)
    else:
        written, skipped = export(pages, sys.stdout)
        where = "standard output"
    note = (
        f" ({skipped} recorded before decisions kept their inputs left out: they cannot be replayed)"
        if skipped
        else ""
    )
    sys.stderr.write(f"exported {written} decision{'s' * (written != 1)} to {where}{note}\n")
    return 0
