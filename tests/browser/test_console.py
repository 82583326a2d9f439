"""The console in a real browser: login, live board, configuration, roles, CSRF."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from hub.api.app import create_app
from hub.domain.roles import Role
from hub.domain.text import Language
from hub.services.clock import ManualClock
from hub.settings import HubSettings
from hub.wiring import Hub
from tests.browser.conftest import (
    ADMIN_PASSWORD,
    LOGIN_ATTEMPTS,
    WORKING_MOMENT,
    Console,
    ServerThread,
)

pytestmark = pytest.mark.browser

LIVE = 1500  # ms: a change must reach an open board well within this


def _wait_for_stream(page: Page) -> None:
    """The board received its first push, so the event stream is connected."""
    page.wait_for_selector("#board[data-updates]", state="attached", timeout=3000)


def _empty_queue(console: Console) -> None:
    """Cancel what earlier tests left waiting in the shared hub: the board shows each
    zone's next few visitors only, so a test looking for its new ticket starts short."""
    for zone in console.hub.queue.state().zones:
        for waiting in zone.waiting:
            console.hub.queue.cancel(waiting.id, actor="test")


def test_login_shows_kazakh_error_then_lands_on_board(console: Console, page: Page,
                                                      artifacts: Path) -> None:
    response = page.goto(f"{console.url}/")
    assert response is not None
    assert page.url.endswith("/console/login?next=/console/")
    assert page.get_attribute("html", "lang") == "kk"
    expect(page.locator("h1")).to_have_text("Жүйеге кіру")

    page.fill("#f-username", "admin")
    page.fill("#f-password", "wrong-password")
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.click("button[type=submit]")
    assert posted.value.status == 401
    expect(page.locator("#login-error")).to_have_text("Пайдаланушы аты немесе құпиясөз қате.")
    expect(page.locator("#f-username")).to_have_value("admin")
    page.screenshot(path=str(artifacts / "login-error-kk.png"), full_page=True)

    page.fill("#f-password", "correct-horse-1")
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert page.url == f"{console.url}/console/"
    expect(page.locator(".flash")).to_contain_text("Қош келдіңіз, Әкімші!")
    expect(page.locator(".who-role")).to_have_text("Әкімші")
    expect(page.locator('[data-zone="consultation"] h2')).to_have_text("Консультация")
    for section in ("board", "config", "users", "audit"):
        expect(page.locator(f'[data-nav="{section}"]')).to_be_visible()

    with page.expect_navigation():
        page.click(".logout button")
    assert page.url == f"{console.url}/console/login"
    expect(page.locator(".flash")).to_have_text("Сіз жүйеден шықтыңыз.")
    page.goto(f"{console.url}/console/config/zones")
    assert page.url.endswith("/console/login?next=/console/config/zones")


def test_anonymous_requests_are_sent_to_login(console: Console, page: Page) -> None:
    for path in ("/console/", "/console/config/hours", "/console/users", "/console/audit"):
        response = page.request.get(f"{console.url}{path}", max_redirects=0)
        assert response.status == 303, path
        assert response.headers["location"] == f"/console/login?next={path}"
    assert page.request.get(f"{console.url}/console/board/events").status == 401
    assert page.request.get(f"{console.url}/console/board/fragment",
                            max_redirects=0).status == 303
    posted = page.request.post(f"{console.url}/console/config/zones/delete",
                               form={"code": "personal"}, max_redirects=0)
    assert posted.status == 303
    console.hub.centers.snapshot().config.zone("personal")


def test_login_is_rate_limited_after_failures(console: Console, page: Page) -> None:
    page.goto(f"{console.url}/console/login")
    statuses = []
    for _ in range(LOGIN_ATTEMPTS):
        page.fill("#f-username", "ghost")
        page.fill("#f-password", "not-the-password")
        with page.expect_response(lambda r: r.request.method == "POST") as posted:
            page.click("button[type=submit]")
        statuses.append(posted.value.status)
    assert statuses == [401] * (LOGIN_ATTEMPTS - 1) + [429]
    expect(page.locator("#login-error")).to_have_text(
        "Сәтсіз әрекеттер тым көп. 5 минуттан кейін қайталап көріңіз.")
    # Still refused, even with a password that would otherwise be checked.
    page.fill("#f-password", "another-guess-1")
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.click("button[type=submit]")
    assert posted.value.status == 429
    # The limit is per username and address: the administrator still gets in.
    console.login(page, "admin")
    assert page.url.endswith("/console/")


def test_issued_ticket_and_call_appear_on_live_board_without_reload(
        console: Console, page: Page, artifacts: Path) -> None:
    _empty_queue(console)
    console.login(page)
    _wait_for_stream(page)
    page.evaluate("window.kezekMarker = 'same page'")

    started = time.monotonic()
    issued = console.hub.queue.issue(language="kk", purpose="complaint", actor="test")
    number = issued.ticket.number
    ticket = page.locator(f'[data-zone="consultation"] [data-ticket="{number}"]')
    expect(ticket).to_be_visible(timeout=LIVE)
    assert time.monotonic() - started < LIVE / 1000
    expect(ticket.locator(".badge-lang")).to_have_text("ҚАЗ")

    others = [console.hub.queue.issue(language="ru", purpose="complaint", out_of_turn="pregnant",
                                      actor="test"),
              console.hub.queue.issue(language="kk", purpose="booked_reception",
                                      needs_escort=True, actor="test"),
              console.hub.queue.issue(language="ru", purpose="appeal_paper", actor="test")]
    priority = page.locator(f'[data-ticket="{others[0].ticket.number}"]')
    expect(priority.locator(".badge-priority")).to_have_text("кезектен тыс", timeout=LIVE)
    expect(priority.locator(".badge-lang")).to_have_text("ОРЫС")
    escorted = page.locator(f'[data-zone="personal"] [data-ticket="{others[1].ticket.number}"]')
    expect(escorted.locator(".badge-escort")).to_have_text("ертіп жүру", timeout=LIVE)
    waiting = next(len(z.waiting) for z in console.hub.queue.state().zones
                   if z.code == "consultation")
    expect(page.locator('[data-waiting-count="consultation"]')).to_have_text(str(waiting))

    # An operator signs in at a desk and calls the next visitor (out of turn goes first).
    console.user("operator2", Role.OPERATOR, full_name="Ерлан Сапаров")
    console.hub.staffing.sign_in("window-1", "operator2")
    desk = page.locator('[data-desk="window-1"]')
    expect(desk).to_contain_text("Ерлан Сапаров", timeout=LIVE)
    called = console.hub.queue.call_next("window-1", actor="operator2")
    expect(desk.locator(f'[data-current="{called.number}"]')).to_be_visible(timeout=LIVE)
    expect(desk).to_contain_text("шақырылды")
    expect(page.locator(".calls li").first).to_have_attribute("data-call", str(called.number))
    expect(page.locator(f'[data-zone="consultation"] [data-ticket="{called.number}"]')) \
        .to_have_count(0)
    console.hub.queue.start(called.id, actor="operator2")
    expect(desk).to_contain_text("қызмет көрсетілуде", timeout=LIVE)
    # A few more visitors, so the screenshot shows every kind of badge.
    for language, category, escort in (("ru", "labour_veteran", False), ("kk", None, True),
                                       ("kk", None, False), ("ru", None, False)):
        console.hub.queue.issue(language=language, purpose="appeal_paper", out_of_turn=category,
                                needs_escort=escort, actor="test")
    waiting = next(len(z.waiting) for z in console.hub.queue.state().zones
                   if z.code == "consultation")
    expect(page.locator('[data-waiting-count="consultation"]')).to_have_text(str(waiting),
                                                                            timeout=LIVE)
    page.screenshot(path=str(artifacts / "board-kk.png"), full_page=True)
    # Everything above arrived through the event stream: the page never reloaded.
    assert page.evaluate("window.kezekMarker") == "same page"


def test_bursts_are_coalesced_and_closed_boards_unsubscribe(console: Console,
                                                            page: Page) -> None:
    _empty_queue(console)
    listeners_before = len(console.hub.bus._listeners)
    console.login(page)
    _wait_for_stream(page)
    assert len(console.hub.bus._listeners) == listeners_before + 1

    def pushes() -> int:
        return int(page.get_attribute("#board", "data-updates") or 0)

    before = pushes()
    started = time.monotonic()
    burst = []
    for _ in range(12):  # a change every ~30 ms for ~0.4 s
        burst.append(console.hub.queue.issue(language="kk", purpose="book_reception",
                                             actor="test"))
        time.sleep(0.03)
    elapsed = time.monotonic() - started
    expect(page.locator(f'[data-ticket="{burst[-1].ticket.number}"]')).to_be_visible(
        timeout=LIVE)
    page.wait_for_timeout(400)  # let a trailing push, if any, arrive
    # At most one push per 200 ms, plus the first one and the trailing one.
    assert 1 <= pushes() - before <= int(elapsed / 0.2) + 2 < 12

    page.context.close()
    deadline = time.monotonic() + 5
    while len(console.hub.bus._listeners) > listeners_before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(console.hub.bus._listeners) == listeners_before


def test_language_switch_changes_texts(console: Console, page: Page, artifacts: Path) -> None:
    _empty_queue(console)
    console.login(page)
    expect(page.locator('[data-nav="board"]')).to_have_text("Кезек тақтасы")
    expect(page.locator(".zone-count-label").first).to_have_text("Күтуде")

    page.click('[data-lang="ru"]')
    page.wait_for_url(f"{console.url}/console/")
    assert page.get_attribute("html", "lang") == "ru"
    expect(page.locator('[data-nav="board"]')).to_have_text("Табло очереди")
    expect(page.locator('[data-nav="config"]')).to_have_text("Настройки")
    expect(page.locator(".zone-count-label").first).to_have_text("Ожидают")
    expect(page.locator('[data-zone="personal"] h2')).to_have_text("Личный прием")
    expect(page.locator(".center-name")).to_have_text(
        "Центр приема граждан акимата Бородулихинского района")
    expect(page.locator(".who-role")).to_have_text("Администратор")
    # Live pushes come in the language of the page too.
    _wait_for_stream(page)
    issued = console.hub.queue.issue(language="ru", purpose="complaint", actor="test")
    ticket = page.locator(f'[data-ticket="{issued.ticket.number}"]')
    expect(ticket.locator(".badge-lang")).to_have_text("РУС", timeout=LIVE)
    expect(page.locator(".opening")).to_have_text("Центр открыт")
    page.screenshot(path=str(artifacts / "board-ru.png"), full_page=True)

    page.goto(f"{console.url}/console/config/zones")
    expect(page.locator(".subnav [aria-current]")).to_have_text("Зоны")
    page.click('[data-lang="kk"]')
    page.wait_for_url(f"{console.url}/console/config/zones")
    expect(page.locator(".subnav [aria-current]")).to_have_text("Аймақтар")


def test_users_own_language_is_their_default(console: Console, page: Page) -> None:
    console.user("dana", Role.ANALYST, language=Language.RU, full_name="Дана Аналитик")
    console.login(page, "dana")
    assert page.get_attribute("html", "lang") == "ru"
    expect(page.locator(".who-role")).to_have_text("Аналитик")
    expect(page.locator('[data-nav="board"]')).to_have_text("Табло очереди")


def test_zone_range_is_saved_and_bad_ranges_are_refused(console: Console, page: Page,
                                                        artifacts: Path) -> None:
    def self_service_range() -> tuple[int, int] | None:
        zone = console.hub.centers.snapshot().config.zone("self_service")
        assert zone.number_range is not None
        return zone.number_range.first, zone.number_range.last

    console.login(page, next_path="/console/config/zones")
    page.click('[data-code="self_service"] >> text=Өзгерту')
    expect(page.locator("#f-range_first")).to_have_value("800")
    page.fill("#f-range_last", "949")
    with page.expect_navigation():
        page.click(".form-panel button[type=submit]")
    expect(page.locator(".flash")).to_have_text("Өзгерістер сақталды.")
    expect(page.locator('[data-range="self_service"]')).to_have_text("800–949")
    assert self_service_range() == (800, 949)
    version = console.hub.centers.snapshot().version

    # First number after the last one: refused next to the last number.
    page.goto(f"{console.url}/console/config/zones?edit=self_service")
    page.fill("#f-range_first", "950")
    page.fill("#f-range_last", "900")
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.click(".form-panel button[type=submit]")
    assert posted.value.status == 422
    error = page.locator('.field:has(#f-range_last) [data-error-for="range_last"]')
    expect(error).to_have_text("Ауқымның соңы 950 мен 9999 аралығында болуы керек")
    expect(page.locator("#f-range_first")).to_have_value("950")
    expect(page.locator(".form-error")).to_contain_text("Ештеңе сақталған жоқ")
    assert self_service_range() == (800, 949)

    # Overlapping the personal reception's 500–699: refused next to the range.
    page.fill("#f-range_first", "650")
    page.fill("#f-range_last", "760")
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.click(".form-panel button[type=submit]")
    assert posted.value.status == 422
    error = page.locator('fieldset:has(#f-range_first) > [data-error-for="range"]')
    expect(error).to_contain_text("нөмір ауқымдары қиылысады")
    expect(page.locator("#f-range_last")).to_have_value("760")
    page.screenshot(path=str(artifacts / "zones-error-kk.png"), full_page=True)
    assert self_service_range() == (800, 949)
    assert console.hub.centers.snapshot().version == version


def test_operator_may_not_open_configuration(console: Console, page: Page) -> None:
    console.user("operator1", Role.OPERATOR, full_name="Айгүл Оператор")
    console.login(page, "operator1")
    expect(page.locator(".who-role")).to_have_text("Оператор")
    expect(page.locator('[data-nav="board"]')).to_be_visible()
    for section in ("config", "users", "audit"):
        expect(page.locator(f'[data-nav="{section}"]')).to_have_count(0)
    for path in ("/console/config/zones", "/console/config/hours", "/console/users",
                 "/console/audit"):
        response = page.goto(f"{console.url}{path}")
        assert response is not None and response.status == 403, path
        expect(page.locator("h1")).to_have_text("Рұқсат жоқ")
    # Nor change anything by posting directly, even with a valid token.
    token = page.locator('input[name="csrf_token"]').first.get_attribute("value")
    refused = page.request.post(f"{console.url}/console/config/zones/delete",
                                form={"csrf_token": token or "", "code": "personal"})
    assert refused.status == 403
    console.hub.centers.snapshot().config.zone("personal")


def test_console_post_without_csrf_token_is_refused(console: Console, page: Page) -> None:
    console.login(page)
    before = console.hub.centers.snapshot().version
    form: dict[str, str | float | bool] = {
        "original": "", "code": "forged", "kind": "consultation", "name_kk": "Жалған",
        "name_ru": "Поддельная", "range_first": "9000", "range_last": "9100",
        "default_service_minutes": "10"}
    missing = page.request.post(f"{console.url}/console/config/zones", form=form)
    assert missing.status == 403
    assert "Форма қабылданбады" in missing.text()
    wrong = page.request.post(f"{console.url}/console/config/zones",
                              form=form | {"csrf_token": "forged-token"})
    assert wrong.status == 403
    issue = page.request.post(f"{console.url}/console/board/issue",
                              form={"language": "kk", "purpose": "complaint"})
    assert issue.status == 403
    assert console.hub.centers.snapshot().version == before
    assert all(z.code != "forged" for z in console.hub.centers.snapshot().config.zones)
    # The same form with the page's token goes through.
    page.goto(f"{console.url}/console/config/zones")
    token = page.locator('input[name="csrf_token"]').first.get_attribute("value")
    accepted = page.request.post(f"{console.url}/console/config/zones",
                                 form=form | {"csrf_token": token or ""})
    assert accepted.ok
    assert console.hub.centers.snapshot().config.zone("forged").number_range is not None
    page.goto(f"{console.url}/console/config/zones")
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.click('[data-code="forged"] button:has-text("Жою")')
    expect(page.locator(".flash")).to_have_text("«forged» жойылды.")
    assert all(z.code != "forged" for z in console.hub.centers.snapshot().config.zones)


def test_reception_issues_tickets_from_the_board(console: Console, page: Page) -> None:
    _empty_queue(console)
    console.user("reception1", Role.RECEPTION, full_name="Бақыт Ресепшн")
    console.login(page, "reception1")
    expect(page.locator("#issue-title")).to_have_text("Талон беру")
    page.check('input[name="language"][value="ru"]')
    page.select_option("#i-purpose", "complaint")
    page.select_option("#i-out_of_turn", "disability")
    page.check("#i-escort")
    with page.expect_navigation():
        page.click(".issue-form button[type=submit]")
    flash = page.locator(".flash").first
    expect(flash).to_contain_text("талоны берілді (Консультация)")
    number = int(flash.inner_text().split("№ ")[1].split(" ")[0])
    ticket = page.locator(f'[data-zone="consultation"] [data-ticket="{number}"]')
    expect(ticket.locator(".badge-priority")).to_be_visible()
    expect(ticket.locator(".badge-escort")).to_be_visible()
    expect(ticket.locator(".badge-lang")).to_have_text("ОРЫС")

    # On a Sunday the center is closed: the refusal is shown in the page's language.
    console.clock.set(datetime(2026, 11, 22, 5, 0, tzinfo=UTC))
    try:
        with page.expect_response(lambda r: r.request.method == "POST") as posted:
            page.click(".issue-form button[type=submit]")
        assert posted.value.status == 409
        expect(page.locator("#issue-error")).to_contain_text("Орталық қазір жабық")
    finally:
        console.clock.set(datetime(2026, 11, 23, 5, 0, tzinfo=UTC))
    # A reception worker configures nothing.
    response = page.goto(f"{console.url}/console/config/desks")
    assert response is not None and response.status == 403


def test_connection_lost_banner_and_reconnect(console: Console, page: Page) -> None:
    _empty_queue(console)
    console.login(page)  # the session cookie is for 127.0.0.1, whatever the port
    second = ServerThread(console.app).start()
    port = second.port
    try:
        page.goto(f"{second.url}/console/")
        _wait_for_stream(page)
        banner = page.locator("#connection-lost")
        expect(banner).to_be_hidden()
        second.stop()
        expect(banner).to_be_visible(timeout=4000)
        expect(banner).to_have_text("Байланыс жоқ. Қайта қосылуда…")
        second = ServerThread(console.app, port=port).start()
        expect(banner).to_be_hidden(timeout=5000)
        issued = console.hub.queue.issue(language="kk", purpose="appeal_paper", actor="test")
        expect(page.locator(f'[data-ticket="{issued.ticket.number}"]')).to_be_visible(
            timeout=LIVE)
    finally:
        second.stop()


def test_users_page_creates_user_and_audit_lists_it(console: Console, page: Page) -> None:
    console.login(page, next_path="/console/users")
    form = page.locator("#new-user")
    form.locator("#f-username").fill("official1")
    form.locator("#f-full_name").fill("Серік Лауазымды")
    form.locator("#f-role").select_option("official")
    form.locator("#f-password").fill("short")
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        form.locator("button[type=submit]").click()
    assert posted.value.status == 422
    expect(page.locator('#new-user [data-error-for="password"]')).to_have_text(
        "Құпиясөз кемінде 10 таңбадан тұруы керек")
    page.locator("#new-user #f-password").fill("long-enough-pw")
    with page.expect_navigation():
        page.locator("#new-user button[type=submit]").click()
    expect(page.locator(".flash")).to_have_text("«official1» пайдаланушысы құрылды.")
    expect(page.locator('[data-user="official1"]')).to_contain_text("Лауазымды тұлға")

    page.click('[data-user="official1"] >> text=Өзгерту')
    page.uncheck("#e-active")
    with page.expect_navigation():
        page.click("#edit-user button[type=submit]")
    expect(page.locator('[data-user="official1"]')).to_contain_text("бұғатталған")
    assert console.hub.users.get("official1").active is False
    assert console.hub.users.authenticate("official1", "long-enough-pw") is None

    page.goto(f"{console.url}/console/audit")
    first = page.locator("#audit-table tbody tr").first
    expect(first).to_contain_text("update_user")
    expect(first).to_contain_text("user:official1")
    expect(first.locator(".json-after")).to_contain_text('"active":false')
    ids = [int(v) for v in page.locator("#audit-table tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.audit)")]
    assert ids == sorted(ids, reverse=True)


def test_a_desk_empty_over_three_working_hours_raises_the_alert(console: Console,
                                                                page: Page) -> None:
    console.login(page)
    page.goto(f"{console.url}/console/")
    # 10:00: office 107 has been empty since the 09:00 opening, one hour.
    expect(page.locator('[data-unstaffed="office-107"]')).to_have_text("1 сағ 0 мин бос")
    expect(page.locator("[data-staffing-alert]")).to_have_count(0)
    saved = console.clock.now()
    try:
        console.clock.set(datetime(2026, 11, 23, 7, 5, tzinfo=UTC))  # 12:05, 3 h 05 min
        page.reload()
        alert = page.locator("[data-staffing-alert]")
        expect(alert).to_contain_text("Ұзақ уақыт бос тұрған жұмыс орындары")
        expect(alert).to_contain_text("107 кабинет")
        badge = page.locator('[data-unstaffed="office-107"]')
        expect(badge).to_have_text("3 сағ 5 мин бос")
        expect(badge).to_have_class("badge badge-alert")
    finally:
        console.clock.set(saved)


def test_board_with_two_hundred_waiting_stays_one_screen(
        chromium: Browser, tmp_path_factory: pytest.TempPathFactory, artifacts: Path) -> None:
    """Issue 16: 200 waiting drew a 10,000-px board. Its own hub, so the shared
    one's board keeps short queues for the other tests."""
    clock = ManualClock(WORKING_MOMENT)
    settings = HubSettings(data_dir=tmp_path_factory.mktemp("busy-hub"), mqtt_enabled=False)
    app = create_app(settings, clock=clock)
    hub: Hub = app.state.hub
    hub.users.create_user(username="admin", full_name="Әкімші", role=Role.ADMINISTRATOR,
                          password=ADMIN_PASSWORD, actor="test")
    for i in range(198):
        hub.queue.issue(language="ru" if i % 4 == 0 else "kk", purpose="complaint",
                        needs_escort=i == 7, actor="test")
    for _ in range(2):
        hub.queue.issue(language="kk", purpose="complaint", out_of_turn="disability",
                        actor="test")
    for _ in range(30):
        hub.queue.issue(language="kk", purpose="booked_reception", actor="test")
    hub.staffing.sign_in("window-1", "admin")
    hub.queue.call_next("window-1", actor="test")
    server = ServerThread(app).start()
    context = chromium.new_context(viewport={"width": 1360, "height": 900}, locale="kk-KZ")
    context.set_default_timeout(5000)
    page = context.new_page()
    try:
        busy = Console(url=server.url, app=app, hub=hub, clock=clock)
        busy.login(page)
        _wait_for_stream(page)
        zone = page.locator('[data-zone="consultation"]')
        expect(zone.locator("[data-waiting-count]")).to_have_text("199")
        expect(zone.locator("[data-ticket]")).to_have_count(12)
        expect(zone.locator("[data-more]")).to_have_text("және тағы 187")
        expect(page.locator('[data-zone="personal"] [data-more]')).to_have_text("және тағы 18")
        height = page.evaluate("document.documentElement.scrollHeight")
        assert height < 2000, height
        page.screenshot(path=str(artifacts / "board-200-waiting-kk.png"), full_page=True)
        # The whole list of one zone, still live.
        page.click('[data-show-all="consultation"]')
        _wait_for_stream(page)
        expect(zone.locator("[data-ticket]")).to_have_count(199)
        issued = hub.queue.issue(language="kk", purpose="complaint", actor="test")
        expect(zone.locator(f'[data-ticket="{issued.ticket.number}"]')).to_be_visible(
            timeout=LIVE)
        page.click('[data-show-less="consultation"]')
        expect(zone.locator("[data-ticket]")).to_have_count(12)
        page.click('[data-lang="ru"]')
        expect(zone.locator("[data-more]")).to_have_text("и ещё 188")
        page.screenshot(path=str(artifacts / "board-200-waiting-ru.png"), full_page=True)
    finally:
        context.close()
        server.stop()
        hub.close()
