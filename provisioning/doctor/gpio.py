"""The GPIO pin factory the node's service would drive its pins through: a fault when it
does not load, when it is gpiozero's native fallback (no buttons on kernel 6.6+ or a
Pi 5), or when it is mock on a real Raspberry Pi; mock on a laptop is only a warning."""

from __future__ import annotations

import importlib
import os
from pathlib import Path

from contract.node_faults import NODE_FAULTS
from firmware.common.gpio_factory import factory_name, pin_factory_fault
from firmware.common.raspberry_pi import on_raspberry_pi
from provisioning.doctor.findings import Finding, fault, ok, warning

FACTORY_ENV = "GPIOZERO_PIN_FACTORY"
# First boot writes the factory the node's unit sets (lgpio) here too, so the doctor,
# started from a login shell, judges the factory the service really gets.
DOCTOR_DEFAULTS = Path("/etc/default/kezek-doctor")


def service_pin_factory(defaults_file: Path = DOCTOR_DEFAULTS) -> str | None:
    """GPIOZERO_PIN_FACTORY as the node's service has it: the environment's, else the
    one first boot wrote into the doctor's defaults; None for gpiozero's own choice."""
    if os.environ.get(FACTORY_ENV):
        return os.environ[FACTORY_ENV]
    try:
        lines = defaults_file.read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        if line.startswith(f"{FACTORY_ENV}="):
            return line.split("=", 1)[1].strip() or None
    return None


def _faulty(word: str, detail: str) -> Finding:
    text = NODE_FAULTS[word]
    return fault("gpio", text.kk, text.ru, detail)


def check_gpio(pin_factory: str, *, model_file: Path | None = None,
               defaults_file: Path = DOCTOR_DEFAULTS) -> Finding:
    """`pin_factory` as the node's settings name it; `default` is gpiozero's own choice
    under the service's GPIOZERO_PIN_FACTORY."""
    gpiozero = importlib.import_module("gpiozero")
    wanted = service_pin_factory(defaults_file) if pin_factory == "default" else pin_factory
    previous = os.environ.get(FACTORY_ENV)
    if wanted is None:
        os.environ.pop(FACTORY_ENV, None)
    else:
        os.environ[FACTORY_ENV] = wanted
    try:
        factory = gpiozero.Device._default_pin_factory()
        name = factory_name(factory)
        factory.close()
    # Pin libraries raise their own types: lgpio's `lgpio.error` is a bare Exception
    # (e.g. 'can not open gpiochip' for a user outside the gpio group).
    except Exception as error:
        return _faulty("pin_factory_failed", f"{wanted or 'default'}: {error}")
    finally:
        if previous is None:
            os.environ.pop(FACTORY_ENV, None)
        else:
            os.environ[FACTORY_ENV] = previous
    real_pi = on_raspberry_pi(model_file)
    word = pin_factory_fault(name, real_pi)
    board = "Raspberry Pi" if real_pi else "not a Raspberry Pi"
    if word is not None:
        return _faulty(word, f"{name} ({board})")
    if name == "mock":
        text = NODE_FAULTS["pin_factory_mock"]
        return warning("gpio", text.kk, text.ru, f"{name} ({board})")
    return ok("gpio", "GPIO дайын", "GPIO готов", f"{name} ({board})")
