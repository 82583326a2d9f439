"""Operators signing in to desks, and the desks left empty too long (000 §6)."""

from __future__ import annotations

from sqlalchemy import select

from hub.domain.errors import Conflict
from hub.domain.staffing import DeskShift, UnstaffedDesk, unstaffed_desks
from hub.domain.text import Bilingual
from hub.services import audit
from hub.services.center_store import CenterStore
from hub.services.clock import Clock
from hub.services.events import EventBus, QueueEvent
from hub.storage.db import Database
from hub.storage.models import DeskShiftRow


class StaffingService:
    def __init__(self, db: Database, centers: CenterStore, clock: Clock, bus: EventBus) -> None:
        self._db = db
        self._centers = centers
        self._clock = clock
        self._bus = bus

    def sign_in(self, desk_code: str, operator: str) -> DeskShift:
        """Put `operator` at the desk. Another operator already there is refused;
        an operator at another desk is moved (one person, one desk)."""
        desk = self._centers.snapshot().config.desk(desk_code)
        now = self._clock.now()
        with self._db.write() as session:
            open_shifts = session.scalars(select(DeskShiftRow).where(
                DeskShiftRow.ended_at.is_(None),
                (DeskShiftRow.desk == desk.code) | (DeskShiftRow.operator == operator))).all()
            for shift in open_shifts:
                if shift.desk == desk.code and shift.operator != operator:
                    raise Conflict(
                        f"desk {desk.code} is already staffed by {shift.operator}",
                        Bilingual(kk=f"«{desk.label.kk}» жұмыс орнында {shift.operator} отыр",
                                  ru=f"За рабочим местом «{desk.label.ru}» уже работает "
                                     f"{shift.operator}"),
                        field="desk", operator=shift.operator)
            for shift in open_shifts:
                if shift.desk == desk.code:
                    return _shift(shift)
                shift.ended_at = now
                audit.record(session, actor=operator, action="sign_out", entity="desk",
                             entity_id=shift.desk, at=now, before={"operator": operator},
                             after={"operator": None})
            row = DeskShiftRow(desk=desk.code, operator=operator, started_at=now)
            session.add(row)
            audit.record(session, actor=operator, action="sign_in", entity="desk",
                         entity_id=desk.code, at=now, before={"operator": None},
                         after={"operator": operator})
            session.flush()
            result = _shift(row)
        self._bus.publish(QueueEvent(kind="staffing", at=now, desk=desk.code))
        return result

    def sign_out(self, operator: str, desk_code: str | None = None) -> int:
        now = self._clock.now()
        with self._db.write() as session:
            query = select(DeskShiftRow).where(DeskShiftRow.ended_at.is_(None),
                                               DeskShiftRow.operator == operator)
            if desk_code is not None:
                query = query.where(DeskShiftRow.desk == desk_code)
            shifts = session.scalars(query).all()
            for shift in shifts:
                shift.ended_at = now
                audit.record(session, actor=operator, action="sign_out", entity="desk",
                             entity_id=shift.desk, at=now, before={"operator": operator},
                             after={"operator": None})
        if shifts:
            self._bus.publish(QueueEvent(kind="staffing", at=now))
        return len(shifts)

    def desk_of(self, operator: str) -> str | None:
        with self._db.read() as session:
            return session.scalars(select(DeskShiftRow.desk).where(
                DeskShiftRow.ended_at.is_(None), DeskShiftRow.operator == operator)).first()

    def unstaffed(self) -> list[UnstaffedDesk]:
        snap = self._centers.snapshot()
        now = self._clock.now()
        local = snap.calendar.local(now)
        hours = snap.document.hours
        opening = local.replace(hour=hours.opens.hour, minute=hours.opens.minute, second=0,
                                microsecond=0)
        with self._db.read() as session:
            # Shifts ended before today's opening no longer matter for today's alert.
            rows = session.scalars(select(DeskShiftRow).where(
                (DeskShiftRow.ended_at.is_(None)) | (DeskShiftRow.ended_at >= opening))).all()
        shifts = [_shift(r) for r in rows]
        return unstaffed_desks(snap.config.desks, shifts, snap.calendar, now,
                               since_default=min(opening, now),
                               alert_after_hours=snap.config.policy.unstaffed_alert_hours)


def _shift(row: DeskShiftRow) -> DeskShift:
    return DeskShift(desk=row.desk, operator=row.operator, started_at=row.started_at,
                     ended_at=row.ended_at)
