"""What services hand back: plain records the API and console render."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from hub.domain.estimate import WaitEstimate
from hub.domain.text import Bilingual


@dataclass(frozen=True, slots=True)
class TicketInfo:
    id: int
    number: int
    zone: str
    issued_zone: str
    service_day: date
    language: str
    purpose: str | None
    out_of_turn: str | None
    needs_escort: bool
    state: str
    desk: str | None
    target_desk: str | None
    booked_for: datetime | None
    recalls: int
    transfers: int
    issued_at: datetime
    queued_at: datetime
    called_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None

    @property
    def arrival(self) -> datetime:
        """The time that orders the ticket in its class (see hub.domain.ordering.Queued)."""
        return self.queued_at


@dataclass(frozen=True, slots=True)
class IssuedTicket:
    ticket: TicketInfo
    estimate: WaitEstimate
    note: Bilingual | None
    # True when an earlier request with the same idempotency key already made it.
    replayed: bool = False


@dataclass(frozen=True, slots=True)
class WaitingEntry:
    id: int
    number: int
    language: str
    out_of_turn: str | None
    needs_escort: bool
    target_desk: str | None
    booked_for: datetime | None
    queued_at: datetime


@dataclass(frozen=True, slots=True)
class DeskStatus:
    code: str
    label: Bilingual
    zones: tuple[str, ...]
    active: bool
    operator: str | None
    current: TicketInfo | None
    # Nobody signed in, yet its call-button panel is being worked (hub.domain.staffing).
    panel: bool = False


@dataclass(frozen=True, slots=True)
class ZoneQueue:
    code: str
    name: Bilingual
    waiting: list[WaitingEntry]
    estimate_for_next: WaitEstimate
    served_today: int


@dataclass(frozen=True, slots=True)
class RecentCall:
    number: int
    desk: str
    desk_label: Bilingual
    zone: str
    at: datetime
    state: str


@dataclass(frozen=True, slots=True)
class QueueState:
    service_day: date
    at: datetime
    opening: str
    zones: list[ZoneQueue]
    desks: list[DeskStatus]
    recent_calls: list[RecentCall] = field(default_factory=list)
