"""Errors of the R|Protocol codec and sessions.

::

    RithmicProtocolError            something broke the protocol
    ├── LocalProtocolError          we did wrong: a message we must not send now, or cannot frame
    └── RemoteProtocolError         the peer did wrong: a bad frame, a reply out of turn

Neither escapes into the event loop: the asyncio shells catch them where bytes come in or
go out and turn them into a broker error (client) or a Reject (simulator).
"""

from __future__ import annotations


class RithmicProtocolError(Exception):
    """Base of every R|Protocol error."""


class LocalProtocolError(RithmicProtocolError):
    """We tried something the protocol does not allow (our bug)."""


class RemoteProtocolError(RithmicProtocolError):
    """The peer sent something the protocol does not allow (its bug)."""
