"""Errors raised by the policy engine.

Hierarchy::

    OrdergateError                 base of everything this package raises on purpose
    ├── PolicyError                a bundle or document failed to load; carries every Diagnostic
    └── InputError                 an order, a state snapshot or a CLI argument is malformed;
                                   names the offending field

A denied order is not an error: it is a ``Decision`` with outcome ``block``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ordergate.policy.diagnostics import Diagnostic


class OrdergateError(Exception):
    """Base class of the errors ordergate raises on purpose."""


class PolicyError(OrdergateError):
    """Loading failed. ``diagnostics`` holds every problem found, not only the first."""

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        self.diagnostics = list(diagnostics)
        errors = [d for d in self.diagnostics if d.severity == "error"]
        first = errors[0].render_line() if errors else "no diagnostics"
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        super().__init__(f"{first}{more}")


class InputError(OrdergateError, ValueError):
    """A malformed order, snapshot or argument. ``field`` names where the problem is."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}" if field else message)
