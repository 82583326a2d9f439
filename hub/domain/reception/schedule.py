"""Officials' reception hours, their slots, and booking approved requests
into them in order of arrival (002 §24, 004 §28).

An official receives on the weekdays and dates of the schedule approved by
the akim (002 §7, 004 §7-1), and on extra days set by an order of the head
with the date stated (002 §9). Nobody is received on a day the center does
not work.

Offers ``ReceptionHours``, ``ExtraReception``, ``ReceptionSchedule``, ``Slot``,
``book_slot`` (checks one slot) and ``place_in_arrival_order``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from hub.domain.calendar import WorkCalendar
from hub.domain.errors import ValidationFailed
from hub.domain.reception.errors import NonWorkingDay, OutsideReceptionHours, SlotTaken
from hub.domain.text import Bilingual

__all__ = [
    "PLACEMENT_MAX_DAYS",
    "ExtraReception",
    "Placement",
    "ReceptionHours",
    "ReceptionSchedule",
    "Slot",
    "WaitingRequest",
    "book_slot",
    "place_in_arrival_order",
    "placement_days",
]

# How far ahead one placement looks: officials' schedules are approved for a year
# at most (002 §7), and each day considered costs the hub a schedule lookup.
PLACEMENT_MAX_DAYS = 366


@dataclass(frozen=True, slots=True)
class ReceptionHours:
    starts: time
    ends: time

    def __post_init__(self) -> None:
        if self.starts.tzinfo is not None or self.ends.tzinfo is not None:
            raise ValidationFailed(
                "reception hours are wall-clock times without a zone",
                Bilingual(kk="Қабылдау уақыты уақыт белдеуінсіз көрсетіледі.",
                          ru="Часы приема указываются без часового пояса."),
                field="hours")
        if not self.starts < self.ends:
            raise ValidationFailed(
                f"reception must end ({self.ends}) after it starts ({self.starts})",
                Bilingual(kk="Қабылдаудың аяқталуы басталуынан кейін болуы керек.",
                          ru="Окончание приема должно быть позже его начала."),
                field="hours.ends")


@dataclass(frozen=True, slots=True)
class ExtraReception:
    """A reception outside the approved schedule by an order of the head,
    with the date stated (002 §9)."""

    day: date
    hours: ReceptionHours
    order: str  # number and date of the order

    def __post_init__(self) -> None:
        if not self.order.strip():
            raise ValidationFailed(
                "a reception outside the schedule needs the order that sets it (002 §9)",
                Bilingual(kk="Кестеден тыс қабылдау үшін басшының тапсырмасы көрсетілуі керек.",
                          ru="Для приема вне графика нужно указать поручение руководителя."),
                field="order")


@dataclass(frozen=True, slots=True, order=True)
class Slot:
    """A booked or bookable time with one official; aware datetimes."""

    starts_at: datetime
    ends_at: datetime
    official: str

    def __post_init__(self) -> None:
        for name in ("starts_at", "ends_at"):
            moment: datetime = getattr(self, name)
            if moment.tzinfo is None or moment.utcoffset() is None:
                raise ValidationFailed(
                    f"{name} must carry a time zone",
                    Bilingual(kk="Уақыт белдеуі көрсетілмеген.", ru="Не указан часовой пояс."),
                    field=f"slot.{name}")
        if not self.starts_at < self.ends_at:
            raise ValidationFailed(
                "a slot must end after it starts",
                Bilingual(kk="Уақыт аралығының соңы басынан кейін болуы керек.",
                          ru="Конец интервала должен быть позже его начала."),
                field="slot.ends_at")

    def overlaps(self, other: Slot) -> bool:
        return (self.official == other.official and self.starts_at < other.ends_at
                and other.starts_at < self.ends_at)


@dataclass(frozen=True, slots=True)
class ReceptionSchedule:
    """When one official receives: weekdays (Monday=0) and dates of the
    approved schedule at ``hours``, plus extra receptions by order."""

    official: str
    hours: ReceptionHours
    weekdays: frozenset[int] = frozenset()
    dates: frozenset[date] = frozenset()
    extra: tuple[ExtraReception, ...] = ()
    slot_minutes: int = 30

    def __post_init__(self) -> None:
        object.__setattr__(self, "weekdays", frozenset(self.weekdays))
        object.__setattr__(self, "dates", frozenset(self.dates))
        object.__setattr__(self, "extra", tuple(self.extra))
        if not self.official.strip():
            raise ValidationFailed("the schedule names its official",
                                   Bilingual(kk="Лауазымды адам көрсетілмеген.",
                                             ru="Не указано должностное лицо."),
                                   field="official")
        if any(type(day) is not int or not 0 <= day <= 6 for day in self.weekdays):
            raise ValidationFailed(
                f"weekdays are 0 (Monday) to 6 (Sunday), got {sorted(self.weekdays)}",
                Bilingual(kk="Қабылдау күндері 0 (дүйсенбі) мен 6 (жексенбі) аралығындағы "
                             "сандармен көрсетіледі.",
                          ru="Дни приема задаются числами от 0 (понедельник) до 6 "
                             "(воскресенье)."),
                field="weekdays")
        length = timedelta(minutes=self.slot_minutes)
        span = (datetime.combine(date.min, self.hours.ends)
                - datetime.combine(date.min, self.hours.starts))
        if self.slot_minutes <= 0 or length > span:
            raise ValidationFailed(
                f"a slot of {self.slot_minutes} minutes does not fit the reception hours",
                Bilingual(kk="Қабылдау уақытының ұзақтығы қабылдау сағаттарына сыймайды.",
                          ru="Длительность приема не помещается в часы приема."),
                field="slot_minutes")

    def sessions(self, day: date, calendar: WorkCalendar) -> list[ReceptionHours]:
        """The official's reception hours on ``day``; none on a non-working day."""
        if not calendar.is_working_day(day):
            return []
        found = []
        if day.weekday() in self.weekdays or day in self.dates:
            found.append(self.hours)
        found.extend(extra.hours for extra in self.extra if extra.day == day)
        return sorted(set(found), key=lambda h: (h.starts, h.ends))

    def slots(self, day: date, calendar: WorkCalendar) -> list[Slot]:
        """Consecutive slots of ``slot_minutes`` within each session of ``day``."""
        length = timedelta(minutes=self.slot_minutes)
        found: list[Slot] = []
        for session in self.sessions(day, calendar):
            start = datetime.combine(day, session.starts, tzinfo=calendar.tz)
            end = datetime.combine(day, session.ends, tzinfo=calendar.tz)
            while start + length <= end:
                found.append(Slot(start, start + length, self.official))
                start += length
        return sorted(set(found))

    def check(self, slot: Slot, calendar: WorkCalendar) -> None:
        """Refuse a slot of another official, on a non-working day or outside
        the official's reception hours on that day."""
        if slot.official != self.official:
            raise ValidationFailed(
                f"the slot is with {slot.official!r}, the schedule is {self.official!r}'s",
                Bilingual(kk="Уақыт басқа лауазымды адамның кестесінен алынған.",
                          ru="Интервал относится к графику другого должностного лица."),
                field="official")
        start, end = calendar.local(slot.starts_at), calendar.local(slot.ends_at)
        day = start.date()
        if not calendar.is_working_day(day):
            raise NonWorkingDay(
                f"{day.isoformat()} is not a working day",
                Bilingual(kk="{day} — жұмыс күні емес, бұл күні қабылдау жоқ.",
                          ru="{day} — нерабочий день, приема нет.").format(
                    day=day.strftime("%d.%m.%Y")),
                field="slot.starts_at", day=day.isoformat())
        for session in self.sessions(day, calendar):
            if (end.date() == day and session.starts <= start.time()
                    and end.time() <= session.ends):
                return
        raise OutsideReceptionHours(
            f"{start.isoformat()}–{end.time().isoformat()} is outside {self.official}'s "
            "reception hours",
            Bilingual(kk="Бұл уақыт лауазымды адамның қабылдау кестесінен тыс.",
                      ru="Это время вне графика приема должностного лица."),
            field="slot.starts_at", day=day.isoformat())


def book_slot(slot: Slot, schedule: ReceptionSchedule, calendar: WorkCalendar,
              taken: Iterable[Slot]) -> Slot:
    """``slot`` if it may be booked: in the official's hours on a working day
    and overlapping no slot already taken."""
    schedule.check(slot, calendar)
    for other in taken:
        if slot.overlaps(other):
            local = calendar.local(other.starts_at)
            raise SlotTaken(
                f"{slot.official} is already booked at {local.isoformat()}",
                Bilingual(kk="Бұл уақытқа басқа өтініш беруші жазылған ({time}).",
                          ru="На это время уже записан другой заявитель ({time}).").format(
                    time=local.strftime("%d.%m.%Y %H:%M")),
                field="slot.starts_at", taken=local.isoformat())
    return slot


@dataclass(frozen=True, slots=True)
class WaitingRequest:
    """An approved request waiting for a slot: its key and when it arrived."""

    key: str
    arrived_at: datetime


@dataclass(frozen=True, slots=True)
class Placement:
    assigned: tuple[tuple[str, Slot], ...]
    unplaced: tuple[str, ...]

    def slot_of(self, key: str) -> Slot | None:
        return dict(self.assigned).get(key)


def placement_days(first_day: date, last_day: date, *, earliest: date) -> tuple[date, date]:
    """The days a placement considers: none before ``earliest`` (the first day whose
    final list is still open; an earlier one cannot be booked any more), and at most
    ``PLACEMENT_MAX_DAYS`` of them (a longer window is a mistake, and would keep the
    hub stepping through days that have no schedule)."""
    if last_day < first_day:
        raise ValidationFailed("last_day is before first_day",
                               Bilingual(kk="Кезеңнің соңы басынан бұрын бола алмайды.",
                                         ru="Конец периода не может быть раньше начала."),
                               field="last_day")
    first_day = max(first_day, earliest)
    if (last_day - first_day).days >= PLACEMENT_MAX_DAYS:
        raise ValidationFailed(
            f"placement spans more than {PLACEMENT_MAX_DAYS} days",
            Bilingual(kk=f"Бір рет орналастыру {PLACEMENT_MAX_DAYS} күннен аспауы керек.",
                      ru=f"Одно распределение охватывает не более {PLACEMENT_MAX_DAYS} "
                         "дней."),
            field="last_day")
    return first_day, last_day


def place_in_arrival_order(
    waiting: Sequence[WaitingRequest],
    schedule: ReceptionSchedule,
    calendar: WorkCalendar,
    *,
    first_day: date,
    last_day: date,
    taken: Iterable[Slot] = (),
) -> Placement:
    """Give each waiting request the earliest free slot of the official
    between ``first_day`` and ``last_day``, the earliest arrival first
    (002 §24, 004 §28). Requests left over when the slots run out are
    ``unplaced``. Nothing is changed; the caller books the result."""
    keys = [item.key for item in waiting]
    if len(set(keys)) != len(keys):
        raise ValidationFailed("a request is listed twice for placement",
                               Bilingual(kk="Бір өтініш тізімде екі рет көрсетілген.",
                                         ru="Одно обращение указано в списке дважды."),
                               field="waiting")
    busy = [slot for slot in taken if slot.official == schedule.official]
    free: list[Slot] = []
    day = first_day
    while day <= last_day:
        free.extend(slot for slot in schedule.slots(day, calendar)
                    if not any(slot.overlaps(other) for other in busy))
        day += timedelta(days=1)
    order = sorted(waiting, key=lambda item: (item.arrived_at, item.key))
    assigned = tuple((item.key, slot) for item, slot in zip(order, free, strict=False))
    unplaced = tuple(item.key for item in order[len(assigned):])
    return Placement(assigned=assigned, unplaced=unplaced)
