"""Staffed desks and the alert for a desk left empty: hub.domain.staffing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.domain.calendar import WorkCalendar
from hub.domain.center import CenterConfig, Desk
from hub.domain.staffing import (
    DeskShift,
    PanelSigns,
    Presence,
    UnstaffedDesk,
    presences,
    staffed_desks,
    unstaffed_desks,
)
from hub.domain.text import Bilingual

ALMATY = ZoneInfo("Asia/Almaty")
CAL = WorkCalendar()
HOURS3 = 3.0


def at(month: int, day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=ALMATY)


# Tuesday 10 March 2026, an ordinary working day (Monday 9 March is a holiday).
def tue(hour: int, minute: int = 0, second: int = 0) -> datetime:
    return at(3, 10, hour, minute, second)


def desk(code: str, *zones: str, active: bool = True) -> Desk:
    return Desk(code=code, label=Bilingual(kk=code, ru=code), zones=zones or ("consultation",),
                active=active)


W1, W2, W3 = desk("window-1"), desk("window-2"), desk("window-3")


def unstaffed(desks: list[Desk], shifts: list[DeskShift], now: datetime,
              since: datetime | None = None, hours: float = HOURS3,
              panels: PanelSigns | None = None) -> dict[str, UnstaffedDesk]:
    found = unstaffed_desks(desks, shifts, CAL, now, since_default=since or tue(9),
                            alert_after_hours=hours, panels=panels or PanelSigns())
    return {u.desk: u for u in found}


# --------------------------------------------------------------------------- shifts


def test_shift_covers_from_start_until_end() -> None:
    shift = DeskShift("window-1", "aigerim", tue(9), tue(13))
    assert shift.covers(tue(9)) is True
    assert shift.covers(tue(12, 59, 59)) is True
    assert shift.covers(tue(13)) is False
    assert shift.covers(tue(8, 59, 59)) is False
    open_shift = DeskShift("window-1", "aigerim", tue(9))
    assert open_shift.covers(at(12, 31, 23)) is True
    assert open_shift.covers(tue(8)) is False


def test_staffed_desks() -> None:
    shifts = [DeskShift("window-1", "a", tue(9)), DeskShift("window-2", "b", tue(9), tue(11)),
              DeskShift("office-105", "c", tue(10), tue(12))]
    assert staffed_desks(shifts, tue(10, 30)) == {"window-1", "window-2", "office-105"}
    assert staffed_desks(shifts, tue(11)) == {"window-1", "office-105"}
    assert staffed_desks(shifts, tue(12)) == {"window-1"}
    assert staffed_desks([], tue(12)) == set()


# --------------------------------------------------------------------------- the three hours


def test_three_hours_and_a_minute_alerts() -> None:
    found = unstaffed([W1], [], tue(12, 1))
    assert found["window-1"] == UnstaffedDesk(desk="window-1", zones=("consultation",),
                                              since=tue(9), working_seconds=3 * 3600 + 60,
                                              alert=True)


def test_two_hours_fifty_nine_does_not() -> None:
    found = unstaffed([W1], [], tue(11, 59))
    assert found["window-1"].working_seconds == 2 * 3600 + 59 * 60
    assert found["window-1"].alert is False


def test_exactly_three_hours_does_not_alert() -> None:
    # 000 §6 says "more than 3 hours".
    found = unstaffed([W1], [], tue(12))
    assert found["window-1"].working_seconds == 3 * 3600
    assert found["window-1"].alert is False
    assert unstaffed([W1], [], tue(12, 0, 1))["window-1"].alert is True


def test_lunch_does_not_count() -> None:
    # Empty since 11:00: by 15:31 that is 4 h 31 min of clock but 3 h 01 min of work.
    late = unstaffed([W1], [], tue(15, 31), since=tue(11))["window-1"]
    assert late.working_seconds == (2 * 60 + 61) * 60
    assert late.alert is True
    early = unstaffed([W1], [], tue(15, 29), since=tue(11))["window-1"]
    assert early.working_seconds == (2 * 60 + 59) * 60
    assert early.alert is False
    # During lunch the count stands still.
    assert unstaffed([W1], [], tue(14, 29), since=tue(11))["window-1"].working_seconds == 7200
    assert unstaffed([W1], [], tue(13, 1), since=tue(11))["window-1"].working_seconds == 7200


def test_a_desk_with_an_open_shift_is_not_listed() -> None:
    shifts = [DeskShift("window-1", "aigerim", tue(9))]
    found = unstaffed([W1, W2], shifts, tue(15))
    assert set(found) == {"window-2"}
    assert found["window-2"].alert is True


def test_a_shift_covering_now_counts_even_if_it_ends_later() -> None:
    shifts = [DeskShift("window-1", "aigerim", tue(9), tue(18))]
    assert unstaffed([W1], shifts, tue(15)) == {}


def test_a_shift_not_yet_started_does_not_staff_the_desk() -> None:
    shifts = [DeskShift("window-1", "aigerim", tue(16), tue(18))]
    found = unstaffed([W1], shifts, tue(15))
    assert found["window-1"].since == tue(9)
    assert found["window-1"].alert is True


def test_inactive_desks_are_ignored() -> None:
    found = unstaffed([W1, desk("window-9", active=False)], [], tue(15))
    assert set(found) == {"window-1"}


def test_since_is_the_end_of_the_last_shift() -> None:
    shifts = [DeskShift("window-1", "a", tue(9), tue(10)),
              DeskShift("window-1", "b", tue(10, 30), tue(11, 30)),
              DeskShift("window-2", "c", tue(9), tue(12, 50))]
    found = unstaffed([W1, W2], shifts, tue(15, 45))
    assert found["window-1"].since == tue(11, 30)
    # 11:30-13:00 and 14:30-15:45.
    assert found["window-1"].working_seconds == (90 + 75) * 60
    assert found["window-1"].alert is False
    assert found["window-2"].since == tue(12, 50)
    assert found["window-2"].working_seconds == (10 + 75) * 60
    late = unstaffed([W1, W2], shifts, tue(16, 31))
    assert late["window-1"].working_seconds == (90 + 121) * 60
    assert late["window-1"].alert is True
    assert late["window-2"].alert is False


def test_shift_ends_in_the_future_are_not_used_as_since() -> None:
    # Shifts recorded out of order: the one ending after now does not cover now.
    shifts = [DeskShift("window-1", "a", tue(9), tue(10)),
              DeskShift("window-1", "b", tue(15), tue(16))]
    found = unstaffed([W1], shifts, tue(14, 45))
    assert found["window-1"].since == tue(10)


def test_shift_ending_exactly_now() -> None:
    shifts = [DeskShift("window-1", "a", tue(9), tue(12))]
    found = unstaffed([W1], shifts, tue(12))
    assert found["window-1"].since == tue(12)
    assert found["window-1"].working_seconds == 0
    assert found["window-1"].alert is False


def test_other_desks_shifts_do_not_count() -> None:
    shifts = [DeskShift("window-2", "a", tue(9), tue(12))]
    assert unstaffed([W1], shifts, tue(12, 1))["window-1"].since == tue(9)


def test_nights_do_not_count() -> None:
    # Left Monday 16 March at 17:30: 1 h that evening and 2 h 01 min on Tuesday.
    shifts = [DeskShift("window-1", "a", at(3, 16, 9), at(3, 16, 17, 30))]
    found = unstaffed([W1], shifts, at(3, 17, 11, 1), since=at(3, 17, 9))
    assert found["window-1"].since == at(3, 16, 17, 30)
    assert found["window-1"].working_seconds == (60 + 121) * 60
    assert found["window-1"].alert is True


def test_weekend_and_holiday_do_not_count() -> None:
    # Left Friday 6 March at 17:00; 7-8 March are the weekend and Monday 9 March a holiday,
    # so by Tuesday 10:31 the desk has been empty 1 h 30 + 1 h 31 of working time.
    shifts = [DeskShift("window-1", "a", at(3, 6, 9), at(3, 6, 17))]
    found = unstaffed([W1], shifts, tue(10, 31))
    assert found["window-1"].working_seconds == (90 + 91) * 60
    assert found["window-1"].alert is True
    found = unstaffed([W1], shifts, tue(10, 29))
    assert found["window-1"].alert is False


def test_threshold_comes_from_the_policy() -> None:
    assert unstaffed([W1], [], tue(10, 31), hours=1.5)["window-1"].alert is True
    assert unstaffed([W1], [], tue(10, 29), hours=1.5)["window-1"].alert is False


def test_moments_in_utc_are_fine() -> None:
    found = unstaffed_desks([W1], [], CAL, datetime(2026, 3, 10, 7, 1, tzinfo=UTC),
                            since_default=datetime(2026, 3, 10, 4, 0, tzinfo=UTC),
                            alert_after_hours=3)
    assert found[0].working_seconds == 3 * 3600 + 60
    assert found[0].alert is True


def test_zones_come_from_the_desk() -> None:
    both = desk("both", "consultation", "personal")
    assert unstaffed([both], [], tue(10))["both"].zones == ("consultation", "personal")


def test_the_shipped_desks(borodulikha: CenterConfig, borodulikha_calendar: WorkCalendar) -> None:
    shifts = [DeskShift("window-1", "a", tue(9)), DeskShift("office-105", "b", tue(9), tue(10))]
    found = unstaffed_desks(borodulikha.desks, shifts, borodulikha_calendar, tue(12, 45),
                            since_default=tue(9), alert_after_hours=borodulikha.policy
                            .unstaffed_alert_hours)
    assert [u.desk for u in found] == ["window-2", "window-3", "office-105", "office-106",
                                       "office-107", "self-1"]
    assert [u.alert for u in found] == [True, True, False, True, True, True]
    assert found[2].since == tue(10)
    assert found[2].working_seconds == 2 * 3600 + 45 * 60


# --------------------------------------------------------------------------- call-button panels


def pressed(**last: datetime) -> PanelSigns:
    return PanelSigns(last_press={desk.replace("_", "-"): at for desk, at in last.items()})


def test_a_desk_pressed_within_thirty_working_minutes_is_staffed_by_its_panel() -> None:
    panels = pressed(window_1=tue(10))
    assert presences(["window-1", "window-2"], [], CAL, tue(10, 30), panels) == {
        "window-1": Presence.PANEL}
    assert presences(["window-1"], [], CAL, tue(10, 30, 1), panels) == {}
    assert unstaffed([W1], [], tue(10, 30), panels=panels) == {}


def test_lunch_does_not_wear_the_panel_presence_out() -> None:
    # Pressed at 12:50: ten minutes before lunch and twenty after it.
    panels = pressed(window_1=tue(12, 50))
    assert presences(["window-1"], [], CAL, tue(14, 50), panels) == {"window-1": Presence.PANEL}
    assert presences(["window-1"], [], CAL, tue(14, 51), panels) == {}


def test_a_visitor_at_the_desk_keeps_it_staffed_as_long_as_a_visit_can_last() -> None:
    panels = PanelSigns(visitors_at={"window-1": tue(9)}, last_press={"window-1": tue(9)})
    assert presences(["window-1"], [], CAL, tue(11, 59), panels) == {"window-1": Presence.PANEL}
    # Three working hours after the call a visitor still "at" the desk says the
    # operator left without ending the visit: the desk is empty since that call.
    assert presences(["window-1"], [], CAL, tue(12, 1), panels) == {}
    alerted = unstaffed([W1], [], tue(16), panels=panels)
    assert alerted["window-1"].alert and alerted["window-1"].since == tue(9)


def test_a_sign_in_wins_over_the_panel() -> None:
    shifts = [DeskShift("window-1", "aigerim", tue(9))]
    assert presences(["window-1"], shifts, CAL, tue(10), pressed(window_1=tue(10))) == {
        "window-1": Presence.SIGNED_IN}


def test_a_panel_desk_is_empty_since_its_last_press() -> None:
    found = unstaffed([W1], [], tue(11, 31), panels=pressed(window_1=tue(11)))
    assert found["window-1"].since == tue(11)
    assert found["window-1"].working_seconds == 31 * 60
    assert found["window-1"].alert is False
    # Three working hours and a minute after the last press (lunch not counted).
    late = unstaffed([W1], [], tue(15, 31), panels=pressed(window_1=tue(11)))
    assert late["window-1"].alert is True
    assert unstaffed([W1], [], tue(15, 30), panels=pressed(window_1=tue(11)))[
        "window-1"].alert is False


def test_the_later_of_a_shift_end_and_a_press_counts() -> None:
    shifts = [DeskShift("window-1", "a", tue(9), tue(10))]
    assert unstaffed([W1], shifts, tue(12), panels=pressed(window_1=tue(11)))[
        "window-1"].since == tue(11)
    shifts = [DeskShift("window-1", "a", tue(9), tue(11, 15))]
    assert unstaffed([W1], shifts, tue(12), panels=pressed(window_1=tue(11)))[
        "window-1"].since == tue(11, 15)


def test_a_panel_press_at_another_desk_or_in_the_future_says_nothing() -> None:
    panels = pressed(window_2=tue(12), window_1=tue(13, 30))
    found = unstaffed([W1], [], tue(12, 1), panels=panels)
    assert found["window-1"].since == tue(9)
    assert found["window-1"].alert is True


# --------------------------------------------------------------------------- random moments

OPEN_MINUTES = [(9 * 60, 13 * 60), (14 * 60 + 30, 18 * 60 + 30)]


def open_minutes_between(start: int, end: int) -> int:
    """Working minutes of one ordinary day between two minutes-of-day."""
    return sum(max(0, min(end, close) - max(start, opens)) for opens, close in OPEN_MINUTES)


@given(since=st.integers(0, 24 * 60 - 1), now=st.integers(0, 24 * 60 - 1),
       hours=st.sampled_from([0.5, 1.0, 3.0, 4.5]))
@settings(max_examples=200, deadline=None)
def test_one_day_against_a_minute_count(since: int, now: int, hours: float) -> None:
    since, now = sorted((since, now))
    start = tue(0) + timedelta(minutes=since)
    moment = tue(0) + timedelta(minutes=now)
    found = unstaffed([W1], [DeskShift("window-1", "a", tue(0), start)], moment,
                      since=tue(0), hours=hours)
    worked = open_minutes_between(since, now) * 60
    assert found["window-1"].since == start
    assert found["window-1"].working_seconds == worked
    assert found["window-1"].alert is (worked > hours * 3600)


@pytest.mark.parametrize("weekday_offset", range(7))
def test_a_whole_day_of_emptiness(weekday_offset: int) -> None:
    # 16-22 March 2026: Monday-Friday give 8 working hours, the weekend none.
    day = 16 + weekday_offset
    found = unstaffed([W1], [], at(3, day, 23, 59), since=at(3, day, 0))
    expected = 8 * 3600 if weekday_offset < 5 else 0
    assert found["window-1"].working_seconds == expected
    assert found["window-1"].alert is (weekday_offset < 5)
