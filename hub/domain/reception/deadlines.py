"""Deadlines of a booking request, computed on the center's working calendar
under a regulation profile. Pure functions of dates; nothing is stored.

Counting:

* a term of N working days from an event ends on the N-th working day after
  the event's day (the day itself is not counted): 15 working days from a
  registration on Monday 3 March end on the 15th working day after it;
* N working days *before* a day is the N-th working day before it;
* a term in calendar days or months ends on the day reached by the calendar,
  moved to the next working day if that is not a working day (when the
  profile says so, see ``RegulationProfile.calendar_terms_roll_forward``);
* a request received on a non-working day, or after closing time, counts as
  received on the next working day (002 §21); one received before opening
  counts for that day.

Offers ``DeadlineKind``, ``Deadline``, ``RequestDeadlines``, the single-term
functions (``receipt_day``, ``registration_due``, ``answer_due``, …) and
``compute_deadlines`` that gives them all at once.
"""

from __future__ import annotations

import calendar as _months
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from hub.domain.calendar import WorkCalendar
from hub.domain.reception.profiles import RegulationProfile, Term, TermUnit
from hub.domain.text import Bilingual

__all__ = [
    "DEADLINE_NAMES",
    "Deadline",
    "DeadlineKind",
    "RequestDeadlines",
    "add_term",
    "answer_due",
    "cancellation_notice_due",
    "central_body_notice_due",
    "compute_deadlines",
    "correction_due",
    "date_time_notice_due",
    "draft_refusal_due",
    "extended_answer_due",
    "extension_notice_due",
    "final_list_due",
    "hearing_ends",
    "motivated_answer_due",
    "receipt_day",
    "reference_note_due",
    "registration_due",
    "subtract_term",
]


class DeadlineKind(StrEnum):
    REGISTRATION = "registration"
    CORRECTION = "correction"
    REFERENCE_NOTE = "reference_note"
    DRAFT_REFUSAL = "draft_refusal"
    ANSWER = "answer"
    DATE_TIME_NOTICE = "date_time_notice"
    EXTENDED_ANSWER = "extended_answer"
    MOTIVATED_ANSWER = "motivated_answer"
    EXTENSION_NOTICE = "extension_notice"
    FINAL_LIST = "final_list"
    OFFICIAL_CANCELLATION = "official_cancellation"
    CENTRAL_BODY_NOTICE = "central_body_notice"
    RECEPTION = "reception"


DEADLINE_NAMES: dict[DeadlineKind, Bilingual] = {
    DeadlineKind.REGISTRATION: Bilingual(kk="Тіркеу", ru="Регистрация"),
    DeadlineKind.CORRECTION: Bilingual(kk="Өтінішті түзету", ru="Исправление обращения"),
    DeadlineKind.REFERENCE_NOTE: Bilingual(kk="Анықтамалық ақпарат",
                                           ru="Справочная информация"),
    DeadlineKind.DRAFT_REFUSAL: Bilingual(kk="Бас тарту жобасын тыңдауға жіберу",
                                          ru="Проект отказа для заслушивания"),
    DeadlineKind.ANSWER: Bilingual(kk="Өтініш берушіге жауап", ru="Ответ заявителю"),
    DeadlineKind.DATE_TIME_NOTICE: Bilingual(kk="Қабылдау күні мен уақытын хабарлау",
                                             ru="Сообщение даты и времени приема"),
    DeadlineKind.EXTENDED_ANSWER: Bilingual(kk="Ұзартылған мерзімдегі жауап",
                                            ru="Ответ в продлённый срок"),
    DeadlineKind.MOTIVATED_ANSWER: Bilingual(
        kk="Дәлелді шешіммен ұзартылған мерзімдегі жауап",
        ru="Ответ в срок, продлённый мотивированным решением"),
    DeadlineKind.EXTENSION_NOTICE: Bilingual(kk="Мерзімнің ұзартылғанын хабарлау",
                                             ru="Извещение о продлении срока"),
    DeadlineKind.FINAL_LIST: Bilingual(kk="Қабылданатын адамдардың түпкілікті тізімі",
                                       ru="Окончательный список принимаемых лиц"),
    DeadlineKind.OFFICIAL_CANCELLATION: Bilingual(
        kk="Лауазымды адамның қабылдаудың болмайтынын хабарлауы",
        ru="Оповещение о невозможности проведения приема"),
    DeadlineKind.CENTRAL_BODY_NOTICE: Bilingual(
        kk="Орталық мемлекеттік органға сұраныс туралы хабарлау",
        ru="Информирование о запросе в центральный государственный орган"),
    DeadlineKind.RECEPTION: Bilingual(kk="Жеке қабылдау", ru="Личный прием"),
}


@dataclass(frozen=True, slots=True)
class Deadline:
    """The last day (inclusive) on which a step of the procedure may be taken."""

    kind: DeadlineKind
    due: date
    citation: str

    @property
    def name(self) -> Bilingual:
        return DEADLINE_NAMES[self.kind]


# --------------------------------------------------------------------------- arithmetic


def _plus_months(day: date, months: int) -> date:
    """The same day ``months`` later; the month's last day when it is shorter."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, _months.monthrange(year, month)[1]))


def add_term(start: date, term: Term, calendar: WorkCalendar, *, roll_forward: bool = True) -> date:
    """The last day of ``term`` counted forward from the event on ``start``."""
    if term.unit is TermUnit.WORKING_DAYS:
        return calendar.add_working_days(start, term.amount)
    if term.unit is TermUnit.CALENDAR_DAYS:
        end = start + timedelta(days=term.amount)
    else:
        end = _plus_months(start, term.amount)
    return calendar.registration_day(end) if roll_forward else end


def subtract_term(day: date, term: Term, calendar: WorkCalendar) -> date:
    """The day ``term`` working days before ``day``."""
    if term.unit is not TermUnit.WORKING_DAYS:
        raise ValueError("only working-day terms are counted back from a day")
    return calendar.add_working_days(day, -term.amount)


# --------------------------------------------------------------------------- single terms


def receipt_day(received_at: datetime, calendar: WorkCalendar) -> date:
    """The working day a request counts as received: the day itself before
    closing time on a working day, otherwise the next working day (002 §21)."""
    local = calendar.local(received_at)
    day = local.date()
    if calendar.is_working_day(day) and local.time() < calendar.hours.closes:
        return day
    return calendar.next_working_day(day)


def registration_due(received_at: datetime, profile: RegulationProfile,
                     calendar: WorkCalendar) -> date:
    """The last day to register a request received at ``received_at``."""
    if profile.registration.amount == 0:
        return receipt_day(received_at, calendar)
    # "Within N working days" runs from the day after receipt, whatever the hour.
    return calendar.add_working_days(calendar.service_day(received_at),
                                     profile.registration.amount)


def answer_due(registered_on: date, profile: RegulationProfile, calendar: WorkCalendar) -> date:
    return add_term(registered_on, profile.answer, calendar,
                    roll_forward=profile.calendar_terms_roll_forward)


def extended_answer_due(registered_on: date, profile: RegulationProfile,
                        calendar: WorkCalendar) -> date:
    """The answer's term after a letter of extension (30 calendar days from registration)."""
    return add_term(registered_on, profile.extension, calendar,
                    roll_forward=profile.calendar_terms_roll_forward)


def motivated_answer_due(registered_on: date, profile: RegulationProfile,
                         calendar: WorkCalendar) -> date | None:
    """The answer's term after a motivated decision (two months from registration);
    None when the profile allows no such extension."""
    if profile.motivated_extension is None:
        return None
    return add_term(registered_on, profile.motivated_extension, calendar,
                    roll_forward=profile.calendar_terms_roll_forward)


def extension_notice_due(decided_on: date, profile: RegulationProfile,
                         calendar: WorkCalendar) -> date | None:
    if profile.extension_notice is None:
        return None
    return add_term(decided_on, profile.extension_notice, calendar)


def date_time_notice_due(answered_on: date, profile: RegulationProfile,
                         calendar: WorkCalendar) -> date:
    """The last day to tell the date and time; ``answered_on`` itself when the
    answer must carry them."""
    return add_term(answered_on, profile.date_time_notice, calendar)


def correction_due(asked_on: date, profile: RegulationProfile, calendar: WorkCalendar) -> date:
    return add_term(asked_on, profile.correction, calendar)


def central_body_notice_due(requested_on: date, profile: RegulationProfile,
                            calendar: WorkCalendar) -> date | None:
    if profile.central_body_notice is None:
        return None
    return add_term(requested_on, profile.central_body_notice, calendar)


def reference_note_due(reception_day: date, profile: RegulationProfile,
                       calendar: WorkCalendar) -> date:
    return subtract_term(reception_day, profile.reference_note, calendar)


def final_list_due(reception_day: date, profile: RegulationProfile,
                   calendar: WorkCalendar) -> date:
    return subtract_term(reception_day, profile.final_list, calendar)


def cancellation_notice_due(reception_day: date, profile: RegulationProfile,
                            calendar: WorkCalendar) -> date:
    """The last day an official who cannot receive gives notice in advance
    (a notice on the reception day itself is allowed as well)."""
    return subtract_term(reception_day, profile.official_cancellation, calendar)


def draft_refusal_due(decision_day: date, profile: RegulationProfile,
                      calendar: WorkCalendar) -> date:
    return subtract_term(decision_day, profile.draft_refusal, calendar)


def hearing_ends(draft_sent_on: date, profile: RegulationProfile,
                 calendar: WorkCalendar) -> date:
    """The first day a refusal may be decided after the draft was sent."""
    return add_term(draft_sent_on, profile.draft_refusal, calendar)


# --------------------------------------------------------------------------- all at once


@dataclass(frozen=True, slots=True)
class RequestDeadlines:
    """Every deadline of one request; None where the event it counts from is
    not known (no reception day yet, no extension decided, …)."""

    registration: Deadline
    registered_on: date
    answer: Deadline
    date_time_notice: Deadline
    draft_refusal: Deadline
    extended_answer: Deadline
    motivated_answer: Deadline | None
    extension_notice: Deadline | None
    correction: Deadline | None
    reference_note: Deadline | None
    final_list: Deadline | None
    official_cancellation: Deadline | None
    central_body_notice: Deadline | None

    def all(self) -> list[Deadline]:
        """The known deadlines, earliest first."""
        found = [value for value in (
            self.registration, self.answer, self.date_time_notice, self.draft_refusal,
            self.extended_answer, self.motivated_answer, self.extension_notice,
            self.correction, self.reference_note, self.final_list,
            self.official_cancellation, self.central_body_notice) if value is not None]
        return sorted(found, key=lambda d: (d.due, list(DeadlineKind).index(d.kind)))


def compute_deadlines(
    received_at: datetime,
    profile: RegulationProfile,
    calendar: WorkCalendar,
    *,
    registered_on: date | None = None,
    answered_on: date | None = None,
    decision_day: date | None = None,
    correction_asked_on: date | None = None,
    extension_decided_on: date | None = None,
    reception_day: date | None = None,
    central_body_requested_on: date | None = None,
) -> RequestDeadlines:
    """Every deadline of a request received at ``received_at``.

    ``registered_on`` defaults to the earliest registration day (the day of
    receipt or the next working day); ``answered_on`` (for the date-and-time
    notice) to the answer's deadline; ``decision_day`` (for the draft refusal)
    to the answer's deadline as well.
    """
    registration = Deadline(DeadlineKind.REGISTRATION,
                            registration_due(received_at, profile, calendar),
                            profile.registration.citation)
    if registered_on is None:
        registered_on = receipt_day(received_at, calendar)
    answer = Deadline(DeadlineKind.ANSWER, answer_due(registered_on, profile, calendar),
                      profile.answer.citation)
    notice = Deadline(DeadlineKind.DATE_TIME_NOTICE,
                      date_time_notice_due(answered_on or answer.due, profile, calendar),
                      profile.date_time_notice.citation)
    draft = Deadline(DeadlineKind.DRAFT_REFUSAL,
                     draft_refusal_due(decision_day or answer.due, profile, calendar),
                     profile.draft_refusal.citation)
    extended = Deadline(DeadlineKind.EXTENDED_ANSWER,
                        extended_answer_due(registered_on, profile, calendar),
                        profile.extension.citation)
    motivated_day = motivated_answer_due(registered_on, profile, calendar)
    motivated = None
    if motivated_day is not None and profile.motivated_extension is not None:
        motivated = Deadline(DeadlineKind.MOTIVATED_ANSWER, motivated_day,
                             profile.motivated_extension.citation)
    extension_notice = None
    if extension_decided_on is not None and profile.extension_notice is not None:
        notice_day = extension_notice_due(extension_decided_on, profile, calendar)
        assert notice_day is not None
        extension_notice = Deadline(DeadlineKind.EXTENSION_NOTICE, notice_day,
                                    profile.extension_notice.citation)
    correction = None
    if correction_asked_on is not None:
        correction = Deadline(DeadlineKind.CORRECTION,
                              correction_due(correction_asked_on, profile, calendar),
                              profile.correction.citation)
    reference = final = cancellation = None
    if reception_day is not None:
        reference = Deadline(DeadlineKind.REFERENCE_NOTE,
                             reference_note_due(reception_day, profile, calendar),
                             profile.reference_note.citation)
        final = Deadline(DeadlineKind.FINAL_LIST,
                         final_list_due(reception_day, profile, calendar),
                         profile.final_list.citation)
        cancellation = Deadline(DeadlineKind.OFFICIAL_CANCELLATION,
                                cancellation_notice_due(reception_day, profile, calendar),
                                profile.official_cancellation.citation)
    central = None
    if central_body_requested_on is not None and profile.central_body_notice is not None:
        central_day = central_body_notice_due(central_body_requested_on, profile, calendar)
        assert central_day is not None
        central = Deadline(DeadlineKind.CENTRAL_BODY_NOTICE, central_day,
                           profile.central_body_notice.citation)
    return RequestDeadlines(
        registration=registration, registered_on=registered_on, answer=answer,
        date_time_notice=notice, draft_refusal=draft, extended_answer=extended,
        motivated_answer=motivated, extension_notice=extension_notice, correction=correction,
        reference_note=reference, final_list=final, official_cancellation=cancellation,
        central_body_notice=central)
