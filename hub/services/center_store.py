"""The center's configuration in the database: read once and cached, replaced
as a whole document so every edit passes the same validation, and audited."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import time
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from hub.center_schema import (
    BilingualText,
    CalendarDoc,
    CenterDocument,
    DeskDoc,
    HoursDoc,
    OutOfTurnDoc,
    PolicyDoc,
    PurposeDoc,
    ZoneDoc,
)
from hub.domain.calendar import WorkCalendar
from hub.domain.center import CenterConfig
from hub.domain.errors import NotFound
from hub.domain.text import Bilingual
from hub.services import audit
from hub.services.clock import Clock
from hub.services.events import EventBus, QueueEvent
from hub.storage.db import Database
from hub.storage.models import (
    CalendarDayRow,
    CenterRow,
    DeskRow,
    OutOfTurnRow,
    PurposeRow,
    ZoneRow,
)


@dataclass(frozen=True, slots=True)
class CenterSnapshot:
    """One consistent view of the configuration: the document and its domain objects."""

    document: CenterDocument
    config: CenterConfig
    calendar: WorkCalendar
    version: int


class CenterNotConfigured(NotFound):
    code = "center_not_configured"
    status = 503


def _hhmm(value: time | None) -> str | None:
    return value.strftime("%H:%M") if value is not None else None


class CenterStore:
    def __init__(self, db: Database, clock: Clock, bus: EventBus) -> None:
        self._db = db
        self._clock = clock
        self._bus = bus
        self._lock = threading.Lock()
        self._cached: CenterSnapshot | None = None

    # Reading -----------------------------------------------------------------

    def is_configured(self) -> bool:
        with self._db.read() as session:
            return session.get(CenterRow, 1) is not None

    def snapshot(self) -> CenterSnapshot:
        cached = self._cached
        if cached is not None:
            return cached
        with self._lock:
            if self._cached is None:
                with self._db.read() as session:
                    self._cached = self._load(session)
            return self._cached

    def invalidate(self) -> None:
        with self._lock:
            self._cached = None

    @staticmethod
    def _load(session: Session) -> CenterSnapshot:
        center = session.get(CenterRow, 1)
        if center is None:
            raise CenterNotConfigured(
                "the center has no configuration yet; load one with `kezek-hub load-center`",
                Bilingual(kk="Орталық әлі бапталмаған", ru="Центр ещё не настроен"))
        zones = session.scalars(select(ZoneRow).order_by(ZoneRow.position)).all()
        desks = session.scalars(select(DeskRow).order_by(DeskRow.position)).all()
        purposes = session.scalars(select(PurposeRow).order_by(PurposeRow.position)).all()
        categories = session.scalars(select(OutOfTurnRow).order_by(OutOfTurnRow.position)).all()
        days = session.scalars(select(CalendarDayRow).order_by(CalendarDayRow.day)).all()
        document = CenterDocument(
            name=BilingualText(kk=center.name_kk, ru=center.name_ru),
            timezone=center.timezone,
            hours=HoursDoc.model_validate({
                "opens": center.opens, "closes": center.closes,
                "lunch_starts": center.lunch_starts, "lunch_ends": center.lunch_ends,
                "weekdays": center.weekdays.split(",") if center.weekdays else []}),
            calendar=CalendarDoc(closed_days=[d.day for d in days if d.kind == "closed"],
                                 working_days=[d.day for d in days if d.kind == "working"]),
            policy=PolicyDoc(transfer_keeps_arrival=center.transfer_keeps_arrival,
                             next_finishes_serving=center.next_finishes_serving,
                             unstaffed_alert_hours=center.unstaffed_alert_hours),
            zones=[ZoneDoc(code=z.code, kind=z.kind, name=BilingualText(kk=z.name_kk, ru=z.name_ru),
                           range=(z.range_first, z.range_last)
                           if z.range_first is not None and z.range_last is not None else None,
                           default_service_minutes=z.default_service_minutes) for z in zones],
            desks=[DeskDoc(code=d.code, label=BilingualText(kk=d.label_kk, ru=d.label_ru),
                           zones=d.zones.split(","), kind=d.kind, active=d.active)
                   for d in desks],
            purposes=[PurposeDoc(code=p.code, name=BilingualText(kk=p.name_kk, ru=p.name_ru),
                                 zone=p.zone, calls_staff=p.calls_staff) for p in purposes],
            out_of_turn=[OutOfTurnDoc(code=c.code, name=BilingualText(kk=c.name_kk, ru=c.name_ru))
                         for c in categories],
        )
        return _snapshot_of(document, center.version)

    # Writing -----------------------------------------------------------------

    def replace(self, document: CenterDocument, *, actor: str,
                action: str = "replace_center") -> CenterSnapshot:
        """Validate `document` as a whole and store it in place of the current one."""
        with self._db.write() as session:
            current = session.get(CenterRow, 1)
            before = self._load(session).document if current is not None else None
            version = (current.version + 1) if current is not None else 1
            snapshot = _snapshot_of(document, version)  # raises before anything is written
            self._store(session, document, version)
            audit.record(session, actor=actor, action=action, entity="center", entity_id=1,
                         at=self._clock.now(),
                         before=before.model_dump(mode="json") if before else None,
                         after=document.model_dump(mode="json"))
        with self._lock:
            self._cached = snapshot
        self._bus.publish(QueueEvent(kind="config", at=self._clock.now()))
        return snapshot

    def edit(self, change: Callable[[dict[str, Any]], None], *, actor: str,
             action: str) -> CenterSnapshot:
        """Apply `change` to the current document as a dict, revalidate, store."""
        data = self.snapshot().document.model_dump(mode="json")
        change(data)
        return self.replace(CenterDocument.model_validate(data), actor=actor, action=action)

    @staticmethod
    def _store(session: Session, doc: CenterDocument, version: int) -> None:
        for table in (ZoneRow, DeskRow, PurposeRow, OutOfTurnRow, CalendarDayRow):
            session.execute(delete(table))
        center = session.get(CenterRow, 1) or CenterRow(id=1)
        center.name_kk, center.name_ru = doc.name.kk, doc.name.ru
        center.timezone = doc.timezone
        center.opens = _hhmm(doc.hours.opens) or "09:00"
        center.closes = _hhmm(doc.hours.closes) or "18:30"
        center.lunch_starts = _hhmm(doc.hours.lunch_starts)
        center.lunch_ends = _hhmm(doc.hours.lunch_ends)
        center.weekdays = ",".join(doc.hours.weekdays)
        center.transfer_keeps_arrival = doc.policy.transfer_keeps_arrival
        center.next_finishes_serving = doc.policy.next_finishes_serving
        center.unstaffed_alert_hours = doc.policy.unstaffed_alert_hours
        center.version = version
        session.add(center)
        for i, zone in enumerate(doc.zones):
            session.add(ZoneRow(code=zone.code, kind=zone.kind.value, name_kk=zone.name.kk,
                                name_ru=zone.name.ru,
                                range_first=zone.range[0] if zone.range else None,
                                range_last=zone.range[1] if zone.range else None,
                                default_service_minutes=zone.default_service_minutes,
                                position=i))
        for i, desk in enumerate(doc.desks):
            session.add(DeskRow(code=desk.code, label_kk=desk.label.kk, label_ru=desk.label.ru,
                                kind=desk.kind.value, zones=",".join(desk.zones),
                                active=desk.active, position=i))
        for i, purpose in enumerate(doc.purposes):
            session.add(PurposeRow(code=purpose.code, name_kk=purpose.name.kk,
                                   name_ru=purpose.name.ru, zone=purpose.zone,
                                   calls_staff=purpose.calls_staff, position=i))
        for i, category in enumerate(doc.out_of_turn):
            session.add(OutOfTurnRow(code=category.code, name_kk=category.name.kk,
                                     name_ru=category.name.ru, position=i))
        for day in doc.calendar.closed_days:
            session.add(CalendarDayRow(day=day, kind="closed"))
        for day in doc.calendar.working_days:
            session.add(CalendarDayRow(day=day, kind="working"))
        session.flush()


def _snapshot_of(document: CenterDocument, version: int) -> CenterSnapshot:
    config = document.to_domain()
    calendar = WorkCalendar(document.hours.to_domain(), timezone=document.timezone,
                            closed_days=document.calendar.closed_days,
                            working_days=document.calendar.working_days)
    return CenterSnapshot(document=document, config=config, calendar=calendar, version=version)
