"""Text an author wrote, made safe to print where a machine also reads the output.

A YAML key or case name can hold a line break followed by ``::warning file=…::``; printed
raw into a GitHub Actions log, that line would be a workflow command of its own. So:

- ``visible`` (text output, JUnit XML): every control character is shown as an escape
  (``\\n``, ``\\r``, ``\\t``, ``\\x1b``, ``\\u2028``), so one message stays one line, a
  terminal runs no escape sequence, and XML gets only characters it can hold.
- ``github_data`` / ``github_property``: GitHub's own escaping for workflow commands
  (``%`` → ``%25``, ``\\r`` → ``%0D``, ``\\n`` → ``%0A``, and in properties also
  ``:`` → ``%3A`` and ``,`` → ``%2C``), applied after ``visible`` for the other controls.
- ``not_a_command``: a line that would start with ``::`` once the runner trims its
  leading blanks (a quoted source line) is shown behind a ``| `` instead.
"""

from __future__ import annotations

import re

# C0 and C1 controls, DEL, and the Unicode line and paragraph separators
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(m: re.Match[str]) -> str:
    ch = m.group()
    if ch in _NAMED:
        return _NAMED[ch]
    return f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}"


def visible(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` with every control character written as an escape; with
    ``keep_newlines``, the line breaks of a multi-line text the program built stay."""
    if keep_newlines:
        return "\n".join(_CONTROL.sub(_escape, line) for line in text.split("\n"))
    return _CONTROL.sub(_escape, text)


def _github_percent(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def github_data(text: str) -> str:
    """The message part of a workflow command (after ``::``)."""
    return _github_percent(_CONTROL.sub(lambda m: m.group() if m.group() in "\r\n" else _escape(m), text))


def github_property(text: str) -> str:
    """A property value of a workflow command (``file=``, ``title=``)."""
    return github_data(text).replace(":", "%3A").replace(",", "%2C")


def not_a_command(line: str) -> str:
    """``line``, or behind ``| `` when it would read as a workflow command."""
    return "| " + line if line.lstrip().startswith("::") else line
