"""The operator's desk page in a real browser, beside a real call-button application
(MockFactory pins) connected through Mosquitto to the hub's bridge: an operator signs
in, calls, transfers and finishes from the page; presses of the hardware buttons show
up on the open page, and the page's actions on the lamps, each within the push."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from gpiozero.pins.mock import MockFactory
from playwright.sync_api import Browser, Page, expect

from firmware.call_button.app import CallButtonApp
from firmware.call_button.desk_model import LampMode
from hub.api.app import create_app
from hub.domain.roles import Role
from hub.mqtt.bridge import MqttBridge
from hub.services.clock import ManualClock
from hub.settings import HubSettings
from hub.wiring import Hub
from tests.brokers import PrivateMosquitto, mosquitto_binary, wait_until
from tests.browser.conftest import PASSWORD, WORKING_MOMENT, ServerThread
from tests.call_button.conftest import (
    CENTER,
    DONE,
    HUB_PASSWORD,
    NEXT,
    NODES,
    panel_settings,
    password_of,
    tap,
)
from tests.conftest import unavailable

pytestmark = pytest.mark.browser

LIVE = 1500  # ms: a change must reach the open page well within this
DESK = "window-1"


@dataclass
class Desk:
    url: str
    hub: Hub
    panel: CallButtonApp


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    if mosquitto_binary() is None:
        unavailable("the mosquitto binary is missing")
    root = tmp_path_factory.mktemp("operator")
    settings = HubSettings(data_dir=root / "hub", mqtt_enabled=False, center_id=CENTER)
    app = create_app(settings, clock=ManualClock(WORKING_MOMENT))
    hub: Hub = app.state.hub
    hub.users.create_user(username="operator.aigerim", full_name="Айгерім Сәрсенова",
                          role=Role.OPERATOR, password=PASSWORD, actor="test")
    (root / "broker").mkdir()
    from contract.mqtt import NodeRole, Topics
    broker = PrivateMosquitto(root / "broker", Topics(CENTER),
                              {"hub": HUB_PASSWORD} | {n: password_of(n) for n in NODES},
                              roles=dict.fromkeys(NODES, NodeRole.CALL_BUTTON))
    broker.start()
    bridge = MqttBridge(hub, broker.url, username="hub", password=HUB_PASSWORD)
    bridge.start()
    assert bridge.wait_connected(10)
    panel = CallButtonApp(panel_settings(root, broker.url, buttons={
        "transfer_zone": None, "transfer_desk": "office-105"}), factory=MockFactory(),
        environ={})
    panel.start()
    server = ServerThread(app).start()
    try:
        wait_until(lambda: panel.model.state is not None, what="the panel's desk state")
        yield Desk(url=server.url, hub=hub, panel=panel)
    finally:
        server.stop()
        panel.stop()
        bridge.stop()
        broker.stop()
        hub.close()


@pytest.fixture
def operator_page(chromium: Browser) -> Iterator[Page]:
    context = chromium.new_context(viewport={"width": 1360, "height": 900}, locale="kk-KZ")
    context.set_default_timeout(5000)
    yield context.new_page()
    context.close()


def lamp(panel: CallButtonApp, name: str, mode: LampMode) -> None:
    wait_until(lambda: panel.panel.mode(name) is mode, timeout=LIVE / 1000,
               what=f"the {name} lamp {mode.value}")


def test_operator_calls_transfers_finishes_and_sees_the_hardware_buttons(
        desk: Desk, operator_page: Page, artifacts: Path) -> None:
    page, hub, panel = operator_page, desk.hub, desk.panel
    page.goto(f"{desk.url}/console/login?next=/console/desk")
    page.fill("#f-username", "operator.aigerim")
    page.fill("#f-password", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("Оператордың жұмыс орны")
    page.select_option("#f-desk", DESK)
    with page.expect_navigation():
        page.click('[data-action="sign-in"]')
    expect(page.locator(f'h1[data-desk="{DESK}"]')).to_have_text("1-терезе")
    page.wait_for_selector("#board[data-updates]", state="attached", timeout=3000)

    escorted = hub.queue.issue(language="ru", zone="consultation", needs_escort=True,
                               out_of_turn="disability", actor="test").ticket
    plain = hub.queue.issue(language="kk", zone="consultation", actor="test").ticket
    last = hub.queue.issue(language="kk", zone="consultation", actor="test").ticket
    expect(page.locator("[data-waiting-count]")).to_have_text("3", timeout=LIVE)
    lamp(panel, "waiting", LampMode.ON)

    with page.expect_navigation():
        page.click('[data-action="next"]')
    expect(page.locator("[data-current]")).to_have_attribute(
        "data-current", str(escorted.number))
    expect(page.locator(f'[data-escort-alert="{escorted.number}"]')).to_be_visible()
    lamp(panel, "serving", LampMode.BLINK)  # the page's call reached the lamps
    lamp(panel, "fault", LampMode.BLINK)  # escort
    page.screenshot(path=str(artifacts / "operator-called-escort-kk.png"), full_page=True)

    tap(panel, DONE)  # the hardware: the visit is over
    expect(page.locator("[data-served]")).to_have_text("1", timeout=LIVE)
    expect(page.locator("[data-current]")).to_have_attribute("data-current", "",
                                                             timeout=LIVE)
    tap(panel, NEXT)  # the hardware calls the next visitor: the open page shows it
    expect(page.locator("[data-current]")).to_have_attribute(
        "data-current", str(plain.number), timeout=LIVE)
    page.screenshot(path=str(artifacts / "operator-hardware-next-kk.png"), full_page=True)

    with page.expect_navigation():
        page.click('[data-action="start"]')
    lamp(panel, "serving", LampMode.ON)
    page.select_option("#f-target", "desk:office-105")
    page.fill("#f-note", "Құжаттары толық")
    with page.expect_navigation():
        page.click('[data-action="transfer"]')
    expect(page.locator("[data-current]")).to_have_attribute("data-current", "")
    moved = hub.queue.get(plain.id)
    assert (moved.state, moved.target_desk, moved.queued_at) == (
        "transferred", "office-105", plain.queued_at)

    with page.expect_navigation():
        page.click(f'[data-ticket="{last.number}"] [data-action="call"]')
    with page.expect_navigation():
        page.click('[data-action="start"]')
    with page.expect_navigation():
        page.click('[data-action="done"]')
    expect(page.locator("[data-served]")).to_have_text("2")
    expect(page.locator("[data-nobody-waiting]")).to_be_visible()
    lamp(panel, "serving", LampMode.OFF)
    lamp(panel, "waiting", LampMode.OFF)

    with page.expect_navigation():
        page.click('[data-action="next"]')
    expect(page.locator(".flash-error")).to_have_text("Кезекте ешкім жоқ")
    page.screenshot(path=str(artifacts / "operator-finished-kk.png"), full_page=True)
