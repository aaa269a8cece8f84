"""The command's standard output when the reader goes away or the disk is full.

``ordergate status | head -1`` closes the pipe after one line; ``ordergate accounts >
/dev/full`` cannot write at all. Either shows as an OSError from whichever ``print`` or
flush meets it, anywhere inside a verb, or from the interpreter's last flush after
``main`` has returned, where Python prints an "Exception ignored" traceback.

``guard`` wraps ``sys.stdout`` so that only failures of standard output itself become
``OutputFailed`` (an OSError reading a rules file stays what it is), and ``failed``
turns one into the exit a Unix tool gives: quiet with status 141 (128 + SIGPIPE, what a
shell reports for a tool the signal ended) when the reader left, one line on stderr and
status 1 when the write failed otherwise. Either way descriptor 1 is pointed at
/dev/null first, so the interpreter's last flush has nothing left to fail on.
"""

from __future__ import annotations

import os
import sys
from typing import Any, TextIO, cast

EXIT_BROKEN_PIPE = 141
EXIT_WRITE_FAILED = 1


class OutputFailed(Exception):
    """Writing to standard output failed; ``error`` is the OSError underneath."""

    def __init__(self, error: OSError) -> None:
        super().__init__(str(error))
        self.error = error


class _GuardedStream:
    """A text stream that reports its own write and flush failures as OutputFailed."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except OSError as exc:
            raise OutputFailed(exc) from exc

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError as exc:
            raise OutputFailed(exc) from exc

    def __getattr__(self, name: str) -> Any:  # isatty, fileno, encoding, buffer ...
        return getattr(self._stream, name)


def guard(stream: TextIO) -> TextIO:
    # cast: the wrapper has the TextIO methods the verbs use and forwards the rest
    return cast(TextIO, _GuardedStream(stream))


def failed(exc: OutputFailed, stream: TextIO) -> int:
    """The exit status after ``stream`` (the real standard output) failed; says why unless
    the reader simply left."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, stream.fileno())
        finally:
            os.close(devnull)
    except (OSError, ValueError):  # not a real descriptor (captured in tests): nothing to redirect
        pass
    if isinstance(exc.error, BrokenPipeError):
        return EXIT_BROKEN_PIPE
    reason = exc.error.strerror or str(exc.error)
    try:
        sys.stderr.write(f"ordergate: cannot write the output: {reason}\n")
        sys.stderr.flush()
    except OSError:  # stderr is gone too; the status still says it
        pass
    return EXIT_WRITE_FAILED
