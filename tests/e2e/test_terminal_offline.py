"""The real ticket terminal application (MockFactory pins, the simulated ESC/POS printer,
a scanner over pyserial `socket://`) against the real hub in its own process, through a
private Mosquitto with passwords and the contract's ACL (issue 4):

- the hub killed (SIGKILL): presses print numbers of the hub's lease, the unanswered
  ticket request is replaced, and after the restart the printed tickets join the queue in
  the order they were printed, with the printed numbers, and no number comes twice;
- a booking code scanned at the terminal checks the booked visitor in and prints the
  personal-reception ticket; garbage is refused at the terminal; an unknown code prints
  the "unknown code" slip;
- reception issues on the terminal from the console; the print report clears the
  console's list of unprinted tickets; with the paper out the ticket is listed with the
  printer banner, and it prints when paper is back.
"""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from gpiozero.pins.mock import MockFactory
from sqlalchemy import create_engine, text

from contract.mqtt import (
    BookingScan,
    ErrorMessage,
    LeaseRequest,
    NodeRole,
    OfflineTicket,
    Reply,
    TicketRequest,
    Topics,
)
from firmware.common.outbox import OutboxRequest
from firmware.ticket_terminal.app import TicketTerminalApp
from firmware.ticket_terminal.printer import SimulatedPrinter
from hub.api.app import create_app
from hub.domain.roles import Role
from hub.services.clock import ManualClock
from hub.settings import HubSettings
from hub.wiring import build_hub
from tests.brokers import PrivateMosquitto, free_port, mosquitto_binary, wait_until
from tests.conftest import unavailable
from tests.e2e.hub_process import HubProcess
from tests.ticket_terminal.conftest import terminal_settings

CENTER = "e2e-offline"
NODE = "terminal-1"
KAZAKH, RUSSIAN, APPEAL_PAPER = 5, 6, 13  # pins of tests/ticket_terminal/conftest.py
CUT = b"\x1dV"  # the last command of every slip
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
RECEPTION = "/api/v1/reception"
WAIT = 30.0  # generous: two cores shared by several test runs
BOOKED_ON = datetime(2026, 11, 2, 5, 0, tzinfo=UTC)  # Monday three weeks before, 10:00


class ScannerLine:
    """The other end of the terminal's `socket://` scanner: a TCP server that writes
    each code as one line, as a USB-serial scanner does."""

    def __init__(self) -> None:
        self.port = free_port()
        self._server = socket.create_server(("127.0.0.1", self.port))
        self._connection: socket.socket | None = None
        self._accepted = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        try:
            self._connection, _ = self._server.accept()
        except OSError:
            return  # closed before the terminal came
        self._accepted.set()

    @property
    def url(self) -> str:
        return f"socket://127.0.0.1:{self.port}"

    def scan(self, code: str) -> None:
        wait_until(self._accepted.is_set, WAIT, "the terminal to open its scanner")
        assert self._connection is not None
        self._connection.sendall(code.encode("ascii") + b"\r\n")

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
        self._server.close()


class Center:
    """Mosquitto, the hub process, an API client and the terminal application."""

    def __init__(self, tmp_path: Path) -> None:
        broker_dir, hub_dir = tmp_path / "broker", tmp_path / "hub"
        broker_dir.mkdir()
        hub_dir.mkdir()
        self.broker = PrivateMosquitto(broker_dir, Topics(CENTER),
                                       {"hub": "hub-pw", NODE: "node-pw"},
                                       roles={NODE: NodeRole.TICKET_TERMINAL})
        self.hub = HubProcess(hub_dir, center=CENTER, mqtt_url=self.broker.url,
                              username="hub", password="hub-pw")
        self.scanner = ScannerLine()
        self.pins = MockFactory()
        self.answers: list[tuple[OutboxRequest, Reply | ErrorMessage]] = []
        settings = terminal_settings(
            tmp_path, node_id=NODE, center=CENTER, broker_url=self.broker.url,
            password="node-pw", request_retry_seconds=0.5, keepalive_seconds=5,
            printer={"poll_seconds": 0.1},
            limits={"min_seconds_between": 0, "per_minute": 60},
            offline={"hub_answer_seconds": 1.5, "lease_low_water": 5},
            scanner={"url": self.scanner.url})
        # The terminal reads the hub's clock: both see Monday 10:00, the center open.
        self.app = TicketTerminalApp(settings, pin_factory=self.pins, clock=self.hub.now,
                                     on_answer=lambda request, answer: self.answers.append(
                                         (request, answer)))
        self.api: httpx.Client | None = None
        self.booking_number = self.booking_code = ""

    def start(self) -> None:
        self.broker.start()
        token, self.booking_number, self.booking_code = prepared_hub(self.hub.data_dir)
        self.hub.start()
        self.api = httpx.Client(base_url=f"http://127.0.0.1:{self.hub.http_port}",
                                headers={"Authorization": f"Bearer {token}"}, timeout=20)
        self.app.start()
        wait_until(lambda: self.leased("consultation"), WAIT, "the terminal's first lease")

    def stop(self) -> None:
        self.app.stop()
        if self.api is not None:
            self.api.close()
        self.hub.stop()
        self.scanner.close()
        self.broker.stop()

    # What the terminal did ------------------------------------------------------------

    @property
    def printer(self) -> SimulatedPrinter:
        assert self.app.printer.simulated is not None
        return self.app.printer.simulated

    def slips(self) -> list[bytes]:
        """Every slip printed so far (each ends with the cut)."""
        return bytes(self.printer.output).split(CUT)[:-1]

    def leased(self, zone: str) -> list[int]:
        """The numbers of the zone's latest block the hub leased the terminal."""
        blocks = [block for request, answer in list(self.answers)
                  if isinstance(request, LeaseRequest) and isinstance(answer, Reply)
                  for block in answer.lease or [] if block.zone == zone]
        return blocks[-1].numbers if blocks else []

    def replies(self, kind: type[Any]) -> list[tuple[Any, Reply]]:
        return [(request, answer) for request, answer in list(self.answers)
                if isinstance(request, kind) and isinstance(answer, Reply)]

    # A visitor ------------------------------------------------------------------------

    def press(self, language_pin: int, purpose_pin: int = APPEAL_PAPER) -> None:
        wait_until(lambda: self.app.terminal.signal.value == "choose_language", WAIT,
                   "the terminal ready for a visitor")
        for pin in (language_pin, purpose_pin):
            self.pins.pin(pin).drive_low()
            self.pins.pin(pin).drive_high()

    def wait_slips(self, count: int, what: str) -> list[bytes]:
        wait_until(lambda: len(self.slips()) >= count, WAIT, what)
        slips = self.slips()
        assert len(slips) == count, f"{len(slips)} slips, expected {count}"
        return slips

    # The hub's data --------------------------------------------------------------------

    def client(self) -> httpx.Client:
        assert self.api is not None
        return self.api

    def waiting(self, zone: str) -> list[int]:
        state = self.client().get("/api/v1/queue")
        assert state.status_code == 200, state.text
        return [ticket["number"] for each in state.json()["zones"] if each["code"] == zone
                for ticket in each["waiting"]]

    def tickets(self) -> list[tuple[int, str, str]]:
        """(number, zone, state) of every ticket the hub stored, in the order stored."""
        engine = create_engine(f"sqlite:///{self.hub.data_dir / 'kezek.sqlite3'}")
        try:
            with engine.connect() as connection:
                return [(row[0], row[1], row[2]) for row in connection.execute(
                    text("SELECT number, zone, state FROM tickets ORDER BY id"))]
        finally:
            engine.dispose()


def prepared_hub(data_dir: Path) -> tuple[str, str, str]:
    """Before the hub process starts, on its database, three weeks earlier (a booking
    is decided days ahead): an administrator's API token, and through the hub's API the
    akim's schedule and a visitor's request approved for today at 10:30. Returns the
    token, the request's number and its booking code."""
    hub = build_hub(HubSettings(data_dir=data_dir, center_id=CENTER, mqtt_enabled=False),
                    clock=ManualClock(BOOKED_ON))
    try:
        token = hub.users.create_token(name="e2e", role=Role.ADMINISTRATOR, actor="test")
        with TestClient(create_app(hub.settings, hub),
                        headers={"Authorization": f"Bearer {token}"}) as api:
            add_official_receiving_on_mondays(api)
            number, code = approved_booking(api, "2026-11-23T10:30:00")
        return token, number, code
    finally:
        hub.close()


@pytest.fixture(scope="module")
def center(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Center]:
    """One center for the module: starting a hub process takes seconds. Each test looks
    only at the slips and tickets it made; the test killing the hub comes last."""
    if mosquitto_binary() is None:
        unavailable("mosquitto is not installed (apt-get install -y mosquitto)")
    made = Center(tmp_path_factory.mktemp("center"))
    try:
        made.start()
        yield made
    finally:
        made.stop()


def number_in(slip: bytes) -> int:
    """The ticket number of a slip: the one line in the huge size (GS ! 0x33)."""
    found = re.findall(rb"\x1d!3(?:\x1b[Ea].)*(\d+)\n", slip, re.DOTALL)
    assert len(found) == 1, slip
    return int(found[0])


def add_official_receiving_on_mondays(api: httpx.Client) -> None:
    """The akim, receiving on Mondays 10:00-12:00 at desk office-105."""
    official = api.put(f"{RECEPTION}/officials/akim", json={
        "full_name": "Әлиев Бақыт Серікұлы",
        "position": {"kk": "Аудан әкімі", "ru": "Аким района"},
        "state_body": {"kk": "Бородулиха ауданы әкімінің аппараты",
                       "ru": "Аппарат акима Бородулихинского района"},
        "location": {"kk": "Бородулиха ауылы, Тәуелсіздік көшесі, 69",
                     "ru": "село Бородулиха, улица Тәуелсіздік, 69"},
        "desk": "office-105", "languages": ["kk", "ru"]})
    assert official.status_code == 200, official.text
    schedule = api.post(f"{RECEPTION}/officials/akim/schedules", json={
        "approved_by": "Аудан әкімі Б. Әлиев", "approved_on": "2026-10-30",
        "valid_from": "2026-11-01", "weekdays": [0], "starts": "10:00", "ends": "12:00",
        "slot_minutes": 30})
    assert schedule.status_code == 201, schedule.text


def approved_booking(api: httpx.Client, starts: str) -> tuple[str, str]:
    """A visitor's request to see the akim, approved for `starts`: its number and
    booking code."""
    request = api.post(f"{RECEPTION}/requests", json={
        "channel": "paper", "iin": "850101300124", "full_name": "Серікбаев Асқар Нұрланұлы",
        "phone": "+7 701 234 56 78", "language": "kk", "essence": "Жер учаскесін беру туралы",
        "official_asked": "akim"})
    assert request.status_code == 201, request.text
    number = request.json()["number"]
    assert api.post(f"{RECEPTION}/requests/{number}/start-review", json={}).status_code == 200
    noted = api.post(f"{RECEPTION}/requests/{number}/note",
                     json={"proposal": "date", "proposed_day": starts[:10]})
    assert noted.status_code == 200, noted.text
    approved = api.post(f"{RECEPTION}/requests/{number}/approve", json={"starts_at": starts})
    assert approved.status_code == 200, approved.text
    return number, approved.json()["booking"]["code"]


def test_a_scanned_booking_code_checks_the_visitor_in_and_prints_the_ticket(
        center: Center) -> None:
    api = center.client()
    number, code = center.booking_number, center.booking_code  # check-in from 09:30
    base = len(center.slips())

    center.scanner.scan("<script>")  # not a booking code: refused at the terminal
    wait_until(lambda: center.app.terminal.signal.value == "refused", WAIT, "the refusal")
    center.scanner.scan(f"{code[:4].lower()}-{code[4:]}")  # as printed, read by the scanner
    (slip,) = center.wait_slips(base + 1, "the personal reception ticket")[base:]
    (scan, reply), = center.replies(BookingScan)
    assert scan.code == f"{code[:4].lower()}-{code[4:]}"  # the garbage was never sent
    assert reply.ok and reply.ticket is not None
    assert reply.ticket.zone == "personal"
    assert number_in(slip) == reply.ticket.number
    assert "Жеке қабылдау".encode("kz1048") in slip
    checked_in = api.get(f"{RECEPTION}/requests/{number}").json()
    assert checked_in["state"] == "checked_in"
    assert "Серікбаев".encode("kz1048") not in slip  # no personal data on the slip
    assert b"850101300124" not in slip

    center.scanner.scan("ZZZZ2222")  # well formed, but no such booking
    (note,) = center.wait_slips(base + 2, "the unknown code slip")[base + 1:]
    refused = [answer for request, answer in center.replies(BookingScan)
               if request.code == "ZZZZ2222"]
    assert [answer.problem.code for answer in refused if answer.problem] == [
        "check_in_unknown_code"]
    for language_text in ("Жазылу коды табылмады", "Код записи не найден"):
        assert language_text.encode("kz1048") in note
    assert not re.findall(rb"\x1d!3", note)  # no number on it


def console_session(center: Center) -> httpx.Client:
    """A reception worker signed in to the console (a session cookie, as a browser)."""
    made = center.client().post("/api/v1/users", json={
        "username": "reception.worker", "full_name": "Тест Қызметкер", "role": "reception",
        "password": "correct horse battery", "language": "ru"})
    assert made.status_code == 201, made.text
    browser = httpx.Client(base_url=str(center.client().base_url), timeout=20,
                           follow_redirects=True)
    page = browser.get("/console/login")
    done = browser.post("/console/login", data={
        "username": "reception.worker", "password": "correct horse battery",
        "csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert done.status_code == 303, done.text
    return browser


def csrf_of(page: str) -> str:
    found = CSRF.search(page)
    assert found is not None, page[:500]
    return found.group(1)


def unprinted(page: str) -> list[int]:
    return [int(number) for number in re.findall(r'data-unprinted="(\d+)"', page)]


def test_reception_issues_on_the_terminal_and_sees_what_did_not_print(
        center: Center) -> None:
    browser = console_session(center)
    page = browser.get("/console/issue")
    assert page.status_code == 200 and 'id="issue-form"' in page.text, page.text[-2000:]
    base = len(center.slips())

    def issue() -> int:
        form = browser.get("/console/issue").text
        done = browser.post("/console/issue", data={
            "csrf_token": csrf_of(form), "node": NODE, "language": "ru",
            "purpose": "complaint", "out_of_turn": ""})
        assert done.status_code == 200
        found = re.search(r"Выдан талон (\d+)", done.text)
        assert found is not None, done.text[-3000:]
        return int(found.group(1))

    first = issue()
    (slip,) = center.wait_slips(base + 1, "the reception's ticket")[base:]
    assert number_in(slip) == first
    assert "Подать жалобу".encode("kz1048") in slip  # in the visitor's language
    wait_until(lambda: unprinted(browser.get("/console/issue").text) == [], WAIT,
               "the print report to clear the unprinted list")

    center.printer.paper = 0  # the roll ran out
    wait_until(lambda: 'id="printer-banner"' in browser.get("/console/check-in").text, WAIT,
               "the printer banner in the console")
    second = issue()
    wait_until(lambda: 'data-detail="paper_out"' in browser.get("/console/issue").text
               and "не напечатан" in browser.get("/console/issue").text, WAIT,
               "the failed print listed")
    assert unprinted(browser.get("/console/issue").text) == [second]
    assert len(center.slips()) == base + 1  # nothing printed meanwhile
    banner = browser.get("/console/check-in").text
    assert NODE in banner.split('id="printer-banner"')[1].split("</p>")[0]

    center.printer.paper = 2  # a new roll
    (slip,) = center.wait_slips(base + 2, "the kept ticket printed")[base + 1:]
    assert number_in(slip) == second
    wait_until(lambda: unprinted(browser.get("/console/issue").text) == [], WAIT,
               "the unprinted list empty again")
    wait_until(lambda: 'id="printer-banner"' not in browser.get("/console/check-in").text,
               WAIT, "the banner gone")
    browser.close()


def test_hub_killed_presses_print_from_the_lease_and_join_the_queue_after_restart(
        center: Center) -> None:
    lease = center.leased("consultation")
    assert len(lease) == 20
    base, stored = len(center.slips()), len(center.tickets())
    center.hub.kill()
    center.press(KAZAKH)  # asked the hub, which does not answer: printed from the lease
    center.wait_slips(base + 1, "the first ticket printed from the lease")
    center.press(RUSSIAN)  # the hub is known to be away: printed at once
    center.press(KAZAKH)
    slips = center.wait_slips(base + 3, "three tickets printed from the lease")[base:]
    printed = [number_in(slip) for slip in slips]
    assert printed == lease[:3]
    assert len(center.app.runtime.outbox) == 3  # the three reports, kept for the hub

    center.hub.start()
    wait_until(lambda: len(center.replies(OfflineTicket)) == 3, WAIT,
               "the hub to take the three tickets")
    reports = [report for report, _ in center.replies(OfflineTicket)]
    assert [report.number for report in reports] == printed
    assert [report.language for report in reports] == ["kk", "ru", "kk"]
    assert all(reply.ok for _, reply in center.replies(OfflineTicket)), center.answers
    # The request the hub did not answer was withdrawn, its ticket replaced by the first.
    assert reports[0].replaces is not None
    assert reports[0].replaces not in {request.id for request, _ in
                                       center.replies(TicketRequest)}
    assert [report.replaces for report in reports[1:]] == [None, None]

    center.press(RUSSIAN)  # the hub is back: it issues the ticket itself
    online = number_in(center.wait_slips(base + 4, "the hub's own ticket")[base + 3])
    assert online not in lease  # the hub never issues a number it leased
    assert center.waiting("consultation")[-4:] == [*printed, online]  # in printed order
    tickets = center.tickets()[stored:]
    kept = [number for number, _, state in tickets if state != "cancelled"]
    assert sorted(kept) == sorted([*printed, online])  # none lost, none twice
    # The withdrawn request reached the hub after its restart (the broker kept it for
    # the hub's session): the ticket it made, which nobody holds, is cancelled.
    ghosts = [number for number, _, state in tickets if state == "cancelled"]
    assert len(ghosts) == 1 and not set(ghosts) & {*printed, online}
    assert len(center.app.runtime.outbox) == 0
