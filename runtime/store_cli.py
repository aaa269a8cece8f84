"""``ordergate migrate-store SRC DST [--force]``: the verb; the work is in runtime/store/migrate.py.

Standard library only at import: every ``ordergate`` command builds this parser, and
only this verb needs the store.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    Sub = argparse._SubParsersAction[argparse.ArgumentParser]  # argparse keeps the name private


def add_commands(sub: Sub) -> None:
    p = sub.add_parser(
        "migrate-store",
        help="copy a SQLite store into PostgreSQL (stop the runtime first)",
        description="Copy everything a SQLite store keeps into a PostgreSQL database, in one transaction."
        " Exit status 0 when copied, 2 when refused (nothing changed).",
    )
    p.add_argument("source", metavar="SRC", help="sqlite:///path/state.db")
    p.add_argument("destination", metavar="DST", help="postgresql://user@host:port/database")
    p.add_argument("--force", action="store_true", help="replace what the destination holds already")
    p.set_defaults(handler=cmd_migrate_store)


def cmd_migrate_store(args: argparse.Namespace) -> int:
    from ordergate.runtime.store.migrate import migrate_store

    def say(line: str) -> None:
        print(line, flush=True)

    moved = migrate_store(args.source, args.destination, force=args.force, say=say)
    verb = "replaced the destination's data with" if moved.replaced else "copied"
    say(f"{verb} {moved.total} rows from {args.source} in one transaction")
    return 0
