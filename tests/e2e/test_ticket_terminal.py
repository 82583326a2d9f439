"""The real ticket terminal application against a hub process: a visitor's presses on
MockFactory pins come back as a printed ticket the hub issued, in the visitor's
language, with the hub's number and queue position."""

from __future__ import annotations

from pathlib import Path

from gpiozero.pins.mock import MockFactory
from sqlalchemy import create_engine, text

from contract.mqtt import LeaseRequest
from firmware.ticket_terminal.app import TicketTerminalApp
from tests.brokers import wait_until
from tests.e2e.hub_process import HubProcess
from tests.ticket_terminal.conftest import terminal_settings

CENTER = "e2e-terminal"


def test_presses_print_the_hubs_tickets(tmp_path: Path) -> None:
    (tmp_path / "hub").mkdir()
    hub = HubProcess(tmp_path / "hub", center=CENTER)
    hub.start()
    answers: list[object] = []
    try:
        settings = terminal_settings(tmp_path, center=CENTER, broker_url=hub.broker_url,
                                     request_retry_seconds=0.5,
                                     limits={"min_seconds_between": 0, "per_minute": 60},
                                     offline={"hub_answer_seconds": 10})
        pins = MockFactory()
        app = TicketTerminalApp(settings, pin_factory=pins,
                                on_answer=lambda request, answer: answers.append(
                                    (request, answer)))
        app.start()
        try:
            assert app.printer.simulated is not None
            printer = app.printer.simulated
            wait_until(app.runtime.connected.is_set, 20, "the terminal to connect")
            for language_pin in (6, 5):  # Русский, then Қазақша
                wait_until(lambda: app.terminal.signal.value == "choose_language", 20,
                           "the terminal ready")
                pins.pin(language_pin).drive_low()
                pins.pin(language_pin).drive_high()
                pins.pin(13).drive_low()  # appeal_paper
                pins.pin(13).drive_high()
                wait_until(lambda: not app.terminal._waiting, 20, "the hub's ticket")
            wait_until(lambda: printer.output.count(b"\x1dV") == 2, 20, "two slips")
            # The terminal tops its lease up when it knows the hub's time (a tick after).
            wait_until(lambda: any(isinstance(request, LeaseRequest)
                                   for request, _ in list(answers)), 20, "a lease answered")
        finally:
            app.stop()
    finally:
        hub.stop()
    out = printer.output
    first, second = out.split(b"\x1dV")[:2]
    assert "Перед вами: 0 чел.".encode("kz1048") in first
    assert "Алдыңызда: 1 адам".encode("kz1048") in second
    engine = create_engine(f"sqlite:///{hub.data_dir / 'kezek.sqlite3'}")
    with engine.connect() as connection:
        numbers = [row[0] for row in connection.execute(
            text("SELECT number FROM tickets ORDER BY id"))]
    engine.dispose()
    assert len(numbers) == 2
    for number in numbers:
        assert str(number).encode() in out
    # The hub of this branch may not lease numbers yet: the terminal asked, and went on.
    assert any(isinstance(request, LeaseRequest) for request, _ in answers)
