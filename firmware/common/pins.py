"""One GPIO drives one thing: finding the pins a node's settings name twice, with the
fields that name them, so the installer sees which two wires to move."""

from __future__ import annotations

import re
from collections.abc import Mapping

# gpiozero accepts 17, "17", "GPIO17" and "BCM17" for the same BCM pin.
_BCM_NAME = re.compile(r"^(?:GPIO|BCM)?(\d+)$", re.IGNORECASE)


def _same_pin(pin: int | str) -> str:
    match = _BCM_NAME.match(str(pin).strip())
    return str(int(match.group(1))) if match else str(pin).strip().upper()


def doubled_pins(named: Mapping[str, int | str | None]) -> str | None:
    """None when every pin is named once; else e.g. `5 is buttons.next and lamps.busy`
    for each pin used more than once (fields in the order given)."""
    fields: dict[str, list[str]] = {}
    for field, pin in named.items():
        if pin is not None:
            fields.setdefault(_same_pin(pin), []).append(field)
    doubled = [f"{pin} is {' and '.join(names)}" for pin, names in fields.items()
               if len(names) > 1]
    return "; ".join(doubled) or None
