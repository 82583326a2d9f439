"""Operators signing in to desks, and the desks left empty too long (000 §6): a desk
worked from its call-button panel is not empty (hub.domain.staffing says when)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from hub.domain.calendar import WorkCalendar
from hub.domain.center import Desk
from hub.domain.errors import Conflict
from hub.domain.staffing import DeskShift, UnstaffedDesk, unstaffed_desks
from hub.domain.text import Bilingual
from hub.services import audit
from hub.services.center_store import CenterStore
from hub.services.clock import Clock
from hub.services.desk_presence import panel_signs, shift_of
from hub.services.events import EventBus, QueueEvent
from hub.services.queue import SYSTEM_ACTOR, start_of_service_day
from hub.storage.db import Database
from hub.storage.models import DeskShiftRow

SIGN_IN_ATTEMPTS = 3


class StaffingService:
    def __init__(self, db: Database, centers: CenterStore, clock: Clock, bus: EventBus) -> None:
        self._db = db
        self._centers = centers
        self._clock = clock
        self._bus = bus

    def sign_in(self, desk_code: str, operator: str) -> DeskShift:
        """Put `operator` at the desk. Another operator already there is refused;
        an operator at another desk is moved (one person, one desk)."""
        snap = self._centers.snapshot()
        desk = snap.config.desk(desk_code)
        for attempt in range(SIGN_IN_ATTEMPTS):
            try:
                result = self._sign_in(desk, operator, snap.calendar)
                break
            except IntegrityError:
                # Someone signed in at the same moment; the next pass sees them.
                if attempt == SIGN_IN_ATTEMPTS - 1:
                    raise
        self._bus.publish(QueueEvent(kind="staffing", at=self._clock.now(), desk=desk.code))
        return result

    def _sign_in(self, desk: Desk, operator: str, calendar: WorkCalendar) -> DeskShift:
        now = self._clock.now()
        day_start = start_of_service_day(calendar, now)
        with self._db.write() as session:
            open_shifts = session.scalars(select(DeskShiftRow).where(
                DeskShiftRow.ended_at.is_(None),
                (DeskShiftRow.desk == desk.code) | (DeskShiftRow.operator == operator))).all()
            for shift in [s for s in open_shifts if s.started_at < day_start]:
                # Nobody signed out yesterday: that shift ended with the day.
                shift.ended_at = day_start
                audit.record(session, actor=SYSTEM_ACTOR, action="close_stale_shift",
                             entity="desk", entity_id=shift.desk, at=now,
                             before={"operator": shift.operator}, after={"operator": None})
            open_shifts = [s for s in open_shifts if s.started_at >= day_start]
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
                    return shift_of(shift)
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
            return shift_of(row)

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
        """The desk `operator` is signed in to today, if any."""
        day_start = start_of_service_day(self._centers.snapshot().calendar, self._clock.now())
        with self._db.read() as session:
            return session.scalars(select(DeskShiftRow.desk).where(
                DeskShiftRow.ended_at.is_(None), DeskShiftRow.operator == operator,
                DeskShiftRow.started_at >= day_start)).first()

    def unstaffed(self) -> list[UnstaffedDesk]:
        snap = self._centers.snapshot()
        now = self._clock.now()
        local = snap.calendar.local(now)
        hours = snap.document.hours
        opening = local.replace(hour=hours.opens.hour, minute=hours.opens.minute, second=0,
                                microsecond=0)
        day_start = start_of_service_day(snap.calendar, now)
        with self._db.read() as session:
            # Shifts ended before today's opening no longer matter for today's alert,
            # and one left open since an earlier day staffs nothing today.
            rows = session.scalars(select(DeskShiftRow).where(
                ((DeskShiftRow.ended_at.is_(None)) & (DeskShiftRow.started_at >= day_start))
                | (DeskShiftRow.ended_at >= opening))).all()
            panels = panel_signs(session, snap.calendar.service_day(now), day_start)
        shifts = [shift_of(r) for r in rows]
        return unstaffed_desks(snap.config.desks, shifts, snap.calendar, now,
                               since_default=min(opening, now),
                               alert_after_hours=snap.config.policy.unstaffed_alert_hours,
                               panels=panels)

