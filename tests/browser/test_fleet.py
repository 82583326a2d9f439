"""The console's fleet page in a real browser: nodes by role, online and offline,
drivers needing attention, in Kazakh and in Russian."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from contract.mqtt import (
    Driver,
    DriverState,
    NodeRole,
    NodeStatus,
    Presence,
    Telemetry,
)
from contract.node_faults import NODE_FAULTS
from hub.console.fleet import ago, clock_level, clock_shown, node_row
from hub.console.i18n import MESSAGES
from hub.domain.text import Language
from hub.services.nodes import NodeInfo
from tests.browser.conftest import Console
from tests.conftest import WORKING_MOMENT

PAPER_LOW = Driver(state=DriverState.WARNING, detail="paper_low")
SKEWED = Driver(state=DriverState.FAULT, detail="clock_skew")
OK = Driver(state=DriverState.OK)


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fleet-screenshots")


@pytest.fixture
def fleet(console: Console) -> Console:
    """An online terminal whose printer runs out of paper, a display that went offline
    an hour ago and a call button online by its status but silent for two minutes."""
    nodes = console.hub.nodes
    saved = console.clock.now()
    try:
        console.clock.set(saved - timedelta(hours=1))
        nodes.record_status(NodeStatus(
            node="display-hall", at=console.clock.now(), state=Presence.OFFLINE,
            role=NodeRole.DISPLAY, software="kezek-node 0.1.9",
            zones=["consultation", "personal"],
            drivers={"screen": Driver(state=DriverState.FAULT, detail="gone")}))
        console.clock.set(saved - timedelta(minutes=2))
        nodes.record_status(NodeStatus(
            node="button-1", at=console.clock.now(), state=Presence.ONLINE,
            role=NodeRole.CALL_BUTTON, software="kezek-node 0.2.0", desk="window-1",
            drivers={"button": OK, "speaker": Driver(state=DriverState.OFF)}))
        console.clock.set(saved)
        nodes.record_status(NodeStatus(
            node="terminal-1", at=saved, state=Presence.ONLINE,
            role=NodeRole.TICKET_TERMINAL, software="kezek-node 0.2.0",
            zones=["consultation", "personal", "self_service"],
            drivers={"printer": PAPER_LOW, "touchscreen": OK}))
        nodes.record_telemetry(Telemetry(node="terminal-1", at=saved, uptime_s=4728.4,
                                         outbox=2, cpu_temp_c=51.2, clock_skew_s=-75.3,
                                         drivers={"printer": PAPER_LOW, "touchscreen": OK,
                                                  "clock": SKEWED}))
    finally:
        console.clock.set(saved)
    return console


@pytest.mark.browser
def test_fleet_page_in_kazakh_and_russian(fleet: Console, page: Page,
                                          screenshots: Path) -> None:
    fleet.login(page)
    expect(page.locator('[data-nav="fleet"]')).to_have_text("Құрылғылар")
    page.click('[data-nav="fleet"]')
    page.wait_for_url(f"{fleet.url}/console/fleet")
    assert page.get_attribute("html", "lang") == "kk"
    expect(page.locator("h1")).to_have_text("Орталықтың құрылғылары")
    expect(page.locator('[data-nav="fleet"]')).to_have_attribute("aria-current", "page")
    # Grouped by role, terminals first; every table has its column headers.
    expect(page.locator(".fleet-group h2")).to_have_text([
        "Талон беру терминалдары 1", "Электрондық таблолар 1", "Шақыру батырмалары 1"])
    expect(page.locator('[data-role="ticket_terminal"] thead th').first).to_have_text("Құрылғы")

    terminal = page.locator('tr[data-node="terminal-1"]')
    expect(terminal.locator("[data-presence-badge]")).to_have_text("Желіде")
    expect(terminal.locator("[data-presence-badge]")).to_have_class("presence presence-online")
    expect(terminal.locator("[data-ago]")).to_have_text("қазір ғана")
    expect(terminal.locator(".last-seen time")).to_have_text("23.11.2026 10:00:00")
    expect(terminal.locator("[data-software]")).to_have_text("kezek-node 0.2.0")
    expect(terminal.locator("[data-zones]")).to_have_text(
        "Консультация, Жеке қабылдау, Өзіне-өзі қызмет көрсету")
    printer = terminal.locator('[data-driver="printer"]')
    assert printer.get_attribute("data-state") == "warning"
    expect(printer.locator(".dstate")).to_have_text("назар аударыңыз")
    expect(printer.locator(".dstate")).to_have_class("dstate dstate-warning")
    expect(printer.locator("[data-detail]")).to_contain_text("қағаз азайып қалды")
    expect(printer.locator("[data-detail] code")).to_have_text("paper_low")
    # A fault and a warning are read before the drivers that are fine.
    expect(terminal.locator("[data-driver]").first).to_have_attribute("data-driver", "printer")
    expect(terminal.locator("[data-outbox]")).to_have_text("2")
    expect(terminal.locator("[data-cpu]")).to_have_text("51,2 °C")
    # 75 s behind the hub: a fault, with what to do; the clock is not listed as a driver.
    clock = terminal.locator("[data-clock]")
    expect(clock).to_have_attribute("data-clock-level", "fault")
    expect(clock.locator(".clock")).to_have_text("−75 с")
    expect(clock.locator(".clock")).to_have_class("clock clock-fault")
    expect(clock).to_contain_text("Құрылғы сағаты орталық сервердің уақытынан алшақ")
    expect(terminal.locator('[data-driver="clock"]')).to_have_count(0)

    display = page.locator('tr[data-node="display-hall"]')
    expect(display.locator("[data-presence-badge]")).to_have_text("Желіден тыс")
    expect(display.locator("[data-presence-badge]")).to_have_class("presence presence-offline")
    expect(display.locator("[data-ago]")).to_have_text("1 сағ 0 мин бұрын")
    expect(display.locator(".last-seen time")).to_have_text("23.11.2026 09:00:00")
    expect(display.locator('[data-driver="screen"] .dstate')).to_have_text("ақаулық")
    expect(display.locator("[data-outbox]")).to_have_text("—")
    expect(display.locator("[data-clock]")).to_have_text("белгісіз")  # no heartbeat yet

    button = page.locator('tr[data-node="button-1"]')
    expect(button.locator("[data-presence-badge]")).to_have_text("Жауап бермейді")
    expect(button.locator("[data-ago]")).to_have_text("2 мин бұрын")
    expect(button.locator("[data-desk]")).to_have_text("1-терезе")
    expect(button.locator('[data-driver="speaker"] .dstate')).to_have_text("қосылмаған")
    expect(page.locator('[data-count="online"]')).to_have_text("1")
    expect(page.locator('[data-count="silent"]')).to_have_text("1")
    expect(page.locator('[data-count="offline"]')).to_have_text("1")
    page.screenshot(path=str(screenshots / "fleet-kk.png"), full_page=True)

    page.click('[data-lang="ru"]')
    page.wait_for_url(f"{fleet.url}/console/fleet")
    assert page.get_attribute("html", "lang") == "ru"
    expect(page.locator("h1")).to_have_text("Устройства центра")
    expect(page.locator('[data-nav="fleet"]')).to_have_text("Устройства")
    expect(page.locator(".fleet-group h2")).to_have_text([
        "Терминалы выдачи талонов 1", "Электронные табло 1", "Кнопки вызова 1"])
    expect(terminal.locator("[data-presence-badge]")).to_have_text("В сети")
    expect(printer.locator(".dstate")).to_have_text("внимание")
    expect(printer.locator("[data-detail]")).to_contain_text("бумага заканчивается")
    expect(clock).to_contain_text("Часы устройства расходятся со временем центрального сервера")
    expect(display.locator("[data-clock]")).to_have_text("неизвестно")
    expect(terminal.locator("[data-zones]")).to_have_text(
        "Консультация, Личный прием, Самообслуживание")
    expect(display.locator("[data-presence-badge]")).to_have_text("Не в сети")
    expect(display.locator("[data-ago]")).to_have_text("1 ч 0 мин назад")
    expect(display.locator('[data-driver="screen"] [data-detail]')).to_contain_text(
        "устройство не найдено")
    expect(button.locator("[data-presence-badge]")).to_have_text("Не отвечает")
    expect(button.locator("[data-desk]")).to_have_text("Окно 1")
    page.screenshot(path=str(screenshots / "fleet-ru.png"), full_page=True)
    page.click('[data-lang="kk"]')  # the language cookie is the browser's, but be tidy
    print(f"\nfleet screenshots: {screenshots}")


@pytest.mark.browser
def test_fleet_page_needs_a_signed_in_user(console: Console, page: Page) -> None:
    response = page.request.get(f"{console.url}/console/fleet", max_redirects=0)
    assert response.status == 303
    assert response.headers["location"] == "/console/login?next=/console/fleet"


@pytest.mark.parametrize("key", [
    *(f"fleet.role.{role.value}" for role in NodeRole),
    *(f"fleet.state.{state.value}" for state in DriverState),
    *(f"fleet.presence.{kind}" for kind in ("online", "silent", "offline")),
])
def test_names_built_at_run_time_exist(key: str) -> None:
    assert key in MESSAGES


def test_clock_skews_as_read() -> None:
    assert clock_shown(Language.KK, 0.0) == "0,0 с"
    assert clock_shown(Language.RU, -0.44) == "−0,4 с"
    assert clock_shown(Language.KK, 75.3) == "+75 с"
    assert clock_shown(Language.RU, -754) == "−12 мин"
    assert clock_shown(Language.KK, 3 * 3600 + 5 * 60 + 10) == "+3 сағ 5 мин"
    assert clock_shown(Language.RU, -30 * 3600) == "−30 ч 0 мин"
    assert clock_shown(Language.KK, 3 * 86400) == "+3 күн"
    assert [clock_level(s) for s in (None, 4.9, -5.0, 59.9, -60.0)] == [
        "", "ok", "warning", "warning", "fault"]


def test_relative_times() -> None:
    assert ago(Language.KK, timedelta(seconds=-3)) == "қазір ғана"
    assert ago(Language.RU, timedelta(seconds=42)) == "42 с назад"
    assert ago(Language.KK, timedelta(minutes=5, seconds=59)) == "5 мин бұрын"
    assert ago(Language.RU, timedelta(hours=2, minutes=7)) == "2 ч 7 мин назад"
    assert ago(Language.KK, timedelta(days=3, hours=1)) == "3 күн бұрын"


def test_driver_details_from_the_node_faults_vocabulary_are_shown_in_words() -> None:
    node = NodeInfo(node_id="terminal-2", role="ticket_terminal", presence="online",
                    software="kezek-node 0.2.0", desk=None, zones=(),
                    drivers={"printer": {"state": "fault", "detail": "printer_permission"},
                             "clock": {"state": "warning", "detail": "clock_unknown"}},
                    telemetry=None, first_seen=WORKING_MOMENT, last_seen=WORKING_MOMENT)
    for language in (Language.KK, Language.RU):
        row = node_row(node, WORKING_MOMENT, language, {}, {})
        words = NODE_FAULTS["printer_permission"]
        assert [(d.code, d.detail_text) for d in row.drivers] == [
            ("printer", words.kk if language is Language.KK else words.ru)]
        assert (row.clock_skew_s, row.clock_level, row.clock_shown) == (None, "", "")
