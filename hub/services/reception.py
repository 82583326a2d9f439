"""Personal reception with officials (issue 7): officials and their approved
schedules, booking requests through their procedure, booking into slots,
moves when an official cannot receive, and the final list of a day.

The rules are the domain's (``hub.domain.reception``): this service loads a
request into a ``BookingRequest``, calls the domain method of the step, and
stores the result with its new history steps and an audit row, all in one
``db.write()`` transaction.

Personal data: the applicant's IIN, name and phone are stored in the
request's row (the procedure needs them), but the audit log keeps only a
masked IIN (``8501******23``) and never the name or the phone — the audit log
is read by more people (administrators, auditors) and kept longer than a
request, so it carries what identifies the record, not the person. Nothing
here logs personal data, and SQL parameters are hidden from error logs
(``hub.storage.db``).
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from hub.domain.calendar import WorkCalendar
from hub.domain.center import DeskKind
from hub.domain.errors import Conflict, NotFound, ValidationFailed
from hub.domain.reception import deadlines as terms
from hub.domain.reception.applicants import Applicant, Channel, Phone, Representative
from hub.domain.reception.contacts import check_contacts
from hub.domain.reception.errors import (
    InvalidIin,
    NonWorkingDay,
    OfficialAbsent,
    OutsideReceptionHours,
    SlotTaken,
)
from hub.domain.reception.grounds import RefusalGround
from hub.domain.reception.iin import parse_iin
from hub.domain.reception.profiles import RegulationProfile, get_profile
from hub.domain.reception.requests import (
    STATE_NAMES,
    BookingRequest,
    DeadlineStatus,
    Extension,
    ExtensionKind,
    Proposal,
    ReferenceNote,
    RequestState,
    Transition,
    next_deadline,
    register_request,
)
from hub.domain.reception.schedule import (
    ExtraReception,
    ReceptionHours,
    ReceptionSchedule,
    Slot,
    WaitingRequest,
    book_slot,
    place_in_arrival_order,
    placement_days,
)
from hub.domain.safe_text import safe_text
from hub.domain.text import Bilingual, Language
from hub.services import audit
from hub.services.center_store import CenterStore
from hub.services.clock import Clock
from hub.services.letters import LetterOutbox
from hub.storage.db import Database
from hub.storage.reception_models import (
    BookingRequestRow,
    ExtraReceptionRow,
    OfficialAbsenceRow,
    OfficialRow,
    OralProtocolRow,
    ReceptionScheduleRow,
    RequestTransitionRow,
)

__all__ = [
    "DECISIONS",
    "BookingInfo",
    "ExtraInfo",
    "FinalListEntry",
    "NextDeadline",
    "OfficialInfo",
    "PublicEntry",
    "PublicSession",
    "ReceptionService",
    "RequestInfo",
    "ScheduleInfo",
    "mask_iin",
]

S = RequestState
HOLDING = (S.APPROVED.value, S.CHECKED_IN.value)
ON_THE_LIST = (S.APPROVED.value, S.CHECKED_IN.value, S.RECEIVED.value, S.ABSENT.value)


def mask_iin(iin: str) -> str:
    """The IIN as the audit log keeps it: the first four and last two digits."""
    return iin[:4] + "*" * (len(iin) - 6) + iin[-2:] if len(iin) > 6 else "*" * len(iin)


def booking_code() -> str:
    """Eight characters of base32 (40 random bits): short enough to type or put
    in a QR code, too many to guess."""
    return base64.b32encode(secrets.token_bytes(5)).decode("ascii")


def _hhmm(value: str, field_name: str) -> time:
    try:
        parsed = time.fromisoformat(value)
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is not None or len(value) != 5:
        raise ValidationFailed(f"{field_name}: a time HH:MM is expected, got {value!r}",
                               Bilingual(kk="Уақытты СС:ММ түрінде енгізіңіз.",
                                         ru="Введите время в виде ЧЧ:ММ."), field=field_name)
    return parsed


def _text(value: str | None, field_name: str, *, required: bool = False,
          limit: int = 300) -> str:
    return safe_text(value, field=field_name, max_length=limit, required=required)


# --------------------------------------------------------------------------- views


@dataclass(frozen=True, slots=True)
class OfficialInfo:
    code: str
    full_name: str
    position: dict[str, str]
    state_body: dict[str, str]
    location: dict[str, str]
    desk: str | None
    languages: list[str]
    phone: str
    email: str
    username: str | None
    active: bool
    order: int


@dataclass(frozen=True, slots=True)
class ScheduleInfo:
    id: int
    official: str
    approved_by: str
    approved_on: date
    valid_from: date
    valid_to: date | None
    weekdays: list[int]
    dates: list[date]
    starts: str
    ends: str
    slot_minutes: int
    video_link: bool
    video_only: bool


@dataclass(frozen=True, slots=True)
class ExtraInfo:
    id: int
    official: str
    day: date
    starts: str
    ends: str
    order_number: str
    order_date: date
    video_link: bool


@dataclass(frozen=True, slots=True)
class NextDeadline:
    kind: str
    name: dict[str, str]
    due: date
    citation: str
    overdue: bool
    due_soon: bool
    working_days_left: int


@dataclass(frozen=True, slots=True)
class BookingInfo:
    official: str
    starts_at: datetime
    ends_at: datetime
    code: str | None


@dataclass(frozen=True, slots=True)
class HistoryStep:
    source: str | None
    target: str
    at: datetime
    actor: str
    note: str | None
    event: str | None


@dataclass(frozen=True, slots=True)
class RequestInfo:
    number: str
    channel: str
    oral_protocol: bool
    state: str
    state_name: dict[str, str]
    received_at: datetime
    registered_on: date
    registration_due: date
    answer_due: date
    profile: str
    applicant_iin: str
    applicant_name: str
    applicant_phone: str
    applicant_email: str | None
    language: str
    representative: dict[str, str] | None
    essence: str
    official_asked: str | None
    official: str | None
    interpreter_language: str | None
    video_link: bool
    considered_for: date | None
    refusal_grounds: list[str]
    booking: BookingInfo | None
    next_deadline: NextDeadline | None
    history: list[HistoryStep] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class FinalListEntry:
    number: str
    official: str
    official_name: str
    starts_at: datetime
    ends_at: datetime
    applicant_name: str
    language: str
    representative: str | None
    interpreter_language: str | None
    video_link: bool
    essence: str
    state: str


@dataclass(frozen=True, slots=True)
class PublicSession:
    day: date
    starts: str
    ends: str
    order: str | None  # the order of a reception outside the schedule (002 §9)
    video_link: bool


@dataclass(frozen=True, slots=True)
class PublicEntry:
    """One row of the schedule in the form of the appendix of 004."""

    code: str
    state_body: dict[str, str]
    full_name: str
    position: dict[str, str]
    location: dict[str, str]
    phone: str
    email: str
    sessions: list[PublicSession]


# --------------------------------------------------------------------------- rows <-> domain


def _official_info(row: OfficialRow) -> OfficialInfo:
    return OfficialInfo(code=row.code, full_name=row.full_name,
                        position={"kk": row.position_kk, "ru": row.position_ru},
                        state_body={"kk": row.state_body_kk, "ru": row.state_body_ru},
                        location={"kk": row.location_kk, "ru": row.location_ru},
                        desk=row.desk, languages=list(row.languages), phone=row.phone,
                        email=row.email, username=row.username, active=row.active,
                        order=row.position)


def _official_audit(row: OfficialRow) -> dict[str, Any]:
    # An official's name, position and office phone are published (002 §8): not personal data.
    info = _official_info(row)
    return {"code": info.code, "full_name": info.full_name, "position": info.position,
            "state_body": info.state_body, "desk": info.desk, "languages": info.languages,
            "phone": info.phone, "email": info.email, "username": info.username,
            "active": info.active}


def _schedule_info(row: ReceptionScheduleRow) -> ScheduleInfo:
    return ScheduleInfo(id=row.id, official=row.official, approved_by=row.approved_by,
                        approved_on=row.approved_on, valid_from=row.valid_from,
                        valid_to=row.valid_to, weekdays=sorted(row.weekdays),
                        dates=sorted(date.fromisoformat(d) for d in row.dates),
                        starts=row.starts, ends=row.ends, slot_minutes=row.slot_minutes,
                        video_link=row.video_link, video_only=row.video_only)


def _schedule_audit(row: ReceptionScheduleRow) -> dict[str, Any]:
    info = _schedule_info(row)
    return {"official": info.official, "approved_by": info.approved_by,
            "approved_on": info.approved_on.isoformat(),
            "valid_from": info.valid_from.isoformat(),
            "valid_to": info.valid_to.isoformat() if info.valid_to else None,
            "weekdays": info.weekdays, "dates": [d.isoformat() for d in info.dates],
            "starts": info.starts, "ends": info.ends, "slot_minutes": info.slot_minutes,
            "video_link": info.video_link, "video_only": info.video_only}


def _extra_info(row: ExtraReceptionRow) -> ExtraInfo:
    return ExtraInfo(id=row.id, official=row.official, day=row.day, starts=row.starts,
                     ends=row.ends, order_number=row.order_number, order_date=row.order_date,
                     video_link=row.video_link)


def _order_text(row: ExtraReceptionRow) -> str:
    return f"№ {row.order_number}, {row.order_date.strftime('%d.%m.%Y')}"


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _slot_doc(slot: Slot) -> dict[str, str]:
    return {"official": slot.official, "starts_at": slot.starts_at.isoformat(),
            "ends_at": slot.ends_at.isoformat()}


def _slot(doc: dict[str, Any]) -> Slot:
    return Slot(datetime.fromisoformat(doc["starts_at"]), datetime.fromisoformat(doc["ends_at"]),
                doc["official"])


def _to_domain(row: BookingRequestRow, steps: Iterable[RequestTransitionRow]) -> BookingRequest:
    rep = row.representative
    representative = None
    if rep:
        representative = Representative(full_name=rep["full_name"],
                                        iin=parse_iin(rep["iin"]), basis=rep["basis"])
    applicant = Applicant(iin=parse_iin(row.applicant_iin), full_name=row.applicant_name,
                          phone=Phone(row.applicant_phone), language=Language(row.language),
                          representative=representative, email=row.applicant_email)
    note = None
    if row.note:
        made_on = _day(row.note["made_on"])
        assert made_on is not None
        note = ReferenceNote(Proposal(row.note["proposal"]), made_on,
                             _day(row.note.get("proposed_day")), row.note.get("official"),
                             tuple(RefusalGround(g) for g in row.note.get("grounds", ())))
    extensions = []
    for doc in row.extensions:
        decided = _moment(doc["decided_at"])
        assert decided is not None
        extensions.append(Extension(ExtensionKind(doc["kind"]), decided, doc["reason"],
                                    doc.get("decision"), _moment(doc.get("notified_at"))))
    booking = None
    if row.booked_starts_at is not None and row.booked_ends_at is not None:
        assert row.booked_official is not None
        booking = Slot(row.booked_starts_at, row.booked_ends_at, row.booked_official)
    history = [Transition(RequestState(s.source) if s.source else None, RequestState(s.target),
                          s.at, s.actor, s.note, s.event) for s in steps]
    return BookingRequest(
        number=row.number, channel=Channel(row.channel), applicant=applicant,
        essence=row.essence, received_at=row.received_at, registered_at=row.registered_at,
        registered_on=row.registered_on, registered_by=row.registered_by,
        profile=get_profile(row.profile), official_asked=row.official_asked,
        interpreter_language=row.interpreter_language, video_link=row.video_link,
        state=RequestState(row.state), considered_for=row.considered_for, defects=row.defects,
        correction_asked_on=row.correction_asked_on, note=note,
        draft_refusal_on=row.draft_refusal_on,
        draft_grounds=tuple(RefusalGround(g) for g in row.draft_grounds),
        refusal_grounds=tuple(RefusalGround(g) for g in row.refusal_grounds),
        refusal_explanation=row.refusal_explanation, extensions=extensions,
        answered_on=row.answered_on, official=row.official, booking=booking,
        date_time_told_on=row.date_time_told_on,
        moved_bookings=[_slot(d) for d in row.moved_bookings],
        late_cancellations=[_slot(d) for d in row.late_cancellations],
        id=row.id, history=history)


def _store(row: BookingRequestRow, request: BookingRequest, session: Session,
           now: datetime, known_steps: int) -> None:
    """Write the request's state into its row and append its new history steps."""
    row.state = request.state.value
    row.essence = request.essence
    row.considered_for = request.considered_for
    row.defects = request.defects
    row.correction_asked_on = request.correction_asked_on
    note = request.note
    row.note = None if note is None else {
        "proposal": note.proposal.value, "made_on": note.made_on.isoformat(),
        "proposed_day": note.proposed_day.isoformat() if note.proposed_day else None,
        "official": note.official, "grounds": [g.value for g in note.grounds]}
    row.draft_refusal_on = request.draft_refusal_on
    row.draft_grounds = [g.value for g in request.draft_grounds]
    row.refusal_grounds = [g.value for g in request.refusal_grounds]
    row.refusal_explanation = request.refusal_explanation
    row.extensions = [{"kind": e.kind.value, "decided_at": e.decided_at.isoformat(),
                       "reason": e.reason, "decision": e.decision,
                       "notified_at": _iso(e.notified_at)} for e in request.extensions]
    row.answered_on = request.answered_on
    row.official = request.official
    booking = request.booking
    row.booked_official = booking.official if booking else None
    row.booked_starts_at = booking.starts_at if booking else None
    row.booked_ends_at = booking.ends_at if booking else None
    if booking is not None and row.booking_code is None:
        row.booking_code = booking_code()
    row.date_time_told_on = request.date_time_told_on
    row.moved_bookings = [_slot_doc(s) for s in request.moved_bookings]
    row.late_cancellations = [_slot_doc(s) for s in request.late_cancellations]
    row.updated_at = now
    for seq, step in enumerate(request.history[known_steps:], start=known_steps):
        session.add(RequestTransitionRow(
            request_id=row.id, seq=seq, source=step.source.value if step.source else None,
            target=step.target.value, at=step.at, actor=step.actor, note=step.note,
            event=step.event))


def _audit_view(request: BookingRequest, row: BookingRequestRow) -> dict[str, Any]:
    """What the audit log keeps of a request: no name, no phone, the IIN masked."""
    booking = request.booking
    return {
        "state": request.state.value,
        "channel": request.channel.value,
        "iin": mask_iin(request.applicant.iin.value),
        "language": request.applicant.language.value,
        "representative": request.applicant.representative is not None,
        "official_asked": request.official_asked,
        "official": request.official,
        "booking": None if booking is None else {
            "official": booking.official, "starts_at": booking.starts_at.isoformat()},
        "booking_code": "set" if row.booking_code else None,
        "registered_on": request.registered_on.isoformat(),
        "profile": request.profile.name,
    }


# --------------------------------------------------------------------------- the service


class ReceptionService:
    def __init__(self, db: Database, centers: CenterStore, clock: Clock,
                 profile: str | None = None, letters: LetterOutbox | None = None) -> None:
        self._db = db
        self._centers = centers
        self._clock = clock
        self.profile: RegulationProfile = get_profile(profile)
        # Letters to applicants are queued in the transaction of their decision.
        self.letters = letters

    @property
    def calendar(self) -> WorkCalendar:
        return self._centers.snapshot().calendar

    # ------------------------------------------------------------ officials

    def list_officials(self, *, active_only: bool = False) -> list[OfficialInfo]:
        with self._db.read() as session:
            query = select(OfficialRow).order_by(OfficialRow.position, OfficialRow.code)
            if active_only:
                query = query.where(OfficialRow.active.is_(True))
            return [_official_info(r) for r in session.scalars(query)]

    def get_official(self, code: str) -> OfficialInfo:
        with self._db.read() as session:
            return _official_info(self._official(session, code))

    def official_of_user(self, username: str) -> str | None:
        with self._db.read() as session:
            return session.scalars(select(OfficialRow.code).where(
                OfficialRow.username == username)).first()

    def put_official(self, code: str, *, actor: str, full_name: str, position_kk: str,
                     position_ru: str, state_body_kk: str, state_body_ru: str,
                     location_kk: str = "", location_ru: str = "", desk: str | None = None,
                     languages: Iterable[str] = ("kk", "ru"), phone: str = "",
                     email: str = "", username: str | None = None, active: bool = True,
                     order: int = 0) -> OfficialInfo:
        """Add an official or change one."""
        check_contacts(phone=phone.strip(), email=email.strip())
        values: dict[str, Any] = {
            "full_name": _text(full_name, "full_name", required=True),
            "position_kk": _text(position_kk, "position.kk", required=True),
            "position_ru": _text(position_ru, "position.ru", required=True),
            "state_body_kk": _text(state_body_kk, "state_body.kk", required=True),
            "state_body_ru": _text(state_body_ru, "state_body.ru", required=True),
            "location_kk": _text(location_kk, "location.kk"),
            "location_ru": _text(location_ru, "location.ru"),
            "phone": _text(phone, "phone", limit=40),
            "email": _text(email, "email", limit=254),
            "username": _text(username, "username", limit=80) or None,
            "active": active, "position": order,
        }
        try:
            chosen = sorted({Language(lang).value for lang in languages})
        except ValueError as error:
            raise ValidationFailed(f"languages: {error}",
                                   Bilingual(kk="Қабылдау тілі: kk немесе ru.",
                                             ru="Язык приема: kk или ru."),
                                   field="languages") from error
        if not chosen:
            raise ValidationFailed("an official receives in at least one language",
                                   Bilingual(kk="Кемінде бір тілді таңдаңыз.",
                                             ru="Выберите хотя бы один язык."),
                                   field="languages")
        values["languages"] = chosen
        if desk:
            found = self._centers.snapshot().config.desk(desk)
            if found.kind is not DeskKind.OFFICE:
                raise ValidationFailed(
                    f"desk {desk!r} is not an office",
                    Bilingual(kk="Лауазымды адамға тек кабинет бекітіледі.",
                              ru="Должностному лицу назначается только кабинет."),
                    field="desk")
        values["desk"] = desk or None
        now = self._clock.now()
        with self._db.write() as session:
            row = session.get(OfficialRow, code)
            before = _official_audit(row) if row is not None else None
            if row is None:
                if not code or len(code) > 40 or not code.replace("-", "").replace(
                        "_", "").isalnum() or not code.isascii():
                    raise ValidationFailed(
                        f"official code {code!r}: Latin letters, digits, '-' and '_'",
                        Bilingual(kk="Код латын әріптерінен, цифрлардан, «-», «_» тұрады.",
                                  ru="Код: латинские буквы, цифры, «-», «_»."), field="code")
                row = OfficialRow(code=code, created_at=now, updated_at=now, **values)
                session.add(row)
            else:
                for name, value in values.items():
                    setattr(row, name, value)
                row.updated_at = now
            session.flush()
            audit.record(session, actor=actor, action="put_official",
                         entity="reception_official", entity_id=code, at=now, before=before,
                         after=_official_audit(row))
            return _official_info(row)

    def delete_official(self, code: str, *, actor: str) -> None:
        now = self._clock.now()
        with self._db.write() as session:
            row = self._official(session, code)
            used = session.scalars(select(BookingRequestRow.id).where(or_(
                BookingRequestRow.official_asked == code, BookingRequestRow.official == code,
                BookingRequestRow.booked_official == code))).first()
            if used is not None:
                raise Conflict(f"official {code!r} has booking requests; deactivate instead",
                               Bilingual(kk="Бұл лауазымды адамға өтініштер бар — оны "
                                            "белсенді емес етіңіз.",
                                         ru="К этому должностному лицу есть обращения — "
                                            "сделайте его неактивным."),
                               field="code")
            before = _official_audit(row)
            session.execute(delete(ReceptionScheduleRow).where(
                ReceptionScheduleRow.official == code))
            session.execute(delete(ExtraReceptionRow).where(ExtraReceptionRow.official == code))
            session.execute(delete(OfficialAbsenceRow).where(
                OfficialAbsenceRow.official == code))
            session.delete(row)
            audit.record(session, actor=actor, action="delete_official",
                         entity="reception_official", entity_id=code, at=now, before=before)

    @staticmethod
    def _official(session: Session, code: str, *, lock: bool = False) -> OfficialRow:
        query = select(OfficialRow).where(OfficialRow.code == code)
        if lock:
            query = query.with_for_update()
        row = session.scalars(query).first()
        if row is None:
            raise NotFound(f"no official {code!r}",
                           Bilingual(kk="Лауазымды адам табылмады.",
                                     ru="Должностное лицо не найдено."), field="official")
        return row

    # ------------------------------------------------------------ schedules

    def list_schedules(self, official: str) -> tuple[list[ScheduleInfo], list[ExtraInfo]]:
        with self._db.read() as session:
            self._official(session, official)
            schedules = session.scalars(select(ReceptionScheduleRow).where(
                ReceptionScheduleRow.official == official).order_by(
                ReceptionScheduleRow.valid_from, ReceptionScheduleRow.id))
            extras = session.scalars(select(ExtraReceptionRow).where(
                ExtraReceptionRow.official == official).order_by(ExtraReceptionRow.day))
            return [_schedule_info(r) for r in schedules], [_extra_info(r) for r in extras]

    def add_schedule(self, official: str, *, actor: str, approved_by: str, approved_on: date,
                     valid_from: date, valid_to: date | None, weekdays: Iterable[int],
                     starts: str, ends: str, dates: Iterable[date] = (),
                     slot_minutes: int = 30, video_link: bool = False,
                     video_only: bool = False) -> ScheduleInfo:
        """A schedule approved by the akim (002 §7, 004 §7-1)."""
        approver = _text(approved_by, "approved_by", required=True)
        hours = ReceptionHours(_hhmm(starts, "starts"), _hhmm(ends, "ends"))
        chosen_days = sorted(set(weekdays))
        chosen_dates = sorted(set(dates))
        # The domain checks weekdays, hours and slot length.
        ReceptionSchedule(official, hours, frozenset(chosen_days), frozenset(chosen_dates),
                          slot_minutes=slot_minutes)
        if not chosen_days and not chosen_dates:
            raise ValidationFailed("a schedule names its weekdays or dates",
                                   Bilingual(kk="Қабылдау күндерін көрсетіңіз.",
                                             ru="Укажите дни приема."), field="weekdays")
        if valid_to is not None and valid_to < valid_from:
            raise ValidationFailed("valid_to is before valid_from",
                                   Bilingual(kk="Кестенің аяқталу күні басталуынан ерте.",
                                             ru="Окончание действия графика раньше начала."),
                                   field="valid_to")
        if approved_on > valid_from:
            raise ValidationFailed(
                "the schedule is approved before it applies",
                Bilingual(kk="Кесте қолданылғанға дейін бекітілуі керек.",
                          ru="График утверждается до начала его действия."),
                field="approved_on")
        now = self._clock.now()
        with self._db.write() as session:
            self._official(session, official)
            row = ReceptionScheduleRow(
                official=official, approved_by=approver, approved_on=approved_on,
                valid_from=valid_from, valid_to=valid_to, weekdays=chosen_days,
                dates=[d.isoformat() for d in chosen_dates], starts=starts, ends=ends,
                slot_minutes=slot_minutes, video_link=video_link or video_only,
                video_only=video_only, created_at=now)
            session.add(row)
            session.flush()
            audit.record(session, actor=actor, action="add_schedule",
                         entity="reception_schedule", entity_id=row.id, at=now,
                         after=_schedule_audit(row))
            return _schedule_info(row)

    def delete_schedule(self, schedule_id: int, *, actor: str) -> None:
        now = self._clock.now()
        with self._db.write() as session:
            row = session.get(ReceptionScheduleRow, schedule_id)
            if row is None:
                raise NotFound(f"no schedule {schedule_id}",
                               Bilingual(kk="Кесте табылмады.", ru="График не найден."),
                               field="schedule")
            before = _schedule_audit(row)
            session.delete(row)
            audit.record(session, actor=actor, action="delete_schedule",
                         entity="reception_schedule", entity_id=schedule_id, at=now,
                         before=before)

    def add_extra(self, official: str, *, actor: str, day: date, starts: str, ends: str,
                  order_number: str, order_date: date, video_link: bool = False) -> ExtraInfo:
        """A reception outside the schedule by order, with the date stated (002 §9)."""
        hours = ReceptionHours(_hhmm(starts, "starts"), _hhmm(ends, "ends"))
        number = _text(order_number, "order_number", limit=80)
        ExtraReception(day, hours, number)  # the domain refuses a reception with no order
        calendar = self.calendar
        if not calendar.is_working_day(day):
            raise NonWorkingDay(f"{day} is not a working day",
                                Bilingual(kk="{day} — жұмыс күні емес.",
                                          ru="{day} — нерабочий день.").format(
                                    day=day.strftime("%d.%m.%Y")), field="day")
        now = self._clock.now()
        with self._db.write() as session:
            self._official(session, official)
            row = ExtraReceptionRow(official=official, day=day, starts=starts, ends=ends,
                                    order_number=number, order_date=order_date,
                                    video_link=video_link, created_at=now)
            session.add(row)
            session.flush()
            audit.record(session, actor=actor, action="add_extra_reception",
                         entity="reception_extra", entity_id=row.id, at=now,
                         after={"official": official, "day": day.isoformat(),
                                "starts": starts, "ends": ends, "order_number": number,
                                "order_date": order_date.isoformat(),
                                "video_link": video_link})
            return _extra_info(row)

    @staticmethod
    def _schedule_for(session: Session, official: str, day: date) -> tuple[
            ReceptionSchedule | None, ReceptionScheduleRow | None, list[ExtraReceptionRow]]:
        """The domain schedule of ``official`` that applies on ``day``: the latest
        approved schedule valid that day, with the receptions by order on it; none on
        a day the official declared they cannot receive."""
        if ReceptionService._absence(session, official, day) is not None:
            return None, None, []
        approved = session.scalars(select(ReceptionScheduleRow).where(
            ReceptionScheduleRow.official == official, ReceptionScheduleRow.valid_from <= day,
            or_(ReceptionScheduleRow.valid_to.is_(None), ReceptionScheduleRow.valid_to >= day))
            .order_by(ReceptionScheduleRow.approved_on.desc(),
                      ReceptionScheduleRow.id.desc())).first()
        extras = list(session.scalars(select(ExtraReceptionRow).where(
            ExtraReceptionRow.official == official, ExtraReceptionRow.day == day)))
        extra = tuple(ExtraReception(e.day, ReceptionHours(_hhmm(e.starts, "starts"),
                                                            _hhmm(e.ends, "ends")),
                                     _order_text(e)) for e in extras)
        if approved is not None:
            schedule = ReceptionSchedule(
                official, ReceptionHours(_hhmm(approved.starts, "starts"),
                                         _hhmm(approved.ends, "ends")),
                frozenset(approved.weekdays),
                frozenset(date.fromisoformat(d) for d in approved.dates), extra,
                approved.slot_minutes)
        elif extra:
            schedule = ReceptionSchedule(official, extra[0].hours, extra=extra)
        else:
            schedule = None
        return schedule, approved, extras

    @staticmethod
    def _absence(session: Session, official: str, day: date) -> OfficialAbsenceRow | None:
        return session.scalars(select(OfficialAbsenceRow).where(
            OfficialAbsenceRow.official == official, OfficialAbsenceRow.day == day)).first()

    def absences(self, official: str, *, since: date) -> list[dict[str, Any]]:
        """The days from ``since`` on that ``official`` cannot receive, with the reason."""
        with self._db.read() as session:
            rows = session.scalars(select(OfficialAbsenceRow).where(
                OfficialAbsenceRow.official == official, OfficialAbsenceRow.day >= since)
                .order_by(OfficialAbsenceRow.day))
            return [{"day": r.day, "reason": r.reason} for r in rows]

    # ------------------------------------------------------------ public schedule

    def public_schedule(self, month: date) -> list[PublicEntry]:
        """Every active official's receptions in the month of ``month`` (002 §8)."""
        calendar = self.calendar
        first = month.replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        entries = []
        with self._db.read() as session:
            officials = session.scalars(select(OfficialRow).where(
                OfficialRow.active.is_(True)).order_by(OfficialRow.position, OfficialRow.code))
            for row in officials:
                sessions: list[PublicSession] = []
                day = first
                while day < following:
                    schedule, approved, extras = self._schedule_for(session, row.code, day)
                    if schedule is not None:
                        for hours in schedule.sessions(day, calendar):
                            by_order = next((e for e in extras
                                             if _hhmm(e.starts, "starts") == hours.starts
                                             and _hhmm(e.ends, "ends") == hours.ends), None)
                            regular = approved is not None and hours == schedule.hours and (
                                day.weekday() in schedule.weekdays or day in schedule.dates)
                            order = None if regular or by_order is None else _order_text(
                                by_order)
                            video = (by_order.video_link if by_order is not None and not regular
                                     else approved is not None and approved.video_link)
                            sessions.append(PublicSession(
                                day, hours.starts.strftime("%H:%M"),
                                hours.ends.strftime("%H:%M"), order, video))
                    day += timedelta(days=1)
                info = _official_info(row)
                entries.append(PublicEntry(code=row.code, state_body=info.state_body,
                                           full_name=row.full_name, position=info.position,
                                           location=info.location, phone=row.phone,
                                           email=row.email, sessions=sessions))
        return entries

    # ------------------------------------------------------------ requests

    def register(self, *, actor: str, channel: str, iin: str, full_name: str, phone: str,
                 language: str, essence: str, received_at: datetime | None = None,
                 email: str | None = None, representative: dict[str, str] | None = None,
                 official_asked: str | None = None, interpreter_language: str | None = None,
                 video_link: bool = False) -> RequestInfo:
        """Register a request from any channel (002 §4, 004 §4); oral and phone ones
        also go into the separate protocol (002 §21)."""
        now = self._clock.now()
        calendar = self.calendar
        received = received_at or now
        if received > now:
            raise ValidationFailed("a request cannot arrive in the future",
                                   Bilingual(kk="Өтініштің келіп түскен уақыты әлі келмеген.",
                                             ru="Время поступления ещё не наступило."),
                                   field="received_at")
        today = calendar.service_day(now)
        try:
            the_channel = Channel(channel)
        except ValueError as error:
            raise ValidationFailed(f"unknown channel {channel!r}",
                                   Bilingual(kk="Белгісіз түсу арнасы.",
                                             ru="Неизвестный канал поступления."),
                                   field="channel") from error
        applicant_iin = parse_iin(iin, today=today)
        rep = None
        if representative:
            try:
                rep_iin = parse_iin(representative.get("iin", ""), today=today)
            except InvalidIin as error:
                error.field = "representative.iin"
                raise
            rep = Representative(full_name=representative.get("full_name", ""), iin=rep_iin,
                                 basis=representative.get("basis", ""))
        applicant = Applicant(iin=applicant_iin, full_name=_text(full_name, "full_name"),
                              phone=Phone.parse(phone), language=Language(language),
                              representative=rep, email=_text(email, "email", limit=254) or None)
        with self._db.write() as session:
            if official_asked:
                self._official(session, official_asked)
            request = register_request(
                number=f"new-{secrets.token_hex(8)}", channel=the_channel, applicant=applicant,
                essence=_text(essence, "essence", limit=4000), received_at=received,
                registered_at=now, registered_by=actor, calendar=calendar,
                profile=self.profile, official_asked=official_asked or None,
                interpreter_language=_text(interpreter_language, "interpreter_language",
                                           limit=40) or None, video_link=video_link)
            row = BookingRequestRow(
                number=request.number, channel=the_channel.value, received_at=received,
                registered_at=now, registered_on=request.registered_on, registered_by=actor,
                profile=self.profile.name, applicant_iin=applicant.iin.value,
                applicant_name=applicant.full_name, applicant_phone=applicant.phone.value,
                applicant_email=applicant.email, language=applicant.language.value,
                representative=None if rep is None else {
                    "full_name": rep.full_name, "iin": rep.iin.value, "basis": rep.basis},
                essence=request.essence, official_asked=request.official_asked,
                interpreter_language=request.interpreter_language, video_link=video_link,
                state=request.state.value, draft_grounds=[], refusal_grounds=[],
                extensions=[], moved_bookings=[], late_cancellations=[], updated_at=now)
            session.add(row)
            session.flush()
            row.number = request.number = f"{request.registered_on.year}-{row.id:06d}"
            _store(row, request, session, now, 0)
            if request.oral_protocol:
                session.add(OralProtocolRow(request_id=row.id, channel=the_channel.value,
                                            spoken_at=received, recorded_by=actor,
                                            summary=request.essence))
            audit.record(session, actor=actor, action="register_request",
                         entity="reception_request", entity_id=row.number, at=now,
                         after=_audit_view(request, row))
            session.flush()
            return self._info(session, row, calendar, now, with_history=True)

    def get(self, number: str) -> RequestInfo:
        with self._db.read() as session:
            row = self._request(session, number)
            return self._info(session, row, self.calendar, self._clock.now(), with_history=True)

    def list_requests(self, *, states: Iterable[str] = (), official: str | None = None,
                      overdue: bool | None = None, due_soon: bool | None = None
                      ) -> list[RequestInfo]:
        """Requests with their next deadline, the earliest due first; those with
        nothing due come last."""
        calendar, now = self.calendar, self._clock.now()
        with self._db.read() as session:
            query = select(BookingRequestRow).order_by(BookingRequestRow.id)
            wanted = [RequestState(s).value for s in states]
            if wanted:
                query = query.where(BookingRequestRow.state.in_(wanted))
            if official:
                query = query.where(or_(BookingRequestRow.official_asked == official,
                                        BookingRequestRow.official == official,
                                        BookingRequestRow.booked_official == official))
            rows = list(session.scalars(query))
            steps = self._steps(session, [r.id for r in rows])
            found = [self._info_from(r, steps.get(r.id, []), calendar, now) for r in rows]
        if overdue is not None:
            found = [i for i in found if (i.next_deadline is not None
                                          and i.next_deadline.overdue) == overdue]
        if due_soon is not None:
            found = [i for i in found if (i.next_deadline is not None
                                          and i.next_deadline.due_soon) == due_soon]
        far = date.max
        return sorted(found, key=lambda i: (i.next_deadline.due if i.next_deadline else far,
                                            i.received_at))

    def oral_protocol(self) -> list[dict[str, Any]]:
        """The protocol of oral and phone requests (002 §21), oldest first."""
        with self._db.read() as session:
            rows = session.execute(select(OralProtocolRow, BookingRequestRow).join(
                BookingRequestRow, BookingRequestRow.id == OralProtocolRow.request_id)
                .order_by(OralProtocolRow.id)).all()
            return [{"number": req.number, "channel": entry.channel,
                     "spoken_at": entry.spoken_at, "recorded_by": entry.recorded_by,
                     "applicant_name": req.applicant_name, "summary": entry.summary}
                    for entry, req in rows]

    # ------------------------------------------------------------ decisions

    def decide(self, number: str, action: str, *, actor: str, **values: Any) -> RequestInfo:
        """Take one step of the procedure on request ``number`` (see ``DECISIONS``)."""
        handler = DECISIONS.get(action)
        if handler is None:
            raise ValidationFailed(f"unknown step {action!r}",
                                   Bilingual(kk="Белгісіз әрекет.", ru="Неизвестное действие."),
                                   field="action")
        calendar, now = self.calendar, self._clock.now()
        try:
            with self._db.write() as session:
                row = self._request(session, number)
                steps = self._steps(session, [row.id]).get(row.id, [])
                request = _to_domain(row, steps)
                before = _audit_view(request, row)
                handler(self, session, request, calendar, now, actor, values)
                _store(row, request, session, now, len(steps))
                last = request.history[-1]
                after = _audit_view(request, row) | {
                    "step": action, "note": last.note if last.at == now else None}
                session.flush()
                audit.record(session, actor=actor, action=f"request_{action}",
                             entity="reception_request", entity_id=row.number, at=now,
                             before=before, after=after)
                self._tell(session, action, row, request, calendar, now, actor, values)
                return self._info(session, row, calendar, now, with_history=True)
        except IntegrityError as error:
            raise _slot_taken(values.get("starts_at")) from error
        except StaleDataError as error:
            raise Conflict(f"request {number} was changed by someone else meanwhile",
                           Bilingual(kk="Өтінішті осы уақытта басқа қызметкер өзгертті — "
                                        "бетті жаңартып, қайталаңыз.",
                                     ru="Обращение тем временем изменил другой работник — "
                                        "обновите страницу и повторите."),
                           field="number") from error

    def cancel_day(self, official: str, day: date, *, actor: str, reason: str) -> list[str]:
        """The official cannot receive on ``day`` (002 §16): the day is kept as an
        absence, so nothing is booked on it again, every booking of that day is moved,
        to be booked again, and the applicants are told."""
        calendar, now = self.calendar, self._clock.now()
        reason = reason.strip()
        if not reason:
            raise ValidationFailed("the reason of an official's absence is required",
                                   Bilingual(kk="Себебін көрсетіңіз.",
                                             ru="Укажите причину."), field="reason")
        moved = []
        with self._db.write() as session:
            self._official(session, official, lock=True)
            if self._absence(session, official, day) is None:
                session.add(OfficialAbsenceRow(official=official, day=day, reason=reason,
                                               created_by=actor, created_at=now))
                audit.record(session, actor=actor, action="official_absent",
                             entity="reception_official", entity_id=official, at=now,
                             after={"day": day.isoformat(), "reason": reason})
            start = datetime.combine(day, time(0), tzinfo=calendar.tz)
            rows = list(session.scalars(select(BookingRequestRow).where(
                BookingRequestRow.booked_official == official,
                BookingRequestRow.state == S.APPROVED.value,
                BookingRequestRow.booked_starts_at >= start,
                BookingRequestRow.booked_starts_at < start + timedelta(days=1))
                .order_by(BookingRequestRow.booked_starts_at)))
            steps = self._steps(session, [r.id for r in rows])
            for row in rows:
                known = steps.get(row.id, [])
                request = _to_domain(row, known)
                before = _audit_view(request, row)
                request.move(now, actor=actor, calendar=calendar, reason=reason)
                _store(row, request, session, now, len(known))
                audit.record(session, actor=actor, action="request_move",
                             entity="reception_request", entity_id=row.number, at=now,
                             before=before, after=_audit_view(request, row) | {
                                 "step": "move", "note": request.history[-1].note})
                self._tell(session, "move", row, request, calendar, now, actor)
                moved.append(row.number)
        return moved

    def place(self, official: str, *, actor: str, first_day: date,
              last_day: date) -> dict[str, Any]:
        """Book the approved (and moved) requests of ``official`` that wait for a slot
        into the schedule, in order of arrival (002 §24, 004 §28)."""
        calendar, now = self.calendar, self._clock.now()
        today = calendar.service_day(now)
        first_day, last_day = placement_days(first_day, last_day, earliest=today)
        # No day whose final list is already closed.
        while terms.final_list_due(first_day, self.profile, calendar) < today:
            first_day += timedelta(days=1)
        assigned: dict[str, str] = {}
        with self._db.write() as session:
            self._official(session, official, lock=True)
            rows = list(session.scalars(select(BookingRequestRow).where(
                or_(BookingRequestRow.official == official,
                    BookingRequestRow.official_asked == official),
                BookingRequestRow.state.in_((S.APPROVED.value, S.MOVED.value)),
                BookingRequestRow.booked_starts_at.is_(None))))
            by_number = {r.number: r for r in rows}
            steps = self._steps(session, [r.id for r in rows])
            requests = {r.number: _to_domain(r, steps.get(r.id, [])) for r in rows}
            waiting = [WaitingRequest(n, r.received_at) for n, r in requests.items()
                       if (r.official or r.official_asked) == official]
            day = first_day
            while waiting and day <= last_day:
                schedule, _, _ = self._schedule_for(session, official, day)
                if schedule is not None:
                    placement = place_in_arrival_order(
                        waiting, schedule, calendar, first_day=day, last_day=day,
                        taken=self._taken(session, official, day, calendar))
                    for number, slot in placement.assigned:
                        row, request = by_number[number], requests[number]
                        before = _audit_view(request, row)
                        known = len(request.history)
                        request.book(now, actor=actor, calendar=calendar, booking=slot)
                        _store(row, request, session, now, known)
                        session.flush()
                        audit.record(session, actor=actor, action="request_book",
                                     entity="reception_request", entity_id=number, at=now,
                                     before=before, after=_audit_view(request, row) | {
                                         "step": "place"})
                        self._tell(session, "place", row, request, calendar, now, actor)
                        assigned[number] = calendar.local(slot.starts_at).isoformat()
                    left = set(placement.unplaced)
                    waiting = [w for w in waiting if w.key in left]
                day += timedelta(days=1)
        return {"assigned": assigned, "unplaced": [w.key for w in waiting]}

    def final_list(self, day: date, official: str | None = None) -> dict[str, Any]:
        """The final list of persons to be received on ``day`` (000 §13), due 2
        working days before it."""
        calendar = self.calendar
        start = datetime.combine(day, time(0), tzinfo=calendar.tz)
        with self._db.read() as session:
            query = select(BookingRequestRow, OfficialRow).join(
                OfficialRow, OfficialRow.code == BookingRequestRow.booked_official).where(
                BookingRequestRow.state.in_(ON_THE_LIST),
                BookingRequestRow.booked_starts_at >= start,
                BookingRequestRow.booked_starts_at < start + timedelta(days=1)).order_by(
                OfficialRow.position, OfficialRow.code, BookingRequestRow.booked_starts_at)
            if official:
                query = query.where(BookingRequestRow.booked_official == official)
            entries = []
            for row, who in session.execute(query).all():
                assert row.booked_starts_at is not None and row.booked_ends_at is not None
                rep = row.representative
                entries.append(FinalListEntry(
                    number=row.number, official=who.code, official_name=who.full_name,
                    starts_at=row.booked_starts_at, ends_at=row.booked_ends_at,
                    applicant_name=row.applicant_name, language=row.language,
                    representative=rep["full_name"] if rep else None,
                    interpreter_language=row.interpreter_language,
                    video_link=row.video_link, essence=row.essence, state=row.state))
        return {"day": day, "due": terms.final_list_due(day, self.profile, calendar),
                "entries": entries}

    # ------------------------------------------------------------ helpers

    def _tell(self, session: Session, step: str, row: BookingRequestRow,
              request: BookingRequest, calendar: WorkCalendar, now: datetime, actor: str,
              values: dict[str, Any] | None = None) -> None:
        """Queue the letter telling the applicant of ``step`` (issue 7 item 6),
        in the decision's own transaction: both commit, or neither."""
        if self.letters is not None:
            self.letters.queue_step(session, step, row, request, calendar, now, actor, values)

    @staticmethod
    def _request(session: Session, number: str) -> BookingRequestRow:
        row = session.scalars(select(BookingRequestRow).where(
            BookingRequestRow.number == number)).first()
        if row is None:
            raise NotFound(f"no booking request {number!r}",
                           Bilingual(kk="Өтініш табылмады.", ru="Обращение не найдено."),
                           field="number")
        return row

    @staticmethod
    def _steps(session: Session, ids: list[int]) -> dict[int, list[RequestTransitionRow]]:
        found: dict[int, list[RequestTransitionRow]] = {}
        if not ids:
            return found
        for step in session.scalars(select(RequestTransitionRow).where(
                RequestTransitionRow.request_id.in_(ids)).order_by(
                RequestTransitionRow.request_id, RequestTransitionRow.seq)):
            found.setdefault(step.request_id, []).append(step)
        return found

    @staticmethod
    def _taken(session: Session, official: str, day: date, calendar: WorkCalendar,
               *, other_than: int | None = None) -> list[Slot]:
        start = datetime.combine(day, time(0), tzinfo=calendar.tz)
        query = select(BookingRequestRow).where(
            BookingRequestRow.booked_official == official,
            BookingRequestRow.state.in_(HOLDING),
            BookingRequestRow.booked_starts_at >= start,
            BookingRequestRow.booked_starts_at < start + timedelta(days=1))
        if other_than is not None:
            query = query.where(BookingRequestRow.id != other_than)
        taken = []
        for row in session.scalars(query):
            assert row.booked_starts_at is not None and row.booked_ends_at is not None
            taken.append(Slot(row.booked_starts_at, row.booked_ends_at, official))
        return taken

    def slot_for(self, session: Session, official: str, starts_at: datetime,
                 calendar: WorkCalendar, *, request_id: int | None = None) -> Slot:
        """The slot of ``official`` starting at ``starts_at``, checked by the domain:
        a working day, within the schedule, not taken. The official's row is
        locked first so two bookings of one official queue up."""
        self._official(session, official, lock=True)
        if starts_at.tzinfo is None:
            starts_at = starts_at.replace(tzinfo=calendar.tz)
        day = calendar.local(starts_at).date()
        schedule, _, _ = self._schedule_for(session, official, day)
        if schedule is None:
            absence = self._absence(session, official, day)
            if absence is not None:
                raise OfficialAbsent(
                    f"{official} does not receive on {day}",
                    Bilingual(kk="Лауазымды адам {day} күні қабылдамайды: {reason}",
                              ru="Должностное лицо не принимает {day}: {reason}").format(
                        day=day.strftime("%d.%m.%Y"), reason=absence.reason),
                    field="slot.starts_at", day=day.isoformat())
            if not calendar.is_working_day(day):
                raise NonWorkingDay(f"{day} is not a working day",
                                    Bilingual(kk="{day} — жұмыс күні емес, бұл күні "
                                                 "қабылдау жоқ.",
                                              ru="{day} — нерабочий день, приема нет.").format(
                                        day=day.strftime("%d.%m.%Y")),
                                    field="slot.starts_at", day=day.isoformat())
            raise OutsideReceptionHours(
                f"{official} has no approved schedule on {day}",
                Bilingual(kk="Бұл күнге лауазымды адамның бекітілген кестесі жоқ.",
                          ru="На этот день нет утверждённого графика должностного лица."),
                field="slot.starts_at", day=day.isoformat())
        slot = Slot(starts_at, starts_at + timedelta(minutes=schedule.slot_minutes), official)
        return book_slot(slot, schedule, calendar,
                         self._taken(session, official, day, calendar, other_than=request_id))

    def _info(self, session: Session, row: BookingRequestRow, calendar: WorkCalendar,
              now: datetime, *, with_history: bool = False) -> RequestInfo:
        steps = self._steps(session, [row.id]).get(row.id, [])
        return self._info_from(row, steps, calendar, now, with_history=with_history)

    @staticmethod
    def _info_from(row: BookingRequestRow, steps: list[RequestTransitionRow],
                   calendar: WorkCalendar, now: datetime, *,
                   with_history: bool = False) -> RequestInfo:
        request = _to_domain(row, steps)
        status: DeadlineStatus | None = next_deadline(request, calendar, now)
        deadline = None
        if status is not None:
            deadline = NextDeadline(kind=status.deadline.kind.value,
                                    name=status.deadline.name.as_dict(),
                                    due=status.deadline.due, citation=status.deadline.citation,
                                    overdue=status.overdue, due_soon=status.due_soon,
                                    working_days_left=status.working_days_left)
        booking = None
        if request.booking is not None:
            booking = BookingInfo(official=request.booking.official,
                                  starts_at=calendar.local(request.booking.starts_at),
                                  ends_at=calendar.local(request.booking.ends_at),
                                  code=row.booking_code)
        rep = request.applicant.representative
        return RequestInfo(
            number=row.number, channel=row.channel, oral_protocol=request.oral_protocol,
            state=request.state.value, state_name=STATE_NAMES[request.state].as_dict(),
            received_at=calendar.local(row.received_at), registered_on=row.registered_on,
            registration_due=request.registration_due(calendar),
            answer_due=request.answer_deadline(calendar).due, profile=row.profile,
            applicant_iin=row.applicant_iin, applicant_name=row.applicant_name,
            applicant_phone=request.applicant.phone.display,
            applicant_email=row.applicant_email, language=row.language,
            representative=None if rep is None else {
                "full_name": rep.full_name, "iin": rep.iin.value, "basis": rep.basis},
            essence=row.essence, official_asked=row.official_asked, official=row.official,
            interpreter_language=row.interpreter_language, video_link=row.video_link,
            considered_for=row.considered_for, refusal_grounds=list(row.refusal_grounds),
            booking=booking, next_deadline=deadline,
            history=[HistoryStep(s.source, s.target, calendar.local(s.at), s.actor, s.note,
                                 s.event) for s in steps] if with_history else [])


def _slot_taken(starts_at: object) -> SlotTaken:
    return SlotTaken("the slot was booked by another request at the same moment",
                     Bilingual(kk="Бұл уақытқа басқа өтініш беруші жазылып үлгерді.",
                               ru="На это время только что записан другой заявитель."),
                     field="slot.starts_at",
                     taken=starts_at.isoformat() if isinstance(starts_at, datetime) else None)


# --------------------------------------------------------------------------- steps

Handler = Callable[["ReceptionService", Session, BookingRequest, WorkCalendar, datetime, str,
                    dict[str, Any]], None]


def _opt(values: dict[str, Any], name: str) -> Any:
    value = values.get(name)
    return None if value == "" else value


def _leave(svc: ReceptionService, session: Session, r: BookingRequest, cal: WorkCalendar,
           now: datetime, actor: str, v: dict[str, Any]) -> None:
    r.leave_without_consideration(now, actor=actor, note=v.get("note") or "")


def _ask_correction(svc: ReceptionService, session: Session, r: BookingRequest,
                    cal: WorkCalendar, now: datetime, actor: str, v: dict[str, Any]) -> None:
    r.ask_correction(now, actor=actor, defects=v.get("defects") or "", calendar=cal)


def _accept_correction(svc: ReceptionService, session: Session, r: BookingRequest,
                       cal: WorkCalendar, now: datetime, actor: str, v: dict[str, Any]) -> None:
    r.accept_correction(now, actor=actor, calendar=cal, essence=_opt(v, "essence"),
                        note=_opt(v, "note"))


def _return(svc: ReceptionService, session: Session, r: BookingRequest, cal: WorkCalendar,
            now: datetime, actor: str, v: dict[str, Any]) -> None:
    r.return_uncorrected(now, actor=actor, calendar=cal)


def _start_review(svc: ReceptionService, session: Session, r: BookingRequest,
                  cal: WorkCalendar, now: datetime, actor: str, v: dict[str, Any]) -> None:
    r.start_review(now, actor=actor, considered_for=_opt(v, "considered_for"))


def _note(svc: ReceptionService, session: Session, r: BookingRequest, cal: WorkCalendar,
          now: datetime, actor: str, v: dict[str, Any]) -> None:
    official = _opt(v, "official")
    if official:
        svc._official(session, official)
    try:
        proposal = Proposal(v.get("proposal") or "")
    except ValueError as error:
        raise ValidationFailed("proposal: date or refusal",
                               Bilingual(kk="Ұсынысты таңдаңыз: күн немесе бас тарту.",
                                         ru="Выберите предложение: дата или отказ."),
                               field="proposal") from error
    r.make_note(now, actor=actor, calendar=cal, proposal=proposal,
                proposed_day=_opt(v, "proposed_day"), official=official,
                grounds=v.get("grounds") or (), note=_opt(v, "note"))


def _extend(svc: ReceptionService, session: Session, r: BookingRequest, cal: WorkCalendar,
            now: datetime, actor: str, v: dict[str, Any]) -> None:
    try:
        kind = ExtensionKind(v.get("kind") or "")
    except ValueError as error:
        raise ValidationFailed("kind: thirty_days or motivated",
                               Bilingual(kk="Ұзарту түрін таңдаңыз.",
                                         ru="Выберите вид продления."), field="kind") from error
    r.extend(now, actor=actor, calendar=cal, kind=kind, reason=v.get("reason") or "",
             decision=_opt(v, "decision"))


def _extension_notice(svc: ReceptionService, session: Session, r: BookingRequest,
                      cal: WorkCalendar, now: datetime, actor: str, v: dict[str, Any]) -> None:
    r.record_extension_notice(now, actor=actor)


def _draft_refusal(svc: ReceptionService, session: Session, r: BookingRequest,
                   cal: WorkCalendar, now: datetime, actor: str, v: dict[str, Any]) -> None:
    r.send_draft_refusal(now, actor=actor, calendar=cal, grounds=v.get("grounds") or None,
                         note=_opt(v, "note"))


def _refuse(svc: ReceptionService, session: Session, r: BookingRequest, cal: WorkCalendar,
            now: datetime, actor: str, v: dict[str, Any]) -> None:
    r.refuse(now, actor=actor, calendar=cal, explanation=v.get("explanation") or "",
             grounds=v.get("grounds") or None)


def _approve(svc: ReceptionService, session: Session, r: BookingRequest, cal: WorkCalendar,
             now: datetime, actor: str, v: dict[str, Any]) -> None:
    official = _opt(v, "official") or (r.note.official if r.note else None) or r.official_asked
    starts_at = _opt(v, "starts_at")
    slot = None
    if starts_at is not None and official:
        slot = svc.slot_for(session, official, starts_at, cal, request_id=r.id)
    elif official:
        svc._official(session, official)
    r.approve(now, actor=actor, calendar=cal, official=official, booking=slot,
              note=_opt(v, "note"))


def _book(svc: ReceptionService, session: Session, r: BookingRequest, cal: WorkCalendar,
          now: datetime, actor: str, v: dict[str, Any]) -> None:
    official = _opt(v, "official") or r.official or r.official_asked
    starts_at = _opt(v, "starts_at")
    if not official or starts_at is None:
        raise ValidationFailed("a booking names its official and start time",
                               Bilingual(kk="Қабылдау уақыты көрсетілмеген.",
                                         ru="Не указано время приема."), field="starts_at")
    slot = svc.slot_for(session, official, starts_at, cal, request_id=r.id)
    r.book(now, actor=actor, calendar=cal, booking=slot)


def _move(svc: ReceptionService, session: Session, r: BookingRequest, cal: WorkCalendar,
          now: datetime, actor: str, v: dict[str, Any]) -> None:
    r.move(now, actor=actor, calendar=cal, reason=v.get("reason") or "")


def _check_in(svc: ReceptionService, session: Session, r: BookingRequest, cal: WorkCalendar,
              now: datetime, actor: str, v: dict[str, Any]) -> None:
    r.check_in(now, actor=actor, calendar=cal)


def _received(svc: ReceptionService, session: Session, r: BookingRequest, cal: WorkCalendar,
              now: datetime, actor: str, v: dict[str, Any]) -> None:
    r.mark_received(now, actor=actor, note=_opt(v, "note"))


def _absent(svc: ReceptionService, session: Session, r: BookingRequest, cal: WorkCalendar,
            now: datetime, actor: str, v: dict[str, Any]) -> None:
    r.mark_absent(now, actor=actor, note=_opt(v, "note"))


def _close(svc: ReceptionService, session: Session, r: BookingRequest, cal: WorkCalendar,
           now: datetime, actor: str, v: dict[str, Any]) -> None:
    r.close(now, actor=actor, note=_opt(v, "note"))


DECISIONS: dict[str, Handler] = {
    "leave-without-consideration": _leave,
    "ask-correction": _ask_correction,
    "accept-correction": _accept_correction,
    "return-uncorrected": _return,
    "start-review": _start_review,
    "note": _note,
    "extend": _extend,
    "extension-notice": _extension_notice,
    "draft-refusal": _draft_refusal,
    "refuse": _refuse,
    "approve": _approve,
    "book": _book,
    "move": _move,
    "check-in": _check_in,
    "received": _received,
    "absent": _absent,
    "close": _close,
}
