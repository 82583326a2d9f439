"""Reception issuing on a ticket terminal (000 §8) in a real browser: the worker
picks the terminal, language, purpose, out-of-turn category and escort; the print
job goes to that terminal; a printer fault is shown; a ticket is reprinted; and the
ticket's public page (its QR code) opens without login. Screenshots of both pages,
in Kazakh and in Russian, are kept under test-artifacts/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from contract.mqtt import Driver, DriverState, NodeRole, NodeStatus, Presence, PrintJob
from hub.domain.roles import Role
from tests.browser.conftest import Console

pytestmark = pytest.mark.browser


@pytest.fixture
def terminals(console: Console) -> Iterator[list[tuple[str, PrintJob]]]:
    """Two online terminals, the second out of paper; print jobs are kept."""
    jobs: list[tuple[str, PrintJob]] = []
    console.hub.printing.attach(lambda node, job: jobs.append((node, job)))
    for node_id, drivers in (("terminal-hall", {"printer": Driver(state=DriverState.OK)}),
                             ("terminal-door", {"printer": Driver(state=DriverState.FAULT,
                                                                  detail="paper_out")})):
        console.hub.nodes.record_status(NodeStatus(
            node=node_id, state=Presence.ONLINE, role=NodeRole.TICKET_TERMINAL,
            software="test", drivers=drivers))
    yield jobs
    console.hub.printing.attach(None)
    for node_id in ("terminal-hall", "terminal-door"):
        console.hub.nodes.record_status(NodeStatus(
            node=node_id, state=Presence.OFFLINE, role=NodeRole.TICKET_TERMINAL,
            software="test"))


def test_reception_issues_on_a_terminal_and_the_visitor_opens_the_ticket(
        page: Page, console: Console, terminals: list[tuple[str, PrintJob]],
        artifacts: Path) -> None:
    worker = console.user("printing.worker", Role.RECEPTION, full_name="Айгүл Сәрсенова")
    console.login(page, worker, next_path="/console/issue")
    expect(page.locator("#printer-alerts")).to_contain_text("terminal-door")
    expect(page.locator("#printer-alerts")).to_contain_text("қағаз таусылды")
    page.select_option("#f-node", "terminal-hall")
    page.check("#f-lang-ru")
    page.select_option("#f-purpose", "complaint")
    page.select_option("#f-out-of-turn", "disability")
    page.check("#f-escort")
    with page.expect_navigation():
        page.click("#issue-form button[type=submit]")
    expect(page.locator(".flash-ok")).to_contain_text("талоны берілді")
    node, job = terminals[-1]
    assert node == "terminal-hall" and not job.reprint
    number = job.ticket.number
    assert (job.ticket.language, job.ticket.purpose, job.ticket.out_of_turn,
            job.ticket.needs_escort) == ("ru", "complaint", "disability", True)
    row = page.locator(f'#today tr[data-ticket="{number}"]')
    expect(row).to_contain_text("кезекте")
    expect(page.locator(f'#unprinted tr[data-unprinted="{number}"]')).to_be_visible()
    page.screenshot(path=str(artifacts / "terminal-issue-kk.png"), full_page=True)

    with page.expect_navigation():
        row.locator("button[data-reprint]").click()
    expect(page.locator(".flash-ok")).to_contain_text("қайта басылуда")
    assert terminals[-1][1].reprint and terminals[-1][1].ticket.number == number

    page.click('a[data-lang="ru"]')
    expect(page.locator("h1.page-title")).to_have_text("Выдача талона на терминале")
    expect(page.locator("#printer-alerts")).to_contain_text("нет бумаги")
    page.screenshot(path=str(artifacts / "terminal-issue-ru.png"), full_page=True)

    # The visitor's phone, no login: the address of the QR code.
    assert job.ticket.status_url is not None
    visitor = page.context.browser.new_context(viewport={"width": 400, "height": 800})  # type: ignore[union-attr]
    try:
        phone = visitor.new_page()
        phone.goto(console.url + console.hub.links.path(job.ticket.ticket_id))
        expect(phone.locator("#ticket-number")).to_have_text(str(number))
        expect(phone.locator('section[lang="kk"] .ts-state')).to_have_text("кезекте")
        expect(phone.locator('section[lang="ru"] .ts-state')).to_have_text("в очереди")
        expect(phone.locator('section[lang="ru"] .ts-zone')).to_have_text("Консультация")
        assert "Айгүл" not in phone.content()
        phone.screenshot(path=str(artifacts / "ticket-status-page.png"), full_page=True)
        phone.goto(console.url + "/t/1-AAAAAAAAAAAAAAAA")
        expect(phone.locator("#ticket-missing")).to_contain_text("Талон не найден")
    finally:
        visitor.close()
