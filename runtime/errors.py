"""Errors of the runtime.

Hierarchy::

    OrdergateError (ordergate.policy.errors)
    └── RuntimeFault                 base of the runtime's own errors
        ├── ConfigError              a Runtime document or environment reference is wrong
        ├── StoreError               the state store failed (sqlite3 errors are mapped here)
        ├── RequestError             an API request is malformed; names the field (HTTP 4xx)
        │   ├── NotFound             404
        │   └── Conflict             409
        └── VaultError               a secret cannot be read: wrong key, tampered record

The broker errors (BrokerError and its family: BrokerRejected, OrderNotOpen,
BrokerRefused, BrokerUnavailable, BrokerTimeout) belong to the brokers package
(``ordergate.runtime.brokers.errors``), so that an adapter never imports the runtime; they
are re-exported here under the same names.
"""

from __future__ import annotations

from ordergate.policy.errors import OrdergateError
from ordergate.runtime.brokers.errors import (
    BrokerError,
    BrokerProtocolError,
    BrokerRefused,
    BrokerRejected,
    BrokerTimeout,
    BrokerUnavailable,
    OrderNotOpen,
)

__all__ = [
    "BadRequest",
    "BrokerError",
    "BrokerProtocolError",
    "BrokerRefused",
    "BrokerRejected",
    "BrokerTimeout",
    "BrokerUnavailable",
    "ConfigError",
    "Conflict",
    "NotFound",
    "OrderNotOpen",
    "RequestError",
    "RuntimeFault",
    "StoreError",
    "VaultError",
]


class RuntimeFault(OrdergateError):
    """Base of the runtime's errors."""


class ConfigError(RuntimeFault):
    pass


class StoreError(RuntimeFault):
    pass


class RequestError(RuntimeFault):
    status = 422

    def __init__(self, field: str | None, message: str, *, extra: dict[str, object] | None = None) -> None:
        self.field = field
        self.message = message
        self.extra = extra or {}
        super().__init__(f"{field}: {message}" if field else message)

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"error": self.message}
        if self.field:
            out["field"] = self.field
        out.update(self.extra)
        return out


class BadRequest(RequestError):
    status = 400


class NotFound(RequestError):
    status = 404


class Conflict(RequestError):
    status = 409


class VaultError(RuntimeFault):
    pass
