"""Errors of the brokers package: what an adapter raises, and what the runtime catches.

The package owns these so that an adapter never reaches back into the runtime that hosts
it; ``ordergate.runtime.errors`` re-exports them under the same names.

Hierarchy::

    OrdergateError (ordergate.policy.errors)
    └── BrokerError                  a broker refused or failed an operation
        ├── BrokerRejected           the broker said no to a request (the peer's answer);
        │   │                        ``reason`` is the broker's own words
        │   └── OrderNotOpen         a cancel or change came too late: the order is filled,
        │                            cancelled or unknown at the broker
        ├── BracketUnsupported       the broker cannot hold this bracket itself (none at
        │                            all, or not in this form); nothing was sent, and the
        │                            runtime holds the legs instead
        ├── BrokerRefused            the broker refused the session: bad credentials,
        │                            expired OAuth. Not retried until a person acts
        └── BrokerUnavailable        no answer: not connected, the link dropped
            ├── BrokerTimeout        no answer by the deadline: the request may still have
            │                        reached the broker (an order becomes ``unconfirmed``)
            └── BrokerProtocolError  the broker sent something we cannot read; the link is
                                     dropped and connected again

Codec errors inside a broker package (``LocalProtocolError`` for our own malformed
message, ``RemoteProtocolError`` for the peer's) stay inside it: the asyncio shell maps
a remote one to BrokerProtocolError at its boundary.
"""

from __future__ import annotations

from ordergate.policy.errors import OrdergateError


class BrokerError(OrdergateError):
    """Base of every broker error."""


class BrokerRejected(BrokerError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class OrderNotOpen(BrokerRejected):
    pass


class BracketUnsupported(BrokerError):
    pass


class BrokerRefused(BrokerError):
    pass


class BrokerUnavailable(BrokerError):
    pass


class BrokerTimeout(BrokerUnavailable):
    pass


class BrokerProtocolError(BrokerUnavailable):
    pass


class BrokerConfigError(BrokerError):
    """An adapter's settings are wrong (an unknown feed, a missing endpoint); the runtime
    reports it as a configuration error naming the connection."""
