"""The step-2 fields of ``connection add``, with secrets kept off the command line.

A command line is visible to every user of the machine (``ps``, /proc/PID/cmdline) and
lands in shell history, so a secret field (password, api_key, sec, and any field the
broker marks secret) is never taken from it. It comes from:

- a prompt: ``--set password=-`` or ``--secret-stdin password`` with stdin a terminal
  reads it with getpass, without echo; a secret field the broker asks for and nobody
  gave is prompted for the same way when stdin is a terminal;
- stdin: the same two spellings with stdin a pipe or file read one line each, in the
  order they appear on the command line;
- the environment: ``--set password=env:NAME`` or ``--set 'password=${env:NAME}'``.

``--set password=hunter2`` is refused with a message saying how to pass it instead.
Everything is read and checked before the first call to the runtime, so a mistake
changes nothing there. Non-secret fields may use ``-`` and ``env:`` as well.
"""

from __future__ import annotations

import getpass
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TextIO

from ordergate.runtime.cli_errors import UsageError

ALWAYS_SECRET = frozenset({"password", "api_key", "sec"})
FROM_INPUT = "-"
_ENV = re.compile(r"^(?:env:(?P<bare>[^{}]*)|\$\{env:(?P<braced>[^}]*)\})$")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True, slots=True)
class Sources:
    """Where values may come from: injected so the reading is testable without a terminal."""

    stdin: TextIO
    environ: Mapping[str, str]
    prompt: Callable[[str], str] = getpass.getpass

    @property
    def interactive(self) -> bool:
        try:
            return self.stdin.isatty()
        except (ValueError, OSError):  # closed or not a file
            return False


def how_to_pass(field: str) -> str:
    return (
        f"pass it as --set {field}=- (a prompt, or one line from stdin), --secret-stdin {field}, "
        f"or --set {field}=env:NAME from the environment"
    )


def split(items: Iterable[str]) -> dict[str, str]:
    """``FIELD=VALUE`` items (``--secret-stdin F`` arrives as ``F=-``), in command-line order."""
    pairs: dict[str, str] = {}
    for item in items:
        field, sep, value = item.partition("=")
        field = field.strip()
        if not sep or not field:
            raise UsageError(f"--set {item!r}: write FIELD=VALUE")
        if field in pairs:
            raise UsageError(f"{field} is given twice")
        pairs[field] = value
    return pairs


def resolve(given: Mapping[str, str], sources: Sources) -> dict[str, str]:
    """Each value as given, read from stdin or a prompt (``-``), or from the environment."""
    return {field: _value(field, value, sources) for field, value in given.items()}


def stdin_field(text: str) -> str:
    """``--secret-stdin FIELD`` as the ``--set FIELD=-`` it means."""
    field = text.strip()
    if not field or "=" in field:
        raise ValueError(f"--secret-stdin takes a field name, not {text!r}")
    return f"{field}={FROM_INPUT}"


def refuse_literal_secrets(given: Mapping[str, str], secret: Iterable[str]) -> None:
    for field in secret:
        value = given.get(field)
        if value is not None and value != FROM_INPUT and not _ENV.match(value):
            raise UsageError(
                f"--set {field}=…: a secret on the command line is visible to every user of this "
                f"machine (ps) and stays in the shell history; {how_to_pass(field)}"
            )


def _value(field: str, value: str, sources: Sources) -> str:
    if value == FROM_INPUT:
        return read_secret(field, sources)
    m = _ENV.match(value)
    if m is None:
        return value
    name = (m.group("bare") if m.group("bare") is not None else m.group("braced")).strip()
    if not _NAME.match(name):
        raise UsageError(f"--set {field}={value}: {name!r} is not the name of an environment variable")
    found = sources.environ.get(name)
    if not found:
        raise UsageError(f"--set {field}={value}: {name} is not set in the environment")
    return found


def read_secret(field: str, sources: Sources) -> str:
    """One value from a prompt (a terminal) or the next line of stdin (anything else)."""
    if sources.interactive:
        try:
            value = sources.prompt(f"{field}: ")
        except EOFError:
            value = ""
    else:
        line = sources.stdin.readline()
        if not line:
            raise UsageError(f"{field}: stdin ended before its line; {how_to_pass(field)}")
        value = line.removesuffix("\n").removesuffix("\r")
    if not value:
        raise UsageError(f"{field}: the value read is empty")
    return value


def prompt_missing(
    fields: Iterable[str], given: Mapping[str, str], secret: Iterable[str], sources: Sources
) -> dict[str, str]:
    """Secret fields the broker asks for and nobody gave, prompted for on a terminal; off a
    terminal the runtime's own answer names the missing field."""
    wanted = [f for f in fields if f in set(secret) and f not in given]
    if not sources.interactive:
        return {}
    return {field: read_secret(field, sources) for field in wanted}
