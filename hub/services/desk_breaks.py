"""An operator's break at a desk: while it lasts the desk calls nobody (by button,
console or API: `DeskActions` asks `ensure_open`), the lamps and the page say so, and
the desk stays staffed by the same operator (a break is not leaving the workplace)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hub.domain.errors import Conflict
from hub.domain.text import Bilingual
from hub.domain.tickets import AT_DESK_STATES
from hub.services import audit
from hub.services.center_store import CenterStore
from hub.services.clock import Clock
from hub.services.events import EventBus, QueueEvent
from hub.services.queue import start_of_service_day
from hub.storage.db import Database
from hub.storage.desk_break_models import DeskBreakRow
from hub.storage.models import TicketRow

BREAK_EVENT = "break"


class DeskOnBreak(Conflict):
    """The desk's operator is on a break: nobody is called until it ends."""

    code = "desk_on_break"


class DeskBreaks:
    """Stateless over the database; built once with the hub (hub.wiring)."""

    def __init__(self, db: Database, centers: CenterStore, clock: Clock, bus: EventBus) -> None:
        self._db = db
        self._centers = centers
        self._clock = clock
        self._bus = bus

    def start(self, desk_code: str, operator: str) -> None:
        """Begin a break; refused while a visitor is at the desk. Starting twice is one break."""
        desk = self._centers.snapshot().config.desk(desk_code)
        now = self._clock.now()
        try:
            with self._db.write() as session:
                busy = session.scalars(select(TicketRow.number).where(
                    TicketRow.desk == desk.code,
                    TicketRow.state.in_([s.value for s in AT_DESK_STATES]))).first()
                if busy is not None:
                    raise Conflict(
                        f"desk {desk.code} still has ticket {busy}",
                        Bilingual(kk=f"Алдымен {busy} талонын аяқтаңыз",
                                  ru=f"Сначала завершите талон {busy}"),
                        field="desk", ticket=busy)
                if self._open(session, desk.code) is not None:
                    return
                session.add(DeskBreakRow(desk=desk.code, operator=operator, started_at=now))
                audit.record(session, actor=operator, action="break_start", entity="desk",
                             entity_id=desk.code, at=now)
        except IntegrityError:
            return  # a break started at the same moment: the desk is on a break either way
        self._bus.publish(QueueEvent(kind=BREAK_EVENT, at=now, desk=desk.code))

    def end(self, desk_code: str, operator: str) -> bool:
        """End the desk's break; False when there was none."""
        now = self._clock.now()
        with self._db.write() as session:
            row = self._open(session, desk_code)
            if row is None:
                return False
            row.ended_at = now
            audit.record(session, actor=operator, action="break_end", entity="desk",
                         entity_id=desk_code, at=now,
                         after={"minutes": round((now - row.started_at).total_seconds() / 60)})
        self._bus.publish(QueueEvent(kind=BREAK_EVENT, at=now, desk=desk_code))
        return True

    def on_break(self) -> dict[str, datetime]:
        """Desks on a break today, with when it began. A break left open since an
        earlier day is over."""
        day_start = start_of_service_day(self._centers.snapshot().calendar, self._clock.now())
        with self._db.read() as session:
            rows = session.execute(select(DeskBreakRow.desk, DeskBreakRow.started_at).where(
                DeskBreakRow.ended_at.is_(None), DeskBreakRow.started_at >= day_start)).all()
        return {str(desk): started for desk, started in rows}

    def ensure_open(self, desk_code: str) -> None:
        """Raise DeskOnBreak when the desk may not call now."""
        if desk_code in self.on_break():
            raise DeskOnBreak(f"desk {desk_code} is on a break",
                              Bilingual(kk="Үзіліс: келушілер шақырылмайды",
                                        ru="Перерыв: посетители не вызываются"),
                              field="desk")

    def _open(self, session: Session, desk: str) -> DeskBreakRow | None:
        day_start = start_of_service_day(self._centers.snapshot().calendar, self._clock.now())
        for row in session.scalars(select(DeskBreakRow).where(
                DeskBreakRow.desk == desk, DeskBreakRow.ended_at.is_(None))).all():
            if row.started_at >= day_start:
                return row
            row.ended_at = day_start  # forgotten yesterday: it ended with the day
        return None
