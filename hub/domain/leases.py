"""Number leases of ticket terminals (issue 4): the rules, without storage.

A terminal that loses the hub keeps printing tickets from a block of numbers the
hub reserved for it beforehand. The block is a run of the zone's day sequence:
the hub moves the zone's counter past it, so it never issues those numbers
itself, and each number of the block is accepted back once, from the terminal
that holds the lease, on the lease's own service day. A reported ticket joins
the queue at the moment it was printed (its arrival), held between the lease's
making and the moment the hub hears of it, so a wrong node clock cannot put a
ticket ahead of visitors who came earlier, nor in the future.
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass
from datetime import date, datetime

from hub.domain.calendar import WorkCalendar
from hub.domain.center import NumberRange
from hub.domain.errors import Conflict, DomainError, Forbidden, NotFound
from hub.domain.numbering import allocate_number
from hub.domain.text import Bilingual


class LeaseClosed(Conflict):
    """No lease for a day on which the center no longer opens."""

    code = "lease_closed"


class UnknownLease(NotFound):
    code = "lease_unknown"


class NotYourLease(Forbidden):
    code = "lease_not_yours"


class LeaseOfAnotherDay(Conflict):
    code = "lease_other_day"


class NumberNotLeased(Conflict):
    code = "number_not_leased"


class NumberUsedTwice(Conflict):
    code = "number_used_twice"


@dataclass(frozen=True, slots=True)
class LeasedNumber:
    sequence: int  # the zone's day sequence the number stands for
    number: int


@dataclass(frozen=True, slots=True)
class Lease:
    """What the checks need to know of a stored lease."""

    lease_id: int
    node_id: str
    zone: str
    service_day: date
    created_at: datetime


def lease_until(calendar: WorkCalendar, now: datetime) -> datetime:
    """When a lease made at `now` runs out: the center's closing time that day.
    Refused when the center does not open again that day (a lease is for today)."""
    day = calendar.service_day(now)
    closing = datetime.combine(day, calendar.hours.closes, tzinfo=calendar.tz)
    if not calendar.is_working_day(day) or now >= closing:
        raise LeaseClosed(
            f"the center is closed for the rest of {day}: nothing to lease",
            Bilingual(kk="Орталық бүгін жұмыс істемейді: нөмірлер берілмейді.",
                      ru="Центр сегодня больше не работает: номера не выделяются."),
            field="zones")
    return closing


def reserve_numbers(number_range: NumberRange, last_sequence: int, held: Container[int],
                    count: int) -> list[LeasedNumber]:
    """The next `count` numbers of a zone after `last_sequence`, skipping numbers
    still held by visitors in the queue (a range that wrapped). Fewer when the range
    runs short; refused (RangeExhausted) when not a single number is free."""
    block: list[LeasedNumber] = []
    taken: set[int] = set()
    previous = last_sequence
    for _ in range(min(count, number_range.size)):
        try:
            previous, number = allocate_number(
                number_range, previous, _Either(held, taken))
        except DomainError:
            if block:
                break
            raise
        block.append(LeasedNumber(sequence=previous, number=number))
        taken.add(number)
    return block


@dataclass(frozen=True, slots=True)
class _Either:
    first: Container[int]
    second: Container[int]

    def __contains__(self, item: object) -> bool:
        return item in self.first or item in self.second


def check_offline_ticket(lease: Lease | None, *, lease_id: int, node_id: str, zone: str,
                         number: int, today: date, leased: bool, used: bool) -> None:
    """Whether a ticket printed from a lease may join today's queue: the lease must
    exist, be the reporting terminal's, be today's and of that zone, and hold the
    number, not yet used by another report."""
    if lease is None:
        raise UnknownLease(f"no lease {lease_id}",
                           Bilingual(kk="Мұндай нөмірлер блогы жоқ",
                                     ru="Такого блока номеров нет"), field="lease_id")
    if lease.node_id != node_id:
        raise NotYourLease(f"lease {lease_id} belongs to node {lease.node_id}",
                           Bilingual(kk="Бұл нөмірлер блогы басқа терминалға берілген",
                                     ru="Этот блок номеров выдан другому терминалу"),
                           field="lease_id")
    if lease.service_day != today:
        raise LeaseOfAnotherDay(
            f"lease {lease_id} was for {lease.service_day}, today is {today}",
            Bilingual(kk="Нөмірлер блогы басқа күнге берілген; талон бүгінгі кезекке "
                         "қосылмайды",
                      ru="Блок номеров выдан на другой день; талон не попадёт в сегодняшнюю "
                         "очередь"), field="lease_id")
    if lease.zone != zone:
        raise NumberNotLeased(f"lease {lease_id} is of zone {lease.zone}, not {zone}",
                              Bilingual(kk="Нөмірлер блогы басқа аймаққа берілген",
                                        ru="Блок номеров выдан для другой зоны"),
                              field="zone")
    if not leased:
        raise NumberNotLeased(f"number {number} is not in lease {lease_id}",
                              Bilingual(kk=f"{number} нөмірі бұл блокта жоқ",
                                        ru=f"Номера {number} нет в этом блоке"),
                              field="number")
    if used:
        raise NumberUsedTwice(f"number {number} of lease {lease_id} was reported before",
                              Bilingual(kk=f"{number} нөмірлі талон бұрын берілген",
                                        ru=f"Талон с номером {number} уже был выдан"),
                              field="number")


def arrival_time(printed_at: datetime, lease: Lease, now: datetime) -> datetime:
    """When the visitor arrived, as far as the queue is concerned: the printing time,
    not before the lease existed nor after the hub heard of it."""
    return min(max(printed_at, lease.created_at), now)
