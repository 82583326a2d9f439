"""Statements of the hot path of issuing, built once with bound parameters
(building a statement per call cost more than running it).

`people_ahead_count` is the SQL form of `hub.domain.issuing.people_ahead` with
the order of `hub.domain.ordering.call_key`: a test compares the two on random
queues, so the rule stays written once in the domain and mirrored here only for
speed (a count on an index instead of loading and ordering the zone's queue).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Date,
    Integer,
    String,
    and_,
    bindparam,
    case,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from hub.domain.ordering import BOOKING_LEAD, ServiceClass
from hub.domain.tickets import ACTIVE_STATES, WAITING_STATES
from hub.storage.models import TicketCounterRow, TicketRow
from hub.storage.types import UtcDateTime


def _people_ahead_statement() -> Any:
    due_before = bindparam("due_before", type_=UtcDateTime())
    klass = bindparam("klass", type_=Integer())
    first = bindparam("first", type_=UtcDateTime())
    issued_at = bindparam("issued_at", type_=UtcDateTime())
    ticket_id = bindparam("ticket_id", type_=Integer())
    target_desk = bindparam("target_desk", type_=String())
    other_class = case(
        (and_(TicketRow.booked_for.is_not(None), TicketRow.booked_for <= due_before),
         literal(int(ServiceClass.BOOKED_DUE))),
        (TicketRow.out_of_turn.is_not(None), literal(int(ServiceClass.OUT_OF_TURN))),
        else_=literal(int(ServiceClass.REGULAR)))
    other_first = case((other_class == int(ServiceClass.BOOKED_DUE), TicketRow.booked_for),
                       else_=TicketRow.queued_at)
    # call_key(other) < call_key(mine), compared field by field.
    same_issue_time = and_(TicketRow.issued_at == issued_at, TicketRow.id < ticket_id)
    same_first = and_(other_first == first,
                      or_(TicketRow.issued_at < issued_at, same_issue_time))
    same_class = and_(other_class == klass, or_(other_first < first, same_first))
    before = or_(other_class < klass, same_class)
    # A ticket aimed at one desk waits only behind tickets that desk may call.
    same_desk = or_(target_desk.is_(None), TicketRow.target_desk.is_(None),
                    TicketRow.target_desk == target_desk)
    return (select(func.count()).select_from(TicketRow)
            .where(TicketRow.service_day == bindparam("day", type_=Date()),
                   TicketRow.zone == bindparam("zone", type_=String()),
                   TicketRow.state.in_([s.value for s in WAITING_STATES]),
                   TicketRow.id != ticket_id, before, same_desk))


PEOPLE_AHEAD = _people_ahead_statement()


def people_ahead_count(session: Session, *, day: date, zone: str, ticket_id: int,
                       klass: ServiceClass, first: datetime, issued_at: datetime,
                       target_desk: str | None, now: datetime) -> int:
    """How many waiting tickets of the zone come before the given one in call order."""
    count = session.scalar(PEOPLE_AHEAD, {
        "day": day, "zone": zone, "ticket_id": ticket_id, "klass": int(klass), "first": first,
        "issued_at": issued_at, "target_desk": target_desk, "due_before": now + BOOKING_LEAD})
    return int(count or 0)


# Issuing a number ---------------------------------------------------------------

_ACTIVE = [s.value for s in ACTIVE_STATES]
_ZONE = bindparam("zone", type_=String())
_DAY = bindparam("day", type_=Date())

# Creates the day's counter at 1 or advances it, and returns the new value; the
# upsert locks the row until commit (SQLite's write lock is already held).
_NEXT_SEQUENCE = {
    dialect: insert(TicketCounterRow)
    .values(zone=_ZONE, service_day=_DAY, last_sequence=1)
    .on_conflict_do_update(index_elements=["zone", "service_day"],
                           set_={"last_sequence": TicketCounterRow.last_sequence + 1})
    .returning(TicketCounterRow.last_sequence)
    for dialect, insert in (("postgresql", postgresql_insert), ("sqlite", sqlite_insert))
}
# (An UPDATE reserves the column names for its SET values: other parameter names.)
_SET_SEQUENCE = (update(TicketCounterRow)
                 .where(TicketCounterRow.zone == bindparam("counter_zone", type_=String()),
                        TicketCounterRow.service_day == bindparam("counter_day", type_=Date()))
                 .values(last_sequence=bindparam("sequence", type_=Integer())))
_HELD = (TicketRow.issued_zone == _ZONE, TicketRow.service_day == _DAY,
         TicketRow.state.in_(_ACTIVE))
_NUMBER_HELD = (select(TicketRow.id)
                .where(*_HELD, TicketRow.number == bindparam("number", type_=Integer()))
                .limit(1))
_NUMBERS_HELD = select(TicketRow.number).where(*_HELD)
_BY_KEY = select(TicketRow).where(TicketRow.idempotency_key == bindparam("key", type_=String()))


def next_sequence(session: Session, zone: str, day: date) -> int:
    """Advance the zone's ticket count for the day by one and return it; the row
    stays locked until commit, so concurrent issuers of the zone queue here."""
    statement = _NEXT_SEQUENCE[session.get_bind().dialect.name]
    return int(session.execute(statement, {"zone": zone, "day": day}).scalar_one())


def set_sequence(session: Session, zone: str, day: date, sequence: int) -> None:
    """Move the count further, past numbers skipped because they are still held."""
    session.execute(_SET_SEQUENCE, {"counter_zone": zone, "counter_day": day,
                                    "sequence": sequence})


def number_held(session: Session, zone: str, day: date, number: int) -> bool:
    """Whether an active ticket of the zone's day shows `number`."""
    return session.scalar(_NUMBER_HELD, {"zone": zone, "day": day, "number": number}) is not None


def numbers_held(session: Session, zone: str, day: date) -> set[int]:
    return set(session.scalars(_NUMBERS_HELD, {"zone": zone, "day": day}))


def ticket_by_key(session: Session, key: str) -> TicketRow | None:
    row: TicketRow | None = session.scalars(_BY_KEY, {"key": key}).first()
    return row
