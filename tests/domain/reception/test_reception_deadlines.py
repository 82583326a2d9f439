"""Deadlines of a booking request on the working calendar:
hub.domain.reception.deadlines.

The table below was worked out by hand from the calendar of Kazakhstan as the
holidays package knows it (2025: 1-3 January off, Sunday 5 January working,
21-25 March Nauryz, 7 and 9 May; 2026: 1-2 and 7 January, 23-25 March, 6 July,
16 December; 2027: 1, 4 and 7 January, 22-24 March, 3, 7 and 10 May).
Every row lists every deadline of every profile.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.domain.calendar import WorkCalendar
from hub.domain.reception import deadlines as dl
from hub.domain.reception.deadlines import DEADLINE_NAMES, DeadlineKind, compute_deadlines
from hub.domain.reception.profiles import (
    ALMATY_2025,
    KARAGANDA_2021,
    MODEL_2023,
    PROFILES,
    RegulationProfile,
    Term,
    TermUnit,
)

ALMATY = ZoneInfo("Asia/Almaty")
CAL = WorkCalendar()
K = DeadlineKind
D = date


def at(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=ALMATY)


# Deadlines counted from the registration day (correction asked, extension
# decided and central body asked on that day) and back from the reception
# day do not depend on the profile's answer term; the profiles differ in
# registration, answer, date-and-time notice and draft refusal.
# (case, received at, reception day, shared, {profile: own})
Row = tuple[str, datetime, date, dict[DeadlineKind, date], dict[str, dict[DeadlineKind, date]]]
TABLE: list[Row] = [
    (
        # Thursday before Nauryz 2025, after closing: received on Wednesday 26 March.
        "nauryz-2025-after-hours", at(2025, 3, 20, 18, 45), D(2025, 5, 12),
        {K.EXTENDED_ANSWER: D(2025, 4, 25), K.MOTIVATED_ANSWER: D(2025, 5, 26),
         K.CORRECTION: D(2025, 4, 2), K.EXTENSION_NOTICE: D(2025, 3, 31),
         # 12 May 2025 is a Monday after 7 and 9 May.
         K.REFERENCE_NOTE: D(2025, 4, 30), K.FINAL_LIST: D(2025, 5, 6),
         K.OFFICIAL_CANCELLATION: D(2025, 5, 6)},
        {
            "model_2023": {K.REGISTRATION: D(2025, 3, 26), K.ANSWER: D(2025, 4, 16),
                           K.DATE_TIME_NOTICE: D(2025, 4, 16), K.DRAFT_REFUSAL: D(2025, 4, 11)},
            "almaty_2025": {K.REGISTRATION: D(2025, 3, 26), K.ANSWER: D(2025, 4, 16),
                            K.DATE_TIME_NOTICE: D(2025, 4, 18),
                            K.DRAFT_REFUSAL: D(2025, 4, 11)},
            "karaganda_2021": {K.REGISTRATION: D(2025, 3, 28), K.ANSWER: D(2025, 4, 10),
                               K.DATE_TIME_NOTICE: D(2025, 4, 10),
                               K.DRAFT_REFUSAL: D(2025, 4, 7),
                               K.CENTRAL_BODY_NOTICE: D(2025, 3, 28)},
        },
    ),
    (
        # The Friday before Nauryz 2026 (23-25 March off).
        "nauryz-2026-friday", at(2026, 3, 20), D(2026, 3, 30),
        {K.EXTENDED_ANSWER: D(2026, 4, 20),  # 19 April is a Sunday
         K.MOTIVATED_ANSWER: D(2026, 5, 20),
         K.CORRECTION: D(2026, 4, 1), K.EXTENSION_NOTICE: D(2026, 3, 30),
         K.REFERENCE_NOTE: D(2026, 3, 18), K.FINAL_LIST: D(2026, 3, 26),
         K.OFFICIAL_CANCELLATION: D(2026, 3, 26)},
        {
            "model_2023": {K.REGISTRATION: D(2026, 3, 20), K.ANSWER: D(2026, 4, 15),
                           K.DATE_TIME_NOTICE: D(2026, 4, 15), K.DRAFT_REFUSAL: D(2026, 4, 10)},
            "almaty_2025": {K.REGISTRATION: D(2026, 3, 20), K.ANSWER: D(2026, 4, 15),
                            K.DATE_TIME_NOTICE: D(2026, 4, 17),
                            K.DRAFT_REFUSAL: D(2026, 4, 10)},
            # 15 calendar days end on Saturday 4 April: Monday 6 April.
            "karaganda_2021": {K.REGISTRATION: D(2026, 3, 30), K.ANSWER: D(2026, 4, 6),
                               K.DATE_TIME_NOTICE: D(2026, 4, 6),
                               K.DRAFT_REFUSAL: D(2026, 4, 1),
                               K.CENTRAL_BODY_NOTICE: D(2026, 3, 27)},
        },
    ),
    (
        # New Year's Eve 2025: 1, 2 and 7 January 2026 are off.
        "new-year-2026", at(2025, 12, 31, 11), D(2026, 1, 8),
        {K.EXTENDED_ANSWER: D(2026, 1, 30),
         K.MOTIVATED_ANSWER: D(2026, 3, 2),  # 28 February (clamped) is a Saturday
         K.CORRECTION: D(2026, 1, 12), K.EXTENSION_NOTICE: D(2026, 1, 8),
         K.REFERENCE_NOTE: D(2025, 12, 29), K.FINAL_LIST: D(2026, 1, 5),
         K.OFFICIAL_CANCELLATION: D(2026, 1, 5)},
        {
            "model_2023": {K.REGISTRATION: D(2025, 12, 31), K.ANSWER: D(2026, 1, 26),
                           K.DATE_TIME_NOTICE: D(2026, 1, 26), K.DRAFT_REFUSAL: D(2026, 1, 21)},
            "almaty_2025": {K.REGISTRATION: D(2025, 12, 31), K.ANSWER: D(2026, 1, 26),
                            K.DATE_TIME_NOTICE: D(2026, 1, 28),
                            K.DRAFT_REFUSAL: D(2026, 1, 21)},
            "karaganda_2021": {K.REGISTRATION: D(2026, 1, 8), K.ANSWER: D(2026, 1, 15),
                               K.DATE_TIME_NOTICE: D(2026, 1, 15),
                               K.DRAFT_REFUSAL: D(2026, 1, 12),
                               K.CENTRAL_BODY_NOTICE: D(2026, 1, 6)},
        },
    ),
    (
        # The eve of Independence Day 2026, then New Year 2027 (1 and 4 January
        # observed, 7 January).
        "independence-2026", at(2026, 12, 15, 16), D(2026, 12, 18),
        {K.EXTENDED_ANSWER: D(2027, 1, 14), K.MOTIVATED_ANSWER: D(2027, 2, 15),
         K.CORRECTION: D(2026, 12, 23), K.EXTENSION_NOTICE: D(2026, 12, 21),
         K.REFERENCE_NOTE: D(2026, 12, 10), K.FINAL_LIST: D(2026, 12, 15),
         K.OFFICIAL_CANCELLATION: D(2026, 12, 15)},
        {
            "model_2023": {K.REGISTRATION: D(2026, 12, 15), K.ANSWER: D(2027, 1, 11),
                           K.DATE_TIME_NOTICE: D(2027, 1, 11), K.DRAFT_REFUSAL: D(2027, 1, 5)},
            "almaty_2025": {K.REGISTRATION: D(2026, 12, 15), K.ANSWER: D(2027, 1, 11),
                            K.DATE_TIME_NOTICE: D(2027, 1, 13),
                            K.DRAFT_REFUSAL: D(2027, 1, 5)},
            "karaganda_2021": {K.REGISTRATION: D(2026, 12, 21), K.ANSWER: D(2026, 12, 30),
                               K.DATE_TIME_NOTICE: D(2026, 12, 30),
                               K.DRAFT_REFUSAL: D(2026, 12, 25),
                               K.CENTRAL_BODY_NOTICE: D(2026, 12, 18)},
        },
    ),
    (
        # Saturday 4 January 2025: Sunday 5 January is a transferred working day.
        "saturday-before-working-sunday-2025", at(2025, 1, 4, 9, 30), D(2025, 1, 13),
        {K.EXTENDED_ANSWER: D(2025, 2, 4), K.MOTIVATED_ANSWER: D(2025, 3, 5),
         K.CORRECTION: D(2025, 1, 13), K.EXTENSION_NOTICE: D(2025, 1, 9),
         K.REFERENCE_NOTE: D(2025, 1, 5), K.FINAL_LIST: D(2025, 1, 9),
         K.OFFICIAL_CANCELLATION: D(2025, 1, 9)},
        {
            "model_2023": {K.REGISTRATION: D(2025, 1, 5), K.ANSWER: D(2025, 1, 27),
                           K.DATE_TIME_NOTICE: D(2025, 1, 27), K.DRAFT_REFUSAL: D(2025, 1, 22)},
            "almaty_2025": {K.REGISTRATION: D(2025, 1, 5), K.ANSWER: D(2025, 1, 27),
                            K.DATE_TIME_NOTICE: D(2025, 1, 29),
                            K.DRAFT_REFUSAL: D(2025, 1, 22)},
            "karaganda_2021": {K.REGISTRATION: D(2025, 1, 8), K.ANSWER: D(2025, 1, 20),
                               K.DATE_TIME_NOTICE: D(2025, 1, 20),
                               K.DRAFT_REFUSAL: D(2025, 1, 15),
                               K.CENTRAL_BODY_NOTICE: D(2025, 1, 8)},
        },
    ),
    (
        # Before the May holidays of 2027 (3, 7 and 10 May observed).
        "may-2027", at(2027, 4, 30, 12), D(2027, 5, 12),
        {K.EXTENDED_ANSWER: D(2027, 5, 31),  # 30 May is a Sunday
         K.MOTIVATED_ANSWER: D(2027, 6, 30),
         K.CORRECTION: D(2027, 5, 12), K.EXTENSION_NOTICE: D(2027, 5, 6),
         K.REFERENCE_NOTE: D(2027, 4, 30), K.FINAL_LIST: D(2027, 5, 6),
         K.OFFICIAL_CANCELLATION: D(2027, 5, 6)},
        {
            "model_2023": {K.REGISTRATION: D(2027, 4, 30), K.ANSWER: D(2027, 5, 26),
                           K.DATE_TIME_NOTICE: D(2027, 5, 26), K.DRAFT_REFUSAL: D(2027, 5, 21)},
            "almaty_2025": {K.REGISTRATION: D(2027, 4, 30), K.ANSWER: D(2027, 5, 26),
                            K.DATE_TIME_NOTICE: D(2027, 5, 28),
                            K.DRAFT_REFUSAL: D(2027, 5, 21)},
            # 15 calendar days end on Saturday 15 May: Monday 17 May.
            "karaganda_2021": {K.REGISTRATION: D(2027, 5, 6), K.ANSWER: D(2027, 5, 17),
                               K.DATE_TIME_NOTICE: D(2027, 5, 17),
                               K.DRAFT_REFUSAL: D(2027, 5, 12),
                               K.CENTRAL_BODY_NOTICE: D(2027, 5, 5)},
        },
    ),
    (
        # Sunday before Capital Day 2026 (Monday 6 July): received on Tuesday 7 July.
        "capital-day-2026-sunday", at(2026, 7, 5, 15), D(2026, 7, 8),
        {K.EXTENDED_ANSWER: D(2026, 8, 6), K.MOTIVATED_ANSWER: D(2026, 9, 7),
         K.CORRECTION: D(2026, 7, 14), K.EXTENSION_NOTICE: D(2026, 7, 10),
         K.REFERENCE_NOTE: D(2026, 6, 30), K.FINAL_LIST: D(2026, 7, 3),
         K.OFFICIAL_CANCELLATION: D(2026, 7, 3)},
        {
            "model_2023": {K.REGISTRATION: D(2026, 7, 7), K.ANSWER: D(2026, 7, 28),
                           K.DATE_TIME_NOTICE: D(2026, 7, 28), K.DRAFT_REFUSAL: D(2026, 7, 23)},
            "almaty_2025": {K.REGISTRATION: D(2026, 7, 7), K.ANSWER: D(2026, 7, 28),
                            K.DATE_TIME_NOTICE: D(2026, 7, 30),
                            K.DRAFT_REFUSAL: D(2026, 7, 23)},
            "karaganda_2021": {K.REGISTRATION: D(2026, 7, 9), K.ANSWER: D(2026, 7, 22),
                               K.DATE_TIME_NOTICE: D(2026, 7, 22),
                               K.DRAFT_REFUSAL: D(2026, 7, 17),
                               K.CENTRAL_BODY_NOTICE: D(2026, 7, 9)},
        },
    ),
]

CASES = [
    pytest.param(received, reception, {**shared, **own[name]}, PROFILES[name],
                 id=f"{case}-{name}")
    for case, received, reception, shared, own in TABLE
    for name in own
]


def test_table_covers_every_profile() -> None:
    for _case, _received, _reception, _shared, own in TABLE:
        assert set(own) == set(PROFILES)


@pytest.mark.parametrize(("received", "reception", "expected", "profile"), CASES)
def test_every_deadline_of_every_profile(received: datetime, reception: date,
                                         expected: dict[DeadlineKind, date],
                                         profile: RegulationProfile) -> None:
    p = profile
    registered_on = dl.receipt_day(received, CAL)
    found = compute_deadlines(received, p, CAL, reception_day=reception,
                              correction_asked_on=registered_on,
                              extension_decided_on=registered_on,
                              central_body_requested_on=registered_on)
    got = {deadline.kind: deadline.due for deadline in found.all()}
    assert got == expected
    # Every deadline cites its paragraph, and is listed earliest first.
    assert all(deadline.citation.strip() for deadline in found.all())
    dues = [deadline.due for deadline in found.all()]
    assert dues == sorted(dues)
    # Deadlines that count back from the reception, or are working-day terms,
    # always fall on working days; so do calendar terms, rolled forward.
    assert all(CAL.is_working_day(day) for day in dues)


# --------------------------------------------------------------------------- receipt


@pytest.mark.parametrize(("received", "expected"), [
    (at(2026, 11, 23, 8, 0), D(2026, 11, 23)),  # before opening: that day
    (at(2026, 11, 23, 13, 30), D(2026, 11, 23)),  # at lunch: that day
    (at(2026, 11, 23, 18, 29, ), D(2026, 11, 23)),
    (at(2026, 11, 23, 18, 30), D(2026, 11, 24)),  # at closing: the next working day
    (at(2026, 11, 27, 23, 59), D(2026, 11, 30)),  # Friday night: Monday
    (at(2026, 3, 6, 18, 31), D(2026, 3, 10)),  # Friday night before 9 March (observed)
    (at(2025, 1, 4, 9, 30), D(2025, 1, 5)),  # Saturday before the working Sunday
])
def test_receipt_day(received: datetime, expected: date) -> None:
    assert dl.receipt_day(received, CAL) == expected
    assert dl.registration_due(received, MODEL_2023, CAL) == expected
    assert dl.registration_due(received, ALMATY_2025, CAL) == expected


def test_receipt_moment_in_another_zone_is_read_in_the_centers() -> None:
    # 13:45 UTC on Monday is 18:45 in Almaty: after closing.
    received = datetime(2026, 11, 23, 13, 45, tzinfo=ZoneInfo("UTC"))
    assert dl.receipt_day(received, CAL) == D(2026, 11, 24)


def test_karaganda_registers_within_three_working_days_of_receipt() -> None:
    # Friday 6 March 2026 at night; 9 March is the observed Women's Day.
    assert dl.registration_due(at(2026, 3, 6, 18, 31), KARAGANDA_2021, CAL) == D(2026, 3, 12)
    assert dl.registration_due(at(2026, 3, 6, 10), KARAGANDA_2021, CAL) == D(2026, 3, 12)


def test_naive_receipt_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        dl.receipt_day(datetime(2026, 3, 6, 10), CAL)


# --------------------------------------------------------------------------- defaults


def test_defaults_count_from_the_answers_deadline() -> None:
    received = at(2026, 3, 20)
    found = compute_deadlines(received, ALMATY_2025, CAL)
    assert found.registered_on == D(2026, 3, 20)
    assert found.reference_note is None
    assert found.final_list is None
    assert found.official_cancellation is None
    assert found.correction is None
    assert found.extension_notice is None
    assert found.central_body_notice is None
    assert found.date_time_notice.due == CAL.add_working_days(found.answer.due, 2)
    assert found.draft_refusal.due == CAL.add_working_days(found.answer.due, -3)


def test_explicit_days_override_the_defaults() -> None:
    received = at(2026, 3, 20)
    found = compute_deadlines(received, ALMATY_2025, CAL, registered_on=D(2026, 3, 26),
                              answered_on=D(2026, 4, 1), decision_day=D(2026, 4, 8))
    assert found.answer.due == CAL.add_working_days(D(2026, 3, 26), 15)
    assert found.date_time_notice.due == D(2026, 4, 3)
    assert found.draft_refusal.due == D(2026, 4, 3)


def test_central_body_notice_only_where_the_profile_has_it() -> None:
    found = compute_deadlines(at(2026, 3, 20), MODEL_2023, CAL,
                              central_body_requested_on=D(2026, 3, 20))
    assert found.central_body_notice is None
    assert dl.central_body_notice_due(D(2026, 3, 20), MODEL_2023, CAL) is None


def test_calendar_terms_without_rolling_forward() -> None:
    term = Term(30, TermUnit.CALENDAR_DAYS, "test")
    assert dl.add_term(D(2026, 3, 20), term, CAL, roll_forward=False) == D(2026, 4, 19)
    assert dl.add_term(D(2026, 3, 20), term, CAL) == D(2026, 4, 20)


@pytest.mark.parametrize(("start", "months", "expected"), [
    (D(2026, 1, 31), 1, D(2026, 2, 28)),
    (D(2028, 1, 31), 1, D(2028, 2, 29)),
    (D(2026, 11, 30), 2, D(2027, 1, 30)),
    (D(2026, 12, 15), 2, D(2027, 2, 15)),
    (D(2026, 10, 31), 14, D(2027, 12, 31)),
])
def test_months_are_calendar_months(start: date, months: int, expected: date) -> None:
    term = Term(months, TermUnit.MONTHS, "test")
    assert dl.add_term(start, term, CAL, roll_forward=False) == expected


def test_only_working_day_terms_count_back() -> None:
    with pytest.raises(ValueError, match="working-day"):
        dl.subtract_term(D(2026, 3, 20), Term(3, TermUnit.CALENDAR_DAYS, "test"), CAL)


def test_hearing_ends_three_working_days_after_the_draft() -> None:
    # Draft sent on Friday 20 March 2026: Thursday 26, Friday 27, Monday 30.
    assert dl.hearing_ends(D(2026, 3, 20), MODEL_2023, CAL) == D(2026, 3, 30)


def test_every_kind_has_names() -> None:
    assert set(DEADLINE_NAMES) == set(DeadlineKind)
    for kind in DeadlineKind:
        deadline = dl.Deadline(kind, D(2026, 1, 5), "x")
        assert deadline.name.kk.strip() and deadline.name.ru.strip()


# --------------------------------------------------------------------------- properties

DAYS = st.dates(min_value=D(2025, 1, 1), max_value=D(2027, 10, 31))


@settings(max_examples=200, deadline=None)
@given(DAYS, st.integers(0, 23), st.sampled_from(sorted(PROFILES)))
def test_deadline_invariants(day: date, hour: int, name: str) -> None:
    profile = PROFILES[name]
    received = at(day.year, day.month, day.day, hour)
    found = compute_deadlines(received, profile, CAL)
    receipt = dl.receipt_day(received, CAL)
    assert CAL.is_working_day(receipt)
    assert receipt >= day
    # Nothing falls on a non-working day or before the receipt.
    for deadline in found.all():
        assert CAL.is_working_day(deadline.due)
        assert deadline.due >= receipt or deadline.kind is K.DRAFT_REFUSAL
    assert found.answer.due <= found.extended_answer.due
    assert found.motivated_answer is not None
    assert found.extended_answer.due <= found.motivated_answer.due
    if profile.answer.unit is TermUnit.WORKING_DAYS:
        assert CAL.working_days_between(receipt, found.answer.due) == profile.answer.amount
    else:
        assert found.answer.due - receipt >= timedelta(days=profile.answer.amount)
        assert found.answer.due - receipt < timedelta(days=profile.answer.amount + 12)
    assert CAL.working_days_between(found.draft_refusal.due, found.answer.due) == 3


@settings(max_examples=200, deadline=None)
@given(DAYS, st.sampled_from(sorted(PROFILES)))
def test_backward_terms_are_working_days_before(reception: date, name: str) -> None:
    profile = PROFILES[name]
    day = CAL.registration_day(reception)
    assert CAL.working_days_between(dl.reference_note_due(day, profile, CAL), day) == 5
    assert CAL.working_days_between(dl.final_list_due(day, profile, CAL), day) == 2
    assert CAL.working_days_between(dl.cancellation_notice_due(day, profile, CAL), day) == 2
