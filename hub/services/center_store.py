"""The center's configuration in the database: read once and cached, replaced
as a whole document so every edit passes the same validation, and audited."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import time
from time import monotonic
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
from hub.domain.errors import Conflict, NotFound
from hub.domain.text import Bilingual
from hub.domain.tickets import ACTIVE_STATES
from hub.services import audit
from hub.services.clock import Clock
from hub.services.events import EventBus, QueueEvent
from hub.storage.db import Database
from hub.storage.models import (
    CalendarDayRow,
    CenterRow,
    DeskRow,
    DeskShiftRow,
    OutOfTurnRow,
    PurposeRow,
    TicketRow,
    ZoneRow,
)

DocumentChange = Callable[[dict[str, Any]], None]


def put_item(collection: str, item: dict[str, Any], *,
             replacing: str | None = None) -> DocumentChange:
    """A change that puts `item` into one of the document's lists (zones, desks,
    purposes, out_of_turn): in place of the item coded `replacing` (an edit that
    may rename it) or of its own code, else appended. A `replacing` item that is
    gone was deleted meanwhile, and that is an error, not a silent add."""
    def change(doc: dict[str, Any]) -> None:
        items: list[dict[str, Any]] = doc[collection]
        target = replacing or item["code"]
        for i, existing in enumerate(items):
            if existing["code"] == target:
                items[i] = item
                return
        if replacing:
            raise _missing(collection, replacing)
        items.append(item)
    return change


def remove_item(collection: str, code: str) -> DocumentChange:
    def change(doc: dict[str, Any]) -> None:
        before = len(doc[collection])
        doc[collection] = [i for i in doc[collection] if i["code"] != code]
        if len(doc[collection]) == before:
            raise _missing(collection, code)
    return change


def set_section(section: str, value: dict[str, Any]) -> DocumentChange:
    def change(doc: dict[str, Any]) -> None:
        doc[section] = value
    return change


def _missing(collection: str, code: str) -> NotFound:
    return NotFound(f"no {collection} item {code!r}",
                    Bilingual(kk=f"«{code}» табылмады", ru=f"«{code}» не найден"),
                    field="code")


# Another hub process may change the configuration; look for that this often.
VERSION_CHECK_SECONDS = 1.0
EDIT_ATTEMPTS = 10


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
        self._checked_at = 0.0

    # Reading -----------------------------------------------------------------

    def is_configured(self) -> bool:
        with self._db.read() as session:
            return session.get(CenterRow, 1) is not None

    def snapshot(self) -> CenterSnapshot:
        """The configuration, re-read when another process has changed it (checked
        at most every VERSION_CHECK_SECONDS, so a request costs no extra query)."""
        cached = self._cached
        now = monotonic()
        if cached is not None and now - self._checked_at < VERSION_CHECK_SECONDS:
            return cached
        with self._lock:
            with self._db.read() as session:
                version = session.scalar(select(CenterRow.version).where(CenterRow.id == 1))
                if self._cached is None or self._cached.version != version:
                    self._cached = self._load(session)
            self._checked_at = now
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

    def replace(self, document: CenterDocument, *, actor: str, action: str = "replace_center",
                expected_version: int | None = None) -> CenterSnapshot:
        """Validate `document` as a whole and store it in place of the current one.

        With `expected_version`, refuse if someone else changed the configuration
        since that version was read, so no edit silently overwrites another.
        """
        with self._db.write() as session:
            # The row lock makes concurrent editors queue; the version check then
            # tells the later one its document is stale.
            current = session.get(CenterRow, 1, with_for_update=True)
            if (expected_version is not None and current is not None
                    and current.version != expected_version):
                raise Conflict(
                    f"the configuration changed meanwhile (version {current.version}, "
                    f"edited {expected_version})",
                    Bilingual(kk="Баптауларды басқа біреу өзгертті. Бетті жаңартып, қайталаңыз.",
                              ru="Настройки изменил кто-то другой. Обновите страницу и "
                                 "повторите."),
                    field="version")
            before = self._load(session).document if current is not None else None
            version = (current.version + 1) if current is not None else 1
            snapshot = _snapshot_of(document, version)  # raises before anything is written
            if before is not None:
                self._refuse_stranding(session, before, document, snapshot)
            self._store(session, document, version)
            audit.record(session, actor=actor, action=action, entity="center", entity_id=1,
                         at=self._clock.now(),
                         before=before.model_dump(mode="json") if before else None,
                         after=document.model_dump(mode="json"))
        with self._lock:
            self._cached = snapshot
        self._bus.publish(QueueEvent(kind="config", at=self._clock.now()))
        return snapshot

    def edit(self, change: DocumentChange, *, actor: str,
             action: str) -> CenterSnapshot:
        """Apply `change` to the current document as a dict, revalidate, store.

        If another edit landed in between, the change is applied again to the
        fresh document, so neither edit is lost.
        """
        for attempt in range(EDIT_ATTEMPTS):
            self.invalidate()
            current = self.snapshot()
            data = current.document.model_dump(mode="json")
            change(data)
            try:
                return self.replace(CenterDocument.model_validate(data), actor=actor,
                                    action=action, expected_version=current.version)
            except Conflict as exc:
                if exc.field != "version" or attempt == EDIT_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    def _refuse_stranding(self, session: Session, before: CenterDocument,
                          after: CenterDocument, snapshot: CenterSnapshot) -> None:
        """A zone or desk with visitors still in its queue today, or a desk someone
        is signed in to, may not disappear."""
        removed_zones = {z.code for z in before.zones} - {z.code for z in after.zones}
        removed_desks = {d.code for d in before.desks} - {d.code for d in after.desks}
        if not removed_zones and not removed_desks:
            return
        staffed = session.execute(select(DeskShiftRow.desk, DeskShiftRow.operator).where(
            DeskShiftRow.ended_at.is_(None), DeskShiftRow.desk.in_(removed_desks))).first()
        if staffed is not None:
            # The operator's page and panel would be left serving a desk that is gone.
            operator = staffed.operator
            raise Conflict(f"{operator} is signed in to desk {staffed.desk!r}",
                           Bilingual(kk=f"Бұл жұмыс орнында қазір {operator} жұмыс істеп отыр; "
                                        "оператор жұмыс орнынан шыққаннан кейін ғана "
                                        "жоюға болады",
                                     ru=f"На этом рабочем месте сейчас работает {operator}; "
                                        "удалить его можно после выхода оператора "
                                        "с рабочего места"),
                           field="desks.code")
        today = snapshot.calendar.service_day(self._clock.now())
        active = [s.value for s in ACTIVE_STATES]
        held = session.execute(select(TicketRow.zone, TicketRow.desk, TicketRow.target_desk)
                               .where(TicketRow.service_day == today,
                                      TicketRow.state.in_(active))).all()
        for zone, desk, target in held:
            if zone in removed_zones:
                raise Conflict(f"zone {zone!r} still has visitors in its queue",
                               Bilingual(kk="Бұл аймақтың кезегінде әлі келушілер бар",
                                         ru="В очереди этой зоны ещё есть посетители"),
                               field="zones.code")
            if desk in removed_desks or target in removed_desks:
                raise Conflict(f"desk {desk or target!r} still has a visitor",
                               Bilingual(kk="Бұл жұмыс орнында әлі келуші бар",
                                         ru="У этого рабочего места ещё есть посетитель"),
                               field="desks.code")

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
