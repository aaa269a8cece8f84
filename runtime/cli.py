"""The ``ordergate`` command: the offline verbs of the policy engine and the runtime's.

Server code is imported only inside the verbs that need it, so validate/test/check/
schema/fmt/migrate work with the light core install (``pip install ordergate``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import UTC, datetime

from ordergate.policy import cli as offline


def _now() -> datetime:
    return datetime.now(UTC)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ordergate",
        description="Risk policy engine for futures accounts: validate, test and run rule files.",
    )
    parser.add_argument("--version", action="version", version=f"ordergate {offline.version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    offline.add_commands(sub)
    try:
        from ordergate.runtime import commands
    except ImportError:  # pragma: no cover - the light install has no runtime verbs' deps
        commands = None  # type: ignore[assignment]
    if commands is not None:
        commands.add_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if hasattr(args, "offline"):
        return offline.run_offline(args, _now)
    status: int = args.handler(args)
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
