"""A request to be received by an official, and its procedure as a state machine.

registered → under review → reference note (a date proposed, or a refusal)
→ approved (booked: date, time, official) → checked in → received → closed.

On the way: a request without the essence of the question is left without
consideration and the applicant told (002 §5); a non-conforming one awaits
correction and is returned if not corrected in time (002 §6); a refusal is
preceded by a draft sent for a hearing at least 3 working days before the
decision (002 §28) and names its grounds (002 §15, 001 §16); the term may be
extended to 30 calendar days, or to two months by a motivated decision with
the applicant told within 3 working days (002 §26); an official who cannot
receive makes the booking move (002 §16) and it is booked again; a booked
applicant who does not come is absent.

Every transition is timestamped with its actor and note; an illegal one
raises ``IllegalTransition`` and a decision without its reason raises
``ValidationFailed`` naming the field, both leaving the request unchanged.
``next_deadline`` tells the work list what is due next, and whether it is
overdue or due soon.

Offers ``RequestState`` with its groups and names, ``can_transition``,
``Proposal``, ``ReferenceNote``, ``ExtensionKind``, ``Extension``,
``Transition``, ``BookingRequest``, ``register_request``, ``DeadlineStatus``,
``next_deadline`` and ``place_approved``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from hub.domain.calendar import WorkCalendar
from hub.domain.errors import Conflict, IllegalTransition, ValidationFailed
from hub.domain.reception import deadlines as terms
from hub.domain.reception.applicants import Applicant, Channel
from hub.domain.reception.deadlines import Deadline, DeadlineKind
from hub.domain.reception.errors import DeadlinePassed, NonWorkingDay, TermNotOver
from hub.domain.reception.grounds import GROUND_LABELS, RefusalGround
from hub.domain.reception.profiles import DEFAULT_PROFILE, RegulationProfile
from hub.domain.reception.schedule import (
    Placement,
    ReceptionSchedule,
    Slot,
    WaitingRequest,
    place_in_arrival_order,
)
from hub.domain.safe_text import safe_text
from hub.domain.text import Bilingual

__all__ = [
    "BOOKED_STATES",
    "FINAL_STATES",
    "INTAKE_STATES",
    "OPEN_STATES",
    "OUTCOME_STATES",
    "REVIEW_STATES",
    "STATE_NAMES",
    "BookingRequest",
    "DeadlineStatus",
    "Extension",
    "ExtensionKind",
    "Proposal",
    "ReferenceNote",
    "RequestState",
    "Transition",
    "can_transition",
    "next_deadline",
    "place_approved",
    "register_request",
]


class RequestState(StrEnum):
    REGISTERED = "registered"
    LEFT_WITHOUT_CONSIDERATION = "left_without_consideration"
    AWAITING_CORRECTION = "awaiting_correction"
    RETURNED = "returned"
    UNDER_REVIEW = "under_review"
    NOTE_MADE = "note_made"
    DRAFT_REFUSAL_SENT = "draft_refusal_sent"
    EXTENDED = "extended"
    APPROVED = "approved"
    REFUSED = "refused"
    MOVED = "moved"
    CHECKED_IN = "checked_in"
    RECEIVED = "received"
    ABSENT = "absent"
    CLOSED = "closed"


S = RequestState

# Named groups, so callers never list states by hand.
INTAKE_STATES = frozenset({S.REGISTERED, S.AWAITING_CORRECTION})
REVIEW_STATES = frozenset({S.UNDER_REVIEW, S.NOTE_MADE, S.DRAFT_REFUSAL_SENT, S.EXTENDED})
BOOKED_STATES = frozenset({S.APPROVED, S.MOVED, S.CHECKED_IN})
OUTCOME_STATES = frozenset({S.LEFT_WITHOUT_CONSIDERATION, S.RETURNED, S.REFUSED, S.RECEIVED,
                            S.ABSENT})
FINAL_STATES = frozenset({S.CLOSED})
OPEN_STATES = INTAKE_STATES | REVIEW_STATES | BOOKED_STATES

_ALLOWED: dict[RequestState, frozenset[RequestState]] = {
    S.REGISTERED: frozenset({S.LEFT_WITHOUT_CONSIDERATION, S.AWAITING_CORRECTION,
                             S.UNDER_REVIEW}),
    S.AWAITING_CORRECTION: frozenset({S.UNDER_REVIEW, S.RETURNED}),
    S.UNDER_REVIEW: frozenset({S.NOTE_MADE, S.EXTENDED}),
    S.EXTENDED: frozenset({S.NOTE_MADE, S.EXTENDED}),
    S.NOTE_MADE: frozenset({S.APPROVED, S.DRAFT_REFUSAL_SENT, S.EXTENDED}),
    S.DRAFT_REFUSAL_SENT: frozenset({S.REFUSED, S.APPROVED, S.EXTENDED}),
    S.APPROVED: frozenset({S.MOVED, S.CHECKED_IN, S.ABSENT}),
    S.MOVED: frozenset({S.APPROVED}),
    S.CHECKED_IN: frozenset({S.RECEIVED, S.ABSENT}),
    S.LEFT_WITHOUT_CONSIDERATION: frozenset({S.CLOSED}),
    S.RETURNED: frozenset({S.CLOSED}),
    S.REFUSED: frozenset({S.CLOSED}),
    S.RECEIVED: frozenset({S.CLOSED}),
    S.ABSENT: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
}

STATE_NAMES: dict[RequestState, Bilingual] = {
    S.REGISTERED: Bilingual(kk="тіркелді", ru="зарегистрировано"),
    S.LEFT_WITHOUT_CONSIDERATION: Bilingual(kk="қараусыз қалдырылды",
                                            ru="оставлено без рассмотрения"),
    S.AWAITING_CORRECTION: Bilingual(kk="түзетуді күтуде", ru="ожидает исправления"),
    S.RETURNED: Bilingual(kk="қайтарылды", ru="возвращено"),
    S.UNDER_REVIEW: Bilingual(kk="қаралуда", ru="на рассмотрении"),
    S.NOTE_MADE: Bilingual(kk="анықтамалық ақпарат дайындалды",
                           ru="подготовлена справочная информация"),
    S.DRAFT_REFUSAL_SENT: Bilingual(kk="бас тарту жобасы тыңдауға жіберілді",
                                    ru="проект отказа направлен для заслушивания"),
    S.EXTENDED: Bilingual(kk="қарау мерзімі ұзартылды", ru="срок рассмотрения продлён"),
    S.APPROVED: Bilingual(kk="қабылдауға жазылды", ru="записан на прием"),
    S.REFUSED: Bilingual(kk="қабылдаудан бас тартылды", ru="отказано в приеме"),
    S.MOVED: Bilingual(kk="қабылдау ауыстырылды", ru="прием перенесён"),
    S.CHECKED_IN: Bilingual(kk="келгені белгіленді", ru="отмечена явка"),
    S.RECEIVED: Bilingual(kk="қабылданды", ru="принят"),
    S.ABSENT: Bilingual(kk="келмеді", ru="не явился"),
    S.CLOSED: Bilingual(kk="жабылды", ru="закрыто"),
}


def can_transition(source: RequestState, target: RequestState) -> bool:
    return target in _ALLOWED[source]


class Proposal(StrEnum):
    """What the reference note proposes (002 §22)."""

    DATE = "date"
    REFUSAL = "refusal"


@dataclass(frozen=True, slots=True)
class ReferenceNote:
    proposal: Proposal
    made_on: date
    proposed_day: date | None = None
    official: str | None = None
    grounds: tuple[RefusalGround, ...] = ()


class ExtensionKind(StrEnum):
    THIRTY_DAYS = "thirty_days"  # a letter of extension, up to 30 calendar days (002 §26)
    MOTIVATED = "motivated"  # a motivated decision of the head, up to two months (002 §26)


@dataclass(frozen=True, slots=True)
class Extension:
    kind: ExtensionKind
    decided_at: datetime
    reason: str
    decision: str | None = None  # the motivated decision's number and date
    notified_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Transition:
    """One step of the history. ``event`` names a step that keeps the state
    (a slot assigned, the applicant told of an extension)."""

    source: RequestState | None
    target: RequestState
    at: datetime
    actor: str
    note: str | None = None
    event: str | None = None


def _free_text(value: str, field_name: str, *, multiline: bool = False) -> str:
    """A free text (it may be blank), checked by ``safe_text``; the API bounds its length."""
    return safe_text(value, field=field_name, max_length=None, multiline=multiline)


def _text(value: str | None, field_name: str, what: Bilingual, *,
          multiline: bool = False) -> str:
    """A required free text: present, not blank, checked by ``safe_text``. The
    reasons, defects and explanations typed in the console's textareas are
    ``multiline``: they keep their line breaks."""
    cleaned = safe_text(value, field=field_name, max_length=None, multiline=multiline)
    if not cleaned:
        raise ValidationFailed(
            f"{field_name} is required for this decision",
            Bilingual(kk=f"Шешімнің негізі көрсетілмеген: {what.kk}.",
                      ru=f"Не указано основание решения: {what.ru}."),
            field=field_name)
    return cleaned


_REASON = Bilingual(kk="себебі", ru="причина")
_ACTOR = Bilingual(kk="шешім қабылдаған адам", ru="автор решения")


def _aware(moment: datetime, field_name: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValidationFailed(f"{field_name} must carry a time zone",
                               Bilingual(kk="Уақыт белдеуі көрсетілмеген.",
                                         ru="Не указан часовой пояс."), field=field_name)
    return moment


def _day(value: date) -> str:
    return value.strftime("%d.%m.%Y")


@dataclass(slots=True)
class BookingRequest:
    """A request to be received by an official, registered from any channel."""

    number: str
    channel: Channel
    applicant: Applicant
    essence: str
    received_at: datetime
    registered_at: datetime
    registered_on: date
    registered_by: str
    profile: RegulationProfile = DEFAULT_PROFILE
    official_asked: str | None = None
    interpreter_language: str | None = None  # foreigners may need an interpreter (002 §11)
    video_link: bool = False  # the applicant agrees to a video-link reception (002 §13)
    state: RequestState = RequestState.REGISTERED
    considered_for: date | None = None  # the reception day the request is prepared for
    defects: str | None = None
    correction_asked_on: date | None = None
    note: ReferenceNote | None = None
    draft_refusal_on: date | None = None
    draft_grounds: tuple[RefusalGround, ...] = ()
    refusal_grounds: tuple[RefusalGround, ...] = ()
    refusal_explanation: str | None = None
    extensions: list[Extension] = field(default_factory=list)
    answered_on: date | None = None
    official: str | None = None
    booking: Slot | None = None
    date_time_told_on: date | None = None
    moved_bookings: list[Slot] = field(default_factory=list)
    late_cancellations: list[Slot] = field(default_factory=list)
    id: int | None = None
    history: list[Transition] = field(default_factory=list)

    def __post_init__(self) -> None:
        _text(self.number, "number", Bilingual(kk="тіркеу нөмірі", ru="регистрационный номер"))
        _text(self.registered_by, "registered_by", _ACTOR)
        _aware(self.received_at, "received_at")
        _aware(self.registered_at, "registered_at")
        if self.registered_at < self.received_at:
            raise ValidationFailed(
                "a request cannot be registered before it was received",
                Bilingual(kk="Өтініш келіп түскенге дейін тіркелмейді.",
                          ru="Обращение не может быть зарегистрировано раньше поступления."),
                field="registered_at")
        self.essence = _free_text(self.essence, "essence")
        if not self.history:
            self.history.append(Transition(None, self.state, self.registered_at,
                                           self.registered_by, event="registered"))

    # ---------------------------------------------------------------- facts

    @property
    def oral_protocol(self) -> bool:
        """Recorded in the separate protocol of oral and phone requests (002 §21)."""
        return self.channel.oral_protocol

    @property
    def has_essence(self) -> bool:
        return bool(self.essence.strip())

    def registration_due(self, calendar: WorkCalendar) -> date:
        return terms.registration_due(self.received_at, self.profile, calendar)

    def registered_late(self, calendar: WorkCalendar) -> bool:
        return self.registered_on > self.registration_due(calendar)

    @property
    def extension(self) -> Extension | None:
        return self.extensions[-1] if self.extensions else None

    def answer_deadline(self, calendar: WorkCalendar) -> Deadline:
        """The answer's deadline, extended if the term was extended."""
        kinds = {extension.kind for extension in self.extensions}
        if ExtensionKind.MOTIVATED in kinds and self.profile.motivated_extension is not None:
            due = terms.motivated_answer_due(self.registered_on, self.profile, calendar)
            assert due is not None
            return Deadline(DeadlineKind.MOTIVATED_ANSWER, due,
                            self.profile.motivated_extension.citation)
        if ExtensionKind.THIRTY_DAYS in kinds:
            return Deadline(DeadlineKind.EXTENDED_ANSWER,
                            terms.extended_answer_due(self.registered_on, self.profile,
                                                      calendar),
                            self.profile.extension.citation)
        return Deadline(DeadlineKind.ANSWER,
                        terms.answer_due(self.registered_on, self.profile, calendar),
                        self.profile.answer.citation)

    def answered_late(self, calendar: WorkCalendar) -> bool:
        return self.answered_on is not None and (
            self.answered_on > self.answer_deadline(calendar).due)

    def draft_refusal_late(self, calendar: WorkCalendar) -> bool:
        """The draft went out later than 3 working days before the answer's deadline."""
        return self.draft_refusal_on is not None and self.draft_refusal_on > (
            terms.draft_refusal_due(self.answer_deadline(calendar).due, self.profile, calendar))

    def time_in(self, state: RequestState) -> datetime | None:
        """When the request last entered ``state``, if it did."""
        for step in reversed(self.history):
            if step.target is state and step.event is None:
                return step.at
        return None

    # ---------------------------------------------------------------- machinery

    def _check(self, target: RequestState) -> None:
        if not can_transition(self.state, target):
            raise self._illegal(target)

    def _illegal(self, target: RequestState) -> IllegalTransition:
        return IllegalTransition(
            f"request {self.number} is {self.state.value} and cannot become {target.value}",
            Bilingual(
                kk=f"{self.number} өтініші «{STATE_NAMES[self.state].kk}» күйінде, "
                   f"«{STATE_NAMES[target].kk}» күйіне өте алмайды",
                ru=f"Обращение {self.number} в состоянии «{STATE_NAMES[self.state].ru}» "
                   f"и не может перейти в «{STATE_NAMES[target].ru}»"),
            field="state", state=self.state.value, requested=target.value)

    def _move(self, target: RequestState, at: datetime, actor: str,
              note: str | None = None) -> Transition:
        # Every step's note passes the one text check here: the optional notes of the
        # console's steps (a textarea) reach no other check on their way.
        if note is not None:
            note = _free_text(note, "note", multiline=True)
        step = Transition(self.state, target, at, actor, note)
        self.state = target
        self.history.append(step)
        return step

    def _event(self, event: str, at: datetime, actor: str, note: str | None = None) -> Transition:
        step = Transition(self.state, self.state, at, actor, note, event=event)
        self.history.append(step)
        return step

    def _begin(self, target: RequestState, at: datetime, actor: str) -> str:
        """Checks common to every transition: the state first, then the moment and actor."""
        self._check(target)
        return self._stamp(at, actor)

    def _stamp(self, at: datetime, actor: str) -> str:
        _aware(at, "at")
        if at < self.history[-1].at:
            raise ValidationFailed(
                "a step cannot be dated before the previous one",
                Bilingual(kk="Қадам алдыңғы қадамнан ерте күнмен белгіленбейді.",
                          ru="Шаг не может быть датирован раньше предыдущего."),
                field="at")
        return _text(actor, "actor", _ACTOR)

    def _grounds(self, grounds: Iterable[RefusalGround | str]) -> tuple[RefusalGround, ...]:
        try:
            chosen = tuple(dict.fromkeys(RefusalGround(g) for g in grounds))
        except ValueError as error:
            raise ValidationFailed(f"unknown ground: {error}",
                                   Bilingual(kk="Белгісіз бас тарту негізі.",
                                             ru="Неизвестное основание отказа."),
                                   field="grounds") from error
        if not chosen:
            raise ValidationFailed(
                "a refusal names at least one ground",
                Bilingual(kk="Бас тартудың кемінде бір негізі көрсетілуі керек.",
                          ru="Нужно указать хотя бы одно основание отказа."),
                field="grounds")
        foreign = [g for g in chosen if g not in self.profile.refusal_grounds]
        if foreign:
            labels = "; ".join(GROUND_LABELS[g].ru for g in foreign)
            raise ValidationFailed(
                f"{', '.join(foreign)} is not a ground under {self.profile.grounds_citation}",
                Bilingual(kk=f"Бұл негіз осы регламентте жоқ ({self.profile.grounds_citation}).",
                          ru=f"Этого основания нет в регламенте "
                             f"({self.profile.grounds_citation}): {labels}."),
                field="grounds", grounds=[str(g) for g in foreign])
        return chosen

    def _check_booking(self, booking: Slot, local_day: date, calendar: WorkCalendar) -> None:
        final = terms.final_list_due(booking.starts_at.astimezone(calendar.tz).date(),
                                     self.profile, calendar)
        if local_day > final:
            raise DeadlinePassed(
                f"the final list for {booking.starts_at.date()} closed on {final}",
                Bilingual(kk="Бұл күннің түпкілікті тізімі {day} жабылды — басқа күнді "
                             "таңдаңыз.",
                          ru="Окончательный список на этот день закрыт {day} — выберите "
                             "другой день.").format(day=_day(final)),
                field="booking", final_list=final.isoformat())

    # ---------------------------------------------------------------- intake

    def leave_without_consideration(self, at: datetime, *, actor: str,
                                    note: str) -> Transition:
        """No essence of the question: left without consideration, the applicant told (002 §5)."""
        who = self._begin(S.LEFT_WITHOUT_CONSIDERATION, at, actor)
        reason = _text(note, "note", _REASON, multiline=True)
        return self._move(S.LEFT_WITHOUT_CONSIDERATION, at, who, reason)

    def ask_correction(self, at: datetime, *, actor: str, defects: str,
                       calendar: WorkCalendar) -> Transition:
        """Not in order: the applicant is told what to correct and by when (002 §6)."""
        who = self._begin(S.AWAITING_CORRECTION, at, actor)
        what = _text(defects, "defects", Bilingual(kk="түзетілетін кемшіліктер",
                                                   ru="недостатки для исправления"),
                     multiline=True)
        self.defects = what
        self.correction_asked_on = calendar.service_day(at)
        return self._move(S.AWAITING_CORRECTION, at, who, what)

    def correction_due(self, calendar: WorkCalendar) -> date | None:
        if self.correction_asked_on is None:
            return None
        return terms.correction_due(self.correction_asked_on, self.profile, calendar)

    def accept_correction(self, at: datetime, *, actor: str, calendar: WorkCalendar,
                          essence: str | None = None, note: str | None = None) -> Transition:
        who = self._begin(S.UNDER_REVIEW, at, actor)
        due = self.correction_due(calendar)
        assert due is not None
        if calendar.service_day(at) > due:
            raise DeadlinePassed(
                f"the term to correct request {self.number} ended on {due}",
                Bilingual(kk="Түзету мерзімі {day} аяқталды — өтініш қайтарылуы керек.",
                          ru="Срок исправления истёк {day} — обращение подлежит возврату."
                          ).format(day=_day(due)),
                field="at", due=due.isoformat())
        text = self.essence if essence is None else essence
        if not text.strip():
            raise _no_essence()
        self.essence = _free_text(text, "essence")
        return self._move(S.UNDER_REVIEW, at, who, note)

    def return_uncorrected(self, at: datetime, *, actor: str,
                           calendar: WorkCalendar) -> Transition:
        """Not corrected in time: returned to the applicant (002 §6)."""
        who = self._begin(S.RETURNED, at, actor)
        due = self.correction_due(calendar)
        assert due is not None
        if calendar.service_day(at) <= due:
            raise TermNotOver(
                f"the applicant may correct request {self.number} until {due}",
                Bilingual(kk="Өтініш беруші {day} дейін түзете алады.",
                          ru="Заявитель вправе исправить обращение до {day}.").format(
                    day=_day(due)),
                field="at", due=due.isoformat())
        return self._move(S.RETURNED, at, who, self.defects)

    def start_review(self, at: datetime, *, actor: str,
                     considered_for: date | None = None) -> Transition:
        """Sent to the responsible worker for preliminary review (002 §21)."""
        who = self._begin(S.UNDER_REVIEW, at, actor)
        if not self.has_essence:
            raise _no_essence()
        self.considered_for = considered_for
        return self._move(S.UNDER_REVIEW, at, who)

    # ---------------------------------------------------------------- review

    def make_note(self, at: datetime, *, actor: str, calendar: WorkCalendar,
                  proposal: Proposal, proposed_day: date | None = None,
                  official: str | None = None,
                  grounds: Iterable[RefusalGround | str] = (),
                  note: str | None = None) -> Transition:
        """The reference note proposing a date or a refusal, made 5 working days
        before the reception (002 §22)."""
        who = self._begin(S.NOTE_MADE, at, actor)
        today = calendar.service_day(at)
        proposal = Proposal(proposal)
        if proposal is Proposal.DATE:
            if proposed_day is None:
                raise ValidationFailed(
                    "a note proposing a date states the day",
                    Bilingual(kk="Ұсынылатын қабылдау күні көрсетілмеген.",
                              ru="Не указана предлагаемая дата приема."),
                    field="proposed_day")
            whom = official or self.official_asked
            whom = _text(whom, "official", Bilingual(kk="қабылдайтын лауазымды адам",
                                                     ru="принимающее должностное лицо"))
            if not calendar.is_working_day(proposed_day):
                raise NonWorkingDay(
                    f"{proposed_day} is not a working day",
                    Bilingual(kk="{day} — жұмыс күні емес.",
                              ru="{day} — нерабочий день.").format(day=_day(proposed_day)),
                    field="proposed_day")
            due = terms.reference_note_due(proposed_day, self.profile, calendar)
            if today > due:
                raise DeadlinePassed(
                    f"a note for a reception on {proposed_day} was due by {due}",
                    Bilingual(kk="{day} қабылдауына анықтама {due} дейін дайындалуы керек еді "
                                 "— кейінгі күнді ұсыныңыз.",
                              ru="Справка к приему {day} должна была быть готова до {due} — "
                                 "предложите более позднюю дату.").format(
                        day=_day(proposed_day), due=_day(due)),
                    field="proposed_day", due=due.isoformat())
            made = ReferenceNote(proposal, today, proposed_day, whom)
        else:
            made = ReferenceNote(proposal, today, grounds=self._grounds(grounds))
        self.note = made
        return self._move(S.NOTE_MADE, at, who, note)

    def extend(self, at: datetime, *, actor: str, calendar: WorkCalendar,
               kind: ExtensionKind, reason: str, decision: str | None = None,
               notified_at: datetime | None = None) -> Transition:
        """Extend the term for a complex question (002 §26): a letter to the
        applicant (30 calendar days from registration), or a motivated decision
        of the head (two months), the applicant told within 3 working days."""
        who = self._begin(S.EXTENDED, at, actor)
        kind = ExtensionKind(kind)
        why = _text(reason, "reason", _REASON, multiline=True)
        kinds = {extension.kind for extension in self.extensions}
        if kind is ExtensionKind.MOTIVATED:
            if self.profile.motivated_extension is None:
                raise ValidationFailed(
                    f"the {self.profile.name} profile has no motivated extension",
                    Bilingual(kk="Бұл регламентте дәлелді шешіммен ұзарту көзделмеген.",
                              ru="Этот регламент не предусматривает продления "
                                 "мотивированным решением."), field="kind")
            decision = _text(decision, "decision",
                             Bilingual(kk="басшының дәлелді шешімі",
                                       ru="мотивированное решение руководителя"))
        if kind in kinds or (kind is ExtensionKind.THIRTY_DAYS and kinds):
            raise Conflict(
                f"request {self.number} was already extended ({', '.join(sorted(kinds))})",
                Bilingual(kk="Мерзім бұған дейін осылай ұзартылған.",
                          ru="Срок уже был продлён таким образом."),
                field="kind", extensions=sorted(kinds))
        current = self.answer_deadline(calendar).due
        if calendar.service_day(at) > current:
            raise DeadlinePassed(
                f"the term of request {self.number} ended on {current}; it cannot be extended",
                Bilingual(kk="Қарау мерзімі {day} аяқталды, оны ұзартуға болмайды.",
                          ru="Срок рассмотрения истёк {day}, продлить его нельзя.").format(
                    day=_day(current)),
                field="at", due=current.isoformat())
        if kind is ExtensionKind.THIRTY_DAYS:
            # The letter of extension is itself the notice to the applicant.
            notified_at = at
        self.extensions.append(Extension(kind, at, why, decision, notified_at))
        return self._move(S.EXTENDED, at, who, why)

    def record_extension_notice(self, at: datetime, *, actor: str) -> Transition:
        """The applicant was told of the motivated extension."""
        extension = self.extension
        if extension is None or extension.notified_at is not None:
            raise Conflict(
                f"request {self.number} has no extension waiting to be told",
                Bilingual(kk="Хабарланбаған ұзарту жоқ.", ru="Нет продления, о котором "
                                                          "не извещён заявитель."),
                field="extension")
        who = self._stamp(at, actor)
        self.extensions[-1] = Extension(extension.kind, extension.decided_at, extension.reason,
                                        extension.decision, at)
        return self._event("extension_notice", at, who)

    def extension_notice_pending(self) -> Extension | None:
        extension = self.extension
        return extension if extension is not None and extension.notified_at is None else None

    def send_draft_refusal(self, at: datetime, *, actor: str, calendar: WorkCalendar,
                           grounds: Iterable[RefusalGround | str] | None = None,
                           note: str | None = None) -> Transition:
        """The draft preliminary decision to refuse, sent for a hearing (002 §28)."""
        who = self._begin(S.DRAFT_REFUSAL_SENT, at, actor)
        if grounds is None:
            grounds = self.note.grounds if self.note is not None else ()
        chosen = self._grounds(grounds)
        self.draft_grounds = chosen
        self.draft_refusal_on = calendar.service_day(at)
        return self._move(S.DRAFT_REFUSAL_SENT, at, who, note)

    def hearing_ends(self, calendar: WorkCalendar) -> date | None:
        if self.draft_refusal_on is None:
            return None
        return terms.hearing_ends(self.draft_refusal_on, self.profile, calendar)

    # ---------------------------------------------------------------- decisions

    def refuse(self, at: datetime, *, actor: str, calendar: WorkCalendar,
               explanation: str, grounds: Iterable[RefusalGround | str] | None = None
               ) -> Transition:
        """The motivated refusal, no sooner than the hearing allows (002 §28)."""
        who = self._begin(S.REFUSED, at, actor)
        chosen = self._grounds(self.draft_grounds if grounds is None else grounds)
        why = _text(explanation, "explanation",
                    Bilingual(kk="бас тартудың дәлелі", ru="мотивировка отказа"),
                    multiline=True)
        ends = self.hearing_ends(calendar)
        assert ends is not None
        if calendar.service_day(at) < ends:
            raise TermNotOver(
                f"the hearing on the draft refusal runs until {ends}",
                Bilingual(kk="Бас тарту жобасы бойынша тыңдау {day} дейін жүреді.",
                          ru="Заслушивание по проекту отказа продолжается до {day}.").format(
                    day=_day(ends)),
                field="at", hearing_ends=ends.isoformat())
        self.refusal_grounds = chosen
        self.refusal_explanation = why
        self.answered_on = calendar.service_day(at)
        return self._move(S.REFUSED, at, who, why)

    def approve(self, at: datetime, *, actor: str, calendar: WorkCalendar,
                official: str | None = None, booking: Slot | None = None,
                note: str | None = None) -> Transition:
        """Included in the list of persons to be received; the answer to the
        applicant. Under a profile whose answer gives the date and time
        (004 §29, 001 §31) the booking is required here."""
        who = self._begin(S.APPROVED, at, actor)
        whom = (booking.official if booking is not None else None) or official or (
            self.note.official if self.note is not None else None) or self.official_asked
        whom = _text(whom, "official", Bilingual(kk="қабылдайтын лауазымды адам",
                                                 ru="принимающее должностное лицо"))
        today = calendar.service_day(at)
        if booking is None and self.profile.date_time_with_answer:
            raise ValidationFailed(
                "the answer gives the date and time of the reception",
                Bilingual(kk="Жауапта қабылдау күні мен уақыты көрсетілуі керек.",
                          ru="В ответе должны быть указаны дата и время приема."),
                field="booking", citation=self.profile.date_time_notice.citation)
        if booking is not None:
            if official is not None and booking.official != official:
                raise ValidationFailed(
                    "the booking is with another official",
                    Bilingual(kk="Жазылу басқа лауазымды адамға жасалған.",
                              ru="Запись сделана к другому должностному лицу."),
                    field="booking")
            self._check_booking(booking, today, calendar)
            self.booking = booking
            self.date_time_told_on = today
        self.official = whom
        self.answered_on = today
        return self._move(S.APPROVED, at, who, note)

    def book(self, at: datetime, *, actor: str, calendar: WorkCalendar,
             booking: Slot) -> Transition:
        """Give an approved request (or a moved one) its date, time and official;
        the applicant is told them."""
        today = calendar.service_day(at)
        if self.state is S.MOVED:
            who = self._begin(S.APPROVED, at, actor)
        elif self.state is S.APPROVED and self.booking is None:
            who = self._stamp(at, actor)
        else:
            # Already booked (move it first), or not approved yet (approve it).
            raise self._illegal(S.APPROVED)
        if self.state is S.APPROVED and booking.official != self.official:
            raise ValidationFailed(
                "the booking is with another official than the one approved",
                Bilingual(kk="Жазылу бекітілген лауазымды адамға емес.",
                          ru="Запись не к утверждённому должностному лицу."),
                field="booking")
        self._check_booking(booking, today, calendar)
        self.booking = booking
        self.official = booking.official
        self.date_time_told_on = today
        when = booking.starts_at.astimezone(calendar.tz).isoformat()
        if self.state is S.MOVED:
            return self._move(S.APPROVED, at, who, when)
        return self._event("booked", at, who, when)

    def move(self, at: datetime, *, actor: str, calendar: WorkCalendar,
             reason: str) -> Transition:
        """The official cannot receive (sickness, business trip, …): the booking
        is withdrawn to be booked again, and the applicant told (002 §16).
        A notice later than the profile's term, and not on the day itself, is
        recorded in ``late_cancellations``."""
        who = self._begin(S.MOVED, at, actor)
        why = _text(reason, "reason", _REASON, multiline=True)
        booking = self.booking
        if booking is None:
            raise Conflict(f"request {self.number} has no booking to move",
                           Bilingual(kk="Ауыстыратын жазылу жоқ.",
                                     ru="Нет записи, которую можно перенести."),
                           field="booking")
        today = calendar.service_day(at)
        day = booking.starts_at.astimezone(calendar.tz).date()
        if today > day:
            raise DeadlinePassed(
                f"the reception of {day} is over; it cannot be moved",
                Bilingual(kk="{day} қабылдауы өтіп кетті, оны ауыстыруға болмайды.",
                          ru="Прием {day} уже прошёл, перенести его нельзя.").format(
                    day=_day(day)),
                field="at")
        if today != day and today > terms.cancellation_notice_due(day, self.profile, calendar):
            self.late_cancellations.append(booking)
        self.moved_bookings.append(booking)
        self.booking = None
        self.date_time_told_on = None
        return self._move(S.MOVED, at, who, why)

    # ---------------------------------------------------------------- the day

    def _booked_day(self, calendar: WorkCalendar) -> date:
        assert self.booking is not None
        return self.booking.starts_at.astimezone(calendar.tz).date()

    def check_in(self, at: datetime, *, actor: str, calendar: WorkCalendar) -> Transition:
        who = self._begin(S.CHECKED_IN, at, actor)
        if self.booking is None:
            raise Conflict(f"request {self.number} has no date and time yet",
                           Bilingual(kk="Қабылдау күні мен уақыты әлі белгіленбеген.",
                                     ru="Дата и время приема ещё не назначены."),
                           field="booking")
        day, today = self._booked_day(calendar), calendar.service_day(at)
        if today != day:
            error = DeadlinePassed if today > day else TermNotOver
            raise error(
                f"the reception is booked for {day}, not {today}",
                Bilingual(kk="Қабылдау {day} күніне белгіленген.",
                          ru="Прием назначен на {day}.").format(day=_day(day)),
                field="at", booked_for=day.isoformat())
        return self._move(S.CHECKED_IN, at, who)

    def mark_received(self, at: datetime, *, actor: str, note: str | None = None) -> Transition:
        who = self._begin(S.RECEIVED, at, actor)
        return self._move(S.RECEIVED, at, who, note)

    def mark_absent(self, at: datetime, *, actor: str, note: str | None = None) -> Transition:
        who = self._begin(S.ABSENT, at, actor)
        if self.state is S.APPROVED and (self.booking is None or at < self.booking.starts_at):
            raise TermNotOver(
                f"request {self.number}'s reception has not begun",
                Bilingual(kk="Қабылдау уақыты әлі келген жоқ.",
                          ru="Время приема ещё не наступило."),
                field="at")
        return self._move(S.ABSENT, at, who, note)

    def close(self, at: datetime, *, actor: str, note: str | None = None) -> Transition:
        who = self._begin(S.CLOSED, at, actor)
        return self._move(S.CLOSED, at, who, note)


def _no_essence() -> ValidationFailed:
    return ValidationFailed(
        "the request does not state the essence of the question (002 §5)",
        Bilingual(kk="Өтініште мәселенің мәні баяндалмаған.",
                  ru="В обращении не изложена суть вопроса."),
        field="essence")


def register_request(
    *,
    number: str,
    channel: Channel,
    applicant: Applicant,
    essence: str,
    received_at: datetime,
    registered_at: datetime,
    registered_by: str,
    calendar: WorkCalendar,
    profile: RegulationProfile = DEFAULT_PROFILE,
    official_asked: str | None = None,
    interpreter_language: str | None = None,
    video_link: bool = False,
) -> BookingRequest:
    """A request registered at ``registered_at``: its registration day is that
    day, but never before the working day it counts as received (002 §21)."""
    _aware(received_at, "received_at")
    _aware(registered_at, "registered_at")
    registered_on = max(terms.receipt_day(received_at, calendar),
                        calendar.registration_day(calendar.service_day(registered_at)))
    return BookingRequest(
        number=number, channel=Channel(channel), applicant=applicant, essence=essence,
        received_at=received_at, registered_at=registered_at, registered_on=registered_on,
        registered_by=registered_by, profile=profile, official_asked=official_asked,
        interpreter_language=interpreter_language, video_link=video_link)


# --------------------------------------------------------------------------- work lists


@dataclass(frozen=True, slots=True)
class DeadlineStatus:
    deadline: Deadline
    overdue: bool
    due_soon: bool
    working_days_left: int  # negative when overdue


def _pending(request: BookingRequest, calendar: WorkCalendar, today: date) -> list[Deadline]:
    profile, state = request.profile, request.state
    found: list[Deadline] = []
    if state is S.AWAITING_CORRECTION:
        due = request.correction_due(calendar)
        assert due is not None
        return [Deadline(DeadlineKind.CORRECTION, due, profile.correction.citation)]
    if state in (S.REGISTERED, S.UNDER_REVIEW, S.EXTENDED, S.NOTE_MADE, S.DRAFT_REFUSAL_SENT):
        answer = request.answer_deadline(calendar)
        found.append(answer)
        if state in (S.REGISTERED, S.UNDER_REVIEW, S.EXTENDED) and request.considered_for:
            found.append(Deadline(DeadlineKind.REFERENCE_NOTE,
                                  terms.reference_note_due(request.considered_for, profile,
                                                           calendar),
                                  profile.reference_note.citation))
        if (state is S.NOTE_MADE and request.note is not None
                and request.note.proposal is Proposal.REFUSAL):
            found.append(Deadline(DeadlineKind.DRAFT_REFUSAL,
                                  terms.draft_refusal_due(answer.due, profile, calendar),
                                  profile.draft_refusal.citation))
    pending = request.extension_notice_pending()
    if pending is not None and state in OPEN_STATES:
        due = terms.extension_notice_due(calendar.service_day(pending.decided_at), profile,
                                         calendar)
        assert due is not None and profile.extension_notice is not None
        found.append(Deadline(DeadlineKind.EXTENSION_NOTICE, due,
                              profile.extension_notice.citation))
    if state is S.APPROVED and request.booking is None:
        assert request.answered_on is not None
        found.append(Deadline(DeadlineKind.DATE_TIME_NOTICE,
                              terms.date_time_notice_due(request.answered_on, profile, calendar),
                              profile.date_time_notice.citation))
    if state in (S.APPROVED, S.CHECKED_IN) and request.booking is not None:
        day = request.booking.starts_at.astimezone(calendar.tz).date()
        final = terms.final_list_due(day, profile, calendar)
        if state is S.APPROVED and today <= final:
            found.append(Deadline(DeadlineKind.FINAL_LIST, final, profile.final_list.citation))
        else:
            found.append(Deadline(DeadlineKind.RECEPTION, day, "the booked reception"))
    return found


def next_deadline(request: BookingRequest, calendar: WorkCalendar, now: datetime, *,
                  soon: int = 2) -> DeadlineStatus | None:
    """The earliest deadline still ahead of the request (or already missed),
    overdue when its day is past and due soon when at most ``soon`` working
    days are left; None when nothing is due (finished, or moved and waiting
    to be booked again)."""
    if soon < 0:
        raise ValueError("the due-soon window cannot be negative")
    today = calendar.service_day(now)
    found = _pending(request, calendar, today)
    if not found:
        return None
    first = min(found, key=lambda d: (d.due, list(DeadlineKind).index(d.kind)))
    left = calendar.working_days_between(today, first.due)
    overdue = today > first.due
    return DeadlineStatus(first, overdue=overdue, due_soon=not overdue and left <= soon,
                          working_days_left=left)


def place_approved(requests: Sequence[BookingRequest], schedule: ReceptionSchedule,
                   calendar: WorkCalendar, *, first_day: date, last_day: date,
                   taken: Iterable[Slot] = ()) -> Placement:
    """Slots for the approved requests of ``schedule``'s official that have none
    yet (and those moved), in order of arrival (002 §24, 004 §28). Slots booked
    by the other requests given count as taken. Nothing is changed."""
    waiting = [WaitingRequest(r.number, r.received_at) for r in requests
               if r.official == schedule.official and r.booking is None
               and r.state in (S.APPROVED, S.MOVED)]
    busy = list(taken) + [r.booking for r in requests if r.booking is not None]
    return place_in_arrival_order(waiting, schedule, calendar, first_day=first_day,
                                  last_day=last_day, taken=busy)
