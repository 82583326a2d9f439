"""Personal reception in a report: requests by channel and language, outcomes
by the step taken in the period, protocols and overdue instructions."""

from __future__ import annotations

from datetime import date

from hub.domain.reports.labels import Label
from hub.domain.reports.reception import (
    InstructionFact,
    RequestFact,
    StepFact,
    summarize_reception,
)
from hub.domain.text import Bilingual

Q4_FIRST, Q4_LAST = date(2026, 10, 1), date(2026, 12, 31)
AKIM = Label("akim", Bilingual(kk="Аудан әкімі", ru="Аким района"))
DEPUTY = Label("deputy", Bilingual(kk="Әкімнің орынбасары", ru="Заместитель акима"))


def figures(**overrides: object):  # type: ignore[no-untyped-def]
    given: dict[str, object] = {
        "requests": [], "steps": [], "protocols": [], "instructions": [],
        "first": Q4_FIRST, "last": Q4_LAST, "today": date(2027, 2, 1),
        "officials": [AKIM, DEPUTY]} | overrides
    return summarize_reception(**given)  # type: ignore[arg-type]


def test_requests_registered_in_the_period_by_channel_and_language() -> None:
    requests = [RequestFact(date(2026, 10, 5), "paper", "kk"),
                RequestFact(date(2026, 12, 31), "phone", "ru"),
                RequestFact(date(2026, 11, 1), "paper", "ru"),
                RequestFact(date(2026, 9, 30), "paper", "kk"),  # the quarter before
                RequestFact(date(2027, 1, 1), "phone", "kk")]  # the quarter after
    result = figures(requests=requests)
    assert result.requests == 3
    channels = {s.code: s.count for s in result.by_channel}
    assert channels["paper"] == 2 and channels["phone"] == 1 and channels["egov_portal"] == 0
    assert [(s.code, s.count) for s in result.by_language] == [("kk", 1), ("ru", 2)]


def test_outcomes_are_the_steps_taken_within_the_period() -> None:
    steps = [StepFact("approved", date(2026, 10, 2)), StepFact("approved", date(2026, 11, 2)),
             StepFact("received", date(2026, 11, 20)), StepFact("absent", date(2026, 12, 1)),
             StepFact("refused", date(2026, 12, 2)), StepFact("received", date(2027, 1, 10)),
             StepFact("under_review", date(2026, 10, 3))]  # not an outcome step
    outcomes = {s.code: s.count for s in figures(steps=steps).outcomes}
    assert outcomes["approved"] == 2
    assert outcomes["received"] == 1
    assert outcomes["absent"] == 1
    assert outcomes["refused"] == 1
    assert "under_review" not in outcomes
    assert outcomes["moved"] == 0


def test_protocols_decisions_and_instructions_given() -> None:
    protocols = [(date(2026, 11, 5), 0), (date(2026, 11, 6), 2), (date(2026, 9, 1), 1)]
    instructions = [InstructionFact("akim", date(2026, 11, 6), date(2026, 11, 13)),
                    InstructionFact("akim", date(2026, 11, 6), date(2026, 11, 20)),
                    InstructionFact("deputy", date(2026, 9, 1), date(2026, 9, 10))]
    result = figures(protocols=protocols, instructions=instructions)
    assert (result.protocols, result.decisions, result.instructions_given) == (2, 1, 2)


def test_overdue_as_of_the_end_of_a_past_quarter() -> None:
    instructions = [InstructionFact("akim", date(2026, 12, 1), date(2026, 12, 31)),
                    InstructionFact("akim", date(2026, 12, 1), date(2027, 1, 5)),
                    InstructionFact("deputy", date(2026, 9, 1), date(2026, 9, 10)),
                    InstructionFact("deputy", date(2027, 1, 2), date(2027, 1, 3))]
    result = figures(instructions=instructions)
    assert result.overdue_as_of == date(2027, 1, 1)
    assert [(s.code, s.count) for s in result.overdue] == [("akim", 1), ("deputy", 1)]
    assert result.overdue_total == 2


def test_overdue_today_within_the_current_quarter() -> None:
    instructions = [InstructionFact("akim", date(2026, 11, 2), date(2026, 11, 20)),
                    InstructionFact("akim", date(2026, 11, 2), date(2026, 11, 23)),
                    InstructionFact("akim", date(2026, 11, 2), date(2026, 11, 30))]
    result = figures(instructions=instructions, today=date(2026, 11, 23))
    assert result.overdue_as_of == date(2026, 11, 23)
    assert result.overdue_total == 1  # due today is not overdue yet
    shown = result.as_dict()
    assert shown["overdue_total"] == 1
    assert shown["overdue"] == [{"code": "akim", "name": AKIM.name.as_dict(), "count": 1}]


def test_an_instruction_reported_done_is_not_overdue_from_that_day() -> None:
    late = InstructionFact("akim", date(2026, 11, 2), date(2026, 11, 20),
                           done_on=date(2026, 11, 25))
    in_time = InstructionFact("akim", date(2026, 11, 2), date(2026, 11, 20),
                              done_on=date(2026, 11, 19))
    assert figures(instructions=[late, in_time], today=date(2026, 11, 24)).overdue_total == 1
    assert figures(instructions=[late, in_time], today=date(2026, 11, 25)).overdue_total == 0
    # November's report still shows it overdue at the end of November? It was done on
    # the 25th, inside November: no.
    november = figures(instructions=[late], first=date(2026, 11, 1), last=date(2026, 11, 30))
    assert november.overdue_total == 0
    # A week's report ending on the 22nd shows it overdue at that week's end.
    week = figures(instructions=[late], first=date(2026, 11, 16), last=date(2026, 11, 22))
    assert week.overdue_total == 1
