"""The store's schema: one numbered list of migrations for every engine.

Each migration is written once. Where SQLite and PostgreSQL must spell a column
differently the text holds a token, filled per dialect by ``script``:

- ``{rowid}``: an integer key the engine assigns in insertion order (SQLite's
  ``INTEGER PRIMARY KEY`` is the rowid; PostgreSQL takes a ``bigserial``);
- ``{real}``: a float wide enough for prices and balances (PostgreSQL's ``real`` is
  only 4 bytes, so ``double precision``);
- ``{blob}``: bytes (``bytea`` on PostgreSQL);
- ``{seq}``: an insertion-order column for tables keyed by text. SQLite orders
  those by their implicit rowid and needs nothing; PostgreSQL has no rowid and gets
  a ``seq bigserial`` column.

A migration for one engine only names it in ``engines``; the other engine still
counts it, so both number their schema the same way. The version applied is kept in
SQLite's ``PRAGMA user_version`` and in PostgreSQL's ``schema_version`` table.
Append new migrations at the end only: a store records how many it has applied.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Dialect = Literal["sqlite", "postgresql"]

_TOKENS: dict[Dialect, dict[str, str]] = {
    "sqlite": {"rowid": "INTEGER PRIMARY KEY", "real": "REAL", "blob": "BLOB", "seq": ""},
    "postgresql": {
        "rowid": "BIGSERIAL PRIMARY KEY",
        "real": "DOUBLE PRECISION",
        "blob": "BYTEA",
        "seq": ", seq BIGSERIAL NOT NULL",
    },
}

BOTH: frozenset[Dialect] = frozenset({"sqlite", "postgresql"})


@dataclass(frozen=True, slots=True)
class Migration:
    sql: str
    engines: frozenset[Dialect] = BOTH

    def script(self, dialect: Dialect) -> list[str]:
        """The statements this migration runs on ``dialect`` (none when it is not for it)."""
        if dialect not in self.engines:
            return []
        text = self.sql.format_map(_TOKENS[dialect])
        return [statement.strip() for statement in text.split(";") if statement.strip()]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        """
    CREATE TABLE accounts (
        id TEXT PRIMARY KEY,
        connection TEXT NOT NULL,
        nickname TEXT,
        enabled INTEGER NOT NULL DEFAULT 1,
        automation_paused INTEGER NOT NULL DEFAULT 0,
        balance {real} NOT NULL,
        start_balance {real} NOT NULL,
        peak_equity {real},
        eod_peak {real},
        day TEXT
    );
    CREATE TABLE positions (
        account TEXT NOT NULL, root TEXT NOT NULL, qty INTEGER NOT NULL, avg_price {real} NOT NULL,
        PRIMARY KEY (account, root)
    );
    CREATE TABLE fills (
        id {rowid}, account TEXT NOT NULL, order_id TEXT, ts {real} NOT NULL,
        root TEXT NOT NULL, side TEXT NOT NULL, qty INTEGER NOT NULL, price {real} NOT NULL,
        realized {real} NOT NULL, entry INTEGER NOT NULL, trading_day TEXT NOT NULL, week_start TEXT NOT NULL
    );
    CREATE INDEX fills_account_day ON fills (account, trading_day);
    CREATE INDEX fills_account_week ON fills (account, week_start);
    CREATE TABLE locks (
        account TEXT PRIMARY KEY, until TEXT, enforce INTEGER NOT NULL, reason TEXT, kind TEXT, created_at TEXT NOT NULL
    );
    CREATE TABLE breaches (
        id {rowid}, account TEXT NOT NULL, time TEXT NOT NULL, code TEXT NOT NULL,
        action TEXT NOT NULL, message TEXT NOT NULL, trading_day TEXT NOT NULL
    );
    CREATE TABLE orders (
        id TEXT PRIMARY KEY, account TEXT NOT NULL, body TEXT NOT NULL, status TEXT NOT NULL,
        managed INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL
    );
    CREATE INDEX orders_open ON orders (status);
    CREATE TABLE idempotency (
        account TEXT NOT NULL, key TEXT NOT NULL, day TEXT NOT NULL, status INTEGER NOT NULL, body TEXT NOT NULL,
        PRIMARY KEY (account, key, day)
    );
    CREATE TABLE decisions (
        id {rowid}, time TEXT NOT NULL, account TEXT NOT NULL, source TEXT, outcome TEXT NOT NULL,
        stage TEXT, code TEXT, policy TEXT, bundle TEXT, body TEXT NOT NULL
    );
    CREATE INDEX decisions_account ON decisions (account, id);
    CREATE TABLE connections (
        name TEXT PRIMARY KEY, broker TEXT NOT NULL, status TEXT NOT NULL, detail TEXT, updated_at TEXT NOT NULL
    );
    """
    ),
    Migration(
        """
    ALTER TABLE connections ADD COLUMN spec TEXT;
    CREATE TABLE secrets (
        record TEXT PRIMARY KEY, key_id TEXT NOT NULL, nonce {blob} NOT NULL, ciphertext {blob} NOT NULL
    );
    CREATE TABLE copy_groups (name TEXT PRIMARY KEY, leader TEXT NOT NULL, followers TEXT NOT NULL);
    """
    ),
    # a lock that holds until a person lifts it may still refuse an unlock until an
    # earlier enforced expiry (the kill switch over an enforced breach lock)
    Migration(
        """
    ALTER TABLE locks ADD COLUMN enforced_until TEXT;
    """
    ),
    # brokers that answer later: each fill once by the broker's fill id (several NULLs
    # are distinct in a UNIQUE index on both engines, so the fills from before keep their rows)
    Migration(
        """
    ALTER TABLE fills ADD COLUMN fill_id TEXT;
    CREATE UNIQUE INDEX fills_fill_id ON fills (account, fill_id);
    """
    ),
    # what a replay needs beside each decision: the snapshot it was decided on (JSON;
    # NULL for the entries from before), written by the same INSERT as the entry
    Migration(
        """
    ALTER TABLE decisions ADD COLUMN inputs TEXT;
    """
    ),
    # webhook alerts waiting for a person's approval (runtime/signals.py), and the webhook
    # settings changed through the API, laid over the config file's
    Migration(
        """
    CREATE TABLE signals (
        id TEXT PRIMARY KEY, webhook TEXT NOT NULL, alert_id TEXT, body TEXT NOT NULL, status TEXT NOT NULL,
        created_at TEXT NOT NULL, expires_at TEXT NOT NULL, decided_at TEXT, result TEXT{seq}
    );
    CREATE INDEX signals_status ON signals (status);
    CREATE TABLE webhook_settings (name TEXT PRIMARY KEY, settings TEXT NOT NULL, updated_at TEXT NOT NULL);
    """
    ),
    # several runtimes on one PostgreSQL database (issue 17): the instances alive and
    # which of them holds each broker connection, renewed on a heartbeat; an embedded
    # SQLite store has one runtime and needs neither (IF NOT EXISTS: the cluster may have
    # made them on a database older than this migration)
    Migration(
        """
    CREATE TABLE IF NOT EXISTS instances (
        id TEXT PRIMARY KEY, address TEXT NOT NULL, host TEXT NOT NULL, pid INTEGER NOT NULL,
        started_at TIMESTAMPTZ NOT NULL, heartbeat_at TIMESTAMPTZ NOT NULL, bundle TEXT
    );
    CREATE TABLE IF NOT EXISTS leases (
        connection TEXT PRIMARY KEY, holder TEXT NOT NULL,
        acquired_at TIMESTAMPTZ NOT NULL, expires_at TIMESTAMPTZ NOT NULL
    );
    """,
        engines=frozenset({"postgresql"}),
    ),
    # Fewer pages written by a commit of fills across accounts. In an index that leads
    # with the account, each account's new entry lands on a leaf of its own: a commit
    # of fills of 16 accounts wrote 16 leaves of each such index.
    # - No query reads fills by account and trading day (the week's totals are read by
    #   (account, week_start), the last fill by account): that index goes.
    # - The fill ids' uniqueness is the same constraint with the fill id first. A
    #   broker numbers its fills in sequence, so a commit's new ids fall together, on
    #   a leaf or two, whichever accounts they are of.
    Migration(
        """
    DROP INDEX IF EXISTS fills_account_day;
    DROP INDEX IF EXISTS fills_fill_id;
    CREATE UNIQUE INDEX fills_fill_id ON fills (fill_id, account);
    """
    ),
    # One page fewer in every commit of a fill. SQLite keeps a table with a text primary
    # key as two b-trees, the rows by rowid and the key in an index of its own, and a
    # fill's new position wrote a page of each. WITHOUT ROWID keeps the rows in the key's
    # own b-tree. PostgreSQL keeps a table and its key apart in any case: it only counts
    # the step.
    Migration(
        """
    CREATE TABLE positions_new (
        account TEXT NOT NULL, root TEXT NOT NULL, qty INTEGER NOT NULL, avg_price {real} NOT NULL,
        PRIMARY KEY (account, root)
    ) WITHOUT ROWID;
    INSERT INTO positions_new SELECT account, root, qty, avg_price FROM positions;
    DROP TABLE positions;
    ALTER TABLE positions_new RENAME TO positions;
    """,
        engines=frozenset({"sqlite"}),
    ),
    # orders_open indexes the open orders only, as its name says: every order ended in
    # it too, so that each fill moved its order's entry from the leaf of the open
    # statuses to the far end of the index (a page more in every commit of a fill), and
    # the index grew with every order ever taken. The WHERE is the store's reading of
    # the open orders word for word (interface.OPEN_STATUSES): a query whose WHERE does
    # not say it may not use the index (a test holds them together).
    Migration(
        """
    DROP INDEX IF EXISTS orders_open;
    CREATE INDEX orders_open ON orders (status)
        WHERE status IN ('submitted', 'working', 'partially_filled', 'unconfirmed', 'held');
    """
    ),
)
