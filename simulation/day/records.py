"""What the load driver of a day run saw from the visitors' and operators' side: every
press and every answer to it. The invariants hold these against what the hub stored
(a press answered twice, or never, shows only here: the hub cannot know a reply got
lost). Thread-safe: visitors and operators record from their own threads."""

from __future__ import annotations

import json
import threading
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

# The problem recorded for a press its node sent nothing for (a terminal out of paper
# refuses the visitor itself; its request id is then made up, prefixed with this).
NOT_SENT = "not_sent"


@dataclass(slots=True)
class TicketPress:
    """A visitor's press at a terminal and what came of it."""

    request_id: str
    terminal: str
    pressed_at: datetime  # simulated time
    zone: str | None = None  # None until answered (the terminal picks the zone)
    answers: int = 0  # replies received for this request id (exactly 1 is right)
    ok: bool | None = None
    problem: str | None = None  # the problem code of a refusal
    ticket_id: int | None = None
    number: int | None = None
    people_ahead: int | None = None
    wait_minutes: float | None = None  # the estimate printed on the slip
    offline: bool = False  # printed from the terminal's lease while the hub was away


@dataclass(slots=True)
class DeskPress:
    """An operator's press of a desk button (or a console action) and its answers."""

    request_id: str
    desk: str
    action: str
    pressed_at: datetime
    answers: int = 0
    problem: str | None = None


@dataclass
class DayRecords:
    tickets: list[TicketPress] = field(default_factory=list)
    desk_presses: list[DeskPress] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # faults injected, with their times
    # The personal data the day's bookings carried (names, IINs, phones): the invariants
    # look for each on every node topic.
    personal_data: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add_ticket(self, press: TicketPress) -> TicketPress:
        with self.lock:
            self.tickets.append(press)
        return press

    def add_desk_press(self, press: DeskPress) -> DeskPress:
        with self.lock:
            self.desk_presses.append(press)
        return press

    def note(self, text: str) -> None:
        with self.lock:
            self.notes.append(text)

    def of_day(self, day_start: datetime, day_end: datetime) -> DayRecords:
        """The records of presses made in [day_start, day_end)."""
        with self.lock:
            return DayRecords(
                tickets=[t for t in self.tickets if day_start <= t.pressed_at < day_end],
                desk_presses=[p for p in self.desk_presses
                              if day_start <= p.pressed_at < day_end],
                notes=list(self.notes), personal_data=list(self.personal_data))

    def to_json(self) -> dict[str, Any]:
        with self.lock:
            return {"tickets": [asdict(t) for t in self.tickets],
                    "desk_presses": [asdict(p) for p in self.desk_presses],
                    "notes": list(self.notes), "personal_data": list(self.personal_data)}

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_json(), default=str, ensure_ascii=False))

    @classmethod
    def load(cls, path: Path) -> DayRecords:
        data = json.loads(path.read_text())
        def when(item: dict[str, Any]) -> dict[str, Any]:
            return {**item, "pressed_at": datetime.fromisoformat(item["pressed_at"])}
        return cls(tickets=[TicketPress(**when(t)) for t in data["tickets"]],
                   desk_presses=[DeskPress(**when(p)) for p in data["desk_presses"]],
                   notes=list(data["notes"]), personal_data=list(data["personal_data"]))
