"""Buttons and lamps through gpiozero, on the pin factory the application opened
(firmware/common/gpio_factory.py: gpiozero's own choice, GPIOZERO_PIN_FACTORY=lgpio in
the node's unit, or a MockFactory passed in by tests and the demonstration). Debouncing
is gpiozero's `bounce_time`."""

from __future__ import annotations

import logging
from collections.abc import Callable

from gpiozero import LED, Button
from gpiozero.pins import Factory

from firmware.ticket_terminal.settings import ButtonsSection, LampsSection, Pin
from firmware.ticket_terminal.terminal import Signal

log = logging.getLogger(__name__)


class Buttons:
    """The visitor's buttons, wired to the terminal's handlers."""

    def __init__(self, section: ButtonsSection, *, language: Callable[[str], None],
                 purpose: Callable[[str], None], pin_factory: Factory | None = None) -> None:
        bounce = section.bounce_seconds or None

        def button(pin: Pin, action: Callable[[], None]) -> Button:
            device = Button(pin, pull_up=section.pull_up, bounce_time=bounce,
                            pin_factory=pin_factory)
            device.when_pressed = lambda: _safely(action)
            return device

        self.devices = [button(section.kazakh, lambda: language("kk")),
                        button(section.russian, lambda: language("ru"))]
        for entry in section.purposes:
            self.devices.append(button(entry.pin, _bound(purpose, entry.code)))

    def close(self) -> None:
        for device in self.devices:
            device.close()


def _bound(action: Callable[[str], None], value: str) -> Callable[[], None]:
    return lambda: action(value)


def _safely(action: Callable[[], None]) -> None:
    # gpiozero calls this on its own thread: an exception there would be lost silently.
    try:
        action()
    except Exception:
        log.exception("button handler failed")


# Per signal: lamp name -> "on" or a blink period in seconds.
LAMP_PATTERNS: dict[Signal, dict[str, str | float]] = {
    Signal.CHOOSE_LANGUAGE: {"language": "on"},
    Signal.CHOOSE_PURPOSE: {"purpose": "on"},
    Signal.BUSY: {"busy": "on"},
    Signal.OUT_OF_SERVICE: {"fault": "on"},
    Signal.NO_NUMBERS: {"fault": 0.25},
    Signal.CLOSED: {"fault": 1.0},
    Signal.REFUSED: {"busy": 0.25},
}


class Lamps:
    def __init__(self, section: LampsSection, pin_factory: Factory | None = None) -> None:
        pins = {"language": section.language, "purpose": section.purpose,
                "busy": section.busy, "fault": section.fault}
        self.devices = {name: LED(pin, active_high=section.active_high, pin_factory=pin_factory)
                        for name, pin in pins.items() if pin is not None}

    def show(self, signal: Signal) -> None:
        pattern = LAMP_PATTERNS[signal]
        for name, device in self.devices.items():
            how = pattern.get(name)
            if how is None:
                device.off()
            elif how == "on":
                device.on()
            else:
                assert isinstance(how, float)
                device.blink(on_time=how, off_time=how)

    def close(self) -> None:
        for device in self.devices.values():
            device.close()
