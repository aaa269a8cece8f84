"""What a verb of the ``ordergate`` command fails with: one line for a person, an exit status.

Statuses: 1 when the runtime refused, could not be reached or answered strangely; 2 for a
usage error (a flag that contradicts another, an address that is no URL, a secret passed
the wrong way), which changed nothing anywhere.
"""

from __future__ import annotations

EXIT_FAILED, EXIT_USAGE = 1, 2


class CommandFailed(Exception):
    def __init__(self, message: str, status: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class UsageError(CommandFailed):
    def __init__(self, message: str) -> None:
        super().__init__(message, EXIT_USAGE)
