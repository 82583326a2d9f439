"""Number leases of ticket terminals (issue 4): the rules, without storage.

A terminal that loses the hub keeps printing tickets from a block of numbers the
hub reserved for it beforehand. The block is a run of the zone's day sequence:
the hub moves the zone's counter past it, so it never issues those numbers
itself, and each number of the block is accepted back once, from the terminal
that holds the lease, on the lease's own service day. A reported ticket joins
the queue at the moment it was printed (its arrival), held between the lease's
making and the moment the hub hears of it, so a wrong node clock cannot put a
ticket ahead of visitors who came earlier, nor in the future.

How many numbers a terminal may hold (issue 16: a terminal asking 3-5 times a second
got a fresh block each time, so the zone's counter raced round its range, numbers were
given twice and the audit log filled with leases). The rules:

L1. A block stays the terminal's until its numbers are all reported or its day ends
    (`valid_until`); a newer block never replaces it, so no leased number is thrown away
    by asking again.
L2. Asking again for a zone while the terminal's live blocks of it (same service day, not
    expired) still have more than `spare_threshold` numbers unreported gives back those
    same blocks: nothing is reserved, nothing is audited.
L3. At or below that mark (the current block nearly used) one spare block is reserved, and
    never more: a terminal holds at most BLOCKS_PER_ZONE live blocks of a zone.
L4. A block takes at most `numbers_per_lease` numbers, at most a quarter of the zone's
    range and at most half of the numbers free at that moment (not held by a ticket in the
    queue nor by another unreported lease): the hub keeps numbers for the visitors it
    serves itself. With not even one number to spare the zone gets no new block (its
    blocks held are still given back, the request's other zones still served; a request
    that gets nothing at all is refused, LeaseRangeShort) and staff are alerted once a
    day: the range is too small for the day.
L5. A terminal asking more than LEASE_REQUESTS_PER_HOUR times within an hour (by the
    hub's clock) is refused (LeaseTooOften) until the hour has passed; a well-behaved
    terminal asks only when low and backs off after a refusal.
L6. Unused leased numbers are not handed back. Taking the counter back would be safe only
    while nothing was numbered after the block, and the hub cannot know which numbers a
    terminal away from it has printed; instead an unreported number of a live block stays
    held (the hub skips it when the range wraps) and is forgotten when the day ends and
    the counter starts again. By L1-L4 the waste is at most BLOCKS_PER_ZONE blocks per
    terminal and zone a day: the counter advances by the tickets plus those blocks.
"""

from __future__ import annotations

from collections.abc import Container, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from hub.domain.calendar import WorkCalendar
from hub.domain.center import NumberRange
from hub.domain.errors import Conflict, DomainError, Forbidden, NotFound
from hub.domain.numbering import allocate_number
from hub.domain.text import Bilingual

BLOCKS_PER_ZONE = 2  # the block in use and one spare (L3)
LEASE_REQUESTS_PER_HOUR = 60  # a terminal's lease requests answered in any hour (L5)
RATE_WINDOW = timedelta(hours=1)


class LeaseClosed(Conflict):
    """No lease for a day on which the center no longer opens."""

    code = "lease_closed"


class UnknownLease(NotFound):
    code = "lease_unknown"


class NotYourLease(Forbidden):
    code = "lease_not_yours"


class LeaseOfAnotherDay(Conflict):
    code = "lease_other_day"


class LeaseRangeShort(Conflict):
    """The zone's range has no number to spare for a terminal (L4)."""

    code = "lease_range_short"


class LeaseTooOften(Conflict):
    """The terminal asked for leases more often than any terminal needs to (L5)."""

    code = "lease_too_often"
    status = 429


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


@dataclass(frozen=True, slots=True)
class LiveBlock:
    """A block the terminal holds: its day, not expired, `unreported` numbers left."""

    lease_id: int
    unreported: int


@dataclass(frozen=True, slots=True)
class LeasePlan:
    """The answer to a lease request for one zone: the live blocks given back as they
    are, and whether one new block is reserved besides."""

    keep: tuple[int, ...]
    new_block: bool


def block_cap(number_range: NumberRange, numbers_per_lease: int) -> int:
    """The most numbers one block of the zone may take, whatever is free (L4)."""
    return max(1, min(numbers_per_lease, number_range.size // 4))


def spare_threshold(cap: int) -> int:
    """At or below this many unreported numbers a terminal gets a spare block (L3):
    half a block, enough for the visitors until the spare arrives."""
    return max(1, cap // 2)


def plan_lease(live: Sequence[LiveBlock], cap: int) -> LeasePlan:
    """L1-L3: give back the live blocks; add one only when they are nearly used and
    fewer than BLOCKS_PER_ZONE."""
    keep = tuple(block.lease_id for block in live)
    unreported = sum(block.unreported for block in live)
    nearly_used = unreported <= spare_threshold(cap)
    return LeasePlan(keep=keep, new_block=nearly_used and len(live) < BLOCKS_PER_ZONE)


def block_size(number_range: NumberRange, cap: int, held: Container[int], *,
               zone_name: Bilingual) -> int:
    """How many numbers a new block takes now (L4): at most `cap` and half the range's
    free numbers; refused (LeaseRangeShort) when not one can be spared."""
    free = sum(1 for n in range(number_range.first, number_range.last + 1) if n not in held)
    size = min(cap, free // 2)
    if size < 1:
        raise LeaseRangeShort(
            f"{free} of {number_range.size} numbers {number_range.first}–{number_range.last} "
            "free: none to spare for a terminal",
            range_short_text(zone_name, number_range), field="zones")
    return size


def range_short_text(zone_name: Bilingual, number_range: NumberRange) -> Bilingual:
    """What staff read when a zone's range is too small for the day's visitors."""
    first, last = number_range.first, number_range.last
    return Bilingual(
        kk=f"«{zone_name.kk}» аймағының {first}–{last} нөмірлері бүгінгі келушілерге "
           "жетпейді: терминалға нөмір берілмеді. Баптауларда нөмірлер ауқымын "
           "кеңейтіңіз.",
        ru=f"Номеров {first}–{last} зоны «{zone_name.ru}» не хватает на сегодняшних "
           "посетителей: терминалу номера не выделены. Расширьте диапазон номеров в "
           "настройках.")


def check_lease_rate(recent: Sequence[datetime], now: datetime) -> None:
    """L5: refused when the terminal's lease requests of the last hour reached the limit."""
    within = [moment for moment in recent if now - moment < RATE_WINDOW]
    if len(within) >= LEASE_REQUESTS_PER_HOUR:
        raise LeaseTooOften(
            f"{len(within)} lease requests within {RATE_WINDOW}: asked too often",
            Bilingual(kk="Терминал нөмірлер блогын тым жиі сұрайды; кейінірек сұраңыз.",
                      ru="Терминал слишком часто запрашивает блоки номеров; повторите "
                         "позже."),
            field="zones")


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
