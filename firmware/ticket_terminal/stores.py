"""What the terminal must not forget across a power cut, in one SQLite file in its data
dir: the leased number blocks (with how far each was used: a number is marked used
before it is printed, so none is printed twice) and the slips not printed yet."""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from pydantic import TypeAdapter

from contract.mqtt import NumberBlock, Text
from firmware.ticket_terminal.face import Face

STORE_FILE = "terminal.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS blocks (
    lease_id INTEGER PRIMARY KEY,
    zone TEXT NOT NULL,
    json TEXT NOT NULL,
    used INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS prints (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    face TEXT NOT NULL,
    ticket_id INTEGER,          -- the hub's ticket, told how printing went (PrintReport)
    confirm INTEGER NOT NULL,   -- tell the hub when printed (a PrintJob), not only failures
    failure TEXT,               -- why the last attempt failed
    reported INTEGER NOT NULL DEFAULT 0  -- the failure was reported to the hub
);
"""

_FACE = TypeAdapter[Face](Face)


@dataclass(frozen=True, slots=True)
class Leased:
    """One number taken from a block."""
    lease_id: int
    zone: str
    zone_name: Text
    number: int


@dataclass(frozen=True, slots=True)
class PendingPrint:
    seq: int
    face: Face
    ticket_id: int | None
    confirm: bool
    failure: str | None
    reported: bool


class TerminalStore:
    def __init__(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(data_dir / STORE_FILE, isolation_level=None,
                                   check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)

    # Leases --------------------------------------------------------------------------

    def replace_blocks(self, blocks: list[NumberBlock]) -> None:
        """A new lease replaces the earlier blocks of its zones (the hub gave those up)."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            for block in blocks:
                self._db.execute("DELETE FROM blocks WHERE zone = ?", (block.zone,))
            for block in blocks:
                self._db.execute("INSERT INTO blocks (lease_id, zone, json) VALUES (?, ?, ?)",
                                 (block.lease_id, block.zone, block.model_dump_json()))
            self._db.execute("COMMIT")

    def take_number(self, zone: str, now: datetime) -> Leased | None:
        """The next number of a usable block of `zone` (its service day, before
        `valid_until`), marked used before this returns; None when there is none."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for lease_id, raw, used in self._db.execute(
                        "SELECT lease_id, json, used FROM blocks WHERE zone = ? "
                        "ORDER BY lease_id", (zone,)).fetchall():
                    block = NumberBlock.model_validate_json(raw)
                    if used >= len(block.numbers) or not _usable(block, now):
                        continue
                    self._db.execute("UPDATE blocks SET used = used + 1 WHERE lease_id = ?",
                                     (lease_id,))
                    return Leased(lease_id, zone, block.zone_name, block.numbers[used])
                return None
            finally:
                self._db.execute("COMMIT")

    def remaining(self, zone: str, now: datetime) -> int:
        with self._lock:
            rows = self._db.execute("SELECT json, used FROM blocks WHERE zone = ?",
                                    (zone,)).fetchall()
        total = 0
        for raw, used in rows:
            block = NumberBlock.model_validate_json(raw)
            if _usable(block, now):
                total += len(block.numbers) - used
        return total

    # Slips not printed yet -------------------------------------------------------------

    def add_print(self, face: Face, ticket_id: int | None = None, *,
                  confirm: bool = False) -> int:
        with self._lock:
            cursor = self._db.execute(
                "INSERT INTO prints (face, ticket_id, confirm) VALUES (?, ?, ?)",
                (_FACE.dump_json(face).decode(), ticket_id, int(confirm)))
            return int(cursor.lastrowid or 0)

    def pending(self) -> list[PendingPrint]:
        with self._lock:
            rows = self._db.execute("SELECT seq, face, ticket_id, confirm, failure, reported "
                                    "FROM prints ORDER BY seq").fetchall()
        return [PendingPrint(seq, _FACE.validate_json(face), ticket_id, bool(confirm), failure,
                             bool(reported))
                for seq, face, ticket_id, confirm, failure, reported in rows]

    def printed(self, seq: int) -> None:
        with self._lock:
            self._db.execute("DELETE FROM prints WHERE seq = ?", (seq,))

    def failed(self, seq: int, failure: str, reported: bool) -> None:
        with self._lock:
            self._db.execute("UPDATE prints SET failure = ?, reported = ? WHERE seq = ?",
                             (failure, int(reported), seq))

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _usable(block: NumberBlock, now: datetime) -> bool:
    local_day: date = now.astimezone(block.valid_until.tzinfo).date()
    return local_day == block.service_day and now < block.valid_until

