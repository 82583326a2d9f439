"""The real ticket terminal application in the virtual center: MockFactory pins pressed
for each simulated visitor, the simulated printer keeping every byte. It stands where a
SimulatedTerminal stands, so the load driver presses it the same way."""

from __future__ import annotations

import threading
from collections import deque
from concurrent.futures import Future

from gpiozero.pins.mock import MockFactory

from contract.mqtt import ErrorMessage, Language, NodeConfig, Reply, TicketRequest
from firmware.common.outbox import OutboxRequest
from firmware.common.settings import NodeSettings
from firmware.ticket_terminal.app import TicketTerminalApp
from firmware.ticket_terminal.settings import PURPOSES_000_8, TerminalSettings
from firmware.virtual.clocks import MACHINE_CLOCKS, NodeClocks
from firmware.virtual.nodes import Answer, SimulatedTerminal

KAZAKH_PIN, RUSSIAN_PIN = 5, 6
PURPOSE_PINS = dict(zip(PURPOSES_000_8, (13, 19, 26, 16, 20), strict=True))


def terminal_settings(node: NodeSettings) -> TerminalSettings:
    return TerminalSettings(
        **node.model_dump(exclude={"role"}),
        buttons={"kazakh": KAZAKH_PIN, "russian": RUSSIAN_PIN, "bounce_seconds": 0,
                 "purposes": [{"code": code, "pin": pin} for code, pin in PURPOSE_PINS.items()]},
        # Simulated time runs fast: many visitors a real second at one terminal.
        limits={"min_seconds_between": 0, "per_minute": 100000})


class RealTerminal(SimulatedTerminal):
    """Visitor buttons have no out-of-turn category or escort flag (reception sets
    those): a press gives an ordinary ticket."""

    # No super().__init__(): the application makes its own runtime.
    def __init__(self, settings: NodeSettings, clocks: NodeClocks = MACHINE_CLOCKS) -> None:
        self.settings = settings
        self.node_id = settings.node_id
        self.printed: list[int] = []
        self.pins = MockFactory()
        self._presses: deque[Future[Answer]] = deque()
        self._lock = threading.Lock()
        self.app = TicketTerminalApp(terminal_settings(settings), pin_factory=self.pins,
                                     on_answer=self._answered, wall_clock=clocks.wall,
                                     monotonic=clocks.monotonic)
        self.runtime = self.app.runtime

    @property
    def config(self) -> NodeConfig | None:  # type: ignore[override]
        return self.app.terminal.config

    def start(self) -> None:
        self.app.start()

    def stop(self) -> None:
        self.app.stop()

    def press(self, language: Language, purpose: str, *, out_of_turn: str | None = None,
              needs_escort: bool = False) -> Future[Answer]:
        answer: Future[Answer] = Future()
        with self._lock:
            self._presses.append(answer)
            for pin in (KAZAKH_PIN if language == "kk" else RUSSIAN_PIN, PURPOSE_PINS[purpose]):
                self.pins.pin(pin).drive_low()
                self.pins.pin(pin).drive_high()
        return answer

    def _answered(self, request: OutboxRequest, answer: Reply | ErrorMessage) -> None:
        if not isinstance(request, TicketRequest):
            return
        if isinstance(answer, Reply) and answer.ticket is not None:
            self.printed.append(answer.ticket.number)
        with self._lock:
            waiting = self._presses.popleft() if self._presses else None
        if waiting is not None:
            waiting.set_result(answer)
