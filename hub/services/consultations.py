"""Consultations of the consultation zone (000 §12) and the satisfaction
survey's call list (002 §36, 004 §38).

A consultation belongs to a ticket the worker called today: the ticket's
zone, desk and times stay in the queue's records and feed the statistics from
there. The call list holds the phone numbers to ring, so only roles that see
personal data get it, and each read is audited.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hub.domain.appeals.consultations import ConsultationDraft, Outcome
from hub.domain.appeals.surveys import ANSWERED, SurveyAnswer, SurveyResult, eligible, sampled
from hub.domain.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from hub.domain.personal_data import mask_iin, mask_phone, reads_call_list
from hub.domain.reception.applicants import Phone
from hub.domain.reception.iin import parse_iin
from hub.domain.text import Bilingual
from hub.domain.tickets import AT_DESK_STATES, TicketState
from hub.services import audit
from hub.services.center_store import CenterStore
from hub.services.clock import Clock
from hub.services.users import Principal
from hub.settings import AppealSettings
from hub.storage.appeal_models import ConsultationRow, SurveyCallRow
from hub.storage.db import Database
from hub.storage.models import TicketRow

ENTITY = "consultation"
# A consultation is written for a visitor the worker has called or served.
CONSULTED_STATES = tuple(s.value for s in AT_DESK_STATES | {TicketState.DONE})


@dataclass(frozen=True, slots=True)
class ConsultationInput:
    """What the consultation worker typed."""

    question: str
    advice: str
    outcome: str
    applied_before: str = ""
    answer_before: str = ""
    court_decision: str = ""
    iin: str = ""
    full_name: str = ""
    phone: str = ""
    appeal_number: str = ""


@dataclass(frozen=True, slots=True)
class CalledTicket:
    id: int
    number: int
    zone: str
    desk: str | None
    state: str
    called_at: datetime | None


@dataclass(frozen=True, slots=True)
class ConsultationInfo:
    id: int
    ticket_id: int
    ticket_number: int
    service_day: date
    zone: str
    desk: str | None
    worker: str
    recorded_at: datetime
    question: str
    applied_before: str
    answer_before: str
    court_decision: str
    advice: str
    outcome: str
    iin_masked: str
    appeal_number: str | None


@dataclass(frozen=True, slots=True)
class CallListEntry:
    consultation_id: int
    service_day: date
    ticket_number: int
    full_name: str
    phone: str
    outcome: str
    result: str | None
    score: int | None


@dataclass(frozen=True, slots=True)
class SurveyFigures:
    start: date
    end: date
    consultations: int
    by_outcome: dict[str, int]
    eligible: int
    on_call_list: int
    called: int
    by_result: dict[str, int]
    answered: int
    mean_score: float | None
    satisfied_share: float | None  # satisfied among those who answered


def _refused(error: DomainError) -> dict[str, Any]:
    return {"refused": error.code, "field": error.field, "detail": error.detail}


class ConsultationService:
    def __init__(self, db: Database, centers: CenterStore, clock: Clock,
                 settings: AppealSettings) -> None:
        self._db = db
        self._centers = centers
        self._clock = clock
        self.settings = settings

    def _today(self) -> date:
        return self._centers.snapshot().calendar.service_day(self._clock.now())

    def _audit_refusal(self, actor: str, action: str, entity_id: str,
                       error: DomainError) -> None:
        with self._db.write() as session:
            audit.record(session, actor=actor, action=f"{action}_refused", entity=ENTITY,
                         entity_id=entity_id, at=self._clock.now(), after=_refused(error))

    # --------------------------------------------------------- consultations

    def called_tickets(self, desk: str | None) -> list[CalledTicket]:
        """Today's tickets called or served at `desk` (every desk when None)
        that have no consultation recorded yet, latest call first."""
        today = self._today()
        with self._db.read() as session:
            recorded = select(ConsultationRow.ticket_id)
            query = select(TicketRow).where(
                TicketRow.service_day == today, TicketRow.state.in_(CONSULTED_STATES),
                TicketRow.id.not_in(recorded)).order_by(TicketRow.called_at.desc())
            if desk is not None:
                query = query.where(TicketRow.desk == desk)
            return [CalledTicket(t.id, t.number, t.zone, t.desk, t.state, t.called_at)
                    for t in session.scalars(query)]

    def record(self, ticket_id: int, given: ConsultationInput, *, actor: str,
               desk: str | None = None) -> ConsultationInfo:
        """Record the consultation of ticket `ticket_id`. With `desk`, the ticket
        must have been called at that desk."""
        now, today = self._clock.now(), self._today()
        try:
            draft = ConsultationDraft(
                question=given.question, advice=given.advice,
                outcome=self._outcome(given.outcome),
                applied_before=given.applied_before, answer_before=given.answer_before,
                court_decision=given.court_decision,
                iin=parse_iin(given.iin, today=today) if given.iin.strip() else None,
                full_name=given.full_name,
                phone=Phone.parse(given.phone) if given.phone.strip() else None,
                appeal_number=given.appeal_number or None)
            with self._db.write() as session:
                ticket = session.get(TicketRow, ticket_id)
                if ticket is None or ticket.service_day != today:
                    raise NotFound(f"no ticket {ticket_id} today", Bilingual(
                        kk="Бүгін мұндай талон болған жоқ.",
                        ru="Такого талона сегодня не было."), field="ticket")
                if ticket.state not in CONSULTED_STATES or (
                        desk is not None and ticket.desk != desk):
                    raise Conflict(f"ticket {ticket_id} was not called at this desk",
                                   Bilingual(kk="Бұл талон сіздің үстеліңізге шақырылмаған.",
                                             ru="Этот талон не вызывался к вашему столу."),
                                   field="ticket")
                row = ConsultationRow(
                    ticket_id=ticket.id, ticket_number=ticket.number,
                    service_day=ticket.service_day, zone=ticket.zone, desk=ticket.desk,
                    worker=actor, recorded_at=now, question=draft.question,
                    applied_before=draft.applied_before, answer_before=draft.answer_before,
                    court_decision=draft.court_decision, advice=draft.advice,
                    outcome=draft.outcome.value,
                    iin=draft.iin.value if draft.iin else None, full_name=draft.full_name,
                    phone=draft.phone.value if draft.phone else None,
                    appeal_number=draft.appeal_number)
                session.add(row)
                try:
                    session.flush()
                except IntegrityError as error:
                    raise Conflict(f"ticket {ticket_id} already has its consultation",
                                   Bilingual(kk="Бұл талонның консультациясы жазылған.",
                                             ru="Консультация по этому талону уже записана."),
                                   field="ticket") from error
                audit.record(session, actor=actor, action="consultation_record",
                             entity=ENTITY, entity_id=row.id, at=now,
                             after={"ticket": ticket.id, "desk": ticket.desk,
                                    "outcome": row.outcome,
                                    "iin": mask_iin(row.iin) if row.iin else None,
                                    "phone": row.phone is not None,
                                    "appeal": row.appeal_number})
                return self._info(row)
        except DomainError as error:
            self._audit_refusal(actor, "consultation_record", str(ticket_id), error)
            raise

    @staticmethod
    def _outcome(value: str) -> Outcome:
        try:
            return Outcome(value)
        except ValueError:
            raise ValidationFailed(f"unknown outcome {value!r}", Bilingual(
                kk="Консультацияның нәтижесін тізімнен таңдаңыз.",
                ru="Выберите итог консультации из списка."), field="outcome") from None

    @staticmethod
    def _info(row: ConsultationRow) -> ConsultationInfo:
        return ConsultationInfo(
            id=row.id, ticket_id=row.ticket_id, ticket_number=row.ticket_number,
            service_day=row.service_day, zone=row.zone, desk=row.desk, worker=row.worker,
            recorded_at=row.recorded_at, question=row.question,
            applied_before=row.applied_before, answer_before=row.answer_before,
            court_decision=row.court_decision, advice=row.advice, outcome=row.outcome,
            iin_masked=mask_iin(row.iin) if row.iin else "", appeal_number=row.appeal_number)

    def list_consultations(self, start: date, end: date) -> list[ConsultationInfo]:
        with self._db.read() as session:
            return [self._info(r) for r in session.scalars(select(ConsultationRow).where(
                ConsultationRow.service_day >= start, ConsultationRow.service_day <= end)
                .order_by(ConsultationRow.id.desc()))]

    # ----------------------------------------------------------------- survey

    def _on_list(self, row: ConsultationRow) -> bool:
        return eligible(Outcome(row.outcome), row.phone is not None) and sampled(
            row.id, self.settings.survey_rate, self.settings.survey_seed)

    def call_list(self, viewer: Principal, start: date, end: date) -> list[CallListEntry]:
        """Whom to call for the satisfaction survey among the consultations of
        `start`..`end`: phones in full, so the read is audited."""
        if not reads_call_list(viewer.role):
            raise Forbidden(f"role {viewer.role.value} does not see phone numbers", Bilingual(
                kk="Сіздің рөліңізге өтініш берушілердің телефондары көрсетілмейді.",
                ru="Вашей роли телефоны заявителей не показываются."), field="role")
        with self._db.write() as session:
            rows = self._period(session, start, end)
            calls = self._calls(session, [r.id for r in rows])
            entries = [CallListEntry(
                consultation_id=r.id, service_day=r.service_day, ticket_number=r.ticket_number,
                full_name=r.full_name, phone=Phone(r.phone).display if r.phone else "",
                outcome=r.outcome, result=calls[r.id].result if r.id in calls else None,
                score=calls[r.id].score if r.id in calls else None)
                for r in rows if self._on_list(r)]
            audit.record(session, actor=viewer.actor, action="survey_call_list_read",
                         entity=ENTITY, entity_id="call_list", at=self._clock.now(),
                         after={"start": start.isoformat(), "end": end.isoformat(),
                                "entries": len(entries),
                                "phones": [mask_phone(r.phone) for r in rows
                                           if r.phone and self._on_list(r)]})
            return entries

    @staticmethod
    def _period(session: Session, start: date, end: date) -> list[ConsultationRow]:
        return list(session.scalars(select(ConsultationRow).where(
            ConsultationRow.service_day >= start, ConsultationRow.service_day <= end)
            .order_by(ConsultationRow.id)))

    @staticmethod
    def _calls(session: Session, ids: list[int]) -> dict[int, SurveyCallRow]:
        if not ids:
            return {}
        return {c.consultation_id: c for c in session.scalars(select(SurveyCallRow).where(
            SurveyCallRow.consultation_id.in_(ids)))}

    def record_survey(self, consultation_id: int, *, result: str, score: int | None,
                      comment: str, actor: str) -> None:
        """The result of the call; a second call of the same applicant replaces it."""
        now = self._clock.now()
        try:
            try:
                answer = SurveyAnswer(SurveyResult(result), score, comment)
            except ValueError as error:
                if isinstance(error, DomainError):
                    raise
                raise ValidationFailed(str(error), Bilingual(
                    kk="Сауалнама нәтижесін тізімнен таңдаңыз.",
                    ru="Выберите результат опроса из списка."), field="result") from error
            with self._db.write() as session:
                row = session.get(ConsultationRow, consultation_id)
                if row is None or not self._on_list(row):
                    raise NotFound(f"consultation {consultation_id} is not on the call list",
                                   Bilingual(kk="Бұл өтініш беруші қоңырау тізімінде жоқ.",
                                             ru="Этого заявителя нет в списке обзвона."),
                                   field="consultation")
                call = session.scalars(select(SurveyCallRow).where(
                    SurveyCallRow.consultation_id == consultation_id)).first()
                if call is None:
                    call = SurveyCallRow(consultation_id=consultation_id, called_at=now)
                    session.add(call)
                call.result, call.score, call.comment = (answer.result.value, answer.score,
                                                         answer.comment)
                call.called_at, call.called_by = now, actor
                audit.record(session, actor=actor, action="survey_call", entity=ENTITY,
                             entity_id=consultation_id, at=now,
                             after={"result": answer.result.value, "score": answer.score})
        except DomainError as error:
            self._audit_refusal(actor, "survey_call", str(consultation_id), error)
            raise

    def figures(self, start: date, end: date) -> SurveyFigures:
        """Consultations and the survey of `start`..`end` for the reports."""
        with self._db.read() as session:
            rows = self._period(session, start, end)
            calls = self._calls(session, [r.id for r in rows])
        listed = [r for r in rows if self._on_list(r)]
        results = [calls[r.id] for r in listed if r.id in calls]
        answered = [c for c in results if SurveyResult(c.result) in ANSWERED]
        scores = [c.score for c in answered if c.score is not None]
        return SurveyFigures(
            start=start, end=end, consultations=len(rows),
            by_outcome=dict(Counter(r.outcome for r in rows)),
            eligible=sum(1 for r in rows if eligible(Outcome(r.outcome), r.phone is not None)),
            on_call_list=len(listed), called=len(results),
            by_result=dict(Counter(c.result for c in results)), answered=len(answered),
            mean_score=sum(scores) / len(scores) if scores else None,
            satisfied_share=(sum(1 for c in answered if c.result == SurveyResult.SATISFIED)
                             / len(answered)) if answered else None)
