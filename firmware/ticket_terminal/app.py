"""The ticket terminal node: one place wires the settings, the node runtime, the printer
and its spooler, the buttons, lamps and the scanner to the terminal's behaviour. The
program `kezek-ticket-terminal` starts in firmware/ticket_terminal/launch.py (`main`,
also here), which prepares escpos's cache before this module imports escpos. The
terminal's time is the hub's (the runtime's `hub_clock`): it dates the tickets printed
from a lease and judges which leased block is usable."""

from __future__ import annotations

import logging
import signal
import sys
import threading
import time
from collections.abc import Callable
from datetime import datetime

from escpos.escpos import Escpos
from gpiozero.pins import Factory

from contract.mqtt import (
    Driver,
    DriverState,
    ErrorMessage,
    NodeConfig,
    PrintJob,
    PrintReport,
    Reply,
)
from firmware.common.gpio_factory import open_pin_factory
from firmware.common.logs import configure_logging
from firmware.common.outbox import OutboxRequest
from firmware.common.runtime import NodeRuntime
from firmware.ticket_terminal.hardware import Buttons, Lamps
from firmware.ticket_terminal.launch import main
from firmware.ticket_terminal.printer import (
    Health,
    PrinterSettingsError,
    TicketPrinter,
    make_escpos,
)
from firmware.ticket_terminal.scanner import Scanner
from firmware.ticket_terminal.settings import PrinterSection, TerminalSettings
from firmware.ticket_terminal.spooler import Spooler
from firmware.ticket_terminal.stores import TerminalStore
from firmware.ticket_terminal.terminal import TicketTerminal

log = logging.getLogger(__name__)

TICK_SECONDS = 0.2
TIMEZONE = "Asia/Almaty"


class TicketTerminalApp:
    def __init__(self, settings: TerminalSettings, *, pin_factory: Factory | None = None,
                 printer_factory: Callable[[PrinterSection], Escpos] = make_escpos,
                 timezone: str = TIMEZONE,
                 on_answer: Callable[[OutboxRequest, Reply | ErrorMessage], None] | None = None,
                 clock: Callable[[], datetime] | None = None,
                 wall_clock: Callable[[], float] = time.time,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self._on_answer = on_answer
        self.store = TerminalStore(settings.data_dir)
        self.printer = TicketPrinter(settings.printer, timezone, printer_factory)
        self.runtime = NodeRuntime(settings, drivers=self._drivers, on_reply=self._reply,
                                   on_error=self._error, on_print=self._print,
                                   on_config=self._config, wall_clock=wall_clock,
                                   monotonic=monotonic)
        self.spooler = Spooler(self.printer, self.store, settings.node_id,
                               report=self._report, on_health=self._health)
        # gpiozero's choice unless one is passed in; one that cannot work is reported.
        self.pins = open_pin_factory(pin_factory)
        self.lamps = Lamps(settings.lamps, self.pins.factory)
        # The hub's time (the node's own clock only until the hub was heard from):
        # `clock` replaces it in a test, `wall_clock` is the node's own clock and
        # `monotonic` the one the hub's time is anchored to (simulated in a day run).
        self.terminal = TicketTerminal(settings, self.runtime, self.store, self.spooler,
                                       show=self.lamps.show,
                                       clock=clock or self.runtime.hub_clock.now)
        self.buttons = Buttons(settings.buttons, language=self._language,
                               purpose=self.terminal.press_purpose,
                               pin_factory=self.pins.factory)
        self.scanner = (Scanner(settings.scanner, self.terminal.scan)
                        if settings.scanner is not None else None)
        self._stop = threading.Event()
        self._ticker = threading.Thread(target=self._tick, name="kezek-terminal", daemon=True)
        self.lamps.show(self.terminal.signal)

    def _language(self, language: str) -> None:
        self.terminal.press_language("kk" if language == "kk" else "ru")

    def _drivers(self) -> dict[str, Driver]:
        drivers = {"printer": self.spooler.driver, "buttons": self.pins.driver()}
        drivers["scanner"] = Driver(state=DriverState.OK if self.scanner else DriverState.OFF)
        return drivers

    def _reply(self, request: OutboxRequest, reply: Reply) -> None:
        self.terminal.on_reply(request, reply)
        self.spooler.wake()
        if self._on_answer is not None:
            self._on_answer(request, reply)

    def _error(self, request: OutboxRequest | None, error: ErrorMessage) -> None:
        self.terminal.on_error(request, error)
        if self._on_answer is not None and request is not None:
            self._on_answer(request, error)

    def _print(self, job: PrintJob) -> None:
        self.terminal.on_print(job)

    def _config(self, config: NodeConfig) -> None:
        self.terminal.on_config(config)

    def _report(self, report: PrintReport) -> None:
        self.runtime.submit(report)

    def _health(self, health: Health) -> None:
        self.terminal.on_printer(health)
        self.runtime.refresh_status()

    def _tick(self) -> None:
        while not self._stop.wait(TICK_SECONDS):
            try:
                self.terminal.tick()
            except Exception:
                log.exception("terminal tick failed")

    def start(self) -> None:
        self.runtime.start()
        self.spooler.start(self.settings.printer.poll_seconds)
        self._ticker.start()
        if self.scanner is not None:
            self.scanner.start()

    def stop(self) -> None:
        self._stop.set()
        if self.scanner is not None and self._ticker.is_alive():
            self.scanner.stop()
        self.buttons.close()
        if self._ticker.is_alive():  # stop() after a failed or no start() still releases
            self._ticker.join(5)
        self.spooler.stop()
        self.runtime.stop()
        self.printer.close()
        self.lamps.close()
        self.store.close()


def run(settings: TerminalSettings) -> int:
    """Run the terminal until SIGINT or SIGTERM; `kezek-ticket-terminal` is
    firmware/ticket_terminal/launch.py, which reads the settings first."""
    # Before the app is built: what building it logs (a pin factory that does not load)
    # must go out as JSON lines, not through the handler escpos's import installed.
    configure_logging(settings.node_id)
    try:
        app = TicketTerminalApp(settings)
    except PrinterSettingsError as error:
        print(error, file=sys.stderr)
        return 2
    stopping = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopping.set())
    app.start()
    stopping.wait()
    app.stop()
    return 0


__all__ = ["TicketTerminalApp", "main", "run"]
