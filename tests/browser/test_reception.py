"""Personal reception in a real browser: the public schedule without login in
both languages, its printable form (the appendix of 004), and the responsible
worker's work list with overdue and due-soon requests and a decision."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Console

pytestmark = pytest.mark.browser

NAME = "Серікбаев Асқар Нұрланұлы"


@pytest.fixture
def reception(console: Console) -> Iterator[dict[str, str]]:
    """An official with a schedule and three requests: one overdue, one due soon,
    one fresh. The clock is put back afterwards."""
    hub, clock = console.hub, console.clock
    kept = clock.now()
    hub.reception.put_official(
        "akim", actor="test", full_name="Әлиев Бақыт Серікұлы", position_kk="Аудан әкімі",
        position_ru="Аким района", state_body_kk="Бородулиха ауданы әкімінің аппараты",
        state_body_ru="Аппарат акима Бородулихинского района",
        location_kk="Бородулиха ауылы, Тәуелсіздік көшесі, 69",
        location_ru="село Бородулиха, улица Тәуелсіздік, 69", desk="office-105",
        phone="+7 72351 2 11 00", email="akim@borodulikha.gov.kz")
    hub.reception.put_official(
        "deputy", actor="test", full_name="Жұмабаева Гүлнар Ерланқызы",
        position_kk="Аудан әкімінің орынбасары", position_ru="Заместитель акима района",
        state_body_kk="Бородулиха ауданы әкімінің аппараты",
        state_body_ru="Аппарат акима Бородулихинского района", desk="office-106",
        phone="+7 72351 2 11 05", email="deputy@borodulikha.gov.kz", order=1)
    if not hub.reception.list_schedules("akim")[0]:
        hub.reception.add_schedule("akim", actor="test", approved_by="Аудан әкімі",
                                   approved_on=date(2026, 10, 30), valid_from=date(2026, 11, 1),
                                   valid_to=None, weekdays=[1, 3], starts="10:00",
                                   ends="12:00", video_link=True)
        hub.reception.add_schedule("deputy", actor="test", approved_by="Аудан әкімі",
                                   approved_on=date(2026, 10, 30), valid_from=date(2026, 11, 1),
                                   valid_to=None, weekdays=[4], starts="15:00", ends="17:00")
        hub.reception.add_extra("deputy", actor="test", day=date(2026, 12, 9), starts="10:00",
                                ends="11:00", order_number="47-ө", order_date=date(2026, 12, 1))
    numbers = {}
    for key, moment, iin in (("overdue", datetime(2026, 10, 30, 5, 0, tzinfo=UTC),
                              "850101300124"),
                             ("soon", datetime(2026, 11, 2, 5, 0, tzinfo=UTC), "900512400345"),
                             ("fresh", kept, "771215300675")):
        clock.set(moment)
        numbers[key] = hub.reception.register(
            actor="test", channel="paper", iin=iin, full_name=NAME, phone="87012345678",
            language="kk", essence="Жер учаскесін беру туралы", official_asked="akim").number
    clock.set(kept)
    yield numbers
    clock.set(kept)


def test_public_schedule_in_both_languages_and_its_printable_form(
        console: Console, page: Page, artifacts: Path, reception: dict[str, str]) -> None:
    response = page.goto(f"{console.url}/schedule?month=2026-12")
    assert response is not None and response.status == 200
    assert "/console/login" not in page.url  # no login
    assert page.get_attribute("html", "lang") == "kk"
    expect(page.locator("h1")).to_have_text("Лауазымды адамдардың азаматтарды қабылдау кестесі")
    akim = page.locator('[data-official="akim"]')
    expect(akim.locator("h3")).to_have_text("Әлиев Бақыт Серікұлы")
    expect(akim).to_contain_text("Аудан әкімі")
    expect(akim.locator(".sch-when li").first).to_contain_text("01.12.2026, 03.12.2026")
    expect(akim.locator(".sch-when li").first).to_contain_text("10:00–12:00")
    deputy = page.locator('[data-official="deputy"]')
    expect(deputy).to_contain_text("09.12.2026 — 10:00–11:00 (кестеден тыс")
    expect(page.locator("#period")).to_have_text("желтоқсан 2026")
    expect(page.locator("body")).not_to_contain_text(NAME)
    page.screenshot(path=str(artifacts / "reception-schedule-kk.png"), full_page=True)

    page.click('.sch-langs [data-lang="ru"]')
    assert page.get_attribute("html", "lang") == "ru"
    expect(page.locator("h1")).to_have_text("График приема граждан должностными лицами")
    expect(akim).to_contain_text("Аким района")
    expect(deputy).to_contain_text("вне графика, поручение № 47-ө, 01.12.2026")
    expect(page.locator("#period")).to_have_text("декабрь 2026")
    page.screenshot(path=str(artifacts / "reception-schedule-ru.png"), full_page=True)

    page.click("#print-link")
    assert "/schedule/print?month=2026-12&lang=ru" in page.url
    expect(page.locator("h1")).to_have_text(
        "График приема граждан руководством государственных органов")
    headers = page.locator("#appendix thead th").all_inner_texts()
    assert headers == ["Наименование государственного органа",
                       "Ф.И.О лица, проводящего прием граждан",
                       "Должность лица, проводящего прием граждан",
                       "Дата и время приема граждан",
                       "Местонахождение государственного органа, организации",
                       "Контактный телефон, электронный адрес"]
    row = page.locator('#appendix tr[data-official="akim"] td')
    expect(row.nth(0)).to_have_text("Аппарат акима Бородулихинского района")
    expect(row.nth(4)).to_have_text("село Бородулиха, улица Тәуелсіздік, 69")
    page.emulate_media(media="print")
    expect(page.locator(".print-tools")).to_be_hidden()
    page.screenshot(path=str(artifacts / "reception-print-ru.png"), full_page=True)
    page.emulate_media(media="screen")
    page.click('.print-tools [data-lang="kk"]')
    expect(page.locator("h1")).to_have_text(
        "Мемлекеттік органдар басшылығының азаматтарды қабылдау кестесі")
    page.emulate_media(media="print")
    page.screenshot(path=str(artifacts / "reception-print-kk.png"), full_page=True)


def test_work_list_highlights_deadlines_and_records_a_decision(
        console: Console, page: Page, artifacts: Path, reception: dict[str, str]) -> None:
    console.login(page, next_path="/console/reception")
    expect(page.locator('[data-nav="reception"]')).to_have_attribute("aria-current", "page")
    expect(page.locator("h1")).to_have_text("Жеке қабылдауға жазылу өтініштері")
    overdue = page.locator(f'tr[data-request="{reception["overdue"]}"]')
    soon = page.locator(f'tr[data-request="{reception["soon"]}"]')
    fresh = page.locator(f'tr[data-request="{reception["fresh"]}"]')
    expect(overdue).to_have_class("rc-overdue")
    expect(overdue.locator(".rc-badge")).to_have_text("мерзімі өтті")
    expect(soon).to_have_class("rc-soon")
    expect(soon.locator(".rc-badge")).to_have_text("мерзімі жақын")
    expect(fresh.locator(".rc-deadline")).to_contain_text("Өтініш берушіге жауап — 14.12.2026")
    expect(fresh.locator(".rc-deadline")).to_contain_text("15 жұмыс күні қалды")
    page.screenshot(path=str(artifacts / "reception-work-list-kk.png"), full_page=True)

    fresh.locator("a").first.click()
    expect(page.locator("#state")).to_have_text("тіркелді")
    step = page.locator('form[data-step="leave-without-consideration"]')
    step.locator("button").click()
    expect(page.locator(".flash-error")).to_contain_text("Шешім жазылмады")
    expect(page.locator("#state")).to_have_text("тіркелді")
    step = page.locator('form[data-step="leave-without-consideration"]')
    step.locator("textarea").fill("Өтініште мәселенің мәні жоқ")
    step.locator("button").click()
    expect(page.locator(".flash-ok")).to_contain_text("Шешім жазылды: қараусыз қалдырылды")
    expect(page.locator("#state")).to_have_text("қараусыз қалдырылды")
    expect(page.locator("#history")).to_contain_text("Өтініште мәселенің мәні жоқ")
    page.screenshot(path=str(artifacts / "reception-request-kk.png"), full_page=True)

    page.click('.langs [data-lang="ru"]')
    page.goto(f"{console.url}/console/reception")
    expect(page.locator("h1")).to_have_text("Обращения о записи на личный прием")
    expect(page.locator(f'tr[data-request="{reception["overdue"]}"] .rc-badge')).to_have_text(
        "просрочено")
    page.screenshot(path=str(artifacts / "reception-work-list-ru.png"), full_page=True)
