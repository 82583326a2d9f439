"""The reports page in a real browser: a day played through the queue is shown
as charts a person reads at a glance, in Kazakh and in Russian, and the
quarter adds its chart by day. Screenshots go to test-artifacts/ to be looked
at."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from hub.domain.roles import Role
from tests.browser.conftest import WORKING_MOMENT, Console
from tests.hub.reports_seed import seed_queue

pytestmark = pytest.mark.browser
# Days no other browser test touches, so the day's figures are exactly the seed's.
DAY = date(2026, 10, 14)
DAY_BEFORE = date(2026, 10, 13)


@pytest.fixture(scope="module")
def seeded(console: Console) -> None:
    try:
        seed_queue(console.hub, console.clock, DAY, DAY_BEFORE)
    finally:
        console.clock.set(WORKING_MOMENT)


@pytest.mark.usefixtures("seeded")
def test_a_day_report_reads_at_a_glance(console: Console, page: Page,
                                        artifacts: Path) -> None:
    console.user("analyst", Role.ANALYST)
    console.login(page, "analyst", next_path="/console/reports")
    page.fill("#f-day", DAY.isoformat())
    with page.expect_navigation():
        page.click("#pick-day button[type=submit]")
    expect(page.locator("#report-title")).to_have_text("14.10.2026 күнгі есеп")
    expect(page.locator('[data-figure="visitors"]')).to_have_text("5")
    expect(page.locator('[data-figure="no_show"]')).to_have_text("1")
    expect(page.locator('[data-figure="waiting"]')).to_have_text("7,5")
    expect(page.locator('[data-nav="reports"]')).to_have_attribute("aria-current", "page")
    charts = page.locator("svg.chart")
    assert charts.count() >= 9
    # Charts are drawn, not empty boxes: bars with width, coloured by the stylesheet.
    widest = page.locator("svg.chart-bars rect.bar").evaluate_all(
        "rects => Math.max(...rects.map(r => r.getBBox().width))")
    assert widest > 100
    fill = page.locator("svg.chart-bars rect.bar").first.evaluate(
        "r => getComputedStyle(r).fill")
    assert fill == "rgb(11, 93, 155)"
    expect(page.locator('#desk-times [data-desk="window-1"]')).to_contain_text("1-терезе")
    page.screenshot(path=str(artifacts / "report-day-kk.png"), full_page=True)

    page.click('[data-lang="ru"]')
    expect(page.locator("#report-title")).to_have_text("Отчет за 14.10.2026")
    expect(page.locator("#chart-waiting")).to_contain_text("Консультация")
    page.locator("#chart-waiting").screenshot(path=str(artifacts / "report-waiting-ru.png"))
    with page.expect_download() as download:
        page.click("#download-pdf")
    assert download.value.suggested_filename == "kezek-report-2026-10-14.pdf"


@pytest.mark.usefixtures("seeded")
def test_a_quarter_report_has_its_days(console: Console, page: Page, artifacts: Path) -> None:
    console.user("analyst", Role.ANALYST)
    console.login(page, "analyst", next_path="/console/reports?period=2026-Q4")
    expect(page.locator("#report-title")).to_have_text("2026 жылғы 4-тоқсандағы есеп")
    expect(page.locator("#chart-by-day svg.chart-columns")).to_be_visible()
    columns = page.locator("#chart-by-day rect.bar").count()
    assert columns > 60  # every working day of the quarter has its column
    page.select_option("#f-quarter", "2026-Q3")
    with page.expect_navigation():
        page.click("#pick-quarter button[type=submit]")
    expect(page.locator("#report-title")).to_have_text("2026 жылғы 3-тоқсандағы есеп")
    page.goto(f"{console.url}/console/reports?period=2026-Q4")
    page.screenshot(path=str(artifacts / "report-quarter-kk.png"), full_page=True)
