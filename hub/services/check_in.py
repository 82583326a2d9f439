"""Check-in on the day of a personal reception (issue 7, item 7; 000 §13).

A booking code typed at reception, or scanned from the letter's QR at the
ticket terminal, produces a Personal reception ticket tied to the booking: it
carries the booked slot's start as ``booked_for`` and the official's desk as
``target_desk``, so only that desk calls it, ahead of walk-ins from its time
(``hub.domain.ordering``). The booking moves to checked-in through the domain
state machine, with an audit row and a check-in record holding the ticket.

Windows come from the settings (``HubSettings.check_in``): too early is
refused with the time to come back; too late is refused, the booking flagged
late and the visitor sent to reception; a booking of another day is refused
naming its date. After the slot plus the late window with no check-in the
booking is marked absent (``mark_absentees``, run every minute by the app).

The ticket is issued first (its own transaction, by the queue's group
commit) with the booking code as its idempotency key, then the booking is
moved: a second check-in, even one racing the first, gets the same ticket.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from hub.domain.calendar import WorkCalendar
from hub.domain.center import CenterConfig, Desk, ZoneKind
from hub.domain.errors import Conflict, DomainError, NotFound
from hub.domain.reception.requests import STATE_NAMES, RequestState
from hub.domain.text import Bilingual
from hub.services import audit
from hub.services.center_store import CenterStore
from hub.services.clock import Clock
from hub.services.queue import QueueService
from hub.services.reception import _audit_view, _store, _to_domain
from hub.services.views import TicketInfo
from hub.settings import CheckInWindows
from hub.storage.db import Database
from hub.storage.reception_day_models import CheckInRow
from hub.storage.reception_models import BookingRequestRow, OfficialRow, RequestTransitionRow

log = logging.getLogger("kezek.check_in")

# The queue scopes idempotency keys by actor; one fixed actor makes the booking
# code the key whoever checks the visitor in (reception, the terminal, a retry).
ISSUER = "reception_check_in"
SYSTEM_ACTOR = "system"
SOURCES = ("reception", "terminal")
S = RequestState


class UnknownBookingCode(NotFound):
    code = "check_in_unknown_code"


class CheckInTooEarly(Conflict):
    code = "check_in_too_early"


class CheckInTooLate(Conflict):
    code = "check_in_too_late"


class CheckInWrongDay(Conflict):
    code = "check_in_wrong_day"


class CheckInNotBooked(Conflict):
    code = "check_in_not_booked"


@dataclass(frozen=True, slots=True)
class CheckInResult:
    number: str  # the request's registration number
    official: str
    booked_for: datetime  # local time of the slot's start
    desk: str
    desk_label: dict[str, str]
    ticket: TicketInfo
    replayed: bool  # the booking was checked in before: the same ticket again


def normalise_code(code: str) -> str:
    """A code as typed or scanned: spaces and dashes dropped, upper case."""
    return "".join(ch for ch in code.strip().upper() if ch not in " -\t")


def _hhmm(moment: datetime) -> str:
    return moment.strftime("%H:%M")


def _ddmmyyyy(moment: datetime) -> str:
    return moment.strftime("%d.%m.%Y")


def _unknown(code: str) -> UnknownBookingCode:
    # The detail goes to logs and the stored replies: it never repeats what was scanned,
    # which may be an identity document carrying an IIN rather than a booking code.
    return UnknownBookingCode(
        f"no booking with the code given ({len(code)} characters)",
        Bilingual(kk="Мұндай жазылу коды табылмады. Кодты тексеріңіз немесе ресепшнге "
                     "жүгініңіз.",
                  ru="Код записи не найден. Проверьте код или обратитесь на ресепшн."),
        field="code")


def reception_zone(config: CenterConfig, desk: Desk) -> str:
    """The zone a booked visitor of `desk` waits in: its personal reception zone."""
    for code in desk.zones:
        if config.zone(code).kind is ZoneKind.PERSONAL_RECEPTION:
            return code
    return desk.zones[0]


class CheckInService:
    def __init__(self, db: Database, centers: CenterStore, clock: Clock, queue: QueueService,
                 windows: CheckInWindows | None = None) -> None:
        self._db = db
        self._centers = centers
        self._clock = clock
        self._queue = queue
        self.windows = windows or CheckInWindows()

    @property
    def early(self) -> timedelta:
        return timedelta(minutes=self.windows.early_minutes)

    @property
    def late(self) -> timedelta:
        return timedelta(minutes=self.windows.late_minutes)

    # ------------------------------------------------------------ check-in

    def check_in(self, code: str, *, actor: str, source: str = "reception",
                 admit_late: bool = False,
                 zone_check: Callable[[str], None] | None = None) -> CheckInResult:
        """Check the booking with `code` in and give its ticket (the same one again
        if it was checked in before). Refusals write nothing, except the late flag.
        `admit_late`: a reception worker lets in a visitor who came after the window
        (the official agreed); the terminal never does. `zone_check` is given the zone
        the ticket waits in before anything is written, and raises to refuse (a
        terminal outside its recorded zones)."""
        if admit_late and source != "reception":
            raise ValueError("only reception admits a late visitor")
        code = normalise_code(code)
        if not code:
            raise _unknown(code)
        snap = self._centers.snapshot()
        calendar, now = snap.calendar, self._clock.now()
        with self._db.read() as session:
            row = session.scalars(select(BookingRequestRow).where(
                BookingRequestRow.booking_code == code)).first()
            if row is None:
                raise _unknown(code)
            record = session.scalars(select(CheckInRow).where(
                CheckInRow.request_id == row.id)).first()
            official = (session.get(OfficialRow, row.booked_official)
                        if row.booked_official else None)
            request_id, number, state = row.id, row.number, RequestState(row.state)
            starts, language = row.booked_starts_at, row.language
            official_code = row.booked_official or ""
            desk_code = official.desk if official is not None else None
            ticket_id = record.ticket_id if record is not None else None
        if ticket_id is not None:
            given = self._queue.get(ticket_id)
            if zone_check is not None:
                zone_check(given.zone)
            return self._result(snap.config, calendar, number, official_code,
                                starts, desk_code, given, replayed=True)
        if zone_check is not None and desk_code is not None:
            zone_check(reception_zone(snap.config, snap.config.desk(desk_code)))
        if state not in (S.APPROVED, S.CHECKED_IN) or starts is None:
            name = STATE_NAMES[state]
            raise CheckInNotBooked(
                f"request {number} is {state.value}: nothing to check in",
                Bilingual(kk=f"Бұл жазылу бойынша тіркелу мүмкін емес: өтініш «{name.kk}» "
                             "күйінде. Ресепшнге жүгініңіз.",
                          ru=f"По этой записи отметиться нельзя: обращение в состоянии "
                             f"«{name.ru}». Обратитесь на ресепшн."),
                field="code", state=state.value)
        local_start = calendar.local(starts)
        if local_start.date() != calendar.service_day(now):
            when = f"{_ddmmyyyy(local_start)}, {_hhmm(local_start)}"
            raise CheckInWrongDay(
                f"the reception is booked for {local_start.date()}, not today",
                Bilingual(kk=f"Жеке қабылдау басқа күнге белгіленген: {when}.",
                          ru=f"Личный прием назначен на другой день: {when}."),
                field="code", booked_for=local_start.date().isoformat())
        if now < starts - self.early:
            back = calendar.local(starts - self.early)
            raise CheckInTooEarly(
                f"check-in opens at {back.isoformat()}",
                Bilingual(kk=f"Жеке қабылдауға тіркелу әлі ашылған жоқ. Қабылдау уақыты: "
                             f"{_hhmm(local_start)}. Қайта келу уақыты: {_hhmm(back)}.",
                          ru=f"Отметка на личный прием ещё не открыта. Время приема: "
                             f"{_hhmm(local_start)}. Подойдите снова не раньше "
                             f"{_hhmm(back)}."),
                field="code", opens_at=back.isoformat())
        late = now > starts + self.late
        if late:
            self._flag_late(request_id, number, actor=actor, source=source, now=now)
        if late and not admit_late:
            raise CheckInTooLate(
                f"check-in closed at {calendar.local(starts + self.late).isoformat()}",
                Bilingual(kk=f"Жеке қабылдауға тіркелу уақыты өтіп кетті (қабылдау уақыты: "
                             f"{_hhmm(local_start)}). Ресепшнге жүгініңіз.",
                          ru=f"Время отметки на личный прием истекло (прием был назначен на "
                             f"{_hhmm(local_start)}). Обратитесь на ресепшн."),
                field="code", booked_for=local_start.isoformat())
        if desk_code is None:
            raise Conflict(
                f"official {official_code} has no desk",
                Bilingual(kk="Лауазымды адамның кабинеті көрсетілмеген. Ресепшнге жүгініңіз.",
                          ru="У должностного лица не указан кабинет. Обратитесь на ресепшн."),
                field="code")
        desk = snap.config.desk(desk_code)
        issued = self._queue.issue(language=language, zone=reception_zone(snap.config, desk),
                                   idempotency_key=f"booking:{code}", source=f"check_in:{source}",
                                   actor=ISSUER, booked_for=starts, target_desk=desk.code)
        ticket = issued.ticket
        try:
            self._record(request_id, ticket, actor=actor, source=source, calendar=calendar)
        except (StaleDataError, IntegrityError, DomainError):
            # Checked in meanwhile by someone else (the same ticket), or refused.
            with self._db.read() as session:
                again = session.scalars(select(CheckInRow).where(
                    CheckInRow.request_id == request_id)).first()
                if again is None or again.ticket_id != ticket.id:
                    raise
            return self._result(snap.config, calendar, number, official_code,
                                starts, desk_code, self._queue.get(ticket.id), replayed=True)
        return self._result(snap.config, calendar, number, official_code, starts,
                            desk_code, ticket, replayed=False)

    def _record(self, request_id: int, ticket: TicketInfo, *, actor: str, source: str,
                calendar: WorkCalendar) -> None:
        """Move the booking to checked-in and keep its ticket, in one transaction."""
        now = self._clock.now()
        with self._db.write() as session:
            row = session.get(BookingRequestRow, request_id)
            assert row is not None
            steps = self._steps(session, request_id)
            request = _to_domain(row, steps)
            before = _audit_view(request, row)
            if request.state is not S.CHECKED_IN:
                request.check_in(now, actor=actor, calendar=calendar)
                _store(row, request, session, now, len(steps))
            record = session.scalars(select(CheckInRow).where(
                CheckInRow.request_id == request_id)).first()
            if record is None:
                record = CheckInRow(request_id=request_id, updated_at=now)
                session.add(record)
            elif record.ticket_id is not None and record.ticket_id != ticket.id:
                raise Conflict("checked in with another ticket",
                               Bilingual(kk="Бұл жазылу бойынша талон берілген.",
                                         ru="По этой записи талон уже выдан."), field="code")
            record.ticket_id = ticket.id
            record.checked_in_at = now
            record.checked_in_by = actor
            record.source = source
            record.updated_at = now
            session.flush()
            audit.record(session, actor=actor, action="reception_check_in",
                         entity="reception_request", entity_id=row.number, at=now,
                         before=before,
                         after=_audit_view(request, row) | {
                             "ticket": ticket.number, "ticket_id": ticket.id,
                             "zone": ticket.zone, "desk": ticket.target_desk,
                             "booked_for": ticket.booked_for.isoformat()
                             if ticket.booked_for else None,
                             "source": source, "late": record.late_at is not None})

    def _flag_late(self, request_id: int, number: str, *, actor: str, source: str,
                   now: datetime) -> None:
        """Keep that the visitor came after the window: reception sees to them."""
        with self._db.write() as session:
            record = session.scalars(select(CheckInRow).where(
                CheckInRow.request_id == request_id)).first()
            if record is None:
                record = CheckInRow(request_id=request_id, updated_at=now)
                session.add(record)
            first = record.late_at is None
            record.late_at = record.late_at or now
            record.source = source
            record.updated_at = now
            session.flush()
            if first:
                audit.record(session, actor=actor, action="reception_check_in_late",
                             entity="reception_request", entity_id=number, at=now,
                             before=None, after={"late": True, "source": source})

    @staticmethod
    def _steps(session: Session, request_id: int) -> list[RequestTransitionRow]:
        return list(session.scalars(select(RequestTransitionRow).where(
            RequestTransitionRow.request_id == request_id).order_by(RequestTransitionRow.seq)))

    @staticmethod
    def _result(config: CenterConfig, calendar: WorkCalendar, number: str, official: str,
                starts: datetime | None, desk_code: str | None, ticket: TicketInfo, *,
                replayed: bool) -> CheckInResult:
        desk = config.desk(ticket.target_desk or desk_code or "")
        return CheckInResult(number=number, official=official,
                             booked_for=calendar.local(ticket.booked_for or starts
                                                       or ticket.issued_at),
                             desk=desk.code, desk_label=desk.label.as_dict(), ticket=ticket,
                             replayed=replayed)

    def late_flagged(self, number: str) -> bool:
        with self._db.read() as session:
            found = session.execute(select(CheckInRow.late_at).join(
                BookingRequestRow, BookingRequestRow.id == CheckInRow.request_id).where(
                BookingRequestRow.number == number)).first()
            return found is not None and found[0] is not None

    # ------------------------------------------------------------ absentees

    def mark_absentees(self, *, actor: str = SYSTEM_ACTOR) -> list[str]:
        """Mark absent every booking whose slot plus the late window has passed with
        no check-in; returns their numbers. Each in its own transaction, so one
        booking changed meanwhile does not hold up the others."""
        now = self._clock.now()
        cutoff = now - self.late
        with self._db.read() as session:
            due = list(session.execute(select(BookingRequestRow.id, BookingRequestRow.number)
                                       .where(BookingRequestRow.state == S.APPROVED.value,
                                              BookingRequestRow.booked_starts_at.is_not(None),
                                              BookingRequestRow.booked_starts_at < cutoff)
                                       .order_by(BookingRequestRow.booked_starts_at)).all())
        marked = []
        for request_id, number in due:
            try:
                if self._mark_absent(request_id, actor=actor, now=now):
                    marked.append(number)
            except (StaleDataError, IntegrityError, DomainError) as error:
                log.warning("booking %s not marked absent: %s", number, error)
        return marked

    def _mark_absent(self, request_id: int, *, actor: str, now: datetime) -> bool:
        with self._db.write() as session:
            row = session.get(BookingRequestRow, request_id)
            if row is None or row.state != S.APPROVED.value:
                return False
            steps = self._steps(session, request_id)
            request = _to_domain(row, steps)
            before = _audit_view(request, row)
            late = session.scalars(select(CheckInRow.late_at).where(
                CheckInRow.request_id == request_id)).first()
            note = ("came after the check-in window; not received" if late is not None
                    else "no check-in by the end of the late window")
            request.mark_absent(now, actor=actor, note=note)
            _store(row, request, session, now, len(steps))
            session.flush()
            audit.record(session, actor=actor, action="reception_absent",
                         entity="reception_request", entity_id=row.number, at=now,
                         before=before, after=_audit_view(request, row) | {
                             "late": late is not None})
            return True
