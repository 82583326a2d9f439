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
        """The blocks of their zones are these (see `keep_blocks`)."""
        self.keep_blocks([block.zone for block in blocks], blocks)

    def keep_blocks(self, zones: list[str], blocks: list[NumberBlock]) -> set[int]:
        """The hub's answer to a lease request for `zones`: the terminal's blocks of
        those zones are `blocks`. A block already known keeps how far it was used (the
        hub gives a block back until its numbers are all reported, with only those
        numbers); a block the hub no longer lists is used up or of a past day and is
        dropped. Returns the lease ids that are new here."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                listed = {block.lease_id for block in blocks}
                known: set[int] = set()
                for zone in dict.fromkeys(zones + [block.zone for block in blocks]):
                    for (lease_id,) in self._db.execute(
                            "SELECT lease_id FROM blocks WHERE zone = ?", (zone,)).fetchall():
                        if lease_id in listed:
                            known.add(lease_id)
                        else:
                            self._db.execute("DELETE FROM blocks WHERE lease_id = ?",
                                             (lease_id,))
                new = set()
                for block in blocks:
                    if block.lease_id not in known:
                        self._db.execute(
                            "INSERT OR REPLACE INTO blocks (lease_id, zone, json) "
                            "VALUES (?, ?, ?)",
                            (block.lease_id, block.zone, block.model_dump_json()))
                        new.add(block.lease_id)
                return new
            finally:
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
                    if used >= len(block.numbers) or not block_usable(block, now):
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
            if block_usable(block, now):
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


def block_usable(block: NumberBlock, now: datetime) -> bool:
    """Whether to print from the block at `now`, the hub's time: on its service day
    (read in the center's zone, which `valid_until` carries) and before it runs out."""
    local_day: date = now.astimezone(block.valid_until.tzinfo).date()
    return local_day == block.service_day and now < block.valid_until

