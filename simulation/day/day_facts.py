"""What the database holds of one service day of a day run, read once at the day's
end for the invariants (simulation.day.invariants): the day's tickets, the zones'
counters, the number leases with their numbers, audit rows per ticket and per lease,
the desk shifts, and the center's configuration. Read-only queries through SQLAlchemy,
the same on SQLite and PostgreSQL."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from hub.domain.calendar import WorkCalendar
from hub.domain.center import CenterConfig, NumberRange
from hub.domain.staffing import DeskShift
from hub.domain.tickets import FINAL_STATES
from hub.services.center_store import CenterStore
from hub.services.clock import ManualClock
from hub.services.events import EventBus
from hub.storage.db import Database, make_engine, normalise_url
from hub.storage.lease_models import LeasedNumberRow, NumberLeaseRow
from hub.storage.models import AuditRow, DeskShiftRow, TicketCounterRow, TicketRow


@dataclass(frozen=True, slots=True)
class DayTicket:
    id: int
    issued_zone: str  # the zone whose number it holds, wherever it was transferred
    sequence: int
    number: int
    state: str
    transfers: int
    issued_at: datetime
    called_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None

    def holds(self, start: datetime, end: datetime) -> bool:
        """Whether the ticket held its number at some moment of [start, end]."""
        released = self.finished_at if self.state in FINAL_STATES else None
        return self.issued_at <= end and (released is None or released >= start)


@dataclass(frozen=True, slots=True)
class DayLease:
    id: int
    node_id: str
    zone: str
    created_at: datetime
    replaced_at: datetime | None
    numbers: tuple[tuple[int, int, int | None], ...]  # (sequence, number, ticket id)


@dataclass
class DayFacts:
    """What the database holds of one service day, plus the center's configuration."""

    service_day: date
    config: CenterConfig
    calendar: WorkCalendar
    tickets: list[DayTicket]
    counters: dict[str, int]  # zone -> the day's last sequence
    leases: list[DayLease]
    audit_per_ticket: dict[int, int]
    lease_audit_rows: dict[int, int]  # lease id -> its audit rows
    shifts: list[DeskShift]  # sign-ins that touched the day
    database: Database | None = None  # for the staffing service; None in pure tests
    centers: CenterStore | None = None

    @property
    def day_start(self) -> datetime:
        return datetime.combine(self.service_day, time(0), tzinfo=self.calendar.tz)

    @property
    def day_end(self) -> datetime:
        return self.day_start + timedelta(days=1)

    def number_range(self, zone: str) -> NumberRange | None:
        for candidate in self.config.zones:
            if candidate.code == zone:
                return candidate.number_range
        return None

    @classmethod
    def load(cls, database: Database, service_day: date) -> DayFacts:
        centers = CenterStore(database, ManualClock(datetime.now(UTC)), EventBus())
        snap = centers.snapshot()
        start = datetime.combine(service_day, time(0), tzinfo=snap.calendar.tz)
        with database.read() as session:
            tickets = [DayTicket(id=r.id, issued_zone=r.issued_zone,
                                 sequence=r.sequence, number=r.number, state=r.state,
                                 transfers=r.transfers, issued_at=r.issued_at,
                                 called_at=r.called_at, started_at=r.started_at,
                                 finished_at=r.finished_at)
                       for r in session.scalars(select(TicketRow).where(
                           TicketRow.service_day == service_day).order_by(TicketRow.id))]
            counters = {str(zone): int(last) for zone, last in session.execute(
                select(TicketCounterRow.zone, TicketCounterRow.last_sequence).where(
                    TicketCounterRow.service_day == service_day))}
            numbers: dict[int, list[tuple[int, int, int | None]]] = defaultdict(list)
            for lease_id, sequence, number, ticket_id in session.execute(
                    select(LeasedNumberRow.lease_id, LeasedNumberRow.sequence,
                           LeasedNumberRow.number, LeasedNumberRow.ticket_id)
                    .join(NumberLeaseRow, NumberLeaseRow.id == LeasedNumberRow.lease_id)
                    .where(NumberLeaseRow.service_day == service_day)
                    .order_by(LeasedNumberRow.lease_id, LeasedNumberRow.position)):
                numbers[lease_id].append((sequence, number, ticket_id))
            leases = [DayLease(id=r.id, node_id=r.node_id, zone=r.zone,
                               created_at=r.created_at, replaced_at=r.replaced_at,
                               numbers=tuple(numbers[r.id]))
                      for r in session.scalars(select(NumberLeaseRow).where(
                          NumberLeaseRow.service_day == service_day)
                          .order_by(NumberLeaseRow.id))]
            # A ticket's rows are written on its day, or the next morning (a stale
            # close); audit `at` is indexed with nothing, so the day's rows are taken
            # by entity and filtered by the ids of the day.
            ticket_ids = {t.id for t in tickets}
            audit_per_ticket: dict[int, int] = dict.fromkeys(ticket_ids, 0)
            for entity_id, count in session.execute(
                    select(AuditRow.entity_id, func.count()).where(
                        AuditRow.entity == "ticket", AuditRow.at >= start,
                        AuditRow.at < start + timedelta(days=2))
                    .group_by(AuditRow.entity_id)):
                if entity_id.isdigit() and int(entity_id) in ticket_ids:
                    audit_per_ticket[int(entity_id)] = int(count)
            lease_ids = {lease.id for lease in leases}
            lease_audit: dict[int, int] = dict.fromkeys(lease_ids, 0)
            for entity_id, count in session.execute(
                    select(AuditRow.entity_id, func.count()).where(
                        AuditRow.entity == "number_lease", AuditRow.at >= start,
                        AuditRow.at < start + timedelta(days=1))
                    .group_by(AuditRow.entity_id)):
                if entity_id.isdigit() and int(entity_id) in lease_ids:
                    lease_audit[int(entity_id)] = int(count)
            shifts = [DeskShift(desk=r.desk, operator=r.operator, started_at=r.started_at,
                                ended_at=r.ended_at)
                      for r in session.scalars(select(DeskShiftRow).where(
                          DeskShiftRow.started_at < start + timedelta(days=1),
                          DeskShiftRow.ended_at.is_(None) | (DeskShiftRow.ended_at >= start)))]
        return cls(service_day=service_day, config=snap.config, calendar=snap.calendar,
                   tickets=tickets, counters=counters, leases=leases,
                   audit_per_ticket=audit_per_ticket, lease_audit_rows=lease_audit,
                   shifts=shifts,
                   database=database, centers=centers)


def database_bytes(database_url: str) -> int:
    """The size of the database: SQLite's pages (as committed, WAL included, so the
    moment of a checkpoint does not count), or PostgreSQL's `pg_database_size`."""
    url = make_url(normalise_url(database_url))
    query = ("SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()"
             if url.get_backend_name() == "sqlite"
             else "SELECT pg_database_size(current_database())")
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text(query)).scalar_one())
    finally:
        engine.dispose()
