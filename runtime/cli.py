"""The ``ordergate`` command: the offline verbs of the policy engine and the runtime's.

Server code is imported only inside the verbs that need it, so validate/test/check/
schema/fmt/migrate work with the light core install (``pip install ordergate``); a verb
that needs the ``runtime`` extra says so in one line and exits 1.

``main`` is the one place a failure becomes what a person reads: a verb's
CommandFailed is one line on stderr (status 1, or 2 for usage), a missing extra is one
line, and standard output that cannot be written ends the command the Unix way
(``output``). No traceback reaches a user from here except for a genuine bug.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import UTC, datetime

from ordergate.policy import cli as offline
from ordergate.runtime import extras, output
from ordergate.runtime.cli_errors import EXIT_FAILED, CommandFailed


def _now() -> datetime:
    return datetime.now(UTC)


def build_parser(verb: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ordergate",
        description="Risk policy engine for futures accounts: validate, test and run rule files.",
    )
    parser.add_argument("--version", action=_Version, help="show the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    offline.add_commands(sub)
    if verb not in OFFLINE_VERBS:  # an offline verb (pre-commit's validate) skips the client verbs' module
        from ordergate.runtime import commands  # standard library only: the verbs import their libraries

        commands.add_commands(sub)
        from ordergate.runtime import store_cli  # migrate-store: SQLite into PostgreSQL

        store_cli.add_commands(sub)
    return parser


OFFLINE_VERBS = frozenset({"validate", "test", "check", "schema", "fmt", "migrate"})


class _Version(argparse.Action):
    """``--version``, looking the version up only when asked (the metadata scan costs every run)."""

    def __init__(
        self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS, **kwargs: object
    ) -> None:
        super().__init__(
            option_strings, dest, nargs=0, default=argparse.SUPPRESS, help=str(kwargs.get("help"))
        )

    def __call__(self, parser: argparse.ArgumentParser, *args: object) -> None:
        sys.stdout.write(f"ordergate {offline.version()}\n")
        parser.exit()


def _verb(args: argparse.Namespace) -> str:
    action = getattr(args, "action", None)
    return f"{args.command} {action}" if action else str(args.command)


def _dispatch(argv: Sequence[str] | None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    args = build_parser(words[0] if words else None).parse_args(words)
    if hasattr(args, "offline"):
        return offline.run_offline(args, _now, sys.stdout, sys.stderr)
    try:
        status: int = args.handler(args)
    except CommandFailed as exc:
        sys.stderr.write(f"ordergate {_verb(args)}: {exc.message}\n")
        return exc.status
    except ModuleNotFoundError as exc:
        module = extras.missing(exc)
        if module is None:
            raise
        sys.stderr.write(extras.message(_verb(args), module) + "\n")
        return EXIT_FAILED
    return status


def main(argv: Sequence[str] | None = None) -> int:
    real = sys.stdout
    sys.stdout = output.guard(real)
    try:
        try:
            status = _dispatch(argv)
        except SystemExit:  # argparse's --help and usage errors: their text is still buffered
            sys.stdout.flush()
            raise
        sys.stdout.flush()
        return status
    except output.OutputFailed as exc:
        return output.failed(exc, real)
    finally:
        sys.stdout = real


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
