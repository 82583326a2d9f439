"""The appeals register in a real browser: registering an appeal through the
form (a refused IIN comes back with what was typed), the register with the IIN
masked, the appeal page with its reception mark, and the control list; the
screenshots are kept in the artifacts to be looked at."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from hub.domain.roles import Role
from tests.browser.conftest import Console
from tests.domain.appeals.test_appeals_domain import make_iin

pytestmark = pytest.mark.browser

IIN = make_iin("85010130000")
NAME = "Сейітқали Ерлан Бауыржанұлы"


def test_registering_an_appeal_and_the_masked_register(console: Console, page: Page,
                                                       artifacts: Path) -> None:
    console.user("kontrol.user", Role.OFFICIAL, full_name="Бекова Айгүл")
    console.login(page, next_path="/console/appeals/new")
    page.select_option("#f-kind", "complaint")
    page.select_option("#f-channel", "personal_reception")
    page.fill("#f-subject", "Бородулиха ауданының тұрғын үй бөлімі")
    page.fill("#f-summary", "Әлеуметтік пәтер кезегі туралы шағым")
    page.fill("#f-iin", IIN[:11] + str((int(IIN[11]) + 1) % 10))
    page.fill("#f-full_name", NAME)
    page.fill("#f-phone", "+7 701 234 56 78")
    with page.expect_navigation():
        page.click("#appeal-form button[type=submit]")
    error = page.locator('[data-error-for="iin"]')
    expect(error).to_contain_text("бақылау цифры")
    expect(page.locator("#f-summary")).to_have_value("Әлеуметтік пәтер кезегі туралы шағым")
    page.screenshot(path=str(artifacts / "appeals-refused-iin.png"), full_page=True)
    page.fill("#f-iin", IIN)
    with page.expect_navigation():
        page.click("#appeal-form button[type=submit]")
    expect(page.locator("h1")).to_contain_text("AP-2026-")
    expect(page.locator("#reception-mark")).to_have_text("жеке қабылдаудан")
    page.select_option("#f-assignee", "kontrol.user")
    with page.expect_navigation():
        page.click("#assign-form button[type=submit]")
    expect(page.locator("#appeal-state")).to_contain_text("Бақылауда")
    page.screenshot(path=str(artifacts / "appeals-detail.png"), full_page=True)
    page.goto(f"{console.url}/console/appeals")
    row = page.locator("#appeals tbody tr").first
    expect(row.locator(".iin-masked")).to_have_text("•" * 8 + IIN[-4:])
    page.screenshot(path=str(artifacts / "appeals-register.png"), full_page=True)
    page.goto(f"{console.url}/console/control")
    expect(page.locator('#control-list tr[data-kind="appeal"]')).to_have_count(1)
    page.screenshot(path=str(artifacts / "appeals-control.png"), full_page=True)
