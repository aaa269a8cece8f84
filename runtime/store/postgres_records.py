"""The PostgreSQL store's smaller records: sealed secrets, copy groups, webhook signals
and settings, broker connections. The same statements as ``sqlite.py`` in PostgreSQL's
spelling; none of them is keyed by an account, so none takes an account's lock."""

from __future__ import annotations

import json
from typing import Any

from ordergate.runtime.store import rows


class PgRecords:
    # provided by PostgresStore (postgres.py)
    def _write(self, sql: str, *args: Any, account: str | None = None) -> str:
        raise NotImplementedError

    def _read(self, sql: str, *args: Any) -> list[Any]:
        raise NotImplementedError

    # ---- secrets (sealed by the vault; the store never sees plaintext)

    def put_secret(self, record: str, key_id: str, nonce: bytes, ciphertext: bytes) -> None:
        self._write(
            "INSERT INTO secrets (record, key_id, nonce, ciphertext) VALUES ($1, $2, $3, $4)"
            " ON CONFLICT (record) DO UPDATE SET key_id = excluded.key_id, nonce = excluded.nonce,"
            " ciphertext = excluded.ciphertext",
            record,
            key_id,
            nonce,
            ciphertext,
        )

    def get_secret(self, record: str) -> tuple[str, bytes, bytes] | None:
        found = self._read("SELECT key_id, nonce, ciphertext FROM secrets WHERE record = $1", record)
        return (
            (found[0]["key_id"], bytes(found[0]["nonce"]), bytes(found[0]["ciphertext"])) if found else None
        )

    def all_secrets(self) -> list[tuple[str, str, bytes, bytes]]:
        return [
            (r["record"], r["key_id"], bytes(r["nonce"]), bytes(r["ciphertext"]))
            for r in self._read('SELECT * FROM secrets ORDER BY record COLLATE "C"')
        ]

    def delete_secret(self, record: str) -> None:
        self._write("DELETE FROM secrets WHERE record = $1", record)

    # ---- copy groups

    def copy_groups(self) -> list[dict[str, Any]]:
        return [rows.copy_group(r) for r in self._read('SELECT * FROM copy_groups ORDER BY name COLLATE "C"')]

    def save_copy_group(self, name: str, leader: str, followers: list[dict[str, Any]]) -> None:
        self._write(
            "INSERT INTO copy_groups (name, leader, followers) VALUES ($1, $2, $3)"
            " ON CONFLICT (name) DO UPDATE SET leader = excluded.leader, followers = excluded.followers",
            name,
            leader,
            rows.to_json(followers),
        )

    def delete_copy_group(self, name: str) -> None:
        self._write("DELETE FROM copy_groups WHERE name = $1", name)

    # ---- webhook signals awaiting approval, and webhook settings (runtime/signals.py)

    def add_signal(
        self, signal_id: str, webhook: str, alert_id: str | None, alert: Any, created_at: str, expires_at: str
    ) -> None:
        self._write(
            "INSERT INTO signals (id, webhook, alert_id, body, status, created_at, expires_at)"
            " VALUES ($1, $2, $3, $4, 'pending', $5, $6)",
            signal_id,
            webhook,
            alert_id,
            rows.to_json(alert),
            created_at,
            expires_at,
        )

    def signals(self, status: str | None = None, limit: int = 1000) -> list[dict[str, Any]]:
        """Newest first (by ``seq``, PostgreSQL's stand-in for SQLite's rowid); of one status, or all."""
        if status:
            found = self._read(
                "SELECT * FROM signals WHERE status = $1 ORDER BY seq DESC LIMIT $2", status, limit
            )
        else:
            found = self._read("SELECT * FROM signals ORDER BY seq DESC LIMIT $1", limit)
        return [rows.signal(r) for r in found]

    def signal(self, signal_id: str) -> dict[str, Any] | None:
        found = self._read("SELECT * FROM signals WHERE id = $1", signal_id)
        return rows.signal(found[0]) if found else None

    def signal_by_alert(self, webhook: str, alert_id: str) -> dict[str, Any] | None:
        found = self._read(
            "SELECT * FROM signals WHERE webhook = $1 AND alert_id = $2 ORDER BY seq LIMIT 1",
            webhook,
            alert_id,
        )
        return rows.signal(found[0]) if found else None

    def settle_signal(self, signal_id: str, status: str, decided_at: str) -> bool:
        """Move a pending signal to ``status``; False when it was not pending any more
        (another approval, a reject or the expiry got there first, on any instance)."""
        done = self._write(
            "UPDATE signals SET status = $1, decided_at = $2 WHERE id = $3 AND status = 'pending'",
            status,
            decided_at,
            signal_id,
        )
        return done == "UPDATE 1"

    def signal_result(self, signal_id: str, result: dict[str, Any]) -> None:
        self._write("UPDATE signals SET result = $1 WHERE id = $2", rows.to_json(result), signal_id)

    def webhook_settings(self) -> dict[str, dict[str, Any]]:
        return {r["name"]: json.loads(r["settings"]) for r in self._read("SELECT * FROM webhook_settings")}

    def save_webhook_settings(self, name: str, settings: dict[str, Any], updated_at: str) -> None:
        self._write(
            "INSERT INTO webhook_settings (name, settings, updated_at) VALUES ($1, $2, $3)"
            " ON CONFLICT (name) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at",
            name,
            rows.to_json(settings),
            updated_at,
        )

    # ---- connections

    def saved_connections(self) -> list[tuple[str, dict[str, Any]]]:
        """Connections added through the API, with their (non-secret) settings."""
        return [
            (r["name"], json.loads(r["spec"]))
            for r in self._read(
                'SELECT name, spec FROM connections WHERE spec IS NOT NULL ORDER BY name COLLATE "C"'
            )
        ]

    def save_connection(self, name: str, broker: str, spec: dict[str, Any], updated_at: str) -> None:
        self._write(
            "INSERT INTO connections (name, broker, status, detail, updated_at, spec)"
            " VALUES ($1, $2, 'disconnected', NULL, $3, $4)"
            " ON CONFLICT (name) DO UPDATE SET spec = excluded.spec, broker = excluded.broker",
            name,
            broker,
            updated_at,
            rows.to_json(spec),
        )

    def delete_connection(self, name: str) -> None:
        self._write("DELETE FROM connections WHERE name = $1", name)

    def set_connection_status(
        self, name: str, broker: str, status: str, detail: str | None, updated_at: str
    ) -> None:
        self._write(
            "INSERT INTO connections (name, broker, status, detail, updated_at) VALUES ($1, $2, $3, $4, $5)"
            " ON CONFLICT (name) DO UPDATE SET status = excluded.status, detail = excluded.detail,"
            " updated_at = excluded.updated_at",
            name,
            broker,
            status,
            detail,
            updated_at,
        )
