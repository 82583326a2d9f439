"""The call-button node: a desk's buttons become requests through the node runtime
(durable outbox, one id per press, applied once however long the link was away), and
its lamps, buzzer and small display show what the hub answers and pushes.

Run as `kezek-call-button [--config FILE]` (or KEZEK_NODE_CONFIG); `--check` only
validates the settings."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
import time
from collections.abc import Callable, Mapping
from types import FrameType

from contract.mqtt import (
    ButtonAction,
    ButtonPress,
    Command,
    CommandName,
    DeskState,
    Driver,
    ErrorMessage,
    Reply,
)
from firmware.call_button.desk_model import DeskModel
from firmware.call_button.devices import DeskPanel, SerialDisplay
from firmware.call_button.settings import CallButtonSettings
from firmware.common.logs import configure_logging
from firmware.common.outbox import OutboxRequest
from firmware.common.runtime import NodeRuntime
from firmware.common.settings import NodeSettingsError, load_node_settings

log = logging.getLogger("kezek.call_button")

# How often the link is looked at, so the fault lamp follows a lost broker.
WATCH_SECONDS = 0.25
IDENTIFY_SECONDS = 10.0
Answer = Reply | ErrorMessage
AnswerListener = Callable[[ButtonPress, Answer], None]


class CallButtonApp:
    def __init__(self, settings: CallButtonSettings, *, factory: object | None = None,
                 environ: Mapping[str, str] | None = None,
                 wall_clock: Callable[[], float] = time.time,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        """`wall_clock` and `monotonic` are the node's clocks (simulated ones in a day
        run, see NodeRuntime)."""
        self.settings = settings
        self.model = DeskModel(settings.bound_desk)
        self.panel = DeskPanel(settings, self._pressed, factory)
        self.display = (SerialDisplay(settings.serial_display)
                        if settings.serial_display.type != "none" else None)
        self.runtime = NodeRuntime(settings, drivers=self._drivers, on_reply=self._replied,
                                   on_error=self._refused, on_desk=self._desk_pushed,
                                   on_command=self._command, environ=environ,
                                   wall_clock=wall_clock, monotonic=monotonic)
        self.ignored_presses = 0
        self.answer_listeners: list[AnswerListener] = []
        self.state_listeners: list[Callable[[DeskState], None]] = []
        self._refresh_lock = threading.Lock()
        self._stop = threading.Event()
        self._watcher = threading.Thread(target=self._watch, name="kezek-lamps", daemon=True)

    # Life ------------------------------------------------------------------------------

    def start(self) -> None:
        self.refresh()
        self.runtime.start()
        self._watcher.start()

    def stop(self) -> None:
        self._stop.set()
        if self._watcher.is_alive():
            self._watcher.join(timeout=2)
        self.runtime.stop()
        self.panel.close()
        if self.display is not None:
            self.display.close()

    def _watch(self) -> None:
        connected = self.runtime.connected.is_set()
        while not self._stop.wait(WATCH_SECONDS):
            now = self.runtime.connected.is_set()
            if now != connected:
                connected = now
                self.refresh()

    # Presses (gpiozero's threads) ------------------------------------------------------

    def press(self, action: ButtonAction) -> ButtonPress | None:
        """What a button does; returns the request sent, or None when it was not sent
        (the same button's earlier press is still unanswered)."""
        buttons = self.settings.buttons
        transfer = action is ButtonAction.TRANSFER
        request = ButtonPress(node=self.settings.node_id, desk=self.settings.bound_desk,
                              action=action,
                              to_zone=buttons.transfer_zone if transfer else None,
                              to_desk=buttons.transfer_desk if transfer else None)
        if not self.model.press(action, request.id):
            self.ignored_presses += 1
            log.info("press ignored: the same button's earlier press is unanswered",
                     extra={"action": action.value})
            return None
        self.runtime.submit(request)
        return request

    def _pressed(self, action: ButtonAction) -> None:
        self.press(action)

    # Answers and pushes (the runtime's callback thread) --------------------------------

    def _replied(self, request: OutboxRequest, reply: Reply) -> None:
        if not isinstance(request, ButtonPress):
            return
        self.model.answered(request.id, reply, None)
        if not reply.ok:
            assert reply.problem is not None
            log.info("press refused", extra={"action": request.action.value,
                                             "code": reply.problem.code})
            self.panel.beep()
        self.refresh()
        self._tell(request, reply)

    def _refused(self, request: OutboxRequest | None, error: ErrorMessage) -> None:
        if not isinstance(request, ButtonPress):
            return
        self.model.answered(request.id, None, error.problem)
        self.panel.beep()
        self.refresh()
        self._tell(request, error)

    def _tell(self, request: ButtonPress, answer: Answer) -> None:
        for listener in list(self.answer_listeners):
            listener(request, answer)

    def _desk_pushed(self, state: DeskState) -> None:
        if self.model.update(state):
            self.refresh()
        for listener in list(self.state_listeners):
            listener(state)

    def _command(self, command: Command) -> None:
        if command.name is CommandName.IDENTIFY:
            seconds = float(command.args.get("seconds", IDENTIFY_SECONDS))
            self.panel.identify(seconds)
            timer = threading.Timer(seconds, self.refresh)
            timer.daemon = True
            timer.start()

    # Output ------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Show the model on the lamps and the display."""
        connected = self.runtime.connected.is_set()
        with self._refresh_lock:
            self.panel.show(self.model.lamps(connected))
            if self.display is not None:
                self.display.show(self.model.display_line(self.display.settings.width,
                                                          connected))

    def _drivers(self) -> dict[str, Driver]:
        drivers = {"buttons": self.panel.driver()}
        if self.display is not None:
            drivers["display"] = self.display.driver()
        return drivers


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kezek-call-button", description=__doc__)
    parser.add_argument("--config", help="settings file (default: $KEZEK_NODE_CONFIG)")
    parser.add_argument("--check", action="store_true",
                        help="validate the settings and exit")
    args = parser.parse_args(argv)
    try:
        settings = load_node_settings(CallButtonSettings, args.config)
    except NodeSettingsError as error:
        print(error, file=sys.stderr)
        return 2
    if args.check:
        print(f"settings of {settings.node_id} at desk {settings.desk} are valid")
        return 0
    configure_logging(settings.node_id)
    app = CallButtonApp(settings)
    stop = threading.Event()

    def stop_on_signal(_signal: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, stop_on_signal)
    signal.signal(signal.SIGINT, stop_on_signal)
    app.start()
    stop.wait()
    app.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
