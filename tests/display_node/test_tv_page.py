"""The TV page in headless Chromium, served by the node's own page server from a display
state fed as the node feeds it: the newest call large and blinking, the last calls, the
waiting counts, the time; an update within a poll of a call; "no connection" in both
languages when the link is lost and when the node stops answering. Screenshots go to
test-artifacts/ to be looked at."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from firmware.display_node.tv import TvPageServer
from firmware.display_node.view import DisplayState
from tests.browser.conftest import ARTIFACTS
from tests.display_node.conftest import call, snapshot

TITLE = {"kk": "Бородулиха ауданы әкімдігінің Азаматтарды қабылдау орталығы",
         "ru": "Центр приема граждан акимата Бородулихинского района"}


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def state(clock: Clock) -> DisplayState:
    display = DisplayState([], blink_seconds=5, link_grace_seconds=0, clock=clock)
    display.link(True)
    return display


@pytest.fixture
def server(state: DisplayState) -> Iterator[TvPageServer]:
    tv = TvPageServer(state.page, port=0, title=TITLE)
    tv.start()
    yield tv
    tv.close()


@pytest.fixture
def tv(chromium: Browser) -> Iterator[Page]:
    context = chromium.new_context(viewport={"width": 1920, "height": 1080})
    context.set_default_timeout(5000)
    yield context.new_page()
    context.close()


def shot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"display-tv-{name}.png"
    page.screenshot(path=str(path))
    return path


def test_the_page_shows_calls_blinks_the_newest_and_says_no_connection(
        tv: Page, server: TvPageServer, state: DisplayState, clock: Clock) -> None:
    state.apply(snapshot(call(104, "window-1"), call(103, "office-105", zone="personal"),
                         zones=("consultation", "personal"), waiting=7))
    clock.now += 10  # those calls are old: nothing blinks
    tv.goto(server.url)
    expect(tv.locator("#newest-number")).to_have_text("104")
    expect(tv.locator("#newest")).not_to_have_class("newest new")
    expect(tv.locator("#title-kk")).to_have_text(TITLE["kk"])
    expect(tv.locator("#clock")).to_have_text(re.compile(r"^\d\d:\d\d:\d\d$"))

    state.apply(snapshot(call(105, "window-3", minutes=1), call(104, "window-1"),
                         call(103, "office-105", zone="personal"),
                         zones=("consultation", "personal"), waiting=6))
    # A new call: within a poll (250 ms) it is the big one, blinking.
    expect(tv.locator("#newest-number")).to_have_text("105", timeout=1000)
    expect(tv.locator("#newest")).to_have_class("newest new")
    expect(tv.locator("#newest-desk-kk")).to_have_text("3-терезе")
    expect(tv.locator("#newest-desk-ru")).to_have_text("Окно 3")
    expect(tv.locator("#calls tr")).to_have_count(2)
    expect(tv.locator("#calls tr").first).to_contain_text("104")
    expect(tv.locator("#calls tr").nth(1)).to_contain_text("Кабинет 105")
    expect(tv.locator("#zones .zone")).to_have_count(2)
    expect(tv.locator("#zones .zone b").first).to_have_text("6")
    tv.evaluate("document.getAnimations().forEach(a => { a.pause(); a.currentTime = 0; })")
    shot(tv, "new-call")
    expect(tv.locator("#offline")).to_be_hidden()

    clock.now += 6  # the blinking stops after blink_seconds
    expect(tv.locator("#newest")).not_to_have_class("newest new")
    shot(tv, "calls")

    state.link(False)  # the node lost the hub: no stale calls
    expect(tv.locator("#offline")).to_be_visible()
    expect(tv.locator("#offline")).to_contain_text("Байланыс жоқ")
    expect(tv.locator("#offline")).to_contain_text("Нет связи")
    expect(tv.locator("#newest-number")).to_have_text("—")
    shot(tv, "no-connection")

    state.link(True)  # the hub is back (its retained snapshot arrives again)
    expect(tv.locator("#offline")).to_be_hidden()
    expect(tv.locator("#newest-number")).to_have_text("105")


def test_the_page_says_no_connection_when_the_node_stops_answering(
        tv: Page, server: TvPageServer, state: DisplayState) -> None:
    state.apply(snapshot(call(105)))
    tv.goto(server.url)
    expect(tv.locator("#newest-number")).to_have_text("105")
    server.close()  # the node process died; the kiosk browser keeps the page open
    expect(tv.locator("#offline")).to_be_visible(timeout=4000)


def test_a_visitor_sent_on_to_a_desk_is_told_so_on_the_page(
        tv: Page, server: TvPageServer, state: DisplayState, clock: Clock) -> None:
    state.apply(snapshot(call(104, "window-1"), zones=("consultation", "personal")))
    tv.goto(server.url)
    expect(tv.locator("#label-called")).to_be_visible()
    expect(tv.locator("#label-transferred")).to_be_hidden()

    sent = call(104, "office-105", zone="personal", minutes=2).model_copy(
        update={"state": "transferred"})
    state.apply(snapshot(sent, zones=("consultation", "personal")))
    expect(tv.locator("#newest-desk-ru")).to_have_text("Кабинет 105", timeout=1000)
    expect(tv.locator("#newest-number")).to_have_text("104")
    expect(tv.locator("#label-transferred")).to_be_visible()
    expect(tv.locator("#label-transferred")).to_have_text(
        "Басқа орынға жіберілді · Переадресован")
    expect(tv.locator("#label-called")).to_be_hidden()
    tv.evaluate("document.getAnimations().forEach(a => { a.pause(); a.currentTime = 0; })")
    shot(tv, "transferred")

    # A newer call takes the big box; the transfer goes down the list with its note.
    state.apply(snapshot(call(105, "window-3", minutes=3), sent,
                         zones=("consultation", "personal")))
    expect(tv.locator("#newest-number")).to_have_text("105", timeout=1000)
    expect(tv.locator("#label-called")).to_be_visible()
    expect(tv.locator("#label-transferred")).to_be_hidden()
    row = tv.locator("#calls tr").first
    expect(row).to_have_class("transferred")
    expect(row).to_contain_text("104")
    expect(row).to_contain_text("Кабинет 105")
    expect(row.locator(".note")).to_have_text("басқа орынға жіберілді · переадресован")
    clock.now += 10
    shot(tv, "transferred-in-list")


def test_the_page_clock_shows_the_hub_time_not_the_browser_time(
        chromium: Browser, state: DisplayState) -> None:
    """The Pi's clock (and so the browser's) is hours off; the node knows the hub's
    time and the page runs its clock at that offset."""
    hub_time = datetime(2026, 11, 23, 5, 7, 30, tzinfo=UTC)  # 10:07:30 in Almaty
    started = time.monotonic()
    server = TvPageServer(state.page, port=0, title=TITLE,
                          now=lambda: hub_time + timedelta(seconds=time.monotonic() - started))
    server.start()
    context = chromium.new_context(viewport={"width": 1920, "height": 1080},
                                   timezone_id="Asia/Almaty")
    try:
        page = context.new_page()
        page.goto(server.url)
        expect(page.locator("#clock")).to_have_text(re.compile(r"^10:0[78]:\d\d$"))
    finally:
        context.close()
        server.close()
    assert abs(datetime.now(UTC) - hub_time) > timedelta(hours=1)  # not the browser's own
