"""The reports page of the console: charts drawn by the hub, the period
pickers, downloads through the signed-in session, who may open it, and no
personal data on it."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from hub.domain.roles import Role
from hub.services.clock import ManualClock
from hub.wiring import Hub
from tests.hub.reports_seed import SEEDED_DAY, seed_queue
from tests.hub.test_api_reception import IIN, NAME
from tests.hub.test_console_check_in import signed_in

SVG = re.compile(r"<svg class=\"chart chart-(\w+)\"")


def test_an_analyst_reads_a_day_with_charts_and_downloads(
        hub: Hub, clock: ManualClock) -> None:
    seed_queue(hub, clock)
    analyst = signed_in(hub, "analyst", Role.ANALYST)
    analyst.cookies.set("kezek_lang", "ru")
    page = analyst.get("/console/reports", params={"period": SEEDED_DAY.isoformat()})
    assert page.status_code == 200, page.text
    html = page.text
    assert 'href="/console/reports"' in html  # in the analyst's menu
    assert "Отчет за 23.11.2026" in html
    assert 'data-figure="visitors">5<' in html
    assert 'data-figure="no_show">1<' in html
    assert 'data-figure="waiting">7,5<' in html  # the median of 4, 5, 10 and 26 minutes
    kinds = SVG.findall(html)
    assert kinds.count("bars") >= 6 and "spreads" in kinds and "columns" in kinds
    assert "by_day" not in html and 'id="chart-by-day"' not in html  # a day has no by-day chart
    assert "<script" not in html.split("</head>")[1]  # charts need no script
    assert 'data-desk="window-1"' in html
    assert "Окно 1" in html and "Лицо с инвалидностью" in html
    pdf_link = re.search(r'id="download-pdf" href="([^"]+)"', html)
    assert pdf_link is not None
    assert pdf_link.group(1) == "/api/v1/reports/2026-11-23/pdf?lang=ru"
    pdf = analyst.get(pdf_link.group(1))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    xlsx = analyst.get("/api/v1/reports/2026-11-23/xlsx?lang=ru")
    assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK")


def test_a_quarter_has_a_chart_by_day_and_the_picker_selects_it(
        hub: Hub, clock: ManualClock) -> None:
    seed_queue(hub, clock)
    admin = signed_in(hub, "boss", Role.ADMINISTRATOR)
    html = admin.get("/console/reports", params={"period": "2026-Q4"}).text
    assert "2026 жылғы 4-тоқсандағы есеп" in html
    assert 'id="chart-by-day"' in html
    assert '<option value="2026-Q4" selected>' in html
    assert 'href="/console/reports?period=2026-Q3"' in html
    assert 'href="/console/reports?period=2027-Q1"' in html
    assert 'data-figure="visitors">6<' in html


def test_a_bad_period_says_so_and_shows_today(hub: Hub) -> None:
    admin = signed_in(hub, "boss", Role.ADMINISTRATOR)
    page = admin.get("/console/reports", params={"period": "2026-Q9"})
    assert page.status_code == 422
    assert 'id="period-error"' in page.text
    assert "Есеп кезеңі дұрыс емес" in page.text
    assert "23.11.2026 күнгі есеп" in page.text


def test_people_without_reports_are_refused(hub: Hub) -> None:
    for role in (Role.OPERATOR, Role.RECEPTION, Role.OFFICIAL):
        person = signed_in(hub, f"user-{role.value}", role)
        assert person.get("/console/reports").status_code == 403
        assert 'href="/console/reports"' not in person.get("/console/").text
        assert person.get("/api/v1/reports/2026-Q4").status_code == 403


def test_the_page_carries_no_personal_data(
        hub: Hub, clock: ManualClock, client: TestClient) -> None:
    from tests.hub.test_api_check_in import protocol_ready

    protocol_ready(client, clock)
    analyst = signed_in(hub, "analyst", Role.ANALYST)
    for language in ("kk", "ru"):
        analyst.cookies.set("kezek_lang", language)
        html = analyst.get("/console/reports", params={"period": "2026-Q4"}).text
        for secret in (IIN, NAME, "Серікбаев", "701 234 56 78", "Әлиев"):
            assert secret not in html


def test_the_page_shows_appeals_control_and_survey(hub: Hub, client: TestClient) -> None:
    from tests.hub.test_api_appeals import API, APPEAL

    assert client.post(API, json=APPEAL).status_code == 201
    analyst = signed_in(hub, "analyst", Role.ANALYST)
    html = analyst.get("/console/reports", params={"period": "2026-11-23"}).text
    assert 'data-figure="appeals">1<' in html
    assert 'id="control-figures"' in html and 'data-figure="consultations">0<' in html
    assert "Шағым" in html and "Сауалнама нәтижесі" in html
    assert IIN not in html and "Сейітқали" not in html
