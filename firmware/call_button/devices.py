"""The desk's hardware through gpiozero: buttons, three lamps and a buzzer, all on one
pin factory (the Pi's own, or MockFactory for tests and the virtual center; a factory
that cannot work is the buttons' driver fault, see firmware/common/gpio_factory.py); and
the optional serial display through pyserial."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable

import serial
from gpiozero import LED, Button, Buzzer
from gpiozero.pins import Factory

from contract.mqtt import ButtonAction, Driver, DriverState
from firmware.call_button.desk_model import LampMode, Lamps
from firmware.call_button.settings import CallButtonSettings, SerialDisplaySettings
from firmware.common.gpio_factory import open_pin_factory

log = logging.getLogger("kezek.call_button.devices")

PressHandler = Callable[[ButtonAction], None]


def pin_factory(kind: str) -> Factory | None:
    """The factory the settings name; None lets gpiozero choose (GPIOZERO_PIN_FACTORY,
    lgpio in the node's unit)."""
    if kind == "mock":
        from gpiozero.pins.mock import MockFactory
        return MockFactory()
    return None


class DeskPanel:
    """Buttons that report actions, lamps that show a `Lamps`, a buzzer that beeps."""

    def __init__(self, settings: CallButtonSettings, on_press: PressHandler,
                 factory: Factory | None = None) -> None:
        self.pins = open_pin_factory(factory if factory is not None
                                     else pin_factory(settings.gpio.pin_factory))
        self.factory = self.pins.factory
        self._on_press = on_press
        buttons = settings.buttons
        self._hold_is_no_show = buttons.no_show is None
        bounce = buttons.bounce_ms / 1000 if buttons.bounce_ms else None
        self.buttons: dict[str, Button] = {}
        for name, pin in buttons.pins().items():
            button = Button(pin, pull_up=buttons.pull_up, bounce_time=bounce,
                            hold_time=buttons.hold_seconds, pin_factory=self.factory)
            self.buttons[name] = button
        self._held = threading.Event()
        self._bounce = buttons.bounce_ms / 1000
        self._last_press: dict[ButtonAction, float] = {}
        self._press_lock = threading.Lock()
        self.bounced = 0
        next_button = self.buttons["next"]
        if self._hold_is_no_show:
            # Next acts on release: a short press calls, a long one (held) is a no-show.
            next_button.when_held = self._next_held
            next_button.when_released = self._next_released
        else:
            next_button.when_pressed = lambda: self._press(ButtonAction.NEXT)
        for name, button in self.buttons.items():
            if name != "next":
                action = ButtonAction(name)
                button.when_pressed = lambda action=action: self._press(action)
        lamps = settings.lamps
        self.lamps: dict[str, LED] = {
            name: LED(pin, active_high=lamps.active_high, pin_factory=self.factory)
            for name, pin in lamps.pins().items()}
        self._modes: dict[str, LampMode] = dict.fromkeys(self.lamps, LampMode.OFF)
        self._blink = lamps.blink_seconds
        self.buzzer = (Buzzer(settings.buzzer.pin, active_high=settings.buzzer.active_high,
                              pin_factory=self.factory)
                       if settings.buzzer.pin is not None else None)
        self._beep = settings.buzzer.beep_seconds
        self.beeps = 0

    def _press(self, action: ButtonAction) -> None:
        # gpiozero's bounce_time is honoured by the Pi's pin libraries but not by every
        # factory (MockFactory ignores it): contact bounce is also filtered here.
        now = time.monotonic()
        with self._press_lock:
            last = self._last_press.get(action)
            self._last_press[action] = now
        if last is not None and now - last < self._bounce:
            self.bounced += 1
            return
        try:
            self._on_press(action)
        except Exception:
            log.exception("a press of %s could not be handled", action.value)

    def _next_held(self) -> None:
        self._held.set()
        self._press(ButtonAction.NO_SHOW)

    def _next_released(self) -> None:
        if self._held.is_set():
            self._held.clear()
            return
        self._press(ButtonAction.NEXT)

    def show(self, lamps: Lamps) -> None:
        for name, mode in (("serving", lamps.serving), ("waiting", lamps.waiting),
                           ("fault", lamps.fault)):
            led = self.lamps.get(name)
            if led is None or self._modes[name] is mode:
                continue
            self._modes[name] = mode
            if mode is LampMode.ON:
                led.on()
            elif mode is LampMode.OFF:
                led.off()
            else:
                led.blink(on_time=self._blink, off_time=self._blink)

    def mode(self, lamp: str) -> LampMode:
        return self._modes[lamp]

    def beep(self) -> None:
        """One beep for one refused press: never a storm."""
        self.beeps += 1
        if self.buzzer is not None:
            self.buzzer.blink(on_time=self._beep, off_time=self._beep, n=1)

    def identify(self, seconds: float) -> None:
        """Blink every lamp so an installer finds this node; the next state restores them."""
        for name, led in self.lamps.items():
            self._modes[name] = LampMode.BLINK
            led.blink(on_time=0.1, off_time=0.1, n=max(1, int(seconds / 0.2)))

    def driver(self) -> Driver:
        return self.pins.driver()

    def close(self) -> None:
        for device in [*self.buttons.values(), *self.lamps.values(),
                       *([self.buzzer] if self.buzzer is not None else [])]:
            device.close()


class SerialDisplay:
    """A small text display on a serial port: one ASCII line ended by CR LF, written
    only when it changes. A display that fails is reported as a fault and retried
    at the next change; the buttons keep working."""

    def __init__(self, settings: SerialDisplaySettings) -> None:
        self.settings = settings
        self._port: serial.SerialBase | None = None
        self._last: str | None = None
        self._fault: str | None = None
        self._lock = threading.Lock()

    def show(self, line: str) -> None:
        text = line.ljust(self.settings.width)[:self.settings.width]
        with self._lock:
            if text == self._last:
                return
            try:
                if self._port is None:
                    self._port = serial.serial_for_url(self.settings.url,
                                                       baudrate=self.settings.baudrate,
                                                       timeout=1, write_timeout=1)
                self._port.write(text.encode("ascii", "replace") + b"\r\n")
                self._port.flush()
                self._last, self._fault = text, None
            except (serial.SerialException, OSError) as error:
                log.warning("serial display failed: %s", error)
                self._fault = "serial_error"
                self._close_port()

    def driver(self) -> Driver:
        with self._lock:
            if self._fault is not None:
                return Driver(state=DriverState.FAULT, detail=self._fault)
            return Driver(state=DriverState.OK)

    @property
    def port(self) -> serial.SerialBase | None:
        return self._port

    def _close_port(self) -> None:
        if self._port is not None:
            with contextlib.suppress(serial.SerialException, OSError):
                self._port.close()
            self._port = None

    def close(self) -> None:
        with self._lock:
            self._close_port()
