"""The GPIO pin factory the node's service would drive its pins through: a fault when it
does not load, when it is gpiozero's native fallback (no buttons on kernel 6.6+ or a
Pi 5), or when it is mock on a real Raspberry Pi; mock on a laptop is only a warning.

The factory is opened where the service opens it: as the service user (its groups:
`gpio` for /dev/gpiochip*), in the service's working directory, where Debian's lgpio
creates its notification pipe (`.lgd-nfy*`; in `/` it fails). Run as root from a login
shell, the doctor would otherwise find a factory that the service cannot open. Imports
gpiozero: the doctor loads this module only on nodes with GPIO (the display extra has
no gpiozero)."""

from __future__ import annotations

import contextlib
import importlib
import os
from collections.abc import Callable
from pathlib import Path

from contract.node_faults import NODE_FAULTS
from firmware.common.gpio_factory import factory_name, pin_factory_fault
from firmware.common.raspberry_pi import on_raspberry_pi
from provisioning.doctor.findings import Finding, fault, ok, warning
from provisioning.doctor.service_user import (
    ServiceUser,
    ServiceUserError,
    can_switch_to,
    run_as,
    service_user,
    service_working_directory,
)
from provisioning.doctor.settings import read_default
from provisioning.firstboot import DOCTOR_DEFAULTS, PIN_FACTORY_KEY

FACTORY_ENV = PIN_FACTORY_KEY
# gpiozero's modules of the factories it may load: imported before the fork, so the
# child (the service user) imports nothing while another thread could hold the lock.
FACTORY_MODULES = ("gpiozero.pins.lgpio", "gpiozero.pins.rpigpio", "gpiozero.pins.pigpio",
                   "gpiozero.pins.native", "gpiozero.pins.mock")
Probe = tuple[str | None, str]  # the factory's name, or None and why it did not load


def service_pin_factory(user: ServiceUser | None = None,
                        defaults_file: Path = Path(DOCTOR_DEFAULTS)) -> str | None:
    """GPIOZERO_PIN_FACTORY as the node's service has it: its unit's, else this
    environment's, else the one first boot wrote into the doctor's defaults; None for
    gpiozero's own choice."""
    if user is not None and user.environment.get(FACTORY_ENV):
        return user.environment[FACTORY_ENV]
    return read_default(FACTORY_ENV, defaults_file)


def open_factory(wanted: str | None) -> Probe:
    """Open gpiozero's pin factory under GPIOZERO_PIN_FACTORY=`wanted` (None: gpiozero's
    own choice), say which it is and close it again."""
    gpiozero = importlib.import_module("gpiozero")
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
        return None, str(error)
    finally:
        if previous is None:
            os.environ.pop(FACTORY_ENV, None)
        else:
            os.environ[FACTORY_ENV] = previous
    return name, ""


def _faulty(word: str, detail: str) -> Finding:
    text = NODE_FAULTS[word]
    return fault("gpio", text.kk, text.ru, detail)


def check_gpio(pin_factory: str, *, model_file: Path | None = None,
               defaults_file: Path = Path(DOCTOR_DEFAULTS),
               user: Callable[[], ServiceUser | None] = service_user,
               working_directory: Callable[[], Path] = service_working_directory
               ) -> Finding:
    """`pin_factory` as the node's settings name it; `default` is gpiozero's own choice
    under the service's GPIOZERO_PIN_FACTORY. Opened as `user()` in
    `working_directory()` (the node's unit's; tests give others)."""
    importlib.import_module("gpiozero")
    for module in FACTORY_MODULES:
        # The library behind it may be missing (ImportError) or refuse this machine
        # (RPi.GPIO raises RuntimeError off a Pi): then gpiozero skips it too.
        with contextlib.suppress(Exception):
            importlib.import_module(module)
    account = user()
    wanted = service_pin_factory(account, defaults_file) if pin_factory == "default" \
        else pin_factory
    directory = working_directory()
    # A state directory not made yet (the service never started): where the doctor is.
    cwd = directory if directory.is_dir() else None
    whom = f"as {account.name}" if account is not None and can_switch_to(account) \
        else f"as uid {os.geteuid()}"
    where = f"{whom} in {cwd or Path.cwd()}"
    try:
        name, error = run_as(account, lambda: open_factory(wanted), timeout=30.0, cwd=cwd)
    except ServiceUserError as failed:
        name, error = None, str(failed)
    if name is None:
        return _faulty("pin_factory_failed", f"{wanted or 'default'}: {error} ({where})")
    real_pi = on_raspberry_pi(model_file)
    word = pin_factory_fault(name, real_pi)
    board = "Raspberry Pi" if real_pi else "not a Raspberry Pi"
    if word is not None:
        return _faulty(word, f"{name} ({board})")
    if name == "mock":
        text = NODE_FAULTS["pin_factory_mock"]
        return warning("gpio", text.kk, text.ru, f"{name} ({board})")
    return ok("gpio", "GPIO дайын", "GPIO готов", f"{name} ({board}, {where})")
