"""The runtime's verbs: run, simulate, and the client verbs that talk to a running runtime."""

from __future__ import annotations

import argparse
import sys


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("run", help="run the policy runtime (the embedded default with no config)")
    p.add_argument("--config", metavar="FILE")
    p.set_defaults(handler=cmd_run)


def cmd_run(args: argparse.Namespace) -> int:
    sys.stderr.write("ordergate run: the runtime is not built yet\n")
    return 1
