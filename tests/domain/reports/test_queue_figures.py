"""The queue's figures from ticket facts: counts by zone, purpose, language and
out-of-turn category; waiting and service times by zone and desk; no-shows."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from hub.domain.reports.labels import Label
from hub.domain.reports.queue import TicketFact, summarize_queue
from hub.domain.text import Bilingual

DAY = date(2026, 11, 23)
OPEN = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)  # 09:00 in Almaty
ZONES = [Label("consultation", Bilingual(kk="Консультация", ru="Консультация")),
         Label("personal", Bilingual(kk="Жеке қабылдау", ru="Личный прием"))]
DESKS = [Label(code, Bilingual(kk=code, ru=code))
         for code in ("window-1", "window-2", "office-105")]
PURPOSES = [Label("complaint", Bilingual(kk="Шағым беру", ru="Подать жалобу")),
            Label("appeal_paper", Bilingual(kk="Қағаз өтініш", ru="Обращение на бумаге"))]
OUT_OF_TURN = [Label("disability", Bilingual(kk="Мүгедектігі бар адам",
                                             ru="Лицо с инвалидностью")),
               Label("pregnant", Bilingual(kk="Жүкті әйел", ru="Беременная женщина"))]


def ticket(minute: int, *, wait: float | None = None, serve: float | None = None,
           state: str = "done", zone: str = "consultation", desk: str | None = "window-1",
           purpose: str | None = "complaint", language: str = "kk",
           out_of_turn: str | None = None, escort: bool = False,
           issued_zone: str | None = None) -> TicketFact:
    """A ticket issued `minute` minutes after opening, called `wait` minutes later and
    served for `serve` minutes."""
    issued = OPEN + timedelta(minutes=minute)
    called = issued + timedelta(minutes=wait) if wait is not None else None
    started = called + timedelta(minutes=1) if called is not None and serve is not None \
        else None
    finished = started + timedelta(minutes=serve) if started is not None and serve is not None \
        else (called + timedelta(minutes=2) if called is not None and state == "no_show"
              else None)
    return TicketFact(service_day=DAY, issued_zone=issued_zone or zone, zone=zone,
                      purpose=purpose, language=language, out_of_turn=out_of_turn,
                      needs_escort=escort, state=state,
                      desk=desk if called is not None else None,
                      issued_hour=9 + (minute // 60), issued_at=issued, called_at=called,
                      started_at=started, finished_at=finished)


def summarize(facts: list[TicketFact]):  # type: ignore[no-untyped-def]
    return summarize_queue(facts, zones=ZONES, desks=DESKS, purposes=PURPOSES,
                           out_of_turn=OUT_OF_TURN, hours=range(9, 19), days=[DAY])


def test_an_empty_day_has_zeros_not_errors() -> None:
    figures = summarize([])
    assert figures.visitors == 0
    assert [s.count for s in figures.by_zone] == [0, 0]
    assert figures.waiting.count == 0 and figures.waiting.median is None
    assert figures.times_by_desk == []  # no desk worked
    assert [t.label.code for t in figures.times_by_zone] == ["consultation", "personal"]
    assert figures.by_hour == [(hour, 0) for hour in range(9, 19)]
    assert figures.by_day == [(DAY, 0)]


def test_counts_by_zone_purpose_language_and_out_of_turn() -> None:
    facts = [ticket(0, wait=5, serve=10),
             ticket(1, wait=5, serve=10, language="ru", out_of_turn="disability", escort=True),
             ticket(2, wait=5, serve=10, purpose="appeal_paper", language="ru"),
             ticket(3, wait=2, serve=20, zone="personal", desk="office-105",
                    purpose=None, out_of_turn="pregnant")]
    figures = summarize(facts)
    assert figures.visitors == 4
    assert {s.code: s.count for s in figures.by_zone} == {"consultation": 3, "personal": 1}
    assert [(s.code, s.count) for s in figures.by_purpose] == [
        ("complaint", 2), ("appeal_paper", 1), ("none", 1)]
    assert [(s.code, s.count) for s in figures.by_language] == [("kk", 2), ("ru", 2)]
    assert [(s.code, s.count) for s in figures.by_out_of_turn] == [
        ("general", 2), ("disability", 1), ("pregnant", 1)]
    assert figures.out_of_turn_total == 2
    assert figures.escorted == 1


def test_no_purpose_row_only_when_some_ticket_has_none() -> None:
    figures = summarize([ticket(0, wait=5, serve=10)])
    assert "none" not in [s.code for s in figures.by_purpose]


def test_waiting_and_service_times_by_zone_and_desk() -> None:
    facts = [ticket(0, wait=4, serve=10, desk="window-1"),
             ticket(0, wait=8, serve=20, desk="window-2"),
             ticket(5, wait=12, serve=30, desk="window-2"),
             ticket(9, wait=1, serve=15, zone="personal", desk="office-105")]
    figures = summarize(facts)
    consultation = figures.times_by_zone[0]
    assert consultation.label.code == "consultation"
    assert consultation.waiting.count == 3
    assert consultation.waiting.median == 8 * 60
    assert consultation.waiting.mean == pytest.approx(8 * 60)
    assert consultation.service.median == 20 * 60
    assert consultation.served == 3
    desks = {t.label.code: t for t in figures.times_by_desk}
    assert list(desks) == ["window-1", "window-2", "office-105"]
    assert desks["window-2"].waiting.mean == pytest.approx(10 * 60)
    assert desks["window-2"].service.p90 == pytest.approx((20 + 10 * 0.9) * 60)
    assert desks["office-105"].service.mean == 15 * 60
    assert figures.waiting.count == 4
    assert figures.service.count == 4


def test_no_shows_are_waited_for_but_not_served() -> None:
    facts = [ticket(0, wait=3, serve=10), ticket(1, wait=6, state="no_show"),
             ticket(2, wait=9, state="no_show", desk="window-2")]
    figures = summarize(facts)
    assert figures.outcomes.no_show == 2
    assert figures.outcomes.served == 1
    assert figures.waiting.count == 3  # a no-show also waited until called
    assert figures.service.count == 1
    desks = {t.label.code: t for t in figures.times_by_desk}
    assert (desks["window-1"].no_show, desks["window-2"].no_show) == (1, 1)
    assert figures.times_by_zone[0].no_show == 2


def test_unfinished_and_cancelled_tickets() -> None:
    facts = [ticket(0, state="waiting"), ticket(1, wait=3, state="called"),
             ticket(2, state="cancelled"), ticket(3, wait=2, serve=5)]
    outcomes = summarize(facts).outcomes
    assert (outcomes.served, outcomes.no_show, outcomes.cancelled, outcomes.unfinished) == (
        1, 0, 1, 2)


def test_a_transferred_ticket_counts_by_issue_zone_and_times_where_it_ended() -> None:
    moved = ticket(0, wait=20, serve=10, zone="personal", desk="office-105",
                   issued_zone="consultation")
    figures = summarize([moved])
    assert {s.code: s.count for s in figures.by_zone} == {"consultation": 1, "personal": 0}
    zones = {t.label.code: t for t in figures.times_by_zone}
    assert zones["personal"].waiting.count == 1
    assert zones["consultation"].waiting.count == 0


def test_codes_no_longer_configured_still_count_by_their_code() -> None:
    stray = replace(ticket(0, wait=1, serve=1), issued_zone="old-zone", zone="old-zone",
                    desk="old-desk", purpose="old-purpose")
    figures = summarize([stray])
    assert figures.by_zone[-1].code == "old-zone" and figures.by_zone[-1].count == 1
    assert figures.by_zone[-1].label.name.ru == "old-zone"
    assert figures.times_by_desk[-1].label.code == "old-desk"
    assert ("old-purpose", 1) in [(s.code, s.count) for s in figures.by_purpose]


def test_visitors_by_hour_widen_to_any_hour_issued() -> None:
    early = replace(ticket(0), issued_hour=8)
    figures = summarize([early, ticket(0), ticket(61)])
    assert figures.by_hour[0] == (8, 1)
    assert dict(figures.by_hour)[9] == 1
    assert dict(figures.by_hour)[10] == 1
    assert sum(count for _, count in figures.by_hour) == 3


def test_visitors_by_day_include_days_off_that_had_tickets() -> None:
    saturday = replace(ticket(0), service_day=date(2026, 11, 28))
    figures = summarize_queue([ticket(0), saturday], zones=ZONES, desks=DESKS,
                              purposes=PURPOSES, out_of_turn=OUT_OF_TURN, hours=range(9, 19),
                              days=[DAY, date(2026, 11, 24)])
    assert figures.by_day == [(DAY, 1), (date(2026, 11, 24), 0), (date(2026, 11, 28), 1)]


def test_a_call_recorded_before_issue_is_not_a_negative_wait() -> None:
    skewed = replace(ticket(0, wait=1, serve=1), called_at=OPEN - timedelta(seconds=3))
    assert summarize([skewed]).waiting.median == 0.0


def test_dictionary_form_carries_every_section() -> None:
    shown = summarize([ticket(0, wait=3, serve=5)]).as_dict()
    assert shown["visitors"] == 1
    assert shown["waiting"] == {"count": 1, "mean": 180.0, "median": 180.0, "p90": 180.0}
    assert shown["by_day"] == [{"day": "2026-11-23", "count": 1}]
    assert set(shown) >= {"by_zone", "by_purpose", "by_language", "by_out_of_turn",
                          "times_by_zone", "times_by_desk", "outcomes", "by_hour"}
