"""The control work list (002 ch. 4): the instructions of reception protocols
(002 §19, 002 §32) and the appeals on control, each with its responsible
person, its deadline and where the deadline stands on the hub's clock —
a reminder before it, an alert after it. Computed when asked; nothing runs
in the background.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from hub.domain.appeals.control import OPEN_STATES, Signal, deadline_signal
from hub.domain.appeals.register import clean_text
from hub.domain.errors import Conflict, DomainError, NotFound
from hub.domain.text import Bilingual
from hub.services import audit
from hub.services.center_store import CenterStore
from hub.services.clock import Clock
from hub.services.protocols import ProtocolService
from hub.settings import AppealSettings
from hub.storage.appeal_models import AppealRow, InstructionMarkRow
from hub.storage.db import Database


@dataclass(frozen=True, slots=True)
class ControlItem:
    kind: str  # "instruction" or "appeal"
    reference: str  # the request number (instruction) or the appeal number
    position: int | None  # the instruction's place in its protocol
    text: str
    responsible: str
    due: date
    signal: Signal | None  # None once done
    working_days_left: int
    done_at: datetime | None = None
    report: str | None = None
    given_on: date | None = None  # the reception day of an instruction


@dataclass(frozen=True, slots=True)
class InstructionFigures:
    total: int
    done: int
    done_late: int
    open: int
    overdue: int


class ControlService:
    def __init__(self, db: Database, centers: CenterStore, clock: Clock,
                 protocols: ProtocolService, settings: AppealSettings) -> None:
        self._db = db
        self._centers = centers
        self._clock = clock
        self._protocols = protocols
        self.settings = settings

    def _marks(self) -> dict[tuple[str, int], InstructionMarkRow]:
        with self._db.read() as session:
            return {(m.request_number, m.position): m
                    for m in session.scalars(select(InstructionMarkRow))}

    def instructions(self, *, include_done: bool = False) -> list[ControlItem]:
        calendar = self._centers.snapshot().calendar
        today = calendar.service_day(self._clock.now())
        marks = self._marks()
        items = []
        for protocol in self._protocols.register_entries():
            for position, instruction in enumerate(protocol.instructions):
                mark = marks.get((protocol.number, position))
                if mark is not None and not include_done:
                    continue
                signal, left = deadline_signal(
                    instruction.due, today, calendar,
                    remind_working_days=self.settings.remind_working_days)
                items.append(ControlItem(
                    kind="instruction", reference=protocol.number, position=position,
                    text=instruction.text, responsible=instruction.responsible,
                    due=instruction.due, signal=None if mark else signal,
                    working_days_left=left, done_at=mark.done_at if mark else None,
                    report=mark.report if mark else None, given_on=protocol.received_on))
        return items

    def appeals(self) -> list[ControlItem]:
        calendar = self._centers.snapshot().calendar
        today = calendar.service_day(self._clock.now())
        with self._db.read() as session:
            rows = list(session.scalars(select(AppealRow).where(
                AppealRow.state.in_([s.value for s in OPEN_STATES]),
                AppealRow.due.is_not(None))))
        items = []
        for row in rows:
            assert row.due is not None and row.assignee is not None
            signal, left = deadline_signal(row.due, today, calendar,
                                           remind_working_days=self.settings.remind_working_days)
            items.append(ControlItem(kind="appeal", reference=row.number, position=None,
                                     text=row.subject, responsible=row.assignee, due=row.due,
                                     signal=signal, working_days_left=left))
        return items

    def work_list(self) -> list[ControlItem]:
        """Open instructions and appeals on control: overdue first, then by deadline."""
        order = {Signal.OVERDUE: 0, Signal.REMINDER: 1, Signal.IN_TIME: 2}
        return sorted(self.instructions() + self.appeals(),
                      key=lambda i: (order[i.signal] if i.signal else 3, i.due, i.reference))

    def mark_done(self, request_number: str, position: int, report: str, *,
                  actor: str) -> None:
        """Report an instruction of a protocol as carried out."""
        now = self._clock.now()
        try:
            text = clean_text(report, "report", Bilingual(kk="орындалуы туралы есеп",
                                                          ru="отчёт об исполнении"),
                              limit=4000)
            protocol = self._protocols.get(request_number)
            if not 0 <= position < len(protocol.instructions):
                raise NotFound(f"protocol {request_number} has no instruction {position}",
                               Bilingual(kk="Мұндай тапсырма жоқ.",
                                         ru="Такого поручения нет."), field="position")
            with self._db.write() as session:
                if session.scalars(select(InstructionMarkRow.id).where(
                        InstructionMarkRow.request_number == request_number,
                        InstructionMarkRow.position == position)).first() is not None:
                    raise Conflict("the instruction is already reported done", Bilingual(
                        kk="Бұл тапсырманың орындалғаны белгіленген.",
                        ru="Исполнение этого поручения уже отмечено."), field="position")
                session.add(InstructionMarkRow(request_number=request_number,
                                               position=position, report=text,
                                               done_at=now, done_by=actor))
                due = protocol.instructions[position].due
                audit.record(session, actor=actor, action="instruction_done",
                             entity="reception_request", entity_id=request_number, at=now,
                             after={"instruction": position, "due": due.isoformat(),
                                    "late": self._centers.snapshot().calendar.service_day(
                                        now) > due})
        except DomainError as error:
            with self._db.write() as session:
                audit.record(session, actor=actor, action="instruction_done_refused",
                             entity="reception_request", entity_id=request_number, at=now,
                             after={"refused": error.code, "field": error.field})
            raise

    def figures(self, start: date, end: date) -> InstructionFigures:
        """Instructions of the protocols recorded from `start` to `end` inclusive."""
        calendar = self._centers.snapshot().calendar
        items = [i for i in self.instructions(include_done=True)
                 if i.given_on is not None and start <= i.given_on <= end]
        done = [i for i in items if i.done_at is not None]
        late = sum(1 for i in done if i.done_at and calendar.service_day(i.done_at) > i.due)
        return InstructionFigures(total=len(items), done=len(done), done_late=late,
                                  open=len(items) - len(done),
                                  overdue=sum(1 for i in items if i.signal is Signal.OVERDUE))
