"""The real ticket terminal application in the virtual center: MockFactory pins pressed
for each simulated visitor, the simulated printer keeping every byte. It stands where a
SimulatedTerminal stands, so the load driver presses it the same way."""

from __future__ import annotations

import threading
from collections.abc import Callable

from gpiozero.pins.mock import MockFactory

from contract.mqtt import (
    BookingScan,
    ErrorMessage,
    Language,
    NodeConfig,
    OfflineTicket,
    Reply,
    TicketRequest,
)
from firmware.common.outbox import OutboxRequest
from firmware.common.runtime import NodeRuntime
from firmware.common.settings import NodeSettings
from firmware.ticket_terminal.app import TicketTerminalApp
from firmware.ticket_terminal.settings import PURPOSES_000_8, TerminalSettings
from firmware.virtual.clocks import MACHINE_CLOCKS, NodeClocks
from firmware.virtual.nodes import AnswerListener, Pressed, SimulatedTerminal

KAZAKH_PIN, RUSSIAN_PIN = 5, 6
PURPOSE_PINS = dict(zip(PURPOSES_000_8, (13, 19, 26, 16, 20), strict=True))
# The zones a virtual terminal issues for, with a button for every purpose of 000 §8:
# what it declares, so the hub's record of it allows those zones (issue 17).
TERMINAL_ZONES = list(dict.fromkeys(purpose.zone for purpose in PURPOSES_000_8.values()))


def terminal_settings(node: NodeSettings,
                      clocks: NodeClocks = MACHINE_CLOCKS) -> TerminalSettings:
    return TerminalSettings(
        **node.model_dump(exclude={"role"}),
        printer={"poll_seconds": clocks.printer_poll_seconds},
        buttons={"kazakh": KAZAKH_PIN, "russian": RUSSIAN_PIN, "bounce_seconds": 0,
                 "purposes": [{"code": code, "pin": pin} for code, pin in PURPOSE_PINS.items()]},
        # Simulated time runs fast: many visitors a real second at one terminal.
        limits={"min_seconds_between": 0, "per_minute": 100000})


class WatchedLink:
    """The terminal's link to the hub (the node runtime), telling which request each
    visitor's press or scan sent: a day run records every press by the id the hub sees."""

    def __init__(self, runtime: NodeRuntime, on_submit: Callable[[OutboxRequest], None]) -> None:
        self._runtime = runtime
        self._on_submit = on_submit

    @property
    def connected(self) -> threading.Event:
        return self._runtime.connected

    def submit(self, request: OutboxRequest) -> str:
        self._on_submit(request)
        return self._runtime.submit(request)

    def withdraw(self, request_id: str) -> bool:
        return self._runtime.withdraw(request_id)


class RealTerminal(SimulatedTerminal):
    """Visitor buttons have no out-of-turn category or escort flag (reception sets
    those): a press gives an ordinary ticket."""

    # No super().__init__(): the application makes its own runtime.
    def __init__(self, settings: NodeSettings, clocks: NodeClocks = MACHINE_CLOCKS) -> None:
        self.settings = settings
        self.node_id = settings.node_id
        self.printed: list[int] = []
        self.pins = MockFactory()
        self.answer_listeners: list[AnswerListener] = []
        self._by_request: dict[str, Pressed] = {}  # request id -> the press that sent it
        self._pressing: Pressed | None = None
        self._press_lock = threading.RLock()  # a press submits on the pressing thread
        self.app = TicketTerminalApp(terminal_settings(settings, clocks), pin_factory=self.pins,
                                     on_answer=self._answered, wall_clock=clocks.wall,
                                     monotonic=clocks.monotonic)
        self.runtime = self.app.runtime
        self.app.terminal.link = WatchedLink(self.runtime, self._submitted)

    @property
    def config(self) -> NodeConfig | None:  # type: ignore[override]
        return self.app.terminal.config

    def start(self) -> None:
        self.app.start()

    def stop(self) -> None:
        self.app.stop()

    def press(self, language: Language, purpose: str, *, out_of_turn: str | None = None,
                needs_escort: bool = False) -> Pressed:
        answer = Pressed()
        with self._press_lock:
            self._pressing = answer
            for pin in (KAZAKH_PIN if language == "kk" else RUSSIAN_PIN, PURPOSE_PINS[purpose]):
                self.pins.pin(pin).drive_low()
                self.pins.pin(pin).drive_high()
            self._pressing = None
        return answer

    def scan(self, code: str) -> Pressed:
        """A booking code read by the terminal's scanner (what the serial scanner hands
        the terminal for each line)."""
        answer = Pressed()
        with self._press_lock:
            self._pressing = answer
            self.app.terminal.scan(code)
            self._pressing = None
        return answer

    def _submitted(self, request: OutboxRequest) -> None:
        """A request the terminal sends: a visitor's press (or scan) when one is being
        made; an offline ticket stands for the press it replaces."""
        with self._press_lock:
            if isinstance(request, OfflineTicket) and request.replaces is not None:
                press = self._by_request.get(request.replaces)
            elif isinstance(request, TicketRequest | BookingScan | OfflineTicket):
                press = self._pressing
            else:
                return  # a lease or a print report
            if press is None:
                return
            if press.request_id is None:
                press.request_id = request.id
            if isinstance(request, OfflineTicket):
                press.offline = True
            self._by_request[request.id] = press

    def _answered(self, request: OutboxRequest, answer: Reply | ErrorMessage) -> None:
        if not isinstance(request, TicketRequest | BookingScan | OfflineTicket):
            return
        if isinstance(request, TicketRequest) and isinstance(answer, Reply) \
                and answer.ticket is not None:
            self.printed.append(answer.ticket.number)
        if isinstance(request, OfflineTicket):
            self.printed.append(request.number)
        for listener in list(self.answer_listeners):
            listener(request.id, answer)
        with self._press_lock:
            waiting = self._by_request.pop(request.id, None)
        if waiting is not None and not waiting.done():
            waiting.set_result(answer)
