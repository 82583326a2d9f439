"""The GPIO pin factory gpiozero would use."""

from __future__ import annotations

import importlib
import os

from provisioning.doctor.findings import Finding, fault, ok, warning


def check_gpio(pin_factory: str) -> Finding:
    """`pin_factory` as the node's settings name it; `default` is gpiozero's own choice,
    which honours GPIOZERO_PIN_FACTORY as the node's service would."""
    gpiozero = importlib.import_module("gpiozero")
    bad_pin_factory = importlib.import_module("gpiozero.exc").BadPinFactory

    previous = os.environ.get("GPIOZERO_PIN_FACTORY")
    if pin_factory != "default":
        os.environ["GPIOZERO_PIN_FACTORY"] = pin_factory
    try:
        factory = gpiozero.Device._default_pin_factory()
        name = type(factory).__name__
        factory.close()
    except (bad_pin_factory, ImportError, OSError, RuntimeError) as error:
        return fault("gpio", "GPIO драйвері жүктелмеді", "Не загрузился драйвер GPIO",
                     f"{pin_factory}: {error}")
    finally:
        if previous is None:
            os.environ.pop("GPIOZERO_PIN_FACTORY", None)
        else:
            os.environ["GPIOZERO_PIN_FACTORY"] = previous
    if name == "MockFactory":
        return warning("gpio", "GPIO жалған (mock): түймелер жұмыс істемейді",
                       "GPIO фиктивный (mock): кнопки не работают", name)
    return ok("gpio", "GPIO дайын", "GPIO готов", name)
