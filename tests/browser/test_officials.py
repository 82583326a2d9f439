"""An official's page in a real browser: the day the official cannot receive is
declared (with the confirmation a person answers), shown with its reason, and
left out of the public schedule."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Console
from tests.browser.test_reception import reception  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser


@pytest.mark.usefixtures("reception")
def test_an_absent_day_is_declared_and_leaves_the_public_schedule(
        console: Console, page: Page, artifacts: Path) -> None:
    console.login(page, next_path="/console/officials/akim")
    expect(page.locator("#availability h2")).to_have_text(
        "Жазылуларды орналастыру және қабылдаудың болмауы")
    page.fill("#c-day", "2027-01-19")
    page.fill("#c-reason", "Іссапар")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#cancel-day-form button[type=submit]")
    expect(page.locator(".flash-ok")).to_contain_text(
        "19.01.2027 күнгі қабылдау болмайды: 0 жазылу ауыстырылды.")
    expect(page.locator('[data-absence="2027-01-19"]')).to_contain_text("Іссапар")
    page.locator("#availability").screenshot(path=str(artifacts / "official-absence-kk.png"))

    page.goto(f"{console.url}/schedule?month=2027-01")
    when = page.locator('[data-official="akim"] .sch-when').inner_text()
    assert "21.01.2027" in when and "12.01.2027" in when and "19.01.2027" not in when
