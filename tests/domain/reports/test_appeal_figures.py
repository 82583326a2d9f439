"""Figures of the appeals register named in both languages, in the order of the
regulations' lists, with codes no longer known kept."""

from __future__ import annotations

from hub.domain.reports.appeals import AppealsFigures, Satisfaction


def test_appeals_by_kind_channel_and_state() -> None:
    figures = AppealsFigures.of(total=4, by_kind={"complaint": 3, "proposal": 1},
                                by_channel={"front_office": 2, "e_otinish": 2},
                                by_state={"on_control": 3, "closed": 1}, from_reception=1,
                                on_control=3, overdue=1, closed_in_time=1, closed_late=0)
    assert [(s.code, s.count) for s in figures.by_kind] == [
        ("proposal", 1), ("statement", 0), ("complaint", 3), ("request", 0), ("response", 0)]
    assert figures.by_kind[2].label.name.kk == "Шағым"
    assert {s.code: s.count for s in figures.by_channel}["e_otinish"] == 2
    assert {s.code: s.count for s in figures.by_state}["closed"] == 1
    shown = figures.as_dict()
    assert shown["overdue"] == 1
    assert shown["by_state"][0]["name"] == {"kk": "Тіркелді", "ru": "Зарегистрировано"}


def test_satisfaction_with_an_unknown_result_code() -> None:
    survey = Satisfaction.of(consultations=5, by_outcome={"enough": 3, "booking_requested": 2},
                             eligible=3, on_call_list=2, called=2,
                             by_result={"satisfied": 1, "legacy": 1}, answered=1,
                             mean_score=5.0, satisfied_share=1.0)
    assert {s.code: s.count for s in survey.by_outcome}["enough"] == 3
    assert survey.by_result[-1].code == "legacy"
    assert survey.by_result[-1].count == 1
    assert survey.as_dict()["mean_score"] == 5.0
