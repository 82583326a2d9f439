"""The whole terminal application over a real Mosquitto: MockFactory pins pressed like a
visitor would, the simulated printer, a stand-in hub that gives tickets and leases and
then goes silent."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from gpiozero.pins.mock import MockFactory

from contract.mqtt import (
    REQUEST_CHANNELS,
    DownChannel,
    LeaseRequest,
    NumberBlock,
    OfflineTicket,
    PrintJob,
    PrintReport,
    Reply,
    TicketRequest,
    decode_request_on,
)
from firmware.ticket_terminal.app import TicketTerminalApp
from firmware.ticket_terminal.stores import TerminalStore
from tests.brokers import PrivateMosquitto, free_port, mosquitto_binary, wait_until
from tests.firmware.conftest import FakeHub
from tests.ticket_terminal.conftest import CONSULTATION, issued, terminal_settings

CENTER = "test-center"


class TicketHub(FakeHub):
    """Answers ticket requests with numbered tickets and lease requests with blocks."""

    def __init__(self, port: int) -> None:
        super().__init__(port, CENTER)
        self.answering = False  # FakeHub's plain replies off: this hub answers itself
        self.serving = True
        self.next_number = 101
        self.seen: list[Any] = []

    def _on_message(self, client: mqtt.Client, userdata: object,
                    message: mqtt.MQTTMessage) -> None:
        super()._on_message(client, userdata, message)
        route = self.topics.parse(message.topic)
        if (route is None or route.channel not in REQUEST_CHANNELS.values()
                or not self.serving):
            return
        request = decode_request_on(route.channel, bytes(message.payload))
        with self.lock:
            if any(seen.id == request.id for seen in self.seen):
                return
            self.seen.append(request)
        reply = Reply(request_id=request.id, ok=True)
        if isinstance(request, TicketRequest):
            reply = Reply(request_id=request.id, ok=True, ticket=issued(
                self.next_number, language=request.language, ticket_id=self.next_number))
            self.next_number += 1
        elif isinstance(request, LeaseRequest):
            # Valid an hour, told in a zone where it is about noon now: the block's day
            # (read in its zone, as the terminal reads it) holds whenever the test runs
            # (in UTC it failed from 23:00, when the hour ran into the next day).
            now = datetime.now(UTC)
            noon = timezone(timedelta(hours=12 - now.hour))
            until = (now + timedelta(hours=1)).astimezone(noon)
            reply = Reply(request_id=request.id, ok=True, lease=[
                NumberBlock(lease_id=10 + index, zone=zone, zone_name=CONSULTATION,
                            service_day=until.date(), valid_until=until,
                            numbers=list(range(300 + 100 * index, 320 + 100 * index)))
                for index, zone in enumerate(request.zones)])
        self.send(route.node, DownChannel.REPLY, reply)

    def of_kind(self, kind: type[Any]) -> list[Any]:
        with self.lock:
            return [request for request in self.seen if isinstance(request, kind)]


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[PrivateMosquitto]:
    if mosquitto_binary() is None:
        from tests.conftest import unavailable
        unavailable("the mosquitto binary is missing")
    running = PrivateMosquitto(tmp_path, persistence=False)
    running.start()
    yield running
    running.stop()


@pytest.fixture
def hub(broker: PrivateMosquitto) -> Iterator[TicketHub]:
    made = TicketHub(broker.port)
    wait_until(made.connected.is_set, what="the stand-in hub")
    yield made
    made.close()


@pytest.fixture
def app(tmp_path: Path, broker: PrivateMosquitto) -> Iterator[tuple[TicketTerminalApp,
                                                                      MockFactory]]:
    settings = terminal_settings(tmp_path, broker_url=broker.url, request_retry_seconds=0.5,
                                 keepalive_seconds=5,
                                 printer={"poll_seconds": 0.2},
                                 limits={"min_seconds_between": 0, "per_minute": 60},
                                 offline={"hub_answer_seconds": 1.0, "lease_low_water": 3})
    factory = MockFactory()
    made = TicketTerminalApp(settings, pin_factory=factory)
    made.start()
    yield made, factory
    made.stop()


def press(factory: MockFactory, pin: int) -> None:
    factory.pin(pin).drive_low()
    factory.pin(pin).drive_high()


def printed(app: TicketTerminalApp) -> bytes:
    assert app.printer.simulated is not None
    output: bytes = app.printer.simulated.output
    return output


def test_press_prints_the_hubs_ticket_and_tells_status(
        hub: TicketHub, app: tuple[TicketTerminalApp, MockFactory]) -> None:
    terminal, pins = app
    wait_until(lambda: hub.of_kind(LeaseRequest), what="a lease request at connect")
    press(pins, 5)  # Қазақша
    press(pins, 13)  # appeal_paper
    wait_until(lambda: b"101" in printed(terminal), what="ticket 101 printed")
    (request,) = hub.of_kind(TicketRequest)
    assert (request.language, request.purpose) == ("kk", "appeal_paper")
    assert "Алдыңызда: 4 адам".encode("kz1048") in printed(terminal)
    assert pins.pin(20).state == 1  # the language lamp: ready for the next visitor


def test_hub_gone_prints_from_the_lease_and_reports_in_order_when_back(
        hub: TicketHub, app: tuple[TicketTerminalApp, MockFactory]) -> None:
    terminal, pins = app
    wait_until(lambda: terminal.store.remaining("consultation", datetime.now(UTC)) == 20,
               what="the lease stored")
    hub.serving = False
    for language_pin in (5, 6, 5):
        press(pins, language_pin)
        press(pins, 13)
        wait_until(lambda: terminal.terminal.signal.value == "choose_language",
                   what="the terminal ready again")
    wait_until(lambda: printed(terminal).count(b"\x1dV") == 3, what="three slips")
    for number in (b"300", b"301", b"302"):
        assert number in printed(terminal)
    hub.serving = True
    wait_until(lambda: len(hub.of_kind(OfflineTicket)) == 3, what="offline tickets reported")
    offline = hub.of_kind(OfflineTicket)
    assert [ticket.number for ticket in offline] == [300, 301, 302]
    assert offline[0].replaces is not None  # the first press had asked the hub
    assert [ticket.language for ticket in offline] == ["kk", "ru", "kk"]
    assert b"101" not in printed(terminal)  # the withdrawn request printed nothing


def test_reception_print_job_and_paper_out_reported(
        hub: TicketHub, app: tuple[TicketTerminalApp, MockFactory]) -> None:
    terminal, pins = app
    assert terminal.printer.simulated is not None
    terminal.printer.simulated.paper = 0
    wait_until(lambda: pins.pin(16).state == 1, what="the fault lamp")
    hub.send("terminal-1", DownChannel.PRINT,
             PrintJob(ticket=issued(250, ticket_id=250)))
    wait_until(lambda: hub.of_kind(PrintReport), what="a failure report")
    assert hub.of_kind(PrintReport)[0].detail == "paper_out"
    wait_until(lambda: any(s.drivers.get("printer") and s.drivers["printer"].detail ==
                           "paper_out" for s in hub.statuses), what="status with paper_out")
    terminal.printer.simulated.paper = 2
    wait_until(lambda: b"250" in printed(terminal), what="printed when paper is back")
    wait_until(lambda: len(hub.of_kind(PrintReport)) == 2, what="the printed report")
    assert hub.of_kind(PrintReport)[1].printed



def test_booted_with_the_hub_away_it_prints_from_the_lease_by_the_last_hub_time(
        tmp_path: Path) -> None:
    """A power cut: the Pi boots with yesterday evening's time (what it saved) and the hub
    is not there. The hub's time is unknown: the terminal says so (`clock_unknown`) and
    judges its lease by its own clock, but never earlier than the last hub time it saw
    before the reboot, so today's block still prints, dated today."""
    hub_time = datetime(2026, 11, 23, 4, 55, tzinfo=UTC)  # 09:55 in Almaty, Monday
    settings = terminal_settings(tmp_path, broker_url=f"mqtt://127.0.0.1:{free_port()}",
                                 printer={"poll_seconds": 0.1},
                                 limits={"min_seconds_between": 0, "per_minute": 60})
    store = TerminalStore(settings.data_dir)
    store.replace_blocks([NumberBlock(
        lease_id=7, zone="consultation", zone_name=CONSULTATION,
        service_day=date(2026, 11, 23), valid_until=datetime(2026, 11, 23, 13, tzinfo=UTC),
        numbers=[300, 301, 302])])
    store.close()
    (settings.data_dir / "hub_clock.json").write_text(json.dumps({
        "boot_id": "the boot before", "low": 0.0, "high": None, "taken": 0.0,
        "hub_time": hub_time.timestamp()}))
    wall = (hub_time - timedelta(hours=14)).timestamp()  # Sunday 19:55 in Almaty
    pins = MockFactory()
    app = TicketTerminalApp(settings, pin_factory=pins, wall_clock=lambda: wall)
    app.start()
    try:
        assert not app.runtime.hub_clock.known
        assert app.runtime.driver_states()["clock"].detail == "clock_unknown"
        press(pins, 5)
        press(pins, 13)
        wait_until(lambda: printed(app).count(b"\x1dV") == 1, what="a slip from the lease")
        assert b"300" in printed(app) and b"23.11.2026" in printed(app)
        report = app.runtime.outbox.head()  # waits in the outbox for the hub
        assert isinstance(report, OfflineTicket) and report.number == 300
        assert timedelta(0) <= report.printed_at - hub_time < timedelta(seconds=30)
    finally:
        app.stop()
