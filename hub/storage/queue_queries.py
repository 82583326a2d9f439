"""Statements of the hot path of issuing, built once with bound parameters
(building a statement per call cost more than running it). Issuing works on a
batch of tickets at once (see QueueService.issue): one statement for all the
batch's counters, tickets, audit rows and counts of people ahead.

`people_ahead_count` is the SQL form of `hub.domain.issuing.people_ahead` with
the order of `hub.domain.ordering.call_key`, and `people_ahead_of_arrivals` the
same count taken from the back of the queue for a new ticket: a test compares
both with the domain on random queues, so the rule stays written once in the
domain and mirrored here only for speed (a count on an index instead of loading
and ordering the zone's queue).
"""

from __future__ import annotations

from collections.abc import Collection
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
    insert,
    literal,
    not_,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from hub.domain.ordering import BOOKING_LEAD, ServiceClass
from hub.domain.tickets import WAITING_STATES
from hub.storage.lease_models import LeasedNumberRow, NumberLeaseRow
from hub.storage.models import ACTIVE_STATES_SQL, TicketCounterRow, TicketRow
from hub.storage.types import UtcDateTime

_WAITING = sorted(s.value for s in WAITING_STATES)


def _class_of(ticket: Any, due_before: Any) -> Any:
    """The service class of `ticket` (a table or alias of tickets) as SQL."""
    return case(
        (and_(ticket.c.booked_for.is_not(None), ticket.c.booked_for <= due_before),
         literal(int(ServiceClass.BOOKED_DUE))),
        (ticket.c.out_of_turn.is_not(None), literal(int(ServiceClass.OUT_OF_TURN))),
        else_=literal(int(ServiceClass.REGULAR)))


def _first_of(ticket: Any, klass: Any) -> Any:
    """What orders `ticket` within its class (hub.domain.ordering.class_time) as SQL."""
    return case((klass == int(ServiceClass.BOOKED_DUE), ticket.c.booked_for),
                else_=ticket.c.queued_at)


def _called_before(other: Any, *, ticket_id: Any, klass: Any, first: Any, issued_at: Any,
                   due_before: Any) -> Any:
    """call_key(other) < call_key(mine), compared field by field, as SQL."""
    other_class = _class_of(other, due_before)
    other_first = _first_of(other, other_class)
    same_issue_time = and_(other.c.issued_at == issued_at, other.c.id < ticket_id)
    same_first = and_(other_first == first,
                      or_(other.c.issued_at < issued_at, same_issue_time))
    same_class = and_(other_class == klass, or_(other_first < first, same_first))
    return or_(other_class < klass, same_class)


def _ahead_of(other: Any, *, day: Any, zone: Any, ticket_id: Any, klass: Any, first: Any,
              issued_at: Any, target_desk: Any, due_before: Any) -> list[Any]:
    """The conditions under which a waiting ticket `other` is called before the
    ticket described by the other arguments (bound parameters, or columns of a
    correlated ticket)."""
    before = _called_before(other, ticket_id=ticket_id, klass=klass, first=first,
                            issued_at=issued_at, due_before=due_before)
    # A ticket aimed at one desk waits only behind tickets that desk may call.
    same_desk = or_(target_desk.is_(None), other.c.target_desk.is_(None),
                    other.c.target_desk == target_desk)
    return [other.c.service_day == day, other.c.zone == zone,
            other.c.state.in_(_WAITING), other.c.id != ticket_id, before, same_desk]


def _people_ahead_statement() -> Any:
    tickets = TicketRow.__table__
    return (select(func.count()).select_from(tickets)
            .where(*_ahead_of(tickets, day=bindparam("day", type_=Date()),
                              zone=bindparam("zone", type_=String()),
                              ticket_id=bindparam("ticket_id", type_=Integer()),
                              klass=bindparam("klass", type_=Integer()),
                              first=bindparam("first", type_=UtcDateTime()),
                              issued_at=bindparam("issued_at", type_=UtcDateTime()),
                              target_desk=bindparam("target_desk", type_=String()),
                              due_before=bindparam("due_before", type_=UtcDateTime()))))


def _people_ahead_of_many_statement() -> Any:
    """For each ticket of `ids`: its id and the number of waiting tickets ahead of
    it, not counting the tickets of `fresh` (those are counted by the caller)."""
    mine = TicketRow.__table__.alias("mine")
    other = TicketRow.__table__.alias("other")
    due_before = bindparam("due_before", type_=UtcDateTime())
    klass = _class_of(mine, due_before)
    ahead = (select(func.count()).select_from(other)
             .where(*_ahead_of(other, day=mine.c.service_day, zone=mine.c.zone,
                               ticket_id=mine.c.id, klass=klass, first=_first_of(mine, klass),
                               issued_at=mine.c.issued_at, target_desk=mine.c.target_desk,
                               due_before=due_before),
                    other.c.id.not_in(bindparam("fresh", expanding=True)))
             .correlate(mine).scalar_subquery())
    return select(mine.c.id, ahead).where(mine.c.id.in_(bindparam("ids", expanding=True)))


PEOPLE_AHEAD = _people_ahead_statement()


def people_ahead_count(session: Session, *, day: date, zone: str, ticket_id: int,
                       klass: ServiceClass, first: datetime, issued_at: datetime,
                       target_desk: str | None, now: datetime) -> int:
    """How many waiting tickets of the zone come before the given one in call order."""
    count = session.scalar(PEOPLE_AHEAD, {
        "day": day, "zone": zone, "ticket_id": ticket_id, "klass": int(klass), "first": first,
        "issued_at": issued_at, "target_desk": target_desk, "due_before": now + BOOKING_LEAD})
    return int(count or 0)


PEOPLE_AHEAD_OF_MANY = _people_ahead_of_many_statement()


def people_ahead_counts(session: Session, ticket_ids: Collection[int], *, now: datetime,
                        leaving_out: Collection[int] = ()) -> dict[int, int]:
    """`people_ahead_count` for several tickets in one statement: ticket id -> how many
    waiting tickets of its zone come first, the tickets of `leaving_out` not counted."""
    if not ticket_ids:
        return {}
    rows = session.execute(PEOPLE_AHEAD_OF_MANY, {
        "ids": list(ticket_ids), "fresh": list(leaving_out), "due_before": now + BOOKING_LEAD})
    return {int(ticket_id): int(count or 0) for ticket_id, count in rows}


def _waiting_by_zone_statement() -> Any:
    """Per zone of `zones`: its waiting tickets of the day and how many of them are
    called before every regular ticket (booked and due, or out of turn), those of
    `fresh` left out. Counted on the index ix_ticket_arrival alone."""
    tickets = TicketRow.__table__
    due_before = bindparam("due_before", type_=UtcDateTime())
    ahead_of_regulars = _class_of(tickets, due_before) < int(ServiceClass.REGULAR)
    return (select(tickets.c.zone, func.count(), func.count(case((ahead_of_regulars, 1))))
            .where(tickets.c.service_day == bindparam("day", type_=Date()),
                   tickets.c.state.in_(_WAITING),
                   tickets.c.zone.in_(bindparam("zones", expanding=True)),
                   tickets.c.id.not_in(bindparam("fresh", expanding=True)))
            .group_by(tickets.c.zone))


def _people_behind_of_many_statement() -> Any:
    """For each ticket of `ids`: its id, zone and class, and the number of waiting
    tickets of its zone, of its class or a lower one, that arrived at or after it
    and are called after it, `fresh` left out. Only those that arrived at or after
    it are looked at (ix_ticket_arrival): of a class ordered by arrival, everyone
    who came earlier is called earlier."""
    mine = TicketRow.__table__.alias("mine")
    other = TicketRow.__table__.alias("other")
    due_before = bindparam("due_before", type_=UtcDateTime())
    klass = _class_of(mine, due_before)
    behind = (select(func.count()).select_from(other)
              .where(other.c.service_day == mine.c.service_day, other.c.zone == mine.c.zone,
                     other.c.state.in_(_WAITING), other.c.queued_at >= mine.c.queued_at,
                     other.c.id != mine.c.id,
                     other.c.id.not_in(bindparam("fresh", expanding=True)),
                     _class_of(other, due_before) <= klass,
                     not_(_called_before(other, ticket_id=mine.c.id, klass=klass,
                                         first=_first_of(mine, klass),
                                         issued_at=mine.c.issued_at, due_before=due_before)))
              .correlate(mine).scalar_subquery())
    return select(mine.c.id, mine.c.zone, klass, behind).where(
        mine.c.id.in_(bindparam("ids", expanding=True)))


WAITING_BY_ZONE = _waiting_by_zone_statement()
PEOPLE_BEHIND_OF_MANY = _people_behind_of_many_statement()


def people_ahead_of_arrivals(session: Session, day: date, ticket_ids: Collection[int], *,
                             now: datetime, leaving_out: Collection[int] = ()) -> dict[int, int]:
    """`people_ahead_counts` for waiting tickets of `day` that no desk was chosen for
    and that are regular or out of turn, not booked and due (a caller's promise),
    counted from the back of the queue: everyone waiting in the zone who is of the
    ticket's class or a lower one, less those of them called after the ticket. For
    a ticket that has just arrived that is a count on an index and a look at the
    few who came with it, where the general statement compares the ticket with the
    whole queue."""
    if not ticket_ids:
        return {}
    due_before = now + BOOKING_LEAD
    rows = list(session.execute(PEOPLE_BEHIND_OF_MANY, {
        "ids": list(ticket_ids), "fresh": list(leaving_out), "due_before": due_before}))
    waiting = {str(zone): (int(everyone), int(priority)) for zone, everyone, priority
               in session.execute(WAITING_BY_ZONE, {
                   "day": day, "zones": sorted({str(row[1]) for row in rows}),
                   "fresh": list(leaving_out), "due_before": due_before})}
    left_out = set(leaving_out)
    counts: dict[int, int] = {}
    for ticket_id, zone, klass, behind in rows:
        everyone, priority = waiting.get(zone, (0, 0))
        if klass == ServiceClass.BOOKED_DUE:
            raise ValueError(f"ticket {ticket_id} is booked and due: count it from the front")
        same_or_lower = everyone if klass == ServiceClass.REGULAR else priority
        counts[int(ticket_id)] = (same_or_lower - int(behind or 0)
                                  - (0 if ticket_id in left_out else 1))
    return counts


# Issuing a number ---------------------------------------------------------------

_ZONE = bindparam("zone", type_=String())
_DAY = bindparam("day", type_=Date())
# Written out as the partial index uq_ticket_active_number says it, word for word:
# SQLite (and PostgreSQL with a generic plan) uses a partial index only when the
# query's condition visibly implies the index's, which bound parameters or another
# order of the states do not.
_HOLDS_NUMBER = text(f"tickets.state IN {ACTIVE_STATES_SQL}")


def _next_sequence(insert: Any) -> Any:
    statement = insert(TicketCounterRow).values(zone=_ZONE, service_day=_DAY,
                                                last_sequence=bindparam("count", type_=Integer()))
    return (statement.on_conflict_do_update(
        index_elements=["zone", "service_day"],
        set_={"last_sequence": TicketCounterRow.last_sequence
              + statement.excluded.last_sequence})
        .returning(TicketCounterRow.zone, TicketCounterRow.last_sequence))


# Creates the day's counter at `count` or advances it by `count`, and returns the
# new value; the upsert locks the row until commit (SQLite's write lock is
# already held). Run with several zones at once, one row each.
_NEXT_SEQUENCE = {"postgresql": _next_sequence(postgresql_insert),
                  "sqlite": _next_sequence(sqlite_insert)}
# (An UPDATE reserves the column names for its SET values: other parameter names.)
_SET_SEQUENCE = (update(TicketCounterRow)
                 .where(TicketCounterRow.zone == bindparam("counter_zone", type_=String()),
                        TicketCounterRow.service_day == bindparam("counter_day", type_=Date()))
                 .values(last_sequence=bindparam("sequence", type_=Integer())))
_HELD = (TicketRow.issued_zone == _ZONE, TicketRow.service_day == _DAY, _HOLDS_NUMBER)
# A number leased to a ticket terminal (issue 4) and not yet reported is held too:
# a visitor may already have it in hand. Only current leases: a replaced one's
# unused numbers were given up.
_LEASED_UNUSED = (select(LeasedNumberRow.number)
                  .join(NumberLeaseRow, NumberLeaseRow.id == LeasedNumberRow.lease_id)
                  .where(NumberLeaseRow.zone == _ZONE, NumberLeaseRow.service_day == _DAY,
                         NumberLeaseRow.replaced_at.is_(None),
                         LeasedNumberRow.ticket_id.is_(None)))
_NUMBERS_HELD = select(TicketRow.number).where(*_HELD).union(_LEASED_UNUSED)
# Zones and numbers as two lists: the index is searched for every combination, and
# the caller keeps the pairs it asked about.
_ANY_HELD = select(TicketRow.issued_zone, TicketRow.number).where(
    TicketRow.issued_zone.in_(bindparam("zones", expanding=True)), TicketRow.service_day == _DAY,
    TicketRow.number.in_(bindparam("numbers", expanding=True)), _HOLDS_NUMBER)
_BY_KEYS = select(TicketRow.__table__).where(
    TicketRow.idempotency_key.in_(bindparam("keys", expanding=True)))
_INSERT_TICKETS = insert(TicketRow).returning(TicketRow.id, sort_by_parameter_order=True)


def advance_sequences(session: Session, day: date, counts: dict[str, int]) -> dict[str, int]:
    """Advance the day's count of each zone by its number of new tickets in one
    statement; return zone -> the count now (the last of the zone's new sequences).
    The zones are locked in one order, so two issuers never wait on each other
    in a circle (PostgreSQL)."""
    statement = _NEXT_SEQUENCE[session.get_bind().dialect.name]
    rows = session.connection().execute(
        statement, [{"zone": zone, "day": day, "count": counts[zone]} for zone in sorted(counts)])
    return {str(zone): int(last) for zone, last in rows}


def set_sequence(session: Session, zone: str, day: date, sequence: int) -> None:
    """Move the count further, past numbers skipped because they are still held."""
    session.execute(_SET_SEQUENCE, {"counter_zone": zone, "counter_day": day,
                                    "sequence": sequence})


def numbers_held(session: Session, zone: str, day: date) -> set[int]:
    """The zone's numbers a visitor holds today: active tickets and unreported leases."""
    return set(session.scalars(_NUMBERS_HELD, {"zone": zone, "day": day}))


def held_among(session: Session, day: date,
               candidates: Collection[tuple[str, int]]) -> set[tuple[str, int]]:
    """Which of the (zone, number) pairs an active ticket of the day already shows."""
    if not candidates:
        return set()
    rows = session.connection().execute(_ANY_HELD, {
        "day": day, "zones": sorted({z for z, _ in candidates}),
        "numbers": sorted({n for _, n in candidates})})
    asked = set(candidates)
    return {(str(zone), int(number)) for zone, number in rows if (zone, number) in asked}


def tickets_by_keys(session: Session, keys: Collection[str]) -> dict[str, Any]:
    """The tickets made under any of these idempotency keys, as rows by key."""
    if not keys:
        return {}
    rows = session.connection().execute(_BY_KEYS, {"keys": list(keys)})
    return {row.idempotency_key: row for row in rows}


def insert_tickets(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """Insert new tickets (all with the same columns) in one statement; their ids in order."""
    result = session.connection().execute(_INSERT_TICKETS, rows)
    return [int(ticket_id) for ticket_id in result.scalars()]
