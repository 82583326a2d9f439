"""Reports through the API on both databases: the figures of a seeded day and
quarter, personal reception outcomes and overdue instructions, who may read
them, bad periods, and the PDF and XLSX downloads opened and read back."""

from __future__ import annotations

import io
import json
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from pypdf import PdfReader

from hub.domain.roles import Role
from hub.services.clock import ManualClock
from hub.wiring import Hub
from tests.hub.reports_seed import SEEDED_DAY, local, seed_queue
from tests.hub.test_api_check_in import at, protocol_ready
from tests.hub.test_api_reception import BASE, IIN, NAME, bearer

REPORTS = "/api/v1/reports"
MIN = 60.0


def by_code(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {row["code"]: row for row in rows}


def test_a_day_of_the_queue(client: TestClient, hub: Hub, clock: ManualClock) -> None:
    seed_queue(hub, clock)
    report = client.get(f"{REPORTS}/{SEEDED_DAY.isoformat()}").json()
    assert report["period"]["kind"] == "day"
    assert report["period"]["title"]["ru"] == "Отчет за 23.11.2026"
    assert report["working_days"] == 1
    queue = report["queue"]
    assert queue["visitors"] == 5  # Friday's visitor is another day
    assert {c: r["count"] for c, r in by_code(queue["by_zone"]).items()} == {
        "consultation": 4, "personal": 1, "self_service": 0}
    assert {c: r["count"] for c, r in by_code(queue["by_language"]).items()} == {
        "kk": 3, "ru": 2}
    purposes = {c: r["count"] for c, r in by_code(queue["by_purpose"]).items()}
    assert (purposes["complaint"], purposes["appeal_paper"], purposes["booked_reception"],
            purposes["appeal_help"]) == (3, 1, 1, 0)
    out_of_turn = by_code(queue["by_out_of_turn"])
    assert (out_of_turn["general"]["count"], out_of_turn["disability"]["count"]) == (4, 1)
    assert out_of_turn["disability"]["name"]["kk"] == "Мүгедектігі бар адам"
    assert queue["escorted"] == 1
    assert queue["outcomes"] == {"served": 3, "no_show": 1, "cancelled": 0, "unfinished": 1}
    consultation = by_code(queue["times_by_zone"])["consultation"]
    assert consultation["waiting"]["count"] == 3
    assert consultation["waiting"]["median"] == pytest.approx(10 * MIN)
    assert consultation["waiting"]["mean"] == pytest.approx((10 + 4 + 26) / 3 * MIN)
    assert consultation["waiting"]["p90"] == pytest.approx(22.8 * MIN)
    assert consultation["service"]["median"] == pytest.approx(17.5 * MIN)
    assert (consultation["served"], consultation["no_show"]) == (2, 1)
    desks = by_code(queue["times_by_desk"])
    assert list(desks) == ["window-1", "window-2", "office-105"]  # desks that worked
    assert desks["window-1"]["waiting"]["median"] == pytest.approx(18 * MIN)
    assert (desks["window-1"]["served"], desks["window-1"]["no_show"]) == (1, 1)
    assert desks["office-105"]["service"]["mean"] == pytest.approx(20 * MIN)
    hours = {row["hour"]: row["count"] for row in queue["by_hour"]}
    assert (hours[9], hours[10], hours[11]) == (0, 4, 1)
    assert report["visitors_per_working_day"] == 5


def test_a_quarter_adds_its_days(client: TestClient, hub: Hub, clock: ManualClock) -> None:
    seed_queue(hub, clock)
    report = client.get(f"{REPORTS}/2026-Q4").json()
    calendar = hub.centers.snapshot().calendar
    assert report["period"] == {"code": "2026-Q4", "kind": "quarter", "first": "2026-10-01",
                                "last": "2026-12-31", "title": {
                                    "kk": "2026 жылғы 4-тоқсандағы есеп",
                                    "ru": "Отчет за 4 квартал 2026 года"}}
    working = [d for d in (date(2026, 10, 1).fromordinal(n) for n in range(
        date(2026, 10, 1).toordinal(), date(2026, 12, 31).toordinal() + 1))
        if calendar.is_working_day(d)]
    assert report["working_days"] == len(working)
    assert date(2026, 12, 16) not in working  # Independence Day
    assert report["queue"]["visitors"] == 6
    days = {row["day"]: row["count"] for row in report["queue"]["by_day"]}
    assert (days["2026-11-20"], days["2026-11-23"], days["2026-11-24"]) == (1, 5, 0)
    assert len(days) == len(working)
    assert report["queue"]["outcomes"]["served"] == 4
    assert client.get(f"{REPORTS}/2026-Q3").json()["queue"]["visitors"] == 0


def test_personal_reception_outcomes_and_overdue_instructions(
        client: TestClient, hub: Hub, clock: ManualClock) -> None:
    number = protocol_ready(client, clock)  # registered 23 Nov, booked, checked in on 1 Dec
    recorded = client.post(f"{BASE}/requests/{number}/protocol", json={
        "instructions": [{"text": "Құжаттарды тексеру",
                          "responsible": "Бөлім басшысы Омаров Д.", "working_days": 5}]})
    assert recorded.status_code == 201, recorded.text
    day = client.get(f"{REPORTS}/2026-12-01").json()["reception"]
    assert day["requests"] == 0  # registered on another day
    outcomes = {c: r["count"] for c, r in by_code(day["outcomes"]).items()}
    assert (outcomes["checked_in"], outcomes["received"], outcomes["approved"]) == (1, 1, 0)
    assert (day["protocols"], day["decisions"], day["instructions_given"]) == (1, 0, 1)
    assert day["overdue_total"] == 0
    quarter = client.get(f"{REPORTS}/2026-Q4").json()["reception"]
    assert quarter["requests"] == 1
    assert by_code(quarter["by_channel"])["paper"]["count"] == 1
    assert by_code(quarter["by_language"])["kk"]["count"] == 1
    assert by_code(quarter["outcomes"])["approved"]["count"] == 1
    assert quarter["overdue_total"] == 0  # due 8 December, today is 1 December
    clock.set(at("10:00", day=10))
    later = client.get(f"{REPORTS}/2026-Q4").json()["reception"]
    assert later["overdue_total"] == 1
    assert later["overdue_as_of"] == "2026-12-10"
    assert later["overdue"] == [{"code": "akim", "count": 1,
                                 "name": {"kk": "Аудан әкімі", "ru": "Аким района"}}]
    # The day's report still shows the day as it was: nothing overdue on 2 December.
    assert client.get(f"{REPORTS}/2026-12-01").json()["reception"]["overdue_total"] == 0


def text_of_pdf(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def cells_of_xlsx(content: bytes) -> dict[str, list[list[Any]]]:
    book = load_workbook(io.BytesIO(content))
    return {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)]
            for sheet in book.worksheets}


def test_pdf_and_xlsx_downloads_open_with_the_figures(
        client: TestClient, hub: Hub, clock: ManualClock) -> None:
    seed_queue(hub, clock)
    pdf = client.get(f"{REPORTS}/{SEEDED_DAY.isoformat()}/pdf", params={"lang": "ru"})
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert 'filename="kezek-report-2026-11-23.pdf"' in pdf.headers["content-disposition"]
    text = text_of_pdf(pdf.content)
    assert "Отчет за 23.11.2026" in text
    assert "Центр приема граждан акимата Бородулихинского района" in text
    assert "Консультация" in text and "Лицо с инвалидностью" in text
    assert "медиана 10,0 · p90 22,8 мин (n=3)" in text  # consultation waiting
    assert "Окно 1" in text
    kazakh = text_of_pdf(client.get(f"{REPORTS}/{SEEDED_DAY.isoformat()}/pdf").content)
    assert "23.11.2026 күнгі есеп" in kazakh and "Күту залы" not in kazakh
    xlsx = client.get(f"{REPORTS}/2026-Q4/xlsx", params={"lang": "ru"})
    assert xlsx.status_code == 200
    assert xlsx.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    sheets = cells_of_xlsx(xlsx.content)
    assert list(sheets) == ["Сводка", "Посетители", "Время ожидания и обслуживания",
                            "По часам (время выдачи талона)", "По рабочим дням", "Личный прием",
                            "Обращения", "Результаты опроса"]
    summary = {row[0]: row[1] for row in sheets["Сводка"] if row[0]}
    assert summary["Посетители (выдано талонов)"] == 6
    assert summary["Обслужено"] == 4 and summary["Не явились"] == 1
    times = sheets["Время ожидания и обслуживания"]
    consultation = next(row for row in times if row[0] == "Консультация")
    assert consultation[1:6] == [3, 1, round((10 + 4 + 26 + 1) / 4, 1), 7.0, 21.2]
    book = load_workbook(io.BytesIO(xlsx.content))
    assert len(book["Посетители"]._charts) == 4  # one chart per breakdown
    assert client.get(f"{REPORTS}/2026-Q4/xlsx", params={"lang": "en"}).status_code == 422


def test_nothing_personal_in_any_form_of_a_report(
        client: TestClient, hub: Hub, clock: ManualClock) -> None:
    number = protocol_ready(client, clock)
    client.post(f"{BASE}/requests/{number}/protocol", json={
        "instructions": [{"text": "Жауап жолдау", "responsible": "Омаров Дәурен",
                          "working_days": 3}]})
    clock.set(at("10:00", day=10))  # the instruction is overdue: its official is named
    period = "2026-Q4"
    shown = [json.dumps(client.get(f"{REPORTS}/{period}").json(), ensure_ascii=False)]
    for lang in ("kk", "ru"):
        shown.append(text_of_pdf(client.get(f"{REPORTS}/{period}/pdf",
                                            params={"lang": lang}).content))
        shown.append(json.dumps(cells_of_xlsx(client.get(
            f"{REPORTS}/{period}/xlsx", params={"lang": lang}).content), default=str,
            ensure_ascii=False))
    for form in shown:
        assert "Аким района" in form or "Аудан әкімі" in form or "akim" in form
        for secret in (IIN, NAME, "Серікбаев", "701 234 56 78", "Омаров", "Әлиев",
                       "Жер учаскесін беру", number):
            assert secret not in form


def test_who_may_read_reports(hub: Hub, client: TestClient, anonymous: TestClient) -> None:
    analyst = hub.users.create_token(name="analyst", role=Role.ANALYST, actor="test")
    operator = hub.users.create_token(name="desk", role=Role.OPERATOR, actor="test")
    reception = hub.users.create_token(name="front", role=Role.RECEPTION, actor="test")
    assert anonymous.get(f"{REPORTS}/2026-Q4").status_code == 401
    assert anonymous.get(f"{REPORTS}/2026-Q4",
                         headers=bearer(analyst)).json()["queue"]["visitors"] == 0
    assert anonymous.get(f"{REPORTS}/2026-Q4/pdf",
                         headers=bearer(analyst)).status_code == 200
    for token in (operator, reception):
        assert anonymous.get(f"{REPORTS}/2026-Q4", headers=bearer(token)).status_code == 403
        assert anonymous.get(f"{REPORTS}/2026-Q4/xlsx",
                             headers=bearer(token)).status_code == 403


def test_a_bad_period_is_a_bilingual_problem(client: TestClient) -> None:
    for period in ("2026-Q5", "2026-02-30", "latest", "2026-11"):
        for suffix in ("", "/pdf", "/xlsx"):
            response = client.get(f"{REPORTS}/{period}{suffix}")
            assert response.status_code == 422, (period, suffix)
            problem = response.json()
            assert problem["field"] == "period"
            assert "тоқсан" in problem["text"]["kk"] and "квартал" in problem["text"]["ru"]


def test_an_empty_day_reports_zeros(client: TestClient, clock: ManualClock) -> None:
    clock.set(local(SEEDED_DAY, "12:00"))
    report = client.get(f"{REPORTS}/2026-11-22").json()  # a Sunday
    assert report["working_days"] == 0
    assert report["visitors_per_working_day"] is None
    assert report["queue"]["waiting"] == {"count": 0, "mean": None, "median": None, "p90": None}
    assert client.get(f"{REPORTS}/2026-11-22/pdf").status_code == 200
    assert client.get(f"{REPORTS}/2026-11-22/xlsx").status_code == 200
