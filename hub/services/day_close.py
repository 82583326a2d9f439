"""Closing the service days that are over: the visitors still in their queue
(hub.domain.day_close) are closed as not served, with an audit row each and one
for the day, and the console tells staff the next morning how many there were.

Lazily, with no timer: the first change of the queue on a new service day (any
ticket event on the bus) and every read of the board check once whether an
earlier day still has tickets in its queue; after that the day is known clean
and the check costs a comparison of dates.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from hub.domain.calendar import WorkCalendar
from hub.domain.day_close import DAY_ENDED, ClosedDay, closed_at, leftover_outcome
from hub.domain.tickets import ACTIVE_STATES, TicketState
from hub.services import audit
from hub.services.center_store import CenterStore
from hub.services.clock import Clock
from hub.services.events import EventBus, QueueEvent
from hub.storage.db import Database
from hub.storage.models import AuditRow, TicketRow

SYSTEM_ACTOR = "system"
ACTION = "close_day"
# The ticket events of the queue service: a change of the queue on some day.
_TICKET_EVENTS = frozenset({"issued", "called", "recalled", "started", "finished",
                            "no_show", "transferred", "cancelled"})
_ACTIVE = sorted(s.value for s in ACTIVE_STATES)
ATTEMPTS = 5


class DayCloseService:
    def __init__(self, db: Database, centers: CenterStore, clock: Clock, bus: EventBus) -> None:
        self._db = db
        self._centers = centers
        self._clock = clock
        self._bus = bus
        self._lock = threading.Lock()
        # The service day before which no ticket is left in a queue (as far as known).
        self._clean_before: date | None = None
        # closed_today's answer and its day: read once a day, and after each closing.
        self._told: tuple[date, list[ClosedDay]] | None = None
        bus.subscribe(self._on_event)

    def _on_event(self, event: QueueEvent) -> None:
        if event.kind in _TICKET_EVENTS:
            self.catch_up()

    def catch_up(self) -> list[ClosedDay]:
        """Close every earlier service day's leftover tickets; what each day had."""
        today = self._centers.snapshot().calendar.service_day(self._clock.now())
        if self._clean_before == today:
            return []
        with self._lock:
            if self._clean_before == today:
                return []
            closed: list[ClosedDay] = []
            for attempt in range(ATTEMPTS):
                try:
                    closed = self._close_before(today)
                    break
                except StaleDataError:
                    # Another hub process (or a desk) changed one meanwhile: look again.
                    if attempt == ATTEMPTS - 1:
                        raise
            self._clean_before = today
            if closed:
                self._told = None
        for day in closed:
            self._bus.publish(QueueEvent(kind="day_closed", at=self._clock.now(),
                                         extra={"day": day.day.isoformat(),
                                                "not_served": str(day.not_served)}))
        return closed

    def _close_before(self, today: date) -> list[ClosedDay]:
        calendar = self._centers.snapshot().calendar
        now = self._clock.now()
        with self._db.write() as session:
            rows = session.scalars(select(TicketRow).where(
                TicketRow.service_day < today, TicketRow.state.in_(_ACTIVE))
                .order_by(TicketRow.service_day, TicketRow.id)).all()
            outcomes: dict[date, list[TicketState]] = defaultdict(list)
            for row in rows:
                outcomes[row.service_day].append(self._close(session, row, calendar, now))
            days = [ClosedDay.of(day, states) for day, states in sorted(outcomes.items())]
            for day in days:
                audit.record(session, actor=SYSTEM_ACTOR, action=ACTION, entity="service_day",
                             entity_id=day.day.isoformat(), at=now, before=None,
                             after={"not_served": day.not_served, "finished": day.finished})
        return days

    @staticmethod
    def _close(session: Session, row: TicketRow, calendar: WorkCalendar,
               now: datetime) -> TicketState:
        source = TicketState(row.state)
        target = leftover_outcome(source)
        at = closed_at(calendar, row.service_day, row.updated_at)
        before = {"number": row.number, "state": row.state, "zone": row.zone, "desk": row.desk}
        row.state = target.value
        row.finished_at = at
        row.updated_at = at
        session.flush()
        after = {"number": row.number, "state": row.state, "zone": row.zone, "desk": row.desk,
                 "finished_at": at.isoformat()}
        if target is not TicketState.DONE:
            after["note"] = DAY_ENDED
        audit.record(session, actor=SYSTEM_ACTOR, action=ACTION, entity="ticket",
                     entity_id=row.id, at=now, before=before, after=after)
        return target

    def closed_today(self) -> list[ClosedDay]:
        """The earlier days closed since the start of today's service day, the latest
        first: what the console tells staff this morning."""
        self.catch_up()
        calendar = self._centers.snapshot().calendar
        local = calendar.local(self._clock.now())
        told = self._told
        if told is not None and told[0] == local.date():
            return told[1]
        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
        with self._db.read() as session:
            rows = session.scalars(select(AuditRow).where(
                AuditRow.action == ACTION, AuditRow.entity == "service_day",
                AuditRow.at >= midnight, AuditRow.at < midnight + timedelta(days=1))
                .order_by(AuditRow.id.desc())).all()
        days: dict[date, ClosedDay] = {}
        for row in rows:
            day = date.fromisoformat(row.entity_id)
            after = row.after or {}
            seen = days.get(day)
            # Two hub processes may each have closed part of a day: add them up.
            days[day] = ClosedDay(day=day,
                                  not_served=int(after.get("not_served", 0))
                                  + (seen.not_served if seen else 0),
                                  finished=int(after.get("finished", 0))
                                  + (seen.finished if seen else 0))
        result = sorted(days.values(), key=lambda d: d.day, reverse=True)
        self._told = (local.date(), result)
        return result
