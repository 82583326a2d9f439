"""Which gpiozero pin factory a node drives its pins through, and whether it can work.

gpiozero tries lgpio, RPi.GPIO and pigpio, and at last falls back to its experimental
`native` factory, whose sysfs export fails on kernel 6.6+ and which cannot drive a Pi 5:
a node on it starts, but its buttons never fire. `mock` is right on a laptop and wrong
on a Pi. A node opens its factory here, says which one it got, and reports what is wrong
as its buttons' driver detail, a word of contract/node_faults.py; the node doctor judges
the same way. A factory that does not load at all leaves the node running on simulated
pins, reporting `pin_factory_failed`, so the rest of it (the link, the printer) still
works and the fleet page says why the buttons do not."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from gpiozero import Device
from gpiozero.pins import Factory
from gpiozero.pins.mock import MockFactory

from contract.mqtt import Driver, DriverState
from firmware.common.raspberry_pi import on_raspberry_pi

log = logging.getLogger(__name__)

# gpiozero's factory classes by the name GPIOZERO_PIN_FACTORY gives them.
_NAMES = {"LGPIOFactory": "lgpio", "RPiGPIOFactory": "rpigpio", "PiGPIOFactory": "pigpio",
          "NativeFactory": "native", "MockFactory": "mock"}


def factory_name(factory: object) -> str:
    """`lgpio`, `native`, `mock`, …: the name GPIOZERO_PIN_FACTORY would give it."""
    for cls in type(factory).__mro__:
        if cls.__name__ in _NAMES:
            return _NAMES[cls.__name__]
    return type(factory).__name__


def pin_factory_fault(name: str, real_pi: bool) -> str | None:
    """The fault word for pins through factory `name`; None when they can work."""
    if name == "native":
        return "pin_factory_native"
    if name == "mock" and real_pi:
        return "pin_factory_mock"
    return None


@dataclass(frozen=True, slots=True)
class PinFactory:
    factory: Factory
    name: str
    fault: str | None  # a word of contract.node_faults.NODE_FAULTS

    def driver(self) -> Driver:
        if self.fault is None:
            return Driver(state=DriverState.OK)
        return Driver(state=DriverState.FAULT, detail=self.fault)


def open_pin_factory(factory: Factory | None = None, *,
                     model_file: Path | None = None) -> PinFactory:
    """`factory` when given (tests, `pin_factory = "mock"`), else gpiozero's own choice,
    which honours GPIOZERO_PIN_FACTORY (lgpio in the node's unit)."""
    real_pi = on_raspberry_pi(model_file)
    if factory is None and Device.pin_factory is not None:
        factory = Device.pin_factory
    if factory is None:
        try:
            factory = Device._default_pin_factory()
        # Pin libraries raise their own types: lgpio's `lgpio.error` is a bare Exception
        # (e.g. 'can not open gpiochip' for a user outside the gpio group).
        except Exception as error:
            log.error("no GPIO pin factory loads: the buttons and lamps are simulated",
                      extra={"error": str(error)})
            return PinFactory(MockFactory(), "mock", "pin_factory_failed")
        # As gpiozero does for its first device: closed at exit with the others.
        Device.pin_factory = factory
    name = factory_name(factory)
    fault = pin_factory_fault(name, real_pi)
    if fault is not None:
        log.error("GPIO pins through the %s pin factory cannot work here", name,
                  extra={"fault": fault})
    else:
        log.info("GPIO pins through the %s pin factory", name)
    return PinFactory(factory, name, fault)
