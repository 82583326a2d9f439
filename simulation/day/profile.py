"""The people of a simulated day in a district Citizens' Reception Center: when visitors
come, what for, in which language, how long they are served, and what the staff do
besides serving (breaks, lunch, the official's booked receptions). Pure data and
functions of a seeded `random.Random`: the load driver (`simulation/day/visitors.py`)
plays them on the day's timeline, the tests count them.

The defaults describe the Borodulikha district center of `hub/centers/borodulikha.toml`
(regulation 000): a rural district of ~35,000 people whose center receives, by the
figures of comparable district akimats, 150-300 visitors on an ordinary working day.
The hours, the lunch break, the working days, the purposes of 000 §8 and the out-of-turn
categories of 001 §13 come from the center file itself, so a profile never disagrees
with the hub it loads."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from contract.mqtt import Language
from hub.center_schema import CenterDocument, read_center_file
from hub.domain.calendar import OpeningState, WorkCalendar
from hub.domain.reception.deadlines import reference_note_due
from hub.domain.reception.profiles import get_profile

CENTER_FILE = Path(__file__).resolve().parents[2] / "hub" / "centers" / "borodulikha.toml"


def _hhmm(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


# Relative arrival intensity by local hour of day. People come when the center opens
# (those who waited at the door and those on their way to work), the morning stays
# busy until lunch, a second wave comes when it opens again after lunch, and the last
# hour is quiet: papers handed in at 18:00 are rarely dealt with the same day.
DEFAULT_INTENSITY: tuple[tuple[str, str, float], ...] = (
    ("09:00", "10:00", 1.5),
    ("10:00", "11:00", 1.6),
    ("11:00", "12:00", 1.2),
    ("12:00", "13:00", 0.9),
    ("14:30", "15:30", 1.5),
    ("15:30", "16:30", 1.1),
    ("16:30", "17:30", 0.8),
    ("17:30", "18:30", 0.4),
)

# What walk-in visitors press at the terminal (000 §8). Most bring a written appeal or a
# complaint to the consultation windows; a fifth come to book a reception with the akim;
# a few need help writing an appeal (self-service zone, where staff are called over).
DEFAULT_PURPOSES: tuple[tuple[str, float], ...] = (
    ("appeal_paper", 0.45), ("complaint", 0.25), ("book_reception", 0.20),
    ("appeal_help", 0.10))

# Mean minutes of service, by zone (an exponential spread, clipped to what a real visit
# takes): a consultation (an appeal accepted, a complaint registered, a question
# answered) ~8 min, help writing an appeal at self-service ~10, a personal reception with
# an official 20 (the slot the schedule gives).
DEFAULT_SERVICE_MINUTES: tuple[tuple[str, float], ...] = (
    ("consultation", 8.0), ("personal", 20.0), ("self_service", 10.0))


@dataclass(frozen=True, slots=True)
class Visitor:
    """One walk-in visitor: when they come and what they will press."""

    arrives_at: datetime
    language: Language
    purpose: str
    out_of_turn: str | None
    needs_escort: bool
    # What happens at the desk: does not come when called, sent on to another desk.
    no_show: bool
    transfer: bool
    # Comes when the center is closed (before opening, after closing): the hub refuses
    # the ticket (`center_closed`), and that refusal is right.
    expects_closed: bool


@dataclass(frozen=True, slots=True)
class Booking:
    """A personal reception booked ahead: the applicant, the official and the slot."""

    official: str
    starts_at: datetime
    iin: str
    full_name: str
    phone: str
    language: Language
    arrives_at: datetime
    no_show: bool


@dataclass(frozen=True, slots=True)
class OperatorDay:
    """One operator's day: when the break is taken and how long it lasts."""

    desk: str
    break_at: datetime
    break_minutes: float


@dataclass(frozen=True)
class DayProfile:
    center: CenterDocument
    calendar: WorkCalendar
    # ~150-300 walk-ins a working day at a district center. 170 is a full day for the
    # three consultation windows of the virtual center: at ~9 minutes a visitor (the walk
    # to the desk included) a window serves ~53 in its 8 hours, so the queue grows at the
    # peaks (waits of an hour) and is served out by shortly after closing; a center with
    # more windows takes more (`visitors_per_day=220` with a fourth).
    visitors_per_day: float = 170.0
    intensity: tuple[tuple[str, str, float], ...] = DEFAULT_INTENSITY
    # A few come when the center is not open: at lunch (the hub gives them a ticket with
    # the lunch note, hub/domain/issuing.py: they wait for the afternoon), just before
    # opening or just after closing (refused `center_closed`, rightly): about one an
    # hour of that time.
    closed_tries_per_hour: float = 1.0
    closed_margin_minutes: float = 20.0  # how far before opening/after closing they come
    purposes: tuple[tuple[str, float], ...] = DEFAULT_PURPOSES
    # Out of turn (001 §13): veterans, people with disabilities, pregnant women are about
    # one visitor in ten at a district center (an older rural population).
    out_of_turn_share: float = 0.10
    escort_share: float = 0.03
    no_show_share: float = 0.05  # left before being called
    transfer_share: float = 0.05  # sent to another desk by the first operator
    # Borodulikha district: about half the population Kazakh-speaking, half Russian.
    kazakh_share: float = 0.5
    service_minutes: tuple[tuple[str, float], ...] = DEFAULT_SERVICE_MINUTES
    min_service_minutes: float = 3.0
    max_service_minutes: float = 30.0
    walk_up_seconds: float = 40.0  # from the call to the visitor at the desk
    recall_after_seconds: float = 60.0  # a called visitor not there: call again
    idle_next_minutes: tuple[float, float] = (1.0, 3.0)  # nobody waiting: look again
    # After closing the operators still serve whoever got a ticket before it, this long
    # at most (terminals refuse new tickets from closing on).
    overtime_minutes: float = 45.0
    # One ten-minute break per operator, in the morning or the afternoon (labour code:
    # short breaks within working hours, besides lunch).
    break_minutes: float = 10.0
    morning_break: tuple[str, str] = ("10:30", "12:00")
    afternoon_break: tuple[str, str] = ("15:30", "17:00")
    # Personal reception (002, 004): the akim receives in office 105 in the morning, a
    # booked applicant every 20 minutes; ~5 % of the booked do not come. One range of
    # hours a day: the hub applies an official's latest approved schedule to a day.
    officials: tuple[tuple[str, str], ...] = (("akim", "office-105"),)
    reception_hours: tuple[str, str] = ("10:00", "12:00")
    slot_minutes: int = 20
    booking_no_show_share: float = 0.05
    arrive_before_slot_minutes: tuple[float, float] = (5.0, 25.0)
    out_of_turn_categories: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if self.visitors_per_day < 0 or self.closed_tries_per_hour < 0:
            raise ValueError("arrival rates cannot be negative")
        if not self.purposes or min(w for _, w in self.purposes) < 0:
            raise ValueError("purposes need non-negative weights")
        if not self.out_of_turn_categories:
            object.__setattr__(self, "out_of_turn_categories",
                               tuple(c.code for c in self.center.out_of_turn))
        known = {p.code for p in self.center.purposes}
        unknown = [code for code, _ in self.purposes if code not in known]
        if unknown:
            raise ValueError(f"purposes not in the center: {unknown}")

    @classmethod
    def of_center(cls, document: CenterDocument, **overrides: object) -> DayProfile:
        calendar = WorkCalendar(document.hours.to_domain(), timezone=document.timezone,
                                closed_days=document.calendar.closed_days,
                                working_days=document.calendar.working_days)
        return cls(center=document, calendar=calendar, **overrides)  # type: ignore[arg-type]

    @classmethod
    def default(cls, **overrides: object) -> DayProfile:
        """The profile of the hub's default center file."""
        return cls.of_center(read_center_file(CENTER_FILE), **overrides)

    # The day's frame -----------------------------------------------------------------

    def local(self, day: date, hhmm: str | time) -> datetime:
        moment = hhmm if isinstance(hhmm, time) else _hhmm(hhmm)
        return datetime.combine(day, moment, tzinfo=self.calendar.tz)

    def is_working_day(self, day: date) -> bool:
        return self.calendar.is_working_day(day)

    def open_periods(self, day: date) -> list[tuple[datetime, datetime]]:
        """The day's open periods (morning, afternoon), empty on a day off."""
        if not self.is_working_day(day):
            return []
        hours = self.calendar.hours
        if hours.lunch_starts is None or hours.lunch_ends is None:
            return [(self.local(day, hours.opens), self.local(day, hours.closes))]
        return [(self.local(day, hours.opens), self.local(day, hours.lunch_starts)),
                (self.local(day, hours.lunch_ends), self.local(day, hours.closes))]

    def is_open(self, moment: datetime) -> bool:
        return self.calendar.status_at(moment).state is OpeningState.OPEN

    def purpose_zone(self, purpose: str) -> str:
        return next(p.zone for p in self.center.purposes if p.code == purpose)

    def desk_zones(self, desk: str) -> tuple[str, ...]:
        return tuple(next(d.zones for d in self.center.desks if d.code == desk))

    def mean_service_minutes(self, zone: str) -> float:
        return dict(self.service_minutes).get(
            zone, next((z.default_service_minutes for z in self.center.zones
                        if z.code == zone), 10.0))

    # Arrivals --------------------------------------------------------------------------

    def open_rate(self, moment: datetime) -> float:
        """Walk-ins per hour at `moment` (0 when the center is not open)."""
        if not self.is_open(moment):
            return 0.0
        total = self._intensity_total()
        if total <= 0:
            return 0.0
        here = self.calendar.local(moment).time()
        weight = next((w for start, end, w in self.intensity
                       if _hhmm(start) <= here < _hhmm(end)), 0.0)
        return self.visitors_per_day * weight / total

    def closed_rate(self, moment: datetime) -> float:
        """Tries per hour at a closed terminal: at lunch and just before opening or
        after closing on a working day; nobody comes at night."""
        day = self.calendar.local(moment).date()
        if not self.is_working_day(day) or self.is_open(moment):
            return 0.0
        periods = self.open_periods(day)
        margin = timedelta(minutes=self.closed_margin_minutes)
        first, last = periods[0][0], periods[-1][1]
        if first - margin <= moment < first or last <= moment < last + margin:
            return self.closed_tries_per_hour
        if first <= moment < last:  # lunch
            return self.closed_tries_per_hour
        return 0.0

    def _intensity_total(self) -> float:
        """The intensity curve's integral over a day (weight x hours)."""
        def hours(hhmm: str) -> float:
            moment = _hhmm(hhmm)
            return moment.hour + moment.minute / 60
        return math.fsum(w * (hours(end) - hours(start)) for start, end, w in self.intensity)

    def arrivals_between(self, t0: datetime, t1: datetime, rng: random.Random) -> list[Visitor]:
        """The walk-ins arriving in [t0, t1): a Poisson process whose rate follows the
        intensity curve (thinning), plus the few who come at lunch or while closed."""
        total = self._intensity_total()
        peak = max([self.closed_tries_per_hour] + [
            self.visitors_per_day * w / total for _, _, w in self.intensity if total > 0])
        visitors: list[Visitor] = []
        if peak <= 0:
            return visitors
        moment = t0
        while True:
            moment += timedelta(hours=rng.expovariate(peak))
            if moment >= t1:
                return visitors
            open_rate, closed_rate = self.open_rate(moment), self.closed_rate(moment)
            if rng.random() * peak < open_rate + closed_rate:
                closed = self.calendar.status_at(moment).state is OpeningState.CLOSED
                visitors.append(self.visitor_at(moment, rng, closed=closed))

    def visitor_at(self, moment: datetime, rng: random.Random, *,
                   closed: bool = False) -> Visitor:
        codes, weights = zip(*self.purposes, strict=True)
        out_of_turn = (rng.choice(self.out_of_turn_categories)
                       if self.out_of_turn_categories and rng.random() < self.out_of_turn_share
                       else None)
        return Visitor(arrives_at=moment,
                       language="kk" if rng.random() < self.kazakh_share else "ru",
                       purpose=rng.choices(codes, weights)[0], out_of_turn=out_of_turn,
                       needs_escort=rng.random() < self.escort_share,
                       no_show=rng.random() < self.no_show_share,
                       transfer=rng.random() < self.transfer_share, expects_closed=closed)

    def service_seconds(self, zone: str, rng: random.Random) -> float:
        """A service time: exponential around the zone's mean, clipped to the range a
        real visit takes (nobody is served in 30 s, nobody for two hours)."""
        minutes = rng.expovariate(1 / self.mean_service_minutes(zone))
        return 60 * min(self.max_service_minutes, max(self.min_service_minutes, minutes))

    def idle_seconds(self, rng: random.Random) -> float:
        low, high = self.idle_next_minutes
        return 60 * rng.uniform(low, high)

    # Staff -----------------------------------------------------------------------------

    def operator_day(self, desk: str, day: date, rng: random.Random) -> OperatorDay:
        start, end = self.morning_break if rng.random() < 0.5 else self.afternoon_break
        first, last = self.local(day, start), self.local(day, end)
        at = first + (last - first) * rng.random()
        return OperatorDay(desk=desk, break_at=at, break_minutes=self.break_minutes)

    def reception_slots(self, day: date) -> list[tuple[str, datetime]]:
        """(official, slot start) of every slot of the day's reception hours."""
        if not self.is_working_day(day):
            return []
        slots = []
        start, end = self.reception_hours
        for official, _desk in self.officials:
            moment, stop = self.local(day, start), self.local(day, end)
            while moment + timedelta(minutes=self.slot_minutes) <= stop:
                slots.append((official, moment))
                moment += timedelta(minutes=self.slot_minutes)
        return slots

    def can_book(self, reception_day: date, today: date) -> bool:
        """Whether reception can still book a reception of `reception_day` on `today`:
        the reference note proposing the day is due 5 working days before it (002 §22,
        the hub's regulation profile), so a day is booked a week or more ahead."""
        due = reference_note_due(reception_day, get_profile(), self.calendar)
        return self.is_working_day(reception_day) and today <= due

    def bookings(self, day: date, rng: random.Random) -> list[Booking]:
        """A booked applicant for every slot of the day, with made-up but valid personal
        data (the IIN's check digit holds, so the hub accepts it)."""
        bookings = []
        for official, starts in self.reception_slots(day):
            early = rng.uniform(*self.arrive_before_slot_minutes)
            language: Language = "kk" if rng.random() < self.kazakh_share else "ru"
            bookings.append(Booking(
                official=official, starts_at=starts, iin=made_up_iin(rng),
                full_name=made_up_name(rng, language), phone=made_up_phone(rng),
                language=language, arrives_at=starts - timedelta(minutes=early),
                no_show=rng.random() < self.booking_no_show_share))
        return bookings


# Made-up applicants --------------------------------------------------------------------

SURNAMES = ("Ахметов", "Серікбаев", "Иванов", "Жақсылықов", "Петров", "Нұрланов",
            "Сидоров", "Оспанов", "Кузнецов", "Бекова")
FIRST_NAMES = {"kk": ("Асқар", "Айгүл", "Ерлан", "Гүлнар", "Дәурен", "Сәуле"),
               "ru": ("Андрей", "Ольга", "Сергей", "Наталья", "Виктор", "Елена")}


def made_up_name(rng: random.Random, language: Language) -> str:
    return f"{rng.choice(SURNAMES)} {rng.choice(FIRST_NAMES[language])}"


def made_up_phone(rng: random.Random) -> str:
    return f"+7 70{rng.randint(0, 9)} {rng.randint(100, 999)} {rng.randint(10, 99)} " \
           f"{rng.randint(10, 99)}"


def made_up_iin(rng: random.Random) -> str:
    """An IIN (YYMMDD, century-and-sex digit, 4 serial digits, check digit) of someone
    born 1950-1999 whose check digit comes out of the first weights (none of the
    rare "10" cases the second weights fix)."""
    from hub.domain.reception.iin import check_digit

    while True:
        born = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 50))
        first = f"{born:%y%m%d}{rng.choice('34')}{rng.randrange(10000):04d}"
        digit = check_digit(first)
        if digit is not None:
            return first + str(digit)

