"""Reports of the center's work for a day or a quarter (002 §38, 004 §40):
reads the tickets, booking requests, their steps and reception protocols of
the period, and hands plain facts to ``hub.domain.reports``.

Only columns without personal data are read (no applicant names, IINs,
phones, essences, or responsible persons' names), so nothing personal can
reach a report, its export or the API (000 §2). The appeals register, the
control of instructions and the survey give their own counts (their
``figures``), which carry no personal data either.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from hub.domain.reports.appeals import AppealsFigures, InstructionControl, Satisfaction
from hub.domain.reports.labels import Label
from hub.domain.reports.periods import ReportPeriod
from hub.domain.reports.queue import TicketFact, summarize_queue
from hub.domain.reports.reception import (
    OUTCOME_STEPS,
    InstructionFact,
    RequestFact,
    StepFact,
    summarize_reception,
)
from hub.domain.reports.report import Report
from hub.domain.text import Bilingual
from hub.services.appeal_desk import AppealDesk
from hub.services.center_store import CenterSnapshot, CenterStore
from hub.services.clock import Clock
from hub.storage.appeal_models import InstructionMarkRow
from hub.storage.db import Database
from hub.storage.models import TicketRow
from hub.storage.reception_day_models import ReceptionProtocolRow
from hub.storage.reception_models import (
    BookingRequestRow,
    OfficialRow,
    RequestTransitionRow,
)


def _hours(snap: CenterSnapshot) -> range:
    """The local hours the center is open, for the visitors-by-hour chart."""
    hours = snap.calendar.hours
    last = hours.closes.hour if hours.closes.minute == 0 else hours.closes.hour + 1
    return range(hours.opens.hour, max(last, hours.opens.hour + 1))


class ReportService:
    def __init__(self, db: Database, centers: CenterStore, clock: Clock,
                 appeals: AppealDesk | None = None) -> None:
        self._db = db
        self._centers = centers
        self._clock = clock
        self._appeals = appeals

    def report(self, period: ReportPeriod) -> Report:
        snap = self._centers.snapshot()
        calendar, config = snap.calendar, snap.config
        now = self._clock.now()
        # The UTC bounds of the period's local days, a day wider on each side; the
        # local day of each row then decides.
        start = datetime.combine(period.first - timedelta(days=1), time(), tzinfo=calendar.tz)
        end = datetime.combine(period.last + timedelta(days=2), time(), tzinfo=calendar.tz)
        with self._db.read() as session:
            tickets = session.execute(select(
                TicketRow.service_day, TicketRow.issued_zone, TicketRow.zone,
                TicketRow.purpose, TicketRow.language, TicketRow.out_of_turn,
                TicketRow.needs_escort, TicketRow.state, TicketRow.desk, TicketRow.issued_at,
                TicketRow.called_at, TicketRow.started_at, TicketRow.finished_at,
            ).where(TicketRow.service_day >= period.first,
                    TicketRow.service_day <= period.last)).all()
            requests = session.execute(select(
                BookingRequestRow.registered_on, BookingRequestRow.channel,
                BookingRequestRow.language,
            ).where(BookingRequestRow.registered_on >= period.first,
                    BookingRequestRow.registered_on <= period.last)).all()
            steps = session.execute(select(RequestTransitionRow.target, RequestTransitionRow.at)
                                    .where(RequestTransitionRow.at >= start,
                                           RequestTransitionRow.at < end,
                                           RequestTransitionRow.target.in_(
                                               [label.code for label in OUTCOME_STEPS]))).all()
            protocols = session.execute(select(
                ReceptionProtocolRow.official, ReceptionProtocolRow.received_on,
                ReceptionProtocolRow.instructions, BookingRequestRow.number,
            ).join(BookingRequestRow, BookingRequestRow.id == ReceptionProtocolRow.request_id)
             .where(ReceptionProtocolRow.received_on <= period.last)).all()
            done = {(m.request_number, m.position): calendar.service_day(m.done_at)
                    for m in session.execute(select(
                        InstructionMarkRow.request_number, InstructionMarkRow.position,
                        InstructionMarkRow.done_at)).all()}
            officials = session.execute(select(
                OfficialRow.code, OfficialRow.position_kk, OfficialRow.position_ru,
            ).order_by(OfficialRow.position, OfficialRow.code)).all()
        ticket_facts = [TicketFact(
            service_day=t.service_day, issued_zone=t.issued_zone, zone=t.zone,
            purpose=t.purpose, language=t.language, out_of_turn=t.out_of_turn,
            needs_escort=t.needs_escort, state=t.state, desk=t.desk,
            issued_hour=calendar.local(t.issued_at).hour, issued_at=t.issued_at,
            called_at=t.called_at, started_at=t.started_at, finished_at=t.finished_at,
        ) for t in tickets]
        queue = summarize_queue(
            ticket_facts,
            zones=[Label(z.code, z.name) for z in config.zones if z.serving],
            desks=[Label(d.code, d.label) for d in config.desks],
            purposes=[Label(p.code, p.name) for p in config.purposes],
            out_of_turn=[Label(c.code, c.name) for c in config.out_of_turn],
            hours=_hours(snap), days=period.working_days(calendar))
        instructions = [InstructionFact(p.official, p.received_on,
                                        date.fromisoformat(item["due"]),
                                        done.get((p.number, position)))
                        for p in protocols for position, item in enumerate(p.instructions)]
        reception = summarize_reception(
            [RequestFact(r.registered_on, r.channel, r.language) for r in requests],
            [StepFact(s.target, calendar.service_day(s.at)) for s in steps],
            [(p.received_on, len(p.instructions)) for p in protocols],
            instructions, first=period.first, last=period.last,
            today=calendar.service_day(now),
            officials=[Label(o.code, Bilingual(kk=o.position_kk, ru=o.position_ru))
                       for o in officials])
        appeals = control = satisfaction = None
        if self._appeals is not None:
            first, last = period.first, period.last
            register = self._appeals.register.figures(first, last)
            appeals = AppealsFigures.of(
                total=register.total, by_kind=register.by_kind, by_channel=register.by_channel,
                by_state=register.by_state, from_reception=register.from_reception,
                on_control=register.on_control, overdue=register.overdue,
                closed_in_time=register.closed_in_time, closed_late=register.closed_late)
            given = self._appeals.control.figures(first, last)
            control = InstructionControl(total=given.total, done=given.done,
                                         done_late=given.done_late, open=given.open,
                                         overdue=given.overdue)
            survey = self._appeals.consultations.figures(first, last)
            satisfaction = Satisfaction.of(
                consultations=survey.consultations, by_outcome=survey.by_outcome,
                eligible=survey.eligible, on_call_list=survey.on_call_list,
                called=survey.called, by_result=survey.by_result, answered=survey.answered,
                mean_score=survey.mean_score, satisfied_share=survey.satisfied_share)
        return Report(center=config.name, period=period, made_at=now,
                      working_days=period.working_days(calendar), queue=queue,
                      reception=reception, appeals=appeals, control=control,
                      satisfaction=satisfaction)
