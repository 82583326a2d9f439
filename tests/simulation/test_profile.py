"""The day profile of the Borodulikha center: how many come on a working day and when
(peaks after opening and after lunch, nobody open-hours at lunch or after closing, only
the few refused at a closed terminal), what they come for, the staff's breaks and the
official's booked receptions."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, time

import pytest

from hub.domain.reception.iin import parse_iin
from simulation.day.profile import DayProfile, Visitor

TUESDAY = date(2026, 12, 8)
SUNDAY = date(2026, 12, 6)
PROFILE = DayProfile.default()


def day_of(profile: DayProfile, day: date, seed: int) -> list[Visitor]:
    return profile.arrivals_between(profile.local(day, "07:00"), profile.local(day, "21:00"),
                                    random.Random(seed))


@pytest.mark.parametrize("seed", range(8))
def test_a_working_day_brings_an_ordinary_district_day_of_visitors(seed: int) -> None:
    visitors = day_of(PROFILE, TUESDAY, seed)
    walk_ins = [v for v in visitors if not v.expects_closed]
    assert 130 <= len(walk_ins) <= 220  # 170 a day on average
    refused = [v for v in visitors if v.expects_closed]
    assert 0 <= len(refused) <= 8  # a few, not a crowd at the closed door


def test_nobody_comes_on_a_day_off() -> None:
    assert day_of(PROFILE, SUNDAY, 1) == []
    assert PROFILE.open_periods(SUNDAY) == []
    assert PROFILE.reception_slots(SUNDAY) == []


def test_only_a_few_come_at_lunch_and_those_at_a_closed_center_expect_a_refusal() -> None:
    visitors = [v for seed in range(20) for v in day_of(PROFILE, TUESDAY, seed)]
    lunch = (time(13, 0), time(14, 30))
    at_lunch = 0
    for visitor in visitors:
        here = visitor.arrives_at.astimezone(PROFILE.calendar.tz).time()
        closed = not time(9, 0) <= here < time(18, 30)
        assert closed == visitor.expects_closed, visitor
        assert time(8, 40) <= here < time(18, 50)  # nobody in the night
        at_lunch += lunch[0] <= here < lunch[1]
    # About one an hour of lunch (1.5 h a day), against ~20 an hour when open.
    assert 0 < at_lunch < 3 * 20
    assert any(v.expects_closed for v in visitors)


def test_the_busiest_hours_follow_opening_and_lunch() -> None:
    hours = Counter(v.arrives_at.astimezone(PROFILE.calendar.tz).hour
                    for seed in range(30) for v in day_of(PROFILE, TUESDAY, seed)
                    if not v.expects_closed)
    assert hours[10] > hours[12] > hours[17] > hours[18]
    assert hours[9] > 2 * hours[17]
    assert hours[15] > hours[16] > hours[17]  # the wave after lunch fades


def test_shares_of_out_of_turn_no_shows_transfers_and_languages() -> None:
    visitors = [v for seed in range(20) for v in day_of(PROFILE, TUESDAY, seed)]
    count = len(visitors)

    def share(flag: list[bool]) -> float:
        return sum(flag) / count

    assert 0.07 < share([v.out_of_turn is not None for v in visitors]) < 0.13
    assert 0.03 < share([v.no_show for v in visitors]) < 0.07
    assert 0.03 < share([v.transfer for v in visitors]) < 0.07
    assert 0.45 < share([v.language == "kk" for v in visitors]) < 0.55
    categories = {c.code for c in PROFILE.center.out_of_turn}
    assert {v.out_of_turn for v in visitors} - {None} <= categories
    purposes = Counter(v.purpose for v in visitors)
    assert set(purposes) <= {p.code for p in PROFILE.center.purposes}
    assert purposes.most_common(1)[0][0] == "appeal_paper"


def test_the_same_seed_gives_the_same_day() -> None:
    assert day_of(PROFILE, TUESDAY, 5) == day_of(PROFILE, TUESDAY, 5)
    assert day_of(PROFILE, TUESDAY, 5) != day_of(PROFILE, TUESDAY, 6)


def test_more_visitors_a_day_scale_the_day() -> None:
    assert 150 <= PROFILE.visitors_per_day <= 300
    busy = PROFILE.__class__.default(visitors_per_day=300)
    quiet = PROFILE.__class__.default(visitors_per_day=150)
    busy_count = sum(len(day_of(busy, TUESDAY, s)) for s in range(5))
    quiet_count = sum(len(day_of(quiet, TUESDAY, s)) for s in range(5))
    assert busy_count > 1.6 * quiet_count


def test_service_times_stay_in_the_range_of_a_real_visit() -> None:
    rng = random.Random(3)
    for zone in ("consultation", "personal", "self_service"):
        times = [PROFILE.service_seconds(zone, rng) for _ in range(500)]
        assert min(times) >= 3 * 60 and max(times) <= 30 * 60
    consultation = [PROFILE.service_seconds("consultation", rng) for _ in range(2000)]
    personal = [PROFILE.service_seconds("personal", rng) for _ in range(2000)]
    assert 7 * 60 < sum(consultation) / 2000 < 10 * 60
    assert sum(personal) > 1.5 * sum(consultation)


def test_each_operator_takes_one_ten_minute_break_in_the_morning_or_afternoon() -> None:
    halves: Counter[bool] = Counter()
    for seed in range(40):
        plan = PROFILE.operator_day("window-1", TUESDAY, random.Random(seed))
        here = plan.break_at.astimezone(PROFILE.calendar.tz).time()
        assert plan.break_minutes == 10
        assert time(10, 30) <= here < time(12, 0) or time(15, 30) <= here < time(17, 0)
        halves[here.hour < 13] += 1
    assert halves[True] > 5 and halves[False] > 5


def test_a_booked_reception_every_twenty_minutes_of_the_officials_hours() -> None:
    bookings = PROFILE.bookings(TUESDAY, random.Random(2))
    starts = [b.starts_at.astimezone(PROFILE.calendar.tz).time() for b in bookings]
    assert starts == [time(10, 0), time(10, 20), time(10, 40), time(11, 0), time(11, 20),
                      time(11, 40)]
    for booking in bookings:
        parse_iin(booking.iin)  # the hub's own check: a valid IIN
        assert booking.arrives_at < booking.starts_at
        assert booking.official == "akim"
    no_shows = sum(b.no_show for seed in range(40)
                   for b in PROFILE.bookings(TUESDAY, random.Random(seed)))
    assert 0 < no_shows < 0.12 * 40 * 6


def test_a_purpose_the_center_does_not_know_is_refused() -> None:
    with pytest.raises(ValueError, match="purposes not in the center"):
        DayProfile.default(purposes=(("fishing_licence", 1.0),))
