"""The durable outbox: requests a node made and the hub has not answered yet, oldest first.

It is the only copy of a visitor's press until the hub answers, so every put reaches the
disk before it returns (WAL, synchronous=FULL) and survives a power cut or a restart."""

from __future__ import annotations

import logging
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path

from contract.mqtt import AnyRequest, ContractError, decode_request, encode

log = logging.getLogger(__name__)

OutboxRequest = AnyRequest

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    json TEXT NOT NULL,
    created TEXT NOT NULL
);
-- Rows this software can no longer read (after a contract change): kept for a person to
-- look at instead of blocking every request behind them.
CREATE TABLE IF NOT EXISTS unreadable (
    id TEXT NOT NULL,
    kind TEXT NOT NULL,
    json TEXT NOT NULL,
    created TEXT NOT NULL,
    reason TEXT NOT NULL
);
"""


class Outbox:
    """A FIFO of requests in one SQLite file; safe to use from several threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        # Autocommit: every statement is its own transaction, durable when it returns.
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)

    def put(self, request: OutboxRequest) -> bool:
        """Store `request` at the end; False when one with its id is stored already."""
        with self._lock:
            cursor = self._db.execute(
                "INSERT OR IGNORE INTO outbox (id, kind, json, created) VALUES (?, ?, ?, ?)",
                (request.id, request.kind, encode(request).decode(),
                 datetime.now(UTC).isoformat()))
            return cursor.rowcount == 1

    def head(self) -> OutboxRequest | None:
        """The oldest request, or None when the outbox is empty."""
        with self._lock:
            while True:
                row = self._db.execute(
                    "SELECT seq, id, kind, json, created FROM outbox ORDER BY seq LIMIT 1"
                ).fetchone()
                if row is None:
                    return None
                seq, request_id, kind, payload, created = row
                try:
                    return decode_request(payload.encode())
                except ContractError as error:
                    log.error("outbox request unreadable, set aside",
                              extra={"request_id": request_id, "kind": kind,
                                     "reason": error.detail})
                    self._db.execute("BEGIN IMMEDIATE")
                    self._db.execute(
                        "INSERT INTO unreadable (id, kind, json, created, reason) "
                        "VALUES (?, ?, ?, ?, ?)",
                        (request_id, kind, payload, created, error.detail))
                    self._db.execute("DELETE FROM outbox WHERE seq = ?", (seq,))
                    self._db.execute("COMMIT")

    def remove(self, request_id: str) -> bool:
        """Forget the request with this id; False when there was none."""
        with self._lock:
            cursor = self._db.execute("DELETE FROM outbox WHERE id = ?", (request_id,))
            return cursor.rowcount == 1

    def ids(self) -> list[str]:
        """Ids of the stored requests, oldest first."""
        with self._lock:
            return [row[0] for row in self._db.execute("SELECT id FROM outbox ORDER BY seq")]

    def __len__(self) -> int:
        with self._lock:
            (count,) = self._db.execute("SELECT count(*) FROM outbox").fetchone()
            return int(count)

    def close(self) -> None:
        with self._lock:
            self._db.close()
