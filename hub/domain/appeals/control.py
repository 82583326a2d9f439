"""Control of an appeal's consideration (002 ch. 4) and of instructions' deadlines.

States: ``registered`` → ``on_control`` (given to an employee with a deadline)
→ ``answered`` (an interim answer; still on control) → ``closed`` (taken off
control). Rules:

* an appeal is taken off control only by a final motivated answer to the
  applicant (002 §33): the answer's text and its motivation (the grounds,
  the norms applied) are both required;
* an appeal from a reception is never given to an employee it was given to
  before, nor to one who handled the matter before (002 §35);
* a deadline is a working day; before it a reminder is due, after it an alert.

Offers ``ControlState``, ``Assignment``, ``ControlRecord`` (one appeal's
control, a small state machine with ``assign``/``answer``/``close``) and
``deadline_signal``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from types import MappingProxyType

from hub.domain.appeals.errors import ForbiddenAssignee, NoMotivatedAnswer, NotOnControl
from hub.domain.appeals.register import clean_text
from hub.domain.calendar import WorkCalendar
from hub.domain.errors import ValidationFailed
from hub.domain.text import Bilingual

__all__ = [
    "MIN_MOTIVATION",
    "SIGNAL_LABELS",
    "STATE_LABELS",
    "Assignment",
    "ControlRecord",
    "ControlState",
    "Signal",
    "deadline_signal",
]

# A motivation shorter than this is a formality, not grounds (002 §33).
MIN_MOTIVATION = 20


class ControlState(StrEnum):
    REGISTERED = "registered"
    ON_CONTROL = "on_control"
    ANSWERED = "answered"
    CLOSED = "closed"


STATE_LABELS = MappingProxyType({
    ControlState.REGISTERED: Bilingual(kk="Тіркелді", ru="Зарегистрировано"),
    ControlState.ON_CONTROL: Bilingual(kk="Бақылауда", ru="На контроле"),
    ControlState.ANSWERED: Bilingual(kk="Аралық жауап берілді", ru="Дан промежуточный ответ"),
    ControlState.CLOSED: Bilingual(kk="Бақылаудан алынды", ru="Снято с контроля"),
})

OPEN_STATES = frozenset({ControlState.REGISTERED, ControlState.ON_CONTROL,
                         ControlState.ANSWERED})


class Signal(StrEnum):
    """Where a deadline stands today."""

    IN_TIME = "in_time"
    REMINDER = "reminder"  # due within the reminder window
    OVERDUE = "overdue"


SIGNAL_LABELS = MappingProxyType({
    Signal.IN_TIME: Bilingual(kk="Мерзімінде", ru="В срок"),
    Signal.REMINDER: Bilingual(kk="Мерзімі жақындап қалды", ru="Срок подходит"),
    Signal.OVERDUE: Bilingual(kk="Мерзімі өтті", ru="Срок истёк"),
})


def deadline_signal(due: date, today: date, calendar: WorkCalendar, *,
                    remind_working_days: int) -> tuple[Signal, int]:
    """The signal of a deadline and the working days left (negative: overdue by)."""
    left = calendar.working_days_between(today, due)
    if due < today:
        return Signal.OVERDUE, left
    if left <= remind_working_days:
        return Signal.REMINDER, left
    return Signal.IN_TIME, left


@dataclass(frozen=True, slots=True)
class Assignment:
    assignee: str  # the console username of the employee
    due: date
    at: datetime
    by: str


@dataclass(slots=True)
class ControlRecord:
    """One appeal's control: its state, who had it and its answers."""

    from_reception: bool
    state: ControlState = ControlState.REGISTERED
    assignments: list[Assignment] = field(default_factory=list)
    handled_before: tuple[str, ...] = ()
    answer: str | None = None
    motivation: str | None = None
    closed_at: datetime | None = None

    @property
    def assignee(self) -> str | None:
        return self.assignments[-1].assignee if self.assignments else None

    @property
    def due(self) -> date | None:
        return self.assignments[-1].due if self.assignments else None

    def forbidden_assignees(self) -> frozenset[str]:
        """Whom this appeal may not be given to (002 §35; reception appeals only)."""
        if not self.from_reception:
            return frozenset()
        return frozenset(a.assignee for a in self.assignments) | frozenset(self.handled_before)

    def assign(self, assignee: str, due: date, *, at: datetime, by: str,
               calendar: WorkCalendar, today: date) -> Assignment:
        if self.state is ControlState.CLOSED:
            raise NotOnControl("the appeal is closed",
                               Bilingual(kk="Өтініш бақылаудан алынған.",
                                         ru="Обращение уже снято с контроля."), field="state")
        name = (assignee or "").strip()
        if not name:
            raise ValidationFailed("assignee is required",
                                   Bilingual(kk="Орындаушы көрсетілмеген.",
                                             ru="Не указан исполнитель."), field="assignee")
        if name in self.forbidden_assignees():
            raise ForbiddenAssignee(
                "an appeal from a reception may not be given to an employee it was "
                "given to before (002 §35)",
                Bilingual(kk=f"Жеке қабылдаудан түскен өтінішті бұрын қараған қызметкерге "
                             f"({name}) қайта тапсыруға болмайды (қағидалардың 35-тармағы).",
                          ru=f"Обращение с личного приема нельзя поручать работнику, "
                             f"которому оно ранее поручалось ({name}) — п. 35 Правил."),
                field="assignee", reason="002 §35")
        if due <= today or not calendar.is_working_day(due):
            raise ValidationFailed(
                f"the deadline {due} is not a future working day",
                Bilingual(kk="Орындау мерзімі алдағы жұмыс күні болуы керек.",
                          ru="Срок исполнения должен быть будущим рабочим днём."), field="due")
        given = Assignment(name, due, at, by)
        self.assignments.append(given)
        self.state = ControlState.ON_CONTROL
        return given

    def answer_interim(self, text: str) -> None:
        """An answer that is not final: the appeal stays on control."""
        self._on_control()
        self.answer = clean_text(text, "answer", Bilingual(kk="жауап", ru="ответ"), limit=8000,
                                 multiline=True)
        self.state = ControlState.ANSWERED

    def close(self, answer: str, motivation: str, *, at: datetime) -> None:
        """Take the appeal off control with the final motivated answer (002 §33)."""
        self._on_control()
        answer_text = (answer or "").strip()
        reasons = (motivation or "").strip()
        if not answer_text or len(reasons) < MIN_MOTIVATION:
            raise NoMotivatedAnswer(
                "only a final motivated answer takes an appeal off control (002 §33)",
                Bilingual(kk="Өтініш бақылаудан өтініш берушіге берілген түпкілікті уәжді "
                             "жауап негізінде ғана алынады: жауап мәтіні мен оның "
                             f"негіздемесін (кемінде {MIN_MOTIVATION} таңба) жазыңыз.",
                          ru="Основанием для снятия с контроля является только "
                             "окончательный мотивированный ответ заявителю: укажите текст "
                             f"ответа и его обоснование (не менее {MIN_MOTIVATION} "
                             "символов)."),
                field="answer" if not answer_text else "motivation", reason="002 §33")
        self.answer = clean_text(answer_text, "answer", Bilingual(kk="жауап", ru="ответ"),
                                 limit=8000, multiline=True)
        self.motivation = clean_text(reasons, "motivation",
                                     Bilingual(kk="негіздеме", ru="обоснование"), limit=8000,
                                     multiline=True)
        self.state = ControlState.CLOSED
        self.closed_at = at

    def _on_control(self) -> None:
        if self.state not in (ControlState.ON_CONTROL, ControlState.ANSWERED):
            raise NotOnControl(
                f"the appeal is {self.state.value}, not on control",
                Bilingual(kk="Өтініш бақылауда емес: алдымен оны орындаушыға тапсырыңыз.",
                          ru="Обращение не на контроле: сначала поручите его исполнителю."),
                field="state")
