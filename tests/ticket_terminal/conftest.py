"""Fixtures for the ticket terminal: settings with MockFactory pins, a link that records
what the terminal asks of the hub, a clock the test moves, and the simulated printer."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from contract.mqtt import IssuedTicket, NumberBlock, Reply, Text
from firmware.common.outbox import OutboxRequest
from firmware.ticket_terminal.printer import SimulatedPrinter, TicketPrinter
from firmware.ticket_terminal.settings import TerminalSettings
from firmware.ticket_terminal.spooler import Spooler
from firmware.ticket_terminal.stores import TerminalStore
from firmware.ticket_terminal.terminal import Signal, TicketTerminal

# Monday 23 November 2026, 10:00 in Almaty (UTC+5): open.
NOW = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)
CONSULTATION = Text(kk="Консультация", ru="Консультация")


def terminal_settings(tmp_path: Path, **overrides: Any) -> TerminalSettings:
    values: dict[str, Any] = {
        "node_id": "terminal-1", "center": "test-center", "broker_url": "mqtt://127.0.0.1:1",
        "data_dir": tmp_path / "node",
        "buttons": {"kazakh": 5, "russian": 6, "purposes": [
            {"code": "appeal_paper", "pin": 13}, {"code": "booked_reception", "pin": 19}]},
        "lamps": {"language": 20, "purpose": 21, "busy": 26, "fault": 16},
        "limits": {"min_seconds_between": 3, "per_minute": 5},
        "offline": {"hub_answer_seconds": 5, "lease_low_water": 3},
    }
    return TerminalSettings(**(values | overrides))


class FakeLink:
    """Stands in for NodeRuntime: keeps what was submitted and what was withdrawn."""

    def __init__(self) -> None:
        self.connected = threading.Event()
        self.connected.set()
        self.outbox: list[OutboxRequest] = []
        self.withdrawn: list[str] = []

    def submit(self, request: OutboxRequest) -> str:
        self.outbox.append(request)
        return request.id

    def withdraw(self, request_id: str) -> bool:
        before = len(self.outbox)
        self.outbox = [request for request in self.outbox if request.id != request_id]
        if len(self.outbox) < before:
            self.withdrawn.append(request_id)
            return True
        return False

    def take(self, request: OutboxRequest) -> OutboxRequest:
        """The hub answered: the runtime forgets the request."""
        self.outbox.remove(request)
        return request

    def kinds(self) -> list[str]:
        return [request.kind for request in self.outbox]


class Clock:
    def __init__(self) -> None:
        self.now = NOW
        self.seconds = 1000.0

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)
        self.seconds += seconds


class Rig:
    """A terminal with its store, simulated printer and spooler, driven by hand."""

    def __init__(self, tmp_path: Path, **overrides: Any) -> None:
        self.tmp_path = tmp_path
        self.settings = terminal_settings(tmp_path, **overrides)
        self.link = FakeLink()
        self.clock = Clock()
        self.signals: list[Signal] = []
        self.printer_device = SimulatedPrinter(profile=self.settings.printer.profile)
        self.build()

    def build(self) -> None:
        self.store = TerminalStore(self.settings.data_dir)
        self.printer = TicketPrinter(self.settings.printer, "Asia/Almaty",
                                     lambda section: self.printer_device)
        self.spooler = Spooler(self.printer, self.store, self.settings.node_id,
                               report=self.link.submit)
        self.terminal = TicketTerminal(self.settings, self.link, self.store, self.spooler,
                                       show=self.signals.append, clock=lambda: self.clock.now,
                                       monotonic=lambda: self.clock.seconds)
        self.spooler._on_health = self.terminal.on_printer

    def restart(self) -> None:
        self.store.close()
        self.build()

    def press(self, language: str, purpose: str = "appeal_paper") -> None:
        self.terminal.press_language("kk" if language == "kk" else "ru")
        self.terminal.press_purpose(purpose)

    def answer(self, request: OutboxRequest, reply: Reply) -> None:
        self.terminal.on_reply(self.link.take(request), reply)

    def lease(self, zone: str = "consultation", numbers: list[int] | None = None,
              lease_id: int = 1, day: date = date(2026, 11, 23)) -> NumberBlock:
        """A block the terminal already holds."""
        block = self.block(zone, numbers, lease_id, day)
        self.store.replace_blocks([block])
        return block

    @staticmethod
    def block(zone: str = "consultation", numbers: list[int] | None = None,
              lease_id: int = 1, day: date = date(2026, 11, 23)) -> NumberBlock:
        """A block as the hub sends it (valid until 18:30 in Almaty)."""
        almaty = timezone(timedelta(hours=5))
        return NumberBlock(lease_id=lease_id, zone=zone, zone_name=CONSULTATION,
                           service_day=day,
                           valid_until=datetime(day.year, day.month, day.day, 18, 30,
                                                tzinfo=almaty),
                           numbers=numbers or [300, 301, 302, 303, 304])

    def printed(self) -> bytes:
        self.spooler.run_once()
        output: bytes = self.printer_device.output
        self.printer_device.clear()
        return output


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    made = Rig(tmp_path)
    yield made
    made.store.close()


def issued(number: int = 101, *, language: str = "kk", ticket_id: int = 7,
           status_url: str | None = "http://hub.local/t/abc123") -> IssuedTicket:
    return IssuedTicket(
        ticket_id=ticket_id, number=number, zone="consultation", zone_name=CONSULTATION,
        purpose="appeal_paper",
        purpose_name=Text(kk="Қағаз түріндегі өтінішті тапсыру", ru="Подать обращение на бумаге"),
        language="kk" if language == "kk" else "ru", out_of_turn=None, needs_escort=False,
        issued_at=NOW, service_day=date(2026, 11, 23), people_ahead=4, wait_minutes=18.0,
        note=None, status_url=status_url)


KZ = "kz1048"


def kz(text: str) -> bytes:
    return text.encode(KZ)


Make = Callable[..., TerminalSettings]
