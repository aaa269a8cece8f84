"""``ordergate replay``: what a rules change would have done to the orders of a log.

``ordergate replay --log FILE --rules NEW_DIR [--base OLD_DIR] [--format text|markdown|json]``
reads a log written by ``ordergate audit export``, decides every order again under
NEW_DIR (and OLD_DIR, else takes the decision recorded) and prints the orders whose
outcome, stage or code changes. Exit 0 when nothing changed, 1 when something did (a
CI job can require a review), 2 on bad input: a log line that does not read, rules
that do not load.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, TextIO

from ordergate.policy.cli import EXIT_FAIL, EXIT_OK, EXIT_USAGE, Clock, UsageError
from ordergate.policy.replay_report import RENDERERS

if TYPE_CHECKING:
    from ordergate.policy.bundle import Bundle

# The engine is imported when the verb runs: every command builds this verb's parser.


def add_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "replay",
        help="decide the orders of an exported audit log again under other rules; print what changes",
    )
    p.add_argument(
        "--log", required=True, metavar="FILE", help="an `ordergate audit export` file (- for stdin)"
    )
    p.add_argument("--rules", required=True, metavar="NEW_DIR", help="the rules to judge")
    p.add_argument(
        "--base",
        metavar="OLD_DIR",
        help="compare with these rules' decisions (default: the decisions recorded)",
    )
    p.add_argument("--format", choices=tuple(RENDERERS), default="text")
    p.set_defaults(offline=cmd_replay)


def _bundle(path: str, flag: str, err: TextIO) -> Bundle | None:
    from ordergate.policy import diagnostics as render
    from ordergate.policy.bundle import load_bundle
    from ordergate.policy.errors import PolicyError

    try:
        return load_bundle(path)
    except PolicyError as exc:
        err.write(render.render_text(exc.diagnostics) + "\n")
        err.write(f"cannot replay: {flag} {path} does not load\n")
        return None


def cmd_replay(args: argparse.Namespace, out: TextIO, err: TextIO, clock: Clock) -> int:
    from ordergate.policy.errors import InputError
    from ordergate.policy.replay import replay_file

    rules = _bundle(args.rules, "--rules", err)
    base = _bundle(args.base, "--base", err) if args.base else None
    if rules is None or (args.base and base is None):
        return EXIT_USAGE
    try:
        if args.log == "-":
            report = replay_file(
                sys.stdin, rules, base, name="stdin", rules_name=args.rules, base_name=args.base
            )
        else:
            with open(args.log, encoding="utf-8") as stream:
                report = replay_file(
                    stream, rules, base, name=args.log, rules_name=args.rules, base_name=args.base
                )
    except OSError as exc:
        raise UsageError(f"cannot read --log {args.log}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise UsageError(
            f"--log {args.log} is not UTF-8 text (is this an `ordergate audit export` file?)"
        ) from None
    except InputError as exc:
        raise UsageError(str(exc)) from None
    out.write(RENDERERS[args.format](report) + "\n")
    return EXIT_FAIL if report.changes else EXIT_OK
