"""Who a desk calls next.

Tickets fall into service classes; a desk calls the lowest class first and,
within a class, the earliest arrival. Only tickets of the desk's zones are
eligible, and a ticket aimed at one desk (transferred there, or booked with the
official who sits there) is eligible only for that desk.

Booked receptions slot in as their own class: a ticket booked for time T is
called before everyone else from T minus the configured lead time on, and
waits like any other ticket before that.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from enum import IntEnum
from typing import Protocol, TypeVar

from hub.domain.center import Desk
from hub.domain.tickets import WAITING_STATES


class Queued(Protocol):
    """What ordering needs to know of a ticket: a `Ticket`, or a light database row
    with the same attributes (a long queue is ordered without building tickets)."""

    @property
    def id(self) -> int | None: ...
    @property
    def number(self) -> int: ...
    @property
    def zone(self) -> str: ...
    @property
    def state(self) -> str: ...
    @property
    def out_of_turn(self) -> str | None: ...
    @property
    def target_desk(self) -> str | None: ...
    @property
    def booked_for(self) -> datetime | None: ...
    @property
    def arrival(self) -> datetime: ...
    @property
    def issued_at(self) -> datetime: ...


Q = TypeVar("Q", bound=Queued)

BOOKING_LEAD = timedelta(minutes=5)


class ServiceClass(IntEnum):
    BOOKED_DUE = 0
    OUT_OF_TURN = 1
    REGULAR = 2


def service_class(ticket: Queued, now: datetime,
                  booking_lead: timedelta = BOOKING_LEAD) -> ServiceClass:
    if ticket.booked_for is not None and now >= ticket.booked_for - booking_lead:
        return ServiceClass.BOOKED_DUE
    if ticket.out_of_turn is not None:
        return ServiceClass.OUT_OF_TURN
    return ServiceClass.REGULAR


def class_time(ticket: Queued, klass: ServiceClass) -> datetime:
    """What orders a ticket within its class: a booked one's time, else its arrival."""
    if klass is ServiceClass.BOOKED_DUE and ticket.booked_for is not None:
        return ticket.booked_for
    return ticket.arrival


def call_key(ticket: Queued, now: datetime) -> tuple[int, datetime, datetime, int]:
    """Sort key: class, then arrival (booked ones by their time), then id as a tiebreak."""
    klass = service_class(ticket, now)
    return (int(klass), class_time(ticket, klass), ticket.issued_at, ticket.id or ticket.number)


def eligible_for(ticket: Queued, desk: Desk) -> bool:
    return (ticket.state in WAITING_STATES and ticket.zone in desk.zones
            and (ticket.target_desk is None or ticket.target_desk == desk.code))


def call_order(tickets: Iterable[Q], desk: Desk, now: datetime) -> list[Q]:
    """The tickets this desk may call, in the order it should call them."""
    return sorted((t for t in tickets if eligible_for(t, desk)), key=lambda t: call_key(t, now))


def next_for_desk(tickets: Iterable[Q], desk: Desk, now: datetime) -> Q | None:
    eligible = [t for t in tickets if eligible_for(t, desk)]
    return min(eligible, key=lambda t: call_key(t, now)) if eligible else None


def zone_order(tickets: Iterable[Q], zone: str, now: datetime) -> list[Q]:
    """Everyone waiting in a zone, in call order, whichever desk will call them."""
    return sorted((t for t in tickets if t.state in WAITING_STATES and t.zone == zone),
                  key=lambda t: call_key(t, now))
