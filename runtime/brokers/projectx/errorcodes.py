"""ProjectX ``errorCode`` tables per endpoint, and what each code means to the runtime.

A ProjectX call that fails answers HTTP 200 with ``success: false`` and an
``errorCode`` whose meaning depends on the endpoint (brokers.md §7.2). Each table maps
a code to its name and to one of our errors:

- ``BrokerRefused``: the session is refused (credentials, agreements, subscription);
  the supervisor stops retrying and shows ``error``.
- ``BrokerRejected``: the broker said no to this request (an order, a cancel, a close).
- ``BrokerUnavailable``: the broker failed in a way worth retrying (``UnknownError``,
  a lost session the adapter re-establishes by logging in again).

A code missing from its table is taken as a rejection that names the code, so a new
code never passes for success. Order/modify shares cancel's table and logout has none:
the documents list neither.
"""

from __future__ import annotations

from ordergate.runtime.brokers.errors import BrokerError, BrokerRefused, BrokerRejected, BrokerUnavailable

Table = dict[int, tuple[str, type[BrokerError]]]

LOGIN: Table = {
    1: ("UserNotFound", BrokerRefused),
    2: ("PasswordVerificationFailed", BrokerRefused),
    3: ("InvalidCredentials", BrokerRefused),
    4: ("AppNotFound", BrokerRefused),
    5: ("AppVerificationFailed", BrokerRefused),
    6: ("InvalidDevice", BrokerRefused),
    7: ("AgreementsNotSigned", BrokerRefused),
    8: ("UnknownError", BrokerUnavailable),
    9: ("ApiSubscriptionNotFound", BrokerRefused),
    10: ("ApiKeyAuthenticationDisabled", BrokerRefused),
}
VALIDATE: Table = {
    1: ("InvalidSession", BrokerUnavailable),
    2: ("SessionNotFound", BrokerUnavailable),
    3: ("ExpiredToken", BrokerUnavailable),
}
PLACE: Table = {
    1: ("AccountNotFound", BrokerRejected),
    2: ("OrderRejected", BrokerRejected),
    3: ("InsufficientFunds", BrokerRejected),
    4: ("AccountViolation", BrokerRejected),
    5: ("OutsideTradingHours", BrokerRejected),
    6: ("OrderPending", BrokerRejected),
    7: ("UnknownError", BrokerUnavailable),
    8: ("ContractNotFound", BrokerRejected),
    9: ("ContractNotActive", BrokerRejected),
    10: ("AccountRejected", BrokerRejected),
}
CANCEL: Table = {
    1: ("AccountNotFound", BrokerRejected),
    2: ("OrderNotFound", BrokerRejected),
    3: ("Rejected", BrokerRejected),
    4: ("Pending", BrokerRejected),
}
CLOSE: Table = {
    1: ("AccountNotFound", BrokerRejected),
    2: ("PositionNotFound", BrokerRejected),
    3: ("ContractNotFound", BrokerRejected),
    4: ("ContractNotActive", BrokerRejected),
    5: ("OrderRejected", BrokerRejected),
    6: ("OrderPending", BrokerRejected),
}
SEARCH: Table = {1: ("AccountNotFound", BrokerRejected)}

TABLES: dict[str, Table] = {
    "login": LOGIN,
    "validate": VALIDATE,
    "logout": {},
    "place": PLACE,
    "cancel": CANCEL,
    "modify": CANCEL,
    "close": CLOSE,
    "search": SEARCH,
}


def code_for(table: str, name: str) -> int:
    """The code of a named error in a table (the simulator answers with these)."""
    for code, (known, _kind) in TABLES[table].items():
        if known == name:
            return code
    raise KeyError(f"no error {name!r} in the {table} table")


def error_for(endpoint: str, table: str, code: int, message: str | None) -> BrokerError:
    """Our error for a ``success: false`` answer."""
    name, kind = TABLES[table].get(code, (f"error code {code}", BrokerRejected))
    detail = f": {message}" if message else ""
    return kind(f"ProjectX {endpoint} failed with {name}{detail}")
