"""The real call-button application at each desk of the virtual center: MockFactory
pins pressed for the simulated operator, lamps and buzzer on the same fake pins. It
stands where SimulatedButtons stands, so the load driver presses it the same way and
gets the hub's answer to each press."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from concurrent.futures import Future

from gpiozero.pins.mock import MockFactory

from contract.mqtt import ButtonAction, ButtonPress, NodeConfig
from firmware.call_button.app import Answer, CallButtonApp
from firmware.call_button.settings import CallButtonSettings
from firmware.common.settings import NodeSettings
from firmware.virtual.clocks import MACHINE_CLOCKS, NodeClocks
from firmware.virtual.nodes import AnswerListener, Pressed, SimulatedButtons

# A full desk panel (BCM numbers), as the call-button node's sample configuration wires it.
BUTTON_PINS = {ButtonAction.NEXT: 17, ButtonAction.RECALL: 27, ButtonAction.DONE: 22,
               ButtonAction.NO_SHOW: 23}
LAMP_PINS = {"serving": 5, "waiting": 6, "fault": 13}
BUZZER_PIN = 19


class PressNotSent(RuntimeError):
    """The application did not send a press: the same button's earlier press is still
    unanswered, or the press was taken for contact bounce."""


def call_button_settings(node: NodeSettings) -> CallButtonSettings:
    return CallButtonSettings(
        **node.model_dump(exclude={"role"}),
        # Simulated time runs fast: presses of one button may come within milliseconds.
        buttons={action.value: pin for action, pin in BUTTON_PINS.items()} | {"bounce_ms": 0},
        lamps=LAMP_PINS, buzzer={"pin": BUZZER_PIN}, gpio={"pin_factory": "mock"})


class WatchedCallButtonApp(CallButtonApp):
    """The call-button application, telling which request each pin press sent: a day
    run records every press by the id the hub sees."""

    def __init__(self, settings: CallButtonSettings, *, factory: object | None = None,
                 wall_clock: Callable[[], float] = time.time,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        super().__init__(settings, factory=factory, wall_clock=wall_clock,
                         monotonic=monotonic)
        self.last_sent: ButtonPress | None = None

    def press(self, action: ButtonAction) -> ButtonPress | None:
        request = super().press(action)
        self.last_sent = request
        return request


class RealButtons(SimulatedButtons):
    """Without a Start button the hub takes Done as start-and-finish, as at a real desk
    wired with Next, Recall, Done and No-show."""

    # No super().__init__(): the application makes its own runtime.
    def __init__(self, settings: NodeSettings, clocks: NodeClocks = MACHINE_CLOCKS) -> None:
        if settings.desk is None:
            raise ValueError(f"call-button node {settings.node_id} needs a desk")
        self.settings = settings
        self.node_id = settings.node_id
        self.desk = settings.desk
        self.pins = MockFactory()
        self._lock = threading.Lock()
        self._presses: defaultdict[ButtonAction, deque[Future[Answer]]] = defaultdict(deque)
        self.answer_listeners: list[AnswerListener] = []
        self.app = WatchedCallButtonApp(call_button_settings(settings), factory=self.pins,
                                        wall_clock=clocks.wall, monotonic=clocks.monotonic)
        self.app.answer_listeners.append(self._answered)
        self.runtime = self.app.runtime
        self.config: NodeConfig | None = None  # a call-button node takes no node config

    def start(self) -> None:
        self.app.start()

    def stop(self) -> None:
        self.app.stop()

    def press(self, action: ButtonAction) -> Pressed:
        """Press and release the action's button as a hand does (pull-up: low is
        pressed); the future completes with the hub's answer to that press and names
        the request it sent."""
        pin = BUTTON_PINS.get(action)
        if pin is None:
            raise ValueError(f"the virtual desk panel has no {action.value} button")
        answer = Pressed()
        with self._lock:
            before = self.app.ignored_presses, self.app.panel.bounced
            self.app.last_sent = None
            self._presses[action].append(answer)
            # MockFactory calls gpiozero's handlers in this thread: the press is sent
            # (or refused by the application) before drive_low returns.
            self.pins.pin(pin).drive_low()
            self.pins.pin(pin).drive_high()
            if self.app.last_sent is not None:
                answer.request_id = self.app.last_sent.id
            if (self.app.ignored_presses, self.app.panel.bounced) != before:
                self._presses[action].pop()
                answer.set_exception(PressNotSent(
                    f"{self.node_id}: {action.value} was not sent (an earlier press is "
                    "still unanswered)"))
        return answer

    def _answered(self, request: ButtonPress, answer: Answer) -> None:
        for listener in list(self.answer_listeners):
            listener(request.id, answer)
        with self._lock:
            waiting = self._presses[request.action]
            future = waiting.popleft() if waiting else None
        if future is not None:
            future.set_result(answer)
